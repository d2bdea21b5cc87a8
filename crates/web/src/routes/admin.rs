//! Units, users, categories and time limits: everyone logged in reads them, administrators
//! change them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use sanfu_domain::validate;
use sanfu_domain::hotline::{OrderType, TimeLimits, Urgency};
use sanfu_domain::{Role, UnitKind};
use sanfu_store::org::NewUser;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Json};

type JsonOut = axum::Json<Value>;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    /// Part of the name, the name's pinyin initials (`nhqwj`) or the code.
    q: Option<String>,
    /// At most this many, best first (default 20 with `q`; every unit without it).
    limit: Option<usize>,
}

/// `GET /api/units[?q=望江]`: the units in service, or those that answer `q` best first.
pub async fn units(State(st): State<AppState>, _a: Authed, axum::extract::Query(q): axum::extract::Query<UnitQuery>) -> ApiResult<JsonOut> {
    match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(axum::Json(json!({ "units": st.store.units().await? }))),
        Some(text) => {
            if text.chars().count() > 50 {
                return Err(ApiError::unprocessable("query_too_long", "查询文字过长（最多 50 字）"));
            }
            let limit = q.limit.unwrap_or(20).clamp(1, 200);
            Ok(axum::Json(json!({ "units": st.store.search_units(text, limit).await? })))
        }
    }
}

/// `GET /api/admin/desk-settings`: the ranking's minimum and the export cap.
pub async fn desk_settings(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    if !(a.staff.has(Role::Admin) || a.staff.has(Role::OfficeStaff) || a.staff.is_hotline()) {
        return Err(ApiError::forbidden("not_allowed_for_user", "只有办公室、热线中心和系统管理员可以查看工作台设置"));
    }
    Ok(axum::Json(json!({ "settings": st.store.desk_settings().await? })))
}

/// `PUT /api/admin/desk-settings {ranking_min_orders, export_max_rows}`.
pub async fn set_desk_settings(State(st): State<AppState>, a: Authed, Json(b): Json<sanfu_store::desk::DeskSettings>) -> ApiResult<JsonOut> {
    if !(a.staff.has(Role::Admin) || a.staff.has(Role::OfficeStaff)) {
        return Err(ApiError::forbidden("not_allowed_for_user", "只有办公室和系统管理员可以修改工作台设置"));
    }
    Ok(axum::Json(json!({ "settings": st.store.set_desk_settings(b, &a.actor).await? })))
}

/// Public: the citizens' form needs the categories too.
pub async fn categories(State(st): State<AppState>) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "categories": st.store.categories().await? })))
}

pub async fn time_limits(State(st): State<AppState>, _a: Authed) -> ApiResult<JsonOut> {
    Ok(axum::Json(json!({ "time_limits": st.store.time_limits().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UnitBody {
    code: String,
    name: String,
    kind: String,
    parent_id: Option<String>,
}

fn code_field(v: &str) -> Result<String, ApiError> {
    let v = v.trim();
    validate::code("code", "编码", v)?;
    Ok(v.to_string())
}

pub async fn create_unit(State(st): State<AppState>, a: Authed, Json(b): Json<UnitBody>) -> ApiResult<(StatusCode, JsonOut)> {
    a.require(Role::Admin)?;
    let code = code_field(&b.code)?;
    let name = validate::text("name", "单位名称", &b.name, 100)?;
    let kind = UnitKind::parse(b.kind.trim())
        .ok_or_else(|| ApiError::unprocessable("invalid_unit_kind", format!("单位类型“{}”不存在", b.kind)))?;
    if kind != UnitKind::Government && b.parent_id.as_deref().unwrap_or("").is_empty() {
        return Err(ApiError::unprocessable("missing_parent", "请选择上级单位"));
    }
    let u = st.store.create_unit(&code, &name, kind, b.parent_id.as_deref().filter(|s| !s.is_empty()), &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "unit": u }))))
}

pub async fn users(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "users": st.store.users().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserBody {
    pub username: String,
    pub name: String,
    pub password: String,
    pub unit_id: String,
    pub roles: Vec<String>,
    #[serde(default)]
    pub portfolio: Vec<String>,
}

pub async fn create_user(State(st): State<AppState>, a: Authed, Json(b): Json<UserBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let u = add_user(&st.store, &a, b).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "user": u }))))
}

/// Create an account (administrators), for the API and the admin page.
pub async fn add_user(store: &sanfu_store::Store, a: &Authed, b: UserBody) -> Result<sanfu_store::org::User, ApiError> {
    a.require(Role::Admin)?;
    let username = code_field(&b.username).map_err(|_| ApiError::unprocessable("invalid_username", "用户名应为 1～64 位字母、数字、短横线或下划线"))?;
    let name = validate::text("name", "姓名", &b.name, 50)?;
    let mut roles = Vec::new();
    for r in &b.roles {
        roles.push(Role::parse(r.trim()).ok_or_else(|| ApiError::unprocessable("invalid_role", format!("角色“{r}”不存在")))?);
    }
    if !b.portfolio.is_empty() && !roles.contains(&Role::Leader) {
        return Err(ApiError::unprocessable("portfolio_without_leader", "只有市领导角色可以设置分管单位"));
    }
    Ok(store
        .create_user(&NewUser { username, name, password: b.password, unit_id: b.unit_id, roles, portfolio: b.portfolio }, None, &a.actor)
        .await?)
}

pub async fn revoke_sessions(State(st): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let n = st.store.revoke_sessions(&id, None, &a.actor).await?;
    Ok(axum::Json(json!({ "revoked": n })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CategoryBody {
    pub code: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub default_unit_id: Option<String>,
}

pub async fn create_category(State(st): State<AppState>, a: Authed, Json(b): Json<CategoryBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let c = add_category(&st.store, &a, b).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "category": c }))))
}

/// Create a category (administrators), for the API and the admin page.
pub async fn add_category(store: &sanfu_store::Store, a: &Authed, b: CategoryBody) -> Result<sanfu_store::hotline::catalog::Category, ApiError> {
    a.require(Role::Admin)?;
    let code = code_field(&b.code)?;
    let name = validate::text("name", "分类名称", &b.name, 100)?;
    Ok(store
        .create_category(
            &code,
            &name,
            b.parent_id.as_deref().filter(|s| !s.is_empty()),
            b.default_unit_id.as_deref().filter(|s| !s.is_empty()),
            &a.actor,
        )
        .await?)
}

pub async fn set_time_limits(
    State(st): State<AppState>,
    a: Authed,
    Path((t, u)): Path<(String, String)>,
    Json(b): Json<TimeLimits>,
) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    let t = OrderType::parse(&t).ok_or_else(|| ApiError::not_found("unknown_order_type", format!("诉求类型“{t}”不存在")))?;
    let u = Urgency::parse(&u).ok_or_else(|| ApiError::not_found("unknown_urgency", format!("紧急程度“{u}”不存在")))?;
    st.store.set_limits(t, u, &b, &a.actor).await?;
    Ok(axum::Json(json!({ "order_type": t, "urgency": u, "limits": st.store.limits_for(t, u).await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApiKeyBody {
    name: String,
}

/// A key for a machine client (an Open311 app); the key is in this answer only.
pub async fn create_api_key(State(st): State<AppState>, a: Authed, Json(b): Json<ApiKeyBody>) -> ApiResult<(StatusCode, JsonOut)> {
    a.require(Role::Admin)?;
    let (key, secret) = st.store.create_api_key(&b.name, &a.actor).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "api_key": secret, "key": key }))))
}

// ---------------------------------------------------------------- a city of its own

/// `GET /api/admin/units`: every unit, disabled ones too.
pub async fn all_units(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "units": st.store.all_units().await? })))
}

/// `PUT /api/admin/units/{key} {name?, kind?, parent_id?, active?}`.
pub async fn update_unit(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<sanfu_store::admin::UnitPatch>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "unit": st.store.update_unit(&key, &b, &a.actor).await? })))
}

/// `PUT /api/admin/categories/{key} {name?, parent_id?, default_unit_id?, active?}`.
pub async fn update_category(State(st): State<AppState>, a: Authed, Path(key): Path<String>, Json(b): Json<sanfu_store::admin::CategoryPatch>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    st.store.update_category(&key, &b, &a.actor).await?;
    Ok(axum::Json(json!({ "category": st.store.category(&key).await? })))
}

/// `PUT /api/admin/users/{id} {name?, unit_id?, roles?, portfolio?, active?}`; disabling ends
/// the account's sessions.
pub async fn update_user(State(st): State<AppState>, a: Authed, Path(id): Path<String>, Json(b): Json<sanfu_store::admin::UserPatch>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "user": st.store.update_user(&id, &b, &a.actor).await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    password: String,
}

/// `POST /api/admin/users/{id}/password {password}`: reset; the account's sessions end.
pub async fn reset_password(State(st): State<AppState>, a: Authed, Path(id): Path<String>, Json(b): Json<PasswordBody>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    st.store.reset_password(&id, &b.password, &a.actor).await?;
    Ok(axum::Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    format: Option<String>,
}

/// `GET /api/admin/org-template?format=xlsx|csv`: the template for units, categories and
/// accounts, with example rows.
pub async fn org_template(a: Authed, axum::extract::Query(q): axum::extract::Query<TemplateQuery>) -> ApiResult<axum::response::Response> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    a.require(Role::Admin)?;
    let name = crate::export::disposition("单位分类账号导入模板", if q.format.as_deref() == Some("csv") { "csv" } else { "xlsx" });
    if q.format.as_deref() == Some("csv") {
        return Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, name)], sanfu_store::admin::template_csv()).into_response());
    }
    let bytes = crate::export::template_xlsx()?;
    Ok(([(CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()), (CONTENT_DISPOSITION, name)], bytes).into_response())
}

#[derive(Deserialize)]
pub struct ImportQuery {
    dry_run: Option<bool>,
}

/// `POST /api/admin/org-import[?dry_run=true]` with the filled template as the body (.xlsx, or
/// CSV in UTF-8 or GBK): every row checked, problems named by line; nothing imported unless the
/// whole file is clean (422 with `errors` otherwise).
pub async fn org_import(
    State(st): State<AppState>,
    a: Authed,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, JsonOut)> {
    a.require(Role::Admin)?;
    let rows = sanfu_store::admin::read_table(&body)?;
    let r = st.store.import_org(&rows, q.dry_run.unwrap_or(false), &a.actor).await?;
    let status = if r.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let message = if r.errors.is_empty() {
        if r.dry_run {
            format!("检查通过：可导入 {} 个单位、{} 个分类、{} 个账号", r.units, r.categories, r.users)
        } else {
            format!("已导入 {} 个单位、{} 个分类、{} 个账号", r.units, r.categories, r.users)
        }
    } else {
        format!("文件有 {} 处问题，未导入任何数据", r.errors.len())
    };
    let code = if r.errors.is_empty() { "ok" } else { "invalid_rows" };
    Ok((status, axum::Json(json!({ "code": code, "message": message, "result": r }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SetupBody {
    city: String,
    username: String,
    name: String,
    password: String,
}

/// `POST /api/setup {city, username, name, password}`: the first administrator of a new
/// installation; refused (409) once any account exists.
pub async fn setup(State(st): State<AppState>, Json(b): Json<SetupBody>) -> ApiResult<(StatusCode, JsonOut)> {
    let u = st.store.init_city(&b.city, &b.username, &b.name, &b.password).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "user": u }))))
}

/// `GET/PUT /api/admin/public-limits {per_address, per_address_photos, per_phone, challenge_after}`:
/// how much the public may submit per hour, and when the form asks a question.
pub async fn get_public_limits(State(st): State<AppState>, a: Authed) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "public_limits": st.store.public_limits().await? })))
}

pub async fn set_public_limits(State(st): State<AppState>, a: Authed, Json(b): Json<sanfu_store::throttle::PublicLimits>) -> ApiResult<JsonOut> {
    a.require(Role::Admin)?;
    Ok(axum::Json(json!({ "public_limits": st.store.set_public_limits(b, &a.actor).await? })))
}
