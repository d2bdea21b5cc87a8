//! Chinese text intelligence through the API: full-text search with highlights and filters,
//! dispatch suggestions learned from the city's own orders, the administrators' rules. The
//! text is generated here, never taken from ../shared/data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const PLACES: &[&str] = &["幸福小区", "和平路", "江滨花园", "湖畔街道", "临江新村", "建设北路", "翠湖苑", "东门菜市场"];

/// A citizen's message about `topic` at the i-th place, worded a little differently each time.
fn message(topic: &str, i: usize) -> String {
    let place = PLACES[i % PLACES.len()];
    let when = ["最近一周", "从上个月开始", "这几天", "今年以来"][i % 4];
    let ask = ["请尽快处理。", "希望有关部门管一管。", "请相关单位核实解决。"][i % 3];
    match topic {
        "lamp" => format!("{when}{place}门口的路灯一直不亮，晚上一片漆黑，老人小孩出行很不安全，{ask}"),
        "water" => format!("{place}{when}经常停水，自来水水压很低，高楼层根本用不上水，{ask}"),
        "noise" => format!("{place}旁边的工地{when}每天夜里施工到凌晨，噪声扰民，居民无法休息，{ask}"),
        _ => unreachable!(),
    }
}

fn order(category: &str, content: String) -> Value {
    json!({ "channel": "phone", "order_type": "complaint", "category_id": category, "content": content,
            "citizen_name": "王先生", "citizen_phone": "13912345678" })
}

/// Registers and dispatches `n` orders on each topic; returns their numbers by topic.
async fn city(app: &TestApp, n: usize) -> Vec<(&'static str, Vec<String>)> {
    let op = app.login("operator").await;
    let mut out = Vec::new();
    for (topic, category, unit) in [("lamp", "0204", "cgj"), ("water", "0901", "water"), ("noise", "0301", "sthjj")] {
        let mut numbers = Vec::new();
        for i in 0..n {
            let o = app.register(&op, order(category, message(topic, i))).await;
            let number = o["order"]["number"].as_str().unwrap().to_string();
            app.act(&op, &number, "dispatch", json!({ "lead_unit_id": unit })).await;
            numbers.push(number);
        }
        out.push((topic, numbers));
    }
    out
}

fn numbers_of(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|o| o["number"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn search_finds_orders_by_their_words_marks_them_and_keeps_to_what_the_user_may_see() {
    let app = spawn_app().await;
    let topics = city(&app, 4).await;
    let lamps = &topics[0].1;
    let op = app.login("operator").await;

    let (s, page) = app.get(Some(&op), "/api/orders?q=路灯%20不亮").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let mut found = numbers_of(&page);
    found.sort();
    assert_eq!(&found, lamps, "every lamp order, and nothing else");
    assert_eq!(page["total"], 4);
    let snippet = &page["items"][0]["snippet"];
    let marked: Vec<&str> = snippet.as_array().unwrap().iter().filter(|p| p["hit"] == true).map(|p| p["text"].as_str().unwrap()).collect();
    assert!(marked.contains(&"路灯"), "{snippet}");

    // The export holds what the search found.
    let csv = app.client.get(format!("{}/api/orders/export?format=csv&q=路灯", app.base)).bearer_auth(&op).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    let table = &csv[csv.find("工单编号,").expect("the table's header")..];
    assert_eq!(table.trim().lines().count(), 5, "a header and four orders: {csv}");
    assert!(csv.contains("筛选条件：关键词=路灯"), "the file says what it holds: {csv}");
    assert!(lamps.iter().all(|n| csv.contains(n.as_str())));

    // A place narrows it; words no order holds find nothing.
    let (_, page) = app.get(Some(&op), "/api/orders?q=幸福小区%20路灯").await;
    assert_eq!(page["total"], 1, "{page}");
    let (_, page) = app.get(Some(&op), "/api/orders?q=地铁%20换乘").await;
    assert_eq!(page["total"], 0);
    // Filters combine with the words: category, state, period.
    let (_, page) = app.get(Some(&op), "/api/orders?q=小区&category_id=0901").await;
    let found = numbers_of(&page);
    assert!(!found.is_empty() && found.iter().all(|n| topics[1].1.contains(n)), "only water orders: {page}");
    let (_, page) = app.get(Some(&op), "/api/orders?q=路灯&state=closed").await;
    assert_eq!(page["total"], 0);
    let (_, page) = app.get(Some(&op), "/api/orders?q=路灯&from=2000-01-01&to=2000-12-31").await;
    assert_eq!(page["total"], 0);
    let (s, v) = app.get(Some(&op), "/api/orders?q=路灯&from=2026-13-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // A unit finds only its own orders, however it words the search.
    let water = app.login("water").await;
    let (_, page) = app.get(Some(&water), "/api/orders?q=路灯").await;
    assert_eq!(page["total"], 0);
    let (_, page) = app.get(Some(&water), "/api/orders?q=停水").await;
    assert_eq!(page["total"], 4);

    // An answer is searchable as soon as it is given.
    let cgj = app.login("cgj").await;
    app.act(&cgj, &lamps[0], "sign", json!({})).await;
    app.act(&cgj, &lamps[0], "answer", json!({ "text": "经现场核查，已更换损坏的灯泡和镇流器，路灯恢复照明。" })).await;
    let (_, page) = app.get(Some(&op), "/api/orders?q=镇流器").await;
    assert_eq!(numbers_of(&page), [lamps[0].clone()]);

    // The index lives in the database: a restart, and a rebuild, find the same.
    let app = app.restart().await;
    let op = app.login("operator").await;
    let (_, before) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(before["total"], 4);
    // An index that lost its rows is made whole again from the orders.
    sqlx::query("DELETE FROM search_docs WHERE kind = 'order'").execute(app.store.pool()).await.unwrap();
    let (_, lost) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(lost["total"], 0);
    let n = app.store.rebuild_search().await.unwrap();
    assert!(n >= 13, "12 orders, 1 answer and the knowledge base: {n}");
    let (_, after) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(numbers_of(&after), numbers_of(&before));
}

/// PostgreSQL reads the newest windows of its index first and widens to the older ones
/// (search.rs, `fts_windows`): matches far apart in the index, in its newest window, in windows
/// between and in the oldest, are all found, and a document written later is found too.
#[tokio::test]
async fn search_finds_old_matches_as_well_as_the_newest_wherever_they_lie_in_the_index() {
    let app = spawn_app().await;
    let topics = city(&app, 4).await;
    let op = app.login("operator").await;
    let sorted = |page: &Value| {
        let mut n = numbers_of(page);
        n.sort();
        n
    };
    let (_, noise) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(sorted(&noise), topics[2].1);
    let (_, lamps) = app.get(Some(&op), "/api/orders?q=路灯").await;
    assert_eq!(sorted(&lamps), topics[0].1);
    if app.store.backend() == sanfu_store::Backend::Postgres {
        // The twelve orders' documents (four lamps, four water, four noise, in that order) moved
        // to windows of 2^13 ids far apart; the column's expression writes each one's window.
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM search_docs WHERE kind = 'order' ORDER BY id").fetch_all(app.store.pool()).await.unwrap();
        assert_eq!(ids.len(), 12);
        let windows: [i64; 12] = [2, 3, 5, 9, 40, 41, 90, 300, 1000, 1001, 5000, 5002];
        for (i, id) in ids.iter().enumerate().rev() {
            sqlx::query("UPDATE search_docs SET id = $1 WHERE id = $2").bind((windows[i] << 13) + 1 + i as i64).bind(id).execute(app.store.pool()).await.unwrap();
        }
        let lexeme: String = sqlx::query_scalar("SELECT CAST(tsv AS TEXT) FROM search_docs ORDER BY id DESC LIMIT 1").fetch_one(app.store.pool()).await.unwrap();
        assert!(lexeme.contains("'#5002'"), "{lexeme}");
    }
    // One noise order in the newest window, three far below it; no lamp in the newest windows.
    let (_, page) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(sorted(&page), topics[2].1, "{page}");
    let (_, page) = app.get(Some(&op), "/api/orders?q=路灯").await;
    assert_eq!(sorted(&page), topics[0].1, "{page}");
    let (_, page) = app.get(Some(&op), "/api/orders?q=停水").await;
    assert_eq!(sorted(&page), topics[1].1, "{page}");
    // Written after the move, a new order's document lies below them all, and is found.
    let o = app.register(&op, order("0301", message("noise", 5))).await;
    let (_, page) = app.get(Some(&op), "/api/orders?q=噪声%20施工").await;
    assert_eq!(page["total"], 5, "{page}");
    assert!(numbers_of(&page).contains(&o["order"]["number"].as_str().unwrap().to_string()));
    let (_, page) = app.get(Some(&op), "/api/orders?q=地铁%20换乘").await;
    assert_eq!(page["total"], 0);
}

/// On SQLite a search of several words ranks its matches by each one's length, as FTS5's BM25
/// does when every word occurs once in each (search.rs, `fts`): the API's order is BM25's,
/// shorter texts first, and among texts of one length the newer first.
#[tokio::test]
async fn search_ranks_its_matches_as_bm25_does_shorter_texts_first() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    // Twelve noise orders of lengths that do not follow the order they were written in.
    let extra = ["", "楼上楼下的住户都有意见", "", "家里有老人和刚出生的孩子晚上根本睡不着觉", "白天也有", ""];
    for i in 0..12 {
        let text = format!("{}{}", message("noise", i), extra[i % extra.len()]);
        app.register(&op, order("0301", text)).await;
    }
    let (s, page) = app.get(Some(&op), "/api/search?q=噪声%20施工&per_page=100").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let found = numbers_of(&page);
    // Each order's count of indexed words, read from the index's rows; on both databases the
    // texts of fewer words come first, among equals the newer.
    let counts: Vec<(String, String)> = sqlx::query_as(
        "SELECT w.number, d.terms FROM search_docs d JOIN work_items w ON w.id = d.doc_id WHERE d.kind = 'order'",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    let count = |n: &str| counts.iter().find(|(m, _)| m == n).map(|(_, t)| t.split(' ').count()).unwrap_or(0);
    let lengths: Vec<usize> = found.iter().map(|n| count(n)).collect();
    assert_eq!(found.len(), 12, "{page}");
    let mut expected = found.clone();
    expected.sort_by(|a, b| count(a).cmp(&count(b)).then(b.cmp(a)));
    assert_eq!(found, expected, "fewer words first, then the newer: {lengths:?}");
    let mut distinct = lengths.clone();
    distinct.dedup();
    assert!(distinct.len() >= 3, "texts of several lengths: {lengths:?}");
    let mut newest_first = found.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_ne!(found, newest_first, "ranked, not merely the newest first");
    if app.store.backend() == sanfu_store::Backend::Sqlite {
        // And that is FTS5's BM25 order.
        let by_bm25: Vec<(String,)> = sqlx::query_as(
            "SELECT w.number FROM (SELECT rowid AS r, bm25(search_fts) AS score FROM search_fts WHERE search_fts MATCH '\"噪声\" \"施工\"') f
             JOIN search_docs d ON d.id = f.r JOIN work_items w ON w.id = d.doc_id ORDER BY f.score, f.r DESC",
        )
        .fetch_all(app.store.pool())
        .await
        .unwrap();
        assert_eq!(found, by_bm25.into_iter().map(|(n,)| n).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn the_knowledge_base_is_searched_by_words() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    for (title, content, category) in [
        ("住房公积金提取", "购房、租房、离职、退休等情形可以提取住房公积金，材料齐全的3个工作日内到账。", "0104"),
        ("异地就医备案", "参保人通过医保服务平台办理异地就医备案后，在就医地定点医院直接结算。", "0603"),
        ("停水查询", "计划停水提前24小时公告，突发停水请拨打水务集团抢修电话。", "0901"),
    ] {
        let (s, v) = app
            .post(Some(&op), "/api/knowledge", json!({ "title": title, "content": content, "category_id": category, "public": true }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app.get(Some(&op), "/api/knowledge?q=怎么提取公积金").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["title"], "住房公积金提取", "{v}");
    let (_, v) = app.get(None, "/api/public/knowledge?q=异地就医").await;
    assert_eq!(v["items"][0]["title"], "异地就医备案", "{v}");
}

#[tokio::test]
async fn suggestions_learn_from_the_citys_orders_and_rules_come_first() {
    let app = spawn_app().await;
    city(&app, 12).await;
    let op = app.login("operator").await;
    let admin = app.login("admin").await;

    // Before any training there is no suggestion, and no guess.
    let (s, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "和平路的路灯坏了" })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["suggestion"], Value::Null);

    let (s, v) = app.post(Some(&op), "/api/train", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only an administrator trains: {v}");
    let (s, v) = app.post(Some(&admin), "/api/train", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["trained"]["orders"], 36);
    assert_eq!(v["trained"]["units"], 3);

    for (text, unit, category) in [
        ("建设北路上好几盏路灯晚上不亮，黑乎乎的", "cgj", "0204"),
        ("我们楼里三天停水了，水压一直上不来", "water", "0901"),
        ("工地半夜还在施工，噪声太大睡不着", "sthjj", "0301"),
    ] {
        let (s, v) = app.post(Some(&op), "/api/suggest", json!({ "content": text })).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let sg = &v["suggestion"];
        assert_eq!(sg["unit_code"], unit, "{text}: {sg}");
        assert_eq!(sg["category_code"], category, "{text}: {sg}");
        assert_eq!(sg["source"], "model");
        assert!(sg["confidence"].as_f64().unwrap() > 0.5, "{sg}");
        assert!(!sg["terms"].as_array().unwrap().is_empty(), "explained: {sg}");
    }
    let (_, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "和平路的路灯晚上不亮" })).await;
    assert!(v["suggestion"]["terms"].as_array().unwrap().iter().any(|t| t == "路灯"), "{v}");

    // The model is in the database: a restarted server suggests the same.
    let app = app.restart().await;
    let op = app.login("operator").await;
    let admin = app.login("admin").await;
    let (_, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "小区停水，自来水没有水压" })).await;
    assert_eq!(v["suggestion"]["unit_code"], "water", "{v}");

    // A rule: anything about 江州大桥 goes to the transport bureau, whatever the words say.
    let (s, v) = app.post(Some(&op), "/api/dispatch-rules", json!({ "keyword": "江州大桥", "unit_id": "jtysj" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/dispatch-rules", json!({ "keyword": "江州大桥", "unit_id": "nowhere" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/dispatch-rules", json!({ "keyword": "江州大桥", "unit_id": "jtysj", "category_id": "0403" })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "江州大桥上的路灯不亮" })).await;
    let sg = &v["suggestion"];
    assert_eq!((sg["source"].as_str(), sg["unit_code"].as_str(), sg["category_code"].as_str()), (Some("rule"), Some("jtysj"), Some("0403")), "{sg}");
    assert_eq!(sg["terms"], json!(["江州大桥"]));

    // Units do not get suggestions; bad input is refused.
    let zjj = app.login("zjj").await;
    let (s, _) = app.post(Some(&zjj), "/api/suggest", json!({ "content": "路灯不亮" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "  " })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post(Some(&admin), "/api/dictionary", json!({ "words": ["翠湖苑", ""] })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["added"], 1);
}

#[tokio::test]
async fn a_new_call_shows_open_orders_that_say_the_same_and_can_be_merged_into_one() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let first = app
        .register(&op, order("0204", "幸福小区3栋门口的路灯坏了一个星期，晚上一片漆黑，老人出门很不安全，请尽快修理。".into()))
        .await;
    let first = first["order"]["number"].as_str().unwrap().to_string();
    app.register(&op, order("0901", "翠湖苑这几天经常停水，自来水水压很低，高楼层用不上水。".into())).await;

    // Another caller, other words, the same lamp.
    let (s, v) = app
        .post(Some(&op), "/api/orders/similar", json!({ "content": "幸福小区三栋门口路灯坏了快一周了，晚上漆黑一片，希望尽快修好！", "citizen_phone": "13700001111" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(items[0]["order"]["number"], first.as_str());
    assert!(items[0]["similarity"].as_f64().unwrap() >= 0.5, "{v}");
    assert_eq!(items[0]["same_caller"], false);
    // Something else entirely: nothing.
    let (_, v) = app.post(Some(&op), "/api/orders/similar", json!({ "content": "建议增开夜间公交线路，方便加班的人回家。" })).await;
    assert_eq!(v["items"], json!([]));
    // The same caller about the same lamp in fewer words is shown, and marked as the same caller.
    let (_, v) = app.post(Some(&op), "/api/orders/similar", json!({ "content": "幸福小区路灯还是不亮", "citizen_phone": "13912345678" })).await;
    assert_eq!(v["items"][0]["order"]["number"], first.as_str(), "{v}");
    assert_eq!(v["items"][0]["same_caller"], true);

    // Merged with one action, the duplicate leaves the list of open look-alikes.
    let dup = app.register(&op, order("0204", "幸福小区三栋门口路灯坏了快一周了，晚上漆黑一片，希望尽快修好！".into())).await;
    let dup = dup["order"]["number"].as_str().unwrap().to_string();
    let merged = app.act(&op, &dup, "merge", json!({ "master": first })).await;
    assert_eq!(merged["state"], "merged");
    let (_, v) = app
        .post(Some(&op), "/api/orders/similar", json!({ "content": "幸福小区三栋门口路灯坏了快一周了，晚上漆黑一片，希望尽快修好！" }))
        .await;
    let numbers: Vec<&str> = v["items"].as_array().unwrap().iter().map(|i| i["order"]["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [first.as_str()]);

    // Units do not search for duplicates; bad input is refused.
    let zjj = app.login("zjj").await;
    let (s, _) = app.post(Some(&zjj), "/api/orders/similar", json!({ "content": "路灯不亮" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&op), "/api/orders/similar", json!({ "content": "路灯不亮", "citizen_phone": "12" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn hot_topics_group_the_weeks_orders_under_their_key_terms_and_places() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, v) = app.post(Some(&admin), "/api/dictionary", json!({ "words": ["翠湖苑", "江滨花园"] })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let op = app.login("operator").await;
    for i in 0..6 {
        let text = format!(
            "翠湖苑旁边的工地{}夜里施工到凌晨，搅拌机噪声扰民，居民无法休息，{}",
            ["每天", "连续一周", "最近", "这几天", "天天", "又在"][i],
            ["请尽快处理。", "希望管一管。", "请核实。"][i % 3]
        );
        app.register(&op, order("0301", text)).await;
    }
    for i in 0..3 {
        app.register(&op, order("0901", message("water", i))).await;
    }
    app.register(&op, order("0402", "出租车司机拒载，还绕路多收钱。".into())).await;

    let mayor = app.login("mayor").await;
    let (s, v) = app.get(Some(&mayor), "/api/hot-topics?days=7").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let top = &v["items"][0];
    assert_eq!(top["count"], 6, "{v}");
    assert_eq!(top["previous"], 0);
    assert_eq!(top["rising"], true);
    let label = top["label"].to_string();
    assert!(label.contains("施工") || label.contains("噪声") || label.contains("搅拌机"), "{label}");
    assert_eq!(top["places"][0], "翠湖苑", "{top}");
    assert_eq!(top["numbers"].as_array().unwrap().len(), 6);
    assert_eq!(v["items"][1]["count"], 3, "the water cuts: {v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "a lone order is no topic: {v}");

    // The dashboard shows them.
    let zjj = app.login("zjj").await;
    let (s, _) = app.get(Some(&zjj), "/api/hot-topics").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.get(Some(&mayor), "/api/hot-topics?days=0").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn a_period_too_large_to_hold_at_once_has_its_topics_from_a_sample_with_every_order_counted() {
    let app = spawn_app().await;
    let ours = city(&app, 10).await;
    let mayor = app.login("mayor").await;
    let (s, exact) = app.get(Some(&mayor), "/api/hot-topics?days=7").await;
    assert_eq!(s, StatusCode::OK, "{exact}");
    // The orders of the week and the week before (a minute less than the server counts, so
    // that the server's count is at least this). From now on fewer are clustered at once: the
    // topics come from a sample of all but eight (each of ours with at least two of its ten
    // orders in it), and every order is read back and placed five at a time.
    let since = chrono::Utc::now() - chrono::Duration::days(14) + chrono::Duration::minutes(1);
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items WHERE kind = 'work_order' AND created_at >= $1 AND state NOT IN ('merged', 'withdrawn')")
        .bind(since.timestamp_millis())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(held >= 30, "{held}");
    app.store.set_topic_batches(sanfu_store::hotline::topics::TopicBatches { clustered: held as usize - 1, sample: held as usize - 8, placed: 5 });
    let (s, sampled) = app.get(Some(&mayor), "/api/hot-topics?days=7").await;
    assert_eq!(s, StatusCode::OK, "{sampled}");
    let topic_of = |v: &Value, number: &str| -> Value {
        v["items"].as_array().unwrap().iter().find(|t| t["numbers"].as_array().unwrap().iter().any(|n| n == number)).cloned().unwrap_or_else(|| panic!("no topic holds {number}: {v}"))
    };
    for (topic, numbers) in &ours {
        let (e, t) = (topic_of(&exact, &numbers[0]), topic_of(&sampled, &numbers[0]));
        // Every one of ours is counted, and they are the topic's newest orders.
        assert!(t["count"].as_u64().unwrap() >= 10, "{topic}: {t}");
        let mut newest: Vec<&str> = t["numbers"].as_array().unwrap().iter().take(10).map(|n| n.as_str().unwrap()).collect();
        newest.sort();
        let mut registered: Vec<&str> = numbers.iter().map(String::as_str).collect();
        registered.sort();
        assert_eq!(newest, registered, "{topic}: {t}");
        // Named and placed as the whole period's topic, under the unit the orders went to.
        assert_eq!(t["places"][0], e["places"][0], "{topic}: {t} / {e}");
        assert_eq!(t["units"][0], e["units"][0], "{topic}: {t} / {e}");
        let keys: &[&str] = match *topic {
            "lamp" => &["路灯", "不亮"],
            "water" => &["停水", "水压", "自来水"],
            _ => &["噪声", "施工", "工地"],
        };
        assert!(keys.iter().any(|k| t["label"].to_string().contains(k)), "{topic}: {t}");
    }
    // A vice mayor's topics from a sample are of his portfolio's orders only.
    let vm = app.login("vicemayor").await;
    let (s, v) = app.get(Some(&vm), "/api/hot-topics?days=7").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for n in v["items"].as_array().unwrap().iter().flat_map(|t| t["numbers"].as_array().unwrap().clone()) {
        let (s, _) = app.get(Some(&vm), &format!("/api/orders/{}", n.as_str().unwrap())).await;
        assert_eq!(s, StatusCode::OK, "every listed order is one he may open: {n}");
    }
}

async fn state_of(app: &TestApp, op: &str, v: Value) -> (String, Value) {
    let n = v["number"].as_str().unwrap().to_string();
    (n.clone(), app.order(op, &n).await)
}

#[tokio::test]
async fn citizens_submissions_go_straight_to_the_unit_when_the_suggestion_is_sure_and_the_office_allows_it() {
    let app = spawn_app().await;
    city(&app, 12).await;
    let admin = app.login("admin").await;
    let op = app.login("operator").await;
    let (s, v) = app.post(Some(&admin), "/api/train", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let submit = |content: &'static str| {
        app.post(None, "/api/public/orders", json!({
            "order_type": "complaint", "category_id": "0901", "content": content, "citizen_phone": "13757123456",
        }))
    };
    let water = "翠湖苑这几天一直停水，自来水水压很低，高楼层根本用不上水，请尽快处理。";

    // Off by default: a person decides.
    let (s, v) = submit(water).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, o) = state_of(&app, &op, v).await;
    assert_eq!(o["state"], "registered");

    // Only an administrator turns it on, with a sensible threshold.
    let (s, _) = app.call(reqwest::Method::PUT, Some(&op), "/api/admin/auto-dispatch", Some(json!({ "enabled": true, "min_confidence": 0.8 }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/auto-dispatch", Some(json!({ "enabled": true, "min_confidence": 2.0 }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/auto-dispatch", Some(json!({ "enabled": true, "min_confidence": 0.8 }))).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (_, v) = submit(water).await;
    let (number, o) = state_of(&app, &op, v).await;
    assert_eq!(o["state"], "dispatched", "{o}");
    assert_eq!(o["lead_unit"]["name"], "江州水务集团有限公司");
    let evs = app.events(&op, &number).await;
    let dispatch = evs.iter().find(|e| e["action"] == "dispatch").unwrap();
    assert_eq!(dispatch["actor_role"], "system", "{dispatch}");
    assert!(dispatch.to_string().contains("智能派单"), "{dispatch}");

    // Words the model does not know stay with a person.
    let (_, v) = submit("请问一下这个事情应该找谁？谢谢。").await;
    let (_, o) = state_of(&app, &op, v).await;
    assert_eq!(o["state"], "registered");
}

#[tokio::test]
async fn the_server_retrains_on_handled_orders_at_most_hourly() {
    let app = spawn_app().await;
    let hour = 3_600_000;
    assert!(app.store.retrain_dispatch_if_stale(hour).await.unwrap().is_none(), "no orders yet, nothing to learn");
    city(&app, 8).await;
    // Within the hour of the last look: no new look.
    assert!(app.store.retrain_dispatch_if_stale(hour).await.unwrap().is_none());
    // A restarted server looks again, finds the orders handled since, and learns from them.
    let app = app.restart().await;
    let r = app.store.retrain_dispatch_if_stale(hour).await.unwrap().expect("trained");
    assert_eq!(r.orders, 24);
    let op = app.login("operator").await;
    let (_, v) = app.post(Some(&op), "/api/suggest", json!({ "content": "楼里又停水了，自来水没水压" })).await;
    assert_eq!(v["suggestion"]["unit_code"], "water", "{v}");
    // Trained just now: not again within the hour, even by a new process.
    let app = app.restart().await;
    assert!(app.store.retrain_dispatch_if_stale(hour).await.unwrap().is_none());
}
