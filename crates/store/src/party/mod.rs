//! 党建 in the store: the branches, their 组织生活会 (a record with its preparation and its
//! minutes, every change in the log), the rectification items it lists (kernel items,
//! [`rectification`]), the study records ([`study`]) and the "我为群众办实事" projects with the
//! citizens' ratings ([`project`]).

pub mod demo;
pub mod meeting;
pub mod project;
pub mod rectification;
pub mod study;

use sanfu_domain::{Actor, DomainError, Role, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{Store, StoreError, new_id, now_ms, to_ms};
use crate::events::{self, NewEvent};
use crate::kernel::items::UnitName;
use crate::meeting::PersonName;

pub(crate) use crate::kernel::staff_of;

/// A party branch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Branch {
    pub id: String,
    pub name: String,
    pub unit: UnitName,
    pub secretary: PersonName,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BranchInput {
    pub name: Option<String>,
    /// The unit (id, code or name).
    pub unit: Option<String>,
    /// The secretary (user name or id).
    pub secretary: Option<String>,
    /// The members, one a line (or separated by 、).
    pub members: Option<String>,
}

pub(crate) fn split_names(s: &str) -> Vec<String> {
    s.split(['\n', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

impl Store {
    /// The branches, by name.
    pub async fn branches(&self) -> Result<Vec<Branch>, StoreError> {
        let rows: Vec<(String, String, String, String, String)> =
            sqlx::query_as("SELECT id, name, unit_id, secretary_id, members FROM party_branches ORDER BY created_at, name").fetch_all(self.pool()).await?;
        let units = self.unit_names().await?;
        let users = self.user_names().await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, unit, sec, members)| Branch {
                id,
                name,
                unit: UnitName { name: units.get(&unit).cloned().unwrap_or_default(), id: unit },
                secretary: PersonName { name: users.get(&sec).cloned().unwrap_or_default(), id: sec },
                members: split_names(&members),
            })
            .collect())
    }

    /// A branch by id or name.
    pub async fn branch(&self, key: &str) -> Result<Branch, StoreError> {
        let key = key.trim();
        self.branches()
            .await?
            .into_iter()
            .find(|b| b.id == key || b.name == key)
            .ok_or_else(|| DomainError::invalid("unknown_branch", format!("党支部“{key}”不存在")).into())
    }

    /// Whether `staff` keeps the records of `branch`: its secretary, or the office.
    pub(crate) fn keeps(staff: &Staff, branch: &Branch) -> bool {
        branch.secretary.id == staff.user_id || staff.has(Role::OfficeStaff)
    }

    /// Whether `staff` may read `branch`'s records: those who keep them, the branch's unit, a
    /// leader whose portfolio holds the unit, the administrator.
    pub(crate) fn reads_branch(staff: &Staff, branch: &Branch) -> bool {
        let portfolio = staff.has(Role::Leader)
            && match Store::scope_of(staff) {
                crate::org::Scope::All => true,
                crate::org::Scope::Units(units) => units.contains(&branch.unit.id),
            };
        Store::keeps(staff, branch) || staff.unit_id == branch.unit.id || portfolio || staff.has(Role::Admin)
    }

    /// A new branch (the office or an administrator).
    pub async fn create_branch(&self, input: &BranchInput, actor: &Actor) -> Result<Branch, StoreError> {
        let staff = staff_of(actor)?;
        if !staff.has(Role::OfficeStaff) && !staff.has(Role::Admin) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有办公室或系统管理员可以设立党支部").into());
        }
        let name = validate::text("name", "支部名称", input.name.as_deref().unwrap_or_default(), 60)?;
        let unit = self.unit_ref(input.unit.as_deref().unwrap_or_default()).await?;
        let sec = self.user_by(input.secretary.as_deref().unwrap_or_default(), "支部书记").await?;
        let members = split_names(input.members.as_deref().unwrap_or_default());
        if members.is_empty() {
            return Err(DomainError::invalid("missing_field", "请填写支部党员名单").into());
        }
        if self.branches().await?.iter().any(|b| b.name == name) {
            return Err(DomainError::conflict("duplicate_branch", format!("党支部“{name}”已存在")).into());
        }
        let id = new_id();
        let now = now_ms();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO party_branches (id, name, unit_id, secretary_id, members, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&id).bind(&name).bind(&unit.id).bind(&sec.0).bind(members.join("\n")).bind(now)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "party_branch", action: "create", actor, from_state: None, to_state: None,
                details: json!({ "name": name, "unit": unit.name, "secretary": sec.1, "members": members.len() }), at: Some(now),
            }).await?;
            Ok(())
        })?;
        self.branch(&id).await
    }

    /// An active member of staff by user name or id: (id, name).
    pub(crate) async fn user_by(&self, key: &str, what: &str) -> Result<(String, String), StoreError> {
        let key = key.trim();
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, name FROM users WHERE (username = $1 OR id = $1) AND active = 1").bind(key).fetch_optional(self.pool()).await?;
        row.ok_or_else(|| DomainError::invalid("unknown_user", format!("{what}“{key}”不存在")).into())
    }
}

/// The start of a local day as UTC milliseconds.
pub(crate) fn day_ms(store: &Store, d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|t| to_ms(t.and_utc()) - i64::from(store.offset().local_minus_utc()) * 1000).unwrap_or(0)
}
