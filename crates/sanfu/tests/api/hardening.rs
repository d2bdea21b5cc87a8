//! What a fuzzer, an attacker and PostgreSQL found (issue 12), one test per finding, on both
//! databases. Each failed before its fix.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

fn chinese(v: &Value) -> bool {
    v["message"].as_str().is_some_and(|m| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

async fn login_from(app: &TestApp, c: &Client, username: &str, password: &str) -> (StatusCode, Value) {
    let r = c.post(format!("{}/api/auth/login", app.base)).json(&json!({"username": username, "password": password})).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(app.store.pool()).await.unwrap()
}

// ---------------------------------------------------------------- 1. PostgreSQL's 500s

/// sqlx's Any driver binds a missing f64 as PostgreSQL float4 and the connection's prepared
/// statement keeps that type: the next order *with* coordinates on that connection was a 500
/// ("incorrect binary data format in bind parameter 8"). The Open311 test registered with
/// coordinates on a connection that had not yet prepared the statement with a missing one, so
/// it passed; here registrations with and without alternate on the same connections.
#[tokio::test]
async fn orders_with_coordinates_follow_orders_without_them() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    for i in 0..24 {
        let mut b = complaint("湖滨路路灯不亮");
        if i % 2 == 1 {
            b["lat"] = json!(30.5 + f64::from(i) / 1000.0);
            b["lng"] = json!(120.5);
        }
        let (s, v) = app.post(Some(&op), "/api/orders", b).await;
        assert_eq!(s, StatusCode::CREATED, "registration {i}: {v}");
        let o = app.order(&op, v["order"]["number"].as_str().unwrap()).await;
        if i % 2 == 1 {
            assert_eq!(o["lat"], 30.5 + f64::from(i) / 1000.0);
            assert_eq!(o["lng"], 120.5);
        } else {
            assert!(o["lat"].is_null(), "{o}");
        }
    }
    // An Open311 app that sends a location.
    let admin = app.login("admin").await;
    let (_, k) = app.post(Some(&admin), "/api/admin/api-keys", json!({"name": "随手拍"})).await;
    let key = k["api_key"].as_str().unwrap().to_string();
    for i in 0..6 {
        let r = app
            .client
            .post(format!("{}/open311/v2/requests.json", app.base))
            .form(&[("api_key", key.as_str()), ("service_code", "0204"), ("description", "路灯不亮"), ("lat", "30.27"), ("long", "120.15")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "open311 {i}: {}", r.text().await.unwrap());
    }
}

#[tokio::test]
async fn a_nul_character_is_refused_everywhere_and_nothing_is_written() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let before = app.counts().await;
    for path in ["/api/public/knowledge?q=%00", "/open311/v2/requests/%00.json", "/api/orders/%00", "/api/orders?q=a%00b"] {
        let (s, v) = app.get(Some(&op), path).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("nul_character")), "{path}: {v}");
        assert!(chinese(&v), "{v}");
    }
    // A page answers with a page.
    let r = app.client.get(format!("{}/follow?number=%00", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // In a JSON string, in a form, in a multipart field.
    let (s, v) = app.post(Some(&op), "/api/orders", complaint("噪音\u{0}扰民")).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("nul_character")), "{v}");
    let r = app.client.post(format!("{}/login", app.base)).form(&[("username", "op\u{0}"), ("password", "x")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app.post(None, "/api/public/orders", json!({"order_type": "complaint", "category_id": "0301", "content": "a\u{0}"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("nul_character")));
    // An escaped backslash before "u0000" is text, not a NUL.
    let (s, v) = app.post(Some(&op), "/api/orders", complaint("路径 C:\\u0000 不是空字符")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(app.counts().await.0, before.0 + 1);
}

#[tokio::test]
async fn an_overlong_username_is_refused_without_a_trace() {
    let app = spawn_app().await;
    let before = event_count(&app).await;
    for name in ["操".repeat(3_000), "a".repeat(1_000_000)] {
        let (s, v) = app.post(None, "/api/auth/login", json!({"username": name, "password": "x"})).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("credentials_too_long")), "{v}");
    }
    assert_eq!(event_count(&app).await, before, "nothing stored for an overlong name");
    // A failed login of the longest name stores only its first 32 characters.
    let (s, _) = app.post(None, "/api/auth/login", json!({"username": "名".repeat(64), "password": "x"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let stored: String = sqlx::query_scalar("SELECT details FROM events WHERE action = 'login_failed'").fetch_one(app.store.pool()).await.unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["username"].as_str().unwrap().chars().count(), 32);
}

#[tokio::test]
async fn two_simultaneous_loads_of_one_calendar_year_both_succeed() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let csv = "date,kind,holiday\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n";
    let load = || app.post(Some(&admin), "/api/admin/calendar", json!({"csv": csv, "source": "国办发明电"}));
    let (a, b, c) = tokio::join!(load(), load(), load());
    for (s, v) in [a, b, c] {
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, v) = app.get(Some(&admin), "/api/calendar/2027").await;
    assert_eq!(v.to_string().matches("2027-01-0").count(), 3, "each day once: {v}");
}

// ---------------------------------------------------------------- 2. one shape for every error

#[tokio::test]
async fn axums_own_rejections_unknown_methods_and_paths_answer_in_the_one_shape() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    for (method, path, status) in [
        (reqwest::Method::GET, "/api/orders?page=abc", StatusCode::BAD_REQUEST),
        (reqwest::Method::GET, "/api/inbox?per_page=-1", StatusCode::BAD_REQUEST),
        (reqwest::Method::GET, "/api/calendar/twenty", StatusCode::BAD_REQUEST),
        (reqwest::Method::GET, "/api/hot-topics?days=%FF", StatusCode::BAD_REQUEST),
        (reqwest::Method::DELETE, "/api/orders", StatusCode::METHOD_NOT_ALLOWED),
        (reqwest::Method::PATCH, "/api/auth/login", StatusCode::METHOD_NOT_ALLOWED),
        (reqwest::Method::GET, "/api/no-such-thing", StatusCode::NOT_FOUND),
        (reqwest::Method::GET, "/open311/v2/a/b/c", StatusCode::NOT_FOUND),
    ] {
        let (s, v) = app.call(method.clone(), Some(&disp), path, None).await;
        assert_eq!(s, status, "{method} {path}: {v}");
        assert!(v["code"].as_str().is_some_and(|c| !c.is_empty()), "{method} {path}: {v}");
        assert!(chinese(&v), "{method} {path}: {v}");
    }
    let (_, v) = app.get(Some(&disp), "/api/orders?page=abc").await;
    assert!(v["message"].as_str().unwrap().contains("page"), "names the parameter: {v}");
    // A page answers with the error page, in Chinese.
    let r = app.client.delete(format!("{}/board", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("不支持"));
}

// ---------------------------------------------------------------- 3. login throttling

#[tokio::test]
async fn forty_simultaneous_guesses_get_five_checks() {
    let app = spawn_app().await;
    let guesses = (0..40).map(|i| {
        let pw = if i == 29 { PW.to_string() } else { format!("guess-{i}") };
        let c = app.client.clone();
        let url = format!("{}/api/auth/login", app.base);
        async move { c.post(url).json(&json!({"username": "operator", "password": pw})).send().await.unwrap().status() }
    });
    let statuses = futures_join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s != StatusCode::TOO_MANY_REQUESTS).count();
    assert!(checked <= 5, "at most five passwords checked, got {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 40 - checked);
}

async fn futures_join_all<F: std::future::Future<Output = StatusCode> + Send + 'static>(fs: impl Iterator<Item = F>) -> Vec<StatusCode> {
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_a_user_out() {
    let app = spawn_app().await;
    let attacker = client_from(2);
    for _ in 0..5 {
        assert_eq!(login_from(&app, &attacker, "admin", "not-the-password").await.0, StatusCode::UNAUTHORIZED);
    }
    // The attacker's address is refused, even with the right password...
    let (s, v) = login_from(&app, &attacker, "admin", PW).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")));
    // ...while the administrator, at their own desk, logs in (after a short delay).
    let (s, v) = login_from(&app, &client_from(1), "admin", PW).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn spraying_one_password_over_many_accounts_is_stopped() {
    let app = spawn_app().await;
    let sprayer = client_from(3);
    let users: Vec<String> = sqlx::query_scalar("SELECT username FROM users ORDER BY username").fetch_all(app.store.pool()).await.unwrap();
    assert!(users.len() > 40);
    let mut refused_at = None;
    for (i, u) in users.iter().take(40).enumerate() {
        let (s, _) = login_from(&app, &sprayer, u, "Spring2026!").await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(i);
            break;
        }
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(refused_at, Some(30), "the 31st failure from one address is refused");
    // Unknown names count as well, and the address stays refused for them.
    assert_eq!(login_from(&app, &sprayer, "nobody-here", "x").await.0, StatusCode::TOO_MANY_REQUESTS);
    // Other addresses are not affected.
    assert_eq!(login_from(&app, &client_from(4), "operator", PW).await.0, StatusCode::OK);
}

// ---------------------------------------------------------------- 4. unbounded writes

/// A multipart submission of the public form with one small PNG, as a browser sends it: a form
/// opened for it (its one-time key; the question answered when one is asked).
async fn submit_with_photo(app: &TestApp, c: &Client, cookie: &str, phone: &str) -> StatusCode {
    let f = open_form(app, c, Some(cookie)).await;
    let boundary = "----sanfu-test-boundary";
    let mut body = Vec::new();
    let mut fields = vec![
        ("_csrf", f.csrf.clone()),
        ("_once", f.once.clone()),
        ("order_type", "complaint".to_string()),
        ("category", "0301".to_string()),
        ("content", "工地夜间施工噪音扰民，附照片".to_string()),
        ("phone", phone.to_string()),
    ];
    if let Some((t, a)) = &f.challenge {
        fields.push(("_challenge", t.clone()));
        fields.push(("challenge_answer", a.to_string()));
    }
    for (k, v) in &fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend_from_slice(b"\x89PNG\r\n\x1a\n0000IHDR");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.post(format!("{}/submit", app.base))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("cookie", cookie)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn photo_submissions_and_submissions_are_limited_per_address_and_phone() {
    let app = spawn_app().await;
    let c = client_from(5);
    let cookie = open_form(&app, &c, None).await.cookie;
    for i in 0..10 {
        assert_eq!(submit_with_photo(&app, &c, &cookie, &format!("139000000{i:02}")).await, StatusCode::SEE_OTHER, "photo submission {i}");
    }
    let before = app.counts().await;
    assert_eq!(submit_with_photo(&app, &c, &cookie, "13900000099").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.counts().await, before, "nothing stored beyond the limit");
    // Without photos the address has more: 30 an hour in all (eleven used above).
    let submit = |phone: String| {
        let c = c.clone();
        let url = format!("{}/api/public/orders", app.base);
        async move {
            let r = c.post(url).json(&json!({"order_type": "complaint", "category_id": "0301", "content": "噪音扰民", "citizen_phone": phone})).send().await.unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for i in 0..19 {
        assert_eq!(submit(format!("137000000{i:02}")).await.0, StatusCode::CREATED, "submission {i}");
    }
    let (s, v) = submit("13700000099".into()).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_submissions")));
    assert!(chinese(&v));
    // One phone number from many addresses: ten an hour.
    for i in 0..10u8 {
        assert_eq!(client_from(10 + i).post(format!("{}/api/public/orders", app.base))
            .json(&json!({"order_type": "complaint", "category_id": "0301", "content": "噪音", "citizen_phone": "13600001111"}))
            .send().await.unwrap().status(), StatusCode::CREATED);
    }
    let r = client_from(30).post(format!("{}/api/public/orders", app.base))
        .json(&json!({"order_type": "complaint", "category_id": "0301", "content": "噪音", "citizen_phone": "136 0000 1111"}))
        .send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

// ---------------------------------------------------------------- 5. open redirect

#[tokio::test]
async fn after_login_the_browser_stays_on_this_site() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/orders/new", "/orders/new"),
        ("/\t/evil.example", "/desk"),
        ("//evil.example", "/desk"),
        ("/\\evil.example", "/desk"),
        ("/x\r\nSet-Cookie: a=b", "/desk"),
        ("https://evil.example/", "/desk"),
    ] {
        let c = client_from(1);
        let page = c.get(format!("{}/login", app.base)).send().await.unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let token = cookie.split_once('=').unwrap().1.to_string();
        let r = c
            .post(format!("{}/login", app.base))
            .header("cookie", cookie)
            .form(&[("_csrf", token.as_str()), ("username", "operator"), ("password", PW), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.headers()["location"], expected, "{next:?}");
    }
}

// ---------------------------------------------------------------- 6. CSV formula injection

#[tokio::test]
async fn the_csv_export_never_hands_a_spreadsheet_a_formula() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let mut b = complaint("导出测试");
    b["subject"] = json!("=HYPERLINK(\"http://evil.example\",\"点此查看\")");
    b["citizen_name"] = json!("=cmd|' /C calc'!A0");
    b["address"] = json!("@SUM(1+1)*cmd|' /C calc'!A0");
    app.register(&op, b).await;
    let csv = app.client.get(format!("{}/api/orders/export?format=csv&q=导出测试", app.base)).bearer_auth(&op).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    // The file's heading (title, period and filters, who and when) comes first, then the table.
    let table = &text[text.find("工单编号,").expect("the table's header")..];
    let mut r = csv::Reader::from_reader(table.as_bytes());
    let row = r.records().next().unwrap().unwrap();
    let cells: Vec<&str> = row.iter().collect();
    assert!(cells.contains(&"'=HYPERLINK(\"http://evil.example\",\"点此查看\")"), "{cells:?}");
    assert!(cells.contains(&"'@SUM(1+1)*cmd|' /C calc'!A0"), "{cells:?}");
    assert!(cells.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])), "{cells:?}");
}

// ---------------------------------------------------------------- 7. CSRF on the JSON API, headers

/// The session cookie and the page's CSRF token, as a browser holds them after logging in.
async fn browser_session(app: &TestApp, username: &str) -> (String, String) {
    let r = app.client.post(format!("{}/api/auth/login", app.base)).json(&json!({"username": username, "password": PW})).send().await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page = app.client.get(format!("{}/desk", app.base)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    (cookie, csrf)
}

#[tokio::test]
async fn cookie_authenticated_api_writes_need_the_token_and_this_origin() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let op = app.login("operator").await;
    let o = app.register(&op, complaint("工地夜间施工")).await;
    let n = o["order"]["number"].as_str().unwrap().to_string();
    app.act(&disp, &n, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    let (cookie, csrf) = browser_session(&app, "zjj").await;
    let sign = format!("{}/api/orders/{n}/sign", app.base);
    let host = app.base.trim_start_matches("http://").to_string();

    // A form auto-submitted from another site: text/plain, the cookie alone.
    let r = app.client.post(&sign).header("cookie", &cookie).header("content-type", "text/plain").body("").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", r.text().await.unwrap());
    let r = app.client.post(&sign).header("cookie", &cookie).header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
    assert!(r.status().is_client_error());
    // JSON with the cookie but no token; the token from another origin.
    let r = app.client.post(&sign).header("cookie", &cookie).json(&json!({})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "csrf_failed");
    let r = app.client.post(&sign).header("cookie", &cookie).header("x-csrf-token", &csrf).header("origin", "http://127.0.0.1:1").json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.order(&disp, &n).await["state"], "dispatched", "nothing was signed");
    // The page's own script: token and origin.
    let r = app.client.post(&sign).header("cookie", &cookie).header("x-csrf-token", &csrf).header("origin", format!("http://{host}")).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Programs with a bearer token are not browsers and need neither.
    let o2 = app.register(&op, complaint("第二件")).await;
    app.act(&disp, o2["order"]["number"].as_str().unwrap(), "dispatch", json!({"lead_unit_id": "zjj"})).await;
}

#[tokio::test]
async fn staff_pages_carry_the_security_headers() {
    let app = spawn_app().await;
    let (cookie, _) = browser_session(&app, "dispatcher").await;
    let r = app.client.get(format!("{}/desk", app.base)).header("cookie", &cookie).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let api = app.client.get(format!("{}/api/me", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn behind_https_cookies_are_secure() {
    let app = spawn_app_with(sanfu_web::WebConfig { https: true, trust_proxy: false }).await;
    let r = app.client.post(format!("{}/api/auth/login", app.base)).json(&json!({"username": "operator", "password": PW})).send().await.unwrap();
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let home = app.client.get(format!("{}/", app.base)).send().await.unwrap();
    assert!(home.headers()["set-cookie"].to_str().unwrap().contains("; Secure"), "the public form's cookie too");
}

// ---------------------------------------------------------------- 8. access and scope

#[tokio::test]
async fn units_see_neither_the_ranking_nor_which_numbers_exist_nor_addresses() {
    let app = spawn_app().await;
    let (cookie, _) = browser_session(&app, "zjj").await;
    let r = app.client.get(format!("{}/ranking", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let desk = app.client.get(format!("{}/desk", app.base)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(!desk.contains("href=\"/ranking\""), "no link to a page the unit may not open");

    let zjj = app.login("zjj").await;
    let op = app.login("operator").await;
    let other = app.register(&op, complaint("别人的工单")).await;
    let (s1, v1) = app.get(Some(&zjj), &format!("/api/orders/{}", other["order"]["number"].as_str().unwrap())).await;
    let (s2, v2) = app.get(Some(&zjj), "/api/orders/19990101000001").await;
    assert_eq!((s1, v1["code"].clone(), v1["message"].clone()), (s2, v2["code"].clone(), v2["message"].clone()), "the same answer");
    assert_eq!(s1, StatusCode::FORBIDDEN);
    let (s, _) = app.get(Some(&op), "/api/orders/19990101000001").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the centre reads every order, so absence is simply absence");
}

#[tokio::test]
async fn a_vice_mayor_sees_the_hot_topics_of_his_portfolio_only() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    // Six look-alike orders for a unit outside the portfolio (education), six inside (transport).
    for (unit, cat, subject, text) in [
        ("jyj", "0501", "学校门口接送拥堵", "实验小学门口早晚接送拥堵，家长乱停车，学生过马路很危险"),
        ("jtysj", "0402", "出租车拒载绕路", "火车站出租车拒载绕路多收钱，司机态度恶劣，投诉无门"),
    ] {
        for i in 0..6 {
            let mut b = complaint(&format!("{text}，第{i}次反映"));
            b["category_id"] = json!(cat);
            b["subject"] = json!(subject);
            let o = app.register(&op, b).await;
            app.act(&disp, o["order"]["number"].as_str().unwrap(), "dispatch", json!({"lead_unit_id": unit})).await;
        }
    }
    let vm = app.login("vicemayor").await;
    let (s, v) = app.get(Some(&vm), "/api/hot-topics?days=7").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let numbers: Vec<String> = v["items"].as_array().unwrap().iter().flat_map(|t| t["numbers"].as_array().unwrap().clone()).map(|n| n.as_str().unwrap().to_string()).collect();
    assert!(!numbers.is_empty(), "the portfolio's topic is there: {v}");
    for n in &numbers {
        let (s, _) = app.get(Some(&vm), &format!("/api/orders/{n}")).await;
        assert_eq!(s, StatusCode::OK, "every listed order is one he may open: {n}");
    }
    let mayor = app.login("mayor").await;
    let (_, all) = app.get(Some(&mayor), "/api/hot-topics?days=7").await;
    assert!(all["items"].as_array().unwrap().len() > v["items"].as_array().unwrap().len(), "the mayor sees the whole city: {all}");
}

#[tokio::test]
async fn revoking_an_unknown_session_writes_nothing() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let before = event_count(&app).await;
    let (s, v) = app.post(Some(&op), "/api/me/sessions/no-such-session/revoke", json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("session_not_found")));
    assert_eq!(event_count(&app).await, before);
}

// ---------------------------------------------------------------- 9. smaller

#[tokio::test]
async fn a_sub_category_is_created_under_its_parents_code() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, v) = app.post(Some(&admin), "/api/admin/categories", json!({"code": "0399", "name": "广场舞噪音", "parent_id": "03", "default_unit_id": "cgj"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Stored under the parent's id, so the tree and the public form show it in its place.
    let parent: String = sqlx::query_scalar("SELECT id FROM categories WHERE code = '03'").fetch_one(app.store.pool()).await.unwrap();
    let stored: Option<String> = sqlx::query_scalar("SELECT parent_id FROM categories WHERE code = '0399'").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(stored, Some(parent));
    let (s, v) = app.post(Some(&admin), "/api/admin/categories", json!({"code": "0398", "name": "某", "parent_id": "no-such"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_category")));
}

#[tokio::test]
async fn common_and_all_digit_passwords_are_refused() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    for pw in ["12345678", "1qaz2wsx", "password123", "aaaaaaaa", "wangwei-2026"] {
        let (s, v) = app.post(Some(&admin), "/api/admin/users", json!({"username": "wangwei", "name": "王伟", "password": pw, "unit_id": "zjj", "roles": ["unit_liaison"]})).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")), "{pw}: {v}");
        assert!(chinese(&v));
    }
}

#[tokio::test]
async fn dispatch_and_forward_notes_are_on_the_order_page() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let donghu = app.login("donghu").await;
    let o = app.register(&op, complaint("湖滨路夜间施工")).await;
    let n = o["order"]["number"].as_str().unwrap().to_string();
    app.act(&disp, &n, "dispatch", json!({"lead_unit_id": "donghu", "note": "请三日内到现场核实"})).await;
    app.act(&donghu, &n, "forward", json!({"unit_id": "donghu-hp", "note": "湖滨街道负责"})).await;
    let (cookie, _) = browser_session(&app, "dispatcher").await;
    let page = app.client.get(format!("{}/orders/{n}", app.base)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("派单意见：请三日内到现场核实"), "dispatch note shown");
    assert!(page.contains("派单意见：湖滨街道负责"), "forward note shown");
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_its_connection() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Headers that never end.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(40), s.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the server closed the connection");
    // A body that stops arriving.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user").await.unwrap();
    let mut buf = Vec::new();
    let answered = tokio::time::timeout(Duration::from_secs(40), s.read_to_end(&mut buf)).await;
    assert!(answered.is_ok(), "the server gave up on the body");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
}

// ---------------------------------------------------------------- the fuzzer's target

/// A seeded round of the fuzzer (`sanfu bench fuzz` runs 20,000): every route, malformed in
/// every way it knows, as every kind of caller. No 5xx, and every API error in the one shape.
#[tokio::test]
async fn a_round_of_malformed_requests_gets_no_server_error() {
    let app = spawn_app().await;
    let report = sanfu::fuzz::run(&app.base, 2_000, 4, 12, PW).await.unwrap();
    assert_eq!(report.requests, 2_000);
    assert!(report.server_errors.is_empty(), "{}\n{}", report.line(), report.server_errors.join("\n"));
    assert!(report.shape_errors.is_empty(), "{}\n{}", report.line(), report.shape_errors.join("\n"));
    assert!(report.statuses.get(&200).is_some_and(|n| *n > 100), "some requests got through: {}", report.line());
}
