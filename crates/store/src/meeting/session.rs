//! 会议 in the store: a meeting of a series, its agenda of topics, the notice and each
//! attendee's answer, sign-in and the quorum (read back in [`super::view`]).

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::kernel::{Kind, UnitRef};
use sanfu_domain::meeting::session::{self, Action, Meeting, Snapshot, State};
use sanfu_domain::meeting::topic::{self as topic_rules, Topic};
use sanfu_domain::meeting::{MeetingType, Reply, Settings};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use super::topic as topic_store;
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, attach_in};
use crate::kernel::items::{Core, ITEM_DOC, load_core};
use crate::kernel::write;

/// Sign-in opens this long before the meeting starts.
pub(crate) const SIGN_IN_OPENS: i64 = 2;

/// What the meeting section sends to plan a meeting.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// `executive` (政府常务会议), `mayor_office` (市长办公会议) or `topical` (专题会议).
    pub meeting_type: Option<String>,
    /// A topic meeting's subject; the others are named by their number.
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    /// The chair (user name or id).
    pub chair: Option<String>,
    /// The members (组成人员), user names or ids; the chair is one of them.
    #[serde(default)]
    pub members: Vec<String>,
}

/// One line of the agenda as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AgendaInput {
    /// The topic's number or id.
    pub topic: String,
    /// Its time slot, e.g. `09:00-09:40`.
    pub slot: Option<String>,
    /// The units sitting in for it (列席), ids, codes or names.
    #[serde(default)]
    pub observers: Vec<String>,
}

/// A topic's outcome and decisions in the minutes as drafted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TopicMinutesInput {
    /// The topic's place on the agenda (1, 2 …).
    pub seq: u32,
    /// 通过 (`passed`), 原则通过 (`in_principle`), 不通过 (`rejected`), 暂缓 (`deferred`), 其他 (`other`).
    pub outcome: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub decisions: Vec<DecisionInput>,
}

/// 议定事项 as drafted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DecisionInput {
    pub text: Option<String>,
    pub lead_unit: Option<String>,
    #[serde(default)]
    pub co_units: Vec<String>,
    pub deadline: Option<DateTime<Utc>>,
}

/// The body of `POST /api/meetings/{id}/{action}`: each action reads its own fields.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingActionInput {
    /// `agenda`: the whole agenda in order.
    pub topics: Option<Vec<AgendaInput>>,
    /// `reply`: `attend`, `leave` or `substitute`.
    pub reply: Option<String>,
    pub substitute: Option<String>,
    pub note: Option<String>,
    /// `sign_in`: the attendees arriving (`u:<user id>`, `d:<unit id>`); none: oneself.
    #[serde(default)]
    pub attendees: Vec<String>,
    /// `draft_minutes`: the summary and each topic's outcome and decisions.
    pub summary: Option<String>,
    pub outcomes: Option<Vec<TopicMinutesInput>>,
    /// `review_minutes`, `sign_minutes`.
    pub pass: Option<bool>,
    pub comment: Option<String>,
    /// `erratum`.
    pub text: Option<String>,
    /// `cancel`.
    pub reason: Option<String>,
}

pub use super::view::{AgendaView, AttendeeView, DecisionProgress, DecisionView, Erratum, MeetingRow, MeetingView, MinutesView, Quorum};
pub(crate) use super::view::quorum_of;

pub(crate) struct Loaded {
    pub core: Core,
    pub place: String,
    pub minutes_summary: Option<String>,
    pub minutes_number: Option<String>,
    pub issued_at: Option<i64>,
    pub snapshot: Snapshot,
}

pub(crate) fn not_found(key: &str) -> StoreError {
    DomainError::not_found("meeting_not_found", format!("会议“{key}”不存在")).into()
}

pub(crate) async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != Meeting::NAME {
        return Ok(None);
    }
    type Row = (String, i64, String, Option<String>, Option<String>, Option<i64>);
    let (mt, starts, place, minutes_summary, minutes_number, issued_at): Row = sqlx::query_as(
        "SELECT meeting_type, starts_at, place, minutes_summary, minutes_number, minutes_issued_at FROM meetings WHERE id = $1",
    )
    .bind(&core.id)
    .fetch_one(&mut *conn)
    .await?;
    let people = write::load_people(conn, &core.id).await?;
    let snapshot = Snapshot {
        item: core.item()?,
        people,
        meeting_type: MeetingType::parse(&mt).unwrap_or(MeetingType::Executive),
        starts_at: from_ms(starts),
    };
    Ok(Some(Loaded { core, place, minutes_summary, minutes_number, issued_at, snapshot }))
}

/// Write a meeting's step in the caller's transaction: the kernel's parts, its people, its event.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_step(
    tx: &mut AnyConnection,
    store: &Store,
    l: &Loaded,
    next: &Snapshot,
    action: &str,
    details: serde_json::Value,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let spec = store.spec_of(Meeting::NAME)?;
    let (old, new) = ((&l.snapshot as _, &l.snapshot.people[..]), (next as _, &next.people[..]));
    write::record(tx, &spec, &l.core.id, l.core.version, old, new, action, details, actor, now).await?;
    Ok(())
}

use crate::kernel::staff_of;

/// A topic moved by its meeting (scheduled, taken off, decided), in the meeting's transaction.
pub(crate) async fn move_topic(
    tx: &mut AnyConnection,
    store: &Store,
    topic_id: &str,
    action: &topic_rules::Action,
    meeting_id: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
    (cal, settings): (&sanfu_calendar::Calendar, &Settings),
) -> Result<(), StoreError> {
    let l = topic_store::load(tx, topic_id).await?.ok_or_else(|| StoreError::Other(format!("topic {topic_id} vanished")))?;
    let (next, details) = topic_rules::apply(&l.snapshot, actor, action, now, cal, settings)?;
    topic_store::write_step(tx, store, &l, &next, action.name(), details, actor, now).await?;
    sqlx::query("UPDATE topics SET meeting_id = $1 WHERE id = $2").bind(meeting_id).bind(topic_id).execute(&mut *tx).await?;
    Ok(())
}

impl Store {
    /// 安排会议: the meeting section plans a meeting of a series, numbered in its series and year.
    pub async fn create_meeting(&self, input: &MeetingInput, actor: &Actor) -> Result<MeetingView, StoreError> {
        self.create_meeting_at(input, actor, Utc::now()).await
    }

    pub(crate) async fn create_meeting_at(&self, input: &MeetingInput, actor: &Actor, now: DateTime<Utc>) -> Result<MeetingView, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.has(Role::OfficeStaff) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有会议科可以安排会议").into());
        }
        let meeting_type = topic_store::parse_type(input.meeting_type.as_deref())?;
        let starts_at = input.starts_at.ok_or_else(|| DomainError::invalid("missing_field", "请填写会议时间"))?;
        let place = validate::text("place", "会议地点", input.place.as_deref().unwrap_or_default(), 100)?;
        let chair = self.leader_by(input.chair.as_deref().unwrap_or_default(), "会议主持人").await?;
        let mut members = Vec::new();
        let mut names = vec![(chair.0.clone(), chair.1.clone())];
        for m in &input.members {
            let (id, name, _) = self.leader_by(m, "组成人员").await?;
            if !names.iter().any(|n| n.0 == id) {
                names.push((id.clone(), name));
            }
            members.push(id);
        }
        let (cal, settings) = (self.calendar(), self.meeting_settings().await?);
        let snap = session::plan(meeting_type, starts_at, &chair.0, &members, now, &cal, &settings)?;
        let title = match input.title.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(t) => validate::text("title", "会议名称", t, validate::MAX_SUBJECT_CHARS)?,
            None => meeting_type.label().to_string(),
        };
        let spec = self.spec_of(Meeting::NAME)?;
        let series = self.series(&spec, meeting_type.series(), starts_at);
        let format = self.number_format(&spec, meeting_type.series()).await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, &format!("{title}\n{place}"));
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            // A topic meeting is named by its subject; the others by their number.
            let shown = if meeting_type == MeetingType::Topical { title.clone() } else { number.clone() };
            write::insert(&mut tx, &spec, &id, &number, &shown, &snap, now).await?;
            write::write_people(&mut tx, &id, Meeting::NAME, &[], &snap.people, now).await?;
            sqlx::query("INSERT INTO meetings (id, meeting_type, starts_at, place) VALUES ($1, $2, $3, $4)")
                .bind(&id).bind(meeting_type.as_str()).bind(to_ms(starts_at)).bind(&place)
                .execute(&mut *tx).await?;
            for (uid, name) in &names {
                let role = if *uid == chair.0 { "chair" } else { "member" };
                sqlx::query("INSERT INTO meeting_attendees (meeting_id, attendee, name, role) VALUES ($1, $2, $3, $4)")
                    .bind(&id).bind(format!("u:{uid}")).bind(name).bind(role)
                    .execute(&mut *tx).await?;
            }
            Store::index_in(&mut tx, &index).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Meeting::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Planned.as_str()),
                details: json!({ "number": number, "meeting_type": meeting_type.as_str(), "starts_at": starts_at, "place": place,
                                 "chair": chair.1, "members": names.iter().map(|n| n.1.clone()).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.meeting_for(&id, staff).await
    }

    /// The meeting's kernel parts if `staff` may read it: the office, the leaders on it or of
    /// the units attending, the units attending.
    pub(crate) async fn visible_meeting(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        self.visible_of_kind(key, staff, Meeting::NAME, || not_found(key)).await
    }

    /// 安排议程: the whole agenda, in order. Topics new to it must be waiting for a meeting
    /// (待定上会) with every consulted unit's opinion in; topics left off go back to wait.
    pub async fn set_agenda(&self, key: &str, entries: &[AgendaInput], actor: &Actor) -> Result<MeetingView, StoreError> {
        self.set_agenda_at(key, entries, actor, Utc::now()).await
    }

    pub(crate) async fn set_agenda_at(&self, key: &str, entries: &[AgendaInput], actor: &Actor, now: DateTime<Utc>) -> Result<MeetingView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_meeting(key, staff).await?.id;
        if entries.len() > 30 {
            return Err(DomainError::invalid("too_many_topics", "一次会议的议题不超过 30 个").into());
        }
        // Resolve everything outside the transaction: the topics, their units, the observers.
        let mut lines: Vec<(String, String, String, String, Vec<UnitRef>)> = Vec::new(); // (topic id, title, unit, slot, observers)
        let mut conn = self.pool().acquire().await?;
        for e in entries {
            let t = load_core(&mut conn, e.topic.trim()).await?.filter(|c| c.kind == Topic::NAME);
            let Some(t) = t else {
                return Err(DomainError::invalid("unknown_topic", format!("议题“{}”不存在", e.topic)).into());
            };
            if lines.iter().any(|l| l.0 == t.id) {
                return Err(DomainError::invalid("duplicate_topic", format!("议题“{}”重复列入", t.title)).into());
            }
            let unit = t.assignments.iter().find(|a| a.role == sanfu_domain::kernel::AssignmentRole::Lead).map(|a| a.unit_id.clone()).unwrap_or_default();
            let slot = match e.slot.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => check_slot(s)?,
                None => String::new(),
            };
            let mut observers = Vec::new();
            for o in &e.observers {
                let u = self.unit_ref(o).await?;
                if u.id != unit && !observers.iter().any(|x: &UnitRef| x.id == u.id) {
                    observers.push(u);
                }
            }
            lines.push((t.id, t.title, unit, slot, observers));
        }
        drop(conn);
        let names = self.unit_names().await?;
        let name = |id: &str| names.get(id).cloned().unwrap_or_default();
        let (cal, settings) = (self.calendar(), self.meeting_settings().await?);
        on_fresh_load!(Meeting::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            // The units attending: each topic's reporting unit, then those sitting in.
            let mut units: Vec<(UnitRef, bool)> = Vec::new();
            for (_, _, unit, _, _) in &lines {
                if !units.iter().any(|(u, _)| u.id == *unit) {
                    units.push((UnitRef { id: unit.clone(), name: name(unit), kind: sanfu_domain::UnitKind::Department, parent_id: None }, true));
                }
            }
            for (_, _, _, _, obs) in &lines {
                for o in obs {
                    if !units.iter().any(|(u, _)| u.id == o.id) {
                        units.push((o.clone(), false));
                    }
                }
            }
            let (next, details) = session::apply(&l.snapshot, actor, &Action::Agenda { units: units.clone(), topics: lines.len() }, now, &cal, &settings)?;
            let before: Vec<String> = sqlx::query_scalar("SELECT topic_id FROM meeting_agenda WHERE meeting_id = $1").bind(&l.core.id).fetch_all(&mut *tx).await?;
            for t in before.iter().filter(|t| !lines.iter().any(|l| l.0 == **t)) {
                move_topic(&mut tx, self, t, &topic_rules::Action::Unschedule { meeting: l.core.number.clone() }, None, actor, now, (&cal, &settings)).await?;
            }
            for (topic_id, title, _, _, _) in lines.iter().filter(|x| !before.contains(&x.0)) {
                let t = topic_store::load(&mut tx, topic_id).await?.ok_or_else(|| StoreError::Other("topic vanished".into()))?;
                if t.snapshot.item.state == topic_rules::State::PendingAgenda {
                    topic_rules::check_ready(&t.snapshot, title, |u| name(u))?;
                } else if t.snapshot.item.state == topic_rules::State::Scheduled {
                    let other: String = match &t.meeting_id {
                        Some(m) => sqlx::query_scalar("SELECT number FROM work_items WHERE id = $1").bind(m).fetch_one(&mut *tx).await?,
                        None => String::new(),
                    };
                    return Err(DomainError::conflict("topic_scheduled", format!("议题“{title}”已列入{other}议程，请先从该会议议程中移出")).into());
                } else {
                    return Err(DomainError::conflict(
                        "topic_not_ready",
                        format!("议题“{title}”当前状态为“{}”，须经分管领导和秘书长审核后方可列入议程", t.snapshot.item.state.label()),
                    ).into());
                }
                move_topic(&mut tx, self, topic_id, &topic_rules::Action::Schedule { meeting: l.core.number.clone() }, Some(&l.core.id), actor, now, (&cal, &settings)).await?;
            }
            sqlx::query("DELETE FROM meeting_agenda WHERE meeting_id = $1").bind(&l.core.id).execute(&mut *tx).await?;
            for (i, (topic_id, _, unit, slot, obs)) in lines.iter().enumerate() {
                let obs: Vec<&str> = obs.iter().map(|o| o.id.as_str()).collect();
                sqlx::query("INSERT INTO meeting_agenda (meeting_id, seq, topic_id, unit_id, slot, observers) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&l.core.id).bind(i as i64 + 1).bind(topic_id).bind(unit).bind(slot).bind(obs.join(","))
                    .execute(&mut *tx).await?;
            }
            let keep: Vec<String> = units.iter().map(|(u, _)| format!("d:{}", u.id)).collect();
            let had: Vec<String> = sqlx::query_scalar("SELECT attendee FROM meeting_attendees WHERE meeting_id = $1 AND attendee LIKE 'd:%'").bind(&l.core.id).fetch_all(&mut *tx).await?;
            for h in had.iter().filter(|h| !keep.contains(h)) {
                sqlx::query("DELETE FROM meeting_attendees WHERE meeting_id = $1 AND attendee = $2").bind(&l.core.id).bind(h).execute(&mut *tx).await?;
            }
            for (u, reports) in &units {
                let role = if *reports { "reporting" } else { "observer" };
                sqlx::query(
                    "INSERT INTO meeting_attendees (meeting_id, attendee, name, role) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (meeting_id, attendee) DO UPDATE SET role = excluded.role",
                )
                .bind(&l.core.id).bind(format!("d:{}", u.id)).bind(&u.name).bind(role)
                .execute(&mut *tx).await?;
            }
            write_step(&mut tx, self, &l, &next, "agenda", details, actor, now).await?;
            Ok(())
        }))?;
        self.meeting_for(&id, staff).await
    }

    /// 列入议程 from the topic's side (the mayor's decision): the topic is added at the end of
    /// the meeting's agenda.
    pub async fn schedule_topic(&self, topic: &str, meeting: &str, actor: &Actor) -> Result<MeetingView, StoreError> {
        let staff = staff_of(actor)?;
        if !(staff.has(Role::Mayor) || staff.has(Role::OfficeStaff)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有市长或会议科可以确定上会议题").into());
        }
        let t = self.visible_topic(topic, staff).await?;
        let view = self.meeting_for(meeting, staff).await?;
        let mut entries: Vec<AgendaInput> = view
            .agenda
            .iter()
            .map(|a| AgendaInput { topic: a.topic.id.clone(), slot: Some(a.slot.clone()), observers: a.observers.iter().map(|o| o.id.clone()).collect() })
            .collect();
        entries.push(AgendaInput { topic: t.id, slot: None, observers: Vec::new() });
        self.set_agenda(&view.item.id, &entries, actor).await
    }

    /// Every other action on a meeting (its body read as the action needs), with files for
    /// `materials`.
    pub async fn act_meeting(&self, key: &str, action: &str, input: &MeetingActionInput, files: &[Attachment], actor: &Actor) -> Result<MeetingView, StoreError> {
        self.act_meeting_at(key, action, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn act_meeting_at(
        &self,
        key: &str,
        action: &str,
        input: &MeetingActionInput,
        files: &[Attachment],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<MeetingView, StoreError> {
        let staff = staff_of(actor)?;
        match action {
            "agenda" => return self.set_agenda_at(key, input.topics.as_deref().unwrap_or_default(), actor, now).await,
            "draft_minutes" | "submit_minutes" | "review_minutes" | "sign_minutes" | "issue" | "erratum" => {
                return self.act_minutes_at(key, action, input, actor, now).await;
            }
            _ => {}
        }
        let id = self.visible_meeting(key, staff).await?.id;
        let (cal, settings) = (self.calendar(), self.meeting_settings().await?);
        let files = files.to_vec();
        on_fresh_load!(Meeting::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let topics: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_agenda WHERE meeting_id = $1").bind(&l.core.id).fetch_one(&mut *tx).await?;
            let opens = l.snapshot.starts_at - Duration::hours(SIGN_IN_OPENS);
            let step = match action {
                "send_agenda" => Action::SendAgenda,
                "materials" => Action::Materials { files: files.len() },
                "notify" => Action::Notify { topics: topics as usize },
                "reply" => {
                    let r = input.reply.as_deref().unwrap_or_default();
                    let reply = Reply::parse(r).ok_or_else(|| DomainError::invalid("invalid_reply", "请选择确认参会、请假或委托代会"))?;
                    Action::Reply { reply, substitute: input.substitute.clone(), note: input.note.clone().unwrap_or_default() }
                }
                "sign_in" | "convene" if now < opens && l.snapshot.item.state == State::Notified => {
                    return Err(DomainError::conflict("sign_in_not_open", "会议签到在会议开始前 2 小时开放").into());
                }
                "sign_in" => Action::SignIn { who: input.attendees.clone() },
                "convene" => {
                    let attendees = self.attendees_of(&l.core.id).await?;
                    let q = quorum_of(&l.snapshot, &attendees);
                    Action::Convene { members: q.members as usize, present: q.present as usize }
                }
                "cancel" => Action::Cancel { reason: input.reason.clone().unwrap_or_default() },
                other => return Err(DomainError::invalid("unknown_action", format!("会议没有“{other}”这项操作")).into()),
            };
            let (next, mut details) = session::apply(&l.snapshot, actor, &step, now, &cal, &settings)?;
            match &step {
                Action::Materials { .. } => {
                    let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
                    details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
                }
                Action::Reply { .. } => {
                    let me = match details["unit_id"].as_str() {
                        Some(u) => format!("d:{u}"),
                        None => format!("u:{}", staff.user_id),
                    };
                    sqlx::query("UPDATE meeting_attendees SET reply = $1, substitute = $2, note = $3, replied_at = $4 WHERE meeting_id = $5 AND attendee = $6")
                        .bind(details["reply"].as_str()).bind(details["substitute"].as_str()).bind(details["note"].as_str()).bind(to_ms(now))
                        .bind(&l.core.id).bind(&me)
                        .execute(&mut *tx).await?;
                }
                Action::SignIn { who } => {
                    let keys: Vec<String> = if who.is_empty() || !staff.has(Role::OfficeStaff) {
                        let mine = if staff.acts_for_unit() { format!("d:{}", staff.unit_id) } else { format!("u:{}", staff.user_id) };
                        vec![mine]
                    } else {
                        who.clone()
                    };
                    let mut signed = Vec::new();
                    for k in &keys {
                        let n = sqlx::query("UPDATE meeting_attendees SET signed_in_at = $1 WHERE meeting_id = $2 AND attendee = $3 AND signed_in_at IS NULL")
                            .bind(to_ms(now)).bind(&l.core.id).bind(k)
                            .execute(&mut *tx).await?.rows_affected();
                        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = $1 AND attendee = $2").bind(&l.core.id).bind(k).fetch_one(&mut *tx).await?;
                        if known == 0 {
                            return Err(DomainError::invalid("unknown_attendee", format!("“{k}”不在本次会议的参会名单中")).into());
                        }
                        if n == 1 {
                            signed.push(k.clone());
                        }
                    }
                    details = json!({ "signed_in": signed });
                }
                Action::Cancel { .. } => {
                    let scheduled: Vec<String> = sqlx::query_scalar("SELECT topic_id FROM meeting_agenda WHERE meeting_id = $1").bind(&l.core.id).fetch_all(&mut *tx).await?;
                    for t in &scheduled {
                        move_topic(&mut tx, self, t, &topic_rules::Action::Unschedule { meeting: l.core.number.clone() }, None, actor, now, (&cal, &settings)).await?;
                    }
                }
                _ => {}
            }
            write_step(&mut tx, self, &l, &next, action, details, actor, now).await?;
            Ok(())
        }))?;
        self.meeting_for(&id, staff).await
    }
}

/// `09:00-09:40` (a hyphen, an en dash or 至 between).
fn check_slot(s: &str) -> Result<String, DomainError> {
    let norm = s.replace(['–', '—', '~', '至'], "-");
    let parts: Vec<&str> = norm.split('-').map(str::trim).collect();
    let ok = parts.len() == 2 && parts.iter().all(|p| chrono::NaiveTime::parse_from_str(p, "%H:%M").is_ok()) && parts[0] < parts[1];
    if !ok {
        return Err(DomainError::invalid("invalid_slot", format!("议题时段“{s}”格式不正确，应如 09:00-09:40")));
    }
    Ok(format!("{}-{}", parts[0], parts[1]))
}
