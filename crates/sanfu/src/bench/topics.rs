//! `sanfu bench topics`: the hot topics of a busy city's week, clustered from scratch.

use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use sanfu_store::hotline::topics::{HotTopic, TopicBatches};

use super::{Target, import_with_progress};
use crate::memory::{peak_rss_mb, rss_mb};

/// With `per_week` orders in each of the last two weeks stored (the week before is the
/// comparison), the week's hot topics computed `runs` times without the dashboard's keeping of
/// the topics (the orders' words are kept between runs, as between the dashboard's refreshes).
/// With `sample`, clustered from a sample of that many orders, and then once more from every
/// order at once, the two lists compared.
pub async fn topics(per_week: usize, runs: usize, sample: Option<usize>) -> anyhow::Result<()> {
    let target = Target::start(None, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
    let store = target.store.clone().context("no store")?;
    if per_week > 0 {
        let now = Utc::now();
        let records = sanfu_store::hotline::generate::orders(2 * per_week, now - chrono::Duration::days(14), now, now, 5);
        let (imported, _, secs) = import_with_progress(&store, records.into_iter().map(Ok), Some(2 * per_week as u64), &format!("topics:{per_week}")).await?;
        eprintln!("imported {imported} orders in {secs:.1} s");
    }
    let mayor: String = sqlx::query_scalar("SELECT id FROM users WHERE username = 'mayor'").fetch_one(store.pool()).await?;
    let staff = store.staff(&mayor).await?.context("mayor")?;
    if let Some(n) = sample {
        store.set_topic_batches(TopicBatches { clustered: n, sample: n, ..TopicBatches::default() });
    }
    let mut times = Vec::new();
    let mut first = Vec::new();
    let rss_before = rss_mb();
    reset_peak_rss();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let t = store.hot_topics(7, Utc::now(), 50, &staff).await?;
        times.push(started.elapsed().as_secs_f64());
        if first.is_empty() {
            first = t;
        }
    }
    let peak_growth = peak_rss_mb() - rss_before;
    // The same week from every order at once, to compare.
    let exact = match sample {
        Some(_) => {
            store.set_topic_batches(TopicBatches { clustered: usize::MAX, ..TopicBatches::default() });
            let rss_before = rss_mb();
            reset_peak_rss();
            let started = Instant::now();
            let t = store.hot_topics(7, Utc::now(), 50, &staff).await?;
            Some((t, started.elapsed().as_secs_f64(), peak_rss_mb() - rss_before))
        }
        None => None,
    };
    let week: usize = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM work_items WHERE kind = 'work_order' AND created_at >= $1")
        .bind((Utc::now() - chrono::Duration::days(7)).timestamp_millis())
        .fetch_one(store.pool())
        .await? as usize;
    // The server closes the pool when it stops: everything read before.
    target.stop();
    // The first run segments every order; later runs (the dashboard's refreshes) only the
    // orders they have not seen.
    let cold = times[0];
    let mut warm = times[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    times.sort_by(f64::total_cmp);
    for (k, t) in first.iter().take(10).enumerate() {
        eprintln!("{:>2}. {:>6} (前一周 {:>6})  {}  {}", k + 1, t.count, t.previous, t.label.join("、"), t.places.join("、"));
    }
    let clustered: usize = first.iter().map(|t| t.count).sum();
    println!(
        "topics week_orders={week} topics={} in_topics={clustered} median_s={:.2} max_s={:.2} first_s={cold:.2} later_median_s={:.2} peak_rss_growth_mb={peak_growth:.0}",
        first.len(),
        times[times.len() / 2],
        times[times.len() - 1],
        warm.get(warm.len() / 2).copied().unwrap_or(cold)
    );
    if let Some((exact, secs, grew)) = exact {
        compare(&exact, &first, secs, grew);
    }
    Ok(())
}

/// Peak resident memory counted afresh from now (Linux: writing 5 to clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The ten busiest topics of every order clustered at once beside those of the sample: for
/// each, the sample's topic with the most key terms in common, and both counts.
fn compare(exact: &[HotTopic], sampled: &[HotTopic], secs: f64, grew: f64) {
    let mut found = 0;
    let mut ratios = Vec::new();
    for (k, e) in exact.iter().take(10).enumerate() {
        let best = sampled
            .iter()
            .enumerate()
            .map(|(j, s)| (s.label.iter().filter(|w| e.label.contains(w)).count(), j, s))
            .filter(|(common, _, _)| *common >= 2)
            .max_by_key(|(common, j, _)| (*common, std::cmp::Reverse(*j)));
        match best {
            Some((_, j, s)) => {
                found += 1;
                ratios.push(s.count as f64 / e.count as f64);
                eprintln!("全部 {:>2}. {:>6} {}  ←→ 样本第 {:>2} 个 {:>6} {}", k + 1, e.count, e.label.join("、"), j + 1, s.count, s.label.join("、"));
            }
            None => eprintln!("全部 {:>2}. {:>6} {}  ←→ 样本中没有", k + 1, e.count, e.label.join("、")),
        }
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "topics_all_at_once s={secs:.2} peak_rss_growth_mb={grew:.0} topics={} in_topics={} top10_in_sample={found} count_ratio_min={:.2} count_ratio_median={:.2} count_ratio_max={:.2}",
        exact.len(),
        exact.iter().map(|t| t.count).sum::<usize>(),
        ratios.first().copied().unwrap_or(0.0),
        ratios.get(ratios.len() / 2).copied().unwrap_or(0.0),
        ratios.last().copied().unwrap_or(0.0)
    );
}
