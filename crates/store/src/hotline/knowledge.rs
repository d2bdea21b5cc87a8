//! 知识库: answers the operators search while on the phone, some of them public. An operator
//! closes an order at once (直接办结) with an entry, and the entry is recorded on the order.

use sanfu_domain::validate::{self, MAX_CONTENT_CHARS};
use sanfu_domain::{Actor, DomainError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, new_id, now_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub content: String,
    pub category_id: Option<String>,
    pub keywords: String,
    pub public: bool,
    pub used: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    pub title: Option<String>,
    pub content: Option<String>,
    pub category_id: Option<String>,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub public: bool,
}

type Row = (String, String, String, Option<String>, String, i64, i64, i64);

fn entry((id, title, content, category_id, keywords, public, used, updated): Row) -> Entry {
    Entry { id, title, content, category_id, keywords, public: public == 1, used, updated_at: from_ms(updated) }
}

const COLUMNS: &str = "id, title, content, category_id, keywords, public, used, updated_at";

/// How strongly an entry answers a text, or None when it does not. Evidence: its keywords that
/// the text holds whole (as a word of the text, or written in it when three characters or
/// more: 外地户籍, not just 外地), three each; and the other words of some length the two share,
/// one each. One keyword and two shared words, two keywords, four shared words, or three that
/// are half of a short question's are an answer;
/// a single common word is chance (家里老人孩子 does not make 高龄津贴 an answer to a water cut).
/// Measured on the demo city's orders (`sanfu eval knowledge`, BENCHMARKS.md).
fn relevance(seg: &sanfu_text::Segmenter, text: &str, mine: &std::collections::HashSet<String>, e: &Entry) -> Option<usize> {
    let norm = sanfu_text::segment::normalize(text);
    let keywords: Vec<String> = e.keywords.split_whitespace().map(sanfu_text::segment::normalize).filter(|k| k.chars().count() >= 2).collect();
    let hits = keywords.iter().filter(|k| mine.contains(seg.canonical(k)) || (k.chars().count() >= 3 && norm.contains(k.as_str()))).count();
    let theirs: std::collections::HashSet<String> = seg.words(&format!("{}\n{}", e.title, e.content)).into_iter().collect();
    let shared = theirs.iter().filter(|w| w.chars().count() >= 2 && mine.contains(*w) && !keywords.contains(*w)).count();
    // A short question that is nearly all the entry's words is answered by it too.
    let long_words = mine.iter().filter(|w| w.chars().count() >= 2).count();
    let covered = shared >= 3 && shared * 2 >= long_words;
    (hits >= 2 || (hits >= 1 && shared >= 2) || shared >= 4 || covered).then_some(hits * 3 + shared)
}

impl Store {
    async fn check_entry(&self, input: &EntryInput) -> Result<(String, String, Option<String>, String), StoreError> {
        let title = validate::text("subject", "标题", input.title.as_deref().unwrap_or_default(), 200)?;
        let content = validate::text("content", "答复内容", input.content.as_deref().unwrap_or_default(), MAX_CONTENT_CHARS)?;
        let category = match input.category_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => Some(
                self.category(c)
                    .await?
                    .ok_or_else(|| DomainError::invalid("unknown_category", format!("分类“{c}”不存在")))?
                    .id,
            ),
        };
        let keywords = validate::optional_text("keywords", "关键词", Some(&input.keywords), 500)?.unwrap_or_default();
        Ok((title, content, category, keywords))
    }

    pub async fn create_entry(&self, input: &EntryInput, actor: &Actor) -> Result<Entry, StoreError> {
        let (title, content, category, keywords) = self.check_entry(input).await?;
        let id = new_id();
        let now = now_ms();
        let index = Store::index_row(&*self.segmenter().await?, &id, "knowledge", &format!("{title}\n{keywords}\n{content}"));
        in_tx!(self, tx => {
            Store::index_in(&mut tx, &index).await?;
            sqlx::query("INSERT INTO knowledge (id, title, content, category_id, keywords, public, active, created_by, created_at, updated_at, used)
                         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8, 0)")
                .bind(&id).bind(&title).bind(&content).bind(&category).bind(&keywords).bind(i64::from(input.public))
                .bind(actor.user_id()).bind(now)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("knowledge:{id}"), entity_kind: "knowledge", action: "create", actor,
                from_state: None, to_state: None,
                details: json!({"title": title, "content": content, "category_id": category, "keywords": keywords, "public": input.public}),
                at: Some(now),
            }).await?;
            Ok(())
        })?;
        self.entry(&id).await?.ok_or_else(|| StoreError::Other("entry vanished".into()))
    }

    /// Replace an entry's text; the old text stays in the event log.
    pub async fn update_entry(&self, id: &str, input: &EntryInput, actor: &Actor) -> Result<Entry, StoreError> {
        let before = self.entry(id).await?.ok_or_else(|| DomainError::not_found("knowledge_not_found", "知识条目不存在"))?;
        let (title, content, category, keywords) = self.check_entry(input).await?;
        let now = now_ms();
        let index = Store::index_row(&*self.segmenter().await?, id, "knowledge", &format!("{title}\n{keywords}\n{content}"));
        in_tx!(self, tx => {
            Store::index_in(&mut tx, &index).await?;
            sqlx::query("UPDATE knowledge SET title = $1, content = $2, category_id = $3, keywords = $4, public = $5, updated_at = $6 WHERE id = $7")
                .bind(&title).bind(&content).bind(&category).bind(&keywords).bind(i64::from(input.public)).bind(now).bind(id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("knowledge:{id}"), entity_kind: "knowledge", action: "update", actor,
                from_state: None, to_state: None,
                details: json!({"before": {"title": before.title, "content": before.content}, "title": title, "content": content, "public": input.public}),
                at: Some(now),
            }).await?;
            Ok(())
        })?;
        self.entry(id).await?.ok_or_else(|| StoreError::Other("entry vanished".into()))
    }

    pub async fn entry(&self, id: &str) -> Result<Option<Entry>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM knowledge WHERE id = $1 AND active = 1");
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        Ok(row.map(entry))
    }

    /// Entries matching every term of `q` (in title, text or keywords), titles first, then the
    /// most used. `public_only` for citizens.
    pub async fn search_entries(&self, q: &str, category: Option<&str>, public_only: bool, limit: u32) -> Result<Vec<Entry>, StoreError> {
        // Ranked full-text search first; the plain substring match below for what it misses
        // (words the segmenter drops, such as numbers).
        if !q.trim().is_empty() {
            let ids = self.search_ids(q, &["knowledge"]).await?;
            if !ids.is_empty() {
                let mut found = Vec::new();
                for id in ids.iter().take(200) {
                    if let Some(e) = self.entry(id).await? {
                        let category_ok = match category.filter(|c| !c.is_empty()) {
                            Some(c) => e.category_id.as_deref() == Some(c) || self.category(c).await?.is_some_and(|x| Some(x.id) == e.category_id),
                            None => true,
                        };
                        if category_ok && (!public_only || e.public) {
                            found.push(e);
                        }
                    }
                    if found.len() >= limit.clamp(1, 100) as usize {
                        break;
                    }
                }
                if !found.is_empty() {
                    return Ok(found);
                }
            }
        }
        let terms: Vec<String> = q.split_whitespace().take(8).map(|t| t.chars().take(50).collect()).collect();
        let mut conds = vec!["active = 1".to_string()];
        let mut binds: Vec<String> = Vec::new();
        for t in &terms {
            binds.push(format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
            let n = binds.len();
            conds.push(format!(
                "(title LIKE ${n} ESCAPE '\\' OR content LIKE ${n} ESCAPE '\\' OR keywords LIKE ${n} ESCAPE '\\')"
            ));
        }
        if let Some(c) = category.filter(|c| !c.is_empty()) {
            let id = self.category(c).await?.map(|c| c.id).unwrap_or_else(|| c.to_string());
            binds.push(id);
            conds.push(format!("category_id = ${}", binds.len()));
        }
        if public_only {
            conds.push("public = 1".into());
        }
        let title_rank = match terms.first() {
            Some(_) => "CASE WHEN title LIKE $1 ESCAPE '\\' THEN 0 ELSE 1 END, ".to_string(),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM knowledge WHERE {} ORDER BY {title_rank}used DESC, updated_at DESC LIMIT {}",
            conds.join(" AND "),
            limit.clamp(1, 100)
        );
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(self.pool()).await?.into_iter().map(entry).collect())
    }

    /// Entries about what `text` is about (any of its words, best first): for an operator on a
    /// call, and for the order page's 直接办结.
    pub async fn related_entries(&self, text: &str, public_only: bool, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let seg = self.segmenter().await?;
        let mine: std::collections::HashSet<String> = seg.words(text).into_iter().collect();
        let mut scored: Vec<(usize, Entry)> = Vec::new();
        for e in self.knowledge_candidates(text, 50).await? {
            if public_only && !e.public {
                continue;
            }
            if let Some(score) = relevance(&seg, text, &mine, &e) {
                scored.push((score, e));
            }
        }
        // The strongest evidence first; the index's order among equals.
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        Ok(scored.into_iter().take(limit).map(|(_, e)| e).collect())
    }

    /// The entries holding any of the text's key words, in the index's order: what
    /// [`Store::related_entries`] weighs (and what it showed before it weighed them).
    pub async fn knowledge_candidates(&self, text: &str, limit: i64) -> Result<Vec<Entry>, StoreError> {
        let seg = self.segmenter().await?;
        let words = crate::search::key_words(&seg, text, 16);
        let mut out = Vec::new();
        for id in self.search_any(&words, &["knowledge"], limit, None).await? {
            if let Some(e) = self.entry(&id).await? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Check the entry used to close an order and count its use.
    pub(crate) async fn use_entry(&self, conn: &mut sqlx::AnyConnection, id: &str) -> Result<String, StoreError> {
        let title: Option<String> = sqlx::query_scalar("SELECT title FROM knowledge WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let title = title.ok_or_else(|| DomainError::invalid("unknown_knowledge", format!("知识条目“{id}”不存在")))?;
        sqlx::query("UPDATE knowledge SET used = used + 1 WHERE id = $1").bind(id).execute(&mut *conn).await?;
        Ok(title)
    }
}
