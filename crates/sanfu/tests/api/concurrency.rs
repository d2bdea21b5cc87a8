//! Two clients at once, and a restart: no acknowledged write is lost, no transition happens twice.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn two_dispatchers_racing_on_one_order_cannot_both_win() {
    let app = spawn_app().await;
    let d1 = app.login("dispatcher").await;
    let d2 = app.login("dispatcher").await;
    for round in 0..5 {
        let id = app.register(&d1, complaint(&format!("并发测试 {round}"))).await["order"]["id"].as_str().unwrap().to_string();
        let p1 = format!("/api/orders/{id}/dispatch");
        let (a, b) = tokio::join!(
            app.post(Some(&d1), &p1, json!({"lead_unit_id": "zjj"})),
            app.post(Some(&d2), &p1, json!({"lead_unit_id": "sthjj"})),
        );
        let statuses = [a.0, b.0];
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{a:?} {b:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 1, "{a:?} {b:?}");
        let winner = if a.0 == StatusCode::OK { &a.1 } else { &b.1 };
        let o = app.order(&d1, &id).await;
        assert_eq!(o["lead_unit"]["id"], winner["order"]["lead_unit"]["id"]);
        assert_eq!(names(&app.events(&d1, &id).await), ["register", "dispatch"]);
        assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), &id).await.unwrap(), Ok(2));
    }
}

#[tokio::test]
async fn many_concurrent_registrations_all_get_distinct_numbers_and_survive_a_restart() {
    let app = spawn_app().await;
    let ops = [app.login("operator").await, app.login("operator2").await, app.login("dispatcher").await];
    let mut tasks = Vec::new();
    for i in 0..30 {
        let token = ops[i % 3].clone();
        let client = app.client.clone();
        let url = format!("{}/api/orders", app.base);
        tasks.push(tokio::spawn(async move {
            let r = client.post(url).bearer_auth(token).json(&complaint(&format!("第{i}号并发登记的诉求"))).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            let v: serde_json::Value = r.json().await.unwrap();
            v["order"]["number"].as_str().unwrap().to_string()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 30);
    let app = app.restart().await;
    let t = app.login("dispatcher").await;
    let (_, v) = app.get(Some(&t), "/api/orders?per_page=100").await;
    assert_eq!(v["total"], 30);
    for n in &numbers {
        assert_eq!(app.order(&t, n).await["number"], n.as_str());
    }
}
