//! 政务信息 through the API: a unit's submission signed off by its head, adopted with its edited
//! text beside the original, compiled into a bulletin that the section's head signs and that
//! goes to the leaders' inboxes, instructed on by the mayor (the unit must answer, and the
//! instruction opens a supervision item), printed and exported, scored; an item left
//! unanswered is warned; an incident report runs in minutes; 约稿 counts a unit that missed it.

use chrono::{Datelike, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn waiting(inbox: &Value, label: &str) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().filter(|i| i["waiting_for"] == label).map(|i| i["item"]["number"].as_str().unwrap_or_default().to_string()).collect()
}

async fn act(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.post(Some(token), path, body).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v["item"].clone()
}

fn item(title: &str, category: &str, body: &str) -> Value {
    json!({"title": title, "category": category, "body": body, "writer": "李明", "writer_phone": "0791-86001234"})
}

async fn submit(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, v) = app.post(Some(token), "/api/info", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["item"].clone()
}

#[tokio::test]
async fn info_submission_is_signed_adopted_issued_in_a_bulletin_and_instructed_on() {
    let app = spawn_app().await;
    let (zjj, head, section, chief, mayor, vice2) =
        (app.login("zjj").await, app.login("zjj-head").await, app.login("xinxike").await, app.login("xinxike-head").await, app.login("mayor").await, app.login("vicemayor2").await);
    let original = "截至11月底，全市128个老旧小区改造项目已开工123个，加装电梯46部。居民张先生反映电话13812345678。";
    let v = submit(&app, &zjj, item("我市老旧小区改造加速推进", "news", original)).await;
    let n = v["number"].as_str().unwrap().to_string();
    assert!(n.starts_with("信〔"), "{n}");
    assert_eq!(v["state"], "signing", "a liaison's item waits on the head");
    assert!(waiting(&app.get(Some(&head), "/api/inbox").await.1, "信息待审签").contains(&n));
    // The section cannot answer before the head has signed; the liaison cannot sign.
    assert_eq!(app.post(Some(&section), &format!("/api/info/{n}/adopt"), json!({})).await.0, StatusCode::CONFLICT);
    assert_eq!(app.post(Some(&zjj), &format!("/api/info/{n}/sign"), json!({})).await.0, StatusCode::FORBIDDEN);
    let v = act(&app, &head, &format!("/api/info/{n}/sign"), json!({"comment": "同意报送"})).await;
    assert_eq!((v["state"].as_str(), v["signer"].as_str()), (Some("submitted"), Some("市住房和城乡建设局负责人")));
    assert!(waiting(&app.get(Some(&section), "/api/inbox").await.1, "报送信息待处理").contains(&n));
    // The phone in the text is masked for the section (not the hotline centre).
    assert!(v["body"].as_str().unwrap().contains("138****5678"), "{}", v["body"]);

    // Adopted with an edited text; the original is kept.
    assert_eq!(app.post(Some(&zjj), &format!("/api/info/{n}/adopt"), json!({})).await.0, StatusCode::FORBIDDEN);
    let edited = "全市老旧小区改造开工率达96%，加装电梯46部。";
    let v = act(&app, &section, &format!("/api/info/{n}/adopt"), json!({"edited_body": edited})).await;
    assert_eq!(v["state"], "adopted");
    assert_eq!(v["edited_body"], edited);
    assert!(v["body"].as_str().unwrap().starts_with("截至11月底"), "the original stays: {}", v["body"]);
    let answer = v["dues"].as_array().unwrap().iter().find(|d| d["name"] == "answer").unwrap().clone();
    assert_eq!(answer["level"], "met", "answered in time: {answer}");
    let (_, unused) = app.get(Some(&section), "/api/info?unused=true").await;
    assert!(unused["items"].as_array().unwrap().iter().any(|i| i["number"] == n.as_str()));

    // A bulletin: compiled, signed off by the section's head only, issued with its number.
    let (s, b) = app.post(Some(&section), "/api/bulletins", json!({"series": "info", "note": "本期刊发老旧小区改造进展。"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let bn = b["item"]["number"].as_str().unwrap().to_string();
    let (s, e) = app.post(Some(&section), &format!("/api/bulletins/{bn}/submit"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_bulletin")));
    act(&app, &section, &format!("/api/bulletins/{bn}/compose"), json!({"items": [{"info": n, "headline": "老旧小区改造开工率达96%"}]})).await;
    act(&app, &section, &format!("/api/bulletins/{bn}/submit"), json!({})).await;
    assert_eq!(app.post(Some(&section), &format!("/api/bulletins/{bn}/sign"), json!({})).await.0, StatusCode::FORBIDDEN, "only the section's head signs");
    assert!(waiting(&app.get(Some(&chief), "/api/inbox").await.1, "信息刊物待签发").contains(&bn));
    act(&app, &chief, &format!("/api/bulletins/{bn}/sign"), json!({"comment": "同意印发"})).await;
    let b = act(&app, &section, &format!("/api/bulletins/{bn}/issue"), json!({"readers": ["mayor", "vicemayor"]})).await;
    let year = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).year();
    assert_eq!(b["issue_label"], format!("{year}年第1期"));
    assert_eq!(b["title"], format!("《江州政务信息》{year}年第1期"));
    assert_eq!(b["lines"][0]["body"], edited, "the issue prints the edited text");
    assert!(waiting(&app.get(Some(&mayor), "/api/inbox").await.1, "信息刊物待阅").contains(&bn));
    assert_eq!(app.get(Some(&vice2), &format!("/api/bulletins/{bn}")).await.0, StatusCode::FORBIDDEN, "not sent to her");
    act(&app, &mayor, &format!("/api/bulletins/{bn}/read"), json!({"comment": "已阅，很好"})).await;
    assert!(!waiting(&app.get(Some(&mayor), "/api/inbox").await.1, "信息刊物待阅").contains(&bn));
    // Printed and exported.
    let text = crate::document::pdf_text(&app, &section, &format!("/api/bulletins/{bn}/pdf")).await;
    assert!(text.contains("江州政务信息") && text.contains(&format!("{year}年第1期")) && text.contains("老旧小区改造开工率达96%"), "{text}");
    let r = app.client.get(format!("{}/api/bulletins/{bn}/export", app.base)).bearer_auth(&section).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));

    // The mayor instructs on the item: the unit must answer, and it can become a supervision item.
    let (s, ins) = app.post(Some(&mayor), "/api/instructions", json!({"text": "请住建局总结经验，加快推进。", "unit_ids": ["zjj"], "target": n})).await;
    assert_eq!(s, StatusCode::CREATED, "{ins}");
    let insn = ins["item"]["number"].as_str().unwrap().to_string();
    assert!(waiting(&app.get(Some(&zjj), "/api/inbox").await.1, "批示待反馈").contains(&insn));
    let (s, sv) = app.post(Some(&app.login("duchake").await), &format!("/api/instructions/{insn}/supervise"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{sv}");
    let (_, v) = app.get(Some(&section), &format!("/api/info/{n}")).await;
    assert_eq!(v["item"]["instructions"][0]["number"], insn.as_str());
    assert_eq!(v["item"]["bulletins"][0]["issued"], true);

    // Found by search, every step in the log.
    let (_, found) = app.get(Some(&section), "/api/search?q=老旧小区改造").await;
    assert!(found["items"].as_array().unwrap().iter().any(|i| i["number"] == n.as_str()), "{found}");
    // The issue is found by its number and by its items' headlines.
    let (_, found) = app.get(Some(&section), "/api/search?q=开工率").await;
    assert!(found["items"].as_array().unwrap().iter().any(|i| i["number"] == bn.as_str() && i["title"] == format!("《江州政务信息》{year}年第1期")), "{found}");
    let names = names(&app.get(Some(&section), &format!("/api/items/{n}/events")).await.1["events"].as_array().unwrap().clone());
    assert_eq!(names, ["create", "sign", "adopt", "link"], "the 批示 is linked in the item's log too");

    // Scored: in 政务信息 10, instructed on +20.
    let (_, sc) = app.get(Some(&section), &format!("/api/info/scores?period={year}")).await;
    let z = sc["scores"]["units"].as_array().unwrap().iter().find(|u| u["unit_code"] == "zjj").unwrap().clone();
    assert_eq!((z["adopted"].as_i64(), z["in_info"].as_i64(), z["instructed"].as_i64(), z["points"].as_i64(), z["rank"].as_i64()), (Some(1), Some(1), Some(1), Some(30), Some(1)), "{z}");
    let r = app.client.get(format!("{}/api/info/scores?period={year}&format=xlsx", app.base)).bearer_auth(&section).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.client.get(format!("{}/api/info?format=xlsx", app.base)).bearer_auth(&section).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A unit sees only its own items and score.
    let (_, other) = app.get(Some(&app.login("jyj").await), "/api/info").await;
    assert!(other["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get(Some(&app.login("jyj").await), &format!("/api/info/{n}")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn info_item_left_unanswered_is_warned() {
    let app = spawn_app().await;
    let (head, section) = (app.login("wjw-head").await, app.login("xinxike").await);
    let v = submit(&app, &head, item("全市二级以上医院推行检查结果互认", "news", "自11月起，全市23家医院56项检查检验结果互认。")).await;
    let n = v["number"].as_str().unwrap().to_string();
    assert_eq!(v["state"], "submitted", "a head's submission goes straight to the section");
    let due = v["dues"].as_array().unwrap().iter().find(|d| d["name"] == "answer").unwrap()["due_at"].as_str().unwrap().to_string();
    let due: chrono::DateTime<Utc> = due.parse().unwrap();
    assert!(due > Utc::now() + Duration::hours(7), "eight working hours: {due}");
    // Nobody answers: yellow, then red, each once.
    let run = app.store.run_warnings(due + Duration::minutes(1)).await.unwrap();
    assert!(run.red >= 1, "{run:?}");
    let (_, ev) = app.get(Some(&section), &format!("/api/items/{n}/events")).await;
    let warnings: Vec<&Value> = ev["events"].as_array().unwrap().iter().filter(|e| e["action"] == "warning").collect();
    assert_eq!(warnings.len(), 1, "the red warning only: the yellow is moot by then");
    assert_eq!(warnings[0]["details"]["level"], "red");
    assert_eq!(warnings[0]["details"]["label"], "信息处理时限");
    assert_eq!(app.store.run_warnings(due + Duration::minutes(2)).await.unwrap().red, 0, "never twice");
    let (_, list) = app.get(Some(&section), "/api/info?state=submitted").await;
    let row = list["items"].as_array().unwrap().iter().find(|i| i["number"] == n.as_str()).unwrap().clone();
    assert_eq!(row["due_label"], "信息处理时限");
    // Declining answers it: nothing is left waiting.
    let (s, e) = app.post(Some(&section), &format!("/api/info/{n}/decline"), json!({"reason": "  "})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_reason")), "a reason is required");
    let v = act(&app, &section, &format!("/api/info/{n}/decline"), json!({"reason": "内容已在部门动态中反映"})).await;
    assert_eq!((v["state"].as_str(), v["answer"].as_str()), (Some("declined"), Some("内容已在部门动态中反映")));
}

#[tokio::test]
async fn info_incident_report_runs_in_minutes_and_waits_in_the_urgent_queue() {
    let app = spawn_app().await;
    let (head, section) = (app.login("yjj-head").await, app.login("xinxike").await);
    let before = app.get(Some(&section), "/api/info").await.1["items"].as_array().unwrap().len();
    let mut body = item("东湖区一居民楼发生火情", "incident", "今日一居民楼三层起火，已扑灭，无人员伤亡。");
    // No time of the incident: refused, nothing written.
    let (s, e) = app.post(Some(&head), "/api/info", body.clone()).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_field")));
    assert_eq!(app.get(Some(&section), "/api/info").await.1["items"].as_array().unwrap().len(), before);
    let now = Utc::now();
    body["incident_at"] = json!(now - Duration::minutes(70));
    body["first_reported_at"] = json!(now - Duration::minutes(45));
    let v = submit(&app, &head, body).await;
    let n = v["number"].as_str().unwrap().to_string();
    assert_eq!((v["state"].as_str(), v["state_label"].as_str()), (Some("urgent"), Some("突发待处理")));
    let due = |name: &str| v["dues"].as_array().unwrap().iter().find(|d| d["name"] == name).unwrap().clone();
    assert_eq!(due("first_report")["level"], "met", "first reported by telephone 25 minutes after the incident, within 30");
    assert_eq!(due("written_report")["level"], "late", "written 70 minutes after, the limit is 60");
    let answer: chrono::DateTime<Utc> = due("answer")["due_at"].as_str().unwrap().parse().unwrap();
    assert!((answer - now).num_minutes() <= 31 && (answer - now).num_minutes() >= 29, "{answer}");
    assert!(waiting(&app.get(Some(&section), "/api/inbox").await.1, "【紧急】突发事件信息待处理").contains(&n));
    // Bad input gets a clear error and changes nothing.
    for (bad, code) in [
        (json!({"title": "x", "category": "gossip", "body": "y", "writer_phone": "0791-86001234"}), "invalid_category"),
        (json!({"title": "", "category": "news", "body": "y", "writer_phone": "0791-86001234"}), "empty_field"),
        (json!({"title": "x", "category": "news", "body": "y", "writer_phone": "打电话"}), "invalid_phone"),
    ] {
        let (s, e) = app.post(Some(&head), "/api/info", bad).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{e}");
    }
    assert_eq!(app.post(Some(&section), "/api/info", item("x", "news", "y")).await.0, StatusCode::FORBIDDEN, "the section does not submit");
    assert_eq!(app.get(Some(&section), "/api/info").await.1["items"].as_array().unwrap().len(), before + 1);
}

#[tokio::test]
async fn info_returned_resubmitted_forwarded_and_adopted_by_the_province() {
    let app = spawn_app().await;
    let (head, section) = (app.login("jyj-head").await, app.login("xinxike").await);
    let n = submit(&app, &head, item("课后服务实现全覆盖", "practice", "全市义务教育学校课后服务全覆盖。")).await["number"].as_str().unwrap().to_string();
    let v = act(&app, &section, &format!("/api/info/{n}/return"), json!({"missing": "请补充参与学生人数和满意率"})).await;
    assert_eq!((v["state"].as_str(), v["answer"].as_str()), (Some("returned"), Some("请补充参与学生人数和满意率")));
    assert!(waiting(&app.get(Some(&head), "/api/inbox").await.1, "信息待补充").contains(&n));
    let v = act(&app, &head, &format!("/api/info/{n}/resubmit"), json!({"body": "全市义务教育学校课后服务全覆盖，参与学生18.6万人，满意率97.3%。"})).await;
    assert_eq!(v["state"], "submitted");
    act(&app, &section, &format!("/api/info/{n}/adopt"), json!({})).await;
    let (s, e) = app.post(Some(&section), &format!("/api/info/{n}/province_adopt"), json!({"level": "special"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("not_forwarded")));
    act(&app, &section, &format!("/api/info/{n}/forward"), json!({})).await;
    assert_eq!(app.post(Some(&section), &format!("/api/info/{n}/forward"), json!({})).await.0, StatusCode::CONFLICT, "forwarded once");
    let v = act(&app, &section, &format!("/api/info/{n}/province_adopt"), json!({"level": "special", "comment": "省《信息专报》第8期"})).await;
    assert_eq!(v["province_label"], "省信息专报");
    let year = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).year();
    let (_, sc) = app.get(Some(&section), &format!("/api/info/scores?period={year}")).await;
    let u = sc["scores"]["units"].as_array().unwrap().iter().find(|u| u["unit_code"] == "jyj").unwrap().clone();
    assert_eq!((u["province"].as_i64(), u["points"].as_i64()), (Some(1), Some(80)), "{u}");
    let (s, e) = app.get(Some(&section), "/api/info/scores?period=2026-13").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_period")));
}

#[tokio::test]
async fn info_request_counts_the_unit_that_did_not_answer() {
    let app = spawn_app().await;
    let (section, zjj, jyj) = (app.login("xinxike").await, app.login("zjj-head").await, app.login("jyj").await);
    let deadline = (Utc::now() + Duration::days(5)).with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
    let (s, r) = app.post(Some(&section), "/api/info/requests", json!({"title": "冬季保供稳价工作情况", "body": "请报送保供稳价措施及成效。", "units": ["zjj", "jyj"], "deadline": deadline.to_string()})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let rn = r["item"]["number"].as_str().unwrap().to_string();
    assert!(waiting(&app.get(Some(&jyj), "/api/inbox").await.1, "约稿待报送").contains(&rn));
    let mut answer = item("住建领域保供稳价措施", "news", "保障建材供应稳定，价格总体平稳。");
    answer["request"] = json!(rn);
    submit(&app, &zjj, answer).await;
    assert!(!waiting(&app.get(Some(&zjj), "/api/inbox").await.1, "约稿待报送").contains(&rn));
    let v = act(&app, &section, &format!("/api/info/requests/{rn}/close"), json!({})).await;
    let standing = |u: &str| v["units"].as_array().unwrap().iter().find(|x| x["unit"]["name"] == u).unwrap()["standing"].as_str().unwrap().to_string();
    assert_eq!((standing("市住房和城乡建设局"), standing("市教育局")), ("answered".into(), "missed".into()));
    assert_eq!(v["missed"], 1);
    let (_, sc) = app.get(Some(&section), &format!("/api/info/scores?period={}", deadline.year())).await;
    let missed = |code: &str| sc["scores"]["units"].as_array().unwrap().iter().find(|u| u["unit_code"] == code).unwrap()["missed_requests"].as_i64();
    assert_eq!((missed("zjj"), missed("jyj")), (Some(0), Some(1)));
}

#[tokio::test]
async fn info_pages_show_the_ledger_the_bulletins_and_the_ranking() {
    let app = spawn_app().await;
    let head = app.login("zjj-head").await;
    let n = submit(&app, &head, item("建筑工地扬尘治理专项行动", "news", "检查在建工地186个。")).await["number"].as_str().unwrap().to_string();
    let (s, html) = app.page("xinxike", "/info").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&n) && html.contains("建筑工地扬尘治理专项行动"), "the ledger lists it");
    let (_, html) = app.page("xinxike", &format!("/info/{}", enc(&n))).await;
    assert!(html.contains("form-info-adopt") && html.contains("检查在建工地186个"), "the section may adopt it");
    let (_, html) = app.page("zjj", "/info").await;
    assert!(html.contains("form-info-new"), "a unit's liaison may submit");
    let (_, html) = app.page("xinxike", "/info?tab=scores").await;
    assert!(html.contains("score-table") && html.contains("市住房和城乡建设局"));
    let (_, html) = app.page("mayor", &format!("/info/{}", enc(&n))).await;
    assert!(html.contains("form-instruct"), "a leader may instruct on it");
}

#[tokio::test]
async fn info_settings_change_the_limits_and_bad_values_change_nothing() {
    let app = spawn_app().await;
    let (section, head) = (app.login("xinxike").await, app.login("zjj-head").await);
    let (_, v) = app.get(Some(&section), "/api/admin/info-settings").await;
    let mut s = v["settings"].clone();
    assert_eq!((s["answer_hours"].as_i64(), s["scores"]["special"].as_i64()), (Some(8), Some(30)));
    s["answer_hours"] = json!(16);
    s["quotas"] = json!([{"unit": "zjj", "adopted": 24, "points": 240}]);
    assert_eq!(app.call(reqwest::Method::PUT, Some(&head), "/api/admin/info-settings", Some(s.clone())).await.0, StatusCode::FORBIDDEN);
    for (field, value, code) in [("answer_hours", json!(0), "invalid_info_settings"), ("written_report_minutes", json!(10), "invalid_info_settings"), ("quotas", json!([{"unit": "nowhere", "adopted": 1, "points": 1}]), "unknown_unit")] {
        let mut bad = s.clone();
        bad[field] = value;
        let (st, e) = app.call(reqwest::Method::PUT, Some(&section), "/api/admin/info-settings", Some(bad)).await;
        assert_eq!((st, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{field}: {e}");
    }
    assert_eq!(app.get(Some(&section), "/api/admin/info-settings").await.1["settings"]["answer_hours"], 8, "nothing changed");
    let (st, v) = app.call(reqwest::Method::PUT, Some(&section), "/api/admin/info-settings", Some(s)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // A new item is answered within 16 working hours now; the unit's quota is its own.
    let v = submit(&app, &head, item("建筑市场信用评价结果发布", "news", "发布建筑市场主体信用评价结果。")).await;
    let answer = v["dues"].as_array().unwrap().iter().find(|d| d["name"] == "answer").unwrap().clone();
    let (due, started): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) = (answer["due_at"].as_str().unwrap().parse().unwrap(), v["created_at"].as_str().unwrap().parse().unwrap());
    assert!(due - started > Duration::hours(20), "two working days: {started} → {due}");
    let year = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).year();
    let (_, sc) = app.get(Some(&section), &format!("/api/info/scores?period={year}")).await;
    let quota = |code: &str| sc["scores"]["units"].as_array().unwrap().iter().find(|u| u["unit_code"] == code).unwrap()["quota_points"].as_i64();
    assert_eq!((quota("zjj"), quota("jyj")), (Some(240), Some(120)));
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
