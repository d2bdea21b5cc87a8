//! Time limits: "2 working hours", "5 working days", "30 minutes" (clock time), "24 hours".
//!
//! A limit is written compactly — `2wh`, `5wd`, `30min`, `24h` — in configuration and in the
//! API, and turns into a [`Deadline`] on the calendar from a starting moment.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    WorkingDays,
    WorkingHours,
    /// Clock hours, every day counted (emergencies).
    Hours,
    /// Clock minutes, every day counted (emergencies).
    Minutes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl Limit {
    pub const fn working_days(n: u32) -> Self {
        Limit { amount: n, unit: LimitUnit::WorkingDays }
    }
    pub const fn working_hours(n: u32) -> Self {
        Limit { amount: n, unit: LimitUnit::WorkingHours }
    }
    pub const fn hours(n: u32) -> Self {
        Limit { amount: n, unit: LimitUnit::Hours }
    }
    pub const fn minutes(n: u32) -> Self {
        Limit { amount: n, unit: LimitUnit::Minutes }
    }

    /// The moment this limit runs out when started at `from`.
    pub fn due(&self, from: DateTime<Utc>, cal: &Calendar) -> Deadline {
        match self.unit {
            LimitUnit::WorkingDays => cal.add_working_days(from, self.amount),
            LimitUnit::WorkingHours => cal.add_working_hours(from, self.amount),
            LimitUnit::Hours => Deadline { at: from + Duration::hours(i64::from(self.amount)), provisional: false },
            LimitUnit::Minutes => {
                Deadline { at: from + Duration::minutes(i64::from(self.amount)), provisional: false }
            }
        }
    }

    /// Whether the limit runs in working time (working days/hours) rather than clock time.
    pub fn is_working_time(&self) -> bool {
        matches!(self.unit, LimitUnit::WorkingDays | LimitUnit::WorkingHours)
    }

    /// How it reads in Chinese: 2个工作小时, 5个工作日, 30分钟, 24小时.
    pub fn label(&self) -> String {
        match self.unit {
            LimitUnit::WorkingDays => format!("{}个工作日", self.amount),
            LimitUnit::WorkingHours => format!("{}个工作小时", self.amount),
            LimitUnit::Hours => format!("{}小时", self.amount),
            LimitUnit::Minutes => format!("{}分钟", self.amount),
        }
    }
}

/// The moment when `percent` of the time from `start` to `due` is used: counted in working
/// minutes for working-time limits, in clock time otherwise. The yellow warning fires there.
pub fn warn_point(start: DateTime<Utc>, due: DateTime<Utc>, working: bool, percent: u32, cal: &Calendar) -> DateTime<Utc> {
    if due <= start {
        return due;
    }
    let pct = i64::from(percent.min(100));
    if working {
        let (minutes, _) = cal.working_minutes_between(start, due);
        let at = cal.add_working_minutes(start, u32::try_from(minutes * pct / 100).unwrap_or(u32::MAX)).at;
        at.min(due)
    } else {
        start + Duration::seconds((due - start).num_seconds() * pct / 100)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.unit {
            LimitUnit::WorkingDays => "wd",
            LimitUnit::WorkingHours => "wh",
            LimitUnit::Hours => "h",
            LimitUnit::Minutes => "min",
        };
        write!(f, "{}{}", self.amount, suffix)
    }
}

impl FromStr for Limit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, suffix) = s.split_at(split);
        let err = || format!("时限“{s}”格式不正确，应为如“2 个工作小时”“5 个工作日”“24 小时”“30 分钟”（或 2wh、5wd、24h、30min）");
        let amount: u32 = num.parse().map_err(|_| err())?;
        if amount == 0 || amount > 10_000 {
            return Err(err());
        }
        // The short codes, or the words the pages show (「2 个工作小时」).
        let unit = match suffix.trim().trim_start_matches('个').trim() {
            "wd" | "工作日" => LimitUnit::WorkingDays,
            "wh" | "工作小时" => LimitUnit::WorkingHours,
            "h" | "小时" => LimitUnit::Hours,
            "min" | "分钟" => LimitUnit::Minutes,
            _ => return Err(err()),
        };
        Ok(Limit { amount, unit })
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_trip_and_reject_nonsense() {
        for s in ["2wh", "5wd", "30min", "24h"] {
            assert_eq!(s.parse::<Limit>().map(|l| l.to_string()), Ok(s.to_string()));
        }
        assert!("0wd".parse::<Limit>().is_err());
        assert!("5days".parse::<Limit>().is_err());
        assert!("wd".parse::<Limit>().is_err());
        assert_eq!(Limit::working_days(5).label(), "5个工作日");
    }
}
