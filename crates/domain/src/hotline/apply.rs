//! [`apply`]: the hotline's life cycle, one action at a time.

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use super::rules::{Hotline, guard};
use super::*;
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{Assignment, AssignmentRole};

/// Everything that can be done to an order after it is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 直接办结: answered at once by the centre (from the knowledge base).
    CloseDirectly { answer: String, knowledge_id: Option<String> },
    /// 派单 to a lead unit with optional co-units; `answer_due` may shorten the answer limit.
    Dispatch { lead: UnitRef, co: Vec<UnitRef>, answer_due: Option<DateTime<Utc>>, note: Option<String> },
    /// 二级派单: a district (or zone) hands its order to a unit below it.
    /// `from` is the current lead unit, as loaded by the caller.
    Forward { from: UnitRef, to: UnitRef, note: Option<String> },
    /// 签收.
    Sign,
    /// A progress note (办理情况).
    Note { text: String },
    /// 退单申请: not this unit's business, with the reason.
    RequestReturn { reason: String },
    /// The dispatcher's judgement of a return.
    JudgeReturn { approve: bool, comment: Option<String> },
    /// 答复. `review`: the unit's answers go through its head (单位审核) before they leave it;
    /// the head's own answer does not wait for itself.
    Answer { text: String, review: bool },
    /// 单位审核: the unit's head lets the answer go to the centre, or sends it back with why.
    ApproveAnswer { approve: bool, comment: Option<String> },
    /// 审核: pass, or send back for 重办 with a reason.
    Review { pass: bool, comment: Option<String> },
    /// 回访 with the citizen's rating; an unsatisfied rating reopens the order unless the centre
    /// decides otherwise (`reopen = false`).
    Callback { satisfaction: Satisfaction, comment: Option<String>, reopen: Option<bool> },
    /// 延期申请.
    RequestExtension { days: u32, reason: String },
    /// 延期审批.
    DecideExtension { approve: bool, comment: Option<String> },
    /// 合并 under a master order.
    Merge { master_id: String, master_number: String, master_state: State },
    /// 撤单.
    Withdraw { reason: String },
    /// 督办: escalate into supervision. The caller states whether the order is overdue and
    /// whether it repeats an earlier complaint; one of them must hold.
    Escalate { reason: String, overdue: bool, repeat: bool },
}

impl Action {
    /// The stable name recorded on the event.
    pub fn name(&self) -> &'static str {
        match self {
            Action::CloseDirectly { .. } => "close_directly",
            Action::Dispatch { .. } => "dispatch",
            Action::Forward { .. } => "forward",
            Action::Sign => "sign",
            Action::Note { .. } => "note",
            Action::RequestReturn { .. } => "request_return",
            Action::JudgeReturn { .. } => "judge_return",
            Action::Answer { .. } => "answer",
            Action::ApproveAnswer { .. } => "approve_answer",
            Action::Review { .. } => "review",
            Action::Callback { .. } => "callback",
            Action::RequestExtension { .. } => "request_extension",
            Action::DecideExtension { .. } => "decide_extension",
            Action::Merge { .. } => "merge",
            Action::Withdraw { .. } => "withdraw",
            Action::Escalate { .. } => "escalate",
        }
    }
}

/// The fewest characters an answer to a citizen may have: 「已修」 tells them nothing.
pub const MIN_ANSWER_CHARS: usize = 10;

/// An answer says what was done, with what result: a few characters are refused, with why.
/// Checked where staff answer (not on import: a past record is kept as it was written).
pub fn check_answer(text: &str) -> Result<(), DomainError> {
    let n = text.chars().filter(|c| !c.is_whitespace()).count();
    if n < MIN_ANSWER_CHARS {
        return Err(DomainError::invalid(
            "answer_too_short",
            format!("答复内容过短（{n} 字，至少 {MIN_ANSWER_CHARS} 字）：请写明核实情况、办理过程、结果和依据，让市民看得明白"),
        ));
    }
    Ok(())
}

/// What [`apply`] decided: the new snapshot and the event's details.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub snapshot: Snapshot,
    pub action: &'static str,
    pub details: serde_json::Value,
}

/// The life cycle. `limits` are those configured for the order's type and urgency.
pub fn apply(
    current: &Snapshot,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    cal: &Calendar,
    limits: &TimeLimits,
) -> Result<Outcome, DomainError> {
    let mut s = current.clone();
    let details = match action {
        Action::CloseDirectly { answer, knowledge_id } => {
            guard(current, actor, "close_directly")?;
            s.state = State::Closed;
            s.answer = Some(answer.clone());
            s.closed_at = Some(now);
            json!({ "answer": answer, "knowledge_id": knowledge_id })
        }
        Action::Dispatch { lead, co, answer_due, note } => {
            guard(current, actor, "dispatch")?;
            check_handler(lead)?;
            for c in co {
                check_handler(c)?;
                if c.id == lead.id {
                    return Err(DomainError::invalid("co_unit_is_lead", "协办单位不能与主办单位相同"));
                }
            }
            let mut answer = limits.answer.due(now, cal);
            if let Some(at) = answer_due {
                if *at <= now {
                    return Err(DomainError::invalid("deadline_in_past", "答复时限不能早于当前时间"));
                }
                if *at < answer.at {
                    answer = Deadline { at: *at, provisional: false };
                } else {
                    return Err(DomainError::invalid(
                        "deadline_beyond_limit",
                        format!("指定的答复时限不能晚于规定时限（{}）", limits.answer.label()),
                    ));
                }
            }
            s.end_assignments();
            s.assignments.push(new_assignment(&lead.id, AssignmentRole::Lead, now));
            for c in co {
                s.assignments.push(new_assignment(&c.id, AssignmentRole::Co, now));
            }
            let pct = limits.warn_percent;
            s.start(DeadlineKind::Sign, &limits.sign, now, cal, pct);
            s.start(DeadlineKind::Return, &limits.return_window, now, cal, pct);
            s.set_due(DeadlineKind::Answer, now, answer, limits.answer.is_working_time(), cal, pct);
            s.start(DeadlineKind::Close, &limits.close, now, cal, pct);
            s.pending_extension = None;
            s.state = State::Dispatched;
            json!({
                "lead_unit": {"id": lead.id, "name": lead.name},
                "co_units": co.iter().map(|c| json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(),
                "note": note,
                "answer_due": answer.at,
            })
        }
        Action::Forward { from, to, note } => {
            guard(current, actor, "forward")?;
            if current.lead_unit_id() != Some(from.id.as_str()) || !from.kind.can_forward() {
                return Err(DomainError::forbidden(
                    "cannot_forward",
                    format!("只有县区、开发区可以二级派单，“{}”是{}", from.name, from.kind.label()),
                ));
            }
            if to.parent_id.as_deref() != Some(from.id.as_str()) {
                return Err(DomainError::invalid("not_a_subunit", format!("“{}”不是本单位的下级单位", to.name)));
            }
            check_handler(to)?;
            if let Some(lead) = s.lead_mut() {
                lead.role = AssignmentRole::Forwarded;
                lead.outcome = Some("forwarded".into());
                lead.active = false;
                if lead.signed_at.is_none() {
                    lead.signed_at = Some(now);
                }
            }
            s.assignments.push(new_assignment(&to.id, AssignmentRole::Lead, now));
            s.start(DeadlineKind::Sign, &limits.sign, now, cal, limits.warn_percent);
            s.start(DeadlineKind::Return, &limits.return_window, now, cal, limits.warn_percent);
            s.state = State::Dispatched;
            json!({ "from_unit": {"id": from.id, "name": from.name}, "to_unit": {"id": to.id, "name": to.name}, "note": note })
        }
        Action::Sign => {
            guard(current, actor, "sign")?;
            if let Some(lead) = s.lead_mut() {
                lead.signed_at = Some(now);
            }
            s.meet(DeadlineKind::Sign, now);
            s.state = State::Handling;
            json!({ "on_time": on_time(current, DeadlineKind::Sign, now) })
        }
        Action::Note { text } => {
            guard(current, actor, "note")?;
            json!({ "text": text })
        }
        Action::RequestReturn { reason } => {
            guard(current, actor, "request_return")?;
            if let Some(d) = current.deadlines.get(&DeadlineKind::Return) && now > d.due.at {
                return Err(DomainError::conflict(
                    "return_window_closed",
                    format!("已超过退单时限（{}），不能退单；如确非本单位职责，请联系热线中心", limits.return_window.label()),
                ));
            }
            s.state = State::ReturnRequested;
            json!({ "reason": reason, "from_state": current.state.as_str() })
        }
        Action::JudgeReturn { approve, comment } => {
            guard(current, actor, "judge_return")?;
            let lead = current.lead_unit_id().map(str::to_string);
            if *approve {
                if let Some(lead) = s.lead_mut() {
                    lead.outcome = Some("returned".into());
                }
                s.end_assignments();
                s.deadlines.clear();
                s.pending_extension = None;
                s.state = State::Returned;
            } else {
                let signed = current.lead().and_then(|a| a.signed_at).is_some();
                s.state = if signed { State::Handling } else { State::Dispatched };
            }
            json!({ "approve": approve, "comment": comment, "unit_id": lead })
        }
        Action::Answer { text, review } => {
            guard(current, actor, "answer")?;
            let head = crate::kernel::parties(&current.assignments, actor).contains(&crate::kernel::Party::LeadHead);
            s.answer = Some(text.clone());
            s.pending_extension = None;
            if *review && !head {
                // The answer waits for the unit's head; its clock runs on.
                s.state = State::UnitReview;
                json!({ "text": text, "for_review": true })
            } else {
                s.meet(DeadlineKind::Answer, now);
                s.state = State::Answered;
                json!({ "text": text, "on_time": on_time(current, DeadlineKind::Answer, now) })
            }
        }
        Action::ApproveAnswer { approve, comment } => {
            guard(current, actor, "approve_answer")?;
            if *approve {
                s.meet(DeadlineKind::Answer, now);
                s.state = State::Answered;
                json!({ "approve": true, "comment": comment, "text": current.answer, "on_time": on_time(current, DeadlineKind::Answer, now) })
            } else {
                if comment.as_deref().map(str::trim).unwrap_or_default().is_empty() {
                    return Err(DomainError::invalid("empty_reason", "退回修改时必须写明理由"));
                }
                s.answer = None;
                s.state = State::Handling;
                json!({ "approve": false, "comment": comment })
            }
        }
        Action::Review { pass, comment } => {
            guard(current, actor, "review")?;
            if *pass {
                s.state = State::Callback;
            } else {
                if comment.as_deref().map(str::trim).unwrap_or_default().is_empty() {
                    return Err(DomainError::invalid("empty_reason", "审核不通过时必须写明退回理由"));
                }
                reopen(&mut s, now, cal, limits);
            }
            json!({ "pass": pass, "comment": comment })
        }
        Action::Callback { satisfaction, comment, reopen: want_reopen } => {
            guard(current, actor, "callback")?;
            s.satisfaction = Some(*satisfaction);
            let reopening = *satisfaction == Satisfaction::Unsatisfied && want_reopen.unwrap_or(true);
            if reopening {
                reopen(&mut s, now, cal, limits);
            } else {
                s.state = State::Closed;
                s.closed_at = Some(now);
                s.meet(DeadlineKind::Close, now);
            }
            json!({
                "satisfaction": satisfaction.as_str(),
                "comment": comment,
                "reopened": reopening,
                "by_citizen": actor.is_citizen(),
            })
        }
        Action::RequestExtension { days, reason } => {
            guard(current, actor, "request_extension")?;
            if current.pending_extension.is_some() {
                return Err(DomainError::conflict("extension_pending", "已有一份延期申请等待审批"));
            }
            let room = limits.max_extension_days.saturating_sub(current.extension_days);
            if *days == 0 || *days > room {
                return Err(DomainError::invalid(
                    "extension_too_long",
                    format!(
                        "延期天数应为 1 至 {room} 个工作日（累计最多 {} 个工作日，已延期 {} 个工作日）",
                        limits.max_extension_days, current.extension_days
                    ),
                ));
            }
            s.pending_extension = Some(PendingExtension {
                days: *days,
                reason: reason.clone(),
                requested_at: now,
                unit_id: current.lead_unit_id().unwrap_or_default().to_string(),
            });
            json!({ "days": days, "reason": reason })
        }
        Action::DecideExtension { approve, comment } => {
            guard(current, actor, "decide_extension")?;
            let Some(p) = current.pending_extension.clone() else {
                return Err(DomainError::conflict("no_extension_pending", "没有等待审批的延期申请"));
            };
            s.pending_extension = None;
            let mut new_due = None;
            if *approve {
                s.extension_days += p.days;
                for kind in [DeadlineKind::Answer, DeadlineKind::Close] {
                    if let Some(d) = s.deadlines.get_mut(&kind) {
                        *d = d.extended(p.days, cal, limits.warn_percent);
                        if kind == DeadlineKind::Answer {
                            new_due = Some(d.due.at);
                        }
                    }
                }
            }
            json!({ "approve": approve, "days": p.days, "comment": comment, "answer_due": new_due })
        }
        Action::Merge { master_id, master_number, master_state } => {
            guard(current, actor, "merge")?;
            if matches!(master_state, State::Merged | State::Withdrawn) {
                return Err(DomainError::conflict(
                    "master_not_open",
                    format!("主工单 {master_number} 状态为“{}”，不能作为合并目标", master_state.label()),
                ));
            }
            s.end_assignments();
            s.master_id = Some(master_id.clone());
            s.state = State::Merged;
            s.closed_at = Some(now);
            json!({ "master_id": master_id, "master_number": master_number })
        }
        Action::Withdraw { reason } => {
            guard(current, actor, "withdraw")?;
            s.end_assignments();
            s.state = State::Withdrawn;
            s.closed_at = Some(now);
            json!({ "reason": reason, "by_citizen": actor.is_citizen() })
        }
        Action::Escalate { reason, overdue, repeat } => {
            guard(current, actor, "escalate")?;
            if current.escalated {
                return Err(DomainError::conflict("already_escalated", "该工单已转督办"));
            }
            if !overdue && !repeat {
                return Err(DomainError::conflict("not_escalatable", "只有超期未办或重复投诉的工单可以转督办"));
            }
            s.escalated = true;
            json!({ "reason": reason, "overdue": overdue, "repeat": repeat })
        }
    };
    // The rule table says where each action leads; the code above must agree with it.
    debug_assert!(
        crate::kernel::leads_to::<Hotline>(action.name(), current.state, s.state),
        "{} led from {:?} to {:?}, which the rule table does not allow",
        action.name(),
        current.state,
        s.state
    );
    Ok(Outcome { snapshot: s, action: action.name(), details })
}

/// 重办: back to the same lead unit, with a fresh answer and closing limit.
fn reopen(s: &mut Snapshot, now: DateTime<Utc>, cal: &Calendar, limits: &TimeLimits) {
    s.reopen_count += 1;
    s.state = State::Handling;
    s.answer = None;
    s.start(DeadlineKind::Answer, &limits.answer, now, cal, limits.warn_percent);
    s.start(DeadlineKind::Close, &limits.close, now, cal, limits.warn_percent);
}

fn new_assignment(unit_id: &str, role: AssignmentRole, now: DateTime<Utc>) -> Assignment {
    Assignment::new(unit_id, role, now)
}

fn check_handler(u: &UnitRef) -> Result<(), DomainError> {
    if u.kind.can_handle() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "unit_cannot_handle",
            format!("“{}”（{}）不承办热线工单", u.name, u.kind.label()),
        ))
    }
}

fn on_time(s: &Snapshot, kind: DeadlineKind, now: DateTime<Utc>) -> Option<bool> {
    s.deadlines.get(&kind).map(|d| now <= d.due.at)
}

