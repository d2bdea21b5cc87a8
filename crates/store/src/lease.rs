//! Leases: the jobs that must run on one server at a time (the deadline and warning sweep, the
//! supervision sweep, retraining, the start-up migrations) when several Sanfu servers share one
//! database.
//!
//! A lease is a row: its name, who holds it, until when, and its term (raised each time it changes
//! hands). A server takes a lease that is free or expired, or renews its own, in one conditional
//! upsert; the database's clock decides what has expired, so servers with skewed clocks agree.
//! A holder that dies stops renewing and another server takes the lease once it has expired. A
//! lease is not a lock on data: the jobs it guards must still write conditionally (a warning is
//! raised by `UPDATE … WHERE warned < level`), so a holder paused past its lease and a new holder
//! overlapping for a moment can waste work but never do it twice.

use std::time::Duration;

use crate::db::{Backend, Store, StoreError};

/// A lease held: its term, which grows each time the lease changes hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub term: i64,
    /// Whether this call took it from nobody or from another holder (rather than renewing).
    pub taken: bool,
}

impl Store {
    /// The database's clock in milliseconds, as SQL.
    fn db_now(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        }
    }

    /// Take lease `name` for `holder` for `ttl` if it is free, expired or already `holder`'s
    /// (then it is renewed). `None`: somebody else holds it.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<Option<Held>, StoreError> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let now = self.db_now();
        let sql = format!(
            "INSERT INTO leases (name, holder, expires_at, term) VALUES ($1, $2, {now} + $3, 1)
             ON CONFLICT (name) DO UPDATE SET
                 holder = excluded.holder,
                 expires_at = excluded.expires_at,
                 term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE leases.term + 1 END
             WHERE leases.holder = excluded.holder OR leases.expires_at < {now}
             RETURNING term"
        );
        // Who held it before, for `taken` (what the logs say; nothing is decided by it).
        let before: Option<(String,)> = sqlx::query_as("SELECT holder FROM leases WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        let row: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .bind(holder)
            .bind(ttl_ms)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|(term,)| Held {
            term,
            taken: before.is_none_or(|(h,)| h != holder),
        }))
    }

    /// Give lease `name` up at once (a server shutting down), so another takes it without
    /// waiting for it to expire. Nothing happens if `holder` no longer holds it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Who holds lease `name` now, if anybody (an expired lease is held by nobody).
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, StoreError> {
        let sql = format!("SELECT holder FROM leases WHERE name = $1 AND expires_at >= {}", self.db_now());
        let row: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(name).fetch_optional(self.pool()).await?;
        Ok(row.map(|(h,)| h))
    }

    /// Wait until lease `name` is ours (a server starting while another migrates the database
    /// waits for it), for at most `patience`.
    pub(crate) async fn wait_for_lease(&self, name: &str, holder: &str, ttl: Duration, patience: Duration) -> Result<(), StoreError> {
        let start = std::time::Instant::now();
        loop {
            if self.try_lease(name, holder, ttl).await?.is_some() {
                return Ok(());
            }
            if start.elapsed() > patience {
                return Err(StoreError::Other(format!("lease {name} still held by another server after {patience:?}")));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A name for this process among the servers: host, process id and a random part (a restarted
/// process is another holder).
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "sanfu".into());
    let id = crate::db::new_id();
    format!("{host}:{}:{}", std::process::id(), &id[id.len() - 6..])
}
