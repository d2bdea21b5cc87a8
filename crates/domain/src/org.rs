//! Units (承办单位) and roles.

use serde::{Deserialize, Serialize};

/// What a unit is; it decides, for example, who may forward work further down (二级派单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 市政府 — the root.
    Government,
    /// 市政府办公室 — the general office.
    Office,
    /// A section of the office (文电科, 督查科, 热线中心 …).
    Section,
    /// 市直部门.
    Department,
    /// 县区.
    District,
    /// 街道/乡镇.
    Street,
    /// 开发区.
    Zone,
    /// 公用事业单位 (供水, 供电, 燃气).
    Utility,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] = [
        UnitKind::Government,
        UnitKind::Office,
        UnitKind::Section,
        UnitKind::Department,
        UnitKind::District,
        UnitKind::Street,
        UnitKind::Zone,
        UnitKind::Utility,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Government => "government",
            UnitKind::Office => "office",
            UnitKind::Section => "section",
            UnitKind::Department => "department",
            UnitKind::District => "district",
            UnitKind::Street => "street",
            UnitKind::Zone => "zone",
            UnitKind::Utility => "utility",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Government => "市政府",
            UnitKind::Office => "办公室",
            UnitKind::Section => "科室",
            UnitKind::Department => "市直部门",
            UnitKind::District => "县区",
            UnitKind::Street => "街道/乡镇",
            UnitKind::Zone => "开发区",
            UnitKind::Utility => "公用事业单位",
        }
    }
    /// Units that can be handed hotline work.
    pub fn can_handle(self) -> bool {
        matches!(
            self,
            UnitKind::Department | UnitKind::District | UnitKind::Street | UnitKind::Zone | UnitKind::Utility
        )
    }
    /// Units that may forward an order to a unit below them (二级派单).
    pub fn can_forward(self) -> bool {
        matches!(self, UnitKind::District | UnitKind::Zone)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 话务员/受理员.
    Operator,
    /// 派单员/审核员.
    Dispatcher,
    /// 承办单位联络员.
    UnitLiaison,
    /// 单位负责人.
    UnitHead,
    /// 办公室科室人员.
    OfficeStaff,
    /// 市领导 (reads the units of a portfolio).
    Leader,
    /// 系统管理员.
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Operator,
        Role::Dispatcher,
        Role::UnitLiaison,
        Role::UnitHead,
        Role::OfficeStaff,
        Role::Leader,
        Role::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Dispatcher => "dispatcher",
            Role::UnitLiaison => "unit_liaison",
            Role::UnitHead => "unit_head",
            Role::OfficeStaff => "office_staff",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Operator => "话务员",
            Role::Dispatcher => "派单员",
            Role::UnitLiaison => "承办单位联络员",
            Role::UnitHead => "单位负责人",
            Role::OfficeStaff => "办公室科室人员",
            Role::Leader => "市领导",
            Role::Admin => "系统管理员",
        }
    }
}
