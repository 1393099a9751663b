//! The stylesheet, script and icon, embedded in the binary: no build step, no files to
//! deploy, no external resources.
//!
//! Each asset has a version (a hash of its bytes, computed at compile time) that pages put
//! in the asset's URL (`/static/app.js?v=...`), so browsers may cache assets for a day and
//! still pick up a new release at once. The version doubles as the `ETag`.

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, MethodRouter},
};

use crate::AppState;

/// One embedded file.
pub(crate) struct Asset {
    /// Where it is served.
    pub path: &'static str,
    /// Its `Content-Type`.
    content_type: &'static str,
    /// Its bytes.
    body: &'static str,
    /// A hash of its bytes.
    hash: u64,
}

impl Asset {
    const fn new(path: &'static str, content_type: &'static str, body: &'static str) -> Self {
        Asset {
            path,
            content_type,
            body,
            hash: fnv1a(body.as_bytes()),
        }
    }

    /// The URL pages link to: the path with the version, so a new release busts caches.
    pub fn url(&self) -> String {
        format!("{}?v={:016x}", self.path, self.hash)
    }

    fn etag(&self) -> String {
        format!("\"{:016x}\"", self.hash)
    }

    fn respond(&self, request_headers: &HeaderMap) -> Response {
        let etag = self.etag();
        let fresh = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
        let cache = (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
        let etag_header = (header::ETAG, etag);
        if fresh {
            return (StatusCode::NOT_MODIFIED, [cache], [etag_header]).into_response();
        }
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                cache,
            ],
            [etag_header],
            self.body,
        )
            .into_response()
    }
}

/// FNV-1a, 64 bits: small, `const`, and plenty to tell two versions of a file apart.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The dashboard script.
pub(crate) static APP_JS: Asset = Asset::new(
    "/static/app.js",
    "text/javascript; charset=utf-8",
    include_str!("../assets/app.js"),
);

/// The stylesheet.
pub(crate) static APP_CSS: Asset = Asset::new(
    "/static/app.css",
    "text/css; charset=utf-8",
    include_str!("../assets/app.css"),
);

/// The favicon.
pub(crate) static FAVICON: Asset = Asset::new(
    "/static/favicon.svg",
    "image/svg+xml",
    include_str!("../assets/favicon.svg"),
);

/// The embedded assets' paths and handlers (public routes of the route table).
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        (
            APP_JS.path,
            get(|headers: HeaderMap| async move { APP_JS.respond(&headers) }),
        ),
        (
            APP_CSS.path,
            get(|headers: HeaderMap| async move { APP_CSS.respond(&headers) }),
        ),
        (
            FAVICON.path,
            get(|headers: HeaderMap| async move { FAVICON.respond(&headers) }),
        ),
    ]
}

/// The stylesheet's text, for documents that inline it (a report saved to a file).
pub(crate) fn stylesheet() -> &'static str {
    APP_CSS.body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_differ_per_file_and_are_stable() {
        assert_ne!(APP_JS.hash, APP_CSS.hash);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert!(APP_JS.url().starts_with("/static/app.js?v="));
    }
}
