//! The kernel in the store: what every kind of work is written and read with.
//!
//! - [`write`]: one insert and one versioned update of an item's kernel parts (the
//!   `work_items` row, its assignments, its due dates with which of them run, its pacing due
//!   moment), whatever its kind; the kind writes its own detail table beside them in the same
//!   transaction, and the event that records the change.
//! - [`numbers`]: one numbering service, a series per kind, issuing code and period.
//! - [`sweep`]: the warnings sweep over every kind's running due dates.
//! - [`inbox`]: 我的待办 and 已办 across kinds, from each kind's queue table.
//! - [`search`]: full-text search across kinds (every item's title is indexed when created).
//! - [`figures`]: the leaders' figures of every kind at once.
//! - [`items`]: any item read through its kind's description, and [`Store::create_item`] /
//!   [`Store::act_on_item`] for kinds whose rules are all in their table.
//! - [`cards`]: links between items, and the yellow and red cards shown to units.
//!
//! The kinds themselves are known by their [`KindSpec`], registered at start (`kinds.rs`) or
//! later with [`Store::register_kind`].

pub(crate) mod assignment_days;
pub mod attachments;
pub mod cards;
pub mod figures;
pub mod inbox;
pub mod items;
pub mod numbers;
pub mod search;
pub mod sweep;
pub(crate) mod write;

/// The member of staff acting, or `403` for anyone else (a citizen, the scheduler).
pub(crate) fn staff_of(actor: &sanfu_domain::Actor) -> Result<&sanfu_domain::Staff, crate::StoreError> {
    actor.staff().ok_or_else(|| sanfu_domain::DomainError::forbidden("not_allowed_for_user", "请先登录").into())
}

use std::sync::Arc;

use sanfu_domain::kernel::KindSpec;

use crate::db::{Store, StoreError};

impl Store {
    /// Make a kind of work known to this store (and every clone of it).
    pub fn register_kind(&self, spec: KindSpec) {
        let mut map = match self.kinds.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        match map.iter_mut().find(|k| k.name == spec.name) {
            Some(k) => *k = Arc::new(spec),
            None => map.push(Arc::new(spec)),
        }
    }

    /// The kind named `name`, if known.
    pub fn kind_spec(&self, name: &str) -> Option<Arc<KindSpec>> {
        let map = match self.kinds.read() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.iter().find(|k| k.name == name).cloned()
    }

    /// Every known kind, in the order they were made known (the hotline first).
    pub fn kind_specs(&self) -> Vec<Arc<KindSpec>> {
        let map = match self.kinds.read() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.clone()
    }

    pub(crate) fn spec_of(&self, name: &str) -> Result<Arc<KindSpec>, StoreError> {
        self.kind_spec(name).ok_or_else(|| StoreError::Other(format!("unknown kind of work {name}")))
    }
}
