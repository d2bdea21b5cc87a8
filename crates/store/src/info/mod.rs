//! 政务信息 in the store: a unit's submission and the section's answer ([`Store::submit_info`],
//! [`Store::act_info`]), the bulletins ([`bulletin`]), 约稿 ([`request`]) and the units' scores
//! ([`scores`]). The kernel keeps the states, the due dates and the log; `info_items` keeps the
//! text as submitted beside the text as the section edited it.

pub mod bulletin;
pub mod demo;
pub mod request;
pub mod scores;

use chrono::{DateTime, Utc};
use sanfu_domain::info::item::{self, Action, InfoItem, Snapshot, State, Submission};
use sanfu_domain::info::{Category, ProvinceLevel, Settings};
use sanfu_domain::kernel::{Kind, LinkKind};
use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use crate::db::{Store, StoreError, from_ms, in_clause, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, AttachmentInfo, attach_in};
use crate::kernel::items::{Core, ITEM_DOC, ItemDetail, ItemSummary, UnitName, Viewer, load_core};
use crate::kernel::write;
use crate::org::Scope;

const SETTINGS_KEY: &str = "info_settings";

pub(crate) use crate::kernel::staff_of;

pub(crate) fn not_found(key: &str) -> StoreError {
    DomainError::not_found("item_not_found", format!("信息“{key}”不存在")).into()
}

/// What a unit submits.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InfoInput {
    pub title: Option<String>,
    /// `news` 工作动态, `practice` 经验做法, `problem` 问题反映, `proposal` 意见建议, `opinion` 社情舆情,
    /// `incident` 突发事件 (or the Chinese).
    pub category: Option<String>,
    pub body: Option<String>,
    /// 撰稿人 and a telephone to reach them.
    pub writer: Option<String>,
    pub writer_phone: Option<String>,
    /// An incident: when it happened, and when it was first reported (by telephone).
    pub incident_at: Option<DateTime<Utc>>,
    pub first_reported_at: Option<DateTime<Utc>>,
    /// The 约稿 it answers (its number).
    pub request: Option<String>,
}

/// Every field the submissions' actions take.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InfoActionInput {
    pub comment: Option<String>,
    /// `adopt`: the text as the section edited it (none: as submitted).
    pub edited_body: Option<String>,
    /// `return`: what is missing.
    pub missing: Option<String>,
    /// `decline`: why.
    pub reason: Option<String>,
    /// `resubmit`: the text with what was asked for.
    pub body: Option<String>,
    /// `province_adopt`: `daily`, `info` or `special` (省每日要情, 省政务信息, 省信息专报).
    pub level: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinUse {
    pub number: String,
    pub title: String,
    pub issued: bool,
}

/// A submission as a page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoView {
    #[serde(flatten)]
    pub item: ItemDetail,
    pub category: String,
    pub category_label: &'static str,
    pub unit: UnitName,
    /// The text as submitted, and as the section edited it on adopting it.
    pub body: String,
    pub edited_body: Option<String>,
    pub writer: String,
    pub writer_phone: String,
    /// The unit head who signed it off (审签).
    pub signer: Option<String>,
    pub incident_at: Option<DateTime<Utc>>,
    pub first_reported_at: Option<DateTime<Utc>>,
    pub request_number: Option<String>,
    /// The section's last answer: what to add (退回补充) or why not (不采用).
    pub answer: Option<String>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub province_level: Option<String>,
    pub province_label: Option<&'static str>,
    pub bulletins: Vec<BulletinUse>,
    /// The 批示 written on it.
    pub instructions: Vec<ItemSummary>,
    pub attachments: Vec<AttachmentInfo>,
}

/// A line of the 信息报送台账.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub category_label: &'static str,
    pub unit_name: String,
    pub writer: String,
    pub forwarded: bool,
    pub province_label: Option<&'static str>,
    pub instructed: bool,
    pub in_bulletins: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct InfoFilter {
    pub state: Option<String>,
    pub category: Option<String>,
    /// A unit's code or id.
    pub unit: Option<String>,
    /// Only adopted items not yet in an issue (for compiling a bulletin).
    #[serde(default)]
    pub unused: bool,
}

pub(crate) fn parse_category(s: Option<&str>) -> Result<Category, DomainError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Category::parse(s).ok_or_else(|| DomainError::invalid("invalid_category", format!("信息类别“{s}”不存在"))),
        None => Err(DomainError::invalid("missing_field", "请选择信息类别")),
    }
}

struct Loaded {
    core: Core,
    snapshot: Snapshot,
    forwarded: bool,
}

async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != InfoItem::NAME {
        return Ok(None);
    }
    let (category, forwarded): (String, Option<i64>) =
        sqlx::query_as("SELECT category, forwarded_at FROM info_items WHERE id = $1").bind(&core.id).fetch_one(&mut *conn).await?;
    let snapshot = Snapshot { item: core.item()?, category: Category::parse(&category).unwrap_or(Category::News) };
    Ok(Some(Loaded { core, snapshot, forwarded: forwarded.is_some() }))
}

/// ` AND …` of `w` (an item handed to units): the office reads all; others the items of their
/// units (a leader, the portfolio's).
pub(crate) fn unit_scope(staff: &Staff, taken: usize, binds: &mut Vec<String>) -> String {
    match Store::scope_of(staff) {
        Scope::All => String::new(),
        Scope::Units(units) => {
            let (clause, _) = in_clause(taken + binds.len() + 1, units.len());
            binds.extend(units);
            format!(" AND w.lead_unit_id IN {clause}")
        }
    }
}

impl Store {
    pub async fn info_settings(&self) -> Result<Settings, StoreError> {
        self.json_setting(SETTINGS_KEY).await
    }

    /// Change the information settings (the office), recorded in the log.
    pub async fn set_info_settings(&self, s: Settings, actor: &Actor) -> Result<Settings, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.has(Role::OfficeStaff) && !staff.has(Role::Admin) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有办公室或系统管理员可以修改信息工作设置").into());
        }
        let mut s = s.checked()?;
        // Quotas name units by code (an id or a name is taken and written as the code).
        for q in &mut s.quotas {
            let unit = self.unit(q.unit.trim()).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{}”不存在", q.unit)))?;
            q.unit = unit.code;
        }
        self.set_json_setting(SETTINGS_KEY, &s, "info_settings", actor).await?;
        Ok(s)
    }

    /// 报送: a unit's new submission, waiting on its head's sign-off (or on the section, if the
    /// head wrote it). An answer to a 约稿 also answers the request, in the same transaction.
    pub async fn submit_info(&self, input: &InfoInput, files: &[Attachment], actor: &Actor) -> Result<InfoView, StoreError> {
        self.submit_info_at(input, files, actor, Utc::now()).await
    }

    pub(crate) async fn submit_info_at(&self, input: &InfoInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<InfoView, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.acts_for_unit() {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有单位的联络员或负责人可以报送信息").into());
        }
        let title = validate::text("title", "信息标题", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let category = parse_category(input.category.as_deref())?;
        let body = validate::text("body", "信息正文", input.body.as_deref().unwrap_or_default(), validate::MAX_CONTENT_CHARS)?;
        let writer = validate::text("writer", "撰稿人", input.writer.as_deref().unwrap_or(&staff.name), 30)?;
        let phone = validate::text("writer_phone", "联系电话", input.writer_phone.as_deref().unwrap_or_default(), 30)?;
        if phone.chars().filter(char::is_ascii_digit).count() < 7 {
            return Err(DomainError::invalid("invalid_phone", "请填写撰稿人的联系电话").into());
        }
        let request = match input.request.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => Some(self.visible_core(r, staff).await.ok().filter(|c| c.kind == sanfu_domain::info::request::InfoRequest::NAME).ok_or_else(|| DomainError::invalid("unknown_request", format!("约稿“{r}”不存在")))?),
            None => None,
        };
        let cal = self.calendar();
        let settings = self.info_settings().await?;
        let sub = Submission { unit_id: staff.unit_id.clone(), category, incident_at: input.incident_at, first_reported_at: input.first_reported_at };
        let snap = item::submit(&sub, actor, now, &cal, &settings)?;
        let spec = self.spec_of(InfoItem::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &crate::db::new_id(), ITEM_DOC, &format!("{title}\n{body}"));
        let id = index.doc_id.clone();
        let files = files.to_vec();
        let signer = (snap.item.state != State::Signing).then(|| staff.name.clone());
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &snap, now).await?;
            sqlx::query("INSERT INTO info_items (id, unit_id, category, body, writer, writer_phone, signer, incident_at, first_reported_at, request_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(&id).bind(&staff.unit_id).bind(category.as_str()).bind(&body).bind(&writer).bind(&phone).bind(&signer)
                .bind(input.incident_at.map(to_ms)).bind(input.incident_at.map(|_| to_ms(input.first_reported_at.unwrap_or(now))))
                .bind(request.as_ref().map(|r| r.id.clone()))
                .execute(&mut *tx).await?;
            Store::index_in(&mut tx, &index).await?;
            let stored = attach_in(&mut tx, &id, &files, actor, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: InfoItem::NAME, action: "create", actor,
                from_state: None, to_state: Some(snap.item.state.as_str()),
                details: json!({ "number": number, "title": title, "category": category.label(), "writer": writer,
                                 "request": request.as_ref().map(|r| r.number.clone()),
                                 "attachments": stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            if let Some(r) = &request {
                self.answer_request_in(&mut tx, &r.id, (&id, &number), actor, now).await?;
            }
            Ok(())
        })?;
        self.info_for(&id, staff).await
    }

    /// One step of a submission: the head's sign-off, the section's answer, the unit's
    /// resubmission, the province.
    pub async fn act_info(&self, key: &str, action: &str, input: &InfoActionInput, actor: &Actor) -> Result<InfoView, StoreError> {
        self.act_info_at(key, action, input, actor, Utc::now()).await
    }

    pub(crate) async fn act_info_at(&self, key: &str, action: &str, input: &InfoActionInput, actor: &Actor, now: DateTime<Utc>) -> Result<InfoView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_of_kind(key, staff, InfoItem::NAME, || not_found(key)).await?.id;
        let comment = || input.comment.clone().unwrap_or_default();
        let act = match action {
            "sign" => Action::Sign { comment: comment() },
            "adopt" => Action::Adopt { edited: input.edited_body.clone(), comment: comment() },
            "return" => Action::Return { missing: input.missing.clone().or_else(|| input.reason.clone()).unwrap_or_default() },
            "decline" => Action::Decline { reason: input.reason.clone().unwrap_or_default() },
            "resubmit" => Action::Resubmit { text: input.body.clone().unwrap_or_default() },
            "forward" => Action::Forward { comment: comment() },
            "province_adopt" => {
                let l = input.level.as_deref().map(str::trim).unwrap_or_default();
                let level = ProvinceLevel::parse(l).ok_or_else(|| DomainError::invalid("invalid_level", "请选择省里采用的刊物（省每日要情、省政务信息、省信息专报）"))?;
                Action::ProvinceAdopt { level, comment: comment() }
            }
            other => return Err(DomainError::invalid("unknown_action", format!("政务信息没有“{other}”这项操作")).into()),
        };
        let cal = self.calendar();
        let settings = self.info_settings().await?;
        let spec = self.spec_of(InfoItem::NAME)?;
        on_fresh_load!(InfoItem::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let (next, details) = item::apply(&l.snapshot, actor, &act, l.forwarded, now, &cal, &settings)?;
            let t = to_ms(now);
            match &act {
                Action::Sign { .. } => {
                    sqlx::query("UPDATE info_items SET signer = $1 WHERE id = $2").bind(&staff.name).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Adopt { .. } => {
                    let edited = input.edited_body.as_deref().map(str::trim).filter(|s| !s.is_empty());
                    sqlx::query("UPDATE info_items SET edited_body = $1, answer = NULL WHERE id = $2").bind(edited).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Return { missing: m } | Action::Decline { reason: m } => {
                    sqlx::query("UPDATE info_items SET answer = $1 WHERE id = $2").bind(m.trim()).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Resubmit { text } => {
                    let signer = (next.item.state != State::Signing).then(|| staff.name.clone());
                    sqlx::query("UPDATE info_items SET body = $1, signer = $2 WHERE id = $3").bind(text.trim()).bind(signer).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Forward { .. } => {
                    sqlx::query("UPDATE info_items SET forwarded_at = $1 WHERE id = $2").bind(t).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::ProvinceAdopt { level, .. } => {
                    sqlx::query("UPDATE info_items SET province_level = $1, province_at = $2 WHERE id = $3").bind(level.as_str()).bind(t).bind(&l.core.id).execute(&mut *tx).await?;
                }
            }
            let mut details = details;
            if let Action::Resubmit { .. } = &act {
                details["body"] = json!(input.body.as_deref().unwrap_or_default().trim());
            }
            write::record(&mut tx, &spec, &l.core.id, l.core.version, (&l.snapshot, &[]), (&next, &[]), act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.info_for(&id, staff).await
    }

    /// One submission for whoever may read it.
    pub async fn info_for(&self, key: &str, staff: &Staff) -> Result<InfoView, StoreError> {
        let core = self.visible_of_kind(key, staff, InfoItem::NAME, || not_found(key)).await?;
        type Row = (String, String, String, Option<String>, String, String, Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<String>);
        let r: Row = sqlx::query_as(
            "SELECT unit_id, category, body, edited_body, writer, writer_phone, signer, incident_at, first_reported_at, request_id, answer, forwarded_at, province_level
             FROM info_items WHERE id = $1",
        )
        .bind(&core.id)
        .fetch_one(self.pool())
        .await?;
        let request_number: Option<String> = match &r.9 {
            Some(id) => sqlx::query_scalar("SELECT number FROM work_items WHERE id = $1").bind(id).fetch_optional(self.pool()).await?,
            None => None,
        };
        let bulletins: Vec<(String, String, Option<i64>)> = sqlx::query_as(
            "SELECT w.number, w.title, b.issued_at FROM bulletin_items i JOIN work_items w ON w.id = i.bulletin_id JOIN bulletins b ON b.id = i.bulletin_id
             WHERE i.info_id = $1 ORDER BY w.created_at",
        )
        .bind(&core.id)
        .fetch_all(self.pool())
        .await?;
        let viewer = Viewer::of(staff);
        let instructions = self.instructions_on(&core.id, viewer).await?;
        let names = self.unit_names().await?;
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let id = core.id.clone();
        let item = self.detail(core, &actor, viewer).await?;
        let category = Category::parse(&r.1);
        let province = r.12.as_deref().and_then(ProvinceLevel::parse);
        Ok(InfoView {
            category: r.1.clone(),
            category_label: category.map(|c| c.label()).unwrap_or_default(),
            unit: UnitName { name: names.get(&r.0).cloned().unwrap_or_default(), id: r.0 },
            body: viewer.text(&r.2),
            edited_body: r.3.as_deref().map(|t| viewer.text(t)),
            writer: r.4,
            writer_phone: r.5,
            signer: r.6,
            incident_at: r.7.map(from_ms),
            first_reported_at: r.8.map(from_ms),
            request_number,
            answer: r.10,
            forwarded_at: r.11.map(from_ms),
            province_level: r.12.clone(),
            province_label: province.map(|p| p.label()),
            bulletins: bulletins.into_iter().map(|(number, title, issued)| BulletinUse { number, title, issued: issued.is_some() }).collect(),
            instructions,
            attachments: self.attachments_of(&id).await?,
            item,
        })
    }

    /// The 批示 linked to an item (written on it).
    pub(crate) async fn instructions_on(&self, id: &str, viewer: Viewer) -> Result<Vec<ItemSummary>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT l.from_id FROM links l JOIN work_items w ON w.id = l.from_id WHERE l.to_id = $1 AND l.kind = $2 AND w.kind = 'instruction'")
            .bind(id)
            .bind(LinkKind::Concerns.as_str())
            .fetch_all(self.pool())
            .await?;
        self.item_summaries(&ids, viewer).await
    }

    /// 信息报送台账: the submissions `staff` may read, newest first.
    pub async fn list_info(&self, staff: &Staff, f: &InfoFilter) -> Result<Vec<InfoRow>, StoreError> {
        let mut binds: Vec<String> = Vec::new();
        let mut sql = "SELECT w.id, i.category, i.unit_id, i.writer, i.forwarded_at, i.province_level FROM work_items w JOIN info_items i ON i.id = w.id WHERE w.kind = 'info'".to_string();
        if let Some(s) = f.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let st = State::parse(s).ok_or_else(|| DomainError::invalid("invalid_state", format!("信息状态“{s}”不存在")))?;
            binds.push(st.as_str().into());
            sql.push_str(&format!(" AND w.state = ${}", binds.len()));
        }
        if let Some(c) = f.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            binds.push(parse_category(Some(c))?.as_str().into());
            sql.push_str(&format!(" AND i.category = ${}", binds.len()));
        }
        if let Some(u) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            binds.push(self.unit_ref(u).await?.id);
            sql.push_str(&format!(" AND i.unit_id = ${}", binds.len()));
        }
        if f.unused {
            sql.push_str(" AND w.state = 'adopted' AND NOT EXISTS (SELECT 1 FROM bulletin_items b WHERE b.info_id = w.id)");
        }
        sql.push_str(&unit_scope(staff, 0, &mut binds));
        sql.push_str(" ORDER BY w.created_at DESC, w.id DESC LIMIT 1000");
        let mut q = sqlx::query_as::<_, (String, String, String, String, Option<i64>, Option<String>)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let uses = self.info_uses(&ids).await?;
        let names = self.unit_names().await?;
        Ok(summaries
            .into_iter()
            .filter_map(|s| {
                let r = rows.iter().find(|r| r.0 == s.id)?;
                let u = uses.get(&s.id);
                Some(InfoRow {
                    category_label: Category::parse(&r.1).map(|c| c.label()).unwrap_or_default(),
                    unit_name: names.get(&r.2).cloned().unwrap_or_default(),
                    writer: r.3.clone(),
                    forwarded: r.4.is_some(),
                    province_label: r.5.as_deref().and_then(ProvinceLevel::parse).map(|p| p.label()),
                    instructed: u.is_some_and(|u| u.1),
                    in_bulletins: u.map(|u| u.0.join("、")).unwrap_or_default(),
                    item: s,
                })
            })
            .collect())
    }

    /// Of each item: the issued bulletins' titles it is in, and whether a 批示 was written on it.
    async fn info_uses(&self, ids: &[String]) -> Result<std::collections::BTreeMap<String, (Vec<String>, bool)>, StoreError> {
        let mut out: std::collections::BTreeMap<String, (Vec<String>, bool)> = Default::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!(
            "SELECT i.info_id, w.title FROM bulletin_items i JOIN bulletins b ON b.id = i.bulletin_id JOIN work_items w ON w.id = b.id
             WHERE b.issued_at IS NOT NULL AND i.info_id IN {clause}"
        )));
        for id in ids {
            q = q.bind(id);
        }
        for (id, title) in q.fetch_all(self.pool()).await? {
            out.entry(id).or_default().0.push(title);
        }
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT l.to_id FROM links l JOIN work_items w ON w.id = l.from_id WHERE w.kind = 'instruction' AND l.to_id IN {clause}"
        )));
        for id in ids {
            q = q.bind(id);
        }
        for id in q.fetch_all(self.pool()).await? {
            out.entry(id).or_default().1 = true;
        }
        Ok(out)
    }
}
