//! Settings kept as JSON in the `settings` table: read with a default, written with their event
//! in one transaction (every change of a setting is in the log).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::db::{Store, StoreError, now_ms};
use crate::events::{self, NewEvent};

impl Store {
    /// The setting `key`, or its default when never set (or unreadable).
    pub(crate) async fn setting<T: DeserializeOwned + Default>(&self, key: &str) -> Result<T, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(self.pool()).await?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    /// Writes the setting `key` and the event `action` on `entity_id` (of `entity_kind`) with
    /// `details`, in one transaction.
    pub(crate) async fn put_setting<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        (entity_id, entity_kind, action): (&str, &str, &str),
        details: Value,
        actor: &sanfu_domain::Actor,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(value).map_err(|e| StoreError::Other(e.to_string()))?;
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(key)
                .bind(&value)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            events::append(&mut tx, NewEvent { entity_id, entity_kind, action, actor, from_state: None, to_state: None, details: details.clone(), at: None }).await?;
            Ok(())
        })
    }
}
