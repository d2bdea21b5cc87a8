//! 督查督办's routes: the ledger, 立项, one item, its timeline, every action.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use sanfu_domain::kernel::ReportCycle;
use sanfu_domain::supervision::Action;
use sanfu_domain::supervision::Settings;
use sanfu_store::supervision::{FundInput, SupervisionInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::routes::fields::{flag, long, optional};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/supervision", get(list).post(create))
        .route("/api/supervision/funds", get(funds_summary))
        .route("/api/admin/supervision-settings", get(settings).put(set_settings))
        .route("/api/supervision/{key}", get(get_one))
        .route("/api/supervision/{key}/funds", get(item_funds).post(add_fund))
        .route("/api/supervision/{key}/events", get(events))
        .route("/api/supervision/{key}/{action}", post(act))
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub async fn list(State(st): State<AppState>, a: Authed, Query(q): Query<ListQuery>) -> ApiResult<JsonOut> {
    let page = st.store.list_supervision(&a.staff, q.state.as_deref(), q.page.unwrap_or(1), q.per_page.unwrap_or(20)).await?;
    Ok(axum::Json(json!(page)))
}

pub async fn create(State(st): State<AppState>, a: Authed, Json(input): Json<SupervisionInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let item = st.store.create_supervision(&input, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn get_one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let item = st.store.supervision_for(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "item": item })))
}

pub async fn events(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let e = st.store.supervision_events(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "events": e })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MilestoneBody {
    pub what: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Every field any action takes; each action reads the ones it needs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SupervisionActionBody {
    pub lead_unit_id: Option<String>,
    #[serde(default)]
    pub co_unit_ids: Vec<String>,
    pub deadline: Option<DateTime<Utc>>,
    /// 一次性, 每周, 每旬, 每月, 每月N日前 (or once, weekly, ten_days, monthly, month_day:N).
    pub cycle: Option<String>,
    #[serde(default)]
    pub milestones: Vec<MilestoneBody>,
    pub reason: Option<String>,
    pub approve: Option<bool>,
    pub pass: Option<bool>,
    pub comment: Option<String>,
    pub text: Option<String>,
    pub milestone: Option<u32>,
    pub unit_id: Option<String>,
    pub note: Option<String>,
    pub new_due: Option<DateTime<Utc>>,
    pub evidence: Option<String>,
}

fn when(v: Option<DateTime<Utc>>, field: &str, label: &str) -> Result<DateTime<Utc>, ApiError> {
    v.ok_or_else(|| ApiError::unprocessable("missing_field", format!("请填写{label}（{field}）")))
}

pub(crate) async fn build(st: &AppState, action: &str, b: SupervisionActionBody) -> Result<Action, ApiError> {
    Ok(match action {
        "assign" => {
            let lead = b.lead_unit_id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择牵头单位"))?;
            let lead = st.store.unit_ref(lead).await?;
            let mut co = Vec::new();
            for c in &b.co_unit_ids {
                co.push(st.store.unit_ref(c).await?);
            }
            let cycle = ReportCycle::parse(b.cycle.as_deref().unwrap_or("once"))?;
            let mut milestones = Vec::new();
            for m in b.milestones {
                milestones.push((long("what", "节点内容", &m.what)?, when(m.due_at, "due_at", "节点时限")?));
            }
            Action::Assign { lead, co, deadline: when(b.deadline, "deadline", "办结时限")?, cycle, milestones }
        }
        "sign" => Action::Sign,
        "object" => Action::Object { reason: long("reason", "异议理由", &b.reason)? },
        "decide-objection" => Action::DecideObjection { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "report" => Action::Report { text: long("text", "进展情况", &b.text)?, milestone: b.milestone },
        "remind" => {
            let unit = b.unit_id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择催办的单位"))?;
            Action::Remind { unit_id: st.store.unit_ref(unit).await?.id, note: b.note.unwrap_or_default() }
        }
        "extension" => Action::RequestExtension { new_due: when(b.new_due, "new_due", "延期后的时限")?, reason: long("reason", "延期理由", &b.reason)? },
        "decide-extension" => Action::DecideExtension { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "closure" => Action::RequestClosure { evidence: long("evidence", "办结情况", &b.evidence)? },
        "review" => Action::Review { pass: flag(b.pass, "pass")?, comment: optional(&b.comment)? },
        "reopen" => Action::Reopen { reason: long("reason", "重新督办理由", &b.reason)?, deadline: when(b.deadline, "deadline", "新的办结时限")? },
        "cancel" => Action::Cancel { reason: long("reason", "撤销理由", &b.reason)? },
        other => return Err(ApiError::not_found("unknown_action", format!("督办事项没有“{other}”这项操作"))),
    })
}

/// `POST /api/supervision/{key}/{action}`: assign, sign, object, decide-objection, report,
/// remind, extension, decide-extension, closure, review, reopen, cancel.
pub async fn act(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<SupervisionActionBody>) -> ApiResult<JsonOut> {
    let act = build(&st, &action, b).await?;
    let item = st.store.act_supervision(&key, &a.actor, &act, None).await?;
    Ok(axum::Json(json!({ "item": item })))
}

/// `GET /api/supervision/funds`: money sitting unpaid, by unit and by item.
pub async fn funds_summary(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!(st.store.funds_summary(&a.staff).await?)))
}

pub async fn item_funds(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "funds": st.store.item_funds(&key, &a.staff).await? })))
}

pub async fn add_fund(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<FundInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let e = st.store.add_fund(&key, &b, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "entry": e }))))
}

pub async fn settings(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.supervision_settings().await? })))
}

pub async fn set_settings(State(st): State<AppState>, a: Authed, Json(b): Json<Settings>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.set_supervision_settings(b, &a.actor).await? })))
}
