//! Extractors whose rejections are [`ApiError`]s: a JSON body (with the size, encoding and
//! syntax checks the API promises), the logged-in user, the client's address.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use sanfu_domain::{Actor, Principal, Role, Staff};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
pub const SESSION_COOKIE: &str = "sanfu_session";

/// The client's address as the server saw it.
pub struct ClientIp(pub String);

/// The client's address: behind a trusted proxy, the address it saw (the last one it
/// appended; one that does not parse is ignored, so a client cannot smuggle text into the
/// logs), otherwise the connection's.
pub(crate) fn client_ip(headers: &axum::http::HeaderMap, extensions: &axum::http::Extensions, config: &crate::WebConfig) -> String {
    if config.trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.headers, &parts.extensions, &st.config)))
    }
}

/// Read the whole body within [`MAX_BODY`] and check it is UTF-8.
pub async fn body_text(req: Request) -> Result<String, ApiError> {
    let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求内容超过 1 MiB 上限")
        } else {
            ApiError::bad_request("unreadable_body", "无法读取请求内容")
        }
    })?;
    String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad_request("invalid_utf8", "请求内容不是有效的 UTF-8 文本"))
}

/// Parse JSON text into `T`: broken JSON is 400, JSON of the wrong shape 422.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::unprocessable("invalid_field", format!("字段不正确：{e}")),
            _ => ApiError::bad_request("invalid_json", format!("请求内容不是有效的 JSON：{e}")),
        }
    })
}

/// A JSON body. An empty body reads as `{}` so that actions without parameters need none.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        // A body of another type is refused even when empty: an HTML form posted from another
        // site (text/plain, urlencoded) must not count as an action without parameters.
        if !ct.is_empty() && !ct.starts_with("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求内容类型应为 application/json",
            ));
        }
        let text = body_text(req).await?;
        if text.trim().is_empty() {
            return parse_json("{}").map(Json);
        }
        parse_json(&text).map(Json)
    }
}

/// A logged-in member of staff.
pub struct Authed {
    pub staff: Staff,
    pub session_id: String,
    pub actor: Actor,
}

impl Authed {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.staff.has(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("not_allowed_for_user", format!("此操作需要“{}”角色", role.label())))
        }
    }
}

/// The session's CSRF token: derived from the session token, so it needs no storage and dies
/// with the session; never the session token itself. Forms carry it as `_csrf`, the pages'
/// script sends it as the `X-CSRF-Token` header.
pub(crate) fn csrf_of(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"sanfu-csrf\0");
    h.update(session_token.as_bytes());
    h.finalize().iter().take(20).map(|b| format!("{b:02x}")).collect()
}

pub const CSRF_HEADER: &str = "x-csrf-token";

/// A request that changes something on the strength of the session cookie alone must come from
/// this site's own pages: it carries the session's CSRF token in a header (which another site
/// cannot set without the browser asking this server first) and, where the browser names its
/// origin, the origin is this host.
fn check_cookie_write(parts: &Parts, token: &str) -> Result<(), ApiError> {
    if parts.method.is_safe() {
        return Ok(());
    }
    let refused = |m: &str| ApiError::forbidden("csrf_failed", m);
    let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if sent != csrf_of(token) {
        return Err(refused("请求缺少有效的防跨站令牌（X-CSRF-Token），请刷新页面后重试"));
    }
    if let Some(origin) = parts.headers.get(ORIGIN) {
        let host = parts.headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, h)| h).unwrap_or("");
        if host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(refused("请求来自其他网站，已拒绝"));
        }
    }
    Ok(())
}

/// The session token and whether it came from the cookie (a browser) rather than the
/// `Authorization` header (a program).
fn token_from(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) && let Some(t) = v.strip_prefix("Bearer ") {
        return Some((t.trim().to_string(), false));
    }
    for v in parts.headers.get_all(COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for kv in s.split(';') {
            if let Some((k, val)) = kv.trim().split_once('=') && k == SESSION_COOKIE && !val.is_empty() {
                return Some((val.to_string(), true));
            }
        }
    }
    None
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauth = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录");
        let (token, from_cookie) = token_from(parts).ok_or_else(unauth)?;
        if from_cookie {
            check_cookie_write(parts, &token)?;
        }
        let (session_id, staff) = state.store.session_staff(&token).await?.ok_or_else(unauth)?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip };
        Ok(Authed { staff, session_id, actor })
    }
}
