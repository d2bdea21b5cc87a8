//! 领导批示: a city leader's written instruction on a matter — a hotline order, a supervision
//! item, later a document or an information report — naming the units that must act. Each
//! unit answers for itself (办理情况反馈) by the deadline, if one was set; the instruction is
//! 已反馈 when every unit has answered. The office may press a unit (催办), withdraw it, or
//! open a supervision item from it in one action (the store does that: it is two items).
//!
//! ```text
//!  issued 待反馈 ──each unit 反馈──▶ (all answered) answered 已反馈
//!     └──撤回──▶ withdrawn 已撤回
//! ```

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{
    self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Queue, Rule, To,
    UnitRef, parties,
};
use crate::validate;

crate::labelled_enum!(
    State {
        Issued = "issued" / "待反馈",
        Answered = "answered" / "已反馈",
        Withdrawn = "withdrawn" / "已撤回",
    }
);

crate::kind_states!(State, ends: [Answered, Withdrawn]);

/// The instruction as a [`Kind`].
pub struct Instruction;

use Party::{CoUnit, LeadUnit, Office};

impl Kind for Instruction {
    type State = State;
    const NAME: &'static str = "instruction";
    const LABEL: &'static str = "领导批示";
    const NOUN: &'static str = "批示";
    const INITIAL: State = State::Issued;
    const NUMBERING: Numbering = Numbering { format: "批〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "answer", label: "反馈办理情况", who: &[LeadUnit, CoUnit], from: From::These(&[State::Issued]), to: To::Either(&[State::Issued, State::Answered]) },
        Rule { action: "remind", label: "催办", who: &[Office], from: From::These(&[State::Issued]), to: To::Same },
        Rule { action: "withdraw", label: "撤回", who: &[Office], from: From::AnyOpen, to: To::One(State::Withdrawn) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "answer", label: "反馈时限", runs_in: &[State::Issued], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "ins_to_answer", label: "批示待反馈", states: &[State::Issued], party: LeadUnit, pending_extension: false, unit_pending: true },
        Queue { code: "ins_co_to_answer", label: "批示待反馈（会办）", states: &[State::Issued], party: CoUnit, pending_extension: false, unit_pending: true },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "批示"), ("supervise", "转督办")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(LeadUnit, "主办单位"), (CoUnit, "会办单位")];
}

/// An instruction's rules-relevant parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
}

crate::item_snapshot!(Snapshot);

/// A new instruction to `units` (the first leads), each owing an answer by `deadline`.
pub fn issue(units: &[UnitRef], deadline: Option<DateTime<Utc>>, now: DateTime<Utc>, cal: &Calendar, pct: u32) -> Result<Snapshot, DomainError> {
    if units.is_empty() {
        return Err(DomainError::invalid("no_units", "请至少选择一个承办单位"));
    }
    for (i, u) in units.iter().enumerate() {
        if units[..i].iter().any(|v| v.id == u.id) {
            return Err(DomainError::invalid("duplicate_unit", format!("“{}”重复出现在承办单位中", u.name)));
        }
    }
    if deadline.is_some_and(|d| d <= now) {
        return Err(DomainError::invalid("deadline_in_past", "反馈时限不能早于当前时间"));
    }
    let mut item = Item::new(State::Issued, now);
    for (i, u) in units.iter().enumerate() {
        item.assignments.push(Assignment::new(&u.id, if i == 0 { AssignmentRole::Lead } else { AssignmentRole::Co }, now));
        if let Some(d) = deadline {
            let due = DueState::until(now, Deadline { at: d, provisional: false }, true, cal, pct);
            item.dues.insert(DueKey { name: "answer".into(), unit_id: u.id.clone(), seq: 0 }, due);
        }
    }
    Ok(Snapshot { item })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 办理情况反馈 by the acting unit.
    Answer { text: String },
    Remind { unit_id: String, note: String },
    Withdraw { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Answer { .. } => "answer",
            Action::Remind { .. } => "remind",
            Action::Withdraw { .. } => "withdraw",
        }
    }
}

/// One action by the rule table: the new snapshot and the event's details.
pub fn apply(current: &Snapshot, actor: &Actor, action: &Action, now: DateTime<Utc>) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties(&current.item.assignments, actor);
    kernel::guard::<Instruction>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let details = match action {
        Action::Answer { text } => {
            let text = validate::text("text", "办理情况", text, validate::MAX_CONTENT_CHARS)?;
            let unit = actor.staff().map(|st| st.unit_id.clone()).unwrap_or_default();
            let a = s.item.assignments.iter_mut().find(|a| a.active && a.unit_id == unit).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "本单位不是该批示的承办单位"))?;
            if a.outcome.is_some() {
                return Err(DomainError::conflict("already_answered", "本单位已反馈，如有新进展请通过督办事项报送"));
            }
            a.outcome = Some("answered".into());
            a.signed_at = Some(now);
            let mut on_time = None;
            if let Some(d) = s.item.dues.get_mut(&DueKey { name: "answer".into(), unit_id: unit.clone(), seq: 0 }) {
                d.met_at = Some(now);
                on_time = Some(now <= d.due.at);
            }
            if s.item.assignments.iter().filter(|a| a.active).all(|a| a.outcome.is_some()) {
                s.item.state = State::Answered;
                s.item.closed_at = Some(now);
            }
            json!({ "unit_id": unit, "text": text, "on_time": on_time })
        }
        Action::Remind { unit_id, note } => {
            if !current.item.assignments.iter().any(|a| a.active && a.unit_id == *unit_id && a.outcome.is_none()) {
                return Err(DomainError::invalid("unit_not_pending", "该单位不是尚未反馈的承办单位"));
            }
            json!({ "unit_id": unit_id, "note": note.trim() })
        }
        Action::Withdraw { reason } => {
            let reason = validate::text("reason", "撤回理由", reason, 500)?;
            s.item.state = State::Withdrawn;
            s.item.closed_at = Some(now);
            json!({ "reason": reason })
        }
    };
    debug_assert!(kernel::leads_to::<Instruction>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{Role, UnitKind};
    use crate::testing::{at, cal, staff};

    fn unit(id: &str) -> UnitRef {
        UnitRef { id: id.into(), name: id.into(), kind: UnitKind::Department, parent_id: None }
    }

    #[test]
    fn each_unit_answers_for_itself_and_the_last_answer_completes_it() {
        let t0 = at(2026, 9, 28, 9, 0);
        let s = issue(&[unit("zjj"), unit("cgj")], Some(at(2026, 10, 9, 17, 30)), t0, &cal(), 80).unwrap();
        let (zjj, cgj) = (staff("zjj", &[Role::UnitLiaison]), staff("cgj", &[Role::UnitLiaison]));
        let other = staff("jyj", &[Role::UnitLiaison]);
        assert_eq!(apply(&s, &other, &Action::Answer { text: "x".into() }, t0).unwrap_err().code, "not_allowed_for_user");
        let (s, d) = apply(&s, &cgj, &Action::Answer { text: "已部署排查。".into() }, t0).unwrap();
        assert_eq!((s.item.state, d["on_time"].as_bool()), (State::Issued, Some(true)));
        assert_eq!(apply(&s, &cgj, &Action::Answer { text: "再报".into() }, t0).unwrap_err().code, "already_answered");
        let office = staff("dck", &[Role::OfficeStaff]);
        assert!(apply(&s, &office, &Action::Remind { unit_id: "cgj".into(), note: String::new() }, t0).is_err(), "cgj has answered");
        apply(&s, &office, &Action::Remind { unit_id: "zjj".into(), note: "请尽快反馈".into() }, t0).unwrap();
        let late = at(2026, 10, 10, 9, 0);
        let (s, d) = apply(&s, &zjj, &Action::Answer { text: "已整改完毕。".into() }, late).unwrap();
        assert_eq!((s.item.state, d["on_time"].as_bool(), s.item.closed_at), (State::Answered, Some(false), Some(late)));
        assert!(issue(&[unit("a"), unit("a")], None, t0, &cal(), 80).is_err());
        assert!(issue(&[], None, t0, &cal(), 80).is_err());
    }
}
