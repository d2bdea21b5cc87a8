//! Work orders for staff: register, list, read, the timeline, every action, the inbox.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sanfu_domain::hotline::{Action, Satisfaction};
use sanfu_store::hotline::orders::{ListFilter, OrderInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::routes::fields::{flag, long, optional, short};

type JsonOut = axum::Json<Value>;

pub async fn register(State(st): State<AppState>, a: Authed, headers: axum::http::HeaderMap, Json(input): Json<OrderInput>) -> ApiResult<(StatusCode, JsonOut)> {
    let key = crate::idempotency::claim_key(&st, &headers, &a.staff.user_id).await?;
    let result = st.store.register_once(&input, &[], &a.actor, chrono::Utc::now(), key.as_deref()).await.map_err(ApiError::from);
    crate::idempotency::finish_key(&st, key, &result).await?;
    let r = result?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "order": r.order, "query_code": r.query_code }))))
}

/// `POST /api/orders/{key}/publish {subject?, content?, answer?}`: the centre approves what the
/// reply board shows (each text defaults to the order's own, masked).
pub async fn publish(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<sanfu_store::hotline::publish::PublishInput>) -> ApiResult<JsonOut> {
    let p = st.store.publish(&key, &b, &a.actor).await?;
    Ok(axum::Json(json!({ "publication": p })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    reason: Option<String>,
}

/// `POST /api/orders/{key}/unpublish {reason}`: off the board again.
pub async fn unpublish(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<ReasonBody>) -> ApiResult<JsonOut> {
    st.store.unpublish(&key, b.reason.as_deref().unwrap_or_default(), &a.actor).await?;
    Ok(axum::Json(json!({ "published": false })))
}

pub async fn list(State(st): State<AppState>, a: Authed, Query(f): Query<ListFilter>) -> ApiResult<JsonOut> {
    let page = st.store.list_orders(&a.staff, &f).await?;
    Ok(axum::Json(json!(page)))
}

pub async fn get_one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let o = st.store.order_for(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "order": o })))
}

pub async fn events(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let e = st.store.order_events(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "events": e })))
}

/// Every field any action takes; each action reads the ones it needs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionBody {
    pub lead_unit_id: Option<String>,
    #[serde(default)]
    pub co_unit_ids: Vec<String>,
    pub answer_due: Option<DateTime<Utc>>,
    pub unit_id: Option<String>,
    pub note: Option<String>,
    pub text: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub approve: Option<bool>,
    pub pass: Option<bool>,
    pub satisfaction: Option<String>,
    pub reopen: Option<bool>,
    pub days: Option<u32>,
    pub master: Option<String>,
    pub answer: Option<String>,
    pub knowledge_id: Option<String>,
}

pub fn satisfaction(v: &Option<String>) -> Result<Satisfaction, ApiError> {
    let s = v.as_deref().unwrap_or_default();
    Satisfaction::parse(s.trim())
        .ok_or_else(|| ApiError::unprocessable("invalid_satisfaction", "评价应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）"))
}

/// An answer to the citizen: present, within the length, and long enough to say something.
fn answer_text(field: &'static str, v: &Option<String>) -> Result<String, ApiError> {
    let t = long(field, "答复内容", v)?;
    sanfu_domain::hotline::check_answer(&t)?;
    Ok(t)
}

/// The action `action` (its name in the URL) with its parameters, checked.
pub async fn build_action(store: &sanfu_store::Store, a: &Authed, key: &str, action: &str, b: ActionBody) -> Result<Action, ApiError> {
    Ok(match action {
        "close-directly" => Action::CloseDirectly { answer: answer_text("answer", &b.answer)?, knowledge_id: b.knowledge_id },
        "dispatch" => {
            let lead_key = b.lead_unit_id.as_deref().filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择主办单位"))?;
            let lead = store.unit_ref(lead_key).await?;
            let mut co = Vec::new();
            for c in &b.co_unit_ids {
                co.push(store.unit_ref(c).await?);
            }
            Action::Dispatch { lead, co, answer_due: b.answer_due, note: optional(&b.note)? }
        }
        "forward" => {
            let to_key = b.unit_id.as_deref().filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择下级承办单位"))?;
            let to = store.unit_ref(to_key).await?;
            let from = store.unit_ref(&a.staff.unit_id).await?;
            Action::Forward { from, to, note: optional(&b.note)? }
        }
        "sign" => Action::Sign,
        "note" => Action::Note { text: short("text", "办理情况", &b.text)? },
        "return" => Action::RequestReturn { reason: short("reason", "退单理由", &b.reason)? },
        "judge-return" => Action::JudgeReturn { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "answer" => {
            let text = answer_text("answer", &b.text)?;
            // The answering unit is the reader's own: its setting says whether its head approves.
            let review = store.unit(&a.staff.unit_id).await?.is_some_and(|u| u.answer_review);
            Action::Answer { text, review }
        }
        "approve-answer" => Action::ApproveAnswer { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "review" => Action::Review { pass: flag(b.pass, "pass")?, comment: optional(&b.comment)? },
        "callback" => Action::Callback { satisfaction: satisfaction(&b.satisfaction)?, comment: optional(&b.comment)?, reopen: b.reopen },
        "extension" => Action::RequestExtension {
            days: b.days.ok_or_else(|| ApiError::unprocessable("missing_field", "请填写延期天数 days"))?,
            reason: short("reason", "延期理由", &b.reason)?,
        },
        "decide-extension" => Action::DecideExtension { approve: flag(b.approve, "approve")?, comment: optional(&b.comment)? },
        "merge" => {
            let master = b.master.as_deref().filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::unprocessable("unknown_order", "请填写主工单编号 master"))?;
            let (master_id, master_number, master_state) = store.merge_target(master).await?;
            Action::Merge { master_id, master_number, master_state }
        }
        "withdraw" => Action::Withdraw { reason: short("reason", "撤单理由", &b.reason)? },
        "escalate" => {
            let reason = short("reason", "督办理由", &b.reason)?;
            let (overdue, repeat) = store.escalation_grounds(key, &a.staff).await?;
            Action::Escalate { reason, overdue, repeat }
        }
        other => return Err(ApiError::not_found("unknown_action", format!("没有“{other}”这个操作"))),
    })
}

/// `POST /api/orders/{key}/{action}`.
pub async fn act(
    State(st): State<AppState>,
    a: Authed,
    Path((key, action)): Path<(String, String)>,
    Json(b): Json<ActionBody>,
) -> ApiResult<JsonOut> {
    let store = &st.store;
    let act = build_action(store, &a, &key, &action, b).await?;
    let o = store.act(&key, &a.actor, &act).await?;
    Ok(axum::Json(json!({ "order": o })))
}
