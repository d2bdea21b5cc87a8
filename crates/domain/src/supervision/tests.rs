use chrono::{DateTime, Duration, Utc};
use sanfu_calendar::Calendar;

use super::*;
use crate::actor::Actor;
use crate::testing::{at, cal, local, staff};
use crate::error::{DomainError, ErrorKind};
use crate::kernel::{self, KindSpec, Party, ReportCycle};
use crate::org::{Role, UnitKind};

fn office() -> Actor {
    staff("dck", &[Role::OfficeStaff])
}

fn unit(id: &str) -> UnitRef {
    UnitRef { id: id.into(), name: id.into(), kind: UnitKind::Department, parent_id: None }
}

struct Run {
    s: Snapshot,
    cal: Calendar,
    settings: Settings,
}

impl Run {
    fn new(now: DateTime<Utc>) -> Self {
        Run { s: Snapshot::new(now, ReportCycle::ONCE), cal: cal(), settings: Settings::default() }
    }
    fn go(&mut self, who: &Actor, a: Action, now: DateTime<Utc>) -> Result<serde_json::Value, DomainError> {
        let out = apply(&self.s, who, &a, now, &self.cal, &self.settings)?;
        self.s = out.snapshot;
        Ok(out.details)
    }
    fn assign(&mut self, now: DateTime<Utc>, deadline: DateTime<Utc>, cycle: &str) {
        let a = Action::Assign {
            lead: unit("zjj"),
            co: vec![unit("cgj")],
            deadline,
            cycle: ReportCycle::parse(cycle).unwrap(),
            milestones: vec![("完成选址".into(), deadline - Duration::days(20))],
        };
        self.go(&office(), a, now).unwrap();
    }
}

#[test]
fn an_item_is_handed_out_signed_reported_on_its_cycle_and_struck_off() {
    let t0 = at(2026, 12, 1, 9, 0);
    let mut r = Run::new(t0);
    let (zjj, cgj) = (staff("zjj", &[Role::UnitLiaison]), staff("cgj", &[Role::UnitLiaison]));
    r.assign(t0, at(2026, 12, 31, 17, 30), "每旬");
    assert_eq!(r.s.state(), State::Assigned);
    // Each unit owes its own reports: 10, 18 (the 旬's last working day, the 19th and 20th
    // being a weekend) and 31 December.
    let dues: Vec<String> = r.s.reports_of("cgj").iter().map(|(_, d)| local(d.due.at)).collect();
    assert_eq!(dues, ["12-10 17:30", "12-18 17:30", "12-31 17:30"]);
    assert_eq!(r.s.reports_of("zjj").len(), 3);

    // The co-unit signs first: still waiting for the lead unit.
    r.go(&cgj, Action::Sign, t0 + Duration::hours(1)).unwrap();
    assert_eq!(r.s.state(), State::Assigned);
    assert_eq!(r.go(&cgj, Action::Sign, t0 + Duration::hours(2)).unwrap_err().code, "already_signed");
    let d = r.go(&zjj, Action::Sign, t0 + Duration::hours(2)).unwrap();
    assert_eq!((d["lead"].as_bool(), d["on_time"].as_bool()), (Some(true), Some(true)));
    assert_eq!(r.s.state(), State::InProgress);

    // Reports meet each unit's earliest report owed; the lead unit marks the milestone done.
    let d = r.go(&cgj, Action::Report { text: "已完成现场踏勘".into(), milestone: None }, at(2026, 12, 9, 16, 0)).unwrap();
    assert_eq!((d["seq"].as_u64(), d["on_time"].as_bool()), (Some(1), Some(true)));
    let e = r.go(&cgj, Action::Report { text: "选址已定".into(), milestone: Some(1) }, at(2026, 12, 9, 16, 0)).unwrap_err();
    assert_eq!(e.message, "只有牵头单位可以报告节点完成");
    let d = r.go(&zjj, Action::Report { text: "选址已定".into(), milestone: Some(1) }, at(2026, 12, 11, 10, 0)).unwrap();
    assert_eq!((d["seq"].as_u64(), d["on_time"].as_bool()), (Some(1), Some(false)), "zjj's first report was due on the 10th");
    assert!(r.s.item.dues[&kernel::DueKey { name: "milestone".into(), unit_id: String::new(), seq: 1 }].met_at.is_some());

    // Only the lead unit applies for closure, with evidence; the office sends it back with a reason.
    assert_eq!(r.go(&cgj, Action::RequestClosure { evidence: "x".into() }, at(2026, 12, 20, 9, 0)).unwrap_err().message, "只有牵头单位可以办结申请");
    r.go(&zjj, Action::RequestClosure { evidence: "项目已开工，附开工许可证".into() }, at(2026, 12, 21, 9, 0)).unwrap();
    assert_eq!(r.s.state(), State::ClosureRequested);
    assert_eq!(r.go(&office(), Action::Review { pass: false, comment: None }, at(2026, 12, 21, 15, 0)).unwrap_err().code, "empty_reason");
    r.go(&office(), Action::Review { pass: false, comment: Some("缺少验收材料".into()) }, at(2026, 12, 21, 15, 0)).unwrap();
    assert_eq!(r.s.state(), State::InProgress);
    assert!(r.s.deadline().unwrap().met_at.is_none(), "sent back: the deadline runs again");
    r.go(&zjj, Action::RequestClosure { evidence: "补充验收材料".into() }, at(2026, 12, 22, 9, 0)).unwrap();
    r.go(&office(), Action::Review { pass: true, comment: None }, at(2026, 12, 22, 15, 0)).unwrap();
    assert_eq!((r.s.state(), r.s.item.closed_at), (State::Closed, Some(at(2026, 12, 22, 15, 0))));
    assert!(kernel::allowed_actions::<Supervision>(&kernel::parties(&r.s.item.assignments, &zjj), r.s.state()).is_empty());

    // A leader's new instruction reopens it, with a new deadline and more reports owed.
    r.go(&office(), Action::Reopen { reason: "市长批示：继续跟踪".into(), deadline: at(2027, 1, 29, 17, 30) }, at(2026, 12, 28, 9, 0)).unwrap();
    assert_eq!((r.s.state(), r.s.reopen_count, r.s.item.closed_at), (State::InProgress, 1, None));
    assert_eq!(r.s.reports_of("zjj").last().map(|(seq, _)| *seq), Some(6));
}

#[test]
fn who_may_do_what_is_the_table_in_supervision_words() {
    let t0 = at(2026, 12, 1, 9, 0);
    let mut r = Run::new(t0);
    let other = staff("hbj", &[Role::UnitLiaison]);
    let e = r.go(&other, Action::Cancel { reason: "x".into() }, t0).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Forbidden, "只有督查科可以撤销"));
    r.assign(t0, at(2026, 12, 31, 17, 30), "每周");
    let e = r.go(&other, Action::Sign, t0).unwrap_err();
    assert_eq!(e.message, "只有牵头单位或配合单位可以签收");
    let e = r.go(&office(), Action::Review { pass: true, comment: None }, t0).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Conflict, "督办事项当前状态为“待签收”，不能办结审核"));
    let zjj = staff("zjj", &[Role::UnitLiaison]);
    let have = kernel::parties(&r.s.item.assignments, &zjj);
    assert_eq!(kernel::allowed_actions::<Supervision>(&have, r.s.state()), ["sign", "object", "report", "request_extension"]);
    let spec = KindSpec::of::<Supervision>();
    assert_eq!((spec.name, spec.pace("in_progress"), spec.event_label("create")), ("supervision", Some("deadline"), "立项"));
    assert_eq!(kernel::party_name::<Supervision>(Party::CoUnit), "配合单位");
}

#[test]
fn an_objection_comes_within_two_working_days_and_sends_the_item_back_to_be_handed_out() {
    // Handed out on Friday 25 September 2026, the first day of the Mid-Autumn holiday: the two
    // working days are Monday 28 and Tuesday 29 September.
    let t0 = at(2026, 9, 25, 10, 0);
    let mut r = Run::new(t0);
    r.assign(t0, at(2026, 11, 30, 17, 30), "每月");
    let cgj = staff("cgj", &[Role::UnitLiaison]);
    let e = r.go(&cgj, Action::Object { reason: "路灯不属于本单位".into() }, at(2026, 9, 30, 9, 0)).unwrap_err();
    assert_eq!(e.code, "objection_window_closed");
    r.go(&cgj, Action::Object { reason: "该事项不属于本单位职责".into() }, at(2026, 9, 29, 17, 0)).unwrap();
    assert_eq!(r.go(&cgj, Action::Object { reason: "再提一次".into() }, at(2026, 9, 29, 17, 10)).unwrap_err().code, "objection_pending");
    r.go(&office(), Action::DecideObjection { approve: true, comment: Some("改由市交通运输局配合".into()) }, at(2026, 9, 30, 9, 0)).unwrap();
    assert_eq!(r.s.state(), State::Drafted);
    assert!(r.s.item.assignments.iter().all(|a| !a.active) && r.s.item.dues.is_empty());
    assert_eq!(r.s.item.assignments.iter().find(|a| a.unit_id == "cgj").unwrap().outcome.as_deref(), Some("objected"));
}

#[test]
fn an_extension_is_asked_before_the_deadline_and_moves_it_with_more_reports_owed() {
    let t0 = at(2026, 11, 2, 9, 0);
    let mut r = Run::new(t0);
    r.assign(t0, at(2026, 11, 30, 17, 30), "每月5日前");
    let zjj = staff("zjj", &[Role::UnitLiaison]);
    r.go(&zjj, Action::Sign, t0).unwrap();
    assert_eq!(r.s.reports_of("zjj").iter().map(|(_, d)| local(d.due.at)).collect::<Vec<_>>(), ["11-05 17:30"]);
    let ask = |d: DateTime<Utc>| Action::RequestExtension { new_due: d, reason: "征地手续尚未办结".into() };
    assert_eq!(r.go(&zjj, ask(at(2026, 11, 20, 17, 30)), at(2026, 11, 10, 9, 0)).unwrap_err().code, "extension_not_later");
    r.go(&zjj, ask(at(2027, 1, 29, 17, 30)), at(2026, 11, 10, 9, 0)).unwrap();
    assert!(ItemView::extension_pending(&r.s));
    r.go(&office(), Action::DecideExtension { approve: true, comment: None }, at(2026, 11, 11, 9, 0)).unwrap();
    assert_eq!(local(r.s.deadline().unwrap().due.at), "01-29 17:30");
    assert_eq!(r.s.deadline().unwrap().started_at, t0, "still counted from 交办");
    let reports: Vec<(u32, String)> = r.s.reports_of("zjj").iter().map(|(k, d)| (*k, local(d.due.at))).collect();
    assert_eq!(reports, [(1, "11-05 17:30".to_string()), (2, "12-07 17:30".into()), (3, "01-05 17:30".into())]);
    // After the deadline, no more extensions: it is overdue.
    let e = r.go(&zjj, ask(at(2027, 3, 1, 17, 30)), at(2027, 2, 1, 9, 0)).unwrap_err();
    assert_eq!(e.code, "deadline_passed");
}

#[test]
fn the_ladder_owes_each_step_by_the_settings() {
    use super::ladder::{Standing, Step, owed};
    let s = Settings::default();
    let (warn, due) = (at(2026, 10, 26, 9, 0), at(2026, 10, 30, 17, 30));
    let behind = Standing { lead: true, missed_reports: 2, milestones_behind: 0 };
    let on_track = Standing { lead: true, missed_reports: 0, milestones_behind: 0 };
    // Before the yellow point: the misses only.
    assert_eq!(owed(&behind, Some((warn, due)), at(2026, 10, 20, 9, 0), &s), [Step::Remind, Step::Notice]);
    // Near the deadline: a yellow card if behind, nothing if on track.
    assert_eq!(owed(&behind, Some((warn, due)), at(2026, 10, 27, 9, 0), &s), [Step::Remind, Step::Notice, Step::YellowCard]);
    assert!(owed(&on_track, Some((warn, due)), at(2026, 10, 27, 9, 0), &s).is_empty());
    // A milestone behind counts for the lead unit, not for a co-unit.
    let ms = Standing { lead: true, missed_reports: 0, milestones_behind: 1 };
    assert_eq!(owed(&ms, Some((warn, due)), at(2026, 10, 27, 9, 0), &s), [Step::YellowCard]);
    assert!(owed(&Standing { lead: false, ..ms }, Some((warn, due)), at(2026, 10, 27, 9, 0), &s).is_empty());
    // Past the deadline: red to the lead unit only.
    assert_eq!(owed(&on_track, Some((warn, due)), at(2026, 11, 2, 9, 0), &s), [Step::RedCard]);
    assert!(owed(&Standing { lead: false, ..on_track }, Some((warn, due)), at(2026, 11, 2, 9, 0), &s).is_empty());
    // An office that sends no 督办通知单 and shows no cards.
    let quiet = Settings { notice_after_misses: 0, yellow_card: false, red_card: false, ..s };
    assert_eq!(owed(&behind, Some((warn, due)), at(2026, 11, 2, 9, 0), &quiet), [Step::Remind]);
    // Settings out of reason are refused.
    assert!(Settings { warn_percent: 20, ..s }.checked().is_err());
    assert!(Settings { remind_after_misses: 3, notice_after_misses: 2, ..s }.checked().is_err());
    assert!(s.checked().is_ok());
}
