//! A "我为群众办实事" project: declared by its unit, approved by the office, pushed forward with
//! its progress reported, done and struck off — "申报一个、完成一个、销号一个" — and shown to
//! citizens, who rate the finished ones (评单).
//!
//! ```text
//!  declared 待审核 ──立项──▶ doing 推进中 ──报告完成──▶ reported 待销号 ──销号──▶ closed 已完成
//!      └──不予立项──▶ rejected                ▲                  │
//!                                             └──── 退回 ─────────┘
//! ```

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Queue, Rule, To, parties};
use crate::validate;

crate::labelled_enum!(
    State {
        Declared = "declared" / "待审核",
        Doing = "doing" / "推进中",
        Reported = "reported" / "待销号",
        Closed = "closed" / "已完成",
        Rejected = "rejected" / "不予立项",
    }
);

crate::kind_states!(State, ends: [Closed, Rejected]);

crate::labelled_enum!(
    /// How soon it can be done.
    Class {
        Now = "now" / "立刻办",
        ByDate = "by_date" / "限期办",
        Phased = "phased" / "分期办",
    }
);

/// The project as a [`Kind`].
pub struct Project;

use Party::{LeadUnit, Office};
use State::*;

impl Kind for Project {
    type State = State;
    const NAME: &'static str = "project";
    const LABEL: &'static str = "为民办实事";
    const NOUN: &'static str = "实事项目";
    const INITIAL: State = Declared;
    const NUMBERING: Numbering = Numbering { format: "实〔{year}〕{n}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "approve", label: "立项", who: &[Office], from: From::These(&[Declared]), to: To::One(Doing) },
        Rule { action: "reject", label: "不予立项", who: &[Office], from: From::These(&[Declared]), to: To::One(Rejected) },
        Rule { action: "progress", label: "报告进展", who: &[LeadUnit], from: From::These(&[Doing]), to: To::Same },
        Rule { action: "report", label: "报告完成", who: &[LeadUnit], from: From::These(&[Doing]), to: To::One(Reported) },
        Rule { action: "send_back", label: "退回", who: &[Office], from: From::These(&[Reported]), to: To::One(Doing) },
        Rule { action: "close", label: "销号", who: &[Office], from: From::These(&[Reported]), to: To::One(Closed) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "finish", label: "完成时限", runs_in: &[Doing], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "project_review", label: "实事项目待立项", states: &[Declared], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "project_close", label: "实事项目待销号", states: &[Reported], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "project_do", label: "实事项目推进中", states: &[Doing], party: LeadUnit, pending_extension: false, unit_pending: false },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "申报实事项目")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(Office, "督查科"), (LeadUnit, "责任单位")];
}

/// A project just declared by (or for) its unit, due at `deadline`.
pub fn declare(unit_id: &str, deadline: Deadline, now: DateTime<Utc>) -> Result<Item<State>, DomainError> {
    if deadline.at <= now {
        return Err(DomainError::invalid("invalid_deadline", "完成时限须晚于现在"));
    }
    let mut item = Item::new(Declared, now);
    item.assignments.push(Assignment::new(unit_id, AssignmentRole::Lead, now));
    // The clock is set when the office approves it; the deadline is kept until then.
    item.dues.insert(DueKey::item("finish"), DueState { started_at: now, due: deadline, warn_at: deadline.at, working: false, met_at: None });
    Ok(item)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Approve { comment: String },
    Reject { reason: String },
    Progress { percent: u32, text: String },
    Report { text: String },
    SendBack { reason: String },
    Close { comment: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Approve { .. } => "approve",
            Action::Reject { .. } => "reject",
            Action::Progress { .. } => "progress",
            Action::Report { .. } => "report",
            Action::SendBack { .. } => "send_back",
            Action::Close { .. } => "close",
        }
    }
}

/// One action by the rule table.
pub fn apply(current: &Item<State>, actor: &Actor, action: &Action, now: DateTime<Utc>, cal: &Calendar, pct: u32) -> Result<(Item<State>, serde_json::Value), DomainError> {
    kernel::guard::<Project>(&parties(&current.assignments, actor), current.state, action.name())?;
    let mut s = current.clone();
    let key = DueKey::item("finish");
    let details = match action {
        Action::Approve { comment } => {
            if let Some(d) = s.dues.get(&key).cloned() {
                if d.due.at <= now {
                    return Err(DomainError::invalid("invalid_deadline", "完成时限已过，请退回单位重新申报"));
                }
                s.dues.insert(key, DueState::until(now, d.due, false, cal, pct));
            }
            s.state = Doing;
            json!({ "comment": comment.trim() })
        }
        Action::Reject { reason } => {
            let r = validate::text("reason", "不予立项理由", reason, validate::MAX_SHORT_TEXT_CHARS)?;
            s.state = Rejected;
            s.closed_at = Some(now);
            json!({ "reason": r })
        }
        Action::Progress { percent, text } => {
            if *percent > 99 {
                return Err(DomainError::invalid("invalid_percent", "进度须在 0 至 99% 之间（完成请报告完成）"));
            }
            json!({ "percent": percent, "text": validate::text("text", "进展情况", text, validate::MAX_CONTENT_CHARS)? })
        }
        Action::Report { text } => {
            let t = validate::text("text", "完成情况", text, validate::MAX_CONTENT_CHARS)?;
            if let Some(d) = s.dues.get_mut(&key) {
                d.met_at = Some(now);
            }
            s.state = Reported;
            json!({ "percent": 100, "text": t })
        }
        Action::SendBack { reason } => {
            let r = validate::text("reason", "退回理由", reason, validate::MAX_SHORT_TEXT_CHARS)?;
            if let Some(d) = s.dues.get_mut(&key) {
                d.met_at = None;
            }
            s.state = Doing;
            json!({ "reason": r })
        }
        Action::Close { comment } => {
            s.state = Closed;
            s.closed_at = Some(now);
            json!({ "comment": if comment.trim().is_empty() { "已完成，予以销号" } else { comment.trim() } })
        }
    };
    debug_assert!(kernel::leads_to::<Project>(action.name(), current.state, s.state));
    Ok((s, details))
}
