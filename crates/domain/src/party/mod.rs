//! 党建: the office's own party branch and those of the units.
//!
//! A branch's 组织生活会 is a record that moves through plan, preparation and meeting
//! ([`Stage`]); what it finds becomes a **rectification list** (整改清单) whose items are work on
//! the kernel ([`rectification`]): each tracked to its deadline, warned, evidenced and struck off
//! (对单销号) by the branch's secretary. Study sessions (学习教育台账) are kept with their hours.
//! The "我为群众办实事" projects ([`project`]) are tracked like supervision items and shown to
//! citizens, who rate the finished ones.

pub mod project;
pub mod rectification;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::error::DomainError;

crate::labelled_enum!(
    /// Where a 组织生活会 is.
    Stage {
        Planned = "planned" / "已通知",
        Preparing = "preparing" / "会前准备",
        Held = "held" / "已召开",
    }
);

crate::labelled_enum!(
    /// The form of a study session.
    StudyForm {
        Collective = "collective" / "集中学习",
        Seminar = "seminar" / "专题研讨",
        Lecture = "lecture" / "党课",
    }
);

crate::labelled_enum!(
    /// Whose problem a rectification item is.
    Scope {
        Branch = "branch" / "班子（支部）",
        Member = "member" / "党员个人",
    }
);

/// Days between the notice and the meeting that the rules ask for (会前十天左右通知).
pub const NOTICE_DAYS: i64 = 10;

/// The plan's dates: the notice goes out before the meeting; less than [`NOTICE_DAYS`] ahead is
/// allowed but said (`Some(days)`).
pub fn check_notice(notice_at: DateTime<Utc>, meeting_at: DateTime<Utc>) -> Result<Option<i64>, DomainError> {
    if notice_at > meeting_at {
        return Err(DomainError::invalid("invalid_date", "通知时间须早于会议时间"));
    }
    let days = (meeting_at - notice_at).num_days();
    Ok((days < NOTICE_DAYS).then_some(days))
}

/// The next stage of a meeting, and what moving there needs.
pub fn advance(stage: Stage, to: Stage, has_problems: bool, attended: usize) -> Result<(), DomainError> {
    match (stage, to) {
        (Stage::Planned, Stage::Preparing) => Ok(()),
        (Stage::Preparing, Stage::Held) if !has_problems => Err(DomainError::invalid("missing_problems", "会前须梳理问题清单，方可召开")),
        (Stage::Preparing, Stage::Held) if attended == 0 => Err(DomainError::invalid("missing_attendance", "请登记到会人员（签到）")),
        (Stage::Preparing, Stage::Held) => Ok(()),
        (from, to) => Err(DomainError::conflict("invalid_state", format!("组织生活会当前为“{}”，不能改为“{}”", from.label(), to.label()))),
    }
}

/// Hours of a study session (0.5 to 8, in half hours).
pub fn check_hours(h: f64) -> Result<f64, DomainError> {
    if !(0.5..=8.0).contains(&h) || (h * 2.0).fract() != 0.0 {
        return Err(DomainError::invalid("invalid_hours", "学时须在 0.5 至 8 之间，以半小时计"));
    }
    Ok(h)
}
