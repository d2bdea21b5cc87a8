//! A meeting as it is read: its page (agenda, attendance, quorum, minutes, each decision's
//! item — the meeting's scoreboard) and the calendar of meetings.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::meeting::session::{self, Snapshot, State};
use sanfu_domain::meeting::{MeetingType, Outcome, Reply};
use sanfu_domain::{Actor, Principal, Role, Staff};
use serde::Serialize;

use super::PersonName;
use super::session::{SIGN_IN_OPENS, load, not_found};
use crate::db::{Store, StoreError, from_ms, in_clause, to_ms};
use crate::kernel::attachments::AttachmentInfo;
use crate::kernel::items::{ItemDetail, ItemSummary, UnitName, Viewer};
use crate::org::Scope;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendeeView {
    /// `u:<user id>` for a leader, `d:<unit id>` for a unit.
    pub key: String,
    pub name: String,
    pub role: String,
    pub role_label: &'static str,
    pub reply: Option<String>,
    pub reply_label: Option<&'static str>,
    pub substitute: Option<String>,
    pub note: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub signed_in_at: Option<DateTime<Utc>>,
}

/// More than half of the members present, or the warning.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quorum {
    pub members: u32,
    pub present: u32,
    pub reached: bool,
    pub warning: Option<String>,
}

/// A decision's supervision item as the meeting's scoreboard shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionProgress {
    pub id: String,
    pub number: String,
    pub state: String,
    pub state_label: &'static str,
    /// green, yellow or red by its due date; none when closed.
    pub level: Option<&'static str>,
    /// The worst card in force on it: yellow or red.
    pub card: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub seq: u32,
    pub text: String,
    pub lead_unit: UnitName,
    pub co_units: Vec<UnitName>,
    pub deadline: DateTime<Utc>,
    pub supervision: Option<DecisionProgress>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgendaView {
    pub seq: u32,
    pub topic: ItemSummary,
    pub unit: UnitName,
    pub slot: String,
    pub observers: Vec<UnitName>,
    pub materials_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub outcome_label: Option<&'static str>,
    pub outcome_note: Option<String>,
    pub decisions: Vec<DecisionView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Erratum {
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MinutesView {
    pub summary: Option<String>,
    /// `江州市人民政府常务会议纪要〔2026〕5号`, once issued.
    pub number: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub errata: Vec<Erratum>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub meeting_type: String,
    pub meeting_type_label: &'static str,
    pub starts_at: DateTime<Utc>,
    pub place: String,
    pub chair: Option<PersonName>,
    pub agenda: Vec<AgendaView>,
    pub attendees: Vec<AttendeeView>,
    pub quorum: Quorum,
    pub minutes: MinutesView,
    /// Sign-in is open (from two hours before the start until the meeting is convened).
    pub sign_in_open: bool,
    pub attachments: Vec<AttachmentInfo>,
}

/// A meeting in the calendar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub meeting_type_label: &'static str,
    pub starts_at: DateTime<Utc>,
    pub place: String,
    pub chair: String,
    pub topics: u32,
    pub decisions: u32,
    pub minutes_number: Option<String>,
}

fn role_label(role: &str) -> &'static str {
    match role {
        "chair" => "主持",
        "member" => "组成人员",
        "reporting" => "汇报单位",
        _ => "列席单位",
    }
}

impl Store {
    /// One meeting: its agenda, attendance, quorum, minutes and the decisions' progress.
    pub async fn meeting_for(&self, key: &str, staff: &Staff) -> Result<MeetingView, StoreError> {
        let core = self.visible_meeting(key, staff).await?;
        let mut conn = self.pool().acquire().await?;
        let l = load(&mut conn, &core.id).await?.ok_or_else(|| not_found(key))?;
        drop(conn);
        let names = self.unit_names().await?;
        let users = self.user_names().await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        let viewer = Viewer::of(staff);
        let agenda_rows: Vec<(i64, String, String, String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT seq, topic_id, unit_id, slot, observers, outcome, outcome_note FROM meeting_agenda WHERE meeting_id = $1 ORDER BY seq",
        )
        .bind(&l.core.id)
        .fetch_all(self.pool())
        .await?;
        let topics = self.item_summaries(&agenda_rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(), viewer).await?;
        let decisions = self.decisions_of(&l.core.id, &names).await?;
        let materials: BTreeMap<String, DateTime<Utc>> = l
            .snapshot
            .item
            .dues
            .iter()
            .filter(|(k, d)| k.name == "materials" && d.met_at.is_some())
            .filter_map(|(k, d)| Some((k.unit_id.clone(), d.met_at?)))
            .collect();
        let agenda = agenda_rows
            .into_iter()
            .filter_map(|(seq, topic_id, unit, slot, observers, outcome, note)| {
                let topic = topics.iter().find(|t| t.id == topic_id)?.clone();
                let outcome = outcome.as_deref().and_then(Outcome::parse);
                Some(AgendaView {
                    seq: seq as u32,
                    topic,
                    materials_at: materials.get(&unit).copied(),
                    unit: name_of(&unit),
                    slot,
                    observers: observers.split(',').filter(|s| !s.is_empty()).map(name_of).collect(),
                    outcome: outcome.map(|o| o.as_str().to_string()),
                    outcome_label: outcome.map(|o| o.label()),
                    outcome_note: note,
                    decisions: decisions.iter().filter(|d| d.0 == seq).map(|d| d.1.clone()).collect(),
                })
            })
            .collect();
        let attendees = self.attendees_of(&l.core.id).await?;
        let quorum = quorum_of(&l.snapshot, &attendees);
        let events = self.item_events(&l.core.id, staff).await?;
        let errata = events
            .iter()
            .filter(|e| e.action == "erratum")
            .map(|e| Erratum { at: e.at, by: e.actor_name.clone(), text: e.details["text"].as_str().unwrap_or_default().to_string() })
            .collect();
        let now = Utc::now();
        let sign_in_open = l.snapshot.item.state == State::Notified && now >= l.snapshot.starts_at - Duration::hours(SIGN_IN_OPENS);
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip: String::new() };
        let mut item = self.detail(l.core.clone(), &actor, viewer).await?;
        if !sign_in_open {
            item.allowed_actions.retain(|a| *a != "sign_in" && *a != "convene");
        }
        Ok(MeetingView {
            item,
            meeting_type: l.snapshot.meeting_type.as_str().to_string(),
            meeting_type_label: l.snapshot.meeting_type.label(),
            starts_at: l.snapshot.starts_at,
            place: l.place.clone(),
            chair: l.snapshot.chair().map(|id| PersonName { id: id.to_string(), name: users.get(id).cloned().unwrap_or_default() }),
            agenda,
            attendees,
            quorum,
            minutes: MinutesView {
                summary: l.minutes_summary.as_deref().map(|s| viewer.text(s)),
                number: l.minutes_number.clone(),
                issued_at: l.issued_at.map(from_ms),
                errata,
            },
            sign_in_open,
            attachments: self.attachments_of(&l.core.id).await?,
        })
    }

    pub(crate) async fn attendees_of(&self, meeting_id: &str) -> Result<Vec<AttendeeView>, StoreError> {
        type Row = (String, String, String, Option<String>, Option<String>, Option<String>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT attendee, name, role, reply, substitute, note, replied_at, signed_in_at FROM meeting_attendees WHERE meeting_id = $1",
        )
        .bind(meeting_id)
        .fetch_all(self.pool())
        .await?;
        let order = |r: &str| ["chair", "member", "reporting", "observer"].iter().position(|x| *x == r).unwrap_or(9);
        let mut v: Vec<AttendeeView> = rows
            .into_iter()
            .map(|(key, name, role, reply, substitute, note, replied_at, signed_in_at)| {
                let r = reply.as_deref().and_then(Reply::parse);
                AttendeeView {
                    key,
                    name,
                    role_label: role_label(&role),
                    role,
                    reply: r.map(|r| r.as_str().to_string()),
                    reply_label: r.map(|r| r.label()),
                    substitute,
                    note,
                    replied_at: replied_at.map(from_ms),
                    signed_in_at: signed_in_at.map(from_ms),
                }
            })
            .collect();
        v.sort_by(|a, b| (order(&a.role), &a.key).cmp(&(order(&b.role), &b.key)));
        Ok(v)
    }

    /// The decisions of a meeting, by agenda place, with their items' progress.
    pub(crate) async fn decisions_of(&self, meeting_id: &str, names: &BTreeMap<String, String>) -> Result<Vec<(i64, DecisionView)>, StoreError> {
        type Row = (String, i64, i64, String, String, String, i64, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, agenda_seq, seq, text, lead_unit_id, co_unit_ids, deadline, supervision_id FROM meeting_decisions
             WHERE meeting_id = $1 ORDER BY agenda_seq, seq",
        )
        .bind(meeting_id)
        .fetch_all(self.pool())
        .await?;
        let items: Vec<String> = rows.iter().filter_map(|r| r.7.clone()).collect();
        let progress = self.progress_of(&items).await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        Ok(rows
            .into_iter()
            .map(|(id, agenda_seq, seq, text, lead, co, deadline, sup)| {
                (
                    agenda_seq,
                    DecisionView {
                        id,
                        seq: seq as u32,
                        text,
                        lead_unit: name_of(&lead),
                        co_units: co.split(',').filter(|s| !s.is_empty()).map(name_of).collect(),
                        deadline: from_ms(deadline),
                        supervision: sup.and_then(|s| progress.get(&s).cloned()),
                    },
                )
            })
            .collect())
    }

    /// Supervision items' state, colour and worst card in force.
    pub(crate) async fn progress_of(&self, ids: &[String]) -> Result<BTreeMap<String, DecisionProgress>, StoreError> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let summaries = self.item_summaries(ids, Viewer { full: false }).await?;
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!(
            "SELECT work_id, colour FROM cards WHERE revoked_at IS NULL AND work_id IN {clause}"
        )));
        for id in ids {
            q = q.bind(id);
        }
        let cards = q.fetch_all(self.pool()).await?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let mine: Vec<&str> = cards.iter().filter(|c| c.0 == s.id).map(|c| c.1.as_str()).collect();
                let card = if mine.contains(&"red") { Some("red") } else if mine.contains(&"yellow") { Some("yellow") } else { None };
                (
                    s.id.clone(),
                    DecisionProgress { id: s.id, number: s.number, state: s.state, state_label: s.state_label, level: s.level, card: card.map(String::from) },
                )
            })
            .collect())
    }

    /// The calendar: meetings `staff` may read between `from` and `to`, in time order.
    pub async fn list_meetings(&self, staff: &Staff, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MeetingRow>, StoreError> {
        let mut sql = "SELECT w.id, m.meeting_type, m.starts_at, m.place, m.minutes_number FROM work_items w JOIN meetings m ON m.id = w.id
                       WHERE w.kind = 'meeting' AND m.starts_at >= $1 AND m.starts_at < $2"
            .to_string();
        let mut binds: Vec<String> = Vec::new();
        if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = in_clause(3, units.len());
            sql.push_str(&format!(" AND (w.id IN (SELECT a.work_id FROM assignments a WHERE a.kind = 'meeting' AND a.unit_id IN {clause})"));
            binds.extend(units);
            if staff.has(Role::Leader) {
                binds.push(staff.user_id.clone());
                sql.push_str(&format!(" OR w.id IN (SELECT p.work_id FROM item_people p WHERE p.kind = 'meeting' AND p.user_id = ${})", binds.len() + 2));
            }
            sql.push(')');
        }
        sql.push_str(" ORDER BY m.starts_at, w.id LIMIT 1000");
        let mut q = sqlx::query_as::<_, (String, String, i64, String, Option<String>)>(sqlx::AssertSqlSafe(sql)).bind(to_ms(from)).bind(to_ms(to));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let chairs = self.people_of(&ids, "chair").await?;
        let users = self.user_names().await?;
        let counts = |table: &'static str| {
            let ids = ids.clone();
            async move {
                if ids.is_empty() {
                    return Ok::<_, StoreError>(BTreeMap::new());
                }
                let (clause, _) = in_clause(1, ids.len());
                let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
                    "SELECT meeting_id, COUNT(*) FROM {table} WHERE meeting_id IN {clause} GROUP BY meeting_id"
                )));
                for id in &ids {
                    q = q.bind(id);
                }
                Ok(q.fetch_all(self.pool()).await?.into_iter().collect::<BTreeMap<String, i64>>())
            }
        };
        let topics = counts("meeting_agenda").await?;
        let decisions = counts("meeting_decisions").await?;
        Ok(summaries
            .into_iter()
            .filter_map(|s| {
                let r = rows.iter().find(|r| r.0 == s.id)?;
                Some(MeetingRow {
                    meeting_type_label: MeetingType::parse(&r.1).map(|t| t.label()).unwrap_or_default(),
                    starts_at: from_ms(r.2),
                    place: r.3.clone(),
                    chair: chairs.get(&s.id).and_then(|u| users.get(u)).cloned().unwrap_or_default(),
                    topics: topics.get(&s.id).copied().unwrap_or(0) as u32,
                    decisions: decisions.get(&s.id).copied().unwrap_or(0) as u32,
                    minutes_number: r.4.clone(),
                    item: s,
                })
            })
            .collect())
    }

}

/// The members present in person (signed in, not represented by a substitute).
pub(crate) fn quorum_of(s: &Snapshot, attendees: &[AttendeeView]) -> Quorum {
    let members = s.members();
    let present = members
        .iter()
        .filter(|m| {
            attendees.iter().any(|a| a.key == format!("u:{m}") && a.signed_in_at.is_some() && a.reply.as_deref() != Some(Reply::Substitute.as_str()))
        })
        .count();
    let warning = session::quorum_warning(members.len(), present);
    Quorum { members: members.len() as u32, present: present as u32, reached: warning.is_none(), warning }
}

