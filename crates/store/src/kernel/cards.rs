//! Links between items, and the yellow and red cards a unit is shown on an item: each written
//! with its events in one transaction, each read from both sides.

use std::collections::BTreeMap;

use chrono::Utc;
use sanfu_domain::kernel::{self, Card, CardColour, LinkKind, parties};
use sanfu_domain::{Actor, DomainError, Staff};
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::items::{ItemSummary, LinkView, Viewer, load_core};
use crate::org::Scope;

impl Store {
    /// Link `from` to `to` (`from` is escalated from, decided in … `to`), recorded on both.
    pub async fn link_items(&self, actor: &Actor, from: &str, to: &str, kind: LinkKind) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        let a = load_core(&mut conn, from).await?.ok_or_else(|| DomainError::invalid("unknown_item", format!("事项“{from}”不存在")))?;
        let b = load_core(&mut conn, to).await?.ok_or_else(|| DomainError::invalid("unknown_item", format!("事项“{to}”不存在")))?;
        drop(conn);
        let have = parties(&a.assignments, actor);
        kernel::check_link(&have, &a.id, &b.id)?;
        let t = to_ms(Utc::now());
        let (a, b) = ((a.id.as_str(), a.kind.as_str(), a.number.as_str()), (b.id.as_str(), b.kind.as_str(), b.number.as_str()));
        in_tx!(self, tx => link_in(&mut tx, a, b, kind, actor, t).await)
    }

    /// The items linked to `id`, both ways.
    pub async fn links_of(&self, id: &str, viewer: Viewer) -> Result<Vec<LinkView>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT to_id, kind, 'to' FROM links WHERE from_id = $1
             UNION ALL SELECT from_id, kind, 'from' FROM links WHERE to_id = $1",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let items: BTreeMap<String, ItemSummary> =
            self.item_summaries(&ids, viewer).await?.into_iter().map(|s| (s.id.clone(), s)).collect();
        Ok(rows
            .into_iter()
            .filter_map(|(other, kind, dir)| {
                let kind = LinkKind::parse(&kind)?;
                let item = items.get(&other)?.clone();
                let to = dir == "to";
                Some(LinkView { kind, label: if to { kind.label() } else { kind.inverse_label() }, direction: if to { "to" } else { "from" }, item })
            })
            .collect())
    }

    /// Show `unit` a yellow or red card on an item it was handed, with the reason.
    pub async fn issue_card(&self, actor: &Actor, key: &str, unit_key: &str, colour: CardColour, reason: &str) -> Result<Card, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "只有督查科或派单员可以亮牌警告"))?;
        let core = self.visible_core(key, staff).await?;
        let unit = self.unit(unit_key).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{unit_key}”不存在")))?;
        let had = core.assignments.iter().any(|a| a.unit_id == unit.id);
        let reason = kernel::check_card(&parties(&core.assignments, actor), had, &unit.name, reason)?;
        let id = new_id();
        let t = to_ms(Utc::now());
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO cards (id, work_id, unit_id, colour, reason, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&id).bind(&core.id).bind(&unit.id).bind(colour.as_str()).bind(&reason).bind(t).bind(&staff.user_id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &core.id, entity_kind: &core.kind, action: "card", actor, from_state: None, to_state: None,
                details: json!({ "card_id": id, "colour": colour.as_str(), "label": colour.label(), "unit_id": unit.id,
                                 "unit_name": unit.name, "reason": reason }),
                at: Some(t),
            }).await?;
            Ok(())
        })?;
        self.card(&id).await
    }

    /// Take a card back, with the reason; the card stays on record, revoked.
    pub async fn revoke_card(&self, actor: &Actor, card_id: &str, reason: &str) -> Result<Card, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "只有督查科或派单员可以撤销警告"))?;
        let card = self.card(card_id).await?;
        let core = self.visible_core(&card.work_id, staff).await?;
        let reason = kernel::check_revoke(&parties(&core.assignments, actor), card.revoked_at.is_some(), reason)?;
        let t = to_ms(Utc::now());
        in_tx!(self, tx => {
            let n = sqlx::query("UPDATE cards SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL")
                .bind(t).bind(&staff.user_id).bind(&reason).bind(&card.id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(DomainError::conflict("card_revoked", "该警告已撤销").into());
            }
            events::append(&mut tx, NewEvent {
                entity_id: &core.id, entity_kind: &core.kind, action: "card_revoked", actor, from_state: None, to_state: None,
                details: json!({ "card_id": card.id, "colour": card.colour.as_str(), "unit_id": card.unit_id, "reason": reason }),
                at: Some(t),
            }).await?;
            Ok(())
        })?;
        self.card(card_id).await
    }

    async fn card(&self, id: &str) -> Result<Card, StoreError> {
        self.cards_where("id = $1", id)
            .await?
            .pop()
            .ok_or_else(|| DomainError::not_found("card_not_found", "该警告不存在").into())
    }

    /// The cards shown on an item, oldest first.
    pub async fn cards_of_item(&self, work_id: &str) -> Result<Vec<Card>, StoreError> {
        self.cards_where("work_id = $1", work_id).await
    }

    /// The cards shown to a unit, oldest first (for its assessment): to the office and the
    /// centre, to the unit itself, and to the leaders whose portfolio holds it.
    pub async fn cards_of_unit(&self, staff: &Staff, unit_key: &str) -> Result<Vec<Card>, StoreError> {
        let unit = self.unit(unit_key).await?.ok_or_else(|| DomainError::not_found("unknown_unit", format!("单位“{unit_key}”不存在")))?;
        if let Scope::Units(units) = Store::scope_of(staff) && !units.contains(&unit.id) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只能查看本单位（或分管单位）收到的警告").into());
        }
        self.cards_where("unit_id = $1", &unit.id).await
    }

    async fn cards_where(&self, cond: &'static str, v: &str) -> Result<Vec<Card>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.work_id, c.unit_id, c.colour, c.reason, c.issued_at, c.issued_by, COALESCE(u.name, '督查系统自动'), c.revoked_at,
                    c.revoke_reason
             FROM cards c LEFT JOIN users u ON u.id = c.issued_by WHERE c.{cond} ORDER BY c.issued_at, c.id"
        );
        let rows: Vec<(String, String, String, String, String, i64, String, String, Option<i64>, Option<String>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(v).fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|(id, work_id, unit_id, colour, reason, issued, by, by_name, revoked, why)| {
                let colour = CardColour::parse(&colour).unwrap_or(CardColour::Yellow);
                Card {
                    id,
                    work_id,
                    unit_id,
                    colour,
                    colour_label: colour.label(),
                    reason,
                    issued_at: from_ms(issued),
                    issued_by: by,
                    issued_by_name: by_name,
                    revoked_at: revoked.map(from_ms),
                    revoke_reason: why,
                }
            })
            .collect())
    }
}

/// Link `from` to `to` in the caller's transaction, with an event on each: (id, kind, number).
pub(crate) async fn link_in(
    tx: &mut sqlx::AnyConnection,
    from: (&str, &str, &str),
    to: (&str, &str, &str),
    kind: LinkKind,
    actor: &Actor,
    t: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "INSERT INTO links (from_id, to_id, kind, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (from_id, to_id, kind) DO NOTHING",
    )
    .bind(from.0)
    .bind(to.0)
    .bind(kind.as_str())
    .bind(t)
    .bind(actor.staff().map(|s| s.user_id.clone()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        for (this, other, label) in [(from, to, kind.label()), (to, from, kind.inverse_label())] {
            events::append(tx, NewEvent {
                entity_id: this.0, entity_kind: this.1, action: "link", actor, from_state: None, to_state: None,
                details: json!({ "link": kind.as_str(), "label": label, "other_id": other.0, "other_number": other.2 }),
                at: Some(t),
            })
            .await?;
        }
    }
    Ok(())
}
