//! The process's memory: its resident size from /proc, and — when SQLite counts what it holds
//! (`SANFU_MEMORY_LOG`) — how much of it is the database's, logged at an interval so that a
//! peak can be told apart into the server's own memory and SQLite's page caches.

/// The process's peak resident memory so far (VmHWM), in MB; 0 where /proc is not there.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// The process's resident memory now (VmRSS), in MB: SQLite's page caches included.
pub fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// A line of /proc/self/status given in kB (`VmHWM:`, `VmRSS:`), in MB.
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The seconds between two lines of the memory log, from `SANFU_MEMORY_LOG` (none when unset,
/// not a positive number, or empty).
pub fn log_interval() -> Option<std::time::Duration> {
    let secs: f64 = std::env::var("SANFU_MEMORY_LOG").ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| std::time::Duration::from_secs_f64(secs.max(0.1)))
}

const MB: f64 = 1024.0 * 1024.0;

/// Logs every `every` the resident memory, SQLite's part of it and the rest (the server's own),
/// each with its peak so far. SQLite's figures are zeros unless it was made to count them
/// before its first use (`sanfu_sqlite_alloc::count_memory`).
pub fn spawn_log(every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut own_peak = 0.0f64;
        loop {
            tick.tick().await;
            let rss = rss_mb();
            let (db, db_peak) = sanfu_sqlite_alloc::memory_used();
            let db = db as f64 / MB;
            let own = (rss - db).max(0.0);
            own_peak = own_peak.max(own);
            tracing::info!(
                target: "sanfu::memory",
                rss_mb = format!("{rss:.0}"),
                rss_peak_mb = format!("{:.0}", peak_rss_mb()),
                sqlite_mb = format!("{db:.0}"),
                sqlite_peak_mb = format!("{:.0}", db_peak as f64 / MB),
                own_mb = format!("{own:.0}"),
                own_peak_mb = format!("{own_peak:.0}"),
                "内存占用"
            );
        }
    });
}
