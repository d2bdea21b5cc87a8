//! A rectification item (整改事项) from a branch's 组织生活会: a problem, the measure, its owner
//! and deadline, tracked to the end and struck off (对单销号) by the branch's secretary.
//!
//! ```text
//!  rectifying 整改中 ──报告完成(佐证)──▶ reported 待销号 ──销号──▶ closed 已销号
//!        ▲                                   │
//!        └──────────── 退回整改 ──────────────┘
//! ```

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule, To, parties_with};
use crate::validate;

crate::labelled_enum!(
    State {
        Rectifying = "rectifying" / "整改中",
        Reported = "reported" / "待销号",
        Closed = "closed" / "已销号",
    }
);

crate::kind_states!(State, ends: [Closed]);

/// The rectification item as a [`Kind`].
pub struct Rectification;

use Party::{BranchSecretary, LeadUnit};
use State::*;

impl Kind for Rectification {
    type State = State;
    const NAME: &'static str = "rectification";
    const LABEL: &'static str = "整改事项";
    const NOUN: &'static str = "整改事项";
    const INITIAL: State = Rectifying;
    const NUMBERING: Numbering = Numbering { format: "整〔{year}〕{n}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "progress", label: "报告进展", who: &[LeadUnit, BranchSecretary], from: From::These(&[Rectifying]), to: To::Same },
        Rule { action: "report", label: "报告完成", who: &[LeadUnit, BranchSecretary], from: From::These(&[Rectifying]), to: To::One(Reported) },
        Rule { action: "send_back", label: "退回整改", who: &[BranchSecretary], from: From::These(&[Reported]), to: To::One(Rectifying) },
        Rule { action: "strike_off", label: "销号", who: &[BranchSecretary], from: From::These(&[Reported]), to: To::One(Closed) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "rectify", label: "整改时限", runs_in: &[Rectifying], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "rectification_check", label: "整改事项待销号", states: &[Reported], party: BranchSecretary, pending_extension: false, unit_pending: false },
        Queue { code: "rectification_track", label: "整改事项（本支部整改中）", states: &[Rectifying], party: BranchSecretary, pending_extension: false, unit_pending: false },
        Queue { code: "rectification_do", label: "整改事项待完成", states: &[Rectifying], party: LeadUnit, pending_extension: false, unit_pending: false },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "列入整改清单")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(LeadUnit, "整改单位"), (BranchSecretary, "支部书记")];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The branch's secretary.
    pub people: Vec<Person>,
}

crate::item_snapshot!(Snapshot);

/// A new item on a branch's list: the branch's unit owns it, its secretary strikes it off.
pub fn list(unit_id: &str, secretary_id: &str, deadline: Deadline, now: DateTime<Utc>, cal: &Calendar, pct: u32) -> Result<Snapshot, DomainError> {
    if deadline.at <= now {
        return Err(DomainError::invalid("invalid_deadline", "整改时限须晚于现在"));
    }
    let mut item = Item::new(Rectifying, now);
    item.assignments.push(Assignment::new(unit_id, AssignmentRole::Lead, now));
    item.dues.insert(DueKey::item("rectify"), DueState::until(now, deadline, false, cal, pct));
    Ok(Snapshot { item, people: vec![Person { user_id: secretary_id.to_string(), party: BranchSecretary, outcome: None }] })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Progress { text: String },
    /// 报告完成, with what shows it (佐证材料 as text; files beside it).
    Report { evidence: String },
    SendBack { reason: String },
    StrikeOff { comment: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Progress { .. } => "progress",
            Action::Report { .. } => "report",
            Action::SendBack { .. } => "send_back",
            Action::StrikeOff { .. } => "strike_off",
        }
    }
}

pub fn apply(current: &Snapshot, actor: &Actor, action: &Action, now: DateTime<Utc>) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties_with(&current.item.assignments, &current.people, actor);
    kernel::guard::<Rectification>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let due = DueKey::item("rectify");
    let details = match action {
        Action::Progress { text } => json!({ "text": validate::text("text", "整改进展", text, validate::MAX_CONTENT_CHARS)? }),
        Action::Report { evidence } => {
            let e = validate::text("evidence", "整改完成情况及佐证", evidence, validate::MAX_CONTENT_CHARS)?;
            if let Some(d) = s.item.dues.get_mut(&due) {
                d.met_at = Some(now);
            }
            s.item.state = Reported;
            json!({ "text": e })
        }
        Action::SendBack { reason } => {
            let r = validate::text("reason", "退回理由", reason, validate::MAX_SHORT_TEXT_CHARS)?;
            if let Some(d) = s.item.dues.get_mut(&due) {
                d.met_at = None;
            }
            s.item.state = Rectifying;
            json!({ "reason": r })
        }
        Action::StrikeOff { comment } => {
            s.item.state = Closed;
            s.item.closed_at = Some(now);
            json!({ "comment": if comment.trim().is_empty() { "整改到位，同意销号" } else { comment.trim() } })
        }
    };
    debug_assert!(kernel::leads_to::<Rectification>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
