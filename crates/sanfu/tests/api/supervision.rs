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

    // The lead unit's next report carries the co-unit's since its last, and a file; a file of
    // a type offices do not use is refused and changes nothing.
    let pdf = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9G";
    let (s, v) = app.post(Some(&zjj), &act("report"), json!({"text": "第二期", "attachments": [{"name": "run.exe", "content_base64": "TVqQAAMAAAAEAAAA"}]})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_attachment")), "{v}");
    let (s, v) = app.post(Some(&zjj), &act("report"), json!({"text": "已完成 20 个小区的摸底，附进度表",
        "attachments": [{"name": "进度表.pdf", "content_base64": pdf}]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let att = v["item"]["attachments"][0].clone();
    assert_eq!((att["name"].as_str(), att["content_type"].as_str()), (Some("进度表.pdf"), Some("application/pdf")));
    let (_, ev) = app.get(Some(&office), &format!("/api/supervision/{n}/events")).await;
    let last = ev["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["details"]["co_reports"][0]["text"], "已配合清理 5 处占道", "{last}");
    assert_eq!(last["details"]["attachments"][0]["name"], "进度表.pdf");
    let file = format!("{}/api/items/{n}/attachments/{}", app.base, att["id"].as_str().unwrap());
    let r = app.client.get(&file).bearer_auth(&office).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(app.client.get(&file).bearer_auth(&water).send().await.unwrap().status(), StatusCode::FORBIDDEN);

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
    assert_eq!(actions, ["create", "assign", "sign", "sign", "report", "report", "remind", "report", "request_closure", "review", "request_closure", "review"]);
    let id = item["id"].as_str().unwrap();
    assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), id).await.unwrap(), Ok(12));
    // Unknown actions are named.
    let (s, v) = app.post(Some(&office), &act("explode"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_action")));

    // A leader's new instruction on the struck-off item reopens it (the office carries it out).
    let leader = app.login("vicemayor").await;
    let (s, v) = app.post(Some(&leader), "/api/instructions", json!({"text": "电梯加装进度群众仍有意见，请继续督办。", "unit_ids": ["zjj"], "target": n})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let ins = v["item"]["number"].as_str().unwrap().to_string();
    let (s, v) = app.post(Some(&leader), &format!("/api/instructions/{ins}/supervise"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("target_closed")), "{v}");
    let (s, v) = app.post(Some(&office), &format!("/api/instructions/{ins}/supervise"), json!({})).await;
    assert_eq!((s, v["supervision"].as_str()), (StatusCode::CREATED, Some(n.as_str())), "{v}");
    let (_, v) = app.get(Some(&office), &format!("/api/supervision/{n}")).await;
    assert_eq!((v["item"]["state_label"].as_str(), v["item"]["reopen_count"].as_u64()), (Some("办理中"), Some(1)));
    assert!(v["item"]["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == ins.as_str()), "{v}");
}

/// The whole path from a leader's pen: the vice-mayor instructs two units on a hotline order;
/// each answers in its own inbox; he sees on one page where his instructions stand, and turns
/// one into a supervision item, linked both ways.
#[tokio::test]
async fn a_leaders_instruction_is_answered_by_each_unit_and_opens_a_supervision_item() {
    let app = spawn_app().await;
    let (leader, office, zjj, cgj, water) =
        (app.login("vicemayor").await, app.login("duchake").await, app.login("zjj").await, app.login("cgj").await, app.login("water").await);
    let order = app.order_in("handling", "zjj", "小区电梯停运一个月无人维修").await;
    let order_number = app.order(&office, &order).await["number"].as_str().unwrap().to_string();
    let body = json!({
        "text": "请住建局牵头、城管局配合，一周内拿出电梯维修方案并报我。",
        "unit_ids": ["zjj", "cgj"], "deadline": "2099-01-09T09:30:00Z", "target": order_number,
    });
    // Units do not instruct; a leader only within his portfolio.
    assert_eq!(app.post(Some(&zjj), "/api/instructions", body.clone()).await.0, StatusCode::FORBIDDEN);
    let mut outside = body.clone();
    outside["unit_ids"] = json!(["water"]);
    let (s, v) = app.post(Some(&leader), "/api/instructions", outside).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(Some(&leader), "/api/instructions", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let n = v["item"]["number"].as_str().unwrap().to_string();
    assert!(n.starts_with("批〔") && n.ends_with("〕1号"), "{n}");
    assert_eq!((v["item"]["leader"].as_str(), v["item"]["state_label"].as_str()), (Some("周海涛"), Some("待反馈")));
    // The order shows the instruction written on it.
    let o = app.order(&office, &order).await;
    assert!(o["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == n.as_str() && l["label"] == "领导批示"), "{o}");

    // In each unit's inbox until that unit has answered; not readable by another unit.
    let waits = |inbox: &Value, q: &str| items(inbox).iter().any(|i| i["waiting_for"] == q && i["item"]["number"] == n.as_str());
    assert!(waits(&app.get(Some(&zjj), "/api/inbox").await.1, "批示待反馈"));
    assert!(waits(&app.get(Some(&cgj), "/api/inbox").await.1, "批示待反馈（会办）"));
    assert_eq!(app.get(Some(&water), &format!("/api/instructions/{n}")).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&cgj), &format!("/api/instructions/{n}/answer"), json!({"text": "已安排执法队配合清理楼道。"})).await;
    assert_eq!((s, v["item"]["state_label"].as_str()), (StatusCode::OK, Some("待反馈")), "{v}");
    assert!(!waits(&app.get(Some(&cgj), "/api/inbox").await.1, "批示待反馈（会办）"), "answered: out of cgj's inbox");
    assert!(waits(&app.get(Some(&zjj), "/api/inbox").await.1, "批示待反馈"), "still in zjj's");
    let (s, v) = app.post(Some(&cgj), &format!("/api/instructions/{n}/answer"), json!({"text": "再报"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("already_answered")));
    let (_, mine) = app.get(Some(&leader), "/api/instructions?mine=true").await;
    let row = &mine["items"][0];
    assert_eq!((row["number"].as_str(), row["answered"].as_u64(), row["units"].as_u64()), (Some(n.as_str()), Some(1), Some(2)));

    // 转督办: by the leader who gave it, once; the item names its source and links back.
    assert_eq!(app.post(Some(&zjj), &format!("/api/instructions/{n}/supervise"), json!({})).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&leader), &format!("/api/instructions/{n}/supervise"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let sv = v["supervision"].as_str().unwrap().to_string();
    let (s, v) = app.post(Some(&office), &format!("/api/instructions/{n}/supervise"), json!({})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("already_supervised")));
    let (_, item) = app.get(Some(&office), &format!("/api/supervision/{sv}")).await;
    let item = &item["item"];
    assert_eq!((item["source_label"].as_str(), item["source_ref"].as_str(), item["leader"].as_str()), (Some("领导批示"), Some(n.as_str()), Some("周海涛")));
    assert!(item["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == n.as_str()), "{item}");

    // The last answer completes it; the timeline holds every step.
    let (_, v) = app.post(Some(&zjj), &format!("/api/instructions/{n}/answer"), json!({"text": "维修方案已报市政府。"})).await;
    assert_eq!(v["item"]["state_label"], "已反馈");
    let answers = v["item"]["answers"].as_array().unwrap();
    assert!(answers.iter().all(|a| a["answered_at"].is_string()), "{v}");
    let (_, ev) = app.get(Some(&leader), &format!("/api/items/{n}/events")).await;
    let actions: Vec<&str> = ev["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "link", "answer", "link", "supervise", "answer"]);
    // Found by its words.
    let (_, found) = app.get(Some(&office), "/api/search?q=电梯维修方案").await;
    assert!(found.to_string().contains(&n), "{found}");

    // The leader's page lists it with its answers; the instruction's page shows each answer.
    let (s, page) = app.page("vicemayor", "/instructions").await;
    assert_eq!(s, StatusCode::OK);
    for want in [n.as_str(), "周海涛", "2 / 2", "已反馈", "form-ins-new"] {
        assert!(page.contains(want), "the leader's page shows {want}");
    }
    let (_, page) = app.page("vicemayor", &format!("/instructions/{n}")).await;
    for want in ["已安排执法队配合清理楼道。", "维修方案已报市政府。", "市住房和城乡建设局（主办）", &sv, &order_number] {
        assert!(page.contains(want), "the instruction's page shows {want}");
    }
    assert!(!app.page("zjj", "/instructions").await.1.contains("form-ins-new"), "units do not instruct");
    // The 批示台账 in Excel.
    let r = app.client.get(format!("{}/api/instructions?format=xlsx&mine=true", app.base)).bearer_auth(&leader).send().await.unwrap();
    let rows = below_heading(sanfu_store::admin::read_table(&r.bytes().await.unwrap()).unwrap(), "江州市批示台账");
    assert_eq!(rows[0][..3], ["编号", "批示内容", "批示领导"]);
    assert!(rows.iter().any(|r| r[0] == n && r[2] == "周海涛" && r[5] == "2" && r[6] == "已反馈"), "{rows:?}");
    assert_eq!(app.page("water", &format!("/instructions/{n}")).await.0, StatusCode::FORBIDDEN);
}

/// The escalation ladder on the working-day calendar, across the 2026 National Day holiday: a
/// weekly report missed before the holiday brings a 催办单; the next week's report is due on
/// the adjusted working Saturday (10 October), not the Friday, so no 督办通知单 comes before
/// it has truly been missed; then a yellow card near the deadline and a red card after it —
/// each once, however often the sweep runs. The item is then closed with evidence and struck off.
#[tokio::test]
async fn a_late_report_brings_a_reminder_then_a_notice_then_cards_on_the_working_day_calendar() {
    use sanfu_domain::supervision::Action as S;
    let app = spawn_app().await;
    let (office, zjj, cgj) = (app.actor("duchake").await, app.actor("zjj").await, app.actor("cgj").await);
    let input = sanfu_store::supervision::SupervisionInput {
        title: Some("国庆前后燃气管网安全隐患排查整治".into()),
        requirements: Some("逐户排查老旧燃气管线，每周报送进展。".into()),
        source: Some("rectification".into()),
        ..Default::default()
    };
    let n = app.store.create_supervision(&input, &office).await.unwrap().item.number;
    let t0 = cst(2026, 9, 28, 9, 0);
    let assign = S::Assign {
        lead: app.store.unit_ref("zjj").await.unwrap(),
        co: vec![app.store.unit_ref("cgj").await.unwrap()],
        deadline: cst(2026, 10, 30, 17, 30),
        cycle: sanfu_domain::kernel::ReportCycle::parse("每周").unwrap(),
        milestones: vec![],
    };
    app.store.act_supervision(&n, &office, &assign, Some(t0)).await.unwrap();
    for who in [&zjj, &cgj] {
        app.store.act_supervision(&n, who, &S::Sign, Some(t0 + chrono::Duration::hours(1))).await.unwrap();
    }
    // cgj reports for the first week on time; zjj does not.
    app.store.act_supervision(&n, &cgj, &S::Report { text: "已排查 300 户".into(), milestone: None }, Some(cst(2026, 9, 30, 10, 0))).await.unwrap();

    let sweep = |at| { let s = app.store.clone(); async move { s.run_supervision_sweep(at).await.unwrap() } };
    let none = sanfu_store::supervision::LadderRun::default();
    assert_eq!(sweep(cst(2026, 9, 30, 17, 0)).await, none, "before the week's report is due");
    let r = sweep(cst(2026, 10, 2, 9, 0)).await;
    assert_eq!((r.reminders, r.notices), (1, 0), "zjj missed the report due 30 September: a 催办单");
    assert_eq!(sweep(cst(2026, 10, 3, 9, 0)).await, none, "never twice");
    // The second week's report is due on Saturday 10 October (an adjusted working day).
    assert_eq!(sweep(cst(2026, 10, 10, 12, 0)).await.notices, 0, "not yet missed on the 10th at noon");
    let r = sweep(cst(2026, 10, 12, 9, 0)).await;
    assert_eq!(r.notices, 1, "zjj's second miss: a 督办通知单");
    assert_eq!(r.reminders, 1, "cgj's first miss: its own 催办单");

    // Near the deadline and behind: yellow cards; past it: a red card to the lead unit.
    let r = sweep(cst(2026, 10, 28, 9, 0)).await;
    assert_eq!((r.yellow_cards, r.red_cards), (2, 0), "{r:?}");
    let r = sweep(cst(2026, 11, 2, 9, 0)).await;
    assert_eq!((r.yellow_cards, r.red_cards), (0, 1), "{r:?}");
    assert_eq!(sweep(cst(2026, 11, 3, 9, 0)).await.red_cards, 0);

    let staff = office.staff().unwrap();
    let item = app.store.supervision_for(&n, staff).await.unwrap().item;
    let cards: Vec<(&str, &str)> = item.cards.iter().map(|c| (c.colour.as_str(), c.unit_id.as_str())).collect();
    let zjj_id = app.store.unit_ref("zjj").await.unwrap().id;
    assert_eq!(cards.iter().filter(|c| c.1 == zjj_id).map(|c| c.0).collect::<Vec<_>>(), ["yellow", "red"]);
    let events = app.store.supervision_events(&n, staff).await.unwrap();
    let forms: Vec<String> = events
        .iter()
        .filter(|e| e.action == "remind" || e.action == "notice")
        .map(|e| format!("{}:{}", e.details["form"].as_str().unwrap_or(""), e.details["unit_name"].as_str().unwrap_or("")))
        .collect();
    // cgj's second miss (the week of 12 October) brought its notice with the yellow cards.
    assert_eq!(forms, ["催办单:市住房和城乡建设局", "督办通知单:市住房和城乡建设局", "催办单:市城市管理局", "督办通知单:市城市管理局"]);
    assert!(events.iter().filter(|e| e.action == "remind").all(|e| e.actor_id.is_none()), "the sweep acts, not a person");

    // Closed with evidence, reviewed, struck off; the ladder stops with it.
    app.store.act_supervision(&n, &zjj, &S::RequestClosure { evidence: "已完成全部 1200 户排查整治，附整改台账。".into() }, Some(cst(2026, 11, 4, 9, 0))).await.unwrap();
    let v = app.store.act_supervision(&n, &office, &S::Review { pass: true, comment: None }, Some(cst(2026, 11, 5, 9, 0))).await.unwrap();
    assert_eq!(v.item.state_label, "已销号");
    assert_eq!(sweep(cst(2026, 12, 1, 9, 0)).await, none);
}

/// Money that arrived and was not paid out is warned of once after the configured number of
/// working days, and the funds page shows it by unit and by item.
#[tokio::test]
async fn funds_left_unpaid_are_warned_of_and_shown_by_unit_and_item() {
    let app = spawn_app().await;
    let (office, zjj, cgj) = (app.login("duchake").await, app.login("zjj").await, app.login("cgj").await);
    let (_, v) = app.post(Some(&office), "/api/supervision", json!({
        "title": "城乡低保资金按时足额发放", "requirements": "到位资金 20 个工作日内拨付到户。", "source": "practical_project",
    })).await;
    let n = v["item"]["number"].as_str().unwrap().to_string();
    app.post(Some(&office), &format!("/api/supervision/{n}/assign"), json!({
        "lead_unit_id": "zjj", "co_unit_ids": ["cgj"], "deadline": "2099-12-31T09:30:00Z", "cycle": "每月",
    })).await;
    let funds = format!("/api/supervision/{n}/funds");
    let (s, v) = app.post(Some(&zjj), &funds, json!({"entry": "arrival", "on_date": "2026-09-01", "amount": "1,200,000", "party": "省财政厅"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["entry"]["amount_wan"], "120.00");
    app.post(Some(&zjj), &funds, json!({"entry": "payment", "on_date": "2026-09-10", "amount": "200000", "party": "东湖区民政局"})).await;
    // Bad entries are named and change nothing; a co-unit does not keep the books.
    for (body, code) in [
        (json!({"entry": "payment", "on_date": "2026-09-11", "amount": "1000001", "party": "x"}), "payment_exceeds_arrivals"),
        (json!({"entry": "arrival", "on_date": "2026-09-11", "amount": "12.345", "party": "x"}), "invalid_amount"),
        (json!({"entry": "arrival", "on_date": "2099-01-01", "amount": "1", "party": "x"}), "date_in_future"),
        (json!({"entry": "gift", "on_date": "2026-09-11", "amount": "1", "party": "x"}), "invalid_entry"),
    ] {
        let (s, v) = app.post(Some(&zjj), &funds, body).await;
        assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)));
    }
    assert_eq!(app.post(Some(&cgj), &funds, json!({"entry": "arrival", "on_date": "2026-09-11", "amount": "1", "party": "x"})).await.0, StatusCode::FORBIDDEN);
    let (_, v) = app.get(Some(&zjj), &funds).await;
    let f = &v["funds"];
    assert_eq!((f["arrived_fen"].as_i64(), f["paid_fen"].as_i64(), f["unpaid_fen"].as_i64()), (Some(120_000_000), Some(20_000_000), Some(100_000_000)));
    assert_eq!((f["oldest_unpaid"].as_str(), f["overdue"].as_bool()), (Some("2026-09-01"), Some(true)), "{f}");
    // Twenty working days after 1 September, counted past the National Day holiday: not yet on
    // 29 September, but on 30 September (the twenty-first working day).
    let run = |at| { let s = app.store.clone(); async move { s.run_supervision_sweep(at).await.unwrap().unpaid_warnings } };
    assert_eq!(run(cst(2026, 9, 29, 10, 0)).await, 0);
    assert_eq!(run(cst(2026, 9, 30, 10, 0)).await, 1);
    assert_eq!(run(cst(2026, 10, 9, 10, 0)).await, 0, "once");
    let (_, ev) = app.get(Some(&office), &format!("/api/supervision/{n}/events")).await;
    let w = ev["events"].as_array().unwrap().iter().find(|e| e["action"] == "funds_warning").unwrap().clone();
    assert_eq!(w["details"]["unpaid_wan"], "100.00");
    let (_, sum) = app.get(Some(&office), "/api/supervision/funds").await;
    assert_eq!((sum["by_unit"][0]["unit"].as_str(), sum["by_unit"][0]["unpaid_wan"].as_str()), (Some("市住房和城乡建设局"), Some("100.00")), "{sum}");
    assert_eq!((sum["by_item"][0]["number"].as_str(), sum["overdue_items"].as_u64()), (Some(n.as_str()), Some(1)));
    // Another unit's summary holds nothing of it.
    let (_, sum) = app.get(Some(&app.login("water").await), "/api/supervision/funds").await;
    assert_eq!(sum["by_item"].as_array().unwrap().len(), 0);

    // The funds page, the item's books and the leader's dashboard all show the money sitting.
    let (_, page) = app.page("duchake", "/supervision/funds").await;
    assert!(page.contains("市住房和城乡建设局") && page.contains("100.00") && page.contains(&n), "funds page");
    let (_, page) = app.page("zjj", &format!("/supervision/{n}")).await;
    assert!(page.contains("省财政厅") && page.contains("form-sv-funds") && page.contains("未拨付 100.00 万元"), "the item's books");
    assert!(!app.page("cgj", &format!("/supervision/{n}")).await.1.contains("form-sv-funds"), "a co-unit keeps no books");
    let (_, page) = app.page("vicemayor", "/dashboard").await;
    assert!(page.contains("滞留未拨付 100.00 万元"), "the leader's dashboard");
}

/// An .xlsx workbook of `rows` (the first is the header), as an office fills in the template.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The government work report's tasks from a spreadsheet: a file with bad rows is refused whole
/// with each row's problem in Chinese; a clean one opens and hands out every task; the ledger
/// filters them and exports them to Excel, and the assessment counts them per unit.
#[tokio::test]
async fn the_annual_task_list_is_imported_from_a_spreadsheet_only_when_every_row_is_right() {
    let app = spawn_app().await;
    let (office, zjj, water) = (app.login("duchake").await, app.login("zjj").await, app.login("water").await);
    let header: &[&str] = &["任务名称", "督办要求", "牵头单位", "配合单位", "完成时限", "节点", "报送周期", "责任领导"];
    let bad = workbook(&[
        header,
        &["新建城市道路 120 公里", "", "市住房和城乡建设局", "市城市管理局", "2099-12-31", "2099-06-30 完成 60 公里", "每月5日前", "周海涛"],
        &["新增城镇就业 5 万人", "", "市人社局", "", "2099-12-31", "", "每月", ""],
        &["建成口袋公园 30 个", "", "市城市管理局", "市住房和城乡建设局", "明年年底", "", "每周", ""],
        &["老旧小区改造 80 个", "", "市住房和城乡建设局", "", "2099-12-31", "2099-13-01 开工", "每两天", "张三"],
    ]);
    let post = |body: Vec<u8>, dry: bool| {
        let (app, office) = (&app, office.clone());
        async move {
            let r = app.client.post(format!("{}/api/supervision/import?dry_run={dry}", app.base)).bearer_auth(&office)
                .header("content-type", XLSX).body(body).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = post(bad, false).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_rows")), "{v}");
    let errors: Vec<(u64, String)> =
        v["result"]["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_u64().unwrap(), e["message"].as_str().unwrap().to_string())).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[0], (3, "牵头单位“市人社局”不存在".to_string()));
    assert_eq!(errors[1], (4, "完成时限“明年年底”不是有效日期（如 2026-12-31）".to_string()));
    assert!(errors[2].1.contains("节点“2099-13-01 开工”的日期无效") && errors[2].1.contains("报送周期“每两天”无效") && errors[2].1.contains("责任领导“张三”不存在"), "{errors:?}");
    assert_eq!(app.get(Some(&office), "/api/supervision").await.1["total"], 0, "nothing imported");

    let good = workbook(&[
        header,
        &["新建城市道路 120 公里", "年底前建成通车", "市住房和城乡建设局", "市城市管理局", "2099-12-31", "2099-06-30 完成 60 公里；2099-09-30 完成 100 公里", "每月5日前", "周海涛"],
        &["建成口袋公园 30 个", "", "市城市管理局", "", "2099/10/1", "", "每旬", ""],
    ]);
    let (s, v) = post(good.clone(), true).await;
    assert_eq!((s, v["message"].as_str()), (StatusCode::OK, Some("检查通过：可导入 2 项任务")), "{v}");
    assert_eq!(app.get(Some(&office), "/api/supervision").await.1["total"], 0, "a preview writes nothing");
    let (s, v) = post(good, false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let numbers = v["result"]["numbers"].as_array().unwrap().clone();
    assert_eq!(numbers.len(), 2);

    // Handed out at once: in the lead unit's inbox, with the milestones and the cycle.
    let (_, item) = app.get(Some(&zjj), &format!("/api/supervision/{}", numbers[0].as_str().unwrap())).await;
    assert_eq!((item["item"]["state_label"].as_str(), item["item"]["cycle"].as_str(), item["item"]["source_label"].as_str()), (Some("待签收"), Some("每月5日前"), Some("政府工作报告重点任务")));
    assert_eq!(item["item"]["leader"], "周海涛");

    // The ledger's filters, and the unit's own view.
    let total = |q: &str| {
        let (app, office) = (&app, office.clone());
        let q = q.to_string();
        async move { app.get(Some(&office), &format!("/api/supervision?{q}")).await.1["total"].as_i64().unwrap() }
    };
    assert_eq!(total("source=work_report_task").await, 2);
    assert_eq!(total("source=major_project").await, 0);
    assert_eq!(total("unit=cgj").await, 2, "leads one, helps with the other");
    assert_eq!(total("unit=市城市管理局").await, 2, "by its name too");
    assert_eq!(total("leader=vicemayor").await, 1);
    assert_eq!(total("state=assigned&card=red").await, 0);
    let (s, v) = app.get(Some(&office), "/api/supervision?card=purple").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_card_filter")));
    assert_eq!(app.get(Some(&water), "/api/supervision").await.1["total"], 0);

    // The ledger in Excel: the rows the office sees, in Chinese.
    let r = app.client.get(format!("{}/api/supervision?format=xlsx&source=work_report_task", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rows = below_heading(sanfu_store::admin::read_table(&r.bytes().await.unwrap()).unwrap(), "江州市督办台账");
    assert_eq!(rows[0][..4], ["编号", "事项名称", "来源", "来源文号"]);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().any(|r| r[1] == "建成口袋公园 30 个" && r[5] == "市城市管理局" && r[7] == "待签收"), "{rows:?}");

    // The assessment counts each unit's items (the default period is the last whole month,
    // before these were imported); the bulletin downloads as a workbook.
    let today = chrono::Utc::now().with_timezone(&sanfu_calendar::china_offset()).date_naive();
    let this_month = format!("from={}&to={today}", today - chrono::Duration::days(20));
    let (_, a) = app.get(Some(&office), "/api/supervision/assessment").await;
    assert!(a["units"].as_array().unwrap().is_empty(), "nothing held last month: {a}");
    let (_, a) = app.get(Some(&office), &format!("/api/supervision/assessment?{this_month}")).await;
    let cgj = a["units"].as_array().unwrap().iter().find(|u| u["unit"] == "市城市管理局").unwrap().clone();
    assert_eq!((cgj["items"].as_u64(), cgj["score"].as_i64()), (Some(2), Some(100)), "{a}");
    let (s, v) = app.get(Some(&office), "/api/supervision/assessment?from=2026-13-01").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_date")));
    let r = app.client.get(format!("{}/api/supervision/assessment?format=xlsx", app.base)).bearer_auth(&office).send().await.unwrap();
    let rows = below_heading(sanfu_store::admin::read_table(&r.bytes().await.unwrap()).unwrap(), "江州市");
    assert_eq!(rows[0][..3], ["名次", "单位", "承办事项"]);
    // A unit reads only its own line.
    let (_, a) = app.get(Some(&zjj), &format!("/api/supervision/assessment?{this_month}")).await;
    assert_eq!(a["units"].as_array().unwrap().len(), 1, "{a}");

    // The pages: the ledger filtered, the bulletin, the import form.
    let (s, page) = app.page("duchake", "/supervision?unit=cgj").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("共 2 项") && page.contains("建成口袋公园 30 个") && page.contains("form-sv-new"), "the ledger");
    let (_, page) = app.page("water", "/supervision").await;
    assert!(page.contains("共 0 项") && !page.contains("form-sv-new"), "another unit's ledger is empty and it opens nothing");
    let (_, page) = app.page("duchake", &format!("/supervision/assessment?{this_month}")).await;
    assert!(page.contains("督 查 通 报") && page.contains("市城市管理局"), "the bulletin");
    assert_eq!(app.page("zjj", "/supervision/import").await.0, StatusCode::FORBIDDEN);
}

/// Every number of the ladder is the office's to change: refused to a unit, checked, recorded,
/// and then what the sweep does.
#[tokio::test]
async fn the_supervision_settings_are_changed_by_the_office_and_the_sweep_follows_them() {
    use sanfu_domain::supervision::Action as S;
    let app = spawn_app().await;
    let (office, zjj) = (app.login("duchake").await, app.login("zjj").await);
    let path = "/api/admin/supervision-settings";
    let (_, v) = app.get(Some(&office), path).await;
    assert_eq!((v["settings"]["notice_after_misses"].as_u64(), v["settings"]["unpaid_days"].as_u64()), (Some(2), Some(20)));
    let mut quiet = v["settings"].clone();
    quiet["remind_after_misses"] = json!(0);
    quiet["notice_after_misses"] = json!(0);
    let (s, _) = app.call(reqwest::Method::PUT, Some(&zjj), path, Some(quiet.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = quiet.clone();
    bad["warn_percent"] = json!(5);
    let (s, v) = app.call(reqwest::Method::PUT, Some(&office), path, Some(bad)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_settings")));
    let (s, _) = app.call(reqwest::Method::PUT, Some(&office), path, Some(quiet)).await;
    assert_eq!(s, StatusCode::OK);

    // An item whose lead unit misses its weekly reports: no 催办单, no 督办通知单 now.
    let actor = app.actor("duchake").await;
    let input = sanfu_store::supervision::SupervisionInput {
        title: Some("背街小巷改造".into()), requirements: Some("每周报送".into()), source: Some("work_report_task".into()), ..Default::default()
    };
    let n = app.store.create_supervision(&input, &actor).await.unwrap().item.number;
    let assign = S::Assign {
        lead: app.store.unit_ref("zjj").await.unwrap(), co: vec![], deadline: cst(2026, 12, 31, 17, 30),
        cycle: sanfu_domain::kernel::ReportCycle::parse("每周").unwrap(), milestones: vec![],
    };
    app.store.act_supervision(&n, &actor, &assign, Some(cst(2026, 11, 2, 9, 0))).await.unwrap();
    let r = app.store.run_supervision_sweep(cst(2026, 11, 20, 9, 0)).await.unwrap();
    assert_eq!((r.reminders, r.notices), (0, 0), "{r:?}");
    // The settings page shows what is in force; a unit may not open it.
    let (s, page) = app.page("duchake", "/supervision/settings").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("form-sv-settings") && page.contains("name=\"notice_after_misses\" min=\"0\" max=\"10\" value=\"0\""), "the page shows 0");
    assert_eq!(app.page("zjj", "/supervision/settings").await.0, StatusCode::FORBIDDEN);
    // The change is in the audit trail.
    let n_events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE entity_id = 'settings' AND action = 'set_supervision_settings'")
        .fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(n_events, 1);
}

/// The table of an exported sheet, below the heading the file starts with (its title first,
/// then the period and filters, who took it and when).
fn below_heading(rows: Vec<Vec<String>>, title: &str) -> Vec<Vec<String>> {
    assert!(rows[0][0].starts_with(title), "the file says what it is: {:?}", rows[0]);
    rows.into_iter().skip_while(|r| r.iter().skip(1).all(|c| c.is_empty())).collect()
}
