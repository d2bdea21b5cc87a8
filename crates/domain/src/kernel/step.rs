//! The whole life of an item whose rules are all in its kind's table.

use chrono::{DateTime, Utc};

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::item::Item;
use crate::kernel::party::parties;
use crate::kernel::rules::{Kind, KindState, To, guard, running};

/// Take `action` on an item whose kind's table says where it leads: checked by the table,
/// moved to the one state it names; the due dates that ran before and run no more are met,
/// and an end closes the item.
pub fn step<K: Kind>(item: &Item<K::State>, actor: &Actor, action: &str, now: DateTime<Utc>) -> Result<Item<K::State>, DomainError> {
    let r = guard::<K>(&parties(&item.assignments, actor), item.state, action)?;
    let to = match r.to {
        To::Same => item.state,
        To::One(s) => s,
        To::Either(_) => {
            return Err(DomainError::invalid("action_needs_decision", format!("“{}”需要由{}自己的规则决定去向", r.label, K::LABEL)));
        }
    };
    let mut next = item.clone();
    next.state = to;
    let still = running::<K>(to);
    for (k, d) in next.dues.iter_mut() {
        if d.met_at.is_none() && running::<K>(item.state).contains(&k.name.as_str()) && !still.contains(&k.name.as_str()) {
            d.met_at = Some(now);
        }
    }
    if to.is_terminal() {
        next.closed_at = Some(now);
    }
    Ok(next)
}
