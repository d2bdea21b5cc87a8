//! 政务信息's routes: the 信息报送台账 (with its Excel), a unit's submission and the section's
//! answer, the bulletins (compiled, signed off, issued, read, printed and exported), 约稿, the
//! units' scores and ranking (with its Excel), and the settings.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use sanfu_domain::info::Settings;
use sanfu_store::info::bulletin::{BulletinActionInput, BulletinInput, BulletinView};
use sanfu_store::info::request::RequestInput;
use sanfu_store::info::scores::ScoreBoard;
use sanfu_store::info::{InfoActionInput, InfoFilter, InfoInput, InfoRow};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiResult;
use crate::export::{self, Cell, Format_, Table};
use crate::extract::{Authed, Json};
use crate::routes::document::pdf_response;
use crate::routes::supervision::{AttachmentBody, files};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/info", get(list).post(submit))
        .route("/api/info/scores", get(scores))
        .route("/api/info/requests", get(requests).post(create_request))
        .route("/api/info/requests/{key}", get(request))
        .route("/api/info/requests/{key}/close", post(close_request))
        .route("/api/info/{key}", get(one))
        .route("/api/info/{key}/{action}", post(act))
        .route("/api/bulletins", get(bulletins).post(create_bulletin))
        .route("/api/bulletins/{key}", get(bulletin))
        .route("/api/bulletins/{key}/pdf", get(bulletin_pdf))
        .route("/api/bulletins/{key}/export", get(bulletin_export))
        .route("/api/bulletins/{key}/{action}", post(act_bulletin))
        .route("/api/admin/info-settings", get(settings).put(set_settings))
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    /// `true`: only adopted items not yet in an issue.
    unused: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
}

pub(crate) fn info_table(rows: &[InfoRow], off: chrono::FixedOffset) -> Table {
    let day = |t: chrono::DateTime<Utc>| t.with_timezone(&off).format("%Y-%m-%d %H:%M").to_string();
    Table {
        title: "信息报送台账".into(),
        headers: ["编号", "报送时间", "报送单位", "类别", "标题", "撰稿人", "状态", "编入刊物", "领导批示", "转报省", "省采用"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(day(r.item.created_at)),
                    Cell::Text(r.unit_name.clone()),
                    Cell::Text(r.category_label.into()),
                    Cell::Text(r.item.title.clone()),
                    Cell::Text(r.writer.clone()),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(r.in_bulletins.clone()),
                    Cell::Text(if r.instructed { "有".into() } else { String::new() }),
                    Cell::Text(if r.forwarded { "已转报".into() } else { String::new() }),
                    Cell::Text(r.province_label.unwrap_or_default().into()),
                ]
            })
            .collect(),
    }
}

pub async fn list(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let filter = InfoFilter { state: q.state, category: q.category, unit: q.unit, unused: matches!(q.unused.as_deref(), Some("true" | "1")) };
    let rows = st.store.list_info(&a.staff, &filter).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    let day = Utc::now().with_timezone(&st.store.offset()).format("%Y%m%d");
    export::ledger(&st, &a, raw.as_deref(), format, &format!("信息报送台账-{day}"), &[info_table(&rows, st.store.offset())]).await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct InfoBody {
    #[serde(flatten)]
    pub input: InfoInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/info`: a unit submits an item (its head's sign-off follows, unless the head wrote it).
pub async fn submit(State(st): State<AppState>, a: Authed, Json(b): Json<InfoBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let attached = files(&b.attachments)?;
    let item = st.store.submit_info(&b.input, &attached, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.info_for(&key, &a.staff).await? })))
}

/// `POST /api/info/{key}/{action}`: sign, adopt, return, decline, resubmit, forward, province_adopt.
pub async fn act(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<InfoActionInput>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.act_info(&key, &action, &b, &a.actor).await? })))
}

#[derive(Deserialize)]
pub struct ScoreQuery {
    /// `2026`, `2026-Q4` or `2026-12` (this month by default).
    period: Option<String>,
    format: Option<String>,
}

pub(crate) fn score_table(b: &ScoreBoard) -> Table {
    Table {
        title: format!("{}信息工作排名", b.period_label),
        headers: ["名次", "单位", "报送", "采用", "每日要情", "政务信息", "信息专报", "领导批示", "省采用", "约稿未报", "得分", "任务（采用/分）", "完成任务"].iter().map(|s| s.to_string()).collect(),
        rows: b
            .units
            .iter()
            .map(|u| {
                vec![
                    Cell::Int(u.rank as i64),
                    Cell::Text(u.unit_name.clone()),
                    Cell::Int(u.submitted),
                    Cell::Int(u.adopted),
                    Cell::Int(u.in_daily),
                    Cell::Int(u.in_info),
                    Cell::Int(u.in_special),
                    Cell::Int(u.instructed),
                    Cell::Int(u.province),
                    Cell::Int(u.missed_requests),
                    Cell::Int(u.points),
                    Cell::Text(format!("{}/{}", u.quota_adopted, u.quota_points)),
                    Cell::Text(if u.quota_met { "是".into() } else { "否".into() }),
                ]
            })
            .collect(),
    }
}

pub async fn scores(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<ScoreQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let period = q.period.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| st.store.this_month(Utc::now()));
    let board = st.store.info_scores(&a.staff, &period).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "scores": board })).into_response());
    }
    export::ledger(&st, &a, raw.as_deref(), format, &format!("{}信息工作排名", board.period_label), &[score_table(&board)]).await
}

pub async fn requests(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.list_requests(&a.staff).await? })))
}

pub async fn create_request(State(st): State<AppState>, a: Authed, Json(b): Json<RequestInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_request(&b, &a.actor).await? }))))
}

pub async fn request(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.request_for(&key, &a.staff).await? })))
}

pub async fn close_request(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.close_request(&key, &a.actor).await? })))
}

#[derive(Deserialize)]
pub struct BulletinQuery {
    /// `daily`, `info` or `special`.
    series: Option<String>,
}

pub async fn bulletins(State(st): State<AppState>, a: Authed, Query(q): Query<BulletinQuery>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.list_bulletins(&a.staff, q.series.as_deref()).await? })))
}

pub async fn create_bulletin(State(st): State<AppState>, a: Authed, Json(b): Json<BulletinInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_bulletin(&b, &a.actor).await? }))))
}

pub async fn bulletin(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.bulletin_for(&key, &a.staff).await? })))
}

/// `POST /api/bulletins/{key}/{action}`: compose, submit, send_back, sign, issue, read.
pub async fn act_bulletin(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<BulletinActionInput>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.act_bulletin(&key, &action, &b, &a.actor).await? })))
}

pub async fn bulletin_pdf(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<Response> {
    let (name, bytes) = st.store.bulletin_pdf(&key, &a.staff).await?;
    Ok(pdf_response(&name, bytes))
}

pub(crate) fn bulletin_table(b: &BulletinView) -> Table {
    Table {
        title: format!("{}{}", b.series_label, b.issue_label.clone().unwrap_or_default()),
        headers: ["序号", "标题", "报送单位", "信息编号", "正文"].iter().map(|s| s.to_string()).collect(),
        rows: b
            .lines
            .iter()
            .map(|l| vec![Cell::Int(l.position), Cell::Text(l.headline.clone()), Cell::Text(l.unit_name.clone()), Cell::Text(l.info_number.clone()), Cell::Text(l.body.clone())])
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

/// An issue's items as a spreadsheet (xlsx by default, or csv).
pub async fn bulletin_export(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Path(key): Path<String>, Query(q): Query<ExportQuery>) -> ApiResult<Response> {
    let format = export::parse_format(Some(q.format.as_deref().unwrap_or("xlsx")))?;
    let b = st.store.bulletin_for(&key, &a.staff).await?;
    let t = bulletin_table(&b);
    export::ledger(&st, &a, raw.as_deref(), if format == Format_::Json { Format_::Xlsx } else { format }, &t.title.clone(), &[t]).await
}

pub async fn settings(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.info_settings().await? })))
}

pub async fn set_settings(State(st): State<AppState>, a: Authed, Json(b): Json<Settings>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.set_info_settings(b, &a.actor).await? })))
}
