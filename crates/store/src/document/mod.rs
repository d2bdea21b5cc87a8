//! 公文 in the store: incoming documents ([`incoming`]), outgoing documents with their kept
//! versions and their numbers ([`outgoing`]), what a page shows of either and the registers
//! ([`view`]), the printable PDF ([`print`]), and the demo city's documents ([`demo`]).
//!
//! One table holds both directions' own columns (`documents`); the versions of a draft
//! (`document_versions`) and the leaders a document is circulated to (`document_readers`)
//! have their own.

mod demo;
pub mod incoming;
pub mod outgoing;
pub mod print;
pub mod view;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sanfu_domain::document::{Settings, check_unclassified};
use sanfu_domain::kernel::Kind;
use sanfu_domain::{Actor, DomainError, Role};
use sanfu_print::FontConfig;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::db::{Store, StoreError, from_ms};
use crate::kernel::attachments::Attachment;

const SETTINGS_KEY: &str = "document_settings";
const FONTS_KEY: &str = "document_fonts";

/// The office's document settings and the fonts documents print in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentConfig {
    #[serde(flatten)]
    pub settings: Settings,
    /// Font families (仿宋, 楷体, 黑体, 宋体, 小标宋) and the folders searched for them.
    #[schema(value_type = Object)]
    pub fonts: FontConfig,
}

/// The columns of `documents`, both directions'.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocRow {
    pub direction: String,
    pub doc_type: String,
    pub urgency: String,
    pub secrecy: String,
    pub organ: String,
    pub source_number: Option<String>,
    pub doc_date: Option<i64>,
    pub pages: Option<i64>,
    pub code: Option<String>,
    pub doc_number: Option<String>,
    pub main_to: String,
    pub cc: String,
    pub body: String,
    pub proposal: Option<String>,
    pub instruction: Option<String>,
    pub instruction_id: Option<String>,
    pub countersigners: String,
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
    pub copies: Option<i64>,
    pub numbered_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub attachment_titles: String,
}

pub(crate) const DOC_COLS: &str = "direction, doc_type, urgency, secrecy, organ, source_number, doc_date, pages, code, doc_number, main_to, cc, body, proposal, \
     instruction, instruction_id, countersigners, signed_by, signed_at, copies, numbered_at, issued_at, attachment_titles";

impl DocRow {
    pub(crate) async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<DocRow>, StoreError> {
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DOC_COLS} FROM documents WHERE id = $1"))).bind(id).fetch_optional(&mut *conn).await? else {
            return Ok(None);
        };
        Ok(Some(DocRow {
            direction: r.try_get(0)?,
            doc_type: r.try_get(1)?,
            urgency: r.try_get(2)?,
            secrecy: r.try_get(3)?,
            organ: r.try_get(4)?,
            source_number: r.try_get(5)?,
            doc_date: r.try_get(6)?,
            pages: r.try_get(7)?,
            code: r.try_get(8)?,
            doc_number: r.try_get(9)?,
            main_to: r.try_get(10)?,
            cc: r.try_get(11)?,
            body: r.try_get(12)?,
            proposal: r.try_get(13)?,
            instruction: r.try_get(14)?,
            instruction_id: r.try_get(15)?,
            countersigners: r.try_get(16)?,
            signed_by: r.try_get(17)?,
            signed_at: r.try_get(18)?,
            copies: r.try_get(19)?,
            numbered_at: r.try_get(20)?,
            issued_at: r.try_get(21)?,
            attachment_titles: r.try_get(22)?,
        }))
    }

    pub(crate) async fn insert(&self, conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO documents (id, {DOC_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
        )))
        .bind(id)
        .bind(&self.direction)
        .bind(&self.doc_type)
        .bind(&self.urgency)
        .bind(&self.secrecy)
        .bind(&self.organ)
        .bind(&self.source_number)
        .bind(self.doc_date)
        .bind(self.pages)
        .bind(&self.code)
        .bind(&self.doc_number)
        .bind(&self.main_to)
        .bind(&self.cc)
        .bind(&self.body)
        .bind(&self.proposal)
        .bind(&self.instruction)
        .bind(&self.instruction_id)
        .bind(&self.countersigners)
        .bind(&self.signed_by)
        .bind(self.signed_at)
        .bind(self.copies)
        .bind(self.numbered_at)
        .bind(self.issued_at)
        .bind(&self.attachment_titles)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub fn list(s: &str) -> Vec<String> {
        s.split('\n').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    pub fn date(&self) -> Option<DateTime<Utc>> {
        self.doc_date.map(from_ms)
    }
}

/// Refuse classified material before anything of it is stored: the registered 密级, the
/// title, the first lines of the text, the attachments' names and the first lines of text
/// attachments.
pub(crate) fn check_files_unclassified(secrecy: Option<&str>, texts: &[&str], files: &[Attachment]) -> Result<(), StoreError> {
    let mut all: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    for f in files {
        all.push(f.name.clone());
        if f.content_type.starts_with("text/") {
            let head: Vec<u8> = f.data.iter().take(4096).copied().collect();
            all.push(String::from_utf8_lossy(&head).into_owned());
        }
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    check_unclassified(secrecy, &refs).map_err(|e| {
        // Nothing of the document is logged either: only that one was refused, and by whom.
        tracing::warn!(code = %e.code, "拒收涉密公文");
        StoreError::from(e)
    })
}

/// The loaded printer: fonts are read from disk once per configuration.
#[derive(Default)]
pub(crate) struct PrinterSlot(std::sync::Mutex<Option<(FontConfig, Arc<sanfu_print::Printer>)>>);

/// A document that does not exist (or is not a document).
pub(crate) fn not_found(key: &str) -> StoreError {
    DomainError::not_found("document_not_found", format!("公文“{key}”不存在")).into()
}

pub(crate) use crate::kernel::staff_of;

impl Store {
    /// One step of a document of either direction: `save` (a new version of a draft) takes
    /// `draft`, every other step `input`.
    pub async fn act_document(
        &self,
        key: &str,
        action: &str,
        input: &incoming::DocActionInput,
        draft: &outgoing::OutgoingInput,
        files: &[Attachment],
        actor: &Actor,
    ) -> Result<view::DocumentView, StoreError> {
        let core = self.visible_document(key, staff_of(actor)?).await?;
        if core.kind == sanfu_domain::document::incoming::Incoming::NAME {
            self.act_incoming(&core.id, action, input, files, actor).await
        } else if action == "save" {
            self.save_outgoing(&core.id, draft, files, actor).await
        } else {
            self.act_outgoing(&core.id, action, input, files, actor).await
        }
    }

    pub async fn document_settings(&self) -> Result<Settings, StoreError> {
        self.json_setting(SETTINGS_KEY).await
    }

    pub async fn document_config(&self) -> Result<DocumentConfig, StoreError> {
        Ok(DocumentConfig { settings: self.document_settings().await?, fonts: self.json_setting(FONTS_KEY).await? })
    }

    /// Change the settings and fonts (administrators and office staff), recorded in the log. A
    /// font configuration is tried before it is kept: every family must be on the machine.
    pub async fn set_document_config(&self, config: DocumentConfig, actor: &Actor) -> Result<DocumentConfig, StoreError> {
        if !actor.staff().is_some_and(|s| s.has(Role::Admin) || s.has(Role::OfficeStaff)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有系统管理员或文电科可以修改公文设置").into());
        }
        let settings = config.settings.checked()?;
        let fonts = config.fonts.clone();
        let printer = tokio::task::spawn_blocking(move || sanfu_print::Printer::load(&fonts))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
            .map_err(|e| DomainError::invalid("invalid_fonts", e.to_string()))?;
        self.set_json_setting(SETTINGS_KEY, &settings, "set_document_settings", actor).await?;
        self.set_json_setting(FONTS_KEY, &config.fonts, "set_document_fonts", actor).await?;
        let slot = self.slots.get_or_default::<PrinterSlot>();
        if let Ok(mut g) = slot.0.lock() {
            *g = Some((config.fonts.clone(), Arc::new(printer)));
        }
        Ok(DocumentConfig { settings, fonts: config.fonts })
    }

    /// The printer for the fonts configured now, loaded on first use.
    pub(crate) async fn printer(&self) -> Result<Arc<sanfu_print::Printer>, StoreError> {
        let fonts: FontConfig = self.json_setting(FONTS_KEY).await?;
        let slot = self.slots.get_or_default::<PrinterSlot>();
        if let Ok(g) = slot.0.lock() && let Some((f, p)) = g.as_ref() && *f == fonts {
            return Ok(p.clone());
        }
        let f = fonts.clone();
        let printer = tokio::task::spawn_blocking(move || sanfu_print::Printer::load(&f))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
            .map_err(|e| DomainError::conflict("fonts_missing", e.to_string()))?;
        let printer = Arc::new(printer);
        if let Ok(mut g) = slot.0.lock() {
            *g = Some((fonts, printer.clone()));
        }
        Ok(printer)
    }
}
