//! 知识库: search by operators and citizens, kept by the centre, every change in the log.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn q(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn the_centre_keeps_entries_and_citizens_find_only_public_ones() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let zjj = app.login("zjj").await;
    for (title, content, kw, public) in [
        ("公租房申请条件", "申请公共租赁住房需具备本市户籍或持有居住证满一年，家庭人均收入低于规定标准。", "公租房 保障房", true),
        ("公积金提取办理", "购房、租房、离职等情形可提取住房公积金，可通过“江州公积金”APP在线办理。", "公积金 提取", true),
        ("内部：停水应急联络表", "水务集团24小时调度电话见内部通讯录。", "停水 应急", false),
    ] {
        let (s, v) = app.post(Some(&op), "/api/knowledge", json!({"title": title, "content": content, "keywords": kw, "public": public, "category_id": "0101"})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, _) = app.post(Some(&zjj), "/api/knowledge", json!({"title": "x", "content": "y"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&op), "/api/knowledge", json!({"title": "", "content": "y"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_subject")));

    let (_, v) = app.get(Some(&op), &format!("/api/knowledge?q={}", q("公积金"))).await;
    let titles: Vec<&str> = v["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["公积金提取办理"]);
    // Two terms must both match.
    let (_, v) = app.get(Some(&op), &format!("/api/knowledge?q={}+{}", q("户籍"), q("收入"))).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    // Units may read the knowledge base.
    let (_, v) = app.get(Some(&zjj), &format!("/api/knowledge?q={}", q("停水"))).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    // Citizens see public entries only, without logging in.
    let (_, v) = app.get(None, &format!("/api/public/knowledge?q={}", q("停水"))).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (_, v) = app.get(None, "/api/public/knowledge").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // A wildcard typed by a user is a literal character.
    let (_, v) = app.get(None, "/api/public/knowledge?q=%25").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);

    // An update keeps the old text in the log.
    let (_, v) = app.get(Some(&op), &format!("/api/knowledge?q={}", q("公租房"))).await;
    let id = v["items"][0]["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .call(reqwest::Method::PUT, Some(&op), &format!("/api/knowledge/{id}"), Some(json!({"title": "公租房申请条件（2026年版）", "content": "新标准……", "public": true})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before: String = sqlx::query_scalar("SELECT details FROM events WHERE entity_id = $1 AND action = 'update'")
        .bind(format!("knowledge:{id}"))
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(before.contains("家庭人均收入低于规定标准"));
}
