//! Checks on what people type. Each returns the value parsed into the shape the rest of the
//! code relies on, or a [`DomainError`] whose message says in Chinese what to fix.

use crate::error::DomainError;

/// Most characters a work order's content may have.
pub const MAX_CONTENT_CHARS: usize = 10_000;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_SHORT_TEXT_CHARS: usize = 2_000;

/// Trim, refuse empty, refuse longer than `max` characters (not bytes: Chinese text).
pub fn text(field: &'static str, label: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::invalid(empty_code(field), format!("{label}不能为空")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(DomainError::invalid(
            too_long_code(field),
            format!("{label}不能超过 {max} 个字（现有 {n} 个字）"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(DomainError::invalid("control_characters", format!("{label}含有不可见的控制字符")));
    }
    Ok(v.to_string())
}

/// Like [`text`], but an absent or blank value is `None`.
pub fn optional_text(
    field: &'static str,
    label: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, label, v, max).map(Some),
    }
}

fn empty_code(field: &str) -> &'static str {
    match field {
        "content" => "empty_content",
        "subject" => "empty_subject",
        "reason" => "empty_reason",
        "answer" => "empty_answer",
        "name" => "empty_name",
        _ => "empty_field",
    }
}

fn too_long_code(field: &str) -> &'static str {
    match field {
        "content" => "content_too_long",
        "subject" => "subject_too_long",
        _ => "field_too_long",
    }
}

/// A mainland phone number: a mobile (11 digits starting 13–19) or a landline with its area
/// code (010-12345678, 0571-8765432, or the same without the hyphen). Spaces and hyphens are
/// removed from mobiles; the stored form is digits only, with one hyphen after the area code
/// for landlines.
pub fn phone(value: &str) -> Result<String, DomainError> {
    let bad = || {
        DomainError::invalid(
            "invalid_phone",
            format!("电话号码“{}”格式不正确：应为11位手机号（如 13812341234）或带区号的固定电话（如 0571-87654321）", value.trim()),
        )
    };
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let cleaned = cleaned.strip_prefix("+86").unwrap_or(&cleaned).to_string();
    let digits: String = cleaned.chars().filter(|c| *c != '-').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let b = digits.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && !cleaned.contains('-') {
        return Ok(digits);
    }
    if b[0] == b'0' {
        // Area codes: 010, 02X (3 digits) or 0XXX (4 digits); local numbers 7–8 digits.
        let area_len = if b.len() > 1 && (b[1] == b'1' || b[1] == b'2') { 3 } else { 4 };
        if let Some((area, local)) = cleaned.split_once('-') {
            if area.len() == area_len && (7..=8).contains(&local.len()) && !local.contains('-') {
                return Ok(format!("{area}-{local}"));
            }
            return Err(bad());
        }
        let local_len = b.len().saturating_sub(area_len);
        if (7..=8).contains(&local_len) {
            return Ok(format!("{}-{}", &digits[..area_len], &digits[area_len..]));
        }
    }
    Err(bad())
}

/// The masked form shown to everyone but the hotline centre: 138****1234, 0571-****4321.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if let Some(pos) = phone.find('-') {
        let (area, local) = phone.split_at(pos);
        let local: Vec<char> = local[1..].chars().collect();
        let keep = local.len().saturating_sub(4);
        let tail: String = local[keep..].iter().collect();
        return format!("{area}-****{tail}");
    }
    if chars.len() < 8 {
        return "****".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// The masked form of a name: 张** (the family name only).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(phone("138 1234 1234").as_deref(), Ok("13812341234"));
        assert_eq!(phone("+8613812341234").as_deref(), Ok("13812341234"));
        assert_eq!(phone("0571-87654321").as_deref(), Ok("0571-87654321"));
        assert_eq!(phone("01062345678").as_deref(), Ok("010-62345678"));
        for bad in ["12812341234", "1381234123", "138123412345", "abc", "", "0571-123", "138-1234-1234"] {
            assert_eq!(phone(bad).map_err(|e| e.code), Err("invalid_phone"), "{bad}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("0571-87654321"), "0571-****4321");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let ok = "路".repeat(MAX_CONTENT_CHARS);
        assert!(text("content", "内容", &ok, MAX_CONTENT_CHARS).is_ok());
        let long = "路".repeat(MAX_CONTENT_CHARS + 1);
        assert_eq!(text("content", "内容", &long, MAX_CONTENT_CHARS).map_err(|e| e.code), Err("content_too_long"));
        assert_eq!(text("content", "内容", "  \n ", MAX_CONTENT_CHARS).map_err(|e| e.code), Err("empty_content"));
    }
}
