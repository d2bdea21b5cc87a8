//! The command line's surroundings: `--help` in Chinese and the logs (uncoloured off a
//! terminal, in local time, the audit stream to a file of its own when asked).

use anyhow::Context;

/// `--help` in Chinese: clap's own headings, help and version flags, every subcommand.
pub fn localise(cmd: clap::Command, root: bool) -> clap::Command {
    let mut cmd = cmd
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(clap::Arg::new("help").short('h').long("help").action(clap::ArgAction::Help).help("显示帮助"));
    if root {
        cmd = cmd
            .disable_version_flag(true)
            .arg(clap::Arg::new("version").short('V').long("version").action(clap::ArgAction::Version).help("显示版本"));
    }
    cmd.mut_args(|a| if a.is_positional() { a.help_heading("参数") } else { a.help_heading("选项") })
        .mut_subcommands(|c| localise(c, false))
}

/// Log times as the office reads them: local time, to the millisecond.
struct LocalTime;

impl tracing_subscriber::fmt::time::FormatTime for LocalTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{}", chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f"))
    }
}

/// The logs: to standard error, coloured only on a terminal, in local time; the access lines
/// under the target `access`; the audit stream (target `audit`) to a file of its own when one
/// is given.
pub fn init_logs(audit_file: Option<&std::path::Path>) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let env = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=error".into());
    let separate = audit_file.is_some();
    let main = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_timer(LocalTime)
        .with_filter(tracing_subscriber::filter::filter_fn(move |m| !(separate && m.target() == "audit")))
        .with_filter(env);
    let audit = match audit_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("无法打开审计日志文件 {}", path.display()))?;
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::sync::Mutex::new(file))
                    .with_ansi(false)
                    .with_timer(LocalTime)
                    .with_target(false)
                    .with_filter(tracing_subscriber::filter::filter_fn(|m| m.target() == "audit")),
            )
        }
        None => None,
    };
    tracing_subscriber::registry().with(main).with(audit).init();
    Ok(())
}

/// Import the organisation template file; print every row's problem in Chinese.
pub async fn import_org_file(store: &sanfu_store::Store, file: &std::path::Path, check: bool, actor: &sanfu_domain::Actor) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let rows = sanfu_store::admin::read_table(&bytes).map_err(|e| anyhow::anyhow!(e.message))?;
    let r = store.import_org(&rows, check, actor).await?;
    if !r.errors.is_empty() {
        for e in &r.errors {
            eprintln!("第 {} 行：{}", e.line, e.message);
        }
        anyhow::bail!("文件有 {} 处问题，未导入任何数据", r.errors.len());
    }
    let verb = if check { "检查通过，可导入" } else { "已导入" };
    println!("{verb} {} 个单位、{} 个分类、{} 个账号", r.units, r.categories, r.users);
    Ok(())
}
