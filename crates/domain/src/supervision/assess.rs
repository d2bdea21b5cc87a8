//! 督查考核: a unit's record on supervision work in a period, its score from the office's
//! table, and the bulletin's lists (通报表扬, 红榜, 黑榜). The defaults follow published city
//! rules in spirit: a red card costs more than a yellow, two yellows bring a 督办函.

use serde::{Deserialize, Serialize};

/// Points for each thing counted; an administrator may change any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScoreTable {
    pub base: i32,
    pub late_report: i32,
    pub remind: i32,
    pub notice: i32,
    pub yellow_card: i32,
    pub red_card: i32,
    pub closed_on_time: i32,
    pub overdue: i32,
    /// This many yellow cards in the period bring a 督办函.
    pub yellows_for_letter: u32,
    /// Below this score a unit is on the black list (as is any unit with a red card).
    pub black_below: i32,
}

impl Default for ScoreTable {
    fn default() -> Self {
        ScoreTable {
            base: 100,
            late_report: -1,
            remind: -1,
            notice: -2,
            yellow_card: -3,
            red_card: -5,
            closed_on_time: 2,
            overdue: -3,
            yellows_for_letter: 2,
            black_below: 90,
        }
    }
}

/// What was counted for one unit in one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub items: u32,
    pub reports_on_time: u32,
    pub reports_late: u32,
    pub reminders: u32,
    pub notices: u32,
    pub yellow_cards: u32,
    pub red_cards: u32,
    pub closed_on_time: u32,
    pub overdue: u32,
}

impl Tally {
    pub fn score(&self, t: &ScoreTable) -> i32 {
        let n = |c: u32| c as i32;
        t.base
            + t.late_report * n(self.reports_late)
            + t.remind * n(self.reminders)
            + t.notice * n(self.notices)
            + t.yellow_card * n(self.yellow_cards)
            + t.red_card * n(self.red_cards)
            + t.closed_on_time * n(self.closed_on_time)
            + t.overdue * n(self.overdue)
    }

    /// Two yellows (by default) bring a 督办函.
    pub fn owes_letter(&self, t: &ScoreTable) -> bool {
        t.yellows_for_letter > 0 && self.yellow_cards >= t.yellows_for_letter
    }

    /// 通报表扬: work closed on time and nothing late, pressed or carded.
    pub fn praised(&self) -> bool {
        self.closed_on_time > 0 && self.reports_late + self.reminders + self.notices + self.yellow_cards + self.red_cards + self.overdue == 0
    }

    /// 黑榜: a red card, or a score below the line.
    pub fn black_listed(&self, t: &ScoreTable) -> bool {
        self.items > 0 && (self.red_cards > 0 || self.score(t) < t.black_below)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_red_card_costs_more_than_a_yellow_and_two_yellows_bring_a_letter() {
        let t = ScoreTable::default();
        let yellow = Tally { items: 1, yellow_cards: 1, ..Default::default() };
        let red = Tally { items: 1, red_cards: 1, ..Default::default() };
        assert!(red.score(&t) < yellow.score(&t));
        assert!(!yellow.owes_letter(&t));
        assert!(Tally { yellow_cards: 2, ..yellow.clone() }.owes_letter(&t));
        assert!(red.black_listed(&t) && !yellow.black_listed(&t));
        let good = Tally { items: 2, reports_on_time: 6, closed_on_time: 1, ..Default::default() };
        assert_eq!(good.score(&t), 102);
        assert!(good.praised() && !yellow.praised());
    }
}
