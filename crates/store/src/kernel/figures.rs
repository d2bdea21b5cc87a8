//! The leaders' figures of every kind of work at once: how many items are open, how many are
//! close to or past the due date they are paced by, and how many cards units were shown.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{Store, StoreError, in_clause, to_ms};
use crate::kept::{Kept, Term};

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

/// How long the city's open work, as counted, is shown before a reader has it counted again (in
/// the background); past a minute, the reader waits for a fresh count.
pub(crate) const OPEN_WORK_TERM: Term = Term { fresh: std::time::Duration::from_secs(10), usable: std::time::Duration::from_secs(60) };

/// Open items of one kind led by one unit (none: not handed out yet), with a due date or
/// without, by the colour of the due date they are paced by.
#[derive(Debug, Clone)]
struct OpenCount {
    kind: String,
    unit: Option<String>,
    paced: bool,
    open: i64,
    red: i64,
    yellow: i64,
}

/// The city's open work by kind, lead unit and colour, as counted at `at`: what the leaders'
/// dashboard shows, each leader the units of the portfolio.
#[derive(Debug, Clone)]
pub struct OpenWork {
    pub at: DateTime<Utc>,
    rows: Vec<OpenCount>,
}

impl OpenWork {
    fn of<'a>(&'a self, units: Option<&'a [String]>) -> impl Iterator<Item = &'a OpenCount> + 'a {
        self.rows.iter().filter(move |r| units.is_none_or(|list| r.unit.as_ref().is_some_and(|u| list.contains(u))))
    }

    /// Open items of `kind` with a due date by lead unit (in `units`, or all): (unit, red,
    /// yellow, all).
    pub fn by_unit(&self, kind: &str, units: Option<&[String]>) -> Vec<(String, i64, i64, i64)> {
        self.of(units)
            .filter(|r| r.kind == kind && r.paced)
            .filter_map(|r| Some((r.unit.clone()?, r.red, r.yellow, r.open)))
            .collect()
    }
}

impl Store {
    /// The city's open work (every kind, unit and colour) as kept: counted at most ten seconds
    /// ago, or at most a minute ago while a fresh count is made behind the reader; older, it is
    /// counted while the reader waits (see [`OPEN_WORK_TERM`]). At ten million orders the open
    /// ones are a few hundred thousand, too many to count on every view of every leader; a view
    /// reads the kept count and says when it was made.
    pub async fn open_work(&self) -> Result<Arc<OpenWork>, StoreError> {
        let store = self.clone();
        self.slots
            .get_or_default::<Kept<(), Arc<OpenWork>>>()
            .get((), OPEN_WORK_TERM, "在办数", move || async move { store.count_open_work().await.map(Arc::new) })
            .await
    }

    async fn count_open_work(&self) -> Result<OpenWork, StoreError> {
        let at = Utc::now();
        // From the partial index of open items, which holds every column asked for.
        let rows: Vec<(String, Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT w.kind, w.lead_unit_id, CAST(CASE WHEN w.due_at IS NULL THEN 0 ELSE 1 END AS BIGINT), COUNT(*),
                    CAST(SUM(CASE WHEN w.due_at < $1 THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN w.due_at >= $1 AND w.warn_at <= $1 THEN 1 ELSE 0 END) AS BIGINT)
             FROM work_items w WHERE w.closed_at IS NULL
             GROUP BY w.kind, w.lead_unit_id, CASE WHEN w.due_at IS NULL THEN 0 ELSE 1 END",
        )
        .bind(to_ms(at))
        .fetch_all(self.reader())
        .await?;
        let rows = rows
            .into_iter()
            .map(|(kind, unit, paced, open, red, yellow)| OpenCount { kind, unit, paced: paced == 1, open, red, yellow })
            .collect();
        Ok(OpenWork { at, rows })
    }

    /// The cards (黄牌, 红牌) shown since `since` to `units` (or to any unit), by kind.
    pub async fn cards_by_kind(&self, since: DateTime<Utc>, units: Option<&[String]>) -> Result<Vec<(String, i64)>, StoreError> {
        let (card_filter, binds) = match units {
            None => (String::new(), Vec::new()),
            Some(list) => {
                let (clause, _) = in_clause(2, list.len());
                (format!(" AND c.unit_id IN {clause}"), list.to_vec())
            }
        };
        let sql = format!(
            "SELECT w.kind, COUNT(*) FROM cards c JOIN work_items w ON w.id = c.work_id
             WHERE c.issued_at >= $1 AND c.revoked_at IS NULL{card_filter} GROUP BY w.kind"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(to_ms(since));
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(self.reader()).await?)
    }

    /// Every known kind's open items in `work` (led by `units`, or all), with its `cards` (of
    /// [`Store::cards_by_kind`]); kinds in the order they were made known, those with nothing
    /// open included.
    pub fn open_by_kind(&self, work: &OpenWork, cards: &[(String, i64)], units: Option<&[String]>) -> Vec<KindFigures> {
        self.kind_specs()
            .iter()
            .map(|k| {
                let mut f = KindFigures { kind: k.name, label: k.label, open: 0, yellow: 0, red: 0, cards: 0 };
                for r in work.of(units).filter(|r| r.kind == k.name) {
                    f.open += r.open;
                    f.red += r.red;
                    f.yellow += r.yellow;
                }
                f.cards = cards.iter().find(|r| r.0 == k.name).map(|r| r.1).unwrap_or(0);
                f
            })
            .collect()
    }
}
