//! SQLite's write-ahead log kept small on a busy server.
//!
//! SQLite copies the log back into the database as it grows (every 1,000 pages), but starts it
//! again from its beginning only when a write begins while no reader is reading from it, and
//! never shrinks its file. A server registering orders while its pages are read seldom has such
//! a moment: measured (BENCHMARKS §10), under intake at concurrency 16 beside six readers the
//! log grew to 60,000 pages (240 MB) between two restarts, and its file kept its largest size;
//! an import beside the server's readers once grew it to 10 GB. [`Store::checkpoint_wal`] copies
//! the log back and empties it when it has grown, waiting a moment for the readers of the moment
//! while this process's writers wait for it.

use std::time::Duration;

use crate::db::{Backend, Store, StoreError};

/// What a checkpoint found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Pages in the log when it was looked at.
    pub pages: i64,
    /// The log was copied back and its file emptied.
    pub emptied: bool,
}

/// How long a connection of the store waits for a lock held by another process; given back
/// after a checkpoint's shorter wait.
pub(crate) const BUSY_TIMEOUT_MS: u64 = 10_000;

impl Store {
    /// SQLite: when the log holds more than `min_pages` pages, copy it back into the database
    /// and empty its file (`PRAGMA wal_checkpoint(TRUNCATE)`), holding this process's writers
    /// back meanwhile and waiting at most `wait` for readers still reading from the log; a
    /// reader that stays longer leaves the log as it is (`emptied` false) for the next try.
    /// On PostgreSQL, `None`: its own checkpoints keep its log.
    pub async fn checkpoint_wal(&self, min_pages: i64, wait: Duration) -> Result<Option<Checkpoint>, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.pool().acquire().await?;
        // A passive checkpoint copies back what no reader needs, without waiting for anyone,
        // and says how long the log is.
        let (_, pages, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
        if pages < min_pages {
            return Ok(Some(Checkpoint { pages, emptied: pages == 0 }));
        }
        let _writers = self.write_guard().await;
        let wait_ms = wait.as_millis().min(BUSY_TIMEOUT_MS as u128);
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {wait_ms}"))).execute(&mut *conn).await?;
        let done: Result<(i64, i64, i64), sqlx::Error> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await;
        let restored = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))).execute(&mut *conn).await;
        if restored.is_err() {
            // Not handed out again with the short timeout.
            conn.detach();
        }
        let (busy, _, _) = done?;
        restored?;
        Ok(Some(Checkpoint { pages, emptied: busy == 0 }))
    }
}
