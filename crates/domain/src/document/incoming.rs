//! 收文: a document received from above or beside.
//!
//! ```text
//!  registered 待初审 ──初审通过──▶ proposing 待拟办 ──拟办──▶ instructing 待批办 ──批办──▶ handling 承办中
//!      └──退文──▶ rejected 已退文                                      │(阅件: no unit named)   │答复
//!                                                                      ▼                        ▼
//!                        archived 已归档 ◀──归档── concluded 已办结 ◀──办结── replied 待办结 (退回重办 ▲)
//!  传阅 (circulate) at any open step: each leader named holds it until they finish reading (阅毕).
//! ```
//!
//! 签收 and 登记 are one step: the office registers what it signed for, and the item starts
//! `registered`. The leader's 批办 names the units (the first leads) and the deadline in
//! working days; the store also records it as a 批示 of its own, which can open a supervision
//! item.

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use serde_json::json;

use super::Settings;
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{
    self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule, To,
    UnitRef, parties_with,
};
use crate::validate;

crate::labelled_enum!(
    State {
        Registered = "registered" / "待初审",
        Proposing = "proposing" / "待拟办",
        Instructing = "instructing" / "待批办",
        Handling = "handling" / "承办中",
        Replied = "replied" / "待办结",
        Concluded = "concluded" / "已办结",
        Archived = "archived" / "已归档",
        Rejected = "rejected" / "已退文",
    }
);

crate::kind_states!(State, ends: [Archived, Rejected]);

/// The incoming document as a [`Kind`].
pub struct Incoming;

use Party::{ChargeLeader, CoUnit, LeadUnit, Office, Reader};
use State::*;

/// Where a leader may be handed it to read, and read it.
const CIRCULATING: &[State] = &[Proposing, Instructing, Handling, Replied, Concluded];
const READABLE: &[State] = &[Proposing, Instructing, Handling, Replied, Concluded, Archived];

impl Kind for Incoming {
    type State = State;
    const NAME: &'static str = "incoming";
    const LABEL: &'static str = "收文";
    const NOUN: &'static str = "收文";
    const INITIAL: State = Registered;
    const NUMBERING: Numbering = Numbering { format: "收〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "accept", label: "初审通过", who: &[Office], from: From::These(&[Registered]), to: To::One(Proposing) },
        Rule { action: "reject", label: "退文", who: &[Office], from: From::These(&[Registered]), to: To::One(Rejected) },
        Rule { action: "propose", label: "拟办", who: &[Office], from: From::These(&[Proposing]), to: To::One(Instructing) },
        Rule { action: "instruct", label: "批办", who: &[ChargeLeader], from: From::These(&[Instructing]), to: To::Either(&[Handling, Concluded]) },
        Rule { action: "circulate", label: "传阅", who: &[Office], from: From::These(CIRCULATING), to: To::Same },
        Rule { action: "read", label: "阅毕", who: &[Reader], from: From::These(READABLE), to: To::Same },
        Rule { action: "urge", label: "催办", who: &[Office], from: From::These(&[Handling]), to: To::Same },
        Rule { action: "reply", label: "答复", who: &[LeadUnit], from: From::These(&[Handling]), to: To::One(Replied) },
        Rule { action: "send_back", label: "退回重办", who: &[Office], from: From::These(&[Replied]), to: To::One(Handling) },
        Rule { action: "conclude", label: "办结", who: &[Office], from: From::These(&[Replied]), to: To::One(Concluded) },
        Rule { action: "archive", label: "归档", who: &[Office], from: From::These(&[Concluded]), to: To::One(Archived) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "handle", label: "承办时限", runs_in: &[Handling], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "incoming_review", label: "收文待初审", states: &[Registered], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_propose", label: "收文待拟办", states: &[Proposing], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_conclude", label: "收文待办结", states: &[Replied], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_archive", label: "收文待归档", states: &[Concluded], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_instruct", label: "收文待批办", states: &[Instructing], party: ChargeLeader, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_read", label: "文件待阅（传阅）", states: READABLE, party: Reader, pending_extension: false, unit_pending: true },
        Queue { code: "incoming_handle", label: "收文待承办", states: &[Handling], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "incoming_assist", label: "收文待协办", states: &[Handling], party: CoUnit, pending_extension: false, unit_pending: false },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "签收登记"), ("material", "补充附件")];
    const PARTY_NAMES: &'static [(Party, &'static str)] =
        &[(Office, "文电科"), (ChargeLeader, "批办领导"), (LeadUnit, "主办单位"), (CoUnit, "协办单位"), (Reader, "传阅领导")];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The leader asked to instruct, and the leaders it is circulated to.
    pub people: Vec<Person>,
}

crate::item_snapshot!(Snapshot);

impl Snapshot {
    pub fn leader_id(&self) -> Option<&str> {
        kernel::person_in(&self.people, ChargeLeader)
    }
}

/// A document just signed for and registered.
pub fn register(now: DateTime<Utc>) -> Snapshot {
    Snapshot { item: Item::new(Registered, now), people: Vec::new() }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept { comment: String },
    Reject { reason: String },
    /// 拟办: the office's proposal, and the leader asked to instruct.
    Propose { leader_id: String, text: String },
    /// 批办: the leader's instruction; the units that handle it (the first leads), and in how
    /// many working days (the settings' default if none). No unit: a document to read only.
    Instruct { text: String, units: Vec<UnitRef>, days: Option<u32> },
    Circulate { readers: Vec<String> },
    Read { comment: String },
    Urge { text: String },
    Reply { text: String },
    SendBack { reason: String },
    Conclude { comment: String },
    Archive,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Reject { .. } => "reject",
            Action::Propose { .. } => "propose",
            Action::Instruct { .. } => "instruct",
            Action::Circulate { .. } => "circulate",
            Action::Read { .. } => "read",
            Action::Urge { .. } => "urge",
            Action::Reply { .. } => "reply",
            Action::SendBack { .. } => "send_back",
            Action::Conclude { .. } => "conclude",
            Action::Archive => "archive",
        }
    }
}

fn text(field: &'static str, label: &str, v: &str) -> Result<String, DomainError> {
    validate::text(field, label, v, validate::MAX_CONTENT_CHARS)
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
    kernel::guard::<Incoming>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let details = match action {
        Action::Accept { comment } => {
            s.item.state = Proposing;
            json!({ "comment": comment.trim() })
        }
        Action::Reject { reason } => {
            s.item.state = Rejected;
            s.item.closed_at = Some(now);
            json!({ "reason": text("reason", "退文理由", reason)? })
        }
        Action::Propose { leader_id, text: t } => {
            let t = text("text", "拟办意见", t)?;
            s.people.retain(|p| p.party != ChargeLeader);
            s.people.push(Person { user_id: leader_id.clone(), party: ChargeLeader, outcome: None });
            s.item.state = Instructing;
            json!({ "text": t, "leader_id": leader_id })
        }
        Action::Instruct { text: t, units, days } => {
            let t = text("text", "批办意见", t)?;
            for (i, u) in units.iter().enumerate() {
                if units[..i].iter().any(|v| v.id == u.id) {
                    return Err(DomainError::invalid("duplicate_unit", format!("“{}”重复出现在承办单位中", u.name)));
                }
            }
            let days = days.unwrap_or(settings.handle_days);
            if !(1..=120).contains(&days) {
                return Err(DomainError::invalid("invalid_deadline", "承办时限须为 1 至 120 个工作日"));
            }
            if let Some(p) = s.people.iter_mut().find(|p| p.party == ChargeLeader) {
                p.outcome = Some("instructed".into());
            }
            let deadline = cal.add_working_days(now, days);
            for (i, u) in units.iter().enumerate() {
                let role = if i == 0 { AssignmentRole::Lead } else { AssignmentRole::Co };
                s.item.assignments.push(Assignment::new(&u.id, role, now));
            }
            if let Some(lead) = units.first() {
                let due = DueState::until(now, deadline, true, cal, settings.warn_percent);
                s.item.dues.insert(DueKey { name: "handle".into(), unit_id: lead.id.clone(), seq: 0 }, due);
                s.item.state = Handling;
            } else {
                s.item.state = Concluded;
                s.item.closed_at = Some(now);
            }
            json!({ "text": t, "units": units.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>(),
                    "days": days, "deadline": units.first().map(|_| deadline.at) })
        }
        Action::Circulate { readers } => {
            if readers.is_empty() {
                return Err(DomainError::invalid("missing_field", "请选择传阅的领导"));
            }
            let mut added = Vec::new();
            for r in readers {
                if !s.people.iter().any(|p| p.party == Reader && p.user_id == *r) {
                    s.people.push(Person { user_id: r.clone(), party: Reader, outcome: None });
                    added.push(r.clone());
                }
            }
            if added.is_empty() {
                return Err(DomainError::conflict("already_circulated", "所选领导都已在传阅中"));
            }
            json!({ "readers": added })
        }
        Action::Read { comment } => {
            let me = actor.staff().map(|st| st.user_id.clone()).unwrap_or_default();
            let p = s.people.iter_mut().find(|p| p.party == Reader && p.user_id == me).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "该文件未传阅给您"))?;
            if p.outcome.is_some() {
                return Err(DomainError::conflict("already_read", "您已阅毕该文件"));
            }
            p.outcome = Some("read".into());
            json!({ "comment": validate::text("comment", "阅文意见", if comment.trim().is_empty() { "已阅" } else { comment }, validate::MAX_SHORT_TEXT_CHARS)? })
        }
        Action::Urge { text: t } => json!({ "text": text("text", "催办内容", t)? }),
        Action::Reply { text: t } => {
            let t = text("text", "答复内容", t)?;
            for d in s.item.dues.values_mut().filter(|d| d.met_at.is_none()) {
                d.met_at = Some(now);
            }
            s.item.state = Replied;
            json!({ "text": t })
        }
        Action::SendBack { reason } => {
            let r = text("reason", "退回理由", reason)?;
            for d in s.item.dues.values_mut() {
                d.met_at = None;
            }
            s.item.state = Handling;
            json!({ "reason": r })
        }
        Action::Conclude { comment } => {
            s.item.state = Concluded;
            s.item.closed_at = Some(now);
            json!({ "comment": comment.trim() })
        }
        Action::Archive => {
            s.item.state = Archived;
            json!({})
        }
    };
    debug_assert!(kernel::leads_to::<Incoming>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
