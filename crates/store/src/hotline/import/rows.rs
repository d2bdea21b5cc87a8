//! An import's rows: each record replayed through the state machine and turned into the rows of
//! every table it touches, on every core.

use chrono::{DateTime, Utc};
use sanfu_domain::hotline::{self, Action, Channel, Satisfaction, Snapshot, State};
use sanfu_domain::{Actor, Principal, Role};
use serde_json::json;

use super::{Context, Prepared, importer_staff};
use crate::db::{Store, to_ms};
use crate::events::digest;
use crate::hotline::facts::responsible_unit;

/// Rows waiting to be written, per table, as owned values.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) items: Vec<Vec<Owned>>,
    pub(super) orders: Vec<Vec<Owned>>,
    pub(super) assignments: Vec<Vec<Owned>>,
    pub(super) deadlines: Vec<Vec<Owned>>,
    pub(super) facts: Vec<Vec<Owned>>,
    pub(super) events: Vec<Vec<Owned>>,
    pub(super) heads: Vec<Vec<Owned>>,
    pub(super) search: Vec<Vec<Owned>>,
    pub(super) count: usize,
}

impl Batch {
    fn append(&mut self, mut other: Batch) {
        self.items.append(&mut other.items);
        self.orders.append(&mut other.orders);
        self.assignments.append(&mut other.assignments);
        self.deadlines.append(&mut other.deadlines);
        self.facts.append(&mut other.facts);
        self.events.append(&mut other.events);
        self.heads.append(&mut other.heads);
        self.search.append(&mut other.search);
        self.count += other.count;
    }
}

#[derive(Debug, Clone)]
pub(super) enum Owned {
    S(Option<String>),
    I(Option<i64>),
    F(Option<f64>),
}

fn s(v: impl Into<String>) -> Owned {
    Owned::S(Some(v.into()))
}
fn so(v: Option<impl Into<String>>) -> Owned {
    Owned::S(v.map(Into::into))
}
fn i(v: i64) -> Owned {
    Owned::I(Some(v))
}
fn io(v: Option<i64>) -> Owned {
    Owned::I(v)
}

pub(super) const ITEM_COLS: &str = "id, kind, number, state, version, title, lead_unit_id, created_at, updated_at, closed_at, due_at, warn_at, extension_pending";
pub(super) const ORDER_COLS: &str = "id, channel, order_type, urgency, category_id, content, address, lat, lng, citizen_name, citizen_phone, confidential, query_code_hash, answer, satisfaction, reopen_count, extension_days, repeat_of, created_at";
pub(super) const ASSIGN_COLS: &str = "work_id, idx, unit_id, role, active, assigned_at, signed_at, outcome";
pub(super) const DEADLINE_COLS: &str = "work_id, kind, due_at, provisional, met_at, active, warned, started_at, warn_at, working, running";
pub(super) const FACT_COLS: &str = "id, unit_id, created_at, channel, order_type, category_id, state, dispatched_at, sign_due, signed_at, answer_due, answered_at, close_due, closed_at, satisfaction, reopen_count, is_repeat, escalated, handling_minutes";
pub(super) const EVENT_COLS: &str = "entity_id, seq, entity_kind, at, action, actor_id, actor_name, actor_role, actor_unit_id, ip, from_state, to_state, details, prev_hash, hash";
pub(super) const HEAD_COLS: &str = "entity_id, seq, last_hash";

/// Replay a batch's records on every core; the rows in the records' order, and the refused
/// ones with their lines.
pub(super) fn stage_all(ctx: &Context, queue: Vec<Prepared>) -> (Batch, Vec<(usize, String)>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let per = queue.len().div_ceil(threads).max(64);
    let mut chunks: Vec<Vec<Prepared>> = Vec::new();
    let mut rest = queue.into_iter();
    loop {
        let chunk: Vec<Prepared> = rest.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let parts: Vec<(Batch, Vec<(usize, String)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut b = Batch::default();
                    let mut errors = Vec::new();
                    for p in chunk {
                        let line = p.line;
                        if let Err(e) = stage(ctx, p, &mut b) {
                            errors.push((line, e));
                        }
                    }
                    (b, errors)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut batch = Batch::default();
    let mut errors = Vec::new();
    for (b, e) in parts {
        batch.append(b);
        errors.extend(e);
    }
    (batch, errors)
}


/// Replay one record through the state machine at its recorded moments and stage its rows.
fn stage(ctx: &Context, p: Prepared, b: &mut Batch) -> Result<(), String> {
    let Prepared { rec, id, number, channel, order_type, urgency, category, content, subject, phone, repeat_of, .. } = p;
    let r = &rec;
    let limits = ctx.limits.get(&(order_type, urgency)).copied().unwrap_or_else(|| hotline::default_limits(order_type, urgency));
    let created = r.created_at;
        let mut snap = Snapshot::new(order_type, urgency, created);
        let mut steps: Vec<(DateTime<Utc>, Actor, Action)> = Vec::new();
        if let Some(at) = r.dispatched_at {
            let key = r.unit.as_deref().ok_or("有派单时间但没有承办单位")?;
            let lead = ctx.units.get(key).cloned().ok_or_else(|| format!("单位“{key}”不存在"))?;
            let unit_actor = importer_staff(&lead.id, &lead.name, vec![Role::UnitLiaison]);
            steps.push((at, ctx.centre.clone(), Action::Dispatch { lead, co: vec![], answer_due: None, note: None }));
            if let Some(at) = r.signed_at {
                steps.push((at, unit_actor.clone(), Action::Sign));
            }
            if let Some(at) = r.answered_at {
                let text = r.answer.clone().unwrap_or_else(|| "已办理。".into());
                steps.push((at, unit_actor, Action::Answer { text, review: false }));
                if let Some(reviewed) = r.reviewed_at.or(r.closed_at) {
                    steps.push((reviewed, ctx.centre.clone(), Action::Review { pass: true, comment: None }));
                }
                if let Some(closed) = r.closed_at {
                    let satisfaction = match r.satisfaction.as_deref() {
                        None | Some("") => Satisfaction::Satisfied,
                        Some(x) => Satisfaction::parse(x).ok_or_else(|| format!("评价“{x}”不存在"))?,
                    };
                    steps.push((closed, ctx.centre.clone(), Action::Callback { satisfaction, comment: None, reopen: Some(false) }));
                }
            }
        } else if let Some(closed) = r.closed_at {
            let answer = r.answer.clone().unwrap_or_else(|| "已直接答复。".into());
            steps.push((closed, ctx.centre.clone(), Action::CloseDirectly { answer, knowledge_id: None }));
        }
        // Replay.
        let register_actor = if channel == Channel::Web { Actor { principal: Principal::Citizen, ip: "import".into() } } else { ctx.centre.clone() };
        let mut events: Vec<(i64, &'static str, Actor, Option<&'static str>, &'static str, serde_json::Value)> = vec![(
            to_ms(created),
            "register",
            register_actor,
            None,
            State::Registered.as_str(),
            json!({"number": number, "channel": channel.as_str(), "order_type": order_type.as_str(),
                   "urgency": urgency.as_str(), "category_id": category, "confidential": r.confidential,
                   "repeat_of": repeat_of, "imported": true}),
        )];
        let mut last = created;
        for (at, actor, action) in steps {
            if at < last {
                return Err(format!("时间顺序有误：{} 早于前一步", at.to_rfc3339()));
            }
            last = at;
            let out = hotline::apply(&snap, &actor, &action, at, &ctx.cal, &limits).map_err(|e| e.message)?;
            let from = snap.state.as_str();
            snap = out.snapshot;
            events.push((to_ms(at), out.action, actor, Some(from), snap.state.as_str(), out.details));
        }
        // Stage rows.
        // The kernel's columns, as its writer keeps them: the due moment the order is paced by,
        // and which of its deadlines run in its state.
        let (due, warn) = crate::kernel::write::paced(&ctx.spec, &snap);
        let running = ctx.spec.running(snap.state.as_str());
        b.items.push(vec![
            s(&id), s("work_order"), s(&number), s(snap.state.as_str()), i(events.len() as i64), s(&subject),
            so(snap.lead_unit_id()), i(to_ms(created)), i(to_ms(last)), io(snap.closed_at.map(to_ms)),
            io(due), io(warn), i(i64::from(snap.pending_extension.is_some())),
        ]);
        b.orders.push(vec![
            s(&id), s(channel.as_str()), s(order_type.as_str()), s(urgency.as_str()), s(&category), s(&content),
            so(r.address.clone()), Owned::F(None), Owned::F(None), so(r.citizen_name.clone()), so(phone.clone()),
            i(i64::from(r.confidential)), s(""), so(snap.answer.clone()), so(snap.satisfaction.map(|x| x.as_str())),
            i(i64::from(snap.reopen_count)), i(0), so(repeat_of.clone()), i(to_ms(created)),
        ]);
        for (n, a) in snap.assignments.iter().enumerate() {
            b.assignments.push(vec![
                s(&id), i(n as i64), s(&a.unit_id), s(a.role.as_str()), i(i64::from(a.active)), i(to_ms(a.assigned_at)),
                io(a.signed_at.map(to_ms)), so(a.outcome.clone()),
            ]);
        }
        for (k, d) in &snap.deadlines {
            // Warnings owed before the import are settled (the order still shows yellow or red):
            // importing history must not set off a burst of alarms, only those still ahead.
            let warned = if d.met_at.is_some() || d.due.at <= ctx.now {
                2
            } else if d.warn_at <= ctx.now {
                1
            } else {
                0
            };
            b.deadlines.push(vec![
                s(&id), s(k.as_str()), i(to_ms(d.due.at)), i(i64::from(d.due.provisional)), io(d.met_at.map(to_ms)),
                i(1), i(warned), i(to_ms(d.started_at)), i(to_ms(d.warn_at)), i(i64::from(d.working)),
                i(i64::from(running.contains(&k.as_str()))),
            ]);
        }
        let dl = |k| snap.deadlines.get(&k);
        use hotline::DeadlineKind as K;
        let dispatched_at = snap.assignments.iter().map(|a| a.assigned_at).min();
        let answered_at = dl(K::Answer).and_then(|d| d.met_at);
        let handling = match (dispatched_at, answered_at) {
            (Some(a), Some(z)) => Some(ctx.cal.working_minutes_between(a, z).0),
            _ => None,
        };
        b.facts.push(vec![
            s(&id), so(responsible_unit(&snap)), i(to_ms(created)), s(channel.as_str()), s(order_type.as_str()), s(&category),
            s(snap.state.as_str()), io(dispatched_at.map(to_ms)), io(dl(K::Sign).map(|d| to_ms(d.due.at))),
            io(dl(K::Sign).and_then(|d| d.met_at).map(to_ms)), io(dl(K::Answer).map(|d| to_ms(d.due.at))),
            io(answered_at.map(to_ms)), io(dl(K::Close).map(|d| to_ms(d.due.at))),
            io(snap.closed_at.filter(|_| snap.state == State::Closed).map(to_ms)),
            so(snap.satisfaction.map(|x| x.as_str())), i(i64::from(snap.reopen_count)), i(i64::from(repeat_of.is_some())),
            i(0), io(handling),
        ]);
        let mut prev = String::new();
        for (seq, (at, action, actor, from, to, details)) in events.iter().enumerate() {
            let seq = seq as i64 + 1;
            let details = details.to_string();
            let who = actor.user_id().map(str::to_string);
            let hash = digest(&prev, &id, seq, *at, action, who.as_deref().unwrap_or(actor.role_str()), &details);
            b.events.push(vec![
                s(&id), i(seq), s("work_order"), i(*at), s(*action), so(who), s(actor.display_name()), s(actor.role_str()),
                so(actor.unit_id()), s(&actor.ip), so(*from), s(*to), s(details), s(&prev), s(&hash),
            ]);
            prev = hash;
        }
        b.heads.push(vec![s(&id), i(events.len() as i64), s(prev)]);
        // Searchable in the same transaction as the order.
        let text = crate::search::order_text(&subject, &content, r.address.as_deref());
        let mut rows = vec![Store::index_row(&ctx.seg, &id, "order", &text)];
        if let Some(a) = snap.answer.as_deref().filter(|a| !a.is_empty()) {
            rows.push(Store::index_row(&ctx.seg, &id, "answer", a));
        }
        for row in rows.into_iter().filter(|r| !r.terms.is_empty()) {
            b.search.push(vec![s(row.doc_id), s(row.kind), s(row.terms)]);
        }
        b.count += 1;
    Ok(())
}
