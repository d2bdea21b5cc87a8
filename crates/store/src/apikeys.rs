//! API keys for machine clients (Open311 apps). The key is shown once; only its hash is kept.

use rand::RngCore;
use sanfu_domain::{Actor, DomainError};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::{Store, StoreError, from_ms, new_id, now_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub active: bool,
}

fn hash(key: &str) -> String {
    Sha256::digest(key.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// A new key for `name`; returns the key itself (shown once).
    pub async fn create_api_key(&self, name: &str, actor: &Actor) -> Result<(ApiKey, String), StoreError> {
        let name = sanfu_domain::validate::text("name", "名称", name, 100)?;
        let mut raw = [0u8; 24];
        rand::rng().fill_bytes(&mut raw);
        let key: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let id = new_id();
        let now = now_ms();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO api_keys (key_hash, id, name, created_at, active) VALUES ($1, $2, $3, $4, 1)")
                .bind(hash(&key)).bind(&id).bind(&name).bind(now)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("api_key:{id}"), entity_kind: "api_key", action: "create", actor,
                from_state: None, to_state: None, details: json!({"name": name}), at: Some(now),
            }).await?;
            Ok(())
        })?;
        Ok((ApiKey { id, name, created_at: from_ms(now), active: true }, key))
    }

    /// Every key, newest first (the keys themselves are not kept).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT id, name, created_at, active FROM api_keys ORDER BY created_at DESC").fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|(id, name, at, active)| ApiKey { id, name, created_at: from_ms(at), active: active == 1 }).collect())
    }

    /// The client a key belongs to, if the key is valid.
    pub async fn api_client(&self, key: &str) -> Result<Option<String>, StoreError> {
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM api_keys WHERE key_hash = $1 AND active = 1")
            .bind(hash(key))
            .fetch_optional(self.pool())
            .await?;
        Ok(name)
    }

    pub async fn revoke_api_key(&self, id: &str, actor: &Actor) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            let n = sqlx::query("UPDATE api_keys SET active = 0 WHERE id = $1 AND active = 1")
                .bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(DomainError::not_found("api_key_not_found", "没有这个有效的接口密钥").into());
            }
            events::append(&mut tx, NewEvent {
                entity_id: &format!("api_key:{id}"), entity_kind: "api_key", action: "revoke", actor,
                from_state: None, to_state: None, details: json!({}), at: None,
            }).await?;
            Ok(())
        })
    }
}
