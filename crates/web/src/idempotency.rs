//! Idempotency keys of API clients: a retried registration with the same `Idempotency-Key`
//! files nothing new. Shared by the staff's and the public's registration routes.

use axum::http::StatusCode;

use crate::AppState;
use crate::error::ApiError;

/// The client's `Idempotency-Key`, if it sent one: a retried request with the same key files
/// nothing new and is answered 409 with the number the first one filed.
pub(crate) async fn claim_key(st: &AppState, headers: &axum::http::HeaderMap, scope: &str) -> Result<Option<String>, ApiError> {
    let Some(k) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if k.len() > 100 {
        return Err(ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key 不能超过 100 个字符"));
    }
    let key = format!("api:{scope}:{k}");
    match st.store.claim_once(&key).await? {
        None => Ok(Some(key)),
        Some(number) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "duplicate_submission",
            match number {
                Some(n) => format!("该请求已经提交过，工单编号 {n}，没有重复受理"),
                None => "该请求正在处理中，没有重复受理".to_string(),
            },
        )),
    }
}

/// Release a claimed key if the registration was refused (a filed order wrote its number to
/// the key in its own transaction).
pub(crate) async fn finish_key<T>(st: &AppState, key: Option<String>, result: &Result<T, ApiError>) -> Result<(), ApiError> {
    if let (Some(k), Err(_)) = (key, result) {
        st.store.release_once(&k).await?;
    }
    Ok(())
}

