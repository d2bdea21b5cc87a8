//! An issue of one of the office's bulletins (《江州政务信息》第N期, 《每日要情》, 《信息专报》).
//!
//! ```text
//!  compiling 编辑中 ──送签──▶ signing 待签发 ──签发──▶ signed 待印发 ──印发──▶ issued 已印发 (领导阅)
//!        ▲                      │
//!        └──────退回修改─────────┘
//! ```
//!
//! The section chooses adopted items and orders and edits them while compiling; its head signs
//! the issue off; the issue number (期号) is taken only when it is issued, from a series per
//! bulletin and year that never skips; the leaders it goes to hold it until they have read it.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{self, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule, To, parties_with};
use crate::validate;

crate::labelled_enum!(
    State {
        Compiling = "compiling" / "编辑中",
        Signing = "signing" / "待签发",
        Signed = "signed" / "待印发",
        Issued = "issued" / "已印发",
    }
);

crate::kind_states!(State, ends: [Issued]);

/// The bulletin issue as a [`Kind`].
pub struct Bulletin;

use Party::{Office, Reader, SectionHead};
use State::*;

impl Kind for Bulletin {
    type State = State;
    const NAME: &'static str = "bulletin";
    const LABEL: &'static str = "信息刊物";
    const NOUN: &'static str = "刊物";
    const INITIAL: State = Compiling;
    const NUMBERING: Numbering = Numbering { format: "刊〔{year}〕{n}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "compose", label: "编辑", who: &[Office], from: From::These(&[Compiling]), to: To::Same },
        Rule { action: "submit", label: "送签", who: &[Office], from: From::These(&[Compiling]), to: To::One(Signing) },
        Rule { action: "send_back", label: "退回修改", who: &[SectionHead], from: From::These(&[Signing]), to: To::One(Compiling) },
        Rule { action: "sign", label: "签发", who: &[SectionHead], from: From::These(&[Signing]), to: To::One(Signed) },
        Rule { action: "issue", label: "印发", who: &[Office], from: From::These(&[Signed]), to: To::One(Issued) },
        Rule { action: "read", label: "阅", who: &[Reader], from: From::These(&[Issued]), to: To::Same },
    ];
    const DUES: &'static [kernel::Due<State>] = &[];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "bulletin_compile", label: "信息刊物编辑中", states: &[Compiling], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "bulletin_issue", label: "信息刊物待印发", states: &[Signed], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "bulletin_sign", label: "信息刊物待签发", states: &[Signing], party: SectionHead, pending_extension: false, unit_pending: false },
        Queue { code: "bulletin_read", label: "信息刊物待阅", states: &[Issued], party: Reader, pending_extension: false, unit_pending: true },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "新建刊物")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(Office, "信息科"), (SectionHead, "信息科负责人"), (Reader, "阅件领导")];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The leaders it was issued to.
    pub people: Vec<Person>,
}

crate::item_snapshot!(Snapshot);

pub fn open(now: DateTime<Utc>) -> Snapshot {
    Snapshot { item: Item::new(Compiling, now), people: Vec::new() }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The items chosen, in order (work ids), and the edited texts the store keeps.
    Compose { items: usize },
    Submit,
    SendBack { reason: String },
    Sign { comment: String },
    /// 印发 to these leaders.
    Issue { readers: Vec<String> },
    Read { comment: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Compose { .. } => "compose",
            Action::Submit => "submit",
            Action::SendBack { .. } => "send_back",
            Action::Sign { .. } => "sign",
            Action::Issue { .. } => "issue",
            Action::Read { .. } => "read",
        }
    }
}

/// One action by the rule table. `items`: how many items the issue holds now.
pub fn apply(current: &Snapshot, actor: &Actor, action: &Action, items: usize, now: DateTime<Utc>) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties_with(&current.item.assignments, &current.people, actor);
    kernel::guard::<Bulletin>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let details = match action {
        Action::Compose { items } => {
            if *items > 60 {
                return Err(DomainError::invalid("too_many_items", "一期刊物最多编入 60 条信息"));
            }
            json!({ "items": items })
        }
        Action::Submit => {
            if items == 0 {
                return Err(DomainError::invalid("empty_bulletin", "请先编入至少一条已采用的信息"));
            }
            s.item.state = Signing;
            json!({ "items": items })
        }
        Action::SendBack { reason } => {
            let r = validate::text("reason", "退回理由", reason, validate::MAX_SHORT_TEXT_CHARS)?;
            s.item.state = Compiling;
            json!({ "reason": r })
        }
        Action::Sign { comment } => {
            s.item.state = Signed;
            json!({ "comment": if comment.trim().is_empty() { "同意印发" } else { comment.trim() } })
        }
        Action::Issue { readers } => {
            if readers.is_empty() {
                return Err(DomainError::invalid("missing_field", "请选择呈阅的领导"));
            }
            for r in readers {
                if !s.people.iter().any(|p| p.user_id == *r) {
                    s.people.push(Person { user_id: r.clone(), party: Reader, outcome: None });
                }
            }
            s.item.state = Issued;
            s.item.closed_at = Some(now);
            json!({ "readers": readers })
        }
        Action::Read { comment } => {
            let me = actor.staff().map(|st| st.user_id.clone()).unwrap_or_default();
            let p = s.people.iter_mut().find(|p| p.party == Reader && p.user_id == me).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "该期刊物未呈送给您"))?;
            if p.outcome.is_some() {
                return Err(DomainError::conflict("already_read", "您已阅过该期刊物"));
            }
            p.outcome = Some("read".into());
            json!({ "comment": validate::text("comment", "阅示意见", if comment.trim().is_empty() { "已阅" } else { comment }, validate::MAX_SHORT_TEXT_CHARS)? })
        }
    };
    debug_assert!(kernel::leads_to::<Bulletin>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
