//! Counters of attempts in a time window, shared by every process on the database: failed
//! logins per account, per address and per pair, and public submissions per address and per
//! phone. One upsert counts and answers the count in the same statement, so that concurrent
//! attempts each see their own number (no read-then-write gap for forty requests to slip
//! through together).

use crate::db::{Store, StoreError, now_ms};

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

    /// Take back one counted attempt (it succeeded), never below zero.
    pub async fn throttle_forgive(&self, key: &str) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            sqlx::query("UPDATE throttle SET count = count - 1 WHERE key = $1 AND count > 0").bind(key).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// Forget every attempt counted under `key`.
    pub async fn throttle_reset(&self, key: &str) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&mut *tx).await?;
            Ok(())
        })
    }
}
