//! 督查考核 and 督查通报: each unit's record on supervision work in a period, scored by the
//! office's table, and the bulletin made from it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sanfu_domain::supervision::assess::{ScoreTable, Tally};
use sanfu_domain::{DomainError, Staff};
use serde::Serialize;

use crate::db::{Store, StoreError, to_ms};
use crate::org::Scope;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitAssessment {
    pub unit_id: String,
    pub unit: String,
    #[serde(flatten)]
    pub tally: Tally,
    pub score: i32,
    pub rank: u32,
    /// Two yellows (by default): a 督办函 is owed.
    pub letter: bool,
    pub praised: bool,
    pub black_listed: bool,
}

/// The assessment of a period and the bulletin's lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub scores: ScoreTable,
    /// Every unit that held an item in the period, best first.
    pub units: Vec<UnitAssessment>,
    /// 通报表扬.
    pub praised: Vec<String>,
    /// 红榜: the five best scores.
    pub red_list: Vec<String>,
    /// 黑榜: a red card or a score below the line.
    pub black_list: Vec<String>,
}

impl Store {
    /// Units' records from `from` to `to` (China dates, both included). A unit's staff see
    /// their own line only; a leader the units of their portfolio.
    pub async fn assessment(&self, staff: &Staff, from: NaiveDate, to: NaiveDate) -> Result<Assessment, StoreError> {
        if to < from || (to - from).num_days() > 400 {
            return Err(DomainError::invalid("invalid_period", "考核期间无效：结束日期应不早于开始日期，且不超过一年").into());
        }
        let off = self.offset();
        let start = |d: NaiveDate| off.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map(|t| t.with_timezone(&Utc));
        let (a, b) = (start(from).unwrap_or_default(), start(to.succ_opt().unwrap_or(to)).unwrap_or_default());
        let (a, b, now) = (to_ms(a), to_ms(b), to_ms(Utc::now()));
        let end = b.min(now);
        let settings = self.supervision_settings().await?;
        let mut t: BTreeMap<String, Tally> = BTreeMap::new();

        // Items held: assigned before the period ended, not closed before it began.
        let held: Vec<(String, i64)> = sqlx::query_as(
            "SELECT a.unit_id, COUNT(DISTINCT a.work_id) FROM assignments a JOIN work_items w ON w.id = a.work_id
             WHERE w.kind = 'supervision' AND a.active = 1 AND a.assigned_at < $2 AND (w.closed_at IS NULL OR w.closed_at >= $1)
               AND w.state <> 'cancelled'
             GROUP BY a.unit_id",
        )
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        for (u, n) in held {
            t.entry(u).or_default().items = n as u32;
        }
        // Reports due in the period: on time, or late (made late, or not made and past due).
        let reports: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT d.unit_id,
                    SUM(CASE WHEN d.met_at IS NOT NULL AND d.met_at <= d.due_at THEN 1 ELSE 0 END),
                    SUM(CASE WHEN (d.met_at IS NOT NULL AND d.met_at > d.due_at) OR (d.met_at IS NULL AND d.due_at < $3) THEN 1 ELSE 0 END)
             FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'supervision' AND d.kind = 'report' AND d.due_at >= $1 AND d.due_at < $2 AND w.state <> 'cancelled'
             GROUP BY d.unit_id",
        )
        .bind(a)
        .bind(b)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        for (u, on, late) in reports {
            let e = t.entry(u).or_default();
            e.reports_on_time = on as u32;
            e.reports_late = late as u32;
        }
        // 催办单 and 督办通知单 received, by hand or by the ladder.
        let pressed: Vec<(String, String)> = sqlx::query_as(
            "SELECT action, details FROM events WHERE entity_kind = 'supervision' AND action IN ('remind', 'notice') AND at >= $1 AND at < $2",
        )
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        for (action, details) in pressed {
            let v: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
            if let Some(u) = v["unit_id"].as_str() {
                let e = t.entry(u.to_string()).or_default();
                if action == "remind" {
                    e.reminders += 1;
                } else {
                    e.notices += 1;
                }
            }
        }
        let cards: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT c.unit_id, c.colour, COUNT(*) FROM cards c JOIN work_items w ON w.id = c.work_id
             WHERE w.kind = 'supervision' AND c.revoked_at IS NULL AND c.issued_at >= $1 AND c.issued_at < $2 GROUP BY c.unit_id, c.colour",
        )
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        for (u, colour, n) in cards {
            let e = t.entry(u).or_default();
            if colour == "red" {
                e.red_cards = n as u32;
            } else {
                e.yellow_cards = n as u32;
            }
        }
        // The lead unit's deadlines falling in the period: met on time, or overdue.
        let deadlines: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT w.lead_unit_id,
                    SUM(CASE WHEN d.met_at IS NOT NULL AND d.met_at <= d.due_at AND w.state = 'closed' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN (d.met_at IS NOT NULL AND d.met_at > d.due_at) OR (d.met_at IS NULL AND d.due_at < $3) THEN 1 ELSE 0 END)
             FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'supervision' AND d.kind = 'deadline' AND w.lead_unit_id IS NOT NULL AND w.state <> 'cancelled'
               AND ((d.met_at IS NOT NULL AND d.met_at >= $1 AND d.met_at < $2) OR (d.met_at IS NULL AND d.due_at >= $1 AND d.due_at < $2)
                    OR (d.met_at IS NULL AND d.due_at < $1))
             GROUP BY w.lead_unit_id",
        )
        .bind(a)
        .bind(b)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        for (u, on, over) in deadlines {
            let e = t.entry(u).or_default();
            e.closed_on_time = on as u32;
            e.overdue = over as u32;
        }

        let scope = Store::scope_of(staff);
        let names = self.unit_names().await?;
        let sc = settings.scores;
        let mut units: Vec<UnitAssessment> = t
            .into_iter()
            .filter(|(u, tally)| tally.items > 0 && names.contains_key(u) && matches!(&scope, Scope::All) || matches!(&scope, Scope::Units(v) if v.contains(u) && tally.items > 0))
            .map(|(u, tally)| UnitAssessment {
                unit: names.get(&u).cloned().unwrap_or_default(),
                unit_id: u,
                score: tally.score(&sc),
                rank: 0,
                letter: tally.owes_letter(&sc),
                praised: tally.praised(),
                black_listed: tally.black_listed(&sc),
                tally,
            })
            .collect();
        units.sort_by(|x, y| y.score.cmp(&x.score).then(x.unit.cmp(&y.unit)));
        let mut rank = 0;
        let mut last = None;
        for (i, u) in units.iter_mut().enumerate() {
            if last != Some(u.score) {
                rank = i as u32 + 1;
                last = Some(u.score);
            }
            u.rank = rank;
        }
        Ok(Assessment {
            from,
            to,
            scores: sc,
            praised: units.iter().filter(|u| u.praised).map(|u| u.unit.clone()).collect(),
            red_list: units.iter().filter(|u| !u.black_listed).take(5).map(|u| u.unit.clone()).collect(),
            black_list: units.iter().filter(|u| u.black_listed).map(|u| u.unit.clone()).collect(),
            units,
        })
    }
}

/// The first and last day of the month holding `at` (China time).
pub fn month_of(at: DateTime<Utc>, off: chrono::FixedOffset) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    let d = at.with_timezone(&off).date_naive();
    let first = d.with_day(1).unwrap_or(d);
    let next = if d.month() == 12 { NaiveDate::from_ymd_opt(d.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1) };
    (first, next.and_then(|n| n.pred_opt()).unwrap_or(d))
}
