//! A request fuzzer for Sanfu's own routes. It sends every route, in every method, with
//! malformed path segments, query strings and bodies (wrong types, broken JSON, invalid UTF-8,
//! NUL characters, oversized fields, forged forms), as anonymous callers and as each kind of
//! user, against real orders in every state; and counts what a user would call a failure:
//! a 5xx answer, or an API error that is not `{code, message}`.
//!
//! `sanfu bench fuzz` runs it at scale (BENCHMARKS.md); the test suite runs a small seeded
//! round on each database.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method};
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Debug, Default, Clone)]
pub struct FuzzReport {
    pub requests: usize,
    /// Answers by status code.
    pub statuses: BTreeMap<u16, usize>,
    /// `METHOD path → status` of every 5xx (the first 50).
    pub server_errors: Vec<String>,
    pub server_error_count: usize,
    /// API error answers that were not `{code, message}` (the first 50).
    pub shape_errors: Vec<String>,
    pub shape_error_count: usize,
    pub seconds: f64,
}

impl FuzzReport {
    pub fn line(&self) -> String {
        let classes = self.statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect::<Vec<_>>().join(",");
        format!(
            "fuzz requests={} server_errors={} shape_errors={} seconds={:.1} statuses={classes}",
            self.requests, self.server_error_count, self.shape_error_count, self.seconds
        )
    }
}

/// The routes, as the router declares them: method and path with `{…}` segments.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/me"),
    ("GET", "/api/me/sessions"),
    ("POST", "/api/me/sessions/{id}/revoke"),
    ("GET", "/api/units"),
    ("GET", "/api/categories"),
    ("GET", "/api/time-limits"),
    ("GET", "/api/calendar"),
    ("GET", "/api/calendar/deadline"),
    ("GET", "/api/calendar/{year}"),
    ("POST", "/api/admin/units"),
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users"),
    ("POST", "/api/admin/users/{id}/revoke-sessions"),
    ("POST", "/api/admin/categories"),
    ("PUT", "/api/admin/time-limits/{type}/{urgency}"),
    ("POST", "/api/admin/calendar"),
    ("PUT", "/api/admin/calendar/working-hours"),
    ("GET", "/api/orders"),
    ("POST", "/api/orders"),
    ("GET", "/api/orders/export"),
    ("GET", "/api/stats"),
    ("GET", "/api/stats/ranking"),
    ("GET", "/api/orders/{order}"),
    ("GET", "/api/orders/{order}/events"),
    ("POST", "/api/orders/{order}/{action}"),
    ("POST", "/api/orders/{order}/publish"),
    ("POST", "/api/orders/{order}/unpublish"),
    ("POST", "/api/suggest"),
    ("GET", "/api/hot-topics"),
    ("POST", "/api/orders/similar"),
    ("GET", "/api/dispatch-rules"),
    ("POST", "/api/dispatch-rules"),
    ("POST", "/api/dictionary"),
    ("POST", "/api/train"),
    ("GET", "/api/admin/auto-dispatch"),
    ("PUT", "/api/admin/auto-dispatch"),
    ("GET", "/api/knowledge"),
    ("POST", "/api/knowledge"),
    ("POST", "/api/knowledge/related"),
    ("GET", "/api/knowledge/{id}"),
    ("PUT", "/api/knowledge/{id}"),
    ("GET", "/api/public/knowledge"),
    ("GET", "/api/inbox"),
    ("GET", "/api/inbox/counts"),
    ("GET", "/api/done"),
    ("POST", "/api/public/orders"),
    ("GET", "/api/public/orders/{order}"),
    ("POST", "/api/public/orders/{order}/rate"),
    ("POST", "/api/public/orders/{order}/withdraw"),
    ("GET", "/open311/v2/{file}"),
    ("POST", "/open311/v2/{file}"),
    ("GET", "/open311/v2/{kind}/{file}"),
    ("POST", "/api/admin/api-keys"),
    ("GET", "/api/admin/public-limits"),
    ("PUT", "/api/admin/public-limits"),
    ("GET", "/api/admin/units"),
    ("PUT", "/api/admin/units/{id}"),
    ("PUT", "/api/admin/categories/{id}"),
    ("PUT", "/api/admin/users/{id}"),
    ("POST", "/api/admin/users/{id}/password"),
    ("GET", "/api/admin/org-template"),
    ("POST", "/api/admin/org-import"),
    ("POST", "/api/setup"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/admin/{what}"),
    ("POST", "/admin/import"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/desk"),
    ("GET", "/orders"),
    ("GET", "/orders/new"),
    ("POST", "/orders/new"),
    ("GET", "/orders/{order}"),
    ("POST", "/orders/{order}/do/{action}"),
    ("GET", "/stats"),
    ("GET", "/ranking"),
    ("GET", "/dashboard"),
    ("GET", "/admin"),
    ("POST", "/admin/{what}"),
    ("GET", "/"),
    ("POST", "/submit"),
    ("GET", "/orders/{order}/photos/{id}"),
    ("GET", "/follow"),
    ("POST", "/follow/{action}"),
    ("GET", "/board"),
    ("GET", "/knowledge"),
    ("GET", "/assets/app.js"),
    ("GET", "/api/kinds"),
    ("GET", "/topics"),
    ("GET", "/api/documents"),
    ("POST", "/api/documents"),
    ("GET", "/api/documents/circulation"),
    ("GET", "/api/documents/{order}"),
    ("GET", "/api/documents/{order}/pdf"),
    ("GET", "/api/documents/{order}/versions"),
    ("GET", "/api/documents/{order}/compare"),
    ("POST", "/api/documents/{order}/{action}"),
    ("GET", "/api/meetings/{order}/pdf"),
    ("GET", "/api/admin/document-settings"),
    ("PUT", "/api/admin/document-settings"),
    ("GET", "/documents"),
    ("POST", "/documents/new"),
    ("GET", "/documents/{order}"),
    ("POST", "/documents/{order}/do/{action}"),
    ("POST", "/topics/new"),
    ("GET", "/topics/plan"),
    ("POST", "/topics/plan"),
    ("GET", "/topics/{order}"),
    ("POST", "/topics/{order}/do/{action}"),
    ("GET", "/meetings"),
    ("POST", "/meetings/new"),
    ("POST", "/meetings/settings"),
    ("GET", "/meetings/decisions"),
    ("GET", "/meetings/{order}"),
    ("POST", "/meetings/{order}/do/{action}"),
    ("GET", "/supervision/{order}"),
    ("POST", "/supervision/{order}/do/{action}"),
    ("GET", "/api/supervision"),
    ("POST", "/api/supervision"),
    ("GET", "/api/supervision/{order}"),
    ("GET", "/api/supervision/{order}/events"),
    ("POST", "/api/supervision/{order}/{action}"),
    ("GET", "/api/supervision/funds"),
    ("GET", "/api/items/{order}/attachments/{order}"),
    ("GET", "/api/supervision/assessment"),
    ("POST", "/api/supervision/import"),
    ("GET", "/api/supervision/import-template"),
    ("GET", "/api/supervision/{order}/funds"),
    ("POST", "/api/supervision/{order}/funds"),
    ("GET", "/api/admin/supervision-settings"),
    ("PUT", "/api/admin/supervision-settings"),
    ("GET", "/api/instructions"),
    ("POST", "/api/instructions"),
    ("GET", "/api/instructions/{order}"),
    ("POST", "/api/instructions/{order}/{action}"),
    ("GET", "/api/topics"),
    ("POST", "/api/topics"),
    ("GET", "/api/topics/{order}"),
    ("POST", "/api/topics/{order}/{action}"),
    ("GET", "/api/topic-plans"),
    ("POST", "/api/topic-plans"),
    ("GET", "/api/meetings"),
    ("POST", "/api/meetings"),
    ("GET", "/api/meetings/decisions"),
    ("GET", "/api/meetings/{order}"),
    ("POST", "/api/meetings/{order}/{action}"),
    ("GET", "/api/admin/meeting-settings"),
    ("PUT", "/api/admin/meeting-settings"),
    ("GET", "/api/admin/number-formats"),
    ("GET", "/api/info"),
    ("POST", "/api/info"),
    ("GET", "/api/info/scores"),
    ("GET", "/api/info/requests"),
    ("POST", "/api/info/requests"),
    ("GET", "/api/info/requests/{order}"),
    ("POST", "/api/info/requests/{order}/close"),
    ("GET", "/api/info/{order}"),
    ("POST", "/api/info/{order}/{action}"),
    ("GET", "/api/bulletins"),
    ("POST", "/api/bulletins"),
    ("GET", "/api/bulletins/{order}"),
    ("GET", "/api/bulletins/{order}/pdf"),
    ("GET", "/api/bulletins/{order}/export"),
    ("POST", "/api/bulletins/{order}/{action}"),
    ("GET", "/api/admin/info-settings"),
    ("PUT", "/api/admin/info-settings"),
    ("GET", "/api/party/branches"),
    ("POST", "/api/party/branches"),
    ("GET", "/api/party/meetings"),
    ("POST", "/api/party/meetings"),
    ("GET", "/api/party/meetings/{id}"),
    ("POST", "/api/party/meetings/{id}/{action}"),
    ("GET", "/api/party/rectifications"),
    ("POST", "/api/party/rectifications"),
    ("GET", "/api/party/rectifications/{order}"),
    ("POST", "/api/party/rectifications/{order}/{action}"),
    ("GET", "/api/party/study"),
    ("POST", "/api/party/study"),
    ("GET", "/api/projects"),
    ("POST", "/api/projects"),
    ("GET", "/api/projects/{order}"),
    ("POST", "/api/projects/{order}/{action}"),
    ("GET", "/api/public/projects"),
    ("POST", "/api/public/projects/{order}/rate"),
    ("GET", "/info"),
    ("POST", "/info/new"),
    ("POST", "/info/settings"),
    ("GET", "/info/{order}"),
    ("POST", "/info/{order}/do/{action}"),
    ("GET", "/bulletins/{order}"),
    ("POST", "/bulletins/{order}/do/{action}"),
    ("GET", "/info/requests/{order}"),
    ("GET", "/party"),
    ("GET", "/party/meetings/{id}"),
    ("POST", "/party/meetings/{id}/do/{action}"),
    ("GET", "/party/rectifications/{order}"),
    ("POST", "/party/rectifications/{order}/do/{action}"),
    ("GET", "/party/projects/{order}"),
    ("POST", "/party/projects/{order}/do/{action}"),
    ("GET", "/projects"),
    ("POST", "/projects/{order}/rate"),
    ("PUT", "/api/admin/number-formats/{what}"),
    ("GET", "/api/search"),
    ("GET", "/api/items/{order}"),
    ("GET", "/api/items/{order}/events"),
    ("POST", "/api/items/{order}/links"),
    ("POST", "/api/items/{order}/cards"),
    ("POST", "/api/cards/{id}/revoke"),
    ("GET", "/api/units/{id}/cards"),
    ("GET", "/items/{order}"),
    ("POST", "/items/{order}/card"),
    ("POST", "/items/{order}/link"),
    ("POST", "/cards/{id}/revoke"),
];

/// Requests that start long work (training, rebuilding the index): sent only by users who are
/// refused them, so that the fuzzer measures answers, not a queue of trainings.
const HEAVY: &[&str] = &["/api/train", "/api/dictionary"];

const FIELDS: &[&str] = &[
    "username", "password", "order_type", "category_id", "subject", "content", "address", "lat", "lng", "citizen_name",
    "citizen_phone", "confidential", "channel", "urgency", "lead_unit_id", "co_unit_ids", "answer_due", "note", "unit_id",
    "reason", "approve", "comment", "days", "text", "pass", "satisfaction", "reopen", "master", "knowledge_id", "answer",
    "code", "name", "kind", "parent_id", "default_unit_id", "roles", "portfolio", "sign", "answer_limit", "close_limit",
    "warn_percent", "csv", "source", "working_hours", "keyword", "words", "enabled", "min_confidence", "title", "tags",
    "query_code", "api_key", "service_code", "description", "long", "email", "phone", "first_name", "last_name",
    "address_string", "_csrf", "next", "category", "number", "q", "to", "colour", "item",
];

const QUERY_KEYS: &[&str] = &[
    "page", "per_page", "q", "state", "unit_id", "category_id", "from", "to", "format", "table", "month", "days", "limit",
    "number", "code", "next", "phone", "service_code", "status", "service_request_id", "start_date", "end_date", "api_key",
    "ok", "err", "tab",
];

const ACTIONS: &[&str] = &[
    "dispatch", "forward", "sign", "note", "return", "judge-return", "extension", "decide-extension", "answer", "review",
    "callback", "merge", "withdraw", "close-directly", "escalate", "explode", "adopt", "decline", "province_adopt", "compose",
    "issue", "read", "report", "strike_off", "progress", "approve", "close", "prepare", "hold", "rectify",
];

/// Values that have broken parsers before: wrong types, bounds, encodings, injections.
fn junk(rng: &mut StdRng, known: &Known) -> String {
    let pick = |v: &[String], rng: &mut StdRng| v.get(rng.random_range(0..v.len().max(1))).cloned().unwrap_or_default();
    match rng.random_range(0..34) {
        0 => String::new(),
        1 => " ".into(),
        2 => "0".into(),
        3 => "-1".into(),
        4 => "1e309".into(),
        5 => "NaN".into(),
        6 => "99999999999999999999999".into(),
        7 => "abc".into(),
        8 => "2026-13-45".into(),
        9 => "2026-02-30T25:61:00Z".into(),
        10 => "<script>alert(1)</script>".into(),
        11 => "' OR 1=1 --".into(),
        12 => "😀\u{202e}ﾟ".into(),
        13 => "测".repeat(rng.random_range(100..12_000)),
        14 => "a".repeat(rng.random_range(60..5_000)),
        15 => "../../etc/passwd".into(),
        16 => "=HYPERLINK(\"http://evil.example\")".into(),
        17 => "null".into(),
        18 => "true".into(),
        19 => "2026-11".into(),
        20 => "2026-11-25".into(),
        21 => "13812345678".into(),
        22 => "5wd".into(),
        23 => "json".into(),
        24 => "xlsx".into(),
        25 => "csv".into(),
        26 => "\u{0}".into(),
        27 | 28 => pick(&known.orders, rng),
        29 => pick(&known.units, rng),
        30 => "0301".into(),
        31 => "/\t/evil.example".into(),
        32 => "1".into(),
        _ => "噪音扰民".into(),
    }
}

fn junk_json(rng: &mut StdRng, known: &Known, depth: u32) -> Value {
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random_range(-1_000_000_000i64..1_000_000_000)),
        3 => json!(rng.random::<f64>() * 1e6 - 5e5),
        4 if depth < 4 => Value::Array((0..rng.random_range(0..4)).map(|_| junk_json(rng, known, depth + 1)).collect()),
        5 if depth < 4 => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..4) {
                m.insert(FIELDS[rng.random_range(0..FIELDS.len())].to_string(), junk_json(rng, known, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::String(junk(rng, known)),
    }
}

/// A percent-encoded path segment or query value; now and then a raw broken escape.
fn encoded(rng: &mut StdRng, known: &Known) -> String {
    match rng.random_range(0..12) {
        0 => "%FF%FE".into(),
        1 => "%E4%B8".into(),
        2 => "%".into(),
        3 => "%00".into(),
        _ => {
            let v = junk(rng, known);
            let v: String = v.chars().take(3_000).collect();
            serde_urlencoded::to_string([("v", v.as_str())]).map(|s| s[2..].to_string()).unwrap_or_default()
        }
    }
}

/// What the fuzzer knows of the server it is attacking: real keys make deeper requests.
#[derive(Default)]
struct Known {
    orders: Vec<String>,
    units: Vec<String>,
    /// Bearer tokens of several roles.
    tokens: Vec<String>,
    /// Browser sessions: (cookie, csrf token) of several roles.
    browsers: Vec<(String, String)>,
    /// The public form's cookie and its token.
    form: Option<(String, String)>,
}

async fn learn(client: &Client, base: &str, password: &str) -> anyhow::Result<Known> {
    let mut k = Known::default();
    for user in ["admin", "dispatcher", "operator", "zjj", "donghu", "mayor", "vicemayor"] {
        let r = client.post(format!("{base}/api/auth/login")).json(&json!({"username": user, "password": password})).send().await?;
        if !r.status().is_success() {
            continue;
        }
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .unwrap_or_default()
            .to_string();
        let v: Value = r.json().await?;
        let token = v["token"].as_str().unwrap_or_default().to_string();
        let page = client.get(format!("{base}/desk")).header("cookie", &cookie).send().await?.text().await?;
        let csrf = page.split("name=\"csrf-token\" content=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        k.browsers.push((cookie, csrf.to_string()));
        k.tokens.push(token);
    }
    if let Some(t) = k.tokens.get(1) {
        let v: Value = client.get(format!("{base}/api/orders?per_page=100")).bearer_auth(t).send().await?.json().await?;
        k.orders = v["items"].as_array().into_iter().flatten().filter_map(|o| o["number"].as_str().map(String::from)).collect();
        let u: Value = client.get(format!("{base}/api/units")).bearer_auth(t).send().await?.json().await?;
        k.units = u["units"].as_array().into_iter().flatten().filter_map(|x| x["code"].as_str().map(String::from)).collect();
    }
    let home = client.get(format!("{base}/")).send().await?;
    if let Some(c) = home.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()) && let Some((_, tok)) = c.split_once('=') {
        k.form = Some((c.to_string(), tok.to_string()));
    }
    Ok(k)
}

struct Req {
    method: Method,
    path: String,
    api: bool,
    bearer: Option<String>,
    cookie: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Option<(String, Vec<u8>)>,
}

fn make(rng: &mut StdRng, known: &Known) -> Req {
    let (m, template) = ROUTES[rng.random_range(0..ROUTES.len())];
    let method = match rng.random_range(0..10) {
        0 => Method::DELETE,
        1 => Method::PATCH,
        2 => Method::PUT,
        3 => if m == "GET" { Method::POST } else { Method::GET },
        _ => Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET),
    };
    let mut path = String::new();
    for seg in template.split('/').skip(1) {
        path.push('/');
        if seg.starts_with('{') {
            let real = match seg {
                "{order}" if rng.random_bool(0.6) => known.orders.get(rng.random_range(0..known.orders.len().max(1))).cloned(),
                "{action}" if rng.random_bool(0.7) => Some(ACTIONS[rng.random_range(0..ACTIONS.len())].to_string()),
                "{file}" if rng.random_bool(0.5) => Some(["services.json", "requests.json", "requests.xml", "discovery.json"][rng.random_range(0..4)].to_string()),
                "{year}" if rng.random_bool(0.5) => Some("2026".into()),
                _ => None,
            };
            path.push_str(&real.unwrap_or_else(|| encoded(rng, known)));
        } else {
            path.push_str(seg);
        }
    }
    if rng.random_bool(0.6) {
        let q: Vec<String> = (0..rng.random_range(1..5))
            .map(|_| format!("{}={}", QUERY_KEYS[rng.random_range(0..QUERY_KEYS.len())], encoded(rng, known)))
            .collect();
        path.push('?');
        path.push_str(&q.join("&"));
    }
    let api = template.starts_with("/api/") || template.starts_with("/open311/") || template == "/healthz";
    let heavy = HEAVY.contains(&template);
    let mut req = Req { method: method.clone(), path, api, bearer: None, cookie: None, headers: Vec::new(), body: None };
    // Who asks: nobody, a program with a token, a browser with its session and CSRF token.
    let who = rng.random_range(0..4);
    let session_ender = template.contains("logout") || template.contains("revoke");
    if !session_ender && !known.tokens.is_empty() {
        let i = if heavy { 3.min(known.tokens.len() - 1) } else { rng.random_range(0..known.tokens.len()) };
        match who {
            1 | 2 if api => req.bearer = Some(known.tokens[i].clone()),
            1 | 2 => {
                let (c, t) = &known.browsers[i];
                req.cookie = Some(c.clone());
                req.headers.push(("x-csrf-token", t.clone()));
            }
            3 if api => {
                let (c, t) = &known.browsers[i];
                req.cookie = Some(c.clone());
                req.headers.push(("x-csrf-token", t.clone()));
                if rng.random_bool(0.2) {
                    req.headers.push(("origin", "http://evil.example".into()));
                }
            }
            _ => {}
        }
    }
    if !template.starts_with("/api/") && template != "/healthz" && req.cookie.is_none() && let Some((c, _)) = &known.form {
        req.cookie = Some(c.clone());
    }
    if method == Method::GET || rng.random_bool(0.05) {
        return req;
    }
    let csrf = req.headers.iter().find(|(k, _)| *k == "x-csrf-token").map(|(_, v)| v.clone()).or_else(|| known.form.as_ref().map(|f| f.1.clone()));
    req.body = Some(match rng.random_range(0..12) {
        0 => ("application/json".into(), b"{\"content\": \"broken".to_vec()),
        1 => ("application/json".into(), vec![0xFF, 0xFE, b'{', b'}']),
        2 => ("text/plain".into(), Vec::new()),
        3 => ("multipart/form-data".into(), b"--x\r\n".to_vec()),
        4 => ("application/json".into(), format!("{{\"content\":\"{}\"}}", "测".repeat(400_000)).into_bytes()),
        5 | 6 => {
            let mut fields: Vec<(String, String)> = (0..rng.random_range(0..8))
                .map(|_| (FIELDS[rng.random_range(0..FIELDS.len())].to_string(), junk(rng, known)))
                .collect();
            if let Some(t) = &csrf && rng.random_bool(0.8) {
                fields.push(("_csrf".into(), t.clone()));
            }
            let body = serde_urlencoded::to_string(&fields).unwrap_or_default();
            ("application/x-www-form-urlencoded".into(), body.into_bytes())
        }
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..8) {
                m.insert(FIELDS[rng.random_range(0..FIELDS.len())].to_string(), junk_json(rng, known, 0));
            }
            ("application/json".into(), Value::Object(m).to_string().into_bytes())
        }
    });
    req
}

/// Send `n` fuzzed requests to `base` from `concurrency` workers, seeded for repeatability.
pub async fn run(base: &str, n: usize, concurrency: usize, seed: u64, password: &str) -> anyhow::Result<FuzzReport> {
    // A fresh connection per request: a server rightly closes a connection after answering a
    // request whose body it did not read (413, 415), and a client that reused it would count
    // its own broken pipe as the server's failure.
    let client = Client::builder()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()?;
    let known = Arc::new(learn(&client, base, password).await?);
    let report = Arc::new(Mutex::new(FuzzReport::default()));
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..concurrency.max(1) {
        let (client, known, report, next, base) = (client.clone(), known.clone(), report.clone(), next.clone(), base.to_string());
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(w as u64));
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                let r = make(&mut rng, &known);
                let mut b = client.request(r.method.clone(), format!("{base}{}", r.path));
                if let Some(t) = &r.bearer {
                    b = b.bearer_auth(t);
                }
                if let Some(c) = &r.cookie {
                    b = b.header("cookie", c);
                }
                for (k, v) in &r.headers {
                    b = b.header(*k, v);
                }
                if let Some((ct, body)) = &r.body {
                    b = b.header("content-type", ct).body(body.clone());
                }
                let (status, ct, text) = match b.send().await {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                        (s, ct, resp.text().await.unwrap_or_default())
                    }
                    // A request the client itself could not build (an URL it will not send)
                    // never reached the server: not counted.
                    Err(e) if e.is_builder() => continue,
                    Err(e) => (0, String::new(), format!("{e:?}")),
                };
                let mut rep = report.lock().await;
                rep.requests += 1;
                *rep.statuses.entry(status).or_default() += 1;
                let what = format!("{} {} → {status}", r.method, r.path.chars().take(160).collect::<String>());
                if status >= 500 || status == 0 {
                    rep.server_error_count += 1;
                    if rep.server_errors.len() < 50 {
                        rep.server_errors.push(format!("{what} {}", text.chars().take(200).collect::<String>()));
                    }
                } else if status >= 400 && r.api && !r.path.starts_with("/open311/") {
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let ok = ct.starts_with("application/json")
                        && v["code"].as_str().is_some_and(|c| !c.is_empty())
                        && v["message"].as_str().is_some_and(|m| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
                    if !ok {
                        rep.shape_error_count += 1;
                        if rep.shape_errors.len() < 50 {
                            rep.shape_errors.push(format!("{what} {}", text.chars().take(200).collect::<String>()));
                        }
                    }
                }
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let mut out = report.lock().await.clone();
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}
