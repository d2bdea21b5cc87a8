//! Photos attached to an order when it is submitted (a citizen's picture of the pothole). The
//! bytes live in the database with the order, written in the registration's own transaction,
//! and are read only by those who may read the order.

use serde::Serialize;
use sanfu_domain::{DomainError, Staff};

use crate::db::{Store, StoreError, from_ms};

/// Largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// A photo as received, checked by [`Photo::check`].
#[derive(Debug, Clone)]
pub struct Photo {
    pub name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoInfo {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Photo {
    /// The type is read from the bytes, not taken from the browser's word: JPEG, PNG or WebP.
    pub fn check(name: &str, data: Vec<u8>) -> Result<Photo, DomainError> {
        if data.is_empty() {
            return Err(DomainError::invalid("invalid_photo", "照片文件为空"));
        }
        if data.len() > MAX_PHOTO_BYTES {
            return Err(DomainError::new(sanfu_domain::ErrorKind::TooLarge, "photo_too_large", "照片不能超过 5 MB"));
        }
        let content_type = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if data.len() > 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            "image/webp"
        } else {
            return Err(DomainError::invalid("invalid_photo", "照片应为 JPG、PNG 或 WebP 格式"));
        };
        let name: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
        Ok(Photo { name: if name.is_empty() { "photo".into() } else { name }, content_type, data })
    }
}

type InfoRow = (String, String, String, i64, i64);

impl Store {
    /// The photos of an order `staff` may read.
    pub async fn photos(&self, key: &str, staff: &Staff) -> Result<Vec<PhotoInfo>, StoreError> {
        let order = self.order_for(key, staff).await?;
        let rows: Vec<InfoRow> = sqlx::query_as(
            "SELECT id, name, content_type, size, created_at FROM photos WHERE work_id = $1 ORDER BY created_at, id",
        )
        .bind(&order.id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, content_type, size, at)| PhotoInfo { id, name, content_type, size, created_at: from_ms(at) })
            .collect())
    }

    /// One photo's type and bytes, for someone who may read its order.
    pub async fn photo(&self, key: &str, photo_id: &str, staff: &Staff) -> Result<(String, Vec<u8>), StoreError> {
        let order = self.order_for(key, staff).await?;
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT content_type, data FROM photos WHERE id = $1 AND work_id = $2")
                .bind(photo_id)
                .bind(&order.id)
                .fetch_optional(self.pool())
                .await?;
        row.ok_or_else(|| DomainError::not_found("photo_not_found", "没有这张照片").into())
    }
}
