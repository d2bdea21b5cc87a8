//! 督查督办 in the store: a supervision item's own table beside its work item, 立项, the one
//! `act` that runs [`sanfu_domain::supervision::apply`] through the kernel's writer, and its view.

use chrono::{DateTime, Utc};
use sanfu_domain::kernel::{Kind, ReportCycle};
use sanfu_domain::supervision::{self, Action, ExtensionRequest, Objection, Settings, Snapshot, Source, State, Supervision};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::items::{Core, ITEM_DOC, ItemDetail, Viewer, load_core};
use crate::kernel::attachments::{Attachment, attach_in};
use crate::kernel::write;

mod assess;
pub(crate) mod demo;
mod funds;
mod import;
mod ladder;
mod ledger;

pub use assess::{Assessment, UnitAssessment, month_of};
pub use funds::{FundEntry, FundInput, FundsSummary, ItemFunds, ItemFundsRow, UnitFundsRow};
pub use import::{TASK_EXAMPLE, TASK_HEADERS, TaskImport, TaskPreview, parse_day};
pub use ladder::LadderRun;
pub use ledger::{LedgerFilter, LedgerRow};

/// What the office writes to open an item (立项).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SupervisionInput {
    pub title: Option<String>,
    pub requirements: Option<String>,
    /// leader_instruction, meeting_decision, work_report_task, major_project, practical_project,
    /// rectification, deputy_suggestion, cppcc_proposal, hotline_escalation (or the Chinese name).
    pub source: Option<String>,
    /// The source's own reference: the instruction, the meeting's minutes number, the order …
    pub source_ref: Option<String>,
    /// The responsible leader (责任领导): a user name or id.
    pub leader: Option<String>,
}

/// An item checked and ready to be written, in a transaction of the caller's.
#[derive(Clone)]
pub(crate) struct NewSupervision {
    title: String,
    requirements: String,
    source: Source,
    pub(crate) source_ref: Option<String>,
    leader: Option<String>,
    index: crate::search::IndexRow,
    series: crate::kernel::numbers::Series,
    format: String,
}

/// A supervision item as a member of staff sees it: the kernel's view and its own columns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionView {
    #[serde(flatten)]
    pub item: ItemDetail,
    #[schema(value_type = String)]
    pub source: Source,
    pub source_label: &'static str,
    pub source_ref: Option<String>,
    pub requirements: String,
    pub leader: Option<String>,
    pub cycle: String,
    pub extension: Option<ExtensionRequest>,
    pub objection: Option<Objection>,
    pub evidence: Option<String>,
    pub reopen_count: u32,
    /// Files attached to its reports and its closure.
    pub attachments: Vec<crate::kernel::attachments::AttachmentInfo>,
}

type DetailRow = (String, Option<String>, String, Option<String>, String, Option<String>, Option<String>, Option<String>, i64);

struct Loaded {
    core: Core,
    detail: DetailRow,
    snapshot: Snapshot,
}

async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    match load_core(conn, key).await? {
        Some(core) if core.kind == Supervision::NAME => Ok(Some(with_detail(conn, core).await?)),
        _ => Ok(None),
    }
}

/// The item's own columns beside its kernel parts, and its snapshot.
async fn with_detail(conn: &mut AnyConnection, core: Core) -> Result<Loaded, StoreError> {
    let detail: DetailRow = sqlx::query_as(
        "SELECT source, source_ref, requirements, leader_id, cycle, extension, objection, evidence, reopen_count
         FROM supervision_items WHERE id = $1",
    )
    .bind(&core.id)
    .fetch_one(&mut *conn)
    .await?;
    let bad = |what: &str| StoreError::Other(format!("supervision item {}: bad {what}", core.id));
    let cycle: ReportCycle = serde_json::from_str(&detail.4).map_err(|_| bad("cycle"))?;
    let snapshot = Snapshot {
        item: core.item()?,
        cycle,
        extension: detail.5.as_deref().and_then(|s| serde_json::from_str(s).ok()),
        objection: detail.6.as_deref().and_then(|s| serde_json::from_str(s).ok()),
        evidence: detail.7.clone(),
        reopen_count: detail.8.max(0) as u32,
    };
    Ok(Loaded { core, detail, snapshot })
}

/// The co-units' reports on an item since the lead unit's last report: what the lead unit's
/// report to the office quotes.
async fn co_reports_since_lead(tx: &mut AnyConnection, work_id: &str, lead: &str) -> Result<Vec<serde_json::Value>, StoreError> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as("SELECT seq, details, at FROM events WHERE entity_id = $1 AND action = 'report' ORDER BY seq")
        .bind(work_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut out = Vec::new();
    for (_, details, at) in rows {
        let v: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
        if v["unit_id"].as_str() == Some(lead) {
            out.clear();
        } else {
            out.push(json!({ "unit_id": v["unit_id"], "text": v["text"], "at": from_ms(at) }));
        }
    }
    Ok(out)
}

fn not_found(key: &str) -> StoreError {
    DomainError::not_found("supervision_not_found", format!("督办事项“{key}”不存在")).into()
}

impl Store {
    /// 立项: the office opens an item; it waits to be handed out (交办).
    pub async fn create_supervision(&self, input: &SupervisionInput, actor: &Actor) -> Result<SupervisionView, StoreError> {
        self.create_supervision_at(input, actor, Utc::now()).await
    }

    /// [`Store::create_supervision`] at a given moment (the demo city's history).
    pub(crate) async fn create_supervision_at(&self, input: &SupervisionInput, actor: &Actor, now: DateTime<Utc>) -> Result<SupervisionView, StoreError> {
        let Some(staff) = actor.staff().filter(|s| s.has(Role::OfficeStaff)) else {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有督查科可以立项").into());
        };
        let title = validate::text("title", "督办事项名称", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let requirements = validate::text("requirements", "督办要求", input.requirements.as_deref().unwrap_or_default(), validate::MAX_CONTENT_CHARS)?;
        let source = match input.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Source::parse(s).ok_or_else(|| DomainError::invalid("invalid_source", format!("事项来源“{s}”不存在")))?,
            None => return Err(DomainError::invalid("invalid_source", "请选择事项来源").into()),
        };
        let source_ref = validate::optional_text("source_ref", "来源文号", input.source_ref.as_deref(), 200)?;
        let leader = match input.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => {
                let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE (username = $1 OR id = $1) AND active = 1")
                    .bind(l)
                    .fetch_optional(self.pool())
                    .await?;
                Some(id.ok_or_else(|| DomainError::invalid("unknown_leader", format!("责任领导“{l}”不存在")))?)
            }
            None => None,
        };
        let new = self.prepare_supervision(title, requirements, source, source_ref, leader).await?;
        let (id, _) = in_tx!(self, tx => self.open_supervision_in(&mut tx, &new, actor, now).await)?;
        self.supervision_for(&id, staff).await
    }

    /// An item's events as `staff` may read them.
    pub async fn supervision_events(&self, key: &str, staff: &Staff) -> Result<Vec<events::Event>, StoreError> {
        let id = self.visible_supervision(key, staff).await?.id;
        Ok(crate::kernel::items::for_reader(events::list(self.pool(), &id).await?, staff))
    }

    /// What opening an item needs that is read outside its transaction: the words for search,
    /// the number's series and format.
    pub(crate) async fn prepare_supervision(
        &self,
        title: String,
        requirements: String,
        source: Source,
        source_ref: Option<String>,
        leader: Option<String>,
    ) -> Result<NewSupervision, StoreError> {
        let spec = self.spec_of(Supervision::NAME)?;
        let series = self.series(&spec, "", Utc::now());
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, &format!("{title}\n{requirements}"));
        Ok(NewSupervision { title, requirements, source, source_ref, leader, index, series, format })
    }

    /// 立项 in the caller's transaction: the work item numbered in its gapless series, its row,
    /// its words for search, its event. Returns (id, number).
    pub(crate) async fn open_supervision_in(
        &self,
        tx: &mut AnyConnection,
        new: &NewSupervision,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(String, String), StoreError> {
        let spec = self.spec_of(Supervision::NAME)?;
        let id = new.index.doc_id.clone();
        let number = self.number_in(tx, &new.series, &new.format).await?;
        let snapshot = Snapshot::new(now, ReportCycle::ONCE);
        write::insert(tx, &spec, &id, &number, &new.title, &snapshot, now).await?;
        sqlx::query(
            "INSERT INTO supervision_items (id, source, source_ref, requirements, leader_id, cycle, reopen_count)
             VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(&id)
        .bind(new.source.as_str())
        .bind(&new.source_ref)
        .bind(&new.requirements)
        .bind(&new.leader)
        .bind(serde_json::to_string(&snapshot.cycle).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        Store::index_in(tx, &new.index).await?;
        events::append(tx, NewEvent {
            entity_id: &id, entity_kind: Supervision::NAME, action: "create", actor,
            from_state: None, to_state: Some(State::Drafted.as_str()),
            details: json!({ "number": number, "source": new.source.as_str(), "source_ref": new.source_ref, "leader_id": new.leader }),
            at: Some(to_ms(now)),
        })
        .await?;
        Ok((id, number))
    }

    /// The item's kernel parts, if `staff` may read it; one they may not is refused as not theirs.
    async fn visible_supervision(&self, key: &str, staff: &Staff) -> Result<Core, StoreError> {
        self.visible_of_kind(key, staff, Supervision::NAME, || not_found(key)).await
    }

    /// An item for a member of staff; one they may not read is refused as not theirs.
    pub async fn supervision_for(&self, key: &str, staff: &Staff) -> Result<SupervisionView, StoreError> {
        let core = self.visible_supervision(key, staff).await?;
        let mut conn = self.pool().acquire().await?;
        let l = with_detail(&mut conn, core).await?;
        drop(conn);
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let mut item = self.detail(l.core.clone(), &actor, Viewer::of(staff)).await?;
        // Each unit signs once: a unit that has signed is not offered 签收 again.
        if l.core.assignments.iter().any(|a| a.active && a.unit_id == staff.unit_id && a.signed_at.is_some()) {
            item.allowed_actions.retain(|a| *a != "sign");
        }
        let leader = match &l.detail.3 {
            Some(id) => sqlx::query_scalar::<_, String>("SELECT name FROM users WHERE id = $1").bind(id).fetch_optional(self.pool()).await?,
            None => None,
        };
        let viewer = Viewer::of(staff);
        let source = Source::parse(&l.detail.0).unwrap_or(Source::LeaderInstruction);
        Ok(SupervisionView {
            item,
            source,
            source_label: source.label(),
            source_ref: l.detail.1.clone(),
            requirements: viewer.text(&l.detail.2),
            leader,
            cycle: l.snapshot.cycle.label(),
            extension: l.snapshot.extension.clone(),
            objection: l.snapshot.objection.clone(),
            evidence: l.snapshot.evidence.as_deref().map(|e| viewer.text(e)),
            reopen_count: l.snapshot.reopen_count,
            attachments: self.attachments_of(&l.core.id).await?,
        })
    }

    /// One action on an item: loaded, judged by the rules, written with its event in one
    /// transaction, started again from a fresh load if somebody changed it first.
    pub async fn act_supervision(&self, key: &str, actor: &Actor, action: &Action, at: Option<DateTime<Utc>>) -> Result<SupervisionView, StoreError> {
        self.act_supervision_with(key, actor, action, at, &[]).await
    }

    /// [`Store::act_supervision`] with files (a report's material, a closure's evidence),
    /// stored in the action's transaction and named in its event.
    pub async fn act_supervision_with(
        &self,
        key: &str,
        actor: &Actor,
        action: &Action,
        at: Option<DateTime<Utc>>,
        files: &[Attachment],
    ) -> Result<SupervisionView, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        // Refused as not theirs before anything else, as the hotline's orders are.
        let id = self.visible_supervision(key, staff).await?.id;
        let cal = self.calendar();
        let settings = self.supervision_settings().await?;
        on_fresh_load!(Supervision::NOUN, in_tx!(self, tx => {
            let now = at.unwrap_or_else(Utc::now);
            self.act_supervision_in(&mut tx, &id, key, actor, action, now, &cal, &settings, files).await
        }))?;
        self.supervision_for(&id, staff).await
    }

    /// One action in the caller's transaction: loaded, judged, written with its event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn act_supervision_in(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        key: &str,
        actor: &Actor,
        action: &Action,
        now: DateTime<Utc>,
        cal: &sanfu_calendar::Calendar,
        settings: &Settings,
        files: &[Attachment],
    ) -> Result<(), StoreError> {
        let spec = self.spec_of(Supervision::NAME)?;
        let l = load(tx, id).await?.ok_or_else(|| not_found(key))?;
        let mut out = supervision::apply(&l.snapshot, actor, action, now, cal, settings)?;
        if !files.is_empty() {
            if !matches!(action, Action::Report { .. } | Action::RequestClosure { .. } | Action::Object { .. } | Action::RequestExtension { .. }) {
                return Err(DomainError::invalid("attachments_not_allowed", "此项操作不能附带附件").into());
            }
            let infos = attach_in(tx, &l.core.id, files, actor, now).await?;
            out.details["attachments"] = json!(infos.iter().map(|a| json!({"id": a.id, "name": a.name, "size": a.size})).collect::<Vec<_>>());
        }
        // The lead unit's report carries the co-units' reports made since its last one.
        if let (Action::Report { .. }, Some(lead)) = (action, l.core.assignments.iter().find(|a| a.active && a.role == sanfu_domain::kernel::AssignmentRole::Lead)) && actor.staff().is_some_and(|s| s.unit_id == lead.unit_id) {
            let quoted = co_reports_since_lead(tx, &l.core.id, &lead.unit_id).await?;
            if !quoted.is_empty() {
                out.details["co_reports"] = json!(quoted);
            }
        }
        let s = &out.snapshot;
        write::update(tx, &spec, &l.core.id, l.core.version, &l.snapshot, s, now).await?;
        sqlx::query("UPDATE supervision_items SET cycle = $1, extension = $2, objection = $3, evidence = $4, reopen_count = $5 WHERE id = $6")
            .bind(serde_json::to_string(&s.cycle).unwrap_or_default())
            .bind(s.extension.as_ref().and_then(|e| serde_json::to_string(e).ok()))
            .bind(s.objection.as_ref().and_then(|o| serde_json::to_string(o).ok()))
            .bind(&s.evidence)
            .bind(i64::from(s.reopen_count))
            .bind(&l.core.id)
            .execute(&mut *tx)
            .await?;
        events::append(tx, NewEvent {
            entity_id: &l.core.id, entity_kind: Supervision::NAME, action: out.action, actor,
            from_state: Some(l.snapshot.state().as_str()), to_state: Some(s.state().as_str()),
            details: out.details.clone(), at: Some(to_ms(now)),
        })
        .await?;
        Ok(())
    }
}
