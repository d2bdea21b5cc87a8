use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod calendar;
mod fields;
pub(crate) mod hotline;
pub(crate) mod info;
pub(crate) mod instruction;
pub(crate) mod document;
pub(crate) mod meeting;
pub(crate) mod party;
pub(crate) mod kernel;
pub(crate) mod supervision;

/// The whole JSON API: the system's own routes (login, units, calendar, administration), the
/// kernel's (any item, the one inbox, links, cards), and one router per kind of work.
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
        .route("/api/admin/desk-settings", get(admin::desk_settings).put(admin::set_desk_settings))
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
        .route("/api/admin/api-keys", post(admin::create_api_key))
        .merge(kernel::router())
        .merge(hotline::router())
        .merge(supervision::router())
        .merge(instruction::router())
        .merge(meeting::router())
        .merge(document::router())
        .merge(info::router())
        .merge(party::router())
}
