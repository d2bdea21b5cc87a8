//! 系统管理, one page per subject: units, accounts, categories, time limits, the calendar,
//! API keys, dispatch (model, automatic dispatch, rules), the city dictionary, and the import
//! of a city's organisation from the template. Lists have search and paging.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sanfu_domain::hotline::{OrderType, TimeLimits, Urgency};
use sanfu_domain::{Role, UnitKind};
use sanfu_store::Store;
use sanfu_store::org::Unit;
use serde::Deserialize;

use super::desk::{Nav, authed, nav, off};
use super::hotline::{CategoryOption, category_options};
use super::{Desk, Flash, Form, PageError, PageResult, back, enc, fmt_time, render};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::admin::{CategoryBody, UserBody, add_category, add_user};

/// The subjects, in the order of the tabs.
const SECTIONS: [(&str, &str); 10] = [
    ("units", "单位"),
    ("users", "账号"),
    ("categories", "诉求分类"),
    ("limits", "办理时限"),
    ("calendar", "节假日与工作时间"),
    ("import", "批量导入"),
    ("public", "公众提交"),
    ("keys", "接口密钥"),
    ("dispatch", "智能派单"),
    ("words", "城市词典"),
];

const PER_PAGE: usize = 50;

// ---------------------------------------------------------------- administration

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    flash: Flash,
    section: &'static str,
    section_label: &'static str,
    sections: Vec<(&'static str, &'static str)>,
    q: String,
    page: usize,
    pages: usize,
    total: usize,
    units: Vec<UnitRow>,
    users: Vec<UserRow>,
    categories: Vec<CategoryOption>,
    category_rows: Vec<CategoryRow>,
    limits: Vec<LimitView>,
    years: Vec<i32>,
    hours: String,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    all_units: Vec<Unit>,
    model: String,
    auto: sanfu_store::hotline::suggest::AutoDispatch,
    auto_percent: u32,
    rules: Vec<sanfu_store::hotline::suggest::Rule>,
    words: Vec<String>,
    /// The administrators' synonym groups, one per line as the form shows them.
    synonyms: String,
    builtin_synonyms: Vec<String>,
    desk: sanfu_store::desk::DeskSettings,
    keys: Vec<KeyRow>,
    new_key: Option<String>,
    import: Option<sanfu_store::admin::OrgImport>,
    counts: Vec<(&'static str, &'static str, usize)>,
    public_limits: sanfu_store::throttle::PublicLimits,
}

pub struct CategoryRow {
    pub code: String,
    pub label: String,
    pub parent: String,
    pub unit_code: String,
    pub unit: String,
}

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub active: bool,
}

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub parent: String,
    pub depth: usize,
    pub active: bool,
    pub answer_review: bool,
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub unit: String,
    pub roles: String,
    pub active: bool,
    pub last_login: String,
    pub live_sessions: i64,
    /// Codes of a leader's portfolio.
    pub portfolio: String,
}

pub struct LimitView {
    pub order_type: &'static str,
    pub order_type_label: &'static str,
    pub urgency: &'static str,
    pub urgency_label: &'static str,
    pub sign: String,
    pub return_window: String,
    pub answer: String,
    pub close: String,
    pub max_extension_days: u32,
    pub warn_percent: u32,
}

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    q: Option<String>,
    page: Option<usize>,
    ok: Option<String>,
    err: Option<String>,
    key: Option<String>,
}

/// `/admin`: the overview, with a card per subject.
pub async fn admin(State(st): State<AppState>, d: Desk, Query(q): Query<AdminQuery>) -> PageResult {
    section_page(&st, &d, "", q, None).await
}

/// `/admin/import`: the template and the upload.
pub async fn import_page(State(st): State<AppState>, d: Desk, Query(q): Query<AdminQuery>) -> PageResult {
    section_page(&st, &d, "import", q, None).await
}

/// `/admin/{section}`.
pub async fn admin_section(State(st): State<AppState>, d: Desk, Path(section): Path<String>, Query(q): Query<AdminQuery>) -> PageResult {
    section_page(&st, &d, &section, q, None).await
}

fn depth_of(units: &[Unit], u: &Unit) -> usize {
    let mut n = 0;
    let mut p = u.parent_id.clone();
    while let Some(id) = p {
        n += 1;
        p = units.iter().find(|x| x.id == id).and_then(|x| x.parent_id.clone());
        if n > 10 {
            break;
        }
    }
    n
}

/// One page of `items` for the query: (page number, pages, total, the page's items).
fn paged<T>(items: Vec<T>, page: Option<usize>) -> (usize, usize, usize, Vec<T>) {
    let total = items.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
    (page, pages, total, items.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect())
}

async fn section_page(st: &AppState, d: &Desk, section: &str, q: AdminQuery, import: Option<sanfu_store::admin::OrgImport>) -> PageResult {
    d.require(d.is_admin(), "系统管理")?;
    let (section, section_label) = match SECTIONS.iter().find(|(s, _)| *s == section) {
        Some((s, l)) => (*s, *l),
        None if section.is_empty() => ("", "概览"),
        None => return Err(PageError::new(StatusCode::NOT_FOUND, "页面不存在", "没有这个管理页面。")),
    };
    let query = q.q.clone().unwrap_or_default().trim().to_string();
    let hit = |parts: &[&str]| query.is_empty() || parts.iter().any(|p| p.contains(query.as_str()));
    let all = st.store.all_units().await?;
    let name_of = |id: &str| all.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    let code_of = |id: &str| all.iter().find(|u| u.id == id).map(|u| u.code.clone()).unwrap_or_default();
    let (mut page, mut pages, mut total) = (1, 1, 0);
    let mut units = Vec::new();
    let mut users = Vec::new();
    let mut category_rows = Vec::new();
    let off = off(st);
    match section {
        "units" => {
            let rows: Vec<UnitRow> = all
                .iter()
                .filter(|u| hit(&[&u.name, &u.code]))
                .map(|u| UnitRow {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    kind: u.kind.label(),
                    kind_code: u.kind.as_str(),
                    parent: u.parent_id.as_deref().map(code_of).unwrap_or_default(),
                    depth: if query.is_empty() { depth_of(&all, u) } else { 0 },
                    active: u.active,
                    answer_review: u.answer_review,
                })
                .collect();
            (page, pages, total, units) = paged(rows, q.page);
        }
        "users" => {
            let rows: Vec<UserRow> = st
                .store
                .users()
                .await?
                .into_iter()
                .filter(|u| hit(&[&u.username, &u.name, &name_of(&u.unit_id)]))
                .map(|u| UserRow {
                    id: u.id.clone(),
                    unit: name_of(&u.unit_id),
                    roles: u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
                    username: u.username,
                    name: u.name,
                    active: u.active,
                    last_login: u.last_login.map(|t| fmt_time(t, off)).unwrap_or_else(|| "从未登录".into()),
                    portfolio: u.portfolio.iter().map(|p| code_of(p)).collect::<Vec<_>>().join(","),
                    live_sessions: u.live_sessions,
                })
                .collect();
            (page, pages, total, users) = paged(rows, q.page);
        }
        "categories" => {
            let cats = st.store.categories().await?;
            let rows: Vec<CategoryRow> = cats
                .iter()
                .filter(|c| hit(&[&c.name, &c.code]))
                .map(|c| CategoryRow {
                    code: c.code.clone(),
                    label: c.name.clone(),
                    parent: c.parent_id.as_ref().and_then(|p| cats.iter().find(|x| &x.id == p)).map(|x| x.code.clone()).unwrap_or_default(),
                    unit_code: c.default_unit_id.as_deref().map(code_of).unwrap_or_default(),
                    unit: c.default_unit_id.as_deref().map(name_of).unwrap_or_default(),
                })
                .collect();
            (page, pages, total, category_rows) = paged(rows, q.page);
        }
        _ => {}
    }
    let limits = if section == "limits" {
        st.store
            .time_limits()
            .await?
            .into_iter()
            .map(|l| LimitView {
                order_type: l.order_type.as_str(),
                order_type_label: l.order_type_label,
                urgency: l.urgency.as_str(),
                urgency_label: l.urgency_label,
                sign: l.limits.sign.label(),
                return_window: l.limits.return_window.label(),
                answer: l.limits.answer.label(),
                close: l.limits.close.label(),
                max_extension_days: l.limits.max_extension_days,
                warn_percent: l.limits.warn_percent,
            })
            .collect()
    } else {
        Vec::new()
    };
    let cal = st.store.calendar();
    let auto = st.store.auto_dispatch_setting().await?;
    // Each list is read once, and only on the page that shows it (the overview counts them).
    let overview = section.is_empty();
    let keys: Vec<KeyRow> = if overview || section == "keys" {
        st.store
            .api_keys()
            .await?
            .into_iter()
            .map(|k| KeyRow { id: k.id, name: k.name, created: fmt_time(k.created_at, off), active: k.active })
            .filter(|k| hit(&[&k.name]))
            .collect()
    } else {
        Vec::new()
    };
    let rules: Vec<sanfu_store::hotline::suggest::Rule> = if section == "dispatch" {
        st.store.dispatch_rules().await?.into_iter().filter(|r| hit(&[&r.keyword, &r.unit_name])).collect()
    } else {
        Vec::new()
    };
    let words: Vec<String> =
        if section == "words" { st.store.city_dictionary().await?.into_iter().filter(|w| hit(&[w])).collect() } else { Vec::new() };
    match section {
        "keys" => total = keys.len(),
        "dispatch" => total = rules.len(),
        "words" => total = words.len(),
        _ => {}
    }
    let active_units = all.iter().filter(|u| u.active).cloned().collect::<Vec<_>>();
    let categories = category_options(&st.store).await?;
    let counts = if overview {
        vec![
            ("units", "个单位", active_units.len()),
            ("users", "个账号", st.store.users().await?.len()),
            ("categories", "个诉求分类", st.store.categories().await?.len()),
            ("keys", "个有效接口密钥", keys.iter().filter(|k| k.active).count()),
        ]
    } else {
        Vec::new()
    };
    let model = if section == "dispatch" {
        match st.store.dispatch_model_info().await? {
            Some((at, n)) => format!("{} 用 {n} 条工单训练", fmt_time(at, off)),
            None => "尚未训练（已派单的工单不足 20 条时无法训练）".into(),
        }
    } else {
        String::new()
    };
    let (synonyms, builtin_synonyms) = if section == "words" {
        let mine: Vec<String> = st.store.synonyms().await?.iter().map(|g| g.join(" ")).collect();
        (mine.join("\n"), sanfu_store::search::BUILTIN_SYNONYMS.iter().map(|g| g.join("/")).collect())
    } else {
        (String::new(), Vec::new())
    };
    let p = AdminPage {
        synonyms,
        builtin_synonyms,
        desk: st.store.desk_settings().await?,
        nav: nav(st, d, "admin").await?,
        flash: Flash { ok: q.ok.clone(), err: q.err.clone() },
        section,
        section_label,
        sections: SECTIONS.to_vec(),
        q: query.clone(),
        page,
        pages,
        total,
        units,
        users,
        categories,
        category_rows,
        limits,
        years: cal.years().collect(),
        hours: cal.hours().to_string(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        kinds: UnitKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        all_units: active_units,
        model,
        auto_percent: (auto.min_confidence * 100.0).round() as u32,
        auto,
        rules,
        words,
        keys,
        new_key: q.key.clone(),
        import,
        counts,
        public_limits: st.store.public_limits().await?,
    };
    Ok(render(&p))
}

pub async fn admin_post(State(st): State<AppState>, d: Desk, Path(what): Path<String>, form: Form) -> PageResult {
    d.check(&form)?;
    d.require(d.is_admin(), "系统管理")?;
    let a = authed(&d);
    let t = |k: &str| form.text(k).unwrap_or_default();
    let result: Result<String, ApiError> = match what.as_str() {
        "users" => add_user(
            &st.store,
            &a,
            UserBody {
                username: t("username"),
                name: t("name"),
                password: form.get("password").unwrap_or_default().to_string(),
                unit_id: t("unit_id"),
                roles: form.all("roles"),
                portfolio: form.all("portfolio"),
            },
        )
        .await
        .map(|u| format!("已创建账号 {}", u.username)),
        "categories" => add_category(
            &st.store,
            &a,
            CategoryBody { code: t("code"), name: t("name"), parent_id: form.text("parent_id"), default_unit_id: form.text("default_unit_id") },
        )
        .await
        .map(|c| format!("已创建分类 {}", c.name)),
        "calendar" => st
            .store
            .load_schedule(form.get("csv").unwrap_or_default(), "web", &d.actor)
            .await
            .map(|y| format!("已载入 {} 年节假日安排", y.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("、")))
            .map_err(ApiError::from),
        "time-limits" => set_limits(&st.store, &d, &form).await,
        "train" => match st.store.train_dispatch().await {
            Ok(Some(r)) => Ok(format!("已用 {} 条工单重新训练智能派单（{:.1} 秒）", r.orders, r.seconds)),
            Ok(None) => Err(ApiError::unprocessable("too_few_orders", "已派单的工单不足 20 条，暂不能训练")),
            Err(e) => Err(ApiError::from(e)),
        },
        "auto-dispatch" => {
            let percent = t("min_confidence").parse::<f32>().unwrap_or(95.0);
            let setting = sanfu_store::hotline::suggest::AutoDispatch { enabled: form.checked("enabled"), min_confidence: percent / 100.0 };
            st.store.set_auto_dispatch(setting, &d.actor).await.map_err(ApiError::from).map(|s| {
                if s.enabled {
                    format!("已开启自动派单：群众自行提交的诉求，建议置信度达到 {}% 时直接派至承办单位", percent.round())
                } else {
                    "已关闭自动派单".into()
                }
            })
        }
        "synonyms" => super::admin_forms::save_synonyms(&st, &d, &form).await,
        "desk" => super::admin_forms::save_desk(&st, &d, &form).await,
        "rules" => st
            .store
            .add_dispatch_rule(&t("keyword"), &t("unit_id"), form.text("category_id").as_deref(), &d.actor)
            .await
            .map(|r| format!("已新增派单规则：含“{}”的诉求派至{}", r.keyword, r.unit_name))
            .map_err(ApiError::from),
        "words" => {
            let words: Vec<String> = form.get("words").unwrap_or_default().split(|c: char| c.is_whitespace() || c == '，' || c == ',' || c == '、').filter(|w| !w.is_empty()).map(str::to_string).collect();
            match st.store.add_city_words(&words, &d.actor).await {
                Ok(n) => {
                    // Older orders are indexed again with the new words, in the background.
                    st.store.rebuild_search_in_background();
                    Ok(format!("已加入城市词典 {n} 个词；全文索引正在后台重建，智能派单在下次训练后使用新词"))
                }
                Err(e) => Err(ApiError::from(e)),
            }
        }
        "unit-create" => {
            let kind = sanfu_store::admin::unit_kind(&t("kind")).ok_or_else(|| ApiError::unprocessable("invalid_unit_kind", "请选择单位类别"));
            match kind {
                Ok(kind) => st
                    .store
                    .create_unit(&t("code"), &t("name"), kind, form.text("parent").as_deref(), &d.actor)
                    .await
                    .map(|u| format!("已新增单位 {}", u.name))
                    .map_err(ApiError::from),
                Err(e) => Err(e),
            }
        }
        "unit-update" => {
            let patch = sanfu_store::admin::UnitPatch {
                name: form.text("name"),
                kind: form.text("kind"),
                parent_id: form.get("parent").map(|p| p.trim().to_string()),
                active: form.get("active").map(|v| v == "true"),
                answer_review: form.get("answer_review").map(|v| v == "true"),
            };
            st.store.update_unit(&t("code"), &patch, &d.actor).await.map(|u| format!("已保存单位 {}{}", u.name, if u.active { "" } else { "（已停用）" })).map_err(ApiError::from)
        }
        "category-update" => {
            let patch = sanfu_store::admin::CategoryPatch {
                name: form.text("name"),
                parent_id: form.get("parent").map(|p| p.trim().to_string()),
                default_unit_id: form.get("default_unit").map(|p| p.trim().to_string()),
                active: form.get("active").map(|v| v == "true"),
            };
            st.store.update_category(&t("code"), &patch, &d.actor).await.map(|_| format!("已保存分类 {}", t("code"))).map_err(ApiError::from)
        }
        "user-update" => {
            let patch = sanfu_store::admin::UserPatch {
                name: form.text("name"),
                unit_id: form.text("unit_id"),
                roles: (!form.all("roles").is_empty()).then(|| form.all("roles")),
                portfolio: form.get("portfolio").map(|p| p.split([',', '，', '、', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()),
                active: form.get("active").map(|v| v == "true"),
            };
            st.store
                .update_user(&t("id"), &patch, &d.actor)
                .await
                .map(|u| format!("已保存账号 {}{}", u.username, if u.active { "" } else { "（已停用，登录会话已全部结束）" }))
                .map_err(ApiError::from)
        }
        "user-password" => st
            .store
            .reset_password(&t("id"), form.get("password").unwrap_or_default(), &d.actor)
            .await
            .map(|_| "已重置密码，该账号的登录会话已全部结束".to_string())
            .map_err(ApiError::from),
        "user-sessions" => st
            .store
            .revoke_sessions(&t("id"), None, &d.actor)
            .await
            .map(|n| format!("已结束 {n} 个登录会话"))
            .map_err(ApiError::from),
        "public-limits" => {
            let n = |k: &str| t(k).parse::<i64>().unwrap_or(0);
            let l = sanfu_store::throttle::PublicLimits {
                per_address: n("per_address"),
                per_address_photos: n("per_address_photos"),
                per_phone: n("per_phone"),
                challenge_after: n("challenge_after"),
            };
            st.store.set_public_limits(l, &d.actor).await.map(|_| "已保存公众提交限制".to_string()).map_err(ApiError::from)
        }
        "key-revoke" => st.store.revoke_api_key(&t("id"), &d.actor).await.map(|_| "已吊销接口密钥".to_string()).map_err(ApiError::from),
        "keys" => {
            // The key is shown once, on the page the administrator lands on.
            return Ok(match st.store.create_api_key(&t("name"), &d.actor).await {
                Ok((k, secret)) => Redirect::to(&format!(
                    "/admin/keys?ok={}&key={}",
                    enc(&format!("已为“{}”生成接口密钥，请立即复制，离开本页后不再显示", k.name)),
                    enc(&secret)
                ))
                .into_response(),
                Err(e) => back("/admin/keys", None, Some(&ApiError::from(e).message)),
            });
        }
        other => Err(ApiError::not_found("unknown_form", format!("没有“{other}”这个表单"))),
    };
    let here = format!("/admin/{}", section_of(&what));
    Ok(match result {
        Ok(msg) => back(&here, Some(&msg), None),
        Err(e) => back(&here, None, Some(&e.message)),
    })
}

/// The page a form belongs to.
fn section_of(form: &str) -> &'static str {
    match form {
        "users" | "user-update" | "user-password" | "user-sessions" => "users",
        "categories" | "category-update" => "categories",
        "unit-create" | "unit-update" => "units",
        "calendar" => "calendar",
        "time-limits" => "limits",
        "train" | "auto-dispatch" | "rules" => "dispatch",
        "words" | "synonyms" => "words",
        "desk" => "limits",
        "key-revoke" => "keys",
        "public-limits" => "public",
        _ => "",
    }
}

async fn set_limits(store: &Store, d: &Desk, form: &Form) -> Result<String, ApiError> {
    let t = OrderType::parse(form.get("order_type").unwrap_or_default())
        .ok_or_else(|| ApiError::unprocessable("unknown_order_type", "诉求类型不存在"))?;
    let u = Urgency::parse(form.get("urgency").unwrap_or_default())
        .ok_or_else(|| ApiError::unprocessable("unknown_urgency", "紧急程度不存在"))?;
    let num = |k: &str| form.text(k).and_then(|s| s.parse::<u32>().ok());
    let json = serde_json::json!({
        "sign": form.text("sign"), "return_window": form.text("return_window"),
        "answer": form.text("answer"), "close": form.text("close"),
        "max_extension_days": num("max_extension_days"), "warn_percent": num("warn_percent"),
    });
    let limits: TimeLimits = serde_json::from_value(json)
        .map_err(|e| ApiError::unprocessable("invalid_time_limits", format!("时限格式不正确（如 2wh、5wd、30min、24h）：{e}")))?;
    store.set_limits(t, u, &limits, &d.actor).await?;
    Ok(format!("已保存“{}·{}”的办理时限", t.label(), u.label()))
}

/// `POST /admin/import`: the filled template uploaded (multipart), checked or imported.
pub async fn import(State(st): State<AppState>, d: Desk, ff: crate::pages::FormFiles) -> PageResult {
    d.check(&ff.form)?;
    d.require(d.is_admin(), "系统管理")?;
    let mode = ff.form.text("mode").unwrap_or_default();
    let Some((_, file)) = ff.files.into_iter().next() else {
        return Ok(back("/admin/import", None, Some("请选择要上传的模板文件")));
    };
    let rows = sanfu_store::admin::read_table(&file).map_err(|e| PageError::from(ApiError::from(e)))?;
    let report = st.store.import_org(&rows, mode != "import", &d.actor).await?;
    let q = AdminQuery {
        ok: report.errors.is_empty().then(|| {
            if report.dry_run {
                format!("检查通过：可导入 {} 个单位、{} 个分类、{} 个账号。确认无误后请选择同一文件点击“导入”。", report.units, report.categories, report.users)
            } else {
                format!("已导入 {} 个单位、{} 个分类、{} 个账号", report.units, report.categories, report.users)
            }
        }),
        err: (!report.errors.is_empty()).then(|| format!("文件有 {} 处问题，未导入任何数据，请修改后重新上传", report.errors.len())),
        ..Default::default()
    };
    let mut r = section_page(&st, &d, "import", q, Some(report.clone())).await?;
    if !report.errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}
