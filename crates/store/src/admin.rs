//! A real city's own set-up: the first administrator (`sanfu init`, the first-run page), and
//! units, categories and accounts edited, moved and disabled. Their import from the template
//! is in `org_import`.

use sanfu_domain::{Actor, DomainError, Principal, Role, UnitKind, validate};
use serde::Deserialize;
use serde_json::json;

use crate::db::{Store, StoreError, now_ms};
use crate::events::{self, NewEvent};
use crate::org::{NewUser, User, end_sessions, write_portfolio};
use crate::passwords::hash_in_background;

pub use crate::org_import::{OrgImport, RowError, TEMPLATE_EXAMPLE, TEMPLATE_HEADERS, read_table, template_csv};

/// Changes to a unit; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    /// A new parent, by id or code; `""` makes it a root.
    pub parent_id: Option<String>,
    pub active: Option<bool>,
    /// Its answers go through its head before they leave it (单位审核).
    pub answer_review: Option<bool>,
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
    /// A setting kept as JSON under `key`, or the default until someone sets it.
    pub(crate) async fn json_setting<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> Result<T, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(self.pool()).await?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
    }

    /// Keep `value` as JSON under `key`, with the event `action` in the log.
    pub(crate) async fn set_json_setting<T: serde::Serialize>(&self, key: &str, value: &T, action: &str, actor: &Actor) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).unwrap_or_default();
        in_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key).bind(&json).bind(now_ms())
            .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: "settings", entity_kind: "settings", action, actor,
                from_state: None, to_state: None, details: serde_json::json!(value), at: None,
            }).await?;
            Ok(())
        })
    }

    pub async fn city_name(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'city'").fetch_optional(self.pool()).await?)
    }

    pub async fn set_city_name(&self, name: &str) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('city', $1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(name).bind(now_ms()).execute(&mut *tx).await?;
            crate::changes::mark(&mut tx, crate::changes::SETTINGS).await?;
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
        let answer_review = p.answer_review.unwrap_or(u.answer_review);
        if !active && u.active {
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM assignments a JOIN work_items w ON w.id = a.work_id
                 WHERE a.unit_id = $1 AND a.active = 1 AND w.closed_at IS NULL",
            )
            .bind(&u.id)
            .fetch_one(self.pool())
            .await?;
            if open > 0 {
                return Err(DomainError::conflict("unit_has_open_work", format!("该单位还有 {open} 件在办工作，请先改派后再停用")).into());
            }
        }
        in_tx!(self, tx => {
            sqlx::query("UPDATE units SET name = $1, kind = $2, parent_id = $3, active = $4, answer_review = $5 WHERE id = $6")
                .bind(&name).bind(kind.as_str()).bind(&parent_id).bind(i64::from(active)).bind(i64::from(answer_review)).bind(&u.id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("unit:{}", u.id), entity_kind: "unit", action: "update", actor,
                from_state: None, to_state: None,
                details: json!({"code": u.code, "name": name, "kind": kind.as_str(), "parent_id": parent_id, "active": active, "answer_review": answer_review}),
                at: None,
            }).await?;
            Ok(())
        })?;
        self.slots.set::<Vec<crate::org::Unit>>(None);
        Ok(crate::org::Unit { initials: crate::org::initials(&name), name, kind, kind_label: kind.label(), parent_id, active, answer_review, ..u })
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
        self.slots.set::<Vec<crate::hotline::catalog::Category>>(None);
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
}
