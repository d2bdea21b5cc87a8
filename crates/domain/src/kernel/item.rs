//! The parts of an item every kind has: who it is handed to, what is due when, extensions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde::{Deserialize, Serialize};

use crate::kernel::assign::{Assignment, AssignmentRole};
use crate::kernel::rules::KindState;
use crate::limits::{Limit, warn_point};

/// Which due date: its name in the kind's table, the unit it is owed by (empty: the item as a
/// whole) and its place in a series (the third ten-day report is 3; a one-off is 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DueKey {
    pub name: String,
    pub unit_id: String,
    pub seq: u32,
}

impl DueKey {
    /// A one-off due date of the whole item.
    pub fn item(name: &str) -> Self {
        DueKey { name: name.to_string(), unit_id: String::new(), seq: 0 }
    }
}

/// One due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueState {
    /// When the clock started (the dispatch, the 重办).
    pub started_at: DateTime<Utc>,
    pub due: Deadline,
    /// When the yellow warning is due (by default 80% of the time used).
    pub warn_at: DateTime<Utc>,
    /// Counted in working time (else clock time).
    pub working: bool,
    /// When the thing it asks for was done.
    pub met_at: Option<DateTime<Utc>>,
}

impl DueState {
    /// A due date `limit` after `start`, warned when `pct` per cent of the time is used.
    pub fn after(start: DateTime<Utc>, limit: &Limit, cal: &Calendar, pct: u32) -> Self {
        DueState::until(start, limit.due(start, cal), limit.is_working_time(), cal, pct)
    }

    /// A due date at a given moment.
    pub fn until(start: DateTime<Utc>, due: Deadline, working: bool, cal: &Calendar, pct: u32) -> Self {
        DueState { started_at: start, due, warn_at: warn_point(start, due.at, working, pct, cal), working, met_at: None }
    }
}

impl DueState {
    /// The same due date moved `days` working days later (an approved 延期), its warning
    /// point moved with it; provisional if either end is.
    pub fn extended(&self, days: u32, cal: &Calendar, pct: u32) -> DueState {
        let moved = cal.add_working_days(self.due.at, days);
        let due = Deadline { at: moved.at, provisional: moved.provisional || self.due.provisional };
        DueState { due, warn_at: warn_point(self.started_at, due.at, self.working, pct, cal), ..*self }
    }
}

/// green (time enough), yellow (most of the time used), red (past due), met, late (met after
/// the due time): the colour a due date shows at `now`.
pub fn due_view_level(d: &DueState, now: DateTime<Utc>) -> &'static str {
    match d.met_at {
        Some(m) if m > d.due.at => "late",
        Some(_) => "met",
        None if now > d.due.at => "red",
        None if now >= d.warn_at => "yellow",
        None => "green",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingExtension {
    pub days: u32,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub unit_id: String,
}

/// What the store writes of any item, whatever its kind: the kernel's columns and rows.
pub trait ItemView {
    fn state_code(&self) -> &'static str;
    fn assignments(&self) -> &[Assignment];
    fn dues(&self) -> Vec<(DueKey, DueState)>;
    fn extension_pending(&self) -> bool;
    fn closed_at(&self) -> Option<DateTime<Utc>>;
    fn lead_unit_id(&self) -> Option<&str> {
        self.assignments().iter().find(|a| a.active && a.role == AssignmentRole::Lead).map(|a| a.unit_id.as_str())
    }
}

/// An item that is nothing but the kernel's parts: enough for a kind whose rules are all in
/// its table (each action moves to one state), and the base of kinds that have more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<S> {
    pub state: S,
    pub created_at: DateTime<Utc>,
    pub assignments: Vec<Assignment>,
    pub dues: BTreeMap<DueKey, DueState>,
    pub pending_extension: Option<PendingExtension>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl<S: KindState> Item<S> {
    pub fn new(state: S, created_at: DateTime<Utc>) -> Self {
        Item { state, created_at, assignments: Vec::new(), dues: BTreeMap::new(), pending_extension: None, closed_at: None }
    }

    /// A co-unit's answer (a topic's 会签意见, a document's 会签): its active co-assignment takes
    /// `outcome`, and its due date `due` is met. Whether it came in time (none: no due date).
    /// `noun` names what it answers in the refusals (该议题, 该文稿).
    pub fn co_unit_answers(&mut self, unit_id: &str, outcome: &str, due: &str, noun: &str, now: DateTime<Utc>) -> Result<Option<bool>, crate::DomainError> {
        let a = self
            .assignments
            .iter_mut()
            .find(|a| a.active && a.role == AssignmentRole::Co && a.unit_id == unit_id)
            .ok_or_else(|| crate::DomainError::forbidden("not_allowed_for_user", format!("本单位不是{noun}的会签单位")))?;
        if a.outcome.is_some() {
            return Err(crate::DomainError::conflict("already_given", format!("本单位已反馈对{noun}的会签意见")));
        }
        a.outcome = Some(outcome.to_string());
        a.signed_at = Some(now);
        Ok(self.dues.get_mut(&DueKey { name: due.into(), unit_id: unit_id.to_string(), seq: 0 }).map(|d| {
            d.met_at = Some(now);
            now <= d.due.at
        }))
    }

    /// The active co-units that have not answered (ids).
    pub fn co_units_waiting(&self) -> Vec<String> {
        self.assignments.iter().filter(|a| a.active && a.role == AssignmentRole::Co && a.outcome.is_none()).map(|a| a.unit_id.clone()).collect()
    }
}

impl<S: KindState> ItemView for Item<S> {
    fn state_code(&self) -> &'static str {
        self.state.code()
    }
    fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }
    fn dues(&self) -> Vec<(DueKey, DueState)> {
        self.dues.iter().map(|(k, d)| (k.clone(), *d)).collect()
    }
    fn extension_pending(&self) -> bool {
        self.pending_extension.is_some()
    }
    fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }
}
