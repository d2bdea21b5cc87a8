//! Side paths: 退单 judged by the dispatcher, 延期, 二级派单, 重办 after an unsatisfied rating.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_return_goes_back_to_the_dispatcher_who_refuses_or_re_dispatches() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let jtj = app.login("jtysj").await;
    let water = app.login("water").await;
    let id = app.order_in("dispatched", "jtysj", "小区停水两天无人通知").await;

    // A return needs a reason.
    assert_eq!(app.refused(&jtj, &id, "return", json!({})).await, (StatusCode::UNPROCESSABLE_ENTITY, "empty_reason".into()));
    let o = app.act(&jtj, &id, "return", json!({"reason": "供水属水务集团职责"})).await;
    assert_eq!(o["state"], "return_requested");
    // The unit cannot judge its own return; the dispatcher refuses it.
    assert_eq!(app.refused(&jtj, &id, "judge-return", json!({"approve": true})).await.0, StatusCode::FORBIDDEN);
    let o = app.act(&disp, &id, "judge-return", json!({"approve": false, "comment": "请先核实"})).await;
    assert_eq!(o["state"], "dispatched");
    assert_eq!(o["lead_unit"]["id"], app.order(&disp, &id).await["lead_unit"]["id"]);
    // Asked again, approved: the order waits for a new dispatch and the unit no longer holds it.
    app.act(&jtj, &id, "return", json!({"reason": "供水属水务集团职责"})).await;
    let o = app.act(&disp, &id, "judge-return", json!({"approve": true})).await;
    assert_eq!(o["state"], "returned");
    assert!(o["lead_unit"].is_null());
    assert_eq!(app.refused(&jtj, &id, "sign", json!({})).await.0, StatusCode::FORBIDDEN);
    // The returning unit still reads what it handled, for its records.
    assert_eq!(app.order(&jtj, &id).await["state"], "returned");
    // Re-dispatched to the right unit, which signs.
    app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "water"})).await;
    let o = app.act(&water, &id, "sign", json!({})).await;
    assert_eq!(o["lead_unit"]["name"], "江州水务集团有限公司");
    let ev = names(&app.events(&disp, &id).await);
    assert_eq!(ev, ["register", "dispatch", "request_return", "judge_return", "request_return", "judge_return", "dispatch", "sign"]);
}

#[tokio::test]
async fn a_return_after_its_window_is_refused() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let jtj = app.login("jtysj").await;
    let id = app.order_in("dispatched", "jtysj", "公交站台破损").await;
    // Move the return window into the past, as if two working days had gone by.
    sqlx::query("UPDATE deadlines SET due_at = due_at - 864000000 WHERE work_id = $1 AND kind = 'return'")
        .bind(&id)
        .execute(app.store.pool())
        .await
        .unwrap();
    let before = app.counts().await;
    assert_eq!(
        app.refused(&jtj, &id, "return", json!({"reason": "非本单位职责"})).await,
        (StatusCode::CONFLICT, "return_window_closed".into())
    );
    assert_eq!(app.counts().await, before, "a refused action writes nothing");
    assert_eq!(app.order(&disp, &id).await["state"], "dispatched");
}

#[tokio::test]
async fn extensions_are_requested_and_decided_within_the_cap() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let rsj = app.login("rsj").await;
    let mut body = complaint("装修公司拖欠工资三个月");
    body["category_id"] = json!("0601");
    let id = app.register(&disp, body).await["order"]["id"].as_str().unwrap().to_string();
    app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "rsj"})).await;
    assert_eq!(app.refused(&rsj, &id, "extension", json!({"days": 3, "reason": "x"})).await.0, StatusCode::CONFLICT);
    app.act(&rsj, &id, "sign", json!({})).await;
    let answer_due = |o: &serde_json::Value| {
        o["deadlines"].as_array().unwrap().iter().find(|d| d["kind"] == "answer").unwrap()["due_at"].as_str().unwrap().to_string()
    };
    let before = answer_due(&app.order(&disp, &id).await);
    assert_eq!(app.refused(&rsj, &id, "extension", json!({"days": 11, "reason": "需要调查"})).await.1, "extension_too_long");
    let o = app.act(&rsj, &id, "extension", json!({"days": 5, "reason": "涉及多家分包单位，需调取合同"})).await;
    assert_eq!(o["pending_extension"]["days"], 5);
    assert_eq!(app.refused(&rsj, &id, "extension", json!({"days": 1, "reason": "再申请"})).await.1, "extension_pending");
    assert_eq!(app.refused(&rsj, &id, "decide-extension", json!({"approve": true})).await.0, StatusCode::FORBIDDEN);
    // It waits in the dispatcher's inbox.
    let (_, inbox) = app.get(Some(&disp), "/api/inbox").await;
    assert!(inbox["items"].as_array().unwrap().iter().any(|i| i["waiting_for"] == "延期待审批" && i["order"]["id"] == id.as_str()));
    let o = app.act(&disp, &id, "decide-extension", json!({"approve": true})).await;
    let after = answer_due(&o);
    assert!(after > before, "{after} > {before}");
    assert_eq!(o["extension_days"], 5);
    assert!(o["pending_extension"].is_null());
    // The rest of the cap only.
    assert_eq!(app.refused(&rsj, &id, "extension", json!({"days": 6, "reason": "再延"})).await.1, "extension_too_long");
    app.act(&rsj, &id, "extension", json!({"days": 5, "reason": "再延"})).await;
    let o = app.act(&disp, &id, "decide-extension", json!({"approve": false, "comment": "不予延期，请按期办结"})).await;
    assert_eq!(answer_due(&o), after);
    assert_eq!(app.refused(&disp, &id, "decide-extension", json!({"approve": true})).await.1, "no_extension_pending");
}

#[tokio::test]
async fn a_district_forwards_to_its_street_which_handles_it() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let district = app.login("xicheng").await;
    let street = app.login("xicheng-cn").await;
    let other_street = app.login("donghu-hp").await;
    let mut body = complaint("菜市场门口占道经营严重");
    body["category_id"] = json!("0201");
    let id = app.register(&disp, body).await["order"]["id"].as_str().unwrap().to_string();
    app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "xicheng"})).await;
    app.act(&district, &id, "sign", json!({})).await;
    // Only to its own streets.
    assert_eq!(app.refused(&district, &id, "forward", json!({"unit_id": "donghu-hp"})).await.1, "not_a_subunit");
    assert_eq!(app.refused(&district, &id, "forward", json!({"unit_id": "nowhere"})).await.1, "unknown_unit");
    let o = app.act(&district, &id, "forward", json!({"unit_id": "xicheng-cn", "note": "请城南街道现场处置"})).await;
    assert_eq!(o["state"], "dispatched");
    assert_eq!(o["lead_unit"]["name"], "西城区城南街道");
    // A street cannot forward further.
    app.act(&street, &id, "sign", json!({})).await;
    assert_eq!(app.refused(&street, &id, "forward", json!({"unit_id": "xicheng-gl"})).await.0, StatusCode::FORBIDDEN);
    app.act(&street, &id, "answer", json!({"text": "已联合市场监管所清理占道摊贩，设置临时疏导点。"})).await;
    // The district keeps sight of it; another district's street does not see it.
    assert_eq!(app.order(&district, &id).await["state"], "answered");
    let (s, v) = app.get(Some(&other_street), &format!("/api/orders/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A department cannot forward at all.
    let id2 = app.order_in("dispatched", "zjj", "噪音").await;
    let zjj = app.login("zjj").await;
    assert_eq!(app.refused(&zjj, &id2, "forward", json!({"unit_id": "xicheng-cn"})).await.1, "cannot_forward");
}

#[tokio::test]
async fn an_unsatisfied_rating_reopens_the_order_with_a_new_deadline() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let id = app.order_in("callback", "zjj", "电梯故障一个月未修").await;
    assert_eq!(app.refused(&disp, &id, "callback", json!({"satisfaction": "so-so"})).await.1, "invalid_satisfaction");
    let o = app.act(&disp, &id, "callback", json!({"satisfaction": "unsatisfied", "comment": "电梯仍未修好"})).await;
    assert_eq!(o["state"], "handling");
    assert_eq!(o["reopen_count"], 1);
    assert!(o["answer"].is_null());
    let answer = o["deadlines"].as_array().unwrap().iter().find(|d| d["kind"] == "answer").unwrap().clone();
    assert!(answer["met_at"].is_null(), "a fresh answer deadline: {answer}");
    app.act(&zjj, &id, "answer", json!({"text": "电梯已更换主板，恢复运行"})).await;
    app.act(&disp, &id, "review", json!({"pass": true})).await;
    let o = app.act(&disp, &id, "callback", json!({"satisfaction": "basic"})).await;
    assert_eq!(o["state"], "closed");
    assert_eq!(o["satisfaction"], "basic");
}
