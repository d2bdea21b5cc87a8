//! The event log: append-only, one chain of events per entity, each event carrying the hash of
//! the one before it. Nothing here updates or deletes an event; a changed row would break the
//! chain, and [`verify_chain`] finds it.

use sanfu_domain::Actor;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::db::{StoreError, from_ms, now_ms};

/// What is appended.
pub struct NewEvent<'a> {
    pub entity_id: &'a str,
    pub entity_kind: &'a str,
    pub action: &'a str,
    pub actor: &'a Actor,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub details: serde_json::Value,
    /// Milliseconds; `None` is now.
    pub at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
    pub actor_unit_id: Option<String>,
    pub ip: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub details: serde_json::Value,
    pub hash: String,
}

pub(crate) fn digest(prev: &str, entity: &str, seq: i64, at: i64, action: &str, actor: &str, details: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, entity, &seq.to_string(), &at.to_string(), action, actor, details] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let out = h.finalize();
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// Append one event inside the caller's transaction. Two transactions appending to the same
/// entity at once cannot both win the head's version check: the loser is retried.
pub async fn append(conn: &mut AnyConnection, e: NewEvent<'_>) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO event_heads (entity_id, seq, last_hash) VALUES ($1, 0, '') ON CONFLICT (entity_id) DO NOTHING")
        .bind(e.entity_id)
        .execute(&mut *conn)
        .await?;
    let (seq, prev): (i64, String) =
        sqlx::query_as("SELECT seq, last_hash FROM event_heads WHERE entity_id = $1")
            .bind(e.entity_id)
            .fetch_one(&mut *conn)
            .await?;
    let next = seq + 1;
    let at = e.at.unwrap_or_else(now_ms);
    let details = e.details.to_string();
    let actor_id = e.actor.user_id().map(str::to_string);
    let hash = digest(&prev, e.entity_id, next, at, e.action, actor_id.as_deref().unwrap_or(e.actor.role_str()), &details);
    let moved = sqlx::query("UPDATE event_heads SET seq = $1, last_hash = $2 WHERE entity_id = $3 AND seq = $4")
        .bind(next)
        .bind(&hash)
        .bind(e.entity_id)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    if moved.rows_affected() != 1 {
        return Err(StoreError::Raced);
    }
    insert_event(conn, &e, next, at, actor_id, &details, &prev, &hash).await?;
    Ok(next)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    conn: &mut AnyConnection,
    e: &NewEvent<'_>,
    seq: i64,
    at: i64,
    actor_id: Option<String>,
    details: &str,
    prev: &str,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (entity_id, seq, entity_kind, at, action, actor_id, actor_name, actor_role,
            actor_unit_id, ip, from_state, to_state, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(e.entity_id)
    .bind(seq)
    .bind(e.entity_kind)
    .bind(at)
    .bind(e.action)
    .bind(actor_id)
    .bind(e.actor.display_name())
    .bind(e.actor.role_str())
    .bind(e.actor.unit_id().map(str::to_string))
    .bind(&e.actor.ip)
    .bind(e.from_state)
    .bind(e.to_state)
    .bind(details)
    .bind(prev)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    // Other servers drop what they keep of this, once this transaction commits.
    if let Some(what) = crate::changes::kept_by(e.entity_kind, e.action) {
        crate::changes::mark(conn, what).await?;
    }
    Ok(())
}

type EventRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

/// The events of one entity, oldest first.
pub async fn list<'e, E>(ex: E, entity_id: &str) -> Result<Vec<Event>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT seq, at, action, actor_id, actor_name, actor_role, actor_unit_id, ip, from_state, to_state,
                details, prev_hash, hash
         FROM events WHERE entity_id = $1 ORDER BY seq",
    )
    .bind(entity_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
            seq: r.0,
            at: from_ms(r.1),
            action: r.2,
            actor_id: r.3,
            actor_name: r.4,
            actor_role: r.5,
            actor_unit_id: r.6,
            ip: r.7,
            from_state: r.8,
            to_state: r.9,
            details: serde_json::from_str(&r.10).unwrap_or(serde_json::Value::Null),
            hash: r.12,
        })
        .collect())
}

/// Recompute an entity's chain; `Err` names the first event that does not match.
pub async fn verify_chain<'e, E>(ex: E, entity_id: &str) -> Result<Result<usize, i64>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<(i64, i64, String, Option<String>, String, String, String, String)> = sqlx::query_as(
        "SELECT seq, at, action, actor_id, actor_role, details, prev_hash, hash
         FROM events WHERE entity_id = $1 ORDER BY seq",
    )
    .bind(entity_id)
    .fetch_all(ex)
    .await?;
    let mut prev = String::new();
    for (i, (seq, at, action, actor_id, role, details, prev_hash, hash)) in rows.iter().enumerate() {
        let expect = digest(&prev, entity_id, *seq, *at, action, actor_id.as_deref().unwrap_or(role), details);
        if *prev_hash != prev || *hash != expect || *seq != i as i64 + 1 {
            return Ok(Err(*seq));
        }
        prev = hash.clone();
    }
    Ok(Ok(rows.len()))
}

/// One line of the audit stream: an event as committed, without its details (which may hold
/// citizens' text).
#[derive(Debug, Clone)]
pub struct AuditLine {
    pub at: i64,
    pub entity_id: String,
    pub entity_kind: String,
    pub seq: i64,
    pub action: String,
    pub actor_name: String,
    pub actor_role: String,
    pub actor_unit_id: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
}

type AuditRow = (i64, String, String, i64, String, String, String, Option<String>, Option<String>, Option<String>);

impl crate::Store {
    /// Events recorded at or after `since` (ms), oldest first, at most `limit`: the audit
    /// stream reads the committed log, so it never shows an action a rolled-back transaction
    /// did not do.
    pub async fn audit_since(&self, since: i64, limit: i64) -> Result<Vec<AuditLine>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT at, entity_id, entity_kind, seq, action, actor_name, actor_role, actor_unit_id, from_state, to_state
             FROM events WHERE at >= $1 ORDER BY at, entity_id, seq LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditLine {
                at: r.0,
                entity_id: r.1,
                entity_kind: r.2,
                seq: r.3,
                action: r.4,
                actor_name: r.5,
                actor_role: r.6,
                actor_unit_id: r.7,
                from_state: r.8,
                to_state: r.9,
            })
            .collect())
    }
}
