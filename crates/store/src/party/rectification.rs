//! Rectification items (整改清单) in the store: listed by a branch's secretary (or the office)
//! from a 组织生活会, owned by the branch's unit, reported with evidence and struck off (对单销号)
//! by the secretary — kernel items, so they wait in the inbox, are warned when late, and are
//! searched and logged like any other work.

use chrono::{DateTime, NaiveDate, Utc};
use sanfu_domain::kernel::Kind;
use sanfu_domain::party::Scope;
use sanfu_domain::party::rectification::{self, Action, Rectification, Snapshot, State};
use sanfu_domain::{Actor, DomainError, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{day_ms, staff_of};
use crate::db::{Store, StoreError, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, AttachmentInfo, attach_in};
use crate::kernel::items::{ITEM_DOC, ItemDetail, ItemSummary, Viewer, load_core};
use crate::kernel::write;

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("item_not_found", format!("整改事项“{key}”不存在")).into()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RectificationInput {
    /// The branch (id or name).
    pub branch: Option<String>,
    /// The 组织生活会 it comes from (its id), if any.
    pub meeting: Option<String>,
    /// `branch` (班子) or `member` (党员个人).
    pub scope: Option<String>,
    /// The member, for a member's problem.
    pub member: Option<String>,
    pub problem: Option<String>,
    /// 整改措施.
    pub measure: Option<String>,
    /// 责任人.
    pub owner: Option<String>,
    /// 整改时限 (YYYY-MM-DD).
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RectificationActionInput {
    /// `progress`: 进展; `report`: 完成情况及佐证.
    pub text: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub branch_id: String,
    pub branch_name: String,
    pub meeting_id: Option<String>,
    pub scope: String,
    pub scope_label: &'static str,
    pub member: String,
    pub problem: String,
    pub measure: String,
    pub owner: String,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub branch_name: String,
    pub scope_label: &'static str,
    pub member: String,
    pub problem: String,
    pub measure: String,
    pub owner: String,
    /// 整改时限, and when it was reported done (on time or not).
    pub deadline: Option<chrono::DateTime<Utc>>,
    pub done_at: Option<chrono::DateTime<Utc>>,
}

impl Store {
    /// 列入整改清单.
    pub async fn create_rectification(&self, input: &RectificationInput, actor: &Actor) -> Result<RectificationView, StoreError> {
        self.create_rectification_at(input, actor, Utc::now()).await
    }

    pub(crate) async fn create_rectification_at(&self, input: &RectificationInput, actor: &Actor, now: DateTime<Utc>) -> Result<RectificationView, StoreError> {
        let staff = staff_of(actor)?;
        let branch = self.branch(input.branch.as_deref().unwrap_or_default()).await?;
        if !Store::keeps(staff, &branch) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有支部书记或办公室可以列入整改清单").into());
        }
        let meeting = match input.meeting.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(m) => {
                let v = self.party_meeting_for(m, staff).await?;
                if v.branch.id != branch.id {
                    return Err(DomainError::invalid("unknown_meeting", "该组织生活会不属于本支部").into());
                }
                Some(v.id)
            }
            None => None,
        };
        let scope = Scope::parse(input.scope.as_deref().unwrap_or("branch")).ok_or_else(|| DomainError::invalid("invalid_scope", "请注明是班子（支部）的问题还是党员个人的问题"))?;
        let member = input.member.as_deref().map(str::trim).unwrap_or_default().to_string();
        if scope == Scope::Member && !branch.members.contains(&member) {
            return Err(DomainError::invalid("unknown_member", format!("“{member}”不是本支部党员")).into());
        }
        let problem = validate::text("problem", "问题", input.problem.as_deref().unwrap_or_default(), validate::MAX_SHORT_TEXT_CHARS)?;
        let measure = validate::text("measure", "整改措施", input.measure.as_deref().unwrap_or_default(), validate::MAX_SHORT_TEXT_CHARS)?;
        let owner = validate::text("owner", "责任人", input.owner.as_deref().unwrap_or_default(), 30)?;
        let d = input.deadline.as_deref().map(str::trim).unwrap_or_default();
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DomainError::invalid("invalid_deadline", "请填写整改时限（如 2027-03-31）"))?;
        let cal = self.calendar();
        let deadline = cal.add_working_days(crate::from_ms(day_ms(self, day) + 12 * 3_600_000), 0);
        let snap = rectification::list(&branch.unit.id, &branch.secretary.id, deadline, now, &cal, 80)?;
        let title: String = problem.chars().take(60).collect();
        let spec = self.spec_of(Rectification::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &crate::db::new_id(), ITEM_DOC, &format!("{problem}\n{measure}\n{owner}"));
        let id = index.doc_id.clone();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &snap, now).await?;
            write::write_people(&mut tx, &id, Rectification::NAME, &[], &snap.people, now).await?;
            sqlx::query("INSERT INTO rectification_items (id, branch_id, meeting_id, scope, member, problem, measure, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&id).bind(&branch.id).bind(&meeting).bind(scope.as_str()).bind(&member).bind(&problem).bind(&measure).bind(&owner)
                .execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Rectification::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Rectifying.as_str()),
                details: json!({ "number": number, "branch": branch.name, "problem": problem, "measure": measure, "owner": owner, "deadline": deadline.at }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.rectification_for(&id, staff).await
    }

    /// One step of a rectification item.
    pub async fn act_rectification(&self, key: &str, action: &str, input: &RectificationActionInput, files: &[Attachment], actor: &Actor) -> Result<RectificationView, StoreError> {
        self.act_rectification_at(key, action, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn act_rectification_at(&self, key: &str, action: &str, input: &RectificationActionInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<RectificationView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_of_kind(key, staff, Rectification::NAME, || not_found(key)).await?.id;
        let act = match action {
            "progress" => Action::Progress { text: input.text.clone().unwrap_or_default() },
            "report" => Action::Report { evidence: input.text.clone().unwrap_or_default() },
            "send_back" => Action::SendBack { reason: input.reason.clone().unwrap_or_default() },
            "strike_off" => Action::StrikeOff { comment: input.comment.clone().unwrap_or_default() },
            other => return Err(DomainError::invalid("unknown_action", format!("整改事项没有“{other}”这项操作")).into()),
        };
        if act.name() == "report" && files.is_empty() && input.text.as_deref().unwrap_or_default().trim().chars().count() < 4 {
            return Err(DomainError::invalid("missing_evidence", "报告完成须写明整改情况并附佐证材料").into());
        }
        let spec = self.spec_of(Rectification::NAME)?;
        let files = files.to_vec();
        on_fresh_load!(Rectification::NOUN, in_tx!(self, tx => {
            let core = load_core(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let snap = Snapshot { item: core.item()?, people: write::load_people(&mut tx, &core.id).await? };
            let (next, mut details) = rectification::apply(&snap, actor, &act, now)?;
            if !files.is_empty() {
                let stored = attach_in(&mut tx, &core.id, &files, actor, now).await?;
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            write::record(&mut tx, &spec, &core.id, core.version, (&snap, &snap.people[..]), (&next, &next.people[..]), act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.rectification_for(&id, staff).await
    }

    pub async fn rectification_for(&self, key: &str, staff: &Staff) -> Result<RectificationView, StoreError> {
        let core = self.visible_of_kind(key, staff, Rectification::NAME, || not_found(key)).await?;
        let (branch_id, meeting_id, scope, member, problem, measure, owner): (String, Option<String>, String, String, String, String, String) =
            sqlx::query_as("SELECT branch_id, meeting_id, scope, member, problem, measure, owner FROM rectification_items WHERE id = $1").bind(&core.id).fetch_one(self.pool()).await?;
        let branch = self.branch(&branch_id).await?;
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let id = core.id.clone();
        let viewer = Viewer::of(staff);
        let item = self.detail(core, &actor, viewer).await?;
        Ok(RectificationView {
            branch_id,
            branch_name: branch.name,
            meeting_id,
            scope_label: Scope::parse(&scope).map(|s| s.label()).unwrap_or_default(),
            scope,
            member,
            problem: viewer.text(&problem),
            measure: viewer.text(&measure),
            owner,
            attachments: self.attachments_of(&id).await?,
            item,
        })
    }

    /// The rectification items of the branches `staff` may read (of one branch, of one meeting).
    pub async fn rectification_rows(&self, staff: &Staff, branch: Option<&str>, meeting: Option<&str>) -> Result<Vec<RectificationRow>, StoreError> {
        let branches: Vec<super::Branch> = self.branches().await?.into_iter().filter(|b| Store::reads_branch(staff, b)).collect();
        let rows: Vec<(String, String, Option<String>, String, String, String, String, String)> = sqlx::query_as(
            "SELECT r.id, r.branch_id, r.meeting_id, r.scope, r.member, r.problem, r.measure, r.owner FROM rectification_items r JOIN work_items w ON w.id = r.id
             ORDER BY w.created_at, w.number",
        )
        .fetch_all(self.pool())
        .await?;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| branches.iter().any(|b| b.id == r.1))
            .filter(|r| branch.is_none_or(|b| b == r.1))
            .filter(|r| meeting.is_none_or(|m| r.2.as_deref() == Some(m)))
            .collect();
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let viewer = Viewer::of(staff);
        let summaries = self.item_summaries(&ids, viewer).await?;
        let dues: Vec<(String, i64, Option<i64>)> =
            sqlx::query_as("SELECT d.work_id, d.due_at, d.met_at FROM deadlines d JOIN work_items w ON w.id = d.work_id WHERE w.kind = 'rectification' AND d.kind = 'rectify' AND d.active = 1")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let item = summaries.iter().find(|s| s.id == r.0)?.clone();
                let due = dues.iter().find(|d| d.0 == r.0);
                Some(RectificationRow {
                    deadline: due.map(|d| crate::from_ms(d.1)),
                    done_at: due.and_then(|d| d.2).map(crate::from_ms),
                    item,
                    branch_name: branches.iter().find(|b| b.id == r.1).map(|b| b.name.clone()).unwrap_or_default(),
                    scope_label: Scope::parse(&r.3).map(|s| s.label()).unwrap_or_default(),
                    member: r.4,
                    problem: viewer.text(&r.5),
                    measure: viewer.text(&r.6),
                    owner: r.7,
                })
            })
            .collect())
    }
}
