//! Due dates that act, for every kind of work: a yellow warning when most of the time is used
//! (80% by default), a red one when the due date has passed — for each due date that runs in
//! its item's state, as the item's kind declares (`deadlines.running`, kept by the kernel).
//!
//! The state lives in `deadlines.warned` (0 none, 1 yellow, 2 red), changed by a conditional
//! update in the same transaction as the warning's event. So a run after a restart, or after
//! the server was down for a day, finds exactly the warnings that are owed and no others, and
//! two schedulers running at once cannot both record the same warning. A deadline that passed
//! while nobody was looking gets its red warning only (the yellow one is moot by then).

use chrono::{DateTime, Utc};
use sanfu_domain::{Actor, Principal};
use serde::Serialize;
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, to_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WarningRun {
    pub yellow: u64,
    pub red: u64,
}

impl Store {
    /// Record every warning owed at `now`. Returns how many of each colour were recorded.
    pub async fn run_warnings(&self, now: DateTime<Utc>) -> Result<WarningRun, StoreError> {
        let mut run = WarningRun::default();
        let system = Actor { principal: Principal::System, ip: "scheduler".into() };
        let t = to_ms(now);
        loop {
            let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
                "SELECT d.work_id, w.kind, d.kind, d.unit_id, d.seq, d.due_at FROM deadlines d JOIN work_items w ON w.id = d.work_id
                 WHERE d.running = 1 AND d.met_at IS NULL AND d.warned < 2
                   AND ((d.warned = 0 AND d.warn_at <= $1) OR d.due_at <= $1)
                 ORDER BY d.due_at LIMIT 500",
            )
            .bind(t)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut progressed = false;
            for (work_id, item_kind, kind, unit_id, seq, due_at) in rows {
                let level: i64 = if due_at <= t { 2 } else { 1 };
                let spec = self.kind_spec(&item_kind);
                let label = spec.as_ref().map(|s| s.due_label(&kind)).unwrap_or("时限");
                let mut details = json!({
                    "deadline": kind, "label": label,
                    "level": if level == 2 { "red" } else { "yellow" },
                    "due_at": from_ms(due_at),
                });
                if !unit_id.is_empty() {
                    details["unit_id"] = json!(unit_id);
                    details["seq"] = json!(seq);
                }
                let done = in_tx!(self, tx => {
                    let n = sqlx::query(
                        "UPDATE deadlines SET warned = $1 WHERE work_id = $2 AND kind = $3 AND unit_id = $4 AND seq = $5
                           AND warned < $1 AND running = 1 AND met_at IS NULL",
                    )
                    .bind(level).bind(&work_id).bind(&kind).bind(&unit_id).bind(seq)
                    .execute(&mut *tx).await?.rows_affected();
                    if n == 1 {
                        events::append(&mut tx, NewEvent {
                            entity_id: &work_id, entity_kind: &item_kind, action: "warning", actor: &system,
                            from_state: None, to_state: None,
                            details: details.clone(),
                            at: Some(t),
                        }).await?;
                    }
                    Ok(n == 1)
                })?;
                if done {
                    progressed = true;
                    if level == 2 {
                        run.red += 1;
                    } else {
                        run.yellow += 1;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        Ok(run)
    }
}
