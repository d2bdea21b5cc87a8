//! The web pages: the staff desk behind login and the public site, rendered on the server from
//! askama templates (checked at compile time, every value HTML-escaped unless a template says
//! otherwise), with the stylesheet and the little JavaScript embedded in the binary.
//!
//! Forms post back to the page routes; each handler checks the form's CSRF token, calls the same
//! store functions as the JSON API, and redirects with a message (post/redirect/get).

mod admin;
mod admin_forms;
pub(crate) mod charts;
mod desk;
mod hotline;
mod info;
mod info_settings;
mod instruction;
mod document;
mod meeting;
mod party;
mod supervision;
pub(crate) mod work;
mod topic;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, Utc};
use rand::RngCore;
use sanfu_domain::{Actor, Principal, Role, Staff};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ClientIp, SESSION_COOKIE, csrf_of};

/// The cookie holding the public forms' CSRF token (double submit).
const FORM_COOKIE: &str = "sanfu_form";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/login", get(desk::login::login_page).post(desk::login::login))
        .route("/setup", get(desk::login::setup_page).post(desk::login::setup))
        .route("/logout", post(desk::login::logout))
        .route("/desk", get(desk::inbox::inbox))
        .route("/orders", get(hotline::orders::orders))
        .route("/orders/new", get(hotline::order_new::new_order).post(hotline::order_new::register))
        .route("/orders/{key}", get(hotline::order::order))
        .route("/orders/{key}/do/{action}", post(hotline::order::act))
        .route("/stats", get(hotline::stats::stats))
        .route("/ranking", get(hotline::stats::ranking))
        .route("/dashboard", get(desk::dashboard::dashboard))
        .route("/supervision", get(supervision::ledger::ledger))
        .route("/supervision/new", post(supervision::ledger::create))
        .route("/supervision/funds", get(supervision::assess::funds))
        .route("/supervision/assessment", get(supervision::assess::assessment))
        .route("/supervision/settings", get(supervision::assess::settings).post(supervision::assess::save_settings))
        .route("/supervision/import", get(supervision::ledger::import_page).post(supervision::ledger::import).layer(DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/supervision/{key}/funds", post(supervision::item::add_fund))
        .route("/instructions", get(instruction::list))
        .route("/instructions/new", post(instruction::create))
        .route("/instructions/{key}", get(instruction::page))
        .route("/instructions/{key}/do/{action}", post(instruction::act))
        .route("/topics", get(topic::pool))
        .route("/topics/new", post(topic::create).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/topics/plan", get(topic::plan).post(topic::add_plan))
        .route("/topics/{key}", get(topic::topic))
        .route("/topics/{key}/do/{action}", post(topic::topic_act).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/documents", get(document::register))
        .route("/documents/new", post(document::create).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/documents/{key}", get(document::document))
        .route("/documents/{key}/do/{action}", post(document::act).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/info", get(info::info))
        .route("/info/new", post(info::submit).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/info/settings", post(info_settings::save_settings))
        .route("/info/requests/new", post(info::create_request))
        .route("/info/requests/{key}", get(info::request))
        .route("/info/requests/{key}/close", post(info::close_request))
        .route("/info/{key}", get(info::item))
        .route("/info/{key}/do/{action}", post(info::act))
        .route("/bulletins/new", post(info::create_bulletin))
        .route("/bulletins/{key}", get(info::bulletin))
        .route("/bulletins/{key}/do/{action}", post(info::act_bulletin))
        .route("/party", get(party::party))
        .route("/party/meetings/new", post(party::create_meeting))
        .route("/party/meetings/{id}", get(party::meeting))
        .route("/party/meetings/{id}/do/{action}", post(party::act_meeting))
        .route("/party/rectifications/{key}", get(party::rectification))
        .route("/party/rectifications/{key}/do/{action}", post(party::act_rectification).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/party/study/new", post(party::record_study))
        .route("/party/projects/new", post(party::declare_project))
        .route("/party/projects/{key}", get(party::project))
        .route("/party/projects/{key}/do/{action}", post(party::act_project).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/projects", get(party::public_projects))
        .route("/projects/{number}/rate", post(party::public_rate))
        .route("/meetings", get(meeting::calendar))
        .route("/meetings/new", post(meeting::create_meeting))
        .route("/meetings/settings", post(meeting::save_settings))
        .route("/meetings/decisions", get(meeting::decisions))
        .route("/meetings/{key}", get(meeting::meeting))
        .route("/meetings/{key}/do/{action}", post(meeting::meeting_act).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/supervision/{key}", get(supervision::item::item))
        .route("/supervision/{key}/do/{action}", post(supervision::item::act).layer(DefaultBodyLimit::max(FORM_FILES_LIMIT)))
        .route("/items/{key}", get(desk::item::item))
        .route("/items/{key}/card", post(desk::item::card))
        .route("/items/{key}/link", post(desk::item::link))
        .route("/cards/{id}/revoke", post(desk::item::revoke))
        .route("/admin", get(admin::admin))
        .route("/admin/import", get(admin::import_page).post(admin::import).layer(DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/admin/{what}", get(admin::admin_section).post(admin::admin_post))
        .route("/", get(hotline::site::home))
        .route("/submit", post(hotline::site::submit).layer(DefaultBodyLimit::max(hotline::site::SUBMIT_LIMIT)))
        .route("/orders/{key}/photos/{id}", get(hotline::order::photo))
        .route("/follow", get(hotline::site::follow))
        .route("/follow/{action}", post(hotline::site::follow_act))
        .route("/board", get(hotline::site::board))
        .route("/knowledge", get(hotline::site::knowledge))
        .fallback(fallback)
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../assets/app.css"))
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../assets/app.js"))
}

fn asset(ct: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, ct), (CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

async fn fallback(OriginalUri(uri): OriginalUri) -> Response {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/open311/") {
        ApiError::not_found("not_found", "没有这个地址").into_response()
    } else {
        PageError::new(StatusCode::NOT_FOUND, "页面不存在", "您要找的页面不存在，请检查地址。").into_response()
    }
}

/// The city's name, as the templates call it (`crate::pages::city()`).
pub use crate::city::{city, set_city};

/// Render a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "页面模板生成失败");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

/// Moments as the office reads them: local time, to the minute.
pub fn fmt_time(t: DateTime<Utc>, off: FixedOffset) -> String {
    t.with_timezone(&off).format("%Y-%m-%d %H:%M").to_string()
}

pub fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// A query string value, percent-encoded.
pub fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).map(|x| x[2..].to_string()).unwrap_or_default()
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    for v in parts.headers.get_all(COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for kv in s.split(';') {
            if let Some((k, val)) = kv.trim().split_once('=') && k == name && !val.is_empty() {
                return Some(val.to_string());
            }
        }
    }
    None
}

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}


/// An error page: a refusal, a page that does not exist, a failure.
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl PageError {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        PageError { status, title: title.into(), message: message.into() }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let title = match e.status {
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::CONFLICT => "无法办理",
            s if s.is_server_error() => "系统错误",
            _ => "请求有误",
        };
        PageError::new(e.status, title, e.message)
    }
}

impl From<sanfu_store::StoreError> for PageError {
    fn from(e: sanfu_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut r = render(&ErrorPage { title: &self.title, message: &self.message });
        *r.status_mut() = self.status;
        r
    }
}

pub type PageResult = Result<Response, PageError>;

/// A logged-in member of staff on a page; without a session, a redirect to the login page.
pub struct Desk {
    pub staff: Staff,
    pub actor: Actor,
    pub session_id: String,
    pub csrf: String,
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/desk".into());
        let to_login = || Redirect::to(&format!("/login?next={}", enc(&path))).into_response();
        let Some(token) = cookie(parts, SESSION_COOKIE) else { return Err(to_login()) };
        let found = state.store.session_staff(&token).await.map_err(|e| PageError::from(e).into_response())?;
        let Some((session_id, staff)) = found else { return Err(to_login()) };
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip };
        Ok(Desk { csrf: csrf_of(&token), staff, actor, session_id })
    }
}

impl Desk {
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), PageError> {
        if allowed {
            Ok(())
        } else {
            Err(PageError::new(StatusCode::FORBIDDEN, "无权访问", format!("您的账号没有{what}的权限。")))
        }
    }
    pub fn is_admin(&self) -> bool {
        self.staff.has(Role::Admin)
    }
    pub fn sees_dashboard(&self) -> bool {
        self.staff.has(Role::Leader) || self.staff.sees_all()
    }
}

/// A posted form: its fields in order (a name may repeat), read within the body limit.
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// A field with surrounding blanks removed; empty reads as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v == "on" || v == "true" || v == "1")
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = PageError;
    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, s).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", "提交的内容超过 1 MiB 上限。")
            } else {
                PageError::new(StatusCode::BAD_REQUEST, "请求有误", "无法读取提交的内容。")
            }
        })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "请求有误", "提交的表单格式不正确。"))?;
        Ok(Form { fields })
    }
}

/// A staff form that may carry files (`multipart/form-data`) or none (urlencoded): its text
/// fields, and each non-empty file as (name, bytes).
pub struct FormFiles {
    pub form: Form,
    pub files: Vec<(String, Vec<u8>)>,
}

/// The body limit of a form with files: five of 10 MB and the text.
pub const FORM_FILES_LIMIT: usize = 52 * 1024 * 1024;

impl<S: Send + Sync> FromRequest<S> for FormFiles {
    type Rejection = PageError;
    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::Multipart;
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            return Ok(FormFiles { form: Form::from_request(req, s).await?, files: Vec::new() });
        }
        let bad = |m: &str| PageError::new(StatusCode::BAD_REQUEST, "请求有误", m.to_string());
        let mut mp = Multipart::from_request(req, s).await.map_err(|_| bad("提交的表单格式不正确。"))?;
        let (mut fields, mut files) = (Vec::new(), Vec::new());
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", "附件合计不能超过 50 MB。")
            } else {
                bad("上传不完整，请重试。")
            }
        })? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file) => {
                    let data = field.bytes().await.map_err(|_| bad("上传不完整，请重试。"))?;
                    if !data.is_empty() {
                        files.push((file, data.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(|_| bad("提交的内容不是有效的文本。"))?;
                    if text.len() > 256 * 1024 || fields.len() >= 64 {
                        return Err(PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", "提交的文字内容过长。"));
                    }
                    fields.push((name, text));
                }
            }
        }
        Ok(FormFiles { form: Form { fields }, files })
    }
}

fn csrf_refused() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "页面已过期",
        "表单校验失败（可能页面已过期或来自其他网站），请返回刷新页面后重新提交。",
    )
}

impl Desk {
    /// Every staff form carries the session's token; a form from elsewhere is refused.
    pub fn check(&self, form: &Form) -> Result<(), PageError> {
        if form.get("_csrf") == Some(self.csrf.as_str()) { Ok(()) } else { Err(csrf_refused()) }
    }
}

/// The public forms' token: a random value in a SameSite cookie that the form repeats.
pub struct FormToken {
    pub token: String,
    fresh: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for FormToken {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match cookie(parts, FORM_COOKIE) {
            Some(token) => FormToken { token, fresh: false },
            None => FormToken { token: random_token(), fresh: true },
        })
    }
}

impl FormToken {
    pub fn check(&self, form: &Form) -> Result<(), PageError> {
        if !self.fresh && form.get("_csrf") == Some(self.token.as_str()) { Ok(()) } else { Err(csrf_refused()) }
    }
    /// Add the cookie to a page that shows a form, when the browser has none yet.
    pub fn attach(&self, mut r: Response) -> Response {
        if self.fresh {
            let c = format!("{FORM_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400", self.token);
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().append(SET_COOKIE, v);
            }
        }
        r
    }
}

/// Redirect after a form, with a message for the next page.
pub fn back(to: &str, ok: Option<&str>, err: Option<&str>) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    let url = match (ok, err) {
        (_, Some(e)) => format!("{to}{sep}err={}", enc(e)),
        (Some(o), None) => format!("{to}{sep}ok={}", enc(o)),
        _ => to.to_string(),
    };
    Redirect::to(&url).into_response()
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn opts(list: impl IntoIterator<Item = (&'static str, &'static str)>, current: &str) -> Vec<Opt> {
    list.into_iter().map(|(value, label)| Opt { value, label, selected: value == current }).collect()
}

/// A message carried by `?ok=` or `?err=`.
#[derive(Default, Clone)]
pub struct Flash {
    pub ok: Option<String>,
    pub err: Option<String>,
}
