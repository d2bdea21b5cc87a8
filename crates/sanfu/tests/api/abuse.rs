//! The public form under abuse: a refresh, a double click or a retried request never files
//! twice; repeated submissions from one address meet a question, then a limit.


use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::*;


fn browser(last: u8) -> Client {
    client_from(last)
}

async fn post_form(app: &TestApp, c: &Client, f: &FormState, answer: Option<String>) -> reqwest::Response {
    let mut fields = vec![
        ("_csrf", f.csrf.clone()),
        ("_once", f.once.clone()),
        ("order_type", "complaint".into()),
        ("category", "0301".into()),
        ("content", "小区门口夜市油烟噪声扰民，每天到凌晨。".into()),
        ("phone", "13711112222".into()),
    ];
    if let Some((t, _)) = &f.challenge {
        fields.push(("_challenge", t.clone()));
    }
    if let Some(a) = answer {
        fields.push(("challenge_answer", a));
    }
    c.post(format!("{}/submit", app.base)).header("cookie", &f.cookie).form(&fields).send().await.unwrap()
}

#[tokio::test]
async fn the_same_form_sent_twice_files_once_and_a_refresh_files_nothing() {
    let app = spawn_app().await;
    let c = browser(40);
    let f = open_form(&app, &c, None).await;
    let before = app.counts().await.0;
    // Post/redirect/get: the answer is a redirect to the page that shows the number.
    let r = post_form(&app, &c, &f, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/?done="), "{to}");
    let page = c.get(format!("{}{to}", app.base)).header("cookie", &f.cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("您的诉求已受理") && page.contains("id=\"new-number\""));
    // Reloading that page is a GET: nothing filed. Sending the same form again (the back
    // button, a double click) files nothing either, and says so.
    c.get(format!("{}{to}", app.base)).header("cookie", &f.cookie).send().await.unwrap();
    let again = post_form(&app, &c, &f, None).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let dup = again.headers()["location"].to_str().unwrap().to_string();
    assert!(dup.starts_with("/?dup="), "{dup}");
    let page = c.get(format!("{}{dup}", app.base)).header("cookie", &f.cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已经提交过"));
    // A double click: two at once, one order.
    let f2 = open_form(&app, &c, Some(&f.cookie)).await;
    let (a, b) = tokio::join!(post_form(&app, &c, &f2, None), post_form(&app, &c, &f2, None));
    let locations = [a.headers()["location"].to_str().unwrap().to_string(), b.headers()["location"].to_str().unwrap().to_string()];
    assert_eq!(locations.iter().filter(|l| l.starts_with("/?done=")).count(), 1, "{locations:?}");
    assert_eq!(app.counts().await.0, before + 2);
    // A "done" page with a wrong code shows nothing.
    let number = to.split("done=").nth(1).unwrap().split('&').next().unwrap();
    let forged = c.get(format!("{}/?done={number}&code=WRONG", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(!forged.contains("id=\"new-number\""));
}

#[tokio::test]
async fn an_api_client_retrying_with_its_idempotency_key_files_once() {
    let app = spawn_app().await;
    let body = json!({"order_type": "complaint", "category_id": "0301", "content": "夜市噪声", "citizen_phone": "13711113333"});
    let send = || app.client.post(format!("{}/api/public/orders", app.base)).header("idempotency-key", "app-7f3c-0001").json(&body).send();
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let number = first.json::<serde_json::Value>().await.unwrap()["number"].as_str().unwrap().to_string();
    let before = app.counts().await;
    let retry = send().await.unwrap();
    assert_eq!(retry.status(), StatusCode::CONFLICT);
    let v: serde_json::Value = retry.json().await.unwrap();
    assert_eq!(v["code"], "duplicate_submission");
    assert!(v["message"].as_str().unwrap().contains(&number));
    assert_eq!(app.counts().await, before, "nothing filed again");
    // A refused request gives its key back: corrected, it goes through.
    let op = app.login("operator").await;
    let bad = app.client.post(format!("{}/api/orders", app.base)).bearer_auth(&op).header("idempotency-key", "op-1").json(&json!({"order_type": "complaint"})).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let good = app.client.post(format!("{}/api/orders", app.base)).bearer_auth(&op).header("idempotency-key", "op-1").json(&complaint("夜市噪声")).send().await.unwrap();
    assert_eq!(good.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_key_left_claimed_by_a_request_that_died_is_taken_by_its_retry() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let send = |key: &'static str| {
        app.client.post(format!("{}/api/orders", app.base)).bearer_auth(&op).header("idempotency-key", key).json(&complaint("夜市噪声")).send()
    };
    // The number is written with the order, in its transaction: nothing after it is needed.
    let first = send("op-9").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let number = first.json::<serde_json::Value>().await.unwrap()["order"]["number"].as_str().unwrap().to_string();
    let user: String = sqlx::query_scalar("SELECT id FROM users WHERE username = 'operator'").fetch_one(app.store.pool()).await.unwrap();
    let key = format!("api:{user}:op-9");
    let kept: Option<String> = sqlx::query_scalar("SELECT number FROM idempotency WHERE key = $1").bind(&key).fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(kept.as_deref(), Some(number.as_str()));
    // A request that claimed its key and died before filing anything (a crash): its retry is
    // refused while the claim is young, and goes through once it is five seconds old.
    let dead = format!("api:{user}:op-10");
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("INSERT INTO idempotency (key, number, created_at) VALUES ($1, NULL, $2)").bind(&dead).bind(now - 1_000).execute(app.store.pool()).await.unwrap();
    let before = app.counts().await;
    let young = send("op-10").await.unwrap();
    assert_eq!(young.status(), StatusCode::CONFLICT);
    assert_eq!(app.counts().await, before);
    sqlx::query("UPDATE idempotency SET created_at = $1 WHERE key = $2").bind(now - 6_000).bind(&dead).execute(app.store.pool()).await.unwrap();
    let retry = send("op-10").await.unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(app.counts().await.0, before.0 + 1, "filed once");
    // And a key that has its number is never taken again, however old.
    sqlx::query("UPDATE idempotency SET created_at = 0 WHERE key = $1").bind(&key).execute(app.store.pool()).await.unwrap();
    assert_eq!(send("op-9").await.unwrap().status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn repeated_submissions_from_one_address_meet_a_question() {
    let app = spawn_app().await;
    let c = browser(41);
    let mut cookie: Option<String> = None;
    for i in 0..5 {
        let f = open_form(&app, &c, cookie.as_deref()).await;
        assert!(f.challenge.is_none(), "no question for submission {i}");
        cookie = Some(f.cookie.clone());
        assert_eq!(post_form(&app, &c, &f, None).await.status(), StatusCode::SEE_OTHER);
    }
    // The sixth form asks a question; without the answer, or with a wrong one, nothing is filed.
    let f = open_form(&app, &c, cookie.as_deref()).await;
    let (_, answer) = f.challenge.clone().expect("a question after five submissions");
    let before = app.counts().await.0;
    let r = post_form(&app, &c, &f, None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请正确回答验证问题"));
    assert_eq!(post_form(&app, &c, &f, Some((answer + 1).to_string())).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.counts().await.0, before);
    // The right answer files it.
    assert_eq!(post_form(&app, &c, &f, Some(answer.to_string())).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.counts().await.0, before + 1);
    // Another address is not asked.
    assert!(open_form(&app, &browser(42), None).await.challenge.is_none());
}

#[tokio::test]
async fn administrators_set_how_much_the_public_may_submit() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/public-limits", Some(json!({"per_address": 0, "per_address_photos": 1, "per_phone": 1, "challenge_after": 1}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_public_limits")));
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/public-limits", Some(json!({"per_address": 2, "per_address_photos": 1, "per_phone": 10, "challenge_after": 50}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = browser(43);
    let submit = |phone: &'static str| {
        c.post(format!("{}/api/public/orders", app.base)).json(&json!({"order_type": "complaint", "category_id": "0301", "content": "夜市噪声", "citizen_phone": phone})).send()
    };
    assert_eq!(submit("13711114444").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(submit("13711115555").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(submit("13711116666").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS, "the third of two an hour");
    let (s, _) = app.get(Some(&app.login("dispatcher").await), "/api/admin/public-limits").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
