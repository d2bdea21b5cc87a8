//! Deadlines that act: yellow and red warnings recorded once each, across restarts; 督办.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use sanfu_store::kernel::sweep::WarningRun;
use serde_json::{Value, json};

use crate::helpers::*;

fn deadline(o: &Value, kind: &str) -> Value {
    o["deadlines"].as_array().unwrap().iter().find(|d| d["kind"] == kind).unwrap().clone()
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn warnings_fire_once_at_80_percent_and_when_passed_even_across_a_restart() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let id = app.register(&disp, complaint("工地噪音")).await["order"]["id"].as_str().unwrap().to_string();
    let o = app.act(&disp, &id, "dispatch", json!({"lead_unit_id": "zjj"})).await;
    let sign = deadline(&o, "sign");
    let (warn_at, due_at) = (at(&sign["warn_at"]), at(&sign["due_at"]));
    let dispatched = at(&o["assignments"][0]["assigned_at"]);
    // 80% of two working hours is 96 working minutes after the dispatch.
    let cal = app.store.calendar();
    assert_eq!(cal.working_minutes_between(dispatched, warn_at).0, 96);
    assert_eq!(sign["level"], "green");

    let none = WarningRun { yellow: 0, red: 0 };
    assert_eq!(app.store.run_warnings(warn_at - Duration::seconds(1)).await.unwrap(), none);
    assert_eq!(app.store.run_warnings(warn_at + Duration::seconds(1)).await.unwrap(), WarningRun { yellow: 1, red: 0 });
    assert_eq!(app.store.run_warnings(warn_at + Duration::seconds(2)).await.unwrap(), none, "never twice");

    // The server goes down and comes back after the deadline: the red warning is owed, once.
    let app = app.restart().await;
    let disp = app.login("dispatcher").await;
    assert_eq!(app.store.run_warnings(due_at + Duration::minutes(1)).await.unwrap(), WarningRun { yellow: 0, red: 1 });
    assert_eq!(app.store.run_warnings(due_at + Duration::minutes(2)).await.unwrap(), none);
    // Much later, with nobody watching: the other deadlines go straight to red, once each.
    let far = at(&deadline(&o, "close")["due_at"]) + Duration::days(1);
    assert_eq!(app.store.run_warnings(far).await.unwrap(), WarningRun { yellow: 0, red: 3 });
    assert_eq!(app.store.run_warnings(far).await.unwrap(), none);

    let ev = app.events(&disp, &id).await;
    let warnings: Vec<(String, String)> = ev
        .iter()
        .filter(|e| e["action"] == "warning")
        .map(|e| (e["details"]["deadline"].as_str().unwrap().into(), e["details"]["level"].as_str().unwrap().into()))
        .collect();
    let w = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(warnings[..2], [w("sign", "yellow"), w("sign", "red")]);
    let mut rest = warnings[2..].to_vec();
    rest.sort();
    assert_eq!(rest, [w("answer", "red"), w("close", "red"), w("return", "red")]);
    assert!(ev.iter().filter(|e| e["action"] == "warning").all(|e| e["actor_role"] == "system"));

    // A signed order is not warned about signing; a new dispatch starts a fresh clock.
    let zjj = app.login("zjj").await;
    app.act(&zjj, &id, "sign", json!({})).await;
    let o = app.order(&disp, &id).await;
    assert_eq!(deadline(&o, "sign")["level"], "met");
}

#[tokio::test]
async fn the_view_shows_yellow_and_red() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let id = app.order_in("dispatched", "cgj", "路灯不亮").await;
    let now = Utc::now().timestamp_millis();
    sqlx::query("UPDATE deadlines SET warn_at = $1 WHERE work_id = $2 AND kind = 'sign'")
        .bind(now - 1000).bind(&id).execute(app.store.pool()).await.unwrap();
    assert_eq!(deadline(&app.order(&disp, &id).await, "sign")["level"], "yellow");
    sqlx::query("UPDATE deadlines SET due_at = $1 WHERE work_id = $2 AND kind = 'sign'")
        .bind(now - 500).bind(&id).execute(app.store.pool()).await.unwrap();
    let o = app.order(&disp, &id).await;
    assert_eq!((deadline(&o, "sign")["level"].as_str(), deadline(&o, "sign")["overdue"].as_bool()), (Some("red"), Some(true)));
    let (_, inbox) = app.get(Some(&app.login("cgj").await), "/api/inbox").await;
    assert_eq!(inbox["items"][0]["order"]["next_due"]["level"], "red");
}

#[tokio::test]
async fn overdue_and_repeated_orders_are_escalated_with_one_action() {
    let app = spawn_app().await;
    let disp = app.login("dispatcher").await;
    let office = app.login("duchake").await;
    let zjj = app.login("zjj").await;
    let first = app.order_in("handling", "zjj", "电梯坏了一个月").await;
    assert_eq!(app.refused(&office, &first, "escalate", json!({"reason": "群众反映强烈"})).await.1, "not_escalatable");
    assert_eq!(app.refused(&office, &first, "escalate", json!({})).await.1, "empty_reason");
    // The answer deadline passes.
    sqlx::query("UPDATE deadlines SET due_at = 1000 WHERE work_id = $1 AND kind = 'answer'")
        .bind(&first).execute(app.store.pool()).await.unwrap();
    assert_eq!(app.refused(&zjj, &first, "escalate", json!({"reason": "x"})).await.0, StatusCode::FORBIDDEN);
    let o = app.act(&office, &first, "escalate", json!({"reason": "超期未答复，转督查科督办"})).await;
    assert_eq!(o["escalated"], true);
    assert_eq!(app.refused(&disp, &first, "escalate", json!({"reason": "再次"})).await.1, "already_escalated");
    let events = app.events(&disp, &first).await;
    let esc = events.iter().find(|e| e["action"] == "escalate").unwrap().clone();
    assert_eq!(esc["details"]["overdue"].as_bool(), Some(true));
    assert_eq!(esc["actor_role"], "office_staff");
    // 督办 opened a supervision item in the same step, linked both ways: the order's last event
    // is the link, its page shows the item, and the item (waiting to be handed out) the order.
    let last = events.last().unwrap();
    assert_eq!((last["action"].as_str(), last["details"]["label"].as_str()), (Some("link"), Some("已转督办")));
    let sv = last["details"]["other_number"].as_str().unwrap().to_string();
    assert!(sv.starts_with("督〔"), "{sv}");
    let o = app.order(&office, &first).await;
    assert!(o["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == sv.as_str()), "{o}");
    let (_, item) = app.get(Some(&office), &format!("/api/supervision/{sv}")).await;
    assert_eq!((item["item"]["source_label"].as_str(), item["item"]["state_label"].as_str()), (Some("12345转督办"), Some("待交办")));
    let order_number = o["number"].as_str().unwrap();
    assert_eq!(item["item"]["source_ref"], order_number);
    assert!(item["item"]["links"].as_array().unwrap().iter().any(|l| l["item"]["number"] == order_number && l["label"] == "由此转督办"), "{item}");
    let (_, inbox) = app.get(Some(&office), "/api/inbox").await;
    assert!(inbox["items"].as_array().unwrap().iter().any(|i| i["item"]["number"] == sv.as_str()), "the office finds it to hand out");

    // The same caller, the same category, a week later: a repeat, escalated at once.
    let again = app.register(&disp, complaint("电梯还是坏的，第二次反映")).await["order"].clone();
    assert_eq!(again["repeat_of"], first.as_str());
    let o = app.act(&disp, again["id"].as_str().unwrap(), "escalate", json!({"reason": "重复投诉"})).await;
    assert_eq!(o["escalated"], true);
    // Another caller is no repeat.
    let mut other = complaint("电梯坏了");
    other["citizen_phone"] = json!("13900001111");
    assert!(app.register(&disp, other).await["order"]["repeat_of"].is_null());

    // What the dispatcher did is in the done list, most recent first: the supervision item the
    // repeat's 督办 opened among them.
    let (_, done) = app.get(Some(&disp), "/api/done").await;
    assert_eq!(done["total"], 4);
    assert!(done["items"].as_array().unwrap().iter().any(|i| i["item"]["kind"] == "supervision"), "{done}");
    let (_, counts) = app.get(Some(&disp), "/api/inbox/counts").await;
    assert_eq!(counts["total"], 2, "{counts}");
}
