//! Sanfu's HTTP interface: the JSON API under `/api`, health at `/healthz`.
//!
//! Handlers are thin: they parse input with the extractors of [`extract`], call the store, and
//! return JSON or an [`error::ApiError`]. Rules live in the domain crate, persistence in the store.

mod city;
pub mod error;
pub mod export;
pub mod extract;
mod guard;
mod idempotency;
pub mod openapi;
mod pages;

pub use city::{city, set_city};
mod routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use sanfu_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: WebConfig,
}

/// How the site is served.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Served to browsers over HTTPS (usually by a TLS proxy in front): cookies are marked
    /// `Secure` and HSTS is sent.
    pub https: bool,
    /// The proxy in front sets `X-Forwarded-For`: take the client's address from its last entry
    /// (for throttling and the event log) instead of the proxy's own.
    pub trust_proxy: bool,
}

/// A request body that stops arriving for this long is abandoned (the connection is freed).
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The whole application as a router.
pub fn router(store: Store) -> Router {
    router_with(store, WebConfig::default())
}

pub fn router_with(store: Store, config: WebConfig) -> Router {
    let state = AppState { store, config };
    routes::routes()
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_READ_TIMEOUT))
        .with_state(state)
}
