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

/// FTS5's own tables behind the search index (`search_fts_data`, `_idx`, `_docsize`, `_config`;
/// a LIKE pattern): SQLite keeps no planner statistics of them. FTS5 reads and deletes their
/// rows by ranges of their keys, and with statistics taken while they were small (a new
/// database's first start: two rows) the planner read the whole table instead of the range —
/// once for every segment of the index merged or trimmed, so that an import slowed from 4,700
/// to 1,100 orders/s by four million orders, 59% of its writer's time in those reads
/// (BENCHMARKS §10). A table without statistics is taken for a large one, and a range of its
/// keys is read as a range.
const SEARCH_INDEX_TABLES: &str = "search\\_fts\\_%";

/// Whether an `ANALYZE "main"."name"` statement names one of [`SEARCH_INDEX_TABLES`].
fn names_search_index_table(statement: &str) -> bool {
    statement.contains("\"search_fts_")
}

/// SQLite: `statements` (an ANALYZE of one table each) in one transaction.
async fn analyze(conn: &mut sqlx::AnyConnection, statements: &[String]) -> Result<(), StoreError> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(s.clone())).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// SQLite: an ANALYZE statement for every ordinary table but the search index's.
pub(crate) async fn analyze_all(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let statements: Vec<String> =
        tables.iter().map(|t| format!("ANALYZE \"main\".\"{}\"", t.replace('"', "\"\""))).filter(|s| !names_search_index_table(s)).collect();
    analyze(conn, &statements).await
}

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

    /// SQLite, first thing at a start: remove the statistics of the search index's tables that an
    /// earlier version kept. A connection reads the statistics once, with the schema, and keeps
    /// them: this runs on the pool's one connection before anything else, and has it read them
    /// again (`PRAGMA writable_schema = RESET`: the schema and its statistics read afresh — else a
    /// table whose statistics are gone keeps on this connection the row count last read for it).
    pub(crate) async fn forget_search_index_stats(&self) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('sqlite_stat1', 'sqlite_stat4') ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut kept = 0;
        for table in &tables {
            let q = format!("SELECT COUNT(*) FROM {table} WHERE tbl LIKE '{SEARCH_INDEX_TABLES}' ESCAPE '\\'");
            kept += sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q)).fetch_one(&mut *conn).await?;
        }
        if kept == 0 {
            return Ok(());
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        for table in &tables {
            let q = format!("DELETE FROM {table} WHERE tbl LIKE '{SEARCH_INDEX_TABLES}' ESCAPE '\\'");
            sqlx::query(sqlx::AssertSqlSafe(q)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        sqlx::query("PRAGMA writable_schema = RESET").execute(&mut *conn).await?;
        tracing::info!(rows = kept, "已删除全文索引内部表的查询统计信息（旧版本所留，按其规划会逐行扫描整张表）");
        Ok(())
    }

    /// SQLite: the planner's statistics brought up to date once per start, before serving
    /// (`PRAGMA optimize`: an ANALYZE of each table grown or shrunk tenfold since it was last
    /// analysed, as after an import stopped before its end). Not on each new connection, where
    /// it was: ANALYZE reads every entry of a unique index and holds the write lock meanwhile —
    /// 29 s at three million orders, so that the pool's first connection timed out (30 s) and an
    /// import beside a connection opened later failed on the lock (BENCHMARKS §10). A failure
    /// (another process writing) is logged and the start goes on with the statistics as they are.
    /// The search index's own tables are left out ([`SEARCH_INDEX_TABLES`]).
    pub(crate) async fn refresh_planner_stats(&self) {
        if self.backend() != Backend::Sqlite {
            return;
        }
        let started = Instant::now();
        let refreshed: Result<usize, StoreError> = async {
            let mut conn = self.pool().acquire().await?;
            // 0x10003: the ANALYZE statements it would run, without running them.
            let planned: Vec<String> = sqlx::query_scalar("PRAGMA optimize = 0x10003").fetch_all(&mut *conn).await?;
            let statements: Vec<String> = planned.into_iter().filter(|s| !names_search_index_table(s)).collect();
            if statements.is_empty() {
                return Ok(0);
            }
            let run = analyze(&mut conn, &statements);
            tokio::pin!(run);
            // Said only when it takes a while (a large database): a new one's empty
            // tables are analysed at every start, in milliseconds.
            tokio::select! {
                done = &mut run => { done?; }
                () = tokio::time::sleep(Duration::from_secs(2)) => {
                    tracing::info!(tables = statements.len(), "正在更新数据库的查询统计信息（{} 张表有较大增减），数据量大时需要几分钟", statements.len());
                    run.await?;
                }
            }
            Ok(statements.len())
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
