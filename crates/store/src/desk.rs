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

    pub async fn inbox(&self, staff: &Staff, page: u32, per_page: u32) -> Result<Inbox, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let (counts, waiting) = self.waiting(staff, page, per_page).await?;
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
        Ok(Inbox { counts, total, page, per_page, items })
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
