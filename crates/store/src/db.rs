use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::DomainError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tokio::sync::{Mutex, MutexGuard};

use crate::migrations::MIGRATIONS;

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
    backend: Backend,
    write_lock: Option<Arc<Mutex<()>>>,
    calendar: Arc<RwLock<Calendar>>,
    /// Units and categories change rarely and are read on every request: kept in memory,
    /// dropped whenever this process changes them.
    pub(crate) units_cache: Arc<RwLock<Option<Arc<Vec<crate::org::Unit>>>>>,
    pub(crate) categories_cache: Arc<RwLock<Option<Arc<Vec<crate::catalog::Category>>>>>,
    /// The dispatch models in use, loaded from the database on first use and replaced by training.
    pub(crate) dispatch_model: Arc<RwLock<Option<Arc<crate::suggest::DispatchModel>>>>,
    /// When this process last looked for orders to retrain on (ms), so that it looks hourly.
    pub(crate) dispatch_checked: Arc<std::sync::atomic::AtomicI64>,
    /// The segmenter with the city's words, built on first use.
    pub(crate) segmenter: Arc<RwLock<Option<Arc<sanfu_text::Segmenter>>>>,
    /// Live sessions recently looked up: token hash → (session id, user, expiry, when cached).
    /// Emptied by every logout and revocation in this process, and each entry trusted for a few
    /// seconds only, so a revocation made elsewhere takes effect within that time.
    pub(crate) sessions_cache: Arc<RwLock<std::collections::HashMap<String, crate::org::CachedSession>>>,
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
        let options = AnyConnectOptions::from_str(url)?;
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
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            // 32 MiB of page cache per connection: indexes of a million orders
                            // stay mostly in memory.
                            conn.execute("PRAGMA cache_size = -32768").await?;
                            // Table statistics for the planner, refreshed when a table has grown
                            // (cheap: a sample of each index), as SQLite advises at every open.
                            conn.execute("PRAGMA analysis_limit = 400").await?;
                            conn.execute("PRAGMA optimize = 0x10002").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?
            }
        };
        let store = Store {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            calendar: Arc::new(RwLock::new(Calendar::empty(Default::default()))),
            units_cache: Arc::new(RwLock::new(None)),
            categories_cache: Arc::new(RwLock::new(None)),
            dispatch_model: Arc::new(RwLock::new(None)),
            segmenter: Arc::new(RwLock::new(None)),
            dispatch_checked: Arc::new(std::sync::atomic::AtomicI64::new(0)),
            sessions_cache: Arc::new(RwLock::new(std::collections::HashMap::new())),
        };
        store.migrate().await?;
        store.init_calendar().await?;
        store.init_time_limits().await?;
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

    /// A copy of the calendar in force.
    pub fn calendar(&self) -> Calendar {
        match self.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn replace_calendar(&self, cal: Calendar) {
        match self.calendar.write() {
            Ok(mut c) => *c = cal,
            Err(poisoned) => *poisoned.into_inner() = cal,
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
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
            let mut tx = self.pool.begin().await?;
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

pub(crate) fn cached<T>(cell: &RwLock<Option<Arc<T>>>) -> Option<Arc<T>> {
    match cell.read() {
        Ok(c) => c.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

pub(crate) fn set_cache<T>(cell: &RwLock<Option<Arc<T>>>, v: Option<Arc<T>>) {
    match cell.write() {
        Ok(mut c) => *c = v,
        Err(p) => *p.into_inner() = v,
    }
}

/// A new identifier: UUID v7, so ids sort by creation time.
/// A number bound as text, for `CAST($n AS DOUBLE PRECISION)` in the SQL. sqlx's Any driver binds
/// a missing `f64` as PostgreSQL's `float4` (sqlx-core 0.9, `any/arguments.rs`), and the
/// connection's prepared statement keeps that parameter type, so the next present value (eight
/// bytes) is refused with "incorrect binary data format". Text has one type whether present or not.
pub(crate) fn float_text(v: Option<f64>) -> Option<String> {
    v.filter(|x| x.is_finite()).map(|x| x.to_string())
}

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
