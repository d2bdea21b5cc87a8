//! 督办台账: the items a member of staff may read, filtered by source, unit, leader, state and
//! card colour, each row with what the office looks for at a glance (its cards, the reports a
//! unit has missed, who leads and helps, the responsible leader).

use std::collections::BTreeMap;

use sanfu_domain::supervision::{Source, State};
use sanfu_domain::{DomainError, Staff};
use serde::{Deserialize, Serialize};

use crate::db::{Store, StoreError, in_clause, to_ms};
use crate::kernel::items::{ItemSummary, Page, Viewer};
use crate::org::Scope;

/// The ledger's filters; each optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LedgerFilter {
    pub state: Option<String>,
    pub source: Option<String>,
    /// A unit (id, code or name) that leads or helps.
    pub unit: Option<String>,
    /// The responsible leader (user name or id).
    pub leader: Option<String>,
    /// yellow, red, or any: items with a card in force of that colour.
    pub card: Option<String>,
    /// Words in the title.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    #[serde(flatten)]
    pub item: ItemSummary,
    pub source: &'static str,
    pub source_label: &'static str,
    pub source_ref: Option<String>,
    pub leader: Option<String>,
    pub co_units: Vec<String>,
    pub yellow_cards: u32,
    pub red_cards: u32,
    /// Reports owed and not made by their due time, over all units.
    pub missed_reports: u32,
    /// green, yellow, red, closed: the row's colour.
    pub colour: &'static str,
}

impl Store {
    /// The ledger's page `page` under `filter`, newest first.
    pub async fn supervision_ledger(&self, staff: &Staff, filter: &LedgerFilter, page: u32, per_page: u32) -> Result<Page<LedgerRow>, StoreError> {
        let per_page = per_page.clamp(1, 10_000);
        let page = page.max(1);
        let mut conds = vec!["w.kind = 'supervision'".to_string()];
        let mut binds: Vec<String> = Vec::new();
        let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if let Some(s) = some(&filter.state) {
            let st = State::parse(&s).ok_or_else(|| DomainError::invalid("invalid_state_filter", format!("状态“{s}”不存在")))?;
            binds.push(st.as_str().into());
            conds.push(format!("w.state = ${}", binds.len()));
        }
        if let Some(s) = some(&filter.source) {
            let src = Source::parse(&s).ok_or_else(|| DomainError::invalid("invalid_source", format!("事项来源“{s}”不存在")))?;
            binds.push(src.as_str().into());
            conds.push(format!("s.source = ${}", binds.len()));
        }
        if let Some(u) = some(&filter.unit) {
            let unit = self.unit(&u).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{u}”不存在")))?;
            binds.push(unit.id);
            conds.push(format!(
                "w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id = ${} AND a.kind = 'supervision' AND a.active = 1)",
                binds.len()
            ));
        }
        if let Some(l) = some(&filter.leader) {
            let id: Option<String> =
                sqlx::query_scalar("SELECT id FROM users WHERE username = $1 OR id = $1 OR name = $1").bind(&l).fetch_optional(self.pool()).await?;
            binds.push(id.ok_or_else(|| DomainError::invalid("unknown_leader", format!("责任领导“{l}”不存在")))?);
            conds.push(format!("s.leader_id = ${}", binds.len()));
        }
        if let Some(c) = some(&filter.card) {
            let colour = match c.as_str() {
                "yellow" | "黄牌" => "AND c.colour = 'yellow'",
                "red" | "红牌" => "AND c.colour = 'red'",
                "any" | "有" => "",
                _ => return Err(DomainError::invalid("invalid_card_filter", format!("亮牌筛选“{c}”无效：可选 yellow、red、any")).into()),
            };
            // Few items carry cards: read them from the cards, not a probe per item.
            conds.push(format!("w.id IN (SELECT c.work_id FROM cards c WHERE c.revoked_at IS NULL {colour})"));
        }
        if let Some(q) = some(&filter.q) {
            binds.push(format!("%{}%", q.replace(['%', '_'], "")));
            conds.push(format!("w.title LIKE ${}", binds.len()));
        }
        if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = in_clause(binds.len() + 1, units.len());
            binds.extend(units);
            conds.push(format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause} AND a.kind = 'supervision')"));
        }
        let from = format!("FROM work_items w JOIN supervision_items s ON s.id = w.id WHERE {}", conds.join(" AND "));
        let mut cq = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {from}")));
        for b in &binds {
            cq = cq.bind(b);
        }
        let total = cq.fetch_one(self.pool()).await?;
        let sql = format!(
            "SELECT w.id, s.source, s.source_ref, s.leader_id {from} ORDER BY w.created_at DESC, w.id DESC LIMIT {per_page} OFFSET {}",
            u64::from(page - 1) * u64::from(per_page)
        );
        let mut lq = sqlx::query_as::<_, (String, String, Option<String>, Option<String>)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            lq = lq.bind(b);
        }
        let rows = lq.fetch_all(self.pool()).await?;
        let items = self.ledger_rows(rows, Viewer::of(staff)).await?;
        Ok(Page { items, total, page, per_page })
    }

    async fn ledger_rows(&self, rows: Vec<(String, String, Option<String>, Option<String>)>, viewer: Viewer) -> Result<Vec<LedgerRow>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let summaries: BTreeMap<String, ItemSummary> = self.item_summaries(&ids, viewer).await?.into_iter().map(|s| (s.id.clone(), s)).collect();
        let (clause, _) = in_clause(1, ids.len());
        let per_id = |sql: String| {
            let mut q = sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(id);
            }
            q
        };
        let cards = per_id(format!("SELECT work_id, colour, COUNT(*) FROM cards WHERE revoked_at IS NULL AND work_id IN {clause} GROUP BY work_id, colour"))
            .fetch_all(self.pool())
            .await?;
        let co = per_id(format!("SELECT work_id, unit_id, idx FROM assignments WHERE active = 1 AND role = 'co' AND work_id IN {clause} ORDER BY idx"))
            .fetch_all(self.pool())
            .await?;
        let now = to_ms(chrono::Utc::now());
        let mut mq = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
            "SELECT work_id, COUNT(*) FROM deadlines WHERE kind = 'report' AND due_at < ${} AND (met_at IS NULL OR met_at > due_at)
             AND work_id IN {clause} GROUP BY work_id",
            ids.len() + 1
        )));
        for id in &ids {
            mq = mq.bind(id);
        }
        let missed: BTreeMap<String, i64> = mq.bind(now).fetch_all(self.pool()).await?.into_iter().collect();
        let names = self.unit_names().await?;
        let users = self.user_names().await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, source, source_ref, leader)| {
                let item = summaries.get(&id)?.clone();
                let count = |colour: &str| cards.iter().find(|c| c.0 == id && c.1 == colour).map(|c| c.2 as u32).unwrap_or(0);
                let src = Source::parse(&source).unwrap_or(Source::LeaderInstruction);
                let (yellow, red) = (count("yellow"), count("red"));
                let colour = match (item.state.as_str(), item.level) {
                    ("closed" | "cancelled", _) => "closed",
                    (_, Some("red")) => "red",
                    _ if red > 0 => "red",
                    (_, Some("yellow")) => "yellow",
                    _ if yellow > 0 || missed.get(&id).is_some_and(|m| *m > 0) => "yellow",
                    _ => "green",
                };
                Some(LedgerRow {
                    source: src.as_str(),
                    source_label: src.label(),
                    source_ref,
                    leader: leader.and_then(|l| users.get(&l).cloned()),
                    co_units: co.iter().filter(|c| c.0 == id).map(|c| names.get(&c.1).cloned().unwrap_or_default()).collect(),
                    yellow_cards: yellow,
                    red_cards: red,
                    missed_reports: missed.get(&id).copied().unwrap_or(0) as u32,
                    colour,
                    item,
                })
            })
            .collect())
    }
}
