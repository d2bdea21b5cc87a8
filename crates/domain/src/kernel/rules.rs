//! A kind of work as data: states, due dates, queues, numbering and the one rule table.

use crate::error::DomainError;
use crate::kernel::party::Party;

/// The states of a kind (a [`labelled_enum!`](crate::labelled_enum) that says which are ends).
pub trait KindState: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    /// An end: nothing more is owed (办结, 撤销 …).
    fn is_terminal(self) -> bool;
    fn from_code(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|s| s.code() == code)
    }
}

/// From which states an action may be taken.
#[derive(Debug, Clone, Copy)]
pub enum From<S: 'static> {
    These(&'static [S]),
    /// Any state that is not an end.
    AnyOpen,
}

/// Where an action leads.
#[derive(Debug, Clone, Copy)]
pub enum To<S: 'static> {
    /// The state does not change (a note, an extension request …).
    Same,
    One(S),
    /// One of these, as the action decides (approve or send back …).
    Either(&'static [S]),
}

/// One line of the rule table.
#[derive(Debug, Clone, Copy)]
pub struct Rule<S: 'static> {
    pub action: &'static str,
    /// What the office calls it (「派单」, 「撤单」 …): the button, the refusal, the timeline.
    pub label: &'static str,
    pub who: &'static [Party],
    pub from: From<S>,
    pub to: To<S>,
}

/// A named due date, and the states in which it runs (is owed, and warned about when late).
#[derive(Debug, Clone, Copy)]
pub struct Due<S: 'static> {
    pub name: &'static str,
    pub label: &'static str,
    pub runs_in: &'static [S],
    /// The item is measured against it (its queue order, its colour on the dashboard) in the
    /// states where it runs and no earlier pacing due date of the table does. A window (the
    /// hotline's return window) runs without pacing.
    pub paces: bool,
}

/// An inbox queue: items of these states wait on this party.
#[derive(Debug, Clone, Copy)]
pub struct Queue<S: 'static> {
    pub code: &'static str,
    pub label: &'static str,
    pub states: &'static [S],
    pub party: Party,
    /// Only items with an extension request waiting for a decision.
    pub pending_extension: bool,
    /// Only items the unit itself has not yet finished its part of (its assignment has no
    /// outcome): each unit answers a 批示 for itself.
    pub unit_pending: bool,
}

/// The period a number series restarts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Year,
}

/// How a kind's items are numbered: a series per kind, issuing code and period.
#[derive(Debug, Clone, Copy)]
pub struct Numbering {
    /// `{code}`, `{year}`, `{date}` (YYYYMMDD), `{n}` and `{n:06}` (zero-padded) are replaced:
    /// `督〔{year}〕{n}号`, `{code}〔{year}〕{n}号`, `{date}{n:06}`. An administrator may set
    /// another format per series.
    pub format: &'static str,
    pub period: Period,
    /// A number is taken in the item's own transaction, so that a failure gives it back and
    /// the series never skips (documents); otherwise in a short transaction of its own, so
    /// that many registrations do not queue behind each other (a failure leaves a gap).
    pub gapless: bool,
}

/// A kind of work.
pub trait Kind: 'static {
    type State: KindState;
    /// The code stored in `work_items.kind` and on its events.
    const NAME: &'static str;
    /// What the office calls the kind (「12345工单」, 「督办事项」).
    const LABEL: &'static str;
    /// What one item is called in a sentence (「工单」, 「事项」).
    const NOUN: &'static str;
    const INITIAL: Self::State;
    const RULES: &'static [Rule<Self::State>];
    const DUES: &'static [Due<Self::State>];
    const QUEUES: &'static [Queue<Self::State>];
    const NUMBERING: Numbering;
    /// What the timeline calls the kind's events that are not actions of its table (the
    /// hotline's 受理登记, 公开 …).
    const EVENTS: &'static [(&'static str, &'static str)] = &[];
    /// The kind's own names of parties where they differ from the kernel's (supervision says
    /// 牵头单位 and 配合单位 where the hotline says 主办单位 and 协办单位).
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[];
}

/// What kind `K` calls a party.
pub fn party_name<K: Kind>(p: Party) -> &'static str {
    K::PARTY_NAMES.iter().find(|(q, _)| *q == p).map(|(_, n)| *n).unwrap_or(p.label())
}

/// The events the kernel itself records, whatever the kind.
pub const KERNEL_EVENTS: &[(&str, &str)] =
    &[("create", "登记"), ("warning", "时限预警"), ("link", "关联事项"), ("card", "亮牌警告"), ("card_revoked", "撤销警告")];

/// What the timeline calls an event of kind `K`: the action's name in the rule table, else the
/// kind's own events, else the kernel's.
pub fn event_label<K: Kind>(action: &str) -> &'static str {
    rule::<K>(action)
        .map(|r| r.label)
        .or_else(|| K::EVENTS.iter().chain(KERNEL_EVENTS).find(|(a, _)| *a == action).map(|(_, l)| *l))
        .unwrap_or("操作")
}

/// The line of `action`.
pub fn rule<K: Kind>(action: &str) -> Option<&'static Rule<K::State>> {
    K::RULES.iter().find(|r| r.action == action)
}

fn state_allowed<S: KindState>(from: &From<S>, state: S) -> bool {
    match from {
        From::These(states) => states.contains(&state),
        From::AnyOpen => !state.is_terminal(),
    }
}

/// Who and from which state, by the table: a refusal says who may, or why not now.
pub fn guard<K: Kind>(have: &[Party], state: K::State, action: &str) -> Result<&'static Rule<K::State>, DomainError> {
    let Some(r) = rule::<K>(action) else {
        return Err(DomainError::invalid("unknown_action", format!("{}没有“{action}”这项操作", K::LABEL)));
    };
    if !r.who.iter().any(|p| have.contains(p)) {
        let who: Vec<&str> = r.who.iter().map(|p| party_name::<K>(*p)).collect();
        return Err(DomainError::forbidden("not_allowed_for_user", format!("只有{}可以{}", who.join("或"), r.label)));
    }
    if !state_allowed(&r.from, state) {
        return Err(DomainError::conflict(
            "invalid_state",
            format!("{}当前状态为“{}”，不能{}", K::NOUN, state.label(), r.label),
        ));
    }
    Ok(r)
}

/// The actions someone playing `have` may take in `state`, in the table's order: what the API
/// lists as `allowed_actions` and the pages offer as buttons.
pub fn allowed_actions<K: Kind>(have: &[Party], state: K::State) -> Vec<&'static str> {
    K::RULES
        .iter()
        .filter(|r| r.who.iter().any(|p| have.contains(p)) && state_allowed(&r.from, state))
        .map(|r| r.action)
        .collect()
}

/// Whether the table lets `action` lead from `from` to `to`.
pub fn leads_to<K: Kind>(action: &str, from: K::State, to: K::State) -> bool {
    match rule::<K>(action).map(|r| r.to) {
        Some(To::Same) => from == to,
        Some(To::One(s)) => s == to,
        Some(To::Either(states)) => states.contains(&to),
        None => false,
    }
}

/// The office's name for an action.
pub fn action_label<K: Kind>(action: &str) -> &'static str {
    rule::<K>(action).map(|r| r.label).unwrap_or("操作")
}

/// The due dates that run in `state`.
pub fn running<K: Kind>(state: K::State) -> Vec<&'static str> {
    K::DUES.iter().filter(|d| d.runs_in.contains(&state)).map(|d| d.name).collect()
}

/// The due date an item in `state` is measured against.
pub fn pace<K: Kind>(state: K::State) -> Option<&'static str> {
    K::DUES.iter().find(|d| d.paces && d.runs_in.contains(&state)).map(|d| d.name)
}

/// A queue as the store reads it.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub code: &'static str,
    pub label: &'static str,
    pub states: Vec<&'static str>,
    pub party: Party,
    pub pending_extension: bool,
    pub unit_pending: bool,
    /// The due date its items are ordered by (that of the first state), if any.
    pub pace: Option<&'static str>,
}

/// A kind as the store sees it, without its Rust types: what the inbox, the sweep, the event
/// log and the generic item view need. Made from a [`Kind`] by [`KindSpec::of`]; every
/// function here is that kind's own, so the table is still read in one place.
#[derive(Debug, Clone)]
pub struct KindSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub noun: &'static str,
    pub initial: &'static str,
    pub numbering: Numbering,
    pub queues: Vec<QueueSpec>,
    /// (code, label, terminal) of every state.
    pub states: Vec<(&'static str, &'static str, bool)>,
    /// (name, label) of every due date.
    pub dues: Vec<(&'static str, &'static str)>,
    /// Its table names parts one person plays ([`Party::is_personal`]): its items name people.
    pub personal: bool,
    allowed: fn(&[Party], &str) -> Vec<&'static str>,
    running: fn(&str) -> Vec<&'static str>,
    pace: fn(&str) -> Option<&'static str>,
    action_label: fn(&str) -> &'static str,
    event_label: fn(&str) -> &'static str,
}

impl KindSpec {
    pub fn of<K: Kind>() -> KindSpec {
        KindSpec {
            name: K::NAME,
            label: K::LABEL,
            noun: K::NOUN,
            initial: K::INITIAL.code(),
            numbering: K::NUMBERING,
            queues: K::QUEUES
                .iter()
                .map(|q| QueueSpec {
                    code: q.code,
                    label: q.label,
                    states: q.states.iter().map(|s| s.code()).collect(),
                    party: q.party,
                    pending_extension: q.pending_extension,
                    unit_pending: q.unit_pending,
                    pace: q.states.first().and_then(|s| pace::<K>(*s)),
                })
                .collect(),
            states: K::State::all().iter().map(|s| (s.code(), s.label(), s.is_terminal())).collect(),
            dues: K::DUES.iter().map(|d| (d.name, d.label)).collect(),
            personal: K::RULES.iter().flat_map(|r| r.who).chain(K::QUEUES.iter().map(|q| &q.party)).any(|p| p.is_personal()),
            allowed: |have, code| K::State::from_code(code).map(|s| allowed_actions::<K>(have, s)).unwrap_or_default(),
            running: |code| K::State::from_code(code).map(running::<K>).unwrap_or_default(),
            pace: |code| K::State::from_code(code).and_then(pace::<K>),
            action_label: action_label::<K>,
            event_label: event_label::<K>,
        }
    }

    pub fn state_label(&self, code: &str) -> &'static str {
        self.states.iter().find(|s| s.0 == code).map(|s| s.1).unwrap_or("未知状态")
    }

    pub fn is_terminal(&self, code: &str) -> bool {
        self.states.iter().find(|s| s.0 == code).is_some_and(|s| s.2)
    }

    pub fn due_label(&self, name: &str) -> &'static str {
        self.dues.iter().find(|d| d.0 == name).map(|d| d.1).unwrap_or("时限")
    }

    pub fn allowed_actions(&self, have: &[Party], state: &str) -> Vec<&'static str> {
        (self.allowed)(have, state)
    }

    pub fn running(&self, state: &str) -> Vec<&'static str> {
        (self.running)(state)
    }

    pub fn pace(&self, state: &str) -> Option<&'static str> {
        (self.pace)(state)
    }

    pub fn action_label(&self, action: &str) -> &'static str {
        (self.action_label)(action)
    }

    pub fn event_label(&self, action: &str) -> &'static str {
        (self.event_label)(action)
    }
}
