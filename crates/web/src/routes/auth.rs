use axum::extract::{Path, State};
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, ClientIp, Json, SESSION_COOKIE};

pub async fn healthz(State(st): State<AppState>) -> ApiResult<axum::Json<Value>> {
    st.store.ping().await?;
    Ok(axum::Json(json!({ "status": "ok" })))
}


#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    username: String,
    password: String,
}

pub async fn login(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(b): Json<LoginBody>,
) -> ApiResult<impl IntoResponse> {
    let ua = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let (token, staff) = st.store.login(b.username.trim(), &b.password, &ip, ua).await?;
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    Ok((
        StatusCode::OK,
        [(SET_COOKIE, cookie)],
        axum::Json(json!({ "token": token, "user": staff })),
    ))
}

pub async fn logout(State(st): State<AppState>, a: Authed) -> ApiResult<impl IntoResponse> {
    st.store.logout(&a.session_id, &a.actor).await?;
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(SET_COOKIE, cookie)], axum::Json(json!({ "ok": true }))))
}

pub async fn me(a: Authed) -> axum::Json<Value> {
    let roles: Vec<Value> = a.staff.roles.iter().map(|r| json!({"role": r, "label": r.label()})).collect();
    axum::Json(json!({ "user": a.staff, "roles": roles, "session_id": a.session_id }))
}

pub async fn my_sessions(State(st): State<AppState>, a: Authed) -> ApiResult<axum::Json<Value>> {
    let s = st.store.sessions_of(&a.staff.user_id, &a.session_id).await?;
    Ok(axum::Json(json!({ "sessions": s })))
}

pub async fn revoke_my_session(State(st): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<axum::Json<Value>> {
    let n = st.store.revoke_sessions(&a.staff.user_id, Some(&id), &a.actor).await?;
    if n == 0 {
        return Err(ApiError::not_found("session_not_found", "没有这个会话"));
    }
    Ok(axum::Json(json!({ "revoked": n })))
}
