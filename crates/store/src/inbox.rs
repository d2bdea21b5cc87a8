//! 我的待办 and 已办: what waits on a person (the centre's queues, or the unit's own work), the
//! most urgent deadline first, paged, with counts for the badge; and what they have done.

use sanfu_domain::work_order::{DeadlineKind, State};
use sanfu_domain::{Role, Staff};
use serde::Serialize;

use crate::db::{Store, StoreError, from_ms};
use crate::orders::{OrderSummary, Page};

#[derive(Debug, Clone, Copy)]
struct Queue {
    code: &'static str,
    label: &'static str,
    /// A state and, for unit queues, the assignment role.
    state: State,
    role: Option<&'static str>,
    deadline: Option<DeadlineKind>,
    pending_extension: bool,
}

const CENTRE: &[Queue] = &[
    Queue { code: "to_dispatch", label: "待派单", state: State::Registered, role: None, deadline: None, pending_extension: false },
    Queue { code: "to_redispatch", label: "退单待重派", state: State::Returned, role: None, deadline: None, pending_extension: false },
    Queue { code: "to_callback", label: "待回访", state: State::Callback, role: None, deadline: Some(DeadlineKind::Close), pending_extension: false },
];

const DISPATCHER: &[Queue] = &[
    Queue { code: "to_judge_return", label: "退单待审核", state: State::ReturnRequested, role: None, deadline: Some(DeadlineKind::Answer), pending_extension: false },
    Queue { code: "to_review", label: "答复待审核", state: State::Answered, role: None, deadline: Some(DeadlineKind::Close), pending_extension: false },
    Queue { code: "to_decide_extension", label: "延期待审批", state: State::Handling, role: None, deadline: Some(DeadlineKind::Answer), pending_extension: true },
];

const UNIT: &[Queue] = &[
    Queue { code: "to_sign", label: "待签收", state: State::Dispatched, role: Some("lead"), deadline: Some(DeadlineKind::Sign), pending_extension: false },
    Queue { code: "to_answer", label: "待答复", state: State::Handling, role: Some("lead"), deadline: Some(DeadlineKind::Answer), pending_extension: false },
    Queue { code: "co_handling", label: "协办", state: State::Handling, role: Some("co"), deadline: Some(DeadlineKind::Answer), pending_extension: false },
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueCount {
    pub queue: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub queue: &'static str,
    pub waiting_for: &'static str,
    pub order: OrderSummary,
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
    pub order: OrderSummary,
}

fn queues_of(staff: &Staff) -> Vec<Queue> {
    let mut v = Vec::new();
    if staff.is_hotline() {
        v.extend_from_slice(CENTRE);
    }
    if staff.has(Role::Dispatcher) {
        v.extend_from_slice(DISPATCHER);
    }
    if staff.acts_for_unit() {
        v.extend_from_slice(UNIT);
    }
    v
}

/// `(order, FROM … WHERE …)` of a queue: the column its items are ordered by, and where they
/// come from; `$1` is the unit (unit queues only). A queue with a deadline is ordered by the
/// item's `due_at` (the due moment of the deadline its state runs against), which the indexes
/// on (lead unit, state, due) and (kind, state, due) give in order.
fn queue_sql(q: &Queue) -> (&'static str, String) {
    let order = if q.deadline.is_some() { "w.due_at" } else { "w.created_at" };
    let state = q.state.as_str();
    let from = match q.role {
        Some("lead") => format!("FROM work_items w WHERE w.lead_unit_id = $1 AND w.state = '{state}' AND w.kind = 'work_order'"),
        Some(role) => format!(
            "FROM assignments a JOIN work_items w ON w.id = a.work_id
             WHERE a.unit_id = $1 AND a.active = 1 AND a.role = '{role}' AND w.state = '{state}' AND w.kind = 'work_order'"
        ),
        None if q.pending_extension => format!(
            "FROM work_orders o JOIN work_items w ON w.id = o.id WHERE o.pending_extension IS NOT NULL AND w.state = '{state}'"
        ),
        None => format!("FROM work_items w WHERE w.kind = 'work_order' AND w.state = '{state}'"),
    };
    (order, from)
}

impl Store {
    pub async fn inbox(&self, staff: &Staff, page: u32, per_page: u32) -> Result<Inbox, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let want = i64::from(page * per_page);
        let mut counts = Vec::new();
        let mut candidates: Vec<(i64, String, Queue)> = Vec::new();
        for q in queues_of(staff) {
            let (order, from) = queue_sql(&q);
            let count_sql = format!("SELECT COUNT(*) {from}");
            let list_sql =
                format!("SELECT w.id, COALESCE({order}, w.created_at) {from} ORDER BY {order}, w.id LIMIT {want}");
            let (count, rows): (i64, Vec<(String, i64)>) = if q.role.is_some() {
                (
                    sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).bind(&staff.unit_id).fetch_one(self.pool()).await?,
                    sqlx::query_as(sqlx::AssertSqlSafe(list_sql)).bind(&staff.unit_id).fetch_all(self.pool()).await?,
                )
            } else {
                (
                    sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).fetch_one(self.pool()).await?,
                    sqlx::query_as(sqlx::AssertSqlSafe(list_sql)).fetch_all(self.pool()).await?,
                )
            };
            counts.push(QueueCount { queue: q.code, label: q.label, count });
            for (id, key) in rows {
                // An order with a pending extension is in two queues; show it once, in the first.
                if !candidates.iter().any(|(_, i, _)| *i == id) {
                    candidates.push((key, id, q));
                }
            }
        }
        candidates.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let start = ((page - 1) * per_page) as usize;
        let slice: Vec<(i64, String, Queue)> = candidates.into_iter().skip(start).take(per_page as usize).collect();
        let ids: Vec<String> = slice.iter().map(|(_, id, _)| id.clone()).collect();
        let sums = self.summaries(&ids, crate::orders::Viewer::of(staff)).await?;
        let items = sums
            .into_iter()
            .zip(slice)
            .map(|(order, (_, _, q))| InboxItem { queue: q.code, waiting_for: q.label, order })
            .collect();
        let total = counts.iter().map(|c| c.count).sum();
        Ok(Inbox { counts, total, page, per_page, items })
    }

    /// 已办: orders this person has acted on, the most recent first.
    pub async fn done(&self, staff: &Staff, page: u32, per_page: u32) -> Result<Page<DoneItem>, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT entity_id) FROM events WHERE actor_id = $1 AND entity_kind = 'work_order'",
        )
        .bind(&staff.user_id)
        .fetch_one(self.pool())
        .await?;
        let sql = format!(
            "SELECT entity_id, MAX(at) FROM events WHERE actor_id = $1 AND entity_kind = 'work_order'
             GROUP BY entity_id ORDER BY MAX(at) DESC, entity_id LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let rows: Vec<(String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&staff.user_id).fetch_all(self.pool()).await?;
        let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
        let sums = self.summaries(&ids, crate::orders::Viewer::of(staff)).await?;
        let items = sums
            .into_iter()
            .zip(rows)
            .map(|(order, (_, at))| DoneItem { last_action_at: from_ms(at), order })
            .collect();
        Ok(Page { items, total, page, per_page })
    }
}
