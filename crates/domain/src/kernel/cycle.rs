//! Reporting cycles (报送周期): when each of a unit's periodic progress reports on an item falls
//! due, on the working-day calendar. The `seq`-th report is the [`DueKey`](super::DueKey)
//! `(name, unit, seq)` of that unit.
//!
//! The periods are the calendar's: weeks (Monday to Sunday), 旬 (the 1st–10th, 11th–20th and
//! 21st to the month's end) and months. A report is due at the end of working time on the last
//! working day of its period (本周/本旬/本月最后一个工作日下班前); a period without a working day
//! (a holiday week) moves it to the first working day after. "By the Nth of each month"
//! (每月N日前) is due at the end of that day, or of the next working day when it is not one
//! (遇节假日顺延). The first report is owed in the period the cycle starts in, unless no working
//! day of that period is left after the start day; then in the next.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::labelled_enum!(
    /// How often a unit reports on an item.
    Cycle {
        Once = "once" / "一次性",
        Weekly = "weekly" / "每周",
        TenDays = "ten_days" / "每旬",
        Monthly = "monthly" / "每月",
        MonthDay = "month_day" / "每月定期",
    }
);

/// A reporting cycle; `day` is the day of the month for [`Cycle::MonthDay`] (1–28), else 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportCycle {
    pub cycle: Cycle,
    #[serde(default)]
    pub day: u32,
}

/// The most reports one schedule lists (ten years of weekly reports).
const MAX_REPORTS: u32 = 520;

impl ReportCycle {
    pub const ONCE: ReportCycle = ReportCycle { cycle: Cycle::Once, day: 0 };

    /// From what a person writes: a code or a label (`weekly`, 每周, 每旬, 每月), or
    /// 「每月5日前」 / `month_day:5` for a day of each month.
    pub fn parse(s: &str) -> Result<ReportCycle, DomainError> {
        let t = s.trim();
        if let Some(c) = Cycle::parse(t).filter(|c| *c != Cycle::MonthDay) {
            return Ok(ReportCycle { cycle: c, day: 0 });
        }
        let digits = t
            .strip_prefix("month_day:")
            .or_else(|| t.strip_prefix("每月"))
            .map(|rest| rest.trim_end_matches("前").trim_end_matches(['日', '号']).trim());
        match digits.and_then(|d| d.parse::<u32>().ok()) {
            Some(day) if (1..=28).contains(&day) => Ok(ReportCycle { cycle: Cycle::MonthDay, day }),
            Some(_) => Err(DomainError::invalid("invalid_cycle", "每月报送日应在 1 日到 28 日之间")),
            None => Err(DomainError::invalid(
                "invalid_cycle",
                format!("报送周期“{t}”无法识别，应为一次性、每周、每旬、每月或“每月N日前”"),
            )),
        }
    }

    /// What the office calls it: 每周, 每旬, 每月5日前 ….
    pub fn label(&self) -> String {
        match self.cycle {
            Cycle::MonthDay => format!("每月{}日前", self.day),
            c => c.label().to_string(),
        }
    }

    /// When the `seq`-th report (from 1) falls due, for a cycle started at `start`; `None` for a
    /// one-off (its report is the item's own deadline).
    pub fn due(&self, start: DateTime<Utc>, seq: u32, cal: &Calendar) -> Option<Deadline> {
        if seq == 0 || self.cycle == Cycle::Once {
            return None;
        }
        let first_day = cal.local_date(start);
        let mut k = 0;
        let mut period = self.period_of(first_day);
        for _ in 0..=MAX_REPORTS + 1 {
            let due = self.due_in(period, cal);
            // The first period counts if a working day of it is left after the start day.
            if k > 0 || cal.local_date(due.at) > first_day {
                k += 1;
                if k == seq {
                    return Some(due);
                }
            }
            period = self.period_of(period.1 + Duration::days(1));
        }
        None
    }

    /// The reports owed between `start` and `until` (the item's deadline): (seq, due), in order.
    pub fn schedule(&self, start: DateTime<Utc>, until: DateTime<Utc>, cal: &Calendar) -> Vec<(u32, Deadline)> {
        let mut out = Vec::new();
        for seq in 1..=MAX_REPORTS {
            match self.due(start, seq, cal) {
                Some(d) if d.at <= until => out.push((seq, d)),
                _ => break,
            }
        }
        out
    }

    /// The first and last day of the period holding `day`.
    fn period_of(&self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let month_end = |d: NaiveDate| {
            let next = if d.month() == 12 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
            };
            next.map(|n| n - Duration::days(1)).unwrap_or(d)
        };
        let on = |d: u32| day.with_day(d).unwrap_or(day);
        match self.cycle {
            Cycle::Weekly => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (monday, monday + Duration::days(6))
            }
            Cycle::TenDays => match day.day() {
                1..=10 => (on(1), on(10)),
                11..=20 => (on(11), on(20)),
                _ => (on(21), month_end(day)),
            },
            // 每月N日前: the period runs from the day after last month's N to this month's N.
            Cycle::MonthDay if day.day() <= self.day => {
                let prev = (on(1) - Duration::days(1)).with_day(self.day).unwrap_or(day);
                (prev + Duration::days(1), on(self.day))
            }
            Cycle::MonthDay => {
                let next = month_end(day) + Duration::days(1);
                (on(self.day) + Duration::days(1), next.with_day(self.day).unwrap_or(next))
            }
            Cycle::Monthly | Cycle::Once => (on(1), month_end(day)),
        }
    }

    /// When a report of `period` is due.
    fn due_in(&self, (first, last): (NaiveDate, NaiveDate), cal: &Calendar) -> Deadline {
        if self.cycle == Cycle::MonthDay {
            // The day itself, or the next working day (顺延).
            return end_of_working_day_from(last, cal);
        }
        let mut d = last;
        let mut provisional = false;
        while d >= first {
            let (working, p) = cal.is_working_day(d);
            provisional |= p;
            if working {
                let mut due = end_of_working_day_from(d, cal);
                due.provisional |= provisional;
                return due;
            }
            d -= Duration::days(1);
        }
        // No working day in the whole period: the first one after it.
        let mut due = end_of_working_day_from(last + Duration::days(1), cal);
        due.provisional |= provisional;
        due
    }
}

/// The end of working time on `day` if it is a working day, else on the next one.
fn end_of_working_day_from(day: NaiveDate, cal: &Calendar) -> Deadline {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let from = match cal.offset().from_local_datetime(&midnight).single() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&midnight),
    };
    cal.add_working_days(from, 0)
}
