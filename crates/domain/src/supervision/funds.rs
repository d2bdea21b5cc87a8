//! Money on an item (资金): the budget, each arrival (资金到位) and each payment out (资金下拨),
//! and which arrivals still sit unpaid — paid out oldest first.

use chrono::NaiveDate;

use crate::error::DomainError;

crate::labelled_enum!(
    Entry {
        Budget = "budget" / "预算安排",
        Arrival = "arrival" / "资金到位",
        Payment = "payment" / "资金下拨",
    }
);

/// An amount in yuan as written ("1200", "35.5", "1,000,000.00") in fen.
pub fn parse_yuan(s: &str) -> Result<i64, DomainError> {
    let bad = || DomainError::invalid("invalid_amount", format!("金额“{s}”无效：请填写以元为单位、最多两位小数的正数"));
    let t: String = s.trim().trim_end_matches('元').chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
    let fen = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).filter(|f| *f > 0 && *f < 10_i64.pow(15)).ok_or_else(bad)?;
    Ok(fen)
}

/// Fen as 万元 with two decimals, as offices write sums of money ("1,234.50").
pub fn wan(fen: i64) -> String {
    // 1 万元 = 1,000,000 fen; round half up to the hundredth of a 万元 (100 元).
    let neg = fen < 0;
    let hundredths = (fen.abs() + 5_000) / 10_000;
    let (w, f) = (hundredths / 100, hundredths % 100);
    let digits = w.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{f:02}", if neg { "-" } else { "" })
}

/// The arrivals (id, date, fen) not yet paid out once `paid` fen have gone, oldest paid
/// first: (id, date, fen still unpaid).
pub fn unpaid<'a>(arrivals: &[(&'a str, NaiveDate, i64)], paid: i64) -> Vec<(&'a str, NaiveDate, i64)> {
    let mut sorted = arrivals.to_vec();
    sorted.sort_by_key(|a| (a.1, a.0));
    let mut left = paid;
    let mut out = Vec::new();
    for (id, date, amount) in sorted {
        let used = left.min(amount).max(0);
        left -= used;
        if amount > used {
            out.push((id, date, amount - used));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_yuan_and_shown_in_wan() {
        assert_eq!(parse_yuan("1200").unwrap(), 120_000);
        assert_eq!(parse_yuan("35.5").unwrap(), 3_550);
        assert_eq!(parse_yuan("1,000,000.00元").unwrap(), 100_000_000);
        for bad in ["", "-5", "0", "1.234", "一百", "1e5"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(wan(100_000_000), "100.00");
        assert_eq!(wan(12_345_678_900), "12,345.68");
    }

    #[test]
    fn payments_use_up_the_oldest_arrivals_first() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let arrivals = [("b", d(3, 1), 500), ("a", d(1, 10), 300)];
        assert_eq!(unpaid(&arrivals, 0), vec![("a", d(1, 10), 300), ("b", d(3, 1), 500)]);
        assert_eq!(unpaid(&arrivals, 400), vec![("b", d(3, 1), 400)]);
        assert!(unpaid(&arrivals, 800).is_empty());
    }
}
