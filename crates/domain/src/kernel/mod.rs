//! The kernel: what every kind of work shares, with no I/O.
//!
//! A kind of work (the hotline's order, a supervision item, a meeting topic …) declares, once,
//! in a [`Kind`]: its states, its named due dates and in which states each of them runs, its
//! inbox queues, its numbering series, and **one rule table** — action, who may take it, from
//! which states, to which states. Everything else reads that table: the kind's own `apply`
//! ([`guard`] before it changes anything), the API's `allowed_actions` and the page's buttons
//! ([`allowed_actions`]), the timeline's wording ([`action_label`]), the warnings sweep and the
//! inbox (through the [`KindSpec`] the store keeps of every kind).
//!
//! The parts of an item that do not depend on its kind live here too: who it is handed to
//! ([`Assignment`]), due dates keyed by (name, unit, sequence) so that each co-unit's periodic
//! report has its own ([`DueKey`]), extensions, links between items ([`LinkKind`]) and the
//! yellow and red warning cards a unit is given for lateness ([`CardColour`]).

mod assign;
mod cards;
mod cycle;
mod item;
mod party;
mod rules;
mod step;
#[cfg(test)]
mod tests;

pub use cycle::{Cycle, ReportCycle};
pub use cards::{Card, CardColour, LinkKind, check_card, check_link, check_revoke, may_link, may_sanction};
pub use assign::{Assignment, AssignmentRole, UnitRef, check_co_units};
pub use item::{
    DueKey, DueState, Item, ItemView, PendingExtension, due_view_level,
};
pub use party::{Party, Person, parties, parties_with, person_in};
pub use step::step;
pub use rules::{
    Due, From, Kind, KindSpec, KindState, Numbering, Period, Queue, QueueSpec, Rule, To, action_label, allowed_actions,
    event_label, guard, leads_to, pace, party_name, rule, running, KERNEL_EVENTS,
};

/// The states of a kind, from a [`labelled_enum!`]: which of them are ends.
#[macro_export]
macro_rules! kind_states {
    ($name:ident, ends: [$($end:ident),+ $(,)?]) => {
        impl $crate::kernel::KindState for $name {
            fn all() -> &'static [Self] {
                $name::ALL
            }
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
            fn is_terminal(self) -> bool {
                matches!(self, $($name::$end)|+)
            }
        }
    };
}

/// [`ItemView`] for a kind's snapshot that holds its kernel parts in `item` (an
/// [`Item`]) and never has an extension pending.
#[macro_export]
macro_rules! item_snapshot {
    ($name:ident) => {
        impl $crate::kernel::ItemView for $name {
            fn state_code(&self) -> &'static str {
                $crate::kernel::ItemView::state_code(&self.item)
            }
            fn assignments(&self) -> &[$crate::kernel::Assignment] {
                &self.item.assignments
            }
            fn dues(&self) -> Vec<($crate::kernel::DueKey, $crate::kernel::DueState)> {
                self.item.dues()
            }
            fn extension_pending(&self) -> bool {
                false
            }
            fn closed_at(&self) -> Option<::chrono::DateTime<::chrono::Utc>> {
                self.item.closed_at
            }
        }
    };
}

/// An enum of codes with a Chinese label each: `as_str` is what the database and the API
/// carry, `label` what a person reads, `parse` takes either.
#[macro_export]
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }
        #[allow(dead_code)]
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
        }
    };
}
