use super::session::{self, Meeting};
use super::topic::{self, Topic};
use super::*;
use crate::kernel::{self, UnitRef, parties_with};
use crate::org::{Role, UnitKind};
use crate::testing::{at, cal, local, staff};

fn unit(id: &str) -> UnitRef {
    UnitRef { id: id.into(), name: format!("市{id}"), kind: UnitKind::Department, parent_id: None }
}

#[test]
fn meeting_topic_goes_through_consultation_and_the_leaders_and_waits_for_every_opinion() {
    let (c, set) = (cal(), Settings::default());
    // Monday 2026-09-28: three working days for the opinion are Tuesday, Wednesday and — after
    // the National Day holiday — Thursday 10-08.
    let t0 = at(2026, 9, 28, 9, 0);
    let s = topic::draft(&unit("zjj"), vec![unit("czj"), unit("cgj")], "u-vice", t0).unwrap();
    let (zjj, czj, cgj) = (staff("zjj", &[Role::UnitLiaison]), staff("czj", &[Role::UnitLiaison]), staff("cgj", &[Role::UnitLiaison]));
    // A consulted unit is not yet handed the draft.
    assert!(kernel::allowed_actions::<Topic>(&parties_with(&s.item.assignments, &s.people, &czj), s.item.state).is_empty());
    let (s, _) = topic::apply(&s, &zjj, &topic::Action::Propose, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, topic::State::Consulting);
    let due = s.item.dues.values().next().unwrap().due.at;
    assert_eq!(local(due), "10-08 17:30", "three working days from Monday morning");
    let (s, d) = topic::apply(&s, &czj, &topic::Action::Opinion { stance: Stance::AgreeWithChanges, text: "建议补充资金测算。".into() }, t0, &c, &set).unwrap();
    assert_eq!(d["stance_label"], "原则同意，有修改意见");
    assert_eq!(topic::apply(&s, &czj, &topic::Action::Opinion { stance: Stance::Agree, text: "同意".into() }, t0, &c, &set).unwrap_err().code, "already_given");
    assert_eq!(s.missing_opinions(), vec!["cgj".to_string()]);
    let names = |id: &str| format!("市{id}");
    assert!(topic::check_ready(&s, "加装电梯", names).unwrap_err().message.contains("市cgj"));
    // Submitted with an opinion missing: the leader in charge may go on; the agenda may not.
    let (s, _) = topic::apply(&s, &zjj, &topic::Action::Submit, t0, &c, &set).unwrap();
    let vice = kernel_leader("u-vice", &[Role::Leader]);
    let other = kernel_leader("u-other", &[Role::Leader]);
    assert_eq!(topic::apply(&s, &other, &topic::Action::Approve { comment: String::new() }, t0, &c, &set).unwrap_err().code, "not_allowed_for_user");
    let (s, _) = topic::apply(&s, &vice, &topic::Action::Approve { comment: "同意提请会议研究".into() }, t0, &c, &set).unwrap();
    let sg = kernel_leader("u-sg", &[Role::Leader, Role::SecretaryGeneral]);
    let (s, _) = topic::apply(&s, &sg, &topic::Action::Screen { comment: String::new() }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, topic::State::PendingAgenda);
    let (s, _) = topic::apply(&s, &cgj, &topic::Action::Opinion { stance: Stance::Agree, text: "同意。".into() }, t0, &c, &set).unwrap();
    topic::check_ready(&s, "加装电梯", names).unwrap();
    let mayor = kernel_leader("u-mayor", &[Role::Leader, Role::Mayor]);
    let (s, _) = topic::apply(&s, &mayor, &topic::Action::Schedule { meeting: "2026年第5次常务会议".into() }, t0, &c, &set).unwrap();
    let (s, _) = topic::apply(&s, &staff("hyk", &[Role::OfficeStaff]), &topic::Action::Decide { meeting: "x".into(), outcome: Outcome::Deferred }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, topic::State::PendingAgenda, "a deferred topic waits for another meeting");
}

fn kernel_leader(id: &str, roles: &[Role]) -> crate::Actor {
    let mut a = staff("gov", roles);
    if let crate::Principal::Staff(s) = &mut a.principal {
        s.user_id = id.into();
    }
    a
}

#[test]
fn meeting_deadlines_notice_replies_and_quorum() {
    let (c, set) = (cal(), Settings::default());
    // A meeting on Thursday 2026-10-15 at 9:00, planned on Friday 10-09.
    let starts = at(2026, 10, 15, 9, 0);
    let t0 = at(2026, 10, 9, 10, 0);
    let members: Vec<String> = ["u-vice", "u-sg", "u-v2", "u-v3"].iter().map(|s| s.to_string()).collect();
    let m = session::plan(MeetingType::Executive, starts, "u-mayor", &members, t0, &c, &set).unwrap();
    assert_eq!(m.members().len(), 5, "the chair is a member");
    let due = |m: &session::Snapshot, n: &str| local(m.item.dues[&kernel::DueKey::item(n)].due.at);
    assert_eq!(due(&m, "agenda"), "10-13 17:30", "two working days before Thursday: Tuesday");
    assert_eq!(due(&m, "notice"), "10-14 17:30");
    let office = staff("hyk", &[Role::OfficeStaff]);
    assert_eq!(session::apply(&m, &office, &session::Action::Notify { topics: 0 }, t0, &c, &set).unwrap_err().code, "empty_agenda");
    let (m, _) = session::apply(&m, &office, &session::Action::Agenda { units: vec![(unit("zjj"), true), (unit("czj"), false)], topics: 1 }, t0, &c, &set).unwrap();
    assert_eq!(local(m.item.dues[&kernel::DueKey { name: "materials".into(), unit_id: "zjj".into(), seq: 0 }].due.at), "10-12 17:30");
    let (m, _) = session::apply(&m, &office, &session::Action::Notify { topics: 1 }, t0, &c, &set).unwrap();
    let vice = kernel_leader("u-vice", &[Role::Leader]);
    let leave = session::Action::Reply { reply: Reply::Leave, substitute: None, note: String::new() };
    assert_eq!(session::apply(&m, &vice, &leave, t0, &c, &set).unwrap_err().code, "missing_field");
    let (m, _) = session::apply(&m, &vice, &session::Action::Reply { reply: Reply::Leave, substitute: None, note: "赴省开会".into() }, t0, &c, &set).unwrap();
    assert_eq!(m.people.iter().find(|p| p.user_id == "u-vice").unwrap().outcome.as_deref(), Some("leave"));
    let (m, _) = session::apply(&m, &staff("czj", &[Role::UnitLiaison]), &session::Action::Reply { reply: Reply::Attend, substitute: None, note: String::new() }, t0, &c, &set).unwrap();
    assert!(m.item.assignments.iter().any(|a| a.unit_id == "czj" && a.outcome.as_deref() == Some("attend")));
    assert!(session::quorum_warning(5, 2).unwrap().contains("实到 2 人"));
    assert!(session::quorum_warning(4, 2).is_some(), "half is not more than half");
    assert!(session::quorum_warning(5, 3).is_none());
    let (m, d) = session::apply(&m, &office, &session::Action::Convene { members: 5, present: 2 }, starts, &c, &set).unwrap();
    assert_eq!((m.item.state, d["quorum"].as_bool()), (session::State::Held, Some(false)));
    let chair = kernel_leader("u-mayor", &[Role::Leader, Role::Mayor]);
    assert!(kernel::allowed_actions::<Meeting>(&parties_with(&m.item.assignments, &m.people, &chair), session::State::Signing).contains(&"sign_minutes"));
    assert!(!kernel::allowed_actions::<Meeting>(&parties_with(&m.item.assignments, &m.people, &vice), session::State::Signing).contains(&"sign_minutes"));
}
