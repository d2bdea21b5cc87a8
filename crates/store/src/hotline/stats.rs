//! Statistics of hotline work per unit (with the units below it) and period, and the monthly
//! ranking of units, all from `order_facts`.
//!
//! Definitions (an order belongs to the period by its registration time, and to the unit that
//! answers for it: the lead unit, or the street a district forwarded it to):
//! - **volume** 受理量: orders registered in the period.
//! - **on-time signing rate** 按时签收率: signed within the signing limit ÷ signed.
//! - **on-time answer rate** 按时答复率: (last) answer within the answer limit ÷ answered.
//! - **on-time closing rate** 按时办结率: closed within the closing limit ÷ closed (dispatched orders).
//! - **response rate** 响应率: signed within the limit ÷ dispatched orders whose signing was due
//!   (signed, or past the signing limit unsigned) — an order nobody signed counts against it.
//! - **resolution rate** 解决率: closed without being reopened (重办) ÷ closed (dispatched orders).
//! - **satisfaction rate** 满意率: rated 满意 or 基本满意 ÷ rated at call-back.
//! - **return rate** 退单率: lead assignments received in the period that ended in an approved
//!   return ÷ lead assignments received in the period (by the unit and those below it).
//! - **repeat rate** 重复来电率: orders repeating the same caller's order in the same category
//!   within 30 days ÷ volume.
//! - **average handling time** 平均办理时长: working hours from the first dispatch to the (last)
//!   answer, over answered orders.
//!
//! A rate whose denominator is 0 is `null`, not 0 or 100%.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sanfu_domain::hotline::{Channel, OrderType};
use sanfu_domain::{DomainError, Role, Staff, UnitKind};
use serde::Serialize;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Store, StoreError, to_ms};
use crate::org::{Unit, subtree};

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Counts {
    pub volume: i64,
    pub dispatched: i64,
    pub signed: i64,
    pub signed_on_time: i64,
    pub sign_due: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub closed_first_time: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub basic: i64,
    pub unsatisfied: i64,
    pub repeats: i64,
    pub handling_minutes: i64,
    pub handled: i64,
    pub assignments: i64,
    pub returned: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rates {
    pub on_time_signing: Option<f64>,
    pub on_time_answer: Option<f64>,
    pub on_time_closing: Option<f64>,
    pub response: Option<f64>,
    pub resolution: Option<f64>,
    pub satisfaction: Option<f64>,
    pub returns: Option<f64>,
    pub repeats: Option<f64>,
    pub avg_handling_hours: Option<f64>,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
}

impl Counts {
    pub fn rates(&self) -> Rates {
        Rates {
            on_time_signing: ratio(self.signed_on_time, self.signed),
            on_time_answer: ratio(self.answered_on_time, self.answered),
            on_time_closing: ratio(self.closed_on_time, self.closed),
            response: ratio(self.signed_on_time, self.sign_due),
            resolution: ratio(self.closed_first_time, self.closed),
            satisfaction: ratio(self.satisfied + self.basic, self.rated),
            returns: ratio(self.returned, self.assignments),
            repeats: ratio(self.repeats, self.volume),
            avg_handling_hours: (self.handled > 0)
                .then(|| (self.handling_minutes as f64 / self.handled as f64 / 60.0 * 100.0).round() / 100.0),
        }
    }

    fn add(&mut self, o: &Counts) {
        self.volume += o.volume;
        self.dispatched += o.dispatched;
        self.signed += o.signed;
        self.signed_on_time += o.signed_on_time;
        self.sign_due += o.sign_due;
        self.answered += o.answered;
        self.answered_on_time += o.answered_on_time;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.closed_first_time += o.closed_first_time;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.basic += o.basic;
        self.unsatisfied += o.unsatisfied;
        self.repeats += o.repeats;
        self.handling_minutes += o.handling_minutes;
        self.handled += o.handled;
        self.assignments += o.assignments;
        self.returned += o.returned;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub unit: Option<Unit>,
    pub period: Period,
    pub counts: Counts,
    pub rates: Rates,
    pub by_channel: Vec<Breakdown>,
    pub by_type: Vec<Breakdown>,
    pub by_category: Vec<Breakdown>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// 1, 2, …; 0 for a unit listed apart, with fewer orders than the settings' minimum.
    pub rank: usize,
    /// Whether the unit had enough orders in the month to be ranked (样本不足 otherwise).
    pub ranked: bool,
    pub unit: Unit,
    /// The mean of the response, resolution and satisfaction rates that exist.
    pub score: Option<f64>,
    pub counts: Counts,
    pub rates: Rates,
}

fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN {expr} THEN 1 ELSE 0 END), 0) AS BIGINT)")
}

fn counts_select() -> String {
    [
        "COUNT(*)".to_string(),
        sum("dispatched_at IS NOT NULL"),
        sum("signed_at IS NOT NULL"),
        sum("signed_at IS NOT NULL AND signed_at <= sign_due"),
        sum("dispatched_at IS NOT NULL AND (signed_at IS NOT NULL OR sign_due <= $1)"),
        sum("answered_at IS NOT NULL"),
        sum("answered_at IS NOT NULL AND answered_at <= answer_due"),
        sum("closed_at IS NOT NULL AND close_due IS NOT NULL"),
        sum("closed_at IS NOT NULL AND close_due IS NOT NULL AND closed_at <= close_due"),
        sum("closed_at IS NOT NULL AND close_due IS NOT NULL AND reopen_count = 0"),
        sum("satisfaction IS NOT NULL"),
        sum("satisfaction = 'satisfied'"),
        sum("satisfaction = 'basic'"),
        sum("satisfaction = 'unsatisfied'"),
        sum("is_repeat = 1"),
        "CAST(COALESCE(SUM(handling_minutes), 0) AS BIGINT)".to_string(),
        sum("handling_minutes IS NOT NULL"),
    ]
    .join(", ")
}

/// The 17 columns of [`counts_select`] (or of the roll-ups' sums, in the same order: the
/// orders signed so far in `sign_due`), starting at column `at`.
pub(crate) fn counts_of(r: &AnyRow, at: usize) -> Result<Counts, sqlx::Error> {
    let g = |i: usize| r.try_get::<i64, _>(at + i);
    Ok(Counts {
        volume: g(0)?,
        dispatched: g(1)?,
        signed: g(2)?,
        signed_on_time: g(3)?,
        sign_due: g(4)?,
        answered: g(5)?,
        answered_on_time: g(6)?,
        closed: g(7)?,
        closed_on_time: g(8)?,
        closed_first_time: g(9)?,
        rated: g(10)?,
        satisfied: g(11)?,
        basic: g(12)?,
        unsatisfied: g(13)?,
        repeats: g(14)?,
        handling_minutes: g(15)?,
        handled: g(16)?,
        assignments: 0,
        returned: 0,
    })
}

impl Store {
    pub(crate) fn local_midnight(&self, d: NaiveDate) -> DateTime<Utc> {
        let off = self.offset();
        off.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// The units `staff` may see statistics of: all for the centre, office and administrators;
    /// the portfolio for a leader; the own unit (and those below) for a unit.
    pub async fn may_see_unit(&self, staff: &Staff, unit_id: Option<&str>) -> Result<(), StoreError> {
        if self.sees_whole_city(staff).await? {
            return Ok(());
        }
        let units = self.units().await?;
        let allowed = if staff.has(Role::Leader) {
            staff.portfolio.clone()
        } else {
            subtree(&units, std::slice::from_ref(&staff.unit_id))
        };
        match unit_id {
            Some(u) if allowed.iter().any(|a| a == u) => Ok(()),
            _ => Err(DomainError::forbidden("stats_forbidden", "只能查看本单位（或分管单位）的统计").into()),
        }
    }

    /// Whether `staff` reads the whole city's figures: the centre, the office, administrators,
    /// and a leader whose portfolio holds every unit (the mayor).
    pub async fn sees_whole_city(&self, staff: &Staff) -> Result<bool, StoreError> {
        if staff.sees_all() {
            return Ok(true);
        }
        if !staff.has(Role::Leader) {
            return Ok(false);
        }
        let units = self.units().await?;
        Ok(units.iter().all(|u| staff.portfolio.contains(&u.id)))
    }

    /// The statistics of `unit` (and every unit below it; `None` is the whole city) for the
    /// local dates `from`..=`to`, from the daily roll-ups.
    pub async fn report(&self, unit: Option<&str>, from: NaiveDate, to: NaiveDate) -> Result<Report, StoreError> {
        self.report_from(unit, from, to, true).await
    }

    /// [`Store::report`] counted again from every order's facts row instead of the roll-ups:
    /// what the tests and `sanfu stats check` hold the roll-ups against.
    pub async fn report_recount(&self, unit: Option<&str>, from: NaiveDate, to: NaiveDate) -> Result<Report, StoreError> {
        self.report_from(unit, from, to, false).await
    }

    async fn report_from(&self, unit: Option<&str>, from: NaiveDate, to: NaiveDate, rollups: bool) -> Result<Report, StoreError> {
        if to < from {
            return Err(DomainError::invalid("invalid_period", "结束日期不能早于开始日期").into());
        }
        if (to - from).num_days() > 3660 {
            return Err(DomainError::invalid("invalid_period", "统计区间不能超过十年").into());
        }
        let all = self.units().await?;
        let unit = match unit {
            None => None,
            Some(u) => Some(
                all.iter()
                    .find(|x| x.id == u || x.code == u)
                    .cloned()
                    .ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{u}”不存在")))?,
            ),
        };
        let scope = unit.as_ref().map(|u| subtree(&all, std::slice::from_ref(&u.id)));
        let a = to_ms(self.local_midnight(from));
        let b = to_ms(self.local_midnight(to.succ_opt().unwrap_or(to)));
        let now = to_ms(Utc::now());
        // The period's rows by channel, type and category: the counts and the three breakdowns.
        let rows = if rollups { self.period_rows(scope.as_deref(), a, b, now).await? } else { self.recount_rows(scope.as_deref(), a, b, now).await? };
        let mut counts = Counts::default();
        let mut sums: [BTreeMap<String, i64>; 3] = Default::default();
        for (channel, order_type, category, c) in rows {
            for (m, key) in sums.iter_mut().zip([channel, order_type, category]) {
                *m.entry(key).or_insert(0) += c.volume;
            }
            counts.add(&c);
        }
        let (assignments, returned) = if rollups {
            self.returns_by_unit(scope.as_deref(), a, b).await?.iter().fold((0, 0), |(n, r), x| (n + x.1, r + x.2))
        } else {
            self.return_counts(scope.as_deref(), a, b).await?
        };
        counts.assignments = assignments;
        counts.returned = returned;
        let breakdowns: Vec<Vec<(String, i64)>> = sums
            .into_iter()
            .map(|m| {
                // A day's roll-up can hold nothing any more (its orders went to another unit).
                let mut v: Vec<(String, i64)> = m.into_iter().filter(|(_, n)| *n > 0).collect();
                v.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
                v
            })
            .collect();
        let cats: BTreeMap<String, String> =
            self.categories().await?.into_iter().map(|c| (c.id, c.name)).collect();
        let label = |col: usize, key: &str| -> String {
            match col {
                0 => Channel::parse(key).map(|c| c.label().to_string()),
                1 => OrderType::parse(key).map(|c| c.label().to_string()),
                _ => cats.get(key).cloned(),
            }
            .unwrap_or_else(|| key.to_string())
        };
        let mut lists: Vec<Vec<Breakdown>> = breakdowns
            .into_iter()
            .enumerate()
            .map(|(i, rows)| rows.into_iter().map(|(k, c)| Breakdown { label: label(i, &k), key: k, count: c }).collect())
            .collect();
        let by_category = lists.pop().unwrap_or_default();
        let by_type = lists.pop().unwrap_or_default();
        let by_channel = lists.pop().unwrap_or_default();
        Ok(Report { unit, period: Period { from, to }, rates: counts.rates(), counts, by_channel, by_type, by_category })
    }

    /// The period's roll-ups, with the orders the clock has put past their signing limit.
    async fn period_rows(&self, scope: Option<&[String]>, a: i64, b: i64, now: i64) -> Result<Vec<(String, String, String, Counts)>, StoreError> {
        let mut rows = self.rollup_rows(scope, a, b).await?;
        let late: i64 = self.unsigned_overdue(scope, a, b, now).await?.iter().map(|(_, n)| n).sum();
        match rows.first_mut() {
            Some(r) => r.3.sign_due += late,
            None if late > 0 => rows.push((String::new(), String::new(), String::new(), Counts { sign_due: late, ..Counts::default() })),
            None => {}
        }
        Ok(rows)
    }

    /// The period's rows counted from every order's facts in one pass.
    async fn recount_rows(&self, scope: Option<&[String]>, a: i64, b: i64, now: i64) -> Result<Vec<(String, String, String, Counts)>, StoreError> {
        let unit_cond = match scope {
            Some(s) => format!(" AND unit_id IN {}", crate::db::in_clause(4, s.len()).0),
            None => String::new(),
        };
        let sql = format!(
            "SELECT channel, order_type, category_id, {} FROM order_facts WHERE created_at >= $2 AND created_at < $3{unit_cond}
             GROUP BY channel, order_type, category_id",
            counts_select(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(a).bind(b);
        for u in scope.into_iter().flatten() {
            q = q.bind(u.clone());
        }
        let mut out = Vec::new();
        for row in q.fetch_all(self.reader()).await? {
            out.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, counts_of(&row, 3)?));
        }
        Ok(out)
    }

    async fn return_counts(&self, scope: Option<&[String]>, a: i64, b: i64) -> Result<(i64, i64), StoreError> {
        let unit_cond = match scope {
            Some(s) => format!(" AND unit_id IN {}", crate::db::in_clause(3, s.len()).0),
            None => String::new(),
        };
        let sql = format!(
            "SELECT COUNT(*), {} FROM assignments WHERE kind = 'work_order' AND role IN ('lead', 'forwarded') AND assigned_at >= $1 AND assigned_at < $2{unit_cond}",
            sum("outcome = 'returned'")
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(a).bind(b);
        for u in scope.iter().copied().flatten() {
            q = q.bind(u.clone());
        }
        Ok(q.fetch_one(self.reader()).await?)
    }

    /// The ranking of the units that answer hotline orders (departments, districts with their
    /// streets, zones, utilities) for one month, best first.
    pub async fn ranking(&self, year: i32, month: u32) -> Result<Vec<RankRow>, StoreError> {
        self.ranking_from(year, month, true).await
    }

    /// [`Store::ranking`] counted again from every order's facts row (see [`Store::report_recount`]).
    pub async fn ranking_recount(&self, year: i32, month: u32) -> Result<Vec<RankRow>, StoreError> {
        self.ranking_from(year, month, false).await
    }

    async fn ranking_from(&self, year: i32, month: u32, rollups: bool) -> Result<Vec<RankRow>, StoreError> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| DomainError::invalid("invalid_month", "月份不正确，应为 YYYY-MM"))?;
        let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .ok_or_else(|| DomainError::invalid("invalid_month", "月份不正确"))?;
        let (a, b) = (to_ms(self.local_midnight(from)), to_ms(self.local_midnight(next)));
        let now = to_ms(Utc::now());
        let min = self.desk_settings().await?.ranking_min_orders;
        let all = self.units().await?;
        // Each unit counts towards the top unit it belongs to (a street towards its district).
        let tops: Vec<&Unit> = all
            .iter()
            .filter(|u| u.kind.can_handle() && u.kind != UnitKind::Street)
            .collect();
        let mut top_of: BTreeMap<String, String> = BTreeMap::new();
        for t in &tops {
            for id in subtree(&all, std::slice::from_ref(&t.id)) {
                top_of.entry(id).or_insert_with(|| t.id.clone());
            }
        }
        let per_unit: Vec<(String, Counts)> = if rollups {
            let mut rows = self.rollup_by_unit(a, b).await?;
            for (unit, late) in self.unsigned_overdue(None, a, b, now).await? {
                match rows.iter_mut().find(|(u, _)| *u == unit) {
                    Some((_, c)) => c.sign_due += late,
                    None => rows.push((unit, Counts { sign_due: late, ..Counts::default() })),
                }
            }
            rows
        } else {
            let sql = format!(
                "SELECT unit_id, {} FROM order_facts WHERE created_at >= $2 AND created_at < $3 AND unit_id IS NOT NULL GROUP BY unit_id",
                counts_select()
            );
            let mut out = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(a).bind(b).fetch_all(self.reader()).await? {
                out.push((r.try_get(0)?, counts_of(&r, 1)?));
            }
            out
        };
        let mut per_top: BTreeMap<String, Counts> = BTreeMap::new();
        for (unit, c) in per_unit {
            let Some(top) = top_of.get(&unit) else { continue };
            per_top.entry(top.clone()).or_default().add(&c);
        }
        let rets: Vec<(String, i64, i64)> = if rollups {
            self.returns_by_unit(None, a, b).await?
        } else {
            let ret_sql = format!(
                "SELECT unit_id, COUNT(*), {} FROM assignments WHERE kind = 'work_order' AND role IN ('lead', 'forwarded') AND assigned_at >= $1 AND assigned_at < $2 GROUP BY unit_id",
                sum("outcome = 'returned'")
            );
            sqlx::query_as(sqlx::AssertSqlSafe(ret_sql)).bind(a).bind(b).fetch_all(self.reader()).await?
        };
        for (unit, n, r) in rets {
            if let Some(top) = top_of.get(&unit) {
                let c = per_top.entry(top.clone()).or_default();
                c.assignments += n;
                c.returned += r;
            }
        }
        let mut rows: Vec<RankRow> = tops
            .iter()
            .filter_map(|t| {
                let c = per_top.get(&t.id)?.clone();
                if c.volume == 0 && c.assignments == 0 {
                    return None;
                }
                let rates = c.rates();
                let raw = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
                let parts: Vec<f64> = [
                    raw(c.signed_on_time, c.sign_due),
                    raw(c.closed_first_time, c.closed),
                    raw(c.satisfied + c.basic, c.rated),
                ]
                .into_iter()
                .flatten()
                .collect();
                let score = (!parts.is_empty())
                    .then(|| (parts.iter().sum::<f64>() / parts.len() as f64 * 10_000.0).round() / 10_000.0);
                Some(RankRow { rank: 0, ranked: c.volume.max(c.assignments) >= min, unit: (*t).clone(), score, counts: c, rates })
            })
            .collect();
        rows.sort_by(|x, y| {
            y.ranked.cmp(&x.ranked).then(y.score
                .unwrap_or(-1.0)
                .partial_cmp(&x.score.unwrap_or(-1.0))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(y.counts.volume.cmp(&x.counts.volume))
                .then(x.unit.code.cmp(&y.unit.code)))
        });
        for (i, r) in rows.iter_mut().enumerate() {
            r.rank = if r.ranked { i + 1 } else { 0 };
        }
        Ok(rows)
    }
}
