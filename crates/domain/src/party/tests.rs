use super::project::{self, Project};
use super::rectification::{self, Action, State};
use super::*;
use crate::kernel::{self, DueKey, Party, due_view_level};
use crate::org::Role;
use crate::testing::{at, cal, staff};

fn person(id: &str, unit: &str, roles: &[Role]) -> crate::Actor {
    let mut a = staff(unit, roles);
    if let crate::Principal::Staff(s) = &mut a.principal {
        s.user_id = id.into();
    }
    a
}

#[test]
fn party_rectification_is_struck_off_only_by_the_branch_secretary() {
    let c = cal();
    let now = at(2026, 11, 2, 9, 0);
    let deadline = c.add_working_days(now, 20);
    let s = rectification::list("zjj", "u-secretary", deadline, now, &c, 80).unwrap();
    let unit = person("u-liaison", "zjj", &[Role::UnitLiaison]);
    let secretary = person("u-secretary", "zjj", &[Role::UnitHead]);
    let other_head = person("u-other", "zjj", &[Role::UnitHead]);
    let (s, _) = rectification::apply(&s, &unit, &Action::Report { evidence: "已建立台账，附制度文件".into() }, now + chrono::Duration::days(5)).unwrap();
    assert_eq!(s.item.state, State::Reported);
    // The unit cannot strike off its own item; another head of the unit is not the secretary.
    assert_eq!(rectification::apply(&s, &unit, &Action::StrikeOff { comment: String::new() }, now).unwrap_err().code, "not_allowed_for_user");
    assert_eq!(rectification::apply(&s, &other_head, &Action::StrikeOff { comment: String::new() }, now).unwrap_err().code, "not_allowed_for_user");
    let (s, _) = rectification::apply(&s, &secretary, &Action::SendBack { reason: "佐证不足".into() }, now).unwrap();
    assert!(s.item.dues[&DueKey::item("rectify")].met_at.is_none());
    let late = deadline.at + chrono::Duration::days(1);
    assert_eq!(due_view_level(&s.item.dues[&DueKey::item("rectify")], late), "red");
    let (s, _) = rectification::apply(&s, &secretary, &Action::Report { evidence: "补充了会议记录".into() }, late).unwrap();
    let (s, _) = rectification::apply(&s, &secretary, &Action::StrikeOff { comment: String::new() }, late).unwrap();
    assert_eq!(s.item.state, State::Closed);
    assert_eq!(due_view_level(&s.item.dues[&DueKey::item("rectify")], late), "late");
}

#[test]
fn party_project_is_declared_approved_and_struck_off() {
    let c = cal();
    let now = at(2026, 3, 2, 9, 0);
    let deadline = c.add_working_days(now, 60);
    let item = project::declare("cgj", deadline, now).unwrap();
    let unit = staff("cgj", &[Role::UnitLiaison]);
    let office = staff("dck", &[Role::OfficeStaff]);
    assert_eq!(project::apply(&item, &unit, &project::Action::Approve { comment: String::new() }, now, &c, 80).unwrap_err().code, "not_allowed_for_user");
    let (item, _) = project::apply(&item, &office, &project::Action::Approve { comment: String::new() }, now, &c, 80).unwrap();
    let (item, d) = project::apply(&item, &unit, &project::Action::Progress { percent: 60, text: "已完成6个小区".into() }, now, &c, 80).unwrap();
    assert_eq!(d["percent"], 60);
    assert_eq!(project::apply(&item, &unit, &project::Action::Progress { percent: 100, text: "x".into() }, now, &c, 80).unwrap_err().code, "invalid_percent");
    let (item, _) = project::apply(&item, &unit, &project::Action::Report { text: "全部完成".into() }, now, &c, 80).unwrap();
    let (item, _) = project::apply(&item, &office, &project::Action::Close { comment: String::new() }, now, &c, 80).unwrap();
    assert_eq!(item.state, project::State::Closed);
    assert_eq!(kernel::party_name::<Project>(Party::LeadUnit), "责任单位");
}

#[test]
fn party_meeting_needs_its_problem_list_and_sign_in() {
    assert_eq!(check_notice(at(2026, 12, 1, 9, 0), at(2026, 12, 11, 9, 0)).unwrap(), None);
    assert_eq!(check_notice(at(2026, 12, 8, 9, 0), at(2026, 12, 11, 9, 0)).unwrap(), Some(3));
    assert!(check_notice(at(2026, 12, 12, 9, 0), at(2026, 12, 11, 9, 0)).is_err());
    assert_eq!(advance(Stage::Preparing, Stage::Held, false, 5).unwrap_err().code, "missing_problems");
    assert_eq!(advance(Stage::Preparing, Stage::Held, true, 0).unwrap_err().code, "missing_attendance");
    advance(Stage::Preparing, Stage::Held, true, 5).unwrap();
    assert_eq!(advance(Stage::Held, Stage::Planned, true, 5).unwrap_err().code, "invalid_state");
    assert_eq!(check_hours(2.5).unwrap(), 2.5);
    assert!(check_hours(0.3).is_err());
}
