//! Each server drops what it keeps of what another server changed: the other half of
//! `changes.rs`, apart from it because it knows every kept thing's type (and `changes.rs` is
//! used by the event log, which those types' modules use).

use crate::changes::{CALENDAR, CATEGORIES, DICTIONARY, DISPATCH_MODEL, SESSIONS, SETTINGS, UNITS};
use crate::db::{Store, StoreError};

/// The versions this process last saw.
#[derive(Default)]
pub(crate) struct Seen(std::sync::Mutex<Option<std::collections::HashMap<String, i64>>>);

impl Store {
    /// Drop what another server changed since the last call; returns the names of what changed
    /// (empty on the first call, which only notes the versions).
    pub async fn follow_changes(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, version FROM changes").fetch_all(self.pool()).await?;
        let now: std::collections::HashMap<String, i64> = rows.into_iter().collect();
        let seen = self.slots.get_or_default::<Seen>();
        let before = match seen.0.lock() {
            Ok(mut s) => s.replace(now.clone()),
            Err(p) => p.into_inner().replace(now.clone()),
        };
        let Some(before) = before else { return Ok(vec![]) };
        let changed: Vec<String> = now.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
        for what in &changed {
            match what.as_str() {
                UNITS => {
                    self.slots.set::<Vec<crate::org::Unit>>(None);
                    self.forget_sessions();
                }
                CATEGORIES => self.slots.set::<Vec<crate::hotline::catalog::Category>>(None),
                DICTIONARY => self.forget_segmenter(),
                CALENDAR => self.reload_calendar().await?,
                SETTINGS => {
                    self.forget_number_formats();
                    self.reload_calendar().await?;
                }
                DISPATCH_MODEL => self.forget_dispatch_model(),
                SESSIONS => self.forget_sessions(),
                _ => {}
            }
        }
        Ok(changed)
    }
}
