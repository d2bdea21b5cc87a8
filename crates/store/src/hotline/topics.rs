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
    /// How many orders hot topics cluster at once and place at a time from now on (benchmarks
    /// compare a sample's topics with all orders'; tests take the sample's path on a few).
    pub fn set_topic_batches(&self, b: TopicBatches) {
        self.slots.set(Some(std::sync::Arc::new(TopicBatches { clustered: b.clustered.max(1), sample: b.sample.max(1), placed: b.placed.max(1) })));
    }

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
    /// busiest first, at most [`KEPT_TOPICS`]: clustered from every order of the period and the
    /// one before when they are at most [`TopicBatches::clustered`], else from a sample, every
    /// order then placed in the topics found, a batch at a time.
    async fn compute_topics(&self, days: i64, now: DateTime<Utc>, units: Option<&[String]>) -> Result<Vec<HotTopic>, StoreError> {
        if units.is_some_and(|u| u.is_empty()) {
            return Ok(Vec::new());
        }
        let start = now - Duration::days(days);
        let period = Period { before: start - Duration::days(days), start, now, units };
        let batches = *self.slots.get_or_default::<TopicBatches>();
        let _turn = self.heavy_turn().await;
        let survey = self.survey_orders(&period, batches).await?;
        let (labels, tallies) = if survey.orders <= batches.clustered { self.topics_at_once(&period).await? } else { self.topics_from_sample(&period, survey).await? };
        let names = self.unit_names().await?;
        let mut out: Vec<HotTopic> = labels.into_iter().zip(tallies).filter_map(|(label, t)| t.topic(label, &names)).collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (b.count - b.previous.min(b.count)).cmp(&(a.count - a.previous.min(a.count)))));
        out.truncate(KEPT_TOPICS);
        Ok(out)
    }

    /// The topics of every order of the period and the one before, clustered at once: their
    /// labels and tallies.
    async fn topics_at_once(&self, period: &Period<'_>) -> Result<(Vec<Vec<String>>, Vec<Tally>), StoreError> {
        let started = std::time::Instant::now();
        let mut rows = period.read(self, period.start, period.now).await?;
        rows.extend(period.read(self, period.before, period.start).await?);
        let read_ms = started.elapsed().as_millis() as u64;
        let (texts, numbers, rows) = split_rows(rows);
        let seg = self.segmenter().await?;
        let kept = self.slots.get_or_default::<super::topic_words::TopicWords>();
        let cut = to_ms(period.start);
        let clusters = tokio::task::spawn_blocking(move || {
            // Every order of both periods: the words of those seen by an earlier refresh as
            // they were kept, the others segmented on every core.
            let at = std::time::Instant::now();
            let docs = kept.words(&numbers, &texts, &seg);
            let words_ms = at.elapsed().as_millis() as u64;
            drop(texts);
            let at = std::time::Instant::now();
            let clusters = topics::cluster(&docs, topics::JOIN_SIMILARITY);
            tracing::debug!(orders = docs.len(), read_ms, words_ms, cluster_ms = at.elapsed().as_millis() as u64, "hot topics computed");
            clusters.into_iter().map(|c| (c.label, tally_members(&c.members, c.places, &numbers, &rows, cut))).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(clusters.into_iter().unzip())
    }
}

/// How many orders hot topics hold at once.
#[derive(Debug, Clone, Copy)]
pub struct TopicBatches {
    /// Orders of a period and the one before clustered all at once (a busy city's two weeks
    /// are 100,000). More are clustered from a sample (see [`Store::survey_orders`]) and every
    /// order is then placed in the topics found, `placed` at a time, so that a province's
    /// month is never held at once.
    pub clustered: usize,
    /// Orders in the sample: a topic of a thousandth of the orders has some fifty in it.
    pub sample: usize,
    /// Orders read and placed at a time when the topics come from a sample.
    pub placed: usize,
}

impl Default for TopicBatches {
    fn default() -> Self {
        TopicBatches { clustered: 100_000, sample: 50_000, placed: 10_000 }
    }
}

/// The days hot topics are counted over: `start..now`, compared with `before..start`, of the
/// orders led by `units` (all when `None`).
pub(super) struct Period<'a> {
    pub(super) before: DateTime<Utc>,
    pub(super) start: DateTime<Utc>,
    pub(super) now: DateTime<Utc>,
    pub(super) units: Option<&'a [String]>,
}

impl Period<'_> {
    /// The condition on `work_items w` of the orders counted, its parameters from `$1`: the
    /// two moments, then the units.
    pub(super) fn condition(&self) -> String {
        let units = match self.units {
            None => String::new(),
            Some(u) => format!(" AND w.lead_unit_id IN {}", crate::db::in_clause(3, u.len()).0),
        };
        format!("w.kind = 'work_order' AND w.created_at >= $1 AND w.created_at < $2 AND w.state NOT IN ('merged', 'withdrawn'){units}")
    }

    /// The units' parameters bound after the two moments.
    pub(super) fn bind<'q, O>(&'q self, mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
        for u in self.units.into_iter().flatten() {
            q = q.bind(u);
        }
        q
    }

    /// The orders registered in `from..to`, newest first.
    pub(super) async fn read(&self, store: &Store, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Row>, StoreError> {
        let sql = format!(
            "SELECT w.number, w.title, o.content, w.lead_unit_id, w.created_at FROM work_items w JOIN work_orders o ON o.id = w.id
             WHERE {} ORDER BY w.created_at DESC",
            self.condition()
        );
        Ok(self.bind(sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.as_str())).bind(to_ms(from)).bind(to_ms(to))).fetch_all(store.reader()).await?)
    }
}

/// An order as topics read it: number, title, content, lead unit, when registered.
pub(super) type Row = (String, String, String, Option<String>, i64);

/// Each order's text once (the title weighs twice), its number, and its lead unit and time
/// apart: a busy period is a hundred thousand texts, not to be held twice.
pub(super) fn split_rows(rows: Vec<Row>) -> (Vec<String>, Vec<String>, Vec<(Option<String>, i64)>) {
    let mut texts = Vec::with_capacity(rows.len());
    let mut numbers = Vec::with_capacity(rows.len());
    let rest = rows
        .into_iter()
        .map(|(number, title, content, unit, at)| {
            texts.push(topic_text(&title, &content));
            numbers.push(number);
            (unit, at)
        })
        .collect();
    (texts, numbers, rest)
}

/// The text of an order that topics are made of: the title weighs twice.
pub(super) fn topic_text(title: &str, content: &str) -> String {
    format!("{title}\n{title}\n{content}")
}

/// What is counted of a topic's orders.
#[derive(Default)]
pub(super) struct Tally {
    /// Orders of the period and of the period before.
    now: usize,
    previous: usize,
    /// Lead unit id → orders of the period.
    units: HashMap<String, usize>,
    /// The period's orders, newest first, at most 20.
    numbers: Vec<String>,
    pub(super) places: Vec<(String, usize)>,
}

impl Tally {
    /// One more order, given newest first; `cut` is the period's start.
    pub(super) fn add(&mut self, number: &str, unit: Option<&str>, at: i64, cut: i64) {
        if at < cut {
            self.previous += 1;
            return;
        }
        self.now += 1;
        if let Some(u) = unit {
            *self.units.entry(u.to_string()).or_default() += 1;
        }
        if self.numbers.len() < 20 {
            self.numbers.push(number.to_string());
        }
    }

    /// The topic as shown, unless fewer than two orders of the period are in it.
    fn topic(self, label: Vec<String>, names: &std::collections::BTreeMap<String, String>) -> Option<HotTopic> {
        if self.now < 2 {
            return None;
        }
        let mut units: HashMap<String, usize> = HashMap::new();
        for (u, n) in self.units {
            *units.entry(names.get(&u).cloned().unwrap_or_default()).or_default() += n;
        }
        let mut units: Vec<(String, usize)> = units.into_iter().collect();
        units.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        units.truncate(3);
        Some(HotTopic {
            label,
            count: self.now,
            previous: self.previous,
            rising: self.now > self.previous,
            places: self.places.into_iter().map(|(p, _)| p).collect(),
            units,
            numbers: self.numbers,
        })
    }
}

/// The tally of a cluster's `members` (indexes into `numbers` and `rows`).
fn tally_members(members: &[usize], places: Vec<(String, usize)>, numbers: &[String], rows: &[(Option<String>, i64)], cut: i64) -> Tally {
    let mut members = members.to_vec();
    members.sort_by_key(|&i| std::cmp::Reverse(rows[i].1));
    let mut t = Tally { places, ..Tally::default() };
    for i in members {
        t.add(&numbers[i], rows[i].0.as_deref(), rows[i].1, cut);
    }
    t
}
