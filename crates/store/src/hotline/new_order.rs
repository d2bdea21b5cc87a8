//! A new order's rows staged in a [`Batch`]: an imported order with the history it was
//! replayed through, or an order just registered (its first event only). One place says what a
//! new order is in every table, for both.

use chrono::{DateTime, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::hotline::{Channel, Snapshot};
use sanfu_domain::kernel::KindSpec;

use crate::batch::{Batch, NewEventRow, Owned, i, io, s, so};
use crate::db::to_ms;
use crate::hotline::facts;
use crate::search::IndexRow;

/// What the order's own row holds beside its snapshot.
pub(crate) struct NewOrder<'a> {
    pub(crate) id: &'a str,
    pub(crate) number: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) channel: Channel,
    pub(crate) category_id: &'a str,
    pub(crate) content: &'a str,
    pub(crate) address: Option<&'a str>,
    pub(crate) lat: Option<f64>,
    pub(crate) lng: Option<f64>,
    pub(crate) citizen_name: Option<&'a str>,
    pub(crate) citizen_phone: Option<&'a str>,
    pub(crate) confidential: bool,
    pub(crate) query_code_hash: &'a str,
    pub(crate) publish_consent: bool,
    pub(crate) repeat_of: Option<&'a str>,
    pub(crate) created_at: DateTime<Utc>,
}

/// Stage the order as `snap` has it after `events` (its whole chain, the registration first),
/// with its search rows. Warnings of deadlines due before `settled_before` count as given
/// (history does not set off alarms).
pub(crate) fn stage(
    b: &mut Batch,
    spec: &KindSpec,
    cal: &Calendar,
    settled_before: DateTime<Utc>,
    o: &NewOrder<'_>,
    snap: &Snapshot,
    events: Vec<NewEventRow>,
    search: Vec<IndexRow>,
) {
    let id = o.id;
    let last = events.last().map_or(to_ms(o.created_at), |e| e.at);
    // The kernel's columns, as its writer keeps them: the due moment the order is paced by,
    // and which of its deadlines run in its state.
    let (due, warn) = crate::kernel::write::paced(spec, snap);
    let running = spec.running(snap.state.as_str());
    b.items.push(vec![
        s(id), s(spec.name), s(o.number), s(snap.state.as_str()), i(events.len() as i64), s(o.subject),
        so(snap.lead_unit_id()), i(to_ms(o.created_at)), i(last), io(snap.closed_at.map(to_ms)),
        io(due), io(warn), i(i64::from(snap.pending_extension.is_some())),
    ]);
    b.orders.push(vec![
        s(id), s(o.channel.as_str()), s(snap.order_type.as_str()), s(snap.urgency.as_str()), s(o.category_id), s(o.content),
        so(o.address), Owned::F(o.lat), Owned::F(o.lng), so(o.citizen_name), so(o.citizen_phone),
        i(i64::from(o.confidential)), s(o.query_code_hash), so(snap.answer.clone()), so(snap.satisfaction.map(|x| x.as_str())),
        i(i64::from(snap.reopen_count)), i(i64::from(snap.extension_days)), so(o.repeat_of), i(i64::from(o.publish_consent)),
        i(to_ms(o.created_at)),
    ]);
    for (n, a) in snap.assignments.iter().enumerate() {
        b.assignments.push(vec![
            s(id), i(n as i64), s(&a.unit_id), s(a.role.as_str()), i(i64::from(a.active)), i(to_ms(a.assigned_at)),
            io(a.signed_at.map(to_ms)), so(a.outcome.clone()),
        ]);
    }
    for (k, d) in &snap.deadlines {
        let warned = if d.met_at.is_some() || d.due.at <= settled_before {
            2
        } else if d.warn_at <= settled_before {
            1
        } else {
            0
        };
        b.deadlines.push(vec![
            s(id), s(k.as_str()), i(to_ms(d.due.at)), i(i64::from(d.due.provisional)), io(d.met_at.map(to_ms)),
            i(1), i(warned), i(to_ms(d.started_at)), i(to_ms(d.warn_at)), i(i64::from(d.working)),
            i(i64::from(running.contains(&k.as_str()))),
        ]);
    }
    // The statistics facts, as the live write keeps them.
    let fixed = facts::Fixed {
        id,
        created_at: o.created_at,
        channel: o.channel.as_str(),
        category_id: o.category_id,
        is_repeat: o.repeat_of.is_some(),
    };
    b.facts.push(facts::row(&fixed, snap, cal));
    b.offset_ms = crate::hotline::rollup::offset_ms(cal.offset());
    b.chain(id, "work_order", events);
    for row in search {
        b.search(row);
    }
    b.count += 1;
}
