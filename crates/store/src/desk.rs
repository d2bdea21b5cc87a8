//! The one inbox (我的待办) and the one 已办 list, across every kind: the kernel finds what
//! waits and what was done, and each row carries the kernel's summary of the item, plus the
//! kind's own row where the kind has one (the hotline's order line).

use std::collections::HashMap;

use sanfu_domain::Staff;
use serde::Serialize;

use crate::db::{Store, StoreError, from_ms};
use crate::kernel::inbox::QueueCount;
use crate::kernel::items::{ItemSummary, Viewer};
use crate::hotline::orders::OrderSummary;
use crate::kernel::items::Page;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub queue: &'static str,
    pub waiting_for: &'static str,
    pub item: ItemSummary,
    /// The hotline's own line, for an order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderSummary>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub counts: Vec<QueueCount>,
    pub total: i64,
    /// The items of the queue asked for (`total` without one).
    pub listed: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<InboxItem>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DoneItem {
    pub last_action_at: chrono::DateTime<chrono::Utc>,
    pub kind: &'static str,
    pub item: ItemSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderSummary>,
}

impl Store {
    /// The hotline's own lines of those of `items` that are orders.
    async fn order_lines(&self, items: &[ItemSummary], viewer: Viewer) -> Result<HashMap<String, OrderSummary>, StoreError> {
        let orders: Vec<String> = items.iter().filter(|i| i.kind == "work_order").map(|i| i.id.clone()).collect();
        Ok(self.summaries(&orders, viewer).await?.into_iter().map(|o| (o.id.clone(), o)).collect())
    }

    pub async fn inbox(&self, staff: &Staff, page: u32, per_page: u32, queue: Option<&str>) -> Result<Inbox, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let (counts, waiting) = self.waiting(staff, page, per_page, queue).await?;
        let summaries: Vec<ItemSummary> = waiting.iter().map(|w| w.item.clone()).collect();
        let mut lines = self.order_lines(&summaries, Viewer::of(staff)).await?;
        let items = waiting
            .into_iter()
            .map(|w| InboxItem {
                kind: w.kind,
                kind_label: w.item.kind_label,
                queue: w.queue,
                waiting_for: w.label,
                order: lines.remove(&w.item.id),
                item: w.item,
            })
            .collect();
        let total = counts.iter().map(|c| c.count).sum();
        let listed = match queue {
            Some(q) => counts.iter().filter(|c| crate::kernel::inbox::queue_key(c.kind, c.queue) == q).map(|c| c.count).sum(),
            None => total,
        };
        Ok(Inbox { counts, total, listed, page, per_page, items })
    }

    /// 已办: items of any kind this person has acted on, the most recent first.
    pub async fn done(&self, staff: &Staff, page: u32, per_page: u32) -> Result<Page<DoneItem>, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let (total, rows) = self.acted_on(staff, page, per_page).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let items = self.item_summaries(&ids, Viewer::of(staff)).await?;
        let mut lines = self.order_lines(&items, Viewer::of(staff)).await?;
        let at: HashMap<String, i64> = rows.into_iter().map(|(id, _, at)| (id, at)).collect();
        let items = items
            .into_iter()
            .map(|item| DoneItem {
                last_action_at: from_ms(at.get(&item.id).copied().unwrap_or(0)),
                kind: item.kind,
                order: lines.remove(&item.id),
                item,
            })
            .collect();
        Ok(Page { items, total, page, per_page })
    }
}

/// How the desk counts and hands out figures, as the office sets it (`/api/admin/desk-settings`).
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DeskSettings {
    /// A unit with fewer orders in the month than this is listed apart in the ranking (样本不足):
    /// two orders answered on time are not a 100% to rank on.
    pub ranking_min_orders: i64,
    /// The most rows one Excel export carries; 0 for no limit. Above it the export is refused
    /// with a message to narrow the filters, never cut short silently.
    pub export_max_rows: i64,
}

impl Default for DeskSettings {
    fn default() -> Self {
        DeskSettings { ranking_min_orders: 5, export_max_rows: 0 }
    }
}

impl Store {
    pub async fn desk_settings(&self) -> Result<DeskSettings, StoreError> {
        self.setting("desk").await
    }

    /// Changes the desk's settings (the office or an administrator; the caller checks who).
    pub async fn set_desk_settings(&self, s: DeskSettings, actor: &sanfu_domain::Actor) -> Result<DeskSettings, StoreError> {
        if !(0..=10_000).contains(&s.ranking_min_orders) {
            return Err(sanfu_domain::DomainError::invalid("invalid_min_orders", "参与排名的最少工单数应在 0 到 10000 之间").into());
        }
        if !(0..=100_000_000).contains(&s.export_max_rows) {
            return Err(sanfu_domain::DomainError::invalid("invalid_export_cap", "导出行数上限应在 0（不限）到 1 亿之间").into());
        }
        self.put_setting("desk", &s, ("desk", "setting", "update"), serde_json::json!(s), actor).await?;
        Ok(s)
    }
}

impl Store {
    /// Records that `actor` took a file of `what` out of the system (the ledger, with its period,
    /// filters and row count, and whether citizens' numbers were in it whole).
    pub async fn record_export(&self, actor: &sanfu_domain::Actor, what: &str, details: serde_json::Value) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            crate::events::append(&mut tx, crate::events::NewEvent {
                entity_id: &format!("export:{what}"), entity_kind: "export", action: "export", actor,
                from_state: None, to_state: None, details: details.clone(), at: None,
            })
            .await?;
            Ok(())
        })?;
        Ok(())
    }
}
