//! Daily roll-ups of the orders' statistics (`order_days`): per unit, local day of
//! registration, category, channel and type, the counts the 三率, the ranking and the
//! dashboard add up. A month of the largest unit is then some thousand small rows, not every
//! order of the month.
//!
//! Two coarser roll-ups keep the same counts per unit and day (`unit_days`: the ranking, the
//! daily volumes and the busiest places read a month of it, a row per unit and day whatever
//! the number of orders) and per unit, day and category (`category_days`: the busiest
//! categories), instead of a month of `order_days`.
//!
//! Every change of an order's `order_facts` row takes the row's old contribution out of its
//! day and puts the new one in, in the same transaction (so the roll-ups never disagree with
//! the orders); imports add a batch's rows at once; `sanfu stats rebuild` recomputes the table
//! from the facts. One contribution is defined once, in SQL, and used by all three.
//!
//! What depends on the clock is not rolled up: an order dispatched and not signed counts
//! against the response rate only once its signing limit has passed, so those (few: the
//! orders waiting to be signed right now) are counted from the facts at the time of reading.

use sqlx::AnyConnection;

use crate::db::{Backend, Store, StoreError};
use crate::hotline::stats::{Counts, counts_of};

/// The roll-ups: each table with the columns of its key beyond the unit and the day (named as
/// in `order_facts`).
const ROLLUPS: [(&str, &str); 3] =
    [("order_days", ", category_id, channel, order_type"), ("unit_days", ""), ("category_days", ", category_id")];

/// The rolled-up counts, in the order [`contributions`] gives them.
pub(crate) const COUNTS: [&str; 17] = [
    "volume",
    "dispatched",
    "signed",
    "signed_on_time",
    "dispatched_signed",
    "answered",
    "answered_on_time",
    "closed",
    "closed_on_time",
    "closed_first_time",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "repeats",
    "handling_minutes",
    "handled",
];

fn case(cond: &str) -> String {
    format!("(CASE WHEN {cond} THEN 1 ELSE 0 END)")
}

/// One `order_facts` row's contribution to each count of [`COUNTS`].
fn contributions() -> [String; 17] {
    [
        "1".to_string(),
        case("dispatched_at IS NOT NULL"),
        case("signed_at IS NOT NULL"),
        case("signed_at IS NOT NULL AND signed_at <= sign_due"),
        case("dispatched_at IS NOT NULL AND signed_at IS NOT NULL"),
        case("answered_at IS NOT NULL"),
        case("answered_at IS NOT NULL AND answered_at <= answer_due"),
        case("closed_at IS NOT NULL AND close_due IS NOT NULL"),
        case("closed_at IS NOT NULL AND close_due IS NOT NULL AND closed_at <= close_due"),
        case("closed_at IS NOT NULL AND close_due IS NOT NULL AND reopen_count = 0"),
        case("satisfaction IS NOT NULL"),
        case("satisfaction = 'satisfied'"),
        case("satisfaction = 'basic'"),
        case("satisfaction = 'unsatisfied'"),
        case("is_repeat = 1"),
        "COALESCE(handling_minutes, 0)".to_string(),
        case("handling_minutes IS NOT NULL"),
    ]
}

/// The key of a facts row in a roll-up with the `extra` key columns; `$off` is the placeholder
/// of the calendar's offset in ms (the day is the local day's number since 1970-01-01).
fn key_of(off: &str, extra: &str) -> String {
    format!("COALESCE(unit_id, ''), (created_at + {off}) / 86400000{extra}")
}

/// Insert into roll-up `table` the summed contributions of the facts rows that `filter` picks,
/// grouped by its key (the day by the offset `off`, a placeholder or a literal).
fn grouped_insert(table: &str, extra: &str, off: &str, filter: &str) -> String {
    let key = key_of(off, extra);
    let sums: Vec<String> = contributions().iter().map(|e| format!("CAST(SUM({e}) AS BIGINT)")).collect();
    format!(
        "INSERT INTO {table} (unit_id, day{extra}, {}) SELECT {key}, {} FROM order_facts WHERE {filter} GROUP BY {key}",
        COUNTS.join(", "),
        sums.join(", ")
    )
}

fn upsert_tail(table: &str, extra: &str) -> String {
    let sets: Vec<String> = COUNTS.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
    format!(" ON CONFLICT (unit_id, day{extra}) DO UPDATE SET {}", sets.join(", "))
}

/// Add (`sign` 1) or take out (-1) the contribution of order `id`'s facts row as it now is.
/// Nothing happens when the order has no facts row yet.
pub(crate) async fn apply(conn: &mut AnyConnection, id: &str, sign: i64, offset_ms: i64) -> Result<(), StoreError> {
    let values: Vec<String> = contributions().iter().map(|e| format!("$3 * {e}")).collect();
    for (table, extra) in ROLLUPS {
        let sql = format!(
            "INSERT INTO {table} (unit_id, day{extra}, {}) SELECT {}, {} FROM order_facts WHERE id = $1{}",
            COUNTS.join(", "),
            key_of("$2", extra),
            values.join(", "),
            upsert_tail(table, extra)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(offset_ms).bind(sign).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Add the contributions of the facts rows `ids` (just inserted by an import). SQLite gets
/// anonymous placeholders (see `insert_rows` in import.rs for why).
pub(crate) async fn add_many(conn: &mut AnyConnection, sqlite: bool, ids: &[String], offset_ms: i64) -> Result<(), StoreError> {
    for chunk in ids.chunks(1000) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| if sqlite { "?".to_string() } else { format!("${}", i + 1) }).collect();
        for (table, extra) in ROLLUPS {
            let filter = format!("id IN ({})", marks.join(", "));
            let sql = format!("{}{}", grouped_insert(table, extra, &offset_ms.to_string(), &filter), upsert_tail(table, extra));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            q.execute(&mut *conn).await?;
        }
        crate::kernel::assignment_days::add_many(&mut *conn, chunk, &marks).await?;
    }
    Ok(())
}

/// What `sanfu stats rebuild` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rebuilt {
    pub orders: i64,
    pub rows: i64,
}

/// A calendar's offset from UTC in milliseconds: the roll-ups' days are local days.
pub(crate) fn offset_ms(offset: chrono::FixedOffset) -> i64 {
    i64::from(offset.local_minus_utc()) * 1000
}

impl Store {
    /// The calendar's offset from UTC in milliseconds (see [`offset_ms`]).
    pub(crate) fn offset_ms(&self) -> i64 {
        offset_ms(self.offset())
    }

    /// Recompute every roll-up from the orders' facts, in one transaction (writers wait).
    pub async fn rebuild_rollups(&self) -> Result<Rebuilt, StoreError> {
        let off = self.offset_ms();
        in_tx!(self, tx => {
            if self.backend() == Backend::Postgres {
                // No order may change between the read and the write.
                sqlx::query("LOCK TABLE order_facts, assignments IN SHARE MODE").execute(&mut *tx).await?;
            }
            crate::kernel::assignment_days::rebuild(&mut tx, off).await?;
            for (table, extra) in ROLLUPS {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
                sqlx::query(sqlx::AssertSqlSafe(grouped_insert(table, extra, "$1", "1 = 1"))).bind(off).execute(&mut *tx).await?;
            }
            let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_facts").fetch_one(&mut *tx).await?;
            let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_days").fetch_one(&mut *tx).await?;
            Ok(Rebuilt { orders, rows })
        })
    }

    /// At start: build the roll-ups when they were never built for this calendar's offset (a
    /// database from before them, or a city whose zone changed).
    pub(crate) async fn init_rollups(&self) -> Result<(), StoreError> {
        let built: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'rollup_offset'")
            .fetch_optional(self.pool())
            .await?;
        if built.as_deref() != Some(self.offset_ms().to_string().as_str()) {
            let r = self.rebuild_rollups().await?;
            if r.orders > 0 {
                tracing::info!(orders = r.orders, rows = r.rows, "已按日汇总统计数据");
            }
        }
        Ok(())
    }
}

fn sums() -> String {
    COUNTS.iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The local day number of a moment (ms): the roll-ups' `day`.
    pub(crate) fn day_of(&self, ms: i64) -> i64 {
        (ms + self.offset_ms()).div_euclid(86_400_000)
    }

    /// The roll-ups of the days `a`..`b` (ms, local midnights) per channel, type and category,
    /// of the units `scope` (every order, dispatched or not, when `None`).
    pub(crate) async fn rollup_rows(&self, scope: Option<&[String]>, a: i64, b: i64) -> Result<Vec<(String, String, String, Counts)>, StoreError> {
        use sqlx::Row;
        let unit_cond = scope.map(|s| format!(" AND unit_id IN {}", crate::db::in_clause(3, s.len()).0)).unwrap_or_default();
        let sql = format!(
            "SELECT channel, order_type, category_id, {} FROM order_days WHERE day >= $1 AND day < $2{unit_cond}
             GROUP BY channel, order_type, category_id",
            sums()
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.day_of(a)).bind(self.day_of(b));
        for u in scope.into_iter().flatten() {
            q = q.bind(u.clone());
        }
        let mut out = Vec::new();
        for r in q.fetch_all(self.reader()).await? {
            out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, counts_of(&r, 3)?));
        }
        Ok(out)
    }

    /// The roll-ups of the days `a`..`b` per unit (dispatched orders only).
    pub(crate) async fn rollup_by_unit(&self, a: i64, b: i64) -> Result<Vec<(String, Counts)>, StoreError> {
        use sqlx::Row;
        let sql = format!("SELECT unit_id, {} FROM unit_days WHERE day >= $1 AND day < $2 AND unit_id <> '' GROUP BY unit_id", sums());
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.day_of(a)).bind(self.day_of(b)).fetch_all(self.reader()).await?;
        let mut out = Vec::new();
        for r in rows {
            out.push((r.try_get(0)?, counts_of(&r, 1)?));
        }
        Ok(out)
    }

    /// Orders registered in `a`..`b`, dispatched, not signed, and past their signing limit at
    /// `now`, per unit (of `scope`, or all): what the clock adds to the response rate's
    /// denominator. Read from the facts through the index of the unsigned orders.
    pub(crate) async fn unsigned_overdue(&self, scope: Option<&[String]>, a: i64, b: i64, now: i64) -> Result<Vec<(String, i64)>, StoreError> {
        // The time and the unit are compared as expressions, so that the index of unsigned
        // orders (a handful past their limit) is the only way in: PostgreSQL's plan for any
        // parameters read the month's 82,000 facts by their time instead (16 ms against
        // 0.03 ms at a million orders).
        let unit_cond = scope.map(|s| format!(" AND COALESCE(unit_id, '') IN {}", crate::db::in_clause(4, s.len()).0)).unwrap_or_default();
        let sql = format!(
            "SELECT COALESCE(unit_id, ''), COUNT(*) FROM order_facts
             WHERE signed_at IS NULL AND sign_due <= $1 AND dispatched_at IS NOT NULL AND created_at + 0 >= $2 AND created_at + 0 < $3{unit_cond}
             GROUP BY COALESCE(unit_id, '')"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(now).bind(a).bind(b);
        for u in scope.into_iter().flatten() {
            q = q.bind(u.clone());
        }
        Ok(q.fetch_all(self.reader()).await?)
    }
}

impl Store {
    /// Lead assignments received in the days `a`..`b` (ms, local midnights) and how many of them
    /// ended in an approved return, per unit (of `scope`, or all), from the roll-up.
    pub(crate) async fn returns_by_unit(&self, scope: Option<&[String]>, a: i64, b: i64) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let unit_cond = scope.map(|s| format!(" AND unit_id IN {}", crate::db::in_clause(3, s.len()).0)).unwrap_or_default();
        let sql = format!(
            "SELECT unit_id, CAST(COALESCE(SUM(assignments), 0) AS BIGINT), CAST(COALESCE(SUM(returned), 0) AS BIGINT)
             FROM assignment_days WHERE kind = 'work_order' AND day >= $1 AND day < $2{unit_cond} GROUP BY unit_id"
        );
        let mut q = sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(self.day_of(a)).bind(self.day_of(b));
        for u in scope.into_iter().flatten() {
            q = q.bind(u.clone());
        }
        Ok(q.fetch_all(self.reader()).await?)
    }
}
