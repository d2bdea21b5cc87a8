//! 会议纪要: drafted from the agenda, reviewed by the 秘书长, signed by the chair, issued with
//! its own number — and at that moment every decision (议定事项) opens a supervision item,
//! handed to its units and linked both ways to the meeting and the topic, in the same
//! transaction. Issued minutes are never edited; a recorded erratum corrects them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_domain::kernel::{Kind, LinkKind, ReportCycle, UnitRef};
use sanfu_domain::meeting::Outcome;
use sanfu_domain::meeting::session::{self, Action, Meeting, State};
use sanfu_domain::meeting::topic as topic_rules;
use sanfu_domain::supervision::Source;
use sanfu_domain::{Actor, DomainError, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{MeetingActionInput, MeetingView, load, move_topic, not_found, write_step};
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::kernel::cards::link_in;
use crate::kernel::items::{ITEM_DOC, UnitName};
use crate::org::Scope;

/// The default number of issued minutes; `{city}` is the city's name, `{code}` the series'.
const MINUTES_FORMAT: &str = "{city}人民政府{code}纪要〔{year}〕{n}号";

/// A decision with what carries it out: a line of the decision ledger (议定事项台账).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionRow {
    pub meeting_id: String,
    pub meeting: String,
    pub meeting_date: DateTime<Utc>,
    pub minutes_number: Option<String>,
    pub topic: String,
    pub text: String,
    pub lead_unit: UnitName,
    pub co_units: Vec<UnitName>,
    pub deadline: DateTime<Utc>,
    pub supervision: Option<super::session::DecisionProgress>,
}

/// Which decisions the ledger lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct DecisionFilter {
    pub year: Option<i32>,
    pub meeting_type: Option<String>,
    /// The lead unit (id or code).
    pub unit: Option<String>,
}

struct Checked {
    summary: Option<String>,
    outcomes: Vec<(i64, Option<Outcome>, Option<String>)>,
    decisions: Vec<(i64, i64, String, UnitRef, Vec<UnitRef>, DateTime<Utc>)>,
}

impl Store {
    /// Check a draft against the agenda: each topic's outcome, each decision's text, units and deadline.
    async fn check_draft(&self, input: &MeetingActionInput, agenda: &[(i64, String)], starts: DateTime<Utc>) -> Result<Checked, StoreError> {
        let summary = validate::optional_text("summary", "会议纪要正文", input.summary.as_deref(), validate::MAX_CONTENT_CHARS)?;
        let mut outcomes = Vec::new();
        let mut decisions = Vec::new();
        for t in input.outcomes.as_deref().unwrap_or_default() {
            let seq = i64::from(t.seq);
            let Some((_, title)) = agenda.iter().find(|a| a.0 == seq) else {
                return Err(DomainError::invalid("unknown_topic", format!("议程中没有第 {} 项议题", t.seq)).into());
            };
            let outcome = match t.outcome.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(o) => Some(Outcome::parse(o).ok_or_else(|| DomainError::invalid("invalid_outcome", format!("审议结果“{o}”不存在")))?),
                None => None,
            };
            if matches!(outcome, Some(Outcome::Rejected | Outcome::Deferred)) && !t.decisions.is_empty() {
                return Err(DomainError::invalid("invalid_decision", format!("议题“{title}”未获通过，不能形成议定事项")).into());
            }
            if t.decisions.len() > 20 {
                return Err(DomainError::invalid("too_many_decisions", "每个议题的议定事项不超过 20 项").into());
            }
            let note = validate::optional_text("note", "审议意见", t.note.as_deref(), validate::MAX_SHORT_TEXT_CHARS)?;
            outcomes.push((seq, outcome, note));
            for (i, d) in t.decisions.iter().enumerate() {
                let text = validate::text("text", "议定事项", d.text.as_deref().unwrap_or_default(), validate::MAX_SHORT_TEXT_CHARS)?;
                let lead = self.unit_ref(d.lead_unit.as_deref().unwrap_or_default()).await.map_err(|_| {
                    DomainError::invalid("unknown_unit", format!("议定事项“{}”的牵头单位不存在", text.chars().take(20).collect::<String>()))
                })?;
                let mut co = Vec::new();
                for c in &d.co_units {
                    let u = self.unit_ref(c).await?;
                    if u.id != lead.id && !co.iter().any(|x: &UnitRef| x.id == u.id) {
                        co.push(u);
                    }
                }
                let deadline = d.deadline.ok_or_else(|| DomainError::invalid("missing_field", format!("请填写议定事项“{}”的完成时限", text.chars().take(20).collect::<String>())))?;
                if deadline <= starts {
                    return Err(DomainError::invalid("deadline_in_past", "议定事项的完成时限须晚于会议时间").into());
                }
                decisions.push((seq, i as i64 + 1, text, lead, co, deadline));
            }
        }
        Ok(Checked { summary, outcomes, decisions })
    }

    /// 起草纪要 … 印发纪要 and 勘误 (see the module's note).
    pub(crate) async fn act_minutes_at(&self, key: &str, action: &str, input: &MeetingActionInput, actor: &Actor, now: DateTime<Utc>) -> Result<MeetingView, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        let id = self.visible_meeting(key, staff).await?.id;
        let mut conn = self.pool().acquire().await?;
        let l = load(&mut conn, &id).await?.ok_or_else(|| not_found(key))?;
        let agenda: Vec<(i64, String)> = sqlx::query_as(
            "SELECT a.seq, w.title FROM meeting_agenda a JOIN work_items w ON w.id = a.topic_id WHERE a.meeting_id = $1 ORDER BY a.seq",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        if action == "draft_minutes" && l.snapshot.item.state == State::Issued {
            return Err(DomainError::conflict("minutes_issued", "纪要已印发，不能修改；如有错漏，请以勘误更正").into());
        }
        let draft = if action == "draft_minutes" { Some(self.check_draft(input, &agenda, l.snapshot.starts_at).await?) } else { None };
        // What issuing needs from outside its transaction: the decisions' items made ready.
        let mut ready = Vec::new();
        if action == "issue" && l.snapshot.item.state == State::Signed {
            type Row = (String, i64, String, String, String, i64, String);
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT d.id, d.agenda_seq, d.text, d.lead_unit_id, d.co_unit_ids, d.deadline, a.topic_id FROM meeting_decisions d
                 JOIN meeting_agenda a ON a.meeting_id = d.meeting_id AND a.seq = d.agenda_seq
                 WHERE d.meeting_id = $1 AND d.supervision_id IS NULL ORDER BY d.agenda_seq, d.seq",
            )
            .bind(&id)
            .fetch_all(self.pool())
            .await?;
            for (did, _, text, lead, co, deadline, topic_id) in rows {
                let leader = self.people_of(std::slice::from_ref(&topic_id), "charge_leader").await?.remove(&topic_id);
                let title = format!("{}议定：{}", l.snapshot.meeting_type.series(), text.chars().take(30).collect::<String>());
                let new = self.prepare_supervision(title, text, Source::MeetingDecision, None, leader).await?;
                let mut co_refs = Vec::new();
                for c in co.split(',').filter(|s| !s.is_empty()) {
                    co_refs.push(self.unit_ref(c).await?);
                }
                ready.push((did, topic_id, new, self.unit_ref(&lead).await?, co_refs, from_ms(deadline)));
            }
        }
        let (cal, settings) = (self.calendar(), self.meeting_settings().await?);
        let sup_settings = self.supervision_settings().await?;
        let spec = self.spec_of(Meeting::NAME)?;
        let code = l.snapshot.meeting_type.series();
        let mut series = self.series(&spec, code, now);
        series.kind = "meeting_minutes";
        let city = self.city_name().await?.unwrap_or_default();
        let format: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(format!("number_format:meeting_minutes:{code}"))
            .fetch_optional(self.pool())
            .await?;
        let format = format.unwrap_or_else(|| MINUTES_FORMAT.to_string()).replace("{city}", &city);
        let seg = self.segmenter().await?;
        on_fresh_load!(Meeting::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let step = match action {
                "draft_minutes" => Action::DraftMinutes,
                "submit_minutes" => {
                    let missing: Vec<String> = sqlx::query_scalar(
                        "SELECT w.title FROM meeting_agenda a JOIN work_items w ON w.id = a.topic_id WHERE a.meeting_id = $1 AND a.outcome IS NULL ORDER BY a.seq",
                    ).bind(&id).fetch_all(&mut *tx).await?;
                    Action::SubmitMinutes { without_outcome: missing }
                }
                "review_minutes" => Action::ReviewMinutes { pass: input.pass.unwrap_or(false), comment: input.comment.clone().unwrap_or_default() },
                "sign_minutes" => Action::SignMinutes { pass: input.pass.unwrap_or(false), comment: input.comment.clone().unwrap_or_default() },
                "issue" => Action::Issue { number: String::new(), decisions: ready.len() },
                _ => Action::Erratum { text: input.text.clone().unwrap_or_default() },
            };
            // Judged before anything is written or numbered.
            let (mut next, mut details) = session::apply(&l.snapshot, actor, &step, now, &cal, &settings)?;
            if let Some(d) = &draft {
                sqlx::query("UPDATE meetings SET minutes_summary = $1 WHERE id = $2").bind(&d.summary).bind(&id).execute(&mut *tx).await?;
                for (seq, outcome, note) in &d.outcomes {
                    sqlx::query("UPDATE meeting_agenda SET outcome = $1, outcome_note = $2 WHERE meeting_id = $3 AND seq = $4")
                        .bind(outcome.map(|o| o.as_str())).bind(note).bind(&id).bind(seq)
                        .execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM meeting_decisions WHERE meeting_id = $1").bind(&id).execute(&mut *tx).await?;
                for (seq, n, text, lead, co, deadline) in &d.decisions {
                    let co: Vec<&str> = co.iter().map(|u| u.id.as_str()).collect();
                    sqlx::query("INSERT INTO meeting_decisions (id, meeting_id, agenda_seq, seq, text, lead_unit_id, co_unit_ids, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                        .bind(new_id()).bind(&id).bind(seq).bind(n).bind(text).bind(&lead.id).bind(co.join(",")).bind(to_ms(*deadline))
                        .execute(&mut *tx).await?;
                }
                details = json!({ "topics": d.outcomes.len(), "decisions": d.decisions.len() });
            }
            if action == "issue" {
                let number = self.number_in(&mut tx, &series, &format).await?;
                sqlx::query("UPDATE meetings SET minutes_number = $1, minutes_issued_at = $2 WHERE id = $3").bind(&number).bind(to_ms(now)).bind(&id).execute(&mut *tx).await?;
                details["minutes_number"] = json!(number);
                // What the meeting made of each topic.
                let outcomes: Vec<(String, Option<String>)> = sqlx::query_as("SELECT topic_id, outcome FROM meeting_agenda WHERE meeting_id = $1 ORDER BY seq").bind(&id).fetch_all(&mut *tx).await?;
                for (topic_id, outcome) in &outcomes {
                    let outcome = outcome.as_deref().and_then(Outcome::parse).unwrap_or(Outcome::Other);
                    let keep = (outcome != Outcome::Deferred).then_some(id.as_str());
                    move_topic(&mut tx, self, topic_id, &topic_rules::Action::Decide { meeting: l.core.number.clone(), outcome }, keep, actor, now, (&cal, &settings)).await?;
                }
                // Each decision opens its supervision item, handed out and linked both ways.
                let mut opened = Vec::new();
                let cycle = ReportCycle::parse("每月")?;
                for (did, topic_id, new, lead, co, deadline) in &ready {
                    let mut new = new.clone();
                    new.source_ref = Some(number.clone());
                    let (sid, snum) = self.open_supervision_in(&mut tx, &new, actor, now).await?;
                    let assign = sanfu_domain::supervision::Action::Assign { lead: lead.clone(), co: co.clone(), deadline: *deadline, cycle, milestones: Vec::new() };
                    self.act_supervision_in(&mut tx, &sid, &snum, actor, &assign, now, &cal, &sup_settings, &[]).await?;
                    link_in(&mut tx, (&sid, "supervision", &snum), (&id, Meeting::NAME, &l.core.number), LinkKind::DecidedIn, actor, to_ms(now)).await?;
                    let topic_number: String = sqlx::query_scalar("SELECT number FROM work_items WHERE id = $1").bind(topic_id).fetch_one(&mut *tx).await?;
                    link_in(&mut tx, (&sid, "supervision", &snum), (topic_id, topic_rules::Topic::NAME, &topic_number), LinkKind::DecidedIn, actor, to_ms(now)).await?;
                    sqlx::query("UPDATE meeting_decisions SET supervision_id = $1 WHERE id = $2").bind(&sid).bind(did).execute(&mut *tx).await?;
                    opened.push(snum);
                }
                details["supervision"] = json!(opened);
                // The minutes' words are found by search from now on.
                let texts: Vec<String> = sqlx::query_scalar("SELECT text FROM meeting_decisions WHERE meeting_id = $1").bind(&id).fetch_all(&mut *tx).await?;
                let summary: Option<String> = sqlx::query_scalar("SELECT minutes_summary FROM meetings WHERE id = $1").bind(&id).fetch_one(&mut *tx).await?;
                let words = format!("{}\n{}\n{}\n{}", l.core.title, number, summary.unwrap_or_default(), texts.join("\n"));
                Store::index_in(&mut tx, &Store::index_row(&seg, &id, ITEM_DOC, &words)).await?;
                next.item.closed_at = Some(now);
            }
            write_step(&mut tx, self, &l, &next, action, details, actor, now).await?;
            Ok(())
        }))?;
        self.meeting_for(&id, staff).await
    }

    /// 议定事项台账: every decision `staff` may read, with its item's progress, newest meeting first.
    pub async fn decision_ledger(&self, staff: &Staff, f: &DecisionFilter) -> Result<Vec<DecisionRow>, StoreError> {
        type Row = (String, String, String, i64, String, i64, String, String, String, i64, Option<String>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT w.id, w.number, m.meeting_type, m.starts_at, t.title, d.seq, d.text, d.lead_unit_id, d.co_unit_ids, d.deadline,
                    d.supervision_id, m.minutes_number
             FROM meeting_decisions d JOIN work_items w ON w.id = d.meeting_id JOIN meetings m ON m.id = d.meeting_id
             JOIN meeting_agenda a ON a.meeting_id = d.meeting_id AND a.seq = d.agenda_seq JOIN work_items t ON t.id = a.topic_id
             WHERE m.minutes_issued_at IS NOT NULL
             ORDER BY m.starts_at DESC, d.agenda_seq, d.seq",
        )
        .fetch_all(self.pool())
        .await?;
        let unit = match f.unit.as_deref().filter(|s| !s.is_empty()) {
            Some(u) => Some(self.unit_ref(u).await?.id),
            None => None,
        };
        let mt = match f.meeting_type.as_deref().filter(|s| !s.is_empty()) {
            Some(t) => Some(super::topic::parse_type(Some(t))?),
            None => None,
        };
        let scope = Store::scope_of(staff);
        let off = self.offset();
        let rows: Vec<Row> = rows
            .into_iter()
            .filter(|r| {
                let mine = match &scope {
                    Scope::All => true,
                    Scope::Units(u) => u.contains(&r.7) || r.8.split(',').any(|c| u.iter().any(|x| x == c)),
                };
                let year = f.year.is_none_or(|y| from_ms(r.3).with_timezone(&off).format("%Y").to_string() == y.to_string());
                mine && year && unit.as_ref().is_none_or(|u| *u == r.7) && mt.is_none_or(|t| t.as_str() == r.2)
            })
            .collect();
        let items: Vec<String> = rows.iter().filter_map(|r| r.10.clone()).collect();
        let progress = self.progress_of(&items).await?;
        let names = self.unit_names().await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        Ok(rows
            .into_iter()
            .map(|(mid, number, _, starts, topic, _, text, lead, co, deadline, sup, minutes)| DecisionRow {
                meeting_id: mid,
                meeting: number,
                meeting_date: from_ms(starts),
                minutes_number: minutes,
                topic,
                text,
                lead_unit: name_of(&lead),
                co_units: co.split(',').filter(|s| !s.is_empty()).map(name_of).collect(),
                deadline: from_ms(deadline),
                supervision: sup.and_then(|s| progress.get(&s).cloned()),
            })
            .collect())
    }

    /// How the decisions of issued minutes stand: (state label or colour, count), for the dashboard.
    pub async fn decision_figures(&self, staff: &Staff) -> Result<BTreeMap<&'static str, u32>, StoreError> {
        let mut out = BTreeMap::new();
        for r in self.decision_ledger(staff, &DecisionFilter::default()).await? {
            let key = match &r.supervision {
                Some(p) if p.state == "closed" => "done",
                Some(p) if p.card.as_deref() == Some("red") || p.level == Some("red") => "red",
                Some(p) if p.card.as_deref() == Some("yellow") || p.level == Some("yellow") => "yellow",
                Some(_) => "green",
                None => "none",
            };
            *out.entry(key).or_insert(0) += 1;
        }
        Ok(out)
    }
}
