//! Authentication and authorization.
//!
//! - [`password`]: argon2id hashing of passwords (PHC strings);
//! - [`secret`]: session ids, API tokens and generated passwords (256 random bits; only
//!   their SHA-256 is stored), and the CSRF token derived from a session;
//! - [`cookie`]: the session cookie's name and attributes;
//! - [`limit`]: the in-memory login rate limit;
//! - [`caller`]: who is calling, from a session cookie or a bearer token;
//! - [`guard`]: the middleware that enforces each route's [`Access`] and CSRF.
//!
//! The store keeps users, memberships, sessions, tokens and the audit log
//! ([`rapport_store::AccountStore`]); this module never hands it a secret.

pub mod caller;
pub mod cookie;
pub mod guard;
pub mod limit;
pub mod password;
pub mod secret;

pub use caller::{Caller, Identity};
pub use cookie::CookiePolicy;
pub use guard::{Access, Kind};
pub use limit::LoginLimiter;
pub use password::{hash_password, verify_password};
pub use secret::{generate_password, new_api_token, Secret};
