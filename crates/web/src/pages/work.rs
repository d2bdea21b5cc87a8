//! One page shape for the kinds of work that need no special layout — 政务信息, 刊物, 约稿, 党建's
//! meetings, rectification items, study records and projects: tabs, the facts, long texts,
//! tables, the timeline, and the forms of the actions the reader may take now (the kind's
//! rule table decides which), each a real form posting back to the page routes.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::AppState;
use crate::pages::Flash;
use crate::pages::desk::Nav;
use crate::pages::desk::item::Step;

pub(crate) struct Cell {
    pub text: String,
    pub href: Option<String>,
}

pub(crate) fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), href: None }
}

pub(crate) fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
    Cell { text: text.into(), href: Some(href.into()) }
}

pub(crate) struct TRow {
    pub class: &'static str,
    pub cells: Vec<Cell>,
}

/// A row coloured by the item's warning level.
pub(crate) fn row(level: Option<&str>, cells: Vec<Cell>) -> TRow {
    TRow { class: match level { Some("red") => "row-red", Some("yellow") => "row-yellow", _ => "" }, cells }
}

pub(crate) struct TableBlock {
    pub id: &'static str,
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<TRow>,
    pub empty: &'static str,
}

pub(crate) struct Field {
    pub name: &'static str,
    pub label: String,
    /// text, date, datetime-local, number, textarea, select, multi, checks, hidden.
    pub kind: &'static str,
    pub value: String,
    pub hint: String,
    pub options: Vec<(String, String, bool)>,
    pub required: bool,
    pub rows: u32,
}

impl Field {
    pub fn new(kind: &'static str, name: &'static str, label: &str) -> Self {
        Field { name, label: label.into(), kind, value: String::new(), hint: String::new(), options: Vec::new(), required: false, rows: 4 }
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }
    pub fn hint(mut self, v: impl Into<String>) -> Self {
        self.hint = v.into();
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn rows(mut self, n: u32) -> Self {
        self.rows = n;
        self
    }
    pub fn options(mut self, o: impl IntoIterator<Item = (String, String, bool)>) -> Self {
        self.options = o.into_iter().collect();
        self
    }
}

pub(crate) struct FormSpec {
    pub id: String,
    pub label: String,
    pub method: &'static str,
    pub action: String,
    pub button: String,
    pub fields: Vec<Field>,
    pub files: bool,
    pub open: bool,
    pub secondary: bool,
    pub note: String,
}

impl FormSpec {
    pub fn post(id: &str, label: &str, action: impl Into<String>, fields: Vec<Field>) -> Self {
        FormSpec { id: id.into(), label: label.into(), method: "post", action: action.into(), button: label.into(), fields, files: false, open: false, secondary: false, note: String::new() }
    }
    pub fn open(mut self) -> Self {
        self.open = true;
        self
    }
    pub fn files(mut self) -> Self {
        self.files = true;
        self
    }
    pub fn secondary(mut self) -> Self {
        self.secondary = true;
        self
    }
    pub fn button(mut self, b: &str) -> Self {
        self.button = b.into();
        self
    }
    pub fn note(mut self, n: impl Into<String>) -> Self {
        self.note = n.into();
        self
    }
    pub fn get(mut self) -> Self {
        self.method = "get";
        self
    }
}

#[derive(Default)]
pub(crate) struct Work {
    pub title: String,
    pub state_label: String,
    /// (label, done, current)
    pub flow: Vec<(&'static str, bool, bool)>,
    /// (label, href, on, id)
    pub tabs: Vec<(String, String, bool, String)>,
    pub alert: Option<String>,
    pub facts: Vec<(String, String)>,
    /// (heading, text, id)
    pub blocks: Vec<(String, String, String)>,
    /// (label, href, id)
    pub links: Vec<(String, String, String)>,
    pub tables: Vec<TableBlock>,
    pub forms_title: String,
    pub forms: Vec<FormSpec>,
    /// What the side says when the reader has nothing to do.
    pub idle: String,
    /// No side column.
    pub wide: bool,
}

impl Work {
    pub fn fact(&mut self, label: &str, value: impl Into<String>) {
        self.facts.push((label.into(), value.into()));
    }
}

#[derive(Template)]
#[template(path = "work.html")]
pub(crate) struct WorkPage {
    pub nav: Nav,
    pub flash: Flash,
    pub w: Work,
    pub timeline: Vec<Step>,
}

/// The flow of a kind's states in order, the current one marked.
pub(crate) fn flow(states: &[(&'static str, &'static str)], current: &str) -> Vec<(&'static str, bool, bool)> {
    let at = states.iter().position(|s| s.0 == current);
    states.iter().enumerate().map(|(i, s)| (s.1, at.is_some_and(|a| i < a), at == Some(i))).collect()
}

/// An option of a select: (value, label, selected).
pub(crate) fn opt(v: &str, l: &str, sel: bool) -> (String, String, bool) {
    (v.to_string(), l.to_string(), sel)
}

/// A `datetime-local` field's value as a moment (none when left empty).
pub(crate) fn local(st: &AppState, s: Option<String>) -> Option<DateTime<Utc>> {
    s.filter(|v| !v.trim().is_empty()).and_then(|v| crate::pages::supervision::item::local_time(st, &v))
}
