//! 领导驾驶舱: the figures a leader reads at a glance — daily volume, the open orders by
//! deadline colour and unit, the busiest categories and places.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::db::{Store, StoreError, to_ms};
use crate::kernel::figures::OpenWork;

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
