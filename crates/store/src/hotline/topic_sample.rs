//! Hot topics of a period too large to hold at once (a province's month: more than a million
//! orders): clustered from a sample, then every order of the period placed in the topics found,
//! a window of orders at a time, so that what is held is the sample and one window.

use std::collections::BinaryHeap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sanfu_text::topics;

use super::topics::{Period, Row, Tally, TopicBatches, split_rows, topic_text};
use crate::db::{Store, StoreError, to_ms};

/// What one pass over the numbers of a period's orders finds.
pub(super) struct Survey {
    pub(super) orders: usize,
    /// At most [`TopicBatches::sample`] orders' numbers.
    sample: Vec<String>,
    /// Window edges in milliseconds, newest first.
    edges: Vec<i64>,
}

fn ms_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// How many orders of the period and the one before there are, a sample of at most
    /// [`TopicBatches::sample`] of their numbers (those of the smallest hashes: the same
    /// orders at every refresh, and a new order as likely as any other to be one), and the
    /// edges of windows of about [`TopicBatches::placed`] orders each, newest first, from `now`
    /// to `before`. Only numbers and moments are read, one row at a time.
    pub(super) async fn survey_orders(&self, period: &Period<'_>, batches: TopicBatches) -> Result<Survey, StoreError> {
        let sql = format!("SELECT w.number, w.created_at FROM work_items w WHERE {} ORDER BY w.created_at DESC", period.condition());
        let q = period.bind(sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.as_str())).bind(to_ms(period.before)).bind(to_ms(period.now)));
        let mut rows = q.fetch(self.reader());
        let mut heap: BinaryHeap<(u64, String)> = BinaryHeap::new();
        let mut edges = vec![to_ms(period.now)];
        let mut orders = 0;
        while let Some((number, at)) = rows.try_next().await? {
            orders += 1;
            if orders % batches.placed == 0 && edges.last().is_some_and(|&e| at < e) {
                edges.push(at);
            }
            let h = super::topic_words::text_hash(&number);
            if heap.len() < batches.sample {
                heap.push((h, number));
            } else if heap.peek().is_some_and(|(top, _)| h < *top) {
                heap.pop();
                heap.push((h, number));
            }
        }
        edges.push(to_ms(period.before));
        Ok(Survey { orders, sample: heap.into_iter().map(|(_, n)| n).collect(), edges })
    }

    /// The topics of the survey's sample, with the tallies of every order of the period and
    /// the one before placed in them.
    pub(super) async fn topics_from_sample(&self, period: &Period<'_>, survey: Survey) -> Result<(Vec<Vec<String>>, Vec<Tally>), StoreError> {
        let started = std::time::Instant::now();
        // The sample's orders, read by number (the survey has applied the period's condition),
        // newest first as a whole period is clustered.
        let mut rows: Vec<Row> = Vec::with_capacity(survey.sample.len());
        for part in survey.sample.chunks(500) {
            let sql = format!(
                "SELECT w.number, w.title, o.content, w.lead_unit_id, w.created_at FROM work_items w JOIN work_orders o ON o.id = w.id WHERE w.number IN {}",
                crate::db::in_clause(1, part.len()).0
            );
            let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.as_str()));
            for n in part {
                q = q.bind(n);
            }
            rows.extend(q.fetch_all(self.reader()).await?);
        }
        drop(survey.sample);
        rows.sort_by(|a, b| b.4.cmp(&a.4).then_with(|| a.0.cmp(&b.0)));
        let sampled = rows.len();
        let (texts, numbers, _) = split_rows(rows);
        let seg = self.segmenter().await?;
        let kept = self.slots.get_or_default::<super::topic_words::TopicWords>();
        let found = {
            let seg = seg.clone();
            tokio::task::spawn_blocking(move || {
                let docs = kept.words(&numbers, &texts, &seg);
                drop(texts);
                topics::topics(&docs, topics::JOIN_SIMILARITY)
            })
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
        };
        let sample_ms = started.elapsed().as_millis() as u64;
        let found = Arc::new(found);
        let cut = to_ms(period.start);
        let mut tallies: Vec<Tally> = (0..found.clusters.len()).map(|_| Tally::default()).collect();
        let mut places: Vec<topics::PlaceCounts> = (0..found.clusters.len()).map(|_| topics::PlaceCounts::default()).collect();
        // Each window is read while the one before is placed.
        let window = |k: usize| period.read(self, ms_time(survey.edges[k + 1]), ms_time(survey.edges[k]));
        let windows = survey.edges.len() - 1;
        let mut next = Some(window(0).await?);
        for k in 0..windows {
            let Some(rows) = next.take() else { break };
            let (found, seg) = (found.clone(), seg.clone());
            let placing = tokio::task::spawn_blocking(move || {
                let texts: Vec<String> = rows.iter().map(|(_, title, content, _, _)| topic_text(title, content)).collect();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                for (row, words) in rows.iter().zip(super::topic_words::segment(&refs, &seg)) {
                    if let Some(c) = found.place(&words) {
                        tallies[c].add(&row.0, row.3.as_deref(), row.4, cut);
                        places[c].add(&words);
                    }
                }
                (tallies, places)
            });
            let reading = async { if k + 1 < windows { window(k + 1).await.map(Some) } else { Ok(None) } };
            let (placed, read) = tokio::join!(placing, reading);
            (tallies, places) = placed.map_err(|e| StoreError::Other(e.to_string()))?;
            next = read?;
        }
        tracing::debug!(orders = survey.orders, sampled, sample_ms, ms = started.elapsed().as_millis() as u64, "hot topics computed from a sample");
        for (t, p) in tallies.iter_mut().zip(places) {
            t.places = p.top(3);
        }
        Ok((found.clusters.iter().map(|c| c.label.clone()).collect(), tallies))
    }
}
