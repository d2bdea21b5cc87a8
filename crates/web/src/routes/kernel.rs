//! The kernel's routes: any item of any kind, its timeline, links between items, the yellow and
//! red cards shown to units, the kinds themselves, and the one inbox and 已办 list.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use sanfu_domain::Role;
use sanfu_domain::kernel::{CardColour, LinkKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/kinds", get(kinds))
        .route("/api/items/{key}", get(get_one))
        .route("/api/items/{key}/events", get(events))
        .route("/api/items/{key}/attachments/{id}", get(attachment))
        .route("/api/items/{key}/links", post(link))
        .route("/api/items/{key}/cards", post(card))
        .route("/api/cards/{id}/revoke", post(revoke_card))
        .route("/api/units/{key}/cards", get(unit_cards))
        .route("/api/search", get(search))
        .route("/api/admin/number-formats", get(number_formats))
        .route("/api/admin/number-formats/{kind}", put(set_number_format))
        .route("/api/inbox", get(inbox))
        .route("/api/inbox/counts", get(inbox_counts))
        .route("/api/done", get(done))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// `GET /api/search?q=`: items of every kind the reader may see, best match first.
pub async fn search(State(st): State<AppState>, a: Authed, Query(q): Query<SearchQuery>) -> ApiResult<JsonOut> {
    let words = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("empty_query", "请输入要查找的内容"))?;
    let page = st.store.search_items(&a.staff, words, q.page.unwrap_or(1), q.per_page.unwrap_or(20)).await?;
    Ok(axum::Json(json!(page)))
}

/// `GET /api/admin/number-formats`: the format of every series in force.
pub async fn number_formats(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let list: Vec<Value> = st
        .store
        .number_formats()
        .await?
        .into_iter()
        .map(|(kind, code, format)| json!({"kind": kind, "code": code, "format": format}))
        .collect();
    Ok(axum::Json(json!({ "formats": list })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NumberFormatBody {
    /// The issuing code (机关代字) of the series, or empty for the kind's own series.
    code: Option<String>,
    /// `{code}`, `{year}`, `{date}`, `{n}` and `{n:03}` are filled in: `江政办发〔{year}〕{n}号`.
    format: Option<String>,
}

/// `PUT /api/admin/number-formats/{kind} {code, format}`: an administrator sets a series' format.
pub async fn set_number_format(State(st): State<AppState>, a: Authed, Path(kind): Path<String>, Json(b): Json<NumberFormatBody>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let spec = st.store.kind_spec(&kind).ok_or_else(|| ApiError::not_found("unknown_kind", format!("没有“{kind}”这类工作")))?;
    let code = b.code.unwrap_or_default();
    st.store.set_number_format(&spec, &code, b.format.as_deref().unwrap_or_default(), &a.actor).await?;
    Ok(axum::Json(json!({ "kind": spec.name, "code": code.trim(), "format": st.store.number_format(&spec, code.trim()).await? })))
}

/// Every kind of work this city runs: its states, due dates and inbox queues.
pub async fn kinds(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    let kinds: Vec<Value> = st
        .store
        .kind_specs()
        .iter()
        .map(|k| {
            json!({
                "name": k.name,
                "label": k.label,
                "states": k.states.iter().map(|(code, label, end)| json!({"code": code, "label": label, "terminal": end})).collect::<Vec<_>>(),
                "dues": k.dues.iter().map(|(name, label)| json!({"name": name, "label": label})).collect::<Vec<_>>(),
                "queues": k.queues.iter().map(|q| json!({"code": q.code, "label": q.label, "party": q.party.as_str(), "states": q.states})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "kinds": kinds })))
}

pub async fn get_one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let item = st.store.item_for(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "item": item })))
}

pub async fn events(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let e = st.store.item_events(&key, &a.staff).await?;
    Ok(axum::Json(json!({ "events": e })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkBody {
    /// The other item (id or number).
    to: Option<String>,
    /// escalated_from, decided_in, instructed_on, duplicate_of, rectifies (or their Chinese names).
    kind: Option<String>,
}

/// `POST /api/items/{key}/links {to, kind}`: this item is escalated from, decided in … `to`.
pub async fn link(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<LinkBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let to = b.to.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_item", "请指定要关联的事项"))?;
    let kind = b.kind.as_deref().and_then(LinkKind::parse).ok_or_else(|| ApiError::unprocessable("invalid_link_kind", "关联类型应为 escalated_from、decided_in、instructed_on、duplicate_of 或 rectifies"))?;
    st.store.link_items(&a.actor, &key, to, kind).await?;
    let item = st.store.item_for(&key, &a.staff).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "links": item.links }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CardBody {
    unit_id: Option<String>,
    /// yellow or red (黄牌警告, 红牌警告).
    colour: Option<String>,
    reason: Option<String>,
}

/// `POST /api/items/{key}/cards {unit_id, colour, reason}`: a yellow or red card to a unit.
pub async fn card(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<CardBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let colour = b.colour.as_deref().and_then(CardColour::parse).ok_or_else(|| ApiError::unprocessable("invalid_colour", "警告应为 yellow（黄牌）或 red（红牌）"))?;
    let unit = b.unit_id.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::unprocessable("unknown_unit", "请选择被警告的单位"))?;
    let card = st.store.issue_card(&a.actor, &key, unit, colour, b.reason.as_deref().unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "card": card }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeBody {
    reason: Option<String>,
}

pub async fn revoke_card(State(st): State<AppState>, a: Authed, Path(id): Path<String>, Json(b): Json<RevokeBody>) -> ApiResult<JsonOut> {
    let card = st.store.revoke_card(&a.actor, &id, b.reason.as_deref().unwrap_or_default()).await?;
    Ok(axum::Json(json!({ "card": card })))
}

pub async fn unit_cards(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    let cards = st.store.cards_of_unit(&a.staff, &key).await?;
    Ok(axum::Json(json!({ "cards": cards })))
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    /// One queue only: `kind.queue` as in `counts` (`work_order.to_sign`).
    queue: Option<String>,
}

pub async fn inbox(State(st): State<AppState>, a: Authed, Query(q): Query<InboxQuery>) -> ApiResult<JsonOut> {
    let queue = q.queue.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let inbox = st.store.inbox(&a.staff, q.page.unwrap_or(1), q.per_page.unwrap_or(20), queue).await?;
    Ok(axum::Json(json!(inbox)))
}

/// The badge: counts per queue only.
pub async fn inbox_counts(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    let counts = st.store.queue_counts(&a.staff).await?;
    let total: i64 = counts.iter().map(|c| c.count).sum();
    Ok(axum::Json(json!({ "total": total, "counts": counts })))
}

pub async fn done(State(st): State<AppState>, a: Authed, Query(q): Query<PageQuery>) -> ApiResult<JsonOut> {
    let page = st.store.done(&a.staff, q.page.unwrap_or(1), q.per_page.unwrap_or(20)).await?;
    Ok(axum::Json(json!(page)))
}


/// `GET /api/items/{key}/attachments/{id}`: one file of an item the reader may see, as a download.
pub async fn attachment(State(st): State<AppState>, a: Authed, Path((key, id)): Path<(String, String)>) -> ApiResult<axum::response::Response> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
    use axum::response::IntoResponse;
    let (name, content_type, data) = st.store.attachment(&key, &id, &a.staff).await?;
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_else(|| "bin".into());
    let stem = name.rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or(name);
    let mut r = data.into_response();
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    if let Ok(v) = HeaderValue::from_str(&crate::export::disposition(&stem, &ext)) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}
