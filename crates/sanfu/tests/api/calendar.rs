//! The working-day calendar through the API and the command line.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn deadlines_follow_the_2026_spring_festival_and_national_day() {
    let app = spawn_app().await;
    let t = app.login("dispatcher").await;
    let (s, v) = app.get(Some(&t), "/api/calendar").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["years"].as_array().unwrap().len(), 23);
    assert_eq!(v["working_hours"], "08:30-12:00,14:00-17:30");
    // Friday 13 Feb 2026, 10:00 CST: the make-up Saturday counts, the festival does not.
    let (_, v) = app.get(Some(&t), "/api/calendar/deadline?from=2026-02-13T02:00:00Z&limit=2wd").await;
    assert_eq!((v["due_local"].as_str(), v["provisional"].as_bool()), (Some("2026-02-24 17:30"), Some(false)));
    let (_, v) = app.get(Some(&t), "/api/calendar/deadline?from=2026-09-30T08:00:00Z&limit=2wh").await;
    assert_eq!(v["due_local"], "2026-10-08 09:00");
    let (_, v) = app.get(Some(&t), "/api/calendar/2026").await;
    let days = v["days"].as_array().unwrap();
    assert!(days.iter().any(|d| d["date"] == "2026-02-14" && d["kind"] == "workday"));
    let (s, v) = app.get(Some(&t), "/api/calendar/2031").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("year_not_loaded")));
    let (s, v) = app.get(Some(&t), "/api/calendar/deadline?limit=3weeks").await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_limit")));
}

#[tokio::test]
async fn a_new_year_is_loaded_by_an_administrator_and_ends_the_provisional_guess() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let disp = app.login("dispatcher").await;
    let url = "/api/calendar/deadline?from=2026-12-30T02:00:00Z&limit=2wd";
    let (_, v) = app.get(Some(&disp), url).await;
    assert_eq!((v["due_local"].as_str(), v["provisional"].as_bool()), (Some("2027-01-01 17:30"), Some(true)));

    let csv = "date,kind,holiday\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n";
    let post_csv = |token: String, body: &'static str| {
        let c = app.client.clone();
        let url = format!("{}/api/admin/calendar", app.base);
        async move { c.post(url).bearer_auth(token).header("content-type", "text/csv").body(body).send().await.unwrap() }
    };
    assert_eq!(post_csv(disp.clone(), "date,kind,holiday\n2027-01-01,holiday,元旦\n").await.status(), StatusCode::FORBIDDEN);
    let before = app.counts().await;
    let bad = post_csv(admin.clone(), "date,kind,holiday\n2027-01-04,workday,元旦\n").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["code"], "invalid_calendar");
    assert!(body["message"].as_str().unwrap().contains("第 2 行"), "{body}");
    assert_eq!(app.counts().await, before);
    let (_, v) = app.get(Some(&disp), url).await;
    assert_eq!(v["provisional"], true, "a refused file changes nothing");

    let (s, v) = app.post(Some(&admin), "/api/admin/calendar", json!({"csv": csv, "source": "国办发明电〔2026〕"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["loaded_years"], json!([2027]));
    let (_, v) = app.get(Some(&disp), url).await;
    assert_eq!((v["due_local"].as_str(), v["provisional"].as_bool()), (Some("2027-01-04 17:30"), Some(false)));

    // Working hours are configuration too.
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/calendar/working-hours", Some(json!({"working_hours": "09:00-12:00,13:30-17:00"}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(Some(&disp), "/api/calendar/deadline?from=2026-11-25T03:30:00Z&limit=1wh").await;
    assert_eq!(v["due_local"], "2026-11-25 14:00");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/calendar/working-hours", Some(json!({"working_hours": "17:00-09:00"}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_working_hours")));

    // The schedule and the hours survive a restart: the day now ends at 17:00.
    let app = app.restart().await;
    let disp = app.login("dispatcher").await;
    let (_, v) = app.get(Some(&disp), url).await;
    assert_eq!((v["due_local"].as_str(), v["provisional"].as_bool()), (Some("2027-01-04 17:00"), Some(false)));
}

#[tokio::test]
async fn the_command_line_loads_a_schedule_and_computes_deadlines() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.csv");
    std::fs::write(&file, "date,kind,holiday\n2027-01-01,holiday,元旦\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_sanfu");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let out = run(&["calendar", "load", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已导入 2027 年"));
    let out = run(&["calendar", "due", "--limit", "2wd", "--from", "2026-12-30T10:00:00+08:00"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2027-01-04 17:30") && !text.contains("暂定"), "{text}");
    std::fs::write(&file, "2027-01-06,workday,元旦\n").unwrap();
    let out = run(&["calendar", "load", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是周末"));
    // The running server sees the CLI's schedule after it reloads (a restart does).
    let app = app.restart().await;
    let t = app.login("dispatcher").await;
    let (_, v) = app.get(Some(&t), "/api/calendar").await;
    assert!(v["years"].as_array().unwrap().contains(&json!(2027)));
}
