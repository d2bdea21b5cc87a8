//! The one error a rule can give. The web layer maps [`ErrorKind`] to an HTTP status and sends
//! `{code, message}`: `code` is a stable snake_case identifier for programs, `message` is the
//! Chinese sentence a user reads.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is malformed (400).
    BadRequest,
    /// The request is well-formed but a value is not acceptable (422).
    Invalid,
    /// Not logged in (401).
    Unauthenticated,
    /// Logged in, but this user may not do this (403).
    Forbidden,
    /// Nothing with that identity, or nothing this user may see (404).
    NotFound,
    /// Not allowed in the current state, or a concurrent change won (409).
    Conflict,
    /// The body is too large (413).
    TooLarge,
    /// Too many attempts (429).
    TooMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        DomainError { kind, code, message: message.into() }
    }
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for DomainError {}
