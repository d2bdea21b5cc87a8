//! Units, users, passwords and sessions.

use rand::RngCore;
use sanfu_domain::{Actor, DomainError, ErrorKind, Principal, Role, Staff, UnitKind};
use serde::Serialize;
use serde_json::json;

use std::sync::Arc;

use crate::db::{Store, StoreError, from_ms, new_id, now_ms};
pub use crate::passwords::{bounded, hash_password};
use crate::passwords::{dummy_hash, hash_in_background, short_hash, token_hash, verify_password};
use crate::events::{self, NewEvent};

/// Sessions last 12 hours: a working day with overtime; people log in again the next morning.
const SESSION_MS: i64 = 12 * 3600 * 1000;
/// The window failed logins are counted in.
const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failed logins of one account from one address per window before that address is refused.
const PAIR_LIMIT: i64 = 5;
/// Failed logins from one address per window, whatever the accounts (password spraying).
const ADDRESS_LIMIT: i64 = 30;
/// Failures of one account from all addresses after which each attempt is delayed.
const SLOW_AFTER: i64 = 5;
const MAX_DELAY_MS: u64 = 8_000;
/// Longest username and password read at login: a longer one cannot be an account's.
pub const MAX_USERNAME: usize = 64;
pub const MAX_PASSWORD: usize = 256;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub kind_label: &'static str,
    pub parent_id: Option<String>,
    /// A disabled unit (停用) takes no new work and is offered nowhere; its history stays.
    pub active: bool,
    /// The name's pinyin initials (南湖区望江街道 → nhqwjjd), what operators type to find it.
    pub initials: String,
    /// Its answers to citizens go through its head before they leave it (单位审核).
    pub answer_review: bool,
}

/// The pinyin initials of a name, lower case; letters and digits kept as they are.
pub fn initials(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => Some(p.first_letter().chars().next().unwrap_or(c)),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}



#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    pub unit_id: String,
    pub roles: Vec<Role>,
    pub portfolio: Vec<String>,
    pub active: bool,
    /// When the account last logged in, and how many of its sessions are live.
    pub last_login: Option<chrono::DateTime<chrono::Utc>>,
    pub live_sessions: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub password: String,
    pub unit_id: String,
    pub roles: Vec<Role>,
    /// For leaders: the units of their portfolio (分管领域).
    pub portfolio: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub ip: String,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CachedSession {
    session_id: String,
    staff: Staff,
    expires_at: i64,
    cached_at: i64,
}

/// Live sessions recently looked up: token hash → (session id, user, expiry, when cached).
/// Emptied by every logout and revocation in this process, and each entry trusted for a few
/// seconds only, so a revocation made elsewhere takes effect within that time.
type SessionCache = std::sync::RwLock<std::collections::HashMap<String, CachedSession>>;

/// How long a looked-up session is trusted without asking the database again.
const SESSION_CACHE_MS: i64 = 5_000;

/// What a user may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Units(Vec<String>),
}

impl Scope {
    /// The units read, or None for all of them.
    pub fn into_units(self) -> Option<Vec<String>> {
        match self {
            Scope::All => None,
            Scope::Units(u) => Some(u),
        }
    }
}

/// End the live sessions of `user_id` — all, or only `session_id` — in the caller's
/// transaction; returns how many ended.
pub(crate) async fn end_sessions(tx: &mut sqlx::AnyConnection, user_id: &str, session_id: Option<&str>, now: i64) -> Result<u64, StoreError> {
    let q = match session_id {
        Some(sid) => sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(user_id)
            .bind(sid),
        None => sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL").bind(now).bind(user_id),
    };
    Ok(q.execute(&mut *tx).await?.rows_affected())
}

/// Set a leader's portfolio (分管单位) to `units`, in the caller's transaction.
pub(crate) async fn write_portfolio(tx: &mut sqlx::AnyConnection, user_id: &str, units: &[String]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM leader_units WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    for u in units {
        sqlx::query("INSERT INTO leader_units (user_id, unit_id) VALUES ($1, $2)").bind(user_id).bind(u).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Write a new unit and its event (in the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_unit(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    code: &str,
    name: &str,
    kind: UnitKind,
    parent_id: Option<&str>,
    sort: i64,
    actor: &Actor,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO units (id, code, name, kind, parent_id, sort, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)")
        .bind(id).bind(code).bind(name).bind(kind.as_str()).bind(parent_id).bind(sort).bind(now_ms())
        .execute(&mut *tx).await?;
    events::append(tx, NewEvent {
        entity_id: &format!("unit:{id}"), entity_kind: "unit", action: "create", actor,
        from_state: None, to_state: None,
        details: json!({"code": code, "name": name, "kind": kind.as_str(), "parent_id": parent_id}),
        at: None,
    }).await?;
    Ok(())
}

/// Write a new account (its password already hashed), its portfolio and its event.
pub(crate) async fn write_user(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    u: &NewUser,
    hash: &str,
    unit_id: &str,
    portfolio: &[String],
    actor: &Actor,
) -> Result<(), StoreError> {
    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
    sqlx::query("INSERT INTO users (id, username, name, password_hash, unit_id, roles, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)")
        .bind(id).bind(&u.username).bind(&u.name).bind(hash).bind(unit_id).bind(roles.join(",")).bind(now_ms())
        .execute(&mut *tx).await?;
    write_portfolio(tx, id, portfolio).await?;
    events::append(tx, NewEvent {
        entity_id: &format!("user:{id}"), entity_kind: "user", action: "create", actor,
        from_state: None, to_state: None,
        details: json!({"username": u.username, "name": u.name, "unit_id": unit_id, "roles": roles, "portfolio": portfolio}),
        at: None,
    }).await?;
    Ok(())
}

type UnitRow = (String, String, String, String, Option<String>, i64, i64);

fn unit_from_row((id, code, name, kind, parent_id, active, answer_review): UnitRow) -> Unit {
    let kind = UnitKind::parse(&kind).unwrap_or(UnitKind::Department);
    Unit { initials: initials(&name), id, code, name, kind, kind_label: kind.label(), parent_id, active: active == 1, answer_review: answer_review == 1 }
}

/// `roots` and every unit below them.
pub fn subtree(units: &[Unit], roots: &[String]) -> Vec<String> {
    let mut out: Vec<String> = roots.to_vec();
    let mut i = 0;
    while i < out.len() {
        let cur = out[i].clone();
        for u in units {
            if u.parent_id.as_deref() == Some(cur.as_str()) && !out.contains(&u.id) {
                out.push(u.id.clone());
            }
        }
        i += 1;
    }
    out
}

impl Store {
    /// The units in service, in the tree's order.
    pub async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        Ok(self.units_shared().await?.iter().filter(|u| u.active).cloned().collect())
    }

    /// Every unit, disabled ones too (administration; names of past work).
    pub async fn all_units(&self) -> Result<Vec<Unit>, StoreError> {
        Ok(self.units_shared().await?.as_ref().clone())
    }

    pub(crate) async fn units_shared(&self) -> Result<Arc<Vec<Unit>>, StoreError> {
        if let Some(u) = self.slots.get::<Vec<Unit>>() {
            return Ok(u);
        }
        let rows: Vec<UnitRow> = sqlx::query_as(
            "SELECT id, code, name, kind, parent_id, active, answer_review FROM units ORDER BY sort, code",
        )
        .fetch_all(self.pool())
        .await?;
        let v = Arc::new(rows.into_iter().map(unit_from_row).collect::<Vec<_>>());
        self.slots.set(Some(v.clone()));
        Ok(v)
    }

    /// A unit in service, by id or by code, or else by its full name (as offices write it in
    /// a spreadsheet or a form).
    pub async fn unit(&self, key: &str) -> Result<Option<Unit>, StoreError> {
        let units = self.units_shared().await?;
        let key = key.trim();
        Ok(units
            .iter()
            .find(|u| u.active && (u.id == key || u.code == key))
            .or_else(|| units.iter().find(|u| u.active && !key.is_empty() && u.name == key))
            .cloned())
    }

    pub async fn create_unit(
        &self,
        code: &str,
        name: &str,
        kind: UnitKind,
        parent: Option<&str>,
        actor: &Actor,
    ) -> Result<Unit, StoreError> {
        sanfu_domain::validate::code("code", "单位编码", code)?;
        let name = sanfu_domain::validate::text("name", "单位名称", name, 100)?;
        let name = name.as_str();
        let parent_id = match parent {
            None => None,
            Some(p) => match self.unit(p).await? {
                Some(u) => Some(u.id),
                None => return Err(DomainError::invalid("unknown_unit", format!("上级单位“{p}”不存在")).into()),
            },
        };
        let id = new_id();
        let sort: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(self.pool()).await?;
        let res = in_tx!(self, tx => write_unit(&mut tx, &id, code, name, kind, parent_id.as_deref(), sort, actor).await);
        match res {
            Err(e) if e.is_unique_violation() => {
                Err(DomainError::conflict("duplicate_code", format!("单位编码“{code}”已存在")).into())
            }
            Err(e) => Err(e),
            Ok(()) => {
                self.slots.set::<Vec<Unit>>(None);
                Ok(Unit { id, initials: initials(name), code: code.into(), name: name.into(), kind, kind_label: kind.label(), parent_id, active: true, answer_review: false })
            }
        }
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<(String, String, String, String, String, i64)> =
            sqlx::query_as("SELECT id, username, name, unit_id, roles, active FROM users ORDER BY username")
                .fetch_all(self.pool())
                .await?;
        let portfolio: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, unit_id FROM leader_units").fetch_all(self.pool()).await?;
        let sessions: std::collections::HashMap<String, (i64, i64)> = sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT user_id, MAX(created_at), SUM(CASE WHEN revoked_at IS NULL AND expires_at > $1 THEN 1 ELSE 0 END) FROM sessions GROUP BY user_id",
        )
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|(u, last, live)| (u, (last, live)))
        .collect();
        Ok(rows
            .into_iter()
            .map(|(id, username, name, unit_id, roles, active)| User {
                portfolio: portfolio.iter().filter(|(u, _)| *u == id).map(|(_, unit)| unit.clone()).collect(),
                last_login: sessions.get(&id).map(|s| from_ms(s.0)),
                live_sessions: sessions.get(&id).map(|s| s.1).unwrap_or(0),
                id,
                username,
                name,
                unit_id,
                roles: parse_roles(&roles),
                active: active == 1,
            })
            .collect())
    }

    /// Create a user. `password_hash` may be given to reuse a hash (the demo accounts share one).
    pub async fn create_user(&self, u: &NewUser, password_hash: Option<&str>, actor: &Actor) -> Result<User, StoreError> {
        if u.roles.is_empty() {
            return Err(DomainError::invalid("empty_roles", "至少需要一个角色").into());
        }
        sanfu_domain::validate::code("username", "用户名", &u.username)?;
        sanfu_domain::validate::text("name", "姓名", &u.name, 50)?;
        if password_hash.is_none() {
            sanfu_domain::validate::password(&u.password, &u.username)?;
        }
        if self.unit(&u.unit_id).await?.is_none() {
            return Err(DomainError::invalid("unknown_unit", format!("单位“{}”不存在", u.unit_id)).into());
        }
        for p in &u.portfolio {
            if self.unit(p).await?.is_none() {
                return Err(DomainError::invalid("unknown_unit", format!("分管单位“{p}”不存在")).into());
            }
        }
        let hash = match password_hash {
            Some(h) => h.to_string(),
            None => hash_in_background(&u.password).await?,
        };
        let unit_id = self.unit(&u.unit_id).await?.map(|x| x.id).unwrap_or_default();
        let mut portfolio = Vec::new();
        for p in &u.portfolio {
            if let Some(x) = self.unit(p).await? {
                portfolio.push(x.id);
            }
        }
        let id = new_id();
        let res = in_tx!(self, tx => write_user(&mut tx, &id, u, &hash, &unit_id, &portfolio, actor).await);
        match res {
            Err(e) if e.is_unique_violation() => {
                Err(DomainError::conflict("duplicate_username", format!("用户名“{}”已存在", u.username)).into())
            }
            Err(e) => Err(e),
            Ok(()) => Ok(User {
                id,
                username: u.username.clone(),
                name: u.name.clone(),
                unit_id,
                roles: u.roles.clone(),
                portfolio,
                active: true,
                last_login: None,
                live_sessions: 0,
            }),
        }
    }

    /// Check a password and open a session. Returns the session token (shown once) and the user.
    ///
    /// Throttling, in the order OWASP's authentication advice gives: each attempt is counted
    /// *before* the password is checked (atomically, so simultaneous guesses each take a turn),
    /// and a success takes its count back. One address may fail [`PAIR_LIMIT`] times on one
    /// account and [`ADDRESS_LIMIT`] times in all per window; beyond that it is refused without
    /// a check (429). Failures on an account from everywhere only slow it down (a delay doubling
    /// from a quarter of a second to [`MAX_DELAY_MS`]), so an attacker elsewhere cannot lock a
    /// real user out. An unknown name costs the same hash work as a known one.
    pub async fn login(&self, username: &str, password: &str, ip: &str, user_agent: Option<&str>) -> Result<(String, Staff), StoreError> {
        if username.chars().count() > MAX_USERNAME || password.len() > MAX_PASSWORD {
            return Err(DomainError::invalid("credentials_too_long", "用户名或密码过长").into());
        }
        let now = now_ms();
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT id, password_hash, active FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(self.pool())
                .await?;
        let (entity, account_key) = match &row {
            Some((id, _, _)) => (format!("user:{id}"), format!("login-account:{id}")),
            None => {
                let h = short_hash(&username.to_lowercase());
                (format!("login:{h}"), format!("login-name:{h}"))
            }
        };
        let ip_key = format!("login-ip:{}", bounded(ip, 64));
        let pair_key = format!("{account_key}@{}", bounded(ip, 64));
        let counts = self.throttle_hit(&[ip_key.clone(), pair_key.clone()], THROTTLE_WINDOW_MS).await?;
        if counts[0] > ADDRESS_LIMIT || counts[1] > PAIR_LIMIT {
            return Err(DomainError::new(ErrorKind::TooMany, "too_many_attempts", "登录失败次数过多，请 15 分钟后再试").into());
        }
        // Only attempts that are checked count against the account: an address already refused
        // cannot go on lengthening the real user's delay.
        let by_account = self.throttle_hit(std::slice::from_ref(&account_key), THROTTLE_WINDOW_MS).await?[0];
        if by_account > SLOW_AFTER {
            let ms = (250u64 << (by_account - SLOW_AFTER - 1).min(6)).min(MAX_DELAY_MS);
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        let (pw, h, can) = match &row {
            Some((_, hash, active)) => (password.to_string(), hash.clone(), *active == 1),
            None => (password.to_string(), dummy_hash().to_string(), false),
        };
        let checked = tokio::task::spawn_blocking(move || verify_password(&pw, &h))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let ok = checked && can;
        let anon = Actor { principal: Principal::System, ip: ip.to_string() };
        let Some((user_id, _, _)) = row.filter(|_| ok) else {
            in_tx!(self, tx => {
                events::append(&mut tx, NewEvent {
                    entity_id: &entity, entity_kind: "user", action: "login_failed", actor: &anon,
                    from_state: None, to_state: None, details: json!({"username": bounded(username, 32)}), at: None,
                }).await?;
                Ok(())
            })?;
            return Err(DomainError::new(ErrorKind::Unauthenticated, "bad_credentials", "用户名或密码不正确").into());
        };
        self.throttle_settle(&[pair_key, account_key], &ip_key).await?;
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let staff = self.staff(&user_id).await?.ok_or_else(|| StoreError::Other("user vanished".into()))?;
        let actor = Actor { principal: Principal::Staff(staff.clone()), ip: ip.to_string() };
        let session_id = new_id();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO sessions (token_hash, id, user_id, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(token_hash(&token)).bind(&session_id).bind(&user_id).bind(now).bind(now + SESSION_MS).bind(ip).bind(user_agent)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &entity, entity_kind: "user", action: "login", actor: &actor,
                from_state: None, to_state: None, details: json!({"session_id": session_id}), at: None,
            }).await?;
            Ok(())
        })?;
        Ok((token, staff))
    }

    /// The user behind a session token, if the session is live.
    pub async fn session_staff(&self, token: &str) -> Result<Option<(String, Staff)>, StoreError> {
        let key = token_hash(token);
        let now = now_ms();
        let hit = match self.slots.get_or_default::<SessionCache>().read() {
            Ok(c) => c.get(&key).cloned(),
            Err(p) => p.into_inner().get(&key).cloned(),
        };
        if let Some(c) = hit && now < c.expires_at && now - c.cached_at < SESSION_CACHE_MS {
            return Ok(Some((c.session_id, c.staff)));
        }
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT s.id, s.user_id, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(&key)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some((sid, uid, expires_at)) = row else { return Ok(None) };
        let Some(staff) = self.staff(&uid).await? else { return Ok(None) };
        let entry = CachedSession { session_id: sid.clone(), staff: staff.clone(), expires_at, cached_at: now };
        match self.slots.get_or_default::<SessionCache>().write() {
            Ok(mut c) => {
                if c.len() > 10_000 {
                    c.clear();
                }
                c.insert(key, entry);
            }
            Err(p) => {
                p.into_inner().insert(key, entry);
            }
        }
        Ok(Some((sid, staff)))
    }

    pub(crate) fn forget_sessions(&self) {
        match self.slots.get_or_default::<SessionCache>().write() {
            Ok(mut c) => c.clear(),
            Err(p) => p.into_inner().clear(),
        }
    }

    pub async fn staff(&self, user_id: &str) -> Result<Option<Staff>, StoreError> {
        let row: Option<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.username, u.name, u.unit_id, n.name, u.roles FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        let Some((user_id, username, name, unit_id, unit_name, roles)) = row else { return Ok(None) };
        let roles = parse_roles(&roles);
        let mut portfolio = Vec::new();
        if roles.contains(&Role::Leader) {
            let roots: Vec<String> = sqlx::query_scalar("SELECT unit_id FROM leader_units WHERE user_id = $1")
                .bind(&user_id)
                .fetch_all(self.pool())
                .await?;
            portfolio = subtree(&self.units().await?, &roots);
        }
        Ok(Some(Staff { user_id, username, name, unit_id, unit_name, roles, portfolio }))
    }

    pub async fn logout(&self, session_id: &str, actor: &Actor) -> Result<(), StoreError> {
        let uid = actor.user_id().unwrap_or_default().to_string();
        self.forget_sessions();
        let res = in_tx!(self, tx => {
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms()).bind(session_id).execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &format!("user:{uid}"), entity_kind: "user", action: "logout", actor,
                from_state: None, to_state: None, details: json!({"session_id": session_id}), at: None,
            }).await?;
            Ok(())
        });
        self.forget_sessions();
        res
    }

    pub async fn sessions_of(&self, user_id: &str, current: &str) -> Result<Vec<SessionInfo>, StoreError> {
        let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT id, created_at, expires_at, ip FROM sessions
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, c, e, ip)| SessionInfo {
                current: id == current,
                id,
                created_at: from_ms(c),
                expires_at: from_ms(e),
                ip,
            })
            .collect())
    }

    /// Revoke sessions of `user_id`: one (`session_id`) or all. Returns how many were revoked.
    pub async fn revoke_sessions(&self, user_id: &str, session_id: Option<&str>, actor: &Actor) -> Result<u64, StoreError> {
        if self.staff(user_id).await?.is_none() {
            return Err(DomainError::not_found("user_not_found", "用户不存在").into());
        }
        self.forget_sessions();
        let res = in_tx!(self, tx => {
            let n = end_sessions(&mut tx, user_id, session_id, now_ms()).await?;
            // A session that is not this user's live one: nothing happened, so nothing is recorded.
            if session_id.is_some() && n == 0 {
                return Err(DomainError::not_found("session_not_found", "没有这个会话").into());
            }
            events::append(&mut tx, NewEvent {
                entity_id: &format!("user:{user_id}"), entity_kind: "user", action: "revoke_sessions", actor,
                from_state: None, to_state: None, details: json!({"session_id": session_id, "revoked": n}), at: None,
            }).await?;
            Ok(n)
        });
        self.forget_sessions();
        res
    }

    /// What `staff` may read.
    /// Every unit's name by id.
    /// Names of users by id.
    pub(crate) async fn user_names(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        Ok(sqlx::query_as::<_, (String, String)>("SELECT id, name FROM users").fetch_all(self.pool()).await?.into_iter().collect())
    }

    pub(crate) async fn unit_names(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        Ok(self.all_units().await?.into_iter().map(|u| (u.id, u.name)).collect())
    }

    pub fn scope_of(staff: &Staff) -> Scope {
        if staff.sees_all() {
            Scope::All
        } else if staff.has(Role::Leader) {
            let mut v = staff.portfolio.clone();
            if !v.contains(&staff.unit_id) {
                v.push(staff.unit_id.clone());
            }
            Scope::Units(v)
        } else {
            Scope::Units(vec![staff.unit_id.clone()])
        }
    }
}

fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
}

impl Store {
    /// The city leaders in service: (user name, name), for pickers.
    pub async fn leaders(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT username, name, roles FROM users WHERE active = 1 ORDER BY username").fetch_all(self.pool()).await?;
        Ok(rows.into_iter().filter(|r| parse_roles(&r.2).contains(&Role::Leader)).map(|r| (r.0, r.1)).collect())
    }
}
