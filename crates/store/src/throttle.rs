//! Counters of attempts in a time window, shared by every process on the database: failed
//! logins per account, per address and per pair, and public submissions per address and per
//! phone. One upsert counts and answers the count in the same statement, so that concurrent
//! attempts each see their own number (no read-then-write gap for forty requests to slip
//! through together).

use sanfu_domain::{Actor, DomainError};
use serde::{Deserialize, Serialize};

use crate::db::{Store, StoreError, now_ms};
use crate::events::{self, NewEvent};

/// How much the public may submit, per hour: administrators set it (系统管理 · 公众提交).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicLimits {
    /// Submissions from one address.
    pub per_address: i64,
    /// Submissions with photos from one address.
    pub per_address_photos: i64,
    /// Submissions naming one phone number.
    pub per_phone: i64,
    /// Submissions from one address after which the form asks a question.
    pub challenge_after: i64,
}

impl Default for PublicLimits {
    fn default() -> Self {
        PublicLimits { per_address: 30, per_address_photos: 10, per_phone: 10, challenge_after: 5 }
    }
}

/// How long an idempotency key may stay claimed without a number before a retry may take it.
/// The claim only spares a concurrent duplicate the work: whichever registration writes the
/// key's number first (in its own transaction) wins and the other is rolled back, so a retry
/// that takes the claim of a request still running can never file twice. Short, then, so that a
/// request cut off by a server's crash or a database failover holds its client up for seconds,
/// not minutes.
const STALE_CLAIM_MS: i64 = 5 * 1000;

/// A one-time key as the `idempotency` table keeps it (at most 200 characters).
pub(crate) fn stored_key(key: &str) -> String {
    key.chars().take(200).collect()
}

impl Store {
    /// Count one more attempt under each key, in one transaction, and return the counts
    /// (this attempt included) in the window of `window_ms` that each key is in.
    pub async fn throttle_hit(&self, keys: &[String], window_ms: i64) -> Result<Vec<i64>, StoreError> {
        let now = now_ms();
        let counts = in_tx!(self, tx => {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                let n: i64 = sqlx::query_scalar(
                    "INSERT INTO throttle (key, count, window_start) VALUES ($1, 1, $2)
                     ON CONFLICT (key) DO UPDATE SET
                        count = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.count + 1 END,
                        window_start = CASE WHEN throttle.window_start <= $3 THEN $2 ELSE throttle.window_start END
                     RETURNING count",
                )
                .bind(k).bind(now).bind(now - window_ms)
                .fetch_one(&mut *tx).await?;
                out.push(n);
            }
            Ok(out)
        })?;
        // Now and then, forget windows long past (a row is a few dozen bytes).
        if rand::random::<u8>() == 0 {
            let _ = sqlx::query("DELETE FROM throttle WHERE window_start < $1").bind(now - 86_400_000).execute(self.pool()).await;
        }
        Ok(counts)
    }

    /// An attempt succeeded: forget every attempt counted under `reset`, and take back the one
    /// counted under `forgive` (never below zero) — in one transaction.
    pub async fn throttle_settle(&self, reset: &[String], forgive: &str) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            for key in reset {
                sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE throttle SET count = count - 1 WHERE key = $1 AND count > 0").bind(forgive).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// The attempts counted under `key` in its current window, without counting one more.
    pub async fn throttle_peek(&self, key: &str, window_ms: i64) -> Result<i64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar("SELECT count FROM throttle WHERE key = $1 AND window_start > $2")
            .bind(key)
            .bind(now_ms() - window_ms)
            .fetch_optional(self.pool())
            .await?;
        Ok(n.unwrap_or(0))
    }

    /// Claim a one-time key for a submission. `None`: claimed now, go ahead. `Some(number)`:
    /// used before — by the order `number`, or (`None` inside) by a submission still running.
    pub async fn claim_once(&self, key: &str) -> Result<Option<Option<String>>, StoreError> {
        let key = stored_key(key);
        let now = now_ms();
        let claimed = in_tx!(self, tx => {
            let n = sqlx::query("INSERT INTO idempotency (key, number, created_at) VALUES ($1, NULL, $2) ON CONFLICT (key) DO NOTHING")
                .bind(&key).bind(now).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                return Ok(true);
            }
            // A claim without a number filed nothing (the registration settles its key in its
            // own transaction): one left for five seconds belonged to a request that died with
            // a crash or was cut off by a failover, and the client's retry may take it.
            let stale = sqlx::query("UPDATE idempotency SET created_at = $1 WHERE key = $2 AND number IS NULL AND created_at < $3")
                .bind(now).bind(&key).bind(now - STALE_CLAIM_MS).execute(&mut *tx).await?.rows_affected();
            Ok(stale == 1)
        })?;
        if claimed {
            if rand::random::<u8>() == 0 {
                let _ = sqlx::query("DELETE FROM idempotency WHERE created_at < $1").bind(now - 7 * 86_400_000).execute(self.pool()).await;
            }
            return Ok(None);
        }
        let number: Option<String> = sqlx::query_scalar("SELECT number FROM idempotency WHERE key = $1").bind(&key).fetch_one(self.pool()).await?;
        Ok(Some(number))
    }

    /// Give a key back (the submission was refused and may be corrected and sent again).
    pub async fn release_once(&self, key: &str) -> Result<(), StoreError> {
        let key = stored_key(key);
        in_tx!(self, tx => {
            sqlx::query("DELETE FROM idempotency WHERE key = $1 AND number IS NULL").bind(&key).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// A secret of this installation, made on first use and kept in the database (so that every
    /// server of the city shares it): signs the public form's challenges.
    pub async fn form_secret(&self) -> Result<String, StoreError> {
        if let Some(s) = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = 'form_secret'").fetch_optional(self.pool()).await? {
            return Ok(s);
        }
        let mut raw = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
        let fresh: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('form_secret', $1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(&fresh).bind(now_ms()).execute(&mut *tx).await?;
            Ok(())
        })?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'form_secret'").fetch_one(self.pool()).await?)
    }

    pub async fn public_limits(&self) -> Result<PublicLimits, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'public_limits'").fetch_optional(self.pool()).await?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    pub async fn set_public_limits(&self, l: PublicLimits, actor: &Actor) -> Result<PublicLimits, StoreError> {
        for (v, what) in [(l.per_address, "每个地址每小时提交数"), (l.per_address_photos, "每个地址每小时带照片提交数"), (l.per_phone, "每个电话每小时提交数"), (l.challenge_after, "出现验证问题前的提交数")] {
            if !(1..=10_000).contains(&v) {
                return Err(DomainError::invalid("invalid_public_limits", format!("{what}应在 1 到 10000 之间")).into());
            }
        }
        let value = serde_json::to_string(&l).map_err(|e| StoreError::Other(e.to_string()))?;
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('public_limits', $1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(&value).bind(now_ms()).execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: "settings", entity_kind: "settings", action: "set_public_limits", actor,
                from_state: None, to_state: None, details: serde_json::json!(l), at: None,
            }).await?;
            Ok(())
        })?;
        Ok(l)
    }
}
