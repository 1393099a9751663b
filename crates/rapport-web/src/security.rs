//! Headers every response carries.
//!
//! The Content-Security-Policy allows only this origin's own scripts, styles and
//! connections, so even if hostile post text ever escaped the templates it could not run
//! inline script, load a foreign one or be framed. Responses that do not choose their own
//! caching get `Cache-Control: no-store`: pages and API answers are live data.

use axum::{
    http::{header, HeaderName, HeaderValue},
    response::Response,
};

/// The policy: same-origin everything, no inline script or style, no framing.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// Header name and value pairs set on every response, replacing any a handler set.
const HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Adds the security headers (and a default `Cache-Control`) to a response.
pub(crate) async fn set_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
