use chrono::Duration;

use super::*;
use crate::error::DomainError;
use crate::org::{Role, UnitKind};
use sanfu_calendar::Calendar;
use crate::actor::{Actor, Principal};
use crate::testing::{at, cal, staff};
use crate::error::ErrorKind;

fn unit(id: &str, kind: UnitKind, parent: Option<&str>) -> UnitRef {
    UnitRef { id: id.into(), name: id.into(), kind, parent_id: parent.map(Into::into) }
}

struct Run {
    s: Snapshot,
    cal: Calendar,
    limits: TimeLimits,
}

impl Run {
    fn new(t: OrderType, now: DateTime<Utc>) -> Self {
        Run { s: Snapshot::new(t, Urgency::Normal, now), cal: cal(), limits: default_limits(t, Urgency::Normal) }
    }
    fn go(&mut self, who: &Actor, a: Action, now: DateTime<Utc>) -> Result<serde_json::Value, DomainError> {
        let out = apply(&self.s, who, &a, now, &self.cal, &self.limits)?;
        self.s = out.snapshot;
        Ok(out.details)
    }
}

fn centre() -> Actor {
    staff("hotline", &[Role::Dispatcher, Role::Operator])
}

#[test]
fn the_whole_life_of_a_complaint_over_national_day() {
    let t0 = at(2026, 9, 29, 10, 0);
    let mut r = Run::new(OrderType::Complaint, t0);
    let d = Action::Dispatch { lead: unit("zjj", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    assert_eq!(r.s.state, State::Dispatched);
    // Sign within 2 working hours: 10:00 + 2 h = 12:00 the same day.
    assert_eq!(r.s.deadlines[&DeadlineKind::Sign].due.at, at(2026, 9, 29, 12, 0));
    // 10 working days: 9-30, 10-8, 9, 10(Sat, worked), 12, 13, 14, 15, 16, 19.
    assert_eq!(r.s.deadlines[&DeadlineKind::Answer].due.at, at(2026, 10, 19, 17, 30));
    let liaison = staff("zjj", &[Role::UnitLiaison]);
    let details = r.go(&liaison, Action::Sign, t0 + Duration::minutes(30)).unwrap();
    assert_eq!(details["on_time"], true);
    r.go(&liaison, Action::Note { text: "已安排现场核查".into() }, t0 + Duration::hours(3)).unwrap();
    r.go(&liaison, Action::Answer { text: "经现场核实，已督促物业完成整改并回复来电人。".into(), review: false }, at(2026, 10, 9, 9, 0)).unwrap();
    assert_eq!(r.s.state, State::Answered);
    r.go(&centre(), Action::Review { pass: true, comment: None }, at(2026, 10, 9, 10, 0)).unwrap();
    assert_eq!(r.s.state, State::Callback);
    r.go(
        &centre(),
        Action::Callback { satisfaction: Satisfaction::Satisfied, comment: None, reopen: None },
        at(2026, 10, 9, 11, 0),
    )
    .unwrap();
    assert_eq!(r.s.state, State::Closed);
    assert!(r.s.deadlines[&DeadlineKind::Close].met_at.is_some());
}

#[test]
fn a_unit_cannot_act_on_work_not_handed_to_it_and_wrong_states_conflict() {
    let t0 = at(2026, 11, 24, 9, 0);
    let mut r = Run::new(OrderType::Help, t0);
    let other = staff("hbj", &[Role::UnitLiaison]);
    // Nobody but the centre dispatches.
    let d = Action::Dispatch { lead: unit("zjj", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    assert_eq!(r.go(&other, d.clone(), t0).unwrap_err().kind, ErrorKind::Forbidden);
    // Signing before dispatch is a state conflict for the centre, forbidden for a unit.
    assert_eq!(r.go(&centre(), Action::Answer { text: "x".into(), review: false }, t0).unwrap_err().kind, ErrorKind::Forbidden);
    r.go(&centre(), d, t0).unwrap();
    assert_eq!(r.go(&other, Action::Sign, t0).unwrap_err().code, "not_allowed_for_user");
    let zjj = staff("zjj", &[Role::UnitHead]);
    assert_eq!(r.go(&zjj, Action::Answer { text: "x".into(), review: false }, t0).unwrap_err().code, "invalid_state");
    // A unit that cannot handle hotline work is refused.
    let mut r2 = Run::new(OrderType::Help, t0);
    let bad = Action::Dispatch { lead: unit("wdk", UnitKind::Section, None), co: vec![], answer_due: None, note: None };
    assert_eq!(r2.go(&centre(), bad, t0).unwrap_err().code, "unit_cannot_handle");
    // A deadline in the past is refused.
    let past = Action::Dispatch {
        lead: unit("zjj", UnitKind::Department, None),
        co: vec![],
        answer_due: Some(t0 - Duration::hours(1)),
        note: None,
    };
    assert_eq!(r2.go(&centre(), past, t0).unwrap_err().code, "deadline_in_past");
    assert_eq!(r2.s.state, State::Registered);
}

#[test]
fn returns_only_inside_the_window_and_the_dispatcher_judges_them() {
    // Dispatched Friday 2026-02-13 10:00: the return window (1 working day) ends on the
    // make-up Saturday 14 Feb at 17:30.
    let t0 = at(2026, 2, 13, 10, 0);
    let mut r = Run::new(OrderType::Complaint, t0);
    let d = Action::Dispatch { lead: unit("jtj", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d.clone(), t0).unwrap();
    assert_eq!(r.s.deadlines[&DeadlineKind::Return].due.at, at(2026, 2, 14, 17, 30));
    let jtj = staff("jtj", &[Role::UnitLiaison]);
    let late = r.go(&jtj, Action::RequestReturn { reason: "非本单位职责".into() }, at(2026, 2, 24, 9, 0));
    assert_eq!(late.unwrap_err().code, "return_window_closed");
    r.go(&jtj, Action::RequestReturn { reason: "属供水公司职责".into() }, at(2026, 2, 14, 9, 0)).unwrap();
    assert_eq!(r.s.state, State::ReturnRequested);
    // Refused: back to the unit, still unsigned.
    r.go(&centre(), Action::JudgeReturn { approve: false, comment: Some("属于本单位".into()) }, at(2026, 2, 14, 10, 0))
        .unwrap();
    assert_eq!(r.s.state, State::Dispatched);
    assert_eq!(r.s.lead_unit_id(), Some("jtj"));
    r.go(&jtj, Action::RequestReturn { reason: "再次申请".into() }, at(2026, 2, 14, 11, 0)).unwrap();
    r.go(&centre(), Action::JudgeReturn { approve: true, comment: None }, at(2026, 2, 14, 11, 30)).unwrap();
    assert_eq!(r.s.state, State::Returned);
    assert_eq!(r.s.lead_unit_id(), None);
    assert_eq!(r.go(&jtj, Action::Sign, at(2026, 2, 14, 12, 0)).unwrap_err().kind, ErrorKind::Forbidden);
    // Re-dispatched to the right unit.
    let d2 = Action::Dispatch { lead: unit("water", UnitKind::Utility, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d2, at(2026, 2, 24, 9, 0)).unwrap();
    assert_eq!(r.s.lead_unit_id(), Some("water"));
    assert_eq!(r.s.state, State::Dispatched);
}

#[test]
fn extensions_are_capped_and_move_the_deadline_in_working_days() {
    let t0 = at(2026, 11, 2, 9, 0);
    let mut r = Run::new(OrderType::Help, t0);
    let d = Action::Dispatch { lead: unit("wjw", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    let wjw = staff("wjw", &[Role::UnitLiaison]);
    r.go(&wjw, Action::Sign, t0).unwrap();
    let before = r.s.deadlines[&DeadlineKind::Answer].due.at;
    assert_eq!(before, at(2026, 11, 9, 17, 30));
    let e = r.go(&wjw, Action::RequestExtension { days: 11, reason: "需协调".into() }, t0);
    assert_eq!(e.unwrap_err().code, "extension_too_long");
    r.go(&wjw, Action::RequestExtension { days: 5, reason: "需协调多个部门".into() }, t0).unwrap();
    let again = r.go(&wjw, Action::RequestExtension { days: 1, reason: "x".into() }, t0);
    assert_eq!(again.unwrap_err().code, "extension_pending");
    r.go(&centre(), Action::DecideExtension { approve: true, comment: None }, t0).unwrap();
    assert_eq!(r.s.deadlines[&DeadlineKind::Answer].due.at, at(2026, 11, 16, 17, 30));
    assert_eq!(r.s.extension_days, 5);
    r.go(&wjw, Action::RequestExtension { days: 6, reason: "x".into() }, t0).unwrap_err();
    r.go(&wjw, Action::RequestExtension { days: 5, reason: "再延".into() }, t0).unwrap();
    r.go(&centre(), Action::DecideExtension { approve: false, comment: Some("不予延期".into()) }, t0).unwrap();
    assert_eq!(r.s.deadlines[&DeadlineKind::Answer].due.at, at(2026, 11, 16, 17, 30));
    assert!(r.s.pending_extension.is_none());
}

#[test]
fn unsatisfied_rating_and_failed_review_reopen_the_order() {
    let t0 = at(2026, 11, 2, 9, 0);
    let mut r = Run::new(OrderType::Inquiry, t0);
    let d = Action::Dispatch { lead: unit("rsj", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    let rsj = staff("rsj", &[Role::UnitLiaison]);
    r.go(&rsj, Action::Sign, t0).unwrap();
    r.go(&rsj, Action::Answer { text: "答复一：经核实已按政策办理完毕并告知来电人。".into(), review: false }, t0).unwrap();
    let no_reason = r.go(&centre(), Action::Review { pass: false, comment: None }, t0);
    assert_eq!(no_reason.unwrap_err().code, "empty_reason");
    r.go(&centre(), Action::Review { pass: false, comment: Some("答非所问".into()) }, t0).unwrap();
    assert_eq!((r.s.state, r.s.reopen_count), (State::Handling, 1));
    r.go(&rsj, Action::Answer { text: "答复二：经核实已按政策办理完毕并告知来电人。".into(), review: false }, t0).unwrap();
    r.go(&centre(), Action::Review { pass: true, comment: None }, t0).unwrap();
    let citizen = Actor { principal: Principal::Citizen, ip: "1.2.3.4".into() };
    r.go(&citizen, Action::Callback { satisfaction: Satisfaction::Unsatisfied, comment: None, reopen: None }, t0)
        .unwrap();
    assert_eq!((r.s.state, r.s.reopen_count), (State::Handling, 2));
    r.go(&rsj, Action::Answer { text: "答复三：经核实已按政策办理完毕并告知来电人。".into(), review: false }, t0).unwrap();
    r.go(&centre(), Action::Review { pass: true, comment: None }, t0).unwrap();
    r.go(
        &centre(),
        Action::Callback { satisfaction: Satisfaction::Unsatisfied, comment: None, reopen: Some(false) },
        t0,
    )
    .unwrap();
    assert_eq!(r.s.state, State::Closed);
    assert_eq!(r.s.satisfaction, Some(Satisfaction::Unsatisfied));
}

#[test]
fn a_district_forwards_to_its_street_and_not_elsewhere() {
    let t0 = at(2026, 11, 2, 9, 0);
    let mut r = Run::new(OrderType::Complaint, t0);
    let district = unit("d1", UnitKind::District, None);
    let d = Action::Dispatch { lead: district.clone(), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    let d1 = staff("d1", &[Role::UnitLiaison]);
    r.go(&d1, Action::Sign, t0).unwrap();
    let foreign = unit("s9", UnitKind::Street, Some("d2"));
    let e = r.go(&d1, Action::Forward { from: district.clone(), to: foreign, note: None }, t0);
    assert_eq!(e.unwrap_err().code, "not_a_subunit");
    let street = unit("s1", UnitKind::Street, Some("d1"));
    r.go(&d1, Action::Forward { from: district, to: street, note: None }, t0).unwrap();
    assert_eq!(r.s.lead_unit_id(), Some("s1"));
    assert_eq!(r.s.state, State::Dispatched);
    assert!(r.s.assignments.iter().any(|a| a.unit_id == "d1" && a.role == AssignmentRole::Forwarded));
    let s1 = staff("s1", &[Role::UnitLiaison]);
    r.go(&s1, Action::Sign, t0).unwrap();
    assert_eq!(r.go(&d1, Action::Answer { text: "x".into(), review: false }, t0).unwrap_err().kind, ErrorKind::Forbidden);
    r.go(&s1, Action::Answer { text: "经街道现场核实，问题已处理完毕并告知来电人。".into(), review: false }, t0).unwrap();
}

#[test]
fn merge_and_withdraw_end_the_order() {
    let t0 = at(2026, 11, 2, 9, 0);
    let mut r = Run::new(OrderType::Complaint, t0);
    let m = Action::Merge { master_id: "m".into(), master_number: "N1".into(), master_state: State::Withdrawn };
    assert_eq!(r.go(&centre(), m, t0).unwrap_err().code, "master_not_open");
    let m = Action::Merge { master_id: "m".into(), master_number: "N1".into(), master_state: State::Handling };
    r.go(&centre(), m, t0).unwrap();
    assert_eq!(r.s.state, State::Merged);
    let w = r.go(&centre(), Action::Withdraw { reason: "x".into() }, t0);
    assert_eq!(w.unwrap_err().code, "invalid_state");
    let mut r = Run::new(OrderType::Help, t0);
    let citizen = Actor { principal: Principal::Citizen, ip: "1.2.3.4".into() };
    r.go(&citizen, Action::Withdraw { reason: "问题已自行解决".into() }, t0).unwrap();
    assert_eq!(r.s.state, State::Withdrawn);
}

#[test]
fn urgent_orders_count_clock_time() {
    // Saturday night: an urgent order still has to be signed in 30 minutes.
    let t0 = at(2026, 11, 28, 22, 0);
    let mut r = Run { s: Snapshot::new(OrderType::Help, Urgency::Urgent, t0), cal: cal(), limits: default_limits(OrderType::Help, Urgency::Urgent) };
    let d = Action::Dispatch { lead: unit("gas", UnitKind::Utility, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    assert_eq!(r.s.deadlines[&DeadlineKind::Sign].due.at, at(2026, 11, 28, 22, 30));
    assert_eq!(r.s.deadlines[&DeadlineKind::Answer].due.at, at(2026, 11, 29, 0, 0));
    assert_eq!(r.s.deadlines[&DeadlineKind::Close].due.at, at(2026, 11, 29, 22, 0));
}

#[test]
fn every_action_has_its_line_in_the_rule_table() {
    for name in [
        "close_directly", "dispatch", "forward", "sign", "note", "request_return", "judge_return", "answer", "review", "callback",
        "request_extension", "decide_extension", "merge", "withdraw", "escalate",
    ] {
        assert_ne!(super::action_label(name), "操作", "{name} has no rule");
    }
}

#[test]
fn allowed_actions_come_from_the_rule_table_and_apply_agrees() {
    let t0 = at(2026, 11, 2, 10, 0);
    let mut r = Run::new(OrderType::Complaint, t0);
    assert_eq!(allowed_actions(&r.s, &centre(), t0), ["close_directly", "dispatch", "merge", "withdraw", "escalate"]);
    let zjj = staff("zjj", &[Role::UnitLiaison]);
    assert!(allowed_actions(&r.s, &zjj, t0).is_empty(), "a unit has nothing to do with an order not handed to it");
    let d = Action::Dispatch { lead: unit("zjj", UnitKind::Department, None), co: vec![], answer_due: None, note: None };
    r.go(&centre(), d, t0).unwrap();
    assert_eq!(allowed_actions(&r.s, &zjj, t0), ["forward", "sign", "request_return"]);
    // Once the return window has closed, 申请退单 is no longer offered (apply would refuse it).
    let later = at(2026, 11, 20, 10, 0);
    assert_eq!(allowed_actions(&r.s, &zjj, later), ["forward", "sign"]);
    let refused = apply(&r.s, &zjj, &Action::RequestReturn { reason: "不属于本单位职责".into() }, later, &r.cal, &r.limits).unwrap_err();
    assert_eq!(refused.code, "return_window_closed");
    // The centre may still merge and withdraw a dispatched order: what apply allows, the list shows.
    let centre_may = allowed_actions(&r.s, &centre(), t0);
    assert!(centre_may.contains(&"merge") && centre_may.contains(&"withdraw"), "{centre_may:?}");
    assert!(r.go(&centre(), Action::Withdraw { reason: "诉求人已自行解决".into() }, t0).is_ok());
    assert!(allowed_actions(&r.s, &centre(), t0).is_empty(), "nothing is left to do on a withdrawn order");
}

#[test]
fn an_answer_of_a_few_characters_is_refused_with_why() {
    let e = super::check_answer("已修").unwrap_err();
    assert_eq!(e.code, "answer_too_short");
    assert!(e.message.contains("至少 10 字"), "{}", e.message);
    assert!(super::check_answer("经现场核实，损坏的路灯已于今日更换并恢复照明。").is_ok());
}
