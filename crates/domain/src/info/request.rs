//! 约稿: the information section asks units for information on a topic by a date.
//!
//! ```text
//!  open 征集中 ──截止──▶ closed 已截止
//! ```
//!
//! Each unit asked owes one submission by the date (`reply`, a due date of its own); it answers
//! by submitting an item for the request. A unit that has not answered by the date has missed
//! it, and the miss is counted in its scores.

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Queue, Rule, To, UnitRef, parties};

crate::labelled_enum!(
    State {
        Open = "open" / "征集中",
        Closed = "closed" / "已截止",
    }
);

crate::kind_states!(State, ends: [Closed]);

/// The request as a [`Kind`].
pub struct InfoRequest;

use Party::{CoUnit, Office};
use State::*;

impl Kind for InfoRequest {
    type State = State;
    const NAME: &'static str = "info_request";
    const LABEL: &'static str = "约稿";
    const NOUN: &'static str = "约稿";
    const INITIAL: State = Open;
    const NUMBERING: Numbering = Numbering { format: "约〔{year}〕{n}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "answer", label: "报送约稿信息", who: &[CoUnit], from: From::These(&[Open]), to: To::Same },
        Rule { action: "close", label: "截止", who: &[Office], from: From::These(&[Open]), to: To::One(Closed) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "reply", label: "约稿报送时限", runs_in: &[Open], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "info_request_answer", label: "约稿待报送", states: &[Open], party: CoUnit, pending_extension: false, unit_pending: true },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "发出约稿")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(Office, "信息科"), (CoUnit, "约稿单位")];
}

crate::labelled_enum!(
    /// How a unit's part of a request stands.
    Answer {
        Answered = "answered" / "已报送",
        Late = "late" / "逾期报送",
        Missed = "missed" / "未报送",
        Waiting = "waiting" / "待报送",
    }
);

/// A new request to `units`, due at `deadline` (the end of a working day).
pub fn open(units: &[UnitRef], deadline: Deadline, now: DateTime<Utc>, cal: &Calendar, pct: u32) -> Result<Item<State>, DomainError> {
    if units.is_empty() {
        return Err(DomainError::invalid("missing_field", "请选择约稿单位"));
    }
    if deadline.at <= now {
        return Err(DomainError::invalid("invalid_deadline", "报送截止时间须晚于现在"));
    }
    let mut item = Item::new(Open, now);
    for (i, u) in units.iter().enumerate() {
        if units[..i].iter().any(|v| v.id == u.id) {
            return Err(DomainError::invalid("duplicate_unit", format!("“{}”重复出现在约稿单位中", u.name)));
        }
        item.assignments.push(Assignment::new(&u.id, AssignmentRole::Co, now));
        item.dues.insert(DueKey { name: "reply".into(), unit_id: u.id.clone(), seq: 0 }, DueState::until(now, deadline, false, cal, pct));
    }
    Ok(item)
}

/// A unit answers with a submission (its item's number in the details).
pub fn answer(current: &Item<State>, actor: &Actor, unit_id: &str, now: DateTime<Utc>) -> Result<Item<State>, DomainError> {
    kernel::guard::<InfoRequest>(&parties(&current.assignments, actor), current.state, "answer")?;
    let mut s = current.clone();
    let a = s.assignments.iter_mut().find(|a| a.active && a.unit_id == unit_id).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "该约稿未发给本单位"))?;
    if a.outcome.is_none() {
        a.outcome = Some("answered".into());
    }
    if let Some(d) = s.dues.get_mut(&DueKey { name: "reply".into(), unit_id: unit_id.to_string(), seq: 0 }) {
        d.met_at.get_or_insert(now);
    }
    Ok(s)
}

/// How `unit_id` stands on a request at `now`.
pub fn standing(item: &Item<State>, unit_id: &str, now: DateTime<Utc>) -> Answer {
    match item.dues.get(&DueKey { name: "reply".into(), unit_id: unit_id.to_string(), seq: 0 }) {
        Some(d) => match d.met_at {
            Some(m) if m > d.due.at => Answer::Late,
            Some(_) => Answer::Answered,
            None if now > d.due.at || item.state == Closed => Answer::Missed,
            None => Answer::Waiting,
        },
        None => Answer::Waiting,
    }
}

/// 截止 by the office.
pub fn close(current: &Item<State>, actor: &Actor, now: DateTime<Utc>) -> Result<(Item<State>, serde_json::Value), DomainError> {
    kernel::guard::<InfoRequest>(&parties(&current.assignments, actor), current.state, "close")?;
    let mut s = current.clone();
    let missed: Vec<String> = s.assignments.iter().filter(|a| a.active && a.outcome.is_none()).map(|a| a.unit_id.clone()).collect();
    s.state = Closed;
    s.closed_at = Some(now);
    Ok((s, json!({ "missed": missed })))
}
