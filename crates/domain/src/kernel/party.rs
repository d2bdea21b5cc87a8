//! Who may act on an item, relative to it.

use crate::actor::{Actor, Principal};
use crate::kernel::assign::{Assignment, AssignmentRole};
use crate::org::Role;

crate::labelled_enum!(
    /// A part someone plays for one item: the rule table names these, not roles.
    Party {
        /// The 12345 centre (its operators and dispatchers).
        Hotline = "hotline" / "热线中心",
        Dispatcher = "dispatcher" / "派单员",
        /// The office's supervision section (督查科) and office staff.
        Office = "office" / "督查科",
        LeadUnit = "lead_unit" / "主办单位",
        CoUnit = "co_unit" / "协办单位",
        Citizen = "citizen" / "诉求人",
        /// The leader in charge named on the item (a topic's 分管领导).
        ChargeLeader = "charge_leader" / "分管领导",
        /// Whoever holds the 秘书长's role.
        Secretary = "secretary" / "秘书长",
        /// Whoever holds the mayor's role.
        Mayor = "mayor" / "市长",
        /// The person named to chair the item (a meeting's 主持人).
        Chair = "chair" / "会议主持人",
        /// A person named as a member (a meeting's 组成人员).
        Member = "member" / "参会领导",
        /// The head (单位负责人) of the item's lead unit: reviews what the unit drafted.
        LeadHead = "lead_head" / "主办单位负责人",
        /// A leader a document is circulated to (传阅).
        Reader = "reader" / "传阅领导",
        /// The head of one of the office's sections (an office member who is also a unit head):
        /// signs off what the section issues (a bulletin's 签发).
        SectionHead = "section_head" / "科室负责人",
        /// The secretary (书记) of the party branch an item belongs to: strikes off (销号) its
        /// rectification items.
        BranchSecretary = "branch_secretary" / "支部书记",
    }
);

impl Party {
    /// Parties that name one person on the item (kept in the item's people), not a role or a unit.
    pub fn is_personal(self) -> bool {
        matches!(self, Party::ChargeLeader | Party::Chair | Party::Member | Party::Reader | Party::BranchSecretary)
    }
}

/// A person named on an item in a part ([`Party::is_personal`]), and whether they have done
/// their part (answered a meeting's notice …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: String,
    pub party: Party,
    pub outcome: Option<String>,
}

/// The person named on an item in `party` (a topic's or a document's leader, a meeting's chair).
pub fn person_in(people: &[Person], party: Party) -> Option<&str> {
    people.iter().find(|p| p.party == party).map(|p| p.user_id.as_str())
}

/// [`parties`], and the parts `actor` plays as one of the item's `people`.
pub fn parties_with(assignments: &[Assignment], people: &[Person], actor: &Actor) -> Vec<Party> {
    let mut v = parties(assignments, actor);
    if let Some(st) = actor.staff() {
        for p in people.iter().filter(|p| p.user_id == st.user_id) {
            if !v.contains(&p.party) {
                v.push(p.party);
            }
        }
    }
    v
}

/// The parts `actor` plays for an item handed out as `assignments`.
pub fn parties(assignments: &[Assignment], actor: &Actor) -> Vec<Party> {
    let mut v = Vec::new();
    if actor.is_citizen() {
        v.push(Party::Citizen);
    }
    // Sanfu itself acts for the centre (automatic dispatch of a sure suggestion) and for the
    // office (the escalation ladder's 催办).
    if matches!(actor.principal, Principal::System) {
        v.push(Party::Hotline);
        v.push(Party::Dispatcher);
        v.push(Party::Office);
    }
    if let Some(st) = actor.staff() {
        if st.is_hotline() {
            v.push(Party::Hotline);
        }
        if st.has(Role::Dispatcher) {
            v.push(Party::Dispatcher);
        }
        if st.has(Role::OfficeStaff) {
            v.push(Party::Office);
            if st.has(Role::UnitHead) {
                v.push(Party::SectionHead);
            }
        }
        if st.has(Role::SecretaryGeneral) {
            v.push(Party::Secretary);
        }
        if st.has(Role::Mayor) {
            v.push(Party::Mayor);
        }
        if st.acts_for_unit() {
            let mine = |role: AssignmentRole| {
                assignments.iter().any(|a| a.active && a.role == role && a.unit_id == st.unit_id)
            };
            if mine(AssignmentRole::Lead) {
                v.push(Party::LeadUnit);
                if st.has(Role::UnitHead) {
                    v.push(Party::LeadHead);
                }
            }
            if mine(AssignmentRole::Co) {
                v.push(Party::CoUnit);
            }
        }
    }
    v
}
