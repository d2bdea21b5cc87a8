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
    }
);

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
        }
        if st.acts_for_unit() {
            let mine = |role: AssignmentRole| {
                assignments.iter().any(|a| a.active && a.role == role && a.unit_id == st.unit_id)
            };
            if mine(AssignmentRole::Lead) {
                v.push(Party::LeadUnit);
            }
            if mine(AssignmentRole::Co) {
                v.push(Party::CoUnit);
            }
        }
    }
    v
}
