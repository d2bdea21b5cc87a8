//! `sanfu bench …`: the benchmarks' and the chaos test's command line.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;

use crate::DbArgs;
use sanfu::database_url;

#[derive(Subcommand)]
pub(crate) enum BenchCmd {
    /// 通过 HTTP 接口并发登记工单（未给 --url 时启动一个新服务）
    Intake {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// 要测试的已有服务地址
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = "operator")]
        username: String,
        #[arg(long, default_value = "sanfu2026")]
        password: String,
        /// 高频来电人所占的比例（0～1）：这部分工单来自少数几个号码、同一分类
        #[arg(long, default_value_t = 0.0)]
        frequent_share: f64,
        /// 高频来电人的号码个数
        #[arg(long, default_value_t = 5)]
        frequent_callers: usize,
    },
    /// 主备切换测试的负载：经负载均衡持续登记工单（每件带请求编号，未确认就用同一编号重试），
    /// 直到 --stop 文件出现；确认的工单逐行写入 --out
    ChaosLoad {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        stop: PathBuf,
        #[arg(long, default_value = "operator")]
        username: String,
        #[arg(long, default_value = "sanfu2026")]
        password: String,
    },
    /// 主备切换测试的核对：已确认的工单是否都在库中（DATABASE_URL），有无重复
    ChaosCheck {
        #[arg(long)]
        acked: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 向新数据库批量导入生成的工单
    Import {
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
    },
    /// 最近两周各有 N 件工单时，重新计算本周热点的耗时
    Topics {
        #[arg(long, default_value_t = 50_000)]
        per_week: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// 以 N 件工单为样本聚类（两周工单多于 N 件时），并与全部工单一次聚类的结果对比
        #[arg(long)]
        sample: Option<usize>,
    },
    /// 存有 N 件工单时，最大单位的待办、工单详情和月度统计的耗时
    Read {
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// 同时测量导出全市工单 CSV 和最大单位工单 Excel 的耗时与内存
        #[arg(long)]
        exports: bool,
    },
    /// 存有 N 件工单和 M 项督办事项时，督办台账和单位待办的耗时
    Supervision {
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// 按 GB/T 9704 排版一件三页的公文（PDF），统计载入字体和每次排版的耗时
    Print {
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// 向每个接口发送畸形请求，统计 5xx 应答和不合格式的错误
    Fuzz {
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// 要测试的已有服务地址（默认新建演示城市）
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = "sanfu2026")]
        password: String,
    },
}

pub(crate) async fn run(b: BenchCmd) -> anyhow::Result<()> {
    match b {
        BenchCmd::Intake { orders, concurrency, url, username, password, frequent_share, frequent_callers } => {
            let callers = sanfu::bench::Callers { share: frequent_share.clamp(0.0, 1.0), phones: frequent_callers.max(1) };
            sanfu::bench::intake(orders, concurrency, url, &username, &password, callers).await
        }
        BenchCmd::ChaosLoad { url, clients, out, stop, username, password } => {
            let r = sanfu::bench::chaos::load(&url, clients, &out, &stop, &username, &password).await?;
            println!("{}", serde_json::to_string(&r)?);
            Ok(())
        }
        BenchCmd::ChaosCheck { acked, db } => {
            let url = database_url(db.database_url.clone(), &db.data)?;
            let r = sanfu::bench::chaos::check(&url, &acked).await?;
            println!("{}", serde_json::to_string(&r)?);
            Ok(())
        }
        BenchCmd::Import { orders } => sanfu::bench::import(orders).await,
        BenchCmd::Topics { per_week, runs, sample } => sanfu::bench::topics(per_week, runs, sample).await,
        BenchCmd::Read { orders, samples, exports } => sanfu::bench::read(orders, samples, exports).await,
        BenchCmd::Supervision { orders, items, samples } => sanfu::bench::supervision(orders, items, samples).await,
        BenchCmd::Print { runs } => sanfu::bench::print(runs),
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
    }
}
