//! Start-up: configuration, the store, the listener, graceful shutdown. `main` only parses the
//! command line; tests build the same [`Application`] on port 0 against a fresh database.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub mod bench;
pub mod cli;
pub mod eval;
pub mod fuzz;
pub mod memory;

use anyhow::Context;
use sanfu_store::Store;
use tokio::net::TcpListener;

pub struct Config {
    pub listen: String,
    pub database_url: String,
    /// A read-only replica for statistics, the dashboard, exports and search.
    pub replica_url: Option<String>,
    pub web: sanfu_web::WebConfig,
}

/// A client that has not sent a request's headers within this time is disconnected.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The database URL: `DATABASE_URL` when set, otherwise an SQLite file in the data directory.
pub fn database_url(env_url: Option<String>, data_dir: &Path) -> anyhow::Result<String> {
    if let Some(u) = env_url.filter(|u| !u.trim().is_empty()) {
        return Ok(u);
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let file: PathBuf = data_dir.join("sanfu.db");
    Ok(format!("sqlite://{}?mode=rwc", file.display()))
}

pub struct Application {
    listener: TcpListener,
    store: Store,
    scheduler: Option<Scheduler>,
    web: sanfu_web::WebConfig,
}

/// The lease under which one server of several runs the timed jobs.
pub const SCHEDULER_LEASE: &str = "scheduler";

/// The timed jobs — deadline warnings, the supervision sweep, a search rebuild left undone,
/// hourly retraining — run every
/// `every` by whichever server holds the scheduler lease. Each server tries to take or renew it
/// every third of `lease` (and at least every `every`), so when the holder dies another server
/// runs the jobs within `lease` plus one try.
#[derive(Clone)]
pub struct Scheduler {
    pub every: std::time::Duration,
    pub lease: std::time::Duration,
    /// This server's name as a lease holder.
    pub node: String,
    /// How many times this server has run the jobs (for tests and the log).
    pub runs: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Scheduler {
    pub fn new(every: std::time::Duration) -> Scheduler {
        Scheduler {
            every,
            lease: std::time::Duration::from_secs(30),
            node: sanfu_store::lease::node_name(),
            runs: Default::default(),
        }
    }

    async fn run(self, store: Store) {
        let step = self.every.min(self.lease / 3).max(std::time::Duration::from_millis(10));
        let mut interval = tokio::time::interval(step);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut held = false;
        let mut last_run: Option<tokio::time::Instant> = None;
        loop {
            interval.tick().await;
            match store.try_lease(SCHEDULER_LEASE, &self.node, self.lease).await {
                Ok(Some(h)) => {
                    if h.taken || !held {
                        tracing::info!(node = %self.node, term = h.term, "本服务器负责定时任务（时限预警、督办升级、智能派单训练）");
                    }
                    held = true;
                }
                Ok(None) => {
                    if held {
                        tracing::info!(node = %self.node, "定时任务已由其他服务器负责");
                    }
                    held = false;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "无法续租定时任务，稍后重试");
                    held = false;
                }
            }
            if !held || last_run.is_some_and(|t| t.elapsed() < self.every) {
                continue;
            }
            last_run = Some(tokio::time::Instant::now());
            self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            run_jobs(&store).await;
        }
    }
}

/// One round of the timed jobs.
async fn run_jobs(store: &Store) {
    match store.run_warnings(chrono::Utc::now()).await {
        Ok(r) if r.yellow + r.red > 0 => tracing::info!(yellow = r.yellow, red = r.red, "时限预警"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "时限预警检查失败，稍后重试"),
    }
    // 督办升级 (催办单, 督办通知单, cards) and funds left unpaid.
    match store.run_supervision_sweep(chrono::Utc::now()).await {
        Ok(r) if r != Default::default() => tracing::info!(
            reminders = r.reminders, notices = r.notices, yellow = r.yellow_cards, red = r.red_cards,
            unpaid = r.unpaid_warnings, "督办自动升级"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "督办升级检查失败，稍后重试"),
    }
    // The search index after a dictionary change, if the server where it was made did not
    // finish it (it died, or failed).
    match store.rebuild_search_if_stale().await {
        Ok(Some(n)) => tracing::info!(documents = n, "检索索引已按新词表重建"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "重建检索索引失败，稍后重试"),
    }
    // The dispatch suggestions learn from the orders handled since, hourly.
    match store.retrain_dispatch_if_stale(3_600_000).await {
        Ok(Some(r)) => tracing::info!(orders = r.orders, seconds = r.seconds, "智能派单已重新训练"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "智能派单训练失败，稍后重试"),
    }
}

impl Application {
    pub async fn build(cfg: &Config) -> anyhow::Result<Application> {
        let mut store = Store::open(&cfg.database_url).await.context("无法打开数据库")?;
        if let Some(r) = &cfg.replica_url {
            store = store.with_replica(r).await.context("无法连接只读副本")?;
        }
        let mut app = Self::with_store(&cfg.listen, store).await?;
        app.web = cfg.web.clone();
        Ok(app)
    }

    pub async fn with_store(listen: &str, store: Store) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(listen).await.with_context(|| format!("无法监听 {listen}"))?;
        Ok(Application { listener, store, scheduler: None, web: Default::default() })
    }

    /// How the site is served (HTTPS behind a proxy, a trusted proxy's addresses).
    pub fn with_web_config(mut self, web: sanfu_web::WebConfig) -> Self {
        self.web = web;
        self
    }

    /// Run the timed jobs every `every` while serving, when this server holds the lease.
    pub fn with_scheduler(self, every: std::time::Duration) -> Self {
        self.with_jobs(Scheduler::new(every))
    }

    /// Run the timed jobs as `sched` says (its lease's length, its name).
    pub fn with_jobs(mut self, sched: Scheduler) -> Self {
        self.scheduler = Some(sched);
        self
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serve until `shutdown` completes; requests in flight are finished first.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        if let Ok(Some(city)) = self.store.city_name().await {
            sanfu_web::set_city(&city);
        }
        let app = sanfu_web::router_with(self.store.clone(), self.web.clone());
        let ticker = self.scheduler.clone().map(|sched| tokio::spawn(sched.run(self.store.clone())));
        let audit = tokio::spawn(audit_stream(self.store.clone()));
        let follow = tokio::spawn(follow_changes(self.store.clone()));
        let wal = tokio::spawn(keep_wal_small(self.store.clone()));
        serve(self.listener, app, shutdown).await;
        audit.abort();
        follow.abort();
        wal.abort();
        if let Some(t) = ticker {
            t.abort();
        }
        if let Some(sched) = &self.scheduler {
            // Hand the jobs over at once rather than when the lease runs out.
            let _ = self.store.release_lease(SCHEDULER_LEASE, &sched.node).await;
        }
        self.store.close().await;
        Ok(())
    }
}

/// Serve HTTP/1.1 connections until `shutdown`, then let the requests in flight finish.
///
/// Hyper's own loop rather than `axum::serve`, for the one setting that needs it: a client that
/// opens a connection and sends its headers slowly or never is disconnected after
/// [`HEADER_READ_TIMEOUT`] instead of holding the connection (a slow body is cut by the
/// router's body timeout).
async fn serve(listener: TcpListener, app: axum::Router, shutdown: impl Future<Output = ()> + Send + 'static) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::{Service, ServiceExt};

    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (socket, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "接受连接失败");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(router) = make.call(remote).await;
        let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(socket), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Every second, drop what this server keeps of what another server changed (units, settings,
/// the calendar, the dispatch model, sessions ended).
async fn follow_changes(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.follow_changes().await {
            Ok(changed) if changed.iter().any(|c| c == sanfu_store::changes::SETTINGS) => {
                if let Ok(Some(city)) = store.city_name().await {
                    sanfu_web::set_city(&city);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "读取配置变更失败，稍后重试"),
        }
    }
}

/// SQLite: every five seconds, a write-ahead log grown past 16,384 pages (64 MB) is copied back
/// and emptied (`Store::checkpoint_wal`), this server's writers waiting for it and it waiting at
/// most half a second (SANFU_WAL_WAIT_MS, for measuring) for reads still reading from the log:
/// SQLite's own checkpoints never empty it while pages are read without pause (BENCHMARKS §10).
/// When reads keep it longer, the next tries come less often, up to one a minute, and a log
/// grown past 1 GB is reported.
async fn keep_wal_small(store: Store) {
    const MIN_PAGES: i64 = 16_384;
    const REPORT_PAGES: i64 = 262_144;
    if store.backend() != sanfu_store::Backend::Sqlite {
        return;
    }
    let wait = std::time::Duration::from_millis(std::env::var("SANFU_WAL_WAIT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(500));
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut skip, mut backoff, mut reported) = (0u32, 1u32, false);
    loop {
        tick.tick().await;
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let started = std::time::Instant::now();
        match store.checkpoint_wal(MIN_PAGES, wait).await {
            Ok(Some(c)) if c.pages < MIN_PAGES => {}
            Ok(Some(c)) => {
                let ms = started.elapsed().as_millis() as u64;
                tracing::debug!(pages = c.pages, emptied = c.emptied, ms, "wal checkpoint");
                if c.emptied {
                    (backoff, reported) = (1, false);
                } else {
                    if c.pages >= REPORT_PAGES && !reported {
                        reported = true;
                        tracing::warn!(pages = c.pages, "数据库预写日志已达 {} MB，读取一直未停，暂时无法清空，稍后重试", c.pages * 4 / 1024);
                    }
                    skip = backoff;
                    backoff = (backoff * 2).min(12);
                }
            }
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "清理数据库预写日志失败，稍后重试"),
        }
    }
}

/// The audit stream: every event the database committed, one line each under the log target
/// `audit` (a file of its own with `--audit-log`), read from the event log a few seconds after
/// the fact — so a transaction that was rolled back or retried never appears, and a crash
/// loses no line that the database kept (the stream resumes from the last minute on start).
async fn audit_stream(store: Store) {
    const LAG_MS: i64 = 10_000;
    let mut since = sanfu_store::now_ms() - 60_000;
    let mut seen: std::collections::HashSet<(String, i64)> = std::collections::HashSet::new();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tick.tick().await;
        let lines = match store.audit_since(since - LAG_MS, 5_000).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "读取审计日志失败，稍后重试");
                continue;
            }
        };
        for l in &lines {
            if !seen.insert((l.entity_id.clone(), l.seq)) {
                continue;
            }
            tracing::info!(
                target: "audit",
                at = %chrono::DateTime::<chrono::Utc>::from_timestamp_millis(l.at).unwrap_or_default().with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S%.3f"),
                entity = %l.entity_id, kind = %l.entity_kind, seq = l.seq, action = %l.action,
                actor = %l.actor_name, role = %l.actor_role, unit = l.actor_unit_id.as_deref().unwrap_or(""),
                from = l.from_state.as_deref().unwrap_or(""), to = l.to_state.as_deref().unwrap_or(""),
                "审计"
            );
            since = since.max(l.at);
        }
        // Forget what is now older than the window re-read each time.
        let floor = since - 2 * LAG_MS;
        if seen.len() > 50_000 {
            let keep: std::collections::HashSet<(String, i64)> =
                lines.iter().filter(|l| l.at >= floor).map(|l| (l.entity_id.clone(), l.seq)).collect();
            seen = keep;
        }
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("正在停止服务");
}

/// `sanfu stats check`: the statistics of the whole city and of every unit, and the ranking,
/// for the last `months` months, from the daily roll-ups and counted again order by order;
/// prints each difference and returns how many there were.
pub async fn stats_check(store: &sanfu_store::Store, months: u32) -> anyhow::Result<usize> {
    use chrono::{Datelike, Months};
    let today = chrono::Utc::now().with_timezone(&store.offset()).date_naive();
    let mut differ = 0;
    let units: Vec<Option<String>> = std::iter::once(None).chain(store.units().await?.into_iter().map(|u| Some(u.id))).collect();
    for back in 0..months {
        let Some(first) = today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(back))) else { continue };
        let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
        for u in &units {
            let (a, b) = (store.report(u.as_deref(), first, last).await?, store.report_recount(u.as_deref(), first, last).await?);
            if a.counts != b.counts {
                differ += 1;
                println!("{} {}：汇总 {:?}，逐单 {:?}", first.format("%Y-%m"), u.as_deref().unwrap_or("全市"), a.counts, b.counts);
            }
        }
        let (a, b) = (store.ranking(first.year(), first.month()).await?, store.ranking_recount(first.year(), first.month()).await?);
        let pairs = |r: &[sanfu_store::hotline::stats::RankRow]| r.iter().map(|x| (x.unit.id.clone(), x.counts.clone())).collect::<Vec<_>>();
        if pairs(&a) != pairs(&b) {
            differ += 1;
            println!("{} 排名：汇总与逐单不一致", first.format("%Y-%m"));
        }
    }
    Ok(differ)
}

/// `sanfu stats rebuild`: the roll-ups recomputed, with how long it took.
pub async fn stats_rebuild(store: &sanfu_store::Store) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let r = store.rebuild_rollups().await?;
    println!("已重建按日汇总：{} 件工单，{} 行，用时 {:.2} 秒", r.orders, r.rows, started.elapsed().as_secs_f64());
    Ok(())
}
