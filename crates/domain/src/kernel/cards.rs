//! Links between items, and the yellow and red cards a unit is shown for lateness.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::DomainError;
use crate::kernel::party::Party;
use crate::validate;

crate::labelled_enum!(
    /// How one item stands to another. A link is stored once, from the item it describes.
    LinkKind {
        /// A supervision item opened from a hotline order (督办).
        EscalatedFrom = "escalated_from" / "由此转督办",
        /// A supervision item that carries out a meeting's decision (议定事项).
        DecidedIn = "decided_in" / "会议议定",
        /// An item that carries out a leader's instruction (批示).
        InstructedOn = "instructed_on" / "领导批示",
        DuplicateOf = "duplicate_of" / "重复件",
        /// A rectification measure and the finding it answers (整改).
        Rectifies = "rectifies" / "整改",
        /// A leader's instruction and the matter it is written on (批示事项).
        Concerns = "concerns" / "批示事项",
    }
);

impl LinkKind {
    /// How the link reads from the other item.
    pub fn inverse_label(self) -> &'static str {
        match self {
            LinkKind::EscalatedFrom => "已转督办",
            LinkKind::DecidedIn => "议定事项",
            LinkKind::InstructedOn => "批示落实",
            LinkKind::DuplicateOf => "重复件",
            LinkKind::Rectifies => "整改措施",
            LinkKind::Concerns => "领导批示",
        }
    }
}

crate::labelled_enum!(
    /// 黄牌 and 红牌: the office's sanction for lateness, shown to one unit on one item.
    CardColour {
        Yellow = "yellow" / "黄牌警告",
        Red = "red" / "红牌警告",
    }
);

/// A card as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Card {
    pub id: String,
    pub work_id: String,
    pub unit_id: String,
    pub colour: CardColour,
    pub colour_label: &'static str,
    pub reason: String,
    pub issued_at: DateTime<Utc>,
    /// Who showed it: the user's id and name.
    pub issued_by: String,
    pub issued_by_name: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
}

/// Whether someone playing `have` may show and revoke cards: the supervision section or a
/// dispatcher.
pub fn may_sanction(have: &[Party]) -> bool {
    have.iter().any(|p| matches!(p, Party::Office | Party::Dispatcher))
}

/// Whether someone playing `have` may link items: the centre or the office.
pub fn may_link(have: &[Party]) -> bool {
    have.iter().any(|p| matches!(p, Party::Office | Party::Hotline | Party::Dispatcher))
}

fn sanctioning(have: &[Party]) -> Result<(), DomainError> {
    if may_sanction(have) {
        Ok(())
    } else {
        Err(DomainError::forbidden("not_allowed_for_user", "只有督查科或派单员可以亮牌警告"))
    }
}

/// A card may be shown by the supervision section or a dispatcher, to a unit the item was
/// handed to, with a reason. Returns the reason as it will be kept.
pub fn check_card(have: &[Party], unit_was_assigned: bool, unit_name: &str, reason: &str) -> Result<String, DomainError> {
    sanctioning(have)?;
    if !unit_was_assigned {
        return Err(DomainError::invalid("unit_not_assigned", format!("“{unit_name}”没有承办这项工作，不能对其亮牌")));
    }
    validate::text("reason", "亮牌理由", reason, validate::MAX_SHORT_TEXT_CHARS)
}

/// Revoking a card takes the same people, a reason, and a card still in force.
pub fn check_revoke(have: &[Party], revoked: bool, reason: &str) -> Result<String, DomainError> {
    sanctioning(have)?;
    if revoked {
        return Err(DomainError::conflict("card_revoked", "该警告已撤销"));
    }
    validate::text("reason", "撤销理由", reason, validate::MAX_SHORT_TEXT_CHARS)
}

/// Items are linked by the centre or the office, never to themselves.
pub fn check_link(have: &[Party], from: &str, to: &str) -> Result<(), DomainError> {
    if !may_link(have) {
        return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心或督查科可以关联事项"));
    }
    if from == to {
        return Err(DomainError::invalid("link_to_self", "事项不能关联到它自己"));
    }
    Ok(())
}
