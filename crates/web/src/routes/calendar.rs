//! The working-day calendar: read it, compute a deadline, load a new year's schedule.

use axum::extract::{Path, Query, Request, State};
use axum::http::header::CONTENT_TYPE;
use chrono::{DateTime, Utc};
use sanfu_domain::Role;
use sanfu_domain::limits::Limit;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json, body_text, parse_json};

type JsonOut = axum::Json<Value>;

pub async fn overview(State(st): State<AppState>, _a: Authed) -> JsonOut {
    let cal = st.store.calendar();
    let years: Vec<i32> = cal.years().collect();
    axum::Json(json!({ "years": years, "working_hours": cal.hours().to_string(), "utc_offset": "+08:00" }))
}

pub async fn year(State(st): State<AppState>, _a: Authed, Path(year): Path<String>) -> ApiResult<JsonOut> {
    let y: i32 = year.parse().map_err(|_| ApiError::bad_request("invalid_year", format!("年份“{year}”不正确")))?;
    let cal = st.store.calendar();
    if !cal.is_year_loaded(y) {
        return Err(ApiError::not_found("year_not_loaded", format!("{y} 年的节假日安排尚未导入")));
    }
    Ok(axum::Json(json!({ "year": y, "days": cal.special_days(y) })))
}

#[derive(Deserialize)]
pub struct DeadlineQuery {
    from: Option<DateTime<Utc>>,
    limit: String,
}

/// `GET /api/calendar/deadline?from=2026-09-30T08:00:00Z&limit=5wd`
pub async fn deadline(State(st): State<AppState>, _a: Authed, Query(q): Query<DeadlineQuery>) -> ApiResult<JsonOut> {
    let limit: Limit = q.limit.parse().map_err(|e: String| ApiError::unprocessable("invalid_limit", e))?;
    let from = q.from.unwrap_or_else(Utc::now);
    let cal = st.store.calendar();
    let d = limit.due(from, &cal);
    let local = d.at.with_timezone(&cal.offset());
    Ok(axum::Json(json!({
        "from": from, "limit": limit, "label": limit.label(),
        "due_at": d.at, "due_local": local.format("%Y-%m-%d %H:%M").to_string(), "provisional": d.provisional,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CsvBody {
    csv: String,
    #[serde(default)]
    source: Option<String>,
}

/// Load a published schedule: the CSV itself (`text/csv`) or `{"csv": "...", "source": "..."}`.
pub async fn load(State(st): State<AppState>, a: Authed, req: Request) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let ct = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = body_text(req).await?;
    let (csv, source) = if ct.starts_with("application/json") {
        let b: CsvBody = parse_json(&text)?;
        (b.csv, b.source.unwrap_or_else(|| "api".into()))
    } else {
        (text, "api".into())
    };
    let years = st.store.load_schedule(&csv, &source, &a.actor).await?;
    Ok(axum::Json(json!({ "loaded_years": years })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HoursBody {
    working_hours: String,
}

pub async fn set_hours(State(st): State<AppState>, a: Authed, Json(b): Json<HoursBody>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let h = st.store.set_working_hours(&b.working_hours, &a.actor).await?;
    Ok(axum::Json(json!({ "working_hours": h.to_string() })))
}
