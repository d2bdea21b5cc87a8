//! An import's batches written: one transaction each, with multi-row INSERTs, on the import's
//! own connection.

use crate::batch::Batch;
use crate::db::{Store, StoreError};

/// How far a resumable import has come, written with the batch that brings it there.
pub(super) struct Progress {
    pub(super) source: String,
    pub(super) line: i64,
    pub(super) skipped: i64,
}

pub(super) type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// The page cache of an import's connection on SQLite, in KiB.
pub(super) const IMPORT_CACHE_KIB: i64 = 512 * 1024;

pub(super) async fn write_batch(
    store: Store,
    mut conn: Conn,
    batch: Batch,
    counters: Vec<(String, i64)>,
    progress: Option<Progress>,
) -> (Conn, Result<usize, StoreError>) {
    let started = std::time::Instant::now();
    let written = write_rows(&store, &mut conn, &batch, &counters, progress.as_ref()).await;
    tracing::debug!(orders = batch.count, ms = started.elapsed().as_millis() as u64, "import: batch written");
    (conn, written.map(|()| batch.count))
}

/// One batch in one transaction. Not retried: a batch that fails stops the import, which the
/// next run of a resumable import continues.
async fn write_rows(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    batch: &Batch,
    counters: &[(String, i64)],
    progress: Option<&Progress>,
) -> Result<(), StoreError> {
    let sqlite = store.backend() == crate::Backend::Sqlite;
    let _guard = store.write_guard().await;
    let mut tx = sqlx::Connection::begin(conn).await?;
    batch.write(&mut tx, sqlite).await?;
    for (name, value) in counters {
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > counters.value THEN excluded.value ELSE counters.value END")
            .bind(name).bind(*value).execute(&mut *tx).await?;
    }
    if let Some(p) = progress {
        let now = crate::db::now_ms();
        sqlx::query("INSERT INTO import_progress (source, line, imported, skipped, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
                     ON CONFLICT (source) DO UPDATE SET line = excluded.line, imported = import_progress.imported + excluded.imported,
                     skipped = import_progress.skipped + excluded.skipped, updated_at = excluded.updated_at")
            .bind(&p.source).bind(p.line).bind(batch.count as i64).bind(p.skipped).bind(now).execute(&mut *tx).await?;
    }
    tx.commit().await.map_err(StoreError::at_commit)?;
    if sqlite {
        // The WAL is copied back as it grows (wal_autocheckpoint), but it starts again from its
        // beginning only when no reader holds a snapshot in it as a write begins; beside the
        // server's readers it never did, and at 1.8 million imported orders it was 10 GB and the
        // import a third as fast (BENCHMARKS §10). Each batch ends by copying it back and
        // emptying it, waiting for the readers of the moment.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
    }
    Ok(())
}
