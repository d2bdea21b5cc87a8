//! PostgreSQL with a hot standby: a URL naming several hosts, the writable one picked, and a
//! switch to the new primary when the old one goes away.
//!
//! `pg_autoctl show uri` and libpq hand out `postgres://h1:5432,h2:5432/sanfu?target_session_attrs=read-write`.
//! sqlx does not take several hosts, so Sanfu splits the URL into one per host, connects to each
//! in turn and keeps the one where `pg_is_in_recovery()` is false. A watcher then asks the pool's
//! host every second whether it is still the primary; when it is not (dead, or demoted to a
//! standby after a failover), the watcher looks for the new primary and points the pool at it,
//! and every connection opened before the switch is dropped instead of being handed out again.
//! Writes cut off meanwhile are retried by [`in_tx!`] while that is safe (see
//! `StoreError::is_disconnect`).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::any::AnyConnectOptions;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyPool, ConnectOptions, Connection};



/// One URL per host of a multi-host PostgreSQL URL (`None` for a URL of one host). The
/// `target_session_attrs` parameter is Sanfu's to honour, so it is taken out.
pub fn split_hosts(url: &str) -> Option<Vec<String>> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.starts_with("postgres") {
        return None;
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (user, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    if !hosts.contains(',') {
        return None;
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, q),
        None => (tail, ""),
    };
    let kept: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("target_session_attrs=")).collect();
    let query = if kept.is_empty() { String::new() } else { format!("?{}", kept.join("&")) };
    Some(hosts.split(',').filter(|h| !h.is_empty()).map(|h| format!("{scheme}://{user}{h}{path}{query}")).collect())
}

/// The host part of a URL, for the log (never its password).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// The hosts of a store opened on a multi-host URL.
pub(crate) struct Hosts {
    urls: Vec<String>,
    slow: Duration,
    epoch: Instant,
    /// When the pool was last pointed at another host, in nanoseconds after `epoch`.
    switched: AtomicU64,
    /// The highest timeline seen on a primary. A promotion starts a new timeline; an old primary
    /// that comes back up still believing it is the primary (until its keeper hears from the
    /// monitor and demotes it) is on an older one, and is never written to.
    timeline: AtomicU32,
}

/// What a host says of itself: whether it takes writes, and on which timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Role {
    writable: bool,
    timeline: u32,
}

impl Hosts {
    pub(crate) fn new(urls: Vec<String>, slow: Duration) -> Arc<Hosts> {
        Arc::new(Hosts { urls, slow, epoch: Instant::now(), switched: AtomicU64::new(0), timeline: AtomicU32::new(0) })
    }

    pub(crate) fn options(&self, url: &str) -> Result<AnyConnectOptions, sqlx::Error> {
        Ok(AnyConnectOptions::from_str(url)?.log_slow_statements(log::LevelFilter::Warn, self.slow))
    }

    /// A writable host on the newest timeline seen: the primary, not a stale one.
    fn is_current_primary(&self, r: Role) -> bool {
        r.writable && r.timeline >= self.timeline.load(Ordering::Relaxed)
    }

    /// Of the hosts that answer and take writes, the one on the newest timeline.
    pub(crate) async fn find_primary(&self) -> Result<String, String> {
        let mut seen = Vec::new();
        let mut best: Option<(u32, &String)> = None;
        for url in &self.urls {
            let options = self.options(url).map_err(|e| e.to_string())?;
            match tokio::time::timeout(Duration::from_secs(3), probe_url(&options)).await {
                Ok(Ok(r)) if r.writable => {
                    seen.push(format!("{}：可写（时间线 {}）", host_of(url), r.timeline));
                    if best.is_none_or(|(t, _)| r.timeline > t) {
                        best = Some((r.timeline, url));
                    }
                }
                Ok(Ok(_)) => seen.push(format!("{}：只读（备库）", host_of(url))),
                Ok(Err(e)) => seen.push(format!("{}：{e}", host_of(url))),
                Err(_) => seen.push(format!("{}：连接超时", host_of(url))),
            }
        }
        match best {
            Some((t, url)) if t >= self.timeline.load(Ordering::Relaxed) => {
                self.timeline.fetch_max(t, Ordering::Relaxed);
                Ok(url.clone())
            }
            _ => Err(format!("没有可写的数据库主节点（{}）", seen.join("；"))),
        }
    }

    /// Every new connection of the pool is checked: a standby, or a primary on an older timeline
    /// than the newest seen (an old primary back up before its demotion), is refused.
    pub(crate) async fn check_new(&self, conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        let r = probe(conn).await?;
        if self.is_current_primary(r) {
            self.timeline.fetch_max(r.timeline, Ordering::Relaxed);
            Ok(())
        } else {
            Err(sqlx::Error::Protocol(format!("该数据库节点不是当前主库（可写：{}，时间线 {}）", r.writable, r.timeline)))
        }
    }

    /// Whether a pooled connection may be handed out: not if it was opened before the last switch.
    pub(crate) fn fresh(&self, meta: &PoolConnectionMetadata) -> bool {
        let born = Instant::now().checked_sub(meta.age).unwrap_or(self.epoch);
        let switched = self.epoch + Duration::from_nanos(self.switched.load(Ordering::Relaxed));
        born >= switched
    }

    /// Whether the pool was pointed at another host after `t`.
    pub(crate) fn switched_after(&self, t: Instant) -> bool {
        let switched = self.switched.load(Ordering::Relaxed);
        switched > 0 && self.epoch + Duration::from_nanos(switched) > t
    }

    fn mark_switch(&self) {
        let nanos = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.switched.store(nanos, Ordering::Relaxed);
    }
}

/// Whether the host takes writes, and its timeline (the first eight hex digits of the name of
/// the WAL file being written; a standby has none).
async fn probe(conn: &mut sqlx::AnyConnection) -> Result<Role, sqlx::Error> {
    let (recovery, wal): (i64, String) = sqlx::query_as(
        "SELECT CAST(CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS BIGINT),
                CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_walfile_name(pg_current_wal_lsn()) END",
    )
    .fetch_one(&mut *conn)
    .await?;
    let timeline = wal.get(..8).and_then(|t| u32::from_str_radix(t, 16).ok()).unwrap_or(0);
    Ok(Role { writable: recovery == 0, timeline })
}

async fn probe_url(options: &AnyConnectOptions) -> Result<Role, sqlx::Error> {
    let mut conn = options.connect().await?;
    let r = probe(&mut conn).await;
    let _ = conn.close().await;
    r
}

/// Every second: is the pool's host still the primary? If not, find the one that is and point
/// the pool at it. Ends when the pool is closed.
pub(crate) fn watch(pool: AnyPool, hosts: Arc<Hosts>, mut current: String) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            let ok = match hosts.options(&current) {
                Ok(o) => match tokio::time::timeout(Duration::from_secs(2), probe_url(&o)).await {
                    Ok(Ok(r)) => hosts.is_current_primary(r),
                    Ok(Err(_)) => false,
                    // Slow to answer is not dead: look again before going elsewhere.
                    Err(_) => {
                        let again = tokio::time::timeout(Duration::from_secs(3), probe_url(&o)).await;
                        matches!(again, Ok(Ok(r)) if hosts.is_current_primary(r))
                    }
                },
                Err(_) => false,
            };
            if ok {
                continue;
            }
            match hosts.find_primary().await {
                Ok(url) => {
                    if let Ok(o) = hosts.options(&url) {
                        pool.set_connect_options(o);
                        hosts.mark_switch();
                        tracing::warn!(from = host_of(&current), to = host_of(&url), "数据库主节点已切换，改连新的主节点");
                        current = url;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "数据库主节点不可用，正在等待切换"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_host_url_becomes_one_url_per_host() {
        assert_eq!(
            split_hosts("postgres://sanfu:pw@h1:5432,h2:5433/sanfu?target_session_attrs=read-write&sslmode=disable"),
            Some(vec![
                "postgres://sanfu:pw@h1:5432/sanfu?sslmode=disable".to_string(),
                "postgres://sanfu:pw@h2:5433/sanfu?sslmode=disable".to_string(),
            ])
        );
        assert_eq!(
            split_hosts("postgresql://h1,h2:6001/db?target_session_attrs=read-write"),
            Some(vec!["postgresql://h1/db".to_string(), "postgresql://h2:6001/db".to_string()])
        );
        assert_eq!(split_hosts("postgres://u@h1:5432/db"), None, "one host: the URL as it is");
        assert_eq!(split_hosts("sqlite:///tmp/a,b.db"), None);
        assert_eq!(host_of("postgres://u:secret@h2:5433/sanfu?x=1"), "h2:5433");
    }
}
