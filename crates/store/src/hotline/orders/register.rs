//! 受理: an order is checked, numbered and written, and perhaps dispatched at once.

use std::sync::Arc;

use super::*;
use crate::batch::{Batch, NewEventRow, Owned, i, s};
use crate::hotline::new_order::{self, NewOrder};

/// A registration checked and ready to write, owned so that the group committer may run it
/// (again, alone, if its group's commit failed).
struct Pending {
    store: Store,
    spec: Arc<sanfu_domain::kernel::KindSpec>,
    series: crate::kernel::numbers::Series,
    format: String,
    ahead: Option<crate::kernel::numbers::Ahead>,
    id: String,
    code_hash: String,
    o: CheckedOrder,
    fresh: Snapshot,
    now: DateTime<Utc>,
    cal: Arc<sanfu_calendar::Calendar>,
    index: crate::search::IndexRow,
    photos: Vec<crate::hotline::photos::Photo>,
    actor: Actor,
    repeat_of: Option<String>,
    /// The client's idempotency key (claimed before): it gets the number in this transaction,
    /// so that a key without a number always means no order was filed.
    once: Option<String>,
}

impl Pending {
    /// The order's number (and the client's key settled with it), here; the order, its item,
    /// statistics row, search words, photos and first event staged in the group's `rows`, which
    /// the committer writes with the other registrations' before the commit.
    async fn write(&self, tx: &mut sqlx::AnyConnection, rows: &mut Batch) -> Result<String, StoreError> {
        let (o, id, now, actor) = (&self.o, &self.id, self.now, &self.actor);
        // A number taken ahead moves its counter up with the group's rows, once for the group
        // (a number taken afresh in the same group that collides with one whose counter is not
        // moved yet fails the group on the items' unique number, and each is then taken alone).
        let number = match &self.ahead {
            Some(a) if !a.stale(&self.store) => {
                let (number, counter, value) = a.parts();
                rows.counter_floor(counter, value);
                number.to_string()
            }
            _ => self.store.number_in(&mut *tx, &self.series, &self.format).await?,
        };
        let t = to_ms(now);
        if let Some(key) = &self.once {
            let settled = sqlx::query("UPDATE idempotency SET number = $1 WHERE key = $2 AND number IS NULL")
                .bind(&number).bind(key).execute(&mut *tx).await?.rows_affected();
            if settled != 1 {
                return Err(DomainError::conflict("duplicate_submission", "该请求已经提交过，没有重复受理").into());
            }
        }
        let mut photo_names = Vec::new();
        for p in &self.photos {
            rows.photos.push(vec![
                s(new_id()), s(id), s(&p.name), s(p.content_type), i(p.data.len() as i64), Owned::B(p.data.clone()), i(t),
            ]);
            photo_names.push(json!({ "name": p.name, "size": p.data.len() }));
        }
        let register = NewEventRow {
            at: t,
            action: "register",
            actor: actor.clone(),
            from: None,
            to: State::Registered.as_str(),
            // No personal data here: the event log is read more widely than the order.
            details: json!({
                "number": number, "channel": o.channel.as_str(), "order_type": o.order_type.as_str(),
                "urgency": o.urgency.as_str(), "category_id": o.category_id, "confidential": o.confidential,
                "publish_consent": o.publish_consent, "repeat_of": self.repeat_of, "photos": photo_names,
            }),
        };
        let order = NewOrder {
            id,
            number: &number,
            subject: &o.subject,
            channel: o.channel,
            category_id: &o.category_id,
            content: &o.content,
            address: o.address.as_deref(),
            lat: o.lat,
            lng: o.lng,
            citizen_name: o.citizen_name.as_deref(),
            citizen_phone: o.citizen_phone.as_deref(),
            confidential: o.confidential,
            query_code_hash: &self.code_hash,
            publish_consent: o.publish_consent,
            repeat_of: self.repeat_of.as_deref(),
            created_at: now,
        };
        new_order::stage(rows, &self.spec, &self.cal, now, &order, &self.fresh, vec![register], vec![self.index.clone()]);
        Ok(number)
    }
}

impl Store {
    /// A unit as the rules need it; an unknown key is a 422.
    pub async fn unit_ref(&self, key: &str) -> Result<UnitRef, StoreError> {
        match self.resolve_unit(key).await? {
            Some(u) => Ok(UnitRef { id: u.id, name: u.name, kind: u.kind, parent_id: u.parent_id }),
            None => Err(DomainError::invalid("unknown_unit", format!("单位“{key}”不存在或不止一个，请从列表中选择单位名称")).into()),
        }
    }

    pub(super) async fn check_order(&self, input: &OrderInput, default_channel: Channel) -> Result<CheckedOrder, StoreError> {
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
        photos: &[crate::hotline::photos::Photo],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Registered, StoreError> {
        self.register_once(input, photos, actor, now, None).await
    }

    /// [`Store::register_with_photos`] for a request that claimed an idempotency key
    /// ([`Store::claim_once`]): the key is settled with the order's number in the order's own
    /// transaction.
    pub async fn register_once(
        &self,
        input: &OrderInput,
        photos: &[crate::hotline::photos::Photo],
        actor: &Actor,
        now: DateTime<Utc>,
        once: Option<&str>,
    ) -> Result<Registered, StoreError> {
        let default_channel = if actor.is_citizen() { Channel::Web } else { Channel::Phone };
        let mut o = self.check_order(input, default_channel).await?;
        if actor.is_citizen() && !matches!(o.channel, Channel::Web | Channel::Board | Channel::MayorMailbox | Channel::Open311) {
            o.channel = Channel::Web;
        }
        if let Some(st) = actor.staff() && !st.is_hotline() {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心可以受理工单").into());
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
        // Written in a transaction shared with the registrations arriving at the same moment
        // (group commit): one flush to disk for all of them, each answered once it is durable.
        let pending = Arc::new(Pending {
            store: self.clone(),
            spec,
            series,
            format,
            ahead,
            id: id.clone(),
            code_hash: code_hash(&code),
            o: o.clone(),
            fresh,
            now,
            cal,
            index,
            photos: photos.to_vec(),
            actor: actor.clone(),
            repeat_of: repeat_of.clone(),
            once: once.map(crate::throttle::stored_key),
        });
        let number = self
            .grouped(crate::group::work(move |conn, rows| {
                let p = pending.clone();
                Box::pin(async move { p.write(conn, rows).await })
            }))
            .await?;
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
        Ok(Registered { order: self.view_new(loaded).await?, query_code: code })
    }

    /// The latest order from the same phone number in the same category within the 30 days
    /// before `now` (a repeat call, 重复来电): one step down the `work_orders_caller` index,
    /// however many times the caller has called.
    pub(super) async fn earlier_order(&self, phone: &str, category_id: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        let since = to_ms(now) - 30 * 24 * 3600 * 1000;
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM work_orders
             WHERE citizen_phone = $1 AND category_id = $2 AND created_at >= $3
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(phone)
        .bind(category_id)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        Ok(id)
    }
}
