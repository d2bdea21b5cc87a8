//! Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in JSON and XML, so that
//! existing Open311 apps can file and follow orders. Services are the leaf categories; a
//! service request is a work order; `service_request_id` is the order number (returned at once,
//! so a token is the number too). Personal data never appears in responses.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sanfu_domain::{Actor, Principal};
use sanfu_store::hotline::open311::{PublicFilter, PublicRequest};
use sanfu_store::hotline::orders::OrderInput;
use serde_json::{Value, json};

use crate::AppState;
use crate::extract::{ClientIp, body_text};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Xml,
}

/// `services.json` → ("services", Json).
// The error is the finished response (an Open311 error document), returned once, on a bad request.
#[allow(clippy::result_large_err)]
fn split(file: &str) -> Result<(&str, Fmt), Response> {
    match file.rsplit_once('.') {
        Some((name, "json")) => Ok((name, Fmt::Json)),
        Some((name, "xml")) => Ok((name, Fmt::Xml)),
        _ => Err(error(Fmt::Json, StatusCode::NOT_FOUND, "format must be .json or .xml")),
    }
}

fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "values" => "value",
        _ => "item",
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_value(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for it in items {
                xml_value(item_name(name), it, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                xml_value(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

fn respond(fmt: Fmt, status: StatusCode, root: &str, v: Value) -> Response {
    match fmt {
        Fmt::Json => (status, axum::Json(v)).into_response(),
        Fmt::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml_value(root, &v, &mut out);
            (status, [(CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
    }
}

fn error(fmt: Fmt, status: StatusCode, description: &str) -> Response {
    respond(fmt, status, "errors", json!([{ "code": status.as_u16(), "description": description }]))
}

fn internal(fmt: Fmt) -> Response {
    error(fmt, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

fn discovery(fmt: Fmt) -> Response {
    respond(
        fmt,
        StatusCode::OK,
        "discovery",
        json!({
            "changeset": "2026-11-24T00:00:00Z",
            "contact": format!("{}12345政务服务便民热线中心", crate::city::city()),
            "key_service": "API keys are issued by the hotline centre's administrator.",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "/open311/v2",
                "changeset": "2026-11-24T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }],
        }),
    )
}

async fn services_json(st: &AppState) -> Result<Vec<Value>, Response> {
    let cats = st.store.categories().await.map_err(|_| internal(Fmt::Json))?;
    Ok(cats
        .iter()
        .filter(|c| c.parent_id.is_some())
        .map(|c| {
            let group = cats.iter().find(|p| Some(&p.id) == c.parent_id.as_ref()).map(|p| p.name.clone()).unwrap_or_default();
            json!({
                "service_code": c.code, "service_name": c.name, "description": format!("{group} — {}", c.name),
                "metadata": false, "type": "realtime", "keywords": c.name, "group": group,
            })
        })
        .collect())
}

/// `GET /open311/v2/services.{fmt}`, `GET /open311/v2/requests.{fmt}`, `POST /open311/v2/requests.{fmt}`.
pub async fn list(State(st): State<AppState>, Path(file): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (name, fmt) = match split(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match name {
        "services" => match services_json(&st).await {
            Ok(v) => respond(fmt, StatusCode::OK, "services", Value::Array(v)),
            Err(r) => r,
        },
        "requests" => requests(&st, fmt, &q).await,
        "discovery" => discovery(fmt),
        _ => error(fmt, StatusCode::NOT_FOUND, "unknown resource"),
    }
}

fn request_json(r: &PublicRequest) -> Value {
    let closed = matches!(r.state.as_str(), "closed" | "merged" | "withdrawn");
    json!({
        "service_request_id": r.number,
        "status": if closed { "closed" } else { "open" },
        "status_notes": r.answer.clone().filter(|_| closed).unwrap_or_default(),
        "service_name": r.category_name,
        "service_code": r.category_code,
        "description": r.content,
        "agency_responsible": r.unit_name.clone().unwrap_or_else(|| "12345政务服务便民热线中心".into()),
        "service_notice": "",
        "requested_datetime": r.created_at.to_rfc3339(),
        "updated_datetime": r.updated_at.to_rfc3339(),
        "expected_datetime": r.answer_due.map(|d| d.to_rfc3339()),
        "address": r.address,
        "address_id": null,
        "zipcode": null,
        "lat": r.lat,
        "long": r.lng,
        "media_url": "",
    })
}

#[allow(clippy::result_large_err)]
fn parse_time(v: Option<&String>, fmt: Fmt, name: &str) -> Result<Option<DateTime<Utc>>, Response> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| error(fmt, StatusCode::BAD_REQUEST, &format!("{name} must be a w3 datetime (RFC 3339)"))),
    }
}

async fn requests(st: &AppState, fmt: Fmt, q: &HashMap<String, String>) -> Response {
    let csv = |k: &str| -> Vec<String> {
        q.get(k).map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default()
    };
    let numbers = csv("service_request_id");
    let (from, to) = match (parse_time(q.get("start_date"), fmt, "start_date"), parse_time(q.get("end_date"), fmt, "end_date")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let closed = match q.get("status").map(String::as_str) {
        None | Some("") | Some("open,closed") | Some("closed,open") => None,
        Some("open") => Some(false),
        Some("closed") => Some(true),
        Some(_) => return error(fmt, StatusCode::BAD_REQUEST, "status must be open or closed"),
    };
    // The standard's default window: the last 90 days, unless ids are asked for.
    let from = if numbers.is_empty() { from.or_else(|| Some(Utc::now() - chrono::Duration::days(90))) } else { from };
    let filter = PublicFilter { numbers, ids: None, category_codes: csv("service_code"), from, to, closed, published_only: false, limit: 1000, offset: 0 };
    match st.store.public_requests(&filter).await {
        Ok(rows) => respond(fmt, StatusCode::OK, "service_requests", Value::Array(rows.iter().map(request_json).collect())),
        Err(_) => internal(fmt),
    }
}

/// `GET /open311/v2/services/{code}.{fmt}`, `GET /open311/v2/requests/{id}.{fmt}`,
/// `GET /open311/v2/tokens/{token}.{fmt}`.
pub async fn one(State(st): State<AppState>, Path((kind, file)): Path<(String, String)>) -> Response {
    let (key, fmt) = match split(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match kind.as_str() {
        "services" => match st.store.category(key).await {
            Ok(Some(c)) if c.parent_id.is_some() => {
                respond(fmt, StatusCode::OK, "service_definition", json!({"service_code": c.code, "attributes": []}))
            }
            Ok(_) => error(fmt, StatusCode::NOT_FOUND, "service_code not found"),
            Err(_) => internal(fmt),
        },
        "requests" | "tokens" => {
            let filter = PublicFilter { numbers: vec![key.to_string()], limit: 1, ..Default::default() };
            match st.store.public_requests(&filter).await {
                Ok(rows) if rows.is_empty() => error(fmt, StatusCode::NOT_FOUND, "service_request_id not found"),
                Ok(rows) if kind == "tokens" => respond(
                    fmt,
                    StatusCode::OK,
                    "service_requests",
                    json!([{ "service_request_id": rows[0].number, "token": rows[0].number }]),
                ),
                Ok(rows) => respond(fmt, StatusCode::OK, "service_requests", Value::Array(rows.iter().map(request_json).collect())),
                Err(_) => internal(fmt),
            }
        }
        _ => error(fmt, StatusCode::NOT_FOUND, "unknown resource"),
    }
}

/// `POST /open311/v2/requests.{fmt}` (form-encoded, as the standard says; JSON accepted too).
pub async fn create(State(st): State<AppState>, ClientIp(ip): ClientIp, Path(file): Path<String>, req: Request) -> Response {
    let (name, fmt) = match split(&file) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if name != "requests" {
        return error(fmt, StatusCode::NOT_FOUND, "unknown resource");
    }
    let is_json = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let text = match body_text(req).await {
        Ok(t) => t,
        Err(e) => return error(fmt, e.status, &e.message),
    };
    let p: HashMap<String, String> = if is_json {
        match serde_json::from_str::<HashMap<String, Value>>(&text) {
            Ok(m) => m.into_iter().map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect(),
            Err(_) => return error(fmt, StatusCode::BAD_REQUEST, "malformed JSON"),
        }
    } else {
        match serde_urlencoded::from_str(&text) {
            Ok(m) => m,
            Err(_) => return error(fmt, StatusCode::BAD_REQUEST, "malformed form body"),
        }
    };
    let key = p.get("api_key").map(String::as_str).unwrap_or_default();
    match st.store.api_client(key).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(fmt, StatusCode::FORBIDDEN, "api_key is missing or not valid"),
        Err(_) => return internal(fmt),
    }
    let get = |k: &str| p.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let Some(service_code) = get("service_code") else {
        return error(fmt, StatusCode::BAD_REQUEST, "service_code is required");
    };
    match st.store.category(&service_code).await {
        Ok(Some(c)) if c.parent_id.is_some() => {}
        Ok(_) => return error(fmt, StatusCode::BAD_REQUEST, "service_code not found"),
        Err(_) => return internal(fmt),
    }
    let Some(description) = get("description") else {
        return error(fmt, StatusCode::BAD_REQUEST, "description is required");
    };
    let (lat, lng) = match (get("lat"), get("long")) {
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(a), Ok(b)) => (Some(a), Some(b)),
            _ => return error(fmt, StatusCode::BAD_REQUEST, "lat and long must be numbers"),
        },
        (None, None) => (None, None),
        _ => return error(fmt, StatusCode::BAD_REQUEST, "lat and long go together"),
    };
    let address = get("address_string");
    if lat.is_none() && address.is_none() && get("address_id").is_none() {
        return error(fmt, StatusCode::BAD_REQUEST, "a location is required: lat & long, address_string or address_id");
    }
    let name = [get("last_name"), get("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
    let input = OrderInput {
        channel: Some("open311".into()),
        order_type: Some("help".into()),
        category_id: Some(service_code),
        content: Some(match get("media_url") {
            Some(m) => format!("{description}\n（图片：{m}）"),
            None => description,
        }),
        address,
        lat,
        lng,
        citizen_name: (!name.is_empty()).then_some(name),
        citizen_phone: get("phone"),
        ..Default::default()
    };
    let actor = Actor { principal: Principal::Citizen, ip };
    match st.store.register(&input, &actor).await {
        Ok(r) => respond(
            fmt,
            StatusCode::CREATED,
            "service_requests",
            json!([{ "service_request_id": r.order.number, "service_notice": "已受理，将在规定时限内办理", "account_id": null }]),
        ),
        Err(sanfu_store::StoreError::Domain(e)) => error(fmt, StatusCode::BAD_REQUEST, &e.message),
        Err(_) => internal(fmt),
    }
}
