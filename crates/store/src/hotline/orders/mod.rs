//! Work orders in the database: registration ([`register`]), the one `act` that runs every
//! transition of [`sanfu_domain::hotline`] through the kernel's writer ([`act`]), and the views
//! each kind of reader gets ([`read`], [`list`], [`citizen`]). The types they share are here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use sanfu_domain::validate::{self, MAX_CONTENT_CHARS, MAX_SHORT_TEXT_CHARS, MAX_SUBJECT_CHARS};
use sanfu_domain::hotline::{
    self, Action, Hotline, Channel, DeadlineKind, DeadlineState, OrderType, PendingExtension,
    Satisfaction, Snapshot, State, UnitRef, Urgency,
};
use sanfu_domain::kernel::Kind;
use sanfu_domain::{Actor, DomainError, Staff, UnitKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::{Store, StoreError, from_ms, in_clause, new_id, to_ms};
use crate::events::{self, Event, NewEvent};
use crate::hotline::facts;
use crate::kernel::write::{self, due_state};
use crate::org::Scope;

pub use crate::kernel::items::{AssignmentView, Page, UnitName, Viewer};

mod act;
mod citizen;
mod export;
pub use export::{ExportRow, OrderExport};
mod list;
mod read;
mod register;

/// What a person (or a client program) submits to register an order, before any check.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrderInput {
    pub channel: Option<String>,
    pub order_type: Option<String>,
    pub urgency: Option<String>,
    pub category_id: Option<String>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub citizen_name: Option<String>,
    pub citizen_phone: Option<String>,
    #[serde(default)]
    pub confidential: bool,
    /// The citizen agrees that the request and its answer may be published on the reply board
    /// (问政) once the centre has approved what is shown.
    #[serde(default)]
    pub publish_consent: bool,
}

/// The order after every check, ready to store.
#[derive(Debug, Clone)]
struct CheckedOrder {
    channel: Channel,
    order_type: OrderType,
    urgency: Urgency,
    category_id: String,
    subject: String,
    content: String,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    citizen_name: Option<String>,
    citizen_phone: Option<String>,
    confidential: bool,
    publish_consent: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    pub kind: DeadlineKind,
    pub label: &'static str,
    pub due_at: DateTime<Utc>,
    /// Rests on a year whose holiday schedule is not loaded yet.
    pub provisional: bool,
    pub met_at: Option<DateTime<Utc>>,
    /// Done late, or not done and past due.
    pub overdue: bool,
    /// green (time enough), yellow (most of the time used), red (past due), met, late (met after the due time).
    pub level: &'static str,
    pub warn_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Citizen {
    /// `None` when hidden from this reader (a confidential order).
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Whether `phone` is the masked form.
    pub masked: bool,
}

/// An order as a member of staff sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    /// The kind of work (always `work_order` here) and its name.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub order_type: OrderType,
    pub order_type_label: &'static str,
    pub urgency: Urgency,
    pub urgency_label: &'static str,
    pub category: UnitName,
    pub subject: String,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub citizen: Citizen,
    pub confidential: bool,
    pub lead_unit: Option<UnitName>,
    pub co_units: Vec<UnitName>,
    pub assignments: Vec<AssignmentView>,
    pub deadlines: Vec<DeadlineView>,
    pub pending_extension: Option<PendingExtension>,
    pub extension_days: u32,
    pub reopen_count: u32,
    pub answer: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub master_id: Option<String>,
    pub knowledge_id: Option<String>,
    /// 督办: escalated into supervision.
    pub escalated: bool,
    /// The citizen agreed to publication on the reply board.
    pub publish_consent: bool,
    /// What the reply board shows of this order, once the centre has approved it.
    pub publication: Option<crate::hotline::publish::Publication>,
    /// The actions the reader may take now, by the rule table (who, from which state); an
    /// action's further conditions are checked when it is taken.
    pub allowed_actions: Vec<&'static str>,
    /// Items linked to this one (the supervision item it was escalated into …).
    pub links: Vec<crate::kernel::items::LinkView>,
    /// Yellow and red cards shown to units on this order.
    pub cards: Vec<sanfu_domain::kernel::Card>,
    /// An earlier order from the same caller in the same category within 30 days (重复来电).
    pub repeat_of: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One row of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: String,
    /// Always `work_order`: the kind of work, as on every item.
    pub kind: &'static str,
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub order_type: OrderType,
    pub order_type_label: &'static str,
    pub urgency: Urgency,
    pub subject: String,
    pub lead_unit: Option<UnitName>,
    pub created_at: DateTime<Utc>,
    /// The next deadline not yet met.
    pub next_due: Option<DeadlineView>,
    /// For a search: the text around the words found, with the matches marked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<crate::search::Piece>>,
}

/// What the citizen sees with number and query code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicView {
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub order_type_label: &'static str,
    pub subject: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub handling_unit: Option<String>,
    pub answer: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub can_rate: bool,
    pub can_withdraw: bool,
    pub timeline: Vec<PublicStep>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    pub at: DateTime<Utc>,
    pub action: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub order: OrderView,
    /// Shown once, to the citizen; only its hash is stored.
    pub query_code: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    pub state: Option<String>,
    pub unit_id: Option<String>,
    pub order_type: Option<String>,
    pub phone: Option<String>,
    /// Full-text search over the order's text and answer, best matches first.
    pub q: Option<String>,
    pub category_id: Option<String>,
    /// Registered on or after this day (YYYY-MM-DD, local time).
    pub from: Option<String>,
    /// Registered on or before this day.
    pub to: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}


const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn new_query_code() -> String {
    let mut rng = rand::rng();
    (0..8).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

fn code_hash(code: &str) -> String {
    Sha256::digest(code.trim().to_ascii_uppercase().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_enum<T>(v: Option<&str>, parse: fn(&str) -> Option<T>, default: Option<T>, code: &'static str, label: &str) -> Result<T, DomainError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => default.ok_or_else(|| DomainError::invalid(code, format!("请选择{label}"))),
        Some(s) => parse(s).ok_or_else(|| DomainError::invalid(code, format!("{label}“{s}”不存在"))),
    }
}

type ItemRow = (String, String, String, i64, String, Option<String>, i64, i64, Option<i64>);
/// The order-specific columns of `work_orders`.
struct OrderRow {
    channel: String,
    category_id: String,
    content: String,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    citizen_name: Option<String>,
    citizen_phone: Option<String>,
    confidential: bool,
    query_code_hash: String,
    repeat_of: Option<String>,
    publish_consent: bool,
}

/// Everything loaded about one order.
struct Loaded {
    id: String,
    number: String,
    version: i64,
    title: String,
    updated_at: i64,
    row: OrderRow,
    snapshot: Snapshot,
    knowledge_id: Option<String>,
}

fn deadline_view(kind: DeadlineKind, d: &DeadlineState, now: DateTime<Utc>) -> DeadlineView {
    let overdue = match d.met_at {
        Some(m) => m > d.due.at,
        None => now > d.due.at,
    };
    let level = sanfu_domain::kernel::due_view_level(d, now);
    DeadlineView {
        kind,
        label: kind.label(),
        due_at: d.due.at,
        provisional: d.due.provisional,
        met_at: d.met_at,
        overdue,
        level,
        warn_at: d.warn_at,
    }
}

/// Every unit kind that takes hotline work, for pickers.
pub fn handler_kinds() -> Vec<UnitKind> {
    UnitKind::ALL.iter().copied().filter(|k| k.can_handle()).collect()
}

/// Short texts given with actions (reasons, notes, answers).
pub fn action_text(field: &'static str, label: &str, v: Option<&str>) -> Result<String, DomainError> {
    validate::text(field, label, v.unwrap_or_default(), MAX_SHORT_TEXT_CHARS.max(if field == "answer" { MAX_CONTENT_CHARS } else { 0 }))
}
