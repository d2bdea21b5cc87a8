//! A real city installs Sanfu from nothing: the first administrator, its units, categories and
//! accounts from the template, then the hotline's work on them.

use reqwest::{StatusCode, redirect};
use serde_json::{Value, json};

use crate::helpers::*;

const ADMIN_PW: &str = "Haizhou#Gov-2026";

/// The template filled in for 海州市: a department, a district and its street, categories, a
/// liaison of the department.
fn filled_template() -> String {
    [
        "类型,编码,名称,上级编码,单位类别,默认承办单位,角色,初始密码,分管单位",
        "单位,hz-zjj,海州市住房和城乡建设局,gov,市直部门,,,,",
        "单位,hz-jd,海州市江东区人民政府,gov,县区,,,,",
        "单位,hz-jd-bt,江东区滨湖街道,hz-jd,街道/乡镇,,,,",
        "分类,01,城乡建设,,,,,,",
        "分类,0102,物业管理,01,,hz-zjj,,,",
        "用户,hz-zjj-ll,林芳,hz-zjj,,,承办单位联络员,Lf#Wuye-2026,",
        "用户,hz-disp,周敏,hotline,,,派单员、话务员,Zm#Paidan-2026,",
    ]
    .join("\r\n")
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

async fn import(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str, dry_run: bool) -> (StatusCode, Value) {
    app.post_raw(token, &format!("/api/admin/org-import{}", if dry_run { "?dry_run=true" } else { "" }), content_type, body).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(app.store.pool()).await.unwrap()
}

async fn login_as(app: &TestApp, username: &str, password: &str) -> String {
    let (s, v) = app.post(None, "/api/auth/login", json!({"username": username, "password": password})).await;
    assert_eq!(s, StatusCode::OK, "login {username}: {v}");
    v["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_new_city_starts_from_nothing_and_imports_its_organisation() {
    let app = spawn_empty().await;
    // Nobody to log in: the login page sends a new installation to the set-up.
    let c = reqwest::Client::builder().redirect(redirect::Policy::none()).build().unwrap();
    let r = c.get(format!("{}/login", app.base)).send().await.unwrap();
    assert_eq!((r.status(), r.headers()["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/setup"));
    let (s, v) = app.post(None, "/api/setup", json!({"city": "海州市", "username": "admin", "name": "陈明", "password": "12345678"})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")));
    let (s, v) = app.post(None, "/api/setup", json!({"city": "海州市", "username": "admin", "name": "陈明", "password": ADMIN_PW})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.post(None, "/api/setup", json!({"city": "海州市", "username": "admin2", "name": "某", "password": ADMIN_PW})).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("already_initialised")), "only once");
    let admin = login_as(&app, "admin", ADMIN_PW).await;
    let (_, units) = app.get(Some(&admin), "/api/units").await;
    let names: Vec<&str> = units["units"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["海州市人民政府", "海州市人民政府办公室", "12345政务服务便民热线中心"]);

    // The template, in both forms.
    let t = app.client.get(format!("{}/api/admin/org-template", app.base)).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(t.status(), StatusCode::OK);
    assert!(t.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let xlsx = t.bytes().await.unwrap().to_vec();
    assert!(xlsx.starts_with(b"PK"));
    let csv = app.client.get(format!("{}/api/admin/org-template?format=csv", app.base)).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    assert!(csv.trim_start_matches('\u{feff}').starts_with("类型,编码,名称,上级编码"));

    // A file with problems, saved by Excel on Chinese Windows (GBK): each row's problem, by
    // line, in Chinese; nothing imported.
    let bad = [
        "类型,编码,名称,上级编码,单位类别,默认承办单位,角色,初始密码,分管单位",
        "单位,hz-zjj,海州市住房和城乡建设局,gov,市直部门,,,,",
        "单位,hz-x,某单位,nowhere,市直部门,,,,",
        "单位,hz-y,某单位,gov,星球,,,,",
        "分类,0102,物业管理,99,,hz-zjj,,,",
        "用户,hz-ll,某,hz-zjj,,,国王,Abc#12345,",
        "用户,hz-l2,某,hz-zjj,,,承办单位联络员,12345678,",
        "部门,x,y,,,,,,",
        "单位,hz-zjj,重复,gov,市直部门,,,,",
    ]
    .join("\r\n");
    let before = (count(&app, "units").await, count(&app, "categories").await, count(&app, "users").await);
    let (s, v) = import(&app, &admin, gbk(&bad), "text/csv", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let errors = v["result"]["errors"].as_array().unwrap();
    let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9], "{v}");
    let text = v.to_string();
    for expected in ["上级单位“nowhere”不存在", "单位类别“星球”不存在", "上级分类“99”不存在", "角色“国王”不存在", "初始密码不合格", "类型“部门”应为", "在文件中重复"] {
        assert!(text.contains(expected), "{expected}: {v}");
    }
    assert_eq!((count(&app, "units").await, count(&app, "categories").await, count(&app, "users").await), before, "nothing imported");

    // The clean file: checked first, then imported, in GBK as in UTF-8.
    let (s, v) = import(&app, &admin, gbk(&filled_template()), "text/csv", true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["result"]["units"].as_i64(), v["result"]["categories"].as_i64(), v["result"]["users"].as_i64()), (Some(3), Some(2), Some(2)));
    assert_eq!(count(&app, "units").await, before.0, "a check writes nothing");
    let (s, v) = import(&app, &admin, gbk(&filled_template()), "text/csv", false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["message"].as_str().unwrap().contains("已导入 3 个单位"));
    let (s, v) = import(&app, &admin, filled_template().into_bytes(), "text/csv", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a second import finds everything there: {v}");

    // The public form now offers the categories, and the hotline works on the new units.
    let (_, cats) = app.get(None, "/api/categories").await;
    assert!(cats.to_string().contains("物业管理"));
    let (s, v) = app.post(None, "/api/public/orders", json!({"order_type": "complaint", "category_id": "0102", "content": "滨湖花园电梯停运一周，物业不管。", "citizen_phone": "13900001234"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let n = v["number"].as_str().unwrap().to_string();
    let disp = login_as(&app, "hz-disp", "Zm#Paidan-2026").await;
    let o = app.act(&disp, &n, "dispatch", json!({"lead_unit_id": "hz-zjj"})).await;
    assert_eq!(o["lead_unit"]["name"], "海州市住房和城乡建设局");
    let ll = login_as(&app, "hz-zjj-ll", "Lf#Wuye-2026").await;
    app.act(&ll, &n, "sign", json!({})).await;

    // Moving, renaming and disabling.
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/units/hz-jd-bt", Some(json!({"name": "江东区滨湖街道办事处", "parent_id": "gov"}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/units/hz-jd", Some(json!({"parent_id": "hz-jd-bt"}))).await;
    assert_eq!(s, StatusCode::OK, "a district may move under the street that is no longer its own: {v}");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/units/hz-jd-bt", Some(json!({"parent_id": "hz-jd"}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_cycle")));
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/units/hz-zjj", Some(json!({"active": false}))).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("unit_has_open_work")), "its open order comes first");
    let (s, _) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/units/hz-jd-bt", Some(json!({"active": false}))).await;
    assert_eq!(s, StatusCode::OK);
    let (_, units) = app.get(Some(&admin), "/api/units").await;
    assert!(!units.to_string().contains("滨湖街道"), "a disabled unit is offered nowhere");
    let (_, all) = app.get(Some(&admin), "/api/admin/units").await;
    assert!(all.to_string().contains("滨湖街道办事处"), "but the administration still lists it");
    let (s, v) = app.call(reqwest::Method::PUT, Some(&admin), "/api/admin/categories/0102", Some(json!({"name": "物业服务", "default_unit_id": "hz-zjj"}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["category"]["name"], "物业服务");

    // An account disabled: its sessions end at once; a reset password ends them too.
    let (_, users) = app.get(Some(&admin), "/api/admin/users").await;
    let ll_id = users["users"].as_array().unwrap().iter().find(|u| u["username"] == "hz-zjj-ll").unwrap()["id"].as_str().unwrap().to_string();
    assert!(users["users"].as_array().unwrap().iter().find(|u| u["username"] == "hz-zjj-ll").unwrap()["last_login"].is_string());
    let (s, _) = app.call(reqwest::Method::PUT, Some(&admin), &format!("/api/admin/users/{ll_id}"), Some(json!({"active": false}))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(Some(&ll), "/api/inbox").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the disabled account's session ended");
    let (s, _) = app.post(None, "/api/auth/login", json!({"username": "hz-zjj-ll", "password": "Lf#Wuye-2026"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.call(reqwest::Method::PUT, Some(&admin), &format!("/api/admin/users/{ll_id}"), Some(json!({"active": true}))).await;
    let ll = login_as(&app, "hz-zjj-ll", "Lf#Wuye-2026").await;
    let (s, v) = app.post(Some(&admin), &format!("/api/admin/users/{ll_id}/password"), json!({"password": "Lf#Xinmima-2027"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.get(Some(&ll), "/api/inbox").await.0, StatusCode::UNAUTHORIZED);
    login_as(&app, "hz-zjj-ll", "Lf#Xinmima-2027").await;
    // Only administrators administer.
    let (s, _) = app.call(reqwest::Method::PUT, Some(&disp), "/api/admin/units/hz-zjj", Some(json!({"name": "x"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = import(&app, &disp, filled_template().into_bytes(), "text/csv", true).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_xlsx_template_imports_as_it_was_downloaded() {
    let app = spawn_empty().await;
    app.store.init_city("海州市", "admin", "陈明", ADMIN_PW).await.unwrap();
    let admin = login_as(&app, "admin", ADMIN_PW).await;
    let xlsx = app.client.get(format!("{}/api/admin/org-template", app.base)).bearer_auth(&admin).send().await.unwrap().bytes().await.unwrap().to_vec();
    let (s, v) = import(&app, &admin, xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["result"]["units"].as_i64(), v["result"]["categories"].as_i64(), v["result"]["users"].as_i64()), (Some(3), Some(2), Some(1)));
    login_as(&app, "zjj-ll", "Jz#2026-zjj").await;
}

#[tokio::test]
async fn a_running_sqlite_database_is_backed_up_whole_while_orders_arrive() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    if app.store.backend() == sanfu_store::Backend::Postgres {
        let e = app.store.backup_to(&path).await.unwrap_err();
        assert!(e.to_string().contains("pg_dump"), "{e}");
        return;
    }
    let op = app.login("operator").await;
    for i in 0..5 {
        app.register(&op, complaint(&format!("备份之前登记的第{i}件"))).await;
    }
    // Registrations go on while the copy is taken.
    let writer = {
        let (client, base, op) = (app.client.clone(), app.base.clone(), op.clone());
        tokio::spawn(async move {
            for i in 0..30 {
                let r = client.post(format!("{base}/api/orders")).bearer_auth(&op).json(&complaint(&format!("备份期间登记的第{i}件"))).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
            }
        })
    };
    let bytes = app.store.backup_to(&path).await.unwrap();
    writer.await.unwrap();
    assert!(bytes > 0);
    // The copy opens as a database of its own, with every order it holds whole.
    let copy = sanfu_store::Store::open(&format!("sqlite://{}?mode=rw", path.display())).await.unwrap();
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items").fetch_one(copy.pool()).await.unwrap();
    let details: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_orders").fetch_one(copy.pool()).await.unwrap();
    assert_eq!(orders, details, "no order without its details");
    assert!(orders >= 5, "everything acknowledged before the backup is in it: {orders}");
    // A second backup to the same file is refused rather than overwriting it.
    assert!(app.store.backup_to(&path).await.is_err());
}

fn sanfu(args: &[&str], database_url: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sanfu")).args(args).env("DATABASE_URL", database_url).env("RUST_LOG", "info").output().unwrap()
}

#[tokio::test]
async fn the_command_line_speaks_chinese_and_its_logs_carry_no_colour_codes() {
    let app = spawn_app().await;
    let help = sanfu(&["--help"], &app.database_url);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("用法：") && text.contains("命令") && text.contains("显示帮助"), "{text}");
    assert!(!text.contains("Usage:") && !text.contains("Print help"), "{text}");
    let sub = sanfu(&["org", "import", "--help"], &app.database_url);
    assert!(String::from_utf8_lossy(&sub.stdout).contains("只检查，不导入"));
    // An error is a sentence in Chinese, not a backtrace; logs written to a file or pipe have
    // no colour codes.
    let bad = sanfu(&["org", "import", "/no/such/file.csv"], &app.database_url);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(err.contains("错误：无法读取") && !err.contains("Stack backtrace"), "{err}");
    assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
}

#[tokio::test]
async fn the_api_describes_itself_in_openapi() {
    let app = spawn_app().await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    // Each documented request body is what the handler accepts: the registration's fields.
    let input = &doc["components"]["schemas"]["OrderInput"]["properties"];
    for f in ["order_type", "category_id", "content", "citizen_phone", "publish_consent"] {
        assert!(!input[f].is_null(), "{f}: {input}");
    }
    assert!(!doc["paths"]["/api/orders/{key}/{action}"]["post"]["responses"]["409"].is_null());
}
