//! Secrets at rest: source credentials are sealed with XChaCha20-Poly1305 before they reach
//! the database, so the file (and its backups) never holds a token in clear.
//!
//! The key comes from `RAPPORT_SECRET_KEY` (32 bytes, base64) or, when that is unset, from a
//! `secret.key` file in the data directory, created with mode 0600 on first use. Losing the
//! key makes stored credentials unreadable (they must be entered again), never wrong: the
//! AEAD tag refuses a wrong key.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable holding the key (base64 of 32 bytes).
pub const SECRET_KEY_ENV: &str = "RAPPORT_SECRET_KEY";
/// The key file's name inside the data directory.
pub const SECRET_KEY_FILE: &str = "secret.key";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// Why a key could not be loaded or a secret could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key text is not base64 of 32 bytes.
    #[error("the secret key from {origin} is not valid: {message} (expected base64 of 32 bytes, e.g. from `openssl rand -base64 32`)")]
    BadKey {
        /// Where the key came from (the variable or the file).
        origin: String,
        /// What is wrong with it.
        message: String,
    },
    /// The key file could not be read or created.
    #[error("cannot read or create the secret key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A sealed value did not open: another key sealed it, or it was altered.
    #[error("a stored secret cannot be decrypted with this key (was {SECRET_KEY_ENV} or {SECRET_KEY_FILE} changed?)")]
    Undecryptable,
    /// The system's random number generator failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

/// A credential (token, password, webhook secret). Its `Debug` and `Display` print
/// `[redacted]`, so it cannot leak into logs by accident; [`Secret::expose`] is the one
/// deliberate way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The key that seals credentials at rest.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_LEN]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    /// A key from its base64 text; `origin` names where it came from, for the error.
    pub fn from_base64(text: &str, origin: &str) -> Result<SecretKey, SecretError> {
        let bad = |message: String| SecretError::BadKey {
            origin: origin.to_string(),
            message,
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| bad(e.to_string()))?;
        let key: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| bad(format!("it decodes to {} bytes", b.len())))?;
        Ok(SecretKey(key))
    }

    /// A new random key.
    pub fn generate() -> Result<SecretKey, SecretError> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(SecretKey(key))
    }

    /// The key from `RAPPORT_SECRET_KEY` when set, otherwise from `dir/secret.key`, which is
    /// created (mode 0600, a fresh random key) when it does not exist.
    pub fn load_or_create(dir: &Path) -> Result<SecretKey, SecretError> {
        match std::env::var(SECRET_KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => SecretKey::from_base64(&text, SECRET_KEY_ENV),
            _ => SecretKey::from_file(&dir.join(SECRET_KEY_FILE)),
        }
    }

    /// The key in `path`, creating the file with a fresh key (mode 0600) if it is missing.
    pub fn from_file(path: &Path) -> Result<SecretKey, SecretError> {
        let file_err = |source| SecretError::KeyFile {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::from_base64(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        let text = base64::engine::general_purpose::STANDARD.encode(key.0);
                        writeln!(file, "{text}").map_err(file_err)?;
                        file.sync_all().map_err(file_err)?;
                        Ok(key)
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let text = std::fs::read_to_string(path).map_err(file_err)?;
                        SecretKey::from_base64(&text, &path.display().to_string())
                    }
                    Err(e) => Err(file_err(e)),
                }
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// Seals `secret`: a random nonce followed by the ciphertext and its tag.
    pub fn seal(&self, secret: &Secret) -> Result<Vec<u8>, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), secret.expose().as_bytes())
            .map_err(|_| SecretError::Random("encryption failed".into()))?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Opens what [`SecretKey::seal`] sealed with this key.
    pub fn open(&self, sealed: &[u8]) -> Result<Secret, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| SecretError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_redacted_and_round_trip_only_with_their_key() {
        let secret = Secret::new("tok-123");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        let key = SecretKey::generate().unwrap();
        assert!(!format!("{key:?}").contains(&format!("{:?}", key.0)));
        let sealed = key.seal(&secret).unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"tok-123"));
        assert_eq!(key.open(&sealed).unwrap(), secret);
        let other = SecretKey::generate().unwrap();
        assert!(matches!(
            other.open(&sealed),
            Err(SecretError::Undecryptable)
        ));
        assert!(matches!(
            key.open(&sealed[..10]),
            Err(SecretError::Undecryptable)
        ));
    }

    #[test]
    fn a_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRET_KEY_FILE);
        let first = SecretKey::from_file(&path).unwrap();
        let again = SecretKey::from_file(&path).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            SecretKey::from_base64("c2hvcnQ=", "test"),
            Err(SecretError::BadKey { .. })
        ));
    }
}
