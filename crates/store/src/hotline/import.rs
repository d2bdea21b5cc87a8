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
use sanfu_domain::hotline::{
    self, Action, Channel, OrderType, Satisfaction, Snapshot, State, TimeLimits, UnitRef, Urgency,
};
use sanfu_domain::{Actor, Principal, Role, Staff};
use serde::Deserialize;
use serde_json::json;

use crate::db::{Store, StoreError, new_id, to_ms};
use crate::events::digest;
use crate::hotline::facts::responsible_unit;

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

/// Rows waiting to be written, per table, as owned values.
#[derive(Default)]
struct Batch {
    items: Vec<Vec<Owned>>,
    orders: Vec<Vec<Owned>>,
    assignments: Vec<Vec<Owned>>,
    deadlines: Vec<Vec<Owned>>,
    facts: Vec<Vec<Owned>>,
    events: Vec<Vec<Owned>>,
    heads: Vec<Vec<Owned>>,
    search: Vec<Vec<Owned>>,
    count: usize,
}

impl Batch {
    fn append(&mut self, mut other: Batch) {
        self.items.append(&mut other.items);
        self.orders.append(&mut other.orders);
        self.assignments.append(&mut other.assignments);
        self.deadlines.append(&mut other.deadlines);
        self.facts.append(&mut other.facts);
        self.events.append(&mut other.events);
        self.heads.append(&mut other.heads);
        self.search.append(&mut other.search);
        self.count += other.count;
    }
}

#[derive(Debug, Clone)]
enum Owned {
    S(Option<String>),
    I(Option<i64>),
    F(Option<f64>),
}

fn s(v: impl Into<String>) -> Owned {
    Owned::S(Some(v.into()))
}
fn so(v: Option<impl Into<String>>) -> Owned {
    Owned::S(v.map(Into::into))
}
fn i(v: i64) -> Owned {
    Owned::I(Some(v))
}
fn io(v: Option<i64>) -> Owned {
    Owned::I(v)
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

const ITEM_COLS: &str = "id, kind, number, state, version, title, lead_unit_id, created_at, updated_at, closed_at, due_at, warn_at, extension_pending";
const ORDER_COLS: &str = "id, channel, order_type, urgency, category_id, content, address, lat, lng, citizen_name, citizen_phone, confidential, query_code_hash, answer, satisfaction, reopen_count, extension_days, repeat_of, created_at";
const ASSIGN_COLS: &str = "work_id, idx, unit_id, role, active, assigned_at, signed_at, outcome";
const DEADLINE_COLS: &str = "work_id, kind, due_at, provisional, met_at, active, warned, started_at, warn_at, working, running";
const FACT_COLS: &str = "id, unit_id, created_at, channel, order_type, category_id, state, dispatched_at, sign_due, signed_at, answer_due, answered_at, close_due, closed_at, satisfaction, reopen_count, is_repeat, escalated, handling_minutes";
const EVENT_COLS: &str = "entity_id, seq, entity_kind, at, action, actor_id, actor_name, actor_role, actor_unit_id, ip, from_state, to_state, details, prev_hash, hash";
const HEAD_COLS: &str = "entity_id, seq, last_hash";

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
        // Fresh statistics, so that the planner knows the tables have grown.
        sqlx::query("ANALYZE").execute(self.store.pool()).await?;
        Ok(self.summary)
    }
}

/// Replay a batch's records on every core; the rows in the records' order, and the refused
/// ones with their lines.
fn stage_all(ctx: &Context, queue: Vec<Prepared>) -> (Batch, Vec<(usize, String)>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let per = queue.len().div_ceil(threads).max(64);
    let mut chunks: Vec<Vec<Prepared>> = Vec::new();
    let mut rest = queue.into_iter();
    loop {
        let chunk: Vec<Prepared> = rest.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let parts: Vec<(Batch, Vec<(usize, String)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut b = Batch::default();
                    let mut errors = Vec::new();
                    for p in chunk {
                        let line = p.line;
                        if let Err(e) = stage(ctx, p, &mut b) {
                            errors.push((line, e));
                        }
                    }
                    (b, errors)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut batch = Batch::default();
    let mut errors = Vec::new();
    for (b, e) in parts {
        batch.append(b);
        errors.extend(e);
    }
    (batch, errors)
}


/// Replay one record through the state machine at its recorded moments and stage its rows.
fn stage(ctx: &Context, p: Prepared, b: &mut Batch) -> Result<(), String> {
    let Prepared { rec, id, number, channel, order_type, urgency, category, content, subject, phone, repeat_of, .. } = p;
    let r = &rec;
    let limits = ctx.limits.get(&(order_type, urgency)).copied().unwrap_or_else(|| hotline::default_limits(order_type, urgency));
    let created = r.created_at;
        let mut snap = Snapshot::new(order_type, urgency, created);
        let mut steps: Vec<(DateTime<Utc>, Actor, Action)> = Vec::new();
        if let Some(at) = r.dispatched_at {
            let key = r.unit.as_deref().ok_or("有派单时间但没有承办单位")?;
            let lead = ctx.units.get(key).cloned().ok_or_else(|| format!("单位“{key}”不存在"))?;
            let unit_actor = importer_staff(&lead.id, &lead.name, vec![Role::UnitLiaison]);
            steps.push((at, ctx.centre.clone(), Action::Dispatch { lead, co: vec![], answer_due: None, note: None }));
            if let Some(at) = r.signed_at {
                steps.push((at, unit_actor.clone(), Action::Sign));
            }
            if let Some(at) = r.answered_at {
                let text = r.answer.clone().unwrap_or_else(|| "已办理。".into());
                steps.push((at, unit_actor, Action::Answer { text, review: false }));
                if let Some(reviewed) = r.reviewed_at.or(r.closed_at) {
                    steps.push((reviewed, ctx.centre.clone(), Action::Review { pass: true, comment: None }));
                }
                if let Some(closed) = r.closed_at {
                    let satisfaction = match r.satisfaction.as_deref() {
                        None | Some("") => Satisfaction::Satisfied,
                        Some(x) => Satisfaction::parse(x).ok_or_else(|| format!("评价“{x}”不存在"))?,
                    };
                    steps.push((closed, ctx.centre.clone(), Action::Callback { satisfaction, comment: None, reopen: Some(false) }));
                }
            }
        } else if let Some(closed) = r.closed_at {
            let answer = r.answer.clone().unwrap_or_else(|| "已直接答复。".into());
            steps.push((closed, ctx.centre.clone(), Action::CloseDirectly { answer, knowledge_id: None }));
        }
        // Replay.
        let register_actor = if channel == Channel::Web { Actor { principal: Principal::Citizen, ip: "import".into() } } else { ctx.centre.clone() };
        let mut events: Vec<(i64, &'static str, Actor, Option<&'static str>, &'static str, serde_json::Value)> = vec![(
            to_ms(created),
            "register",
            register_actor,
            None,
            State::Registered.as_str(),
            json!({"number": number, "channel": channel.as_str(), "order_type": order_type.as_str(),
                   "urgency": urgency.as_str(), "category_id": category, "confidential": r.confidential,
                   "repeat_of": repeat_of, "imported": true}),
        )];
        let mut last = created;
        for (at, actor, action) in steps {
            if at < last {
                return Err(format!("时间顺序有误：{} 早于前一步", at.to_rfc3339()));
            }
            last = at;
            let out = hotline::apply(&snap, &actor, &action, at, &ctx.cal, &limits).map_err(|e| e.message)?;
            let from = snap.state.as_str();
            snap = out.snapshot;
            events.push((to_ms(at), out.action, actor, Some(from), snap.state.as_str(), out.details));
        }
        // Stage rows.
        // The kernel's columns, as its writer keeps them: the due moment the order is paced by,
        // and which of its deadlines run in its state.
        let (due, warn) = crate::kernel::write::paced(&ctx.spec, &snap);
        let running = ctx.spec.running(snap.state.as_str());
        b.items.push(vec![
            s(&id), s("work_order"), s(&number), s(snap.state.as_str()), i(events.len() as i64), s(&subject),
            so(snap.lead_unit_id()), i(to_ms(created)), i(to_ms(last)), io(snap.closed_at.map(to_ms)),
            io(due), io(warn), i(i64::from(snap.pending_extension.is_some())),
        ]);
        b.orders.push(vec![
            s(&id), s(channel.as_str()), s(order_type.as_str()), s(urgency.as_str()), s(&category), s(&content),
            so(r.address.clone()), Owned::F(None), Owned::F(None), so(r.citizen_name.clone()), so(phone.clone()),
            i(i64::from(r.confidential)), s(""), so(snap.answer.clone()), so(snap.satisfaction.map(|x| x.as_str())),
            i(i64::from(snap.reopen_count)), i(0), so(repeat_of.clone()), i(to_ms(created)),
        ]);
        for (n, a) in snap.assignments.iter().enumerate() {
            b.assignments.push(vec![
                s(&id), i(n as i64), s(&a.unit_id), s(a.role.as_str()), i(i64::from(a.active)), i(to_ms(a.assigned_at)),
                io(a.signed_at.map(to_ms)), so(a.outcome.clone()),
            ]);
        }
        for (k, d) in &snap.deadlines {
            // Warnings owed before the import are settled (the order still shows yellow or red):
            // importing history must not set off a burst of alarms, only those still ahead.
            let warned = if d.met_at.is_some() || d.due.at <= ctx.now {
                2
            } else if d.warn_at <= ctx.now {
                1
            } else {
                0
            };
            b.deadlines.push(vec![
                s(&id), s(k.as_str()), i(to_ms(d.due.at)), i(i64::from(d.due.provisional)), io(d.met_at.map(to_ms)),
                i(1), i(warned), i(to_ms(d.started_at)), i(to_ms(d.warn_at)), i(i64::from(d.working)),
                i(i64::from(running.contains(&k.as_str()))),
            ]);
        }
        let dl = |k| snap.deadlines.get(&k);
        use hotline::DeadlineKind as K;
        let dispatched_at = snap.assignments.iter().map(|a| a.assigned_at).min();
        let answered_at = dl(K::Answer).and_then(|d| d.met_at);
        let handling = match (dispatched_at, answered_at) {
            (Some(a), Some(z)) => Some(ctx.cal.working_minutes_between(a, z).0),
            _ => None,
        };
        b.facts.push(vec![
            s(&id), so(responsible_unit(&snap)), i(to_ms(created)), s(channel.as_str()), s(order_type.as_str()), s(&category),
            s(snap.state.as_str()), io(dispatched_at.map(to_ms)), io(dl(K::Sign).map(|d| to_ms(d.due.at))),
            io(dl(K::Sign).and_then(|d| d.met_at).map(to_ms)), io(dl(K::Answer).map(|d| to_ms(d.due.at))),
            io(answered_at.map(to_ms)), io(dl(K::Close).map(|d| to_ms(d.due.at))),
            io(snap.closed_at.filter(|_| snap.state == State::Closed).map(to_ms)),
            so(snap.satisfaction.map(|x| x.as_str())), i(i64::from(snap.reopen_count)), i(i64::from(repeat_of.is_some())),
            i(0), io(handling),
        ]);
        let mut prev = String::new();
        for (seq, (at, action, actor, from, to, details)) in events.iter().enumerate() {
            let seq = seq as i64 + 1;
            let details = details.to_string();
            let who = actor.user_id().map(str::to_string);
            let hash = digest(&prev, &id, seq, *at, action, who.as_deref().unwrap_or(actor.role_str()), &details);
            b.events.push(vec![
                s(&id), i(seq), s("work_order"), i(*at), s(*action), so(who), s(actor.display_name()), s(actor.role_str()),
                so(actor.unit_id()), s(&actor.ip), so(*from), s(*to), s(details), s(&prev), s(&hash),
            ]);
            prev = hash;
        }
        b.heads.push(vec![s(&id), i(events.len() as i64), s(prev)]);
        // Searchable in the same transaction as the order.
        let text = crate::search::order_text(&subject, &content, r.address.as_deref());
        let mut rows = vec![Store::index_row(&ctx.seg, &id, "order", &text)];
        if let Some(a) = snap.answer.as_deref().filter(|a| !a.is_empty()) {
            rows.push(Store::index_row(&ctx.seg, &id, "answer", a));
        }
        for row in rows.into_iter().filter(|r| !r.terms.is_empty()) {
            b.search.push(vec![s(row.doc_id), s(row.kind), s(row.terms)]);
        }
        b.count += 1;
    Ok(())
}

/// How far a resumable import has come, written with the batch that brings it there.
struct Progress {
    source: String,
    line: i64,
    skipped: i64,
}

type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// The page cache of an import's connection on SQLite, in KiB.
const IMPORT_CACHE_KIB: i64 = 512 * 1024;

async fn write_batch(
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
