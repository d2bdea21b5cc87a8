//! The official working-day calendar of mainland China, and arithmetic on working time.
//!
//! Every time limit in Sanfu (sign within 2 working hours, answer within 5 working days, …) is
//! counted on this calendar. The State Council General Office publishes each year's public
//! holidays and the make-up working weekends (调休上班) late in the previous year, so the table
//! is data, not code: the project ships `data/cn-holidays.csv` (2004–2026) and administrators
//! load later years as they are published.
//!
//! Two rules shape the module:
//! - A day is a working day when it is a make-up working day, or a Monday–Friday that is not a
//!   public holiday. For a year whose schedule has not been loaded we still answer (weekends
//!   alone), but every result that looked at such a day carries `provisional = true`, so the
//!   API can say so instead of silently guessing.
//! - "N working days from a moment" follows the legal rule for periods counted in days (民法典
//!   第二百零一条: the starting day is not counted): the deadline is the end of working time on
//!   the N-th working day after the local date of the moment. "N working hours" are counted
//!   inside the working periods of working days, starting at the moment itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The holiday table shipped with Sanfu (a copy of the published schedules, 2004–2026).
pub const BUNDLED_CSV: &str = include_str!("../../../data/cn-holidays.csv");

/// How far ahead any computation may look before giving up (ten years of days).
const MAX_DAYS_SCANNED: i64 = 3660;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (or a weekday given as rest by 调休).
    Holiday,
    /// A weekend day that is worked (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One line of the schedule: a date that differs from the plain weekday/weekend rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The festival the day belongs to (春节, 国庆节, …).
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("第 {line} 行：{reason}")]
    BadLine { line: usize, reason: String },
    #[error("文件中没有任何日期")]
    Empty,
    #[error("工作时间格式不正确：{0}（应为 08:30-12:00,14:00-17:30）")]
    BadHours(String),
}

/// Parse a schedule in the `date,kind,holiday` format of `cn-holidays.csv`.
///
/// Lines starting with `#` and the header line are skipped. A make-up working day must fall on a
/// weekend, and a date may appear only once: both catch the usual transcription mistakes.
pub fn parse_csv(text: &str) -> Result<Vec<SpecialDay>, CalendarError> {
    let mut out: Vec<SpecialDay> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
            continue;
        }
        let bad = |reason: String| CalendarError::BadLine { line: line_no, reason };
        let mut cols = line.split(',');
        let date_s = cols.next().unwrap_or_default().trim();
        let kind_s = cols.next().unwrap_or_default();
        let name = cols.next().unwrap_or_default().trim().to_string();
        let date = NaiveDate::parse_from_str(date_s, "%Y-%m-%d")
            .map_err(|_| bad(format!("日期“{date_s}”不是 YYYY-MM-DD 格式")))?;
        let kind = DayKind::parse(kind_s)
            .ok_or_else(|| bad(format!("类型“{}”应为 holiday 或 workday", kind_s.trim())))?;
        if kind == DayKind::Workday && !is_weekend(date) {
            return Err(bad(format!("{date} 不是周末，不能是调休上班日")));
        }
        if !seen.insert(date) {
            return Err(bad(format!("{date} 重复出现")));
        }
        out.push(SpecialDay { date, kind, name });
    }
    if out.is_empty() {
        return Err(CalendarError::Empty);
    }
    Ok(out)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The daily working periods, in local time, sorted and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    periods: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for WorkingHours {
    fn default() -> Self {
        // 08:30–12:00 and 14:00–17:30: the usual hours of a city government office.
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        WorkingHours { periods: vec![(t(8, 30), t(12, 0)), (t(14, 0), t(17, 30))] }
    }
}

impl WorkingHours {
    /// Parse `08:30-12:00,14:00-17:30`.
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadHours(s.to_string());
        let mut periods = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-').ok_or_else(bad)?;
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").map_err(|_| bad())?;
            if b <= a {
                return Err(bad());
            }
            periods.push((a, b));
        }
        if periods.is_empty() {
            return Err(bad());
        }
        periods.sort();
        if periods.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err(bad());
        }
        Ok(WorkingHours { periods })
    }

    pub fn periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.periods
    }

    /// Minutes of work in one working day (420 with the default hours).
    pub fn minutes_per_day(&self) -> i64 {
        self.periods.iter().map(|(a, b)| (*b - *a).num_minutes()).sum()
    }

    fn end_of_day(&self) -> NaiveTime {
        self.periods.last().map(|p| p.1).unwrap_or(NaiveTime::MIN)
    }
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .periods
            .iter()
            .map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A computed moment and whether it rests on a year whose schedule is not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub at: DateTime<Utc>,
    /// True when the computation crossed a day of a year with no published schedule loaded:
    /// that part was counted on weekends alone and may move when the schedule is published.
    pub provisional: bool,
}

/// The calendar in force: the special days of every loaded year, the working hours, the zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
    names: HashMap<NaiveDate, String>,
    years: BTreeSet<i32>,
    hours: WorkingHours,
    offset: FixedOffset,
}

/// China Standard Time, UTC+8 (no daylight saving).
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

impl Calendar {
    /// A calendar with no year loaded: every answer is provisional.
    pub fn empty(hours: WorkingHours) -> Self {
        Calendar {
            days: HashMap::new(),
            names: HashMap::new(),
            years: BTreeSet::new(),
            hours,
            offset: china_offset(),
        }
    }

    /// The calendar of the shipped table with the default working hours.
    pub fn bundled() -> Result<Self, CalendarError> {
        let mut cal = Calendar::empty(WorkingHours::default());
        cal.load(parse_csv(BUNDLED_CSV)?);
        Ok(cal)
    }

    /// Load special days; every year that appears replaces what was loaded for that year.
    pub fn load(&mut self, days: Vec<SpecialDay>) {
        let by_year = group_by_year(days);
        for (year, list) in by_year {
            self.days.retain(|d, _| d.year() != year);
            self.names.retain(|d, _| d.year() != year);
            for d in list {
                self.days.insert(d.date, d.kind);
                self.names.insert(d.date, d.name);
            }
            self.years.insert(year);
        }
    }

    /// Mark a year as loaded even if it has no special day (used when restoring from storage).
    pub fn mark_year_loaded(&mut self, year: i32) {
        self.years.insert(year);
    }

    pub fn set_hours(&mut self, hours: WorkingHours) {
        self.hours = hours;
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_year_loaded(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The special days of one year, in date order.
    pub fn special_days(&self, year: i32) -> Vec<SpecialDay> {
        let mut v: Vec<SpecialDay> = self
            .days
            .iter()
            .filter(|(d, _)| d.year() == year)
            .map(|(d, k)| SpecialDay {
                date: *d,
                kind: *k,
                name: self.names.get(d).cloned().unwrap_or_default(),
            })
            .collect();
        v.sort_by_key(|d| d.date);
        v
    }

    /// Whether `date` is a working day, and whether that answer is provisional.
    pub fn is_working_day(&self, date: NaiveDate) -> (bool, bool) {
        let provisional = !self.years.contains(&date.year());
        let working = match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(date),
        };
        (working, provisional)
    }

    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset).date_naive()
    }

    fn to_utc(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self.offset.from_local_datetime(&local).single() {
            Some(t) => t.with_timezone(&Utc),
            None => Utc.from_utc_datetime(&local),
        }
    }

    /// The end of working time on the `n`-th working day after the local date of `from`
    /// (the starting day is not counted). `n = 0` gives the end of the current working day,
    /// or of the next one when `from` is not on a working day.
    pub fn add_working_days(&self, from: DateTime<Utc>, n: u32) -> Deadline {
        let mut date = self.local_date(from);
        let mut provisional = false;
        let mut left = n;
        if n == 0 {
            let (w, p) = self.is_working_day(date);
            provisional |= p;
            if w {
                return Deadline { at: self.to_utc(date, self.hours.end_of_day()), provisional };
            }
            left = 1;
        }
        for _ in 0..MAX_DAYS_SCANNED {
            date = date.succ_opt().unwrap_or(date);
            let (w, p) = self.is_working_day(date);
            provisional |= p;
            if w {
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        Deadline { at: self.to_utc(date, self.hours.end_of_day()), provisional }
    }

    /// `minutes` of working time after `from`, counted inside the working periods of working
    /// days. A moment outside working time starts counting at the next working period.
    pub fn add_working_minutes(&self, from: DateTime<Utc>, minutes: u32) -> Deadline {
        let local = from.with_timezone(&self.offset);
        let mut date = local.date_naive();
        let mut cursor = Some(local.time());
        let mut left = i64::from(minutes) * 60; // seconds
        let mut provisional = false;
        for _ in 0..MAX_DAYS_SCANNED {
            let (w, p) = self.is_working_day(date);
            provisional |= p;
            if w {
                for (start, end) in &self.hours.periods {
                    let begin = match cursor {
                        Some(c) if c >= *end => continue,
                        Some(c) if c > *start => c,
                        _ => *start,
                    };
                    let avail = (*end - begin).num_seconds();
                    if left <= avail {
                        let at = self.to_utc(date, begin) + Duration::seconds(left);
                        return Deadline { at, provisional };
                    }
                    left -= avail;
                }
            }
            cursor = None;
            date = date.succ_opt().unwrap_or(date);
        }
        Deadline { at: self.to_utc(date, self.hours.end_of_day()), provisional }
    }

    pub fn add_working_hours(&self, from: DateTime<Utc>, hours: u32) -> Deadline {
        self.add_working_minutes(from, hours.saturating_mul(60))
    }

    /// Working minutes between two moments (0 when `to` is not after `from`).
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> (i64, bool) {
        if to <= from {
            return (0, false);
        }
        let a = from.with_timezone(&self.offset);
        let b = to.with_timezone(&self.offset);
        let mut date = a.date_naive();
        let last = b.date_naive();
        let mut total = 0i64;
        let mut provisional = false;
        while date <= last {
            let (w, p) = self.is_working_day(date);
            provisional |= p;
            if w {
                for (start, end) in &self.hours.periods {
                    let s = if date == a.date_naive() { (*start).max(a.time()) } else { *start };
                    let e = if date == last { (*end).min(b.time()) } else { *end };
                    if e > s {
                        total += (e - s).num_seconds();
                    }
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        (total / 60, provisional)
    }
}

fn group_by_year(days: Vec<SpecialDay>) -> BTreeMap<i32, Vec<SpecialDay>> {
    let mut m: BTreeMap<i32, Vec<SpecialDay>> = BTreeMap::new();
    for d in days {
        m.entry(d.date.year()).or_default().push(d);
    }
    m
}

#[cfg(test)]
mod tests;
