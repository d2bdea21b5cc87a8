//! Bulk import from the command line, and the demo city.

use serde_json::json;

use crate::helpers::*;

fn run(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sanfu"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

/// `n` generated orders of the `days` before now, written as JSON lines into `dir`.
fn generated_file(dir: &std::path::Path, n: usize, days: i64, seed: u64) -> (std::path::PathBuf, Vec<sanfu_store::hotline::import::ImportRecord>) {
    let now = chrono::Utc::now();
    let records = sanfu_store::hotline::generate::orders(n, now - chrono::Duration::days(days), now, now, seed);
    let text: String = records.iter().map(|r| format!("{}\n", serde_json::to_string(r).unwrap())).collect();
    let file = dir.join("history.jsonl");
    std::fs::write(&file, text).unwrap();
    (file, records)
}

async fn order_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM work_items WHERE kind = 'work_order'").fetch_one(app.store.pool()).await.unwrap()
}

#[tokio::test]
async fn historical_orders_are_imported_with_their_whole_timeline_and_bad_lines_are_named() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.jsonl");
    let lines = [
        json!({"number": "20250301000123", "order_type": "complaint", "category": "0301", "subject": "工地夜间施工",
               "content": "湖滨路工地夜间施工扰民。", "citizen_phone": "13812345678", "created_at": "2025-03-03T01:00:00Z",
               "unit": "sthjj", "dispatched_at": "2025-03-03T01:30:00Z", "signed_at": "2025-03-03T02:00:00Z",
               "answered_at": "2025-03-05T03:00:00Z", "answer": "已责令停工整改。", "closed_at": "2025-03-06T03:00:00Z",
               "satisfaction": "basic"}),
        json!({"order_type": "help", "category": "0901", "content": "小区停水。", "created_at": "2025-03-04T01:00:00Z",
               "unit": "water", "dispatched_at": "2025-03-04T01:10:00Z"}),
        json!({"order_type": "help", "category": "0901", "content": "答复早于签收。", "created_at": "2025-03-04T01:00:00Z",
               "unit": "water", "dispatched_at": "2025-03-04T01:10:00Z", "answered_at": "2025-03-04T02:10:00Z"}),
        json!({"order_type": "help", "category": "0901", "content": "没有这个单位。", "created_at": "2025-03-04T01:00:00Z",
               "unit": "atlantis", "dispatched_at": "2025-03-04T01:10:00Z"}),
    ];
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    text.push_str("{not json}\n");
    std::fs::write(&file, text).unwrap();
    let out = run(&app, &["import", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("import orders=2 skipped=3"), "{stdout}");
    assert!(stderr.contains("第 3 条") && stderr.contains("第 4 条") && stderr.contains("atlantis") && stderr.contains("第 5 条"), "{stderr}");

    let disp = app.login("dispatcher").await;
    let o = app.order(&disp, "20250301000123").await;
    assert_eq!((o["state"].as_str(), o["satisfaction"].as_str()), (Some("closed"), Some("basic")));
    assert_eq!(o["lead_unit"]["name"], "市生态环境局");
    let ev = app.events(&disp, "20250301000123").await;
    assert_eq!(names(&ev), ["register", "dispatch", "sign", "answer", "review", "callback"]);
    assert_eq!(ev[2]["at"], "2025-03-03T02:00:00Z");
    let id = o["id"].as_str().unwrap();
    assert_eq!(sanfu_store::events::verify_chain(app.store.pool(), id).await.unwrap(), Ok(6));
    // Imported history counts in the statistics like live work.
    let (_, v) = app.get(Some(&disp), "/api/stats?unit_id=sthjj&from=2025-03-01&to=2025-03-31").await;
    assert_eq!((v["counts"]["volume"].as_i64(), v["rates"]["satisfaction"].as_f64()), (Some(1), Some(1.0)));
    // The still-open one waits in the unit's inbox, and its old deadlines raise no fresh alarms.
    let (_, inbox) = app.get(Some(&app.login("water").await), "/api/inbox").await;
    assert_eq!(inbox["counts"][0]["count"], 1);
    assert_eq!(app.store.run_warnings(chrono::Utc::now()).await.unwrap().red, 0);
    // But the warnings still ahead of it are owed: its answer deadline runs like a live one's.
    let open = inbox["items"][0]["order"]["id"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("UPDATE deadlines SET warned = 0, warn_at = $1, due_at = $2 WHERE work_id = $3 AND kind = 'answer'")
        .bind(now - 1000).bind(now + 3_600_000).bind(&open).execute(app.store.pool()).await.unwrap();
    assert_eq!(app.store.run_warnings(chrono::Utc::now()).await.unwrap().yellow, 1);
    assert_eq!(names(&app.events(&disp, &open).await).last().map(String::as_str), Some("warning"));

    // CSV with the same columns.
    let csv = dir.path().join("more.csv");
    std::fs::write(&csv, "order_type,category,content,created_at,unit,dispatched_at,closed_at\n\
        inquiry,0104,公积金提取咨询,2025-04-01T02:00:00Z,,,2025-04-01T02:05:00Z\n").unwrap();
    let out = run(&app, &["import", csv.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("import orders=1 skipped=0"), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, v) = app.get(Some(&disp), "/api/stats?from=2025-04-01&to=2025-04-30").await;
    assert_eq!(v["counts"]["volume"], 1);

    // The same saved by Excel on Chinese Windows: GBK, read as such; a broken row is named in
    // Chinese by its line, and the others go in.
    let gbk = dir.path().join("gbk.csv");
    let text = "order_type,category,content,created_at,unit,dispatched_at,closed_at\r\n\
        inquiry,0104,公积金提取需要哪些材料,2025-05-06T02:00:00Z,,,2025-05-06T02:05:00Z\r\n\
        inquiry,0104\r\n";
    std::fs::write(&gbk, encoding_rs::GB18030.encode(text).0).unwrap();
    let out = run(&app, &["import", gbk.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("import orders=1 skipped=1"), "{stdout} {stderr}");
    assert!(stderr.contains("第 2 条") && stderr.contains("缺少必填列"), "{stderr}");
    let (_, found) = app.get(Some(&disp), "/api/orders?q=公积金提取需要哪些材料").await;
    assert_eq!(found["total"], 1, "the Chinese text came through: {found}");
}

#[tokio::test]
async fn a_stopped_import_continues_where_it_stopped_and_nothing_is_imported_twice() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, records) = generated_file(dir.path(), 30, 60, 5);
    let orders = || order_count(&app);
    let before = orders().await;

    // A first run stops (as if killed) after two batches of ten reached the disk; the five
    // records it had read beyond them were never written.
    let (_, _, source) = sanfu::bench::read_records(&file).unwrap();
    let (mut imp, resume) = sanfu_store::hotline::import::Importer::resumable(&app.store, &source).await.unwrap();
    assert!(resume.is_none());
    imp.batch_size = 10;
    for (n, r) in records.iter().take(25).enumerate() {
        imp.add(n + 1, r.clone()).await.unwrap();
    }
    assert_eq!(imp.written().await.unwrap(), 20);
    drop(imp);
    assert_eq!(orders().await, before + 20);

    // The same file again: it continues with the 21st record and writes each record once.
    let out = run(&app, &["import", file.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("从第 21 条继续"), "{stderr}");
    assert!(stdout.contains("import orders=10 skipped=0"), "{stdout}");
    assert_eq!(orders().await, before + 30);
    for r in &records {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_orders o JOIN work_items w ON w.id = o.id WHERE o.content = $1 AND w.created_at = $2")
            .bind(&r.content)
            .bind(r.created_at.timestamp_millis())
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1, "{} at {}", r.content, r.created_at);
    }
    let numbers: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT number) FROM work_items WHERE kind = 'work_order'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(numbers, before + 30, "every order its own number");
    // The imported orders are found by their words like any other.
    let disp = app.login("dispatcher").await;
    let last = &records[29];
    let words = last.content.split('，').next().unwrap_or(&last.content).to_string();
    let (_, found) = app.get(Some(&disp), &format!("/api/orders?{}", serde_urlencoded::to_string([("q", &words)]).unwrap())).await;
    assert!(found["total"].as_i64().unwrap_or(0) >= 1, "{words}: {found}");

    // Once finished, the file is not imported again.
    let out = run(&app, &["import", file.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stderr.contains("此前已导入完毕"), "{stderr}");
    assert!(stdout.contains("import orders=0"), "{stdout}");
    assert_eq!(orders().await, before + 30);
}

#[tokio::test]
async fn an_import_killed_midway_is_finished_by_the_next_run_with_every_record_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = generated_file(dir.path(), 12_000, 300, 9);
    let count = || order_count(&app);
    let before = count().await;

    // Killed (SIGKILL) as soon as its first batch of 5,000 is committed.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sanfu"))
        .args(["import", file.to_str().unwrap()])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let consumed = loop {
        let line: Option<i64> = sqlx::query_scalar("SELECT line FROM import_progress").fetch_optional(app.store.pool()).await.unwrap();
        if let Some(l) = line.filter(|l| *l > 0) {
            break l;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "no batch committed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let left = count().await - before;
    assert!(left >= consumed && left < 12_000, "killed midway: {left} stored, {consumed} recorded");

    let out = run(&app, &["import", file.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("处中断"), "{stderr}");
    assert_eq!(count().await, before + 12_000, "{stdout}");
    let doubled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT o.content, w.created_at FROM work_orders o JOIN work_items w ON w.id = o.id
         GROUP BY o.content, w.created_at, o.citizen_phone HAVING COUNT(*) > 1) t",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(doubled, 0, "a record stored twice");
    let numbers: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT number) FROM work_items WHERE kind = 'work_order'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(numbers, before + 12_000);
    // Its statistics count every order once: the roll-ups equal a recount.
    let (rolled, facts): (i64, i64) = (
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(volume), 0) AS BIGINT) FROM order_days").fetch_one(app.store.pool()).await.unwrap(),
        sqlx::query_scalar("SELECT COUNT(*) FROM order_facts").fetch_one(app.store.pool()).await.unwrap(),
    );
    assert_eq!(rolled, facts);
}

#[tokio::test]
async fn the_demo_city_has_forty_units_every_role_and_orders_in_every_state() {
    let (url, _dir) = fresh_database().await;
    let store = sanfu_store::Store::open(&url).await.unwrap();
    let accounts = store.seed_demo(true).await.unwrap();
    let roles: Vec<&str> = accounts.iter().map(|a| a.role).collect();
    for r in ["系统管理员", "话务员", "派单员", "办公室科室人员", "市领导", "承办单位联络员"] {
        assert!(roles.contains(&r), "{r}");
    }
    let units = store.units().await.unwrap();
    assert!(units.len() >= 40, "{}", units.len());
    assert_eq!(units.iter().filter(|u| u.kind == sanfu_domain::UnitKind::District).count(), 5);
    let states: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM work_items GROUP BY state")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let total: i64 = states.iter().map(|(_, n)| n).sum();
    assert!(total >= 3000, "{total}");
    for s in ["registered", "dispatched", "handling", "answered", "callback", "closed"] {
        assert!(states.iter().any(|(x, n)| x == s && *n > 0), "no order {s}: {states:?}");
    }
    // Varied text: many distinct subjects and contents.
    let distinct: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT content) FROM work_orders").fetch_one(store.pool()).await.unwrap();
    assert!(distinct > 1500, "{distinct}");
    // Months of history.
    let span: i64 = sqlx::query_scalar("SELECT MAX(created_at) - MIN(created_at) FROM work_items").fetch_one(store.pool()).await.unwrap();
    assert!(span > 150 * 24 * 3600 * 1000);
}
