//! SQLite's upkeep on a busy server: its write-ahead log kept small, its planner's statistics
//! brought up to date once per start.
//!
//! SQLite copies the log back into the database as it grows (every 1,000 pages), but starts it
//! again from its beginning only when a write begins while no reader is reading from it, and
//! never shrinks its file. A server registering orders while its pages are read seldom has such
//! a moment: measured (BENCHMARKS §10), under intake at concurrency 16 beside six readers the
//! log grew to 60,000 pages (240 MB) between two restarts, and its file kept its largest size;
//! an import beside the server's readers once grew it to 10 GB. [`Store::checkpoint_wal`] copies
//! the log back and empties it when it has grown, waiting a moment for the readers of the moment
//! while this process's writers wait for it.

use std::time::{Duration, Instant};

use crate::db::{BUSY_TIMEOUT_MS, Backend, Store, StoreError};

/// What a checkpoint found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Pages in the log when it was looked at.
    pub pages: i64,
    /// The log was copied back and its file emptied.
    pub emptied: bool,
}

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

    /// SQLite: the planner's statistics brought up to date once per start, before serving
    /// (`PRAGMA optimize`: an ANALYZE of each table grown or shrunk tenfold since it was last
    /// analysed, as after an import stopped before its end). Not on each new connection, where
    /// it was: ANALYZE reads every entry of a unique index and holds the write lock meanwhile —
    /// 29 s at three million orders, so that the pool's first connection timed out (30 s) and an
    /// import beside a connection opened later failed on the lock (BENCHMARKS §10). A failure
    /// (another process writing) is logged and the start goes on with the statistics as they are.
    pub(crate) async fn refresh_planner_stats(&self) {
        if self.backend() != Backend::Sqlite {
            return;
        }
        let started = Instant::now();
        let refreshed: Result<usize, StoreError> = async {
            let mut conn = self.pool().acquire().await?;
            // 0x10003: the ANALYZE statements it would run, without running them.
            let tables: Vec<String> = sqlx::query_scalar("PRAGMA optimize = 0x10003").fetch_all(&mut *conn).await?;
            if !tables.is_empty() {
                let run = sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *conn);
                tokio::pin!(run);
                // Said only when it takes a while (a large database): a new one's empty
                // tables are analysed at every start, in milliseconds.
                tokio::select! {
                    done = &mut run => { done?; }
                    () = tokio::time::sleep(Duration::from_secs(2)) => {
                        tracing::info!(tables = tables.len(), "正在更新数据库的查询统计信息（{} 张表有较大增减），数据量大时需要几分钟", tables.len());
                        run.await?;
                    }
                }
            }
            Ok(tables.len())
        }
        .await;
        match refreshed {
            Ok(n) if started.elapsed() >= Duration::from_secs(2) => {
                tracing::info!(tables = n, "查询统计信息已更新，用时 {:.1} 秒", started.elapsed().as_secs_f64())
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "未能更新数据库的查询统计信息，按原有统计继续启动"),
        }
    }
}
