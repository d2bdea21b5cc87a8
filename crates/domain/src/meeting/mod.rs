//! 会议: the city government's meetings and the topics (议题) units bring to them.
//!
//! Two kinds of work. A **topic** is proposed by a unit with its materials, goes to the units
//! it consulted for their written opinions (会签意见), to the leader in charge (分管领导), to
//! the 秘书长, and waits for the mayor to put it on an agenda ([`topic`]). A **meeting**
//! (政府常务会议, 市长办公会议, 专题会议) is prepared by the meeting section (会议科): its
//! agenda, the notice every attendee answers, sign-in and the quorum, then its minutes (会议纪要)
//! — drafted, reviewed by the 秘书长, signed by the chair and issued with their own number;
//! each decision (议定事项) then becomes a supervision item ([`session`]).

pub mod session;
pub mod topic;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use sanfu_calendar::Calendar;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::labelled_enum!(
    /// The three series of meetings the 会议科 prepares.
    MeetingType {
        Executive = "executive" / "政府常务会议",
        MayorOffice = "mayor_office" / "市长办公会议",
        Topical = "topical" / "专题会议",
    }
);

impl MeetingType {
    /// The series' short name, in its number (`2026年第5次常务会议`).
    pub fn series(self) -> &'static str {
        match self {
            MeetingType::Executive => "常务会议",
            MeetingType::MayorOffice => "市长办公会议",
            MeetingType::Topical => "专题会议",
        }
    }
}

crate::labelled_enum!(
    /// A consulted unit's written opinion on a topic.
    Stance {
        Agree = "agree" / "同意",
        AgreeWithChanges = "agree_with_changes" / "原则同意，有修改意见",
        Disagree = "disagree" / "不同意",
    }
);

crate::labelled_enum!(
    /// What the meeting made of a topic.
    Outcome {
        Passed = "passed" / "通过",
        InPrinciple = "in_principle" / "原则通过",
        Rejected = "rejected" / "不通过",
        Deferred = "deferred" / "暂缓",
        Other = "other" / "其他",
    }
);

crate::labelled_enum!(
    /// An attendee's answer to the notice.
    Reply {
        Attend = "attend" / "确认参会",
        Leave = "leave" / "请假",
        Substitute = "substitute" / "委托代会",
    }
);

/// The meeting section's deadlines, from published practice; an administrator may change them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = MeetingSettings)]
pub struct Settings {
    /// Working days a consulted unit has for its opinion.
    pub opinion_days: u32,
    /// Materials in this many days before the meeting.
    pub materials_days: u32,
    /// The agenda to the chair this many working days before.
    pub agenda_working_days: u32,
    /// The notice this many days before.
    pub notice_days: u32,
    /// The minutes drafted within this many working days after the meeting.
    pub minutes_working_days: u32,
    /// Percent of a time limit after which it is shown yellow.
    pub warn_percent: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { opinion_days: 3, materials_days: 3, agenda_working_days: 2, notice_days: 1, minutes_working_days: 5, warn_percent: 80 }
    }
}

impl Settings {
    /// The settings if they make sense, else a clear refusal.
    pub fn checked(self) -> Result<Self, DomainError> {
        let bad = |m: &str| Err(DomainError::invalid("invalid_meeting_settings", m.to_string()));
        if !(1..=30).contains(&self.opinion_days) {
            return bad("会签意见时限须为 1 至 30 个工作日");
        }
        if self.materials_days > 30 || self.agenda_working_days > 30 || self.notice_days > 30 {
            return bad("会前时限不能超过 30 天");
        }
        if !(1..=60).contains(&self.minutes_working_days) {
            return bad("纪要起草时限须为 1 至 60 个工作日");
        }
        if !(1..=99).contains(&self.warn_percent) {
            return bad("预警比例须在 1% 至 99% 之间");
        }
        Ok(self)
    }

    /// When the materials are due for a meeting at `at`.
    pub fn materials_due(&self, at: DateTime<Utc>, cal: &Calendar) -> DateTime<Utc> {
        end_of_day_before(at, self.materials_days, cal)
    }

    /// When the agenda must reach the chair: `agenda_working_days` working days before.
    pub fn agenda_due(&self, at: DateTime<Utc>, cal: &Calendar) -> DateTime<Utc> {
        let mut day = cal.local_date(at);
        let mut left = self.agenda_working_days;
        while left > 0 {
            day = day.pred_opt().unwrap_or(day);
            if cal.is_working_day(day).0 {
                left -= 1;
            }
        }
        close_of(day, cal).min(at)
    }

    /// When the notice must be out.
    pub fn notice_due(&self, at: DateTime<Utc>, cal: &Calendar) -> DateTime<Utc> {
        end_of_day_before(at, self.notice_days, cal)
    }
}

/// 17:30 local on the day `days` before `at`'s day (`at` itself when `days` is 0).
fn end_of_day_before(at: DateTime<Utc>, days: u32, cal: &Calendar) -> DateTime<Utc> {
    if days == 0 {
        return at;
    }
    let day = cal.local_date(at) - Duration::days(i64::from(days));
    close_of(day, cal)
}

fn close_of(day: chrono::NaiveDate, cal: &Calendar) -> DateTime<Utc> {
    let t = day.and_hms_opt(17, 30, 0).unwrap_or_default();
    t.and_local_timezone(cal.offset()).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}
