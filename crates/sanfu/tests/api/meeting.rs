//! 会议 through the API: a unit's topic consulted, approved by the leader in charge, screened by
//! the 秘书长 and put on an executive meeting's agenda by the mayor; the notice in every
//! attendee's inbox, the replies, sign-in and the quorum; the minutes drafted, reviewed, signed
//! and issued with their number, each decision opened as a supervision item linked both ways.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap().clone()
}

fn waiting(inbox: &Value, label: &str) -> Vec<String> {
    items(inbox).iter().filter(|i| i["waiting_for"] == label).map(|i| i["item"]["number"].as_str().unwrap_or_default().to_string()).collect()
}

/// A topic of zjj consulting czj (and optionally cgj), proposed; returns its number.
async fn proposed_topic(app: &TestApp, zjj: &str, consulted: &[&str], title: &str) -> String {
    let (s, v) = app
        .post(Some(zjj), "/api/topics", json!({
            "title": title,
            "summary": "拟对全市 2000 年前建成的老旧小区加装电梯给予每台 15 万元补助，资金由市、区按 5:5 分担。",
            "meeting_type": "executive",
            "consulted": consulted,
            "propose": true,
            "attachments": [{"name": "汇报材料.txt", "content_base64": "5rGH5oql5p2Q5paZ"}],
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["item"]["number"].as_str().unwrap().to_string()
}

/// A meeting of the mayor with two vice mayors and the 秘书长, starting in `hours`.
async fn meeting_in(app: &TestApp, office: &str, hours: i64) -> String {
    let (s, v) = app
        .post(Some(office), "/api/meetings", json!({
            "meeting_type": "executive",
            "starts_at": Utc::now() + Duration::hours(hours),
            "place": "市政府第一会议室",
            "chair": "mayor",
            "members": ["vicemayor", "vicemayor2", "mishuzhang"],
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["item"]["number"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn meeting_a_topic_goes_from_proposal_through_consultation_and_approval_onto_an_agenda() {
    let app = spawn_app().await;
    let (zjj, czj, vice, sg, mayor, office, water) = (
        app.login("zjj").await,
        app.login("czj").await,
        app.login("vicemayor").await,
        app.login("mishuzhang").await,
        app.login("mayor").await,
        app.login("huiyike").await,
        app.login("water").await,
    );
    // A draft is the proposing unit's alone: not the consulted unit's, not another unit's, not
    // the office's.
    let (s, v) = app.post(Some(&zjj), "/api/topics", json!({"title": "老旧小区加装电梯补助政策", "summary": "拟定补助标准。", "consulted": ["czj"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let t = v["item"]["number"].as_str().unwrap().to_string();
    assert!(t.starts_with("议〔"), "{t}");
    assert_eq!((v["item"]["state_label"].as_str(), v["item"]["leader"]["name"].as_str()), (Some("草稿"), Some("周海涛")));
    for who in [&czj, &water, &office] {
        assert_eq!(app.get(Some(who), &format!("/api/topics/{t}")).await.0, StatusCode::FORBIDDEN);
        let (_, list) = app.get(Some(who), "/api/topics").await;
        assert!(!items(&list).iter().any(|i| i["number"] == t.as_str()), "a draft is listed to its own unit only");
    }
    let (_, list) = app.get(Some(&zjj), "/api/topics?mine=true").await;
    assert!(items(&list).iter().any(|i| i["number"] == t.as_str()));

    // 报送: the consulted unit finds it in its inbox and answers within three working days.
    let (s, v) = app.post(Some(&zjj), &format!("/api/topics/{t}/propose"), json!({})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("征求意见")), "{v}");
    let (_, inbox) = app.get(Some(&czj), "/api/inbox").await;
    assert_eq!(waiting(&inbox, "议题待会签"), vec![t.clone()], "{inbox}");
    assert_eq!(app.get(Some(&water), &format!("/api/topics/{t}")).await.0, StatusCode::FORBIDDEN, "another unit still cannot read it");
    let (s, v) = app.post(Some(&czj), &format!("/api/topics/{t}/opinion"), json!({"stance": "agree_with_changes", "text": "建议明确区级配套资金的拨付时限。"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["opinions"][0]["stance_label"], "原则同意，有修改意见");
    assert!(v["item"]["missing"].as_array().unwrap().is_empty());
    let (_, inbox) = app.get(Some(&czj), "/api/inbox").await;
    assert!(waiting(&inbox, "议题待会签").is_empty(), "answered, it leaves the inbox");

    // The leader in charge approves (another leader may not), the 秘书长 screens.
    app.post(Some(&zjj), &format!("/api/topics/{t}/submit"), json!({})).await;
    let (_, inbox) = app.get(Some(&vice), "/api/inbox").await;
    assert_eq!(waiting(&inbox, "议题待审核（分管领导）"), vec![t.clone()], "{inbox}");
    let vice2 = app.login("vicemayor2").await;
    assert_eq!(app.post(Some(&vice2), &format!("/api/topics/{t}/approve"), json!({})).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&vice), &format!("/api/topics/{t}/approve"), json!({"comment": "同意提请常务会议研究"})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("待秘书长审核")), "{v}");
    let (_, inbox) = app.get(Some(&sg), "/api/inbox").await;
    assert_eq!(waiting(&inbox, "议题待审核（秘书长）"), vec![t.clone()]);
    let (_, v) = app.post(Some(&sg), &format!("/api/topics/{t}/screen"), json!({})).await;
    assert_eq!(v["item"]["state_label"], "待定上会");
    let (_, inbox) = app.get(Some(&mayor), "/api/inbox").await;
    assert_eq!(waiting(&inbox, "议题待定上会"), vec![t.clone()]);

    // The mayor puts it on the agenda of the next executive meeting.
    let m = meeting_in(&app, &office, 72).await;
    assert!(m.contains("年第") && m.ends_with("次常务会议"), "{m}");
    let (s, v) = app.post(Some(&mayor), &format!("/api/topics/{t}/schedule"), json!({"meeting": m})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let agenda = v["meeting"]["agenda"].as_array().unwrap();
    assert_eq!((agenda.len(), agenda[0]["topic"]["number"].as_str(), agenda[0]["unit"]["name"].as_str()), (1, Some(t.as_str()), Some("市住房和城乡建设局")));
    let (_, v) = app.get(Some(&zjj), &format!("/api/topics/{t}")).await;
    assert_eq!((v["item"]["state_label"].as_str(), v["item"]["meeting"]["number"].as_str()), (Some("已列入议程"), Some(m.as_str())));
    // The unit sees the meeting it must attend, with its materials due.
    let (_, cal) = app.get(Some(&zjj), "/api/meetings").await;
    assert!(items(&cal).iter().any(|i| i["number"] == m.as_str()), "{cal}");
    let (_, cal) = app.get(Some(&water), "/api/meetings").await;
    assert!(!items(&cal).iter().any(|i| i["number"] == m.as_str()), "a unit not attending does not see it");
    let (_, v) = app.get(Some(&zjj), &format!("/api/meetings/{m}")).await;
    assert!(v["item"]["dues"].as_array().unwrap().iter().any(|d| d["name"] == "materials" && d["unit"]["name"] == "市住房和城乡建设局"), "{v}");
    // The whole path is on the topic's timeline.
    let (_, ev) = app.get(Some(&office), &format!("/api/items/{t}/events")).await;
    let actions: Vec<&str> = ev["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["create", "propose", "opinion", "submit", "approve", "screen", "schedule"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn meeting_a_topic_missing_an_opinion_is_refused_a_place_on_the_agenda() {
    let app = spawn_app().await;
    let (zjj, czj, vice, sg, office) =
        (app.login("zjj").await, app.login("czj").await, app.login("vicemayor").await, app.login("mishuzhang").await, app.login("huiyike").await);
    let t = proposed_topic(&app, &zjj, &["czj", "cgj"], "城市更新专项资金管理办法").await;
    app.post(Some(&czj), &format!("/api/topics/{t}/opinion"), json!({"stance": "agree", "text": "同意。"})).await;
    app.post(Some(&zjj), &format!("/api/topics/{t}/submit"), json!({})).await;
    app.post(Some(&vice), &format!("/api/topics/{t}/approve"), json!({})).await;
    app.post(Some(&sg), &format!("/api/topics/{t}/screen"), json!({})).await;
    let m = meeting_in(&app, &office, 72).await;
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/agenda"), json!({"topics": [{"topic": t, "slot": "09:00-09:40"}]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("opinions_missing")), "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("市城市管理局") && !msg.contains("市财政局"), "the message names whose opinion is missing: {msg}");
    // Nothing changed: the topic still waits, the agenda is empty.
    let (_, tv) = app.get(Some(&office), &format!("/api/topics/{t}")).await;
    assert_eq!(tv["item"]["state_label"], "待定上会");
    let (_, mv) = app.get(Some(&office), &format!("/api/meetings/{m}")).await;
    assert!(mv["item"]["agenda"].as_array().unwrap().is_empty());
    // A bad slot and an unknown topic are named too.
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/agenda"), json!({"topics": [{"topic": t, "slot": "九点"}]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_slot")));
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/agenda"), json!({"topics": [{"topic": "议〔2026〕999号"}]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_topic")));
    // Once the opinion is in, it goes on.
    let cgj = app.login("cgj").await;
    app.post(Some(&cgj), &format!("/api/topics/{t}/opinion"), json!({"stance": "disagree", "text": "资金来源不明确。"})).await;
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/agenda"), json!({"topics": [{"topic": t, "slot": "09:00-09:40", "observers": ["czj"]}]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["agenda"][0]["observers"][0]["name"], "市财政局");
}

/// The meeting section takes a meeting with one topic through to issued minutes; returns
/// (meeting number, topic number, the issued meeting).
pub(crate) async fn issued_meeting(app: &TestApp) -> (String, String, Value) {
    let (zjj, czj, vice, sg, mayor, office) = (
        app.login("zjj").await,
        app.login("czj").await,
        app.login("vicemayor").await,
        app.login("mishuzhang").await,
        app.login("mayor").await,
        app.login("huiyike").await,
    );
    let t = proposed_topic(app, &zjj, &["czj"], "老旧小区加装电梯补助政策").await;
    app.post(Some(&czj), &format!("/api/topics/{t}/opinion"), json!({"stance": "agree", "text": "同意。"})).await;
    app.post(Some(&zjj), &format!("/api/topics/{t}/submit"), json!({})).await;
    app.post(Some(&vice), &format!("/api/topics/{t}/approve"), json!({})).await;
    app.post(Some(&sg), &format!("/api/topics/{t}/screen"), json!({})).await;
    let m = meeting_in(app, &office, 1).await;
    let act = |a: &str| format!("/api/meetings/{m}/{a}");
    let (s, v) = app.post(Some(&office), &act("agenda"), json!({"topics": [{"topic": t, "slot": "09:00-09:40", "observers": ["czj"]}]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(Some(&zjj), &act("materials"), json!({"attachments": [{"name": "汇报稿.txt", "content_base64": "5rGH5oql56i/"}]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(Some(&office), &act("notify"), json!({})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("已发通知")), "{v}");
    for (who, inbox_label) in [(&mayor, "会议通知待回复（主持）"), (&vice, "会议通知待回复"), (&czj, "会议通知待回复（列席）")] {
        let (_, inbox) = app.get(Some(who), "/api/inbox").await;
        assert_eq!(waiting(&inbox, inbox_label), vec![m.clone()], "{inbox_label}: {inbox}");
    }
    let (s, v) = app.post(Some(&vice), &act("reply"), json!({"reply": "substitute", "substitute": "市住建局局长 王强", "note": "赴省开会"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, inbox) = app.get(Some(&vice), "/api/inbox").await;
    assert!(waiting(&inbox, "会议通知待回复").is_empty(), "answered, it leaves the inbox");
    app.post(Some(&czj), &act("reply"), json!({"reply": "attend"})).await;
    // Only the mayor signs in: 1 of 4 members present, the meeting is warned of its quorum.
    let (s, v) = app.post(Some(&mayor), &act("sign_in"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["item"]["quorum"]["members"].as_u64(), v["item"]["quorum"]["present"].as_u64(), v["item"]["quorum"]["reached"].as_bool()), (Some(4), Some(1), Some(false)));
    assert!(v["item"]["quorum"]["warning"].as_str().unwrap().contains("未过半数"));
    // The section records two more members arriving: 3 of 4, more than half.
    let (_, v) = app.post(Some(&office), &act("sign_in"), json!({"attendees": [format!("u:{}", user_id(app, "mishuzhang").await), format!("u:{}", user_id(app, "vicemayor2").await)]})).await;
    assert_eq!(v["item"]["quorum"]["reached"], true, "{v}");
    let (s, v) = app.post(Some(&office), &act("convene"), json!({})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("纪要起草")), "{v}");
    let deadline = Utc::now() + Duration::days(90);
    let (s, v) = app.post(Some(&office), &act("draft_minutes"), json!({
        "summary": "会议研究了老旧小区加装电梯补助政策，原则同意。",
        "outcomes": [{"seq": 1, "outcome": "in_principle", "note": "按财政局意见修改后印发",
                      "decisions": [{"text": "市住建局牵头修改完善补助办法，报市政府印发。", "lead_unit": "zjj", "co_units": ["czj"], "deadline": deadline},
                                    {"text": "市财政局落实首批补助资金。", "lead_unit": "czj", "deadline": deadline}]}],
    })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.post(Some(&office), &act("submit_minutes"), json!({})).await;
    let (_, inbox) = app.get(Some(&sg), "/api/inbox").await;
    assert_eq!(waiting(&inbox, "会议纪要待审核"), vec![m.clone()]);
    let (s, v) = app.post(Some(&sg), &act("review_minutes"), json!({"pass": false})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_field")), "sending back needs a reason");
    app.post(Some(&sg), &act("review_minutes"), json!({"pass": true})).await;
    assert_eq!(app.post(Some(&vice), &act("sign_minutes"), json!({"pass": true})).await.0, StatusCode::FORBIDDEN, "only the chair signs");
    let (s, v) = app.post(Some(&mayor), &act("sign_minutes"), json!({"pass": true})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("纪要待印发")), "{v}");
    let (s, v) = app.post(Some(&office), &act("issue"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (m, t, v["item"].clone())
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.actor(username).await.user_id().unwrap().to_string()
}

#[tokio::test]
async fn meeting_minutes_issued_open_each_decision_as_a_supervision_item_linked_both_ways() {
    let app = spawn_app().await;
    let (m, t, meeting) = issued_meeting(&app).await;
    let (office, dck, zjj) = (app.login("huiyike").await, app.login("duchake").await, app.login("zjj").await);
    let number = meeting["minutes"]["number"].as_str().unwrap();
    assert!(number.starts_with("江州市人民政府常务会议纪要〔") && number.ends_with("〕1号"), "{number}");
    assert_eq!(meeting["state_label"], "纪要已印发");
    let decisions = meeting["agenda"][0]["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    let s1 = decisions[0]["supervision"]["number"].as_str().unwrap().to_string();
    assert_eq!(decisions[0]["supervision"]["state_label"], "待签收");
    // The item: source 会议议定事项, the minutes' number, handed to the lead and co-unit, its
    // links to the meeting and the topic; the leader in charge of the topic is its leader.
    let (_, item) = app.get(Some(&dck), &format!("/api/supervision/{s1}")).await;
    let item = &item["item"];
    assert_eq!((item["source_label"].as_str(), item["source_ref"].as_str(), item["leader"].as_str()), (Some("会议议定事项"), Some(number), Some("周海涛")));
    assert_eq!(item["lead_unit"]["name"], "市住房和城乡建设局");
    let links: Vec<(&str, &str)> = item["links"].as_array().unwrap().iter().map(|l| (l["label"].as_str().unwrap(), l["item"]["number"].as_str().unwrap())).collect();
    assert!(links.contains(&("会议议定", m.as_str())) && links.contains(&("会议议定", t.as_str())), "{links:?}");
    // …and both ways: the meeting and the topic show it.
    let (_, mv) = app.get(Some(&office), &format!("/api/items/{m}")).await;
    assert!(mv["item"]["links"].as_array().unwrap().iter().any(|l| l["label"] == "议定事项" && l["item"]["number"] == s1.as_str()), "{mv}");
    let (_, tv) = app.get(Some(&office), &format!("/api/topics/{t}")).await;
    assert_eq!(tv["item"]["state_label"], "已上会");
    assert!(tv["item"]["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == s1.as_str()));
    // The unit signs in its inbox; the meeting's scoreboard follows.
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    assert!(waiting(&inbox, "督办待签收").contains(&s1), "{inbox}");
    app.post(Some(&zjj), &format!("/api/supervision/{s1}/sign"), json!({})).await;
    let (_, mv) = app.get(Some(&office), &format!("/api/meetings/{m}")).await;
    assert_eq!(mv["item"]["agenda"][0]["decisions"][0]["supervision"]["state_label"], "办理中");
    // The ledger, as JSON and as an Excel file.
    let (_, ledger) = app.get(Some(&office), "/api/meetings/decisions").await;
    assert_eq!(items(&ledger).len(), 2);
    let (_, other) = app.get(Some(&office), "/api/meetings/decisions?year=2001&unit=zjj").await;
    assert!(items(&other).is_empty(), "a year without meetings: {other}");
    let (_, mine) = app.get(Some(&zjj), "/api/meetings/decisions?meeting_type=executive").await;
    let mine: Vec<Value> = items(&mine);
    assert_eq!(mine.len(), 1, "a unit reads the decisions it carries out, not the finance bureau's");
    assert_eq!(mine[0]["lead_unit"]["name"], "市住房和城乡建设局");
    assert_eq!(items(&ledger)[0]["minutes_number"], number);
    let res = reqwest::Client::new().get(format!("{}/api/meetings/decisions?format=xlsx", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx file");
    // The topic ledger too.
    let res = reqwest::Client::new().get(format!("{}/api/topics?format=xlsx", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!((res.status(), &res.bytes().await.unwrap()[..2]), (StatusCode::OK, &b"PK"[..]));
    // Found by full-text search through the minutes' words.
    let (_, found) = app.get(Some(&office), "/api/search?q=补助资金").await;
    assert!(found.to_string().contains(m.as_str()), "{found}");
}

#[tokio::test]
async fn meeting_issued_minutes_cannot_be_edited_only_corrected_by_an_erratum() {
    let app = spawn_app().await;
    let (m, _, _) = issued_meeting(&app).await;
    let office = app.login("huiyike").await;
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/draft_minutes"), json!({"summary": "改写"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("minutes_issued")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("勘误"));
    let (_, before) = app.get(Some(&office), &format!("/api/meetings/{m}")).await;
    assert_eq!(before["item"]["minutes"]["summary"], "会议研究了老旧小区加装电梯补助政策，原则同意。", "nothing changed");
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{m}/erratum"), json!({"text": "第二项议定事项中“首批”应为“第一批”。"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let errata = v["item"]["minutes"]["errata"].as_array().unwrap();
    assert_eq!((errata.len(), errata[0]["by"].as_str()), (1, Some("吴晓红")));
    assert_eq!(v["item"]["minutes"]["summary"], "会议研究了老旧小区加装电梯补助政策，原则同意。");
    let zjj = app.login("zjj").await;
    assert_eq!(app.post(Some(&zjj), &format!("/api/meetings/{m}/erratum"), json!({"text": "x"})).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn meeting_pages_show_the_pool_the_calendar_and_the_scoreboard() {
    let app = spawn_app().await;
    let (m, t, meeting) = issued_meeting(&app).await;
    let number = meeting["minutes"]["number"].as_str().unwrap().to_string();
    let (s, page) = app.page("huiyike", &format!("/meetings/{m}")).await;
    assert_eq!(s, StatusCode::OK);
    for want in [m.as_str(), number.as_str(), "老旧小区加装电梯补助政策", "原则通过", "市住建局牵头修改完善补助办法", "李建国", "委托代会", "督〔"] {
        assert!(page.contains(want), "the meeting page shows {want}");
    }
    let (_, page) = app.page("zjj", "/topics").await;
    assert!(page.contains(&t) && page.contains("已上会"), "the pool lists the unit's topic");
    let (_, page) = app.page("huiyike", "/meetings").await;
    assert!(page.contains(&m), "the calendar lists the meeting");
    let (_, page) = app.page("huiyike", "/meetings/decisions").await;
    assert!(page.contains("市财政局落实首批补助资金"));
    let (_, page) = app.page("zjj", &format!("/topics/{t}")).await;
    assert!(page.contains("同意") && page.contains(&m));
    // The leaders' dashboard counts the decisions: two handed out, neither late yet.
    let (_, dash) = app.page("mayor", "/dashboard").await;
    assert!(dash.contains("会议议定事项落实") && dash.contains("正常推进 2 项"), "the dashboard counts the meeting's decisions");
}

#[tokio::test]
async fn meeting_settings_change_the_deadlines_and_bad_values_change_nothing() {
    let app = spawn_app().await;
    let (office, zjj) = (app.login("huiyike").await, app.login("zjj").await);
    let (_, v) = app.get(Some(&office), "/api/admin/meeting-settings").await;
    assert_eq!((v["settings"]["opinion_days"].as_u64(), v["settings"]["agenda_working_days"].as_u64()), (Some(3), Some(2)));
    let mut s = v["settings"].clone();
    s["opinion_days"] = json!(0);
    let (st, e) = app.call(reqwest::Method::PUT, Some(&office), "/api/admin/meeting-settings", Some(s.clone())).await;
    assert_eq!((st, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_meeting_settings")));
    s["opinion_days"] = json!(5);
    assert_eq!(app.call(reqwest::Method::PUT, Some(&zjj), "/api/admin/meeting-settings", Some(s.clone())).await.0, StatusCode::FORBIDDEN);
    let (_, v) = app.get(Some(&office), "/api/admin/meeting-settings").await;
    assert_eq!(v["settings"]["opinion_days"], 3, "refused changes change nothing");
    let (st, _) = app.call(reqwest::Method::PUT, Some(&office), "/api/admin/meeting-settings", Some(s)).await;
    assert_eq!(st, StatusCode::OK);
    // A topic proposed now owes its opinions five working days on.
    let t = proposed_topic(&app, &zjj, &["czj"], "城市更新专项资金管理办法").await;
    let (_, v) = app.get(Some(&zjj), &format!("/api/topics/{t}")).await;
    let due: chrono::DateTime<Utc> = v["item"]["dues"][0]["due_at"].as_str().unwrap().parse().unwrap();
    let cal = sanfu_calendar::Calendar::bundled().unwrap();
    let proposed: chrono::DateTime<Utc> = v["item"]["created_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, cal.add_working_days(proposed, 5).at, "the close of the fifth working day");
    assert_ne!(due, cal.add_working_days(proposed, 3).at);
    let (_, page) = app.page("huiyike", "/meetings").await;
    assert!(page.contains("会议设置") && page.contains("value=\"5\""));
}

#[tokio::test]
async fn meeting_a_topic_sits_on_one_agenda_at_a_time_and_a_cancelled_meeting_gives_it_back() {
    let app = spawn_app().await;
    let (zjj, czj, vice, sg, office) =
        (app.login("zjj").await, app.login("czj").await, app.login("vicemayor").await, app.login("mishuzhang").await, app.login("huiyike").await);
    let t = proposed_topic(&app, &zjj, &["czj"], "城市更新专项资金管理办法").await;
    app.post(Some(&czj), &format!("/api/topics/{t}/opinion"), json!({"stance": "agree", "text": "同意。"})).await;
    app.post(Some(&zjj), &format!("/api/topics/{t}/submit"), json!({})).await;
    app.post(Some(&vice), &format!("/api/topics/{t}/approve"), json!({})).await;
    app.post(Some(&sg), &format!("/api/topics/{t}/screen"), json!({})).await;
    let (a, b) = (meeting_in(&app, &office, 48).await, meeting_in(&app, &office, 96).await);
    let (s, _) = app.post(Some(&office), &format!("/api/meetings/{a}/agenda"), json!({"topics": [{"topic": t}]})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{b}/agenda"), json!({"topics": [{"topic": t}]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("topic_scheduled")), "{v}");
    assert!(v["message"].as_str().unwrap().contains(a.as_str()));
    // A meeting cancelled gives its topics back to wait for another.
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{a}/cancel"), json!({"reason": "主持人另有公务"})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("已取消")), "{v}");
    let (_, tv) = app.get(Some(&office), &format!("/api/topics/{t}")).await;
    assert_eq!((tv["item"]["state_label"].as_str(), tv["item"]["meeting"].is_null()), (Some("待定上会"), true));
    let (s, _) = app.post(Some(&office), &format!("/api/meetings/{b}/agenda"), json!({"topics": [{"topic": t}]})).await;
    assert_eq!(s, StatusCode::OK);
    // Too early to sign in or convene; nobody but the section cancels.
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{b}/notify"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(Some(&office), &format!("/api/meetings/{b}/convene"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("sign_in_not_open")));
    assert_eq!(app.post(Some(&zjj), &format!("/api/meetings/{b}/cancel"), json!({"reason": "x"})).await.0, StatusCode::FORBIDDEN);
}
