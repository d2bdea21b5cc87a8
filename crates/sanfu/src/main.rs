//! `sanfu` — run the server, seed the demo city, manage the calendar and accounts.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sanfu::{Application, Config, database_url, shutdown_signal};
use sanfu_domain::limits::Limit;
use sanfu_domain::{Actor, Principal, Role};
use sanfu_store::Store;
use sanfu_store::org::NewUser;

#[derive(Parser)]
#[command(name = "sanfu", version, about = "三服务 — 市政府办公室工作平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// Where the SQLite file lives (ignored when DATABASE_URL is set).
    #[arg(long, default_value = "sanfu-data")]
    data: PathBuf,
    /// PostgreSQL (postgres://…) or SQLite (sqlite://…) URL; overrides --data.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seconds between runs of the deadline warnings.
    #[arg(long, default_value_t = 30)]
    tick_seconds: u64,
    /// Browsers reach the site over HTTPS (a TLS proxy in front): cookies get `Secure`, HSTS is sent.
    #[arg(long, env = "SANFU_HTTPS")]
    https: bool,
    /// Trust the proxy's X-Forwarded-For for the client's address (only behind your own proxy).
    #[arg(long, env = "SANFU_TRUST_PROXY")]
    trust_proxy: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Seed the demo city 江州市 into an empty database, print its accounts, and serve.
    Demo(ServeArgs),
    /// The working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Import historical orders from JSON lines (.jsonl) or CSV (.csv), with a progress bar.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write generated orders of the demo city as JSON lines (for imports and benchmarks).
    Generate {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// Spread over this many days before now.
        #[arg(long, default_value_t = 365)]
        days: i64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmarks (see BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCmd),
    /// The full-text index.
    #[command(subcommand)]
    Search(SearchCmd),
    /// Train the dispatch suggestions (智能派单) on the orders in the database.
    Train {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Measurements of the text intelligence on real data.
    #[command(subcommand)]
    Eval(EvalCmd),
}

#[derive(Subcommand)]
enum SearchCmd {
    /// Index every order, answer and knowledge entry again (after the city dictionary changed).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum EvalCmd {
    /// Train and test the dispatch classifier on the fixed split of the Teddy Cup 2020 messages.
    Dispatch {
        /// The folder with fj2_raw_labeled.csv.gz and fj2_full_tokens.csv.gz.
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
    },
    /// Precision and recall of duplicate detection on the Teddy Cup hot-spot messages.
    Duplicates {
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
    },
    /// Hot topics of the Teddy Cup hot-spot messages, next to the contest's reference answer.
    Topics {
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Register orders through the HTTP API at a concurrency; a fresh server unless --url.
    Intake {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// An existing server to measure instead of a fresh one.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = "operator")]
        username: String,
        #[arg(long, default_value = "sanfu2026")]
        password: String,
    },
    /// Bulk import of generated orders into a fresh database.
    Import {
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
    },
    /// Inbox, order view and one-month statistics of the largest unit with N orders stored.
    Read {
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Malformed requests to every route; counts 5xx answers and API errors not in the one shape.
    Fuzz {
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// An existing server to attack instead of a fresh demo city.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = "sanfu2026")]
        password: String,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Load a year's published schedule from a CSV file (date,kind,holiday).
    Load {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the loaded years, or one year's special days.
    Show {
        year: Option<i32>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Compute a deadline: `sanfu calendar due --limit 5wd [--from 2026-09-30T08:00:00+08:00]`.
    Due {
        #[arg(long)]
        limit: String,
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::FixedOffset>>,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account. The password is read from SANFU_PASSWORD.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Unit code or id.
        #[arg(long)]
        unit: String,
        /// Roles: operator, dispatcher, unit_liaison, unit_head, office_staff, leader, admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// For leaders: units of the portfolio.
        #[arg(long = "portfolio")]
        portfolio: Vec<String>,
        #[arg(long, env = "SANFU_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn cli_actor() -> Actor {
    Actor { principal: Principal::System, ip: "cli".into() }
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let url = database_url(db.database_url.clone(), &db.data)?;
    Store::open(&url).await.context("cannot open the database")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=error".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(a) => serve(a, false).await,
        Command::Demo(a) => serve(a, true).await,
        Command::Calendar(c) => calendar(c).await,
        Command::User(c) => user(c).await,
        Command::Import { file, db } => {
            let store = open(&db).await?;
            let (records, total) = sanfu::bench::read_records(&file)?;
            let (imported, skipped, secs) = sanfu::bench::import_with_progress(&store, records, total).await?;
            println!("import orders={imported} skipped={skipped} seconds={secs:.1} orders_per_s={:.0}", imported as f64 / secs.max(1e-9));
            Ok(())
        }
        Command::Generate { orders, days, seed, out } => {
            use std::io::Write;
            let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
            for r in sanfu::bench::history(orders, days, seed) {
                writeln!(w, "{}", serde_json::to_string(&r)?)?;
            }
            w.flush()?;
            println!("已生成 {orders} 条工单：{}", out.display());
            Ok(())
        }
        Command::Bench(b) => match b {
            BenchCmd::Intake { orders, concurrency, url, username, password } => {
                sanfu::bench::intake(orders, concurrency, url, &username, &password).await
            }
            BenchCmd::Import { orders } => sanfu::bench::import(orders).await,
            BenchCmd::Read { orders, samples } => sanfu::bench::read(orders, samples).await,
            BenchCmd::Fuzz { requests, concurrency, seed, url, password } => {
                let target = sanfu::bench::Target::start(url, std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())).await?;
                let report = sanfu::fuzz::run(&target.base, requests, concurrency, seed, &password).await?;
                for e in report.server_errors.iter().chain(&report.shape_errors) {
                    println!("  {e}");
                }
                println!("{}", report.line());
                target.stop();
                if report.server_error_count > 0 {
                    bail!("{} 个请求得到 5xx 应答", report.server_error_count);
                }
                Ok(())
            }
        },
        Command::Search(SearchCmd::Rebuild { db }) => {
            let store = Store::open(&database_url(db.database_url.clone(), &db.data)?).await?;
            let started = std::time::Instant::now();
            let n = store.rebuild_search().await?;
            println!("已重建全文索引：{n} 篇，用时 {:.1} 秒", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Train { db } => {
            let store = Store::open(&database_url(db.database_url.clone(), &db.data)?).await?;
            match store.train_dispatch().await? {
                Some(r) => println!(
                    "已训练：{} 条工单，{} 个分类，{} 个承办单位，用时 {:.1} 秒",
                    r.orders, r.categories, r.units, r.seconds
                ),
                None => println!("已派单的工单太少（不足 20 条），暂不能训练"),
            }
            Ok(())
        }
        Command::Eval(EvalCmd::Duplicates { data }) => {
            for window in [None, Some(sanfu_store::similar::RECENT_DAYS)] {
                let (n, gold, rows) = sanfu::eval::duplicates(&data, window)?;
                let scope = window.map(|d| format!("within {d} days")).unwrap_or_else(|| "all pairs".into());
                eprintln!("{n} messages, {gold} reference duplicate pairs ({scope})");
                for (t, p, r) in &rows {
                    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
                    let mark = if (*t - sanfu_text::dup::DUPLICATE_SIMILARITY).abs() < 1e-6 { "  ← in use" } else { "" };
                    let w = window.map(|d| format!(" window_days={d}")).unwrap_or_default();
                    println!("duplicates{w} threshold={t:.1} precision={p:.3} recall={r:.3} f1={f1:.3}{mark}");
                }
            }
            Ok(())
        }
        Command::Eval(EvalCmd::Topics { data }) => sanfu::eval::topics(&data),
        Command::Eval(EvalCmd::Dispatch { data }) => {
            let r = sanfu::eval::dispatch(&data)?;
            eprintln!(
                "trained on {} messages, tested on {}; {:.1}% of test messages had confidence ≥ 0.9, {:.1}% of those right",
                r.train_rows, r.test_rows, r.confident_share * 100.0, r.confident_accuracy * 100.0
            );
            println!(
                "dispatch macro_f1={:.4} accuracy={:.4} msgs_per_s={:.0} train_s={:.2}",
                r.macro_f1, r.accuracy, r.msgs_per_s, r.train_s
            );
            Ok(())
        }
    }
}

async fn serve(a: ServeArgs, demo: bool) -> anyhow::Result<()> {
    let url = database_url(a.db.database_url.clone(), &a.db.data)?;
    let app = Application::build(&Config {
        listen: a.listen.clone(),
        database_url: url,
        web: sanfu_web::WebConfig { https: a.https, trust_proxy: a.trust_proxy },
    })
        .await?
        .with_scheduler(std::time::Duration::from_secs(a.tick_seconds.max(1)));
    if demo {
        if app.store().is_empty().await? {
            println!("正在生成演示城市“江州市”……");
            let accounts = app.store().seed_demo(true).await?;
            println!("演示账号（密码均为 {}）：", sanfu_store::seed::DEMO_PASSWORD);
            for acc in accounts {
                println!("  {:<12} {:<10} {:<8} {}", acc.username, acc.role, acc.unit, acc.name);
            }
            println!("  各承办单位：用户名为单位编码（联络员）或“编码-head”（负责人），如 zjj、donghu-head");
            if let Some(r) = app.store().train_dispatch().await? {
                println!("智能派单已用 {} 条演示工单训练（{:.1} 秒）", r.orders, r.seconds);
            }
        } else {
            println!("数据库中已有数据，跳过演示数据生成。演示账号密码为 {}", sanfu_store::seed::DEMO_PASSWORD);
        }
    }
    let addr = app.local_addr()?;
    println!("三服务 Sanfu 已启动：http://{addr}  （健康检查 http://{addr}/healthz）");
    tracing::info!(%addr, "listening");
    app.run_until(shutdown_signal()).await
}

async fn calendar(c: CalendarCmd) -> anyhow::Result<()> {
    match c {
        CalendarCmd::Load { file, db } => {
            let store = open(&db).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let source = file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
            match store.load_schedule(&text, &source, &cli_actor()).await {
                Ok(years) => println!("已导入 {} 年的节假日安排", years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")),
                Err(sanfu_store::StoreError::Domain(e)) => bail!("{}", e.message),
                Err(e) => return Err(e.into()),
            }
        }
        CalendarCmd::Show { year, db } => {
            let store = open(&db).await?;
            let cal = store.calendar();
            match year {
                None => {
                    let years: Vec<String> = cal.years().map(|y| y.to_string()).collect();
                    println!("已导入年份：{}", years.join(" "));
                    println!("工作时间：{}（UTC+8）", cal.hours());
                }
                Some(y) if !cal.is_year_loaded(y) => bail!("{y} 年的节假日安排尚未导入"),
                Some(y) => {
                    for d in cal.special_days(y) {
                        let kind = if d.kind == sanfu_calendar::DayKind::Holiday { "放假" } else { "调休上班" };
                        println!("{} {} {}", d.date, kind, d.name);
                    }
                }
            }
        }
        CalendarCmd::Due { limit, from, db } => {
            let store = open(&db).await?;
            let cal = store.calendar();
            let l: Limit = limit.parse().map_err(anyhow::Error::msg)?;
            let from = from.map(|f| f.with_timezone(&chrono::Utc)).unwrap_or_else(chrono::Utc::now);
            let d = l.due(from, &cal);
            let local = d.at.with_timezone(&cal.offset());
            println!(
                "{} 起 {}：{}{}",
                from.with_timezone(&cal.offset()).format("%Y-%m-%d %H:%M"),
                l.label(),
                local.format("%Y-%m-%d %H:%M"),
                if d.provisional { "（暂定：涉及尚未导入节假日安排的年份）" } else { "" }
            );
        }
    }
    Ok(())
}

async fn user(c: UserCmd) -> anyhow::Result<()> {
    match c {
        UserCmd::Add { username, name, unit, roles, portfolio, password, db } => {
            let store = open(&db).await?;
            let mut parsed = Vec::new();
            for r in roles {
                parsed.push(Role::parse(&r).with_context(|| format!("unknown role {r}"))?);
            }
            let u = NewUser { username, name, password, unit_id: unit, roles: parsed, portfolio };
            match store.create_user(&u, None, &cli_actor()).await {
                Ok(u) => println!("已创建用户 {}（{}）", u.username, u.name),
                Err(sanfu_store::StoreError::Domain(e)) => bail!("{}", e.message),
                Err(e) => return Err(e.into()),
            }
        }
        UserCmd::List { db } => {
            let store = open(&db).await?;
            for u in store.users().await? {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.label()).collect();
                println!("{:<16} {:<24} {}", u.username, u.name, roles.join("、"));
            }
        }
    }
    Ok(())
}
