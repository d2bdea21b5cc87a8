//! 议题 in the store: a unit's topic with its materials, the consulted units' opinions, the
//! leaders' steps, and the annual and quarterly topic plans (议题计划).

use chrono::{DateTime, Datelike, Utc};
use sanfu_domain::kernel::{Kind, UnitRef};
use sanfu_domain::meeting::topic::{self, Action, Snapshot, State, Topic};
use sanfu_domain::meeting::{MeetingType, Stance};
use sanfu_domain::{Actor, DomainError, Principal, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use super::PersonName;
use crate::db::{Store, StoreError, from_ms, in_clause, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, AttachmentInfo, attach_in};
use crate::kernel::items::{Core, ITEM_DOC, ItemDetail, ItemSummary, UnitName, Viewer, load_core};
use crate::kernel::write;
use crate::org::Scope;

/// What a unit sends to propose a topic (saved as a draft until it is proposed).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TopicInput {
    pub title: Option<String>,
    /// What the meeting is asked to decide, and why (汇报要点).
    pub summary: Option<String>,
    /// `executive` (政府常务会议), `mayor_office` or `topical`.
    pub meeting_type: Option<String>,
    /// The units to consult: ids, codes or names.
    #[serde(default)]
    pub consulted: Vec<String>,
    /// The leader in charge (user name or id); by default the leader whose portfolio holds the unit.
    pub leader: Option<String>,
    /// The topic-plan entry it answers.
    pub plan_id: Option<String>,
    /// Propose it at once (报送) rather than keep it as a draft.
    #[serde(default)]
    pub propose: bool,
}

/// A consulted unit's opinion.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpinionView {
    pub unit: UnitName,
    pub stance: Option<String>,
    pub stance_label: Option<&'static str>,
    pub text: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub on_time: Option<bool>,
}

/// The meeting a topic is on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingRef {
    pub id: String,
    pub number: String,
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TopicView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub summary: String,
    pub meeting_type: String,
    pub meeting_type_label: &'static str,
    pub leader: Option<PersonName>,
    /// Every consulted unit and its opinion, in the order named.
    pub opinions: Vec<OpinionView>,
    /// The consulted units whose opinion is missing.
    pub missing: Vec<UnitName>,
    pub meeting: Option<MeetingRef>,
    /// The materials (汇报材料, 起草说明 …).
    pub attachments: Vec<AttachmentInfo>,
}

/// A row of the topic pool.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TopicRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub meeting_type_label: &'static str,
    pub leader: String,
    pub opinions_given: u32,
    pub opinions_asked: u32,
    pub meeting: Option<String>,
}

/// Which topics the pool lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct TopicFilter {
    pub state: Option<String>,
    /// The proposing unit (id or code).
    pub unit: Option<String>,
    /// Only those proposed by the reader's unit.
    #[serde(default)]
    pub mine: bool,
}

/// An entry of the annual or quarterly topic plan.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    pub year: Option<i32>,
    /// 1–4, or none for the annual plan.
    pub quarter: Option<u32>,
    pub unit: Option<String>,
    pub title: Option<String>,
    pub meeting_type: Option<String>,
    /// The month it is expected on an agenda (1–12).
    pub expected_month: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanRow {
    pub id: String,
    pub year: i32,
    pub quarter: Option<u32>,
    pub unit: UnitName,
    pub title: String,
    pub meeting_type_label: &'static str,
    pub expected_month: u32,
    /// The topic proposed for it, if any, and where it stands.
    pub topic: Option<ItemSummary>,
    /// Expected by now and not yet proposed.
    pub late: bool,
}

pub(crate) struct Loaded {
    pub core: Core,
    pub meeting_type: MeetingType,
    pub summary: String,
    pub meeting_id: Option<String>,
    pub snapshot: Snapshot,
}

/// Each of `units`' written answer as a co-unit (a topic's 会签意见, a draft's 会签): the latest
/// `action` event of the unit while its co-assignment holds an answer — a draft sent back is
/// answered afresh — with its stance, its text as `viewer` may read it, when, and whether in time.
pub(crate) fn co_answers(
    assignments: &[sanfu_domain::kernel::Assignment],
    events: &[events::Event],
    units: &[String],
    action: &str,
    viewer: Viewer,
    unit_name: impl Fn(&str) -> UnitName,
) -> Vec<OpinionView> {
    units
        .iter()
        .map(|u| {
            let answered = assignments.iter().any(|a| a.active && a.role == sanfu_domain::kernel::AssignmentRole::Co && a.unit_id == *u && a.outcome.is_some());
            let e = events.iter().rev().find(|e| e.action == action && e.details["unit_id"].as_str() == Some(u)).filter(|_| answered);
            let stance = e.and_then(|e| e.details["stance"].as_str()).and_then(Stance::parse);
            OpinionView {
                unit: unit_name(u),
                stance: stance.map(|s| s.as_str().to_string()),
                stance_label: stance.map(|s| s.label()),
                text: e.and_then(|e| e.details["text"].as_str()).map(|t| viewer.text(t)),
                at: e.map(|e| e.at),
                on_time: e.and_then(|e| e.details["on_time"].as_bool()),
            }
        })
        .collect()
}

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("topic_not_found", format!("议题“{key}”不存在")).into()
}

pub(crate) async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != Topic::NAME {
        return Ok(None);
    }
    let (meeting_type, summary, consulted, meeting_id): (String, String, String, Option<String>) =
        sqlx::query_as("SELECT meeting_type, summary, consulted, meeting_id FROM topics WHERE id = $1").bind(&core.id).fetch_one(&mut *conn).await?;
    let people = write::load_people(conn, &core.id).await?;
    let consulted = consulted
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|id| UnitRef { id: id.to_string(), name: id.to_string(), kind: sanfu_domain::UnitKind::Department, parent_id: None })
        .collect();
    let snapshot = Snapshot {
        item: core.item()?,
        people,
        consulted,
    };
    Ok(Some(Loaded { meeting_type: MeetingType::parse(&meeting_type).unwrap_or(MeetingType::Executive), summary, meeting_id, snapshot, core }))
}

/// Write a topic's step in the caller's transaction: the kernel's parts, its people, its
/// consulted units, its event.
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
    let spec = store.spec_of(Topic::NAME)?;
    if next.consulted != l.snapshot.consulted {
        let ids: Vec<&str> = next.consulted.iter().map(|u| u.id.as_str()).collect();
        sqlx::query("UPDATE topics SET consulted = $1 WHERE id = $2").bind(ids.join(",")).bind(&l.core.id).execute(&mut *tx).await?;
    }
    let (old, new) = ((&l.snapshot as _, &l.snapshot.people[..]), (next as _, &next.people[..]));
    write::record(tx, &spec, &l.core.id, l.core.version, old, new, action, details, actor, now).await?;
    Ok(())
}

use crate::kernel::staff_of;

impl Store {
    /// 起草议题: a unit's new topic, a draft only its own unit reads until it is proposed.
    pub async fn create_topic(&self, input: &TopicInput, files: &[Attachment], actor: &Actor) -> Result<TopicView, StoreError> {
        self.create_topic_at(input, files, actor, Utc::now()).await
    }

    pub(crate) async fn create_topic_at(&self, input: &TopicInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<TopicView, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.acts_for_unit() {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有承办单位可以提出议题").into());
        }
        let title = validate::text("title", "议题名称", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let summary = validate::text("summary", "议题内容", input.summary.as_deref().unwrap_or_default(), validate::MAX_CONTENT_CHARS)?;
        let meeting_type = parse_type(input.meeting_type.as_deref())?;
        let unit = self.unit_ref(&staff.unit_id).await?;
        let mut consulted = Vec::new();
        for u in &input.consulted {
            consulted.push(self.unit_ref(u).await?);
        }
        let leader_id = match input.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => self.leader_by(l, "分管领导").await?.0,
            None => self.charge_leader_of(&unit.id).await?.ok_or_else(|| DomainError::invalid("unknown_leader", "请选择分管领导"))?,
        };
        let plan_id = match input.plan_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => {
                let owner: Option<String> = sqlx::query_scalar("SELECT unit_id FROM topic_plans WHERE id = $1").bind(p).fetch_optional(self.pool()).await?;
                if owner.as_deref() != Some(unit.id.as_str()) {
                    return Err(DomainError::invalid("unknown_plan", "议题计划不存在或不属于本单位").into());
                }
                Some(p.to_string())
            }
            None => None,
        };
        let snap = topic::draft(&unit, consulted, &leader_id, now)?;
        let files = files.to_vec();
        let spec = self.spec_of(Topic::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, &format!("{title}\n{summary}"));
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &snap, now).await?;
            write::write_people(&mut tx, &id, Topic::NAME, &[], &snap.people, now).await?;
            let ids: Vec<&str> = snap.consulted.iter().map(|u| u.id.as_str()).collect();
            sqlx::query("INSERT INTO topics (id, meeting_type, summary, consulted, plan_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(&id).bind(meeting_type.as_str()).bind(&summary).bind(ids.join(",")).bind(&plan_id)
                .execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            let stored = attach_in(&mut tx, &id, &files, actor, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Topic::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Draft.as_str()),
                details: json!({ "number": number, "title": title, "meeting_type": meeting_type.as_str(), "leader_id": leader_id,
                                 "consulted": snap.consulted.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>(),
                                 "attachments": stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        if input.propose {
            return self.act_topic_at(&id, actor, &Action::Propose, &[], now).await;
        }
        self.topic_for(&id, staff).await
    }

    /// The topic's kernel parts if `staff` may read it: a draft only its own unit; otherwise
    /// the units it was handed to (the proposer, the consulted), the office, and the leaders
    /// of the portfolio or named on it.
    pub(crate) async fn visible_topic(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        let core = if screens_topics(staff) {
            // The 秘书长 and the mayor read every unit's topics: they screen them and set agendas.
            let mut conn = self.pool().acquire().await?;
            load_core(&mut conn, key).await?.ok_or_else(|| not_found(key))?
        } else {
            self.visible_of_kind(key, staff, Topic::NAME, || not_found(key)).await?
        };
        if core.kind != Topic::NAME {
            return Err(not_found(key));
        }
        if core.state == State::Draft.as_str() {
            let lead = core.assignments.iter().any(|a| a.active && a.role == sanfu_domain::kernel::AssignmentRole::Lead && a.unit_id == staff.unit_id);
            if !(lead && staff.acts_for_unit()) {
                return Err(DomainError::forbidden("item_forbidden", "无权查看该事项（议题尚未报送）").into());
            }
        }
        Ok(core)
    }

    /// A topic's events for whoever may read it.
    pub async fn topic_events(&self, key: &str, staff: &Staff) -> Result<Vec<events::Event>, StoreError> {
        let core = self.visible_topic(key, staff).await?;
        Ok(crate::kernel::items::for_reader(events::list(self.pool(), &core.id).await?, staff))
    }

    /// One topic for whoever may read it.
    pub async fn topic_for(&self, key: &str, staff: &Staff) -> Result<TopicView, StoreError> {
        let core = self.visible_topic(key, staff).await?;
        let mut conn = self.pool().acquire().await?;
        let l = load(&mut conn, &core.id).await?.ok_or_else(|| not_found(key))?;
        let meeting = match &l.meeting_id {
            Some(m) => sqlx::query_as::<_, (String, String, i64)>("SELECT w.id, w.number, m.starts_at FROM work_items w JOIN meetings m ON m.id = w.id WHERE w.id = $1")
                .bind(m)
                .fetch_optional(&mut *conn)
                .await?
                .map(|(id, number, at)| MeetingRef { id, number, starts_at: from_ms(at) }),
            None => None,
        };
        drop(conn);
        let names = self.unit_names().await?;
        let users = self.user_names().await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        let viewer = Viewer::of(staff);
        let events = crate::kernel::items::for_reader(events::list(self.pool(), &core.id).await?, staff);
        // Consulted units as named (before the proposal) or as handed the topic (after).
        let consulted: Vec<String> = if l.snapshot.item.state == State::Draft {
            l.snapshot.consulted.iter().map(|u| u.id.clone()).collect()
        } else {
            l.snapshot.item.assignments.iter().filter(|a| a.active && a.role == sanfu_domain::kernel::AssignmentRole::Co).map(|a| a.unit_id.clone()).collect()
        };
        let opinions = co_answers(&l.snapshot.item.assignments, &events, &consulted, "opinion", viewer, name_of);
        let missing = if l.snapshot.item.state == State::Draft { Vec::new() } else { l.snapshot.missing_opinions().iter().map(|u| name_of(u)).collect() };
        let leader = l.snapshot.leader_id().map(|id| PersonName { id: id.to_string(), name: users.get(id).cloned().unwrap_or_default() });
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip: String::new() };
        let item = self.detail(l.core.clone(), &actor, viewer).await?;
        Ok(TopicView {
            item,
            summary: viewer.text(&l.summary),
            meeting_type: l.meeting_type.as_str().to_string(),
            meeting_type_label: l.meeting_type.label(),
            leader,
            opinions,
            missing,
            meeting,
            attachments: self.attachments_of(&l.core.id).await?,
        })
    }

    /// One action on a topic (not `schedule`/`unschedule`/`decide`, which its meeting takes;
    /// see [`Store::schedule_topic`]).
    pub async fn act_topic(&self, key: &str, actor: &Actor, action: &Action, files: &[Attachment]) -> Result<TopicView, StoreError> {
        self.act_topic_at(key, actor, action, files, Utc::now()).await
    }

    pub(crate) async fn act_topic_at(&self, key: &str, actor: &Actor, action: &Action, files: &[Attachment], now: DateTime<Utc>) -> Result<TopicView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_topic(key, staff).await?.id;
        if matches!(action, Action::Schedule { .. } | Action::Unschedule { .. } | Action::Decide { .. }) {
            return Err(DomainError::invalid("unknown_action", "请在会议的议程中安排或移出议题").into());
        }
        let cal = self.calendar();
        let settings = self.meeting_settings().await?;
        let names = self.unit_names().await?;
        let files = files.to_vec();
        on_fresh_load!(Topic::NOUN, in_tx!(self, tx => {
            let mut l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            for u in l.snapshot.consulted.iter_mut() {
                u.name = names.get(&u.id).cloned().unwrap_or_default();
            }
            let (next, mut details) = topic::apply(&l.snapshot, actor, action, now, &cal, &settings)?;
            if !files.is_empty() {
                let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            write_step(&mut tx, self, &l, &next, action.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.topic_for(&id, staff).await
    }

    /// 修改议题: the proposing unit changes the title, the text or (before proposing) whom it consults.
    pub async fn revise_topic(&self, key: &str, input: &TopicInput, files: &[Attachment], actor: &Actor) -> Result<TopicView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_topic(key, staff).await?.id;
        let title = validate::optional_text("title", "议题名称", input.title.as_deref(), validate::MAX_SUBJECT_CHARS)?;
        let summary = validate::optional_text("summary", "议题内容", input.summary.as_deref(), validate::MAX_CONTENT_CHARS)?;
        let consulted = if input.consulted.is_empty() {
            None
        } else {
            let mut v = Vec::new();
            for u in &input.consulted {
                v.push(self.unit_ref(u).await?);
            }
            Some(v)
        };
        let now = Utc::now();
        let (cal, settings) = (self.calendar(), self.meeting_settings().await?);
        let seg = self.segmenter().await?;
        let files = files.to_vec();
        on_fresh_load!(Topic::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let (next, _) = topic::apply(&l.snapshot, actor, &Action::Revise { consulted: consulted.clone() }, now, &cal, &settings)?;
            let title = title.clone().unwrap_or_else(|| l.core.title.clone());
            let summary = summary.clone().unwrap_or_else(|| l.summary.clone());
            sqlx::query("UPDATE work_items SET title = $1 WHERE id = $2").bind(&title).bind(&l.core.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE topics SET summary = $1 WHERE id = $2").bind(&summary).bind(&l.core.id).execute(&mut *tx).await?;
            Store::index_in(&mut tx, &Store::index_row(&seg, &l.core.id, ITEM_DOC, &format!("{title}\n{summary}"))).await?;
            let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
            let details = json!({ "title": title, "summary_changed": summary != l.summary,
                                  "attachments": stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>() });
            write_step(&mut tx, self, &l, &next, "revise", details, actor, now).await?;
            Ok(())
        }))?;
        self.topic_for(&id, staff).await
    }

    /// The topic pool as `staff` may read it, newest first.
    pub async fn list_topics(&self, staff: &Staff, f: &TopicFilter) -> Result<Vec<TopicRow>, StoreError> {
        let mut sql = "SELECT w.id, t.meeting_type, t.meeting_id FROM work_items w JOIN topics t ON t.id = w.id WHERE w.kind = 'topic'".to_string();
        let mut binds: Vec<String> = Vec::new();
        let bind = |v: String, binds: &mut Vec<String>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
            let st = State::parse(s).ok_or_else(|| DomainError::invalid("invalid_state", format!("议题状态“{s}”不存在")))?;
            sql.push_str(&format!(" AND w.state = {}", bind(st.as_str().into(), &mut binds)));
        }
        if let Some(u) = f.unit.as_deref().filter(|s| !s.is_empty()) {
            let unit = self.unit_ref(u).await?;
            sql.push_str(&format!(" AND w.lead_unit_id = {}", bind(unit.id, &mut binds)));
        }
        if f.mine {
            sql.push_str(&format!(" AND w.lead_unit_id = {}", bind(staff.unit_id.clone(), &mut binds)));
        }
        // A draft is its own unit's alone.
        let own = bind(staff.unit_id.clone(), &mut binds);
        if staff.acts_for_unit() {
            sql.push_str(&format!(" AND (w.state <> 'draft' OR w.lead_unit_id = {own})"));
        } else {
            sql.push_str(" AND w.state <> 'draft'");
        }
        let scope = if screens_topics(staff) { Scope::All } else { Store::scope_of(staff) };
        match scope {
            Scope::All => {}
            Scope::Units(units) => {
                let first = binds.len() + 1;
                let (clause, _) = in_clause(first, units.len());
                let mut cond = format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.kind = 'topic' AND a.unit_id IN {clause})");
                binds.extend(units);
                if staff.has(Role::Leader) {
                    let me = bind(staff.user_id.clone(), &mut binds);
                    cond = format!("({cond} OR w.id IN (SELECT p.work_id FROM item_people p WHERE p.user_id = {me} AND p.kind = 'topic'))");
                }
                sql.push_str(&format!(" AND {cond}"));
            }
        }
        sql.push_str(" ORDER BY w.created_at DESC, w.id DESC LIMIT 500");
        let mut q = sqlx::query_as::<_, (String, String, Option<String>)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let counts = self.opinion_counts(&ids).await?;
        let leaders = self.people_of(&ids, "charge_leader").await?;
        let users = self.user_names().await?;
        let meetings = self.numbers_of(rows.iter().filter_map(|r| r.2.clone()).collect()).await?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let row = rows.iter().find(|r| r.0 == s.id);
                let c = counts.iter().find(|c| c.0 == s.id);
                TopicRow {
                    meeting_type_label: row.and_then(|r| MeetingType::parse(&r.1)).map(|t| t.label()).unwrap_or_default(),
                    leader: leaders.get(&s.id).and_then(|u| users.get(u)).cloned().unwrap_or_default(),
                    opinions_asked: c.map(|c| c.1 as u32).unwrap_or(0),
                    opinions_given: c.map(|c| c.2 as u32).unwrap_or(0),
                    meeting: row.and_then(|r| r.2.as_ref()).and_then(|m| meetings.get(m)).cloned(),
                    item: s,
                }
            })
            .collect())
    }

    /// (item, consulted units, opinions given) of these topics.
    async fn opinion_counts(&self, ids: &[String]) -> Result<Vec<(String, i64, i64)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(format!(
            "SELECT work_id, COUNT(*), SUM(CASE WHEN outcome IS NULL THEN 0 ELSE 1 END) FROM assignments
             WHERE active = 1 AND role = 'co' AND work_id IN {clause} GROUP BY work_id"
        )));
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// The person in `party` on each of these items.
    pub(crate) async fn people_of(&self, ids: &[String], party: &str) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let (clause, _) = in_clause(2, ids.len());
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!("SELECT work_id, user_id FROM item_people WHERE party = $1 AND work_id IN {clause}"))).bind(party);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().collect())
    }

    /// The numbers of these items.
    pub(crate) async fn numbers_of(&self, ids: Vec<String>) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!("SELECT id, number FROM work_items WHERE id IN {clause}")));
        for id in &ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().collect())
    }

    /// Add an entry to the topic plan (the meeting section, or a unit for itself).
    pub async fn add_topic_plan(&self, input: &PlanInput, actor: &Actor) -> Result<PlanRow, StoreError> {
        let staff = staff_of(actor)?;
        let year = input.year.ok_or_else(|| DomainError::invalid("missing_field", "请填写年度"))?;
        if !(2000..=2100).contains(&year) {
            return Err(DomainError::invalid("invalid_year", "年度不正确").into());
        }
        if input.quarter.is_some_and(|q| !(1..=4).contains(&q)) {
            return Err(DomainError::invalid("invalid_quarter", "季度须为 1 至 4").into());
        }
        let month = input.expected_month.ok_or_else(|| DomainError::invalid("missing_field", "请填写预计上会月份"))?;
        if !(1..=12).contains(&month) || input.quarter.is_some_and(|q| (month - 1) / 3 + 1 != q) {
            return Err(DomainError::invalid("invalid_month", "预计上会月份须为 1 至 12，且在所选季度内").into());
        }
        let title = validate::text("title", "议题名称", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let meeting_type = parse_type(input.meeting_type.as_deref())?;
        let unit = match input.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => self.unit_ref(u).await?,
            None => self.unit_ref(&staff.unit_id).await?,
        };
        if !(staff.has(Role::OfficeStaff) || staff.acts_for_unit() && staff.unit_id == unit.id) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有会议科或本单位可以编报议题计划").into());
        }
        let id = new_id();
        let now = Utc::now();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO topic_plans (id, year, quarter, unit_id, title, meeting_type, expected_month, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&id).bind(i64::from(year)).bind(input.quarter.map(i64::from)).bind(&unit.id).bind(&title)
                .bind(meeting_type.as_str()).bind(i64::from(month)).bind(to_ms(now))
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "topic_plan", action: "create", actor, from_state: None, to_state: None,
                details: json!({ "year": year, "quarter": input.quarter, "unit_id": unit.id, "title": title, "expected_month": month }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.topic_plan(year, staff).await?.into_iter().find(|p| p.id == id).ok_or_else(|| StoreError::Other("plan vanished".into()))
    }

    /// The plan of `year` as `staff` may read it (a unit its own entries), by month.
    pub async fn topic_plan(&self, year: i32, staff: &Staff) -> Result<Vec<PlanRow>, StoreError> {
        let rows: Vec<(String, i64, Option<i64>, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, year, quarter, unit_id, title, meeting_type, expected_month FROM topic_plans WHERE year = $1 ORDER BY expected_month, created_at",
        )
        .bind(i64::from(year))
        .fetch_all(self.pool())
        .await?;
        let scope = Store::scope_of(staff);
        let rows: Vec<_> = rows.into_iter().filter(|r| matches!(&scope, Scope::All) || matches!(&scope, Scope::Units(u) if u.contains(&r.3))).collect();
        let plan_ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let topics: Vec<(String, String)> = if plan_ids.is_empty() {
            Vec::new()
        } else {
            let (clause, _) = in_clause(1, plan_ids.len());
            let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!(
                "SELECT t.plan_id, t.id FROM topics t JOIN work_items w ON w.id = t.id WHERE w.state <> 'draft' AND w.state <> 'withdrawn' AND t.plan_id IN {clause}"
            )));
            for p in &plan_ids {
                q = q.bind(p);
            }
            q.fetch_all(self.pool()).await?
        };
        let summaries = self.item_summaries(&topics.iter().map(|t| t.1.clone()).collect::<Vec<_>>(), Viewer::of(staff)).await?;
        let names = self.unit_names().await?;
        let today = Utc::now().with_timezone(&self.offset());
        Ok(rows
            .into_iter()
            .map(|(id, y, quarter, unit, title, mt, month)| {
                let topic = topics.iter().find(|t| t.0 == id).and_then(|t| summaries.iter().find(|s| s.id == t.1)).cloned();
                let late = topic.is_none() && (i64::from(today.year()) > y || i64::from(today.year()) == y && i64::from(today.month()) > month);
                PlanRow {
                    id,
                    year: y as i32,
                    quarter: quarter.map(|q| q as u32),
                    unit: UnitName { name: names.get(&unit).cloned().unwrap_or_default(), id: unit },
                    title,
                    meeting_type_label: MeetingType::parse(&mt).map(|t| t.label()).unwrap_or_default(),
                    expected_month: month as u32,
                    topic,
                    late,
                }
            })
            .collect())
    }
}

/// The 秘书长 and the mayor, who read every unit's proposed topics.
pub(crate) fn screens_topics(staff: &Staff) -> bool {
    staff.has(Role::SecretaryGeneral) || staff.has(Role::Mayor)
}

pub(crate) fn parse_type(s: Option<&str>) -> Result<MeetingType, DomainError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => MeetingType::parse(s).ok_or_else(|| DomainError::invalid("invalid_meeting_type", format!("会议类型“{s}”不存在"))),
        None => Ok(MeetingType::Executive),
    }
}
