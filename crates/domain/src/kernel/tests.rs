//! The kernel on a kind it has never heard of, and the hotline's table read through it.

use chrono::{TimeZone, Utc};

use super::*;
use crate::testing::{at as cst, local as local_time, staff};
use crate::error::ErrorKind;
use crate::hotline::{self, Hotline, State as H};
use crate::org::Role;

crate::labelled_enum!(
    Drill {
        Open = "open" / "待整改",
        Done = "done" / "已整改",
    }
);

crate::kind_states!(Drill, ends: [Done]);

/// Two states, one due date, two rules.
struct FireDrill;

impl Kind for FireDrill {
    type State = Drill;
    const NAME: &'static str = "fire_drill";
    const LABEL: &'static str = "消防演练";
    const NOUN: &'static str = "演练";
    const INITIAL: Drill = Drill::Open;
    const NUMBERING: Numbering = Numbering { format: "演〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<Drill>] = &[
        Rule { action: "report", label: "报告整改", who: &[Party::LeadUnit], from: From::These(&[Drill::Open]), to: To::One(Drill::Done) },
        Rule { action: "remark", label: "批注", who: &[Party::Office, Party::LeadUnit], from: From::AnyOpen, to: To::Same },
    ];
    const DUES: &'static [Due<Drill>] = &[Due { name: "report", label: "整改时限", runs_in: &[Drill::Open], paces: true }];
    const QUEUES: &'static [Queue<Drill>] =
        &[Queue { code: "to_report", label: "待整改", states: &[Drill::Open], party: Party::LeadUnit, pending_extension: false, unit_pending: false }];
}

#[test]
fn a_kind_is_its_table_who_from_where_to() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let mut item = Item::new(Drill::Open, t0);
    item.assignments.push(Assignment::new("zjj", AssignmentRole::Lead, t0));
    let cal = sanfu_calendar::Calendar::bundled().unwrap();
    item.dues.insert(DueKey { name: "report".into(), unit_id: "zjj".into(), seq: 1 }, DueState::after(t0, &crate::limits::Limit::working_days(2), &cal, 80));

    let office = staff("dcs", &[Role::OfficeStaff]);
    let unit = staff("zjj", &[Role::UnitLiaison]);
    let other = staff("hbj", &[Role::UnitLiaison]);
    assert_eq!(allowed_actions::<FireDrill>(&parties(&item.assignments, &unit), item.state), ["report", "remark"]);
    assert_eq!(allowed_actions::<FireDrill>(&parties(&item.assignments, &office), item.state), ["remark"]);
    assert!(allowed_actions::<FireDrill>(&parties(&item.assignments, &other), item.state).is_empty());

    let e = step::<FireDrill>(&item, &other, "report", t0).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Forbidden, "只有主办单位可以报告整改"));
    let noted = step::<FireDrill>(&item, &office, "remark", t0).unwrap();
    assert_eq!(noted, item, "a remark changes nothing the kernel keeps");

    let t1 = t0 + chrono::Duration::hours(3);
    let done = step::<FireDrill>(&item, &unit, "report", t1).unwrap();
    assert_eq!(done.state, Drill::Done);
    assert_eq!(done.closed_at, Some(t1));
    assert_eq!(done.dues.values().next().unwrap().met_at, Some(t1), "the due date that stopped running is met");
    let e = step::<FireDrill>(&done, &unit, "report", t1).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Conflict, "演练当前状态为“已整改”，不能报告整改"));
    assert!(allowed_actions::<FireDrill>(&parties(&done.assignments, &office), done.state).is_empty());

    let spec = KindSpec::of::<FireDrill>();
    assert_eq!((spec.name, spec.state_label("open"), spec.is_terminal("done")), ("fire_drill", "待整改", true));
    assert_eq!(spec.running("open"), ["report"]);
    assert_eq!(spec.pace("done"), None);
    assert_eq!(spec.queues[0].pace, Some("report"));
    assert_eq!(spec.allowed_actions(&[Party::LeadUnit], "open"), ["report", "remark"]);
}

#[test]
fn the_hotline_paces_each_state_by_the_deadline_it_always_has() {
    // The deadline an order runs against, read from the table, as the queues and the
    // dashboard have always shown it.
    let want = [
        (H::Registered, None),
        (H::Dispatched, Some("sign")),
        (H::Handling, Some("answer")),
        (H::ReturnRequested, Some("answer")),
        (H::Returned, None),
        (H::Answered, Some("close")),
        (H::Callback, Some("close")),
        (H::Closed, None),
        (H::Merged, None),
        (H::Withdrawn, None),
    ];
    for (state, due) in want {
        assert_eq!(pace::<Hotline>(state), due, "{state:?}");
    }
    assert_eq!(running::<Hotline>(H::Handling), ["return", "answer", "close"]);
    assert!(running::<Hotline>(H::Closed).is_empty());
    for d in Hotline::DUES {
        assert_eq!(hotline::DeadlineKind::parse(d.name).map(|k| k.label()), Some(d.label), "{} is a DeadlineKind", d.name);
    }
}

#[test]
fn every_rule_leads_where_its_table_says() {
    for r in Hotline::RULES {
        if let To::One(s) = r.to {
            assert!(leads_to::<Hotline>(r.action, H::Registered, s));
        }
    }
    assert!(leads_to::<Hotline>("review", H::Answered, H::Handling));
    assert!(!leads_to::<Hotline>("review", H::Answered, H::Closed));
    assert!(leads_to::<Hotline>("note", H::Handling, H::Handling));
    assert!(!leads_to::<Hotline>("note", H::Handling, H::Answered));
}

#[test]
fn cards_and_links_need_the_office_a_reason_and_a_unit_that_had_the_work() {
    let office = [Party::Office];
    assert_eq!(check_card(&office, true, "住建局", "  逾期未报送进展 ").unwrap(), "逾期未报送进展");
    assert_eq!(check_card(&[Party::LeadUnit], true, "住建局", "x").unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(check_card(&office, false, "住建局", "x").unwrap_err().message, "“住建局”没有承办这项工作，不能对其亮牌");
    assert_eq!(check_card(&office, true, "住建局", " ").unwrap_err().kind, ErrorKind::Invalid);
    assert_eq!(check_revoke(&office, true, "误发").unwrap_err().kind, ErrorKind::Conflict);
    assert!(check_link(&office, "a", "b").is_ok());
    assert_eq!(check_link(&office, "a", "a").unwrap_err().kind, ErrorKind::Invalid);
    assert_eq!(LinkKind::parse("会议议定"), Some(LinkKind::DecidedIn));
    assert_eq!(CardColour::Red.label(), "红牌警告");
}

#[test]
fn reporting_cycles_read_as_the_office_writes_them() {
    assert_eq!(ReportCycle::parse("每旬").unwrap(), ReportCycle { cycle: Cycle::TenDays, day: 0 });
    assert_eq!(ReportCycle::parse("weekly").unwrap().label(), "每周");
    assert_eq!(ReportCycle::parse("每月5日前").unwrap(), ReportCycle { cycle: Cycle::MonthDay, day: 5 });
    assert_eq!(ReportCycle::parse("每月10号").unwrap().label(), "每月10日前");
    assert_eq!(ReportCycle::parse("month_day:31").unwrap_err().message, "每月报送日应在 1 日到 28 日之间");
    assert_eq!(ReportCycle::parse("每季").unwrap_err().kind, ErrorKind::Invalid);
    let cal = sanfu_calendar::Calendar::bundled().unwrap();
    assert_eq!(ReportCycle::ONCE.due(cst(2026, 9, 1, 9, 0), 1, &cal), None, "a one-off report is the item's deadline");
}

#[test]
fn periodic_reports_fall_due_on_the_last_working_day_across_the_2026_holidays() {
    let cal = sanfu_calendar::Calendar::bundled().unwrap();
    // 每旬, from the Mid-Autumn holiday: 9月下旬 ends on Wed 30 Sep; the National Day 旬 has
    // only the 8th, the 9th and the adjusted working Saturday the 10th; then Tue 20 Oct.
    let ten = ReportCycle::parse("每旬").unwrap();
    let start = cst(2026, 9, 25, 10, 0);
    let dues: Vec<String> = (1..=3).map(|k| local_time(ten.due(start, k, &cal).unwrap().at)).collect();
    assert_eq!(dues, ["09-30 17:30", "10-10 17:30", "10-20 17:30"]);
    // 每周, assigned on the week's last working day: the first report is next week's, and that
    // week's last working day is the adjusted Saturday.
    let week = ReportCycle::parse("每周").unwrap();
    assert_eq!(local_time(week.due(cst(2026, 9, 30, 9, 0), 1, &cal).unwrap().at), "10-10 17:30");
    // 每月5日前: 5 October is a holiday, so the report moves to the 8th (顺延); then 5 November.
    let fifth = ReportCycle::parse("每月5日前").unwrap();
    let dues: Vec<String> = (1..=2).map(|k| local_time(fifth.due(cst(2026, 9, 20, 9, 0), k, &cal).unwrap().at)).collect();
    assert_eq!(dues, ["10-08 17:30", "11-05 17:30"]);
    // 每月: the month's last working day.
    assert_eq!(local_time(ReportCycle::parse("每月").unwrap().due(cst(2026, 12, 2, 9, 0), 1, &cal).unwrap().at), "12-31 17:30");
    // A schedule up to the item's deadline: each report a due date of its own (seq 1, 2, …).
    let s = ten.schedule(start, cst(2026, 10, 31, 17, 30), &cal);
    assert_eq!(s.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(local_time(s[3].1.at), "10-30 17:30");
    let key = DueKey { name: "report".into(), unit_id: "zjj".into(), seq: s[1].0 };
    assert_eq!(key.seq, 2);
}
