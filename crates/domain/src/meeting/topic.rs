//! 议题: a matter a unit asks a meeting to decide.
//!
//! ```text
//!  draft 草稿 ──报送──▶ consulting 征求意见 (each consulted unit 反馈会签意见)
//!     │                      └──提请审核──▶ leader_review 待分管领导审核 ──同意──▶ screening 待秘书长审核
//!     └──(nobody to consult)──────────────▲            │退回 / 暂缓                 │审核通过
//!                                          │            ▼                           ▼
//!               returned 退回修改 ──提请审核─┘   held 暂缓 ──恢复审核──▶…   pending_agenda 待定上会
//!                                                                       ──列入议程──▶ scheduled 已列入议程
//!                                                            ──会议审议──▶ decided 已上会 (暂缓: back to 待定上会)
//!  any open state before the agenda ──撤回──▶ withdrawn 已撤回
//! ```
//!
//! The proposing unit is the item's lead unit, the consulted units its co-units (handed the
//! topic when it is proposed, so that nobody else reads a draft), each owing an opinion within
//! [`Settings::opinion_days`] working days; the leader in charge is named on the item. A topic
//! whose consulted units have not all answered cannot go on an agenda ([`check_ready`]).

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use serde_json::json;

use super::{Outcome, Settings, Stance};
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{
    self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule,
    To, UnitRef, parties_with,
};
use crate::validate;

crate::labelled_enum!(
    State {
        Draft = "draft" / "草稿",
        Consulting = "consulting" / "征求意见",
        LeaderReview = "leader_review" / "待分管领导审核",
        // Not `returned`: a unit's lead queue finds its items by (unit, state) before their kind,
        // and the hotline's returned orders would all be read to find none.
        Returned = "sent_back" / "退回修改",
        Held = "held" / "暂缓",
        Screening = "screening" / "待秘书长审核",
        PendingAgenda = "pending_agenda" / "待定上会",
        Scheduled = "scheduled" / "已列入议程",
        Decided = "decided" / "已上会",
        Withdrawn = "withdrawn" / "已撤回",
    }
);

crate::kind_states!(State, ends: [Decided, Withdrawn]);

/// The topic as a [`Kind`].
pub struct Topic;

use Party::{ChargeLeader, CoUnit, LeadUnit, Mayor, Office, Secretary};
use State::*;

/// Where a consulted unit may still give (or owe) its opinion.
const OPEN_FOR_OPINION: &[State] = &[Consulting, LeaderReview, Returned, Held, Screening, PendingAgenda];

impl Kind for Topic {
    type State = State;
    const NAME: &'static str = "topic";
    const LABEL: &'static str = "会议议题";
    const NOUN: &'static str = "议题";
    const INITIAL: State = Draft;
    const NUMBERING: Numbering = Numbering { format: "议〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "propose", label: "报送议题", who: &[LeadUnit], from: From::These(&[Draft]), to: To::Either(&[Consulting, LeaderReview]) },
        Rule { action: "revise", label: "修改议题", who: &[LeadUnit], from: From::These(&[Draft, Consulting, Returned]), to: To::Same },
        Rule { action: "opinion", label: "反馈会签意见", who: &[CoUnit], from: From::These(OPEN_FOR_OPINION), to: To::Same },
        Rule { action: "submit", label: "提请审核", who: &[LeadUnit], from: From::These(&[Consulting, Returned]), to: To::One(LeaderReview) },
        Rule { action: "approve", label: "分管领导同意上会", who: &[ChargeLeader], from: From::These(&[LeaderReview]), to: To::One(Screening) },
        Rule { action: "screen", label: "秘书长审核通过", who: &[Secretary], from: From::These(&[Screening]), to: To::One(PendingAgenda) },
        Rule { action: "return", label: "退回修改", who: &[ChargeLeader, Secretary, Mayor], from: From::These(&[LeaderReview, Screening, PendingAgenda]), to: To::One(Returned) },
        Rule { action: "hold", label: "暂缓上会", who: &[ChargeLeader, Mayor], from: From::These(&[LeaderReview, PendingAgenda]), to: To::One(Held) },
        Rule { action: "release", label: "恢复审核", who: &[ChargeLeader, Mayor], from: From::These(&[Held]), to: To::One(LeaderReview) },
        Rule { action: "schedule", label: "列入会议议程", who: &[Mayor, Office], from: From::These(&[PendingAgenda]), to: To::One(Scheduled) },
        Rule { action: "unschedule", label: "移出议程", who: &[Mayor, Office], from: From::These(&[Scheduled]), to: To::One(PendingAgenda) },
        Rule { action: "decide", label: "会议审议", who: &[Office], from: From::These(&[Scheduled]), to: To::Either(&[Decided, PendingAgenda]) },
        Rule { action: "withdraw", label: "撤回议题", who: &[LeadUnit], from: From::These(&[Draft, Consulting, LeaderReview, Returned, Held, Screening, PendingAgenda]), to: To::One(Withdrawn) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "opinion", label: "会签意见时限", runs_in: OPEN_FOR_OPINION, paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "topic_to_opine", label: "议题待会签", states: OPEN_FOR_OPINION, party: CoUnit, pending_extension: false, unit_pending: true },
        Queue { code: "topic_returned", label: "议题退回待修改", states: &[Returned], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "topic_drafts", label: "议题待报送", states: &[Draft, Consulting], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "topic_to_approve", label: "议题待审核（分管领导）", states: &[LeaderReview], party: ChargeLeader, pending_extension: false, unit_pending: false },
        Queue { code: "topic_to_screen", label: "议题待审核（秘书长）", states: &[Screening], party: Secretary, pending_extension: false, unit_pending: false },
        Queue { code: "topic_to_schedule", label: "议题待定上会", states: &[PendingAgenda], party: Mayor, pending_extension: false, unit_pending: false },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "起草议题"), ("material", "补充材料")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(LeadUnit, "提出单位"), (CoUnit, "会签单位"), (Office, "会议科")];
}

/// A topic's rules-relevant parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The leader in charge.
    pub people: Vec<Person>,
    /// The units to consult, named while it is a draft and handed the topic when it is proposed.
    pub consulted: Vec<UnitRef>,
}

crate::item_snapshot!(Snapshot);

impl Snapshot {
    /// The consulted units that have not given their opinion (ids).
    pub fn missing_opinions(&self) -> Vec<String> {
        self.item.co_units_waiting()
    }

    pub fn leader_id(&self) -> Option<&str> {
        kernel::person_in(&self.people, ChargeLeader)
    }
}

/// A draft topic of `unit`, to be consulted with `consulted`, for `leader` to approve.
pub fn draft(unit: &UnitRef, consulted: Vec<UnitRef>, leader_id: &str, now: DateTime<Utc>) -> Result<Snapshot, DomainError> {
    check_consulted(unit, &consulted)?;
    let mut item = Item::new(Draft, now);
    item.assignments.push(Assignment::new(&unit.id, AssignmentRole::Lead, now));
    Ok(Snapshot { item, people: vec![Person { user_id: leader_id.to_string(), party: ChargeLeader, outcome: None }], consulted })
}

fn check_consulted(unit: &UnitRef, consulted: &[UnitRef]) -> Result<(), DomainError> {
    kernel::check_co_units(&unit.id, consulted, 20, "提出单位不必征求本单位意见")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 报送: the consulted units are handed it, each owing an opinion.
    Propose,
    /// The proposing unit changes whom it consults (before proposing) — the text itself is the
    /// store's to keep.
    Revise { consulted: Option<Vec<UnitRef>> },
    /// A consulted unit's written opinion.
    Opinion { stance: Stance, text: String },
    Submit,
    Approve { comment: String },
    Screen { comment: String },
    Return { reason: String },
    Hold { reason: String },
    Release,
    /// Onto the agenda of meeting `meeting` (its number).
    Schedule { meeting: String },
    Unschedule { meeting: String },
    /// The meeting's outcome, recorded when its minutes are issued.
    Decide { meeting: String, outcome: Outcome },
    Withdraw { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Propose => "propose",
            Action::Revise { .. } => "revise",
            Action::Opinion { .. } => "opinion",
            Action::Submit => "submit",
            Action::Approve { .. } => "approve",
            Action::Screen { .. } => "screen",
            Action::Return { .. } => "return",
            Action::Hold { .. } => "hold",
            Action::Release => "release",
            Action::Schedule { .. } => "schedule",
            Action::Unschedule { .. } => "unschedule",
            Action::Decide { .. } => "decide",
            Action::Withdraw { .. } => "withdraw",
        }
    }
}

/// Whether the topic may go on an agenda: every consulted unit has answered. The refusal names
/// the units whose opinion is missing (`names` turns an id into a unit's name).
pub fn check_ready(s: &Snapshot, title: &str, names: impl Fn(&str) -> String) -> Result<(), DomainError> {
    let missing = s.missing_opinions();
    if !missing.is_empty() {
        let who: Vec<String> = missing.iter().map(|u| names(u)).collect();
        return Err(DomainError::conflict(
            "opinions_missing",
            format!("议题“{title}”尚缺{}的会签意见，不能列入议程", who.join("、")),
        ));
    }
    Ok(())
}

/// One action by the rule table: the new snapshot and the event's details.
pub fn apply(
    current: &Snapshot,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    cal: &Calendar,
    settings: &Settings,
) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties_with(&current.item.assignments, &current.people, actor);
    kernel::guard::<Topic>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let text = |field: &'static str, label: &str, v: &str| validate::text(field, label, v, validate::MAX_SHORT_TEXT_CHARS);
    let details = match action {
        Action::Propose => {
            for u in &s.consulted {
                s.item.assignments.push(Assignment::new(&u.id, AssignmentRole::Co, now));
                let due = DueState::until(now, cal.add_working_days(now, settings.opinion_days), true, cal, settings.warn_percent);
                s.item.dues.insert(DueKey { name: "opinion".into(), unit_id: u.id.clone(), seq: 0 }, due);
            }
            s.item.state = if s.consulted.is_empty() { LeaderReview } else { Consulting };
            json!({ "consulted": s.consulted.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>() })
        }
        Action::Revise { consulted } => {
            if let Some(c) = consulted {
                if current.item.state != Draft {
                    return Err(DomainError::conflict("invalid_state", "议题报送后不能再更改会签单位"));
                }
                let lead = current.item.assignments.iter().find(|a| a.role == AssignmentRole::Lead).map(|a| a.unit_id.clone()).unwrap_or_default();
                check_consulted(&UnitRef { id: lead, name: String::new(), kind: crate::UnitKind::Department, parent_id: None }, c)?;
                s.consulted = c.clone();
            }
            json!({})
        }
        Action::Opinion { stance, text: t } => {
            let t = text("text", "会签意见", t)?;
            let unit = actor.staff().map(|st| st.unit_id.clone()).unwrap_or_default();
            let on_time = s.item.co_unit_answers(&unit, stance.as_str(), "opinion", "该议题", now)?;
            json!({ "unit_id": unit, "stance": stance.as_str(), "stance_label": stance.label(), "text": t, "on_time": on_time })
        }
        Action::Submit => {
            s.item.state = LeaderReview;
            json!({ "missing": current.missing_opinions() })
        }
        Action::Approve { comment } | Action::Screen { comment } => {
            s.item.state = if matches!(action, Action::Approve { .. }) { Screening } else { PendingAgenda };
            json!({ "comment": comment.trim() })
        }
        Action::Return { reason } => {
            s.item.state = Returned;
            json!({ "reason": text("reason", "退回理由", reason)? })
        }
        Action::Hold { reason } => {
            s.item.state = Held;
            json!({ "reason": text("reason", "暂缓理由", reason)? })
        }
        Action::Release => {
            s.item.state = LeaderReview;
            json!({})
        }
        Action::Schedule { meeting } => {
            s.item.state = Scheduled;
            json!({ "meeting": meeting })
        }
        Action::Unschedule { meeting } => {
            s.item.state = PendingAgenda;
            json!({ "meeting": meeting })
        }
        Action::Decide { meeting, outcome } => {
            // A deferred topic goes back to wait for another meeting.
            if *outcome == Outcome::Deferred {
                s.item.state = PendingAgenda;
            } else {
                s.item.state = Decided;
                s.item.closed_at = Some(now);
            }
            json!({ "meeting": meeting, "outcome": outcome.as_str(), "outcome_label": outcome.label() })
        }
        Action::Withdraw { reason } => {
            s.item.state = Withdrawn;
            s.item.closed_at = Some(now);
            json!({ "reason": text("reason", "撤回理由", reason)? })
        }
    };
    debug_assert!(kernel::leads_to::<Topic>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
