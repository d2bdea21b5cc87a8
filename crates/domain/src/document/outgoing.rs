//! 发文: a document the city government or its office issues.
//!
//! ```text
//!  drafting 拟稿 ──送审──▶ unit_review 待审核 ──审核通过──▶ countersigning 会签中 ──(all answered)──▶ office_review 待核稿
//!     ▲ 保存 (a version)           │                        (no unit to countersign) ───────────────▲        │核稿
//!     └──────────── 退回修改 ◀──────┴──── from any step up to 复核 ◀─────────────────────────────────────────┤
//!  signing 待签发 ──签发──▶ rechecking 待复核 ──复核──▶ numbering 待编号 ──编号──▶ printing 待印制
//!    ──印制──▶ distributing 待核发 ──核发──▶ issued 已核发 ──归档──▶ archived 已归档
//!  drafting / unit_review ──撤销──▶ withdrawn 已撤销
//! ```
//!
//! The drafting unit leads; the units that countersign are its co-units, handed the draft when
//! its head approves it, each owing an answer within [`Settings::countersign_days`] working
//! days. The document moves on only when every one has answered. The 签发 leader is a person
//! named on the item. The 发文字号 is the store's to take at 编号, inside the step's transaction.

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use serde_json::json;

use super::Settings;
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{
    self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule, To,
    UnitRef, parties_with,
};
use crate::meeting::Stance;
use crate::validate;

crate::labelled_enum!(
    State {
        Drafting = "drafting" / "拟稿",
        UnitReview = "unit_review" / "待审核",
        Countersigning = "countersigning" / "会签中",
        OfficeReview = "office_review" / "待核稿",
        Signing = "signing" / "待签发",
        Rechecking = "rechecking" / "待复核",
        Numbering = "numbering" / "待编号",
        Printing = "printing" / "待印制",
        Distributing = "distributing" / "待核发",
        Issued = "issued" / "已核发",
        Archived = "archived" / "已归档",
        Withdrawn = "withdrawn" / "已撤销",
    }
);

crate::kind_states!(State, ends: [Archived, Withdrawn]);

/// The outgoing document as a [`Kind`].
pub struct Outgoing;

use Party::{ChargeLeader, CoUnit, LeadHead, LeadUnit, Office};
use State::*;

const RETURNABLE: &[State] = &[UnitReview, Countersigning, OfficeReview, Signing, Rechecking];

impl Kind for Outgoing {
    type State = State;
    const NAME: &'static str = "outgoing";
    const LABEL: &'static str = "发文";
    const NOUN: &'static str = "发文";
    const INITIAL: State = Drafting;
    /// The draft's own number (拟稿号); the 发文字号 comes from the issuing code's series at 编号.
    const NUMBERING: Numbering = Numbering { format: "拟〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "save", label: "保存修改稿", who: &[LeadUnit], from: From::These(&[Drafting]), to: To::Same },
        Rule { action: "submit", label: "送审核", who: &[LeadUnit], from: From::These(&[Drafting]), to: To::One(UnitReview) },
        Rule { action: "approve", label: "审核通过", who: &[LeadHead], from: From::These(&[UnitReview]), to: To::Either(&[Countersigning, OfficeReview]) },
        Rule { action: "countersign", label: "会签", who: &[CoUnit], from: From::These(&[Countersigning]), to: To::Either(&[Countersigning, OfficeReview]) },
        Rule { action: "check", label: "核稿", who: &[Office], from: From::These(&[OfficeReview]), to: To::One(Signing) },
        Rule { action: "sign", label: "签发", who: &[ChargeLeader], from: From::These(&[Signing]), to: To::One(Rechecking) },
        Rule { action: "recheck", label: "复核", who: &[Office], from: From::These(&[Rechecking]), to: To::One(Numbering) },
        Rule { action: "number", label: "编号", who: &[Office], from: From::These(&[Numbering]), to: To::One(Printing) },
        Rule { action: "print", label: "印制", who: &[Office], from: From::These(&[Printing]), to: To::One(Distributing) },
        Rule { action: "distribute", label: "核发", who: &[Office], from: From::These(&[Distributing]), to: To::One(Issued) },
        Rule { action: "archive", label: "归档", who: &[Office], from: From::These(&[Issued]), to: To::One(Archived) },
        Rule { action: "return", label: "退回修改", who: &[LeadHead, Office, ChargeLeader], from: From::These(RETURNABLE), to: To::One(Drafting) },
        Rule { action: "withdraw", label: "撤销", who: &[LeadUnit], from: From::These(&[Drafting, UnitReview]), to: To::One(Withdrawn) },
    ];
    const DUES: &'static [Due<State>] = &[Due { name: "countersign", label: "会签时限", runs_in: &[Countersigning], paces: true }];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "outgoing_check", label: "发文待核稿", states: &[OfficeReview], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_recheck", label: "发文待复核", states: &[Rechecking], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_number", label: "发文待编号", states: &[Numbering], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_print", label: "发文待印制", states: &[Printing], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_distribute", label: "发文待核发", states: &[Distributing], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_sign", label: "发文待签发", states: &[Signing], party: ChargeLeader, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_review", label: "发文待审核", states: &[UnitReview], party: LeadHead, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_drafts", label: "发文拟稿", states: &[Drafting], party: LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "outgoing_countersign", label: "发文待会签", states: &[Countersigning], party: CoUnit, pending_extension: false, unit_pending: true },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "起草"), ("material", "补充附件")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[
        (Office, "文电科"),
        (ChargeLeader, "签发领导"),
        (LeadUnit, "拟稿单位"),
        (LeadHead, "拟稿单位负责人"),
        (CoUnit, "会签单位"),
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The leader who signs it (签发).
    pub people: Vec<Person>,
    /// The units to countersign, named while it is drafted and handed it when its head approves.
    pub countersigners: Vec<UnitRef>,
}

crate::item_snapshot!(Snapshot);

impl Snapshot {
    /// The countersigning units that have not answered (ids).
    pub fn missing_answers(&self) -> Vec<String> {
        self.item.co_units_waiting()
    }

    pub fn signer_id(&self) -> Option<&str> {
        kernel::person_in(&self.people, ChargeLeader)
    }
}

/// A new draft of `unit`, to be countersigned by `countersigners` and signed by `signer_id`.
pub fn draft(unit: &UnitRef, countersigners: Vec<UnitRef>, signer_id: &str, now: DateTime<Utc>) -> Result<Snapshot, DomainError> {
    check_countersigners(&unit.id, &countersigners)?;
    let mut item = Item::new(Drafting, now);
    item.assignments.push(Assignment::new(&unit.id, AssignmentRole::Lead, now));
    Ok(Snapshot { item, people: vec![Person { user_id: signer_id.to_string(), party: ChargeLeader, outcome: None }], countersigners })
}

pub fn check_countersigners(unit_id: &str, units: &[UnitRef]) -> Result<(), DomainError> {
    kernel::check_co_units(unit_id, units, 30, "拟稿单位不必会签本单位的文稿")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new version of the text (the store keeps it); the countersigners may change while it
    /// is drafted, the signer too.
    Save { countersigners: Option<Vec<UnitRef>>, signer_id: Option<String> },
    Submit,
    Approve { comment: String },
    Countersign { stance: Stance, text: String },
    /// 核稿, possibly naming another leader to sign.
    Check { comment: String, signer_id: Option<String> },
    Sign { comment: String },
    Recheck { comment: String },
    /// 编号: the number the store took.
    Number { number: String },
    Print { copies: u32 },
    Distribute,
    Archive,
    Return { reason: String },
    Withdraw { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Save { .. } => "save",
            Action::Submit => "submit",
            Action::Approve { .. } => "approve",
            Action::Countersign { .. } => "countersign",
            Action::Check { .. } => "check",
            Action::Sign { .. } => "sign",
            Action::Recheck { .. } => "recheck",
            Action::Number { .. } => "number",
            Action::Print { .. } => "print",
            Action::Distribute => "distribute",
            Action::Archive => "archive",
            Action::Return { .. } => "return",
            Action::Withdraw { .. } => "withdraw",
        }
    }
}

fn set_signer(s: &mut Snapshot, id: &str) {
    s.people.retain(|p| p.party != ChargeLeader);
    s.people.push(Person { user_id: id.to_string(), party: ChargeLeader, outcome: None });
}

/// One action by the rule table: the new snapshot and the event's details.
pub fn apply(
    current: &Snapshot,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    cal: &Calendar,
    settings: &Settings,
) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties_with(&current.item.assignments, &current.people, actor);
    kernel::guard::<Outgoing>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let short = |field: &'static str, label: &str, v: &str| validate::text(field, label, v, validate::MAX_SHORT_TEXT_CHARS);
    let details = match action {
        Action::Save { countersigners, signer_id } => {
            if let Some(c) = countersigners {
                let lead = current.item.assignments.iter().find(|a| a.role == AssignmentRole::Lead).map(|a| a.unit_id.clone()).unwrap_or_default();
                check_countersigners(&lead, c)?;
                s.countersigners = c.clone();
            }
            if let Some(id) = signer_id {
                set_signer(&mut s, id);
            }
            json!({})
        }
        Action::Submit => {
            s.item.state = UnitReview;
            json!({})
        }
        Action::Approve { comment } => {
            // Every countersigner answers this draft afresh, even one that answered an earlier one.
            for a in s.item.assignments.iter_mut().filter(|a| a.role == AssignmentRole::Co) {
                a.active = false;
            }
            for u in &s.countersigners {
                match s.item.assignments.iter_mut().find(|a| a.role == AssignmentRole::Co && a.unit_id == u.id) {
                    Some(a) => {
                        a.active = true;
                        a.outcome = None;
                        a.signed_at = None;
                        a.assigned_at = now;
                    }
                    None => s.item.assignments.push(Assignment::new(&u.id, AssignmentRole::Co, now)),
                }
                let due = DueState::until(now, cal.add_working_days(now, settings.countersign_days), true, cal, settings.warn_percent);
                s.item.dues.insert(DueKey { name: "countersign".into(), unit_id: u.id.clone(), seq: 0 }, due);
            }
            s.item.state = if s.countersigners.is_empty() { OfficeReview } else { Countersigning };
            json!({ "comment": comment.trim(), "countersigners": s.countersigners.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>() })
        }
        Action::Countersign { stance, text } => {
            let t = validate::text("text", "会签意见", text, validate::MAX_CONTENT_CHARS)?;
            let unit = actor.staff().map(|st| st.unit_id.clone()).unwrap_or_default();
            let on_time = s.item.co_unit_answers(&unit, stance.as_str(), "countersign", "该文稿", now)?;
            let left = s.missing_answers();
            if left.is_empty() {
                s.item.state = OfficeReview;
            }
            json!({ "unit_id": unit, "stance": stance.as_str(), "stance_label": stance.label(), "text": t, "on_time": on_time, "waiting_for": left })
        }
        Action::Check { comment, signer_id } => {
            if let Some(id) = signer_id {
                set_signer(&mut s, id);
            }
            s.item.state = Signing;
            json!({ "comment": comment.trim(), "signer_id": s.signer_id() })
        }
        Action::Sign { comment } => {
            let c = if comment.trim().is_empty() { "同意印发".to_string() } else { short("comment", "签发意见", comment)? };
            if let Some(p) = s.people.iter_mut().find(|p| p.party == ChargeLeader) {
                p.outcome = Some("signed".into());
            }
            s.item.state = Rechecking;
            json!({ "comment": c, "signer_id": actor.staff().map(|st| st.user_id.clone()), "signed_at": now })
        }
        Action::Recheck { comment } => {
            s.item.state = Numbering;
            json!({ "comment": comment.trim() })
        }
        Action::Number { number } => {
            s.item.state = Printing;
            json!({ "doc_number": number })
        }
        Action::Print { copies } => {
            if !(1..=10_000).contains(copies) {
                return Err(DomainError::invalid("invalid_copies", "印制份数须为 1 至 10000"));
            }
            s.item.state = Distributing;
            json!({ "copies": copies })
        }
        Action::Distribute => {
            s.item.state = Issued;
            s.item.closed_at = Some(now);
            json!({})
        }
        Action::Archive => {
            s.item.state = Archived;
            json!({})
        }
        Action::Return { reason } => {
            let r = short("reason", "退回理由", reason)?;
            for d in s.item.dues.values_mut().filter(|d| d.met_at.is_none()) {
                d.met_at = Some(now);
            }
            if let Some(p) = s.people.iter_mut().find(|p| p.party == ChargeLeader) {
                p.outcome = None;
            }
            s.item.state = Drafting;
            json!({ "reason": r, "from": current.item.state.as_str() })
        }
        Action::Withdraw { reason } => {
            s.item.state = Withdrawn;
            s.item.closed_at = Some(now);
            json!({ "reason": short("reason", "撤销理由", reason)? })
        }
    };
    debug_assert!(kernel::leads_to::<Outgoing>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
