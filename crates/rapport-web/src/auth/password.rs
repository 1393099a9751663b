//! Password hashing: argon2id with OWASP's recommended parameters (19 MiB, 2 passes, one
//! lane: the `argon2` crate's defaults), stored as PHC strings (`$argon2id$v=19$...`).

use argon2::{
    password_hash::{PasswordHasher, PasswordVerifier},
    Argon2,
};
use std::sync::OnceLock;

use crate::error::WebError;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes `password` with a fresh random salt into a PHC string. Slow on purpose (tens of
/// milliseconds): call it from a blocking task in async code.
pub fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| WebError::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash matches
/// nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the time of one verification without a user, so that an unknown login name
/// answers as slowly as a wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("not a real password, only a timing decoy").ok());
    if let Some(dummy) = dummy {
        let _ = verify_password(password, dummy);
    }
}

/// Checks a chosen password's length; generated ones always pass.
pub fn check_strength(password: &str) -> Result<(), WebError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WebError::bad_request(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterz", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }
}
