//! An import's rows: each record replayed through the state machine and turned into the rows of
//! every table it touches, on every core.

use chrono::{DateTime, Utc};
use sanfu_domain::hotline::{self, Action, Channel, Satisfaction, Snapshot, State};
use sanfu_domain::{Actor, Principal, Role};
use serde_json::json;

use super::{Context, Prepared, importer_staff};
use crate::batch::{Batch, NewEventRow};
use crate::db::{Store, to_ms};
use crate::hotline::new_order::{self, NewOrder};

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
    let mut events = vec![NewEventRow {
        at: to_ms(created),
        action: "register",
        actor: register_actor,
        from: None,
        to: State::Registered.as_str(),
        details: json!({"number": number, "channel": channel.as_str(), "order_type": order_type.as_str(),
               "urgency": urgency.as_str(), "category_id": category, "confidential": r.confidential,
               "repeat_of": repeat_of, "imported": true}),
    }];
    let mut last = created;
    for (at, actor, action) in steps {
        if at < last {
            return Err(format!("时间顺序有误：{} 早于前一步", at.to_rfc3339()));
        }
        last = at;
        let out = hotline::apply(&snap, &actor, &action, at, &ctx.cal, &limits).map_err(|e| e.message)?;
        let from = snap.state.as_str();
        snap = out.snapshot;
        events.push(NewEventRow { at: to_ms(at), action: out.action, actor, from: Some(from), to: snap.state.as_str(), details: out.details });
    }
    // Searchable in the same transaction as the order.
    let text = crate::search::order_text(&subject, &content, r.address.as_deref());
    let mut search = vec![Store::index_row(&ctx.seg, &id, "order", &text)];
    if let Some(a) = snap.answer.as_deref().filter(|a| !a.is_empty()) {
        search.push(Store::index_row(&ctx.seg, &id, "answer", a));
    }
    let order = NewOrder {
        id: &id,
        number: &number,
        subject: &subject,
        channel,
        category_id: &category,
        content: &content,
        address: r.address.as_deref(),
        lat: None,
        lng: None,
        citizen_name: r.citizen_name.as_deref(),
        citizen_phone: phone.as_deref(),
        confidential: r.confidential,
        query_code_hash: "",
        publish_consent: false,
        repeat_of: repeat_of.as_deref(),
        created_at: created,
    };
    // Warnings owed before the import are settled (the order still shows yellow or red):
    // importing history must not set off a burst of alarms, only those still ahead.
    new_order::stage(b, &ctx.spec, &ctx.cal, ctx.now, &order, &snap, events, search);
    Ok(())
}
