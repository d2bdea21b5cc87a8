//! `sanfu` — run the server, seed the demo city, manage the calendar and accounts.

mod bench_cmd;

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sanfu::{Application, Config, database_url, shutdown_signal};
use sanfu_domain::limits::Limit;
use sanfu_domain::{Actor, Principal, Role};
use sanfu_store::Store;
use sanfu_store::org::NewUser;

// mimalloc: under intake load glibc's malloc and free took an eighth of the server's time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "sanfu", version, about = "三服务 — 市政府办公室工作平台")]
#[command(after_help = "真实城市从零开始：sanfu init --city 城市名 --username admin --name 姓名（密码取自 SANFU_PASSWORD），\n再用 sanfu org import 模板文件 导入单位、分类和账号，最后 sanfu serve。")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// SQLite 数据文件所在目录（设置了 DATABASE_URL 时不用）
    #[arg(long, default_value = "sanfu-data")]
    data: PathBuf,
    /// PostgreSQL（postgres://…）或 SQLite（sqlite://…）数据库地址，优先于 --data。
    /// 主备集群可写多个主机（postgres://h1:5432,h2:5432/sanfu?target_session_attrs=read-write），
    /// 自动连接可写的主库，主备切换后改连新的主库
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// 时限预警的检查间隔（秒）
    #[arg(long, default_value_t = 30)]
    tick_seconds: u64,
    /// 多台服务器共用数据库时，定时任务由持有租约的一台执行；租约时长（秒），
    /// 该服务器停止续租后由另一台在此时间内接管
    #[arg(long, env = "SANFU_LEASE_SECONDS", default_value_t = 30)]
    lease_seconds: u64,
    /// 经 HTTPS 反向代理访问：Cookie 加 Secure，并发送 HSTS
    #[arg(long, env = "SANFU_HTTPS")]
    https: bool,
    /// 信任反向代理的 X-Forwarded-For 作为客户端地址（仅在自己的代理之后使用）
    #[arg(long, env = "SANFU_TRUST_PROXY")]
    trust_proxy: bool,
    /// 只读副本（PostgreSQL 热备库）地址：统计、领导驾驶舱、导出和检索从副本读取，不占主库；
    /// 页面注明数据截至的时间
    #[arg(long, env = "SANFU_REPLICA_URL", hide_env_values = true)]
    replica_url: Option<String>,
    /// 审计日志单独写入此文件（每条已提交的操作一行）；不设置时与运行日志一起输出
    #[arg(long, env = "SANFU_AUDIT_LOG")]
    audit_log: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务
    Serve(ServeArgs),
    /// 在空数据库中生成演示城市“江州市”，列出演示账号，然后启动服务
    Demo(ServeArgs),
    /// 工作日历（法定节假日与调休）
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// 账号
    #[command(subcommand)]
    User(UserCmd),
    /// 新城市初始化：创建第一个管理员（及市政府、办公室、热线中心三个单位），可同时导入模板
    Init {
        /// 城市名称，如“江州市”
        #[arg(long)]
        city: String,
        /// 管理员用户名
        #[arg(long, default_value = "admin")]
        username: String,
        /// 管理员姓名
        #[arg(long)]
        name: String,
        /// 管理员密码（环境变量 SANFU_PASSWORD）
        #[arg(long, env = "SANFU_PASSWORD", hide_env_values = true)]
        password: String,
        /// 同时导入的单位、分类、账号模板（.xlsx 或 .csv）
        #[arg(long)]
        import: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 单位、分类和账号
    #[command(subcommand)]
    Org(OrgCmd),
    /// 统计：按日汇总的重建与核对
    #[command(subcommand)]
    Stats(StatsCmd),
    /// 备份运行中的 SQLite 数据库（一致的快照，服务不必停止）；PostgreSQL 请用 pg_dump
    Backup {
        /// 备份文件（不能已存在）
        out: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 导入历史工单（.jsonl 或 .csv），显示进度
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 生成演示城市的工单数据（JSON lines，供导入和性能测试）
    Generate {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// 分布在此前多少天内
        #[arg(long, default_value_t = 365)]
        days: i64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// 性能测试（见 BENCHMARKS.md）
    #[command(subcommand)]
    Bench(bench_cmd::BenchCmd),
    /// 全文索引
    #[command(subcommand)]
    Search(SearchCmd),
    /// 用数据库中的工单训练智能派单
    Train {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 用真实数据评测文本智能
    #[command(subcommand)]
    Eval(EvalCmd),
}

#[derive(Subcommand)]
enum StatsCmd {
    /// 由全部工单重新计算按日汇总（统计、排名、驾驶舱所用），期间写入稍候
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 核对按日汇总与逐单重新计数是否一致（全市及每个单位，最近若干个月）
    Check {
        /// 核对的月数（含本月）
        #[arg(long, default_value_t = 3)]
        months: u32,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum OrgCmd {
    /// 从模板（.xlsx，或 UTF-8/GBK 编码的 .csv）批量导入单位、分类和账号；有任何问题则一行也不导入
    Import {
        file: PathBuf,
        /// 只检查，不导入
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 写出导入模板（.xlsx 或 .csv，按扩展名）
    Template { out: PathBuf },
}

#[derive(Subcommand)]
enum SearchCmd {
    /// 重建全部工单、答复和知识库的全文索引（城市词典变更后）
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum EvalCmd {
    /// 在泰迪杯 2020 留言数据的固定划分上训练并测试派单分类器
    Dispatch {
        /// 含 fj2_raw_labeled.csv.gz 和 fj2_full_tokens.csv.gz 的目录
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
    },
    /// 在泰迪杯热点留言上评测查重的准确率和召回率
    Duplicates {
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
        /// 同时列出各种判定方法在两半数据上的全部阈值（用于选择方法）
        #[arg(long)]
        compare: bool,
    },
    /// 在演示城市的工单上评测知识库推荐的准确率（以工单分类为标注）
    Knowledge {
        /// 跳过前若干条工单（按编号；规则是在前 600 条上分析错误后定的，报告用其后的工单）
        #[arg(long, default_value_t = 2000)]
        skip: usize,
        /// 评测的工单数
        #[arg(long, default_value_t = 2000)]
        sample: usize,
    },
    /// 泰迪杯热点留言的热点问题，与竞赛参考答案对照
    Topics {
        #[arg(long, default_value = "../shared/data/teddy2020c")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// 从 CSV 文件（date,kind,holiday）载入某年公布的放假安排
    Load {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 列出已载入的年份，或某年的特殊日期
    Show {
        year: Option<i32>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 计算期限：sanfu calendar due --limit 5wd [--from 2026-09-30T08:00:00+08:00]
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
    /// 创建账号（密码从环境变量 SANFU_PASSWORD 读取）
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// 单位编码或 ID
        #[arg(long)]
        unit: String,
        /// 角色：operator 话务员、dispatcher 派单员、unit_liaison 联络员、unit_head 单位负责人、office_staff 办公室科室人员、leader 市领导、admin 管理员
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// 市领导的分管单位
        #[arg(long = "portfolio")]
        portfolio: Vec<String>,
        #[arg(long, env = "SANFU_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 列出账号
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
    Store::open(&url).await.context("无法打开数据库")
}

fn main() -> std::process::ExitCode {
    // SQLite's allocations on mimalloc too: set before any thread starts or database opens.
    if !sanfu_sqlite_alloc::use_mimalloc() {
        eprintln!("提示：SQLite 未能改用 mimalloc 分配内存，仍用系统的分配器（较慢，不影响正确性）");
    }
    // With SANFU_MEMORY_LOG=seconds, SQLite counts the memory it holds (which slows reads a
    // little) and the memory log below tells it apart from the server's own.
    let memory_log = sanfu::memory::log_interval();
    if memory_log.is_some() && !sanfu_sqlite_alloc::count_memory() {
        eprintln!("提示：SQLite 未能开启内存统计，内存日志中数据库缓存一项记为 0");
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let run = async {
        if let Some(every) = memory_log {
            sanfu::memory::spawn_log(every);
        }
        run().await
    };
    match rt.block_on(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The operator reads the message and its causes, not a backtrace.
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = {
        use clap::{CommandFactory, FromArgMatches};
        let matches = sanfu::cli::localise(Cli::command(), true).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    };
    let audit_file = match &cli.command {
        Command::Serve(a) | Command::Demo(a) => a.audit_log.clone(),
        _ => None,
    };
    sanfu::cli::init_logs(audit_file.as_deref())?;
    match cli.command {
        Command::Serve(a) => serve(a, false).await,
        Command::Demo(a) => serve(a, true).await,
        Command::Calendar(c) => calendar(c).await,
        Command::User(c) => user(c).await,
        Command::Init { city, username, name, password, import, db } => {
            let store = open(&db).await?;
            match store.init_city(&city, &username, &name, &password).await {
                Ok(u) => println!("已初始化“{city}”：管理员 {}（{}），单位 市人民政府 gov、办公室 office、热线中心 hotline", u.username, u.name),
                Err(sanfu_store::StoreError::Domain(e)) => bail!("{}", e.message),
                Err(e) => return Err(e.into()),
            }
            if let Some(f) = import {
                sanfu::cli::import_org_file(&store, &f, false, &cli_actor()).await?;
            }
            println!("下一步：sanfu serve，然后用管理员账号登录 http://127.0.0.1:8080/login");
            Ok(())
        }
        Command::Backup { out, db } => {
            let store = open(&db).await?;
            let started = std::time::Instant::now();
            match store.backup_to(&out).await {
                Ok(bytes) => println!("已备份到 {}（{:.1} MB，用时 {:.1} 秒）", out.display(), bytes as f64 / 1e6, started.elapsed().as_secs_f64()),
                Err(sanfu_store::StoreError::Domain(e)) => bail!("{}", e.message),
                Err(e) => return Err(e.into()),
            }
            Ok(())
        }
        Command::Stats(StatsCmd::Rebuild { db }) => sanfu::stats_rebuild(&open(&db).await?).await,
        Command::Stats(StatsCmd::Check { months, db }) => {
            let store = open(&db).await?;
            let differ = sanfu::stats_check(&store, months).await?;
            if differ > 0 {
                bail!("{differ} 处不一致，请运行 sanfu stats rebuild");
            }
            println!("按日汇总与逐单计数一致");
            Ok(())
        }
        Command::Org(OrgCmd::Import { file, check, db }) => {
            let store = open(&db).await?;
            sanfu::cli::import_org_file(&store, &file, check, &cli_actor()).await
        }
        Command::Org(OrgCmd::Template { out }) => {
            let bytes = if out.extension().is_some_and(|e| e == "csv") {
                sanfu_store::admin::template_csv()
            } else {
                sanfu_web::export::template_xlsx().map_err(|e| anyhow::anyhow!(e.message))?
            };
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            println!("已写出模板 {}", out.display());
            Ok(())
        }
        Command::Import { file, db } => {
            let store = open(&db).await?;
            let (records, total, source) = sanfu::bench::read_records(&file)?;
            let (imported, skipped, secs) = sanfu::bench::import_resumable(&store, records, total, &source).await?;
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
        Command::Bench(b) => bench_cmd::run(b).await,
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
        Command::Eval(EvalCmd::Duplicates { data, compare }) => sanfu::eval::print_duplicates(&data, compare),
        Command::Eval(EvalCmd::Topics { data }) => sanfu::eval::topics(&data),
        Command::Eval(EvalCmd::Knowledge { skip, sample }) => sanfu::eval::print_knowledge(skip, sample).await,
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
        replica_url: a.replica_url.clone().filter(|u| !u.trim().is_empty()),
        web: sanfu_web::WebConfig { https: a.https, trust_proxy: a.trust_proxy },
    })
        .await?
        .with_jobs(sanfu::Scheduler {
            lease: std::time::Duration::from_secs(a.lease_seconds.max(1)),
            ..sanfu::Scheduler::new(std::time::Duration::from_secs(a.tick_seconds.max(1)))
        });
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
    // The leaders' dashboard's slowest figures (the open work, the city's hot topics) made
    // before the first leader looks: at ten million orders they take most of a minute.
    let store = app.store().clone();
    tokio::spawn(async move {
        let warm = async {
            store.open_work().await?;
            store.warm_hot_topics().await
        };
        if let Err(e) = warm.await {
            tracing::warn!(error = %e, "驾驶舱数据预先统计失败，将在首次查看时统计");
        }
    });
    let addr = app.local_addr()?;
    println!("三服务 Sanfu 已启动：http://{addr}  （健康检查 http://{addr}/healthz）");
    if app.store().needs_setup().await? {
        println!("数据库中还没有任何账号：请打开 http://{addr}/setup 创建第一个系统管理员（或先运行 sanfu init）。");
    }
    tracing::info!(%addr, "开始监听");
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
