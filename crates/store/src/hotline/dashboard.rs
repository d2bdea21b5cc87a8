//! 领导驾驶舱: the figures a leader reads at a glance — daily volume, the open orders by
//! deadline colour and unit, the busiest categories and places.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::db::{Store, StoreError, to_ms};
use crate::hotline::stats::RankRow;
use crate::kept::{Kept, Term};
use crate::kernel::figures::OpenWork;

/// How long the dashboard's figures from the roll-ups are shown before a reader has them read
/// again (in the background); past a minute, the reader waits for fresh ones: the open work's
/// term, so that the page's figures are of the same age.
const ROLLUP_TERM: Term = crate::kernel::figures::OPEN_WORK_TERM;

/// The dashboard's figures of the last 30 days from the roll-ups, for one scope, as read at `at`.
#[derive(Debug, Clone)]
pub struct RecentFigures {
    pub at: DateTime<Utc>,
    /// Orders registered on each of the 30 local days up to today, oldest first.
    pub days: Vec<DayCount>,
    /// The ten busiest categories and places since the local day 30 days ago.
    pub categories: Vec<Busiest>,
    pub places: Vec<Busiest>,
}

/// The units of a scope (`None`: the whole city) and the local day the figures end on.
type RecentKey = (Option<Vec<String>>, NaiveDate);

#[derive(Debug, Clone, Serialize)]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: i64,
}

/// Open orders of one unit by the colour of the deadline they run against.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpenByUnit {
    pub unit_id: String,
    pub unit_name: String,
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Busiest {
    pub label: String,
    pub count: i64,
}

impl Store {
    /// The dashboard's figures of the last 30 days up to `today` for the units in `units` (or
    /// the whole city), as kept: read at most ten seconds ago, or at most a minute ago while
    /// fresh ones are read behind the reader (see [`ROLLUP_TERM`]). Each sums a month of the
    /// roll-ups' rows; a leader's view reads the kept ones, as it does the open work, and says
    /// when they were read.
    pub async fn recent_figures(&self, today: NaiveDate, units: Option<&[String]>) -> Result<Arc<RecentFigures>, StoreError> {
        let store = self.clone();
        let key: RecentKey = (units.map(<[String]>::to_vec), today);
        let scope = key.0.clone();
        self.slots
            .get_or_default::<Kept<RecentKey, Arc<RecentFigures>>>()
            .get(key, ROLLUP_TERM, "驾驶舱受理量", move || async move {
                let at = Utc::now();
                let since = store.local_midnight(today - Duration::days(30));
                let units = scope.as_deref();
                let (days, categories, places) = tokio::try_join!(
                    store.daily_volume(today, 30, units),
                    store.busiest_categories(since, units, 10),
                    store.busiest_places(since, units, 10),
                )?;
                Ok(Arc::new(RecentFigures { at, days, categories, places }))
            })
            .await
    }

    /// The ranking of `year`-`month` ([`Store::ranking`]) as kept for the dashboards, on the
    /// same term as [`Store::recent_figures`]: every leader's dashboard shows the same month's.
    pub async fn ranking_kept(&self, year: i32, month: u32) -> Result<Arc<Vec<RankRow>>, StoreError> {
        let store = self.clone();
        self.slots
            .get_or_default::<Kept<(i32, u32), Arc<Vec<RankRow>>>>()
            .get((year, month), ROLLUP_TERM, "驾驶舱排名", move || async move { store.ranking(year, month).await.map(Arc::new) })
            .await
    }

    /// Orders registered on each of the `days` local days up to `today`, oldest first, for the
    /// units in `units` (their lead unit), or all orders.
    pub async fn daily_volume(&self, today: NaiveDate, days: i64, units: Option<&[String]>) -> Result<Vec<DayCount>, StoreError> {
        let off = self.offset();
        let first = today - Duration::days(days - 1);
        let start = first.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(off).single()).map(|t| t.with_timezone(&Utc));
        let Some(start) = start else { return Ok(Vec::new()) };
        // From the roll-up per unit and day: a month is a row per unit and day, not every order.
        let (filter, binds) = unit_filter("unit_id", units, 2);
        let sql = format!(
            "SELECT day, CAST(COALESCE(SUM(volume), 0) AS BIGINT) FROM unit_days WHERE day >= $1 {filter} GROUP BY day"
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(self.day_of(to_ms(start)));
        for b in &binds {
            q = q.bind(b);
        }
        let counted: BTreeMap<i64, i64> = q.fetch_all(self.reader()).await?.into_iter().collect();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        Ok((0..days)
            .map(|i| {
                let day = first + Duration::days(i);
                let n = (day - epoch).num_days();
                DayCount { day, count: counted.get(&n).copied().unwrap_or(0) }
            })
            .collect())
    }

    /// Open items of `kind` in `work` by lead unit (in `units`, or all) and the colour of the
    /// due date they are paced by, the most red first.
    pub async fn open_by_unit(&self, work: &OpenWork, kind: &str, units: Option<&[String]>) -> Result<Vec<OpenByUnit>, StoreError> {
        let names: BTreeMap<String, String> = self.units().await?.into_iter().map(|u| (u.id, u.name)).collect();
        let mut v: Vec<OpenByUnit> = work
            .by_unit(kind, units)
            .into_iter()
            .map(|(unit, red, yellow, all)| OpenByUnit {
                unit_name: names.get(&unit).cloned().unwrap_or_default(),
                unit_id: unit,
                red,
                yellow,
                green: all - red - yellow,
            })
            .collect();
        v.sort_by(|a, b| (b.red, b.yellow, b.green).cmp(&(a.red, a.yellow, a.green)).then(a.unit_name.cmp(&b.unit_name)));
        Ok(v)
    }

    /// The places with the most orders registered since the local day of `from` (whole days,
    /// from the roll-up per unit and day): the street or district that handled them.
    pub async fn busiest_places(&self, from: DateTime<Utc>, units: Option<&[String]>, limit: usize) -> Result<Vec<Busiest>, StoreError> {
        let (filter, binds) = unit_filter("f.unit_id", units, 2);
        let sql = format!(
            "SELECT u.name, CAST(SUM(f.volume) AS BIGINT) FROM unit_days f JOIN units u ON u.id = f.unit_id
             WHERE f.day >= $1 AND u.kind IN ('district', 'street', 'zone') {filter}
             GROUP BY u.name HAVING SUM(f.volume) > 0 ORDER BY 2 DESC, 1 LIMIT {limit}"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(self.day_of(to_ms(from)));
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(self.reader()).await?.into_iter().map(|(label, count)| Busiest { label, count }).collect())
    }
}

impl Store {
    /// The categories with the most orders registered since the local day of `from` (whole
    /// days, from the roll-up per unit, day and category).
    pub async fn busiest_categories(&self, from: DateTime<Utc>, units: Option<&[String]>, limit: usize) -> Result<Vec<Busiest>, StoreError> {
        let (filter, binds) = unit_filter("f.unit_id", units, 2);
        let sql = format!(
            "SELECT c.name, CAST(SUM(f.volume) AS BIGINT) FROM category_days f JOIN categories c ON c.id = f.category_id
             WHERE f.day >= $1 {filter} GROUP BY c.name HAVING SUM(f.volume) > 0 ORDER BY 2 DESC, 1 LIMIT {limit}"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(self.day_of(to_ms(from)));
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_all(self.reader()).await?.into_iter().map(|(label, count)| Busiest { label, count }).collect())
    }
}

/// `AND column IN ($n, …)` for a list of units, or nothing for all.
fn unit_filter(column: &str, units: Option<&[String]>, first: usize) -> (String, Vec<String>) {
    match units {
        None => (String::new(), Vec::new()),
        Some([]) => (" AND 1 = 0".into(), Vec::new()),
        Some(list) => (format!(" AND {column} IN {}", crate::db::in_clause(first, list.len()).0), list.to_vec()),
    }
}
