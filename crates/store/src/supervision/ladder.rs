//! The office's supervision settings and the sweep's escalation ladder (催办单 → 督办通知单 →
//! yellow card → red card), each step recorded once per item and unit by a conditional insert
//! in the same transaction as its event, so a restart or a second scheduler never repeats one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_domain::kernel::CardColour;
use sanfu_domain::supervision::ladder::{self, Standing, Step};
use sanfu_domain::supervision::{Settings, Supervision};
use sanfu_domain::kernel::Kind;
use sanfu_domain::{Actor, DomainError, Principal, Role};
use serde::Serialize;
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};

const SETTINGS_KEY: &str = "supervision_settings";

/// What one run of the ladder did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LadderRun {
    pub reminders: u64,
    pub notices: u64,
    pub yellow_cards: u64,
    pub red_cards: u64,
    pub unpaid_warnings: u64,
}

impl Store {
    /// The office's supervision settings (the defaults until an administrator changes them).
    pub async fn supervision_settings(&self) -> Result<Settings, StoreError> {
        self.json_setting(SETTINGS_KEY).await
    }

    /// Change the settings (administrators and the supervision section), recorded in the log.
    pub async fn set_supervision_settings(&self, settings: Settings, actor: &Actor) -> Result<Settings, StoreError> {
        if !actor.staff().is_some_and(|s| s.has(Role::Admin) || s.has(Role::OfficeStaff)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有系统管理员或督查科可以修改督查督办设置").into());
        }
        let settings = settings.checked()?;
        self.set_json_setting(SETTINGS_KEY, &settings, "set_supervision_settings", actor).await?;
        Ok(settings)
    }

    /// Take every step of the ladder owed at `now`, and warn of funds left unpaid.
    pub async fn run_supervision_sweep(&self, now: DateTime<Utc>) -> Result<LadderRun, StoreError> {
        let settings = self.supervision_settings().await?;
        let mut run = self.run_ladder(now, &settings).await?;
        run.unpaid_warnings = self.warn_unpaid_funds(now, &settings).await?;
        Ok(run)
    }

    async fn run_ladder(&self, now: DateTime<Utc>, settings: &Settings) -> Result<LadderRun, StoreError> {
        let t = to_ms(now);
        let mut run = LadderRun::default();
        // How each unit stands on each open item: its missed reports, the lead's milestones
        // behind, and the deadline once its yellow point has passed.
        let missed: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT d.work_id, d.unit_id, COUNT(*) FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'supervision' AND d.running = 1 AND d.kind = 'report' AND d.due_at < $1
               AND (d.met_at IS NULL OR d.met_at > d.due_at)
             GROUP BY d.work_id, d.unit_id",
        )
        .bind(t)
        .fetch_all(self.pool())
        .await?;
        let behind: Vec<(String, i64)> = sqlx::query_as(
            "SELECT d.work_id, COUNT(*) FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'supervision' AND d.running = 1 AND d.kind = 'milestone' AND d.due_at < $1 AND d.met_at IS NULL
             GROUP BY d.work_id",
        )
        .bind(t)
        .fetch_all(self.pool())
        .await?;
        let near: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT d.work_id, d.warn_at, d.due_at FROM deadlines d JOIN work_items w ON w.id = d.work_id
             WHERE w.kind = 'supervision' AND d.running = 1 AND d.kind = 'deadline' AND d.met_at IS NULL AND d.warn_at <= $1",
        )
        .bind(t)
        .fetch_all(self.pool())
        .await?;
        if missed.is_empty() && behind.is_empty() && near.is_empty() {
            return Ok(run);
        }
        let leads: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>(
            "SELECT id, lead_unit_id FROM work_items WHERE kind = 'supervision' AND closed_at IS NULL AND lead_unit_id IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        let taken: std::collections::BTreeSet<(String, String, String)> = sqlx::query_as(
            "SELECT e.work_id, e.unit_id, e.step FROM supervision_escalations e JOIN work_items w ON w.id = e.work_id WHERE w.closed_at IS NULL",
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();

        let mut standing: BTreeMap<(String, String), Standing> = BTreeMap::new();
        let lead_of = |w: &str| leads.get(w).cloned();
        for (w, u, n) in missed {
            let lead = lead_of(&w).is_some_and(|l| l == u);
            standing.entry((w, u)).or_insert(Standing { lead, missed_reports: 0, milestones_behind: 0 }).missed_reports = n as u32;
        }
        for (w, n) in behind {
            if let Some(l) = lead_of(&w) {
                standing.entry((w, l)).or_insert(Standing { lead: true, missed_reports: 0, milestones_behind: 0 }).milestones_behind = n as u32;
            }
        }
        let deadlines: BTreeMap<String, (i64, i64)> = near.into_iter().map(|(w, warn, due)| (w, (warn, due))).collect();
        for w in deadlines.keys() {
            if let Some(l) = lead_of(w) {
                standing.entry((w.clone(), l)).or_insert(Standing { lead: true, missed_reports: 0, milestones_behind: 0 });
            }
        }
        let names = self.unit_names().await?;
        let system = Actor { principal: Principal::System, ip: "scheduler".into() };
        for ((work, unit), st) in standing {
            // The yellow point and the due time of an unmet deadline, as a due date's parts.
            let dl = deadlines.get(&work).map(|(warn, due)| (from_ms(*warn), from_ms(*due)));
            for step in ladder::owed(&st, dl, now, settings) {
                if taken.contains(&(work.clone(), unit.clone(), step.as_str().to_string())) {
                    continue;
                }
                let unit_name = names.get(&unit).cloned().unwrap_or_default();
                let reason = ladder::reason(step, &st);
                let done = in_tx!(self, tx => {
                    let n = sqlx::query(
                        "INSERT INTO supervision_escalations (work_id, unit_id, step, at) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (work_id, unit_id, step) DO NOTHING",
                    )
                    .bind(&work).bind(&unit).bind(step.as_str()).bind(t)
                    .execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Ok(false);
                    }
                    let (action, mut details) = match step {
                        Step::Remind | Step::Notice => (
                            if step == Step::Remind { "remind" } else { "notice" },
                            json!({ "unit_id": unit, "unit_name": unit_name, "form": step.label(), "note": reason, "auto": true }),
                        ),
                        Step::YellowCard | Step::RedCard => {
                            let colour = if step == Step::YellowCard { CardColour::Yellow } else { CardColour::Red };
                            let id = new_id();
                            sqlx::query("INSERT INTO cards (id, work_id, unit_id, colour, reason, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, 'system')")
                                .bind(&id).bind(&work).bind(&unit).bind(colour.as_str()).bind(&reason).bind(t)
                                .execute(&mut *tx).await?;
                            ("card", json!({ "card_id": id, "colour": colour.as_str(), "label": colour.label(), "unit_id": unit,
                                             "unit_name": unit_name, "reason": reason }))
                        }
                    };
                    details["auto"] = json!(true);
                    events::append(&mut tx, NewEvent {
                        entity_id: &work, entity_kind: Supervision::NAME, action, actor: &system,
                        from_state: None, to_state: None, details, at: Some(t),
                    }).await?;
                    Ok(true)
                })?;
                if done {
                    match step {
                        Step::Remind => run.reminders += 1,
                        Step::Notice => run.notices += 1,
                        Step::YellowCard => run.yellow_cards += 1,
                        Step::RedCard => run.red_cards += 1,
                    }
                }
            }
        }
        Ok(run)
    }
}
