//! Statistics against a hand-computed fixture: seven orders of October 2026 with known times.

use reqwest::StatusCode;
use sanfu_domain::hotline::{Action, Satisfaction};
use sanfu_store::hotline::orders::OrderInput;
use serde_json::json;

use crate::helpers::*;

fn input(phone: &str, subject: &str) -> OrderInput {
    OrderInput {
        order_type: Some("complaint".into()),
        category_id: Some("0301".into()),
        subject: Some(subject.into()),
        content: Some(format!("{subject}，请尽快处理。")),
        citizen_phone: Some(phone.into()),
        ..Default::default()
    }
}

/// Builds the fixture; see the expected figures in the test below.
async fn october(app: &TestApp) {
    let s = &app.store;
    let disp = app.actor("dispatcher").await;
    let zjj = app.actor("zjj").await;
    let cgj = app.actor("cgj").await;
    let lead = |u: &str| {
        let u = u.to_string();
        async move { Action::Dispatch { lead: s.unit_ref(&u).await.unwrap(), co: vec![], answer_due: None, note: None } }
    };
    let answer = |t: &str| Action::Answer { text: t.into(), review: false };
    let pass = Action::Review { pass: true, comment: None };
    let rate = |sat, reopen| Action::Callback { satisfaction: sat, comment: None, reopen };
    let go = |id: String, who: &'static str, a: Action, at: chrono::DateTime<chrono::Utc>| {
        let actor = match who { "disp" => disp.clone(), "zjj" => zjj.clone(), _ => cgj.clone() };
        async move { s.act_at(&id, &actor, &a, Some(at)).await.unwrap() }
    };
    let reg = |phone: &'static str, subject: &'static str, at| {
        let d = disp.clone();
        async move { s.register_at(&input(phone, subject), &d, at).await.unwrap().order.id }
    };

    // O1: on time throughout, 满意.
    let o1 = reg("13800000001", "O1", cst(2026, 10, 12, 9, 0)).await;
    go(o1.clone(), "disp", lead("zjj").await, cst(2026, 10, 12, 9, 10)).await;
    go(o1.clone(), "zjj", Action::Sign, cst(2026, 10, 12, 9, 30)).await;
    go(o1.clone(), "zjj", answer("已处理"), cst(2026, 10, 13, 10, 0)).await;
    go(o1.clone(), "disp", pass.clone(), cst(2026, 10, 13, 11, 0)).await;
    go(o1.clone(), "disp", rate(Satisfaction::Satisfied, None), cst(2026, 10, 14, 9, 0)).await;
    // O2: signed late, answered late, closed late, 不满意 without reopening.
    let o2 = reg("13800000002", "O2", cst(2026, 10, 12, 9, 0)).await;
    go(o2.clone(), "disp", lead("zjj").await, cst(2026, 10, 12, 9, 10)).await;
    go(o2.clone(), "zjj", Action::Sign, cst(2026, 10, 12, 16, 0)).await;
    go(o2.clone(), "zjj", answer("已处理"), cst(2026, 10, 30, 10, 0)).await;
    go(o2.clone(), "disp", pass.clone(), cst(2026, 10, 30, 11, 0)).await;
    go(o2.clone(), "disp", rate(Satisfaction::Unsatisfied, Some(false)), cst(2026, 10, 30, 15, 0)).await;
    // O3: reopened after 不满意, then answered again on time and 满意.
    let o3 = reg("13800000003", "O3", cst(2026, 10, 13, 8, 50)).await;
    go(o3.clone(), "disp", lead("zjj").await, cst(2026, 10, 13, 9, 0)).await;
    go(o3.clone(), "zjj", Action::Sign, cst(2026, 10, 13, 9, 5)).await;
    go(o3.clone(), "zjj", answer("第一次答复"), cst(2026, 10, 14, 9, 0)).await;
    go(o3.clone(), "disp", pass.clone(), cst(2026, 10, 14, 10, 0)).await;
    go(o3.clone(), "disp", rate(Satisfaction::Unsatisfied, None), cst(2026, 10, 15, 9, 0)).await;
    go(o3.clone(), "zjj", answer("第二次答复"), cst(2026, 10, 16, 10, 0)).await;
    go(o3.clone(), "disp", pass.clone(), cst(2026, 10, 16, 11, 0)).await;
    go(o3.clone(), "disp", rate(Satisfaction::Satisfied, None), cst(2026, 10, 16, 15, 0)).await;
    // O4: never signed.
    let o4 = reg("13800000004", "O4", cst(2026, 10, 14, 8, 50)).await;
    go(o4.clone(), "disp", lead("zjj").await, cst(2026, 10, 14, 9, 0)).await;
    // O5: returned by 住建局, re-dispatched to 城管局, signed on time.
    let o5 = reg("13800000005", "O5", cst(2026, 10, 14, 8, 50)).await;
    go(o5.clone(), "disp", lead("zjj").await, cst(2026, 10, 14, 9, 0)).await;
    go(o5.clone(), "zjj", Action::RequestReturn { reason: "属城管职责".into() }, cst(2026, 10, 14, 10, 0)).await;
    go(o5.clone(), "disp", Action::JudgeReturn { approve: true, comment: None }, cst(2026, 10, 14, 10, 30)).await;
    go(o5.clone(), "disp", lead("cgj").await, cst(2026, 10, 14, 11, 0)).await;
    go(o5.clone(), "cgj", Action::Sign, cst(2026, 10, 14, 11, 30)).await;
    // O6: the same caller as O1 three days later, not dispatched (a repeat, no unit).
    reg("13800000001", "O6", cst(2026, 10, 15, 9, 0)).await;
    // O7: the same caller as O2, dispatched to 住建局, signed on time (a repeat for 住建局).
    let o7 = reg("13800000002", "O7", cst(2026, 10, 20, 9, 0)).await;
    go(o7.clone(), "disp", lead("zjj").await, cst(2026, 10, 20, 9, 10)).await;
    go(o7, "zjj", Action::Sign, cst(2026, 10, 20, 9, 20)).await;
}

#[tokio::test]
async fn each_rate_matches_the_hand_computed_figures() {
    let app = spawn_app().await;
    october(&app).await;
    let disp = app.login("dispatcher").await;
    let (s, v) = app.get(Some(&disp), "/api/stats?unit_id=zjj&from=2026-10-01&to=2026-10-31").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = &v["counts"];
    let r = &v["rates"];
    // O1, O2, O3, O4, O7 answer to 住建局 (O5 went to 城管局, O6 was never dispatched).
    assert_eq!(c["volume"], 5);
    assert_eq!(c["dispatched"], 5);
    assert_eq!((c["signed"].as_i64(), c["signed_on_time"].as_i64()), (Some(4), Some(3)));
    assert_eq!(r["on_time_signing"], 0.75);
    // Response: signed on time (O1, O3, O7) out of signings due (4 signed + O4 unsigned).
    assert_eq!(r["response"], 0.6);
    // Answers: O1 and O3 (its second answer, after 重办) on time, O2 late.
    assert_eq!(r["on_time_answer"], 0.6667);
    // Closed: O1 on time, O2 late, O3 on time against the limit restarted by 重办.
    assert_eq!(r["on_time_closing"], 0.6667);
    // Resolved without 重办: O1, O2 out of three closed.
    assert_eq!(r["resolution"], 0.6667);
    // Rated: O1 满意, O2 不满意, O3 满意 (its final rating).
    assert_eq!((c["rated"].as_i64(), c["satisfied"].as_i64(), c["unsatisfied"].as_i64()), (Some(3), Some(2), Some(1)));
    assert_eq!(r["satisfaction"], 0.6667);
    // Returns: one of six lead assignments received (O1–O5, O7) was returned.
    assert_eq!((c["assignments"].as_i64(), c["returned"].as_i64()), (Some(6), Some(1)));
    assert_eq!(r["returns"], 0.1667);
    // Repeats: O7 of five.
    assert_eq!(r["repeats"], 0.2);
    // Handling: O1 470, O2 5,930, O3 1,320 working minutes from dispatch to (last) answer.
    assert_eq!(r["avg_handling_hours"], ((470.0 + 5930.0 + 1320.0) / 3.0 / 60.0 * 100.0_f64).round() / 100.0);
    assert_eq!(v["by_type"][0]["label"], "投诉");
    assert_eq!(v["by_category"][0]["label"], "噪声污染");
    assert_eq!(v["by_channel"][0]["count"], 5);

    // The whole city: all seven, and no rate for what did not happen.
    let (_, v) = app.get(Some(&disp), "/api/stats?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(v["counts"]["volume"], 7);
    assert_eq!(v["counts"]["repeats"], 2);
    let (_, v) = app.get(Some(&disp), "/api/stats?unit_id=zjj&from=2026-09-01&to=2026-09-30").await;
    assert_eq!(v["counts"]["volume"], 0);
    assert!(v["rates"]["response"].is_null());

    // 城管局 had one order in October: fewer than the minimum of five, it is listed apart
    // (样本不足), not ranked first on a 100% of one.
    let ranking = |v: &serde_json::Value| -> Vec<(String, f64, i64, bool)> {
        v["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["unit"]["code"].as_str().unwrap().to_string(), r["score"].as_f64().unwrap(), r["rank"].as_i64().unwrap(), r["ranked"].as_bool().unwrap()))
            .collect()
    };
    let (_, v) = app.get(Some(&disp), "/api/stats/ranking?month=2026-10").await;
    assert_eq!(v["min_orders"], 5);
    assert_eq!(ranking(&v), [("zjj".to_string(), 0.6444, 1, true), ("cgj".to_string(), 1.0, 0, false)]);
    // The office sets the minimum; a bad value is refused and changes nothing.
    let office = app.login("duchake").await;
    let (s, e) = app.call(reqwest::Method::PUT, Some(&office), "/api/admin/desk-settings", Some(json!({"ranking_min_orders": -1, "export_max_rows": 0}))).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_min_orders")));
    let (s, _) = app.call(reqwest::Method::PUT, Some(&disp), "/api/admin/desk-settings", Some(json!({"ranking_min_orders": 1, "export_max_rows": 0}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the centre reads the settings, the office sets them");
    assert_eq!(app.get(Some(&disp), "/api/admin/desk-settings").await.1["settings"]["ranking_min_orders"], 5);
    let (s, _) = app.call(reqwest::Method::PUT, Some(&office), "/api/admin/desk-settings", Some(json!({"ranking_min_orders": 1, "export_max_rows": 0}))).await;
    assert_eq!(s, StatusCode::OK);
    // A district's figures include its streets; with a minimum of one 城管局's month ranks above 住建局's.
    let (_, v) = app.get(Some(&disp), "/api/stats/ranking?month=2026-10").await;
    assert_eq!(ranking(&v), [("cgj".to_string(), 1.0, 1, true), ("zjj".to_string(), 0.6444, 2, true)]);
}

#[tokio::test]
async fn statistics_export_to_excel_and_csv_and_units_see_only_their_own() {
    let app = spawn_app().await;
    october(&app).await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let fetch = |token: String, path: String| {
        let c = app.client.clone();
        let base = app.base.clone();
        async move { c.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap() }
    };
    let x = fetch(disp.clone(), "/api/stats?unit_id=zjj&from=2026-10-01&to=2026-10-31&format=xlsx".into()).await;
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(x.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let bytes = x.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
    let c = fetch(disp.clone(), "/api/stats?unit_id=zjj&from=2026-10-01&to=2026-10-31&format=csv".into()).await;
    let text = c.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("响应率,60.00%"), "{text}");
    let c = fetch(disp.clone(), "/api/stats/ranking?month=2026-10&format=csv".into()).await;
    let text = c.text().await.unwrap();
    assert!(text.contains("1,市住房和城乡建设局,64.44%"), "{text}");
    assert!(text.contains("样本不足,市城市管理局,100.00%"), "a unit of one order is listed apart: {text}");
    assert!(text.starts_with("\u{feff}江州市12345热线承办单位月度排名（2026-10）"), "the file says what it is: {text}");
    assert!(text.contains("统计期间：2026-10-01 至 2026-10-31") && text.contains("导出人：陈志强"), "{text}");
    let (s, v) = app.get(Some(&disp), "/api/stats?format=pdf").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_format")));
    let (s, v) = app.get(Some(&disp), "/api/stats?from=2026-10-31&to=2026-10-01").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_period")));

    // A unit sees its own figures only.
    assert_eq!(app.get(Some(&zjj), "/api/stats?unit_id=zjj&from=2026-10-01&to=2026-10-31").await.0, StatusCode::OK);
    assert_eq!(app.get(Some(&zjj), "/api/stats?unit_id=cgj").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(Some(&zjj), "/api/stats").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(Some(&zjj), "/api/stats/ranking").await.0, StatusCode::FORBIDDEN);

    // The order export is masked for the unit exactly as on screen.
    let mut secret = complaint("举报违建");
    secret["confidential"] = json!(true);
    secret["citizen_phone"] = json!("13911112222");
    let id = app.register(&disp, secret).await["order"]["id"].as_str().unwrap().to_string();
    app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    let unit_csv = fetch(zjj.clone(), "/api/orders/export?format=csv".into()).await.text().await.unwrap();
    assert!(unit_csv.contains("（保密）") && unit_csv.contains("138****0002"), "{unit_csv}");
    assert!(!unit_csv.contains("13911112222") && !unit_csv.contains("13800000002"));
    let unit_xlsx = fetch(zjj, "/api/orders/export?format=xlsx".into()).await.bytes().await.unwrap();
    assert_eq!(&unit_xlsx[..2], b"PK");
    // The centre's export is masked too unless it asks for the numbers whole (and that is on
    // record); a unit may not ask.
    let centre_csv = fetch(disp.clone(), "/api/orders/export?format=csv".into()).await.text().await.unwrap();
    assert!(!centre_csv.contains("13911112222") && !centre_csv.contains("13800000002") && centre_csv.contains("138****0002"), "{centre_csv}");
    let centre_csv = fetch(disp.clone(), "/api/orders/export?format=csv&full_phone=true".into()).await.text().await.unwrap();
    assert!(centre_csv.contains("13911112222") && centre_csv.contains("含完整电话号码"), "{centre_csv}");
    let r = fetch(app.login("zjj").await, "/api/orders/export?format=csv&full_phone=true".into()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Another kind of work (supervision, documents …) hands work to the same units: the hotline's
/// return rate, ranking and queues count hotline orders only.
#[tokio::test]
async fn a_second_kinds_assignments_do_not_change_the_hotlines_figures() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    // One hotline order returned by zjj, one handled: a return rate of 50%.
    for state in ["returned", "dispatched"] {
        app.order_in(state, "zjj", "小区电梯停运").await;
    }
    let today = chrono::Utc::now().with_timezone(&sanfu_calendar::china_offset()).format("%Y-%m-%d").to_string();
    let month = &today[..7];
    let stats_path = format!("/api/stats?unit_id=zjj&from={today}&to={today}");
    async fn figures(app: &TestApp, disp: &str, zjj: &str, stats_path: &str, month: &str) -> (serde_json::Value, serde_json::Value, serde_json::Value, serde_json::Value) {
        let (_, s) = app.get(Some(disp), stats_path).await;
        let (_, r) = app.get(Some(disp), &format!("/api/stats/ranking?month={month}")).await;
        let (_, inbox) = app.get(Some(zjj), "/api/inbox/counts").await;
        // The hotline's own queues (a unit handed supervision items has their queues too).
        let hotline: Vec<serde_json::Value> = inbox["counts"].as_array().unwrap().iter().filter(|c| c["kind"] == "work_order").cloned().collect();
        (s["rates"]["returns"].clone(), s["counts"].clone(), r, serde_json::json!(hotline))
    }
    let before = figures(&app, &disp, &zjj, &stats_path, month).await;
    assert_eq!(before.0, 0.5, "{:?}", before.1);
    // Work of another kind, led by zjj and returned, with zjj as a co-unit too.
    let unit: String = sqlx::query_scalar("SELECT id FROM units WHERE code = 'zjj'").fetch_one(app.store.pool()).await.unwrap();
    let now = sanfu_store::now_ms();
    for i in 0..3 {
        let id = sanfu_store::new_id();
        sqlx::query("INSERT INTO work_items (id, kind, number, state, version, title, lead_unit_id, created_at, updated_at) VALUES ($1, 'supervision', $2, 'handling', 1, '督办事项', $3, $4, $4)")
            .bind(&id).bind(format!("督〔2026〕{i}号")).bind(&unit).bind(now).execute(app.store.pool()).await.unwrap();
        for (idx, role, outcome) in [(0i64, "lead", Some("returned")), (1, "co", None)] {
            sqlx::query("INSERT INTO assignments (work_id, idx, unit_id, role, active, assigned_at, outcome, kind) VALUES ($1, $2, $3, $4, 1, $5, $6, 'supervision')")
                .bind(&id).bind(idx).bind(&unit).bind(role).bind(now).bind(outcome).execute(app.store.pool()).await.unwrap();
        }
    }
    let after = figures(&app, &disp, &zjj, &stats_path, month).await;
    assert_eq!(after, before, "the hotline's figures are the hotline's own");
}

/// The statistics read daily roll-ups; after a mixed workload (the October fixture with its
/// return, reopening and late steps, orders taken to every state today, the demo city's own)
/// they equal a recount from every order, for the city, each unit, the ranking, the daily
/// volumes and the busiest categories — and again
/// after `sanfu stats rebuild` recomputed them from scratch.
#[tokio::test]
async fn the_daily_roll_ups_equal_a_recount_from_the_orders() {
    let app = spawn_app().await;
    october(&app).await;
    for (state, unit) in [("dispatched", "zjj"), ("handling", "cgj"), ("returned", "zjj"), ("answered", "jtysj"), ("callback", "zjj"), ("closed", "cgj")] {
        app.order_in(state, unit, &format!("混合负载：{state}，小区噪音扰民，请尽快处理")).await;
    }
    let s = &app.store;
    let today = chrono::Utc::now().with_timezone(&s.offset()).date_naive();
    let units = s.units().await.unwrap();
    let units = &units;
    let check = |label: &'static str| async move {
        let periods = [
            (chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()),
            (today - chrono::Duration::days(60), today),
        ];
        let mut compared = 0;
        for (from, to) in periods {
            for u in std::iter::once(None).chain(units.iter().map(|u| Some(u.id.as_str()))) {
                let (a, b) = (s.report(u, from, to).await.unwrap(), s.report_recount(u, from, to).await.unwrap());
                assert_eq!(a.counts, b.counts, "{label}: {u:?} {from}..{to}");
                let keys = |r: &sanfu_store::hotline::stats::Report| {
                    [&r.by_channel, &r.by_type, &r.by_category].map(|l| l.iter().map(|x| (x.key.clone(), x.count)).collect::<Vec<_>>())
                };
                assert_eq!(keys(&a), keys(&b), "{label}: breakdowns of {u:?}");
                compared += usize::from(b.counts.volume > 0);
            }
        }
        // The dashboard's daily volumes read the roll-up per unit and day.
        let days = s.daily_volume(today, 61, None).await.unwrap();
        let volume = s.report_recount(None, today - chrono::Duration::days(60), today).await.unwrap().counts.volume;
        assert_eq!(days.iter().map(|d| d.count).sum::<i64>(), volume, "{label}: daily volumes");
        // And its busiest categories the roll-up per unit, day and category.
        let since = (today - chrono::Duration::days(60)).and_hms_opt(0, 0, 0).unwrap().and_local_timezone(s.offset()).unwrap();
        let mut busiest: Vec<(String, i64)> =
            s.busiest_categories(since.with_timezone(&chrono::Utc), None, 1000).await.unwrap().into_iter().map(|b| (b.label, b.count)).collect();
        let mut counted: Vec<(String, i64)> = s
            .report_recount(None, today - chrono::Duration::days(60), today)
            .await
            .unwrap()
            .by_category
            .into_iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.label, b.count))
            .collect();
        // Ties in the order the test's own sort gives (the database's collation may differ).
        for l in [&mut busiest, &mut counted] {
            l.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        assert!(!busiest.is_empty());
        assert_eq!(busiest, counted, "{label}: busiest categories");
        for (y, m) in [(2026, 10), (chrono::Datelike::year(&today), chrono::Datelike::month(&today))] {
            let pairs = |r: Vec<sanfu_store::hotline::stats::RankRow>| r.into_iter().map(|x| (x.unit.id, x.counts, x.rank)).collect::<Vec<_>>();
            assert_eq!(pairs(s.ranking(y, m).await.unwrap()), pairs(s.ranking_recount(y, m).await.unwrap()), "{label}: ranking {y}-{m}");
        }
        compared
    };
    let compared = check("kept with every write").await;
    assert!(compared >= 6, "the check compared periods with orders in them ({compared})");
    let city = s.report(None, today - chrono::Duration::days(60), today).await.unwrap();
    assert!(city.counts.volume >= 6 && city.counts.closed >= 1 && city.counts.dispatched > city.counts.signed);

    // Lost or stale roll-ups are recomputed by the rebuild.
    for table in ["order_days", "unit_days", "category_days"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE unit_id IN (SELECT id FROM units WHERE code = 'zjj')")))
            .execute(s.pool())
            .await
            .unwrap();
    }
    assert_ne!(s.report(Some("zjj"), today - chrono::Duration::days(60), today).await.unwrap().counts, s.report_recount(Some("zjj"), today - chrono::Duration::days(60), today).await.unwrap().counts);
    let r = s.rebuild_rollups().await.unwrap();
    assert!(r.orders >= 13 && r.rows > 0, "{r:?}");
    check("after the rebuild").await;
}

/// The dashboard's figures of open work (在办, 临期, 超期, by unit and by kind) are counted for
/// the whole city at most ten seconds before a view, and so are its figures from the roll-ups
/// (今日受理, the 30 days' volumes, categories and places) and those of the other kinds (here
/// 政务信息's 待处理); the page says when each was read: a new order or report shows on a view
/// after that, not on the view right after it is made. The reader's own queues are counted on
/// every view.
#[tokio::test]
async fn the_dashboards_figures_are_counted_at_most_ten_seconds_before_and_say_when() {
    let app = spawn_app().await;
    let yjj = app.login("yjj-head").await;
    app.order_in("dispatched", "cgj", "和平路路灯不亮已经一周，请尽快维修。").await;
    // The figures of two KPIs and the information waiting, and the moments the open work, the
    // roll-ups and the other kinds' figures were read.
    let read = |html: &str| {
        let kpi = |name: &str| {
            let label = html.find(&format!("<div class=\"k\">{name}</div>")).expect("the KPI");
            let value = &html[..label];
            value[..value.rfind("</div>").unwrap()].rsplit('>').next().unwrap().trim().parse::<i64>().unwrap()
        };
        let open_at = html.split("在办、临期、超期数统计于 ").nth(1).expect("when the open work was counted");
        let recent_at = html.split("受理量、分类、地区统计于 ").nth(1).expect("when the roll-ups were read");
        let office_at = html.split("党建统计于 ").nth(1).expect("when the other kinds' figures were read");
        let info = html.split("；待处理 ").nth(1).expect("the information waiting on the section");
        let info: i64 = info[..info.find(' ').unwrap()].parse().unwrap();
        ((kpi("在办工单"), kpi("今日受理"), info), (open_at[..8].to_string(), recent_at[..8].to_string(), office_at[..8].to_string()))
    };
    // A unit's incident report (突发事件) waits on the information section at once.
    let incident = async || {
        let now = chrono::Utc::now();
        let body = serde_json::json!({"title": "东湖区一居民楼发生火情", "category": "incident", "body": "今日一居民楼三层起火，已扑灭，无人员伤亡。",
            "writer": "李明", "writer_phone": "0791-86001234",
            "incident_at": now - chrono::Duration::minutes(20), "first_reported_at": now - chrono::Duration::minutes(10)});
        let (s, v) = app.post(Some(&yjj), "/api/info", body).await;
        assert_eq!(s, reqwest::StatusCode::CREATED, "{v}");
    };
    let (_, html) = app.page("mayor", "/dashboard").await;
    let (before, at) = read(&html);
    assert_eq!(before, (1, 1, 0), "the one dispatched order, open and registered today; no information waits");
    assert!(html.contains("<td><a href=\"/orders\">12345工单</a></td><td class=\"num\">1</td>"), "the kinds' table counts it too");
    app.order_in("dispatched", "water", "幸福小区停水两天了，没有任何通知。").await;
    incident().await;
    let (_, html) = app.page("mayor", "/dashboard").await;
    assert_eq!(read(&html), (before, at.clone()), "within ten seconds the kept figures are shown, with their times");
    // Past ten seconds a view starts fresh counts; a view after them shows the new order.
    tokio::time::sleep(std::time::Duration::from_millis(10_100)).await;
    let mut seen = read(&app.page("mayor", "/dashboard").await.1);
    for _ in 0..50 {
        if seen.0 == (2, 2, 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = read(&app.page("mayor", "/dashboard").await.1);
    }
    assert_eq!(seen.0, (2, 2, 1), "the second order counted, open and registered today, and the report waiting");
    assert_ne!(seen.1.0, at.0, "the time of the new count of open work shown");
    assert_ne!(seen.1.1, at.1, "and of the roll-ups'");
    assert_ne!(seen.1.2, at.2, "and of the other kinds'");
    let (_, html) = app.page("mayor", "/dashboard").await;
    assert!(html.contains("<td><a href=\"/orders\">12345工单</a></td><td class=\"num\">2</td>"), "in the kinds' table as well");
}
