//! Rows written many to a statement: an import's batches, and the registrations that a group
//! commit writes together.
//!
//! Whoever makes rows pushes them here, per table, as owned values; [`Batch::write`] inserts
//! them with multi-row INSERTs, table by table in a fixed order, and adds the new orders'
//! statistics facts to the daily roll-ups. Only rows that nothing reads before the transaction
//! commits belong here (new items, their events, search words and facts).

use sanfu_domain::Actor;
use sqlx::AnyConnection;

use crate::db::StoreError;
use crate::events::digest;

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Owned {
    S(Option<String>),
    I(Option<i64>),
    /// A number, bound as text and cast by the SQL (see [`crate::db::float_text`]).
    F(Option<f64>),
    B(Vec<u8>),
}

pub(crate) fn s(v: impl Into<String>) -> Owned {
    Owned::S(Some(v.into()))
}
pub(crate) fn so(v: Option<impl Into<String>>) -> Owned {
    Owned::S(v.map(Into::into))
}
pub(crate) fn i(v: i64) -> Owned {
    Owned::I(Some(v))
}
pub(crate) fn io(v: Option<i64>) -> Owned {
    Owned::I(v)
}

pub(crate) const ITEM_COLS: &str = "id, kind, number, state, version, title, lead_unit_id, created_at, updated_at, closed_at, due_at, warn_at, extension_pending";
pub(crate) const ORDER_COLS: &str = "id, channel, order_type, urgency, category_id, content, address, lat, lng, citizen_name, citizen_phone, confidential, query_code_hash, answer, satisfaction, reopen_count, extension_days, repeat_of, publish_consent, created_at";
pub(crate) const ASSIGN_COLS: &str = "work_id, idx, unit_id, role, active, assigned_at, signed_at, outcome";
pub(crate) const DEADLINE_COLS: &str = "work_id, kind, due_at, provisional, met_at, active, warned, started_at, warn_at, working, running";
pub(crate) const FACT_COLS: &str = "id, unit_id, created_at, channel, order_type, category_id, state, dispatched_at, sign_due, signed_at, answer_due, answered_at, close_due, closed_at, satisfaction, reopen_count, is_repeat, escalated, handling_minutes";
const EVENT_COLS: &str = "entity_id, seq, entity_kind, at, action, actor_id, actor_name, actor_role, actor_unit_id, ip, from_state, to_state, details, prev_hash, hash";
const HEAD_COLS: &str = "entity_id, seq, last_hash";
const SEARCH_COLS: &str = "doc_id, kind, terms";
pub(crate) const PHOTO_COLS: &str = "id, work_id, name, content_type, size, data, created_at";

/// Rows waiting to be written, per table.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) items: Vec<Vec<Owned>>,
    pub(crate) orders: Vec<Vec<Owned>>,
    pub(crate) photos: Vec<Vec<Owned>>,
    pub(crate) assignments: Vec<Vec<Owned>>,
    pub(crate) deadlines: Vec<Vec<Owned>>,
    pub(crate) facts: Vec<Vec<Owned>>,
    events: Vec<Vec<Owned>>,
    heads: Vec<Vec<Owned>>,
    search: Vec<Vec<Owned>>,
    /// Counters to move up to at least a number taken ahead of the transaction (see
    /// `kernel::numbers::Ahead`).
    floors: Vec<(String, i64)>,
    /// The calendar's offset from UTC in ms, for the facts' local days in the roll-ups.
    pub(crate) offset_ms: i64,
    /// Orders staged.
    pub(crate) count: usize,
}

/// One event of a new entity's chain.
pub(crate) struct NewEventRow {
    pub(crate) at: i64,
    pub(crate) action: &'static str,
    pub(crate) actor: Actor,
    pub(crate) from: Option<&'static str>,
    pub(crate) to: &'static str,
    pub(crate) details: serde_json::Value,
}

impl Batch {
    pub(crate) fn append(&mut self, mut other: Batch) {
        self.items.append(&mut other.items);
        self.orders.append(&mut other.orders);
        self.photos.append(&mut other.photos);
        self.assignments.append(&mut other.assignments);
        self.deadlines.append(&mut other.deadlines);
        self.facts.append(&mut other.facts);
        self.events.append(&mut other.events);
        self.heads.append(&mut other.heads);
        self.search.append(&mut other.search);
        self.floors.append(&mut other.floors);
        if other.count > 0 {
            self.offset_ms = other.offset_ms;
        }
        self.count += other.count;
    }

    /// The whole event chain of a new entity, its first event first, and the chain's head.
    pub(crate) fn chain(&mut self, entity_id: &str, entity_kind: &str, events: Vec<NewEventRow>) {
        let mut prev = String::new();
        let n = events.len() as i64;
        for (seq, e) in events.into_iter().enumerate() {
            let seq = seq as i64 + 1;
            let details = e.details.to_string();
            let who = e.actor.user_id().map(str::to_string);
            let hash = digest(&prev, entity_id, seq, e.at, e.action, who.as_deref().unwrap_or(e.actor.role_str()), &details);
            self.events.push(vec![
                s(entity_id), i(seq), s(entity_kind), i(e.at), s(e.action), so(who), s(e.actor.display_name()),
                s(e.actor.role_str()), so(e.actor.unit_id()), s(&e.actor.ip), so(e.from), s(e.to), s(details), s(&prev), s(&hash),
            ]);
            prev = hash;
        }
        self.heads.push(vec![s(entity_id), i(n), s(prev)]);
    }

    /// Counter `name` is to be at least `value` when the rows are written.
    pub(crate) fn counter_floor(&mut self, name: &str, value: i64) {
        self.floors.push((name.to_string(), value));
    }

    /// A new document's search words (none: nothing to find it by).
    pub(crate) fn search(&mut self, row: crate::search::IndexRow) {
        if !row.terms.is_empty() {
            self.search.push(vec![s(row.doc_id), s(row.kind), s(row.terms)]);
        }
    }

    /// Every row, in the caller's transaction.
    pub(crate) async fn write(&self, conn: &mut AnyConnection, sqlite: bool) -> Result<(), StoreError> {
        let mut floors: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for (name, value) in &self.floors {
            let f = floors.entry(name.as_str()).or_insert(*value);
            *f = (*f).max(*value);
        }
        for (name, value) in floors {
            crate::kernel::numbers::raise(&mut *conn, name, value).await?;
        }
        insert_rows(&mut *conn, sqlite, "work_items", ITEM_COLS, &self.items).await?;
        insert_rows(&mut *conn, sqlite, "work_orders", ORDER_COLS, &self.orders).await?;
        insert_rows(&mut *conn, sqlite, "photos", PHOTO_COLS, &self.photos).await?;
        insert_rows(&mut *conn, sqlite, "assignments", ASSIGN_COLS, &self.assignments).await?;
        insert_rows(&mut *conn, sqlite, "deadlines", DEADLINE_COLS, &self.deadlines).await?;
        insert_rows(&mut *conn, sqlite, "order_facts", FACT_COLS, &self.facts).await?;
        let ids: Vec<String> =
            self.facts.iter().filter_map(|r| match r.first() { Some(Owned::S(Some(id))) => Some(id.clone()), _ => None }).collect();
        crate::hotline::rollup::add_many(&mut *conn, sqlite, &ids, self.offset_ms).await?;
        insert_rows(&mut *conn, sqlite, "events", EVENT_COLS, &self.events).await?;
        insert_rows(&mut *conn, sqlite, "event_heads", HEAD_COLS, &self.heads).await?;
        insert_rows(&mut *conn, sqlite, "search_docs", SEARCH_COLS, &self.search).await?;
        Ok(())
    }
}

/// Bind one value (a number as text: its placeholder is cast by the SQL).
pub(crate) fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &'q Owned,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match v {
        Owned::S(x) => q.bind(x.as_deref()),
        Owned::I(x) => q.bind(*x),
        Owned::F(x) => q.bind(crate::db::float_text(*x)),
        Owned::B(x) => q.bind(x.as_slice()),
    }
}

/// Multi-row INSERTs, chunked to stay under both backends' limits on bound parameters.
///
/// SQLite gets anonymous `?` placeholders: for numbered or named ones the driver asks SQLite for
/// each parameter's name, a lookup that scans them all, which turns a statement with thousands of
/// parameters quadratic (it was 94% of an import's time). A chunk holds a power of two of rows,
/// so that the few shapes of statement stay prepared on the connection whatever the number of
/// rows (a group commit writes anything from one to hundreds).
async fn insert_rows(conn: &mut AnyConnection, sqlite: bool, table: &str, cols: &str, rows: &[Vec<Owned>]) -> Result<(), StoreError> {
    let Some(first) = rows.first() else { return Ok(()) };
    let width = first.len();
    let most = (30_000 / width).clamp(1, 1024);
    let mut rest = rows;
    while !rest.is_empty() {
        let take = 1usize << rest.len().min(most).ilog2();
        let (chunk, after) = rest.split_at(take);
        rest = after;
        let mut sql = String::with_capacity(chunk.len() * width * 6 + 100);
        sql.push_str(&format!("INSERT INTO {table} ({cols}) VALUES "));
        let mut n = 0;
        for (ri, row) in chunk.iter().enumerate() {
            sql.push_str(if ri > 0 { ",(" } else { "(" });
            for (ci, v) in row.iter().enumerate() {
                if ci > 0 {
                    sql.push(',');
                }
                n += 1;
                let mark = if sqlite { "?".to_string() } else { format!("${n}") };
                match v {
                    Owned::F(_) => sql.push_str(&format!("CAST({mark} AS DOUBLE PRECISION)")),
                    _ => sql.push_str(&mark),
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk.iter().flatten() {
            q = bind(q, v);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
