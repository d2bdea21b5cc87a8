//! 我的待办 and 已办 across every kind of work: what waits on a person, from each kind's queue
//! table (the centre's queues, the office's, the unit's own work), the most urgent due date
//! first; and what they have acted on, newest first.

use sanfu_domain::kernel::{KindSpec, Party, QueueSpec};
use sanfu_domain::{DomainError, Role, Staff};
use serde::Serialize;

use crate::db::{Store, StoreError};
use crate::kernel::items::{ItemSummary, SUMMARY_COLS, SummaryRow, Viewer};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueCount {
    /// The kind of work the queue holds.
    pub kind: &'static str,
    pub queue: &'static str,
    pub label: &'static str,
    pub count: i64,
}

/// One item waiting in a queue.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub kind: &'static str,
    pub queue: &'static str,
    pub label: &'static str,
    pub item: ItemSummary,
}

/// The queues of every kind that wait on `staff`; a unit's own queues only of the kinds it has
/// been handed (`handed`: none means every kind).
fn queues_of(staff: &Staff, specs: &[std::sync::Arc<KindSpec>], handed: Option<&[String]>) -> Vec<(&'static str, QueueSpec)> {
    let plays = |p: Party| match p {
        Party::Hotline => staff.is_hotline(),
        Party::Dispatcher => staff.has(Role::Dispatcher),
        Party::Office => staff.has(Role::OfficeStaff),
        Party::LeadUnit | Party::CoUnit => staff.acts_for_unit(),
        Party::ChargeLeader | Party::Chair | Party::Member | Party::Reader => staff.has(Role::Leader),
        Party::LeadHead => staff.has(Role::UnitHead),
        Party::SectionHead => staff.has(Role::OfficeStaff) && staff.has(Role::UnitHead),
        // A branch's secretary is a unit's head or one of the office (the queue reads their own rows).
        Party::BranchSecretary => staff.has(Role::UnitHead) || staff.has(Role::OfficeStaff),
        Party::Secretary => staff.has(Role::SecretaryGeneral),
        Party::Mayor => staff.has(Role::Mayor),
        Party::Citizen => false,
    };
    let mut v = Vec::new();
    // The parties in the order a desk has always shown them: the centre, the dispatcher, the
    // office, the leaders, then the unit's own work.
    for party in [
        Party::Hotline,
        Party::Dispatcher,
        Party::Office,
        Party::ChargeLeader,
        Party::Secretary,
        Party::Mayor,
        Party::Chair,
        Party::Member,
        Party::Reader,
        Party::SectionHead,
        Party::LeadHead,
        Party::LeadUnit,
        Party::CoUnit,
        Party::BranchSecretary,
    ] {
        if !plays(party) {
            continue;
        }
        let unit_party = matches!(party, Party::LeadUnit | Party::LeadHead | Party::CoUnit);
        for spec in specs {
            if unit_party && handed.is_some_and(|h| !h.iter().any(|k| k == spec.name)) {
                continue;
            }
            for q in spec.queues.iter().filter(|q| q.party == party) {
                v.push((spec.name, q.clone()));
            }
        }
    }
    v
}

/// `(order, FROM … WHERE …)` of a queue: the column its items are ordered by, and where they
/// come from; `param` is the placeholder of the unit (unit queues) or the person (queues of a
/// part one person plays). A queue paced by a due date is ordered by
/// the item's `due_at`, which the indexes on (lead unit, state, due) and (kind, state, due)
/// give in order. Kinds and states are the kinds' own constants, never request text.
fn queue_sql(kind: &str, q: &QueueSpec, param: &str) -> (&'static str, String) {
    let order = if q.pace.is_some() { "w.due_at" } else { "w.created_at" };
    let states: Vec<String> = q.states.iter().map(|s| format!("'{s}'")).collect();
    let states = states.join(", ");
    let mut extension = if q.pending_extension { " AND w.extension_pending = 1" } else { "" }.to_string();
    if q.unit_pending {
        extension.push_str(
            &format!(" AND EXISTS (SELECT 1 FROM assignments p WHERE p.work_id = w.id AND p.unit_id = {param} AND p.active = 1 AND p.outcome IS NULL)"),
        );
    }
    // A unit's queues start from the unit (its lead items, its co-assignments of the kind): the
    // item's kind is written as an expression no index serves, so that neither database's
    // planner walks every open item of the city in that state instead — sampled statistics
    // (SQLite's `analysis_limit`) made it do so at 200,000 orders.
    let from = match q.party {
        // A part one person plays: from that person's rows; a pending queue holds what they
        // have not yet answered.
        p if p.is_personal() => {
            let pending = if q.unit_pending { " AND p.outcome IS NULL" } else { "" };
            let extension = if q.pending_extension { " AND w.extension_pending = 1" } else { "" };
            format!(
                "FROM item_people p JOIN work_items w ON w.id = p.work_id
                 WHERE p.user_id = {param} AND p.party = '{}' AND p.kind = '{kind}' AND w.state IN ({states}){pending}{extension}",
                p.as_str()
            )
        }
        Party::LeadUnit | Party::LeadHead => {
            format!("FROM work_items w WHERE w.lead_unit_id = {param} AND w.state IN ({states}) AND {UNINDEXED_KIND} = '{kind}'{extension}")
        }
        Party::CoUnit => format!(
            "FROM assignments a JOIN work_items w ON w.id = a.work_id
             WHERE a.unit_id = {param} AND a.kind = '{kind}' AND a.active = 1 AND a.role = 'co' AND w.state IN ({states}) AND {UNINDEXED_KIND} = '{kind}'{extension}"
        ),
        _ => format!("FROM work_items w WHERE w.kind = '{kind}' AND w.state IN ({states}){extension}"),
    };
    (order, from)
}

/// Where a queue's items come from, for counting them: by the item's kind as an index serves
/// it (`work_items_lead_kind` holds a unit's items by kind and state, so a unit's queue is
/// counted from the index alone). Counted as the page's rows were, over the expression, every
/// item of the queue was read whole: 29,675 for the largest unit at ten million orders, 55 ms
/// (BENCHMARKS §10).
fn counted_from(from: &str) -> String {
    from.replace(UNINDEXED_KIND, "w.kind")
}

/// The item's kind as an expression no index serves: a unit's queues start from the unit (see
/// `queue_sql`); their counts use the column itself (`counted_from`).
const UNINDEXED_KIND: &str = "w.kind || ''";

/// The queues of `staff`, each with the SQL of where its items come from, as parts of one
/// statement: the unit's and the person's placeholders numbered as they are first needed (a
/// statement binds only what it uses), and the values to bind in order.
struct Plan {
    queues: Vec<(&'static str, QueueSpec, &'static str, String)>,
    binds: Vec<String>,
}

fn plan(staff: &Staff, specs: &[std::sync::Arc<KindSpec>], handed: Option<&[String]>) -> Plan {
    let mut binds: Vec<String> = Vec::new();
    let (mut unit_p, mut user_p) = (None, None);
    let mut queues = Vec::new();
    for (kind, q) in queues_of(staff, specs, handed) {
        let param = match q.party {
            Party::LeadUnit | Party::LeadHead | Party::CoUnit => *unit_p.get_or_insert_with(|| {
                binds.push(staff.unit_id.clone());
                binds.len()
            }),
            p if p.is_personal() => *user_p.get_or_insert_with(|| {
                binds.push(staff.user_id.clone());
                binds.len()
            }),
            _ => 0,
        };
        let (order, from) = queue_sql(kind, &q, &format!("${param}"));
        queues.push((kind, q, order, from));
    }
    Plan { queues, binds }
}

/// A queue's key in a link or a query: `kind.queue`.
pub fn queue_key(kind: &str, queue: &str) -> String {
    format!("{kind}.{queue}")
}

impl Store {
    /// The kinds a unit has ever been handed (led, assisted, drafted), of those with queues of
    /// a unit's: one index seek each (assignments by unit and kind), in one statement. A unit
    /// never handed a topic or a document reads none of their queues. None for those who do
    /// not act for a unit.
    async fn handed_kinds(&self, staff: &Staff, specs: &[std::sync::Arc<KindSpec>]) -> Result<Option<Vec<String>>, StoreError> {
        if !staff.acts_for_unit() {
            return Ok(None);
        }
        // Kind names are the kinds' own constants, never request text.
        let parts: Vec<String> = specs
            .iter()
            .filter(|s| s.queues.iter().any(|q| matches!(q.party, Party::LeadUnit | Party::LeadHead | Party::CoUnit)))
            .map(|s| format!("SELECT CAST('{0}' AS TEXT) WHERE EXISTS (SELECT 1 FROM assignments WHERE unit_id = $1 AND kind = '{0}')", s.name))
            .collect();
        if parts.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let kinds: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(parts.join(" UNION ALL "))).bind(&staff.unit_id).fetch_all(self.pool()).await?;
        Ok(Some(kinds))
    }

    /// The counts of every queue that waits on `staff`, and nothing else: the badge every page
    /// shows. One statement for all of them.
    pub async fn queue_counts(&self, staff: &Staff) -> Result<Vec<QueueCount>, StoreError> {
        let specs = self.kind_specs();
        let handed = self.handed_kinds(staff, &specs).await?;
        let p = plan(staff, &specs, handed.as_deref());
        if p.queues.is_empty() {
            return Ok(Vec::new());
        }
        let parts: Vec<String> = p.queues.iter().enumerate().map(|(i, (_, _, _, from))| format!("SELECT CAST({i} AS BIGINT), COUNT(*) {}", counted_from(from))).collect();
        let mut query = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(parts.join(" UNION ALL ")));
        for b in &p.binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        Ok(p.queues
            .iter()
            .enumerate()
            .map(|(i, (kind, q, _, _))| QueueCount {
                kind,
                queue: q.code,
                label: q.label,
                count: rows.iter().find(|r| r.0 == i as i64).map(|r| r.1).unwrap_or(0),
            })
            .collect())
    }

    /// The counts of every queue that waits on `staff`, and the items of page `page`, the
    /// most urgent first (an item in two queues shows once, in the first). One statement: each
    /// queue's size and its first rows, a unit has a dozen queues.
    ///
    /// With `only` (`kind.queue`, as `work_order.to_sign` … the tab's key) the items are that
    /// queue's alone, the counts still every queue's; a queue that is not the reader's is
    /// `unknown_queue`.
    pub async fn waiting(&self, staff: &Staff, page: u32, per_page: u32, only: Option<&str>) -> Result<(Vec<QueueCount>, Vec<Waiting>), StoreError> {
        let want = i64::from(page * per_page);
        let specs = self.kind_specs();
        let handed = self.handed_kinds(staff, &specs).await?;
        let p = plan(staff, &specs, handed.as_deref());
        if let Some(o) = only && !p.queues.iter().any(|(kind, q, _, _)| queue_key(kind, q.code) == o) {
            return Err(DomainError::invalid("unknown_queue", format!("待办队列“{}”不存在或不属于您", o.chars().take(40).collect::<String>())).into());
        }
        if p.queues.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let parts: Vec<String> = p
            .queues
            .iter()
            .enumerate()
            .map(|(i, (kind, q, order, from))| {
                // A queue not asked for gives no rows (its count comes from `queue_counts`);
                // its parameters stay in the statement, so the binds are the same.
                let limit = if only.is_none_or(|o| o == queue_key(kind, q.code)) { want } else { 0 };
                let counted = counted_from(from);
                format!(
                    "SELECT * FROM (SELECT CAST({i} AS BIGINT) AS q, (SELECT COUNT(*) {counted}) AS n, COALESCE({order}, w.created_at) AS k, {SUMMARY_COLS}
                     {from} ORDER BY {order}, w.id LIMIT {limit}) q{i}"
                )
            })
            .collect();
        type Row = (i64, i64, i64, String, String, String, String, String, Option<String>, i64, Option<i64>, Option<i64>);
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(parts.join(" UNION ALL ")));
        for b in &p.binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let all_counts = if only.is_some() { Some(self.queue_counts(staff).await?) } else { None };
        let mut counts = Vec::new();
        let mut candidates: Vec<(i64, usize, SummaryRow)> = Vec::new();
        for (i, (kind, q, _, _)) in p.queues.iter().enumerate() {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.0 == i as i64).collect();
            counts.push(QueueCount { kind, queue: q.code, label: q.label, count: mine.first().map(|r| r.1).unwrap_or(0) });
            // In the queue's own order (the union keeps no order of its parts).
            let mut mine = mine;
            mine.sort_by(|a, b| (a.2, &a.3).cmp(&(b.2, &b.3)));
            for r in mine {
                if !candidates.iter().any(|(_, _, c)| c.0 == r.3) {
                    candidates.push((r.2, i, (r.3.clone(), r.4.clone(), r.5.clone(), r.6.clone(), r.7.clone(), r.8.clone(), r.9, r.10, r.11)));
                }
            }
        }
        if let Some(c) = all_counts {
            counts = c;
        }
        candidates.sort_by(|a, b| (a.0, &a.2.0).cmp(&(b.0, &b.2.0)));
        let start = ((page - 1) * per_page) as usize;
        let page: Vec<_> = candidates.into_iter().skip(start).take(per_page as usize).collect();
        let queues: Vec<_> = page.iter().map(|c| (p.queues[c.1].0, p.queues[c.1].1.code, p.queues[c.1].1.label)).collect();
        let items = self.summaries_of(page.into_iter().map(|c| c.2).collect(), Viewer::of(staff)).await?;
        Ok((counts, items.into_iter().zip(queues).map(|(item, (kind, queue, label))| Waiting { kind, queue, label, item }).collect()))
    }

    /// 已办: the items of any kind `staff` has acted on, most recent first: (total, page of
    /// (id, kind, when last acted ms)).
    pub async fn acted_on(&self, staff: &Staff, page: u32, per_page: u32) -> Result<(i64, Vec<(String, String, i64)>), StoreError> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT e.entity_id) FROM events e JOIN work_items w ON w.id = e.entity_id WHERE e.actor_id = $1",
        )
        .bind(&staff.user_id)
        .fetch_one(self.pool())
        .await?;
        let sql = format!(
            "SELECT e.entity_id, MIN(w.kind), MAX(e.at) FROM events e JOIN work_items w ON w.id = e.entity_id WHERE e.actor_id = $1
             GROUP BY e.entity_id ORDER BY MAX(e.at) DESC, e.entity_id LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let rows: Vec<(String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&staff.user_id).fetch_all(self.pool()).await?;
        Ok((total, rows))
    }
}
