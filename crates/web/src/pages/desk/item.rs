//! Any item of any kind, as its kernel parts: the page of a kind that has no page of its own,
//! and the parts every item page shows — the items linked to it and the cards shown to its
//! units, with the forms that add them.

use crate::pages::desk::prelude::*;
use sanfu_domain::kernel::{Card, CardColour, LinkKind, may_link, may_sanction, parties};
use sanfu_store::kernel::items::{AssignmentView, ItemDetail, LinkView};

pub struct AssignmentRow {
    pub unit: String,
    pub role: &'static str,
    pub active: bool,
    pub assigned: String,
    pub signed: String,
}

pub struct Step {
    pub when: String,
    pub who: String,
    pub what: String,
    pub detail: String,
    pub warn: bool,
}

pub struct DueRow {
    pub label: &'static str,
    pub unit: String,
    pub seq: u32,
    pub due: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub met: String,
}

impl DueRow {
    /// A due date as the item's page shows it.
    pub(crate) fn of(x: &sanfu_store::kernel::items::DueView, off: FixedOffset) -> DueRow {
        DueRow {
            label: x.label,
            unit: x.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            seq: x.seq,
            due: fmt_time(x.due_at, off),
            level: x.level,
            level_label: level_label(x.level),
            met: x.met_at.map(|m| fmt_time(m, off)).unwrap_or_default(),
        }
    }
}

pub struct LinkRow {
    pub label: &'static str,
    pub href: String,
    pub number: String,
    pub title: String,
    pub state: &'static str,
}

pub struct CardRow {
    pub id: String,
    pub colour: &'static str,
    pub colour_label: &'static str,
    pub unit: String,
    pub reason: String,
    pub by: String,
    pub issued: String,
    pub revoked: String,
    pub revoke_reason: String,
}

pub struct UnitChoice {
    pub id: String,
    pub name: String,
}

/// The links and cards of one item, and whether this reader may add to them.
pub struct ItemParts {
    pub number: String,
    pub csrf: String,
    pub links: Vec<LinkRow>,
    pub cards: Vec<CardRow>,
    /// The units the item was handed to: those a card may be shown to.
    pub units: Vec<UnitChoice>,
    pub sanction: bool,
    pub link: bool,
}

/// Where an item's page is: the kind's own page where it has one.
pub(crate) fn href(kind: &str, number: &str) -> String {
    match kind {
        "work_order" => format!("/orders/{number}"),
        "supervision" => format!("/supervision/{number}"),
        "instruction" => format!("/instructions/{number}"),
        "topic" => format!("/topics/{number}"),
        "incoming" | "outgoing" => format!("/documents/{number}"),
        "meeting" => format!("/meetings/{number}"),
        "info" => format!("/info/{number}"),
        "bulletin" => format!("/bulletins/{number}"),
        "info_request" => format!("/info/requests/{number}"),
        "rectification" => format!("/party/rectifications/{number}"),
        "project" => format!("/party/projects/{number}"),
        _ => format!("/items/{number}"),
    }
}

pub(crate) fn assignment_rows(list: &[AssignmentView], off: FixedOffset) -> Vec<AssignmentRow> {
    list.iter()
        .map(|a| AssignmentRow {
            unit: a.unit.name.clone(),
            role: a.role_label,
            active: a.active,
            assigned: fmt_time(a.assigned_at, off),
            signed: a.signed_at.map(|s| fmt_time(s, off)).unwrap_or_default(),
        })
        .collect()
}

pub(crate) async fn parts(st: &AppState, d: &Desk, number: &str, links: &[LinkView], cards: &[Card], assignments: &[AssignmentView]) -> Result<ItemParts, PageError> {
    let off = off(st);
    let names = st.store.units().await?;
    let name_of = |id: &str| names.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    // Cards and links need a role, not a part in the item: the server checks again.
    let have = parties(&[], &d.actor);
    let mut units: Vec<UnitChoice> = Vec::new();
    for a in assignments {
        if !units.iter().any(|u| u.id == a.unit.id) {
            units.push(UnitChoice { id: a.unit.id.clone(), name: a.unit.name.clone() });
        }
    }
    Ok(ItemParts {
        number: number.to_string(),
        csrf: d.csrf.clone(),
        links: links
            .iter()
            .map(|l| LinkRow {
                label: l.label,
                href: href(l.item.kind, &l.item.number),
                number: l.item.number.clone(),
                title: l.item.title.clone(),
                state: l.item.state_label,
            })
            .collect(),
        cards: cards
            .iter()
            .map(|c| CardRow {
                id: c.id.clone(),
                colour: c.colour.as_str(),
                colour_label: c.colour_label,
                unit: name_of(&c.unit_id),
                reason: c.reason.clone(),
                by: c.issued_by_name.clone(),
                issued: fmt_time(c.issued_at, off),
                revoked: c.revoked_at.map(|t| fmt_time(t, off)).unwrap_or_default(),
                revoke_reason: c.revoke_reason.clone().unwrap_or_default(),
            })
            .collect(),
        sanction: may_sanction(&have) && !units.is_empty(),
        link: may_link(&have),
        units,
    })
}

/// What the timeline says of the events the kernel records for every kind.
pub(crate) fn kernel_detail(e: &Event) -> Option<String> {
    let d = &e.details;
    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
    Some(match e.action.as_str() {
        "warning" => format!("{}{}", s("label"), if s("level") == "red" { "已超期（红牌）" } else { "即将到期（黄牌）" }),
        "link" => format!("{}：{}", s("label"), s("other_number")),
        "card" => format!("{}：{}，{}", s("label"), s("unit_name"), s("reason")),
        "card_revoked" => format!("理由：{}", s("reason")),
        _ => return None,
    })
}

/// The timeline of an item: each event as the page says it. `own` words the events the kernel
/// does not know (a kind's own actions).
pub(crate) fn steps(events: &[Event], spec: Option<&sanfu_domain::kernel::KindSpec>, off: FixedOffset, own: impl Fn(&Event) -> String) -> Vec<Step> {
    // In the order things happened (an import or a late-running sweep records earlier moments
    // after later ones; the chain keeps the order they were written in).
    let mut events: Vec<&Event> = events.iter().collect();
    events.sort_by_key(|e| e.at);
    events
        .into_iter()
        .map(|e| Step {
            when: fmt_time(e.at, off),
            who: if e.actor_role == "system" { "系统".into() } else { e.actor_name.clone() },
            what: spec.map(|k| k.event_label(&e.action)).unwrap_or("操作").to_string(),
            detail: kernel_detail(e).unwrap_or_else(|| own(e)),
            warn: matches!(e.action.as_str(), "warning" | "remind" | "notice" | "card" | "funds_warning"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    nav: Nav,
    flash: Flash,
    item: ItemDetail,
    created: String,
    dues: Vec<DueRow>,
    assignments: Vec<AssignmentRow>,
    timeline: Vec<Step>,
    parts: ItemParts,
}

pub async fn item(State(st): State<AppState>, d: Desk, Path(key): Path<String>, Query(q): Query<FlashQuery>) -> PageResult {
    let item = st.store.item_for(&key, &d.staff).await?;
    // A kind with a page of its own is shown there.
    let own = href(item.kind, &item.number);
    if !own.starts_with("/items/") {
        return Ok(Redirect::to(&own).into_response());
    }
    let off = off(&st);
    let spec = st.store.kind_spec(item.kind);
    let events = st.store.item_events(&key, &d.staff).await?;
    let timeline = steps(&events, spec.as_deref(), off, |_| String::new());
    let dues = item
        .dues
        .iter()
        .map(|x| DueRow::of(x, off))
        .collect();
    let p = ItemPage {
        parts: parts(&st, &d, &item.number, &item.links, &item.cards, &item.assignments).await?,
        nav: nav(&st, &d, "desk").await?,
        flash: q.flash(),
        created: fmt_time(item.created_at, off),
        assignments: assignment_rows(&item.assignments, off),
        dues,
        timeline,
        item,
    };
    Ok(render(&p))
}

/// Back to the page of the item `key` after a form, with its message.
async fn back_to_item(st: &AppState, d: &Desk, key: &str, ok: Option<&str>, err: Option<&str>) -> Response {
    match st.store.item_for(key, &d.staff).await {
        Ok(i) => back(&href(i.kind, &i.number), ok, err),
        Err(_) => back("/desk", ok, err),
    }
}

/// `POST /items/{key}/card`: a yellow or red card to one of the item's units.
pub async fn card(State(st): State<AppState>, d: Desk, Path(key): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    let colour = form.text("colour").and_then(|c| CardColour::parse(&c));
    let result = match colour {
        None => Err("请选择黄牌或红牌".to_string()),
        Some(c) => st
            .store
            .issue_card(&d.actor, &key, &form.text("unit_id").unwrap_or_default(), c, &form.text("reason").unwrap_or_default())
            .await
            .map_err(|e| ApiError::from(e).message),
    };
    let result = match result {
        Ok(card) => {
            let unit = st.store.unit(&card.unit_id).await?.map(|u| u.name).unwrap_or_default();
            Ok(format!("已向{unit}发出{}", card.colour_label))
        }
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(msg) => back_to_item(&st, &d, &key, Some(&msg), None).await,
        Err(e) => back_to_item(&st, &d, &key, None, Some(&e)).await,
    })
}

/// `POST /cards/{id}/revoke`: the card stays on record, revoked, with the reason.
pub async fn revoke(State(st): State<AppState>, d: Desk, Path(id): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    let key = form.text("item").unwrap_or_default();
    Ok(match st.store.revoke_card(&d.actor, &id, &form.text("reason").unwrap_or_default()).await {
        Ok(_) => back_to_item(&st, &d, &key, Some("警告已撤销"), None).await,
        Err(e) => back_to_item(&st, &d, &key, None, Some(&ApiError::from(e).message)).await,
    })
}

/// `POST /items/{key}/link`: this item is escalated from, decided in … another.
pub async fn link(State(st): State<AppState>, d: Desk, Path(key): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    let to = form.text("to").unwrap_or_default();
    let result = match form.text("kind").and_then(|k| LinkKind::parse(&k)) {
        None => Err("请选择关联类型".to_string()),
        Some(kind) => st.store.link_items(&d.actor, &key, to.trim(), kind).await.map_err(|e| ApiError::from(e).message),
    };
    Ok(match result {
        Ok(()) => back_to_item(&st, &d, &key, Some("已关联"), None).await,
        Err(e) => back_to_item(&st, &d, &key, None, Some(&e)).await,
    })
}
