//! Every action on an order: loaded, judged by `hotline::apply`, written by the kernel with
//! the order's own columns, its statistics facts and its event, in one transaction.

use super::*;

impl Store {
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
        let spec = self.spec_of(Hotline::NAME)?;
        on_fresh_load!("工单", {
            let l = self
                .load(key)
                .await?
                .ok_or_else(|| DomainError::not_found("order_not_found", format!("工单“{key}”不存在")))?;
            if let Action::Merge { master_id, .. } = action && *master_id == l.id {
                return Err(DomainError::invalid("merge_into_self", "不能把工单合并到它自己").into());
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
                Action::Answer { text, .. } => Some(Store::index_row(&*self.segmenter().await?, &l.id, "answer", text)),
                _ => None,
            };
            // 督办 opens a supervision item in the same transaction, linked both ways.
            let supervision = match action {
                Action::Escalate { reason, .. } => Some(
                    self.prepare_supervision(
                        format!("12345工单{}督办：{}", l.number, l.title.chars().take(40).collect::<String>()),
                        format!("{}\n（来源：12345工单{}）", reason.trim(), l.number),
                        sanfu_domain::supervision::Source::HotlineEscalation,
                        Some(l.number.clone()),
                        None,
                    )
                    .await?,
                ),
                _ => None,
            };
            in_tx!(self, tx => {
                if let Some(row) = &answer_index {
                    Store::index_in(&mut tx, row).await?;
                }
                let mut out = out.clone();
                if let (Action::CloseDirectly { knowledge_id: Some(k), .. }, Some(obj)) = (action, out.details.as_object_mut()) {
                    let title = self.use_entry(&mut tx, k).await?;
                    obj.insert("knowledge_title".into(), json!(title));
                }
                write_transition(&mut tx, &spec, &l, &out, actor, now, knowledge.as_deref(), &cal).await?;
                if let Some(new) = &supervision {
                    let (sid, number) = self.open_supervision_in(&mut tx, new, actor, now).await?;
                    crate::kernel::cards::link_in(
                        &mut tx,
                        (&sid, "supervision", &number),
                        (&l.id, Hotline::NAME, &l.number),
                        sanfu_domain::kernel::LinkKind::EscalatedFrom,
                        actor,
                        to_ms(now),
                    )
                    .await?;
                }
                if let Action::Merge { master_id, .. } = action {
                    events::append(&mut tx, NewEvent {
                        entity_id: master_id, entity_kind: "work_order", action: "duplicate_merged", actor,
                        from_state: None, to_state: None,
                        details: json!({"duplicate_id": l.id, "duplicate_number": l.number}), at: Some(to_ms(now)),
                    }).await?;
                }
                Ok(())
            })
        })?;
        let l = self.load(key).await?.ok_or_else(|| StoreError::Other("order vanished".into()))?;
        let viewer = actor.staff().map(Viewer::of).unwrap_or(Viewer { full: false });
        let allowed = sanfu_domain::hotline::allowed_actions(&l.snapshot, actor, chrono::Utc::now());
        let mut v = self.view(l, viewer).await?;
        v.allowed_actions = allowed;
        Ok(v)
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn write_transition(
    conn: &mut AnyConnection,
    spec: &sanfu_domain::kernel::KindSpec,
    l: &Loaded,
    out: &hotline::Outcome,
    actor: &Actor,
    now: DateTime<Utc>,
    knowledge_id: Option<&str>,
    cal: &sanfu_calendar::Calendar,
) -> Result<(), StoreError> {
    let s = &out.snapshot;
    let t = to_ms(now);
    write::update(conn, spec, &l.id, l.version, &l.snapshot, s, now).await?;
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
