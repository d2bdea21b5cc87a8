use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod calendar;
pub(crate) mod knowledge;
pub(crate) mod suggest;
mod open311;
pub(crate) mod orders;
pub(crate) mod public;
pub(crate) mod stats;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(auth::healthz))
        .route("/api/openapi.json", get(crate::openapi::serve))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/me", get(auth::me))
        .route("/api/me/sessions", get(auth::my_sessions))
        .route("/api/me/sessions/{id}/revoke", post(auth::revoke_my_session))
        .route("/api/units", get(admin::units))
        .route("/api/categories", get(admin::categories))
        .route("/api/time-limits", get(admin::time_limits))
        .route("/api/calendar", get(calendar::overview))
        .route("/api/calendar/deadline", get(calendar::deadline))
        .route("/api/calendar/{year}", get(calendar::year))
        .route("/api/admin/units", get(admin::all_units).post(admin::create_unit))
        .route("/api/admin/units/{key}", put(admin::update_unit))
        .route("/api/admin/categories/{key}", put(admin::update_category))
        .route("/api/admin/users/{id}", put(admin::update_user))
        .route("/api/admin/users/{id}/password", post(admin::reset_password))
        .route("/api/admin/org-template", get(admin::org_template))
        .route("/api/admin/org-import", post(admin::org_import))
        .route("/api/setup", post(admin::setup))
        .route("/api/admin/public-limits", get(admin::get_public_limits).put(admin::set_public_limits))
        .route("/api/admin/users", get(admin::users).post(admin::create_user))
        .route("/api/admin/users/{id}/revoke-sessions", post(admin::revoke_sessions))
        .route("/api/admin/categories", post(admin::create_category))
        .route("/api/admin/time-limits/{order_type}/{urgency}", put(admin::set_time_limits))
        .route("/api/admin/calendar", post(calendar::load))
        .route("/api/admin/calendar/working-hours", put(calendar::set_hours))
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
        .route("/api/train", post(suggest::train))
        .route("/api/admin/auto-dispatch", get(suggest::get_auto_dispatch).put(suggest::set_auto_dispatch))
        .route("/api/knowledge", get(knowledge::search).post(knowledge::create))
        .route("/api/knowledge/related", post(knowledge::related))
        .route("/api/knowledge/{id}", get(knowledge::get_one).put(knowledge::update))
        .route("/api/public/knowledge", get(knowledge::public_search))
        .route("/api/inbox", get(orders::inbox))
        .route("/api/inbox/counts", get(orders::inbox_counts))
        .route("/api/done", get(orders::done))
        .route("/api/public/orders", post(public::submit))
        .route("/api/public/orders/{number}", get(public::follow))
        .route("/api/public/orders/{number}/rate", post(public::rate))
        .route("/api/public/orders/{number}/withdraw", post(public::withdraw))
        .route("/open311/v2/{file}", get(open311::list).post(open311::create))
        .route("/open311/v2/{kind}/{file}", get(open311::one))
        .route("/api/admin/api-keys", post(admin::create_api_key))
}
