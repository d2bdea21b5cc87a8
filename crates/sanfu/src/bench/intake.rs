//! `sanfu bench intake`: registrations through the HTTP API at a given concurrency, with a
//! share of frequent callers if asked.

use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use serde_json::json;
use tokio::sync::Mutex;

use super::{Target, login, percentile};

const PHRASES: &[&str] = &[
    "小区门口道路破损严重，雨天积水",
    "楼下餐馆油烟直排，影响居民生活",
    "公交站台广告牌松动，存在安全隐患",
    "夜间施工噪音扰民，影响休息",
    "小区停水没有提前通知",
    "路灯损坏多日无人维修",
];

/// Who calls in an intake benchmark: a `share` of the orders come from `phones` frequent
/// callers (the same few numbers, the same category, every order a repeat call after the
/// first), the rest each from a phone of its own.
#[derive(Debug, Clone, Copy)]
pub struct Callers {
    pub share: f64,
    pub phones: usize,
}

impl Callers {
    fn phone(&self, i: usize) -> String {
        // Every k-th order (k = 1/share) is a frequent caller's, spread evenly over the run.
        let frequent = self.share > 0.0 && ((i as f64 * self.share).floor() != ((i + 1) as f64 * self.share).floor());
        if frequent { format!("139{:08}", i % self.phones) } else { format!("138{:08}", i % 100_000_000) }
    }
}

/// `sanfu bench intake`: register `orders` orders through the API at `concurrency`; prints
/// the rate of each fifth of the run too, so that a slowdown as the data grows shows.
pub async fn intake(orders: usize, concurrency: usize, url: Option<String>, user: &str, password: &str, callers: Callers) -> anyhow::Result<()> {
    let target = Target::start(url, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency.max(1)).build()?;
    let token = login(&client, &target.base, user, password).await?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(orders)));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    // When each fifth of the orders was done, in seconds from the start.
    let fifths = Arc::new(std::sync::Mutex::new(Vec::new()));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, token, next, latencies, failures, base) =
            (client.clone(), token.clone(), next.clone(), latencies.clone(), failures.clone(), target.base.clone());
        let (fifths, done) = (fifths.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= orders {
                    break;
                }
                let body = json!({
                    "order_type": "complaint", "category_id": "0203",
                    "subject": format!("{}（{}）", PHRASES[i % PHRASES.len()], i),
                    "content": format!("第{i}号：{}，请相关部门尽快处理。", PHRASES[i % PHRASES.len()]),
                    "address": "东湖区湖滨路88号", "citizen_name": "张先生",
                    "citizen_phone": callers.phone(i),
                });
                let t = Instant::now();
                let r = client.post(format!("{base}/api/orders")).bearer_auth(&token).json(&body).send().await;
                let ok = matches!(&r, Ok(resp) if resp.status().as_u16() == 201);
                if let Ok(resp) = r {
                    let _ = resp.bytes().await;
                }
                mine.push(t.elapsed().as_secs_f64() * 1000.0);
                if !ok {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n % (orders / 5).max(1) == 0 && let Ok(mut f) = fifths.lock() {
                    f.push(started.elapsed().as_secs_f64());
                }
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().await.clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let failed = failures.load(std::sync::atomic::Ordering::Relaxed);
    target.stop();
    if failed > 0 {
        bail!("{failed} of {orders} registrations failed");
    }
    let mut f = fifths.lock().map(|f| f.clone()).unwrap_or_default();
    f.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let per_fifth = (orders / 5).max(1) as f64;
    let rounds: Vec<String> = f.iter().scan(0.0, |prev, t| {
        let r = per_fifth / (t - *prev).max(1e-9);
        *prev = *t;
        Some(format!("{r:.0}"))
    }).collect();
    println!(
        "intake orders={orders} concurrency={concurrency} frequent_share={} orders_per_s={:.0} p50_ms={:.2} p99_ms={:.2} per_fifth={}",
        callers.share,
        orders as f64 / secs,
        percentile(&l, 0.5),
        percentile(&l, 0.99),
        rounds.join("/")
    );
    Ok(())
}

