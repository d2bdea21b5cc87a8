//! Citizens' personal data typed into free text — phone, ID card and bank card numbers, e-mail
//! addresses, in every way people write them — reaches neither the public (reply board, public
//! API, Open311, the follow page) nor a unit's screens (order, timeline, lists, search, export);
//! the hotline centre reads it as typed. The reply board shows only what the centre approved, of
//! orders whose citizen agreed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const PHONE: &str = "13812345678";
const ID: &str = "33010619900101123";
const CARD: &str = "6222021234567890123";
const LANDLINE: &str = "057188881234";

/// Chinese texts with the numbers in every written form.
const CORPUS: &[&str] = &[
    "我的手机13812345678，白天打不通可以打座机0571-88881234。",
    "联系电话 138 1234 5678，或 138-1234-5678，或者１３８１２３４５６７８。",
    "请回电+86 138 1234 5678（138.1234.5678）。",
    "本人身份证号33010619900101123X，申请人身份证 330106 19900101 123x。",
    "身份证号码：３３０１０６１９９００１０１１２３Ｘ，请核实。",
    "补贴请打到银行卡6222021234567890123，卡号也写作 6222 0212 3456 7890 123 或 6222-0212-3456-7890-123。",
    "邮箱 zhang.san@example.com，或 zhang.san＠example.com，收到请回复。",
];

/// What must not appear in a page or answer: each number's digits (in any form once the
/// separators and full-width digits are taken out) and the e-mail's local part.
fn leaks(body: &str) -> Vec<&'static str> {
    let digits = sanfu_domain::privacy::digits_of(body);
    let mut found = Vec::new();
    for secret in [PHONE, ID, CARD, LANDLINE] {
        if digits.contains(secret) {
            found.push(secret);
        }
    }
    if body.contains("zhang.san@") || body.contains("zhang.san＠") || body.contains("zhang.san\\u") {
        found.push("zhang.san@");
    }
    found
}

async fn text_of(app: &TestApp, token: Option<&str>, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let resp = r.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn cookie_of(app: &TestApp, username: &str) -> String {
    let r = app.client.post(format!("{}/api/auth/login", app.base)).json(&json!({"username": username, "password": PW})).send().await.unwrap();
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn personal_data_in_citizens_text_reaches_no_public_page_and_no_unit() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let mayor = app.login("mayor").await;
    let admin = app.login("admin").await;
    let (_, k) = app.post(Some(&admin), "/api/admin/api-keys", json!({"name": "随手拍"})).await;
    let key = k["api_key"].as_str().unwrap().to_string();

    let mut orders = Vec::new();
    for (i, text) in CORPUS.iter().enumerate() {
        // A citizen writes in, agreeing to publication; the subject repeats a number too.
        let (s, v) = app
            .post(None, "/api/public/orders", json!({
                "order_type": "complaint", "category_id": "0102", "subject": format!("电梯停运，电话13812345678（{i}）"),
                "content": format!("锦绣家园电梯停运两周。{text}"), "address": "和平路锦绣家园3栋，电话138 1234 5678",
                "citizen_phone": PHONE, "publish_consent": true,
            }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let n = v["number"].as_str().unwrap().to_string();
        let code = v["query_code"].as_str().unwrap().to_string();
        // The centre reads it exactly as typed.
        let full = app.order(&disp, &n).await;
        assert!(full["content"].as_str().unwrap().ends_with(text), "the centre reads the original");
        app.act(&disp, &n, "dispatch", json!({"lead_unit_id": "zjj", "note": format!("请联系诉求人{PHONE}")})).await;
        app.act(&zjj, &n, "sign", json!({})).await;
        app.act(&zjj, &n, "answer", json!({"text": format!("已电话联系13812345678，电梯已修复。{text}")})).await;
        app.act(&disp, &n, "review", json!({"pass": true})).await;
        app.act(&disp, &n, "callback", json!({"satisfaction": "satisfied"})).await;
        orders.push((n, code));
    }

    // The unit's screens, the leader's, and the exports.
    let zjj_cookie = cookie_of(&app, "zjj").await;
    for (n, _) in &orders {
        for (who, path) in [
            (&zjj, format!("/api/orders/{n}")),
            (&zjj, format!("/api/orders/{n}/events")),
            (&mayor, format!("/api/orders/{n}")),
            (&mayor, format!("/api/orders/{n}/events")),
        ] {
            let (s, body) = text_of(&app, Some(who), None, &path).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            assert!(leaks(&body).is_empty(), "{path} shows {:?}: {body}", leaks(&body));
        }
        let (s, page) = text_of(&app, None, Some(&zjj_cookie), &format!("/orders/{n}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(leaks(&page).is_empty(), "the unit's order page shows {:?}", leaks(&page));
        assert!(page.contains("138****5678"), "masked, not removed");
    }
    for (path, whom) in [
        ("/api/orders?q=电梯", vec![&zjj, &mayor]),
        ("/api/orders?q=13812345678", vec![&zjj, &mayor]),
        ("/api/inbox", vec![&zjj, &mayor]),
        ("/api/done", vec![&zjj]),
        ("/api/orders/export?format=csv", vec![&zjj, &mayor]),
        ("/api/hot-topics?days=7", vec![&mayor]),
    ] {
        for who in whom {
            let (s, body) = text_of(&app, Some(who), None, path).await;
            assert!(s.is_success(), "{path}: {s} {body}");
            assert!(leaks(&body).is_empty(), "{path} shows {:?}: {body}", leaks(&body));
        }
    }
    for path in ["/desk", "/orders?q=电梯"] {
        let (_, page) = text_of(&app, None, Some(&zjj_cookie), path).await;
        assert!(leaks(&page).is_empty(), "{path} shows {:?}", leaks(&page));
    }

    // Not on the board before the centre approves; then only the approved, masked texts.
    let (_, board) = text_of(&app, None, None, "/board").await;
    assert!(!board.contains("锦绣家园电梯停运"), "nothing published yet");
    for (n, _) in &orders {
        let (s, v) = app.post(Some(&disp), &format!("/api/orders/{n}/publish"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(leaks(&v.to_string()).is_empty(), "the approved text is masked: {v}");
    }
    // Even text the centre types into the approval is masked.
    let (n0, _) = &orders[0];
    let (s, v) = app.post(Some(&disp), &format!("/api/orders/{n0}/publish"), json!({"answer": "已回电 13812345678 说明情况，电梯已修复。"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["publication"]["answer"], "已回电 138****5678 说明情况，电梯已修复。");

    // (A search for a number echoes the visitor's own query in the search box: that page is
    // checked below for finding nothing.)
    for path in ["/board", "/board?q=锦绣家园", "/open311/v2/requests.json", "/open311/v2/requests.xml"] {
        let (s, body) = text_of(&app, None, None, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(leaks(&body).is_empty(), "{path} shows {:?}", leaks(&body));
    }
    let (_, board) = text_of(&app, None, None, "/board").await;
    assert!(board.contains("锦绣家园电梯停运"), "published after approval");
    let (_, found) = text_of(&app, None, None, "/board?q=锦绣家园").await;
    assert!(found.contains("board-item"), "and found by its words");
    let (_, searched) = text_of(&app, None, None, "/board?q=13812345678").await;
    assert!(!searched.contains("board-item"), "a number typed in an original finds nothing on the board");
    for (n, code) in &orders {
        for path in [format!("/api/public/orders/{n}?code={code}"), format!("/follow?number={n}&code={code}"), format!("/open311/v2/requests/{n}.json")] {
            let (s, body) = text_of(&app, None, None, &path).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            assert!(leaks(&body).is_empty(), "{path} shows {:?}: {body}", leaks(&body));
        }
    }
    let _ = key;

    // The centre still reads every original, the unit never did.
    let o = app.order(&disp, n0).await;
    assert!(o["content"].as_str().unwrap().contains(PHONE));
}

#[tokio::test]
async fn the_board_shows_only_what_the_centre_approved_of_those_who_agreed() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let op = app.login("operator").await;
    let zjj = app.login("zjj").await;
    let close = |n: String| {
        let app = &app;
        async move { app.take_to(&n, "closed", "zjj").await }
    };
    let mut without = complaint("翠湖苑电梯停运，没有同意公开");
    without["category_id"] = json!("0102");
    let n1 = app.register(&op, without).await["order"]["number"].as_str().unwrap().to_string();
    close(n1.clone()).await;
    let (s, v) = app.post(Some(&disp), &format!("/api/orders/{n1}/publish"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("no_consent")));

    let mut with = complaint("翠湖苑电梯停运，同意公开");
    with["category_id"] = json!("0102");
    with["publish_consent"] = json!(true);
    let n2 = app.register(&op, with).await["order"]["number"].as_str().unwrap().to_string();
    // Not before it is closed, and not by a unit.
    let (s, _) = app.post(Some(&disp), &format!("/api/orders/{n2}/publish"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    close(n2.clone()).await;
    let (s, _) = app.post(Some(&zjj), &format!("/api/orders/{n2}/publish"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let before = app.events(&disp, &n2).await.len();
    let (s, v) = app.post(Some(&disp), &format!("/api/orders/{n2}/publish"), json!({"subject": "翠湖苑电梯停运", "content": "翠湖苑小区电梯停运，请督促修复。"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ev = app.events(&disp, &n2).await;
    assert_eq!((ev.len(), ev.last().unwrap()["action"].as_str()), (before + 1, Some("publish")), "recorded in the order's log");
    let (_, board) = text_of(&app, None, None, "/board").await;
    assert!(board.contains("翠湖苑小区电梯停运，请督促修复。"), "the approved text");
    assert!(!board.contains("同意公开"), "not the original");
    assert!(!board.contains("没有同意公开"));
    // The original is kept; the order shows what is published.
    let o = app.order(&disp, &n2).await;
    assert_eq!(o["content"], "翠湖苑电梯停运，同意公开");
    assert_eq!(o["publication"]["content"], "翠湖苑小区电梯停运，请督促修复。");
    // Taken down again.
    let (s, _) = app.post(Some(&disp), &format!("/api/orders/{n2}/unpublish"), json!({"reason": "诉求人要求撤下"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, board) = text_of(&app, None, None, "/board").await;
    assert!(!board.contains("翠湖苑小区电梯停运"));
    let _: Value = app.order(&disp, &n2).await;
}
