//! Benchmarks (not tests): intake through the HTTP API, bulk import, and reads on a large
//! database. Each prints one summary line that BENCHMARKS.md quotes.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Datelike, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use sanfu_store::Store;
use sanfu_store::hotline::import::{ImportRecord, Importer};
use serde_json::{Value, json};

use crate::Application;
use crate::memory::{peak_rss_mb, rss_mb};

/// A server for a benchmark: the given URL, or a fresh one in this process on a temporary
/// database (SQLite, or a new PostgreSQL database when `DATABASE_URL` is set).
pub struct Target {
    pub base: String,
    pub store: Option<Store>,
    _dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Target {
    pub async fn start(url: Option<String>, database_url: Option<String>) -> anyhow::Result<Target> {
        if let Some(u) = url {
            return Ok(Target { base: u.trim_end_matches('/').to_string(), store: None, _dir: None, stop: None });
        }
        // SANFU_BENCH_DB names a database to keep between runs (seeded on its first): a
        // million orders imported once, then read again with `--orders 0`.
        let kept = std::env::var("SANFU_BENCH_DB").ok().filter(|s| !s.is_empty());
        let (db, dir) = match (kept.clone(), database_url) {
            (Some(k), _) => (k, None),
            (None, Some(u)) => (fresh_pg(&u).await?, None),
            (None, None) => {
                let dir = tempfile::tempdir()?;
                (format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()), Some(dir))
            }
        };
        let store = Store::open(&db).await?;
        if kept.is_none() || store.unit("hotline").await?.is_none() {
            store.seed_demo(false).await?;
        }
        let app = Application::with_store("127.0.0.1:0", store.clone()).await?;
        let addr = app.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Target { base: format!("http://{addr}"), store: Some(store), _dir: dir, stop: Some(tx) })
    }

    pub fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A new database next to the one `url` names, for a benchmark of its own.
async fn fresh_pg(url: &str) -> anyhow::Result<String> {
    let name = format!("sanfu_bench_{}", Utc::now().timestamp_millis());
    Store::create_database(url, &name).await?;
    let (no_q, q) = match url.split_once('?') {
        Some((a, b)) => (a.to_string(), format!("?{b}")),
        None => (url.to_string(), String::new()),
    };
    let host_start = no_q.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match no_q[host_start..].find('/') {
        Some(i) => no_q[..host_start + i].to_string(),
        None => no_q.clone(),
    };
    Ok(format!("{base}/{name}{q}"))
}

async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> anyhow::Result<String> {
    let r: Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    r["token"].as_str().map(str::to_string).with_context(|| format!("login as {user} failed: {r}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub mod chaos;
mod intake;
mod topics;
pub use intake::{Callers, intake};
pub use topics::topics;

fn bar(len: u64) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {per_sec} 剩余 {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

/// Import `records` with a progress bar; returns (imported, skipped, seconds).
///
/// Written as `sanfu import` writes a file: resumable. `name` says which generated records
/// these are: into a kept database (SANFU_BENCH_DB) they are imported under that name, so a run
/// stopped part way (ten million orders take hours) is continued by the next and a finished one
/// is not imported twice; into a fresh database, under a name of their own.
pub async fn import_with_progress(
    store: &Store,
    records: impl Iterator<Item = anyhow::Result<ImportRecord>>,
    total: Option<u64>,
    name: &str,
) -> anyhow::Result<(u64, u64, f64)> {
    let source = if std::env::var("SANFU_BENCH_DB").is_ok_and(|s| !s.is_empty()) {
        format!("bench:{name}")
    } else {
        format!("bench:{}", sanfu_store::new_id())
    };
    import_resumable(store, records, total, &source).await
}

/// The same, resumable: `source` names the import (its file's hash, see [`read_records`]); a
/// run stopped at any moment is continued by the next from the first record not written; a
/// file imported to the end is not imported again.
pub async fn import_resumable(
    store: &Store,
    records: impl Iterator<Item = anyhow::Result<ImportRecord>>,
    total: Option<u64>,
    source: &str,
) -> anyhow::Result<(u64, u64, f64)> {
    let pb = match total {
        Some(n) => bar(n),
        None => ProgressBar::new_spinner(),
    };
    let (mut imp, resume) = Importer::resumable(store, source).await?;
    // Orders per transaction (for measuring; see BENCHMARKS §10).
    if let Some(n) = std::env::var("SANFU_IMPORT_BATCH").ok().and_then(|v| v.parse().ok()) {
        imp.batch_size = n;
    }
    let done = match &resume {
        Some(r) if r.finished => {
            pb.finish_and_clear();
            eprintln!("此文件此前已导入完毕（导入 {} 条，跳过 {} 条），不再重复导入", r.imported, r.skipped);
            return Ok((0, 0, 0.0));
        }
        Some(r) => {
            eprintln!("上次导入在第 {} 条处中断（已导入 {} 条），从第 {} 条继续", r.line, r.imported, r.line + 1);
            pb.set_position(r.line as u64);
            r.line
        }
        None => 0,
    };
    let started = Instant::now();
    for (n, r) in records.enumerate().skip(done) {
        match r {
            Ok(rec) => imp.add(n + 1, rec).await?,
            Err(e) => imp.skip(n + 1, e.to_string()),
        }
        pb.inc(1);
    }
    let summary = imp.finish().await?;
    let secs = started.elapsed().as_secs_f64();
    pb.finish_and_clear();
    for e in summary.errors.iter().take(20) {
        eprintln!("{e}");
    }
    Ok((summary.imported, summary.skipped, secs))
}

/// A file's records to import, how many, and its name for resuming (a hash of its bytes).
pub type Records = (Box<dyn Iterator<Item = anyhow::Result<ImportRecord>>>, Option<u64>, String);

/// Read JSON lines or CSV (by extension) as import records.
pub fn read_records(path: &Path) -> anyhow::Result<Records> {
    use sha2::Digest;
    use std::io::{BufRead, Read};
    let open = || std::fs::File::open(path).with_context(|| format!("无法打开 {}", path.display()));
    // The rows, counted first (a quick pass), so that the progress bar shows count, speed and
    // time left.
    let mut lines = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut f = open()?;
    let mut sample = Vec::new();
    let mut hash = sha2::Sha256::new();
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        if sample.len() < 65_536 {
            sample.extend_from_slice(&buf[..n.min(65_536 - sample.len())]);
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let key = format!("file:{:x}", hash.finalize());
    // Excel on Chinese Windows saves CSV in GBK: decoded whole (such files are office-sized).
    let gbk = matches!(std::str::from_utf8(&sample), Err(e) if e.error_len().is_some());
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let reader: Box<dyn BufRead> = if gbk {
        let mut raw = Vec::new();
        open()?.read_to_end(&mut raw)?;
        let (text, _, bad) = encoding_rs::GB18030.decode(&raw);
        if bad {
            bail!("{} 既不是 UTF-8 也不是 GBK 编码的文本", path.display());
        }
        Box::new(std::io::Cursor::new(text.into_owned().into_bytes()))
    } else {
        Box::new(std::io::BufReader::new(open()?))
    };
    if is_csv {
        let rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let it = rdr.into_deserialize::<CsvRecord>().map(|r| r.map_err(csv_error).and_then(CsvRecord::into_record));
        return Ok((Box::new(it), Some(lines.saturating_sub(1)), key));
    }
    let it = reader
        .lines()
        .filter(|l| !matches!(l, Ok(s) if s.trim().is_empty()))
        .map(|l| -> anyhow::Result<ImportRecord> { serde_json::from_str(&l?).map_err(|e| anyhow::anyhow!("不是有效的 JSON 记录（第 {} 列附近）", e.column())) });
    Ok((Box::new(it), Some(lines), key))
}

/// A CSV reading error in Chinese: what is wrong with the record (the caller names it).
fn csv_error(e: csv::Error) -> anyhow::Error {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err.field().map(|f| format!("第 {} 列", f + 1)).unwrap_or_default();
            anyhow::anyhow!("{field}无法读取：缺少必填列或取值类型不对（表头应为 number,channel,order_type,…,created_at）")
        }
        csv::ErrorKind::Utf8 { .. } => anyhow::anyhow!("不是有效的文本编码"),
        csv::ErrorKind::UnequalLengths { .. } => anyhow::anyhow!("列数与表头不同"),
        _ => anyhow::anyhow!("无法读取"),
    }
}

/// CSV columns are the JSON field names; empty cells are absent values.
#[derive(serde::Deserialize)]
struct CsvRecord {
    number: Option<String>,
    channel: Option<String>,
    order_type: String,
    urgency: Option<String>,
    category: String,
    subject: Option<String>,
    content: String,
    address: Option<String>,
    citizen_name: Option<String>,
    citizen_phone: Option<String>,
    confidential: Option<String>,
    created_at: String,
    unit: Option<String>,
    dispatched_at: Option<String>,
    signed_at: Option<String>,
    answer: Option<String>,
    answered_at: Option<String>,
    reviewed_at: Option<String>,
    closed_at: Option<String>,
    satisfaction: Option<String>,
}

impl CsvRecord {
    fn into_record(self) -> anyhow::Result<ImportRecord> {
        let t = |v: Option<String>| -> anyhow::Result<Option<chrono::DateTime<Utc>>> {
            match v.filter(|s| !s.trim().is_empty()) {
                None => Ok(None),
                Some(s) => Ok(Some(chrono::DateTime::parse_from_rfc3339(s.trim()).with_context(|| format!("时间“{s}”应为 RFC 3339"))?.with_timezone(&Utc))),
            }
        };
        let ne = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(ImportRecord {
            number: ne(self.number),
            channel: ne(self.channel),
            order_type: self.order_type,
            urgency: ne(self.urgency),
            category: self.category,
            subject: ne(self.subject),
            content: self.content,
            address: ne(self.address),
            citizen_name: ne(self.citizen_name),
            citizen_phone: ne(self.citizen_phone),
            confidential: matches!(self.confidential.as_deref().map(str::trim), Some("true" | "1" | "是")),
            created_at: t(Some(self.created_at))?.context("缺少 created_at")?,
            unit: ne(self.unit),
            dispatched_at: t(self.dispatched_at)?,
            signed_at: t(self.signed_at)?,
            answer: ne(self.answer),
            answered_at: t(self.answered_at)?,
            reviewed_at: t(self.reviewed_at)?,
            closed_at: t(self.closed_at)?,
            satisfaction: ne(self.satisfaction),
        })
    }
}

/// Generated history: `n` orders over the `days` before now,
/// made one at a time as they are imported.
pub fn history(n: usize, days: i64, seed: u64) -> impl Iterator<Item = ImportRecord> {
    let now = Utc::now();
    sanfu_store::hotline::generate::orders_iter(n, now - chrono::Duration::days(days), now, now, seed)
}

/// `sanfu bench import`: generate `n` orders over a year and import them into a fresh database.
pub async fn import(n: usize) -> anyhow::Result<()> {
    let target = Target::start(None, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
    let store = target.store.clone().context("no store")?;
    // Generated as they are imported (the generator's own time is in the figure).
    let (imported, skipped, secs) = import_with_progress(&store, history(n, 365, 7).map(Ok), Some(n as u64), &format!("history:{n}:365:7")).await?;
    target.stop();
    println!("import orders={imported} skipped={skipped} seconds={secs:.1} orders_per_s={:.0}", imported as f64 / secs);
    Ok(())
}

/// `sanfu bench read`: with `n` orders stored, the inbox and one-month statistics of the
/// largest unit and the view of random orders, through the API.
pub async fn read(n: usize, samples: usize, exports: bool) -> anyhow::Result<()> {
    let target = Target::start(None, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
    let store = target.store.clone().context("no store")?;
    if n > 0 {
        let (imported, _, secs) = import_with_progress(&store, history(n, 365, 11).map(Ok), Some(n as u64), &format!("history:{n}:365:11")).await?;
        eprintln!("imported {imported} orders in {secs:.1} s");
    }
    let (unit_id, count): (String, i64) = sqlx::query_as(
        "SELECT unit_id, COUNT(*) FROM order_facts WHERE unit_id IS NOT NULL GROUP BY unit_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await?;
    let unit = store.unit(&unit_id).await?.context("largest unit")?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM order_facts WHERE unit_id = $1 LIMIT 5000")
        .bind(&unit_id)
        .fetch_all(store.pool())
        .await?;
    // No redirects: a page that sends the reader to the login page is a failure, not a sample.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let unit_token = login(&client, &target.base, &unit.code, sanfu_store::seed::DEMO_PASSWORD).await?;
    let centre = login(&client, &target.base, "dispatcher", sanfu_store::seed::DEMO_PASSWORD).await?;
    let mayor = login(&client, &target.base, "mayor", sanfu_store::seed::DEMO_PASSWORD).await?;
    let today = Utc::now().with_timezone(&store.offset()).date_naive();
    let month_ago = today - chrono::Duration::days(30);
    let last_month = (today.with_day(1).unwrap_or(today) - chrono::Duration::days(1)).format("%Y-%m").to_string();
    // The dashboard's first view after the start, nothing kept yet (the page waits a moment for
    // the hot topics being clustered, then says they are being counted), and how long from then
    // until a view shows the week's and the month's; the samples below come after.
    let (first_ms, mut html) = view(&client, &target.base, &mayor, "/dashboard").await?;
    let clustering = Instant::now();
    while html.contains("topics-pending") || html.contains("month-topic-pending") {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        html = view(&client, &target.base, &mayor, "/dashboard").await?.1;
    }
    let topics_s = first_ms / 1000.0 + clustering.elapsed().as_secs_f64();
    // Each of them matches every 20th to 40th order of the generated history, the office's
    // common case. Until the thirteenth session the bench asked 路灯 维修 and 油烟 餐馆, which no
    // generated order holds both words of: `SANFU_BENCH_SEARCH="噪音 扰民,路灯 维修,停水 通知,油烟 餐馆"`
    // asks those again, to compare with the earlier figures.
    let queries: Vec<String> = std::env::var("SANFU_BENCH_SEARCH")
        .ok()
        .map(|s| s.split(',').map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect::<Vec<_>>())
        .filter(|q| !q.is_empty())
        .unwrap_or_else(|| ["噪音 扰民", "路灯 不亮", "停水 通知", "夜市 油烟"].map(String::from).to_vec());
    let mut results = Vec::new();
    for (name, token) in [
        ("inbox", &unit_token),
        ("order", &unit_token),
        ("search", &centre),
        ("stats_month", &centre),
        ("ranking", &centre),
        ("dashboard", &mayor),
    ] {
        let (p50, p99) = sample(&client, &target.base, token, samples, || match name {
            "inbox" => "/api/inbox?per_page=20".to_string(),
            "order" => format!("/api/orders/{}", ids[rand::rng().random_range(0..ids.len())]),
            // Two words, as an operator types them.
            "search" => format!("/api/search?q={}", queries[rand::rng().random_range(0..queries.len())]),
            "stats_month" => format!("/api/stats?unit_id={}&from={month_ago}&to={today}", unit.code),
            "ranking" => format!("/api/stats/ranking?month={last_month}"),
            _ => "/dashboard".to_string(),
        })
        .await?;
        results.push((name, p50, p99));
    }
    let rss = rss_mb();
    // The ledgers as files, whole (no row cap): the largest unit's as Excel, the city's as CSV;
    // their time, size, and how much the process's peak memory grew (with --exports).
    let mut files = Vec::new();
    let exports = if exports { vec![
        ("export_city_csv", "/api/orders/export?format=csv".to_string()),
        ("export_unit_xlsx", format!("/api/orders/export?format=xlsx&unit_id={}", unit.code)),
    ] } else { Vec::new() };
    // The streamed CSV first (the peak only grows), each read chunk by chunk and not kept, so
    // the growth is the server's.
    for (name, path) in exports {
        let peak_before = peak_rss_mb();
        let started = Instant::now();
        let mut r = client.get(format!("{}{path}", target.base)).bearer_auth(&centre).send().await?;
        anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
        let mut size = 0usize;
        while let Some(chunk) = r.chunk().await? {
            size += chunk.len();
        }
        files.push((name, started.elapsed().as_secs_f64(), size as f64 / 1e6, peak_rss_mb() - peak_before));
    }
    target.stop();
    // The same process with the database's connections closed, their page caches freed with
    // them (SQLite's cache is 32 MB a connection): what the server holds of its own. The
    // connections' threads end holding the pages their caches were freed from, which the
    // allocator keeps resident until asked (507–579 MB instead of ~130 at ten million,
    // BENCHMARKS §10): it is asked.
    store.close().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    sanfu_sqlite_alloc::give_back_freed_memory();
    let rss_own = rss_mb();
    let mut line = format!(
        "read orders={n} largest_unit={} unit_orders={count} rss_mb={rss:.0} rss_without_db_mb={rss_own:.0} dashboard_first_ms={first_ms:.0} dashboard_topics_shown_s={topics_s:.1}",
        unit.code
    );
    for (name, p50, p99) in results {
        line.push_str(&format!(" {name}_p50_ms={p50:.2} {name}_p99_ms={p99:.2}"));
    }
    for (name, secs, mb, grew) in files {
        line.push_str(&format!(" {name}_s={secs:.2} {name}_mb={mb:.1} {name}_peak_rss_growth_mb={grew:.0}"));
    }
    println!("{line}");
    Ok(())
}

/// `sanfu bench supervision`: with `orders` hotline orders and `items` supervision items stored
/// (the items imported as the annual task list is, in batches of 1,000 rows, each handed out to
/// a lead unit and a co-unit), the ledger as the office reads it (first page, filtered by unit,
/// by card, by source) and a unit's inbox and its own ledger, through the API.
pub async fn supervision(orders: usize, items: usize, samples: usize) -> anyhow::Result<()> {
    let target = Target::start(None, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
    let store = target.store.clone().context("no store")?;
    if orders > 0 {
        let (imported, _, secs) = import_with_progress(&store, history(orders, 365, 11).map(Ok), Some(orders as u64), &format!("history:{orders}:365:11")).await?;
        eprintln!("imported {imported} orders in {secs:.1} s");
    }
    let units: Vec<String> = store.units().await?.into_iter().filter(|u| u.kind.can_handle()).map(|u| u.name).collect();
    let office_id: String = sqlx::query_scalar("SELECT id FROM users WHERE username = 'duchake'").fetch_one(store.pool()).await?;
    let office = sanfu_domain::Actor {
        principal: sanfu_domain::Principal::Staff(store.staff(&office_id).await?.context("office")?),
        ip: "127.0.0.1".into(),
    };
    let started = Instant::now();
    let cycles = ["每周", "每旬", "每月", "每月5日前", "一次性"];
    let today = Utc::now().with_timezone(&store.offset()).date_naive();
    let header: Vec<String> = sanfu_store::supervision::TASK_HEADERS.iter().map(|s| s.to_string()).collect();
    let mut made = 0;
    while made < items {
        let batch = (items - made).min(1000);
        let mut rows = vec![header.clone()];
        for i in made..made + batch {
            let lead = &units[i % units.len()];
            let co = &units[(i * 7 + 3) % units.len()];
            let deadline = today + chrono::Duration::days(30 + (i % 300) as i64);
            rows.push(vec![
                format!("重点任务第 {} 项：推进民生工程建设", i + 1),
                String::new(),
                lead.clone(),
                if co == lead { String::new() } else { co.clone() },
                deadline.to_string(),
                String::new(),
                cycles[i % cycles.len()].to_string(),
                String::new(),
            ]);
        }
        let r = store.import_tasks(&rows, false, &office).await?;
        if let Some(e) = r.errors.first() {
            bail!("line {}: {}", e.line, e.message);
        }
        made += batch;
        eprintln!("{made} items");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("opened and handed out {items} items in {secs:.1} s");
    // A red card on one item in fifty, as the sweep would show them.
    sqlx::query(
        "INSERT INTO cards (id, work_id, unit_id, colour, reason, issued_at, issued_by)
         SELECT w.id || '-c', w.id, w.lead_unit_id, 'red', '已超过办结时限仍未办结', w.created_at, 'system'
         FROM work_items w WHERE w.kind = 'supervision' AND w.lead_unit_id IS NOT NULL AND w.number LIKE '%0号'",
    )
    .execute(store.pool())
    .await?;
    // One run of the supervision sweep (the ladder and the funds), a month on: every report
    // owed by then is late.
    let t = Instant::now();
    let run = store.run_supervision_sweep(Utc::now() + chrono::Duration::days(30)).await?;
    let sweep_first = t.elapsed().as_secs_f64();
    let t = Instant::now();
    store.run_supervision_sweep(Utc::now() + chrono::Duration::days(30)).await?;
    let sweep_again_ms = t.elapsed().as_secs_f64() * 1000.0;
    eprintln!("sweep: {run:?} in {sweep_first:.1} s, again (nothing owed) {sweep_again_ms:.0} ms");
    let client = reqwest::Client::new();
    let office_token = login(&client, &target.base, "duchake", sanfu_store::seed::DEMO_PASSWORD).await?;
    let unit_token = login(&client, &target.base, "zjj", sanfu_store::seed::DEMO_PASSWORD).await?;
    let mut results = Vec::new();
    let cases: [(&str, &str, &String); 6] = [
        ("ledger", "/api/supervision?per_page=20", &office_token),
        ("ledger_unit", "/api/supervision?per_page=20&unit=zjj", &office_token),
        ("ledger_red", "/api/supervision?per_page=20&card=red", &office_token),
        ("ledger_source", "/api/supervision?per_page=20&source=work_report_task&state=assigned", &office_token),
        ("unit_ledger", "/api/supervision?per_page=20", &unit_token),
        ("unit_inbox", "/api/inbox?per_page=20", &unit_token),
    ];
    for (name, path, token) in cases {
        let (p50, p99) = sample(&client, &target.base, token, samples, || path.to_string()).await?;
        results.push((name, p50, p99));
    }
    target.stop();
    let mut line = format!(
        "supervision orders={orders} items={items} open_seconds={secs:.1} sweep_first_s={sweep_first:.1} sweep_again_ms={sweep_again_ms:.0} reminders={} notices={} yellow={} red={}",
        run.reminders, run.notices, run.yellow_cards, run.red_cards
    );
    for (name, p50, p99) in results {
        line.push_str(&format!(" {name}_p50_ms={p50:.2} {name}_p99_ms={p99:.2}"));
    }
    println!("{line}");
    Ok(())
}

/// One read of `path`, successful, in milliseconds, with what it said.
async fn view(client: &reqwest::Client, base: &str, token: &str, path: &str) -> anyhow::Result<(f64, String)> {
    let t = Instant::now();
    // The session as a browser sends it too, for the pages (the dashboard).
    let r = client.get(format!("{base}{path}")).bearer_auth(token).header("cookie", format!("sanfu_session={token}")).send().await?;
    let status = r.status();
    let body = r.text().await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if !status.is_success() {
        bail!("{path}: {status}");
    }
    Ok((ms, body))
}

/// `samples` requests for the paths `path` gives, as `token`: (p50, p99) in ms, the first
/// request (a cold cache) left out.
async fn sample(client: &reqwest::Client, base: &str, token: &str, samples: usize, path: impl Fn() -> String) -> anyhow::Result<(f64, f64)> {
    let mut l = Vec::with_capacity(samples);
    for i in 0..samples {
        let (ms, _) = view(client, base, token, &path()).await?;
        if i > 0 || samples == 1 {
            l.push(ms);
        }
    }
    l.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Ok((percentile(&l, 0.5), percentile(&l, 0.99)))
}

/// `sanfu bench print`: load the fonts once, then typeset the three-page specimen notice
/// `runs` times (GB/T 9704 layout, fonts embedded as subsets).
pub fn print(runs: usize) -> anyhow::Result<()> {
    let t = Instant::now();
    let printer = sanfu_print::Printer::load(&sanfu_print::FontConfig::default())?;
    let load = t.elapsed().as_secs_f64() * 1000.0;
    let mut doc = sanfu_print::specimen(false);
    let mut times = Vec::with_capacity(runs);
    let (mut size, mut pages) = (0, 0);
    for i in 0..runs.max(1) {
        // Another document each time (its number, title and first paragraph): typst memoises
        // what it laid out before, and a server renders different documents.
        doc.number = format!("江政办发〔2026〕{}号", i + 1);
        doc.title = format!("江州市人民政府办公室关于第{}项重点工作的通知", i + 1);
        doc.body = format!("根据第{}次常务会议研究决定，{}", i + 1, sanfu_print::specimen(false).body);
        let t = Instant::now();
        let (pdf, n) = printer.render_counted(&doc)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        (size, pages) = (pdf.len(), n);
    }
    let first = times.first().copied().unwrap_or_default();
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "print fonts_load_ms={load:.0} runs={} first_ms={:.1} median_ms={:.1} p95_ms={:.1} bytes={size} pages={pages}",
        times.len(),
        first,
        pct(0.5),
        pct(0.95)
    );
    Ok(())
}

