//! Citizens' personal data inside free text: phone numbers, ID card numbers, bank card numbers
//! and e-mail addresses, found in every way people write them (spaced, with dashes or dots,
//! full-width digits, `+86`, an ID's final `X`) and masked.
//!
//! Everyone but the hotline centre reads citizens' text through [`mask_text`]: units, leaders,
//! the public board, Open311, exports. Digits that are not personal data stay: dates
//! (`2026-11-25`, `20261125`), order numbers (a date and six digits), amounts and counts of
//! fewer than seven digits.

use std::borrow::Cow;

/// Characters that may stand between the digit groups of one number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '\u{3000}' | '－' | '—' | '–' | '\u{a0}')
}

/// A full-width digit or letter as its ASCII self.
fn narrow(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        'Ｘ' | 'ｘ' => 'X',
        '＠' => '@',
        _ => c,
    }
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Whether `d` (digits only) begins with a plausible date YYYYMMDD.
fn starts_with_date(d: &[u8]) -> bool {
    if d.len() < 8 {
        return false;
    }
    let n = |a: usize, b: usize| d[a..b].iter().fold(0u32, |acc, x| acc * 10 + u32::from(x - b'0'));
    let (y, m, day) = (n(0, 4), n(4, 6), n(6, 8));
    (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&day)
}

/// The masked form of a number's digits (and an ID's final X).
fn mask_digits(d: &str) -> String {
    let chars: Vec<char> = d.chars().collect();
    let n = chars.len();
    let (keep_front, keep_back) = if n >= 11 { (3, 4) } else { (2, 2) };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep_front || i >= n - keep_back { *c } else { '*' })
        .collect()
}

/// Personal data to mask: a number of seven digits or more that is not a date or an order
/// number.
fn is_personal_number(digits: &str) -> bool {
    let b = digits.as_bytes();
    let only_digits: Vec<u8> = b.iter().copied().filter(u8::is_ascii_digit).collect();
    let n = only_digits.len();
    if n < 7 {
        return false;
    }
    // 20261125, 202611251030, 20261125000016 (an order number): dates, not people.
    !(matches!(n, 8 | 12 | 14) && starts_with_date(&only_digits) && !digits.ends_with('X'))
}

/// `text` with every phone, ID card, bank card number and e-mail address masked.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    let orig: Vec<char> = text.chars().collect();
    let norm: Vec<char> = orig.iter().map(|&c| narrow(c)).collect();
    let n = norm.len();
    // Spans to replace: (start, end, replacement).
    let mut spans: Vec<(usize, usize, String)> = Vec::new();

    // E-mail addresses.
    for at in 0..n {
        if norm[at] != '@' {
            continue;
        }
        let mut s = at;
        while s > 0 && is_email_local(norm[s - 1]) {
            s -= 1;
        }
        let mut e = at + 1;
        while e < n && is_email_domain(norm[e]) {
            e += 1;
        }
        while e > at + 1 && matches!(norm[e - 1], '.' | '-') {
            e -= 1;
        }
        let domain: String = norm[at + 1..e].iter().collect();
        if s < at && domain.contains('.') && !domain.starts_with('.') {
            let first = orig[s];
            spans.push((s, e, format!("{first}***@{domain}")));
        }
    }

    // Numbers: digit groups joined by up to two separators, with an optional leading +86 and
    // an ID card's final X.
    let mut i = 0;
    while i < n {
        if !norm[i].is_ascii_digit() || spans.iter().any(|(s, e, _)| (*s..*e).contains(&i)) {
            i += 1;
            continue;
        }
        let start = if i > 0 && norm[i - 1] == '+' { i - 1 } else { i };
        let mut digits = String::new();
        let mut j = i;
        let mut end = i;
        while j < n {
            if norm[j].is_ascii_digit() {
                digits.push(norm[j]);
                j += 1;
                end = j;
                continue;
            }
            // Up to two separators, then a digit, continue the number.
            let mut k = j;
            while k < n && k - j < 2 && is_separator(norm[k]) {
                k += 1;
            }
            if k > j && k < n && norm[k].is_ascii_digit() {
                j = k;
                continue;
            }
            break;
        }
        if end < n && matches!(norm[end], 'X' | 'x') && digits.len() == 17 {
            digits.push('X');
            end += 1;
        }
        // A letter glued to the digits makes it a code (型号 A1234567B), not a number.
        let glued = |c: char| c.is_ascii_alphabetic();
        let glued_before = start > 0 && glued(norm[start - 1]);
        let glued_after = end < n && glued(norm[end]);
        if is_personal_number(&digits) && !(glued_before && glued_after) {
            let masked = match digits.strip_prefix("86") {
                Some(rest) if start < i && rest.len() == 11 => format!("+86 {}", mask_digits(rest)),
                _ => mask_digits(&digits),
            };
            spans.push((start, end, masked));
        }
        i = end.max(i + 1);
    }

    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, r) in spans {
        if s < at {
            continue;
        }
        out.extend(&orig[at..s]);
        out.push_str(&r);
        at = e;
    }
    out.extend(&orig[at..]);
    Cow::Owned(out)
}

/// Mask every string inside a JSON value (an event's details, say).
pub fn mask_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            if let Cow::Owned(m) = mask_text(s) {
                *s = m;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask_json),
        serde_json::Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                // Identifiers and numbers Sanfu made itself (a unit's id, an order's number) are
                // never a citizen's data, though their digits may look like a phone number.
                if !is_identifier(k) {
                    mask_json(v);
                }
            }
        }
        _ => {}
    }
}

fn is_identifier(key: &str) -> bool {
    key == "id" || key == "number" || key.ends_with("_id") || key.ends_with("_ids") || key.ends_with("_number")
}

/// The digits of `s`, full-width ones as ASCII, with nothing between them: for checking that
/// a number does not appear in a page in any written form.
pub fn digits_of(s: &str) -> String {
    s.chars().map(narrow).filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_in_json_are_left_alone_and_text_beside_them_masked() {
        let mut v = serde_json::json!({
            "unit_id": "01a2358ce7a9747db527dc5a58571764",
            "other_number": "20261202000023",
            "reason": "请回电13812345678",
            "lead_unit": {"id": "01a2358ce7a9747db527dc5a13812345678", "name": "市住建局"},
        });
        mask_json(&mut v);
        assert_eq!(v["unit_id"], "01a2358ce7a9747db527dc5a58571764");
        assert_eq!(v["other_number"], "20261202000023");
        assert_eq!(v["lead_unit"]["id"], "01a2358ce7a9747db527dc5a13812345678");
        assert_eq!(v["reason"], "请回电138****5678");
    }

    #[test]
    fn numbers_in_every_written_form_are_masked() {
        for (typed, shown) in [
            ("我的电话13812345678请回电", "我的电话138****5678请回电"),
            ("电话 138 1234 5678。", "电话 138****5678。"),
            ("手机138-1234-5678", "手机138****5678"),
            ("手机１３８１２３４５６７８", "手机138****5678"),
            ("+86 138 1234 5678", "+86 138****5678"),
            ("身份证号330106199001011234", "身份证号330***********1234"),
            ("身份证33010619900101123X", "身份证330***********123X"),
            ("身份证３３０１０６１９９００１０１１２３ｘ", "身份证330***********123X"),
            ("卡号 6222 0212 3456 7890 123", "卡号 622************0123"),
            ("座机0571-88881234", "座机057*****1234"),
            ("邮箱 zhang.san@example.com 谢谢", "邮箱 z***@example.com 谢谢"),
            ("邮箱zhangsan＠qq.com", "邮箱z***@qq.com"),
        ] {
            assert_eq!(mask_text(typed), shown, "{typed}");
        }
    }

    #[test]
    fn dates_order_numbers_amounts_and_codes_stay() {
        for t in [
            "2026-11-25 晚上10点",
            "20261125 施工",
            "工单 20261125000016 已办结",
            "罚款 5000 元，面积 120.5 平方米",
            "湖滨路88号3单元1201室",
            "型号A1234567B",
        ] {
            assert_eq!(mask_text(t), t);
        }
    }

    #[test]
    fn json_strings_are_masked_wherever_they_are() {
        let mut v = serde_json::json!({"text": "回电13812345678", "nested": [{"note": "邮箱a@b.cn"}], "n": 13812345678u64});
        mask_json(&mut v);
        assert_eq!(v["text"], "回电138****5678");
        assert_eq!(v["nested"][0]["note"], "邮箱a***@b.cn");
    }
}
