use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::DomainError;
use sanfu_domain::kernel::KindSpec;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use tokio::sync::{Mutex, MutexGuard};

use crate::migrations::MIGRATIONS;

/// How long an SQLite connection of the store waits for a lock held by another; a WAL
/// checkpoint waits less and gives this back (`upkeep.rs`).
pub(crate) const BUSY_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule said no; shown to the user as it is.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Another transaction changed the same thing first; retried.
    #[error("concurrent change")]
    Raced,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The connection was lost while the transaction was committing: it may or may not have
    /// been kept. Never retried blindly; the client retries with its idempotency key.
    #[error("the connection was lost during the commit; its outcome is unknown")]
    CommitUnknown,
    /// The database could not be reached while a computation that several readers share (the
    /// dashboard's kept figures) ran: told to each of them as a lost connection is.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Raced => true,
            StoreError::Db(sqlx::Error::Database(e)) => {
                // PostgreSQL: serialization failure, deadlock. SQLite: busy, locked.
                matches!(e.code().as_deref(), Some("40001" | "40P01" | "5" | "6" | "517" | "261"))
            }
            StoreError::Db(sqlx::Error::PoolTimedOut) => false,
            _ => false,
        }
    }

    /// The same error for another reader of a computation that several share (errors are not
    /// `Clone`): a rule's refusal, a race and a lost connection keep their kind, so that during a
    /// failover each reader is told the database is unavailable rather than of an internal error.
    pub(crate) fn again(&self) -> StoreError {
        match self {
            StoreError::Domain(d) => StoreError::Domain(d.clone()),
            StoreError::Raced => StoreError::Raced,
            StoreError::CommitUnknown => StoreError::CommitUnknown,
            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
            e if e.is_disconnect() => StoreError::Unavailable(e.to_string()),
            StoreError::Db(e) => StoreError::Other(format!("database: {e}")),
            StoreError::Other(m) => StoreError::Other(m.clone()),
        }
    }

    /// The database went away or can no longer take writes (a failover: the primary died or
    /// became a standby). Before the commit nothing was kept, so the transaction is run again
    /// once a primary answers; at the commit the outcome is unknown ([`StoreError::CommitUnknown`]).
    pub fn is_disconnect(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Db(sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed) => true,
            StoreError::Db(sqlx::Error::PoolTimedOut) => true,
            StoreError::Db(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "25006")),
            _ => false,
        }
    }

    /// The error of a failed commit: a lost connection there leaves the outcome unknown.
    pub(crate) fn at_commit(e: sqlx::Error) -> StoreError {
        match StoreError::from(e) {
            e if e.is_disconnect() => StoreError::CommitUnknown,
            e => e,
        }
    }

    /// How long to wait before a write transaction that failed with this error (its `attempt`-th
    /// try, the first begun at `started`) is run again; `None`: give the error back. A lost race
    /// is retried at once ten times; a write cut off before its commit (a failover: nothing was
    /// kept) again once a primary answers, for up to [`crate::tx::FAILOVER_PATIENCE`].
    pub(crate) fn retry_after(&self, attempt: u32, started: std::time::Instant) -> Option<Duration> {
        if self.is_retryable() && attempt < 10 {
            Some(Duration::from_millis(u64::from(attempt) * 7))
        } else if self.is_disconnect() && started.elapsed() < crate::tx::FAILOVER_PATIENCE {
            Some(Duration::from_millis(250))
        } else {
            None
        }
    }

    /// The unique-constraint violation of either backend.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("23505" | "2067" | "1555"))
            }
            _ => false,
        }
    }
}

/// The handle every part of Sanfu shares: the pool and the calendar in force.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// A read-only replica for the heavy reads (statistics, dashboard, exports, search), when
    /// one is given: they then never take the primary's connections.
    replica: Option<AnyPool>,
    /// The hosts of a multi-host URL (a primary and its standbys), when there are several.
    pub(crate) hosts: Option<Arc<crate::failover::Hosts>>,
    backend: Backend,
    pub(crate) write_lock: Option<Arc<Mutex<()>>>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    /// What this process keeps in memory, one slot per type, each owned by the module that
    /// fills it: units and categories (read on every request, dropped whenever this process
    /// changes them), the dispatch model, the segmenter, recently seen sessions.
    pub(crate) slots: Arc<Slots>,
    /// Every kind of work this store knows: the hotline, and those registered after it.
    /// In the order they were made known: the desk lists their queues in that order.
    pub(crate) kinds: Arc<RwLock<Vec<Arc<KindSpec>>>>,
    /// When this process last looked for orders to retrain on (ms), so that it looks hourly.
    pub(crate) dispatch_checked: Arc<std::sync::atomic::AtomicI64>,
}

impl Store {
    /// Connect to `url` (`sqlite://path?mode=rwc` or `postgres://…`), apply the migrations, and
    /// load the calendar (seeding it from the shipped table on a new database).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Other(format!("unsupported database URL: {url}")));
        };
        // Statements slower than SANFU_SLOW_MS (default one second) are logged as warnings
        // (target `sqlx::query`, shown with RUST_LOG=sqlx=warn): where a slow page spends its time.
        let slow_ms = std::env::var("SANFU_SLOW_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        let slow = Duration::from_millis(slow_ms);
        // Several PostgreSQL hosts (a primary and its standbys): the writable one.
        let hosts = (backend == Backend::Postgres).then(|| crate::failover::split_hosts(url)).flatten().map(|urls| crate::failover::Hosts::new(urls, slow));
        let url = match &hosts {
            Some(h) => h.find_primary().await.map_err(StoreError::Other)?,
            None => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?.log_slow_statements(log::LevelFilter::Warn, slow);
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL: readers never wait for the writer. FULL: an acknowledged write
                            // survives a power cut, not only a crash of the process.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            // The log's file shrinks back to 64 MB whenever it starts again (see upkeep.rs).
                            conn.execute("PRAGMA journal_size_limit = 67108864").await?;
                            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))).execute(&mut *conn).await?;
                            // 32 MiB of page cache per connection: indexes of a million orders
                            // stay mostly in memory.
                            conn.execute("PRAGMA cache_size = -32768").await?;
                            // ANALYZE samples each index rather than reading it whole, where
                            // the index allows (not a unique one); it runs once per start, see
                            // `refresh_planner_stats`.
                            conn.execute("PRAGMA analysis_limit = 400").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                let fresh = hosts.clone();
                let checked = hosts.clone();
                // sqlx retries a failed connect with a backoff of up to a fifth of this timeout,
                // reading the pool's address again each time: with several hosts, a shorter one
                // brings a request waiting through a failover to the new primary within 2 s of
                // the switch instead of 6 (a write that times out is run again, see `in_tx!`).
                let acquire = Duration::from_secs(if hosts.is_some() { 10 } else { 30 });
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(acquire)
                    // A new connection goes to the primary of the newest timeline, or is refused.
                    .after_connect(move |conn, _meta| {
                        let checked = checked.clone();
                        Box::pin(async move {
                            match checked {
                                Some(h) => h.check_new(conn).await,
                                None => Ok(()),
                            }
                        })
                    })
                    // After a failover, connections to the old primary are not handed out again.
                    .before_acquire(move |_conn, meta| {
                        let ok = fresh.as_ref().is_none_or(|h| h.fresh(&meta));
                        Box::pin(async move { Ok(ok) })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        if let Some(h) = &hosts {
            crate::failover::watch(pool.clone(), h.clone(), url.clone());
        }
        let store = Store {
            pool,
            replica: None,
            hosts,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            calendar: Arc::new(RwLock::new(Arc::new(Calendar::empty(Default::default())))),
            slots: Arc::new(Slots::default()),
            kinds: Arc::new(RwLock::new(crate::kinds::builtin())),
            dispatch_checked: Arc::new(std::sync::atomic::AtomicI64::new(0)),
        };
        if store.backend() == Backend::Sqlite
            && let Err(e) = store.forget_search_index_stats().await
        {
            tracing::warn!(error = %e, "未能删除全文索引内部表的查询统计信息，按原有统计继续启动");
        }
        // Several servers may start at once on one database: one at a time migrates and fills
        // what a new database lacks, under the start-up lease.
        store.create_leases().await?;
        let node = format!("startup:{}", new_id());
        store.wait_for_lease("startup", &node, Duration::from_secs(300), Duration::from_secs(900)).await?;
        let ready = async {
            store.migrate().await?;
            // The versions of what other servers change, noted before this one keeps anything
            // (the calendar below, units, settings…): noted later, a change another server made
            // meanwhile would be taken as seen, and what was kept before it kept for good.
            store.follow_changes().await?;
            store.backfill_kernel().await?;
            store.init_calendar().await?;
            store.init_time_limits().await?;
            store.init_rollups().await
        }
        .await;
        store.release_lease("startup", &node).await?;
        ready?;
        store.refresh_planner_stats().await;
        Ok(store)
    }

    /// Create database `name` on the PostgreSQL server that `admin_url` reaches.
    pub async fn create_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
        sqlx::any::install_default_drivers();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Other(format!("bad database name {name}")));
        }
        let pool = AnyPoolOptions::new().max_connections(1).connect(admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Where the heavy reads go: the replica when there is one, else the primary.
    pub fn reader(&self) -> &AnyPool {
        self.replica.as_ref().unwrap_or(&self.pool)
    }

    /// Serve the heavy reads from a read-only replica at `url` (a PostgreSQL hot standby).
    pub async fn with_replica(mut self, url: &str) -> Result<Store, StoreError> {
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(30)).connect_with(options).await?;
        self.replica = Some(pool);
        Ok(self)
    }

    /// How far behind the primary the replica's figures are, in milliseconds: `None` without a
    /// replica; 0 when it has replayed everything it received (or is itself a primary).
    pub async fn replica_lag_ms(&self) -> Result<Option<i64>, StoreError> {
        let Some(replica) = &self.replica else { return Ok(None) };
        if self.backend != Backend::Postgres {
            return Ok(Some(0));
        }
        let lag: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(CASE WHEN NOT pg_is_in_recovery() THEN 0
                              WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                              ELSE EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000 END AS BIGINT)",
        )
        .fetch_one(replica)
        .await?;
        Ok(Some(lag.unwrap_or(0).max(0)))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Held for the length of a write transaction (SQLite only).
    pub async fn write_guard(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.write_lock {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// The calendar in force (shared, not copied: it is read on every registration and action).
    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The calendar's zone, without copying the calendar.
    pub fn offset(&self) -> chrono::FixedOffset {
        match self.calendar.read() {
            Ok(c) => c.offset(),
            Err(poisoned) => poisoned.into_inner().offset(),
        }
    }

    pub(crate) fn replace_calendar(&self, cal: Calendar) {
        match self.calendar.write() {
            Ok(mut c) => *c = Arc::new(cal),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(cal),
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(r) = &self.replica {
            r.close().await;
        }
        self.pool.close().await;
    }

    /// The leases table; two servers creating it at once on PostgreSQL can collide in its
    /// catalogue (a unique violation), so a failure is tried again once.
    async fn create_leases(&self) -> Result<(), StoreError> {
        if self.pool.execute(crate::migrations::LEASES_TABLE).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.pool.execute(crate::migrations::LEASES_TABLE).await?;
        }
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?;
        // One connection for the whole run: a table rebuilt by one migration and renamed by the
        // next must be seen by the connection that renames it (SQLite's pooled connections may
        // still hold the schema they read before).
        let mut conn = self.pool.acquire().await?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if applied.contains(&version) {
                continue;
            }
            let only = if name.starts_with("sqlite:") {
                Some(Backend::Sqlite)
            } else if name.starts_with("postgres:") {
                Some(Backend::Postgres)
            } else {
                None
            };
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            if only.is_none_or(|b| b == self.backend) {
                tx.execute(*sql).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(*name)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::debug!(version, name, "migration applied");
        }
        Ok(())
    }
}

/// One value per type, shared by every clone of the store.
#[derive(Default)]
pub(crate) struct Slots(RwLock<std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>>);

impl Slots {
    pub(crate) fn get<T: std::any::Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let map = match self.0.read() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(&std::any::TypeId::of::<T>()).cloned().and_then(|a| a.downcast::<T>().ok())
    }

    /// Put `v` in its slot, or empty the slot.
    pub(crate) fn set<T: std::any::Any + Send + Sync>(&self, v: Option<Arc<T>>) {
        let mut map = match self.0.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        match v {
            Some(v) => map.insert(std::any::TypeId::of::<T>(), v),
            None => map.remove(&std::any::TypeId::of::<T>()),
        };
    }

    /// The value in its slot, made with `Default` the first time.
    pub(crate) fn get_or_default<T: std::any::Any + Send + Sync + Default>(&self) -> Arc<T> {
        if let Some(v) = self.get::<T>() {
            return v;
        }
        let mut map = match self.0.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let v = map.entry(std::any::TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default())).clone();
        v.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}

/// The server's computations that hold many orders' words at once — hot topics (a sample or a
/// busy city's two weeks) and the dispatch classifier's training (a hundred thousand orders) —
/// take turns: at a start, the week's and the month's topics and the training that follows them
/// each had theirs in memory at the same time.
#[derive(Default)]
pub(crate) struct Heavy(Arc<tokio::sync::Mutex<()>>);

impl Store {
    /// Waits for the turn of a computation that holds many orders at once (see [`Heavy`]); the
    /// turn ends when the guard is dropped.
    pub(crate) async fn heavy_turn(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.slots.get_or_default::<Heavy>().0.clone().lock_owned().await
    }
}

/// A number bound as text, for `CAST($n AS DOUBLE PRECISION)` in the SQL. sqlx's Any driver binds
/// a missing `f64` as PostgreSQL's `float4` (sqlx-core 0.9, `any/arguments.rs`), and the
/// connection's prepared statement keeps that parameter type, so the next present value (eight
/// bytes) is refused with "incorrect binary data format". Text has one type whether present or not.
pub(crate) fn float_text(v: Option<f64>) -> Option<String> {
    v.filter(|x| x.is_finite()).map(|x| x.to_string())
}

/// A new identifier: UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// `($start, $start+1, …)` for `n` values.
pub(crate) fn in_clause(start: usize, n: usize) -> (String, usize) {
    if n == 0 {
        return ("(NULL)".into(), start);
    }
    let parts: Vec<String> = (start..start + n).map(|i| format!("${i}")).collect();
    (format!("({})", parts.join(", ")), start + n)
}
