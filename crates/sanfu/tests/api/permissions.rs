//! Every request is authorised on the server: a unit reads and acts on its own work only, a
//! leader reads the portfolio, the centre reads all; citizens' numbers are masked.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn units_see_only_their_own_orders_and_leaders_their_portfolio() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let hb = app.login("sthjj").await;
    let mayor = app.login("mayor").await;
    let vice = app.login("vicemayor").await;
    let office = app.login("duchake").await;

    let a = app.register(&disp, complaint("物业不作为")).await["order"]["id"].as_str().unwrap().to_string();
    let b = app.register(&disp, complaint("河道异味")).await["order"]["id"].as_str().unwrap().to_string();
    let c = app.register(&disp, complaint("尚未派单")).await["order"]["id"].as_str().unwrap().to_string();
    app.act(&disp, &a, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    app.act(&disp, &b, "dispatch", json!({"lead_unit_id": "sthjj"})).await;

    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
    };
    let (_, l) = app.get(Some(&zjj), "/api/orders").await;
    assert_eq!(ids(&l), std::slice::from_ref(&a));
    assert_eq!(l["total"], 1);
    let (_, l) = app.get(Some(&hb), "/api/orders").await;
    assert_eq!(ids(&l), std::slice::from_ref(&b));
    let (_, l) = app.get(Some(&disp), "/api/orders").await;
    assert_eq!(l["total"], 3);
    let (_, l) = app.get(Some(&office), "/api/orders").await;
    assert_eq!(l["total"], 3);
    // The mayor's portfolio is the whole government; the vice-mayor's covers 住建局 but not 生态环境局.
    let (_, l) = app.get(Some(&mayor), "/api/orders").await;
    assert_eq!(l["total"], 2);
    let (_, l) = app.get(Some(&vice), "/api/orders").await;
    assert_eq!(ids(&l), std::slice::from_ref(&a));
    assert_eq!(app.get(Some(&vice), &format!("/api/orders/{b}")).await.0, StatusCode::FORBIDDEN);
    // A unit typing another unit's order gets a refusal, for the order, its timeline and actions.
    for path in [format!("/api/orders/{b}"), format!("/api/orders/{b}/events"), format!("/api/orders/{c}")] {
        let (s, v) = app.get(Some(&zjj), &path).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("order_forbidden")), "{path}");
    }
    assert_eq!(app.refused(&zjj, &b, "sign", json!({})).await.0, StatusCode::FORBIDDEN);
    // Filtering by another unit does not widen the scope.
    let (_, l) = app.get(Some(&zjj), "/api/orders?unit_id=sthjj").await;
    assert_eq!(l["total"], 0);
    // Units do not register orders or read users.
    assert_eq!(app.post(Some(&zjj), "/api/orders", complaint("x")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(Some(&zjj), "/api/admin/users").await.0, StatusCode::FORBIDDEN);
    // Leaders read but do not act.
    assert_eq!(app.refused(&mayor, &a, "sign", json!({})).await.0, StatusCode::FORBIDDEN);
    // No token, no access.
    let (s, v) = app.get(None, "/api/orders").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
}

#[tokio::test]
async fn a_unit_never_obtains_the_full_phone_number_and_confidential_orders_hide_the_citizen() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let vice = app.login("vicemayor").await;
    let mut body = complaint("举报某小区违规转租公租房");
    body["order_type"] = json!("report");
    body["citizen_name"] = json!("王五");
    body["citizen_phone"] = json!("13588821100");
    body["confidential"] = json!(true);
    let secret = app.register(&disp, body).await["order"]["id"].as_str().unwrap().to_string();
    let open = app.register(&disp, complaint("电梯故障")).await["order"]["id"].as_str().unwrap().to_string();
    for id in [&secret, &open] {
        app.take_to(id, "handling", "zjj").await;
    }
    let o = app.order(&zjj, &secret).await;
    assert!(o["citizen"]["name"].is_null() && o["citizen"]["phone"].is_null(), "{}", o["citizen"]);
    assert_eq!(o["confidential"], true);
    let o = app.order(&zjj, &open).await;
    assert_eq!(o["citizen"]["phone"], "138****1234");
    let o = app.order(&vice, &open).await;
    assert_eq!(o["citizen"]["phone"], "138****1234");
    // The centre sees both in full.
    assert_eq!(app.order(&disp, &secret).await["citizen"]["phone"], "13588821100");
    // Nothing the unit can reach contains the numbers.
    let mut seen = String::new();
    for path in [
        format!("/api/orders/{secret}"),
        format!("/api/orders/{secret}/events"),
        format!("/api/orders/{open}"),
        format!("/api/orders/{open}/events"),
        "/api/orders".to_string(),
        "/api/inbox".to_string(),
    ] {
        seen.push_str(&app.get(Some(&zjj), &path).await.1.to_string());
    }
    seen.push_str(&app.act(&zjj, &open, "note", json!({"text": "已联系"})).await.to_string());
    assert!(!seen.contains("13588821100") && !seen.contains("13812341234"), "full number leaked");
    assert!(!seen.contains("王五"));
    // Searching by phone is the centre's tool only.
    let (s, _) = app.get(Some(&zjj), "/api/orders?phone=13812341234").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, l) = app.get(Some(&disp), "/api/orders?phone=138-1234-1234").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{l}");
    let (_, l) = app.get(Some(&disp), "/api/orders?phone=13812341234").await;
    assert_eq!(l["total"], 1);
}

#[tokio::test]
async fn the_inbox_lists_what_waits_on_each_person_most_urgent_first() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let a = app.register(&disp, complaint("一号工单")).await["order"]["id"].as_str().unwrap().to_string();
    let b = app.register(&disp, complaint("二号工单")).await["order"]["id"].as_str().unwrap().to_string();
    let mut urgent = complaint("燃气泄漏气味");
    urgent["urgency"] = json!("urgent");
    let u = app.register(&disp, urgent).await["order"]["id"].as_str().unwrap().to_string();
    let (_, inbox) = app.get(Some(&disp), "/api/inbox").await;
    assert_eq!(inbox["total"], 3);
    assert_eq!(inbox["counts"][0]["label"], "待派单");
    assert_eq!(inbox["counts"][0]["count"], 3);
    assert!(inbox["items"].as_array().unwrap().iter().all(|i| i["waiting_for"] == "待派单"));
    app.act(&disp, &a, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    app.act(&disp, &u, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // The urgent order's 30-minute signing limit comes first.
    assert_eq!(items[0]["order"]["id"], u.as_str());
    assert_eq!(items[0]["waiting_for"], "待签收");
    assert_eq!(items[0]["order"]["next_due"]["kind"], "sign");
    app.act(&zjj, &a, "sign", json!({})).await;
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    let waiting: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|i| i["waiting_for"].as_str().unwrap()).collect();
    assert_eq!(waiting, ["待签收", "待答复"]);
    let (_, inbox) = app.get(Some(&disp), "/api/inbox").await;
    assert_eq!(inbox["items"].as_array().unwrap().iter().map(|i| i["order"]["id"].as_str().unwrap()).collect::<Vec<_>>(), [b.as_str()]);
}
