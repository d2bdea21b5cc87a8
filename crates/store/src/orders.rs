//! Work orders in the database: registration, the one `act` that runs every transition of
//! [`sanfu_domain::hotline`], and the views each kind of reader gets.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use sanfu_domain::validate::{self, MAX_CONTENT_CHARS, MAX_SHORT_TEXT_CHARS, MAX_SUBJECT_CHARS};
use sanfu_domain::hotline::{
    self, Action, Hotline, Channel, DeadlineKind, DeadlineState, OrderType, PendingExtension,
    Satisfaction, Snapshot, State, UnitRef, Urgency,
};
use sanfu_domain::kernel::Kind;
use sanfu_domain::{Actor, DomainError, Staff, UnitKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::{Store, StoreError, float_text, from_ms, in_clause, new_id, to_ms};
use crate::events::{self, Event, NewEvent};
use crate::facts;
use crate::kernel::write::{self, due_state};
use crate::org::Scope;

pub use crate::kernel::items::{AssignmentView, UnitName, Viewer};

/// What a person (or a client program) submits to register an order, before any check.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrderInput {
    pub channel: Option<String>,
    pub order_type: Option<String>,
    pub urgency: Option<String>,
    pub category_id: Option<String>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub citizen_name: Option<String>,
    pub citizen_phone: Option<String>,
    #[serde(default)]
    pub confidential: bool,
    /// The citizen agrees that the request and its answer may be published on the reply board
    /// (问政) once the centre has approved what is shown.
    #[serde(default)]
    pub publish_consent: bool,
}

/// The order after every check, ready to store.
#[derive(Debug, Clone)]
struct CheckedOrder {
    channel: Channel,
    order_type: OrderType,
    urgency: Urgency,
    category_id: String,
    subject: String,
    content: String,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    citizen_name: Option<String>,
    citizen_phone: Option<String>,
    confidential: bool,
    publish_consent: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    pub kind: DeadlineKind,
    pub label: &'static str,
    pub due_at: DateTime<Utc>,
    /// Rests on a year whose holiday schedule is not loaded yet.
    pub provisional: bool,
    pub met_at: Option<DateTime<Utc>>,
    /// Done late, or not done and past due.
    pub overdue: bool,
    /// green (time enough), yellow (most of the time used), red (past due), met, late (met after the due time).
    pub level: &'static str,
    pub warn_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Citizen {
    /// `None` when hidden from this reader (a confidential order).
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Whether `phone` is the masked form.
    pub masked: bool,
}

/// An order as a member of staff sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    /// The kind of work (always `work_order` here) and its name.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub order_type: OrderType,
    pub order_type_label: &'static str,
    pub urgency: Urgency,
    pub urgency_label: &'static str,
    pub category: UnitName,
    pub subject: String,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub citizen: Citizen,
    pub confidential: bool,
    pub lead_unit: Option<UnitName>,
    pub co_units: Vec<UnitName>,
    pub assignments: Vec<AssignmentView>,
    pub deadlines: Vec<DeadlineView>,
    pub pending_extension: Option<PendingExtension>,
    pub extension_days: u32,
    pub reopen_count: u32,
    pub answer: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub master_id: Option<String>,
    pub knowledge_id: Option<String>,
    /// 督办: escalated into supervision.
    pub escalated: bool,
    /// The citizen agreed to publication on the reply board.
    pub publish_consent: bool,
    /// What the reply board shows of this order, once the centre has approved it.
    pub publication: Option<crate::publish::Publication>,
    /// The actions the reader may take now, by the rule table (who, from which state); an
    /// action's further conditions are checked when it is taken.
    pub allowed_actions: Vec<&'static str>,
    /// Items linked to this one (the supervision item it was escalated into …).
    pub links: Vec<crate::kernel::items::LinkView>,
    /// Yellow and red cards shown to units on this order.
    pub cards: Vec<sanfu_domain::kernel::Card>,
    /// An earlier order from the same caller in the same category within 30 days (重复来电).
    pub repeat_of: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One row of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub order_type: OrderType,
    pub order_type_label: &'static str,
    pub urgency: Urgency,
    pub subject: String,
    pub lead_unit: Option<UnitName>,
    pub created_at: DateTime<Utc>,
    /// The next deadline not yet met.
    pub next_due: Option<DeadlineView>,
    /// For a search: the text around the words found, with the matches marked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<crate::search::Piece>>,
}

/// What the citizen sees with number and query code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicView {
    pub number: String,
    pub state: State,
    pub state_label: &'static str,
    pub order_type_label: &'static str,
    pub subject: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub handling_unit: Option<String>,
    pub answer: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub can_rate: bool,
    pub can_withdraw: bool,
    pub timeline: Vec<PublicStep>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    pub at: DateTime<Utc>,
    pub action: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub order: OrderView,
    /// Shown once, to the citizen; only its hash is stored.
    pub query_code: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    pub state: Option<String>,
    pub unit_id: Option<String>,
    pub order_type: Option<String>,
    pub phone: Option<String>,
    /// Full-text search over the order's text and answer, best matches first.
    pub q: Option<String>,
    pub category_id: Option<String>,
    /// Registered on or after this day (YYYY-MM-DD, local time).
    pub from: Option<String>,
    /// Registered on or before this day.
    pub to: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn new_query_code() -> String {
    let mut rng = rand::rng();
    (0..8).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

fn code_hash(code: &str) -> String {
    Sha256::digest(code.trim().to_ascii_uppercase().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_enum<T>(v: Option<&str>, parse: fn(&str) -> Option<T>, default: Option<T>, code: &'static str, label: &str) -> Result<T, DomainError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => default.ok_or_else(|| DomainError::invalid(code, format!("请选择{label}"))),
        Some(s) => parse(s).ok_or_else(|| DomainError::invalid(code, format!("{label}“{s}”不存在"))),
    }
}

type ItemRow = (String, String, String, i64, String, Option<String>, i64, i64, Option<i64>);
/// The order-specific columns of `work_orders`.
struct OrderRow {
    channel: String,
    category_id: String,
    content: String,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    citizen_name: Option<String>,
    citizen_phone: Option<String>,
    confidential: bool,
    query_code_hash: String,
    repeat_of: Option<String>,
    publish_consent: bool,
}

/// Everything loaded about one order.
struct Loaded {
    id: String,
    number: String,
    version: i64,
    title: String,
    updated_at: i64,
    row: OrderRow,
    snapshot: Snapshot,
    knowledge_id: Option<String>,
}

impl Store {
    /// A unit as the rules need it; an unknown key is a 422.
    pub async fn unit_ref(&self, key: &str) -> Result<UnitRef, StoreError> {
        match self.unit(key).await? {
            Some(u) => Ok(UnitRef { id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id }),
            None => Err(DomainError::invalid("unknown_unit", format!("单位“{key}”不存在")).into()),
        }
    }

    async fn check_order(&self, input: &OrderInput, default_channel: Channel) -> Result<CheckedOrder, StoreError> {
        let channel = parse_enum(input.channel.as_deref(), Channel::parse, Some(default_channel), "invalid_channel", "渠道")?;
        let order_type = parse_enum(input.order_type.as_deref(), OrderType::parse, None, "invalid_order_type", "诉求类型")?;
        let urgency = parse_enum(input.urgency.as_deref(), Urgency::parse, Some(Urgency::Normal), "invalid_urgency", "紧急程度")?;
        let content = validate::text("content", "诉求内容", input.content.as_deref().unwrap_or_default(), MAX_CONTENT_CHARS)?;
        let subject = match validate::optional_text("subject", "标题", input.subject.as_deref(), MAX_SUBJECT_CHARS)? {
            Some(s) => s,
            None => content.chars().take(30).collect(),
        };
        let category_key = input.category_id.as_deref().map(str::trim).unwrap_or_default();
        if category_key.is_empty() {
            return Err(DomainError::invalid("unknown_category", "请选择诉求分类").into());
        }
        let Some(category) = self.category(category_key).await? else {
            return Err(DomainError::invalid("unknown_category", format!("诉求分类“{category_key}”不存在")).into());
        };
        let address = validate::optional_text("address", "地址", input.address.as_deref(), 500)?;
        let (lat, lng) = match (input.lat, input.lng) {
            (Some(a), Some(b)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) => (Some(a), Some(b)),
            (None, None) => (None, None),
            _ => return Err(DomainError::invalid("invalid_coordinates", "坐标应同时给出纬度（-90～90）和经度（-180～180）").into()),
        };
        let citizen_name = validate::optional_text("name", "姓名", input.citizen_name.as_deref(), 50)?;
        let citizen_phone = match input.citizen_phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(validate::phone(p)?),
            None => None,
        };
        Ok(CheckedOrder {
            channel,
            order_type,
            urgency,
            category_id: category.id,
            subject,
            content,
            address,
            lat,
            lng,
            citizen_name,
            citizen_phone,
            confidential: input.confidential,
            publish_consent: input.publish_consent && !input.confidential,
        })
    }

    /// 受理: register an order. Staff register by phone (or any channel they name); citizens
    /// through the web form. The citizen gets the number and a query code.
    pub async fn register(&self, input: &OrderInput, actor: &Actor) -> Result<Registered, StoreError> {
        self.register_at(input, actor, Utc::now()).await
    }

    /// [`Store::register`] at a given moment: for imports and simulations, never for a request.
    pub async fn register_at(&self, input: &OrderInput, actor: &Actor, now: DateTime<Utc>) -> Result<Registered, StoreError> {
        self.register_with_photos(input, &[], actor, now).await
    }

    /// [`Store::register_at`] with photos, stored in the same transaction as the order.
    pub async fn register_with_photos(
        &self,
        input: &OrderInput,
        photos: &[crate::photos::Photo],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Registered, StoreError> {
        let default_channel = if actor.is_citizen() { Channel::Web } else { Channel::Phone };
        let mut o = self.check_order(input, default_channel).await?;
        if actor.is_citizen() && !matches!(o.channel, Channel::Web | Channel::Board | Channel::MayorMailbox | Channel::Open311) {
            o.channel = Channel::Web;
        }
        if let Some(st) = actor.staff() {
            if !st.is_hotline() {
                return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心可以受理工单").into());
            }
        }
        if actor.is_citizen() && o.citizen_phone.is_none() && o.channel != Channel::Open311 {
            return Err(DomainError::invalid("invalid_phone", "请填写联系电话，以便承办单位联系和回访").into());
        }
        let id = new_id();
        let code = new_query_code();
        let index = Store::index_row(
            &*self.segmenter().await?,
            &id,
            "order",
            &crate::search::order_text(&o.subject, &o.content, o.address.as_deref()),
        );
        let repeat_of = match &o.citizen_phone {
            Some(phone) => self.earlier_order(phone, &o.category_id, now).await?,
            None => None,
        };
        let cal = self.calendar();
        let spec = self.spec_of(Hotline::NAME)?;
        let series = self.series(&spec, "", now);
        let format = self.number_format(&spec, "").await?;
        let ahead = self.number_ahead(&series, &format).await?;
        let fresh = Snapshot::new(o.order_type, o.urgency, now);
        let number = in_tx!(self, tx => {
            let number = match &ahead {
                Some(n) => n.clone(),
                None => self.number_in(&mut tx, &series, &format).await?,
            };
            let t = to_ms(now);
            write::insert(&mut tx, &spec, &id, &number, &o.subject, &fresh, now).await?;
            sqlx::query("INSERT INTO work_orders (id, channel, order_type, urgency, category_id, content, address, lat, lng,
                            citizen_name, citizen_phone, confidential, query_code_hash, reopen_count, extension_days, repeat_of, publish_consent)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS DOUBLE PRECISION), CAST($9 AS DOUBLE PRECISION), $10, $11, $12, $13, 0, 0, $14, $15)")
                .bind(&id).bind(o.channel.as_str()).bind(o.order_type.as_str()).bind(o.urgency.as_str())
                .bind(&o.category_id).bind(&o.content).bind(&o.address).bind(float_text(o.lat)).bind(float_text(o.lng))
                .bind(&o.citizen_name).bind(&o.citizen_phone).bind(i64::from(o.confidential)).bind(code_hash(&code))
                .bind(&repeat_of).bind(i64::from(o.publish_consent))
                .execute(&mut *tx).await?;
            let fixed = facts::Fixed {
                id: &id, created_at: now, channel: o.channel.as_str(), category_id: &o.category_id, is_repeat: repeat_of.is_some(),
            };
            facts::write(&mut tx, &fixed, &fresh, &cal).await?;
            Store::index_in(&mut tx, &index).await?;
            let mut photo_names = Vec::new();
            for p in photos {
                sqlx::query("INSERT INTO photos (id, work_id, name, content_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(new_id()).bind(&id).bind(&p.name).bind(p.content_type).bind(p.data.len() as i64)
                    .bind(p.data.clone()).bind(t)
                    .execute(&mut *tx).await?;
                photo_names.push(json!({ "name": p.name, "size": p.data.len() }));
            }
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "work_order", action: "register", actor,
                from_state: None, to_state: Some(State::Registered.as_str()),
                // No personal data here: the event log is read more widely than the order.
                details: json!({
                    "number": number, "channel": o.channel.as_str(), "order_type": o.order_type.as_str(),
                    "urgency": o.urgency.as_str(), "category_id": o.category_id, "confidential": o.confidential,
                    "publish_consent": o.publish_consent, "repeat_of": repeat_of, "photos": photo_names,
                }),
                at: Some(t),
            }).await?;
            Ok(number)
        })?;
        // What was just written, without reading it back.
        let loaded = Loaded {
            id: id.clone(),
            number,
            version: 1,
            title: o.subject.clone(),
            updated_at: to_ms(now),
            row: OrderRow {
                channel: o.channel.as_str().to_string(),
                category_id: o.category_id.clone(),
                content: o.content.clone(),
                address: o.address.clone(),
                lat: o.lat,
                lng: o.lng,
                citizen_name: o.citizen_name.clone(),
                citizen_phone: o.citizen_phone.clone(),
                confidential: o.confidential,
                query_code_hash: String::new(),
                repeat_of,
                publish_consent: o.publish_consent,
            },
            snapshot: Snapshot::new(o.order_type, o.urgency, now),
            knowledge_id: None,
        };
        // What citizens send by themselves may go straight to the unit when the suggestion is
        // sure enough and the administrators turned this on; a failure leaves it to a person.
        if actor.is_citizen() {
            match self.auto_dispatch(&id, &format!("{}\n{}", o.subject, o.content)).await {
                Ok(Some(view)) => return Ok(Registered { order: view, query_code: code }),
                Ok(None) => {}
                Err(e) => tracing::warn!(order = %id, error = %e, "自动派单失败，留待派单员处理"),
            }
        }
        Ok(Registered { order: self.view(loaded, Viewer { full: true }).await?, query_code: code })
    }

    async fn load(&self, key: &str) -> Result<Option<Loaded>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let item: Option<ItemRow> = sqlx::query_as(
            "SELECT id, number, state, version, title, lead_unit_id, created_at, updated_at, closed_at
             FROM work_items WHERE (id = $1 OR number = $1) AND kind = 'work_order'",
        )
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((id, number, state, version, title, _lead, created_at, updated_at, closed_at)) = item else {
            return Ok(None);
        };
        let r = sqlx::query(
            "SELECT channel, order_type, urgency, category_id, content, address, lat, lng, citizen_name, citizen_phone,
                    confidential, answer, satisfaction, reopen_count, extension_days, pending_extension, master_id,
                    knowledge_id, query_code_hash, escalated, repeat_of, publish_consent
             FROM work_orders WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(&mut *conn)
        .await?;
        let row = OrderRow {
            channel: r.try_get(0)?,
            category_id: r.try_get(3)?,
            content: r.try_get(4)?,
            address: r.try_get(5)?,
            lat: r.try_get(6)?,
            lng: r.try_get(7)?,
            citizen_name: r.try_get(8)?,
            citizen_phone: r.try_get(9)?,
            confidential: r.try_get::<i64, _>(10)? == 1,
            query_code_hash: r.try_get(18)?,
            repeat_of: r.try_get(20)?,
            publish_consent: r.try_get::<i64, _>(21)? == 1,
        };
        let escalated: i64 = r.try_get(19)?;
        let order_type: String = r.try_get(1)?;
        let urgency: String = r.try_get(2)?;
        let answer: Option<String> = r.try_get(11)?;
        let satisfaction: Option<String> = r.try_get(12)?;
        let reopen_count: i64 = r.try_get(13)?;
        let extension_days: i64 = r.try_get(14)?;
        let pending: Option<String> = r.try_get(15)?;
        let master_id: Option<String> = r.try_get(16)?;
        let knowledge_id: Option<String> = r.try_get(17)?;
        let (assignments, dues) = write::load_parts(&mut conn, &id).await?;
        let bad = |what: &str| StoreError::Other(format!("order {id}: bad {what}"));
        let order_type = OrderType::parse(&order_type).ok_or_else(|| bad("type"))?;
        let urgency = Urgency::parse(&urgency).ok_or_else(|| bad("urgency"))?;
        let mut snapshot = Snapshot::new(order_type, urgency, from_ms(created_at));
        snapshot.state = State::parse(&state).ok_or_else(|| bad("state"))?;
        snapshot.assignments = assignments;
        snapshot.deadlines = dues
            .into_iter()
            .filter(|(k, _)| k.unit_id.is_empty() && k.seq == 0)
            .filter_map(|(k, d)| Some((DeadlineKind::parse(&k.name)?, d)))
            .collect::<BTreeMap<_, _>>();
        snapshot.answer = answer;
        snapshot.satisfaction = satisfaction.as_deref().and_then(Satisfaction::parse);
        snapshot.reopen_count = reopen_count.max(0) as u32;
        snapshot.extension_days = extension_days.max(0) as u32;
        snapshot.pending_extension = pending.as_deref().and_then(|s| serde_json::from_str(s).ok());
        snapshot.master_id = master_id;
        snapshot.closed_at = closed_at.map(from_ms);
        snapshot.escalated = escalated == 1;
        Ok(Some(Loaded { id, number, version, title, updated_at, row, snapshot, knowledge_id }))
    }

    async fn view(&self, l: Loaded, viewer: Viewer) -> Result<OrderView, StoreError> {
        let names = self.unit_names().await?;
        let name_of = |id: &str| UnitName { id: id.to_string(), name: names.get(id).cloned().unwrap_or_default() };
        let s = &l.snapshot;
        let now = Utc::now();
        let row = &l.row;
        let confidential = row.confidential;
        let citizen = if viewer.full {
            Citizen { name: row.citizen_name.clone(), phone: row.citizen_phone.clone(), masked: false }
        } else if confidential {
            Citizen { name: None, phone: None, masked: true }
        } else {
            Citizen {
                name: row.citizen_name.as_deref().map(validate::mask_name),
                phone: row.citizen_phone.as_deref().map(validate::mask_phone),
                masked: true,
            }
        };
        let channel = Channel::parse(&row.channel).unwrap_or(Channel::Phone);
        let category_name = self.category(&row.category_id).await?.map(|c| c.name).unwrap_or_default();
        Ok(OrderView {
            kind: Hotline::NAME,
            kind_label: Hotline::LABEL,
            links: self.links_of(&l.id, viewer).await?,
            cards: self.cards_of_item(&l.id).await?,
            id: l.id.clone(),
            number: l.number.clone(),
            state: s.state,
            state_label: s.state.label(),
            channel,
            channel_label: channel.label(),
            order_type: s.order_type,
            order_type_label: s.order_type.label(),
            urgency: s.urgency,
            urgency_label: s.urgency.label(),
            category: UnitName { id: row.category_id.clone(), name: category_name },
            subject: viewer.text(&l.title),
            content: viewer.text(&row.content),
            address: row.address.as_deref().map(|a| viewer.text(a)),
            lat: row.lat,
            lng: row.lng,
            citizen,
            confidential,
            lead_unit: s.lead_unit_id().map(name_of),
            co_units: s.co_unit_ids().into_iter().map(name_of).collect(),
            assignments: s
                .assignments
                .iter()
                .map(|a| AssignmentView {
                    unit: name_of(&a.unit_id),
                    role: a.role,
                    role_label: a.role.label(),
                    active: a.active,
                    assigned_at: a.assigned_at,
                    signed_at: a.signed_at,
                })
                .collect(),
            deadlines: s.deadlines.iter().map(|(k, d)| deadline_view(*k, d, now)).collect(),
            pending_extension: s.pending_extension.clone(),
            extension_days: s.extension_days,
            reopen_count: s.reopen_count,
            answer: s.answer.as_deref().map(|a| viewer.text(a)),
            satisfaction: s.satisfaction,
            master_id: s.master_id.clone(),
            knowledge_id: l.knowledge_id.clone(),
            escalated: s.escalated,
            publish_consent: row.publish_consent,
            publication: self.publication(&l.id).await?,
            allowed_actions: Vec::new(),
            repeat_of: row.repeat_of.clone(),
            created_at: s.created_at,
            updated_at: from_ms(l.updated_at),
            closed_at: s.closed_at,
            version: l.version,
        })
    }

    /// An order for a member of staff; one they may not read is "not found" (403 would confirm
    /// that the number exists).
    pub async fn order_for(&self, key: &str, staff: &Staff) -> Result<OrderView, StoreError> {
        let l = self.visible(key, staff).await?;
        let actor = Actor { principal: sanfu_domain::Principal::Staff(staff.clone()), ip: String::new() };
        let allowed = sanfu_domain::hotline::allowed_actions(&l.snapshot, &actor);
        let mut v = self.view(l, Viewer::of(staff)).await?;
        v.allowed_actions = allowed;
        Ok(v)
    }

    async fn visible(&self, key: &str, staff: &Staff) -> Result<Loaded, StoreError> {
        // Staff who may not read every order get the same answer for a number that does not
        // exist as for one that is not theirs, so that they cannot learn which numbers exist.
        let refused = || StoreError::from(DomainError::forbidden("order_forbidden", "无权查看该工单（工单不属于本单位或不存在）"));
        let Some(l) = self.load(key).await? else {
            if staff.sees_all() {
                return Err(DomainError::not_found("order_not_found", format!("工单“{key}”不存在")).into());
            }
            return Err(refused());
        };
        if !self.may_read_item(staff, &l.id).await? {
            return Err(refused());
        }
        Ok(l)
    }

    /// The order's events. The address a request came from is the citizen's personal data (and
    /// staff's): shown to the hotline centre and administrators only.
    pub async fn order_events(&self, key: &str, staff: &Staff) -> Result<Vec<Event>, StoreError> {
        let l = self.visible(key, staff).await?;
        let mut list = events::list(self.pool(), &l.id).await?;
        if !(staff.is_hotline() || staff.has(sanfu_domain::Role::Admin)) {
            for e in &mut list {
                e.ip = String::new();
            }
        }
        if !Viewer::of(staff).full {
            for e in &mut list {
                sanfu_domain::privacy::mask_json(&mut e.details);
            }
        }
        Ok(list)
    }

    /// What publication needs to know of an order: id, number, state, whether confidential,
    /// whether the citizen consented, and its title, content and answer.
    pub(crate) async fn publish_source(&self, key: &str) -> Result<Option<crate::publish::Source>, StoreError> {
        Ok(self.load(key).await?.map(|l| crate::publish::Source {
            id: l.id,
            number: l.number,
            state: l.snapshot.state,
            confidential: l.row.confidential,
            consent: l.row.publish_consent,
            title: l.title,
            content: l.row.content,
            answer: l.snapshot.answer,
        }))
    }

    /// The target of a merge: id, number and state of the master order.
    /// The id of an order by number or id, if it exists.
    pub async fn order_id_of(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.load(key).await?.map(|l| l.id))
    }

    pub async fn merge_target(&self, key: &str) -> Result<(String, String, State), StoreError> {
        let l = self
            .load(key)
            .await?
            .ok_or_else(|| DomainError::invalid("unknown_order", format!("主工单“{key}”不存在")))?;
        Ok((l.id, l.number, l.snapshot.state))
    }

    /// Run one transition: load, check with the rules, write the new state and its event in one
    /// transaction. A concurrent change to the same order makes the loser start again from a
    /// fresh load, so the rules always judge the state that is actually stored.
    pub async fn act(&self, key: &str, actor: &Actor, action: &Action) -> Result<OrderView, StoreError> {
        self.act_at(key, actor, action, None).await
    }

    /// [`Store::act`] at a given moment (`None` is now): for imports and simulations.
    pub async fn act_at(&self, key: &str, actor: &Actor, action: &Action, at: Option<DateTime<Utc>>) -> Result<OrderView, StoreError> {
        if let Some(staff) = actor.staff() {
            self.visible(key, staff).await?;
        }
        let cal = self.calendar();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let l = self
                .load(key)
                .await?
                .ok_or_else(|| DomainError::not_found("order_not_found", format!("工单“{key}”不存在")))?;
            if let Action::Merge { master_id, .. } = action {
                if *master_id == l.id {
                    return Err(DomainError::invalid("merge_into_self", "不能把工单合并到它自己").into());
                }
            }
            let limits = self.limits_for(l.snapshot.order_type, l.snapshot.urgency).await?;
            let now = at.unwrap_or_else(Utc::now);
            let out = hotline::apply(&l.snapshot, actor, action, now, &cal, &limits)?;
            let knowledge = match action {
                Action::CloseDirectly { knowledge_id, .. } => knowledge_id.clone(),
                _ => l.knowledge_id.clone(),
            };
            // An answer becomes searchable in the transaction that records it.
            let answer_index = match action {
                Action::Answer { text } => Some(Store::index_row(&*self.segmenter().await?, &l.id, "answer", text)),
                _ => None,
            };
            let res = in_tx!(self, tx => {
                if let Some(row) = &answer_index {
                    Store::index_in(&mut tx, row).await?;
                }
                let mut out = out.clone();
                if let (Action::CloseDirectly { knowledge_id: Some(k), .. }, Some(obj)) = (action, out.details.as_object_mut()) {
                    let title = self.use_entry(&mut tx, k).await?;
                    obj.insert("knowledge_title".into(), json!(title));
                }
                write_transition(&mut tx, &l, &out, actor, now, knowledge.as_deref(), &cal).await?;
                if let Action::Merge { master_id, .. } = action {
                    events::append(&mut tx, NewEvent {
                        entity_id: master_id, entity_kind: "work_order", action: "duplicate_merged", actor,
                        from_state: None, to_state: None,
                        details: json!({"duplicate_id": l.id, "duplicate_number": l.number}), at: Some(to_ms(now)),
                    }).await?;
                }
                Ok(())
            });
            match res {
                Err(StoreError::Raced) if attempts < 10 => continue,
                Err(StoreError::Raced) => {
                    return Err(DomainError::conflict("concurrent_change", "工单刚被他人修改，请刷新后重试").into())
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        let l = self.load(key).await?.ok_or_else(|| StoreError::Other("order vanished".into()))?;
        let viewer = actor.staff().map(Viewer::of).unwrap_or(Viewer { full: false });
        let allowed = sanfu_domain::hotline::allowed_actions(&l.snapshot, actor);
        let mut v = self.view(l, viewer).await?;
        v.allowed_actions = allowed;
        Ok(v)
    }

    /// Orders a member of staff may read, newest first, filtered and paged.
    pub async fn list_orders(&self, staff: &Staff, f: &ListFilter) -> Result<Page<OrderSummary>, StoreError> {
        let per_page = f.per_page.unwrap_or(20).clamp(1, 200);
        let page = f.page.unwrap_or(1).max(1);
        let mut conds = vec!["w.kind = 'work_order'".to_string()];
        let mut binds: Vec<String> = Vec::new();
        if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
            let st = State::parse(s).ok_or_else(|| DomainError::invalid("invalid_state_filter", format!("状态“{s}”不存在")))?;
            binds.push(st.as_str().into());
            conds.push(format!("w.state = ${}", binds.len()));
        }
        if let Some(t) = f.order_type.as_deref().filter(|s| !s.is_empty()) {
            let ot = OrderType::parse(t).ok_or_else(|| DomainError::invalid("invalid_order_type", format!("诉求类型“{t}”不存在")))?;
            binds.push(ot.as_str().into());
            conds.push(format!("o.order_type = ${}", binds.len()));
        }
        if let Some(p) = f.phone.as_deref().filter(|s| !s.is_empty()) {
            if !staff.is_hotline() {
                return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心可以按电话号码查询").into());
            }
            binds.push(validate::phone(p)?);
            conds.push(format!("o.citizen_phone = ${}", binds.len()));
        }
        if let Some(u) = f.unit_id.as_deref().filter(|s| !s.is_empty()) {
            let unit = self.unit(u).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{u}”不存在")))?;
            binds.push(unit.id);
            conds.push(format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id = ${})", binds.len()));
        }
        if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = in_clause(binds.len() + 1, units.len());
            binds.extend(units);
            conds.push(format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause})"));
        }
        if let Some(c) = f.category_id.as_deref().filter(|s| !s.is_empty()) {
            let cat = self.category(c).await?.ok_or_else(|| DomainError::invalid("unknown_category", format!("分类“{c}”不存在")))?;
            // The category and the categories below it.
            let all = self.categories().await?;
            let mut ids = vec![cat.id.clone()];
            let mut i = 0;
            while i < ids.len() {
                let parent = ids[i].clone();
                ids.extend(all.iter().filter(|x| x.parent_id.as_deref() == Some(&parent)).map(|x| x.id.clone()));
                i += 1;
            }
            let (clause, _) = in_clause(binds.len() + 1, ids.len());
            binds.extend(ids);
            conds.push(format!("o.category_id IN {clause}"));
        }
        let off = self.calendar().offset();
        for (day, end, op) in [(&f.from, false, ">="), (&f.to, true, "<")] {
            if let Some(d) = day.as_deref().filter(|s| !s.is_empty()) {
                let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| DomainError::invalid("invalid_date", format!("日期“{d}”格式不正确，应为 YYYY-MM-DD")))?;
                let date = if end { date.succ_opt().unwrap_or(date) } else { date };
                let ms = date
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(off).single())
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(0);
                // An integer parsed here, not text from the request.
                conds.push(format!("w.created_at {op} {ms}"));
            }
        }
        let searched = match f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(q) => Some((q.to_string(), self.search_ids(q, &["order", "answer"]).await?)),
            None => None,
        };
        if let Some((_, ids)) = &searched {
            if ids.is_empty() {
                return Ok(Page { items: Vec::new(), total: 0, page, per_page });
            }
            let (clause, _) = in_clause(binds.len() + 1, ids.len());
            binds.extend(ids.iter().cloned());
            conds.push(format!("w.id IN {clause}"));
        }
        let filter = conds.join(" AND ");
        if let Some((q, ranked)) = searched {
            // Search results come in the order of their rank, which the database gave for
            // the words alone: filter here, then page.
            let join = if filter.contains("o.") { "JOIN work_orders o ON o.id = w.id" } else { "" };
            let mut lq = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("SELECT w.id FROM work_items w {join} WHERE {filter}")));
            for b in &binds {
                lq = lq.bind(b);
            }
            let keep: std::collections::HashSet<String> = lq.fetch_all(self.pool()).await?.into_iter().collect();
            let hits: Vec<String> = ranked.into_iter().filter(|id| keep.contains(id)).collect();
            let total = hits.len() as i64;
            let ids: Vec<String> = hits.into_iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
            let viewer = Viewer::of(staff);
            let mut items = self.summaries(&ids, viewer).await?;
            let texts = self.texts_of(&ids).await?;
            let words = self.query_words(&q).await?;
            for it in &mut items {
                if let Some((content, answer)) = texts.get(&it.id) {
                    let mut pieces = crate::search::snippet(content, &words, 80);
                    if !pieces.iter().any(|p| p.hit) {
                        if let Some(a) = answer {
                            pieces = crate::search::snippet(a, &words, 80);
                        }
                    }
                    it.snippet = Some(viewer.pieces(pieces));
                }
            }
            return Ok(Page { items, total, page, per_page });
        }
        // The join is needed only when a condition reads the order's own columns.
        let join = if filter.contains("o.") { "JOIN work_orders o ON o.id = w.id" } else { "" };
        let count_sql = format!("SELECT COUNT(*) FROM work_items w {join} WHERE {filter}");
        let mut cq = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        for b in &binds {
            cq = cq.bind(b);
        }
        let total = cq.fetch_one(self.pool()).await?;
        let list_sql = format!(
            "SELECT w.id FROM work_items w {join} WHERE {filter}
             ORDER BY w.created_at DESC, w.id DESC LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let mut lq = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(list_sql));
        for b in &binds {
            lq = lq.bind(b);
        }
        let ids = lq.fetch_all(self.pool()).await?;
        let items = self.summaries(&ids, Viewer::of(staff)).await?;
        Ok(Page { items, total, page, per_page })
    }

    /// The content and answer of these orders, for snippets. Confidential orders' text is
    /// shown to those who may read the order at all, as on the order's own page.
    async fn texts_of(&self, ids: &[String]) -> Result<std::collections::HashMap<String, (String, Option<String>)>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, String, Option<String>)>(sqlx::AssertSqlSafe(format!(
            "SELECT id, content, answer FROM work_orders WHERE id IN {clause}"
        )));
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().map(|(id, c, a)| (id, (c, a))).collect())
    }

    /// List rows of these orders, in this order: two queries, whatever the page size.
    pub(crate) async fn summaries(&self, ids: &[String], viewer: Viewer) -> Result<Vec<OrderSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let names = self.unit_names().await?;
        let now = Utc::now();
        let (clause, _) = in_clause(1, ids.len());
        let sql = format!(
            "SELECT w.id, w.number, w.state, w.title, w.lead_unit_id, w.created_at, o.order_type, o.urgency
             FROM work_items w JOIN work_orders o ON o.id = w.id WHERE w.id IN {clause}"
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String, Option<String>, i64, String, String)>(
            sqlx::AssertSqlSafe(sql),
        );
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let sql = format!(
            "SELECT work_id, kind, due_at, provisional, met_at, started_at, warn_at, working FROM deadlines
             WHERE work_id IN {clause} AND active = 1"
        );
        let mut q = sqlx::query_as::<_, (String, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, i64)>(
            sqlx::AssertSqlSafe(sql),
        );
        for id in ids {
            q = q.bind(id);
        }
        let mut deadlines: BTreeMap<(String, DeadlineKind), DeadlineState> = BTreeMap::new();
        for (work_id, kind, due, prov, met, started, warn, working) in q.fetch_all(self.pool()).await? {
            if let Some(k) = DeadlineKind::parse(&kind) {
                deadlines.insert((work_id, k), due_state(due, prov, met, started, warn, working));
            }
        }
        let mut by_id: BTreeMap<String, OrderSummary> = BTreeMap::new();
        for (id, number, state, title, lead, created_at, order_type, urgency) in rows {
            let bad = |what: &str| StoreError::Other(format!("order {id}: bad {what}"));
            let state = State::parse(&state).ok_or_else(|| bad("state"))?;
            let order_type = OrderType::parse(&order_type).ok_or_else(|| bad("type"))?;
            let urgency = Urgency::parse(&urgency).ok_or_else(|| bad("urgency"))?;
            let next_due = hotline::paced_by(state)
                .and_then(|k| deadlines.get(&(id.clone(), k)).map(|d| deadline_view(k, d, now)));
            let lead_unit = lead.map(|u| UnitName { name: names.get(&u).cloned().unwrap_or_default(), id: u });
            by_id.insert(
                id.clone(),
                OrderSummary {
                    id,
                    number,
                    state,
                    state_label: state.label(),
                    order_type,
                    order_type_label: order_type.label(),
                    urgency,
                    subject: viewer.text(&title),
                    lead_unit,
                    created_at: from_ms(created_at),
                    next_due,
                    snippet: None,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The citizen's view, proven by number and query code. A wrong code looks like a wrong
    /// number, so that numbers cannot be probed.
    pub async fn public_view(&self, number: &str, code: &str) -> Result<PublicView, StoreError> {
        let l = self.citizen_load(number, code).await?;
        let names = self.unit_names().await?;
        let s = &l.snapshot;
        let evs = events::list(self.pool(), &l.id).await?;
        let timeline = evs
            .iter()
            .filter_map(|e| {
                let d = match e.action.as_str() {
                    "register" => "诉求已受理".to_string(),
                    "dispatch" => format!(
                        "已转交{}办理",
                        e.details["lead_unit"]["name"].as_str().unwrap_or("承办单位")
                    ),
                    "forward" => format!("已转交{}办理", e.details["to_unit"]["name"].as_str().unwrap_or("承办单位")),
                    "sign" => "承办单位已签收".into(),
                    "answer" => "承办单位已答复".into(),
                    "review" if e.details["pass"] == true => "答复已通过审核".into(),
                    "review" => "答复未通过审核，已要求重新办理".into(),
                    "callback" => format!("回访评价：{}", e.details["satisfaction"].as_str().and_then(Satisfaction::parse).map(|s| s.label()).unwrap_or("")),
                    "decide_extension" if e.details["approve"] == true => "办理期限已延长".into(),
                    "judge_return" if e.details["approve"] == true => "正在重新确定承办单位".into(),
                    "close_directly" => "已直接答复办结".into(),
                    "merge" => "与相同诉求合并办理".into(),
                    "withdraw" => "诉求已撤回".into(),
                    _ => return None,
                };
                Some(PublicStep { at: e.at, action: e.action.clone(), description: d })
            })
            .collect();
        let shows_answer = matches!(s.state, State::Callback | State::Closed);
        Ok(PublicView {
            number: l.number.clone(),
            state: s.state,
            state_label: s.state.label(),
            order_type_label: s.order_type.label(),
            // A public page, if one with the query code: personal data masked here too.
            subject: Viewer { full: false }.text(&l.title),
            content: Viewer { full: false }.text(&l.row.content),
            created_at: s.created_at,
            handling_unit: s.lead_unit_id().and_then(|u| names.get(u).cloned()),
            answer: if shows_answer { s.answer.as_deref().map(|a| Viewer { full: false }.text(a)) } else { None },
            satisfaction: s.satisfaction,
            can_rate: s.state == State::Callback,
            can_withdraw: !s.state.is_terminal(),
            timeline,
        })
    }

    async fn citizen_load(&self, number: &str, code: &str) -> Result<Loaded, StoreError> {
        let nf = || StoreError::from(DomainError::not_found("order_not_found", "工单编号或查询码不正确"));
        let l = self.load(number.trim()).await?.ok_or_else(nf)?;
        if l.row.query_code_hash != code_hash(code) || l.number != number.trim() {
            return Err(nf());
        }
        Ok(l)
    }

    /// A citizen acts on their own order (rate, withdraw), proven by the query code.
    pub async fn citizen_act(&self, number: &str, code: &str, actor: &Actor, action: &Action) -> Result<PublicView, StoreError> {
        let l = self.citizen_load(number, code).await?;
        self.act(&l.id, actor, action).await?;
        self.public_view(number, code).await
    }

    /// The latest order from the same phone number in the same category within the 30 days
    /// before `now` (a repeat call, 重复来电).
    async fn earlier_order(&self, phone: &str, category_id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        let since = to_ms(now) - 30 * 24 * 3600 * 1000;
        let id: Option<String> = sqlx::query_scalar(
            "SELECT w.id FROM work_orders o JOIN work_items w ON w.id = o.id
             WHERE o.citizen_phone = $1 AND o.category_id = $2 AND w.created_at >= $3
             ORDER BY w.created_at DESC LIMIT 1",
        )
        .bind(phone)
        .bind(category_id)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        Ok(id)
    }

    /// Whether an order may be escalated (督办): overdue on the deadline of its state, or a
    /// repeat of an earlier complaint.
    pub async fn escalation_grounds(&self, key: &str, staff: &Staff) -> Result<(bool, bool), StoreError> {
        let l = self.visible(key, staff).await?;
        let now = Utc::now();
        let overdue = hotline::paced_by(l.snapshot.state)
            .and_then(|k| l.snapshot.deadlines.get(&k))
            .is_some_and(|d| d.met_at.is_none() && d.due.at < now);
        Ok((overdue, l.row.repeat_of.is_some()))
    }

    /// Earlier orders from the same phone number (for the operator on the phone).
    pub async fn orders_by_phone(&self, staff: &Staff, phone: &str) -> Result<Page<OrderSummary>, StoreError> {
        self.list_orders(staff, &ListFilter { phone: Some(phone.into()), per_page: Some(20), ..Default::default() }).await
    }
}

fn deadline_view(kind: DeadlineKind, d: &DeadlineState, now: DateTime<Utc>) -> DeadlineView {
    let overdue = match d.met_at {
        Some(m) => m > d.due.at,
        None => now > d.due.at,
    };
    let level = sanfu_domain::kernel::due_view_level(d, now);
    DeadlineView {
        kind,
        label: kind.label(),
        due_at: d.due.at,
        provisional: d.due.provisional,
        met_at: d.met_at,
        overdue,
        level,
        warn_at: d.warn_at,
    }
}

async fn write_transition(
    conn: &mut AnyConnection,
    l: &Loaded,
    out: &hotline::Outcome,
    actor: &Actor,
    now: DateTime<Utc>,
    knowledge_id: Option<&str>,
    cal: &sanfu_calendar::Calendar,
) -> Result<(), StoreError> {
    let s = &out.snapshot;
    let t = to_ms(now);
    let spec = sanfu_domain::kernel::KindSpec::of::<Hotline>();
    write::update(conn, &spec, &l.id, l.version, &l.snapshot, s, now).await?;
    sqlx::query(
        "UPDATE work_orders SET answer = $1, satisfaction = $2, reopen_count = $3, extension_days = $4,
            pending_extension = $5, master_id = $6, knowledge_id = $7, escalated = $9 WHERE id = $8",
    )
    .bind(&s.answer)
    .bind(s.satisfaction.map(|x| x.as_str()))
    .bind(i64::from(s.reopen_count))
    .bind(i64::from(s.extension_days))
    .bind(s.pending_extension.as_ref().map(|p| serde_json::to_string(p).unwrap_or_default()))
    .bind(&s.master_id)
    .bind(knowledge_id)
    .bind(&l.id)
    .bind(i64::from(s.escalated))
    .execute(&mut *conn)
    .await?;
    let fixed = facts::Fixed {
        id: &l.id,
        created_at: l.snapshot.created_at,
        channel: &l.row.channel,
        category_id: &l.row.category_id,
        is_repeat: l.row.repeat_of.is_some(),
    };
    facts::write(&mut *conn, &fixed, s, cal).await?;
    events::append(
        conn,
        NewEvent {
            entity_id: &l.id,
            entity_kind: Hotline::NAME,
            action: out.action,
            actor,
            from_state: Some(l.snapshot.state.as_str()),
            to_state: Some(s.state.as_str()),
            details: out.details.clone(),
            at: Some(t),
        },
    )
    .await?;
    Ok(())
}

/// Every unit kind that takes hotline work, for pickers.
pub fn handler_kinds() -> Vec<UnitKind> {
    UnitKind::ALL.iter().copied().filter(|k| k.can_handle()).collect()
}

/// Short texts given with actions (reasons, notes, answers).
pub fn action_text(field: &'static str, label: &str, v: Option<&str>) -> Result<String, DomainError> {
    validate::text(field, label, v.unwrap_or_default(), MAX_SHORT_TEXT_CHARS.max(if field == "answer" { MAX_CONTENT_CHARS } else { 0 }))
}
