//! `sanfu bench topics`: the hot topics of a busy city's week, clustered from scratch.

use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use super::{Target, import_with_progress};

/// With `per_week` orders in each of the last two weeks stored (the week before is the
/// comparison), the week's hot topics computed `runs` times without the dashboard's keeping of
/// the topics (the orders' words are kept between runs, as between the dashboard's refreshes).
pub async fn topics(per_week: usize, runs: usize) -> anyhow::Result<()> {
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
    let mut times = Vec::new();
    let mut first = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let t = store.hot_topics(7, Utc::now(), 50, &staff).await?;
        times.push(started.elapsed().as_secs_f64());
        if first.is_empty() {
            first = t;
        }
    }
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
        "topics week_orders={week} topics={} in_topics={clustered} median_s={:.2} max_s={:.2} first_s={cold:.2} later_median_s={:.2}",
        first.len(),
        times[times.len() / 2],
        times[times.len() - 1],
        warm.get(warm.len() / 2).copied().unwrap_or(cold)
    );
    Ok(())
}
