//! Who an item is handed to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::org::UnitKind;

/// What the rules need to know of a unit handed work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<String>,
}

crate::labelled_enum!(
    /// A unit's part in an item.
    AssignmentRole {
        Lead = "lead" / "主办",
        Co = "co" / "协办",
        Forwarded = "forwarded" / "转派",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub unit_id: String,
    pub role: AssignmentRole,
    pub active: bool,
    pub assigned_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    /// How the assignment ended, when not by doing the work: "returned" (退单 approved) or
    /// "forwarded" (二级派单).
    #[serde(default)]
    pub outcome: Option<String>,
}

impl Assignment {
    pub fn new(unit_id: &str, role: AssignmentRole, now: DateTime<Utc>) -> Self {
        Assignment { unit_id: unit_id.to_string(), role, active: true, assigned_at: now, signed_at: None, outcome: None }
    }
}

/// The units a lead unit names to answer it (a topic's consulted units, a draft's
/// countersigners): not itself (`own` says so), none twice, at most `max`.
pub fn check_co_units(lead_id: &str, units: &[UnitRef], max: usize, own: &str) -> Result<(), crate::DomainError> {
    for (i, u) in units.iter().enumerate() {
        if u.id == lead_id {
            return Err(crate::DomainError::invalid("invalid_co_units", own.to_string()));
        }
        if units[..i].iter().any(|v| v.id == u.id) {
            return Err(crate::DomainError::invalid("duplicate_unit", format!("“{}”重复出现在会签单位中", u.name)));
        }
    }
    if units.len() > max {
        return Err(crate::DomainError::invalid("invalid_co_units", format!("会签单位不超过 {max} 个")));
    }
    Ok(())
}
