//! The desk as operators, units and leaders use it all day: pickers that find a unit however it
//! is typed, queues that filter, the rules on the page, figures that hold up, files that say
//! what they are.

use std::io::Read;

use chrono::{Datelike, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

fn names(v: &Value) -> Vec<String> {
    v["units"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_unit_is_found_by_its_name_its_initials_or_its_code_and_dispatched_by_its_name() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    for q in ["望江", "nhqwj", "NHQWJ", "nanhu-wj", "南湖区望江街道"] {
        let (s, v) = app.get(Some(&disp), &format!("/api/units?q={q}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(names(&v).first().map(String::as_str), Some("南湖区望江街道"), "{q}: {v}");
        assert!(v["units"][0]["initials"] == "nhqwjjd");
    }
    let (_, v) = app.get(Some(&disp), "/api/units?q=没有这个单位").await;
    assert!(names(&v).is_empty());
    let long = "长".repeat(51);
    let (s, e) = app.get(Some(&disp), &format!("/api/units?q={long}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("query_too_long")));

    // The dispatch form sends what the picker shows: the name (or the part of it typed).
    let id = app.register(&disp, complaint("工地夜间施工噪音扰民，每晚十一点后仍在打桩")).await["order"]["id"].as_str().unwrap().to_string();
    let (s, e) = app.call(Method::POST, Some(&disp), &format!("/api/orders/{id}/dispatch"), Some(json!({"lead_unit_id": "街道"}))).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_unit")), "several units hold 街道: {e}");
    assert!(e["message"].as_str().unwrap().contains("请从列表中选择"));
    let o = app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "城市管理局"})).await;
    assert_eq!(o["lead_unit"]["name"], "市城市管理局");
}

#[tokio::test]
async fn each_queue_tab_lists_its_own_items_and_counts() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let to_sign = app.order_in("dispatched", "zjj", "小区电梯停运三天无人维修").await;
    let to_answer = app.order_in("handling", "zjj", "楼道堆放杂物物业不管").await;
    let (_, all) = app.get(Some(&zjj), "/api/inbox").await;
    assert_eq!(all["total"], 2);
    let count = |v: &Value, q: &str| v["counts"].as_array().unwrap().iter().find(|c| c["queue"] == q).map(|c| c["count"].as_i64().unwrap());
    assert_eq!((count(&all, "to_sign"), count(&all, "to_answer")), (Some(1), Some(1)));
    let ids = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| i["item"]["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (s, v) = app.get(Some(&zjj), "/api/inbox?queue=work_order.to_sign").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((ids(&v), v["listed"].as_i64(), v["total"].as_i64()), (vec![to_sign.clone()], Some(1), Some(2)));
    assert_eq!(count(&v, "to_answer"), Some(1), "the other tabs keep their counts");
    let (_, v) = app.get(Some(&zjj), "/api/inbox?queue=work_order.to_answer").await;
    assert_eq!(ids(&v), vec![to_answer]);
    // A queue that is not the reader's is refused, not shown empty.
    let (s, e) = app.get(Some(&zjj), "/api/inbox?queue=work_order.to_dispatch").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_queue")));
    // The page's tabs link to their own lists.
    let (_, html) = app.page("zjj", "/desk?queue=work_order.to_sign").await;
    assert!(html.contains("href=\"/desk?queue=work_order.to_answer\"") && html.contains("本队列共 1 项"), "{html}");
    let (_, dv) = app.get(Some(&disp), "/api/inbox?queue=work_order.to_dispatch").await;
    assert_eq!(dv["listed"], 0);
}

#[tokio::test]
async fn an_answer_says_something_and_the_units_head_approves_it_when_the_unit_asks() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let zjj = app.login("zjj").await;
    let head = app.login("zjj-head").await;
    let admin = app.login("admin").await;
    let id = app.order_in("handling", "zjj", "小区电梯停运三天无人维修").await;
    // Two characters tell the citizen nothing: refused with why, nothing changes.
    let (s, e) = app.call(Method::POST, Some(&zjj), &format!("/api/orders/{id}/answer"), Some(json!({"text": "已修"}))).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("answer_too_short")));
    assert!(e["message"].as_str().unwrap().contains("至少 10 字"), "{e}");
    assert_eq!(app.order(&disp, &id).await["state"], "handling");

    // The unit asks for its head's approval of answers.
    let (s, v) = app.call(Method::PUT, Some(&admin), "/api/admin/units/zjj", Some(json!({"answer_review": true}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let text = "经现场核实，电梯主板损坏，已督促物业更换并恢复运行。";
    let o = app.act(&zjj, &id, "answer", json!({"text": text})).await;
    assert_eq!((o["state"].as_str(), o["state_label"].as_str()), (Some("unit_review"), Some("待单位审核")));
    // The answer is still owed: its due date is not met while the head reads it.
    let due = |o: &Value| o["deadlines"].as_array().unwrap().iter().find(|d| d["kind"] == "answer").unwrap()["met_at"].clone();
    assert!(due(&app.order(&disp, &id).await).is_null());
    // It waits in the head's queue, and only the head may approve it.
    let (_, inbox) = app.get(Some(&head), "/api/inbox?queue=work_order.to_approve_answer").await;
    assert_eq!(inbox["listed"], 1, "{inbox}");
    assert_eq!(app.refused(&zjj, &id, "approve-answer", json!({"approve": true})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.refused(&head, &id, "approve-answer", json!({"approve": false})).await.1, "empty_reason");
    let o = app.act(&head, &id, "approve-answer", json!({"approve": false, "comment": "请写明更换时间"})).await;
    assert_eq!(o["state"], "handling");
    app.act(&zjj, &id, "answer", json!({"text": format!("{text}已于12月3日更换。")})).await;
    let o = app.act(&head, &id, "approve-answer", json!({"approve": true})).await;
    assert_eq!(o["state"], "answered");
    assert!(!due(&app.order(&disp, &id).await).is_null(), "the answer left the unit: its due date is met");
    // The head's own answer goes straight on.
    let id2 = app.order_in("handling", "zjj", "楼道堆放杂物物业不管").await;
    let o = app.act(&head, &id2, "answer", json!({"text": "经核实，已责令物业三日内清理楼道杂物。"})).await;
    assert_eq!(o["state"], "answered");
}

#[tokio::test]
async fn a_return_is_not_offered_once_its_window_has_closed() {
    let app = spawn_app().await;
    let disp = app.actor("dispatcher").await;
    let zjj = app.login("zjj").await;
    let input = sanfu_store::hotline::orders::OrderInput {
        order_type: Some("complaint".into()),
        category_id: Some("0301".into()),
        content: Some("工地夜间施工噪音扰民".into()),
        citizen_phone: Some("13812341234".into()),
        ..Default::default()
    };
    let then = Utc::now() - Duration::days(10);
    let id = app.store.register_at(&input, &disp, then).await.unwrap().order.id;
    let lead = app.store.unit_ref("zjj").await.unwrap();
    let dispatch = sanfu_domain::hotline::Action::Dispatch { lead, co: vec![], answer_due: None, note: None };
    app.store.act_at(&id, &disp, &dispatch, Some(then)).await.unwrap();
    let o = app.order(&zjj, &id).await;
    let allowed: Vec<&str> = o["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(allowed.contains(&"sign") && !allowed.contains(&"request_return"), "{allowed:?}");
    assert_eq!(app.refused(&zjj, &id, "return", json!({"reason": "不属于本单位职责"})).await.1, "return_window_closed");
    // The page offers no 申请退单 and shows the window as closed, not as red overdue work.
    let (_, html) = app.page("zjj", &format!("/orders/{}", o["number"].as_str().unwrap())).await;
    assert!(!html.contains("id=\"form-return\""));
    assert!(html.contains("退单时限") && html.contains("已截止"), "{html}");
}

#[tokio::test]
async fn figures_default_to_the_last_complete_month_and_the_whole_city_is_one_figure() {
    let app = spawn_app().await;
    let disp = app.actor("dispatcher").await;
    let input = |c: &str| sanfu_store::hotline::orders::OrderInput {
        order_type: Some("complaint".into()),
        category_id: Some("0301".into()),
        content: Some(c.into()),
        citizen_phone: Some("13812341234".into()),
        ..Default::default()
    };
    let today = Utc::now().with_timezone(&app.store.offset()).date_naive();
    let first_this = today.with_day(1).unwrap();
    let last_month = first_this.pred_opt().unwrap().with_day(1).unwrap();
    // Three orders last month (one never dispatched), one this month.
    let at = |d: chrono::NaiveDate| d.and_hms_opt(10, 0, 0).unwrap().and_local_timezone(app.store.offset()).unwrap().with_timezone(&Utc);
    for (i, d) in [last_month, last_month + Duration::days(3), last_month + Duration::days(5)].into_iter().enumerate() {
        let id = app.store.register_at(&input(&format!("上月第{i}件：工地夜间施工")), &disp, at(d)).await.unwrap().order.id;
        if i > 0 {
            let lead = app.store.unit_ref("zjj").await.unwrap();
            app.store.act_at(&id, &disp, &sanfu_domain::hotline::Action::Dispatch { lead, co: vec![], answer_due: None, note: None }, Some(at(d))).await.unwrap();
        }
    }
    app.store.register_at(&input("本月：工地夜间施工"), &disp, Utc::now()).await.unwrap();
    let mut volumes = Vec::new();
    for who in ["dispatcher", "duchake", "mayor"] {
        let t = app.login(who).await;
        let (s, v) = app.get(Some(&t), "/api/stats").await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
        assert_eq!(v["period"]["from"], last_month.to_string(), "{who}");
        assert_eq!(v["period"]["to"], first_this.pred_opt().unwrap().to_string());
        volumes.push(v["counts"]["volume"].as_i64().unwrap());
        // The city's top unit is the city: the same figure.
        let (_, g) = app.get(Some(&t), "/api/stats?unit_id=gov").await;
        assert_eq!(g["counts"]["volume"], v["counts"]["volume"], "{who}");
    }
    assert_eq!(volumes, [3, 3, 3], "every role that reads the whole city reads the same 受理量");
    // A vice-mayor reads a portfolio, not the city.
    let vm = app.login("vicemayor").await;
    assert_eq!(app.get(Some(&vm), "/api/stats").await.0, StatusCode::FORBIDDEN);
    // The page marks the month under way as 截至今日.
    let (_, html) = app.page("dispatcher", "/stats?period=current").await;
    assert!(html.contains("id=\"so-far\""), "{html}");
    let (_, html) = app.page("dispatcher", "/stats").await;
    assert!(!html.contains("id=\"so-far\"") && html.contains(&last_month.to_string()));
}

/// The sheet's XML as stored in the workbook.
fn sheet_xml(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut f = z.by_name("xl/worksheets/sheet1.xml").unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn the_order_ledger_is_a_workbook_as_offices_use_it_and_on_record() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let id = app.order_in("answered", "zjj", "工地夜间施工噪音扰民，联系电话13912345678").await;
    let number = app.order(&disp, &id).await["number"].as_str().unwrap().to_string();
    let r = app.client.get(format!("{}/api/orders/export?format=xlsx&q=噪音", app.base)).bearer_auth(&disp).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    // A header row that stays in view, with filters on it.
    let xml = sheet_xml(&bytes);
    assert!(xml.contains("<pane") && xml.contains("state=\"frozen\""), "frozen header");
    assert!(xml.contains("<autoFilter ref=\"A5:P6\""), "filters on the header: {}", &xml[..xml.len().min(2000)]);
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("工单").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String("江州市12345热线工单台账".into()));
    assert!(matches!(cell(1, 0), Data::String(ref s) if s.contains("关键词=噪音")));
    assert!(matches!(cell(2, 0), Data::String(ref s) if s.contains("导出人：陈志强")));
    let headers: Vec<String> = (0..16).map(|c| cell(4, c).to_string()).collect();
    assert_eq!(headers[7], "诉求内容");
    assert_eq!(headers[13], "答复内容");
    assert_eq!(cell(5, 0), Data::String(number));
    assert!(matches!(cell(5, 1), Data::DateTime(_)), "受理时间 is a date: {:?}", cell(5, 1));
    // Masked for the centre too, in the fields and inside the text, unless it asks.
    assert_eq!(cell(5, 10), Data::String("138****1234".into()));
    assert!(matches!(cell(5, 7), Data::String(ref s) if s.contains("139****5678") && !s.contains("13912345678")));
    assert!(matches!(cell(5, 13), Data::String(ref s) if s.contains("已现场核实")));
    // The export is in the audit trail: who took which ledger.
    let lines = app.store.audit_since(0, 100_000).await.unwrap();
    let exports: Vec<_> = lines.iter().filter(|l| l.entity_kind == "export").collect();
    assert_eq!(exports.len(), 1);
    assert_eq!((exports[0].entity_id.as_str(), exports[0].actor_name.as_str()), ("export:orders", "陈志强"));

    // Above the office's cap: refused with the count and what to do, nothing cut short.
    let office = app.login("duchake").await;
    let (s, _) = app.call(Method::PUT, Some(&office), "/api/admin/desk-settings", Some(json!({"ranking_min_orders": 5, "export_max_rows": 0}))).await;
    assert_eq!(s, StatusCode::OK);
    app.order_in("registered", "zjj", "楼道堆放杂物物业不管").await;
    let (s, _) = app.call(Method::PUT, Some(&office), "/api/admin/desk-settings", Some(json!({"ranking_min_orders": 5, "export_max_rows": 1}))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = app.get(Some(&disp), "/api/orders/export?format=csv").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("export_too_large")));
    assert!(e["message"].as_str().unwrap().contains("有 2 件"), "{e}");
}

#[tokio::test]
async fn statistics_exports_are_the_table_asked_for_with_their_heading() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    app.order_in("answered", "zjj", "工地夜间施工噪音扰民").await;
    let today = Utc::now().with_timezone(&app.store.offset()).date_naive();
    let q = format!("from={}&to={today}", today.with_day(1).unwrap());
    let get = |path: String| {
        let c = app.client.clone();
        let url = format!("{}{path}", app.base);
        let t = disp.clone();
        async move { c.get(url).bearer_auth(t).send().await.unwrap().bytes().await.unwrap().to_vec() }
    };
    use calamine::Reader;
    let all = get(format!("/api/stats?{q}&format=xlsx")).await;
    let one = get(format!("/api/stats?{q}&format=xlsx&table=category")).await;
    let sheets = |b: Vec<u8>| calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(b)).unwrap().sheet_names();
    assert_eq!(sheets(all), ["汇总", "按渠道", "按类型", "按分类"]);
    assert_eq!(sheets(one), ["按分类"], "the two buttons download two different files");
    let csv = String::from_utf8(get(format!("/api/stats?{q}&format=csv&table=summary")).await).unwrap();
    assert!(csv.contains("江州市12345热线统计（全市，汇总）") && csv.contains(&format!("统计期间：{} 至 {today}", today.with_day(1).unwrap())), "{csv}");
}

#[tokio::test]
async fn synonyms_make_search_find_what_citizens_wrote_and_administrators_add_their_own() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let admin = app.login("admin").await;
    for (subject, content) in [("广场舞噪音扰民", "广场舞音响噪音太大，晚上十点还不停"), ("化粪池满溢", "小区化粪池满溢，臭味很大")] {
        let mut body = complaint(content);
        body["subject"] = json!(subject);
        app.register(&disp, body).await;
    }
    let total = |v: &Value| v["total"].as_i64().unwrap();
    assert_eq!(total(&app.get(Some(&disp), "/api/orders?q=噪声").await.1), 1, "噪声 finds 噪音");
    assert_eq!(total(&app.get(Some(&disp), "/api/orders?q=下水道").await.1), 0);
    // Bad groups are refused and change nothing.
    let (s, e) = app.call(Method::PUT, Some(&admin), "/api/admin/synonyms", Some(json!({"groups": [["下水道"]]}))).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_synonyms")));
    let (s, _) = app.call(Method::PUT, Some(&disp), "/api/admin/synonyms", Some(json!({"groups": [["下水道", "化粪池"]]}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.call(Method::PUT, Some(&admin), "/api/admin/synonyms", Some(json!({"groups": [["下水道", "化粪池"]]}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.get(Some(&admin), "/api/admin/synonyms").await.1["groups"], json!([["下水道", "化粪池"]]));
    // Earlier texts match once the index is rebuilt (in the background).
    let mut found = 0;
    for _ in 0..100 {
        found = total(&app.get(Some(&disp), "/api/orders?q=下水道").await.1);
        if found == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found, 1, "下水道 finds 化粪池 after the change");
}

#[tokio::test]
async fn every_ledger_file_says_what_it_holds_and_who_took_it() {
    let app = spawn_app().await;
    let office = app.login("duchake").await;
    let r = app.client.get(format!("{}/api/supervision?format=csv&q=%E5%AD%A6%E6%A0%A1", app.base)).bearer_auth(&office).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let head: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().take(3).collect();
    assert!(head[0].starts_with("江州市") && head[0].contains("督办"), "{head:?}");
    assert!(head[1].contains("筛选条件：q=学校"), "{head:?}");
    assert!(head[2].starts_with("导出人：赵敏"), "{head:?}");
    let lines = app.store.audit_since(0, 100_000).await.unwrap();
    assert!(lines.iter().any(|l| l.entity_kind == "export" && l.actor_name == "赵敏"), "the export is on record");
}
