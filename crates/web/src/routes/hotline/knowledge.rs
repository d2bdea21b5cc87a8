//! 知识库 for staff (search, read, write) and citizens (public entries only).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sanfu_domain::Role;
use sanfu_store::hotline::knowledge::EntryInput;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};

type JsonOut = axum::Json<Value>;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    category_id: Option<String>,
    limit: Option<u32>,
}

fn may_write(a: &Authed) -> Result<(), ApiError> {
    if a.staff.is_hotline() || a.staff.has(Role::OfficeStaff) || a.staff.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden("not_allowed_for_user", "只有热线中心、办公室和系统管理员可以维护知识库"))
    }
}

pub async fn search(State(st): State<AppState>, _a: Authed, Query(q): Query<SearchQuery>) -> ApiResult<JsonOut> {
    let items = st
        .store
        .search_entries(q.q.as_deref().unwrap_or(""), q.category_id.as_deref(), false, q.limit.unwrap_or(20))
        .await?;
    Ok(axum::Json(json!({ "items": items })))
}

pub async fn public_search(State(st): State<AppState>, Query(q): Query<SearchQuery>) -> ApiResult<JsonOut> {
    let items = st
        .store
        .search_entries(q.q.as_deref().unwrap_or(""), q.category_id.as_deref(), true, q.limit.unwrap_or(20))
        .await?;
    Ok(axum::Json(json!({ "items": items })))
}

pub async fn get_one(State(st): State<AppState>, _a: Authed, Path(id): Path<String>) -> ApiResult<JsonOut> {
    let e = st.store.entry(&id).await?.ok_or_else(|| ApiError::not_found("knowledge_not_found", "知识条目不存在"))?;
    Ok(axum::Json(json!({ "entry": e })))
}

pub async fn create(State(st): State<AppState>, a: Authed, Json(b): Json<EntryInput>) -> ApiResult<(StatusCode, JsonOut)> {
    may_write(&a)?;
    let e = st.store.create_entry(&b, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "entry": e }))))
}

pub async fn update(State(st): State<AppState>, a: Authed, Path(id): Path<String>, Json(b): Json<EntryInput>) -> ApiResult<JsonOut> {
    may_write(&a)?;
    let e = st.store.update_entry(&id, &b, &a.actor).await?;
    Ok(axum::Json(json!({ "entry": e })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RelatedBody {
    content: String,
}

/// `POST /api/knowledge/related {content}`: entries about what a text is about, best first.
pub async fn related(State(st): State<AppState>, _a: Authed, Json(b): Json<RelatedBody>) -> ApiResult<JsonOut> {
    if b.content.trim().is_empty() {
        return Err(ApiError::unprocessable("empty_content", "请先填写诉求内容"));
    }
    Ok(axum::Json(json!({ "items": st.store.related_entries(&b.content, false, 3).await? })))
}
