//! 政务信息报送: "以'情'辅政 … 及时处理好每条信息 … 确保'零纰漏'".
//!
//! Three kinds of work. A unit's **submission** ([`item`]) is signed off by its head (审签) and
//! answered by the office's information section — adopted (采用, the edited text kept beside
//! the original), returned for more (退回补充) or declined (不采用) — and no submission is left
//! without an answer: the answer is a due date the kernel warns about like any other. An urgent
//! incident report (突发事件) carries minute-level limits and waits in a queue of its own. The
//! section compiles adopted items into numbered issues of its **bulletins** ([`bulletin`]),
//! signed off by the section head and issued to the leaders, who read them and may instruct on
//! them (批示). A **request** (约稿, [`request`]) asks units for information on a topic by a
//! date; a unit that sends none by then has missed it.
//!
//! [`Scores`] turn all of that into per-unit points for a month, a quarter or a year.

pub mod bulletin;
pub mod item;
pub mod request;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::labelled_enum!(
    /// What a submission is.
    Category {
        News = "news" / "工作动态",
        Practice = "practice" / "经验做法",
        Problem = "problem" / "问题反映",
        Proposal = "proposal" / "意见建议",
        Opinion = "opinion" / "社情舆情",
        Incident = "incident" / "突发事件",
    }
);

crate::labelled_enum!(
    /// The office's bulletins, each numbered per year (第N期).
    Series {
        Daily = "daily" / "每日要情",
        Info = "info" / "政务信息",
        Special = "special" / "信息专报",
    }
);

impl Series {
    /// The bulletin's name as printed: the city's own 《XX政务信息》 (江州市 → 江州政务信息).
    pub fn name(self, city: &str) -> String {
        match self {
            Series::Info => format!("{}政务信息", city.trim().trim_end_matches('市')),
            other => other.label().to_string(),
        }
    }
}

crate::labelled_enum!(
    /// Where the province's office used an item forwarded to it (转报).
    ProvinceLevel {
        Daily = "daily" / "省每日要情",
        Info = "info" / "省政务信息",
        Special = "special" / "省信息专报",
    }
);

/// Points per use of an item (the defaults follow published county rules: 每日要情 5, 政务信息 10,
/// 专报 30, a leader's instruction +20, the province 20/50/80).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
pub struct ScoreTable {
    pub daily: u32,
    pub info: u32,
    pub special: u32,
    /// A city leader instructed on it (批示).
    pub instructed: u32,
    pub province_daily: u32,
    pub province_info: u32,
    pub province_special: u32,
}

impl Default for ScoreTable {
    fn default() -> Self {
        ScoreTable { daily: 5, info: 10, special: 30, instructed: 20, province_daily: 20, province_info: 50, province_special: 80 }
    }
}

impl ScoreTable {
    pub fn series(&self, s: Series) -> u32 {
        match s {
            Series::Daily => self.daily,
            Series::Info => self.info,
            Series::Special => self.special,
        }
    }
    pub fn province(&self, l: ProvinceLevel) -> u32 {
        match l {
            ProvinceLevel::Daily => self.province_daily,
            ProvinceLevel::Info => self.province_info,
            ProvinceLevel::Special => self.province_special,
        }
    }
}

/// A unit's yearly quota (任务数): adopted items and points.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Quota {
    /// The unit's code.
    pub unit: String,
    pub adopted: u32,
    pub points: u32,
}

/// The information settings the office may change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = InfoSettings)]
pub struct Settings {
    /// Working hours the section has to answer a submission (采用、退回或不采用).
    pub answer_hours: u32,
    /// Minutes the section has to answer an urgent incident report.
    pub urgent_answer_minutes: u32,
    /// Minutes from the incident to the first report (首报) and to the written report (书面报告).
    pub first_report_minutes: u32,
    pub written_report_minutes: u32,
    pub warn_percent: u32,
    pub scores: ScoreTable,
    /// The quota of a unit not listed in `quotas`, per year.
    pub default_quota: Quota,
    pub quotas: Vec<Quota>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            answer_hours: 8,
            urgent_answer_minutes: 30,
            first_report_minutes: 30,
            written_report_minutes: 60,
            warn_percent: 80,
            scores: ScoreTable::default(),
            default_quota: Quota { unit: String::new(), adopted: 12, points: 120 },
            quotas: Vec::new(),
        }
    }
}

impl Settings {
    pub fn checked(self) -> Result<Self, DomainError> {
        let bad = |m: &str| Err(DomainError::invalid("invalid_info_settings", m.to_string()));
        if !(1..=80).contains(&self.answer_hours) {
            return bad("信息处理时限须为 1 至 80 个工作小时");
        }
        for (v, what) in [(self.urgent_answer_minutes, "突发事件信息处理时限"), (self.first_report_minutes, "首报时限"), (self.written_report_minutes, "书面报告时限")] {
            if !(5..=1440).contains(&v) {
                return bad(&format!("{what}须为 5 至 1440 分钟"));
            }
        }
        if self.written_report_minutes < self.first_report_minutes {
            return bad("书面报告时限不能早于首报时限");
        }
        if !(1..=99).contains(&self.warn_percent) {
            return bad("预警比例须在 1% 至 99% 之间");
        }
        let s = &self.scores;
        if [s.daily, s.info, s.special, s.instructed, s.province_daily, s.province_info, s.province_special].iter().any(|p| *p > 1000) {
            return bad("计分标准每项不超过 1000 分");
        }
        for (i, q) in self.quotas.iter().enumerate() {
            if q.unit.trim().is_empty() || self.quotas[..i].iter().any(|o| o.unit == q.unit) {
                return bad("任务数须按单位填写，每个单位一行");
            }
        }
        Ok(self)
    }

    pub fn quota(&self, unit_code: &str) -> Quota {
        self.quotas.iter().find(|q| q.unit == unit_code).cloned().unwrap_or_else(|| Quota { unit: unit_code.to_string(), ..self.default_quota.clone() })
    }
}

/// One use of an item that scores: the bulletins it was issued in, a leader's instruction, the
/// province's use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemUse {
    pub series: Vec<Series>,
    pub instructed: bool,
    pub province: Option<ProvinceLevel>,
}

/// An item's points: its best bulletin (an item printed in both 每日要情 and 专报 counts once, as
/// 专报), a leader's instruction, the province's use.
pub fn points(t: &ScoreTable, u: &ItemUse) -> u32 {
    let best = u.series.iter().map(|s| t.series(*s)).max().unwrap_or(0);
    best + if u.instructed { t.instructed } else { 0 } + u.province.map(|l| t.province(l)).unwrap_or(0)
}
