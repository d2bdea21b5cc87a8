//! Supervision as a kind of work: its rule table, due dates, queues and numbers.

use super::State;
use crate::kernel::{Due, From, Kind, Numbering, Party, Period, Queue, Rule, To};

/// The supervision item as a [`Kind`].
pub struct Supervision;

use Party::{CoUnit, LeadUnit, Office};
use State::*;

const OPEN_WORK: &[State] = &[Assigned, InProgress];

impl Kind for Supervision {
    type State = State;
    const NAME: &'static str = "supervision";
    const LABEL: &'static str = "督办事项";
    const NOUN: &'static str = "督办事项";
    const INITIAL: State = Drafted;
    // Per year, never reused, and without gaps: the office's register counts on it.
    const NUMBERING: Numbering = Numbering { format: "督〔{year}〕{n}号", period: Period::Year, gapless: true };

    const RULES: &'static [Rule<State>] = &[
        Rule { action: "assign", label: "交办", who: &[Office], from: From::These(&[Drafted]), to: To::One(Assigned) },
        Rule { action: "sign", label: "签收", who: &[LeadUnit, CoUnit], from: From::These(OPEN_WORK), to: To::Either(&[Assigned, InProgress]) },
        Rule { action: "object", label: "提出异议", who: &[LeadUnit, CoUnit], from: From::These(&[Assigned]), to: To::Same },
        Rule { action: "decide_objection", label: "异议审核", who: &[Office], from: From::These(OPEN_WORK), to: To::Either(&[Drafted, Assigned, InProgress]) },
        Rule { action: "report", label: "反馈进展", who: &[LeadUnit, CoUnit], from: From::These(OPEN_WORK), to: To::Same },
        Rule { action: "remind", label: "催办", who: &[Office], from: From::These(OPEN_WORK), to: To::Same },
        Rule { action: "request_extension", label: "申请延期", who: &[LeadUnit], from: From::These(OPEN_WORK), to: To::Same },
        Rule { action: "decide_extension", label: "延期审批", who: &[Office], from: From::These(OPEN_WORK), to: To::Same },
        Rule { action: "request_closure", label: "办结申请", who: &[LeadUnit], from: From::These(&[InProgress]), to: To::One(ClosureRequested) },
        Rule { action: "review", label: "办结审核", who: &[Office], from: From::These(&[ClosureRequested]), to: To::Either(&[Closed, InProgress]) },
        Rule { action: "reopen", label: "重新督办", who: &[Office], from: From::These(&[Closed]), to: To::One(InProgress) },
        Rule { action: "cancel", label: "撤销", who: &[Office], from: From::AnyOpen, to: To::One(Cancelled) },
    ];

    // Waiting to be signed, an item is paced by signing (due the next working day), so that it
    // comes first in the units' inboxes; once the lead unit has signed, by its deadline.
    const DUES: &'static [Due<State>] = &[
        Due { name: "sign", label: "签收时限", runs_in: &[Assigned], paces: true },
        Due { name: "deadline", label: "办结时限", runs_in: OPEN_WORK, paces: true },
        Due { name: "report", label: "进展反馈", runs_in: OPEN_WORK, paces: false },
        Due { name: "milestone", label: "节点时限", runs_in: OPEN_WORK, paces: false },
    ];

    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "sv_to_assign", label: "督办待交办", states: &[Drafted], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "sv_to_review", label: "督办办结待审", states: &[ClosureRequested], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "sv_to_decide_extension", label: "督办延期待审批", states: OPEN_WORK, party: Office, pending_extension: true, unit_pending: false },
        Queue { code: "sv_to_sign", label: "督办待签收", states: &[Assigned], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "sv_co_to_sign", label: "督办待签收（配合）", states: &[Assigned], party: CoUnit, pending_extension: false, unit_pending: false },
        Queue { code: "sv_to_report", label: "督办待反馈", states: &[InProgress], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "sv_co_report", label: "配合督办", states: &[InProgress], party: CoUnit, pending_extension: false, unit_pending: false },
    ];

    // The page's names for two actions, as the timeline and its messages say them.
    const EVENTS: &'static [(&'static str, &'static str)] = &[
        ("create", "立项"),
        ("closure", "办结申请"),
        ("extension", "申请延期"),
        ("notice", "督办通知单"),
        ("funds", "资金登记"),
        ("funds_warning", "资金滞留预警"),
    ];

    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(LeadUnit, "牵头单位"), (CoUnit, "配合单位")];
}
