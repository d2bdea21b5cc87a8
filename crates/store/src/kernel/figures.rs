//! The leaders' figures of every kind of work at once: how many items are open, how many are
//! close to or past the due date they are paced by, and how many cards units were shown.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{Store, StoreError, in_clause, to_ms};

/// One kind's open work at a moment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindFigures {
    pub kind: &'static str,
    pub label: &'static str,
    pub open: i64,
    /// Most of the time used (黄).
    pub yellow: i64,
    /// Past due (红).
    pub red: i64,
    /// Cards shown (and not revoked) since `since`.
    pub cards: i64,
}

impl Store {
    /// Every known kind's open items at `now` (led by `units`, or all), and the cards shown
    /// since `since`; kinds in the order they were made known, those with nothing open included.
    pub async fn open_by_kind(&self, now: DateTime<Utc>, since: DateTime<Utc>, units: Option<&[String]>) -> Result<Vec<KindFigures>, StoreError> {
        // The unit is compared as an expression, not the bare column: the open items are a few
        // percent of all, and their partial index is the way to them; offered the lead unit's
        // own index for a leader's fifty units, SQLite reads every item those units ever had
        // (2 s at a million orders instead of 10 ms).
        let (filter, card_filter, binds) = match units {
            None => (String::new(), String::new(), Vec::new()),
            Some(list) => {
                let (clause, _) = in_clause(2, list.len());
                (format!(" AND COALESCE(w.lead_unit_id, '') IN {clause}"), format!(" AND c.unit_id IN {clause}"), list.to_vec())
            }
        };
        let sql = format!(
            "SELECT w.kind, COUNT(*), SUM(CASE WHEN w.due_at < $1 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN w.due_at >= $1 AND w.warn_at <= $1 THEN 1 ELSE 0 END)
             FROM work_items w WHERE w.closed_at IS NULL{filter} GROUP BY w.kind"
        );
        let t = to_ms(now);
        let mut q = sqlx::query_as::<_, (String, i64, Option<i64>, Option<i64>)>(sqlx::AssertSqlSafe(sql)).bind(t);
        for b in &binds {
            q = q.bind(b);
        }
        let open = q.fetch_all(self.reader()).await?;
        let sql = format!(
            "SELECT w.kind, COUNT(*) FROM cards c JOIN work_items w ON w.id = c.work_id
             WHERE c.issued_at >= $1 AND c.revoked_at IS NULL{card_filter} GROUP BY w.kind"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(to_ms(since));
        for b in &binds {
            q = q.bind(b);
        }
        let cards = q.fetch_all(self.reader()).await?;
        Ok(self
            .kind_specs()
            .iter()
            .map(|k| {
                let o = open.iter().find(|r| r.0 == k.name);
                KindFigures {
                    kind: k.name,
                    label: k.label,
                    open: o.map(|r| r.1).unwrap_or(0),
                    red: o.and_then(|r| r.2).unwrap_or(0),
                    yellow: o.and_then(|r| r.3).unwrap_or(0),
                    cards: cards.iter().find(|r| r.0 == k.name).map(|r| r.1).unwrap_or(0),
                }
            })
            .collect())
    }
}
