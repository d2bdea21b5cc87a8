//! The chaos test's two halves (driven by `deploy/cluster/chaos.sh`): `sanfu bench chaos-load`
//! registers orders through the load balancer until told to stop, each with its own idempotency
//! key and retried with that key until acknowledged; `sanfu bench chaos-check` then counts, in
//! the database, the acknowledged orders lost and the orders stored twice.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

const SUBJECT: &str = "主备切换测试";

/// What the load saw.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct LoadReport {
    pub acknowledged: usize,
    /// Requests answered with an error or not answered at all (each retried with its key).
    pub refused: usize,
    /// The longest time one client went without an acknowledged order, from its first refused
    /// request to the next acknowledgement (seconds).
    pub longest_refused_s: f64,
    pub seconds: f64,
}

/// Register orders through `base` with `clients` clients until `stop` exists; each acknowledged
/// order is appended to `out` as `key<TAB>number<TAB>subject`.
pub async fn load(base: &str, clients: usize, out: &Path, stop: &Path, user: &str, password: &str) -> anyhow::Result<LoadReport> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?;
    let token = loop {
        match super::login(&http, base, user, password).await {
            Ok(t) => break t,
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    let file = Arc::new(std::sync::Mutex::new(std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?));
    // This run's orders are told from earlier runs' by a tag in their subject.
    let id = sanfu_store::new_id();
    let run = id[id.len() - 8..].to_string();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients.max(1) {
        let (http, token, file, base, stop, run) = (http.clone(), token.clone(), file.clone(), base.to_string(), stop.to_path_buf(), run.clone());
        tasks.push(tokio::spawn(async move {
            let mut r = LoadReport::default();
            let mut i = 0usize;
            while !stop.exists() {
                i += 1;
                let key = format!("chaos-{run}-{c}-{i}");
                let subject = format!("{SUBJECT} {run} {c}-{i} 小区路灯不亮");
                let body = json!({"order_type": "complaint", "category_id": "0203", "subject": subject,
                                  "content": "小区路灯损坏多日无人维修，夜间出行不便，请尽快修复。",
                                  "citizen_phone": format!("138{:08}", (c * 1_000_000 + i) % 100_000_000)});
                let mut refused_since: Option<Instant> = None;
                // The same key until acknowledged: a registration cut off by a failover is
                // answered from the key the second time if it was kept the first.
                loop {
                    let sent = http.post(format!("{base}/api/orders")).bearer_auth(&token).header("Idempotency-Key", &key).json(&body).send().await;
                    let number = match sent {
                        Ok(resp) if resp.status().is_success() => {
                            resp.json::<Value>().await.ok().and_then(|v| v["order"]["number"].as_str().map(str::to_string))
                        }
                        // The first attempt was kept (its answer was lost): the key says its number.
                        Ok(resp) if resp.status() == reqwest::StatusCode::CONFLICT => {
                            resp.json::<Value>().await.ok().and_then(|v| filed_number(v["message"].as_str().unwrap_or("")))
                        }
                        _ => None,
                    };
                    if let Some(n) = number {
                        if let Some(t) = refused_since {
                            r.longest_refused_s = r.longest_refused_s.max(t.elapsed().as_secs_f64());
                        }
                        r.acknowledged += 1;
                        if let Ok(mut f) = file.lock() {
                            let _ = writeln!(f, "{key}\t{n}\t{subject}");
                        }
                        break;
                    }
                    r.refused += 1;
                    refused_since.get_or_insert_with(Instant::now);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            r
        }));
    }
    let mut total = LoadReport::default();
    for t in tasks {
        let r = t.await?;
        total.acknowledged += r.acknowledged;
        total.refused += r.refused;
        total.longest_refused_s = total.longest_refused_s.max(r.longest_refused_s);
    }
    total.seconds = started.elapsed().as_secs_f64();
    Ok(total)
}

/// The number in a 409 `duplicate_submission` answer ("该请求已经提交过，工单编号 N，…").
fn filed_number(message: &str) -> Option<String> {
    let rest = message.split_once("工单编号")?.1.trim_start();
    let n: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    (!n.is_empty()).then_some(n)
}

/// What the database holds of the acknowledged orders.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct CheckReport {
    pub acknowledged: usize,
    /// Acknowledged, but not in the database under its number with its text.
    pub lost: usize,
    /// Test orders stored more than once (the same subject twice).
    pub duplicates: usize,
    /// Test orders in the database.
    pub stored: usize,
}

/// Compare the acknowledged orders in `acked` with what the database at `url` holds.
pub async fn check(url: &str, acked: &Path) -> anyhow::Result<CheckReport> {
    let store = sanfu_store::Store::open(url).await.context("无法打开数据库")?;
    let text = std::fs::read_to_string(acked).with_context(|| format!("cannot read {}", acked.display()))?;
    // The run's tag, from the first acknowledged subject ("主备切换测试 TAG c-i …").
    let tag = text.lines().next().and_then(|l| l.split('\t').nth(2)).and_then(|s| s.split(' ').nth(1)).unwrap_or("").to_string();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT number, title FROM work_items WHERE kind = 'work_order' AND title LIKE $1")
        .bind(format!("{SUBJECT} {tag} %"))
        .fetch_all(store.pool())
        .await?;
    let mut by_number = std::collections::HashMap::new();
    let mut by_title: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (n, t) in &rows {
        by_number.insert(n.as_str(), t.as_str());
        *by_title.entry(t.as_str()).or_default() += 1;
    }
    let mut r = CheckReport { stored: rows.len(), duplicates: by_title.values().filter(|c| **c > 1).count(), ..Default::default() };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split('\t');
        let (_, number, subject) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        r.acknowledged += 1;
        if by_number.get(number) != Some(&subject) {
            r.lost += 1;
        }
    }
    store.close().await;
    Ok(r)
}
