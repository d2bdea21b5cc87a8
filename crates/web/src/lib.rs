//! Sanfu's HTTP interface: the JSON API under `/api`, health at `/healthz`.
//!
//! Handlers are thin: they parse input with the extractors of [`extract`], call the store, and
//! return JSON or an [`error::ApiError`]. Rules live in the domain crate, persistence in the store.

pub mod error;
pub mod export;
pub mod extract;
mod pages;
mod routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use sanfu_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

/// The whole application as a router.
pub fn router(store: Store) -> Router {
    routes::routes()
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .with_state(AppState { store })
}
