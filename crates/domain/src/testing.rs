//! What the domain's tests share: the bundled calendar, a moment in China time, a member of
//! staff of a unit with roles.

use chrono::{DateTime, TimeZone, Utc};
use sanfu_calendar::Calendar;

use crate::actor::{Actor, Principal, Staff};
use crate::org::Role;

pub(crate) fn cal() -> Calendar {
    Calendar::bundled().expect("calendar")
}

/// A moment in China time.
pub(crate) fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    sanfu_calendar::china_offset().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

/// A moment as the office reads it: month-day hour:minute, China time.
pub(crate) fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&sanfu_calendar::china_offset()).format("%m-%d %H:%M").to_string()
}

pub(crate) fn staff(unit: &str, roles: &[Role]) -> Actor {
    Actor {
        principal: Principal::Staff(Staff {
            user_id: format!("u-{unit}"),
            username: unit.into(),
            name: "测试".into(),
            unit_id: unit.into(),
            unit_name: unit.into(),
            roles: roles.to_vec(),
            portfolio: vec![],
        }),
        ip: "127.0.0.1".into(),
    }
}
