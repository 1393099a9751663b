//! The session cookie: `__Host-rapport_session` over HTTPS (`Secure`, `Path=/`, no
//! `Domain`), `rapport_session` when the server is told it is plain HTTP on loopback;
//! always `HttpOnly` and `SameSite=Lax`.

use axum::http::{header, HeaderMap, HeaderValue};

use super::secret::Secret;

/// How long a session lasts after login, whatever the activity.
pub const SESSION_HOURS: i64 = 12;

/// Whether the session cookie may travel over plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookiePolicy {
    /// The server is reached over HTTPS (directly or through a TLS-terminating proxy):
    /// `Secure` cookies with the `__Host-` prefix. The default.
    #[default]
    Https,
    /// The server is plain HTTP on a loopback address (`rapport demo`, local `serve`),
    /// where browsers would drop a `Secure` cookie.
    PlainLoopback,
}

impl CookiePolicy {
    /// The cookie's name.
    pub fn name(self) -> &'static str {
        match self {
            CookiePolicy::Https => "__Host-rapport_session",
            CookiePolicy::PlainLoopback => "rapport_session",
        }
    }

    fn attributes(self) -> &'static str {
        match self {
            CookiePolicy::Https => "; Path=/; HttpOnly; SameSite=Lax; Secure",
            CookiePolicy::PlainLoopback => "; Path=/; HttpOnly; SameSite=Lax",
        }
    }

    /// `Set-Cookie` for a new session.
    pub fn set(self, session: &Secret) -> Option<HeaderValue> {
        let value = format!(
            "{}={}{}; Max-Age={}",
            self.name(),
            session.expose(),
            self.attributes(),
            SESSION_HOURS * 3600
        );
        HeaderValue::from_str(&value).ok()
    }

    /// `Set-Cookie` that makes the browser forget the session.
    pub fn clear(self) -> HeaderValue {
        let value = format!("{}={}; Max-Age=0", self.name(), self.attributes());
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The session id a request carries, if any.
    pub fn read(self, headers: &HeaderMap) -> Option<Secret> {
        let wanted = self.name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == wanted && !value.is_empty() && value.len() <= 128)
            .map(|(_, value)| Secret::new(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_written_and_read_back() {
        let session = Secret::new("abc123");
        let set = CookiePolicy::Https.set(&session).unwrap();
        assert_eq!(
            set.to_str().unwrap(),
            "__Host-rapport_session=abc123; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200"
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("other=1; __Host-rapport_session=abc123; x=y"),
        );
        assert_eq!(CookiePolicy::Https.read(&headers), Some(session));
        assert_eq!(CookiePolicy::PlainLoopback.read(&headers), None);
        assert!(CookiePolicy::PlainLoopback
            .clear()
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
    }
}
