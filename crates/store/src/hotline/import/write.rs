//! An import's batches written: one transaction each, with multi-row INSERTs, on the import's
//! own connection.

use super::rows::{ASSIGN_COLS, Batch, DEADLINE_COLS, EVENT_COLS, FACT_COLS, HEAD_COLS, ITEM_COLS, ORDER_COLS, Owned};
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
    insert_rows(&mut tx, sqlite, "work_items", ITEM_COLS, &batch.items).await?;
    insert_rows(&mut tx, sqlite, "work_orders", ORDER_COLS, &batch.orders).await?;
    insert_rows(&mut tx, sqlite, "assignments", ASSIGN_COLS, &batch.assignments).await?;
    insert_rows(&mut tx, sqlite, "deadlines", DEADLINE_COLS, &batch.deadlines).await?;
    insert_rows(&mut tx, sqlite, "order_facts", FACT_COLS, &batch.facts).await?;
    let ids: Vec<String> = batch.facts.iter().filter_map(|r| match r.first() { Some(Owned::S(Some(id))) => Some(id.clone()), _ => None }).collect();
    crate::hotline::rollup::add_many(&mut tx, sqlite, &ids, store.offset_ms()).await?;
    insert_rows(&mut tx, sqlite, "events", EVENT_COLS, &batch.events).await?;
    insert_rows(&mut tx, sqlite, "event_heads", HEAD_COLS, &batch.heads).await?;
    insert_rows(&mut tx, sqlite, "search_docs", "doc_id, kind, terms", &batch.search).await?;
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
    tx.commit().await.map_err(StoreError::at_commit)
}

/// Multi-row INSERTs, chunked to stay under both backends' limits on bound parameters.
///
/// SQLite gets anonymous `?` placeholders: for numbered or named ones the driver asks SQLite for
/// each parameter's name, a lookup that scans them all, which turns a statement with thousands of
/// parameters quadratic (it was 94% of an import's time).
async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    sqlite: bool,
    table: &str,
    cols: &str,
    rows: &[Vec<Owned>],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = rows[0].len();
    let per = (30_000 / width).clamp(1, 1000);
    for chunk in rows.chunks(per) {
        let mut sql = String::with_capacity(chunk.len() * width * 6 + 100);
        sql.push_str(&format!("INSERT INTO {table} ({cols}) VALUES "));
        let mut n = 0;
        for (ri, _) in chunk.iter().enumerate() {
            if ri > 0 {
                sql.push(',');
            }
            sql.push('(');
            for ci in 0..width {
                if ci > 0 {
                    sql.push(',');
                }
                n += 1;
                if sqlite {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    Owned::S(x) => q.bind(x.as_deref()),
                    Owned::I(x) => q.bind(*x),
                    Owned::F(x) => q.bind(*x),
                };
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
