//! The kernel's parts of an item, written the same way for every kind.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sanfu_calendar::Deadline;
use sanfu_domain::kernel::{Assignment, AssignmentRole, DueKey, DueState, ItemView, KindSpec, Party, Person};
use sqlx::AnyConnection;

use crate::db::{StoreError, from_ms, to_ms};

/// The due date an item in its state is paced by (its queue order, its colour): the earliest
/// not yet met of that name, else the earliest of that name. (due, warn) in ms.
pub(crate) fn paced(spec: &KindSpec, item: &(dyn ItemView + Sync)) -> (Option<i64>, Option<i64>) {
    let Some(name) = spec.pace(item.state_code()) else { return (None, None) };
    let dues = item.dues();
    let of_name = || dues.iter().filter(|(k, _)| k.name == name);
    let pick = of_name().filter(|(_, d)| d.met_at.is_none()).min_by_key(|(_, d)| d.due.at).or_else(|| of_name().min_by_key(|(_, d)| d.due.at));
    match pick {
        Some((_, d)) => (Some(to_ms(d.due.at)), Some(to_ms(d.warn_at))),
        None => (None, None),
    }
}

/// A new item: its `work_items` row (version 1) and its parts.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    spec: &KindSpec,
    id: &str,
    number: &str,
    title: &str,
    item: &(dyn ItemView + Sync),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (due, warn) = paced(spec, item);
    let t = to_ms(now);
    sqlx::query(
        "INSERT INTO work_items (id, kind, number, state, version, title, lead_unit_id, created_at, updated_at, closed_at,
            due_at, warn_at, extension_pending)
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(spec.name)
    .bind(number)
    .bind(item.state_code())
    .bind(title)
    .bind(item.lead_unit_id())
    .bind(t)
    .bind(item.closed_at().map(to_ms))
    .bind(due)
    .bind(warn)
    .bind(i64::from(item.extension_pending()))
    .execute(&mut *conn)
    .await?;
    write_parts(conn, spec, id, None, item).await
}

/// The item moved from `old` (read at `version`) to `new`; [`StoreError::Raced`] if somebody
/// else moved it first.
pub(crate) async fn update(
    conn: &mut AnyConnection,
    spec: &KindSpec,
    id: &str,
    version: i64,
    old: &(dyn ItemView + Sync),
    new: &(dyn ItemView + Sync),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (due, warn) = paced(spec, new);
    let moved = sqlx::query(
        "UPDATE work_items SET state = $1, version = version + 1, lead_unit_id = $2, updated_at = $3, closed_at = $4,
                due_at = $7, warn_at = $8, extension_pending = $9
         WHERE id = $5 AND version = $6",
    )
    .bind(new.state_code())
    .bind(new.lead_unit_id())
    .bind(to_ms(now))
    .bind(new.closed_at().map(to_ms))
    .bind(id)
    .bind(version)
    .bind(due)
    .bind(warn)
    .bind(i64::from(new.extension_pending()))
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(StoreError::Raced);
    }
    write_parts(conn, spec, id, Some(old), new).await
}

async fn write_parts(
    conn: &mut AnyConnection,
    spec: &KindSpec,
    id: &str,
    old: Option<&(dyn ItemView + Sync)>,
    new: &(dyn ItemView + Sync),
) -> Result<(), StoreError> {
    let old_assignments = old.map(|o| o.assignments()).unwrap_or_default();
    for (i, a) in new.assignments().iter().enumerate() {
        if old_assignments.get(i) == Some(a) {
            continue;
        }
        // The return rate's roll-up by unit and day: out with the old, in with the new.
        if old_assignments.get(i).is_some() {
            crate::kernel::assignment_days::apply(&mut *conn, id, i as i64, -1).await?;
        }
        sqlx::query(
            "INSERT INTO assignments (work_id, idx, unit_id, role, active, assigned_at, signed_at, outcome, kind)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (work_id, idx) DO UPDATE SET role = excluded.role, active = excluded.active,
                signed_at = excluded.signed_at, outcome = excluded.outcome",
        )
        .bind(id)
        .bind(i as i64)
        .bind(&a.unit_id)
        .bind(a.role.as_str())
        .bind(i64::from(a.active))
        .bind(to_ms(a.assigned_at))
        .bind(a.signed_at.map(to_ms))
        .bind(&a.outcome)
        .bind(spec.name)
        .execute(&mut *conn)
        .await?;
        crate::kernel::assignment_days::apply(&mut *conn, id, i as i64, 1).await?;
    }
    let running = spec.running(new.state_code());
    let new_dues: BTreeMap<DueKey, DueState> = new.dues().into_iter().collect();
    let old_dues: BTreeMap<DueKey, DueState> = old.map(|o| o.dues().into_iter().collect()).unwrap_or_default();
    let state_changed = old.map(|o| o.state_code()) != Some(new.state_code());
    // Only what changed is written: an item with a year of weekly reports from three units has
    // a hundred and fifty due dates, and one report meets one of them.
    for k in old_dues.keys().filter(|k| !new_dues.contains_key(*k)) {
        sqlx::query("UPDATE deadlines SET active = 0, running = 0 WHERE work_id = $1 AND kind = $2 AND unit_id = $3 AND seq = $4")
            .bind(id)
            .bind(&k.name)
            .bind(&k.unit_id)
            .bind(i64::from(k.seq))
            .execute(&mut *conn)
            .await?;
    }
    let changed: Vec<(&DueKey, &DueState)> = new_dues.iter().filter(|(k, d)| old_dues.get(*k) != Some(*d)).collect();
    // Many rows to a statement (11 values each, well within both databases' limits); a due
    // moment that moved clears its warnings.
    for chunk in changed.chunks(50) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let b = r * 11;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, 1, 0, ${}, ${}, ${}, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO deadlines (work_id, kind, unit_id, seq, due_at, provisional, met_at, active, warned, started_at, warn_at,
                working, running)
             VALUES {}
             ON CONFLICT (work_id, kind, unit_id, seq) DO UPDATE SET
                warned = CASE WHEN excluded.due_at <> deadlines.due_at OR excluded.provisional <> deadlines.provisional
                              THEN 0 ELSE deadlines.warned END,
                due_at = excluded.due_at, provisional = excluded.provisional, met_at = excluded.met_at, active = 1,
                started_at = excluded.started_at, warn_at = excluded.warn_at, working = excluded.working, running = excluded.running",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, d) in chunk {
            q = q
                .bind(id)
                .bind(&k.name)
                .bind(&k.unit_id)
                .bind(i64::from(k.seq))
                .bind(to_ms(d.due.at))
                .bind(i64::from(d.due.provisional))
                .bind(d.met_at.map(to_ms))
                .bind(to_ms(d.started_at))
                .bind(to_ms(d.warn_at))
                .bind(i64::from(d.working))
                .bind(i64::from(running.contains(&k.name.as_str())));
        }
        q.execute(&mut *conn).await?;
    }
    if state_changed && old.is_some() && !new_dues.is_empty() {
        // Another state: which due dates run may have changed for those not written above.
        let names: Vec<String> = running.iter().map(|n| format!("'{}'", n.replace('\'', ""))).collect();
        let list = if names.is_empty() { "''".to_string() } else { names.join(", ") };
        let sql = format!("UPDATE deadlines SET running = CASE WHEN kind IN ({list}) THEN 1 ELSE 0 END WHERE work_id = $1 AND active = 1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// An item's assignments and its due dates in force, as stored.
pub(crate) async fn load_parts(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<(Vec<Assignment>, BTreeMap<DueKey, DueState>), StoreError> {
    let assignments: Vec<(String, String, i64, i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT unit_id, role, active, assigned_at, signed_at, outcome FROM assignments WHERE work_id = $1 ORDER BY idx",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let dues: Vec<(String, String, i64, i64, i64, Option<i64>, Option<i64>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT kind, unit_id, seq, due_at, provisional, met_at, started_at, warn_at, working FROM deadlines
         WHERE work_id = $1 AND active = 1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let assignments = assignments
        .into_iter()
        .map(|(unit_id, role, active, at, signed, outcome)| Assignment {
            unit_id,
            role: AssignmentRole::parse(&role).unwrap_or(AssignmentRole::Co),
            active: active == 1,
            assigned_at: from_ms(at),
            signed_at: signed.map(from_ms),
            outcome,
        })
        .collect();
    let dues = dues
        .into_iter()
        .map(|(name, unit_id, seq, due, prov, met, started, warn, working)| {
            (DueKey { name, unit_id, seq: seq.max(0) as u32 }, due_state(due, prov, met, started, warn, working))
        })
        .collect();
    Ok((assignments, dues))
}

/// A due date as stored: due, provisional, met, started, warn, working.
pub(crate) fn due_state(due: i64, prov: i64, met: Option<i64>, started: Option<i64>, warn: Option<i64>, working: i64) -> DueState {
    DueState {
        started_at: from_ms(started.unwrap_or(due)),
        due: Deadline { at: from_ms(due), provisional: prov == 1 },
        warn_at: from_ms(warn.unwrap_or(due)),
        working: working == 1,
        met_at: met.map(from_ms),
    }
}

impl crate::db::Store {
    /// After an upgrade: which due dates run, and the warning point the dashboard reads, for
    /// the items written before the kernel kept them — from each kind's own table.
    pub(crate) async fn backfill_kernel(&self) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        backfill(&mut conn, &self.kind_specs()).await
    }
}

async fn backfill(conn: &mut AnyConnection, specs: &[std::sync::Arc<KindSpec>]) -> Result<(), StoreError> {
    let unset: Option<(String,)> =
        sqlx::query_as("SELECT work_id FROM deadlines WHERE running IS NULL LIMIT 1").fetch_optional(&mut *conn).await?;
    if unset.is_none() {
        return Ok(());
    }
    for spec in specs {
        for (state, _, _) in &spec.states {
            let running: Vec<String> = spec.running(state).iter().map(|n| format!("'{n}'")).collect();
            let list = if running.is_empty() { "''".to_string() } else { running.join(", ") };
            let sql = format!(
                "UPDATE deadlines SET running = CASE WHEN active = 1 AND kind IN ({list}) THEN 1 ELSE 0 END
                 WHERE running IS NULL AND work_id IN (SELECT id FROM work_items WHERE kind = $1 AND state = $2)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(spec.name).bind(*state).execute(&mut *conn).await?;
            if let Some(pace) = spec.pace(state) {
                sqlx::query(
                    "UPDATE work_items SET warn_at = (SELECT MIN(d.warn_at) FROM deadlines d
                        WHERE d.work_id = work_items.id AND d.active = 1 AND d.kind = $3)
                     WHERE kind = $1 AND state = $2 AND warn_at IS NULL",
                )
                .bind(spec.name)
                .bind(*state)
                .bind(pace)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    sqlx::query("UPDATE deadlines SET running = 0 WHERE running IS NULL").execute(&mut *conn).await?;
    Ok(())
}

/// The people named on an item (a topic's leader in charge, a meeting's chair and members).
pub(crate) async fn load_people(conn: &mut AnyConnection, id: &str) -> Result<Vec<Person>, StoreError> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT user_id, party, outcome FROM item_people WHERE work_id = $1 ORDER BY party, user_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, party, outcome)| Some(Person { user_id, party: Party::parse(&party)?, outcome }))
        .collect())
}

/// Write the people of an item of `kind` that changed from `old` to `new`.
pub(crate) async fn write_people(
    conn: &mut AnyConnection,
    id: &str,
    kind: &str,
    old: &[Person],
    new: &[Person],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for p in old.iter().filter(|p| !new.iter().any(|q| q.user_id == p.user_id && q.party == p.party)) {
        sqlx::query("DELETE FROM item_people WHERE work_id = $1 AND user_id = $2 AND party = $3")
            .bind(id)
            .bind(&p.user_id)
            .bind(p.party.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for p in new.iter().filter(|p| !old.contains(p)) {
        sqlx::query(
            "INSERT INTO item_people (work_id, user_id, party, kind, outcome, at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (work_id, user_id, party) DO UPDATE SET outcome = excluded.outcome, at = excluded.at",
        )
        .bind(id)
        .bind(&p.user_id)
        .bind(p.party.as_str())
        .bind(kind)
        .bind(&p.outcome)
        .bind(to_ms(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One action on an item of a kind whose people are named on it, in the caller's transaction:
/// the kernel's parts moved from `old` to `new` (version checked), the people who changed, and
/// the action's event.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut AnyConnection,
    spec: &KindSpec,
    id: &str,
    version: i64,
    old: (&(dyn ItemView + Sync), &[Person]),
    new: (&(dyn ItemView + Sync), &[Person]),
    action: &str,
    details: serde_json::Value,
    actor: &sanfu_domain::Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    update(conn, spec, id, version, old.0, new.0, now).await?;
    write_people(conn, id, spec.name, old.1, new.1, now).await?;
    crate::events::append(conn, crate::events::NewEvent {
        entity_id: id, entity_kind: spec.name, action, actor,
        from_state: Some(old.0.state_code()), to_state: Some(new.0.state_code()),
        details, at: Some(to_ms(now)),
    })
    .await?;
    Ok(())
}
