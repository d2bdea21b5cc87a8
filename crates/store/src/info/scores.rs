//! Per-unit information scores (信息工作考核) for a month, a quarter or a year, by the table in
//! the settings: an adopted item counts its best bulletin once, a leader's 批示 and the
//! province's use on top; beside them what was submitted, the 约稿 missed, and the quota.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sanfu_domain::info::{ItemUse, ProvinceLevel, Series, points};
use sanfu_domain::{DomainError, Staff};
use serde::Serialize;

use crate::db::{Store, StoreError, from_ms};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitScore {
    pub rank: usize,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub submitted: i64,
    pub adopted: i64,
    /// Adopted in each bulletin (issued issues).
    pub in_daily: i64,
    pub in_info: i64,
    pub in_special: i64,
    pub instructed: i64,
    pub province: i64,
    pub points: i64,
    /// 约稿 not answered by their dates (or by the time the section closed them).
    pub missed_requests: i64,
    /// The quota for the period (the yearly quota shared out), and how much of it is met.
    pub quota_adopted: i64,
    pub quota_points: i64,
    pub quota_met: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreBoard {
    /// `2026`, `2026-Q4` or `2026-12`.
    pub period: String,
    pub period_label: String,
    pub units: Vec<UnitScore>,
}

/// `[start, end)` of a period, in local dates, its label, and how many parts of a year it is.
pub fn parse_period(p: &str) -> Result<(NaiveDate, NaiveDate, String, i64), DomainError> {
    let bad = || DomainError::invalid("invalid_period", format!("统计期间“{p}”不正确（如 2026、2026-Q4、2026-12）"));
    let p = p.trim();
    let year: i32 = p.get(..4).and_then(|y| y.parse().ok()).filter(|y| (2000..=2100).contains(y)).ok_or_else(bad)?;
    let d = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad);
    match &p[4..] {
        "" => Ok((d(year, 1)?, d(year + 1, 1)?, format!("{year}年"), 1)),
        q if q.starts_with("-Q") => {
            let n: u32 = q[2..].parse().ok().filter(|n| (1..=4).contains(n)).ok_or_else(bad)?;
            let end = if n == 4 { d(year + 1, 1)? } else { d(year, n * 3 + 1)? };
            Ok((d(year, n * 3 - 2)?, end, format!("{year}年第{n}季度"), 4))
        }
        m if m.starts_with('-') => {
            let n: u32 = m[1..].parse().ok().filter(|n| (1..=12).contains(n)).ok_or_else(bad)?;
            let end = if n == 12 { d(year + 1, 1)? } else { d(year, n + 1)? };
            Ok((d(year, n)?, end, format!("{year}年{n}月"), 12))
        }
        _ => Err(bad()),
    }
}

impl Store {
    /// The units' scores for `period`, ranked by points.
    pub async fn info_scores(&self, staff: &Staff, period: &str) -> Result<ScoreBoard, StoreError> {
        let (start, end, label, parts) = parse_period(period)?;
        let off = self.offset();
        let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis() - i64::from(off.local_minus_utc()) * 1000).unwrap_or(0);
        let (s, e) = (ms(start), ms(end));
        let settings = self.info_settings().await?;
        let items: Vec<(String, String, i64, String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT w.id, i.unit_id, w.created_at, w.state, w.closed_at, i.province_level FROM work_items w JOIN info_items i ON i.id = w.id
             WHERE w.kind = 'info' AND ((w.created_at >= $1 AND w.created_at < $2) OR (w.closed_at >= $1 AND w.closed_at < $2))",
        )
        .bind(s)
        .bind(e)
        .fetch_all(self.pool())
        .await?;
        let series: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.info_id, b.series FROM bulletin_items i JOIN bulletins b ON b.id = i.bulletin_id JOIN work_items w ON w.id = i.info_id
             WHERE b.issued_at IS NOT NULL AND w.closed_at >= $1 AND w.closed_at < $2",
        )
        .bind(s)
        .bind(e)
        .fetch_all(self.pool())
        .await?;
        let instructed: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT l.to_id FROM links l JOIN work_items f ON f.id = l.from_id JOIN work_items w ON w.id = l.to_id
             WHERE f.kind = 'instruction' AND w.kind = 'info' AND w.closed_at >= $1 AND w.closed_at < $2",
        )
        .bind(s)
        .bind(e)
        .fetch_all(self.pool())
        .await?;
        let now = Utc::now().timestamp_millis();
        let missed: Vec<(String, i64)> = sqlx::query_as(
            "SELECT d.unit_id, COUNT(*) FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'info_request' AND d.kind = 'reply' AND d.met_at IS NULL AND d.due_at >= $1 AND d.due_at < $2 AND (d.due_at < $3 OR w.state = 'closed')
             GROUP BY d.unit_id",
        )
        .bind(s)
        .bind(e)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let mut board: BTreeMap<String, UnitScore> = BTreeMap::new();
        let units = self.units().await?;
        let scope = Store::scope_of(staff).into_units();
        for u in units.iter().filter(|u| u.kind.can_handle() && scope.as_ref().is_none_or(|m| m.contains(&u.id))) {
            let q = settings.quota(&u.code);
            let share = |v: u32| (i64::from(v) + parts - 1) / parts;
            board.insert(
                u.id.clone(),
                UnitScore {
                    rank: 0,
                    unit_id: u.id.clone(),
                    unit_code: u.code.clone(),
                    unit_name: u.name.clone(),
                    submitted: 0,
                    adopted: 0,
                    in_daily: 0,
                    in_info: 0,
                    in_special: 0,
                    instructed: 0,
                    province: 0,
                    points: 0,
                    missed_requests: 0,
                    quota_adopted: share(q.adopted),
                    quota_points: share(q.points),
                    quota_met: false,
                },
            );
        }
        let in_period = |t: i64| t >= s && t < e;
        for (id, unit, created, state, closed, province) in &items {
            let Some(b) = board.get_mut(unit) else { continue };
            if in_period(*created) {
                b.submitted += 1;
            }
            if state != "adopted" || !closed.is_some_and(in_period) {
                continue;
            }
            b.adopted += 1;
            let used: Vec<Series> = series.iter().filter(|x| &x.0 == id).filter_map(|x| Series::parse(&x.1)).collect();
            for s in &used {
                match s {
                    Series::Daily => b.in_daily += 1,
                    Series::Info => b.in_info += 1,
                    Series::Special => b.in_special += 1,
                }
            }
            let u = ItemUse { series: used, instructed: instructed.contains(id), province: province.as_deref().and_then(ProvinceLevel::parse) };
            b.instructed += i64::from(u.instructed);
            b.province += i64::from(u.province.is_some());
            b.points += i64::from(points(&settings.scores, &u));
        }
        for (unit, n) in missed {
            if let Some(b) = board.get_mut(&unit) {
                b.missed_requests = n;
            }
        }
        let mut units: Vec<UnitScore> = board.into_values().collect();
        units.sort_by(|a, b| b.points.cmp(&a.points).then(b.adopted.cmp(&a.adopted)).then(a.missed_requests.cmp(&b.missed_requests)).then(a.unit_code.cmp(&b.unit_code)));
        for (i, u) in units.iter_mut().enumerate() {
            u.rank = i + 1;
            u.quota_met = u.adopted >= u.quota_adopted && u.points >= u.quota_points;
        }
        let _ = from_ms;
        Ok(ScoreBoard { period: period.trim().to_string(), period_label: label, units })
    }

    /// This month's period code (`2026-12`) in local time.
    pub fn this_month(&self, now: DateTime<Utc>) -> String {
        let t = now.with_timezone(&self.offset());
        format!("{}-{:02}", t.year(), t.month())
    }
}

/// The dashboard's information figures for this month, of the units `staff` reads.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoFigures {
    pub period_label: String,
    pub submitted: i64,
    pub adopted: i64,
    /// Adopted of those answered, as a share.
    pub adoption_rate: Option<f64>,
    /// Waiting on the section now, and of those past the answer's limit.
    pub waiting: i64,
    pub unanswered_late: i64,
    pub urgent: i64,
    pub bulletins_issued: i64,
    pub instructed: i64,
    /// The month's first five units.
    pub top: Vec<(String, i64)>,
}

impl Store {
    pub async fn info_figures(&self, staff: &Staff, now: DateTime<Utc>) -> Result<InfoFigures, StoreError> {
        let month = self.this_month(now);
        let board = self.info_scores(staff, &month).await?;
        let submitted = board.units.iter().map(|u| u.submitted).sum();
        let adopted = board.units.iter().map(|u| u.adopted).sum();
        let mut binds = Vec::new();
        let scope = super::unit_scope(staff, 1, &mut binds);
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN w.state IN ('submitted', 'urgent') THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.state IN ('submitted', 'urgent') AND w.due_at < $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.state = 'urgent' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN w.state = 'declined' AND w.closed_at >= $1 - 2678400000 THEN 1 ELSE 0 END), 0)
             FROM work_items w WHERE w.kind = 'info'{scope}"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(now.timestamp_millis());
        for b in &binds {
            q = q.bind(b);
        }
        let (waiting, late, urgent, declined) = q.fetch_one(self.pool()).await?;
        let year = now.with_timezone(&self.offset()).year();
        let bulletins_issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bulletins WHERE issued_at IS NOT NULL AND year = $1").bind(i64::from(year)).fetch_one(self.pool()).await?;
        let answered = adopted + declined;
        Ok(InfoFigures {
            period_label: board.period_label.clone(),
            submitted,
            adopted,
            adoption_rate: (answered > 0).then(|| adopted as f64 / answered as f64),
            waiting,
            unanswered_late: late,
            urgent,
            bulletins_issued,
            instructed: board.units.iter().map(|u| u.instructed).sum(),
            top: board.units.iter().filter(|u| u.points > 0).take(5).map(|u| (u.unit_name.clone(), u.points)).collect(),
        })
    }
}
