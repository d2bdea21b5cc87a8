//! 公文's routes: the registers (收文登记簿, 发文登记簿) with their Excel download, registering
//! and drafting, a document and its steps, its kept versions and their comparison, its PDF
//! laid out as GB/T 9704 prescribes, a leader's 传阅 list, and the settings (codes, fonts).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use sanfu_store::document::DocumentConfig;
use sanfu_store::document::incoming::{DocActionInput, IncomingInput};
use sanfu_store::document::outgoing::OutgoingInput;
use sanfu_store::document::view::{DocumentFilter, DocumentRow};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, Cell, Format_, Table};
use crate::extract::{Authed, Json};
use crate::routes::supervision::{AttachmentBody, files};

type JsonOut = axum::Json<Value>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents", get(list).post(create))
        .route("/api/documents/circulation", get(circulation))
        .route("/api/documents/{key}", get(one))
        .route("/api/documents/{key}/pdf", get(pdf))
        .route("/api/documents/{key}/versions", get(versions))
        .route("/api/documents/{key}/compare", get(compare))
        .route("/api/documents/{key}/{action}", post(act))
        .route("/api/meetings/{key}/pdf", get(minutes_pdf))
        .route("/api/admin/document-settings", get(settings).put(set_settings))
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// `incoming` (收文登记簿) or `outgoing` (发文登记簿).
    direction: Option<String>,
    state: Option<String>,
    code: Option<String>,
    year: Option<String>,
    /// json (default), csv or xlsx.
    format: Option<String>,
}

pub(crate) fn register_table(rows: &[DocumentRow], incoming: bool, off: chrono::FixedOffset) -> Table {
    let day = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.with_timezone(&off).format("%Y-%m-%d").to_string()).unwrap_or_default();
    if incoming {
        Table {
            title: "收文登记簿".into(),
            headers: ["收文编号", "签收日期", "来文机关", "来文字号", "标题", "文种", "紧急程度", "成文日期", "状态", "主办单位", "办理时限", "传阅（已阅/送阅）"].iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(r.item.number.clone()),
                        Cell::Text(day(Some(r.item.created_at))),
                        Cell::Text(r.organ.clone()),
                        Cell::Text(r.source_number.clone().unwrap_or_default()),
                        Cell::Text(r.item.title.clone()),
                        Cell::Text(r.doc_type_label.into()),
                        Cell::Text(r.urgency_label.into()),
                        Cell::Text(day(r.doc_date)),
                        Cell::Text(r.item.state_label.into()),
                        Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                        Cell::Text(day(r.item.due_at)),
                        Cell::Text(if r.readers > 0 { format!("{}/{}", r.readers_done, r.readers) } else { String::new() }),
                    ]
                })
                .collect(),
        }
    } else {
        Table {
            title: "发文登记簿".into(),
            headers: ["发文字号", "拟稿号", "标题", "文种", "拟稿单位", "签发人", "签发日期", "主送", "状态", "核发日期"].iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(r.doc_number.clone().unwrap_or_default()),
                        Cell::Text(r.item.number.clone()),
                        Cell::Text(r.item.title.clone()),
                        Cell::Text(r.doc_type_label.into()),
                        Cell::Text(r.item.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
                        Cell::Text(r.signed_by.clone().unwrap_or_default()),
                        Cell::Text(day(r.doc_date)),
                        Cell::Text(r.main_to.clone()),
                        Cell::Text(r.item.state_label.into()),
                        Cell::Text(day(r.issued_at)),
                    ]
                })
                .collect(),
        }
    }
}

pub(crate) fn filter_of(direction: Option<String>, state: Option<String>, code: Option<String>, year: Option<String>) -> Result<DocumentFilter, ApiError> {
    let year = match year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => Some(y.parse::<i32>().map_err(|_| ApiError::unprocessable("invalid_year", format!("年度“{y}”不正确")))?),
        None => None,
    };
    Ok(DocumentFilter { direction, state, code, year })
}

pub async fn list(State(st): State<AppState>, a: Authed, axum::extract::RawQuery(raw): axum::extract::RawQuery, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    let format = export::parse_format(q.format.as_deref())?;
    let filter = filter_of(q.direction.clone(), q.state, q.code, q.year)?;
    let rows = st.store.list_documents(&a.staff, &filter).await?;
    if format == Format_::Json {
        return Ok(axum::Json(json!({ "items": rows })).into_response());
    }
    let off = st.store.offset();
    let day = Utc::now().with_timezone(&off).format("%Y%m%d");
    let tables: Vec<Table> = match filter.direction.as_deref() {
        Some("incoming" | "收文") => vec![register_table(&rows, true, off)],
        Some(_) => vec![register_table(&rows, false, off)],
        None => {
            let (inc, out): (Vec<DocumentRow>, Vec<DocumentRow>) = rows.into_iter().partition(|r| r.direction == "incoming");
            vec![register_table(&inc, true, off), register_table(&out, false, off)]
        }
    };
    let name = format!("{}-{day}", tables.iter().map(|t| t.title.as_str()).collect::<Vec<_>>().join("与"));
    export::ledger(&st, &a, raw.as_deref(), format, &name, &tables).await
}

/// A new document: `direction` `incoming` (签收登记, the office) or `outgoing` (起草, a unit).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DocumentBody {
    pub direction: Option<String>,
    #[serde(flatten)]
    pub incoming: IncomingInput,
    /// Outgoing: 正文, 机关代字, 主送, 抄送, 会签单位, 签发领导, 修改说明.
    pub body: Option<String>,
    pub code: Option<String>,
    pub main_to: Option<String>,
    pub cc: Option<String>,
    #[serde(default)]
    pub countersigners: Vec<String>,
    pub signer: Option<String>,
    pub note: Option<String>,
    /// The files (at most five, 10 MB each), base64.
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

impl DocumentBody {
    pub(crate) fn outgoing(&self) -> OutgoingInput {
        OutgoingInput {
            title: self.incoming.title.clone(),
            body: self.body.clone(),
            doc_type: self.incoming.doc_type.clone(),
            urgency: self.incoming.urgency.clone(),
            code: self.code.clone(),
            main_to: self.main_to.clone(),
            cc: self.cc.clone(),
            countersigners: self.countersigners.clone(),
            signer: self.signer.clone(),
            attachment_titles: self.incoming.attachment_titles.clone(),
            note: self.note.clone(),
            secrecy: self.incoming.secrecy.clone(),
        }
    }
}

pub async fn create(State(st): State<AppState>, a: Authed, Json(b): Json<DocumentBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let attached = files(&b.attachments)?;
    let item = match b.direction.as_deref().map(str::trim) {
        Some("incoming" | "收文") => st.store.register_incoming(&b.incoming, &attached, &a.actor).await?,
        Some("outgoing" | "发文") => st.store.create_outgoing(&b.outgoing(), &attached, &a.actor).await?,
        _ => return Err(ApiError::unprocessable("invalid_direction", "请指明收文（incoming）或发文（outgoing）")),
    };
    Ok((StatusCode::CREATED, axum::Json(json!({ "item": item }))))
}

pub async fn one(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "item": st.store.document_for(&key, &a.staff).await? })))
}

pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let stem = name.trim_end_matches(".pdf");
    if let Ok(v) = HeaderValue::from_str(&export::disposition(stem, "pdf").replace("attachment", "inline")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    r
}

pub async fn pdf(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<Response> {
    let (name, bytes) = st.store.document_pdf(&key, &a.staff).await?;
    Ok(pdf_response(&name, bytes))
}

pub async fn minutes_pdf(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<Response> {
    let (name, bytes) = st.store.minutes_pdf(&key, &a.staff).await?;
    Ok(pdf_response(&name, bytes))
}

pub async fn versions(State(st): State<AppState>, a: Authed, Path(key): Path<String>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.document_versions(&key, &a.staff).await? })))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn compare(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Query(q): Query<CompareQuery>) -> ApiResult<JsonOut> {
    let v = |s: Option<&str>, what: &str| -> Result<i64, ApiError> {
        s.and_then(|s| s.trim().parse().ok()).filter(|v: &i64| *v > 0).ok_or_else(|| ApiError::unprocessable("invalid_version", format!("请指明要比较的{what}稿次（正整数）")))
    };
    let (from, to) = (v(q.from.as_deref(), "起始")?, v(q.to.as_deref(), "目标")?);
    Ok(axum::Json(json!({ "comparison": st.store.compare_versions(&key, from, to, &a.staff).await? })))
}

pub async fn circulation(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "items": st.store.circulation(&a.staff).await? })))
}

/// Every field the documents' actions take; `save` (a new version of a draft) takes the
/// drafting fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DocActionBody {
    #[serde(flatten)]
    pub action: DocActionInput,
    #[serde(flatten)]
    pub draft: OutgoingInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// `POST /api/documents/{key}/{action}`: incoming accept, reject, propose, instruct, circulate,
/// read, urge, reply, send_back, conclude, archive; outgoing save, submit, approve,
/// countersign, check, sign, recheck, number, print, distribute, archive, return, withdraw.
pub async fn act(State(st): State<AppState>, a: Authed, Path((key, action)): Path<(String, String)>, Json(b): Json<DocActionBody>) -> ApiResult<JsonOut> {
    let attached = files(&b.attachments)?;
    let item = st.store.act_document(&key, &action, &b.action, &b.draft, &attached, &a.actor).await?;
    Ok(axum::Json(json!({ "item": item })))
}

pub async fn settings(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.document_config().await? })))
}

pub async fn set_settings(State(st): State<AppState>, a: Authed, Json(b): Json<DocumentConfig>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "settings": st.store.set_document_config(b, &a.actor).await? })))
}
