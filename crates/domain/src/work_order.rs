//! The 12345 work order (工单): its fields, its states, and its whole life cycle in one table.
//!
//! ```text
//!  registered ──直接办结──────────────────────────────────────────────▶ closed
//!      │  └──合并──▶ merged          (撤单 from any open state ──▶ withdrawn)
//!      └──派单──▶ dispatched ──签收──▶ handling ──答复──▶ answered ──审核通过──▶ callback
//!                  ▲   │  ▲             │  ▲  │                │                 │
//!                  │   │  └─二级派单────┘  │  └─延期申请/审批  └─审核退回(重办)─┐ │ 满意/基本满意
//!                  │   └──退单申请──▶ return_requested ──同意──▶ returned       │ ▼
//!                  │                     └──不同意──▶ (back)        │         closed
//!                  └────────────────────────────────────────────────┘ 不满意 ─▶ handling (重办)
//! ```
//!
//! [`apply`] is the only way an order changes. It checks that the action is allowed in the
//! current state and by this actor, computes the new deadlines on the calendar, and returns the
//! new snapshot with the event that records it. The store writes both in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::limits::{Limit, warn_point};
use crate::org::{Role, UnitKind};

macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
        }
    };
}

labelled_enum!(
    /// How the request reached the centre.
    Channel {
        Phone = "phone" / "电话",
        Web = "web" / "网站",
        Board = "board" / "留言板",
        MayorMailbox = "mayor_mailbox" / "市长信箱",
        Open311 = "open311" / "Open311接口",
    }
);

labelled_enum!(
    OrderType {
        Inquiry = "inquiry" / "咨询",
        Help = "help" / "求助",
        Complaint = "complaint" / "投诉",
        Report = "report" / "举报",
        Suggestion = "suggestion" / "建议",
        Praise = "praise" / "表扬",
    }
);

labelled_enum!(
    Urgency {
        Normal = "normal" / "一般",
        Urgent = "urgent" / "紧急",
    }
);

labelled_enum!(
    State {
        Registered = "registered" / "待派单",
        Dispatched = "dispatched" / "待签收",
        Handling = "handling" / "办理中",
        ReturnRequested = "return_requested" / "退单待审",
        Returned = "returned" / "已退单待重派",
        Answered = "answered" / "待审核",
        Callback = "callback" / "待回访",
        Closed = "closed" / "已办结",
        Merged = "merged" / "已合并",
        Withdrawn = "withdrawn" / "已撤单",
    }
);

labelled_enum!(
    Satisfaction {
        Satisfied = "satisfied" / "满意",
        Basic = "basic" / "基本满意",
        Unsatisfied = "unsatisfied" / "不满意",
    }
);

labelled_enum!(
    /// The named deadlines an order carries.
    DeadlineKind {
        Sign = "sign" / "签收时限",
        Return = "return" / "退单时限",
        Answer = "answer" / "答复时限",
        Close = "close" / "办结时限",
    }
);

labelled_enum!(
    /// A unit's part in an order.
    AssignmentRole {
        Lead = "lead" / "主办",
        Co = "co" / "协办",
        Forwarded = "forwarded" / "转派",
    }
);

impl State {
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Closed | State::Merged | State::Withdrawn)
    }
}

/// The limits for one (type, urgency). A limit is written `2wh` (working hours), `5wd`
/// (working days), `24h` (clock hours) or `30min`, or in words (「2 个工作小时」).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimeLimits {
    /// 签收 after dispatch.
    #[schema(value_type = String, example = "2wh")]
    pub sign: Limit,
    /// Window for 退单 after receipt.
    #[schema(value_type = String, example = "1wd")]
    pub return_window: Limit,
    /// 答复 after dispatch (and after 重办).
    #[schema(value_type = String, example = "10wd")]
    pub answer: Limit,
    /// 办结 (review and call-back done) after dispatch.
    #[schema(value_type = String, example = "13wd")]
    pub close: Limit,
    /// Most working days all extensions together may add.
    pub max_extension_days: u32,
    /// The yellow warning fires when this share of the time is used.
    #[serde(default = "default_warn_percent")]
    pub warn_percent: u32,
}

fn default_warn_percent() -> u32 {
    80
}

/// SPEC.md's defaults: sign within 2 working hours (紧急 30 minutes), return within 1 working
/// day, answer within 咨询 2 / 求助 5 / 投诉 10 / 举报 15 / 建议 10 working days (表扬 2, it only
/// needs passing on), 紧急 first answer within 2 hours and closed within 24, in clock time;
/// closing allows 3 more working days than the answer for review and call-back; extensions add
/// at most 10 working days.
pub fn default_limits(t: OrderType, u: Urgency) -> TimeLimits {
    match u {
        Urgency::Urgent => TimeLimits {
            sign: Limit::minutes(30),
            return_window: Limit::working_days(1),
            answer: Limit::hours(2),
            close: Limit::hours(24),
            max_extension_days: 10,
            warn_percent: 80,
        },
        Urgency::Normal => {
            let days = match t {
                OrderType::Inquiry => 2,
                OrderType::Help => 5,
                OrderType::Complaint => 10,
                OrderType::Report => 15,
                OrderType::Suggestion => 10,
                OrderType::Praise => 2,
            };
            TimeLimits {
                sign: Limit::working_hours(2),
                return_window: Limit::working_days(1),
                answer: Limit::working_days(days),
                close: Limit::working_days(days + 3),
                max_extension_days: 10,
                warn_percent: 80,
            }
        }
    }
}

/// What [`apply`] needs to know of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub unit_id: String,
    pub role: AssignmentRole,
    pub active: bool,
    pub assigned_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    /// How the assignment ended, when not by handling the order: "returned" (退单 approved) or
    /// "forwarded" (二级派单).
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineState {
    /// When the clock started (the dispatch, the 重办).
    pub started_at: DateTime<Utc>,
    pub due: Deadline,
    /// When the yellow warning is due (by default 80% of the time used).
    pub warn_at: DateTime<Utc>,
    /// Counted in working time (else clock time).
    pub working: bool,
    /// When the thing the deadline asks for was done.
    pub met_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingExtension {
    pub days: u32,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub unit_id: String,
}

/// Everything the rules look at and change. Citizen details and content are not here: no rule
/// depends on them, and keeping them out keeps them out of the event log too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub state: State,
    pub order_type: OrderType,
    pub urgency: Urgency,
    pub created_at: DateTime<Utc>,
    pub assignments: Vec<Assignment>,
    pub deadlines: BTreeMap<DeadlineKind, DeadlineState>,
    pub pending_extension: Option<PendingExtension>,
    pub extension_days: u32,
    pub reopen_count: u32,
    pub answer: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub master_id: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// 督办: escalated into supervision.
    pub escalated: bool,
}

impl Snapshot {
    pub fn new(order_type: OrderType, urgency: Urgency, created_at: DateTime<Utc>) -> Self {
        Snapshot {
            state: State::Registered,
            order_type,
            urgency,
            created_at,
            assignments: Vec::new(),
            deadlines: BTreeMap::new(),
            pending_extension: None,
            extension_days: 0,
            reopen_count: 0,
            answer: None,
            satisfaction: None,
            master_id: None,
            closed_at: None,
            escalated: false,
        }
    }

    pub fn lead(&self) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.active && a.role == AssignmentRole::Lead)
    }

    pub fn lead_unit_id(&self) -> Option<&str> {
        self.lead().map(|a| a.unit_id.as_str())
    }

    fn lead_mut(&mut self) -> Option<&mut Assignment> {
        self.assignments.iter_mut().find(|a| a.active && a.role == AssignmentRole::Lead)
    }

    /// Active co-units (协办).
    pub fn co_unit_ids(&self) -> Vec<&str> {
        self.assignments
            .iter()
            .filter(|a| a.active && a.role == AssignmentRole::Co)
            .map(|a| a.unit_id.as_str())
            .collect()
    }

    fn end_assignments(&mut self) {
        for a in &mut self.assignments {
            a.active = false;
        }
    }

    fn set_due(&mut self, kind: DeadlineKind, start: DateTime<Utc>, due: Deadline, working: bool, cal: &Calendar, pct: u32) {
        let warn_at = warn_point(start, due.at, working, pct, cal);
        self.deadlines.insert(kind, DeadlineState { started_at: start, due, warn_at, working, met_at: None });
    }

    fn start(&mut self, kind: DeadlineKind, limit: &Limit, now: DateTime<Utc>, cal: &Calendar, pct: u32) {
        self.set_due(kind, now, limit.due(now, cal), limit.is_working_time(), cal, pct);
    }

    fn meet(&mut self, kind: DeadlineKind, at: DateTime<Utc>) {
        if let Some(d) = self.deadlines.get_mut(&kind) {
            if d.met_at.is_none() {
                d.met_at = Some(at);
            }
        }
    }
}

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
    /// 答复.
    Answer { text: String },
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

/// What [`apply`] decided: the new snapshot and the event's details.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub snapshot: Snapshot,
    pub action: &'static str,
    pub details: serde_json::Value,
}

/// Who may act on this order, relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Hotline,
    Dispatcher,
    LeadUnit,
    CoUnit,
    Citizen,
    Office,
}

fn parties(s: &Snapshot, actor: &Actor) -> Vec<Party> {
    let mut v = Vec::new();
    if actor.is_citizen() {
        v.push(Party::Citizen);
    }
    // Sanfu itself acts for the centre: automatic dispatch of a sure suggestion.
    if matches!(actor.principal, crate::Principal::System) {
        v.push(Party::Hotline);
        v.push(Party::Dispatcher);
    }
    if let Some(st) = actor.staff() {
        if st.is_hotline() {
            v.push(Party::Hotline);
        }
        if st.has(Role::Dispatcher) {
            v.push(Party::Dispatcher);
        }
        if st.has(Role::OfficeStaff) {
            v.push(Party::Office);
        }
        if st.acts_for_unit() {
            if s.lead_unit_id() == Some(st.unit_id.as_str()) {
                v.push(Party::LeadUnit);
            }
            if s.co_unit_ids().contains(&st.unit_id.as_str()) {
                v.push(Party::CoUnit);
            }
        }
    }
    v
}

fn require(s: &Snapshot, actor: &Actor, allowed: &[Party], what: &str) -> Result<(), DomainError> {
    let have = parties(s, actor);
    if allowed.iter().any(|p| have.contains(p)) {
        return Ok(());
    }
    let who: Vec<&str> = allowed
        .iter()
        .map(|p| match p {
            Party::Hotline => "热线中心",
            Party::Dispatcher => "派单员",
            Party::LeadUnit => "主办单位",
            Party::CoUnit => "协办单位",
            Party::Citizen => "诉求人",
            Party::Office => "督查科",
        })
        .collect();
    Err(DomainError::forbidden("not_allowed_for_user", format!("只有{}可以{what}", who.join("或"))))
}


const OPEN_FOR_UNIT: &[State] = &[State::Dispatched, State::Handling];

/// From which states an action may be taken.
#[derive(Debug, Clone, Copy)]
enum From {
    These(&'static [State]),
    /// Any state that is not an end (closed, merged, withdrawn).
    AnyOpen,
}

/// One line of the rule table: an action, what the office calls it, who may take it and from
/// which states. [`apply`], the API's `allowed_actions` and the page's buttons all read this
/// table; an action's further conditions (the return window, a pending extension, the master
/// order's state …) stay with the action in [`apply`].
struct Rule {
    action: &'static str,
    label: &'static str,
    who: &'static [Party],
    from: From,
}

const RULES: &[Rule] = &[
    Rule { action: "close_directly", label: "直接办结", who: &[Party::Hotline], from: From::These(&[State::Registered]) },
    Rule { action: "dispatch", label: "派单", who: &[Party::Hotline], from: From::These(&[State::Registered, State::Returned]) },
    Rule { action: "forward", label: "二级派单", who: &[Party::LeadUnit], from: From::These(OPEN_FOR_UNIT) },
    Rule { action: "sign", label: "签收", who: &[Party::LeadUnit], from: From::These(&[State::Dispatched]) },
    Rule {
        action: "note",
        label: "填写办理情况",
        who: &[Party::LeadUnit, Party::CoUnit, Party::Hotline],
        from: From::These(&[State::Handling, State::Answered, State::Callback]),
    },
    Rule { action: "request_return", label: "退单", who: &[Party::LeadUnit], from: From::These(OPEN_FOR_UNIT) },
    Rule { action: "judge_return", label: "审核退单", who: &[Party::Dispatcher], from: From::These(&[State::ReturnRequested]) },
    Rule { action: "answer", label: "答复", who: &[Party::LeadUnit], from: From::These(&[State::Handling]) },
    Rule { action: "review", label: "审核答复", who: &[Party::Dispatcher], from: From::These(&[State::Answered]) },
    Rule { action: "callback", label: "回访评价", who: &[Party::Hotline, Party::Citizen], from: From::These(&[State::Callback]) },
    Rule { action: "request_extension", label: "申请延期", who: &[Party::LeadUnit], from: From::These(&[State::Handling]) },
    Rule { action: "decide_extension", label: "审批延期", who: &[Party::Dispatcher], from: From::These(&[State::Handling]) },
    Rule {
        action: "merge",
        label: "合并工单",
        who: &[Party::Hotline],
        from: From::These(&[State::Registered, State::Returned, State::Dispatched]),
    },
    Rule { action: "withdraw", label: "撤单", who: &[Party::Hotline, Party::Citizen], from: From::AnyOpen },
    Rule { action: "escalate", label: "督办", who: &[Party::Hotline, Party::Office], from: From::AnyOpen },
];

fn rule(action: &str) -> &'static Rule {
    // Every action of [`Action::name`] has its line; a test holds the two together.
    RULES.iter().find(|r| r.action == action).unwrap_or(&RULES[0])
}

fn state_allowed(r: &Rule, state: State) -> bool {
    match r.from {
        From::These(states) => states.contains(&state),
        From::AnyOpen => !state.is_terminal(),
    }
}

/// Who and from which state, by the table: a refusal says who may, or why not now.
fn guard(s: &Snapshot, actor: &Actor, action: &str) -> Result<(), DomainError> {
    let r = rule(action);
    require(s, actor, r.who, r.label)?;
    if !state_allowed(r, s.state) {
        return Err(DomainError::conflict("invalid_state", format!("工单当前状态为“{}”，不能{}", s.state.label(), r.label)));
    }
    Ok(())
}

/// The actions `actor` may take on the order now, as far as the rule table decides (who, from
/// which state), in the table's order: what the API lists as `allowed_actions` and the pages
/// offer as buttons.
pub fn allowed_actions(s: &Snapshot, actor: &Actor) -> Vec<&'static str> {
    let have = parties(s, actor);
    RULES
        .iter()
        .filter(|r| r.who.iter().any(|p| have.contains(p)) && state_allowed(r, s.state))
        .map(|r| r.action)
        .collect()
}

/// The office's name for an action (「派单」, 「撤单」 …).
pub fn action_label(action: &str) -> &'static str {
    RULES.iter().find(|r| r.action == action).map(|r| r.label).unwrap_or("操作")
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
            if let Some(d) = current.deadlines.get(&DeadlineKind::Return) {
                if now > d.due.at {
                    return Err(DomainError::conflict(
                        "return_window_closed",
                        format!("已超过退单时限（{}），不能退单；如确非本单位职责，请联系热线中心", limits.return_window.label()),
                    ));
                }
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
        Action::Answer { text } => {
            guard(current, actor, "answer")?;
            s.answer = Some(text.clone());
            s.meet(DeadlineKind::Answer, now);
            s.pending_extension = None;
            s.state = State::Answered;
            json!({ "text": text, "on_time": on_time(current, DeadlineKind::Answer, now) })
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
                        let moved = cal.add_working_days(d.due.at, p.days);
                        d.due = Deadline { at: moved.at, provisional: moved.provisional || d.due.provisional };
                        d.warn_at = warn_point(d.started_at, d.due.at, d.working, limits.warn_percent, cal);
                        if kind == DeadlineKind::Answer {
                            new_due = Some(moved.at);
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
    Assignment { unit_id: unit_id.to_string(), role, active: true, assigned_at: now, signed_at: None, outcome: None }
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

#[cfg(test)]
mod tests;
