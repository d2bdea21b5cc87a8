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

/// The entries suggested for an order are those that answer it: a keyword of theirs in the
/// text, with words in common — not an entry that shares one common word (老人) with it.
#[tokio::test]
async fn suggestions_are_entries_that_answer_the_text_not_ones_that_share_a_word() {
    let app = spawn_app().await;
    let op = app.login("dispatcher").await;
    for (cat, title, content, kw) in [
        ("1001", "高龄津贴申请", "年满80周岁的本市户籍老人，由本人或家属持户口簿、身份证、银行卡到户籍所在地社区（村）申请，次月起按月发放。", "高龄津贴 老人 80岁"),
        ("1002", "最低生活保障申请", "家庭人均收入低于本市低保标准且财产符合规定的，可向户籍所在地街道（乡镇）提出申请，经入户调查、民主评议和公示后审批。", "低保 困难 救助"),
        ("0104", "住房公积金提取", "购房、租房、离职、退休等情形可提取住房公积金。租房提取每年一次，可通过“江州公积金”APP或各管理部线上办理，材料齐全的3个工作日内到账。", "公积金 提取 租房 购房"),
    ] {
        let (s, v) = app.post(Some(&op), "/api/knowledge", json!({"title": title, "content": content, "category_id": cat, "keywords": kw, "public": true})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let related = |text: &'static str| {
        let app = &app;
        let op = op.clone();
        async move {
            let (_, v) = app.post(Some(&op), "/api/knowledge/related", json!({"content": text})).await;
            v["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    // A broken lift where old people live: nothing about allowances or 低保.
    assert!(related("阳光花园5栋电梯频繁故障，上周还困过人，家里老人上下楼很困难，请督促物业彻底维修。").await.is_empty());
    assert!(related("小区反复停水，事先没有通知，家里老人孩子用水很不方便。").await.is_empty());
    assert_eq!(related("我在外地买了房，想提取江州的住房公积金，请问需要哪些材料？").await, ["住房公积金提取"]);
    assert_eq!(related("我母亲今年满80岁，请问高龄津贴怎么申请？").await, ["高龄津贴申请"]);
}
