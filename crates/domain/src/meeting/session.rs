//! 会议: one meeting of a series, from its preparation to its issued minutes.
//!
//! ```text
//!  planned 筹备中 (安排议程, 议程报主持人, 报送会议材料) ──发会议通知──▶ notified 已发通知
//!     (each attendee 回复参会: 确认 / 请假 / 委托代会; 签到 on the day)
//!  ──召开会议 (quorum checked)──▶ held 纪要起草 ──纪要送审──▶ reviewing 纪要待审核 (秘书长)
//!  ──审核通过──▶ signing 纪要待签发 (主持人) ──签发──▶ signed 纪要待印发 ──印发纪要──▶ issued 纪要已印发
//!  (either review may send the draft back to 纪要起草; issued minutes are only corrected by 勘误)
//!  planned / notified ──取消会议──▶ cancelled 已取消
//! ```
//!
//! The units attending (each topic's reporting unit and those sitting in, 列席) are the item's
//! co-units: each owes its answer to the notice, the reporting units their materials. The
//! leaders are its people: the chair (主持人) and the members (组成人员), each answering the
//! notice for themselves.

use chrono::{DateTime, Utc};
use sanfu_calendar::{Calendar, Deadline};
use serde_json::json;

use super::{MeetingType, Reply, Settings};
use crate::actor::Actor;
use crate::error::DomainError;
use crate::kernel::{
    self, Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, Numbering, Party, Period, Person, Queue, Rule,
    To, UnitRef, parties_with,
};
use crate::validate;

crate::labelled_enum!(
    State {
        Planned = "planned" / "筹备中",
        Notified = "notified" / "已发通知",
        Held = "held" / "纪要起草",
        Reviewing = "reviewing" / "纪要待审核",
        Signing = "signing" / "纪要待签发",
        Signed = "signed" / "纪要待印发",
        Issued = "issued" / "纪要已印发",
        Cancelled = "cancelled" / "已取消",
    }
);

crate::kind_states!(State, ends: [Issued, Cancelled]);

/// The meeting as a [`Kind`].
pub struct Meeting;

use Party::{Chair, CoUnit, Member, Office, Secretary};
use State::*;

impl Kind for Meeting {
    type State = State;
    const NAME: &'static str = "meeting";
    const LABEL: &'static str = "会议";
    const NOUN: &'static str = "会议";
    const INITIAL: State = Planned;
    /// `{code}` is the series' short name ([`MeetingType::series`]).
    const NUMBERING: Numbering = Numbering { format: "{year}年第{n}次{code}", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<State>] = &[
        Rule { action: "agenda", label: "安排议程", who: &[Office, Party::Mayor], from: From::These(&[Planned]), to: To::Same },
        Rule { action: "send_agenda", label: "议程报主持人", who: &[Office], from: From::These(&[Planned]), to: To::Same },
        Rule { action: "materials", label: "报送会议材料", who: &[CoUnit], from: From::These(&[Planned, Notified]), to: To::Same },
        Rule { action: "notify", label: "发会议通知", who: &[Office], from: From::These(&[Planned]), to: To::One(Notified) },
        Rule { action: "reply", label: "回复参会", who: &[CoUnit, Member, Chair], from: From::These(&[Notified]), to: To::Same },
        Rule { action: "sign_in", label: "签到", who: &[Office, CoUnit, Member, Chair], from: From::These(&[Notified]), to: To::Same },
        Rule { action: "convene", label: "召开会议", who: &[Office], from: From::These(&[Notified]), to: To::One(Held) },
        Rule { action: "draft_minutes", label: "起草纪要", who: &[Office], from: From::These(&[Held]), to: To::Same },
        Rule { action: "submit_minutes", label: "纪要送审", who: &[Office], from: From::These(&[Held]), to: To::One(Reviewing) },
        Rule { action: "review_minutes", label: "审核纪要", who: &[Secretary], from: From::These(&[Reviewing]), to: To::Either(&[Signing, Held]) },
        Rule { action: "sign_minutes", label: "签发纪要", who: &[Chair], from: From::These(&[Signing]), to: To::Either(&[Signed, Held]) },
        Rule { action: "issue", label: "印发纪要", who: &[Office], from: From::These(&[Signed]), to: To::One(Issued) },
        Rule { action: "erratum", label: "纪要勘误", who: &[Office], from: From::These(&[Issued]), to: To::Same },
        Rule { action: "cancel", label: "取消会议", who: &[Office], from: From::These(&[Planned, Notified]), to: To::One(Cancelled) },
    ];
    const DUES: &'static [Due<State>] = &[
        Due { name: "agenda", label: "议程报主持人时限", runs_in: &[Planned], paces: true },
        Due { name: "notice", label: "会议通知时限", runs_in: &[Planned], paces: false },
        Due { name: "materials", label: "会议材料报送时限", runs_in: &[Planned, Notified], paces: false },
        Due { name: "reply", label: "参会回复时限", runs_in: &[Notified], paces: false },
        Due { name: "start", label: "开会时间", runs_in: &[Notified], paces: true },
        Due { name: "minutes", label: "纪要起草时限", runs_in: &[Held, Reviewing, Signing, Signed], paces: true },
    ];
    const QUEUES: &'static [Queue<State>] = &[
        Queue { code: "mtg_planned", label: "会议筹备中", states: &[Planned], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "mtg_minutes", label: "会议纪要待起草", states: &[Held], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "mtg_to_issue", label: "会议纪要待印发", states: &[Signed], party: Office, pending_extension: false, unit_pending: false },
        Queue { code: "mtg_to_review", label: "会议纪要待审核", states: &[Reviewing], party: Secretary, pending_extension: false, unit_pending: false },
        Queue { code: "mtg_to_sign", label: "会议纪要待签发", states: &[Signing], party: Chair, pending_extension: false, unit_pending: false },
        Queue { code: "mtg_chair_notice", label: "会议通知待回复（主持）", states: &[Notified], party: Chair, pending_extension: false, unit_pending: true },
        Queue { code: "mtg_member_notice", label: "会议通知待回复", states: &[Notified], party: Member, pending_extension: false, unit_pending: true },
        Queue { code: "mtg_unit_notice", label: "会议通知待回复（列席）", states: &[Notified], party: CoUnit, pending_extension: false, unit_pending: true },
    ];
    const EVENTS: &'static [(&'static str, &'static str)] = &[("create", "安排会议"), ("decision_opened", "议定事项转督办")];
    const PARTY_NAMES: &'static [(Party, &'static str)] = &[(CoUnit, "列席单位"), (Office, "会议科"), (Member, "组成人员")];
}

/// A meeting's rules-relevant parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub item: Item<State>,
    /// The chair and the members.
    pub people: Vec<Person>,
    pub meeting_type: MeetingType,
    pub starts_at: DateTime<Utc>,
}

crate::item_snapshot!(Snapshot);

impl Snapshot {
    /// The members (组成人员), the chair among them.
    pub fn members(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.people.iter().filter(|p| p.party == Member).map(|p| p.user_id.as_str()).collect();
        v.dedup();
        v
    }
    pub fn chair(&self) -> Option<&str> {
        kernel::person_in(&self.people, Chair)
    }
    /// The units attending now.
    pub fn units(&self) -> Vec<&str> {
        self.item.assignments.iter().filter(|a| a.active).map(|a| a.unit_id.as_str()).collect()
    }
}

fn item_due(item: &mut Item<State>, name: &str, start: DateTime<Utc>, at: DateTime<Utc>, cal: &Calendar, pct: u32) {
    let at = at.max(start + chrono::Duration::minutes(1));
    item.dues.insert(DueKey::item(name), DueState::until(start, Deadline { at, provisional: false }, false, cal, pct));
}

/// A meeting of `meeting_type` at `starts_at`, chaired by `chair` with `members` (the chair is
/// counted among them), its preparation's deadlines set from `settings`.
pub fn plan(
    meeting_type: MeetingType,
    starts_at: DateTime<Utc>,
    chair: &str,
    members: &[String],
    now: DateTime<Utc>,
    cal: &Calendar,
    settings: &Settings,
) -> Result<Snapshot, DomainError> {
    if starts_at <= now {
        return Err(DomainError::invalid("starts_in_past", "会议时间须晚于当前时间"));
    }
    if members.len() > 60 {
        return Err(DomainError::invalid("too_many_members", "组成人员不超过 60 人"));
    }
    let mut item = Item::new(Planned, now);
    item_due(&mut item, "agenda", now, settings.agenda_due(starts_at, cal), cal, settings.warn_percent);
    item_due(&mut item, "notice", now, settings.notice_due(starts_at, cal), cal, settings.warn_percent);
    item_due(&mut item, "start", now, starts_at, cal, settings.warn_percent);
    let mut people = vec![Person { user_id: chair.to_string(), party: Chair, outcome: None }];
    for m in std::iter::once(&chair.to_string()).chain(members) {
        if !people.iter().any(|p| p.party == Member && p.user_id == *m) {
            people.push(Person { user_id: m.clone(), party: Member, outcome: None });
        }
    }
    Ok(Snapshot { item, people, meeting_type, starts_at })
}

/// The quorum: more than half of the members present. `None` when reached, else the warning.
pub fn quorum_warning(members: usize, present: usize) -> Option<String> {
    (members > 0 && present * 2 <= members).then(|| format!("出席会议的组成人员未过半数（应到 {members} 人，实到 {present} 人），会议决定的效力存疑，请主持人决定是否照常召开"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The units attending: (unit, reports a topic). Replaces the agenda's units.
    Agenda { units: Vec<(UnitRef, bool)>, topics: usize },
    SendAgenda,
    /// The acting unit's materials (the files are the store's).
    Materials { files: usize },
    Notify { topics: usize },
    /// The acting attendee answers the notice.
    Reply { reply: Reply, substitute: Option<String>, note: String },
    /// Arrivals, as the meeting section records them (attendee keys), or the actor's own.
    SignIn { who: Vec<String> },
    Convene { members: usize, present: usize },
    DraftMinutes,
    /// Sent for review: the topics still without an outcome (must be none).
    SubmitMinutes { without_outcome: Vec<String> },
    ReviewMinutes { pass: bool, comment: String },
    SignMinutes { pass: bool, comment: String },
    /// 印发, under this number.
    Issue { number: String, decisions: usize },
    Erratum { text: String },
    Cancel { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Agenda { .. } => "agenda",
            Action::SendAgenda => "send_agenda",
            Action::Materials { .. } => "materials",
            Action::Notify { .. } => "notify",
            Action::Reply { .. } => "reply",
            Action::SignIn { .. } => "sign_in",
            Action::Convene { .. } => "convene",
            Action::DraftMinutes => "draft_minutes",
            Action::SubmitMinutes { .. } => "submit_minutes",
            Action::ReviewMinutes { .. } => "review_minutes",
            Action::SignMinutes { .. } => "sign_minutes",
            Action::Issue { .. } => "issue",
            Action::Erratum { .. } => "erratum",
            Action::Cancel { .. } => "cancel",
        }
    }
}

fn meet(item: &mut Item<State>, name: &str, unit: &str, now: DateTime<Utc>) -> Option<bool> {
    let d = item.dues.get_mut(&DueKey { name: name.into(), unit_id: unit.into(), seq: 0 })?;
    if d.met_at.is_none() {
        d.met_at = Some(now);
    }
    Some(now <= d.due.at)
}

/// One action by the rule table: the new snapshot and the event's details.
pub fn apply(
    current: &Snapshot,
    actor: &Actor,
    action: &Action,
    now: DateTime<Utc>,
    cal: &Calendar,
    settings: &Settings,
) -> Result<(Snapshot, serde_json::Value), DomainError> {
    let have = parties_with(&current.item.assignments, &current.people, actor);
    kernel::guard::<Meeting>(&have, current.item.state, action.name())?;
    let mut s = current.clone();
    let pct = settings.warn_percent;
    let my_unit = actor.staff().filter(|st| st.acts_for_unit()).map(|st| st.unit_id.clone());
    let details = match action {
        Action::Agenda { units, topics } => {
            for a in s.item.assignments.iter_mut() {
                a.active = units.iter().any(|(u, _)| u.id == a.unit_id);
            }
            for (u, _) in units {
                if !s.item.assignments.iter().any(|a| a.unit_id == u.id) {
                    s.item.assignments.push(Assignment::new(&u.id, AssignmentRole::Co, now));
                }
            }
            let due = settings.materials_due(s.starts_at, cal);
            s.item.dues.retain(|k, _| k.name != "materials" || units.iter().any(|(u, reports)| *reports && u.id == k.unit_id));
            for (u, _) in units.iter().filter(|(_, reports)| *reports) {
                let key = DueKey { name: "materials".into(), unit_id: u.id.clone(), seq: 0 };
                s.item.dues.entry(key).or_insert_with(|| {
                    DueState::until(now, Deadline { at: due.max(now + chrono::Duration::minutes(1)), provisional: false }, false, cal, pct)
                });
            }
            json!({ "topics": topics, "units": units.iter().map(|(u, r)| json!({"id": u.id, "name": u.name, "reports": r})).collect::<Vec<_>>() })
        }
        Action::SendAgenda => json!({ "on_time": meet(&mut s.item, "agenda", "", now) }),
        Action::Materials { files } => {
            let unit = my_unit.clone().unwrap_or_default();
            if *files == 0 {
                return Err(DomainError::invalid("no_files", "请上传会议材料"));
            }
            let on_time = meet(&mut s.item, "materials", &unit, now)
                .ok_or_else(|| DomainError::invalid("not_reporting", "本单位在本次会议没有汇报议题，无需报送材料"))?;
            json!({ "unit_id": unit, "files": files, "on_time": on_time })
        }
        Action::Notify { topics } => {
            if *topics == 0 {
                return Err(DomainError::invalid("empty_agenda", "会议还没有议题，请先安排议程"));
            }
            let on_time = meet(&mut s.item, "notice", "", now);
            s.item.state = Notified;
            for a in s.item.assignments.iter().filter(|a| a.active) {
                let due = DueState::until(now, Deadline { at: current.starts_at, provisional: false }, false, cal, pct);
                s.item.dues.insert(DueKey { name: "reply".into(), unit_id: a.unit_id.clone(), seq: 0 }, due);
            }
            json!({ "on_time": on_time, "units": s.units().len(), "members": s.members().len() })
        }
        Action::Reply { reply, substitute, note } => {
            let substitute = match reply {
                Reply::Substitute => Some(validate::text("substitute", "代会人员", substitute.as_deref().unwrap_or_default(), 50)?),
                _ => None,
            };
            let note = validate::optional_text("note", "说明", Some(note.as_str()), 500)?;
            if *reply != Reply::Attend && note.is_none() && substitute.is_none() {
                return Err(DomainError::invalid("missing_field", "请假请写明事由"));
            }
            let user = actor.user_id().unwrap_or_default().to_string();
            let mut answered = false;
            for p in s.people.iter_mut().filter(|p| p.user_id == user && matches!(p.party, Member | Chair)) {
                p.outcome = Some(reply.as_str().into());
                answered = true;
            }
            let mut unit_id = None;
            if !answered {
                let unit = my_unit.clone().unwrap_or_default();
                let a = s.item.assignments.iter_mut().find(|a| a.active && a.unit_id == unit).ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "您不在本次会议的参会名单中"))?;
                a.outcome = Some(reply.as_str().into());
                a.signed_at = Some(now);
                meet(&mut s.item, "reply", &unit, now);
                unit_id = Some(unit);
            }
            json!({ "reply": reply.as_str(), "reply_label": reply.label(), "substitute": substitute, "note": note, "unit_id": unit_id })
        }
        Action::SignIn { who } => json!({ "who": who }),
        Action::Convene { members, present } => {
            s.item.state = Held;
            let due = cal.add_working_days(now.max(current.starts_at), settings.minutes_working_days);
            s.item.dues.insert(DueKey::item("minutes"), DueState::until(now, due, true, cal, pct));
            meet(&mut s.item, "start", "", now);
            json!({ "members": members, "present": present, "quorum": quorum_warning(*members, *present).is_none(),
                    "warning": quorum_warning(*members, *present) })
        }
        Action::DraftMinutes => json!({}),
        Action::SubmitMinutes { without_outcome } => {
            if !without_outcome.is_empty() {
                return Err(DomainError::invalid(
                    "outcome_missing",
                    format!("以下议题尚未写明审议结果：{}", without_outcome.join("、")),
                ));
            }
            s.item.state = Reviewing;
            json!({})
        }
        Action::ReviewMinutes { pass, comment } | Action::SignMinutes { pass, comment } => {
            let comment = comment.trim();
            if !pass && comment.is_empty() {
                return Err(DomainError::invalid("missing_field", "退回修改请写明意见"));
            }
            s.item.state = match (action, pass) {
                (_, false) => Held,
                (Action::ReviewMinutes { .. }, true) => Signing,
                _ => Signed,
            };
            json!({ "pass": pass, "comment": comment })
        }
        Action::Issue { number, decisions } => {
            s.item.state = Issued;
            s.item.closed_at = Some(now);
            let on_time = meet(&mut s.item, "minutes", "", now);
            json!({ "minutes_number": number, "decisions": decisions, "on_time": on_time })
        }
        Action::Erratum { text } => json!({ "text": validate::text("text", "勘误内容", text, validate::MAX_SHORT_TEXT_CHARS)? }),
        Action::Cancel { reason } => {
            s.item.state = Cancelled;
            s.item.closed_at = Some(now);
            json!({ "reason": validate::text("reason", "取消原因", reason, 500)? })
        }
    };
    debug_assert!(kernel::leads_to::<Meeting>(action.name(), current.item.state, s.item.state));
    Ok((s, details))
}
