//! A crash under load: the server process is killed (SIGKILL, no chance to flush anything)
//! while 16 clients register orders, then started again on the same database. Every order
//! the server answered 201 for must be there, once, with its number.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{free_port, login_at, seeded_database, serve};

#[tokio::test]
async fn no_acknowledged_order_is_lost_when_the_server_is_killed_under_load() {
    let (url, _dir) = seeded_database().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(&url, port, &[]);
    let client = Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let token = login_at(&client, &base, "operator").await;

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..16 {
        let (client, token, base, acked, stop) = (client.clone(), token.clone(), base.clone(), acked.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                // A few frequent callers among them, so that repeat calls are written too.
                let phone = if i % 4 == 0 { format!("1390000000{}", c % 3) } else { format!("138{c:02}{i:06}") };
                let subject = format!("崩溃测试 客户端{c} 第{i}件 小区路灯不亮");
                let r = client
                    .post(format!("{base}/api/orders"))
                    .bearer_auth(&token)
                    .json(&json!({"order_type": "complaint", "category_id": "0203", "subject": subject,
                                  "content": "小区路灯损坏多日无人维修，夜间出行不便，请尽快修复。", "citizen_phone": phone}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => {
                        if let Ok(v) = r.json::<Value>().await {
                            let number = v["order"]["number"].as_str().unwrap_or_default().to_string();
                            acked.lock().expect("lock").push((number, subject));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill the server mid-flight once it has acknowledged a good number of orders.
    for _ in 0..600 {
        if acked.lock().expect("lock").len() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("kill -9");
    child.wait().expect("wait");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.expect("client");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 300, "the server acknowledged only {} orders before it was killed", acked.len());

    // Started again on the same database: every acknowledged order is there, with its text.
    let mut child = serve(&url, port, &[]);
    let token = login_at(&client, &base, "operator").await;
    for (number, subject) in &acked {
        let r = client.get(format!("{base}/api/orders/{number}")).bearer_auth(&token).send().await.expect("get");
        assert_eq!(r.status(), 200, "acknowledged order {number} is lost");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["order"]["subject"].as_str(), Some(subject.as_str()), "order {number} holds another order's text");
    }
    let distinct: HashSet<&String> = acked.iter().map(|(n, _)| n).collect();
    assert_eq!(distinct.len(), acked.len(), "two acknowledged orders got the same number");
    // And nothing was written twice: the store holds each test order once.
    let store = sanfu_store::Store::open(&url).await.expect("open");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT title FROM work_items WHERE title LIKE '崩溃测试%'").fetch_all(store.pool()).await.expect("titles");
    let titles: HashSet<&String> = rows.iter().map(|(t,)| t).collect();
    assert_eq!(titles.len(), rows.len(), "an order was stored twice");
    assert!(rows.len() >= acked.len());
    store.close().await;
    child.kill().expect("kill");
    child.wait().expect("wait");
}
