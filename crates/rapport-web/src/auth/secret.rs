//! Random secrets (session ids, API tokens, generated passwords), their stored hashes and
//! the CSRF token derived from a session.
//!
//! A secret is 256 random bits from the operating system. Only its SHA-256 is stored
//! ([`SecretHash`]): with that much entropy a fast hash is enough, and a stolen database
//! lets nobody in.

use rapport_store::SecretHash;
use sha2::{Digest, Sha256};

use crate::error::WebError;

/// Every API token starts with this, so secret scanners and humans recognise one.
pub const API_TOKEN_PREFIX: &str = "rpt_";
/// Characters of a token shown to users to tell tokens apart (`rpt_` and 8 hex digits).
const SHOWN_PREFIX_LEN: usize = API_TOKEN_PREFIX.len() + 8;

/// A secret string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret received from outside (a cookie, a header, a form).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its SHA-256, the only form the store keeps.
    pub fn hash(&self) -> SecretHash {
        SecretHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `n` random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N], WebError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| WebError::Internal(format!("the system random source failed: {e}")))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// A new session id: 256 random bits, hex.
pub fn new_session_id() -> Result<Secret, WebError> {
    Ok(Secret(hex(&random_bytes::<32>()?)))
}

/// A new API token (`rpt_` and 256 random bits in hex) and the prefix users may see.
pub fn new_api_token() -> Result<(Secret, String), WebError> {
    let token = format!("{API_TOKEN_PREFIX}{}", hex(&random_bytes::<32>()?));
    let shown = token[..SHOWN_PREFIX_LEN].to_string();
    Ok((Secret(token), shown))
}

/// A strong generated password: 20 characters from a 54-symbol alphabet without look-alikes
/// (about 115 bits), grouped by dashes for reading aloud.
pub fn generate_password() -> Result<Secret, WebError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(24);
    let mut produced = 0;
    while produced < 20 {
        for byte in random_bytes::<32>()? {
            // Rejection sampling keeps every symbol equally likely.
            let limit = 256 - 256 % ALPHABET.len();
            if usize::from(byte) >= limit || produced == 20 {
                continue;
            }
            if produced > 0 && produced % 5 == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            produced += 1;
        }
    }
    Ok(Secret(out))
}

/// The CSRF token of a session: a keyed hash of the session id, so it needs no storage,
/// changes with every login and cannot be computed without the (HttpOnly) cookie.
pub fn csrf_token(session_id: &Secret) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"rapport csrf v1\0");
    hasher.update(session_id.0.as_bytes());
    hex(&hasher.finalize())
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_stably() {
        let (token, shown) = new_api_token().unwrap();
        assert!(token.expose().starts_with("rpt_"));
        assert_eq!(token.expose().len(), 4 + 64);
        assert!(token.expose().starts_with(&shown));
        assert_eq!(shown.len(), 12);
        let (other, _) = new_api_token().unwrap();
        assert_ne!(token, other);
        assert_eq!(token.hash(), Secret::new(token.expose()).hash());
        assert_ne!(token.hash(), other.hash());
        assert_eq!(format!("{token:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 23, "{}", a.expose());
        assert_eq!(a.expose().matches('-').count(), 3);
    }

    #[test]
    fn csrf_tokens_follow_the_session() {
        let one = new_session_id().unwrap();
        let two = new_session_id().unwrap();
        assert_eq!(csrf_token(&one), csrf_token(&Secret::new(one.expose())));
        assert_ne!(csrf_token(&one), csrf_token(&two));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
