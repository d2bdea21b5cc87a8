//! Passwords and tokens: Argon2 hashes (made off the async workers), the stand-in hash that
//! makes an unknown name cost what a known one does, and the short hashes that name tokens and
//! throttled names without storing them.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::StoreError;

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Other(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(e.to_string()))
}

/// [`hash_password`] off the async workers (Argon2 takes a noticeable moment on purpose).
pub(crate) async fn hash_in_background(password: &str) -> Result<String, StoreError> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&pw)).await.map_err(|e| StoreError::Other(e.to_string()))?
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash computed once at start, checked against for unknown names so that they cost the
/// same time as known ones.
pub(crate) fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("sanfu-no-such-user").unwrap_or_default())
}

/// The first `max` characters of attacker-chosen text, for logs and security events.
pub fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

pub(crate) fn short_hash(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}


pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stand_in_hash_for_unknown_names_is_a_real_one() {
        // A hash that did not parse would be refused at once, and an unknown name answered
        // faster than a known one.
        let h = super::dummy_hash();
        assert!(argon2::password_hash::PasswordHash::new(h).is_ok(), "{h}");
        assert!(!super::verify_password("sanfu2026", h));
    }
}
