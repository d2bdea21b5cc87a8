//! 党建's routes: branches, 组织生活会 (plan, preparation, meeting), the rectification items
//! (整改清单, with its Excel), the study ledger (with each member's hours and its Excel), and the
//! "我为群众办实事" projects — the staff's ledger and the public list, where citizens rate the
//! finished ones without logging in.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, Utc};
use sanfu_store::party::BranchInput;
use sanfu_store::party::meeting::{PartyMeetingAction, PartyMeetingInput};
use sanfu_store::party::project::{ProjectActionInput, ProjectInput, ProjectRow, RatingInput};
use sanfu_store::party::rectification::{RectificationActionInput, RectificationInput, RectificationRow};
use sanfu_store::party::study::{StudyInput, StudyLedger};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, Cell, Format_, Table};
use crate::extract::{Authed, ClientIp, Json};
use crate::routes::supervision::{AttachmentBody, files};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/party/branches", get(branches).post(create_branch))
        .route("/api/party/meetings", get(meetings).post(create_meeting))
        .route("/api/party/meetings/{id}", get(meeting))
        .route("/api/party/meetings/{id}/{action}", post(act_meeting))
        .route("/api/party/rectifications", get(rectifications).post(create_rectification))
        .route("/api/party/rectifications/{key}", get(rectification))
        .route("/api/party/rectifications/{key}/{action}", post(act_rectification))
        .route("/api/party/study", get(study).post(record_study))
        .route("/api/projects", get(projects).post(declare_project))
        .route("/api/projects/{key}", get(project))
        .route("/api/projects/{key}/{action}", post(act_project))
        .route("/api/public/projects", get(public_projects))
        .route("/api/public/projects/{number}/rate", post(rate))
}

#[derive(Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

fn day(st: &AppState, t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&st.store.offset()).format("%Y-%m-%d").to_string()
}

pub async fn branches(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.branches().await? })))
}

pub async fn create_branch(State(st): State<AppState>, a: Authed, Json(b): Json<BranchInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_branch(&b, &a.actor).await? }))))
}

pub async fn meetings(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.list_party_meetings(&a.staff).await? })))
}

pub async fn create_meeting(State(st): State<AppState>, a: Authed, Json(b): Json<PartyMeetingInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_party_meeting(&b, &a.actor).await? }))))
}

pub async fn meeting(State(st): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.party_meeting_for(&id, &a.staff).await? })))
}

/// `POST /api/party/meetings/{id}/{action}`: prepare (preparation and the problem list) or hold
/// (sign-in and the records).
pub async fn act_meeting(State(st): State<AppState>, a: Authed, Path((id, action)): Path<(String, String)>, Json(b): Json<PartyMeetingAction>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.act_party_meeting(&id, &action, &b, &a.actor).await? })))
}

#[derive(Deserialize)]
pub struct RectQuery {
    branch: Option<String>,
    meeting: Option<String>,
    format: Option<String>,
}

pub(crate) fn rectification_table(rows: &[RectificationRow], st: &AppState) -> Table {
    Table {
        title: "整改清单".into(),
        headers: ["编号", "支部", "类别", "党员", "问题", "整改措施", "责任人", "整改时限", "状态", "报告完成日期"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(r.branch_name.clone()),
                    Cell::Text(r.scope_label.into()),
                    Cell::Text(r.member.clone()),
                    Cell::Text(r.problem.clone()),
                    Cell::Text(r.measure.clone()),
                    Cell::Text(r.owner.clone()),
                    Cell::Text(r.deadline.map(|t| day(st, t)).unwrap_or_default()),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(r.done_at.map(|t| day(st, t)).unwrap_or_default()),
                ]
            })
            .collect(),
    }
}

pub async fn rectifications(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<RectQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let branch = match q.branch.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => Some(st.store.branch(b).await?.id),
        None => None,
    };
    let rows = st.store.rectification_rows(&a.staff, branch.as_deref(), q.meeting.as_deref().map(str::trim).filter(|s| !s.is_empty())).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    export::ledger(&st, &a, raw.as_deref(), format, &format!("整改清单-{}", Utc::now().with_timezone(&st.store.offset()).format("%Y%m%d")), &[rectification_table(&rows, &st)]).await
}

pub async fn create_rectification(State(st): State<AppState>, a: Authed, Json(b): Json<RectificationInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.create_rectification(&b, &a.actor).await? }))))
}

pub async fn rectification(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.rectification_for(&key, &a.staff).await? })))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RectActionBody {
    #[serde(flatten)]
    pub input: RectificationActionInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/party/rectifications/{key}/{action}`: progress, report (with evidence), send_back,
/// strike_off.
pub async fn act_rectification(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<RectActionBody>) -> ApiResult<JsonOut> {
    let attached = files(&b.attachments)?;
    Ok(axum::Json(json!({ "item": st.store.act_rectification(&key, &action, &b.input, &attached, &a.actor).await? })))
}

#[derive(Deserialize)]
pub struct StudyQuery {
    year: Option<i32>,
    branch: Option<String>,
    format: Option<String>,
}

pub(crate) fn study_tables(l: &StudyLedger, st: &AppState) -> Vec<Table> {
    vec![
        Table {
            title: format!("{}年学习教育台账", l.year),
            headers: ["日期", "支部", "形式", "学习内容", "学时", "参加人数", "缺席", "记录"].iter().map(|s| s.to_string()).collect(),
            rows: l
                .sessions
                .iter()
                .map(|s| {
                    vec![
                        Cell::Text(day(st, s.held_at)),
                        Cell::Text(s.branch_name.clone()),
                        Cell::Text(s.form_label.into()),
                        Cell::Text(s.topic.clone()),
                        Cell::Num(Some(s.hours)),
                        Cell::Int(s.attendees.len() as i64),
                        Cell::Text(s.absent.join("、")),
                        Cell::Text(s.notes.clone()),
                    ]
                })
                .collect(),
        },
        Table {
            title: format!("{}年党员学时", l.year),
            headers: ["支部", "党员", "参加次数", "学时"].iter().map(|s| s.to_string()).collect(),
            rows: l.members.iter().map(|m| vec![Cell::Text(m.branch_name.clone()), Cell::Text(m.member.clone()), Cell::Int(m.sessions), Cell::Num(Some(m.hours))]).collect(),
        },
    ]
}

pub async fn study(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<StudyQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let year = q.year.unwrap_or_else(|| Utc::now().with_timezone(&st.store.offset()).year());
    let branch = match q.branch.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => Some(st.store.branch(b).await?.id),
        None => None,
    };
    let ledger = st.store.study_ledger(&a.staff, year, branch.as_deref()).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "ledger": ledger })).into_response());
    }
    export::ledger(&st, &a, raw.as_deref(), format, &format!("{year}年学习教育台账"), &study_tables(&ledger, &st)).await
}

pub async fn record_study(State(st): State<AppState>, a: Authed, Json(b): Json<StudyInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.record_study(&b, &a.actor).await? }))))
}

pub(crate) fn project_table(rows: &[ProjectRow], st: &AppState) -> Table {
    Table {
        title: "我为群众办实事项目清单".into(),
        headers: ["编号", "项目", "类型", "责任单位", "完成时限", "进度", "状态", "群众评价"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.item.number.clone()),
                    Cell::Text(r.item.title.clone()),
                    Cell::Text(r.class_label.into()),
                    Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                    Cell::Text(r.item.due_at.map(|t| day(st, t)).unwrap_or_default()),
                    Cell::Text(format!("{}%", r.progress)),
                    Cell::Text(r.item.state_label.into()),
                    Cell::Text(r.rating_average.map(|a| format!("{a:.1} 星（{} 人）", r.rating_count)).unwrap_or_default()),
                ]
            })
            .collect(),
    }
}

pub async fn projects(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let rows = st.store.list_projects(&a.staff).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    export::ledger(&st, &a, raw.as_deref(), format, "我为群众办实事项目清单", &[project_table(&rows, &st)]).await
}

pub async fn declare_project(State(st): State<AppState>, a: Authed, Json(b): Json<ProjectInput>) -> ApiResult<(StatusCode, JsonOut)> {
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": st.store.declare_project(&b, &a.actor).await? }))))
}

pub async fn project(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.project_for(&key, &a.staff).await? })))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ProjectActionBody {
    #[serde(flatten)]
    pub input: ProjectActionInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/projects/{key}/{action}`: approve, reject, progress, report, send_back, close.
pub async fn act_project(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<ProjectActionBody>) -> ApiResult<JsonOut> {
    let attached = files(&b.attachments)?;
    Ok(axum::Json(json!({ "item": st.store.act_project(&key, &action, &b.input, &attached, &a.actor).await? })))
}

/// Every approved project with its progress, for citizens (no login).
pub async fn public_projects(State(st): State<AppState>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.public_projects().await? })))
}

/// 评单: a citizen rates a finished project (no login; one rating per address, at most 20 an hour).
pub async fn rate(State(st): State<AppState>, ClientIp(ip): ClientIp, Path(number): Path<String>, Json(b): Json<RatingInput>) -> ApiResult<JsonOut> {
    let counts = st.store.throttle_hit(&[format!("rate:{ip}")], 3_600_000).await?;
    if counts.first().copied().unwrap_or(0) > 20 {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "评价过于频繁，请稍后再试"));
    }
    Ok(axum::Json(json!({ "item": st.store.rate_project(&number, &b, &ip).await? })))
}
