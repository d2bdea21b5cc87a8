//! The citizens' side: submit a request, follow it with number and query code, rate the
//! answer, withdraw. No account; the query code is the proof.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sanfu_domain::validate::{self, MAX_SHORT_TEXT_CHARS};
use sanfu_domain::hotline::Action;
use sanfu_domain::{Actor, Principal};
use sanfu_store::hotline::orders::OrderInput;
use serde::Deserialize;
use serde_json::{Value, json};

use super::orders::satisfaction;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, Json};

type JsonOut = axum::Json<Value>;

fn citizen(ip: String) -> Actor {
    Actor { principal: Principal::Citizen, ip }
}

/// Count an anonymous submission against its address (and phone); refuse beyond the limits
/// the administrators set (default: 30 an hour from an address, 10 with photos, 10 naming one
/// phone number).
pub(crate) async fn admit_submission(st: &AppState, ip: &str, phone: Option<&str>, photos: bool) -> Result<(), ApiError> {
    let l = st.store.public_limits().await?;
    let mut keys = vec![format!("submit-ip:{ip}")];
    let mut limits = vec![l.per_address];
    if photos {
        keys.push(format!("submit-photo-ip:{ip}"));
        limits.push(l.per_address_photos);
    }
    let digits: String = phone.unwrap_or_default().chars().filter(char::is_ascii_digit).take(20).collect();
    if digits.len() >= 7 {
        keys.push(format!("submit-phone:{digits}"));
        limits.push(l.per_phone);
    }
    let counts = st.store.throttle_hit(&keys, 3_600_000).await?;
    if counts.iter().zip(&limits).any(|(n, max)| n > max) {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_submissions", "提交过于频繁，请一小时后再试；紧急情况请拨打 12345"));
    }
    Ok(())
}

pub async fn submit(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Json(mut input): Json<OrderInput>,
) -> ApiResult<(StatusCode, JsonOut)> {
    input.urgency = None; // urgency is the centre's judgement, not the form's
    admit_submission(&st, &ip, input.citizen_phone.as_deref(), false).await?;
    // Anonymous clients' keys are theirs per address: two apps choosing the same key do not
    // block each other.
    let key = crate::idempotency::claim_key(&st, &headers, &format!("public:{ip}")).await?;
    let result = st.store.register_once(&input, &[], &citizen(ip), chrono::Utc::now(), key.as_deref()).await.map_err(ApiError::from);
    crate::idempotency::finish_key(&st, key, &result).await?;
    let r = result?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "number": r.order.number,
            "query_code": r.query_code,
            "message": format!("您的诉求已受理，工单编号 {}，查询码 {}，请妥善保存。", r.order.number, r.query_code),
        })),
    ))
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

fn code_of(c: Option<String>) -> Result<String, ApiError> {
    c.filter(|s| !s.trim().is_empty()).ok_or_else(|| ApiError::bad_request("missing_query_code", "请输入查询码"))
}

pub async fn follow(State(st): State<AppState>, Path(number): Path<String>, Query(q): Query<CodeQuery>) -> ApiResult<JsonOut> {
    let v = st.store.public_view(&number, &code_of(q.code)?).await?;
    Ok(axum::Json(json!({ "order": v })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RateBody {
    code: Option<String>,
    satisfaction: Option<String>,
    comment: Option<String>,
}

pub async fn rate(State(st): State<AppState>, ClientIp(ip): ClientIp, Path(number): Path<String>, Json(b): Json<RateBody>) -> ApiResult<JsonOut> {
    let code = code_of(b.code)?;
    let comment = validate::optional_text("comment", "评价说明", b.comment.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    let action = Action::Callback { satisfaction: satisfaction(&b.satisfaction)?, comment, reopen: None };
    let v = st.store.citizen_act(&number, &code, &citizen(ip), &action).await?;
    Ok(axum::Json(json!({ "order": v })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WithdrawBody {
    code: Option<String>,
    reason: Option<String>,
}

pub async fn withdraw(State(st): State<AppState>, ClientIp(ip): ClientIp, Path(number): Path<String>, Json(b): Json<WithdrawBody>) -> ApiResult<JsonOut> {
    let code = code_of(b.code)?;
    let reason = validate::text("reason", "撤单理由", b.reason.as_deref().unwrap_or_default(), MAX_SHORT_TEXT_CHARS)?;
    let v = st.store.citizen_act(&number, &code, &citizen(ip), &Action::Withdraw { reason }).await?;
    Ok(axum::Json(json!({ "order": v })))
}
