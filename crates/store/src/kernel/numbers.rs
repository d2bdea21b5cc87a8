//! One numbering service for every kind: a series per kind, issuing code (机关代字) and
//! period, in the `counters` table. A number is taken by one `UPDATE … RETURNING` on the
//! series' row, so two requests never get the same one on either database; a series that must
//! not skip takes it inside the item's own transaction (a failure gives it back), the others
//! in a short transaction of their own on PostgreSQL, so that registrations do not queue on the
//! counter's row lock for the whole of their transaction (a failure leaves a gap, never a twin).

use chrono::{DateTime, Datelike, Utc};
use sanfu_domain::DomainError;
use sanfu_domain::kernel::{KindSpec, Period};
use sqlx::AnyConnection;

use sanfu_domain::{Actor, Role};

use crate::db::{Backend, Store, StoreError, now_ms};
use crate::events::{self, NewEvent};

/// Which series a number comes from.
#[derive(Debug, Clone)]
pub struct Series {
    pub kind: &'static str,
    /// The issuing code (`江政办发`), or empty.
    pub code: String,
    pub year: i32,
    /// YYYYMMDD, local.
    pub date: String,
    period: Period,
    gapless: bool,
}

impl Series {
    /// The counter's name: per kind, code and period.
    fn counter(&self) -> String {
        let period = match self.period {
            Period::Day => self.date.clone(),
            Period::Year => self.year.to_string(),
        };
        if self.code.is_empty() { format!("{}:{period}", self.kind) } else { format!("{}:{}:{period}", self.kind, self.code) }
    }
}

/// `format` with the series and `n` filled in.
pub fn format_number(format: &str, s: &Series, n: i64) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let field = &rest[i + 1..i + j];
        match field {
            "code" => out.push_str(&s.code),
            "year" => out.push_str(&s.year.to_string()),
            "date" => out.push_str(&s.date),
            "n" => out.push_str(&n.to_string()),
            f if f.starts_with("n:") => {
                let width: usize = f[2..].trim_start_matches('0').parse().unwrap_or(0);
                out.push_str(&format!("{n:0width$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

fn setting_key(kind: &str, code: &str) -> String {
    format!("number_format:{kind}:{code}")
}

/// Formats read recently: series key → (format, when read, ms). Trusted for a few seconds, so
/// that a registration does not read the settings each time and a change made by another
/// server is seen soon.
type FormatCache = std::sync::RwLock<std::collections::HashMap<String, (String, i64)>>;

const FORMAT_CACHE_MS: i64 = 10_000;

impl Store {
    /// The series an item of `spec` under `code` takes its number from at `now`.
    pub fn series(&self, spec: &KindSpec, code: &str, now: DateTime<Utc>) -> Series {
        let local = now.with_timezone(&self.offset());
        Series {
            kind: spec.name,
            code: code.to_string(),
            year: local.year(),
            date: local.format("%Y%m%d").to_string(),
            period: spec.numbering.period,
            gapless: spec.numbering.gapless,
        }
    }

    /// Another server set a format.
    pub(crate) fn forget_number_formats(&self) {
        match self.slots.get_or_default::<FormatCache>().write() {
            Ok(mut c) => c.clear(),
            Err(p) => p.into_inner().clear(),
        }
    }

    /// The format of a series: the administrator's, else the kind's own.
    pub async fn number_format(&self, spec: &KindSpec, code: &str) -> Result<String, StoreError> {
        let key = setting_key(spec.name, code);
        let cache = self.slots.get_or_default::<FormatCache>();
        let now = now_ms();
        let hit = match cache.read() {
            Ok(c) => c.get(&key).cloned(),
            Err(p) => p.into_inner().get(&key).cloned(),
        };
        if let Some((format, _)) = hit.filter(|(_, at)| now - at < FORMAT_CACHE_MS) {
            return Ok(format);
        }
        let set: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(&key).fetch_optional(self.pool()).await?;
        let format = set.map(|(v,)| v).unwrap_or_else(|| spec.numbering.format.to_string());
        match cache.write() {
            Ok(mut c) => c.insert(key, (format.clone(), now)),
            Err(p) => p.into_inner().insert(key, (format.clone(), now)),
        };
        Ok(format)
    }

    /// Set the format of a series (it must hold `{n}`, so that numbers differ), recorded in the
    /// event log. Only administrators may.
    pub async fn set_number_format(&self, spec: &KindSpec, code: &str, format: &str, actor: &Actor) -> Result<(), StoreError> {
        if !actor.staff().is_some_and(|s| s.has(Role::Admin)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有系统管理员可以设置编号格式").into());
        }
        let format = format.trim();
        let code = code.trim();
        if !(format.contains("{n}") || format.contains("{n:")) || format.chars().count() > 60 {
            return Err(DomainError::invalid("invalid_number_format", "编号格式须含序号 {n}（如“督〔{year}〕{n}号”），且不超过 60 个字符").into());
        }
        if code.chars().count() > 20 || code.contains(':') {
            return Err(DomainError::invalid("invalid_issuing_code", "机关代字不超过 20 个字符，且不含冒号").into());
        }
        in_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(setting_key(spec.name, code))
            .bind(format)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            events::append(&mut tx, NewEvent {
                entity_id: "settings", entity_kind: "settings", action: "set_number_format", actor,
                from_state: None, to_state: None,
                details: serde_json::json!({ "kind": spec.name, "code": code, "format": format }), at: None,
            }).await?;
            Ok(())
        })?;
        match self.slots.get_or_default::<FormatCache>().write() {
            Ok(mut c) => c.clear(),
            Err(p) => p.into_inner().clear(),
        }
        Ok(())
    }

    /// The formats in force: every kind's own series, and each issuing code an administrator
    /// has set one for: (kind, code, format).
    pub async fn number_formats(&self) -> Result<Vec<(&'static str, String, String)>, StoreError> {
        let set: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'number_format:%' ORDER BY key").fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for spec in self.kind_specs() {
            let prefix = format!("number_format:{}:", spec.name);
            if !set.iter().any(|(k, _)| *k == prefix) {
                out.push((spec.name, String::new(), spec.numbering.format.to_string()));
            }
            for (k, v) in set.iter().filter(|(k, _)| k.starts_with(&prefix)) {
                out.push((spec.name, k[prefix.len()..].to_string(), v.clone()));
            }
        }
        Ok(out)
    }

    /// Before the item's transaction: a number taken in a transaction of its own, when the
    /// series may skip and the database is PostgreSQL; `None` means take it with
    /// [`Store::number_in`] inside the item's transaction.
    pub(crate) async fn number_ahead(&self, s: &Series, format: &str) -> Result<Option<Ahead>, StoreError> {
        if s.gapless || self.backend() == Backend::Sqlite {
            return Ok(None);
        }
        let mut tx = self.pool().begin().await?;
        // It commits without waiting for the disk: the item's own commit, later in the same
        // write-ahead log, makes both durable together.
        sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
        let counter = s.counter();
        let n = next(&mut tx, &counter).await?;
        tx.commit().await?;
        Ok(Some(Ahead { number: format_number(format, s, n), value: n, counter, at: std::time::Instant::now() }))
    }

    /// Inside the item's transaction.
    pub(crate) async fn number_in(&self, conn: &mut AnyConnection, s: &Series, format: &str) -> Result<String, StoreError> {
        Ok(format_number(format, s, next(conn, &s.counter()).await?))
    }
}

/// A number taken ahead of its item's transaction.
#[derive(Debug, Clone)]
pub(crate) struct Ahead {
    number: String,
    value: i64,
    counter: String,
    at: std::time::Instant,
}

impl Ahead {
    /// The number, in the item's transaction. Its counter's step was committed without waiting
    /// for the standby: if the primary died since and the item's write is being run again on the
    /// new primary, that step may be missing there, and the new primary would issue the number
    /// a second time. When this process saw the failover, a fresh number is taken; otherwise
    /// (one host behind a virtual address) the counter is moved up to the number where it is
    /// behind — an update that matches no row (and locks none) in the usual case.
    pub(crate) async fn take(&self, store: &Store, conn: &mut AnyConnection, s: &Series, format: &str) -> Result<String, StoreError> {
        // Taken on a primary that has since failed over: the new primary may issue the same
        // number to another item before this transaction could move its counter, so a number
        // is taken afresh, here, on the new primary.
        if self.stale(store) {
            return store.number_in(conn, s, format).await;
        }
        raise(conn, &self.counter, self.value).await?;
        Ok(self.number.clone())
    }

    /// Whether this process saw the database fail over since the number was taken: it must
    /// then be taken afresh, in the item's transaction (see [`Ahead::take`]).
    pub(crate) fn stale(&self, store: &Store) -> bool {
        store.hosts.as_ref().is_some_and(|h| h.switched_after(self.at))
    }

    /// The number, and the counter that is to be at least its value when the item commits: a
    /// group commit moves each counter up once for the whole group ([`raise`]).
    pub(crate) fn parts(&self) -> (&str, &str, i64) {
        (&self.number, &self.counter, self.value)
    }
}

/// Move counter `name` up to `value` where it is behind: an update that matches no row (and
/// locks none) in the usual case, where the number was taken ahead on this same database.
pub(crate) async fn raise(conn: &mut AnyConnection, name: &str, value: i64) -> Result<(), StoreError> {
    let moved = sqlx::query("UPDATE counters SET value = $1 WHERE name = $2 AND value < $1")
        .bind(value)
        .bind(name)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved == 0 {
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn next(conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
    // One statement: the counter is created at 1 or moved on by one.
    let v: i64 = sqlx::query_scalar(
        "INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(v)
}
