//! The hotline as a kind of work: its one rule table, its due dates, its queues, its numbers.

use super::{Snapshot, State};
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Due, From, Kind, Numbering, Party, Period, Queue, Rule, To, parties};

/// The 12345 order as a [`Kind`].
pub struct Hotline;

const OPEN_FOR_UNIT: &[State] = &[State::Dispatched, State::Handling];

use Party::{Citizen, CoUnit, Dispatcher, Hotline as Centre, LeadHead, LeadUnit, Office};
use State::*;

impl Kind for Hotline {
    type State = State;
    const NAME: &'static str = "work_order";
    const LABEL: &'static str = "12345工单";
    const NOUN: &'static str = "工单";
    const INITIAL: State = Registered;
    const NUMBERING: Numbering = Numbering { format: "{date}{n:06}", period: Period::Day, gapless: false };

    const RULES: &'static [Rule<State>] = &[
        Rule { action: "close_directly", label: "直接办结", who: &[Centre], from: From::These(&[Registered]), to: To::One(Closed) },
        Rule { action: "dispatch", label: "派单", who: &[Centre], from: From::These(&[Registered, Returned]), to: To::One(Dispatched) },
        Rule { action: "forward", label: "二级派单", who: &[LeadUnit], from: From::These(OPEN_FOR_UNIT), to: To::One(Dispatched) },
        Rule { action: "sign", label: "签收", who: &[LeadUnit], from: From::These(&[Dispatched]), to: To::One(Handling) },
        Rule {
            action: "note",
            label: "填写办理情况",
            who: &[LeadUnit, CoUnit, Centre],
            from: From::These(&[Handling, Answered, Callback]),
            to: To::Same,
        },
        Rule { action: "request_return", label: "申请退单", who: &[LeadUnit], from: From::These(OPEN_FOR_UNIT), to: To::One(ReturnRequested) },
        Rule {
            action: "judge_return",
            label: "退单审核",
            who: &[Dispatcher],
            from: From::These(&[ReturnRequested]),
            to: To::Either(&[Returned, Handling, Dispatched]),
        },
        Rule { action: "answer", label: "答复", who: &[LeadUnit], from: From::These(&[Handling]), to: To::Either(&[Answered, UnitReview]) },
        Rule {
            action: "approve_answer",
            label: "单位审核答复",
            who: &[LeadHead],
            from: From::These(&[UnitReview]),
            to: To::Either(&[Answered, Handling]),
        },
        Rule { action: "review", label: "答复审核", who: &[Dispatcher], from: From::These(&[Answered]), to: To::Either(&[Callback, Handling]) },
        Rule { action: "callback", label: "回访", who: &[Centre, Citizen], from: From::These(&[Callback]), to: To::Either(&[Closed, Handling]) },
        Rule { action: "request_extension", label: "申请延期", who: &[LeadUnit], from: From::These(&[Handling]), to: To::Same },
        Rule { action: "decide_extension", label: "延期审批", who: &[Dispatcher], from: From::These(&[Handling]), to: To::Same },
        Rule { action: "merge", label: "合并", who: &[Centre], from: From::These(&[Registered, Returned, Dispatched]), to: To::One(Merged) },
        Rule { action: "withdraw", label: "撤单", who: &[Centre, Citizen], from: From::AnyOpen, to: To::One(Withdrawn) },
        Rule { action: "escalate", label: "督办", who: &[Centre, Office], from: From::AnyOpen, to: To::Same },
    ];

    /// 签收 is owed while dispatched; the return window is open until the answer; the answer
    /// is owed until given (a return request does not stop its clock); 办结 until closed.
    const DUES: &'static [Due<State>] = &[
        Due { name: "sign", label: "签收时限", runs_in: &[Dispatched], paces: true },
        Due { name: "return", label: "退单时限", runs_in: &[Dispatched, Handling], paces: false },
        Due { name: "answer", label: "答复时限", runs_in: &[Dispatched, Handling, UnitReview, ReturnRequested], paces: true },
        Due { name: "close", label: "办结时限", runs_in: &[Dispatched, Handling, UnitReview, ReturnRequested, Answered, Callback], paces: true },
    ];

    const EVENTS: &'static [(&'static str, &'static str)] = &[
        ("register", "受理登记"),
        ("duplicate_merged", "并入重复件"),
        ("publish", "公开"),
        ("unpublish", "撤下公开"),
        // Names the first releases recorded for two actions.
        ("return", "申请退单"),
        ("extension", "申请延期"),
    ];

    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "to_dispatch", label: "待派单", states: &[Registered], party: Centre, pending_extension: false, unit_pending: false },
        Queue { code: "to_redispatch", label: "退单待重派", states: &[Returned], party: Centre, pending_extension: false, unit_pending: false },
        Queue { code: "to_callback", label: "待回访", states: &[Callback], party: Centre, pending_extension: false, unit_pending: false },
        Queue { code: "to_judge_return", label: "退单待审核", states: &[ReturnRequested], party: Dispatcher, pending_extension: false, unit_pending: false },
        Queue { code: "to_review", label: "答复待审核", states: &[Answered], party: Dispatcher, pending_extension: false, unit_pending: false },
        Queue { code: "to_decide_extension", label: "延期待审批", states: &[Handling], party: Dispatcher, pending_extension: true, unit_pending: false },
        Queue { code: "to_sign", label: "待签收", states: &[Dispatched], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "to_answer", label: "待答复", states: &[Handling], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "to_approve_answer", label: "答复待本单位审核", states: &[UnitReview], party: LeadHead, pending_extension: false, unit_pending: false },
        Queue { code: "co_handling", label: "协办", states: &[Handling], party: CoUnit, pending_extension: false, unit_pending: false },
    ];
}

/// Who and from which state, by the table.
pub(super) fn guard(s: &Snapshot, actor: &Actor, action: &str) -> Result<(), DomainError> {
    kernel::guard::<Hotline>(&parties(&s.assignments, actor), s.state, action).map(|_| ())
}

/// The actions `actor` may take on the order now, in the table's order.
/// An action whose own condition has lapsed by `now` is not offered: 申请退单 after the return
/// window has closed would only be refused.
pub fn allowed_actions(s: &Snapshot, actor: &Actor, now: chrono::DateTime<chrono::Utc>) -> Vec<&'static str> {
    let window_closed = s.deadlines.get(&super::DeadlineKind::Return).is_some_and(|d| now > d.due.at);
    kernel::allowed_actions::<Hotline>(&parties(&s.assignments, actor), s.state)
        .into_iter()
        .filter(|a| !(*a == "request_return" && window_closed))
        .collect()
}

/// The office's name for an action (「派单」, 「撤单」 …).
pub fn action_label(action: &str) -> &'static str {
    kernel::action_label::<Hotline>(action)
}

/// What an order's timeline calls one of its events.
pub fn event_label(action: &str) -> &'static str {
    kernel::event_label::<Hotline>(action)
}

/// The deadline an order in `state` runs against (its queue order, its colour), by the table.
pub fn paced_by(state: State) -> Option<super::DeadlineKind> {
    kernel::pace::<Hotline>(state).and_then(super::DeadlineKind::parse)
}
