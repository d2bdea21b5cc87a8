//! Bad input gets 400/413/422 with `{code, message}` in Chinese, and writes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn expect_refused(app: &TestApp, token: &str, body: Value, status: StatusCode, code: &str) {
    let before = app.counts().await;
    let (s, v) = app.post(Some(token), "/api/orders", body).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(v["code"], code, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "message in Chinese: {msg}");
    assert_eq!(app.counts().await, before, "nothing written for {code}");
}

async fn raw(app: &TestApp, token: &str, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    app.post_raw(token, path, content_type, body).await
}

#[tokio::test]
async fn each_kind_of_bad_order_is_refused_with_its_code() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let with = |k: &str, v: Value| {
        let mut b = complaint("工地夜间施工噪音扰民");
        b[k] = v;
        b
    };
    expect_refused(&app, &op, with("content", json!("   ")), StatusCode::UNPROCESSABLE_ENTITY, "empty_content").await;
    expect_refused(&app, &op, with("content", json!("噪".repeat(10_001))), StatusCode::UNPROCESSABLE_ENTITY, "content_too_long").await;
    expect_refused(&app, &op, with("citizen_phone", json!("1381234")), StatusCode::UNPROCESSABLE_ENTITY, "invalid_phone").await;
    expect_refused(&app, &op, with("citizen_phone", json!("12812341234")), StatusCode::UNPROCESSABLE_ENTITY, "invalid_phone").await;
    expect_refused(&app, &op, with("category_id", json!("no-such-category")), StatusCode::UNPROCESSABLE_ENTITY, "unknown_category").await;
    expect_refused(&app, &op, with("order_type", json!("rumour")), StatusCode::UNPROCESSABLE_ENTITY, "invalid_order_type").await;
    expect_refused(&app, &op, with("lat", json!(123.0)), StatusCode::UNPROCESSABLE_ENTITY, "invalid_coordinates").await;
    expect_refused(&app, &op, with("content", json!(12)), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    // Exactly 10,000 characters is accepted.
    let (s, v) = app.post(Some(&op), "/api/orders", with("content", json!("噪".repeat(10_000)))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn broken_bodies_are_refused_before_anything_is_read() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let before = app.counts().await;
    let (s, v) = raw(&app, &op, "/api/orders", "application/json", r#"{"content": "噪音", "#.as_bytes().to_vec()).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_json")));
    let mut bad_utf8 = br#"{"order_type":"complaint","category_id":"0301","content":""#.to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    bad_utf8.extend_from_slice(br#""}"#);
    let (s, v) = raw(&app, &op, "/api/orders", "application/json", bad_utf8).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_utf8")));
    let big = format!(r#"{{"order_type":"complaint","category_id":"0301","content":"{}"}}"#, "a".repeat(1024 * 1024 + 10));
    let (s, v) = raw(&app, &op, "/api/orders", "application/json", big.into_bytes()).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    let (s, v) = raw(&app, &op, "/api/orders", "text/plain", b"hello".to_vec()).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn dispatching_to_an_unknown_unit_or_with_a_past_deadline_is_refused() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let id = app.register(&disp, complaint("噪音扰民")).await["order"]["id"].as_str().unwrap().to_string();
    let before = app.counts().await;
    assert_eq!(
        app.refused(&disp, &id, "dispatch", json!({"lead_unit_id": "no-such-unit"})).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_unit".into())
    );
    assert_eq!(
        app.refused(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj", "co_unit_ids": ["ghost"]})).await.1,
        "unknown_unit"
    );
    assert_eq!(
        app.refused(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj", "answer_due": "2020-01-01T00:00:00Z"})).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "deadline_in_past".into())
    );
    assert_eq!(
        app.refused(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj", "answer_due": "next tuesday"})).await.1,
        "invalid_field"
    );
    assert_eq!(app.refused(&disp, &id, "dispatch", json!({"lead_unit_id": "hyk"})).await.1, "unit_cannot_handle");
    assert_eq!(app.refused(&disp, &id, "fly-away", json!({})).await, (StatusCode::NOT_FOUND, "unknown_action".into()));
    assert_eq!(app.counts().await, before);
    assert_eq!(app.order(&disp, &id).await["state"], "registered");
}
