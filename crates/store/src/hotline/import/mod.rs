//! Bulk import of historical orders (JSON lines or CSV), and the same path for the demo city's
//! generated orders and the benchmarks.
//!
//! Each record states what happened and when (registered, dispatched to a unit, signed, answered,
//! closed with a rating). The importer replays it through the same state machine as live use —
//! `hotline::apply` at the recorded moments — so deadlines, on-time flags, statistics facts and
//! the hash-chained events are exactly what live handling would have written. It then writes
//! thousands of orders per transaction with multi-row inserts. A record that the rules refuse
//! (answered before it was signed, an unknown unit, …) is reported with its line and skipped;
//! nothing of it is written.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::validate::{self, MAX_CONTENT_CHARS};
use sanfu_domain::hotline::{Channel, OrderType, TimeLimits, UnitRef, Urgency};
use sanfu_domain::{Actor, Principal, Role, Staff};
use serde::Deserialize;

use crate::db::{Store, StoreError, new_id};

mod rows;
mod write;

use crate::batch::Batch;
use rows::stage_all;
use write::{Conn, IMPORT_CACHE_KIB, Progress, write_batch};

/// One historical order.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct ImportRecord {
    pub number: Option<String>,
    pub channel: Option<String>,
    pub order_type: String,
    pub urgency: Option<String>,
    /// Category code or id.
    pub category: String,
    pub subject: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub citizen_name: Option<String>,
    pub citizen_phone: Option<String>,
    #[serde(default)]
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    /// Unit code or id of the lead unit.
    pub unit: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// When the centre passed the answer (审核); without `closed_at` the order awaits call-back.
    pub reviewed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub satisfaction: Option<String>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub imported: u64,
    pub skipped: u64,
    /// The first problems, with their line numbers.
    pub errors: Vec<String>,
}

/// What the staging threads share: everything a record's replay reads.
struct Context {
    cal: std::sync::Arc<Calendar>,
    units: HashMap<String, UnitRef>,
    limits: HashMap<(OrderType, Urgency), TimeLimits>,
    centre: Actor,
    now: DateTime<Utc>,
    seg: std::sync::Arc<sanfu_text::Segmenter>,
    spec: sanfu_domain::kernel::KindSpec,
}

/// A record checked, numbered and linked to its caller's earlier call, in the file's order; its
/// replay and its rows are then made on any core.
struct Prepared {
    line: usize,
    rec: ImportRecord,
    id: String,
    number: String,
    channel: Channel,
    order_type: OrderType,
    urgency: Urgency,
    category: String,
    content: String,
    subject: String,
    phone: Option<String>,
    repeat_of: Option<String>,
}

/// Where an earlier run of the same import stopped (`import_progress`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resume {
    /// Records consumed (written or skipped) by the earlier runs.
    pub line: usize,
    pub imported: u64,
    pub skipped: u64,
    pub finished: bool,
}

/// Writes imported orders in batches.
pub struct Importer<'a> {
    store: &'a Store,
    /// The batch being written, on the import's own connection, which it hands back.
    pending: Option<tokio::task::JoinHandle<(Conn, Result<usize, StoreError>)>>,
    conn: Option<Conn>,
    ctx: std::sync::Arc<Context>,
    categories: HashMap<String, String>,
    counters: HashMap<String, i64>,
    last_by_caller: HashMap<(String, String), (DateTime<Utc>, String)>,
    queue: Vec<Prepared>,
    /// The import's name in `import_progress` (a hash of its file), when it can be resumed.
    source: Option<String>,
    /// The last record consumed, and how many were skipped by the batches already handed over.
    last_line: usize,
    skipped_written: u64,
    pub summary: ImportSummary,
    /// Orders per transaction.
    pub batch_size: usize,
}

fn importer_staff(unit_id: &str, unit_name: &str, roles: Vec<Role>) -> Actor {
    Actor {
        principal: Principal::Staff(Staff {
            user_id: "import".into(),
            username: "import".into(),
            name: "历史数据导入".into(),
            unit_id: unit_id.into(),
            unit_name: unit_name.into(),
            roles,
            portfolio: vec![],
        }),
        ip: "import".into(),
    }
}

impl<'a> Importer<'a> {
    pub async fn new(store: &'a Store) -> Result<Importer<'a>, StoreError> {
        let mut units = HashMap::new();
        for u in store.units().await? {
            let r = UnitRef { id: u.id.clone(), name: u.name.clone(), kind: u.kind, parent_id: u.parent_id.clone() };
            units.insert(u.code.clone(), r.clone());
            units.insert(u.id.clone(), r);
        }
        let mut categories = HashMap::new();
        for c in store.categories().await? {
            categories.insert(c.code.clone(), c.id.clone());
            categories.insert(c.id.clone(), c.id);
        }
        let mut limits = HashMap::new();
        for t in OrderType::ALL {
            for u in Urgency::ALL {
                limits.insert((*t, *u), store.limits_for(*t, *u).await?);
            }
        }
        let counters: Vec<(String, i64)> = sqlx::query_as("SELECT name, value FROM counters WHERE name LIKE 'work_order:%'")
            .fetch_all(store.pool())
            .await?;
        let ctx = Context {
            cal: store.calendar(),
            units,
            limits,
            centre: importer_staff("hotline", "热线中心", vec![Role::Dispatcher, Role::Operator]),
            now: Utc::now(),
            seg: store.segmenter().await?,
            spec: sanfu_domain::kernel::KindSpec::of::<sanfu_domain::hotline::Hotline>(),
        };
        Ok(Importer {
            store,
            pending: None,
            conn: None,
            ctx: std::sync::Arc::new(ctx),
            categories,
            counters: counters.into_iter().collect(),
            last_by_caller: HashMap::new(),
            queue: Vec::new(),
            source: None,
            last_line: 0,
            skipped_written: 0,
            summary: ImportSummary::default(),
            batch_size: 5000,
        })
    }

    /// An import that can be resumed: `source` names it (a hash of its file). Each batch records
    /// in its own transaction how far the import has come, so a run stopped at any moment is
    /// continued by the next run of the same source from the first record not written, and no
    /// record is written twice. Returns where the earlier runs stopped, if any did.
    pub async fn resumable(store: &'a Store, source: &str) -> Result<(Importer<'a>, Option<Resume>), StoreError> {
        let mut imp = Importer::new(store).await?;
        imp.source = Some(source.to_string());
        let row: Option<(i64, i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT line, imported, skipped, finished_at FROM import_progress WHERE source = $1")
                .bind(source)
                .fetch_optional(store.pool())
                .await?;
        let resume = row.map(|(line, imported, skipped, finished)| Resume {
            line: line.max(0) as usize,
            imported: imported.max(0) as u64,
            skipped: skipped.max(0) as u64,
            finished: finished.is_some(),
        });
        if let Some(r) = &resume {
            imp.last_line = r.line;
            if !r.finished {
                // A repeat call is recognised across the stop: each caller's latest order so far.
                let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
                    "SELECT citizen_phone, category_id, created_at, id FROM work_orders
                     WHERE citizen_phone IS NOT NULL AND created_at IS NOT NULL",
                )
                .fetch_all(store.pool())
                .await?;
                for (phone, category, at, id) in rows {
                    let at = crate::db::from_ms(at);
                    let e = imp.last_by_caller.entry((phone, category)).or_insert((at, id.clone()));
                    if at > e.0 {
                        *e = (at, id);
                    }
                }
            }
        }
        Ok((imp, resume))
    }

    /// Check and stage one record; `line` names it in errors. Flushes when a batch is full.
    pub async fn add(&mut self, line: usize, rec: ImportRecord) -> Result<(), StoreError> {
        self.last_line = self.last_line.max(line);
        match self.prepare(line, rec) {
            Ok(p) => self.queue.push(p),
            Err(e) => self.skip(line, e),
        }
        if self.queue.len() >= self.batch_size {
            self.flush().await?;
        }
        Ok(())
    }

    /// Count a record that will not be written, naming the first hundred.
    pub fn skip(&mut self, line: usize, message: String) {
        self.last_line = self.last_line.max(line);
        self.summary.skipped += 1;
        if self.summary.errors.len() < 100 {
            self.summary.errors.push(format!("第 {line} 条：{message}"));
        }
    }

    /// What depends on the records before this one: its number, and its caller's earlier call.
    fn prepare(&mut self, line: usize, rec: ImportRecord) -> Result<Prepared, String> {
        let r = &rec;
        let channel = match r.channel.as_deref() {
            None | Some("") => Channel::Phone,
            Some(c) => Channel::parse(c).ok_or_else(|| format!("渠道“{c}”不存在"))?,
        };
        let order_type = OrderType::parse(&r.order_type).ok_or_else(|| format!("诉求类型“{}”不存在", r.order_type))?;
        let urgency = match r.urgency.as_deref() {
            None | Some("") => Urgency::Normal,
            Some(u) => Urgency::parse(u).ok_or_else(|| format!("紧急程度“{u}”不存在"))?,
        };
        let category = self.categories.get(&r.category).cloned().ok_or_else(|| format!("分类“{}”不存在", r.category))?;
        let content = validate::text("content", "诉求内容", &r.content, MAX_CONTENT_CHARS).map_err(|e| e.message)?;
        let subject = match validate::optional_text("subject", "标题", r.subject.as_deref(), 200).map_err(|e| e.message)? {
            Some(s) => s,
            None => content.chars().take(30).collect(),
        };
        let phone = match r.citizen_phone.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => Some(validate::phone(p).map_err(|e| e.message)?),
            None => None,
        };
        let id = new_id();
        let created = r.created_at;
        let number = match &r.number {
            Some(n) if !n.trim().is_empty() => n.trim().to_string(),
            _ => {
                let day = created.with_timezone(&self.ctx.cal.offset()).format("%Y%m%d").to_string();
                let c = self.counters.entry(format!("work_order:{day}")).or_insert(0);
                *c += 1;
                format!("{day}{:06}", *c)
            }
        };
        let repeat_of = match &phone {
            Some(p) => {
                let key = (p.clone(), category.clone());
                let prev = self
                    .last_by_caller
                    .get(&key)
                    .filter(|(t, _)| created >= *t && (created - *t).num_days() < 30)
                    .map(|(_, id)| id.clone());
                self.last_by_caller.insert(key, (created, id.clone()));
                prev
            }
            None => None,
        };
        Ok(Prepared { line, rec, id, number, channel, order_type, urgency, category, content, subject, phone, repeat_of })
    }

    /// Replay what is queued on every core, hand the rows to the writer (one transaction), and
    /// prepare the next batch while this one is written.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        let queue = std::mem::take(&mut self.queue);
        let batch = if queue.is_empty() {
            Batch::default()
        } else {
            let ctx = self.ctx.clone();
            let started = std::time::Instant::now();
            let (batch, errors) =
                tokio::task::spawn_blocking(move || stage_all(&ctx, queue)).await.map_err(|e| StoreError::Other(e.to_string()))?;
            tracing::debug!(orders = batch.count, ms = started.elapsed().as_millis() as u64, "import: batch replayed");
            for (line, e) in errors {
                self.skip(line, e);
            }
            batch
        };
        self.wait().await?;
        let progress = self.source.clone().map(|source| Progress {
            source,
            line: self.last_line as i64,
            skipped: (self.summary.skipped - self.skipped_written) as i64,
        });
        self.skipped_written = self.summary.skipped;
        if batch.count == 0 && progress.is_none() {
            return Ok(());
        }
        let counters: Vec<(String, i64)> = self.counters.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let conn = match self.conn.take() {
            Some(c) => c,
            None => self.connect().await?,
        };
        self.pending = Some(tokio::spawn(write_batch(self.store.clone(), conn, batch, counters, progress)));
        Ok(())
    }

    /// The import's own connection, closed when the import ends. On SQLite it gets a page cache
    /// large enough for the indexes' pages that every batch touches, which the server's
    /// connections (32 MiB each) are not given.
    async fn connect(&self) -> Result<Conn, StoreError> {
        let mut conn = self.store.pool().acquire().await?;
        conn.close_on_drop();
        if self.store.backend() == crate::Backend::Sqlite {
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))).execute(&mut *conn).await?;
            // Each multi-row INSERT keeps a statement journal of the pages it changes; in memory,
            // not in a temporary file.
            sqlx::query("PRAGMA temp_store = MEMORY").execute(&mut *conn).await?;
            // Fewer, larger checkpoints: a page that every batch changes is copied back once.
            sqlx::query("PRAGMA wal_autocheckpoint = 16384").execute(&mut *conn).await?;
            // A batch's commit need not wait for the disk: its progress row commits with it, so
            // a batch lost to a power cut is written again by the next run. The last commit (in
            // `finish`) is synced, and with it everything before.
            if self.source.is_some() {
                sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
            }
        }
        Ok(conn)
    }

    /// Wait for the batch being written; the orders written so far by this run.
    pub async fn written(&mut self) -> Result<u64, StoreError> {
        self.wait().await?;
        Ok(self.summary.imported)
    }

    async fn wait(&mut self) -> Result<(), StoreError> {
        if let Some(p) = self.pending.take() {
            let started = std::time::Instant::now();
            let (conn, written) = p.await.map_err(|e| StoreError::Other(e.to_string()))?;
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: waited for the writer");
            self.conn = Some(conn);
            self.summary.imported += written? as u64;
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<ImportSummary, StoreError> {
        self.flush().await?;
        self.wait().await?;
        if let Some(source) = &self.source {
            let conn: &mut sqlx::AnyConnection = match &mut self.conn {
                Some(c) => c,
                None => return Err(StoreError::Other("import without a connection".into())),
            };
            if self.store.backend() == crate::Backend::Sqlite {
                sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
            }
            // Synced, and with it every batch before.
            sqlx::query("UPDATE import_progress SET finished_at = $1 WHERE source = $2")
                .bind(crate::db::now_ms())
                .bind(source)
                .execute(&mut *conn)
                .await?;
        }
        // On PostgreSQL the loaded tables vacuumed, as its autovacuum would do some time later
        // (or never, where it is off): until then no page is marked all-visible, and a count
        // that an index could answer alone reads every row it counts from the table.
        if self.store.backend() == crate::Backend::Postgres {
            sqlx::query("VACUUM work_items, work_orders, assignments, deadlines, order_facts, events, event_heads, search_docs")
                .execute(self.store.pool())
                .await?;
        }
        // Fresh statistics, so that the planner knows the tables have grown (on SQLite none of
        // the search index's own tables, see `upkeep::SEARCH_INDEX_TABLES`).
        if self.store.backend() == crate::Backend::Sqlite {
            let mut conn = self.store.pool().acquire().await?;
            crate::upkeep::analyze_all(&mut conn).await?;
        } else {
            sqlx::query("ANALYZE").execute(self.store.pool()).await?;
        }
        Ok(self.summary)
    }
}

impl Store {
    /// Import records from an iterator (used by the demo city and the benchmarks).
    pub async fn import_records<I: IntoIterator<Item = ImportRecord>>(&self, records: I) -> Result<ImportSummary, StoreError> {
        let mut imp = Importer::new(self).await?;
        for (n, r) in records.into_iter().enumerate() {
            imp.add(n + 1, r).await?;
        }
        imp.finish().await
    }
}
