//! [`apply`]: a supervision item's life, one action at a time.

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ExtensionRequest, Objection, Snapshot, State};
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, Assignment, AssignmentRole, DueKey, DueState, Party, ReportCycle, parties};
use crate::limits::Limit;
use crate::validate;

pub use crate::kernel::UnitRef;

use super::rules::Supervision;

/// The office's settings for supervision: every number a default an administrator can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Settings {
    /// 签收 within this many working days of 交办.
    pub sign_days: u32,
    /// An objection (异议) within this many working days of 交办.
    pub objection_days: u32,
    /// The yellow warning when this share of a due date's time is used.
    pub warn_percent: u32,
    /// A 催办单 once a unit has missed this many reports (0: never).
    pub remind_after_misses: u32,
    /// A 督办通知单 once a unit has missed this many reports (0: never).
    pub notice_after_misses: u32,
    /// A yellow card when the deadline is near and the unit is behind.
    pub yellow_card: bool,
    /// A red card to the lead unit when the deadline has passed.
    pub red_card: bool,
    /// Funds that arrived and sat unpaid this many working days are warned of.
    pub unpaid_days: u32,
    /// The assessment's points.
    pub scores: super::assess::ScoreTable,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sign_days: 1,
            objection_days: 2,
            warn_percent: 80,
            remind_after_misses: 1,
            notice_after_misses: 2,
            yellow_card: true,
            red_card: true,
            unpaid_days: 20,
            scores: super::assess::ScoreTable::default(),
        }
    }
}

impl Settings {
    /// Settings an administrator sent, checked: the numbers within reason.
    pub fn checked(self) -> Result<Settings, DomainError> {
        let bad = |m: &str| Err(DomainError::invalid("invalid_settings", m.to_string()));
        if self.sign_days == 0 || self.sign_days > 30 || self.objection_days == 0 || self.objection_days > 30 {
            return bad("签收、异议期限应为 1 至 30 个工作日");
        }
        if !(50..=99).contains(&self.warn_percent) {
            return bad("预警比例应在 50% 至 99% 之间");
        }
        if self.remind_after_misses > 10 || self.notice_after_misses > 10 {
            return bad("催办、督办通知的逾期次数应在 0 至 10 之间（0 表示不发）");
        }
        if self.notice_after_misses != 0 && self.remind_after_misses != 0 && self.notice_after_misses < self.remind_after_misses {
            return bad("督办通知单应在催办单之后发出");
        }
        if self.unpaid_days == 0 || self.unpaid_days > 250 {
            return bad("资金滞留预警期限应为 1 至 250 个工作日");
        }
        Ok(self)
    }
}

/// Everything that can be done to an item after 立项.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 交办: to a lead unit (牵头单位) and co-units (配合单位), with the deadline, the reporting
    /// cycle and the milestones (节点: what, by when).
    Assign { lead: UnitRef, co: Vec<UnitRef>, deadline: DateTime<Utc>, cycle: ReportCycle, milestones: Vec<(String, DateTime<Utc>)> },
    /// 签收, by the acting unit.
    Sign,
    /// 异议: not this unit's business, within the window after 交办.
    Object { reason: String },
    /// The office on an objection: agreed, the item goes back to be handed out again.
    DecideObjection { approve: bool, comment: Option<String> },
    /// 反馈进展: the acting unit's report on the cycle; the lead unit may mark a milestone done.
    Report { text: String, milestone: Option<u32> },
    /// 催办: the office presses a unit (a 催办单).
    Remind { unit_id: String, note: String },
    /// 延期: before the deadline, with a reason and a later date.
    RequestExtension { new_due: DateTime<Utc>, reason: String },
    DecideExtension { approve: bool, comment: Option<String> },
    /// 办结申请, with the evidence.
    RequestClosure { evidence: String },
    /// 审核: 销号, or sent back with the reason.
    Review { pass: bool, comment: Option<String> },
    /// A leader's new instruction reopens a struck-off item, with a new deadline.
    Reopen { reason: String, deadline: DateTime<Utc> },
    /// 撤销, with the reason.
    Cancel { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Assign { .. } => "assign",
            Action::Sign => "sign",
            Action::Object { .. } => "object",
            Action::DecideObjection { .. } => "decide_objection",
            Action::Report { .. } => "report",
            Action::Remind { .. } => "remind",
            Action::RequestExtension { .. } => "request_extension",
            Action::DecideExtension { .. } => "decide_extension",
            Action::RequestClosure { .. } => "request_closure",
            Action::Review { .. } => "review",
            Action::Reopen { .. } => "reopen",
            Action::Cancel { .. } => "cancel",
        }
    }
}

/// The new snapshot and the event's details.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub snapshot: Snapshot,
    pub action: &'static str,
    pub details: serde_json::Value,
}

fn text(field: &'static str, label: &str, v: &str) -> Result<String, DomainError> {
    validate::text(field, label, v, validate::MAX_CONTENT_CHARS)
}

/// The unit `actor` acts for, when that unit was handed the item.
fn acting_unit(s: &Snapshot, actor: &Actor) -> Option<String> {
    let st = actor.staff()?;
    s.item.assignments.iter().any(|a| a.active && a.unit_id == st.unit_id).then(|| st.unit_id.clone())
}

/// The reports of every active unit from `from` to `until` on the item's cycle, numbered on
/// from each unit's last report; and the deadline itself.
fn schedule(s: &mut Snapshot, from: DateTime<Utc>, until: Deadline, cal: &Calendar, pct: u32) {
    let units: Vec<String> = s.item.assignments.iter().filter(|a| a.active).map(|a| a.unit_id.clone()).collect();
    let cycle = s.cycle;
    let dues = s.dues_mut();
    for unit in units {
        let owed: Vec<(u32, DateTime<Utc>)> =
            dues.iter().filter(|(k, _)| k.name == "report" && k.unit_id == unit).map(|(k, d)| (k.seq, d.due.at)).collect();
        let first = owed.iter().map(|o| o.0).max().unwrap_or(0) + 1;
        let last = owed.iter().map(|o| o.1).max();
        // A period already reported on (or owed) is not owed twice.
        let periods = cycle.schedule(from, until.at, cal).into_iter().filter(|(_, d)| last.is_none_or(|l| d.at > l));
        for (next, (_, due)) in (first..).zip(periods) {
            dues.insert(DueKey { name: "report".into(), unit_id: unit.clone(), seq: next }, DueState::until(from, due, true, cal, pct));
        }
    }
    dues.insert(DueKey::item("deadline"), DueState::until(from, until, true, cal, pct));
}

fn check_deadline(at: DateTime<Utc>, now: DateTime<Utc>, what: &str) -> Result<Deadline, DomainError> {
    if at <= now {
        return Err(DomainError::invalid("deadline_in_past", format!("{what}不能早于当前时间")));
    }
    Ok(Deadline { at, provisional: false })
}

/// The life cycle, by the rule table ([`Supervision`]) and the office's `settings`.
pub fn apply(current: &Snapshot, actor: &Actor, action: &Action, now: DateTime<Utc>, cal: &Calendar, settings: &Settings) -> Result<Outcome, DomainError> {
    let have = parties(&current.item.assignments, actor);
    kernel::guard::<Supervision>(&have, current.state(), action.name())?;
    let pct = settings.warn_percent;
    let mut s = current.clone();
    let details = match action {
        Action::Assign { lead, co, deadline, cycle, milestones } => {
            let due = check_deadline(*deadline, now, "办结时限")?;
            let mut ids = vec![lead.id.as_str()];
            for c in co {
                if ids.contains(&c.id.as_str()) {
                    return Err(DomainError::invalid("duplicate_unit", format!("“{}”重复出现在承办单位中", c.name)));
                }
                ids.push(&c.id);
            }
            s.item.assignments.iter_mut().for_each(|a| a.active = false);
            s.item.assignments.push(Assignment::new(&lead.id, AssignmentRole::Lead, now));
            for c in co {
                s.item.assignments.push(Assignment::new(&c.id, AssignmentRole::Co, now));
            }
            s.item.dues.clear();
            s.cycle = *cycle;
            let sign = DueState::after(now, &Limit::working_days(settings.sign_days), cal, pct);
            for unit in &ids {
                s.item.dues.insert(DueKey { name: "sign".into(), unit_id: (*unit).into(), seq: 0 }, sign);
            }
            for (i, (what, at)) in milestones.iter().enumerate() {
                let m = check_deadline(*at, now, "节点时限")?;
                if *at > *deadline {
                    return Err(DomainError::invalid("milestone_after_deadline", format!("节点“{what}”的时限晚于办结时限")));
                }
                s.item.dues.insert(DueKey { name: "milestone".into(), unit_id: String::new(), seq: i as u32 + 1 }, DueState::until(now, m, true, cal, pct));
            }
            schedule(&mut s, now, due, cal, pct);
            s.item.state = State::Assigned;
            json!({
                "lead_unit": {"id": lead.id, "name": lead.name},
                "co_units": co.iter().map(|c| json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(),
                "deadline": deadline, "cycle": cycle.label(),
                "milestones": milestones.iter().map(|(w, at)| json!({"what": w, "due_at": at})).collect::<Vec<_>>(),
            })
        }
        Action::Sign => {
            let unit = acting_unit(current, actor).unwrap_or_default();
            let a = s.assignment_mut(&unit).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "本单位未承办该督办事项"))?;
            if a.signed_at.is_some() {
                return Err(DomainError::conflict("already_signed", "本单位已签收"));
            }
            a.signed_at = Some(now);
            let lead = a.role == AssignmentRole::Lead;
            let on_time = meet(&mut s, &DueKey { name: "sign".into(), unit_id: unit.clone(), seq: 0 }, now);
            if lead {
                s.item.state = State::InProgress;
            }
            json!({ "unit_id": unit, "lead": lead, "on_time": on_time })
        }
        Action::Object { reason } => {
            let reason = text("reason", "异议理由", reason)?;
            let unit = acting_unit(current, actor).unwrap_or_default();
            let assigned = current.item.assignments.iter().find(|a| a.active && a.unit_id == unit).map(|a| a.assigned_at).unwrap_or(now);
            let window = cal.add_working_days(assigned, settings.objection_days);
            if now > window.at {
                return Err(DomainError::conflict(
                    "objection_window_closed",
                    format!("异议应在交办后 {} 个工作日内提出，已超过期限；如确有困难，请申请延期或联系督查科", settings.objection_days),
                ));
            }
            if current.objection.is_some() {
                return Err(DomainError::conflict("objection_pending", "已有一份异议等待督查科审核"));
            }
            s.objection = Some(Objection { unit_id: unit.clone(), reason: reason.clone(), at: now });
            json!({ "unit_id": unit, "reason": reason })
        }
        Action::DecideObjection { approve, comment } => {
            let Some(o) = current.objection.clone() else {
                return Err(DomainError::conflict("no_objection_pending", "没有等待审核的异议"));
            };
            s.objection = None;
            if *approve {
                // Handed out again: the office decides anew who leads and who helps.
                for a in &mut s.item.assignments {
                    if a.active {
                        a.active = false;
                        if a.unit_id == o.unit_id {
                            a.outcome = Some("objected".into());
                        }
                    }
                }
                s.item.dues.clear();
                s.item.state = State::Drafted;
            }
            json!({ "approve": approve, "unit_id": o.unit_id, "comment": comment })
        }
        Action::Report { text: t, milestone } => {
            let t = text("text", "进展情况", t)?;
            let unit = acting_unit(current, actor).unwrap_or_default();
            // The earliest report this unit still owes.
            let owed = current.reports_of(&unit).into_iter().find(|(_, d)| d.met_at.is_none()).map(|(seq, d)| (seq, now <= d.due.at));
            if let Some((seq, _)) = owed {
                meet(&mut s, &DueKey { name: "report".into(), unit_id: unit.clone(), seq }, now);
            }
            if let Some(m) = milestone {
                if !have.contains(&Party::LeadUnit) {
                    return Err(DomainError::forbidden("not_allowed_for_user", "只有牵头单位可以报告节点完成"));
                }
                let key = DueKey { name: "milestone".into(), unit_id: String::new(), seq: *m };
                if !s.item.dues.contains_key(&key) {
                    return Err(DomainError::invalid("unknown_milestone", format!("没有第 {m} 个节点")));
                }
                meet(&mut s, &key, now);
            }
            json!({ "unit_id": unit, "text": t, "seq": owed.map(|o| o.0), "on_time": owed.map(|o| o.1), "milestone": milestone })
        }
        Action::Remind { unit_id, note } => {
            if !current.item.assignments.iter().any(|a| a.active && a.unit_id == *unit_id) {
                return Err(DomainError::invalid("unit_not_assigned", "该单位未承办此督办事项"));
            }
            json!({ "unit_id": unit_id, "note": note.trim() })
        }
        Action::RequestExtension { new_due, reason } => {
            let reason = text("reason", "延期理由", reason)?;
            let Some(d) = current.deadline() else { return Err(DomainError::conflict("not_assigned", "尚未交办")) };
            if now > d.due.at {
                return Err(DomainError::conflict("deadline_passed", "延期应在办结时限之前申请，现已超期"));
            }
            if *new_due <= d.due.at {
                return Err(DomainError::invalid("extension_not_later", "延期后的时限应晚于原办结时限"));
            }
            if current.extension.is_some() {
                return Err(DomainError::conflict("extension_pending", "已有一份延期申请等待审批"));
            }
            let unit = acting_unit(current, actor).unwrap_or_default();
            s.extension = Some(ExtensionRequest { new_due: *new_due, reason: reason.clone(), requested_at: now, unit_id: unit });
            json!({ "new_due": new_due, "reason": reason, "old_due": d.due.at })
        }
        Action::DecideExtension { approve, comment } => {
            let Some(e) = current.extension.clone() else {
                return Err(DomainError::conflict("no_extension_pending", "没有等待审批的延期申请"));
            };
            s.extension = None;
            if let (true, Some(old)) = (*approve, current.deadline().copied()) {
                // The cycle goes on to the new deadline: more reports are owed.
                let new = Deadline { at: e.new_due, provisional: false };
                schedule(&mut s, old.due.at, new, cal, pct);
                // The deadline still counts from when the item was handed out.
                s.dues_mut().insert(DueKey::item("deadline"), DueState::until(old.started_at, new, true, cal, pct));
            }
            json!({ "approve": approve, "new_due": e.new_due, "comment": comment })
        }
        Action::RequestClosure { evidence } => {
            let evidence = text("evidence", "办结情况", evidence)?;
            let on_time = meet(&mut s, &DueKey::item("deadline"), now);
            s.evidence = Some(evidence.clone());
            s.item.state = State::ClosureRequested;
            json!({ "evidence": evidence, "on_time": on_time })
        }
        Action::Review { pass, comment } => {
            if *pass {
                s.item.state = State::Closed;
                s.item.closed_at = Some(now);
            } else {
                if comment.as_deref().map(str::trim).unwrap_or_default().is_empty() {
                    return Err(DomainError::invalid("empty_reason", "退回时必须写明理由"));
                }
                // Not done after all: the deadline runs again.
                if let Some(d) = s.item.dues.get_mut(&DueKey::item("deadline")) {
                    d.met_at = None;
                }
                s.evidence = None;
                s.item.state = State::InProgress;
            }
            json!({ "pass": pass, "comment": comment })
        }
        Action::Reopen { reason, deadline } => {
            let reason = text("reason", "重新督办理由", reason)?;
            let due = check_deadline(*deadline, now, "新的办结时限")?;
            schedule(&mut s, now, due, cal, pct);
            s.item.closed_at = None;
            s.evidence = None;
            s.reopen_count += 1;
            s.item.state = State::InProgress;
            json!({ "reason": reason, "deadline": deadline })
        }
        Action::Cancel { reason } => {
            let reason = text("reason", "撤销理由", reason)?;
            s.item.state = State::Cancelled;
            s.item.closed_at = Some(now);
            json!({ "reason": reason })
        }
    };
    debug_assert!(
        kernel::leads_to::<Supervision>(action.name(), current.state(), s.state()),
        "{} led from {:?} to {:?}, which the rule table does not allow",
        action.name(),
        current.state(),
        s.state()
    );
    Ok(Outcome { snapshot: s, action: action.name(), details })
}

/// Mark a due date met now; whether it was met on time (None: no such due date).
fn meet(s: &mut Snapshot, key: &DueKey, now: DateTime<Utc>) -> Option<bool> {
    let d = s.dues_mut().get_mut(key)?;
    if d.met_at.is_none() {
        d.met_at = Some(now);
    }
    Some(now <= d.due.at)
}
