//! The kernel on a kind of work it has never heard of: a fire drill's rectification, declared
//! here and nowhere else, is numbered, waits in the right unit's inbox, is warned by the sweep
//! when late, is chained in the event log and leaves the hotline's figures alone.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sanfu_domain::kernel::{
    Assignment, AssignmentRole, Due, DueKey, DueState, From, Item, Kind, KindSpec, Numbering, Party, Period, Queue,
    Rule, To,
};
use sanfu_domain::limits::Limit;
use serde_json::{Value, json};

use crate::helpers::*;

sanfu_domain::labelled_enum!(
    Drill {
        Open = "open" / "待整改",
        Done = "done" / "已整改",
    }
);

sanfu_domain::kind_states!(Drill, ends: [Done]);

/// Two states, one due date owed by each unit, two rules; numbered without gaps.
struct FireDrill;

impl Kind for FireDrill {
    type State = Drill;
    const NAME: &'static str = "fire_drill";
    const LABEL: &'static str = "消防演练整改";
    const NOUN: &'static str = "整改事项";
    const INITIAL: Drill = Drill::Open;
    const NUMBERING: Numbering = Numbering { format: "演〔{year}〕{n}号", period: Period::Year, gapless: true };
    const RULES: &'static [Rule<Drill>] = &[
        Rule { action: "report", label: "报告整改", who: &[Party::LeadUnit], from: From::These(&[Drill::Open]), to: To::One(Drill::Done) },
        Rule { action: "remark", label: "批注", who: &[Party::Office], from: From::AnyOpen, to: To::Same },
    ];
    const DUES: &'static [Due<Drill>] = &[Due { name: "report", label: "整改时限", runs_in: &[Drill::Open], paces: true }];
    const QUEUES: &'static [Queue<Drill>] = &[
        Queue { code: "to_report", label: "待报告整改", states: &[Drill::Open], party: Party::LeadUnit, pending_extension: false, unit_pending: false },
        Queue { code: "to_help", label: "配合整改", states: &[Drill::Open], party: Party::CoUnit, pending_extension: false, unit_pending: false },
    ];
}

/// The same, numbered fast (a failure may leave a gap): the series of the hotline's kind.
struct Notice;

impl Kind for Notice {
    type State = Drill;
    const NAME: &'static str = "notice";
    const LABEL: &'static str = "通知";
    const NOUN: &'static str = "通知";
    const INITIAL: Drill = Drill::Open;
    const NUMBERING: Numbering = Numbering { format: "{code}〔{year}〕{n:03}号", period: Period::Year, gapless: false };
    const RULES: &'static [Rule<Drill>] = FireDrill::RULES;
    const DUES: &'static [Due<Drill>] = FireDrill::DUES;
    const QUEUES: &'static [Queue<Drill>] = &[];
}

async fn unit_id(app: &TestApp, code: &str) -> String {
    app.store.unit(code).await.unwrap().unwrap().id
}

/// A drill item led by `lead` (with `co` helping), its report owed by the lead unit
/// `days` working days after `start`.
async fn drill(app: &TestApp, lead: &str, co: Option<&str>, start: chrono::DateTime<Utc>, days: u32) -> Item<Drill> {
    let cal = app.store.calendar();
    let mut item = Item::new(Drill::Open, start);
    let lead = unit_id(app, lead).await;
    item.assignments.push(Assignment::new(&lead, AssignmentRole::Lead, start));
    if let Some(c) = co {
        item.assignments.push(Assignment::new(&unit_id(app, c).await, AssignmentRole::Co, start));
    }
    item.dues.insert(DueKey { name: "report".into(), unit_id: lead, seq: 1 }, DueState::after(start, &Limit::working_days(days), &cal, 80));
    item
}

/// What a refusal says to the user.
fn refusal(e: sanfu_store::StoreError) -> String {
    match e {
        sanfu_store::StoreError::Domain(d) => d.message,
        other => panic!("not a refusal: {other}"),
    }
}

fn year() -> i32 {
    use chrono::Datelike;
    Utc::now().with_timezone(&sanfu_calendar::china_offset()).year()
}

#[tokio::test]
async fn a_kind_the_kernel_never_heard_of_is_numbered_queued_warned_and_chained() {
    let app = spawn_app().await;
    app.store.register_kind(KindSpec::of::<FireDrill>());
    let office = app.actor("duchake").await;
    let disp = app.login("dispatcher").await;
    let (zjj, cgj) = (app.login("zjj").await, app.login("cgj").await);

    // The hotline's own figures, before any drill exists.
    let today = Utc::now().with_timezone(&sanfu_calendar::china_offset()).format("%Y-%m-%d").to_string();
    let figures = async |app: &TestApp| {
        let (_, s) = app.get(Some(&disp), &format!("/api/stats?unit_id=zjj&from={today}&to={today}")).await;
        let (_, r) = app.get(Some(&disp), &format!("/api/stats/ranking?month={}", &today[..7])).await;
        let (_, c) = app.get(Some(&zjj), "/api/inbox/counts").await;
        let hotline: Vec<Value> = c["counts"].as_array().unwrap().iter().filter(|q| q["kind"] == "work_order").cloned().collect();
        (s["counts"].clone(), s["rates"].clone(), r, hotline)
    };
    let before = figures(&app).await;

    // One drill already late (two working days from a fortnight ago), one with time to spare.
    let late = drill(&app, "zjj", Some("cgj"), Utc::now() - Duration::days(14), 2).await;
    let late = app.store.create_item::<FireDrill>(&office, "", "消防通道堵塞整改", &late, json!({})).await.unwrap();
    let spare = drill(&app, "zjj", None, Utc::now(), 10).await;
    let spare = app.store.create_item::<FireDrill>(&office, "", "灭火器过期更换", &spare, json!({})).await.unwrap();
    let y = year();
    assert_eq!((late.number.as_str(), spare.number.as_str()), (format!("演〔{y}〕1号").as_str(), format!("演〔{y}〕2号").as_str()));
    assert_eq!((late.kind, late.state_label, late.kind_label), ("fire_drill", "待整改", "消防演练整改"));

    // The lead unit's inbox holds both, the late one first; the co-unit's holds the one it helps.
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    let drills: Vec<&Value> = inbox["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "fire_drill").collect();
    assert_eq!(drills.iter().map(|i| i["item"]["number"].as_str().unwrap()).collect::<Vec<_>>(), [late.number.as_str(), spare.number.as_str()]);
    assert_eq!(drills[0]["waiting_for"], "待报告整改");
    assert_eq!(drills[0]["item"]["level"], "red");
    assert_eq!(drills[0]["item"]["due_label"], "整改时限");
    assert!(drills[0].get("order").is_none(), "a drill has no hotline line: {}", drills[0]);
    let (_, inbox) = app.get(Some(&cgj), "/api/inbox").await;
    let helping: Vec<&str> = inbox["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "fire_drill").map(|i| i["waiting_for"].as_str().unwrap()).collect();
    assert_eq!(helping, ["配合整改"]);
    let water = app.login("water").await;
    let (_, inbox) = app.get(Some(&water), "/api/inbox").await;
    assert!(inbox["items"].as_array().unwrap().iter().all(|i| i["kind"] != "fire_drill"), "another unit sees none: {inbox}");
    assert_eq!(app.get(Some(&water), &format!("/api/items/{}", late.number)).await.0, StatusCode::FORBIDDEN);

    // The item as its lead unit reads it: what the table lets it do now.
    let (s, v) = app.get(Some(&zjj), &format!("/api/items/{}", late.number)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["item"]["allowed_actions"], json!(["report"]));
    assert_eq!(v["item"]["dues"][0]["unit"]["name"], "市住房和城乡建设局");
    assert_eq!(v["item"]["dues"][0]["level"], "red");
    let duchake = app.login("duchake").await;
    assert_eq!(app.get(Some(&duchake), &format!("/api/items/{}", late.number)).await.1["item"]["allowed_actions"], json!(["remark"]));

    // Found by full-text search, by those who may see it only.
    let (_, found) = app.get(Some(&zjj), "/api/search?q=消防通道").await;
    assert_eq!(found["items"][0]["number"], late.number.as_str(), "{found}");
    let (_, found) = app.get(Some(&water), "/api/search?q=消防通道").await;
    assert_eq!(found["total"], 0, "{found}");
    assert_eq!(app.get(Some(&zjj), "/api/search?q=%20").await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // On the desk: the unit's inbox links the item's own page; the leader's dashboard counts it.
    let (_, desk) = app.page("zjj", "/desk").await;
    assert!(desk.contains(&format!("href=\"/items/{}\"", late.number)), "the inbox row links the item");
    let (s, page) = app.page("zjj", &format!("/items/{}", late.number)).await;
    assert_eq!(s, StatusCode::OK);
    for want in ["消防演练整改", "消防通道堵塞整改", "待整改", "整改时限", "超期", "市住房和城乡建设局"] {
        assert!(page.contains(want), "the item page shows {want}");
    }
    let (_, dash) = app.page("vicemayor", "/dashboard").await;
    assert!(dash.contains("<td>消防演练整改</td><td class=\"num\">2</td>"), "two open drills on the dashboard");

    // The sweep warns the late one once, red, against the unit that owes the report.
    // (The demo city's own orders may fall due at any moment too: count the drills' events.)
    let warnings_of = async |number: &str| -> Vec<Value> {
        let (_, ev) = app.get(Some(&duchake), &format!("/api/items/{number}/events")).await;
        ev["events"].as_array().unwrap().iter().filter(|e| e["action"] == "warning").cloned().collect()
    };
    assert!(app.store.run_warnings(Utc::now()).await.unwrap().red >= 1);
    app.store.run_warnings(Utc::now()).await.unwrap();
    let warnings = warnings_of(&late.number).await;
    assert_eq!(warnings.len(), 1, "once only: {warnings:?}");
    assert!(warnings_of(&spare.number).await.is_empty(), "time to spare: no warning");
    let warning = warnings[0].clone();
    assert_eq!((warning["details"]["label"].as_str(), warning["details"]["level"].as_str()), (Some("整改时限"), Some("red")));
    assert_eq!(warning["details"]["unit_id"], unit_id(&app, "zjj").await.as_str());

    // Only the lead unit may report; then it is done, out of the inbox, in 已办.
    let cgj_actor = app.actor("cgj").await;
    let e = app.store.act_on_item::<FireDrill>(&late.number, &cgj_actor, "report", None).await.unwrap_err();
    assert_eq!(refusal(e), "只有主办单位可以报告整改");
    let zjj_actor = app.actor("zjj").await;
    let done = app.store.act_on_item::<FireDrill>(&late.number, &zjj_actor, "report", None).await.unwrap();
    assert_eq!((done.state.as_str(), done.state_label), ("done", "已整改"));
    assert!(done.dues[0].met_at.is_some() && done.allowed_actions.is_empty());
    let e = app.store.act_on_item::<FireDrill>(&late.number, &zjj_actor, "report", None).await.unwrap_err();
    assert_eq!(refusal(e), "整改事项当前状态为“已整改”，不能报告整改");
    let (_, inbox) = app.get(Some(&zjj), "/api/inbox").await;
    assert!(inbox["items"].as_array().unwrap().iter().all(|i| i["item"]["number"] != late.number.as_str()));
    let (_, done_list) = app.get(Some(&zjj), "/api/done").await;
    assert_eq!(done_list["items"][0]["kind"], "fire_drill");
    assert_eq!(done_list["items"][0]["item"]["state_label"], "已整改");

    // Every change is an event of the chain: create, warning, report.
    let (_, ev) = app.get(Some(&duchake), &format!("/api/items/{}/events", late.number)).await;
    let actions: Vec<&str> = ev["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "warning", "report"]);
    assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), &late.id).await.unwrap(), Ok(3));

    // And the hotline's statistics, ranking and queues never saw any of it.
    assert_eq!(figures(&app).await, before);
}

#[tokio::test]
async fn fifty_racing_requests_get_fifty_numbers_and_a_gapless_series_never_skips() {
    let app = spawn_app().await;
    app.store.register_kind(KindSpec::of::<FireDrill>());
    app.store.register_kind(KindSpec::of::<Notice>());
    let office = app.actor("duchake").await;
    let template = drill(&app, "zjj", None, Utc::now(), 5).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (store, office, item) = (app.store.clone(), office.clone(), template.clone());
        tasks.push(tokio::spawn(async move {
            let a = store.create_item::<FireDrill>(&office, "", &format!("整改{i}"), &item, json!({})).await.unwrap().number;
            let b = store.create_item::<Notice>(&office, "江政办发", &format!("通知{i}"), &item, json!({})).await.unwrap().number;
            (a, b)
        }));
    }
    let mut gapless = BTreeSet::new();
    let mut fast = BTreeSet::new();
    for t in tasks {
        let (a, b) = t.await.unwrap();
        gapless.insert(a);
        fast.insert(b);
    }
    let y = year();
    assert_eq!(gapless, (1..=50).map(|n| format!("演〔{y}〕{n}号")).collect::<BTreeSet<_>>());
    assert_eq!(fast, (1..=50).map(|n| format!("江政办发〔{y}〕{n:03}号")).collect::<BTreeSet<_>>());

    // A creation that fails after taking its number gives it back: the next is 51, not 52.
    let mut broken = template.clone();
    broken.assignments.push(Assignment::new("no-such-unit", AssignmentRole::Co, Utc::now()));
    assert!(app.store.create_item::<FireDrill>(&office, "", "写不进去的事项", &broken, json!({})).await.is_err());
    let next = app.store.create_item::<FireDrill>(&office, "", "第五十一件", &template, json!({})).await.unwrap();
    assert_eq!(next.number, format!("演〔{y}〕51号"));

    // An administrator may change a series' format (and nobody else); the count goes on.
    let admin = app.login("admin").await;
    let path = "/api/admin/number-formats/notice";
    let body = json!({"code": "江政办发", "format": "江政办发〔{year}〕第{n}号"});
    assert_eq!(app.call(reqwest::Method::PUT, Some(&app.login("duchake").await), path, Some(body.clone())).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), path, Some(json!({"code": "江政办发", "format": "江政办发〔{year}〕号"}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_number_format")));
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), path, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let n = app.store.create_item::<Notice>(&office, "江政办发", "改格式后", &template, json!({})).await.unwrap().number;
    assert_eq!(n, format!("江政办发〔{y}〕第51号"));
    let (_, v) = app.get(Some(&admin), "/api/admin/number-formats").await;
    let formats = v["formats"].as_array().unwrap();
    assert!(formats.contains(&json!({"kind": "notice", "code": "江政办发", "format": "江政办发〔{year}〕第{n}号"})), "{v}");
    assert!(formats.contains(&json!({"kind": "work_order", "code": "", "format": "{date}{n:06}"})), "{v}");
    assert_eq!(app.get(Some(&app.login("duchake").await), "/api/admin/number-formats").await.0, StatusCode::FORBIDDEN);
    let e = sanfu_store::events::list(app.store.pool(), "settings").await.unwrap();
    assert_eq!(e.last().unwrap().action, "set_number_format", "recorded in the log");
}

#[tokio::test]
async fn links_and_cards_are_data_on_both_sides_and_in_the_log() {
    let app = spawn_app().await;
    app.store.register_kind(KindSpec::of::<FireDrill>());
    let (disp, duchake, zjj) = (app.login("dispatcher").await, app.login("duchake").await, app.login("zjj").await);
    let order = app.order_in("dispatched", "zjj", "消防通道被占用，多次反映无人处理").await;
    let office = app.actor("duchake").await;
    let item = drill(&app, "zjj", None, Utc::now(), 5).await;
    let item = app.store.create_item::<FireDrill>(&office, "", "消防通道专项整治", &item, json!({})).await.unwrap();

    // The item carries out what the order asked: linked, and read from both sides.
    let (s, v) = app.post(Some(&duchake), &format!("/api/items/{}/links", item.number), json!({"to": order, "kind": "escalated_from"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["links"][0]["label"], "由此转督办");
    let o = app.order(&disp, &order).await;
    assert_eq!((o["kind"].as_str(), o["links"][0]["label"].as_str()), (Some("work_order"), Some("已转督办")));
    assert_eq!(o["links"][0]["item"]["number"], item.number.as_str());
    let (s, v) = app.post(Some(&duchake), &format!("/api/items/{}/links", item.number), json!({"to": item.number, "kind": "duplicate_of"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("link_to_self")));
    let (s, _) = app.post(Some(&zjj), &format!("/api/items/{}/links", item.number), json!({"to": order, "kind": "rectifies"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a unit does not link items");

    // A yellow card to the order's lead unit: only from the office or a dispatcher, with a reason.
    let body = json!({"unit_id": "zjj", "colour": "yellow", "reason": "签收后三日未见进展"});
    assert_eq!(app.post(Some(&zjj), &format!("/api/items/{order}/cards"), body.clone()).await.0, StatusCode::FORBIDDEN);
    let (s, v) = app.post(Some(&duchake), &format!("/api/items/{order}/cards"), json!({"unit_id": "cgj", "colour": "red", "reason": "x"})).await;
    assert_eq!((s, v["message"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("“市城市管理局”没有承办这项工作，不能对其亮牌")));
    let before = app.counts().await;
    let (s, v) = app.post(Some(&duchake), &format!("/api/items/{order}/cards"), json!({"unit_id": "zjj", "colour": "purple", "reason": "x"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_colour")));
    assert_eq!(app.counts().await, before, "a refused card writes nothing");
    let (s, v) = app.post(Some(&duchake), &format!("/api/items/{order}/cards"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let card = v["card"].clone();
    assert_eq!((card["colour_label"].as_str(), card["reason"].as_str()), (Some("黄牌警告"), Some("签收后三日未见进展")));
    assert_eq!(card["issued_by_name"], "赵敏");
    assert_eq!(app.order(&disp, &order).await["cards"][0]["id"], card["id"]);

    // The unit sees its cards; another unit does not; a card is revoked once, with a reason.
    assert_eq!(app.get(Some(&zjj), "/api/units/zjj/cards").await.1["cards"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(Some(&app.login("cgj").await), "/api/units/zjj/cards").await.0, StatusCode::FORBIDDEN);
    let revoke = format!("/api/cards/{}/revoke", card["id"].as_str().unwrap());
    assert_eq!(app.post(Some(&duchake), &revoke, json!({"reason": ""})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app.post(Some(&duchake), &revoke, json!({"reason": "已核实系系统延误"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["card"]["revoked_at"].is_string());
    assert_eq!(app.post(Some(&duchake), &revoke, json!({"reason": "再撤一次"})).await.1["code"], "card_revoked");

    // All of it is in the order's own timeline.
    let actions = names(&app.events(&disp, &order).await);
    assert!(actions.ends_with(&["link".to_string(), "card".to_string(), "card_revoked".to_string()]), "{actions:?}");
}
