//! The fields every kind's action bodies carry, read the same way: texts checked for length
//! and NUL, optional comments, yes/no flags that must be given.

use sanfu_domain::validate::{self, MAX_CONTENT_CHARS, MAX_SHORT_TEXT_CHARS};

use crate::error::ApiError;

/// A short text (a reason, a note), required.
pub(crate) fn short(field: &'static str, label: &str, v: &Option<String>) -> Result<String, ApiError> {
    Ok(validate::text(field, label, v.as_deref().unwrap_or_default(), MAX_SHORT_TEXT_CHARS)?)
}

/// A long text (an answer, a report), required.
pub(crate) fn long(field: &'static str, label: &str, v: &Option<String>) -> Result<String, ApiError> {
    Ok(validate::text(field, label, v.as_deref().unwrap_or_default(), MAX_CONTENT_CHARS)?)
}

/// An optional comment.
pub(crate) fn optional(v: &Option<String>) -> Result<Option<String>, ApiError> {
    Ok(validate::optional_text("comment", "说明", v.as_deref(), MAX_SHORT_TEXT_CHARS)?)
}

/// A yes/no that must be given.
pub(crate) fn flag(v: Option<bool>, name: &str) -> Result<bool, ApiError> {
    v.ok_or_else(|| ApiError::unprocessable("missing_field", format!("缺少字段 {name}（true 或 false）")))
}
