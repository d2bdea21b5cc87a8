use chrono::Duration;

use super::item::{self, Action, State, Submission};
use super::request;
use super::*;
use crate::kernel::{DueKey, UnitRef, due_view_level};
use crate::org::{Role, UnitKind};
use crate::testing::{at, cal, local, staff};

fn sub(category: Category, incident_at: Option<chrono::DateTime<chrono::Utc>>) -> Submission {
    Submission { unit_id: "zjj".into(), category, incident_at, first_reported_at: None }
}

#[test]
fn info_item_waits_on_its_head_then_the_section_answers_within_a_working_day() {
    let (c, set) = (cal(), Settings::default());
    // Friday 2026-12-04 16:00: the liaison writes, the head signs at 16:30.
    let now = at(2026, 12, 4, 16, 0);
    let s = item::submit(&sub(Category::News, None), &staff("zjj", &[Role::UnitLiaison]), now, &c, &set).unwrap();
    assert_eq!(s.item.state, State::Signing);
    let e = item::apply(&s, &staff("zjj", &[Role::UnitLiaison]), &Action::Sign { comment: String::new() }, false, now, &c, &set).unwrap_err();
    assert_eq!(e.code, "not_allowed_for_user");
    let head = staff("zjj", &[Role::UnitHead]);
    let (s, _) = item::apply(&s, &head, &Action::Sign { comment: String::new() }, false, at(2026, 12, 4, 16, 30), &c, &set).unwrap();
    assert_eq!(s.item.state, State::Submitted);
    // Eight working hours from Friday 16:30 run into Monday afternoon.
    let due = s.item.dues[&DueKey::item("answer")].due.at;
    assert_eq!(local(due), "12-07 17:30", "eight working hours from Friday 16:30, on the calendar");
    // The section returns it for more; the unit's head resubmits and it waits on the section again.
    let office = staff("xxk", &[Role::OfficeStaff]);
    let (s, d) = item::apply(&s, &office, &Action::Return { missing: "请补充具体数据".into() }, false, at(2026, 12, 7, 9, 0), &c, &set).unwrap();
    assert_eq!((s.item.state, d["missing"].as_str()), (State::Returned, Some("请补充具体数据")));
    assert!(s.item.dues[&DueKey::item("answer")].met_at.is_some());
    let (s, _) = item::apply(&s, &head, &Action::Resubmit { text: "补充后的信息".into() }, false, at(2026, 12, 7, 10, 0), &c, &set).unwrap();
    assert_eq!(s.item.state, State::Submitted);
    assert!(s.item.dues[&DueKey::item("answer")].met_at.is_none());
    let (s, _) = item::apply(&s, &office, &Action::Adopt { edited: Some("编辑后的信息".into()), comment: String::new() }, false, at(2026, 12, 7, 11, 0), &c, &set).unwrap();
    assert_eq!(s.item.state, State::Adopted);
    // The province: recorded only after forwarding, forwarded once.
    let level = ProvinceLevel::Info;
    assert_eq!(item::apply(&s, &office, &Action::ProvinceAdopt { level, comment: String::new() }, false, at(2026, 12, 7, 12, 0), &c, &set).unwrap_err().code, "not_forwarded");
    assert_eq!(item::apply(&s, &office, &Action::Forward { comment: String::new() }, true, at(2026, 12, 7, 12, 0), &c, &set).unwrap_err().code, "already_forwarded");
    item::apply(&s, &office, &Action::ProvinceAdopt { level, comment: String::new() }, true, at(2026, 12, 7, 12, 0), &c, &set).unwrap();
}

#[test]
fn info_incident_report_runs_in_minutes_and_is_urgent() {
    let (c, set) = (cal(), Settings::default());
    let incident = at(2026, 12, 5, 22, 10); // a Saturday night: clock minutes, not working time
    let head = staff("yjj", &[Role::UnitHead]);
    let mut sb = sub(Category::Incident, Some(incident));
    sb.unit_id = "yjj".into();
    sb.first_reported_at = Some(at(2026, 12, 5, 22, 35));
    let s = item::submit(&sb, &head, at(2026, 12, 5, 23, 20), &c, &set).unwrap();
    assert_eq!(s.item.state, State::Urgent);
    let first = &s.item.dues[&DueKey::item("first_report")];
    assert_eq!((local(first.due.at), first.met_at.map(local)), ("12-05 22:40".into(), Some("12-05 22:35".into())));
    let written = &s.item.dues[&DueKey::item("written_report")];
    assert_eq!(local(written.due.at), "12-05 23:10");
    assert_eq!(due_view_level(written, at(2026, 12, 5, 23, 30)), "late", "written 10 minutes late");
    let answer = &s.item.dues[&DueKey::item("answer")];
    assert_eq!(local(answer.due.at), "12-05 23:50");
    // No incident time: refused.
    assert_eq!(item::submit(&sub(Category::Incident, None), &head, at(2026, 12, 5, 23, 20), &c, &set).unwrap_err().code, "missing_field");
}

#[test]
fn info_points_count_the_best_bulletin_once() {
    let t = ScoreTable::default();
    let u = ItemUse { series: vec![Series::Daily, Series::Special], instructed: true, province: Some(ProvinceLevel::Special) };
    assert_eq!(points(&t, &u), 30 + 20 + 80);
    assert_eq!(points(&t, &ItemUse::default()), 0);
    assert_eq!(points(&t, &ItemUse { series: vec![Series::Info], ..Default::default() }), 10);
}

#[test]
fn info_request_counts_a_unit_that_did_not_answer_as_missed() {
    let c = cal();
    let now = at(2026, 12, 1, 9, 0);
    let units = [
        UnitRef { id: "zjj".into(), name: "市住建局".into(), kind: UnitKind::Department, parent_id: None },
        UnitRef { id: "jyj".into(), name: "市教育局".into(), kind: UnitKind::Department, parent_id: None },
    ];
    let deadline = c.add_working_days(now, 3);
    let r = request::open(&units, deadline, now, &c, 80).unwrap();
    let r = request::answer(&r, &staff("zjj", &[Role::UnitLiaison]), "zjj", now + Duration::hours(3)).unwrap();
    assert_eq!(request::answer(&r, &staff("wjw", &[Role::UnitLiaison]), "wjw", now).unwrap_err().code, "not_allowed_for_user");
    let later = deadline.at + Duration::hours(1);
    assert_eq!(request::standing(&r, "zjj", later), request::Answer::Answered);
    assert_eq!(request::standing(&r, "jyj", now), request::Answer::Waiting);
    assert_eq!(request::standing(&r, "jyj", later), request::Answer::Missed);
    let (closed, d) = request::close(&r, &staff("xxk", &[Role::OfficeStaff]), later).unwrap();
    assert_eq!(closed.state, request::State::Closed);
    assert_eq!(d["missed"], serde_json::json!(["jyj"]));
}
