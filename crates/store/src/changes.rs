//! What each server keeps in memory follows what any server changed.
//!
//! Units, categories, the segmenter's dictionary, the calendar, settings, the dispatch model and
//! recently seen sessions are kept in each process. A change to one of them bumps a version row in
//! `changes`, in the transaction that makes the change (through the event it writes, or directly
//! where no event is written); every server reads those versions every second
//! ([`Store::follow_changes`]) and drops what another server changed. A unit renamed on one
//! server is therefore seen by all within about a second.

use sqlx::AnyConnection;

use crate::db::{Store, StoreError};

/// The kept things, by the name of their version row.
pub const UNITS: &str = "units";
pub const CATEGORIES: &str = "categories";
pub const DICTIONARY: &str = "dictionary";
pub const CALENDAR: &str = "calendar";
pub const SETTINGS: &str = "settings";
pub const DISPATCH_MODEL: &str = "dispatch_model";
pub const SESSIONS: &str = "sessions";

/// What an event of `entity_kind` and `action` changes of what servers keep, if anything.
pub(crate) fn kept_by(entity_kind: &str, action: &str) -> Option<&'static str> {
    match (entity_kind, action) {
        ("unit", _) => Some(UNITS),
        ("category", _) => Some(CATEGORIES),
        ("dictionary", _) => Some(DICTIONARY),
        ("calendar", _) => Some(CALENDAR),
        ("settings" | "setting" | "config", _) => Some(SETTINGS),
        ("user", "update" | "revoke_sessions" | "reset_password" | "logout") => Some(SESSIONS),
        _ => None,
    }
}

/// Raise the version of `what` in the caller's transaction.
pub(crate) async fn mark(conn: &mut AnyConnection, what: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO changes (name, version) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET version = changes.version + 1",
    )
    .bind(what)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

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
