//! Units (承办单位) and roles.

crate::labelled_enum!(
    /// What a unit is; it decides, for example, who may forward work further down (二级派单).
    UnitKind {
        /// 市政府 — the root.
        Government = "government" / "市政府",
        /// 市政府办公室 — the general office.
        Office = "office" / "办公室",
        /// A section of the office (文电科, 督查科, 热线中心 …).
        Section = "section" / "科室",
        /// 市直部门.
        Department = "department" / "市直部门",
        /// 县区.
        District = "district" / "县区",
        /// 街道/乡镇.
        Street = "street" / "街道/乡镇",
        /// 开发区.
        Zone = "zone" / "开发区",
        /// 公用事业单位 (供水, 供电, 燃气).
        Utility = "utility" / "公用事业单位",
    }
);

impl UnitKind {
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

crate::labelled_enum!(
    Role {
        /// 话务员/受理员.
        Operator = "operator" / "话务员",
        /// 派单员/审核员.
        Dispatcher = "dispatcher" / "派单员",
        /// 承办单位联络员.
        UnitLiaison = "unit_liaison" / "承办单位联络员",
        /// 单位负责人.
        UnitHead = "unit_head" / "单位负责人",
        /// 办公室科室人员.
        OfficeStaff = "office_staff" / "办公室科室人员",
        /// 市领导 (reads the units of a portfolio).
        Leader = "leader" / "市领导",
        /// 秘书长: screens the topics the leaders in charge approved (with [`Role::Leader`]).
        SecretaryGeneral = "secretary_general" / "秘书长",
        /// 市长: decides what goes on the executive meeting's agenda (with [`Role::Leader`]).
        Mayor = "mayor" / "市长",
        /// 系统管理员.
        Admin = "admin" / "系统管理员",
    }
);
