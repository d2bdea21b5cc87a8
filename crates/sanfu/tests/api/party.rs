//! 党建 through the API: a branch's 组织生活会 from its notice through preparation and the
//! meeting, its rectification list tracked to the last item and struck off by the secretary,
//! looked back at by the next meeting; an overdue item warned; study hours per member; a
//! "我为群众办实事" project declared, approved, done, struck off and rated by a citizen on the
//! public page.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const BRANCH: &str = "市住房和城乡建设局机关党支部";

fn waiting(inbox: &Value, label: &str) -> Vec<String> {
    inbox["items"].as_array().unwrap().iter().filter(|i| i["waiting_for"] == label).map(|i| i["item"]["number"].as_str().unwrap_or_default().to_string()).collect()
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.post(Some(token), path, body).await;
    assert!(s == StatusCode::OK || s == StatusCode::CREATED, "{path}: {s} {v}");
    v["item"].clone()
}

fn local_day(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d").to_string()
}

/// A meeting of the housing bureau's branch held, with its problem list; its id.
async fn held_meeting(app: &TestApp, secretary: &str, at: chrono::DateTime<Utc>) -> String {
    let m = ok(app, secretary, "/api/party/meetings", json!({"branch": BRANCH, "theme": "深化作风建设 解决群众急难愁盼", "meeting_at": at, "notice_at": at - Duration::days(10), "place": "机关三楼会议室"})).await;
    let id = m["id"].as_str().unwrap().to_string();
    assert_eq!((m["stage"].as_str(), m["short_notice_days"].as_i64()), (Some("planned"), None));
    // Not held before its problem list is drawn up.
    let hold = json!({"attendance": {"present": ["张国强", "李秀英", "王海波", "陈丽"], "absent": ["周明"]},
        "records": {"self_exam": "作为支部书记带头对照检查：抓学习不经常。",
                    "criticisms": [{"member": "张国强", "self_criticism": "调研不够深入。", "criticism": "要多下基层。"}],
                    "analyses": []}});
    let (s, e) = app.post(Some(secretary), &format!("/api/party/meetings/{id}/hold"), hold.clone()).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    let m = ok(app, secretary, &format!("/api/party/meetings/{id}/prepare"), json!({
        "preparation": {"study": "集中学习《纪律处分条例》。", "talks": ["张国强与李秀英：交流服务作风问题"], "opinions": ["群众反映答复不及时"]},
        "problems": [{"scope": "branch", "text": "办事答复不及时"}, {"scope": "member", "member": "王海波", "text": "业务学习不系统"}]})).await;
    assert_eq!(m["stage"], "preparing");
    // The absent member owes a written 党性分析.
    let (s, e) = app.post(Some(secretary), &format!("/api/party/meetings/{id}/hold"), hold.clone()).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_analysis")), "{e}");
    let mut hold = hold;
    hold["records"]["analyses"] = json!([{"member": "周明", "text": "因公出差，书面提交党性分析。"}]);
    let m = ok(app, secretary, &format!("/api/party/meetings/{id}/hold"), hold).await;
    assert_eq!((m["stage"].as_str(), m["attendance"]["absent"][0].as_str()), (Some("held"), Some("周明")));
    id
}

#[tokio::test]
async fn party_rectification_is_tracked_and_struck_off_by_the_secretary_and_looked_back_at() {
    let app = spawn_app().await;
    let (secretary, unit, other) = (app.login("zjj-head").await, app.login("zjj").await, app.login("jyj-head").await);
    // Another unit's head is not this branch's secretary.
    let (s, _) = app.post(Some(&other), "/api/party/meetings", json!({"branch": BRANCH, "theme": "x", "meeting_at": Utc::now() + Duration::days(3), "place": "y"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let id = held_meeting(&app, &secretary, Utc::now() - Duration::days(1)).await;
    let deadline = local_day(Utc::now() + Duration::days(40));
    let r = ok(&app, &secretary, "/api/party/rectifications", json!({"branch": BRANCH, "meeting": id, "scope": "branch", "problem": "办事答复不及时，群众反映较多",
        "measure": "建立限时办结台账，每周通报", "owner": "张国强", "deadline": deadline})).await;
    let n = r["number"].as_str().unwrap().to_string();
    assert!(n.starts_with("整〔"), "{n}");
    assert_eq!((r["state"].as_str(), r["lead_unit"]["name"].as_str()), (Some("rectifying"), Some("市住房和城乡建设局")));
    let (s, e) = app.post(Some(&secretary), "/api/party/rectifications", json!({"branch": BRANCH, "scope": "member", "member": "不存在的人", "problem": "x", "measure": "y", "owner": "z", "deadline": deadline})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_member")));
    assert!(waiting(&app.get(Some(&unit), "/api/inbox").await.1, "整改事项待完成").contains(&n));
    // The secretary (here also the unit's head) has it in hand too.
    let inbox = app.get(Some(&secretary), "/api/inbox").await.1;
    assert!(inbox["items"].as_array().unwrap().iter().any(|i| i["item"]["number"] == n.as_str()));
    assert!(inbox["counts"].as_array().unwrap().iter().any(|c| c["label"] == "整改事项（本支部整改中）" && c["count"].as_i64() >= Some(1)), "{}", inbox["counts"]);

    // The unit reports progress, then completion with evidence; only the secretary strikes it off.
    ok(&app, &unit, &format!("/api/party/rectifications/{n}/progress"), json!({"text": "台账已建立"})).await;
    let (s, e) = app.post(Some(&unit), &format!("/api/party/rectifications/{n}/report"), json!({"text": ""})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_evidence")));
    let evidence = json!({"text": "限时办结台账已运行一个月，附台账截图。", "attachments": [{"name": "台账.txt", "content_base64": "6ZmQ5pe25Yqe57uT5Y+w6LSm"}]});
    let r = ok(&app, &unit, &format!("/api/party/rectifications/{n}/report"), evidence).await;
    assert_eq!((r["state"].as_str(), r["attachments"].as_array().unwrap().len()), (Some("reported"), 1));
    assert!(waiting(&app.get(Some(&secretary), "/api/inbox").await.1, "整改事项待销号").contains(&n));
    assert_eq!(app.post(Some(&unit), &format!("/api/party/rectifications/{n}/strike_off"), json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post(Some(&other), &format!("/api/party/rectifications/{n}/strike_off"), json!({})).await.0, StatusCode::FORBIDDEN);
    ok(&app, &secretary, &format!("/api/party/rectifications/{n}/send_back"), json!({"reason": "佐证不足，请补充制度文件"})).await;
    ok(&app, &unit, &format!("/api/party/rectifications/{n}/report"), json!({"text": "补充了限时办结制度文件。"})).await;
    let r = ok(&app, &secretary, &format!("/api/party/rectifications/{n}/strike_off"), json!({"comment": "对单核查，同意销号"})).await;
    assert_eq!(r["state"], "closed");
    let names = names(&app.get(Some(&secretary), &format!("/api/items/{n}/events")).await.1["events"].as_array().unwrap().clone());
    assert_eq!(names, ["create", "progress", "report", "send_back", "report", "strike_off"]);

    // The next meeting looks back at this one's list.
    let next = ok(&app, &secretary, "/api/party/meetings", json!({"branch": BRANCH, "theme": "年度组织生活会", "meeting_at": Utc::now() + Duration::days(5) - Duration::hours(1), "place": "机关三楼会议室"})).await;
    assert_eq!(next["short_notice_days"], 4, "less than ten days' notice is said");
    let review = &next["review"];
    assert_eq!((review["meeting_id"].as_str(), review["total"].as_i64(), review["closed"].as_i64()), (Some(id.as_str()), Some(1), Some(1)), "{review}");
    // A leader reads the branches of the portfolio's units only.
    assert_eq!(app.get(Some(&app.login("vicemayor").await), &format!("/api/party/meetings/{id}")).await.0, StatusCode::OK);
    assert_eq!(app.get(Some(&app.login("vicemayor2").await), &format!("/api/party/meetings/{id}")).await.0, StatusCode::NOT_FOUND);
    let (_, other) = app.get(Some(&app.login("vicemayor2").await), "/api/party/rectifications").await;
    assert!(!other["items"].as_array().unwrap().iter().any(|i| i["number"] == n.as_str()));
    let (_, list) = app.get(Some(&secretary), "/api/party/meetings").await;
    assert!(list["items"].as_array().unwrap().iter().any(|m| m["id"] == id.as_str() && m["rectified"] == 1));
    let r = app.client.get(format!("{}/api/party/rectifications?format=xlsx", app.base)).bearer_auth(&secretary).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, found) = app.get(Some(&secretary), "/api/search?q=限时办结").await;
    assert!(found["items"].as_array().unwrap().iter().any(|i| i["number"] == n.as_str()), "{found}");
    // The page shows the list and the look back.
    let (_, html) = app.page("zjj-head", &format!("/party/meetings/{}", next["id"].as_str().unwrap())).await;
    assert!(html.contains("pm-review") && html.contains("办事答复不及时"), "回头看 on the page");
    assert!(html.contains("已销号（按期完成）"), "the list says it was done in time");
}

#[tokio::test]
async fn party_rectification_past_its_deadline_is_warned() {
    let app = spawn_app().await;
    let secretary = app.login("zjj-head").await;
    let deadline = local_day(Utc::now() + Duration::days(10));
    let r = ok(&app, &secretary, "/api/party/rectifications", json!({"branch": BRANCH, "scope": "branch", "problem": "学习以读代学", "measure": "建立第一议题制度", "owner": "张国强", "deadline": deadline})).await;
    let n = r["number"].as_str().unwrap().to_string();
    let due: chrono::DateTime<Utc> = r["dues"][0]["due_at"].as_str().unwrap().parse().unwrap();
    let run = app.store.run_warnings(due + Duration::hours(1)).await.unwrap();
    assert_eq!(run.red, 1, "{run:?}");
    let (_, ev) = app.get(Some(&secretary), &format!("/api/items/{n}/events")).await;
    let w = ev["events"].as_array().unwrap().iter().find(|e| e["action"] == "warning").unwrap().clone();
    assert_eq!((w["details"]["level"].as_str(), w["details"]["label"].as_str()), (Some("red"), Some("整改时限")));
}

#[tokio::test]
async fn party_study_records_count_each_members_hours() {
    let app = spawn_app().await;
    let secretary = app.login("zjj-head").await;
    let today = local_day(Utc::now() - Duration::days(1));
    ok(&app, &secretary, "/api/party/study", json!({"branch": BRANCH, "date": today, "form": "collective", "topic": "学习党的创新理论", "hours": 2.0, "attendees": ["张国强、李秀英"], "notes": "领学并交流"})).await;
    ok(&app, &secretary, "/api/party/study", json!({"branch": BRANCH, "date": today, "form": "党课", "topic": "支部书记讲党课", "hours": 1.5})).await;
    for (bad, code) in [
        (json!({"branch": BRANCH, "date": today, "form": "collective", "topic": "x", "hours": 0.3}), "invalid_hours"),
        (json!({"branch": BRANCH, "date": today, "form": "闲聊", "topic": "x", "hours": 1.0}), "invalid_form"),
        (json!({"branch": BRANCH, "date": today, "form": "collective", "topic": "x", "hours": 1.0, "attendees": ["路人甲"]}), "unknown_member"),
        (json!({"branch": BRANCH, "date": local_day(Utc::now() + Duration::days(3)), "form": "collective", "topic": "x", "hours": 1.0}), "invalid_date"),
    ] {
        let (s, e) = app.post(Some(&secretary), "/api/party/study", bad).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{e}");
    }
    let year = &today[..4];
    let (_, l) = app.get(Some(&secretary), &format!("/api/party/study?year={year}&branch={}", BRANCH)).await;
    let ledger = &l["ledger"];
    assert_eq!(ledger["sessions"].as_array().unwrap().len(), 2);
    let hours = |m: &str| ledger["members"].as_array().unwrap().iter().find(|x| x["member"] == m).unwrap()["hours"].as_f64().unwrap();
    assert_eq!((hours("张国强"), hours("王海波")), (3.5, 1.5), "张国强 came to both, 王海波 to the lecture only");
    let r = app.client.get(format!("{}/api/party/study?year={year}&format=xlsx", app.base)).bearer_auth(&secretary).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn party_project_is_struck_off_and_rated_by_a_citizen() {
    let app = spawn_app().await;
    let (office, unit) = (app.login("duchake").await, app.login("cgj").await);
    let deadline = local_day(Utc::now() + Duration::days(120));
    let p = ok(&app, &office, "/api/projects", json!({"title": "背街小巷路灯补亮", "class": "立刻办", "summary": "补亮背街小巷路灯2000盏，咨询电话13912345678。", "unit": "cgj", "deadline": deadline})).await;
    let n = p["number"].as_str().unwrap().to_string();
    assert_eq!(p["state"], "declared");
    assert!(waiting(&app.get(Some(&office), "/api/inbox").await.1, "实事项目待立项").contains(&n));
    // Not public before it is approved.
    let (_, pubs) = app.get(None, "/api/public/projects").await;
    assert!(!pubs["items"].as_array().unwrap().iter().any(|x| x["number"] == n.as_str()));
    assert_eq!(app.post(Some(&unit), &format!("/api/projects/{n}/approve"), json!({})).await.0, StatusCode::FORBIDDEN);
    ok(&app, &office, &format!("/api/projects/{n}/approve"), json!({"comment": "同意立项"})).await;
    assert!(waiting(&app.get(Some(&unit), "/api/inbox").await.1, "实事项目推进中").contains(&n));
    ok(&app, &unit, &format!("/api/projects/{n}/progress"), json!({"percent": 60, "text": "已补亮1200盏"})).await;
    let (_, pubs) = app.get(None, "/api/public/projects").await;
    let pp = pubs["items"].as_array().unwrap().iter().find(|x| x["number"] == n.as_str()).unwrap().clone();
    assert_eq!((pp["progress"].as_i64(), pp["finished"].as_bool()), (Some(60), Some(false)));
    assert!(pp["summary"].as_str().unwrap().contains("139****5678"), "masked on the public page: {}", pp["summary"]);
    // Not rated before it is finished.
    let (s, e) = app.post(None, &format!("/api/public/projects/{n}/rate"), json!({"stars": 5})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("not_finished")));
    ok(&app, &unit, &format!("/api/projects/{n}/report"), json!({"text": "2000盏全部补亮，附验收单。"})).await;
    ok(&app, &office, &format!("/api/projects/{n}/close"), json!({})).await;

    // A citizen rates it, once; a bad rating changes nothing.
    let (s, e) = app.post(None, &format!("/api/public/projects/{n}/rate"), json!({"stars": 9})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_stars")));
    let (s, v) = app.post(None, &format!("/api/public/projects/{n}/rate"), json!({"stars": 4, "comment": "晚上走路亮堂多了"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["item"]["rating_count"].as_i64(), v["item"]["rating_average"].as_f64(), v["item"]["progress"].as_i64()), (Some(1), Some(4.0), Some(100)));
    let (s, e) = app.post(None, &format!("/api/public/projects/{n}/rate"), json!({"stars": 1})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("already_rated")));
    let p = app.get(Some(&office), &format!("/api/projects/{n}")).await.1["item"].clone();
    assert_eq!((p["ratings"]["count"].as_i64(), p["ratings"]["comments"][0]["comment"].as_str()), (Some(1), Some("晚上走路亮堂多了")));
    let names = names(&app.get(Some(&office), &format!("/api/items/{n}/events")).await.1["events"].as_array().unwrap().clone());
    assert_eq!(names, ["create", "approve", "progress", "report", "close", "rate"]);
    // The public page, without login, on a phone's width too (one column, no table).
    let r = app.client.get(format!("{}/projects", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("背街小巷路灯补亮") && html.contains("群众评价 4 星（1 人）") && html.contains("name=\"viewport\""), "public page");
    assert!(!html.contains("13912345678"));
    let r = app.client.get(format!("{}/api/projects?format=xlsx", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
