//! What each server keeps in memory follows what any server changed.
//!
//! Units, categories, the segmenter's dictionary, the calendar, settings, the dispatch model and
//! recently seen sessions are kept in each process. A change to one of them bumps a version row in
//! `changes`, in the transaction that makes the change (through the event it writes, or directly
//! where no event is written); every server reads those versions every second
//! (`Store::follow_changes`, in follow.rs) and drops what another server changed. A unit renamed on one
//! server is therefore seen by all within about a second.

use sqlx::AnyConnection;

use crate::db::StoreError;

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

