//! Start-up: configuration, the store, the listener, graceful shutdown. `main` only parses the
//! command line; tests build the same [`Application`] on port 0 against a fresh database.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub mod bench;
pub mod eval;

use anyhow::Context;
use sanfu_store::Store;
use tokio::net::TcpListener;

pub struct Config {
    pub listen: String,
    pub database_url: String,
}

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
    scheduler: Option<std::time::Duration>,
}

impl Application {
    pub async fn build(cfg: &Config) -> anyhow::Result<Application> {
        let store = Store::open(&cfg.database_url).await.context("cannot open the database")?;
        Self::with_store(&cfg.listen, store).await
    }

    pub async fn with_store(listen: &str, store: Store) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Application { listener, store, scheduler: None })
    }

    /// Run the deadline warnings every `every` while serving.
    pub fn with_scheduler(mut self, every: std::time::Duration) -> Self {
        self.scheduler = Some(every);
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
        let app = sanfu_web::router(self.store.clone());
        let ticker = self.scheduler.map(|every| {
            let store = self.store.clone();
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    match store.run_warnings(chrono::Utc::now()).await {
                        Ok(r) if r.yellow + r.red > 0 => tracing::info!(yellow = r.yellow, red = r.red, "deadline warnings"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "deadline warnings failed; will retry"),
                    }
                    // The dispatch suggestions learn from the orders handled since, hourly.
                    match store.retrain_dispatch_if_stale(3_600_000).await {
                        Ok(Some(r)) => tracing::info!(orders = r.orders, seconds = r.seconds, "dispatch model retrained"),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "dispatch training failed; will retry"),
                    }
                }
            })
        });
        axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(t) = ticker {
            t.abort();
        }
        self.store.close().await;
        Ok(())
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
    tracing::info!("shutting down");
}
