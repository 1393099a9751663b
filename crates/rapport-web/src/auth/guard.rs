//! The route guard: every route declares an [`Access`] in the route table
//! (`crate::routes::table`), and this middleware enforces it before the handler runs.
//!
//! - [`Access::Public`] routes run without looking at credentials.
//! - Otherwise the caller is resolved ([`super::resolve`]). Pages take sessions only; the
//!   JSON API also takes bearer tokens. No valid credential: pages redirect to `/login`,
//!   the API answers 401.
//! - A state-changing request (anything but GET/HEAD/OPTIONS) authenticated by a session
//!   must carry the session's CSRF token, in the `X-CSRF-Token` header or a `csrf` form
//!   field; bearer-token requests are exempt (browsers never attach them by themselves).
//! - [`Access::Workspace`] checks the caller's role in the workspace named by the route's
//!   `{id}` segment. Another workspace's data is 403, like a role that is too low: ids are
//!   sequential, so a 404 would hide nothing.

use axum::{
    body::Body,
    extract::{FromRequestParts, Path, Request, State},
    http::{header, Method},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use rapport_model::Role;
use std::collections::HashMap;

use super::caller::{resolve, Caller, Identity};
use super::secret::constant_time_eq;
use crate::{
    error::{ApiError, PageError, WebError},
    routes::parse_workspace_id,
    AppState,
};

/// The largest form body the guard reads to find the CSRF field.
const FORM_LIMIT: usize = 64 * 1024;

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: `/healthz`, `/static/*`, `/login`, webhooks with their own auth.
    Public,
    /// Any logged-in user or API token; the handler filters what it shows.
    SignedIn,
    /// At least this role in the workspace of the route's `{id}`.
    Workspace(Role),
    /// An instance administrator.
    InstanceAdmin,
}

/// What a route answers with, which decides how refusals look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// HTML for browsers: a redirect to `/login`, error pages.
    Page,
    /// JSON: 401/403 with `{"error": ...}`.
    Api,
}

/// The guard's per-route state.
#[derive(Clone)]
pub(crate) struct Guard {
    pub(crate) app: AppState,
    pub(crate) access: Access,
    pub(crate) kind: Kind,
}

fn refuse(kind: Kind, error: WebError) -> Response {
    match (kind, &error) {
        (Kind::Page, WebError::Unauthorized) => Redirect::to("/login").into_response(),
        (Kind::Page, _) => PageError(error).into_response(),
        (Kind::Api, _) => ApiError(error).into_response(),
    }
}

/// The middleware: resolves and checks the caller, then runs the handler with a
/// [`Caller`] in the request's extensions.
pub(crate) async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if guard.access == Access::Public {
        return next.run(request).await;
    }
    match check(&guard, request).await {
        Ok(request) => next.run(request).await,
        Err(error) => refuse(guard.kind, error),
    }
}

async fn check(guard: &Guard, request: Request) -> Result<Request, WebError> {
    let mut identity = resolve(&guard.app, request.headers()).await?;
    if guard.kind == Kind::Page && matches!(identity, Identity::Token(_)) {
        // API tokens are for the JSON API; a browser page needs a login.
        identity = Identity::Anonymous;
    }
    if matches!(identity, Identity::Anonymous) {
        return Err(WebError::Unauthorized);
    }
    let caller = Caller(identity);
    let (mut parts, body) = request.into_parts();
    let body = match caller.csrf() {
        Some(expected) if !is_safe(&parts.method) => {
            let (presented, body) = presented_csrf(&parts, body).await?;
            if !presented.is_some_and(|token| constant_time_eq(&token, expected)) {
                return Err(WebError::forbidden(
                    "missing or wrong CSRF token: reload the page and try again",
                ));
            }
            body
        }
        _ => body,
    };
    match guard.access {
        Access::Public | Access::SignedIn => {}
        Access::InstanceAdmin => {
            if !caller.is_instance_admin() {
                return Err(WebError::forbidden(
                    "only an instance administrator may do this",
                ));
            }
        }
        Access::Workspace(required) => {
            let params = Path::<HashMap<String, String>>::from_request_parts(&mut parts, &())
                .await
                .map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
            let raw = params.get("id").map(String::as_str).unwrap_or_default();
            let workspace = match guard.kind {
                Kind::Api => parse_workspace_id(raw)?,
                Kind::Page => {
                    parse_workspace_id(raw).map_err(|_| WebError::not_found("no such workspace"))?
                }
            };
            let allowed = caller
                .role_in(workspace)
                .is_some_and(|role| role.allows(required));
            if !allowed {
                return Err(WebError::forbidden(format!(
                    "this needs the {required} role in workspace {workspace}"
                )));
            }
        }
    }
    parts.extensions.insert(caller);
    Ok(Request::from_parts(parts, body))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The CSRF token of a request (header first, then a urlencoded form's `csrf` field),
/// and the body to hand on (read into memory when it was a form).
async fn presented_csrf(
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<(Option<String>, Body), WebError> {
    if let Some(value) = parts.headers.get("x-csrf-token") {
        return Ok((value.to_str().ok().map(str::to_string), body));
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, body));
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        WebError::bad_request(format!("form bodies are limited to {FORM_LIMIT} bytes"))
    })?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let token = fields
        .into_iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value);
    Ok((token, Body::from(bytes)))
}
