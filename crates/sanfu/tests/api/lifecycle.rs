//! The whole life of a work order through the API, with its timeline.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_complaint_goes_from_registration_to_closing_with_every_step_recorded() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let cgj = app.login("cgj").await;

    // 受理 by phone.
    let reg = app.register(&op, complaint("湖畔花园东侧工地每晚十一点后仍在打桩，严重影响休息。")).await;
    let order = &reg["order"];
    let id = order["id"].as_str().unwrap().to_string();
    assert_eq!(order["state"], "registered");
    assert_eq!(order["state_label"], "待派单");
    assert_eq!(order["channel"], "phone");
    assert_eq!(order["citizen"]["phone"], "13812341234", "the centre sees the full number");
    assert_eq!(reg["query_code"].as_str().unwrap().len(), 8);
    let number = order["number"].as_str().unwrap();
    assert_eq!(number.len(), 14);

    // 派单 to 住建局 with 城管局 as co-unit.
    let o = app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj", "co_unit_ids": ["cgj"], "note": "请核查施工许可"})).await;
    assert_eq!(o["state"], "dispatched");
    assert_eq!(o["lead_unit"]["name"], "市住房和城乡建设局");
    assert_eq!(o["co_units"][0]["name"], "市城市管理局");
    let kinds: Vec<&str> = o["deadlines"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["sign", "return", "answer", "close"]);
    assert!(o["deadlines"].as_array().unwrap().iter().all(|d| d["provisional"] == false || d["due_at"].as_str().unwrap() >= "2027"));

    // The unit reads it by number as well as by id, with the phone masked.
    let seen = app.order(&zjj, number).await;
    assert_eq!(seen["citizen"]["phone"], "138****1234");
    assert_eq!(seen["citizen"]["name"], "张*");

    // Only the lead unit signs; answering before signing is a state conflict.
    assert_eq!(app.refused(&cgj, &id, "sign", json!({})).await, (StatusCode::FORBIDDEN, "not_allowed_for_user".into()));
    assert_eq!(app.refused(&zjj, &id, "answer", json!({"text": "已责令施工单位停止夜间施工。"})).await, (StatusCode::CONFLICT, "invalid_state".into()));
    let o = app.act(&zjj, &id, "sign", json!({})).await;
    assert_eq!(o["state"], "handling");
    assert!(o["deadlines"][0]["met_at"].is_string());
    // A second sign is refused and changes nothing.
    assert_eq!(app.refused(&zjj, &id, "sign", json!({})).await.0, StatusCode::CONFLICT);

    // Progress notes from the lead unit and the co-unit.
    app.act(&zjj, &id, "note", json!({"text": "已赴现场，确认夜间施工"})).await;
    app.act(&cgj, &id, "note", json!({"text": "已对施工单位下达整改通知"})).await;
    // The co-unit cannot answer for the lead.
    assert_eq!(app.refused(&cgj, &id, "answer", json!({"text": "经核实已处理完毕并告知来电人。"})).await.0, StatusCode::FORBIDDEN);

    // 答复, 审核 sends it back (重办), answered again, passes.
    app.act(&zjj, &id, "answer", json!({"text": "已要求停止夜间施工。"})).await;
    let (s, code) = app.refused(&disp, &id, "review", json!({"pass": false})).await;
    assert_eq!((s, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "empty_reason"));
    let o = app.act(&disp, &id, "review", json!({"pass": false, "comment": "未说明后续监管措施"})).await;
    assert_eq!(o["state"], "handling");
    assert_eq!(o["reopen_count"], 1);
    app.act(&zjj, &id, "answer", json!({"text": "已责令停止夜间施工，城管每晚巡查两周。"})).await;
    let o = app.act(&disp, &id, "review", json!({"pass": true})).await;
    assert_eq!(o["state"], "callback");
    // Only the centre calls back.
    assert_eq!(app.refused(&zjj, &id, "callback", json!({"satisfaction": "satisfied"})).await.0, StatusCode::FORBIDDEN);
    let o = app.act(&op, &id, "callback", json!({"satisfaction": "satisfied", "comment": "诉求人表示满意"})).await;
    assert_eq!(o["state"], "closed");
    assert_eq!(o["state_label"], "已办结");
    assert_eq!(o["satisfaction"], "satisfied");
    assert!(o["closed_at"].is_string());

    // The timeline: every step, who, in which role and unit, from which address.
    let ev = app.events(&zjj, &id).await;
    assert_eq!(
        names(&ev),
        ["register", "dispatch", "sign", "note", "note", "answer", "review", "answer", "review", "callback"]
    );
    assert_eq!(ev[0]["actor_name"], "王晓燕");
    assert_eq!(ev[0]["actor_role"], "operator");
    assert_eq!(ev[2]["actor_role"], "unit_liaison");
    assert_eq!(ev[4]["actor_name"], "市城市管理局联络员");
    // The address a request came from is personal data: the centre reads it, the unit does not.
    assert_eq!(ev[2]["ip"], "");
    let centre_view = app.events(&disp, &id).await;
    assert_eq!(centre_view[2]["ip"], "127.0.0.1");
    assert_eq!(ev[1]["from_state"], "registered");
    assert_eq!(ev[1]["to_state"], "dispatched");
    assert_eq!(ev[1]["details"]["lead_unit"]["name"], "市住房和城乡建设局");
    assert_eq!(ev[6]["details"]["comment"], "未说明后续监管措施");
    assert!(ev.iter().all(|e| e["actor_unit_id"].is_string()));
    // The event log carries no personal data of the citizen.
    assert!(!serde_json::to_string(&ev).unwrap().contains("13812341234"));
    // And its chain is intact.
    assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), &id).await.unwrap(), Ok(10));
}

#[tokio::test]
async fn answered_at_once_from_the_knowledge_base() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let mut body = complaint("请问办理居住证需要什么材料？");
    body["order_type"] = json!("inquiry");
    body["category_id"] = json!("1002");
    let id = app.register(&op, body).await["order"]["id"].as_str().unwrap().to_string();
    let (s, e) = app
        .post(Some(&op), "/api/knowledge", json!({
            "title": "居住证办理材料", "content": "携带身份证、居住证明到辖区派出所办理。",
            "category_id": "1002", "keywords": "居住证 暂住证 流动人口", "public": true,
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let kb = e["entry"]["id"].as_str().unwrap().to_string();
    // The operator finds it while on the phone.
    let (_, found) = app.get(Some(&op), "/api/knowledge?q=%E5%B1%85%E4%BD%8F%E8%AF%81").await;
    assert_eq!(found["items"][0]["id"], kb.as_str());
    assert_eq!(app.refused(&op, &id, "close-directly", json!({"answer": "携带身份证到派出所办理居住证。", "knowledge_id": "no-such-entry"})).await.1, "unknown_knowledge");
    // An answer of a word or two is refused with why.
    assert_eq!(app.refused(&op, &id, "close-directly", json!({"answer": "去办"})).await.1, "answer_too_short");
    let o = app
        .act(&op, &id, "close-directly", json!({"answer": "携带身份证、居住证明到辖区派出所办理。", "knowledge_id": kb}))
        .await;
    assert_eq!(o["state"], "closed");
    assert_eq!(o["knowledge_id"], kb.as_str());
    assert_eq!(o["answer"], "携带身份证、居住证明到辖区派出所办理。");
    let last = app.events(&op, &id).await.last().unwrap().clone();
    assert_eq!(last["details"]["knowledge_title"], "居住证办理材料");
    let (_, e) = app.get(Some(&op), &format!("/api/knowledge/{kb}")).await;
    assert_eq!(e["entry"]["used"], 1);
    assert_eq!(app.refused(&op, &id, "dispatch", json!({"lead_unit_id": "zjj"})).await.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn duplicates_are_merged_under_a_master_and_withdrawn_orders_stop() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let a = app.register(&op, complaint("湖滨路工地夜间施工噪音")).await["order"]["id"].as_str().unwrap().to_string();
    let b = app.register(&op, complaint("湖滨路工地晚上还在施工，太吵了")).await["order"].clone();
    let b_id = b["id"].as_str().unwrap();
    let a_number = app.order(&op, &a).await["number"].as_str().unwrap().to_string();
    assert_eq!(app.refused(&op, b_id, "merge", json!({"master": b_id})).await.1, "merge_into_self");
    assert_eq!(app.refused(&op, b_id, "merge", json!({"master": "20990101000001"})).await.1, "unknown_order");
    let o = app.act(&op, b_id, "merge", json!({"master": a_number})).await;
    assert_eq!(o["state"], "merged");
    assert_eq!(o["master_id"], a.as_str());
    let master_events = names(&app.events(&op, &a).await);
    assert_eq!(master_events, ["register", "duplicate_merged"]);
    // A merged order cannot be merged into or withdrawn.
    let c = app.register(&op, complaint("同一工地噪音")).await["order"]["id"].as_str().unwrap().to_string();
    assert_eq!(app.refused(&op, &c, "merge", json!({"master": b_id})).await.1, "master_not_open");
    assert_eq!(app.refused(&op, b_id, "withdraw", json!({"reason": "x"})).await.0, StatusCode::CONFLICT);
    let o = app.act(&op, &c, "withdraw", json!({"reason": "诉求人来电表示已解决，申请撤单"})).await;
    assert_eq!(o["state"], "withdrawn");
    assert_eq!(app.refused(&op, &c, "dispatch", json!({"lead_unit_id": "zjj"})).await.0, StatusCode::CONFLICT);
}
