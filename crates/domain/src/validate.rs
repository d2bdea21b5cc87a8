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

/// A code or login name: 1 to 32 of ASCII letters, digits, `-`, `_` and `.` (they appear in
/// addresses, files and the log, and are typed on any keyboard).
pub fn code(field: &'static str, label: &str, value: &str) -> Result<(), DomainError> {
    let ok = !value.is_empty()
        && value.len() <= 32
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            match field {
                "username" => "invalid_username",
                _ => "invalid_code",
            },
            format!("{label}应为 1～32 位英文字母、数字或 - _ .（现为“{}”）", value.chars().take(40).collect::<String>()),
        ))
    }
}

/// Passwords that appear at the top of every leaked list, and the ones Chinese users choose
/// most (SplashData, the 2011 CSDN and 2024 national leak lists): refused whatever the rules.
const COMMON_PASSWORDS: &[&str] = &[
    "password", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "qwertyui", "qwerty123", "qwertyuiop",
    "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "q1w2e3r4", "zaq12wsx", "abcd1234", "abc12345", "abc123456", "a1234567",
    "a12345678", "a123456789", "aa123456", "aa12345678", "asdf1234", "asdfghjk", "asd123456", "zxcvbnm1", "iloveyou",
    "iloveyou1", "woaini1314", "woaini520", "5201314a", "qq123456", "qq5201314", "admin123", "admin1234", "admin888",
    "administrator", "root1234", "welcome1", "letmein1", "sunshine", "princess", "football", "baseball", "dragon12",
    "monkey12", "master12", "superman", "trustno1", "changeme", "computer", "internet", "test1234", "testtest",
    "aaaaaaaa", "abcdefgh", "abcdefg1", "12345678a", "123456789a", "123456abc", "123qweasd", "qweasdzxc", "1234qwer",
    "qwer1234", "1234abcd", "wang1234", "li123456", "zhang123", "12345qwert",
];

/// A new password: 8 to 256 characters, not only digits (a birthday, a phone number), not one
/// character repeated, not the login name, not one of the most common passwords.
pub fn password(pw: &str, username: &str) -> Result<(), DomainError> {
    let weak = |m: &str| Err(DomainError::invalid("weak_password", m.to_string()));
    let n = pw.chars().count();
    if n < 8 {
        return weak("密码至少 8 位");
    }
    if n > 256 {
        return weak("密码不能超过 256 位");
    }
    if pw.chars().all(|c| c.is_ascii_digit()) {
        return weak("密码不能全是数字，请加入字母或符号");
    }
    let first = pw.chars().next();
    if pw.chars().all(|c| Some(c) == first) {
        return weak("密码不能由同一个字符重复组成");
    }
    let lower = pw.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return weak("密码不能包含用户名");
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return weak("这是最常见的密码之一，很容易被猜中，请换一个");
    }
    Ok(())
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
    fn weak_passwords_are_refused_with_the_reason() {
        for (pw, ok) in [("12345678", false), ("1234567890123", false), ("short1", false), ("aaaaaaaaaa", false),
            ("password", false), ("Woaini1314", false), ("xh-ll2026", false), ("Xihu#2026", true), ("long-enough", true)] {
            assert_eq!(password(pw, "xh-ll").is_ok(), ok, "{pw}");
        }
        assert!(code("code", "编码", "donghu-hp").is_ok());
        assert!(code("code", "编码", "东湖").is_err());
        assert!(code("code", "编码", &"a".repeat(33)).is_err());
    }

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
