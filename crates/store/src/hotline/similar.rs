//! Possible duplicates of an order being registered (重复件): open orders of recent days from
//! the same caller, or about the same thing in near-duplicate words, so that the operator can
//! merge instead of sending the same problem to a unit twice.

use chrono::{Duration, Utc};
use sanfu_domain::{DomainError, Staff};
use sanfu_text::dup;
use serde::Serialize;

use crate::db::{Store, StoreError, to_ms};
use crate::hotline::orders::OrderSummary;

#[derive(Debug, Clone, Serialize)]
pub struct SimilarOrder {
    pub order: OrderSummary,
    /// 0..1, how alike the texts are.
    pub similarity: f32,
    pub same_caller: bool,
    pub same_place: bool,
    /// A near-copy of it (高度疑似重复): merge rather than dispatch twice.
    pub likely_duplicate: bool,
}

/// Orders registered this many days back are compared.
pub const RECENT_DAYS: i64 = 30;

impl Store {
    /// Open orders of the last [`RECENT_DAYS`] days like this text: near-duplicates by their
    /// words, and those of the same caller about something alike. Best first, at most five.
    pub async fn similar_orders(
        &self,
        subject: Option<&str>,
        content: &str,
        phone: Option<&str>,
        address: Option<&str>,
        exclude: Option<&str>,
        staff: &Staff,
    ) -> Result<Vec<SimilarOrder>, StoreError> {
        if !staff.is_hotline() {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心可以查重").into());
        }
        let since = to_ms(Utc::now() - Duration::days(RECENT_DAYS));
        let seg = self.segmenter().await?;
        let words = crate::search::key_words(&seg, content, 16);
        // The best 300 of the newest 20,000 orders sharing a word: a month of a city of
        // 700 orders a day (older ones are not compared anyway).
        let mut candidates = self.search_any(&words, &["order"], 300, Some(20_000)).await?;
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = phone {
            let same: Vec<(String,)> = sqlx::query_as(
                "SELECT w.id FROM work_orders o JOIN work_items w ON w.id = o.id WHERE o.citizen_phone = $1 AND w.created_at >= $2",
            )
            .bind(p)
            .bind(since)
            .fetch_all(self.pool())
            .await?;
            candidates.extend(same.into_iter().map(|(id,)| id));
        }
        candidates.sort();
        candidates.dedup();
        if let Some(x) = exclude {
            candidates.retain(|id| id != x);
        }
        let print = dup::fingerprint(content);
        let subject = subject.unwrap_or_default();
        let mut found: Vec<(String, f32, bool, bool, bool)> = Vec::new();
        for chunk in candidates.chunks(500) {
            let (clause, _) = crate::db::in_clause(2, chunk.len());
            let mut q = sqlx::query_as::<_, (String, String, Option<String>, Option<String>, String)>(sqlx::AssertSqlSafe(format!(
                "SELECT w.id, o.content, o.citizen_phone, o.address, w.title FROM work_items w JOIN work_orders o ON o.id = w.id
                 WHERE w.created_at >= $1 AND w.closed_at IS NULL AND w.id IN {clause}"
            )))
            .bind(since);
            for id in chunk {
                q = q.bind(id);
            }
            for (id, text, their_phone, their_address, their_subject) in q.fetch_all(self.pool()).await? {
                let s = sanfu_text::cosine(&print, &dup::fingerprint(&text));
                let same_caller = phone.is_some() && their_phone.as_deref() == phone;
                let same_place = match (address.map(str::trim).filter(|a| !a.is_empty()), their_address.as_deref()) {
                    (Some(a), Some(b)) => a == b.trim(),
                    _ => false,
                };
                // The same caller about something alike counts at a lower bar than a stranger.
                if s >= dup::DUPLICATE_SIMILARITY || ((same_caller || same_place) && s >= dup::DUPLICATE_SIMILARITY / 2.0) {
                    let likely = dup::likely_duplicate_given(s, subject, content, &their_subject, &text);
                    found.push((id, s, same_caller, same_place, likely));
                }
            }
        }
        // Near-copies first, then by how alike.
        found.sort_by(|a, b| b.4.cmp(&a.4).then(b.1.total_cmp(&a.1)));
        found.truncate(5);
        let ids: Vec<String> = found.iter().map(|f| f.0.clone()).collect();
        let summaries = self.summaries(&ids, crate::hotline::orders::Viewer::of(staff)).await?;
        Ok(summaries
            .into_iter()
            .zip(found)
            .map(|(order, (_, similarity, same_caller, same_place, likely_duplicate))| SimilarOrder { order, similarity, same_caller, same_place, likely_duplicate })
            .collect())
    }
}
