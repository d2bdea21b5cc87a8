//! One row per order with what statistics need (`order_facts`), rewritten in the same
//! transaction as every change of the order, so that statistics never disagree with the orders
//! and a month of a large unit is one indexed range scan.

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::hotline::{AssignmentRole, DeadlineKind, Snapshot};
use sqlx::AnyConnection;

use crate::batch::{Owned, bind, i, io, s as s_, so};
use crate::db::{StoreError, to_ms};

/// What does not change over an order's life.
pub(crate) struct Fixed<'a> {
    pub id: &'a str,
    pub created_at: DateTime<Utc>,
    pub channel: &'a str,
    pub category_id: &'a str,
    pub is_repeat: bool,
}

/// The unit answerable for the order: the current lead, else the last lead that neither
/// returned nor forwarded it.
pub(crate) fn responsible_unit(s: &Snapshot) -> Option<&str> {
    s.lead_unit_id().or_else(|| {
        s.assignments
            .iter()
            .rev()
            .find(|a| a.role == AssignmentRole::Lead && a.outcome.is_none())
            .map(|a| a.unit_id.as_str())
    })
}

/// The facts row of an order as `s` has it, in the order of [`crate::batch::FACT_COLS`]: what
/// the live write upserts and what a new order's rows stage.
pub(crate) fn row(f: &Fixed<'_>, s: &Snapshot, cal: &Calendar) -> Vec<Owned> {
    let dl = |k: DeadlineKind| s.deadlines.get(&k);
    let dispatched_at = s.assignments.iter().filter(|a| a.role != AssignmentRole::Co).map(|a| a.assigned_at).min();
    let answered_at = dl(DeadlineKind::Answer).and_then(|d| d.met_at);
    let handling_minutes = match (dispatched_at, answered_at) {
        (Some(a), Some(b)) => Some(cal.working_minutes_between(a, b).0),
        _ => None,
    };
    vec![
        s_(f.id), so(responsible_unit(s)), i(to_ms(f.created_at)), s_(f.channel), s_(s.order_type.as_str()), s_(f.category_id),
        s_(s.state.as_str()), io(dispatched_at.map(to_ms)), io(dl(DeadlineKind::Sign).map(|d| to_ms(d.due.at))),
        io(dl(DeadlineKind::Sign).and_then(|d| d.met_at).map(to_ms)), io(dl(DeadlineKind::Answer).map(|d| to_ms(d.due.at))),
        io(answered_at.map(to_ms)), io(dl(DeadlineKind::Close).map(|d| to_ms(d.due.at))),
        io(s.closed_at.filter(|_| s.state == sanfu_domain::hotline::State::Closed).map(to_ms)),
        so(s.satisfaction.map(|x| x.as_str())), i(i64::from(s.reopen_count)), i(i64::from(f.is_repeat)), i(i64::from(s.escalated)),
        io(handling_minutes),
    ]
}

pub(crate) async fn write(conn: &mut AnyConnection, f: &Fixed<'_>, s: &Snapshot, cal: &Calendar) -> Result<(), StoreError> {
    // The order's day loses what the row counted for and gains what it counts for now.
    let off = crate::hotline::rollup::offset_ms(cal.offset());
    crate::hotline::rollup::apply(&mut *conn, f.id, -1, off).await?;
    let row = row(f, s, cal);
    let mut q = sqlx::query(
        "INSERT INTO order_facts (id, unit_id, created_at, channel, order_type, category_id, state, dispatched_at,
            sign_due, signed_at, answer_due, answered_at, close_due, closed_at, satisfaction, reopen_count,
            is_repeat, escalated, handling_minutes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, state = excluded.state,
            dispatched_at = excluded.dispatched_at, sign_due = excluded.sign_due, signed_at = excluded.signed_at,
            answer_due = excluded.answer_due, answered_at = excluded.answered_at, close_due = excluded.close_due,
            closed_at = excluded.closed_at, satisfaction = excluded.satisfaction, reopen_count = excluded.reopen_count,
            escalated = excluded.escalated, handling_minutes = excluded.handling_minutes",
    );
    for v in &row {
        q = bind(q, v);
    }
    q.execute(&mut *conn).await?;
    crate::hotline::rollup::apply(&mut *conn, f.id, 1, off).await?;
    Ok(())
}
