//! Finding a unit as people type it in a picker: by code, by its name or part of it, or by the
//! name's pinyin initials (南湖区望江街道 → nhqwjjd, [`crate::org::initials`]).

use crate::db::{Store, StoreError};
use crate::org::Unit;

/// How well a unit answers what was typed: lower is better, None when it does not.
fn unit_match(u: &Unit, q: &str) -> Option<u8> {
    let lq = q.to_lowercase();
    if u.code.eq_ignore_ascii_case(q) {
        Some(0)
    } else if u.name == q {
        Some(1)
    } else if u.name.starts_with(q) {
        Some(2)
    } else if u.name.contains(q) {
        Some(3)
    } else if !lq.is_empty() && lq.is_ascii() && u.initials.starts_with(&lq) {
        Some(4)
    } else if !lq.is_empty() && lq.is_ascii() && u.initials.contains(&lq) {
        Some(5)
    } else if u.code.to_lowercase().starts_with(&lq) {
        Some(6)
    } else {
        None
    }
}

impl Store {
    /// The units in service that answer `q` — by code, by name or part of it, or by the
    /// name's pinyin initials — the best matches first, then in the tree's order.
    pub async fn search_units(&self, q: &str, limit: usize) -> Result<Vec<Unit>, StoreError> {
        let q = q.trim();
        let units = self.units_shared().await?;
        if q.is_empty() {
            return Ok(units.iter().filter(|u| u.active).take(limit).cloned().collect());
        }
        let mut found: Vec<(u8, usize, &Unit)> =
            units.iter().enumerate().filter(|(_, u)| u.active).filter_map(|(i, u)| unit_match(u, q).map(|m| (m, i, u))).collect();
        found.sort_by_key(|f| (f.0, f.1));
        Ok(found.into_iter().take(limit).map(|f| f.2.clone()).collect())
    }

    /// The unit meant by what a person typed in a picker: its id, code or full name, or else
    /// the one unit whose name holds the text (望江街道 → 南湖区望江街道). None when nothing or
    /// more than one unit answers: the caller says so rather than guess.
    pub async fn resolve_unit(&self, key: &str) -> Result<Option<Unit>, StoreError> {
        if let Some(u) = self.unit(key).await? {
            return Ok(Some(u));
        }
        let key = key.trim();
        if key.chars().count() < 2 {
            return Ok(None);
        }
        let units = self.units_shared().await?;
        let mut named = units.iter().filter(|u| u.active && u.name.contains(key));
        Ok(match (named.next(), named.next()) {
            (Some(u), None) => Some(u.clone()),
            _ => None,
        })
    }

}
