use super::incoming;
use super::outgoing::{self, Outgoing};
use super::*;
use crate::kernel::{self, UnitRef, parties_with};
use crate::meeting::Stance;
use crate::org::{Role, UnitKind};
use crate::testing::{at, cal, local, staff};

fn unit(id: &str) -> UnitRef {
    UnitRef { id: id.into(), name: format!("市{id}"), kind: UnitKind::Department, parent_id: None }
}

fn person(id: &str, unit: &str, roles: &[Role]) -> crate::Actor {
    let mut a = staff(unit, roles);
    if let crate::Principal::Staff(s) = &mut a.principal {
        s.user_id = id.into();
    }
    a
}

#[test]
fn document_classified_marks_are_refused() {
    for (secrecy, texts) in [
        (Some("秘密"), vec!["关于做好冬季供暖的通知"]),
        (None, vec!["机密★1年\n江州市人民政府文件"]),
        (None, vec!["关于某事的报告", "000123\n绝密★启用前\n特急"]),
        (Some("无"), vec!["附件", "秘密"]),
    ] {
        let e = check_unclassified(secrecy, &texts).unwrap_err();
        assert_eq!(e.code, "classified_refused");
        assert!(e.message.contains("机要渠道"), "{}", e.message);
    }
    // Words, not marks: a document about keeping secrets is not itself classified.
    check_unclassified(Some("无"), &["关于加强保密工作防止泄露国家秘密的通知", "各区人民政府：\n为做好保守秘密工作……"]).unwrap();
    check_unclassified(None, &["关于2026年冬季供暖的通知"]).unwrap();
}

#[test]
fn document_outgoing_waits_for_every_countersigner_and_numbers_at_the_end() {
    let (c, set) = (cal(), Settings::default());
    let t0 = at(2026, 9, 28, 9, 0);
    let s = outgoing::draft(&unit("fgw"), vec![unit("czj"), unit("zrj")], "u-vice", t0).unwrap();
    let (clerk, head) = (staff("fgw", &[Role::UnitLiaison]), staff("fgw", &[Role::UnitHead]));
    let (czj, zrj) = (staff("czj", &[Role::UnitLiaison]), staff("zrj", &[Role::UnitLiaison]));
    // A countersigner is not handed the draft before the head approves it.
    assert!(kernel::allowed_actions::<Outgoing>(&parties_with(&s.item.assignments, &s.people, &czj), s.item.state).is_empty());
    let (s, _) = outgoing::apply(&s, &clerk, &outgoing::Action::Submit, t0, &c, &set).unwrap();
    assert_eq!(
        outgoing::apply(&s, &clerk, &outgoing::Action::Approve { comment: String::new() }, t0, &c, &set).unwrap_err().code,
        "not_allowed_for_user",
        "a liaison is not the unit's head"
    );
    let (s, _) = outgoing::apply(&s, &head, &outgoing::Action::Approve { comment: "同意".into() }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, outgoing::State::Countersigning);
    assert_eq!(local(s.item.dues.values().next().unwrap().due.at), "10-08 17:30", "three working days across National Day");
    let (s, d) = outgoing::apply(&s, &czj, &outgoing::Action::Countersign { stance: Stance::Agree, text: "同意。".into() }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, outgoing::State::Countersigning, "one unit has not answered");
    assert_eq!(d["waiting_for"], serde_json::json!(["zrj"]));
    let office = staff("office", &[Role::OfficeStaff]);
    assert_eq!(
        outgoing::apply(&s, &office, &outgoing::Action::Check { comment: String::new(), signer_id: None }, t0, &c, &set).unwrap_err().code,
        "invalid_state"
    );
    let (s, _) = outgoing::apply(&s, &zrj, &outgoing::Action::Countersign { stance: Stance::Disagree, text: "第三条不宜写入。".into() }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, outgoing::State::OfficeReview, "every countersigner answered");
    // Sent back from the office: the next approval asks every countersigner again.
    let (s, _) = outgoing::apply(&s, &office, &outgoing::Action::Return { reason: "请吸收会签意见".into() }, t0, &c, &set).unwrap();
    let (s, _) = outgoing::apply(&s, &clerk, &outgoing::Action::Submit, t0, &c, &set).unwrap();
    let (s, _) = outgoing::apply(&s, &head, &outgoing::Action::Approve { comment: String::new() }, t0, &c, &set).unwrap();
    assert_eq!(s.missing_answers().len(), 2);
    let (s, _) = outgoing::apply(&s, &czj, &outgoing::Action::Countersign { stance: Stance::Agree, text: "同意".into() }, t0, &c, &set).unwrap();
    let (s, _) = outgoing::apply(&s, &zrj, &outgoing::Action::Countersign { stance: Stance::Agree, text: "同意".into() }, t0, &c, &set).unwrap();
    let (s, _) = outgoing::apply(&s, &office, &outgoing::Action::Check { comment: String::new(), signer_id: None }, t0, &c, &set).unwrap();
    let other = person("u-other", "gov", &[Role::Leader]);
    assert_eq!(outgoing::apply(&s, &other, &outgoing::Action::Sign { comment: String::new() }, t0, &c, &set).unwrap_err().code, "not_allowed_for_user");
    let vice = person("u-vice", "gov", &[Role::Leader]);
    let (s, d) = outgoing::apply(&s, &vice, &outgoing::Action::Sign { comment: String::new() }, t0, &c, &set).unwrap();
    assert_eq!(d["comment"], "同意印发");
    let (s, _) = outgoing::apply(&s, &office, &outgoing::Action::Recheck { comment: String::new() }, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, outgoing::State::Numbering);
}

#[test]
fn document_incoming_goes_from_registration_to_archive() {
    let (c, set) = (cal(), Settings::default());
    let t0 = at(2026, 9, 28, 9, 0);
    let office = staff("office", &[Role::OfficeStaff]);
    let s = incoming::register(t0);
    let (s, _) = incoming::apply(&s, &office, &incoming::Action::Accept { comment: String::new() }, t0, &c, &set).unwrap();
    let (s, _) = incoming::apply(&s, &office, &incoming::Action::Propose { leader_id: "u-vice".into(), text: "拟请陈副市长阅示。".into() }, t0, &c, &set).unwrap();
    let (s, _) = incoming::apply(&s, &office, &incoming::Action::Circulate { readers: vec!["u-mayor".into(), "u-vice".into()] }, t0, &c, &set).unwrap();
    let vice = person("u-vice", "gov", &[Role::Leader]);
    let (s, d) = incoming::apply(
        &s,
        &vice,
        &incoming::Action::Instruct { text: "请市住建局牵头办理。".into(), units: vec![unit("zjj"), unit("czj")], days: Some(5) },
        t0,
        &c,
        &set,
    )
    .unwrap();
    assert_eq!(s.item.state, incoming::State::Handling);
    assert_eq!(d["days"], 5);
    assert_eq!(local(s.item.dues.values().next().unwrap().due.at), "10-10 17:30", "five working days across National Day, the last a Saturday worked in exchange");
    let (s, _) = incoming::apply(&s, &vice, &incoming::Action::Read { comment: String::new() }, t0, &c, &set).unwrap();
    assert_eq!(incoming::apply(&s, &vice, &incoming::Action::Read { comment: String::new() }, t0, &c, &set).unwrap_err().code, "already_read");
    let holders: Vec<&str> = s.people.iter().filter(|p| p.party == Party::Reader && p.outcome.is_none()).map(|p| p.user_id.as_str()).collect();
    assert_eq!(holders, vec!["u-mayor"], "the mayor still holds it");
    let (zjj, czj) = (staff("zjj", &[Role::UnitLiaison]), staff("czj", &[Role::UnitLiaison]));
    assert_eq!(incoming::apply(&s, &czj, &incoming::Action::Reply { text: "x".into() }, t0, &c, &set).unwrap_err().code, "not_allowed_for_user");
    let (s, _) = incoming::apply(&s, &zjj, &incoming::Action::Reply { text: "已按要求办理。".into() }, t0, &c, &set).unwrap();
    let (s, _) = incoming::apply(&s, &office, &incoming::Action::Conclude { comment: String::new() }, t0, &c, &set).unwrap();
    let (s, _) = incoming::apply(&s, &office, &incoming::Action::Archive, t0, &c, &set).unwrap();
    assert_eq!(s.item.state, incoming::State::Archived);
}

use crate::kernel::Party;
