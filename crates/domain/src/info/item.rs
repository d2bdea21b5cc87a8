//! A unit's submission (报送信息).
//!
//! ```text
//!  signing 待审签 ──审签──▶ submitted 待处理 ──采用──▶ adopted 已采用 (转报省 · 省采用)
//!     ▲                 (urgent 突发待处理) ──退回补充──▶ returned 待补充 ──补充报送──┘(to signing)
//!     └── a head submits signed already              └──不采用──▶ declined 不采用
//! ```
//!
//! The section's answer is a due date (`answer`) running while the item waits on it: a
//! working-hours limit, or minutes for an urgent incident report, warned like any deadline. An
//! incident report also owes its first report (首报) and its written report (书面报告) within
//! minutes of the incident.

use chrono::{DateTime, Duration, Utc};
use sanfu_calendar::Calendar;
use serde_json::json;

use super::{Category, ProvinceLevel, Settings};
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Queue, Rule, To, parties};
use crate::limits::Limit;
use crate::validate;

crate::labelled_enum!(
    State {
        Signing = "signing" / "待审签",
        Submitted = "submitted" / "待处理",
        Urgent = "urgent" / "突发待处理",
        Returned = "returned" / "待补充",
        Adopted = "adopted" / "已采用",
        Declined = "declined" / "不采用",
    }
);

crate::kind_states!(State, ends: [Adopted, Declined]);

/// The submission as a [`Kind`].
pub struct InfoItem;

use Party::{LeadHead, LeadUnit, Office};
use State::*;

/// Where the section owes an answer.
pub const WAITING: &[State] = &[Submitted, Urgent];

impl Kind for InfoItem {
    type State = State;
    const NAME: &'static str = "info";
    const LABEL: &'static str = "政务信息";
    const NOUN: &'static str = "信息";
    const INITIAL: State = Signing;
    const NUMBERING: Numbering = Numbering { format: "信〔{year}〕{n}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "sign", label: "审签", who: &[LeadHead], from: From::These(&[Signing]), to: To::Either(&[Submitted, Urgent]) },
        Rule { action: "adopt", label: "采用", who: &[Office], from: From::These(WAITING), to: To::One(Adopted) },
        Rule { action: "return", label: "退回补充", who: &[Office], from: From::These(WAITING), to: To::One(Returned) },
        Rule { action: "decline", label: "不采用", who: &[Office], from: From::These(WAITING), to: To::One(Declined) },
        Rule { action: "resubmit", label: "补充报送", who: &[LeadUnit], from: From::These(&[Returned]), to: To::Either(&[Signing, Submitted, Urgent]) },
        Rule { action: "forward", label: "转报省政府办公厅", who: &[Office], from: From::These(&[Adopted]), to: To::Same },
        Rule { action: "province_adopt", label: "登记省采用", who: &[Office], from: From::These(&[Adopted]), to: To::Same },
    ];
    const DUES: &'static [Due<State>] = &[
        Due { name: "answer", label: "信息处理时限", runs_in: WAITING, paces: true },
        Due { name: "written_report", label: "书面报告时限", runs_in: &[Signing], paces: true },
        Due { name: "first_report", label: "首报时限", runs_in: &[Signing, Submitted, Urgent], paces: false },
    ];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "info_urgent", label: "【紧急】突发事件信息待处理", states: &[Urgent], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "info_answer", label: "报送信息待处理", states: &[Submitted], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "info_sign", label: "信息待审签", states: &[Signing], party: LeadHead, pending_extension: false, unit_pending: false },
        Queue { code: "info_returned", label: "信息待补充", states: &[Returned], party: LeadUnit, pending_extension: false, unit_pending: false },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "报送信息")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(Office, "信息科"), (LeadUnit, "报送单位"), (LeadHead, "报送单位负责人")];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    pub category: Category,
}

crate::item_snapshot!(Snapshot);

/// What a unit writes: its category, and for an incident when it happened and when the unit
/// first reported it (by telephone, say; the submission itself if not said).
#[derive(Debug, Clone)]
pub struct Submission {
    pub unit_id: String,
    pub category: Category,
    pub incident_at: Option<DateTime<Utc>>,
    pub first_reported_at: Option<DateTime<Utc>>,
}

fn minutes(start: DateTime<Utc>, n: u32, cal: &Calendar, pct: u32) -> DueState {
    DueState::after(start, &Limit::minutes(n), cal, pct)
}

/// The section's answer starts to run: minutes for an incident, working hours otherwise.
fn start_answer(s: &mut Snapshot, now: DateTime<Utc>, cal: &Calendar, settings: &Settings) {
    let due = if s.category == Category::Incident {
        minutes(now, settings.urgent_answer_minutes, cal, settings.warn_percent)
    } else {
        DueState::after(now, &Limit::working_hours(settings.answer_hours), cal, settings.warn_percent)
    };
    s.item.dues.insert(DueKey::item("answer"), due);
    if let Some(w) = s.item.dues.get_mut(&DueKey::item("written_report")) {
        w.met_at.get_or_insert(now);
    }
    s.item.state = if s.category == Category::Incident { Urgent } else { Submitted };
}

/// A new submission: waiting on the unit's head, or on the section if its head wrote it.
pub fn submit(sub: &Submission, actor: &Actor, now: DateTime<Utc>, cal: &Calendar, settings: &Settings) -> Result<Snapshot, DomainError> {
    let mut s = Snapshot { item: Item::new(Signing, now), category: sub.category };
    s.item.assignments.push(Assignment::new(&sub.unit_id, AssignmentRole::Lead, now));
    if sub.category == Category::Incident {
        let at = sub.incident_at.ok_or_else(|| DomainError::invalid("missing_field", "突发事件信息须填写事发时间"))?;
        if at > now + Duration::minutes(5) {
            return Err(DomainError::invalid("invalid_time", "事发时间不能晚于现在"));
        }
        if at < now - Duration::days(30) {
            return Err(DomainError::invalid("invalid_time", "事发时间早于 30 天前，请按一般信息报送"));
        }
        let first = sub.first_reported_at.unwrap_or(now);
        if first < at || first > now + Duration::minutes(5) {
            return Err(DomainError::invalid("invalid_time", "首报时间须在事发之后、报送之前"));
        }
        let mut f = minutes(at, settings.first_report_minutes, cal, settings.warn_percent);
        f.met_at = Some(first);
        s.item.dues.insert(DueKey::item("first_report"), f);
        s.item.dues.insert(DueKey::item("written_report"), minutes(at, settings.written_report_minutes, cal, settings.warn_percent));
    }
    if parties(&s.item.assignments, actor).contains(&LeadHead) {
        start_answer(&mut s, now, cal, settings);
    }
    Ok(s)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Sign { comment: String },
    /// 采用, with the text as the section edited it (none: as submitted).
    Adopt { edited: Option<String>, comment: String },
    Return { missing: String },
    Decline { reason: String },
    Resubmit { text: String },
    Forward { comment: String },
    ProvinceAdopt { level: ProvinceLevel, comment: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Sign { .. } => "sign",
            Action::Adopt { .. } => "adopt",
            Action::Return { .. } => "return",
            Action::Decline { .. } => "decline",
            Action::Resubmit { .. } => "resubmit",
            Action::Forward { .. } => "forward",
            Action::ProvinceAdopt { .. } => "province_adopt",
        }
    }
}

fn answered(s: &mut Snapshot, now: DateTime<Utc>) {
    if let Some(d) = s.item.dues.get_mut(&DueKey::item("answer")) {
        d.met_at = Some(now);
    }
}

/// One action by the rule table: the new snapshot and the event's details. `forwarded`: the item
/// was already sent to the province.
pub fn apply(current: &Snapshot, actor: &Actor, action: &Action, forwarded: bool, now: DateTime<Utc>, cal: &Calendar, settings: &Settings) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties(&current.item.assignments, actor);
    kernel::guard::<InfoItem>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let details = match action {
        Action::Sign { comment } => {
            start_answer(&mut s, now, cal, settings);
            json!({ "comment": if comment.trim().is_empty() { "同意报送" } else { comment.trim() } })
        }
        Action::Adopt { edited, comment } => {
            let edited = match edited.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => Some(validate::text("edited_text", "编辑后的信息", t, validate::MAX_CONTENT_CHARS)?),
                None => None,
            };
            answered(&mut s, now);
            s.item.state = Adopted;
            s.item.closed_at = Some(now);
            json!({ "edited": edited.is_some(), "comment": comment.trim() })
        }
        Action::Return { missing } => {
            let m = validate::text("missing", "需补充的内容", missing, validate::MAX_SHORT_TEXT_CHARS)?;
            answered(&mut s, now);
            s.item.state = Returned;
            json!({ "missing": m })
        }
        Action::Decline { reason } => {
            let r = validate::text("reason", "不采用理由", reason, validate::MAX_SHORT_TEXT_CHARS)?;
            answered(&mut s, now);
            s.item.state = Declined;
            s.item.closed_at = Some(now);
            json!({ "reason": r })
        }
        Action::Resubmit { text } => {
            validate::text("text", "补充后的信息", text, validate::MAX_CONTENT_CHARS)?;
            s.item.state = Signing;
            s.item.dues.remove(&DueKey::item("answer"));
            if have.contains(&LeadHead) {
                start_answer(&mut s, now, cal, settings);
            }
            json!({})
        }
        Action::Forward { comment } => {
            if forwarded {
                return Err(DomainError::conflict("already_forwarded", "该信息已转报省政府办公厅"));
            }
            json!({ "comment": comment.trim() })
        }
        Action::ProvinceAdopt { level, comment } => {
            if !forwarded {
                return Err(DomainError::conflict("not_forwarded", "该信息尚未转报省政府办公厅"));
            }
            json!({ "level": level.as_str(), "level_label": level.label(), "comment": comment.trim() })
        }
    };
    debug_assert!(kernel::leads_to::<InfoItem>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
