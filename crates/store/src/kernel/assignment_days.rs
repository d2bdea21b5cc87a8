//! Per kind of work, unit and local day: the lead assignments received (a district's
//! forwarding to a street included) and how many of them ended in an approved return — the
//! return rate's daily roll-up (`assignment_days`), kept in the same transaction as every
//! assignment written, added by imports, recomputed by `sanfu stats rebuild`.
//!
//! The day is the local day by the offset the roll-ups were built with (`rollup_offset` in
//! `settings`, written by [`rebuild`]).

use sqlx::AnyConnection;

use crate::db::StoreError;

const ASSIGNED_DAY: &str = "(assigned_at + (SELECT CAST(value AS BIGINT) FROM settings WHERE key = 'rollup_offset')) / 86400000";

const COUNTED: &str = "role IN ('lead', 'forwarded')";

const UPSERT: &str = " ON CONFLICT (kind, unit_id, day) DO UPDATE SET assignments = assignment_days.assignments + excluded.assignments,
    returned = assignment_days.returned + excluded.returned";

fn grouped_select(filter: &str) -> String {
    format!(
        "INSERT INTO assignment_days (kind, unit_id, day, assignments, returned)
         SELECT kind, unit_id, {ASSIGNED_DAY}, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN outcome = 'returned' THEN 1 ELSE 0 END) AS BIGINT)
         FROM assignments WHERE {filter} AND {COUNTED} GROUP BY 1, 2, 3"
    )
}

/// Add (`sign` 1) or take out (-1) assignment `idx` of item `work_id` as it now is.
pub(crate) async fn apply(conn: &mut AnyConnection, work_id: &str, idx: i64, sign: i64) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO assignment_days (kind, unit_id, day, assignments, returned)
         SELECT kind, unit_id, {ASSIGNED_DAY}, $3, $3 * (CASE WHEN outcome = 'returned' THEN 1 ELSE 0 END)
         FROM assignments WHERE work_id = $1 AND idx = $2 AND {COUNTED}{UPSERT}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(work_id).bind(idx).bind(sign).execute(&mut *conn).await?;
    Ok(())
}

/// Add every assignment of the items `ids` (just imported); `marks` are their placeholders.
pub(crate) async fn add_many(conn: &mut AnyConnection, ids: &[String], marks: &[String]) -> Result<(), StoreError> {
    let sql = format!("{}{UPSERT}", grouped_select(&format!("work_id IN ({})", marks.join(", "))));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Recompute the table from every assignment, with local days at `offset_ms` from UTC.
pub(crate) async fn rebuild(conn: &mut AnyConnection, offset_ms: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ('rollup_offset', $1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(offset_ms.to_string())
    .bind(crate::db::now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM assignment_days").execute(&mut *conn).await?;
    sqlx::query(sqlx::AssertSqlSafe(grouped_select("1 = 1"))).execute(&mut *conn).await?;
    Ok(())
}
