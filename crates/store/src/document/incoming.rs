//! 收文 in the store: registration (签收 and 登记 in one step), and the steps from 初审 to 归档
//! — 批办 writes the leader's instruction as a 批示 of its own in the same transaction, 传阅
//! keeps who was sent it and when they finished reading.

use chrono::{DateTime, Utc};
use sanfu_domain::document::incoming::{self, Action, Incoming, Snapshot, State};
use sanfu_domain::document::{DocType, Urgency};
use sanfu_domain::kernel::{Kind, UnitRef};
use sanfu_domain::{Actor, DomainError, Role, validate};
use serde::Deserialize;
use serde_json::json;
use sqlx::AnyConnection;

use super::view::DocumentView;
use super::{DocRow, check_files_unclassified, not_found, staff_of};
use crate::db::{Store, StoreError, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, attach_in};
use crate::kernel::items::{Core, ITEM_DOC, load_core};
use crate::kernel::write;

/// What the 文电科 registers of a document it signed for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IncomingInput {
    pub title: Option<String>,
    /// 来文机关.
    pub organ: Option<String>,
    /// 来文字号, e.g. 赣府办字〔2026〕88号.
    pub source_number: Option<String>,
    /// One of the 条例's kinds (`notice`, `通知` …).
    pub doc_type: Option<String>,
    /// 密级: only none (empty, 无) is taken.
    pub secrecy: Option<String>,
    /// `normal` (平件), `urgent` (加急) or `extra_urgent` (特急).
    pub urgency: Option<String>,
    /// 成文日期.
    pub doc_date: Option<DateTime<Utc>>,
    pub pages: Option<u32>,
    /// 内容摘要 (or the text).
    pub summary: Option<String>,
    /// 附件 names, one a line.
    pub attachment_titles: Option<String>,
}

/// Every field the documents' actions take (both directions).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DocActionInput {
    pub comment: Option<String>,
    pub reason: Option<String>,
    /// 拟办意见, 批办意见, 催办内容, 答复内容.
    pub text: Option<String>,
    /// `propose`: the leader asked to instruct; `check`: another leader to sign (user name or id).
    pub leader: Option<String>,
    /// `instruct`: the units that handle it (ids, codes or names; the first leads).
    #[serde(default)]
    pub units: Vec<String>,
    /// `instruct`: working days to handle it.
    pub days: Option<u32>,
    /// `circulate`: the leaders (user names or ids).
    #[serde(default)]
    pub readers: Vec<String>,
    /// `countersign`: `agree`, `agree_with_changes` or `disagree`.
    pub stance: Option<String>,
    /// `print`: how many copies.
    pub copies: Option<u32>,
}

pub(crate) struct Loaded {
    pub core: Core,
    pub snapshot: Snapshot,
}

pub(crate) async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != Incoming::NAME {
        return Ok(None);
    }
    let people = write::load_people(conn, &core.id).await?;
    let snapshot = Snapshot {
        item: core.item()?,
        people,
    };
    Ok(Some(Loaded { core, snapshot }))
}

pub(crate) fn parse_type(s: Option<&str>, default: DocType) -> Result<DocType, DomainError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => DocType::parse(s).ok_or_else(|| DomainError::invalid("invalid_doc_type", format!("文种“{s}”不存在"))),
        None => Ok(default),
    }
}

pub(crate) fn parse_urgency(s: Option<&str>) -> Result<Urgency, DomainError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Urgency::parse(s).ok_or_else(|| DomainError::invalid("invalid_urgency", format!("紧急程度“{s}”不存在（平件、加急、特急）"))),
        None => Ok(Urgency::Normal),
    }
}

impl Store {
    /// 签收登记: the office registers a document it received. Classified material is refused
    /// before anything is written.
    pub async fn register_incoming(&self, input: &IncomingInput, files: &[Attachment], actor: &Actor) -> Result<DocumentView, StoreError> {
        self.register_incoming_at(input, files, actor, Utc::now()).await
    }

    pub(crate) async fn register_incoming_at(&self, input: &IncomingInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<DocumentView, StoreError> {
        let staff = staff_of(actor)?;
        let summary = input.summary.clone().unwrap_or_default();
        let titles = input.attachment_titles.clone().unwrap_or_default();
        check_files_unclassified(
            input.secrecy.as_deref(),
            &[input.title.as_deref().unwrap_or_default(), input.source_number.as_deref().unwrap_or_default(), &summary, &titles],
            files,
        )?;
        if !staff.has(Role::OfficeStaff) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有文电科可以签收登记来文").into());
        }
        let title = validate::text("title", "文件标题", input.title.as_deref().unwrap_or_default(), validate::MAX_SUBJECT_CHARS)?;
        let organ = validate::text("organ", "来文机关", input.organ.as_deref().unwrap_or_default(), 60)?;
        let source_number = validate::optional_text("source_number", "来文字号", input.source_number.as_deref(), 60)?;
        let summary = validate::optional_text("summary", "内容摘要", Some(&summary), validate::MAX_CONTENT_CHARS)?.unwrap_or_default();
        let doc_type = parse_type(input.doc_type.as_deref(), DocType::Notice)?;
        let urgency = parse_urgency(input.urgency.as_deref())?;
        if input.pages.is_some_and(|p| !(1..=2000).contains(&p)) {
            return Err(DomainError::invalid("invalid_pages", "页数须为 1 至 2000").into());
        }
        let snap = incoming::register(now);
        let spec = self.spec_of(Incoming::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &crate::db::new_id(), ITEM_DOC, &format!("{title}\n{organ}\n{}\n{summary}", source_number.clone().unwrap_or_default()));
        let id = index.doc_id.clone();
        let row = DocRow {
            direction: Incoming::NAME.into(),
            doc_type: doc_type.as_str().into(),
            urgency: urgency.as_str().into(),
            secrecy: "无".into(),
            organ: organ.clone(),
            source_number: source_number.clone(),
            doc_date: input.doc_date.map(to_ms),
            pages: input.pages.map(i64::from),
            main_to: String::new(),
            cc: String::new(),
            body: summary,
            attachment_titles: DocRow::list(&titles).join("\n"),
            ..Default::default()
        };
        let files = files.to_vec();
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &title, &snap, now).await?;
            row.insert(&mut tx, &id).await?;
            Store::index_in(&mut tx, &index).await?;
            let stored = attach_in(&mut tx, &id, &files, actor, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Incoming::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Registered.as_str()),
                details: json!({ "number": number, "title": title, "organ": organ, "source_number": source_number,
                                 "doc_type": doc_type.label(), "urgency": urgency.label(),
                                 "attachments": stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.document_for(&id, staff).await
    }

    /// One step of an incoming document.
    pub async fn act_incoming(&self, key: &str, action: &str, input: &DocActionInput, files: &[Attachment], actor: &Actor) -> Result<DocumentView, StoreError> {
        self.act_incoming_at(key, action, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn act_incoming_at(&self, key: &str, action: &str, input: &DocActionInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<DocumentView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_document(key, staff).await?.id;
        check_files_unclassified(None, &[], files)?;
        let text = || input.text.clone().unwrap_or_default();
        let act = match action {
            "accept" => Action::Accept { comment: input.comment.clone().unwrap_or_default() },
            "reject" => Action::Reject { reason: input.reason.clone().unwrap_or_default() },
            "propose" => {
                let leader = input.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| DomainError::invalid("unknown_leader", "请选择批办领导"))?;
                Action::Propose { leader_id: self.leader_by(leader, "批办领导").await?.0, text: text() }
            }
            "instruct" => {
                let mut units: Vec<UnitRef> = Vec::new();
                for u in input.units.iter().filter(|u| !u.trim().is_empty()) {
                    units.push(self.unit_ref(u).await?);
                }
                Action::Instruct { text: text(), units, days: input.days }
            }
            "circulate" => {
                let mut readers = Vec::new();
                for r in input.readers.iter().filter(|r| !r.trim().is_empty()) {
                    readers.push(self.leader_by(r, "传阅领导").await?.0);
                }
                Action::Circulate { readers }
            }
            "read" => Action::Read { comment: input.comment.clone().unwrap_or_default() },
            "urge" => Action::Urge { text: text() },
            "reply" => Action::Reply { text: text() },
            "send_back" => Action::SendBack { reason: input.reason.clone().unwrap_or_default() },
            "conclude" => Action::Conclude { comment: input.comment.clone().unwrap_or_default() },
            "archive" => Action::Archive,
            other => return Err(DomainError::invalid("unknown_action", format!("收文没有“{other}”这项操作")).into()),
        };
        let cal = self.calendar();
        let settings = self.document_settings().await?;
        // 批办 is also a 批示: prepared outside the transaction, written inside it.
        let instruction = match &act {
            Action::Instruct { text, units, days } if !units.is_empty() => {
                let t = validate::text("text", "批办意见", text, validate::MAX_CONTENT_CHARS)?;
                let deadline = cal.add_working_days(now, days.unwrap_or(settings.handle_days)).at;
                Some(self.prepare_instruction(&staff.user_id, &t, units, Some(deadline), now).await?)
            }
            _ => None,
        };
        let files = files.to_vec();
        on_fresh_load!(Incoming::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let (next, mut details) = incoming::apply(&l.snapshot, actor, &act, now, &cal, &settings)?;
            if !files.is_empty() {
                let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            match &act {
                Action::Propose { text, .. } => {
                    sqlx::query("UPDATE documents SET proposal = $1 WHERE id = $2").bind(text.trim()).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Instruct { text, .. } => {
                    let number = match &instruction {
                        Some(n) => Some(self.insert_instruction(&mut tx, n, Some(&(l.core.id.clone(), Incoming::NAME.to_string(), l.core.number.clone())), actor, now).await?),
                        None => None,
                    };
                    details["instruction"] = json!(number);
                    sqlx::query("UPDATE documents SET instruction = $1, instruction_id = $2 WHERE id = $3")
                        .bind(text.trim()).bind(instruction.as_ref().map(|n| n.id.clone())).bind(&l.core.id)
                        .execute(&mut *tx).await?;
                }
                Action::Circulate { .. } => {
                    for r in details["readers"].as_array().cloned().unwrap_or_default() {
                        sqlx::query("INSERT INTO document_readers (work_id, user_id, sent_at) VALUES ($1, $2, $3)")
                            .bind(&l.core.id).bind(r.as_str().unwrap_or_default()).bind(to_ms(now))
                            .execute(&mut *tx).await?;
                    }
                }
                Action::Read { .. } => {
                    sqlx::query("UPDATE document_readers SET read_at = $1, comment = $2 WHERE work_id = $3 AND user_id = $4")
                        .bind(to_ms(now)).bind(details["comment"].as_str().unwrap_or_default()).bind(&l.core.id).bind(&staff.user_id)
                        .execute(&mut *tx).await?;
                }
                _ => {}
            }
            let spec = self.spec_of(Incoming::NAME)?;
            let (old, new) = ((&l.snapshot as _, &l.snapshot.people[..]), (&next as _, &next.people[..]));
            write::record(&mut tx, &spec, &l.core.id, l.core.version, old, new, act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.document_for(&id, staff).await
    }
}
