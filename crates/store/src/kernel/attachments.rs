//! Files attached to a step of any item — a progress report's material, a closure's evidence
//! (佐证材料) — stored in the database with the item, in the same transaction as the step, and
//! read only by those who may read the item. The type is read from the bytes and the name.

use chrono::{DateTime, Utc};
use sanfu_domain::{Actor, DomainError, ErrorKind, Staff};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::db::{Store, StoreError, from_ms, new_id, to_ms};

/// Largest file accepted, and how many one step may carry.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 5;

/// A file as received, checked by [`Attachment::check`].
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentInfo {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    /// What offices send as evidence: PDF, OFD, Word, Excel, WPS, images, plain text, or a zip
    /// of them — told by the bytes (and, among the zip-based formats, by the name).
    pub fn check(name: &str, data: Vec<u8>) -> Result<Attachment, DomainError> {
        let name: String = name.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(120).collect();
        let name = name.trim().to_string();
        if data.is_empty() {
            return Err(DomainError::invalid("invalid_attachment", format!("附件“{name}”为空")));
        }
        if data.len() > MAX_ATTACHMENT_BYTES {
            return Err(DomainError::new(ErrorKind::TooLarge, "attachment_too_large", format!("附件“{name}”超过 10 MB")));
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let content_type = if data.starts_with(b"%PDF-") {
            "application/pdf"
        } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if data.starts_with(b"PK\x03\x04") {
            match ext.as_str() {
                "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "ofd" => "application/ofd",
                "zip" => "application/zip",
                _ => return Err(DomainError::invalid("invalid_attachment", format!("附件“{name}”的类型无法识别"))),
            }
        } else if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            match ext.as_str() {
                "doc" | "wps" => "application/msword",
                "xls" | "et" => "application/vnd.ms-excel",
                _ => return Err(DomainError::invalid("invalid_attachment", format!("附件“{name}”的类型无法识别"))),
            }
        } else if ext == "txt" && std::str::from_utf8(&data).is_ok() {
            "text/plain; charset=utf-8"
        } else {
            return Err(DomainError::invalid(
                "invalid_attachment",
                format!("附件“{name}”的格式不支持：请上传 PDF、OFD、Word、Excel、图片、文本或 zip 文件"),
            ));
        };
        Ok(Attachment { name: if name.is_empty() { "附件".into() } else { name }, content_type, data })
    }

    /// Several files checked together: at most [`MAX_ATTACHMENTS`].
    pub fn check_all(files: Vec<(String, Vec<u8>)>) -> Result<Vec<Attachment>, DomainError> {
        if files.len() > MAX_ATTACHMENTS {
            return Err(DomainError::invalid("too_many_attachments", format!("每次最多上传 {MAX_ATTACHMENTS} 个附件")));
        }
        files.into_iter().map(|(n, d)| Attachment::check(&n, d)).collect()
    }
}

/// Store `files` on the item in the caller's transaction; their ids and names, for the event.
pub(crate) async fn attach_in(tx: &mut AnyConnection, work_id: &str, files: &[Attachment], actor: &Actor, now: DateTime<Utc>) -> Result<Vec<AttachmentInfo>, StoreError> {
    let mut out = Vec::new();
    for f in files {
        let id = new_id();
        sqlx::query("INSERT INTO attachments (id, work_id, name, content_type, size, data, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(work_id)
            .bind(&f.name)
            .bind(f.content_type)
            .bind(f.data.len() as i64)
            .bind(&f.data)
            .bind(to_ms(now))
            .bind(actor.staff().map(|s| s.user_id.clone()))
            .execute(&mut *tx)
            .await?;
        out.push(AttachmentInfo { id, name: f.name.clone(), content_type: f.content_type.into(), size: f.data.len() as i64, created_at: now });
    }
    Ok(out)
}

impl Store {
    /// The files on an item, oldest first (the caller has checked the reader may see it).
    pub(crate) async fn attachments_of(&self, work_id: &str) -> Result<Vec<AttachmentInfo>, StoreError> {
        let rows: Vec<(String, String, String, i64, i64)> =
            sqlx::query_as("SELECT id, name, content_type, size, created_at FROM attachments WHERE work_id = $1 ORDER BY created_at, id")
                .bind(work_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(id, name, content_type, size, at)| AttachmentInfo { id, name, content_type, size, created_at: from_ms(at) }).collect())
    }

    /// One file of an item `staff` may read: (name, type, bytes).
    pub async fn attachment(&self, key: &str, id: &str, staff: &Staff) -> Result<(String, String, Vec<u8>), StoreError> {
        let core = self.visible_core(key, staff).await?;
        let row: Option<(String, String, Vec<u8>)> = sqlx::query_as("SELECT name, content_type, data FROM attachments WHERE id = $1 AND work_id = $2")
            .bind(id)
            .bind(&core.id)
            .fetch_optional(self.pool())
            .await?;
        row.ok_or_else(|| DomainError::not_found("attachment_not_found", "附件不存在").into())
    }
}
