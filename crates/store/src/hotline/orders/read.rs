//! An order read back: loaded with its kernel parts, shown to whoever may read it.

use super::*;

impl Store {
    pub(super) async fn load(&self, key: &str) -> Result<Option<Loaded>, StoreError> {
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

    pub(super) async fn view(&self, l: Loaded, viewer: Viewer) -> Result<OrderView, StoreError> {
        self.view_with(l, viewer, true).await
    }

    /// The view of an order just registered, for the hotline centre: it has no links, cards
    /// or publication yet, so none are read.
    pub(super) async fn view_new(&self, l: Loaded) -> Result<OrderView, StoreError> {
        self.view_with(l, Viewer { full: true }, false).await
    }

    async fn view_with(&self, l: Loaded, viewer: Viewer, parts: bool) -> Result<OrderView, StoreError> {
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
            links: if parts { self.links_of(&l.id, viewer).await? } else { Vec::new() },
            cards: if parts { self.cards_of_item(&l.id).await? } else { Vec::new() },
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
            assignments: crate::kernel::items::assignment_views(&s.assignments, &names),
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
            publication: if parts { self.publication(&l.id).await? } else { None },
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
        let allowed = sanfu_domain::hotline::allowed_actions(&l.snapshot, &actor, chrono::Utc::now());
        let mut v = self.view(l, Viewer::of(staff)).await?;
        v.allowed_actions = allowed;
        Ok(v)
    }

    pub(super) async fn visible(&self, key: &str, staff: &Staff) -> Result<Loaded, StoreError> {
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
        Ok(crate::kernel::items::for_reader(events::list(self.pool(), &l.id).await?, staff))
    }

    /// What publication needs to know of an order: id, number, state, whether confidential,
    /// whether the citizen consented, and its title, content and answer.
    pub(crate) async fn publish_source(&self, key: &str) -> Result<Option<crate::hotline::publish::Source>, StoreError> {
        Ok(self.load(key).await?.map(|l| crate::hotline::publish::Source {
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
}
