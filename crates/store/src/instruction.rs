//! 领导批示 in the store: a leader's instruction as a work item of its own kind, its row
//! (the leader, the full text, the matter it is written on), the units' answers, and the one
//! action that opens a supervision item from it, linked both ways in the same transaction.

use chrono::{DateTime, Utc};
use sanfu_domain::instruction::{self, Action, Instruction, Snapshot, State};
use sanfu_domain::kernel::{Kind, LinkKind, UnitRef};
use sanfu_domain::supervision::Source;
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::cards::link_in;
use crate::kernel::items::{Core, ITEM_DOC, ItemDetail, ItemSummary, Viewer, load_core};
use crate::kernel::write;
use crate::org::Scope;

/// What a leader (or the office, writing down a leader's instruction on paper) sends.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InstructionInput {
    pub text: Option<String>,
    /// The units that must act: ids, codes or names; the first leads.
    #[serde(default)]
    pub unit_ids: Vec<String>,
    /// When every unit must have answered (optional).
    pub deadline: Option<DateTime<Utc>>,
    /// The matter it is written on: a hotline order's or a supervision item's number.
    pub target: Option<String>,
    /// The office only: the leader who gave it (user name or id).
    pub leader: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstructionView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub text: String,
    pub leader: String,
    pub leader_id: String,
    /// Each unit's answer (办理情况反馈), in the order the units were named.
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Answer {
    pub unit_id: String,
    pub unit_name: String,
    pub answered_at: Option<DateTime<Utc>>,
    pub text: Option<String>,
}

/// A row of the leader's page: every instruction they gave and where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstructionRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub leader: String,
    pub answered: u32,
    pub units: u32,
}

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("instruction_not_found", format!("批示“{key}”不存在")).into()
}

async fn snapshot(conn: &mut AnyConnection, key: &str) -> Result<Option<(Core, Snapshot)>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != Instruction::NAME {
        return Ok(None);
    }
    let s = Snapshot {
        item: core.item()?,
    };
    Ok(Some((core, s)))
}

/// A 批示 ready to be written in a caller's transaction ([`Store::insert_instruction`]).
pub(crate) struct NewInstruction {
    pub id: String,
    leader_id: String,
    text: String,
    units: Vec<UnitRef>,
    deadline: Option<DateTime<Utc>>,
    snap: Snapshot,
    spec: std::sync::Arc<sanfu_domain::kernel::KindSpec>,
    series: crate::kernel::numbers::Series,
    format: String,
    index: crate::search::IndexRow,
}

impl Store {
    /// Everything a 批示 needs that is read outside its transaction.
    pub(crate) async fn prepare_instruction(&self, leader_id: &str, text: &str, units: &[UnitRef], deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<NewInstruction, StoreError> {
        let cal = self.calendar();
        let settings = self.supervision_settings().await?;
        let snap = instruction::issue(units, deadline, now, &cal, settings.warn_percent)?;
        let spec = self.spec_of(Instruction::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, text);
        Ok(NewInstruction { id: index.doc_id.clone(), leader_id: leader_id.to_string(), text: text.to_string(), units: units.to_vec(), deadline, snap, spec, series, format, index })
    }

    /// Write the 批示 in the caller's transaction, linked to the matter it is written on
    /// (id, kind, number); its number.
    pub(crate) async fn insert_instruction(&self, tx: &mut AnyConnection, n: &NewInstruction, target: Option<&(String, String, String)>, actor: &Actor, now: DateTime<Utc>) -> Result<String, StoreError> {
        let number = self.number_in(tx, &n.series, &n.format).await?;
        let title: String = n.text.chars().take(40).collect();
        write::insert(tx, &n.spec, &n.id, &number, &title, &n.snap, now).await?;
        sqlx::query("INSERT INTO instruction_items (id, leader_id, text, target_id) VALUES ($1, $2, $3, $4)")
            .bind(&n.id).bind(&n.leader_id).bind(&n.text).bind(target.map(|t| t.0.clone()))
            .execute(&mut *tx).await?;
        Store::index_in(tx, &n.index).await?;
        events::append(tx, NewEvent {
            entity_id: &n.id, entity_kind: Instruction::NAME, action: "create", actor,
            from_state: None, to_state: Some(State::Issued.as_str()),
            details: json!({ "number": number, "leader_id": n.leader_id, "text": n.text,
                             "units": n.units.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>(),
                             "deadline": n.deadline, "target": target.map(|t| t.2.clone()) }),
            at: Some(to_ms(now)),
        }).await?;
        if let Some(t) = target {
            link_in(tx, (&n.id, Instruction::NAME, &number), (&t.0, &t.1, &t.2), LinkKind::Concerns, actor, to_ms(now)).await?;
        }
        Ok(number)
    }
}

impl Store {
    /// 批示: a leader instructs units, optionally on a matter they can read.
    pub async fn create_instruction(&self, input: &InstructionInput, actor: &Actor) -> Result<InstructionView, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        let leader_id = if staff.has(Role::Leader) {
            staff.user_id.clone()
        } else if staff.has(Role::OfficeStaff) {
            // The office records an instruction a leader wrote on paper, in the leader's name.
            let l = input.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| DomainError::invalid("unknown_leader", "请选择作出批示的领导"))?;
            let id: Option<(String, String)> = sqlx::query_as("SELECT id, roles FROM users WHERE (username = $1 OR id = $1) AND active = 1")
                .bind(l)
                .fetch_optional(self.pool())
                .await?;
            match id {
                Some((id, roles)) if roles.split(',').any(|r| r.trim() == Role::Leader.as_str()) => id,
                _ => return Err(DomainError::invalid("unknown_leader", format!("领导“{l}”不存在")).into()),
            }
        } else {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有市领导（或代为登记的督查科）可以作出批示").into());
        };
        let text = validate::text("text", "批示内容", input.text.as_deref().unwrap_or_default(), validate::MAX_CONTENT_CHARS)?;
        let mut units: Vec<UnitRef> = Vec::new();
        for u in &input.unit_ids {
            units.push(self.unit_ref(u).await?);
        }
        if let Scope::Units(mine) = Store::scope_of(staff) && let Some(u) = units.iter().find(|u| !mine.contains(&u.id)) {
            return Err(DomainError::forbidden("not_allowed_for_user", format!("“{}”不在您分管的单位中", u.name)).into());
        }
        let target = match input.target.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(t) => Some(self.visible_core(t, staff).await.map_err(|_| DomainError::invalid("unknown_item", format!("批示事项“{t}”不存在或无权查看")))?),
            None => None,
        };
        let now = Utc::now();
        let n = self.prepare_instruction(&leader_id, &text, &units, input.deadline, now).await?;
        let id = n.id.clone();
        let target = target.map(|t| (t.id, t.kind, t.number));
        in_tx!(self, tx => {
            self.insert_instruction(&mut tx, &n, target.as_ref(), actor, now).await?;
            Ok(())
        })?;
        self.instruction_for(&id, staff).await
    }

    /// One instruction for whoever may read it: the units it names, the leader who gave it,
    /// the office.
    pub async fn instruction_for(&self, key: &str, staff: &Staff) -> Result<InstructionView, StoreError> {
        let core = self.visible_instruction(key, staff).await?;
        let (leader_id, text): (String, String) =
            sqlx::query_as("SELECT leader_id, text FROM instruction_items WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let leader: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(&leader_id).fetch_optional(self.pool()).await?.unwrap_or_default();
        let answers_ev: Vec<(String, Option<String>, i64)> = self
            .item_events(&core.id, staff)
            .await?
            .into_iter()
            .filter(|e| e.action == "answer")
            .map(|e| (e.details["unit_id"].as_str().unwrap_or_default().to_string(), e.details["text"].as_str().map(String::from), to_ms(e.at)))
            .collect();
        let names = self.unit_names().await?;
        let answers = core
            .assignments
            .iter()
            .filter(|a| a.active)
            .map(|a| {
                let ev = answers_ev.iter().find(|e| e.0 == a.unit_id);
                Answer {
                    unit_id: a.unit_id.clone(),
                    unit_name: names.get(&a.unit_id).cloned().unwrap_or_default(),
                    answered_at: ev.map(|e| from_ms(e.2)),
                    text: ev.and_then(|e| e.1.clone()),
                }
            })
            .collect();
        let viewer = Viewer::of(staff);
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let mut item = self.detail(core, &actor, viewer).await?;
        if staff.has(Role::OfficeStaff) || staff.user_id == leader_id {
            item.allowed_actions.push("supervise");
        }
        Ok(InstructionView { item, text: viewer.text(&text), leader, leader_id, answers })
    }

    async fn visible_instruction(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        // The leader who gave it reads it wherever its units are.
        let mut conn = self.pool().acquire().await?;
        if let Some(core) = load_core(&mut conn, key).await?.filter(|c| c.kind == Instruction::NAME) {
            let by: Option<String> =
                sqlx::query_scalar("SELECT leader_id FROM instruction_items WHERE id = $1").bind(&core.id).fetch_optional(&mut *conn).await?;
            if by.as_deref() == Some(staff.user_id.as_str()) {
                return Ok(core);
            }
        }
        drop(conn);
        let core = self.visible_core(key, staff).await?;
        if core.kind != Instruction::NAME {
            return Err(not_found(key));
        }
        Ok(core)
    }

    /// The instructions `staff` may read, newest first: a leader's own (`mine`), or all they see.
    pub async fn list_instructions(&self, staff: &Staff, mine: bool) -> Result<Vec<InstructionRow>, StoreError> {
        let mut sql = "SELECT w.id, i.leader_id FROM work_items w JOIN instruction_items i ON i.id = w.id WHERE w.kind = 'instruction'".to_string();
        let mut binds: Vec<String> = Vec::new();
        if mine || staff.has(Role::Leader) && !staff.sees_all() {
            binds.push(staff.user_id.clone());
            sql.push_str(" AND (i.leader_id = $1");
            if !mine && let Scope::Units(units) = Store::scope_of(staff) {
                let (clause, _) = crate::db::in_clause(2, units.len());
                sql.push_str(&format!(" OR w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause} AND a.kind = 'instruction')"));
                binds.extend(units);
            }
            sql.push(')');
        } else if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = crate::db::in_clause(1, units.len());
            sql.push_str(&format!(" AND w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause} AND a.kind = 'instruction')"));
            binds.extend(units);
        }
        sql.push_str(" ORDER BY w.created_at DESC, w.id DESC LIMIT 500");
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let counts: Vec<(String, i64, i64)> = if ids.is_empty() {
            Vec::new()
        } else {
            let (clause, _) = crate::db::in_clause(1, ids.len());
            let mut q = sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(format!(
                "SELECT work_id, COUNT(*), SUM(CASE WHEN outcome IS NULL THEN 0 ELSE 1 END) FROM assignments
                 WHERE active = 1 AND work_id IN {clause} GROUP BY work_id"
            )));
            for id in &ids {
                q = q.bind(id);
            }
            q.fetch_all(self.pool()).await?
        };
        let leaders = self.user_names().await?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let leader_id = rows.iter().find(|r| r.0 == s.id).map(|r| r.1.clone()).unwrap_or_default();
                let c = counts.iter().find(|c| c.0 == s.id);
                InstructionRow {
                    leader: leaders.get(&leader_id).cloned().unwrap_or_default(),
                    units: c.map(|c| c.1 as u32).unwrap_or(0),
                    answered: c.map(|c| c.2 as u32).unwrap_or(0),
                    item: s,
                }
            })
            .collect())
    }

    /// One action on an instruction (answer, remind, withdraw), with its event.
    pub async fn act_instruction(&self, key: &str, actor: &Actor, action: &Action) -> Result<InstructionView, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        let id = self.visible_instruction(key, staff).await?.id;
        let spec = self.spec_of(Instruction::NAME)?;
        on_fresh_load!(Instruction::NOUN, in_tx!(self, tx => {
            let (core, s) = snapshot(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let now = Utc::now();
            let (next, details) = instruction::apply(&s, actor, action, now)?;
            write::update(&mut tx, &spec, &core.id, core.version, &s, &next, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &core.id, entity_kind: Instruction::NAME, action: action.name(), actor,
                from_state: Some(s.item.state.as_str()), to_state: Some(next.item.state.as_str()),
                details, at: Some(to_ms(now)),
            }).await?;
            Ok(())
        }))?;
        self.instruction_for(&id, staff).await
    }

    /// 转督办: open a supervision item from the instruction (the office or the leader who gave
    /// it), its source the instruction, linked both ways, in one transaction — or, when the
    /// instruction is written on an item already struck off, reopen that item (重新督办, the
    /// office). Returns the item's number.
    pub async fn supervise_instruction(&self, key: &str, actor: &Actor) -> Result<String, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        let core = self.visible_instruction(key, staff).await?;
        let (leader_id, text): (String, String) =
            sqlx::query_as("SELECT leader_id, text FROM instruction_items WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        if !(staff.has(Role::OfficeStaff) || staff.user_id == leader_id) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有督查科或作出批示的领导可以转督办").into());
        }
        let already: Option<String> = sqlx::query_scalar(
            "SELECT w.number FROM links l JOIN work_items w ON w.id = l.from_id WHERE l.to_id = $1 AND l.kind = 'instructed_on' AND w.kind = 'supervision'",
        )
        .bind(&core.id)
        .fetch_optional(self.pool())
        .await?;
        if let Some(n) = already {
            return Err(DomainError::conflict("already_supervised", format!("该批示已转为督办事项 {n}")).into());
        }
        // An instruction on a struck-off item reopens that item (重新督办) instead of opening another.
        let target: Option<String> =
            sqlx::query_scalar("SELECT target_id FROM instruction_items WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let mut conn = self.pool().acquire().await?;
        let target = match target {
            Some(t) => load_core(&mut conn, &t).await?.filter(|c| c.kind == "supervision" && c.state == "closed"),
            None => None,
        };
        drop(conn);
        if let Some(t) = target {
            if !staff.has(Role::OfficeStaff) {
                return Err(DomainError::conflict("target_closed", format!("批示事项 {} 已销号，请督查科依此批示重新督办", t.number)).into());
            }
            let cal = self.calendar();
            let settings = self.supervision_settings().await?;
            let now = Utc::now();
            let due = core.dues.values().map(|d| d.due.at).max().filter(|d| *d > now).unwrap_or_else(|| cal.add_working_days(now, 20).at);
            let reopen = sanfu_domain::supervision::Action::Reopen { reason: format!("领导批示 {}：{}", core.number, text), deadline: due };
            in_tx!(self, tx => {
                self.act_supervision_in(&mut tx, &t.id, &t.number, actor, &reopen, now, &cal, &settings, &[]).await?;
                link_in(&mut tx, (&t.id, "supervision", &t.number), (&core.id, Instruction::NAME, &core.number), LinkKind::InstructedOn, actor, to_ms(now)).await?;
                events::append(&mut tx, NewEvent {
                    entity_id: &core.id, entity_kind: Instruction::NAME, action: "supervise", actor, from_state: None, to_state: None,
                    details: json!({ "supervision": t.number, "reopened": true }), at: Some(to_ms(now)),
                }).await?;
                Ok(())
            })?;
            return Ok(t.number);
        }
        let title: String = format!("落实领导批示：{}", text.chars().take(30).collect::<String>());
        let new = self.prepare_supervision(title, text, Source::LeaderInstruction, Some(core.number.clone()), Some(leader_id)).await?;
        let now = Utc::now();
        let (_, number) = in_tx!(self, tx => {
            let (sid, number) = self.open_supervision_in(&mut tx, &new, actor, now).await?;
            link_in(&mut tx, (&sid, "supervision", &number), (&core.id, Instruction::NAME, &core.number), LinkKind::InstructedOn, actor, to_ms(now)).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &core.id, entity_kind: Instruction::NAME, action: "supervise", actor, from_state: None, to_state: None,
                details: json!({ "supervision": number }), at: Some(to_ms(now)),
            }).await?;
            Ok((sid, number))
        })?;
        Ok(number)
    }
}
