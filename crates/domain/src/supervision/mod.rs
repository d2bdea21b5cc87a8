//! 督查督办: a supervision item (督办事项), the kernel's second kind of work.
//!
//! ```text
//!  drafted 待交办 ──交办──▶ assigned 待签收 ──牵头单位签收──▶ in_progress 办理中 ──办结申请──▶ closure_requested 办结待审
//!     ▲                      │ 异议（2个工作日内）             │  ▲ 反馈进展（各单位按周期）           │ 审核通过 ──▶ closed 已销号
//!     └──同意异议，重新交办───┘                                │  └──────── 审核退回 ───────────────┘           │
//!                                                             └◀──────────── 重新督办（新的办结时限）──────────────┘
//!  撤销 from any open state ──▶ cancelled 已撤销;  延期 requested before the deadline, decided by 督查科
//! ```
//!
//! Each unit signs for itself and reports on the item's cycle: every report of every unit is a
//! due date of its own, `("report", unit, seq)`, from the item's [`ReportCycle`]; signing is
//! `("sign", unit, 0)`, the item's deadline `("deadline")`, its milestones `("milestone", "", n)`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::kernel::{Assignment, DueKey, DueState, Item, ItemView, ReportCycle};

mod apply;
pub mod assess;
pub mod funds;
pub mod ladder;
mod rules;
#[cfg(test)]
mod tests;

pub use apply::{Action, Outcome, Settings, UnitRef, apply};
pub use rules::Supervision;

crate::labelled_enum!(
    /// Where an item comes from.
    Source {
        LeaderInstruction = "leader_instruction" / "领导批示",
        MeetingDecision = "meeting_decision" / "会议议定事项",
        WorkReportTask = "work_report_task" / "政府工作报告重点任务",
        MajorProject = "major_project" / "重大项目",
        PracticalProject = "practical_project" / "我为群众办实事",
        Rectification = "rectification" / "整改措施",
        DeputySuggestion = "deputy_suggestion" / "人大代表建议",
        CppccProposal = "cppcc_proposal" / "政协提案",
        HotlineEscalation = "hotline_escalation" / "12345转督办",
    }
);

crate::labelled_enum!(
    State {
        Drafted = "drafted" / "待交办",
        Assigned = "assigned" / "待签收",
        InProgress = "in_progress" / "办理中",
        ClosureRequested = "closure_requested" / "办结待审",
        Closed = "closed" / "已销号",
        Cancelled = "cancelled" / "已撤销",
    }
);

crate::kind_states!(State, ends: [Closed, Cancelled]);

/// A unit's request for a later deadline (延期申请), waiting for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtensionRequest {
    pub new_due: DateTime<Utc>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub unit_id: String,
}

/// A unit's objection to being handed the item (异议: not its business).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Objection {
    pub unit_id: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Everything the rules of an item look at and change (its text, source and funds are not
/// here: no rule depends on them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    pub cycle: ReportCycle,
    pub extension: Option<ExtensionRequest>,
    pub objection: Option<Objection>,
    /// 办结申请's evidence, while the office reviews it.
    pub evidence: Option<String>,
    pub reopen_count: u32,
}

impl Snapshot {
    pub fn new(created_at: DateTime<Utc>, cycle: ReportCycle) -> Self {
        Snapshot { item: Item::new(State::Drafted, created_at), cycle, extension: None, objection: None, evidence: None, reopen_count: 0 }
    }

    pub fn state(&self) -> State {
        self.item.state
    }

    /// The item's deadline (办结时限), once assigned.
    pub fn deadline(&self) -> Option<&DueState> {
        self.item.dues.get(&DueKey::item("deadline"))
    }

    /// `unit`'s reports: (seq, due date), in order.
    pub fn reports_of(&self, unit: &str) -> Vec<(u32, &DueState)> {
        self.item.dues.iter().filter(|(k, _)| k.name == "report" && k.unit_id == unit).map(|(k, d)| (k.seq, d)).collect()
    }

    pub(crate) fn dues_mut(&mut self) -> &mut BTreeMap<DueKey, DueState> {
        &mut self.item.dues
    }

    pub(crate) fn assignment_mut(&mut self, unit: &str) -> Option<&mut Assignment> {
        self.item.assignments.iter_mut().find(|a| a.active && a.unit_id == unit)
    }
}

impl ItemView for Snapshot {
    fn state_code(&self) -> &'static str {
        self.item.state.as_str()
    }
    fn assignments(&self) -> &[Assignment] {
        &self.item.assignments
    }
    fn dues(&self) -> Vec<(DueKey, DueState)> {
        self.item.dues()
    }
    fn extension_pending(&self) -> bool {
        self.extension.is_some()
    }
    fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.item.closed_at
    }
}
