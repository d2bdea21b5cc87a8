//! Hot topics (热点) of a week or a month: clusters of similar orders with a label of their key
//! terms, how many, where, which units, and whether they are rising against the period before.
//! For the leaders' dashboard and the monthly "每月一题".

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::{DomainError, Role, Staff};
use sanfu_text::topics;
use serde::Serialize;

use crate::db::{Store, StoreError, to_ms};
use crate::kept::{Kept, Term};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HotTopic {
    /// Key terms, most characteristic first.
    pub label: Vec<String>,
    /// Orders in the period.
    pub count: usize,
    /// Orders of the same topic in the period before.
    pub previous: usize,
    pub rising: bool,
    pub places: Vec<String>,
    /// Units the orders went to, busiest first, with their counts.
    pub units: Vec<(String, usize)>,
    /// The period's orders, newest first (at most 20).
    pub numbers: Vec<String>,
}

/// How long the live dashboard's topics are kept before a reader starts a fresh list.
/// Past it, they are still shown while the fresh list is made, unless a day old (a week's
/// topics do not change by the minute; clustering a busy city's week takes seconds).
const KEEP: Term = Term { fresh: std::time::Duration::from_secs(300), usable: std::time::Duration::from_secs(86_400) };
/// Topics kept per period and scope (a reader asks for at most this many).
const KEPT_TOPICS: usize = 50;
/// How long a dashboard waits for topics being clustered when none are kept: a small city's
/// are ready well within it; a large one's first view shows the rest of the page at once.
const TOPICS_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The first `limit` of `topics` as `staff` may see them: key terms and places come from
/// citizens' text, so a number in them is masked for everyone but the centre, as in the text
/// itself.
fn shown(topics: &mut Vec<HotTopic>, limit: usize, staff: &Staff) {
    topics.truncate(limit);
    if !staff.is_hotline() {
        for t in topics.iter_mut() {
            for w in t.label.iter_mut().chain(t.places.iter_mut()) {
                if let std::borrow::Cow::Owned(m) = sanfu_domain::privacy::mask_text(w) {
                    *w = m;
                }
            }
        }
    }
}

impl Store {
    /// The topics of the `days` before `now`, busiest first (at most `limit`), clustered now.
    pub async fn hot_topics(&self, days: i64, now: DateTime<Utc>, limit: usize, staff: &Staff) -> Result<Vec<HotTopic>, StoreError> {
        let units = self.topic_scope(days, staff).await?;
        let mut out = self.compute_topics(days, now, units.as_deref()).await?;
        shown(&mut out, limit, staff);
        Ok(out)
    }

    /// [`Store::hot_topics`] of the days up to now as the dashboard shows them: clustered at
    /// most five minutes ago (see [`KEEP`]). `None` when none are kept yet and clustering them
    /// takes longer than [`TOPICS_WAIT`]: they are being counted, and a later view shows them.
    pub async fn hot_topics_kept(&self, days: i64, limit: usize, staff: &Staff) -> Result<Option<Vec<HotTopic>>, StoreError> {
        let units = self.topic_scope(days, staff).await?;
        let Some(mut out) = self.kept_topics(days, units, Some(TOPICS_WAIT)).await? else {
            return Ok(None);
        };
        shown(&mut out, limit, staff);
        Ok(Some(out))
    }

    /// Starts clustering the city's topics of the last week and month, as the dashboard of a
    /// leader of the whole city shows them, unless they are kept: at a server's start, so that
    /// the first leader to look does not wait for them.
    pub async fn warm_hot_topics(&self) -> Result<(), StoreError> {
        for days in [7, 30] {
            self.kept_topics(days, None, Some(std::time::Duration::ZERO)).await?;
        }
        Ok(())
    }

    /// The units whose orders `staff` sees the topics of (`None`: the whole city), once the
    /// request is checked.
    async fn topic_scope(&self, days: i64, staff: &Staff) -> Result<Option<Vec<String>>, StoreError> {
        if !(staff.sees_all() || staff.has(Role::Leader)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心、办公室和领导可以查看热点").into());
        }
        if !(1..=366).contains(&days) {
            return Err(DomainError::invalid("invalid_period", "统计周期应为 1 到 366 天").into());
        }
        // A leader's hot topics are those of the portfolio: orders led by its units only.
        // (The mayor's portfolio is the whole tree: the city's topics, dispatched or not.)
        let every = self.units().await?;
        Ok(match Store::scope_of(staff) {
            crate::org::Scope::All => None,
            crate::org::Scope::Units(u) if every.iter().all(|x| u.contains(&x.id)) => None,
            crate::org::Scope::Units(u) => Some(u),
        })
    }

    /// The dashboard's topics are kept for a few minutes: clustering a busy city's week
    /// takes seconds (at ten million orders, most of a minute), and the topics of a week do not
    /// change by the minute. A reader gets the kept list at once; once it is old, the next
    /// reader starts a fresh one in the background and still gets the kept one; with none kept,
    /// a reader waits for the one being made at most `wait`.
    async fn kept_topics(&self, days: i64, units: Option<Vec<String>>, wait: Option<std::time::Duration>) -> Result<Option<Vec<HotTopic>>, StoreError> {
        let store = self.clone();
        let now = Utc::now();
        self.slots
            .get_or_default::<Kept<(i64, Option<Vec<String>>), Vec<HotTopic>>>()
            .get_within((days, units.clone()), KEEP, "热点", wait, move || async move { store.compute_topics(days, now, units.as_deref()).await })
            .await
    }

    /// Every topic of the `days` before `now` of the orders led by `units` (all when `None`),
    /// busiest first, at most [`KEPT_TOPICS`].
    async fn compute_topics(&self, days: i64, now: DateTime<Utc>, units: Option<&[String]>) -> Result<Vec<HotTopic>, StoreError> {
        let start = now - Duration::days(days);
        let before = start - Duration::days(days);
        let unit_filter = match &units {
            None => String::new(),
            Some(u) => format!(" AND w.lead_unit_id IN {}", crate::db::in_clause(3, u.len()).0),
        };
        let sql = format!(
            "SELECT w.number, w.title, o.content, w.lead_unit_id, w.created_at FROM work_items w JOIN work_orders o ON o.id = w.id
             WHERE w.kind = 'work_order' AND w.created_at >= $1 AND w.created_at < $2 AND w.state NOT IN ('merged', 'withdrawn'){unit_filter}
             ORDER BY w.created_at DESC"
        );
        let started = std::time::Instant::now();
        let mut rows: Vec<(String, String, String, Option<String>, i64)> = Vec::new();
        for (from, to) in [(start, now), (before, start)] {
            if units.as_ref().is_some_and(|u| u.is_empty()) {
                break;
            }
            let mut q = sqlx::query_as::<_, (String, String, String, Option<String>, i64)>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(to_ms(from))
                .bind(to_ms(to));
            for u in units.into_iter().flatten() {
                q = q.bind(u);
            }
            rows.extend(q.fetch_all(self.reader()).await?);
        }
        let read_ms = started.elapsed().as_millis() as u64;
        let seg = self.segmenter().await?;
        // Each order's text once (the title weighs twice), its number, lead unit and time apart:
        // a month of a province is a million texts, not to be held twice.
        let mut texts = Vec::with_capacity(rows.len());
        let mut numbers = Vec::with_capacity(rows.len());
        let rows: Vec<(Option<String>, i64)> = rows
            .into_iter()
            .map(|(number, title, content, unit, at)| {
                texts.push(format!("{title}\n{title}\n{content}"));
                numbers.push(number);
                (unit, at)
            })
            .collect();
        let kept = self.slots.get_or_default::<super::topic_words::TopicWords>();
        let (clusters, numbers) = tokio::task::spawn_blocking(move || {
            // Every order of both periods: the words of those seen by an earlier refresh as
            // they were kept, the others segmented on every core.
            let at = std::time::Instant::now();
            let docs = kept.words(&numbers, &texts, &seg);
            let words_ms = at.elapsed().as_millis() as u64;
            drop(texts);
            let at = std::time::Instant::now();
            let clusters = topics::cluster(&docs, topics::JOIN_SIMILARITY);
            tracing::debug!(orders = docs.len(), read_ms, words_ms, cluster_ms = at.elapsed().as_millis() as u64, "hot topics computed");
            (clusters, numbers)
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?;
        let names = self.unit_names().await?;
        let cut = to_ms(start);
        let mut out: Vec<HotTopic> = clusters
            .into_iter()
            .filter_map(|c| {
                let (mut now_m, old): (Vec<usize>, Vec<usize>) = c.members.iter().partition(|&&i| rows[i].1 >= cut);
                if now_m.len() < 2 {
                    return None;
                }
                now_m.sort_by_key(|&i| std::cmp::Reverse(rows[i].1));
                let mut units: HashMap<String, usize> = HashMap::new();
                for &i in &now_m {
                    if let Some(u) = &rows[i].0 {
                        *units.entry(names.get(u).cloned().unwrap_or_default()).or_default() += 1;
                    }
                }
                let mut units: Vec<(String, usize)> = units.into_iter().collect();
                units.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                units.truncate(3);
                Some(HotTopic {
                    label: c.label,
                    count: now_m.len(),
                    previous: old.len(),
                    rising: now_m.len() > old.len(),
                    places: c.places.into_iter().map(|(p, _)| p).collect(),
                    units,
                    numbers: now_m.iter().take(20).map(|&i| numbers[i].clone()).collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (b.count - b.previous.min(b.count)).cmp(&(a.count - a.previous.min(a.count)))));
        out.truncate(KEPT_TOPICS);
        Ok(out)
    }
}
