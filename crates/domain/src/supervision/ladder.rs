//! The escalation ladder (督办升级): what the sweep owes a unit that is behind on an item.
//!
//! A unit that misses a progress report gets a 催办单 (the first miss by default), then a
//! 督办通知单 (the second); when the item's deadline is near (its yellow point passed) and the
//! unit is behind — a report missed, or for the lead unit a milestone past due — a yellow card;
//! when the deadline has passed with the item not done, a red card to the lead unit. Every
//! number is the office's to change ([`Settings`]); each step is taken once per unit and item.

use chrono::{DateTime, Utc};

use super::Settings;

crate::labelled_enum!(
    /// One rung of the ladder.
    Step {
        Remind = "remind" / "催办单",
        Notice = "notice" / "督办通知单",
        YellowCard = "yellow_card" / "黄牌警告",
        RedCard = "red_card" / "红牌警告",
    }
);

/// How one unit stands on one item at the moment of the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub lead: bool,
    /// Reports whose due time passed without a report by then.
    pub missed_reports: u32,
    /// Milestones past due and not done (counted for the lead unit).
    pub milestones_behind: u32,
}

impl Standing {
    pub fn behind(&self) -> bool {
        self.missed_reports > 0 || (self.lead && self.milestones_behind > 0)
    }
}

/// The steps `unit` has earned at `now`, given the item's deadline while it is unmet (its
/// yellow point and its due time); the caller records each only once.
pub fn owed(u: &Standing, deadline: Option<(DateTime<Utc>, DateTime<Utc>)>, now: DateTime<Utc>, settings: &Settings) -> Vec<Step> {
    let mut steps = Vec::new();
    let n = u.missed_reports;
    if settings.remind_after_misses > 0 && n >= settings.remind_after_misses {
        steps.push(Step::Remind);
    }
    if settings.notice_after_misses > 0 && n >= settings.notice_after_misses {
        steps.push(Step::Notice);
    }
    if let Some((warn_at, due_at)) = deadline {
        if settings.yellow_card && now >= warn_at && now <= due_at && u.behind() {
            steps.push(Step::YellowCard);
        }
        if settings.red_card && u.lead && now > due_at {
            steps.push(Step::RedCard);
        }
    }
    steps
}

/// Why the step was taken, as the unit reads it on the form and the card.
pub fn reason(step: Step, u: &Standing) -> String {
    match step {
        Step::Remind => format!("已有 {} 次进展反馈逾期未报，请立即报送", u.missed_reports),
        Step::Notice => format!("已有 {} 次进展反馈逾期未报，经催办仍未改正，现发督办通知", u.missed_reports),
        Step::YellowCard if u.missed_reports > 0 => format!("临近办结时限，仍有 {} 次进展反馈逾期未报", u.missed_reports),
        Step::YellowCard => format!("临近办结时限，仍有 {} 个节点逾期未完成", u.milestones_behind),
        Step::RedCard => "已超过办结时限仍未办结".to_string(),
    }
}
