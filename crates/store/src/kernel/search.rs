//! Full-text search across every kind of work: what the kinds indexed (the hotline its orders'
//! text and answers, every kind its items' titles), ranked by the database, narrowed to what
//! the reader may see.

use sanfu_domain::Staff;

use crate::db::{Store, StoreError, in_clause};
use crate::kernel::items::{ITEM_DOC, ItemSummary, Page, Viewer};
use crate::org::Scope;

impl Store {
    /// Items of any kind whose indexed text matches `q`, best first, that `staff` may read.
    pub async fn search_items(&self, staff: &Staff, q: &str, page: u32, per_page: u32) -> Result<Page<ItemSummary>, StoreError> {
        let per_page = per_page.clamp(1, 100);
        let page = page.max(1);
        let ranked = self.search_ids(q, &[ITEM_DOC, "order", "answer"]).await?;
        let mut seen = std::collections::HashSet::new();
        let mut ids: Vec<String> = ranked.into_iter().filter(|id| seen.insert(id.clone())).collect();
        if let Scope::Units(units) = Store::scope_of(staff) {
            let mut keep = std::collections::HashSet::new();
            for chunk in ids.chunks(500) {
                let (ic, next) = in_clause(1, chunk.len());
                let (uc, _) = in_clause(next, units.len());
                let sql = format!("SELECT DISTINCT work_id FROM assignments WHERE work_id IN {ic} AND unit_id IN {uc}");
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(id);
                }
                for u in &units {
                    q = q.bind(u);
                }
                keep.extend(q.fetch_all(self.pool()).await?);
            }
            ids.retain(|id| keep.contains(id));
        }
        let total = ids.len() as i64;
        let page_ids: Vec<String> = ids.into_iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
        let items = self.item_summaries(&page_ids, Viewer::of(staff)).await?;
        Ok(Page { items, total, page, per_page })
    }
}
