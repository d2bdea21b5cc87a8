//! 督查督办 through the API, on the kernel: an item opened by the office, handed to a lead unit
//! and a co-unit, signed and reported on by each, pressed, closed with evidence, reviewed and
//! struck off — in the units' inboxes on the way, its timeline a chain.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_instruction_becomes_an_item_that_two_units_carry_out_and_the_office_strikes_off() {
    let app = spawn_app().await;
    let (office, zjj, cgj, water) =
        (app.login("duchake").await, app.login("zjj").await, app.login("cgj").await, app.login("water").await);
    let body = json!({
        "title": "老旧小区加装电梯三年行动",
        "requirements": "年底前完成首批 30 个小区的加装电梯，每旬报送进展。",
        "source": "领导批示",
        "source_ref": "市长批示〔2026〕12号",
        "leader": "vicemayor",
    });
    // Only the office opens items; a bad source is named.
    assert_eq!(app.post(Some(&zjj), "/api/supervision", body.clone()).await.0, StatusCode::FORBIDDEN);
    let mut bad = body.clone();
    bad["source"] = json!("网上传言");
    let (s, v) = app.post(Some(&office), "/api/supervision", bad).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_source")));
    let (s, v) = app.post(Some(&office), "/api/supervision", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let item = v["item"].clone();
    let n = item["number"].as_str().unwrap().to_string();
    assert!(n.starts_with("督〔") && n.ends_with("〕1号"), "{n}");
    assert_eq!((item["kind"].as_str(), item["state_label"].as_str(), item["source_label"].as_str()), (Some("supervision"), Some("待交办"), Some("领导批示")));
    assert_eq!(item["leader"], "周海涛");
    let (_, inbox) = app.get(Some(&office), "/api/inbox").await;
    assert!(items(&inbox).iter().any(|i| i["waiting_for"] == "督办待交办" && i["item"]["number"] == n.as_str()), "{inbox}");

    // 交办: to zjj leading and cgj helping, every ten days, by the end of the year.
    let deadline = "2026-12-31T09:30:00Z";
    let act = |action: &str| format!("/api/supervision/{n}/{action}");
    let (s, v) = app.post(Some(&office), &act("assign"), json!({
        "lead_unit_id": "zjj", "co_unit_ids": ["cgj"], "deadline": deadline, "cycle": "每旬",
        "milestones": [{"what": "完成首批小区摸底", "due_at": "2026-12-15T09:30:00Z"}],
    })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["state_label"], "待签收");
    assert_eq!(v["item"]["cycle"], "每旬");
    // Each unit finds it in its own inbox; another unit cannot even read it.
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    assert!(items(&inbox).iter().any(|i| i["waiting_for"] == "督办待签收" && i["kind"] == "supervision"), "{inbox}");
    let (_, inbox) = app.get(Some(&cgj), "/api/inbox").await;
    assert!(items(&inbox).iter().any(|i| i["waiting_for"] == "督办待签收（配合）"), "{inbox}");
    assert_eq!(app.get(Some(&water), &format!("/api/supervision/{n}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post(Some(&water), &act("sign"), json!({})).await.0, StatusCode::FORBIDDEN);

    // On the desk: the inbox links the item's page, which offers the unit what the table allows.
    let (_, desk) = app.page("zjj", "/desk").await;
    assert!(desk.contains(&format!("href=\"/supervision/{n}\"")), "the inbox row links the item's page");
    let (s, page) = app.page("zjj", &format!("/supervision/{n}")).await;
    assert_eq!(s, StatusCode::OK);
    for want in ["老旧小区加装电梯三年行动", "市长批示〔2026〕12号", "周海涛", "每旬", "进展反馈", "市城市管理局", "form-sv-sign", "form-sv-report"] {
        assert!(page.contains(want), "the item page shows {want}");
    }
    assert!(!page.contains("form-sv-assign") && !page.contains("form-sv-review"), "the unit is not offered the office's actions");
    assert_eq!(app.page("water", &format!("/supervision/{n}")).await.0, StatusCode::FORBIDDEN);

    // Both sign; both report; the office presses the co-unit.
    for who in [&cgj, &zjj] {
        let (s, v) = app.post(Some(who), &act("sign"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app.post(Some(&cgj), &act("sign"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("already_signed")));
    let (_, v) = app.post(Some(&zjj), &act("report"), json!({"text": "已完成 12 个小区的摸底", "milestone": 1})).await;
    assert_eq!(v["item"]["state_label"], "办理中");
    let (s, _) = app.post(Some(&cgj), &act("report"), json!({"text": "已配合清理 5 处占道"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.post(Some(&office), &act("remind"), json!({"unit_id": "cgj", "note": "请加快配合进度"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Closure: the lead unit with evidence; the office sends it back once, then strikes it off.
    assert_eq!(app.post(Some(&cgj), &act("closure"), json!({"evidence": "x"})).await.1["message"], "只有牵头单位可以办结申请");
    app.post(Some(&zjj), &act("closure"), json!({"evidence": "首批 30 个小区已全部开工"})).await;
    let (s, v) = app.post(Some(&office), &act("review"), json!({"pass": false})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_reason")));
    let (_, v) = app.post(Some(&office), &act("review"), json!({"pass": false, "comment": "请附竣工验收材料"})).await;
    assert_eq!(v["item"]["state_label"], "办理中");
    app.post(Some(&zjj), &act("closure"), json!({"evidence": "附竣工验收材料 30 份"})).await;
    let (_, v) = app.post(Some(&office), &act("review"), json!({"pass": true})).await;
    assert_eq!(v["item"]["state_label"], "已销号");
    assert!(v["item"]["closed_at"].is_string());

    // The ledger, the timeline and the chain.
    let (_, ledger) = app.get(Some(&office), "/api/supervision?state=closed").await;
    assert_eq!(ledger["total"], 1);
    let (_, ledger) = app.get(Some(&water), "/api/supervision").await;
    assert_eq!(ledger["total"], 0, "a unit sees only the items it leads or helps with");
    let (_, ev) = app.get(Some(&office), &format!("/api/supervision/{n}/events")).await;
    let actions: Vec<&str> = ev["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "assign", "sign", "sign", "report", "report", "remind", "request_closure", "review", "request_closure", "review"]);
    let id = item["id"].as_str().unwrap();
    assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), id).await.unwrap(), Ok(11));
    // Unknown actions are named.
    let (s, v) = app.post(Some(&office), &act("explode"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_action")));
}
