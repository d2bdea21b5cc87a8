//! A real city's own set-up: the first administrator (`sanfu init`, the first-run page), units,
//! categories and accounts edited, moved and disabled, and all of them imported at once from the
//! template (.xlsx, or CSV in UTF-8 or GBK as Excel saves it on Chinese Windows) — checked
//! whole first, every row's problem named in Chinese, and written in one transaction or not at
//! all.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use sanfu_domain::{Actor, DomainError, Principal, Role, UnitKind, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::write_category;
use crate::db::{Store, StoreError, new_id, now_ms, set_cache};
use crate::events::{self, NewEvent};
use crate::org::{NewUser, User, end_sessions, hash_in_background, write_portfolio, write_unit, write_user};

/// The template's columns, in order.
pub const TEMPLATE_HEADERS: [&str; 9] = ["类型", "编码", "名称", "上级编码", "单位类别", "默认承办单位", "角色", "初始密码", "分管单位"];

/// The template's example rows: a department, a district and a street, a category with its
/// sub-category, a liaison.
pub const TEMPLATE_EXAMPLE: &[[&str; 9]] = &[
    ["单位", "zjj", "市住房和城乡建设局", "gov", "市直部门", "", "", "", ""],
    ["单位", "donghu", "东湖区人民政府", "gov", "县区", "", "", "", ""],
    ["单位", "donghu-hb", "东湖区湖滨街道", "donghu", "街道/乡镇", "", "", "", ""],
    ["分类", "01", "城乡建设", "", "", "", "", "", ""],
    ["分类", "0102", "物业管理", "01", "", "zjj", "", "", ""],
    ["用户", "zjj-ll", "张丽", "zjj", "", "", "承办单位联络员", "Jz#2026-zjj", ""],
];

/// What one import did, or would do.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OrgImport {
    pub units: usize,
    pub categories: usize,
    pub users: usize,
    /// Every row's problem; when not empty, nothing was written.
    pub errors: Vec<RowError>,
    /// Checked only (a preview).
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub message: String,
}

/// Changes to a unit; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    /// A new parent, by id or code; `""` makes it a root.
    pub parent_id: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub parent_id: Option<String>,
    pub default_unit_id: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    pub name: Option<String>,
    pub unit_id: Option<String>,
    pub roles: Option<Vec<String>>,
    pub portfolio: Option<Vec<String>>,
    pub active: Option<bool>,
}

fn system() -> Actor {
    Actor { principal: Principal::System, ip: String::new() }
}

/// A unit kind by its Chinese label or its code.
pub fn unit_kind(s: &str) -> Option<UnitKind> {
    let s = s.trim();
    UnitKind::parse(s).or_else(|| UnitKind::ALL.iter().copied().find(|k| k.label() == s || k.label().replace('/', "") == s))
}

/// Roles by label or code, separated by commas, 、 or spaces.
pub fn roles_of(s: &str) -> Result<Vec<Role>, String> {
    let mut out = Vec::new();
    for part in s.split([',', '，', '、', ' ', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let r = Role::parse(part)
            .or_else(|| Role::ALL.iter().copied().find(|r| r.label() == part))
            .ok_or_else(|| format!("角色“{part}”不存在（可选：{}）", Role::ALL.iter().map(|r| r.label()).collect::<Vec<_>>().join("、")))?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The rows of a spreadsheet or CSV file, as text: .xlsx by its bytes, otherwise CSV in UTF-8
/// (with or without a byte-order mark) or, failing that, GBK (GB 18030), as Excel writes it on
/// Chinese Windows.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, DomainError> {
    let bad = |m: String| DomainError::invalid("invalid_file", m);
    if bytes.starts_with(b"PK\x03\x04") {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| bad(format!("无法读取 Excel 文件：{e}")))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| bad("Excel 文件中没有工作表".into()))?
            .map_err(|e| bad(format!("无法读取 Excel 工作表：{e}")))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (t, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(bad("文件既不是 UTF-8 也不是 GBK 编码的 CSV，也不是 .xlsx 文件".into()));
            }
            t.into_owned()
        }
    };
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(format!("CSV 格式有误：{e}")))?;
        rows.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

/// The template as CSV (UTF-8 with a byte-order mark, so that Excel opens it in Chinese).
pub fn template_csv() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(TEMPLATE_HEADERS);
    for row in TEMPLATE_EXAMPLE {
        let _ = w.write_record(row);
    }
    w.into_inner().unwrap_or_default()
}

/// `rows` in an order where each comes after its parent; `ids` (code → id) holds what is stored
/// already and gains each row. A cycle answers the code of a row in it.
fn parents_first<T>(
    mut pending: Vec<T>,
    ids: &mut HashMap<String, String>,
    id_code: impl Fn(&T) -> (&String, &String),
    parent: impl Fn(&T) -> Option<&str>,
) -> Result<Vec<T>, String> {
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<T>, Vec<T>) = pending.into_iter().partition(|r| parent(r).is_none_or(|p| ids.contains_key(p)));
        for r in &ready {
            let (id, code) = id_code(r);
            ids.insert(code.clone(), id.clone());
        }
        ordered.extend(ready);
        pending = rest;
        if pending.len() == before {
            return Err(id_code(&pending[0]).1.clone());
        }
    }
    Ok(ordered)
}

struct Planned {
    units: Vec<(String, String, String, UnitKind, Option<String>)>,
    categories: Vec<(String, String, String, Option<String>, Option<String>)>,
    users: Vec<(NewUser, String)>,
}

impl Store {
    /// 备份: a consistent copy of the SQLite database at `path`, taken while it serves
    /// (`VACUUM INTO` reads one snapshot; writers go on). PostgreSQL has `pg_dump` for this.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<u64, StoreError> {
        if self.backend() != crate::Backend::Sqlite {
            return Err(DomainError::invalid("not_sqlite", "PostgreSQL 请用 pg_dump 备份，例如：pg_dump -Fc -f sanfu.dump 数据库名").into());
        }
        if path.exists() {
            return Err(DomainError::conflict("backup_exists", format!("{} 已存在，请换一个文件名", path.display())).into());
        }
        let target = path.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(self.pool()).await?;
        Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
    }

    /// The city's name (「江州市」), as set by `init` or the demo.
    pub async fn city_name(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'city'").fetch_optional(self.pool()).await?)
    }

    pub async fn set_city_name(&self, name: &str) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('city', $1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(name).bind(now_ms()).execute(&mut *tx).await?;
            Ok(())
        })
    }

    /// No account exists yet: a new installation, waiting for its first administrator.
    pub async fn needs_setup(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.pool()).await?;
        Ok(n == 0)
    }

    /// 初始化: a new city's first administrator, in the general office of a new city
    /// government (created when the database has no units yet: 「{city}人民政府」 `gov`, its
    /// 办公室 `office` and the office's 12345 hotline centre `hotline`). Refused once any account
    /// exists.
    pub async fn init_city(&self, city: &str, username: &str, name: &str, password: &str) -> Result<User, StoreError> {
        if !self.needs_setup().await? {
            return Err(DomainError::conflict("already_initialised", "系统已经初始化，已有管理员账号").into());
        }
        let city = validate::text("city", "城市名称", city, 20)?;
        validate::code("username", "用户名", username)?;
        validate::text("name", "姓名", name, 50)?;
        validate::password(password, username)?;
        let sys = system();
        self.set_city_name(&city).await?;
        if self.all_units().await?.is_empty() {
            self.create_unit("gov", &format!("{city}人民政府"), UnitKind::Government, None, &sys).await?;
            self.create_unit("office", &format!("{city}人民政府办公室"), UnitKind::Office, Some("gov"), &sys).await?;
            self.create_unit("hotline", "12345政务服务便民热线中心", UnitKind::Section, Some("office"), &sys).await?;
        }
        let unit = match self.unit("office").await? {
            Some(u) => u.id,
            None => self.units().await?.first().map(|u| u.id.clone()).ok_or_else(|| StoreError::Other("no unit".into()))?,
        };
        let user = NewUser { username: username.into(), name: name.into(), password: password.into(), unit_id: unit, roles: vec![Role::Admin], portfolio: vec![] };
        self.create_user(&user, None, &sys).await
    }

    /// 修改单位: rename, change kind, move under another parent (never under itself or its
    /// own units), disable or enable.
    pub async fn update_unit(&self, key: &str, p: &UnitPatch, actor: &Actor) -> Result<crate::org::Unit, StoreError> {
        let all = self.all_units().await?;
        let u = all.iter().find(|u| u.id == key || u.code == key).cloned().ok_or_else(|| DomainError::not_found("unit_not_found", format!("单位“{key}”不存在")))?;
        let name = match &p.name {
            Some(n) => validate::text("name", "单位名称", n, 100)?,
            None => u.name.clone(),
        };
        let kind = match &p.kind {
            Some(k) => unit_kind(k).ok_or_else(|| DomainError::invalid("invalid_unit_kind", format!("单位类别“{k}”不存在")))?,
            None => u.kind,
        };
        let parent_id = match p.parent_id.as_deref().map(str::trim) {
            None => u.parent_id.clone(),
            Some("") => None,
            Some(k) => {
                let parent = self.unit(k).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("上级单位“{k}”不存在")))?;
                let below = crate::org::subtree(&all, std::slice::from_ref(&u.id));
                if below.contains(&parent.id) {
                    return Err(DomainError::invalid("unit_cycle", "不能把单位移到它自己或它的下级单位之下").into());
                }
                Some(parent.id)
            }
        };
        let active = p.active.unwrap_or(u.active);
        if !active && u.active {
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM assignments a JOIN work_items w ON w.id = a.work_id
                 WHERE a.unit_id = $1 AND a.active = 1 AND w.state NOT IN ('closed', 'merged', 'withdrawn')",
            )
            .bind(&u.id)
            .fetch_one(self.pool())
            .await?;
            if open > 0 {
                return Err(DomainError::conflict("unit_has_open_work", format!("该单位还有 {open} 件在办工作，请先改派后再停用")).into());
            }
        }
        in_tx!(self, tx => {
            sqlx::query("UPDATE units SET name = $1, kind = $2, parent_id = $3, active = $4 WHERE id = $5")
                .bind(&name).bind(kind.as_str()).bind(&parent_id).bind(i64::from(active)).bind(&u.id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("unit:{}", u.id), entity_kind: "unit", action: "update", actor,
                from_state: None, to_state: None,
                details: json!({"code": u.code, "name": name, "kind": kind.as_str(), "parent_id": parent_id, "active": active}),
                at: None,
            }).await?;
            Ok(())
        })?;
        set_cache(&self.units_cache, None);
        Ok(crate::org::Unit { name, kind, kind_label: kind.label(), parent_id, active, ..u })
    }

    /// 修改分类: rename, move, change the default unit, disable or enable.
    pub async fn update_category(&self, key: &str, p: &CategoryPatch, actor: &Actor) -> Result<(), StoreError> {
        let row: Option<(String, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, code, name, parent_id, default_unit_id, active FROM categories WHERE id = $1 OR code = $1",
        )
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        let (id, code, old_name, old_parent, old_unit, old_active) =
            row.ok_or_else(|| DomainError::not_found("category_not_found", format!("分类“{key}”不存在")))?;
        let name = match &p.name {
            Some(n) => validate::text("name", "分类名称", n, 100)?,
            None => old_name,
        };
        let parent_id = match p.parent_id.as_deref().map(str::trim) {
            None => old_parent,
            Some("") => None,
            Some(k) => {
                let c = self.category(k).await?.ok_or_else(|| DomainError::invalid("unknown_category", format!("上级分类“{k}”不存在")))?;
                if c.id == id || c.parent_id.as_deref() == Some(id.as_str()) {
                    return Err(DomainError::invalid("category_cycle", "不能把分类移到它自己或它的下级之下").into());
                }
                Some(c.id)
            }
        };
        let default_unit_id = match p.default_unit_id.as_deref().map(str::trim) {
            None => old_unit,
            Some("") => None,
            Some(k) => Some(self.unit(k).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{k}”不存在")))?.id),
        };
        let active = p.active.unwrap_or(old_active == 1);
        in_tx!(self, tx => {
            sqlx::query("UPDATE categories SET name = $1, parent_id = $2, default_unit_id = $3, active = $4 WHERE id = $5")
                .bind(&name).bind(&parent_id).bind(&default_unit_id).bind(i64::from(active)).bind(&id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("category:{id}"), entity_kind: "category", action: "update", actor,
                from_state: None, to_state: None,
                details: json!({"code": code, "name": name, "parent_id": parent_id, "default_unit_id": default_unit_id, "active": active}),
                at: None,
            }).await?;
            Ok(())
        })?;
        set_cache(&self.categories_cache, None);
        Ok(())
    }

    /// 修改账号: name, unit, roles, portfolio; disabling ends every session at once.
    pub async fn update_user(&self, id: &str, p: &UserPatch, actor: &Actor) -> Result<User, StoreError> {
        let users = self.users().await?;
        let u = users.into_iter().find(|u| u.id == id || u.username == id).ok_or_else(|| DomainError::not_found("user_not_found", "用户不存在"))?;
        if actor.user_id() == Some(u.id.as_str()) && p.active == Some(false) {
            return Err(DomainError::invalid("cannot_disable_self", "不能停用自己的账号").into());
        }
        let name = match &p.name {
            Some(n) => validate::text("name", "姓名", n, 50)?,
            None => u.name.clone(),
        };
        let unit_id = match &p.unit_id {
            Some(k) => self.unit(k).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{k}”不存在")))?.id,
            None => u.unit_id.clone(),
        };
        let roles = match &p.roles {
            Some(r) => {
                let roles = roles_of(&r.join(",")).map_err(|m| DomainError::invalid("invalid_role", m))?;
                if roles.is_empty() {
                    return Err(DomainError::invalid("empty_roles", "至少需要一个角色").into());
                }
                roles
            }
            None => u.roles.clone(),
        };
        let portfolio = match &p.portfolio {
            Some(list) => {
                let mut out = Vec::new();
                for k in list {
                    out.push(self.unit(k).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("分管单位“{k}”不存在")))?.id);
                }
                out
            }
            None => u.portfolio.clone(),
        };
        if !portfolio.is_empty() && !roles.contains(&Role::Leader) {
            return Err(DomainError::invalid("portfolio_without_leader", "只有市领导角色可以设置分管单位").into());
        }
        let active = p.active.unwrap_or(u.active);
        let role_codes: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let now = now_ms();
        in_tx!(self, tx => {
            sqlx::query("UPDATE users SET name = $1, unit_id = $2, roles = $3, active = $4 WHERE id = $5")
                .bind(&name).bind(&unit_id).bind(role_codes.join(",")).bind(i64::from(active)).bind(&u.id)
                .execute(&mut *tx).await?;
            write_portfolio(&mut tx, &u.id, &portfolio).await?;
            if !active {
                end_sessions(&mut tx, &u.id, None, now).await?;
            }
            events::append(&mut tx, NewEvent {
                entity_id: &format!("user:{}", u.id), entity_kind: "user", action: "update", actor,
                from_state: None, to_state: None,
                details: json!({"name": name, "unit_id": unit_id, "roles": role_codes, "portfolio": portfolio, "active": active}),
                at: None,
            }).await?;
            Ok(())
        })?;
        self.forget_sessions();
        Ok(User { name, unit_id, roles, portfolio, active, ..u })
    }

    /// 重置密码: a new password (the policy applies); the account's sessions end.
    pub async fn reset_password(&self, id: &str, password: &str, actor: &Actor) -> Result<(), StoreError> {
        let row: Option<(String, String)> = sqlx::query_as("SELECT id, username FROM users WHERE id = $1 OR username = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let (uid, username) = row.ok_or_else(|| DomainError::not_found("user_not_found", "用户不存在"))?;
        validate::password(password, &username)?;
        let hash = hash_in_background(password).await?;
        let now = now_ms();
        in_tx!(self, tx => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(&hash).bind(&uid).execute(&mut *tx).await?;
            end_sessions(&mut tx, &uid, None, now).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("user:{uid}"), entity_kind: "user", action: "reset_password", actor,
                from_state: None, to_state: None, details: json!({}), at: None,
            }).await?;
            Ok(())
        })?;
        self.forget_sessions();
        Ok(())
    }

    /// 批量导入: units, categories and accounts from the template's rows (the first row is
    /// the header). Every row is checked before anything is written; with any problem, or with
    /// `dry_run`, nothing is.
    pub async fn import_org(&self, rows: &[Vec<String>], dry_run: bool, actor: &Actor) -> Result<OrgImport, StoreError> {
        let mut report = OrgImport { dry_run, ..Default::default() };
        let Some(header) = rows.first() else {
            report.errors.push(RowError { line: 1, message: "文件是空的".into() });
            return Ok(report);
        };
        let col: HashMap<&str, usize> = TEMPLATE_HEADERS
            .iter()
            .filter_map(|h| header.iter().position(|c| c.trim().trim_start_matches('\u{feff}') == *h).map(|i| (*h, i)))
            .collect();
        for required in ["类型", "编码", "名称"] {
            if !col.contains_key(required) {
                report.errors.push(RowError { line: 1, message: format!("表头缺少“{required}”列（请使用系统提供的模板）") });
            }
        }
        if !report.errors.is_empty() {
            return Ok(report);
        }
        if rows.len() > 20_001 {
            report.errors.push(RowError { line: 1, message: "一次最多导入 20000 行".into() });
            return Ok(report);
        }
        let units = self.all_units().await?;
        let cats = self.categories().await?;
        let users: HashSet<String> = self.users().await?.into_iter().map(|u| u.username).collect();
        let cell = |r: &Vec<String>, h: &str| col.get(h).and_then(|i| r.get(*i)).map(|s| s.trim().to_string()).unwrap_or_default();
        // Codes the file brings, so that rows may name parents that come later.
        let mut file_units: HashSet<String> = HashSet::new();
        let mut file_cats: HashSet<String> = HashSet::new();
        for r in rows.iter().skip(1) {
            match cell(r, "类型").as_str() {
                "单位" => {
                    file_units.insert(cell(r, "编码"));
                }
                "分类" => {
                    file_cats.insert(cell(r, "编码"));
                }
                _ => {}
            }
        }
        let unit_known = |c: &str| units.iter().any(|u| u.code == c && u.active) || file_units.contains(c);
        let cat_known = |c: &str| cats.iter().any(|x| x.code == c) || file_cats.contains(c);
        let mut plan = Planned { units: vec![], categories: vec![], users: vec![] };
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (i, r) in rows.iter().enumerate().skip(1) {
            let line = i + 1;
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut err = |m: String| report.errors.push(RowError { line, message: m });
            let (kind, code, name, parent) = (cell(r, "类型"), cell(r, "编码"), cell(r, "名称"), cell(r, "上级编码"));
            let field = if kind == "用户" { "username" } else { "code" };
            if let Err(e) = validate::code(field, if kind == "用户" { "用户名" } else { "编码" }, &code) {
                err(e.message);
                continue;
            }
            if !seen.insert((kind.clone(), code.clone())) {
                err(format!("编码“{code}”在文件中重复"));
                continue;
            }
            if let Err(e) = validate::text("name", "名称", &name, 100) {
                err(e.message);
                continue;
            }
            match kind.as_str() {
                "单位" => {
                    if units.iter().any(|u| u.code == code) {
                        err(format!("单位编码“{code}”已存在"));
                        continue;
                    }
                    let Some(k) = unit_kind(&cell(r, "单位类别")) else {
                        err(format!(
                            "单位类别“{}”不存在（可选：{}）",
                            cell(r, "单位类别"),
                            UnitKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
                        ));
                        continue;
                    };
                    if !parent.is_empty() && !unit_known(&parent) {
                        err(format!("上级单位“{parent}”不存在"));
                        continue;
                    }
                    if parent == code {
                        err("单位不能是自己的上级".into());
                        continue;
                    }
                    plan.units.push((new_id(), code, name, k, Some(parent).filter(|p| !p.is_empty())));
                }
                "分类" => {
                    if cats.iter().any(|c| c.code == code) {
                        err(format!("分类编码“{code}”已存在"));
                        continue;
                    }
                    if !parent.is_empty() && !cat_known(&parent) {
                        err(format!("上级分类“{parent}”不存在"));
                        continue;
                    }
                    let unit = cell(r, "默认承办单位");
                    if !unit.is_empty() && !unit_known(&unit) {
                        err(format!("默认承办单位“{unit}”不存在"));
                        continue;
                    }
                    plan.categories.push((new_id(), code, name, Some(parent).filter(|p| !p.is_empty()), Some(unit).filter(|u| !u.is_empty())));
                }
                "用户" => {
                    if users.contains(&code) {
                        err(format!("用户名“{code}”已存在"));
                        continue;
                    }
                    if parent.is_empty() || !unit_known(&parent) {
                        err(format!("所在单位“{parent}”不存在（用户行的“上级编码”填所在单位编码）"));
                        continue;
                    }
                    let roles = match roles_of(&cell(r, "角色")) {
                        Ok(r) if !r.is_empty() => r,
                        Ok(_) => {
                            err("请填写角色".into());
                            continue;
                        }
                        Err(m) => {
                            err(m);
                            continue;
                        }
                    };
                    let password = cell(r, "初始密码");
                    if let Err(e) = validate::password(&password, &code) {
                        err(format!("初始密码不合格：{}", e.message));
                        continue;
                    }
                    let portfolio: Vec<String> =
                        cell(r, "分管单位").split([',', '，', '、', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
                    if let Some(bad) = portfolio.iter().find(|p| !unit_known(p)) {
                        err(format!("分管单位“{bad}”不存在"));
                        continue;
                    }
                    if !portfolio.is_empty() && !roles.contains(&Role::Leader) {
                        err("只有市领导角色可以填写分管单位".into());
                        continue;
                    }
                    plan.users.push((NewUser { username: code, name, password, unit_id: parent, roles, portfolio }, String::new()));
                }
                other => err(format!("类型“{other}”应为 单位、分类 或 用户")),
            }
        }
        report.units = plan.units.len();
        report.categories = plan.categories.len();
        report.users = plan.users.len();
        if !report.errors.is_empty() || dry_run {
            return Ok(report);
        }
        // Parents before children: units and categories in the order their parents allow.
        let mut unit_ids: HashMap<String, String> = units.iter().map(|u| (u.code.clone(), u.id.clone())).collect();
        let ordered = match parents_first(plan.units, &mut unit_ids, |u| (&u.0, &u.1), |u| u.4.as_deref()) {
            Ok(o) => o,
            Err(code) => {
                report.errors.push(RowError { line: 1, message: format!("单位“{code}”的上级关系构成循环") });
                return Ok(report);
            }
        };
        let mut cat_ids: HashMap<String, String> = cats.iter().map(|c| (c.code.clone(), c.id.clone())).collect();
        let cats_ordered = match parents_first(plan.categories, &mut cat_ids, |c| (&c.0, &c.1), |c| c.3.as_deref()) {
            Ok(o) => o,
            Err(code) => {
                report.errors.push(RowError { line: 1, message: format!("分类“{code}”的上级关系构成循环") });
                return Ok(report);
            }
        };
        // Passwords are hashed before the transaction (each takes a moment).
        let mut users_ready = Vec::new();
        for (u, _) in plan.users {
            let hash = hash_in_background(&u.password).await?;
            users_ready.push((u, hash));
        }
        let base_sort = units.len() as i64;
        in_tx!(self, tx => {
            for (n, (id, code, name, kind, parent)) in ordered.iter().enumerate() {
                let parent_id = parent.as_ref().and_then(|p| unit_ids.get(p)).map(String::as_str);
                write_unit(&mut tx, id, code, name, *kind, parent_id, base_sort + n as i64, actor).await?;
            }
            for (id, code, name, parent, unit) in &cats_ordered {
                let parent_id = parent.as_ref().and_then(|p| cat_ids.get(p)).map(String::as_str);
                let unit_id = unit.as_ref().and_then(|u| unit_ids.get(u)).map(String::as_str);
                write_category(&mut tx, id, code, name, parent_id, unit_id, actor).await?;
            }
            for (u, hash) in &users_ready {
                let unit_id = unit_ids.get(&u.unit_id).cloned().unwrap_or_default();
                let portfolio: Vec<String> = u.portfolio.iter().filter_map(|p| unit_ids.get(p).cloned()).collect();
                write_user(&mut tx, &new_id(), u, hash, &unit_id, &portfolio, actor).await?;
            }
            Ok(())
        })?;
        set_cache(&self.units_cache, None);
        set_cache(&self.categories_cache, None);
        self.forget_segmenter();
        Ok(report)
    }
}
