//! 智能派单: suggestions for a new order's text, the administrators' routing rules and city
//! dictionary, and retraining on demand.

use axum::extract::State;
use axum::http::StatusCode;
use sanfu_domain::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};

type JsonOut = axum::Json<Value>;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SuggestBody {
    #[serde(default)]
    subject: Option<String>,
    content: String,
}

/// `POST /api/suggest`: where an order with this text should go, and why.
pub async fn suggest(State(st): State<AppState>, a: Authed, Json(b): Json<SuggestBody>) -> ApiResult<JsonOut> {
    if b.content.trim().is_empty() {
        return Err(ApiError::unprocessable("empty_content", "请先填写诉求内容"));
    }
    if b.content.chars().count() > sanfu_domain::validate::MAX_CONTENT_CHARS {
        return Err(ApiError::unprocessable("content_too_long", "诉求内容过长"));
    }
    let text = format!("{}\n{}", b.subject.unwrap_or_default(), b.content);
    let s = st.store.suggest(&text, &a.staff).await?;
    Ok(axum::Json(json!({ "suggestion": s })))
}

fn admin(a: &Authed) -> Result<(), ApiError> {
    if a.staff.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden("not_allowed_for_user", "只有系统管理员可以维护派单规则和城市词典"))
    }
}

pub async fn rules(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    if !(a.staff.is_hotline() || a.staff.has(Role::Admin)) {
        return Err(ApiError::forbidden("not_allowed_for_user", "只有热线中心和系统管理员可以查看派单规则"));
    }
    Ok(axum::Json(json!({ "items": st.store.dispatch_rules().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RuleBody {
    keyword: String,
    unit_id: String,
    category_id: Option<String>,
}

pub async fn add_rule(State(st): State<AppState>, a: Authed, Json(b): Json<RuleBody>) -> ApiResult<(StatusCode, JsonOut)> {
    admin(&a)?;
    let r = st.store.add_dispatch_rule(&b.keyword, &b.unit_id, b.category_id.as_deref(), &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "rule": r }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WordsBody {
    words: Vec<String>,
}

pub async fn add_words(State(st): State<AppState>, a: Authed, Json(b): Json<WordsBody>) -> ApiResult<JsonOut> {
    admin(&a)?;
    let added = st.store.add_city_words(&b.words, &a.actor).await?;
    Ok(axum::Json(json!({ "added": added })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SynonymsBody {
    /// Groups of words meaning the same thing, the first standing for the others.
    groups: Vec<Vec<String>>,
}

/// `GET /api/admin/synonyms`: the built-in groups and the administrators' own.
pub async fn synonyms(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    admin(&a)?;
    let builtin: Vec<Vec<&str>> = sanfu_store::search::BUILTIN_SYNONYMS.iter().map(|g| g.to_vec()).collect();
    Ok(axum::Json(json!({ "builtin": builtin, "groups": st.store.synonyms().await? })))
}

/// `PUT /api/admin/synonyms {groups}`: replaces the administrators' groups; search, duplicates
/// and knowledge suggestions use them at once, the index is rebuilt in the background.
pub async fn set_synonyms(State(st): State<AppState>, a: Authed, Json(b): Json<SynonymsBody>) -> ApiResult<JsonOut> {
    admin(&a)?;
    let groups = st.store.set_synonyms(&b.groups, &a.actor).await?;
    Ok(axum::Json(json!({ "groups": groups })))
}

/// `POST /api/train`: learn again from the orders in the database now.
pub async fn train(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    admin(&a)?;
    let r = st.store.train_dispatch().await?;
    Ok(axum::Json(json!({ "trained": r })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SimilarBody {
    #[serde(default)]
    subject: Option<String>,
    content: String,
    #[serde(default)]
    citizen_phone: Option<String>,
    #[serde(default)]
    address: Option<String>,
    /// An order to leave out (the one being looked at).
    #[serde(default)]
    exclude: Option<String>,
}

/// `POST /api/orders/similar`: open orders of recent days that may be the same problem.
pub async fn similar(State(st): State<AppState>, a: Authed, Json(b): Json<SimilarBody>) -> ApiResult<JsonOut> {
    if b.content.trim().is_empty() {
        return Err(ApiError::unprocessable("empty_content", "请先填写诉求内容"));
    }
    let phone = match b.citizen_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(sanfu_domain::validate::phone(p)?),
        None => None,
    };
    let exclude = match b.exclude.as_deref().filter(|s| !s.is_empty()) {
        Some(k) => st.store.order_id_of(k).await?,
        None => None,
    };
    let items = st.store.similar_orders(b.subject.as_deref(), &b.content, phone.as_deref(), b.address.as_deref(), exclude.as_deref(), &a.staff).await?;
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub struct TopicsQuery {
    /// 7 (a week, the default) or 30 (a month), or any number of days up to a year.
    days: Option<i64>,
    limit: Option<usize>,
}

/// `GET /api/hot-topics?days=7`: the rising topics of the week (or month).
pub async fn hot_topics(State(st): State<AppState>, a: Authed, axum::extract::Query(q): axum::extract::Query<TopicsQuery>) -> ApiResult<JsonOut> {
    let items = st.store.hot_topics(q.days.unwrap_or(7), chrono::Utc::now(), q.limit.unwrap_or(10).clamp(1, 50), &a.staff).await?;
    Ok(axum::Json(json!({ "items": items })))
}

pub async fn get_auto_dispatch(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    admin(&a)?;
    Ok(axum::Json(json!({ "auto_dispatch": st.store.auto_dispatch_setting().await? })))
}

/// `PUT /api/admin/auto-dispatch {enabled, min_confidence}`.
pub async fn set_auto_dispatch(
    State(st): State<AppState>,
    a: Authed,
    Json(b): Json<sanfu_store::hotline::suggest::AutoDispatch>,
) -> ApiResult<JsonOut> {
    admin(&a)?;
    Ok(axum::Json(json!({ "auto_dispatch": st.store.set_auto_dispatch(b, &a.actor).await? })))
}
