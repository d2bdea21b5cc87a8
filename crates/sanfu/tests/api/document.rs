//! 公文 through the API: an incoming document from 签收登记 through 批办 (a 批示 that opens a
//! supervision item), 传阅 and handling to 归档; an outgoing one drafted in versions,
//! countersigned by two units in parallel (it waits for both), signed, numbered, printed and
//! issued, with its PDF; fifty documents numbered at the same moment; classified material
//! refused with nothing written.

use chrono::{Datelike, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn waiting(inbox: &Value, label: &str) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().filter(|i| i["waiting_for"] == label).map(|i| i["item"]["number"].as_str().unwrap_or_default().to_string()).collect()
}

async fn act(app: &TestApp, token: &str, n: &str, action: &str, body: Value) -> Value {
    let (s, v) = app.post(Some(token), &format!("/api/documents/{n}/{action}"), body).await;
    assert_eq!(s, StatusCode::OK, "{action}: {v}");
    v["item"].clone()
}

const BODY: &str = "为切实做好冬季供暖保障工作，经市政府同意，现就有关事项通知如下。\n一、压实保供责任\n各供热企业要落实主体责任，确保11月15日前全面供暖。\n二、加强监督检查\n（一）市城市管理局要会同有关部门开展专项检查，及时处理群众反映的问题。";

/// A draft of zjj countersigned by `countersigners`, signed by vicemayor; its number.
async fn draft(app: &TestApp, zjj: &str, title: &str, countersigners: &[&str]) -> String {
    let (s, v) = app
        .post(Some(zjj), "/api/documents", json!({
            "direction": "outgoing", "title": title, "body": BODY, "doc_type": "notice", "code": "江政办发",
            "main_to": "各区人民政府，市政府各部门", "cc": "市委办公室、市人大常委会办公室",
            "countersigners": countersigners, "signer": "vicemayor", "attachment_titles": "供暖保障责任分工表",
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["item"]["number"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn document_incoming_goes_from_registration_through_instruction_and_circulation_to_archive() {
    let app = spawn_app().await;
    let (office, vice, mayor, sg, zjj, cgj, water) = (
        app.login("wendianke").await,
        app.login("vicemayor").await,
        app.login("mayor").await,
        app.login("mishuzhang").await,
        app.login("zjj").await,
        app.login("cgj").await,
        app.login("water").await,
    );
    // Only the office registers.
    let doc = json!({"direction": "incoming", "title": "江西省住房和城乡建设厅关于开展燃气安全专项整治的通知", "organ": "江西省住房和城乡建设厅",
        "source_number": "赣建城〔2026〕31号", "doc_type": "notice", "urgency": "extra_urgent", "secrecy": "无", "pages": 8,
        "summary": "部署全省城镇燃气安全专项整治，要求各地于年底前完成排查整治。"});
    assert_eq!(app.post(Some(&zjj), "/api/documents", doc.clone()).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&office), "/api/documents", doc).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let n = v["item"]["number"].as_str().unwrap().to_string();
    assert!(n.starts_with("收〔"), "{n}");
    assert_eq!((v["item"]["state"].as_str(), v["item"]["urgency_label"].as_str()), (Some("registered"), Some("特急")));
    assert!(waiting(&app.get(Some(&office), "/api/inbox").await.1, "收文待初审").contains(&n));

    act(&app, &office, &n, "accept", json!({})).await;
    let v = act(&app, &office, &n, "propose", json!({"leader": "vicemayor", "text": "拟请周副市长阅示，由市住建局牵头办理。"})).await;
    assert_eq!(v["holders"], json!(["周海涛"]), "the leader holds it now");
    let v = act(&app, &office, &n, "circulate", json!({"readers": ["mayor", "mishuzhang"]})).await;
    assert_eq!(v["readers"].as_array().unwrap().len(), 2);
    assert!(waiting(&app.get(Some(&vice), "/api/inbox").await.1, "收文待批办").contains(&n));
    assert!(waiting(&app.get(Some(&mayor), "/api/inbox").await.1, "文件待阅（传阅）").contains(&n));
    // A unit not named does not see it.
    assert_eq!(app.get(Some(&water), &format!("/api/documents/{n}")).await.0, StatusCode::FORBIDDEN);

    // 批办: the units, the deadline on the working-day calendar, and a 批示 of its own.
    let (s, e) = app.post(Some(&mayor), &format!("/api/documents/{n}/instruct"), json!({"text": "x", "units": ["zjj"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_allowed_for_user")), "the mayor was not asked to instruct");
    let v = act(&app, &vice, &n, "instruct", json!({"text": "请市住建局牵头，市城管局配合，抓紧部署整治。", "units": ["zjj", "cgj"], "days": 5})).await;
    assert_eq!(v["state"], "handling");
    let ins = v["instruction_number"].as_str().unwrap().to_string();
    assert_eq!(v["lead_unit"]["name"], "市住房和城乡建设局");
    assert!(waiting(&app.get(Some(&zjj), "/api/inbox").await.1, "收文待承办").contains(&n));
    assert!(waiting(&app.get(Some(&cgj), "/api/inbox").await.1, "收文待协办").contains(&n));
    // The instruction is tracked like any other and can open a supervision item.
    let (s, v) = app.post(Some(&office), &format!("/api/instructions/{ins}/supervise"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // 传阅: who has read it and when, who still holds it.
    act(&app, &sg, &n, "read", json!({"comment": "已阅，请抓好落实。"})).await;
    let (s, e) = app.post(Some(&sg), &format!("/api/documents/{n}/read"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("already_read")));
    let (_, v) = app.get(Some(&office), &format!("/api/documents/{n}")).await;
    let readers = v["item"]["readers"].as_array().unwrap();
    let of = |name: &str| readers.iter().find(|r| r["user"]["name"] == name).unwrap().clone();
    assert_eq!((of("孙立平")["holds"].as_bool(), of("孙立平")["read_at"].is_string()), (Some(false), true));
    assert_eq!(of("李建国")["holds"], true);
    assert!(v["item"]["holders"].as_array().unwrap().iter().any(|h| h == "李建国（传阅中）"), "{}", v["item"]["holders"]);
    let (_, list) = app.get(Some(&mayor), "/api/documents/circulation").await;
    assert_eq!(list["items"][0]["number"], n.as_str());

    act(&app, &office, &n, "urge", json!({"text": "请于明日前报送进展。"})).await;
    assert_eq!(app.post(Some(&cgj), &format!("/api/documents/{n}/reply"), json!({"text": "x"})).await.0, StatusCode::FORBIDDEN);
    act(&app, &zjj, &n, "reply", json!({"text": "已制定整治方案，排查燃气用户 1.2 万户。"})).await;
    act(&app, &office, &n, "conclude", json!({})).await;
    let v = act(&app, &office, &n, "archive", json!({})).await;
    assert_eq!(v["state_label"], "已归档");

    // In the audit trail, full-text search and the register with its Excel download.
    let (_, ev) = app.get(Some(&office), &format!("/api/items/{n}/events")).await;
    let actions: Vec<&str> = ev["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["create", "accept", "propose", "circulate", "instruct", "read", "urge", "reply", "conclude", "archive"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let (_, found) = app.get(Some(&zjj), "/api/search?q=燃气安全").await;
    assert_eq!(found["items"][0]["number"], n.as_str(), "{found}");
    let (_, reg) = app.get(Some(&office), "/api/documents?direction=incoming").await;
    assert_eq!(reg["items"][0]["source_number"], "赣建城〔2026〕31号");
    let r = app.client.get(format!("{}/api/documents?direction=incoming&format=xlsx", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn document_outgoing_waits_for_every_countersigner_and_is_numbered_only_at_the_end() {
    let app = spawn_app().await;
    let (zjj, head, czj, cgj, office, vice) =
        (app.login("zjj").await, app.login("zjj-head").await, app.login("czj").await, app.login("cgj").await, app.login("wendianke").await, app.login("vicemayor").await);
    let n = draft(&app, &zjj, "江州市人民政府办公室关于做好今冬明春供暖保障工作的通知", &["czj", "cgj"]).await;

    // Versions: each save is kept, two can be compared.
    let v = act(&app, &zjj, &n, "save", json!({"body": BODY.replace("11月15日前", "11月10日前"), "note": "提前供暖时间"})).await;
    assert_eq!(v["versions"], 2);
    let (_, vs) = app.get(Some(&zjj), &format!("/api/documents/{n}/versions")).await;
    assert_eq!(vs["items"][0]["note"], "提前供暖时间");
    assert!(vs["items"][1]["body"].as_str().unwrap().contains("11月15日前"), "the first version is kept as it was");
    let (_, c) = app.get(Some(&zjj), &format!("/api/documents/{n}/compare?from=1&to=2")).await;
    let parts = c["comparison"]["body"].as_array().unwrap();
    assert!(parts.iter().any(|p| p["op"] == "delete" && p["text"] == "5"), "{c}");
    assert!(parts.iter().any(|p| p["op"] == "insert" && p["text"] == "0"), "{c}");
    // Before its head approves it, a countersigner is not handed the draft.
    assert_eq!(app.get(Some(&czj), &format!("/api/documents/{n}")).await.0, StatusCode::FORBIDDEN);
    // The draft prints watermarked, its number left blank.
    let pdf = app.client.get(format!("{}/api/documents/{n}/pdf", app.base)).bearer_auth(&zjj).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));

    act(&app, &zjj, &n, "submit", json!({})).await;
    assert_eq!(app.post(Some(&zjj), &format!("/api/documents/{n}/approve"), json!({})).await.0, StatusCode::FORBIDDEN, "the liaison is not the head");
    let v = act(&app, &head, &n, "approve", json!({"comment": "同意"})).await;
    assert_eq!(v["state"], "countersigning");
    assert!(waiting(&app.get(Some(&czj), "/api/inbox").await.1, "发文待会签").contains(&n));
    let v = act(&app, &czj, &n, "countersign", json!({"stance": "agree", "text": "同意。"})).await;
    assert_eq!((v["state"].as_str(), v["missing"][0]["name"].as_str()), (Some("countersigning"), Some("市城市管理局")), "it waits for every unit");
    let (s, e) = app.post(Some(&office), &format!("/api/documents/{n}/check"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(!waiting(&app.get(Some(&czj), "/api/inbox").await.1, "发文待会签").contains(&n), "czj has answered");
    let v = act(&app, &cgj, &n, "countersign", json!({"stance": "agree_with_changes", "text": "建议明确供热投诉处理时限。"})).await;
    assert_eq!(v["state"], "office_review");
    assert_eq!(v["countersigns"][1]["stance_label"], "原则同意，有修改意见");

    act(&app, &office, &n, "check", json!({"comment": "文字已核"})).await;
    assert!(waiting(&app.get(Some(&vice), "/api/inbox").await.1, "发文待签发").contains(&n));
    let v = act(&app, &vice, &n, "sign", json!({})).await;
    assert_eq!((v["signed_by"]["name"].as_str(), v["doc_number"].is_null()), (Some("周海涛"), true), "signed, not yet numbered");
    act(&app, &office, &n, "recheck", json!({})).await;
    let v = act(&app, &office, &n, "number", json!({})).await;
    let year = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).year();
    assert_eq!(v["doc_number"], format!("江政办发〔{year}〕1号"));
    let (s, e) = app.post(Some(&office), &format!("/api/documents/{n}/number"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "a second click takes no second number");
    act(&app, &office, &n, "print", json!({"copies": 80})).await;
    let v = act(&app, &office, &n, "distribute", json!({})).await;
    assert_eq!(v["state_label"], "已核发");

    // The issued document's PDF: its number and its 标志, no watermark.
    let flat = pdf_text(&app, &office, &format!("/api/documents/{n}/pdf")).await;
    let text = &flat;
    assert!(flat.contains(&format!("江政办发〔{year}〕1号")), "{text}");
    assert!(flat.contains("江州市人民政府办公室文件"), "{text}");
    assert!(!flat.contains('草'), "an issued document carries no watermark");

    let (_, reg) = app.get(Some(&office), "/api/documents?direction=outgoing").await;
    assert_eq!((reg["items"][0]["doc_number"].as_str(), reg["items"][0]["signed_by"].as_str()), (Some(format!("江政办发〔{year}〕1号").as_str()), Some("周海涛")));
    let (_, dash) = app.page("mayor", "/dashboard").await;
    assert!(dash.contains("本年已编号印发 1 件"), "the dashboard counts it");
}

#[tokio::test]
async fn document_numbers_fifty_at_the_same_moment_without_a_gap_or_a_twin() {
    let app = spawn_app().await;
    let (zjj, head, office, vice) = (app.login("zjj").await, app.login("zjj-head").await, app.login("wendianke").await, app.login("vicemayor").await);
    let mut docs = Vec::new();
    for i in 0..50 {
        let n = draft(&app, &zjj, &format!("江州市人民政府办公室关于第{i}项工作的通知"), &[]).await;
        act(&app, &zjj, &n, "submit", json!({})).await;
        act(&app, &head, &n, "approve", json!({})).await;
        act(&app, &office, &n, "check", json!({})).await;
        act(&app, &vice, &n, "sign", json!({})).await;
        act(&app, &office, &n, "recheck", json!({})).await;
        docs.push(n);
    }
    let mut tasks = Vec::new();
    for n in &docs {
        let (client, url, token) = (app.client.clone(), format!("{}/api/documents/{n}/number", app.base), office.clone());
        tasks.push(tokio::spawn(async move {
            let r = client.post(url).bearer_auth(token).json(&json!({})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            v["item"]["doc_number"].as_str().unwrap().to_string()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let number = t.await.unwrap();
        let n: u32 = number.split('〕').nth(1).unwrap().trim_end_matches('号').parse().unwrap();
        seqs.push(n);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=50).collect::<Vec<u32>>(), "fifty consecutive numbers, none twice, none skipped");
    // Stored as taken.
    let stored: Vec<(String,)> = sqlx::query_as("SELECT doc_number FROM documents WHERE doc_number IS NOT NULL").fetch_all(app.store.pool()).await.unwrap();
    assert_eq!(stored.len(), 50);
}

#[tokio::test]
async fn document_classified_material_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (office, zjj) = (app.login("wendianke").await, app.login("zjj").await);
    let count = || async {
        let mut v = Vec::new();
        for t in ["work_items", "documents", "attachments", "document_versions", "events", "search_docs"] {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}"))).fetch_one(app.store.pool()).await.unwrap();
            v.push(n);
        }
        v
    };
    let before = count().await;
    let cases = [
        json!({"direction": "incoming", "title": "关于某项工作的通知", "organ": "某厅", "secrecy": "机密"}),
        json!({"direction": "incoming", "title": "关于某项工作的通知", "organ": "某厅", "summary": "000012\n秘密★1年\n特急\n……"}),
        json!({"direction": "incoming", "title": "关于某项工作的通知", "organ": "某厅", "attachments": [{"name": "绝密★启用前-方案.txt", "content_base64": "5rGH5oql"}]}),
        json!({"direction": "outgoing", "title": "关于某项工作的请示", "body": "机密★5年\n市政府：……", "code": "江政办发"}),
    ];
    for (i, c) in cases.iter().enumerate() {
        let token = if c["direction"] == "incoming" { &office } else { &zjj };
        let (s, e) = app.post(Some(token), "/api/documents", c.clone()).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("classified_refused")), "case {i}: {e}");
        assert!(e["message"].as_str().unwrap().contains("机要渠道"), "it says where such material goes: {e}");
    }
    assert_eq!(count().await, before, "nothing of it is stored");
    // Nor as a new version of a draft.
    let n = draft(&app, &zjj, "江州市人民政府办公室关于做好冬季供暖的通知", &[]).await;
    let (s, _) = app.post(Some(&zjj), &format!("/api/documents/{n}/save"), json!({"body": "绝密★\n……", "note": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, vs) = app.get(Some(&zjj), &format!("/api/documents/{n}/versions")).await;
    assert_eq!(vs["items"].as_array().unwrap().len(), 1);
}

/// The text of a PDF the API served, as poppler reads it back (whitespace removed).
pub(crate) async fn pdf_text(app: &TestApp, token: &str, path: &str) -> String {
    let r = app.client.get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let file = std::env::temp_dir().join(format!("sanfu-doc-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
    let _ = std::fs::remove_file(&file);
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn document_minutes_print_in_the_minutes_form() {
    let app = spawn_app().await;
    let (m, _, meeting) = crate::meeting::issued_meeting(&app).await;
    let office = app.login("huiyike").await;
    let text = pdf_text(&app, &office, &format!("/api/meetings/{m}/pdf")).await;
    let number = meeting["minutes"]["number"].as_str().unwrap().trim_start_matches("江州市人民政府").to_string();
    assert!(text.contains("江州市人民政府常务会议纪要"), "the red 标志 of a 纪要: {text}");
    assert!(text.contains(&number), "{number} in {text}");
    assert!(text.contains("会议研究了老旧小区加装电梯补助政策"), "{text}");
    assert!(text.contains("出席"), "who attended: {text}");
    // A draft document prints watermarked, its number left blank.
    let zjj = app.login("zjj").await;
    let n = draft(&app, &zjj, "江州市人民政府办公室关于做好冬季供暖的通知", &[]).await;
    let text = pdf_text(&app, &zjj, &format!("/api/documents/{n}/pdf")).await;
    // The watermark 草 稿 lies across every page (poppler reads its two characters apart).
    let pages = text.matches('—').count() / 2;
    assert!(pages >= 1 && text.matches('草').count() >= pages && text.matches('稿').count() >= pages, "watermarked: {text}");
    assert!(text.contains("江政办发〔"), "{text}");
}
