//! Configuration that administrators keep: the category tree and the time limits per order
//! type and urgency.

use sanfu_domain::limits::Limit;
use sanfu_domain::hotline::{OrderType, TimeLimits, Urgency, default_limits};
use sanfu_domain::{Actor, DomainError};
use serde::Serialize;
use serde_json::json;

use std::sync::Arc;

use crate::db::{Store, StoreError, new_id, now_ms};
use crate::events::{self, NewEvent};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub id: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub default_unit_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LimitRow {
    pub order_type: OrderType,
    pub order_type_label: &'static str,
    pub urgency: Urgency,
    pub urgency_label: &'static str,
    #[serde(flatten)]
    pub limits: TimeLimits,
}

fn parse_limit(s: &str) -> Result<Limit, StoreError> {
    s.parse().map_err(StoreError::Other)
}

/// Write a new category and its event (in the caller's transaction).
pub(crate) async fn write_category(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    code: &str,
    name: &str,
    parent_id: Option<&str>,
    default_unit_id: Option<&str>,
    actor: &Actor,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO categories (id, code, name, parent_id, default_unit_id, active) VALUES ($1, $2, $3, $4, $5, 1)")
        .bind(id).bind(code).bind(name).bind(parent_id).bind(default_unit_id)
        .execute(&mut *tx).await?;
    events::append(tx, NewEvent {
        entity_id: &format!("category:{id}"), entity_kind: "category", action: "create", actor,
        from_state: None, to_state: None,
        details: json!({"code": code, "name": name, "parent_id": parent_id, "default_unit_id": default_unit_id}),
        at: None,
    }).await?;
    Ok(())
}

impl Store {
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        Ok(self.categories_shared().await?.as_ref().clone())
    }

    async fn categories_shared(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        if let Some(c) = self.slots.get::<Vec<Category>>() {
            return Ok(c);
        }
        let rows: Vec<(String, String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, code, name, parent_id, default_unit_id FROM categories WHERE active = 1 ORDER BY code",
        )
        .fetch_all(self.pool())
        .await?;
        let v = Arc::new(
            rows.into_iter()
                .map(|(id, code, name, parent_id, default_unit_id)| Category { id, code, name, parent_id, default_unit_id })
                .collect::<Vec<_>>(),
        );
        self.slots.set(Some(v.clone()));
        Ok(v)
    }

    /// A category as the pickers show it: 「城乡建设 › 物业管理」, or its name at the top.
    pub async fn category_path(&self, c: &Category) -> Result<String, StoreError> {
        let cats = self.categories_shared().await?;
        Ok(match c.parent_id.as_ref().and_then(|p| cats.iter().find(|x| &x.id == p)) {
            Some(p) => format!("{} › {}", p.name, c.name),
            None => c.name.clone(),
        })
    }

    /// A category by id or code, or as a picker shows it: its path (「城乡建设 › 物业管理」) or its
    /// name when only one category has it.
    pub async fn category(&self, id: &str) -> Result<Option<Category>, StoreError> {
        let cats = self.categories_shared().await?;
        let id = id.trim();
        if let Some(c) = cats.iter().find(|c| c.id == id || c.code == id) {
            return Ok(Some(c.clone()));
        }
        let name_of = |p: &Option<String>| p.as_ref().and_then(|p| cats.iter().find(|c| &c.id == p)).map(|c| c.name.as_str());
        let (parent, leaf) = match id.rsplit_once('›') {
            Some((p, l)) => (Some(p.trim()), l.trim()),
            None => (None, id),
        };
        let mut named = cats.iter().filter(|c| c.name == leaf && parent.is_none_or(|p| name_of(&c.parent_id) == Some(p)));
        Ok(match (named.next(), named.next()) {
            (Some(c), None) => Some(c.clone()),
            _ => None,
        })
    }

    pub async fn create_category(
        &self,
        code: &str,
        name: &str,
        parent_id: Option<&str>,
        default_unit_id: Option<&str>,
        actor: &Actor,
    ) -> Result<Category, StoreError> {
        sanfu_domain::validate::code("code", "分类代码", code)?;
        let name = sanfu_domain::validate::text("name", "分类名称", name, 100)?;
        let name = name.as_str();
        // Parent and unit may be named by id or by code (the administration page sends codes):
        // what is stored is always the id.
        let parent_id = match parent_id.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match self.category(p).await? {
                Some(c) => Some(c.id),
                None => return Err(DomainError::invalid("unknown_category", format!("上级分类“{p}”不存在")).into()),
            },
        };
        let default_unit_id = match default_unit_id.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => match self.unit(u).await? {
                Some(x) => Some(x.id),
                None => return Err(DomainError::invalid("unknown_unit", format!("单位“{u}”不存在")).into()),
            },
        };
        let (parent_id, default_unit_id) = (parent_id.as_deref(), default_unit_id.as_deref());
        let id = new_id();
        let res = in_tx!(self, tx => {
            write_category(&mut tx, &id, code, name, parent_id, default_unit_id, actor).await
        });
        match res {
            Err(e) if e.is_unique_violation() => {
                Err(DomainError::conflict("duplicate_code", format!("分类编码“{code}”已存在")).into())
            }
            Err(e) => Err(e),
            Ok(()) => {
                self.slots.set::<Vec<Category>>(None);
                Ok(Category {
                id,
                code: code.into(),
                name: name.into(),
                parent_id: parent_id.map(Into::into),
                default_unit_id: default_unit_id.map(Into::into),
            })
            }
        }
    }

    pub(crate) async fn init_time_limits(&self) -> Result<(), StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM time_limits").fetch_one(self.pool()).await?;
        if count > 0 {
            return Ok(());
        }
        in_tx!(self, tx => {
            for t in OrderType::ALL {
                for u in Urgency::ALL {
                    write_limits(&mut tx, *t, *u, &default_limits(*t, *u)).await?;
                }
            }
            Ok(())
        })
    }

    pub async fn time_limits(&self) -> Result<Vec<LimitRow>, StoreError> {
        let mut out = Vec::new();
        for t in OrderType::ALL {
            for u in Urgency::ALL {
                out.push(LimitRow {
                    order_type: *t,
                    order_type_label: t.label(),
                    urgency: *u,
                    urgency_label: u.label(),
                    limits: self.limits_for(*t, *u).await?,
                });
            }
        }
        Ok(out)
    }

    pub async fn limits_for(&self, t: OrderType, u: Urgency) -> Result<TimeLimits, StoreError> {
        let row: Option<(String, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT sign_limit, return_limit, answer_limit, close_limit, max_extension_days, warn_percent
             FROM time_limits WHERE order_type = $1 AND urgency = $2",
        )
        .bind(t.as_str())
        .bind(u.as_str())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(default_limits(t, u)),
            Some((s, r, a, c, m, w)) => Ok(TimeLimits {
                sign: parse_limit(&s)?,
                return_window: parse_limit(&r)?,
                answer: parse_limit(&a)?,
                close: parse_limit(&c)?,
                max_extension_days: m.max(0) as u32,
                warn_percent: w.clamp(1, 100) as u32,
            }),
        }
    }

    pub async fn set_limits(&self, t: OrderType, u: Urgency, l: &TimeLimits, actor: &Actor) -> Result<(), StoreError> {
        if l.warn_percent == 0 || l.warn_percent > 99 {
            return Err(DomainError::invalid("invalid_limit", "预警比例应为 1～99（%）").into());
        }
        if l.max_extension_days > 60 {
            return Err(DomainError::invalid("invalid_limit", "延期上限不能超过 60 个工作日").into());
        }
        let before = self.limits_for(t, u).await?;
        in_tx!(self, tx => {
            write_limits(&mut tx, t, u, l).await?;
            events::append(&mut tx, NewEvent {
                entity_id: "time_limits", entity_kind: "config", action: "set_time_limits", actor,
                from_state: None, to_state: None,
                details: json!({"order_type": t.as_str(), "urgency": u.as_str(), "before": before, "after": l}),
                at: None,
            }).await?;
            Ok(())
        })
    }
}

async fn write_limits(conn: &mut sqlx::AnyConnection, t: OrderType, u: Urgency, l: &TimeLimits) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO time_limits (order_type, urgency, sign_limit, return_limit, answer_limit, close_limit, max_extension_days, updated_at, warn_percent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (order_type, urgency) DO UPDATE SET sign_limit = excluded.sign_limit, return_limit = excluded.return_limit,
            answer_limit = excluded.answer_limit, close_limit = excluded.close_limit,
            max_extension_days = excluded.max_extension_days, updated_at = excluded.updated_at, warn_percent = excluded.warn_percent",
    )
    .bind(t.as_str())
    .bind(u.as_str())
    .bind(l.sign.to_string())
    .bind(l.return_window.to_string())
    .bind(l.answer.to_string())
    .bind(l.close.to_string())
    .bind(i64::from(l.max_extension_days))
    .bind(now_ms())
    .bind(i64::from(l.warn_percent))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
