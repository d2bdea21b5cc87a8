use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use sanfu::Application;
use sanfu_store::Store;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;

pub const PW: &str = sanfu_store::seed::DEMO_PASSWORD;

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub store: Store,
    pub database_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh database URL: a new PostgreSQL database under TEST_DATABASE_URL, or an SQLite file
/// in a temporary directory.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("sanfu_test_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            conn.close().await.ok();
            let (no_query, query) = match admin_url.split_once('?') {
                Some((a, q)) => (a.to_string(), format!("?{q}")),
                None => (admin_url.clone(), String::new()),
            };
            let host_start = no_query.find("://").map(|i| i + 3).unwrap_or(0);
            let base = match no_query[host_start..].find('/') {
                Some(i) => no_query[..host_start + i].to_string(),
                None => no_query.clone(),
            };
            (format!("{base}/{name}{query}"), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("sanfu.db").display());
            (url, Some(dir))
        }
    }
}

/// The store a test runs on; on PostgreSQL when TEST_DATABASE_URL says so (and never silently
/// on SQLite instead).
async fn open_store(url: &str) -> Store {
    let store = Store::open(url).await.expect("open store");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        assert_eq!(store.backend(), sanfu_store::Backend::Postgres, "TEST_DATABASE_URL is set: the test must run on PostgreSQL");
    }
    store
}

pub async fn spawn_app() -> TestApp {
    let (url, dir) = fresh_database().await;
    let store = open_store(&url).await;
    store.seed_demo(false).await.expect("seed demo city");
    start(url, store, dir).await
}

/// The demo city with its heavy reads on a replica: the same database, reached through a
/// second pool (as a hot standby that has replayed everything would answer).
pub async fn spawn_app_with_replica() -> TestApp {
    let (url, dir) = fresh_database().await;
    let store = open_store(&url).await;
    store.seed_demo(false).await.expect("seed demo city");
    let store = store.with_replica(&url).await.expect("replica");
    start(url, store, dir).await
}

/// A new installation: an empty database, no city, no account.
pub async fn spawn_empty() -> TestApp {
    let (url, dir) = fresh_database().await;
    let store = open_store(&url).await;
    start(url, store, dir).await
}

/// The demo city served with the given settings (HTTPS behind a proxy, …).
pub async fn spawn_app_with(web: sanfu_web::WebConfig) -> TestApp {
    let (url, dir) = fresh_database().await;
    let store = open_store(&url).await;
    store.seed_demo(false).await.expect("seed demo city");
    start_with(url, store, dir, web).await
}

async fn start(database_url: String, store: Store, dir: Option<tempfile::TempDir>) -> TestApp {
    start_with(database_url, store, dir, Default::default()).await
}

async fn start_with(database_url: String, store: Store, dir: Option<tempfile::TempDir>, web: sanfu_web::WebConfig) -> TestApp {
    // The server's internal errors (logged, never shown to the caller) appear in the output of
    // the test that met them.
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter(tracing_subscriber::EnvFilter::new("error")).try_init();
    let app = Application::with_store("127.0.0.1:0", store.clone()).await.expect("bind").with_web_config(web);
    let addr = app.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run_until(async move {
            let _ = rx.await;
        })
        .await
        .expect("server");
    });
    TestApp {
        base: format!("http://{addr}"),
        client: Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
        store,
        database_url,
        stop: Some(tx),
        task: Some(task),
        _dir: dir,
    }
}

impl TestApp {
    /// Stop the server and start a new one on the same database (a restart).
    pub async fn restart(mut self) -> TestApp {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
        let store = open_store(&self.database_url).await;
        let dir = self._dir.take();
        start(self.database_url.clone(), store, dir).await
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self.post(None, "/api/auth/login", json!({"username": username, "password": PW})).await;
        assert_eq!(r.0, StatusCode::OK, "login {username}: {}", r.1);
        r.1["token"].as_str().unwrap().to_string()
    }

    pub async fn call(&self, method: Method, token: Option<&str>, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// A body of any type, posted as it is.
    pub async fn post_raw(&self, token: &str, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let s = resp.status();
        (s, resp.json().await.unwrap_or(Value::Null))
    }

    /// A page as `username` sees it in the browser (logged in with the session cookie).
    pub async fn page(&self, username: &str, path: &str) -> (StatusCode, String) {
        let r = self.client.post(format!("{}/api/auth/login", self.base)).json(&json!({"username": username, "password": PW})).send().await.unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let resp = self.client.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, token, path, Some(body)).await
    }

    /// Register an order by phone as `token` (an operator) and return it.
    pub async fn register(&self, token: &str, body: Value) -> Value {
        let (s, v) = self.post(Some(token), "/api/orders", body).await;
        assert_eq!(s, StatusCode::CREATED, "register: {v}");
        v
    }

    /// Run an action and insist it succeeds.
    pub async fn act(&self, token: &str, order: &str, action: &str, body: Value) -> Value {
        let (s, v) = self.post(Some(token), &format!("/api/orders/{order}/{action}"), body).await;
        assert_eq!(s, StatusCode::OK, "{action} on {order}: {v}");
        v["order"].clone()
    }

    /// Run an action that must be refused; returns (status, code).
    pub async fn refused(&self, token: &str, order: &str, action: &str, body: Value) -> (StatusCode, String) {
        let (s, v) = self.post(Some(token), &format!("/api/orders/{order}/{action}"), body).await;
        assert!(s.is_client_error(), "{action} on {order} should be refused: {s} {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "refusal has a message: {v}");
        (s, v["code"].as_str().unwrap_or_default().to_string())
    }

    pub async fn events(&self, token: &str, order: &str) -> Vec<Value> {
        let (s, v) = self.get(Some(token), &format!("/api/orders/{order}/events")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["events"].as_array().unwrap().clone()
    }

    pub async fn order(&self, token: &str, order: &str) -> Value {
        let (s, v) = self.get(Some(token), &format!("/api/orders/{order}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["order"].clone()
    }

    /// Orders in the database and events in the log, for "nothing was written" checks.
    pub async fn counts(&self) -> (i64, i64) {
        let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items").fetch_one(self.store.pool()).await.unwrap();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(self.store.pool()).await.unwrap();
        (orders, events)
    }
}

impl TestApp {
    /// An order about `content`, taken to `state` the way people would take it there, in one
    /// call: registered by the dispatcher, dispatched to `unit`, signed and answered by the
    /// unit's liaison, reviewed, called back — as far as `state` needs. Returns its id.
    pub async fn order_in(&self, state: &str, unit: &str, content: &str) -> String {
        let disp = self.login("dispatcher").await;
        let id = self.register(&disp, complaint(content)).await["order"]["id"].as_str().unwrap().to_string();
        self.take_to(&id, state, unit).await;
        id
    }

    /// A registered order (by id or number) taken on to `state`, as [`TestApp::order_in`].
    pub async fn take_to(&self, id: &str, state: &str, unit: &str) {
        let disp = self.login("dispatcher").await;
        let path: &[&str] = match state {
            "registered" => &[],
            "dispatched" => &["dispatch"],
            "handling" => &["dispatch", "sign"],
            "return_requested" => &["dispatch", "return"],
            "returned" => &["dispatch", "return", "judge-return"],
            "answered" => &["dispatch", "sign", "answer"],
            "callback" => &["dispatch", "sign", "answer", "review"],
            "closed" => &["dispatch", "sign", "answer", "review", "callback"],
            other => panic!("no way to {other}"),
        };
        let liaison = if path.len() > 1 { self.login(unit).await } else { String::new() };
        for step in path {
            let (who, body) = match *step {
                "dispatch" => (&disp, json!({"lead_unit_id": unit})),
                "sign" => (&liaison, json!({})),
                "return" => (&liaison, json!({"reason": "不属于本单位职责"})),
                "judge-return" => (&disp, json!({"approve": true})),
                "answer" => (&liaison, json!({"text": "已现场核实并处理完毕。"})),
                "review" => (&disp, json!({"pass": true})),
                _ => (&disp, json!({"satisfaction": "satisfied"})),
            };
            self.act(who, id, step, body).await;
        }
        assert_eq!(self.order(&disp, id).await["state"], state, "the order reached its state");
    }
}

/// A typical phone registration.
pub fn complaint(content: &str) -> Value {
    json!({
        "order_type": "complaint",
        "category_id": "0301",
        "subject": "夜间施工噪音扰民",
        "content": content,
        "address": "东湖区湖滨路88号",
        "citizen_name": "张三",
        "citizen_phone": "13812341234",
    })
}

pub fn names(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

impl TestApp {
    /// An actor for store-level calls (simulated times).
    pub async fn actor(&self, username: &str) -> sanfu_domain::Actor {
        let id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(self.store.pool())
            .await
            .unwrap();
        let staff = self.store.staff(&id).await.unwrap().unwrap();
        sanfu_domain::Actor { principal: sanfu_domain::Principal::Staff(staff), ip: "127.0.0.1".into() }
    }
}

/// A moment in China time.
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    sanfu_calendar::china_offset().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&chrono::Utc)
}

/// The public form as the browser got it: cookie, CSRF token, one-time key, challenge token.
pub struct FormState {
    pub cookie: String,
    pub csrf: String,
    pub once: String,
    pub challenge: Option<(String, u32)>,
}

pub fn field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

pub async fn open_form(app: &TestApp, c: &reqwest::Client, cookie: Option<&str>) -> FormState {
    let mut r = c.get(format!("{}/", app.base));
    if let Some(k) = cookie {
        r = r.header("cookie", k);
    }
    let resp = r.send().await.unwrap();
    let cookie = match resp.headers().get("set-cookie") {
        Some(v) => v.to_str().unwrap().split(';').next().unwrap().to_string(),
        None => cookie.unwrap().to_string(),
    };
    let html = resp.text().await.unwrap();
    // The question is a sum of two digits written in Chinese: the test reads it like a person.
    let challenge = field(&html, "_challenge").map(|t| {
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        let q = &html[html.find("请计算：").unwrap() + "请计算：".len()..];
        let a = digits.iter().position(|d| q.starts_with(d)).unwrap() as u32;
        let after = &q[q.find('加').unwrap() + '加'.len_utf8()..];
        let b = digits.iter().position(|d| after.starts_with(d)).unwrap() as u32;
        (t, a + b)
    });
    FormState { csrf: field(&html, "_csrf").unwrap(), once: field(&html, "_once").unwrap(), cookie, challenge }
}


/// A client whose connections come from another loopback address (127.0.0.x).
pub fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, last)))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}


pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A `sanfu serve` process, killed when dropped: a test that fails half-way leaves no server
/// running.
pub struct Server(std::process::Child);

impl std::ops::Deref for Server {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sanfu serve` as its own process on `url`, with `args` added.
pub fn serve(url: &str, port: u16, args: &[&str]) -> Server {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sanfu"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start sanfu serve");
    Server(child)
}

/// A token for `username` from the server at `base`, waiting for it to start.
pub async fn login_at(client: &Client, base: &str, username: &str) -> String {
    for _ in 0..300 {
        if let Ok(r) = client.post(format!("{base}/api/auth/login")).json(&json!({"username": username, "password": PW})).send().await
            && r.status() == 200
        {
            let v: Value = r.json().await.expect("login json");
            return v["token"].as_str().expect("token").to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

/// A fresh database with the demo city in it (no orders), closed again: for servers started as
/// processes of their own.
pub async fn seeded_database() -> (String, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database().await;
    let store = open_store(&url).await;
    store.seed_demo(false).await.expect("seed");
    store.close().await;
    (url, dir)
}
