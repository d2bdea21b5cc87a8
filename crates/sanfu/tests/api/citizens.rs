//! The citizen's side: submit without an account, follow with number and query code, rate,
//! withdraw.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_citizen_submits_follows_rates_and_an_unsatisfied_rating_reopens() {
    let app = spawn_app().await;
    let (s, v) = app
        .post(None, "/api/public/orders", json!({
            "order_type": "help",
            "category_id": "0901",
            "subject": "新苑小区停水",
            "content": "新苑小区3栋停水两天，没有任何通知。",
            "address": "东湖区新苑路12号",
            "citizen_name": "李四",
            "citizen_phone": "139 0571 6622",
            "urgency": "urgent",
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let number = v["number"].as_str().unwrap().to_string();
    let code = v["query_code"].as_str().unwrap().to_string();
    assert!(v["message"].as_str().unwrap().contains(&number));

    // The centre sees it as a web order, normal urgency (the form does not set urgency).
    let disp = app.login("dispatcher").await;
    let o = app.order(&disp, &number).await;
    assert_eq!(o["channel"], "web");
    assert_eq!(o["urgency"], "normal");
    assert_eq!(o["citizen"]["phone"], "13905716622");
    let id = o["id"].as_str().unwrap().to_string();

    // Following needs the right code; a wrong one looks like a wrong number.
    let (s, v) = app.get(None, &format!("/api/public/orders/{number}?code=WRONG123")).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("order_not_found")));
    let (s, v) = app.get(None, &format!("/api/public/orders/{number}")).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("missing_query_code")));
    let (s, v) = app.get(None, &format!("/api/public/orders/{number}?code={}", code.to_lowercase())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["state_label"], "待派单");
    assert!(v["order"].get("citizen").is_none(), "no personal data in the public view");

    // Rating before an answer is refused.
    let (s, _) = app.post(None, &format!("/api/public/orders/{number}/rate"), json!({"code": code, "satisfaction": "satisfied"})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let water = app.login("water").await;
    app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "water"})).await;
    app.act(&water, &id, "sign", json!({})).await;
    app.act(&water, &id, "answer", json!({"text": "因主管网抢修停水，已于今日18时恢复供水。"})).await;
    app.act(&disp, &id, "review", json!({"pass": true})).await;

    let (_, v) = app.get(None, &format!("/api/public/orders/{number}?code={code}")).await;
    let p = &v["order"];
    assert_eq!(p["state"], "callback");
    assert!(p["can_rate"].as_bool().unwrap());
    assert_eq!(p["answer"], "因主管网抢修停水，已于今日18时恢复供水。");
    assert_eq!(p["handling_unit"], "江州水务集团有限公司");
    let steps: Vec<&str> = p["timeline"].as_array().unwrap().iter().map(|s| s["description"].as_str().unwrap()).collect();
    assert_eq!(steps, ["诉求已受理", "已转交江州水务集团有限公司办理", "承办单位已签收", "承办单位已答复", "答复已通过审核"]);

    let (s, v) = app
        .post(None, &format!("/api/public/orders/{number}/rate"), json!({"code": code, "satisfaction": "unsatisfied", "comment": "水压仍然很低"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["state"], "handling");
    let ev = app.events(&disp, &id).await;
    let last = ev.last().unwrap();
    assert_eq!(last["action"], "callback");
    assert_eq!(last["actor_role"], "citizen");
    assert_eq!(last["details"]["by_citizen"], true);
}

#[tokio::test]
async fn a_citizen_withdraws_their_own_order_only_with_the_code() {
    let app = spawn_app().await;
    let (_, v) = app
        .post(None, "/api/public/orders", json!({
            "order_type": "suggestion", "category_id": "0401",
            "content": "建议18路公交早高峰加密班次。", "citizen_phone": "13757123456",
        }))
        .await;
    let number = v["number"].as_str().unwrap().to_string();
    let code = v["query_code"].as_str().unwrap().to_string();
    let before = app.counts().await;
    let (s, _) = app.post(None, &format!("/api/public/orders/{number}/withdraw"), json!({"code": "AAAAAAAA", "reason": "不需要了"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.post(None, &format!("/api/public/orders/{number}/withdraw"), json!({"code": code})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_reason")));
    assert_eq!(app.counts().await, before);
    let (s, v) = app.post(None, &format!("/api/public/orders/{number}/withdraw"), json!({"code": code, "reason": "问题已自行解决"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["state"], "withdrawn");
    assert_eq!(v["order"]["timeline"].as_array().unwrap().last().unwrap()["description"], "诉求已撤回");
}

#[tokio::test]
async fn a_citizen_must_leave_a_phone_number() {
    let app = spawn_app().await;
    let (s, v) = app
        .post(None, "/api/public/orders", json!({"order_type": "help", "category_id": "0901", "content": "停水"}))
        .await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_phone")));
}
