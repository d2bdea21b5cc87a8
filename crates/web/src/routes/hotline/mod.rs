//! The hotline's routes: orders and their actions, statistics, suggestions, the knowledge
//! base, the citizens' own API and Open311.

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub(crate) mod knowledge;
pub(crate) mod open311;
pub(crate) mod orders;
pub(crate) mod public;
pub(crate) mod stats;
pub(crate) mod suggest;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orders", get(orders::list).post(orders::register))
        .route("/api/orders/export", get(stats::orders))
        .route("/api/stats", get(stats::stats))
        .route("/api/stats/ranking", get(stats::ranking))
        .route("/api/orders/{key}", get(orders::get_one))
        .route("/api/orders/{key}/events", get(orders::events))
        .route("/api/orders/{key}/publish", post(orders::publish))
        .route("/api/orders/{key}/unpublish", post(orders::unpublish))
        .route("/api/orders/{key}/{action}", post(orders::act))
        .route("/api/suggest", post(suggest::suggest))
        .route("/api/hot-topics", get(suggest::hot_topics))
        .route("/api/orders/similar", post(suggest::similar))
        .route("/api/dispatch-rules", get(suggest::rules).post(suggest::add_rule))
        .route("/api/dictionary", post(suggest::add_words))
        .route("/api/admin/synonyms", get(suggest::synonyms).put(suggest::set_synonyms))
        .route("/api/train", post(suggest::train))
        .route("/api/admin/auto-dispatch", get(suggest::get_auto_dispatch).put(suggest::set_auto_dispatch))
        .route("/api/knowledge", get(knowledge::search).post(knowledge::create))
        .route("/api/knowledge/related", post(knowledge::related))
        .route("/api/knowledge/{id}", get(knowledge::get_one).put(knowledge::update))
        .route("/api/public/knowledge", get(knowledge::public_search))
        .route("/api/public/orders", post(public::submit))
        .route("/api/public/orders/{number}", get(public::follow))
        .route("/api/public/orders/{number}/rate", post(public::rate))
        .route("/api/public/orders/{number}/withdraw", post(public::withdraw))
        .route("/open311/v2/{file}", get(open311::list).post(open311::create))
        .route("/open311/v2/{kind}/{file}", get(open311::one))
}
