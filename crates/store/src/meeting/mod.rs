//! 会议 in the store: topics (议题) and their plans ([`topic`]), meetings with their agenda,
//! attendance and sign-in ([`session`]), minutes and the decisions that become supervision
//! items ([`minutes`]), and the demo city's meetings ([`demo`]).

mod demo;
pub mod minutes;
pub mod session;
pub mod topic;
pub mod view;

use sanfu_domain::meeting::Settings;
use sanfu_domain::{Actor, DomainError, Role};

use crate::db::{Store, StoreError};

const SETTINGS_KEY: &str = "meeting_settings";

/// A person as a page shows them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PersonName {
    pub id: String,
    pub name: String,
}

impl Store {
    /// The meeting section's deadlines (the defaults until someone changes them).
    pub async fn meeting_settings(&self) -> Result<Settings, StoreError> {
        self.json_setting(SETTINGS_KEY).await
    }

    /// Change them (administrators and office staff), recorded in the log.
    pub async fn set_meeting_settings(&self, settings: Settings, actor: &Actor) -> Result<Settings, StoreError> {
        if !actor.staff().is_some_and(|s| s.has(Role::Admin) || s.has(Role::OfficeStaff)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有系统管理员或会议科可以修改会议设置").into());
        }
        let settings = settings.checked()?;
        self.set_json_setting(SETTINGS_KEY, &settings, "set_meeting_settings", actor).await?;
        Ok(settings)
    }

    /// An active leader by user name or id: (id, name, roles).
    pub(crate) async fn leader_by(&self, key: &str, what: &str) -> Result<(String, String, Vec<Role>), StoreError> {
        let key = key.trim();
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT id, name, roles FROM users WHERE (username = $1 OR id = $1) AND active = 1").bind(key).fetch_optional(self.pool()).await?;
        match row {
            Some((id, name, roles)) => {
                let roles: Vec<Role> = roles.split(',').filter_map(|r| Role::parse(r.trim())).collect();
                if !roles.contains(&Role::Leader) {
                    return Err(DomainError::invalid("unknown_leader", format!("“{name}”不是市领导，不能作为{what}")).into());
                }
                Ok((id, name, roles))
            }
            None => Err(DomainError::invalid("unknown_leader", format!("{what}“{key}”不存在")).into()),
        }
    }

    /// The leader in charge of a unit: a leader (not the mayor, when another has it) whose
    /// portfolio holds the unit or a unit above it; else the mayor.
    pub(crate) async fn charge_leader_of(&self, unit_id: &str) -> Result<Option<String>, StoreError> {
        let units = self.units().await?;
        let mut chain = vec![unit_id.to_string()];
        let mut cur = unit_id.to_string();
        while let Some(p) = units.iter().find(|u| u.id == cur).and_then(|u| u.parent_id.clone()) {
            chain.push(p.clone());
            cur = p;
        }
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.roles, l.unit_id FROM users u JOIN leader_units l ON l.user_id = u.id WHERE u.active = 1 ORDER BY u.username",
        )
        .fetch_all(self.pool())
        .await?;
        let is_mayor = |roles: &str| roles.split(',').any(|r| r.trim() == Role::Mayor.as_str());
        let covering: Vec<&(String, String, String)> = rows.iter().filter(|r| chain.contains(&r.2)).collect();
        if let Some(r) = covering.iter().find(|r| !is_mayor(&r.1)).or(covering.first()) {
            return Ok(Some(r.0.clone()));
        }
        let mayor: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE active = 1 AND roles LIKE '%mayor%' ORDER BY username")
            .fetch_optional(self.pool())
            .await?;
        Ok(mayor)
    }
}
