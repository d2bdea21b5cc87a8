//! 发文 in the store: a unit's draft with every saved version kept (and any two compared), the
//! steps from 送审 to 归档, and the 发文字号 — taken at 编号 from the issuing code's series for
//! the year inside the step's own transaction, so that a failure gives it back and two
//! documents numbered at the same moment get consecutive numbers; the column is unique, so a
//! number is never given twice.

use chrono::{DateTime, Utc};
use sanfu_domain::document::outgoing::{self, Action, Outgoing, Snapshot, State};
use sanfu_domain::document::{DocType, Settings};
use sanfu_domain::kernel::{Kind, UnitRef};
use sanfu_domain::meeting::Stance;
use sanfu_domain::{Actor, DomainError, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use super::incoming::{DocActionInput, parse_type, parse_urgency};
use super::view::DocumentView;
use super::{DocRow, check_files_unclassified, not_found, staff_of};
use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::attachments::{Attachment, attach_in};
use crate::kernel::items::{Core, ITEM_DOC, load_core};
use crate::kernel::write;

/// The 发文字号's form; an administrator may set another per code (`number_format:document_number:{code}`).
const DOC_NUMBER_FORMAT: &str = "{code}〔{year}〕{n}号";

/// A draft as its unit writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OutgoingInput {
    pub title: Option<String>,
    /// 正文: paragraphs one a line; `一、` and `（一）` open headings.
    pub body: Option<String>,
    pub doc_type: Option<String>,
    pub urgency: Option<String>,
    /// 机关代字 (`江政办发`): one of the settings' codes; the first by default.
    pub code: Option<String>,
    /// 主送机关.
    pub main_to: Option<String>,
    /// 抄送机关, separated by 、 or ，.
    pub cc: Option<String>,
    /// 会签单位: ids, codes or names.
    #[serde(default)]
    pub countersigners: Vec<String>,
    /// The leader who signs it (user name or id); by default the leader in charge of the unit.
    pub signer: Option<String>,
    /// 附件 names, one a line.
    pub attachment_titles: Option<String>,
    /// What this version changed (修改说明).
    pub note: Option<String>,
    /// 密级: only none is taken.
    pub secrecy: Option<String>,
}

/// One kept version of a draft.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub title: String,
    pub body: String,
    pub note: String,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}

/// A part of the difference between two versions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DiffPart {
    /// `equal`, `insert` or `delete`.
    pub op: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub from: i64,
    pub to: i64,
    pub title: Vec<DiffPart>,
    pub body: Vec<DiffPart>,
    pub inserted_chars: usize,
    pub deleted_chars: usize,
}

pub(crate) struct Loaded {
    pub core: Core,
    pub row: DocRow,
    pub snapshot: Snapshot,
}

pub(crate) async fn load(conn: &mut AnyConnection, key: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(core) = load_core(conn, key).await? else { return Ok(None) };
    if core.kind != Outgoing::NAME {
        return Ok(None);
    }
    let row = DocRow::load(conn, &core.id).await?.ok_or_else(|| not_found(key))?;
    let people = write::load_people(conn, &core.id).await?;
    let countersigners = row
        .countersigners
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|id| UnitRef { id: id.to_string(), name: id.to_string(), kind: sanfu_domain::UnitKind::Department, parent_id: None })
        .collect();
    let snapshot = Snapshot {
        item: core.item()?,
        people,
        countersigners,
    };
    Ok(Some(Loaded { core, row, snapshot }))
}

fn cc_list(s: &str) -> String {
    s.split(['、', '，', ',', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("、")
}

/// The parts of a draft a version keeps, checked.
struct Text {
    title: String,
    body: String,
    main_to: String,
    cc: String,
    titles: String,
}

fn text_of(input: &OutgoingInput, old: Option<(&str, &DocRow)>) -> Result<Text, StoreError> {
    let pick = |new: &Option<String>, old: Option<&str>| new.clone().or_else(|| old.map(str::to_string)).unwrap_or_default();
    let title = pick(&input.title, old.map(|o| o.0));
    let body = pick(&input.body, old.map(|o| o.1.body.as_str()));
    let main_to = pick(&input.main_to, old.map(|o| o.1.main_to.as_str()));
    let cc = pick(&input.cc, old.map(|o| o.1.cc.as_str()));
    let titles = pick(&input.attachment_titles, old.map(|o| o.1.attachment_titles.as_str()));
    Ok(Text {
        title: validate::text("title", "公文标题", &title, validate::MAX_SUBJECT_CHARS)?,
        body: validate::text("body", "正文", &body, 50_000)?,
        main_to: validate::optional_text("main_to", "主送机关", Some(&main_to), 300)?.unwrap_or_default(),
        cc: cc_list(&validate::optional_text("cc", "抄送机关", Some(&cc), 500)?.unwrap_or_default()),
        titles: DocRow::list(&titles).join("\n"),
    })
}

fn diff(a: &str, b: &str) -> Vec<DiffPart> {
    let d = similar::TextDiff::from_chars(a, b);
    let mut out: Vec<DiffPart> = Vec::new();
    for c in d.iter_all_changes() {
        let op = match c.tag() {
            similar::ChangeTag::Equal => "equal",
            similar::ChangeTag::Insert => "insert",
            similar::ChangeTag::Delete => "delete",
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(c.value()),
            _ => out.push(DiffPart { op, text: c.value().to_string() }),
        }
    }
    out
}

async fn save_version(conn: &mut AnyConnection, id: &str, t: &Text, note: &str, actor: &Actor, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM document_versions WHERE work_id = $1").bind(id).fetch_one(&mut *conn).await?;
    let v = last.unwrap_or(0) + 1;
    let (by, name) = actor.staff().map(|s| (Some(s.user_id.clone()), s.name.clone())).unwrap_or((None, String::new()));
    sqlx::query("INSERT INTO document_versions (work_id, version, title, body, note, saved_by, saved_by_name, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id)
        .bind(v)
        .bind(&t.title)
        .bind(&t.body)
        .bind(note.trim())
        .bind(by)
        .bind(name)
        .bind(to_ms(now))
        .execute(&mut *conn)
        .await?;
    Ok(v)
}

impl Store {
    /// 起草: a unit's new draft, its first version kept.
    pub async fn create_outgoing(&self, input: &OutgoingInput, files: &[Attachment], actor: &Actor) -> Result<DocumentView, StoreError> {
        self.create_outgoing_at(input, files, actor, Utc::now()).await
    }

    pub(crate) async fn create_outgoing_at(&self, input: &OutgoingInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<DocumentView, StoreError> {
        let staff = staff_of(actor)?;
        let t = text_of(input, None);
        check_files_unclassified(
            input.secrecy.as_deref(),
            &[input.title.as_deref().unwrap_or_default(), input.body.as_deref().unwrap_or_default(), input.attachment_titles.as_deref().unwrap_or_default()],
            files,
        )?;
        if !staff.acts_for_unit() {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有单位的联络员或负责人可以起草公文").into());
        }
        let t = t?;
        let settings = self.document_settings().await?;
        let code = code_of(&settings, input.code.as_deref())?;
        let doc_type = parse_type(input.doc_type.as_deref(), DocType::Notice)?;
        let urgency = parse_urgency(input.urgency.as_deref())?;
        let unit = self.unit_ref(&staff.unit_id).await?;
        let mut countersigners = Vec::new();
        for u in input.countersigners.iter().filter(|u| !u.trim().is_empty()) {
            countersigners.push(self.unit_ref(u).await?);
        }
        let signer = match input.signer.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => self.leader_by(l, "签发领导").await?.0,
            None => self.charge_leader_of(&unit.id).await?.ok_or_else(|| DomainError::invalid("unknown_leader", "请选择签发领导"))?,
        };
        let snap = outgoing::draft(&unit, countersigners, &signer, now)?;
        let spec = self.spec_of(Outgoing::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let index = Store::index_row(&*self.segmenter().await?, &new_id(), ITEM_DOC, &format!("{}\n{}", t.title, t.body));
        let id = index.doc_id.clone();
        let row = DocRow {
            direction: Outgoing::NAME.into(),
            doc_type: doc_type.as_str().into(),
            urgency: urgency.as_str().into(),
            secrecy: "无".into(),
            organ: code.organ.clone(),
            code: Some(code.code.clone()),
            main_to: t.main_to.clone(),
            cc: t.cc.clone(),
            body: t.body.clone(),
            countersigners: snap.countersigners.iter().map(|u| u.id.as_str()).collect::<Vec<_>>().join(","),
            attachment_titles: t.titles.clone(),
            ..Default::default()
        };
        let files = files.to_vec();
        let note = input.note.clone().unwrap_or_else(|| "初稿".into());
        in_tx!(self, tx => {
            let number = self.number_in(&mut tx, &series, &format).await?;
            write::insert(&mut tx, &spec, &id, &number, &t.title, &snap, now).await?;
            write::write_people(&mut tx, &id, Outgoing::NAME, &[], &snap.people, now).await?;
            row.insert(&mut tx, &id).await?;
            save_version(&mut tx, &id, &t, &note, actor, now).await?;
            Store::index_in(&mut tx, &index).await?;
            let stored = attach_in(&mut tx, &id, &files, actor, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: Outgoing::NAME, action: "create", actor,
                from_state: None, to_state: Some(State::Drafting.as_str()),
                details: json!({ "number": number, "title": t.title, "code": code.code, "doc_type": doc_type.label(), "version": 1,
                                 "countersigners": snap.countersigners.iter().map(|u| json!({"id": u.id, "name": u.name})).collect::<Vec<_>>(),
                                 "signer_id": signer,
                                 "attachments": stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>() }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        self.document_for(&id, staff).await
    }

    /// 保存: a new version of the draft (the earlier ones are kept), and possibly new
    /// countersigners, signer, type or code.
    pub async fn save_outgoing(&self, key: &str, input: &OutgoingInput, files: &[Attachment], actor: &Actor) -> Result<DocumentView, StoreError> {
        self.save_outgoing_at(key, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn save_outgoing_at(&self, key: &str, input: &OutgoingInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<DocumentView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_document(key, staff).await?.id;
        check_files_unclassified(
            input.secrecy.as_deref(),
            &[input.title.as_deref().unwrap_or_default(), input.body.as_deref().unwrap_or_default(), input.attachment_titles.as_deref().unwrap_or_default()],
            files,
        )?;
        let settings = self.document_settings().await?;
        let code = match input.code.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(code_of(&settings, Some(c))?),
            None => None,
        };
        let doc_type = match input.doc_type.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(t) => Some(parse_type(Some(t), DocType::Notice)?),
            None => None,
        };
        let urgency = match input.urgency.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(u) => Some(parse_urgency(Some(u))?),
            None => None,
        };
        let countersigners = if input.countersigners.is_empty() {
            None
        } else {
            let mut v = Vec::new();
            for u in input.countersigners.iter().filter(|u| !u.trim().is_empty()) {
                v.push(self.unit_ref(u).await?);
            }
            Some(v)
        };
        let signer = match input.signer.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => Some(self.leader_by(l, "签发领导").await?.0),
            None => None,
        };
        let cal = self.calendar();
        let seg = self.segmenter().await?;
        let files = files.to_vec();
        on_fresh_load!(Outgoing::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let act = Action::Save { countersigners: countersigners.clone(), signer_id: signer.clone() };
            let (next, mut details) = outgoing::apply(&l.snapshot, actor, &act, now, &cal, &settings)?;
            let t = text_of(input, Some((&l.core.title, &l.row)))?;
            let v = save_version(&mut tx, &l.core.id, &t, input.note.as_deref().unwrap_or_default(), actor, now).await?;
            sqlx::query("UPDATE work_items SET title = $1 WHERE id = $2").bind(&t.title).bind(&l.core.id).execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE documents SET body = $1, main_to = $2, cc = $3, attachment_titles = $4, countersigners = $5,
                 doc_type = $6, urgency = $7, code = $8, organ = $9 WHERE id = $10",
            )
            .bind(&t.body).bind(&t.main_to).bind(&t.cc).bind(&t.titles)
            .bind(next.countersigners.iter().map(|u| u.id.as_str()).collect::<Vec<_>>().join(","))
            .bind(doc_type.map(|d| d.as_str().to_string()).unwrap_or(l.row.doc_type.clone()))
            .bind(urgency.map(|d| d.as_str().to_string()).unwrap_or(l.row.urgency.clone()))
            .bind(code.as_ref().map(|c| c.code.clone()).or(l.row.code.clone()))
            .bind(code.as_ref().map(|c| c.organ.clone()).unwrap_or(l.row.organ.clone()))
            .bind(&l.core.id)
            .execute(&mut *tx).await?;
            Store::index_in(&mut tx, &Store::index_row(&seg, &l.core.id, ITEM_DOC, &format!("{}\n{}", t.title, t.body))).await?;
            let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
            details["version"] = json!(v);
            details["title"] = json!(t.title);
            details["note"] = json!(input.note.clone().unwrap_or_default());
            if !stored.is_empty() {
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            let spec = self.spec_of(Outgoing::NAME)?;
            let (old, new) = ((&l.snapshot as _, &l.snapshot.people[..]), (&next as _, &next.people[..]));
            write::record(&mut tx, &spec, &l.core.id, l.core.version, old, new, "save", details, actor, now).await?;
            Ok(())
        }))?;
        self.document_for(&id, staff).await
    }

    /// One step of an outgoing document (not `save`: [`Store::save_outgoing`]).
    pub async fn act_outgoing(&self, key: &str, action: &str, input: &DocActionInput, files: &[Attachment], actor: &Actor) -> Result<DocumentView, StoreError> {
        self.act_outgoing_at(key, action, input, files, actor, Utc::now()).await
    }

    pub(crate) async fn act_outgoing_at(&self, key: &str, action: &str, input: &DocActionInput, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<DocumentView, StoreError> {
        let staff = staff_of(actor)?;
        let id = self.visible_document(key, staff).await?.id;
        check_files_unclassified(None, &[], files)?;
        let comment = || input.comment.clone().unwrap_or_default();
        let act = match action {
            "submit" => Action::Submit,
            "approve" => Action::Approve { comment: comment() },
            "countersign" => {
                let s = input.stance.as_deref().unwrap_or_default();
                let stance = Stance::parse(s).ok_or_else(|| DomainError::invalid("invalid_stance", "请选择会签意见：同意、原则同意（有修改意见）或不同意"))?;
                Action::Countersign { stance, text: input.text.clone().unwrap_or_default() }
            }
            "check" => {
                let signer = match input.leader.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    Some(l) => Some(self.leader_by(l, "签发领导").await?.0),
                    None => None,
                };
                Action::Check { comment: comment(), signer_id: signer }
            }
            "sign" => Action::Sign { comment: comment() },
            "recheck" => Action::Recheck { comment: comment() },
            "number" => Action::Number { number: String::new() },
            "print" => Action::Print { copies: input.copies.unwrap_or(0) },
            "distribute" => Action::Distribute,
            "archive" => Action::Archive,
            "return" => Action::Return { reason: input.reason.clone().unwrap_or_default() },
            "withdraw" => Action::Withdraw { reason: input.reason.clone().unwrap_or_default() },
            "save" => return Err(DomainError::invalid("unknown_action", "保存修改稿请提交标题、正文等字段到 save").into()),
            other => return Err(DomainError::invalid("unknown_action", format!("发文没有“{other}”这项操作")).into()),
        };
        let cal = self.calendar();
        let settings = self.document_settings().await?;
        let spec = self.spec_of(Outgoing::NAME)?;
        let files = files.to_vec();
        on_fresh_load!(Outgoing::NOUN, in_tx!(self, tx => {
            let l = load(&mut tx, &id).await?.ok_or_else(|| not_found(key))?;
            let mut act = act.clone();
            if let Action::Number { number } = &mut act {
                // The rules first: a document not waiting for its number takes none.
                sanfu_domain::kernel::guard::<Outgoing>(&sanfu_domain::kernel::parties_with(&l.snapshot.item.assignments, &l.snapshot.people, actor), l.snapshot.item.state, "number")?;
                *number = self.take_doc_number(&mut tx, &spec, l.row.code.as_deref().unwrap_or_default(), now).await?;
            }
            let (next, mut details) = outgoing::apply(&l.snapshot, actor, &act, now, &cal, &settings)?;
            if !files.is_empty() {
                let stored = attach_in(&mut tx, &l.core.id, &files, actor, now).await?;
                details["attachments"] = json!(stored.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>());
            }
            match &act {
                Action::Number { number } => {
                    sqlx::query("UPDATE documents SET doc_number = $1, numbered_at = $2 WHERE id = $3").bind(number).bind(to_ms(now)).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Sign { .. } => {
                    sqlx::query("UPDATE documents SET signed_by = $1, signed_at = $2, doc_date = $2 WHERE id = $3").bind(&staff.user_id).bind(to_ms(now)).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Print { copies } => {
                    sqlx::query("UPDATE documents SET copies = $1 WHERE id = $2").bind(i64::from(*copies)).bind(&l.core.id).execute(&mut *tx).await?;
                }
                Action::Distribute => {
                    details["main_to"] = json!(l.row.main_to);
                    details["cc"] = json!(l.row.cc);
                    sqlx::query("UPDATE documents SET issued_at = $1 WHERE id = $2").bind(to_ms(now)).bind(&l.core.id).execute(&mut *tx).await?;
                }
                _ => {}
            }
            let (old, new) = ((&l.snapshot as _, &l.snapshot.people[..]), (&next as _, &next.people[..]));
            write::record(&mut tx, &spec, &l.core.id, l.core.version, old, new, act.name(), details, actor, now).await?;
            Ok(())
        }))?;
        self.document_for(&id, staff).await
    }

    /// The next 发文字号 of `code` for the year, in the caller's transaction.
    async fn take_doc_number(&self, tx: &mut AnyConnection, spec: &sanfu_domain::kernel::KindSpec, code: &str, now: DateTime<Utc>) -> Result<String, StoreError> {
        let mut series = self.series(spec, code, now);
        series.kind = "document_number";
        let format: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(format!("number_format:document_number:{code}")).fetch_optional(&mut *tx).await?;
        let format = format.unwrap_or_else(|| DOC_NUMBER_FORMAT.to_string());
        self.number_in(tx, &series, &format).await
    }

    /// Every kept version of a draft, newest first.
    pub async fn document_versions(&self, key: &str, staff: &sanfu_domain::Staff) -> Result<Vec<VersionView>, StoreError> {
        let core = self.visible_document(key, staff).await?;
        let rows: Vec<(i64, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT version, title, body, note, saved_by_name, saved_at FROM document_versions WHERE work_id = $1 ORDER BY version DESC",
        )
        .bind(&core.id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(version, title, body, note, saved_by, at)| VersionView { version, title, body, note, saved_by, saved_at: from_ms(at) }).collect())
    }

    /// What changed from version `from` to version `to`, character by character.
    pub async fn compare_versions(&self, key: &str, from: i64, to: i64, staff: &sanfu_domain::Staff) -> Result<Comparison, StoreError> {
        compare(&self.document_versions(key, staff).await?, from, to)
    }
}

/// What changed from version `from` to version `to` of these versions, character by character.
pub fn compare(versions: &[VersionView], from: i64, to: i64) -> Result<Comparison, StoreError> {
    let get = |v: i64| versions.iter().find(|x| x.version == v).ok_or_else(|| StoreError::from(DomainError::not_found("version_not_found", format!("第 {v} 稿不存在"))));
    let (a, b) = (get(from)?, get(to)?);
    let body = diff(&a.body, &b.body);
    let count = |op: &str| body.iter().filter(|p| p.op == op).map(|p| p.text.chars().count()).sum();
    Ok(Comparison { from, to, title: diff(&a.title, &b.title), inserted_chars: count("insert"), deleted_chars: count("delete"), body })
}

pub(crate) fn code_of(settings: &Settings, code: Option<&str>) -> Result<sanfu_domain::document::IssuingCode, StoreError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => settings.code(c).cloned().ok_or_else(|| DomainError::invalid("unknown_issuing_code", format!("机关代字“{c}”未设置")).into()),
        None => settings.codes.first().cloned().ok_or_else(|| DomainError::invalid("unknown_issuing_code", "未设置机关代字").into()),
    }
}
