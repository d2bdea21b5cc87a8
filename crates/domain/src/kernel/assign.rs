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
