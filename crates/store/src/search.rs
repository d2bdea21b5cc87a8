//! Full-text search in Chinese over orders (their text and their answers) and the knowledge
//! base. Text is segmented by the same segmenter as everything else (jieba with the city's
//! words, in search mode: words and their sub-words) and the words are stored in `search_docs`
//! in the same transaction as the text they come from, so the index never disagrees with the
//! database, whatever crashes. SQLite searches them with an FTS5 table kept by triggers
//! (ranked by BM25); PostgreSQL with a tsvector of the same words and a GIN index (matches of
//! every word ranked as BM25 ranks them on SQLite, by their count of words; matches of some of
//! the words by ts_rank). `sanfu search rebuild` indexes everything again, after the dictionary
//! changed.

use std::sync::Arc;

use sanfu_text::Segmenter;
/// The synonym groups every city starts with.
pub use sanfu_text::segment::SYNONYMS as BUILTIN_SYNONYMS;
use serde::Serialize;

use crate::Backend;
use crate::db::{Store, StoreError};

/// The index rows of one text: the document it belongs to, its kind, its words.
#[derive(Clone)]
pub(crate) struct IndexRow {
    pub doc_id: String,
    pub kind: &'static str,
    pub terms: String,
}

/// A piece of a snippet: plain text, or a match to highlight.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// How many matches a search of orders ranks (the newest) and keeps before its filters.
const CANDIDATES: i64 = 2_000;

/// On PostgreSQL, the index's documents are grouped in windows of 2^13 consecutive ids (see
/// [`Store::fts_windows`]; the migration `postgres:search_docs_tsv_windows` writes the lexeme).
const WINDOW_BITS: i64 = 13;
/// The most windows one query asks for (2^18 documents).
const MAX_WINDOWS: i64 = 32;

/// The count of the words of the `search_docs` row named `row` (one fewer, as the spaces between
/// them: the same order), by which both databases rank the matches of every word of a query.
fn word_count(row: &str) -> String {
    format!("length({row}.terms) - length(replace({row}.terms, ' ', ''))")
}

impl Store {
    /// The segmenter with the city's words, built once per process (and again when the
    /// dictionary changes).
    pub async fn segmenter(&self) -> Result<Arc<Segmenter>, StoreError> {
        if let Some(s) = self.slots.get::<sanfu_text::Segmenter>() {
            return Ok(s);
        }
        let words = self.city_words().await?;
        let groups = self.synonyms().await?;
        let s = tokio::task::spawn_blocking(move || {
            let mut s = Segmenter::with_words(words.iter().map(String::as_str));
            for g in &groups {
                s.add_synonyms(g);
            }
            Arc::new(s)
        })
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        self.slots.set(Some(s.clone()));
        Ok(s)
    }

    /// The administrators' synonym groups (the built-in ones are in `sanfu_text::segment::SYNONYMS`).
    pub async fn synonyms(&self) -> Result<Vec<Vec<String>>, StoreError> {
        self.setting("synonyms").await
    }

    /// Replaces the administrators' synonym groups: each of two to ten words of at most 20
    /// characters, a word in one group only. Search, duplicates and knowledge suggestions read
    /// them at once; the index is rebuilt in the background so that earlier texts match too.
    pub async fn set_synonyms(&self, groups: &[Vec<String>], actor: &sanfu_domain::Actor) -> Result<Vec<Vec<String>>, StoreError> {
        use sanfu_domain::DomainError;
        let mut seen = std::collections::HashSet::new();
        let mut clean: Vec<Vec<String>> = Vec::new();
        for g in groups {
            let words: Vec<String> = g.iter().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect();
            if words.is_empty() {
                continue;
            }
            if words.len() < 2 || words.len() > 10 || words.iter().any(|w| w.chars().count() > 20) {
                return Err(DomainError::invalid("invalid_synonyms", format!("同义词组“{}”应有 2 到 10 个词，每个不超过 20 字", words.join("、"))).into());
            }
            for w in &words {
                if !seen.insert(w.clone()) {
                    return Err(DomainError::invalid("invalid_synonyms", format!("“{w}”出现在两个同义词组中")).into());
                }
            }
            clean.push(words);
        }
        if clean.len() > 2000 {
            return Err(DomainError::invalid("invalid_synonyms", "同义词组最多 2000 组").into());
        }
        self.put_setting("synonyms", &clean, ("synonyms", "dictionary", "set_synonyms"), serde_json::json!({ "groups": clean }), actor).await?;
        self.forget_segmenter();
        self.rebuild_search_in_background();
        Ok(clean)
    }

    pub(crate) fn forget_segmenter(&self) {
        self.slots.set::<sanfu_text::Segmenter>(None);
    }

    /// Writes the index rows of a document in `tx`, replacing those it had of the same kind.
    pub(crate) async fn index_in(conn: &mut sqlx::AnyConnection, row: &IndexRow) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM search_docs WHERE doc_id = $1 AND kind = $2")
            .bind(&row.doc_id)
            .bind(row.kind)
            .execute(&mut *conn)
            .await?;
        Store::index_new(conn, row).await
    }

    /// Writes the index row of a document that has none yet (one just created).
    pub(crate) async fn index_new(conn: &mut sqlx::AnyConnection, row: &IndexRow) -> Result<(), StoreError> {
        if !row.terms.is_empty() {
            sqlx::query("INSERT INTO search_docs (doc_id, kind, terms) VALUES ($1, $2, $3)")
                .bind(&row.doc_id)
                .bind(row.kind)
                .bind(&row.terms)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// The index row of a text: its words, each once (SQLite's search ranks a match of every
    /// word by the count of them, as BM25 does only when each occurs once: see [`Store::fts`]).
    pub(crate) fn index_row(seg: &Segmenter, doc_id: &str, kind: &'static str, text: &str) -> IndexRow {
        let mut words = seg.search_words(text);
        words.sort_unstable();
        words.dedup();
        IndexRow { doc_id: doc_id.to_string(), kind, terms: words.join(" ") }
    }

    /// The documents of `kinds` that hold every word of `q`, best first, with their doc ids;
    /// at most [`CANDIDATES`]. Empty when the query has no searchable word.
    pub(crate) async fn search_ids(&self, q: &str, kinds: &[&str]) -> Result<Vec<String>, StoreError> {
        let seg = self.segmenter().await?;
        let mut words = seg.search_words(q);
        words.sort_unstable();
        words.dedup();
        words.truncate(12);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // Orders are many: ranked among their newest matches. The rest are ranked whole.
        let newest = kinds.contains(&"order").then_some(CANDIDATES);
        let rows = self.fts(&words, false, kinds, CANDIDATES, newest).await?;
        // An order matched by its text and its answer appears once, at its better rank.
        let mut seen = std::collections::HashSet::new();
        Ok(rows.into_iter().filter(|id| seen.insert(id.clone())).collect())
    }

    /// Public orders (not confidential) matching `q`, best first: (id, number). For the
    /// reply board, which filters them further to answered ones.
    pub async fn search_public(&self, q: &str) -> Result<Vec<(String, String)>, StoreError> {
        // The board's search reads the approved texts only: a word (or a number) found only in
        // an original must not reveal which order holds it.
        let ids = self.search_ids(q, &["publication"]).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for chunk in ids.chunks(1000) {
            let (clause, _) = crate::db::in_clause(1, chunk.len());
            let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!(
                "SELECT w.id, w.number FROM work_items w JOIN work_orders o ON o.id = w.id
                 JOIN publications p ON p.work_id = w.id AND p.withdrawn_at IS NULL
                 WHERE w.id IN {clause} AND o.confidential = 0 AND w.state = 'closed'"
            )));
            for id in chunk {
                query = query.bind(id);
            }
            out.extend(query.fetch_all(self.reader()).await?);
        }
        let rank: std::collections::HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        out.sort_by_key(|(id, _)| rank.get(id.as_str()).copied().unwrap_or(usize::MAX));
        out.truncate(1000);
        Ok(out)
    }

    /// Documents of `kinds` holding any of the given words, best first (among the `newest`
    /// matching, when given): candidates for a closer comparison.
    pub(crate) async fn search_any(&self, words: &[String], kinds: &[&str], limit: i64, newest: Option<i64>) -> Result<Vec<String>, StoreError> {
        self.fts(words, true, kinds, limit, newest).await
    }

    /// The doc ids of `kinds` holding all (or, with `any`, some) of `words`, best first; with
    /// `newest`, the best of the newest that many matches (the index's ids grow with time).
    async fn fts(&self, words: &[String], any: bool, kinds: &[&str], limit: i64, newest: Option<i64>) -> Result<Vec<String>, StoreError> {
        // Words are letters and digits only: nothing in them can be read as query syntax.
        let clean: Vec<String> =
            words.iter().map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>()).filter(|w| !w.is_empty()).collect();
        if clean.is_empty() {
            return Ok(Vec::new());
        }
        let kinds_sql = kinds.iter().map(|k| format!("'{}'", k.replace('\'', ""))).collect::<Vec<_>>().join(", ");
        // Two common words match tens of thousands of a city's orders, and ranking them all took
        // 200 ms at a million; what an office looks for is the recent case, best first.
        let newest = newest.unwrap_or(i64::MAX);
        match self.backend() {
            Backend::Sqlite => {
                // Each word quoted: FTS5 reads it as a phrase; the phrases joined by AND or OR.
                // Equal ranks newest first, whatever plan the statistics of the moment give.
                let m = clean.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(if any { " OR " } else { " " });
                // A document's words are stored once each, so in a match of every word each
                // occurs once, their BM25 weights (IDF) are the same for every match, and BM25
                // ranks the matches by their length alone, the shorter first. That length is
                // the count of the words in the row the join reads anyway (FTS5 counts a word
                // with a dot or a dash inside, 3.5, as two: such texts may move by a place);
                // bm25() reads it from FTS5's table of sizes and each match's positions, half
                // of a search's time (BENCHMARKS §10). Matches of some of the words differ in
                // which they hold: those keep bm25().
                let (score, order) = if any { (", bm25(search_fts) AS score", "f.score".to_string()) } else { ("", word_count("d")) };
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT d.doc_id FROM (SELECT rowid AS r{score} FROM search_fts
                                          WHERE search_fts MATCH $1 ORDER BY rowid DESC LIMIT $3) f
                     JOIN search_docs d ON d.id = f.r WHERE d.kind IN ({kinds_sql}) ORDER BY {order}, f.r DESC LIMIT $2"
                )))
                .bind(m)
                .bind(limit)
                .bind(newest)
                .fetch_all(self.reader())
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }
            Backend::Postgres => self.fts_windows(&clean.join(if any { " | " } else { " & " }), any, &kinds_sql, limit, newest).await,
        }
    }

    /// PostgreSQL's side of [`Store::fts`]. A GIN index has no order: asked for the newest
    /// matches, PostgreSQL visits every match's row first (48,000 for two common words at a
    /// million orders, ~200 ms). So each document's tsvector also holds the lexeme `#n` of its
    /// window (its id >> [`WINDOW_BITS`], kept by the column's expression), and the newest
    /// windows are asked first, together with the words: the index then gives only the matches
    /// inside them, and only those rows are read. Each further query takes as many older
    /// windows as the matches found so far say should hold the rest, unless reading the rest
    /// whole is cheaper (rare words, few matches below), as before the windows.
    ///
    /// Matches of every word are ranked as on SQLite, the texts of fewer words first (BM25's
    /// order there, see [`Store::fts`]); `ts_rank` would weigh how near the words are, but a
    /// document's words are stored sorted and once each, so their positions say nothing, and it
    /// cost most of a window's read. Matches of some of the words keep `ts_rank`.
    async fn fts_windows(&self, q: &str, any: bool, kinds_sql: &str, limit: i64, newest: i64) -> Result<Vec<String>, StoreError> {
        const WINDOW: i64 = 1 << WINDOW_BITS;
        // Higher is better: fewer words, or a higher ts_rank.
        let rank = |d: &str| {
            if any {
                format!("CAST(ts_rank({d}.tsv, to_tsquery('simple', $1)) AS DOUBLE PRECISION)")
            } else {
                format!("CAST({} AS DOUBLE PRECISION) * -1", word_count(d))
            }
        };
        let top: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM search_docs").fetch_one(self.reader()).await?;
        let Some(top) = top else { return Ok(Vec::new()) };
        // (id, doc id, rank) of the matches read so far, newest windows first.
        let mut found: Vec<(i64, String, f64)> = Vec::new();
        let mut hi = top >> WINDOW_BITS;
        // Asked for every match (a whole ranking), the windows would only add queries.
        let mut width = if newest == i64::MAX { MAX_WINDOWS + 1 } else { 2 };
        for round in 0.. {
            if hi < 0 || found.len() as i64 >= newest {
                break;
            }
            let lo = hi - width + 1;
            if lo <= 0 || width > MAX_WINDOWS || round == 4 {
                // The rest of the index, newest first, as many as are still wanted.
                let rows: Vec<(i64, String, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT f.id, f.doc_id, {}
                     FROM (SELECT d.id, d.doc_id, d.tsv, d.terms FROM search_docs d WHERE d.tsv @@ to_tsquery('simple', $1)
                           AND d.kind IN ({kinds_sql}) AND d.id < $2 ORDER BY d.id DESC LIMIT $3) f",
                    rank("f")
                )))
                .bind(q)
                .bind((hi + 1) * WINDOW)
                .bind(newest - found.len() as i64)
                .fetch_all(self.reader())
                .await?;
                found.extend(rows);
                break;
            }
            // Window lexemes are quoted: a tsquery reads them as they are ('#' is no word).
            let windows = (lo..=hi).map(|w| format!("'#{w}'")).collect::<Vec<_>>().join(" | ");
            let rows: Vec<(i64, String, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT d.id, d.doc_id, {} FROM search_docs d
                 WHERE d.tsv @@ (to_tsquery('simple', $1) && CAST($2 AS tsquery)) AND d.kind IN ({kinds_sql})",
                rank("d")
            )))
            .bind(q)
            .bind(windows)
            .fetch_all(self.reader())
            .await?;
            found.extend(rows);
            // Windows to read next: those that, at the rate of matches seen, hold what is still
            // wanted (a quarter more) — while they cost less than reading the rest whole. The
            // index reads every document of a window it is asked for, about a twentieth of the
            // cost of reading a match's row (BENCHMARKS §10): rare words, few matches below, are
            // read at once; none seen yet, they are taken for rare.
            let read = (top - lo * WINDOW + 1) as f64;
            let wanted = (newest - found.len() as i64) as f64;
            let seen = found.len() as f64;
            let (docs, below) = (wanted * read / seen.max(1.0), seen * (lo * WINDOW) as f64 / read);
            width = if seen == 0.0 || docs / 20.0 > below {
                MAX_WINDOWS + 1
            } else {
                ((docs * 1.25 / WINDOW as f64).ceil() as i64).clamp(1, MAX_WINDOWS)
            };
            hi = lo - 1;
        }
        found.sort_unstable_by_key(|f| std::cmp::Reverse(f.0));
        found.truncate(newest.max(0) as usize);
        // Best first; among equals, the newer first (the sort is stable).
        found.sort_by(|a, b| b.2.total_cmp(&a.2));
        found.truncate(limit.max(0) as usize);
        Ok(found.into_iter().map(|(_, id, _)| id).collect())
    }

    /// The words of a query that [`snippet`] marks: segmented once for a page of results.
    pub async fn query_words(&self, q: &str) -> Result<Vec<String>, StoreError> {
        // Every way of writing each word (噪声 marks 噪音 too): the index reads them as one.
        let seg = self.segmenter().await?;
        let mut out: Vec<String> = Vec::new();
        for w in seg.search_words(q) {
            for v in seg.variants_of(&w) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    /// [`Store::rebuild_search`] in the background, for a change of the words (the city's
    /// dictionary, synonyms) that earlier texts must be indexed with.
    pub fn rebuild_search_in_background(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            match store.rebuild_search_if_stale().await {
                Ok(Some(n)) => tracing::info!(documents = n, "检索索引已按新词表重建"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "重建检索索引失败，定时任务稍后重试"),
            }
        });
    }

    /// Rebuild the index if the dictionary changed since it was last rebuilt and no other server
    /// is rebuilding it (the `search_rebuild` lease): run where the dictionary was changed, and
    /// by the timed jobs, so that a rebuild cut off by a server's death is done by another.
    /// `None`: nothing to do, or another server is at it.
    pub async fn rebuild_search_if_stale(&self) -> Result<Option<usize>, StoreError> {
        let wanted: Option<i64> = sqlx::query_scalar("SELECT version FROM changes WHERE name = $1")
            .bind(crate::changes::DICTIONARY)
            .fetch_optional(self.pool())
            .await?;
        let Some(wanted) = wanted else { return Ok(None) };
        let built: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'search_built_for'").fetch_optional(self.pool()).await?;
        if built.as_deref() == Some(wanted.to_string().as_str()) {
            return Ok(None);
        }
        let holder = format!("search:{}", crate::db::new_id());
        if self.try_lease("search_rebuild", &holder, std::time::Duration::from_secs(3600)).await?.is_none() {
            return Ok(None);
        }
        let done = self.rebuild_search().await;
        if done.is_ok() {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('search_built_for', $1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(wanted.to_string())
                .bind(crate::db::now_ms())
                .execute(self.pool())
                .await?;
        }
        self.release_lease("search_rebuild", &holder).await?;
        done.map(Some)
    }

    /// Indexes every order, answer and knowledge entry again; returns how many documents.
    pub async fn rebuild_search(&self) -> Result<usize, StoreError> {
        self.forget_segmenter();
        let seg = self.segmenter().await?;
        // Document by document, a batch per transaction, each replacing the rows it had: the
        // index stays whole while it is rebuilt, and registrations go on between the batches.
        let mut done = 0;
        let mut after = String::new();
        loop {
            let rows: Vec<(String, String, String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT w.id, w.title, o.content, o.address, o.answer FROM work_items w JOIN work_orders o ON o.id = w.id
                 WHERE w.id > $1 ORDER BY w.id LIMIT 2000",
            )
            .bind(&after)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.0.clone();
            let seg2 = seg.clone();
            let index = tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                for (id, title, content, address, answer) in rows {
                    out.push(Store::index_row(&seg2, &id, "order", &order_text(&title, &content, address.as_deref())));
                    if let Some(a) = answer.filter(|a| !a.is_empty()) {
                        out.push(Store::index_row(&seg2, &id, "answer", &a));
                    }
                }
                out
            })
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
            in_tx!(self, tx => {
                for row in &index {
                    Store::index_in(&mut tx, row).await?;
                }
                Ok(())
            })?;
            done += index.len();
        }
        let entries: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT id, title, content, keywords FROM knowledge").fetch_all(self.pool()).await?;
        in_tx!(self, tx => {
            for (id, title, content, keywords) in &entries {
                let row = Store::index_row(&seg, id, "knowledge", &format!("{title}\n{keywords}\n{content}"));
                Store::index_in(&mut tx, &row).await?;
            }
            Ok(())
        })?;
        // The reply board's own documents: the approved texts, never the originals.
        let published: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT work_id, subject, content, answer FROM publications WHERE withdrawn_at IS NULL").fetch_all(self.pool()).await?;
        in_tx!(self, tx => {
            for (id, subject, content, answer) in &published {
                let row = Store::index_row(&seg, id, "publication", &format!("{subject}\n{content}\n{answer}"));
                Store::index_in(&mut tx, &row).await?;
            }
            Ok(())
        })?;
        Ok(done + entries.len() + published.len())
    }
}

/// The distinct words of `text`, longest first, at most `n`: what a look-alike search asks for.
pub(crate) fn key_words(seg: &Segmenter, text: &str, n: usize) -> Vec<String> {
    let mut words = seg.words(text);
    words.sort_unstable();
    words.dedup();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.truncate(n);
    words
}

/// The text of an order that search reads.
pub(crate) fn order_text(title: &str, content: &str, address: Option<&str>) -> String {
    format!("{title}\n{content}\n{}", address.unwrap_or(""))
}

/// `width` characters of `text` around the first match of any of `words`, split into pieces
/// with every match marked.
pub fn snippet(text: &str, words: &[String], width: usize) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = sanfu_text::segment::normalize(text).chars().collect();
    let mut words: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).filter(|w: &Vec<char>| !w.is_empty()).collect();
    // Longer words first, so that 幸福小区 is marked whole rather than as 幸福 and 小区.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut hit = vec![false; chars.len()];
    let mut first = None;
    if lower.len() == chars.len() {
        for i in 0..chars.len() {
            for w in &words {
                if i + w.len() <= lower.len() && lower[i..i + w.len()] == w[..] {
                    first.get_or_insert(i);
                    for h in &mut hit[i..i + w.len()] {
                        *h = true;
                    }
                    break;
                }
            }
        }
    }
    let start = first.map(|f| f.saturating_sub(width / 4)).unwrap_or(0);
    let end = (start + width).min(chars.len());
    let mut out: Vec<Piece> = Vec::new();
    if start > 0 {
        out.push(Piece { text: "…".into(), hit: false });
    }
    for i in start..end {
        let c = if chars[i] == '\n' { ' ' } else { chars[i] };
        match out.last_mut() {
            Some(p) if p.hit == hit[i] && !(p.text == "…" && i == start) => p.text.push(c),
            _ => out.push(Piece { text: c.to_string(), hit: hit[i] }),
        }
    }
    if end < chars.len() {
        out.push(Piece { text: "…".into(), hit: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_the_words_found() {
        let text = "我家住在幸福小区三栋，楼下的路灯坏了半个月，晚上漆黑一片。";
        let p = snippet(text, &["路灯".into(), "小区".into(), "幸福小区".into()], 16);
        let marked: Vec<&str> = p.iter().filter(|x| x.hit).map(|x| x.text.as_str()).collect();
        assert_eq!(marked, ["幸福小区", "路灯"]);
        assert_eq!(p.last().unwrap().text, "…");
        let whole: String = p.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(whole, "我家住在幸福小区三栋，楼下的路灯…");
        // Far into a long text, the snippet starts a little before the first match.
        let long = format!("{}{text}", "今天上午十点左右".repeat(5));
        let whole: String = snippet(&long, &["路灯".into()], 16).iter().map(|x| x.text.as_str()).collect();
        assert_eq!(whole, "…，楼下的路灯坏了半个月，晚上漆黑…");
    }
}
