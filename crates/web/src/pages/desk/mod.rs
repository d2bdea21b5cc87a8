//! The staff desk's frame — the navigation every page shows, the rows of any list of items —
//! and the pages that belong to no one kind: login, 我的待办, any item, the leaders' dashboard.
//! Each page is a file; the hotline's pages are in `pages/hotline`.

use self::prelude::*;
use sanfu_domain::hotline::Urgency;
use sanfu_store::hotline::orders::OrderSummary;

/// The API's view of a desk user, for handlers shared with the JSON routes.
pub(crate) fn authed(d: &Desk) -> Authed {
    Authed { staff: d.staff.clone(), session_id: d.session_id.clone(), actor: d.actor.clone() }
}

pub(crate) mod dashboard;
pub(crate) mod inbox;
pub(crate) mod item;
pub(crate) mod login;

/// What every page of the desk is written with.
pub(crate) mod prelude {
    pub(crate) use askama::Template;
    pub(crate) use axum::extract::{Path, Query, State};
    pub(crate) use axum::http::StatusCode;
    pub(crate) use axum::http::header::{SET_COOKIE, USER_AGENT};
    pub(crate) use axum::http::HeaderMap;
    pub(crate) use axum::response::{IntoResponse, Redirect, Response};
    pub(crate) use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};
    pub(crate) use sanfu_domain::{Role, UnitKind};
    pub(crate) use sanfu_store::events::Event;
    pub(crate) use sanfu_store::desk::InboxItem;
    pub(crate) use sanfu_store::kernel::items::ItemSummary;
    pub(crate) use sanfu_store::kernel::inbox::QueueCount;
    pub(crate) use sanfu_store::org::{Scope, Unit};
    pub(crate) use sanfu_store::Store;
    pub(crate) use serde::Deserialize;
    pub(crate) use crate::pages::charts::{self, Bar, Stack};
    pub(crate) use crate::pages::{Desk, Flash, Form, FormToken, Opt, PageError, PageResult, back, enc, fmt_time, opts, pct, render};
    pub(crate) use crate::AppState;
    pub(crate) use crate::error::ApiError;
    pub(crate) use crate::extract::{Authed, ClientIp, SESSION_COOKIE};
    pub(crate) use super::{FlashQuery, Nav, Row, authed, item_row, level_label, nav, nav_of, off, row};
}
/// What every staff page shows around its content.
pub struct Nav {
    pub name: String,
    pub unit: String,
    pub role: &'static str,
    pub csrf: String,
    pub active: &'static str,
    pub inbox_total: i64,
    pub hotline: bool,
    pub dashboard: bool,
    pub ranking: bool,
    pub admin: bool,
    /// A city leader: may write instructions (批示) on what they read.
    pub leader: bool,
}

/// Figures read from a replica say how fresh they are (nothing when they come from the primary).
pub(crate) async fn freshness(st: &AppState) -> Option<String> {
    let lag = st.store.replica_lag_ms().await.ok()??;
    let as_of = chrono::Utc::now() - chrono::Duration::milliseconds(lag);
    Some(format!(
        "数据来自只读副本，截至 {}（落后主库约 {:.1} 秒）",
        as_of.with_timezone(&st.store.offset()).format("%H:%M:%S"),
        lag as f64 / 1000.0
    ))
}

pub(crate) async fn nav(st: &AppState, d: &Desk, active: &'static str) -> Result<Nav, PageError> {
    let counts = st.store.queue_counts(&d.staff).await?;
    Ok(nav_of(d, active, &counts))
}

/// The bar of a page that has read the reader's queue counts already (the inbox, the
/// dashboard): the badge from them, not from a second count.
pub(crate) fn nav_of(d: &Desk, active: &'static str, counts: &[QueueCount]) -> Nav {
    Nav {
        name: d.staff.name.clone(),
        unit: d.staff.unit_name.clone(),
        role: d.staff.primary_role().label(),
        csrf: d.csrf.clone(),
        active,
        inbox_total: counts.iter().map(|c| c.count).sum(),
        hotline: d.staff.is_hotline(),
        dashboard: d.sees_dashboard(),
        ranking: d.staff.sees_ranking(),
        admin: d.is_admin(),
        leader: d.staff.has(Role::Leader),
    }
}

pub(crate) fn off(st: &AppState) -> FixedOffset {
    st.store.offset()
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    pub ok: Option<String>,
    pub err: Option<String>,
}

impl FlashQuery {
    pub(crate) fn flash(&self) -> Flash {
        Flash { ok: self.ok.clone(), err: self.err.clone() }
    }
}

/// One list row ready to show.
pub struct Row {
    /// Where the number links to: the kind's page of the item.
    pub href: String,
    pub number: String,
    pub subject: String,
    pub state: &'static str,
    pub order_type: &'static str,
    pub urgent: bool,
    pub unit: String,
    pub created: String,
    pub due: String,
    pub due_label: &'static str,
    pub level: &'static str,
    pub level_label: &'static str,
    pub queue: &'static str,
    /// For a search: the text around the words found.
    pub snippet: Vec<sanfu_store::search::Piece>,
}

pub fn level_label(level: &str) -> &'static str {
    match level {
        "green" => "正常",
        "yellow" => "临期",
        "red" => "超期",
        "met" => "按时完成",
        "late" => "超期完成",
        _ => "",
    }
}

pub(crate) fn row(o: &OrderSummary, queue: &'static str, off: FixedOffset) -> Row {
    let (due, due_label, level) = match &o.next_due {
        Some(d) => (fmt_time(d.due_at, off), d.label, d.level),
        None => (String::new(), "", ""),
    };
    Row {
        href: format!("/orders/{}", o.number),
        number: o.number.clone(),
        subject: o.subject.clone(),
        state: o.state_label,
        order_type: o.order_type_label,
        urgent: o.urgency == Urgency::Urgent,
        unit: o.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        created: fmt_time(o.created_at, off),
        due,
        due_label,
        level,
        level_label: level_label(level),
        queue,
        snippet: o.snippet.clone().unwrap_or_default(),
    }
}

/// A row of an item of any kind, from the kernel's summary; an order gets its own richer row.
pub(crate) fn item_row(item: &ItemSummary, order: Option<&OrderSummary>, queue: &'static str, off: FixedOffset) -> Row {
    if let Some(o) = order {
        return row(o, queue, off);
    }
    let level = item.level.unwrap_or("");
    Row {
        href: crate::pages::desk::item::href(item.kind, &item.number),
        number: item.number.clone(),
        subject: item.title.clone(),
        state: item.state_label,
        order_type: item.kind_label,
        urgent: false,
        unit: item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        created: fmt_time(item.created_at, off),
        due: item.due_at.map(|d| fmt_time(d, off)).unwrap_or_default(),
        due_label: item.due_label.unwrap_or(""),
        level,
        level_label: level_label(level),
        queue,
        snippet: Vec::new(),
    }
}
