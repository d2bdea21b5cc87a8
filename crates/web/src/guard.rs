//! What every request and every answer passes through, in one place, so that no route can forget
//! it:
//!
//! - a NUL character anywhere in the address or in a text body is refused (422) before any
//!   handler runs: PostgreSQL cannot store it in text, and no citizen types one;
//! - an error answer that is not already the app's own (axum's rejections of a path or query it
//!   cannot parse are plain text, an unknown method is an empty 405) is rewritten into the one
//!   shape: `{code, message}` in Chinese for the API, the error page for pages;
//! - the security headers: `nosniff`, `Referrer-Policy`, `Cache-Control: no-store` unless the
//!   route chose otherwise, and for HTML a `Content-Security-Policy` that allows only this
//!   site's own script and forbids framing;
//! - behind HTTPS (a setting), every cookie is marked `Secure` and HSTS is sent.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, SET_COOKIE, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::MAX_BODY;
use crate::pages::PageError;

/// The pages load their own stylesheet and script only; inline `style` attributes are used by
/// the templates (bar widths, colours), inline script never.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Paths answered in JSON (the rest are pages).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path.starts_with("/open311/") || path == "/healthz"
}

pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let api = is_api(&path);
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let ip = crate::extract::client_ip(req.headers(), req.extensions(), &st.config);
    let resp = guarded(st, req, next, api, &method).await;
    // One access line per request: the path without its query (which may hold a phone number).
    tracing::info!(
        target: "access",
        method = %method,
        path = %path.chars().take(200).collect::<String>(),
        status = resp.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        ip = %ip,
    );
    resp
}

async fn guarded(st: AppState, req: Request, next: Next, api: bool, method: &axum::http::Method) -> Response {
    let req = match check_request(req, api).await {
        Ok(r) => r,
        Err(resp) => return finish(resp, &st),
    };
    let resp = next.run(req).await;
    let resp = if resp.status().is_client_error() || resp.status().is_server_error() {
        normalise_error(resp, api, method).await
    } else {
        resp
    };
    finish(resp, &st)
}

fn refuse(api: bool, status: StatusCode, code: &'static str, title: &str, message: &str) -> Response {
    if api {
        ApiError::new(status, code, message).into_response()
    } else {
        PageError::new(status, title, message).into_response()
    }
}

const NUL_MESSAGE: &str = "请求中含有不允许的空字符（NUL），请删除后重试";

/// Refuse a NUL in the address or in a text body; hand the body on unchanged otherwise.
async fn check_request(req: Request, api: bool) -> Result<Request, Response> {
    let nul = || refuse(api, StatusCode::UNPROCESSABLE_ENTITY, "nul_character", "请求有误", NUL_MESSAGE);
    if contains_encoded_nul(req.uri().path().as_bytes()) || req.uri().query().is_some_and(|q| contains_encoded_nul(q.as_bytes())) {
        // Read what the client is sending (within the limit) before answering, so that it gets
        // the answer rather than a broken connection in the middle of its upload.
        let _ = to_bytes(req.into_body(), MAX_BODY).await;
        return Err(nul());
    }
    let ct = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let textual = ct.is_empty()
        || ct.starts_with("application/json")
        || ct.starts_with("application/x-www-form-urlencoded")
        || ct.starts_with("text/");
    if !textual || matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) if e.to_string().contains("length limit") => {
            return Err(refuse(api, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "内容过大", "请求内容超过 1 MiB 上限"));
        }
        Err(_) => {
            return Err(refuse(api, StatusCode::BAD_REQUEST, "unreadable_body", "请求有误", "无法读取请求内容（发送中断或超时）"));
        }
    };
    let form = ct.starts_with("application/x-www-form-urlencoded");
    if bytes.contains(&0) || (form && contains_encoded_nul(&bytes)) || json_has_nul_escape(&bytes) {
        return Err(nul());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// `%00` in a percent-encoded address or form.
fn contains_encoded_nul(s: &[u8]) -> bool {
    s.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// `\u0000` in JSON text, escaped by an odd number of backslashes (so `\\u0000` is not one).
fn json_has_nul_escape(b: &[u8]) -> bool {
    let mut i = 0;
    while i + 6 <= b.len() {
        if b[i] == b'\\' {
            if b[i + 1] == b'u' && b[i + 2..i + 6].iter().all(|&c| c == b'0') {
                return true;
            }
            i += 2; // skip the escaped character, whatever it is
        } else {
            i += 1;
        }
    }
    false
}

/// Rewrite an error answer that is not in the app's shape (plain text or empty).
async fn normalise_error(resp: Response, api: bool, method: &axum::http::Method) -> Response {
    let ct = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !(ct.is_empty() || ct.starts_with("text/plain")) {
        return resp;
    }
    let status = resp.status();
    let allow = resp.headers().get(axum::http::header::ALLOW).cloned();
    let detail = match to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let (code, title, message): (&'static str, &str, String) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "请求有误", format!("此地址不支持 {method} 请求")),
        StatusCode::NOT_FOUND => ("not_found", "未找到", "没有这个地址".into()),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "内容过大", "请求内容超过上限".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "请求有误", "请求内容的类型不受支持".into()),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid_field", "请求有误", translate(&detail)),
        StatusCode::BAD_REQUEST => ("bad_request", "请求有误", translate(&detail)),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "请求超时", "请求未在规定时间内发送完毕".into()),
        s if s.is_server_error() => {
            tracing::error!(status = %s, detail = %detail, "未按统一格式返回的错误应答");
            ("internal_error", "系统错误", "服务器内部错误，请稍后重试；如持续出现请联系系统管理员".into())
        }
        _ => ("request_refused", "请求有误", "请求未能处理".into()),
    };
    let mut out = refuse(api, status, code, title, &message);
    if let Some(a) = allow {
        out.headers_mut().insert(axum::http::header::ALLOW, a);
    }
    out
}

/// axum's rejection texts (English, from serde and the path and query extractors) in Chinese,
/// naming the parameter where the text names one.
fn translate(detail: &str) -> String {
    let d = detail.trim();
    let (place, rest) = if let Some(r) = d.strip_prefix("Failed to deserialize query string: ") {
        ("查询参数", r)
    } else if let Some(r) = d.strip_prefix("Failed to deserialize form body: ") {
        ("表单字段", r)
    } else if let Some(r) = d.strip_prefix("Failed to deserialize form: ") {
        ("表单字段", r)
    } else if let Some(r) = d.strip_prefix("Invalid URL: ") {
        ("地址中的参数", r)
    } else if let Some(r) = d.strip_prefix("Failed to parse the request body as JSON: ") {
        ("JSON 内容", r)
    } else if let Some(r) = d.strip_prefix("Failed to deserialize the JSON body into the target type: ") {
        ("JSON 字段", r)
    } else {
        ("请求", d)
    };
    // serde's "field: what went wrong" names the parameter first.
    let (field, what) = match rest.split_once(": ") {
        Some((f, w)) if !f.contains(' ') && !f.is_empty() && f.len() <= 64 => (Some(f), w),
        _ => (None, rest),
    };
    let why = if what.contains("invalid digit") || what.contains("invalid float") || what.contains("Cannot parse") {
        "不是有效的数字或格式不正确"
    } else if what.contains("missing field") {
        "缺少必填项"
    } else if what.contains("unknown variant") {
        "取值不在允许的范围内"
    } else if what.contains("invalid type") {
        "类型不正确"
    } else if what.contains("number too large") || what.contains("out of range") {
        "数值超出范围"
    } else if what.contains("invalid length") || what.contains("Wrong number of path arguments") {
        "个数不正确"
    } else if what.contains("UTF-8") || what.contains("utf-8") || what.contains("percent-decode") {
        "不是有效的 UTF-8 文本"
    } else {
        "格式不正确"
    };
    match field {
        Some(f) => format!("{place}“{f}”{why}"),
        None => format!("{place}{why}"),
    }
}

/// The headers every answer carries.
fn finish(mut resp: Response, st: &AppState) -> Response {
    let html = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = resp.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if html {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if st.config.https {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
        let cookies: Vec<HeaderValue> = h.get_all(SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(SET_COOKIE);
            for c in cookies {
                let s = c.to_str().unwrap_or("");
                let v = if s.contains("; Secure") { c.clone() } else { HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c.clone()) };
                h.append(SET_COOKIE, v);
            }
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(json_has_nul_escape(br#"{"a":"x\u0000y"}"#));
        assert!(!json_has_nul_escape(br#"{"a":"x\\u0000y"}"#));
        assert!(json_has_nul_escape(br#"{"a":"x\\\u0000y"}"#));
        assert!(!json_has_nul_escape(br#"{"a":"\u0001"}"#));
    }

    #[test]
    fn rejection_texts_become_chinese_and_name_the_parameter() {
        assert_eq!(translate("Failed to deserialize query string: page: invalid digit found in string"), "查询参数“page”不是有效的数字或格式不正确");
        assert_eq!(translate("Invalid URL: Cannot parse `abc` to a `i32`"), "地址中的参数不是有效的数字或格式不正确");
        assert_eq!(translate("Failed to deserialize query string: unknown variant `x`, expected one of `a`, `b`"), "查询参数取值不在允许的范围内");
    }
}
