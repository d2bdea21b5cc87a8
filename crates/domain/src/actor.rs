//! Who is acting. Every transition takes an [`Actor`], and every event records it.

use serde::Serialize;

use crate::org::Role;

/// A logged-in member of staff, as loaded for one request.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub unit_id: String,
    pub unit_name: String,
    pub roles: Vec<Role>,
    /// For a leader: the units of the portfolio with all the units below them.
    pub portfolio: Vec<String>,
}

impl Staff {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    /// The hotline centre (operators and dispatchers) sees every order and full phone numbers.
    pub fn is_hotline(&self) -> bool {
        self.has(Role::Operator) || self.has(Role::Dispatcher)
    }
    /// Staff who read every order (the centre, the office, administrators).
    pub fn sees_all(&self) -> bool {
        self.is_hotline() || self.has(Role::OfficeStaff) || self.has(Role::Admin)
    }
    /// Staff who read the ranking of all units (the centre, the office, administrators, leaders);
    /// a unit sees its own figures, not the others'.
    pub fn sees_ranking(&self) -> bool {
        self.sees_all() || self.has(Role::Leader)
    }
    /// Staff who act for their own unit on work handed to it.
    pub fn acts_for_unit(&self) -> bool {
        self.has(Role::UnitLiaison) || self.has(Role::UnitHead)
    }
    /// The role recorded on an event: the most specific one this user holds.
    pub fn primary_role(&self) -> Role {
        self.roles.first().copied().unwrap_or(Role::UnitLiaison)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    Staff(Staff),
    /// A citizen proven by order number and query code.
    Citizen,
    /// Sanfu itself (the scheduler, imports).
    System,
}

#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub principal: Principal,
    /// The client's address, as the server saw it.
    pub ip: String,
}

impl Actor {
    pub fn staff(&self) -> Option<&Staff> {
        match &self.principal {
            Principal::Staff(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_citizen(&self) -> bool {
        matches!(self.principal, Principal::Citizen)
    }
    pub fn user_id(&self) -> Option<&str> {
        self.staff().map(|s| s.user_id.as_str())
    }
    pub fn display_name(&self) -> String {
        match &self.principal {
            Principal::Staff(s) => s.name.clone(),
            Principal::Citizen => "诉求人".into(),
            Principal::System => "系统".into(),
        }
    }
    pub fn role_str(&self) -> &'static str {
        match &self.principal {
            Principal::Staff(s) => s.primary_role().as_str(),
            Principal::Citizen => "citizen",
            Principal::System => "system",
        }
    }
    pub fn unit_id(&self) -> Option<&str> {
        self.staff().map(|s| s.unit_id.as_str())
    }
}
