//! `/login` and `/logout`.
//!
//! A login checks the rate limit first (per account and per client address, see
//! [`crate::auth::limit`]), then the password (an unknown account costs the same argon2
//! verification, against a decoy hash), and on success starts a new session: a fresh id,
//! whatever cookie the browser had (no session fixation). Every attempt is audited.
//!
//! The login form has no session to tie a CSRF token to; it is protected by `SameSite`
//! cookies and by refusing cross-site posts (`Sec-Fetch-Site: cross-site`, or an `Origin`
//! whose host is not this server's).

use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use maud::{html, Markup};
use rapport_model::AuditEvent;
use rapport_store::NewSession;
use serde::Deserialize;
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Instant,
};

use super::pages::layout;
use crate::{
    auth::{cookie::SESSION_HOURS, password, secret, Caller},
    error::{PageError, WebError},
    AppState,
};

/// Longest login name or password read from the form (longer ones cannot match and
/// would only cost hashing time).
const FIELD_MAX: usize = 1024;

/// The client's address, from the connection (127.0.0.1 when the server was started
/// without connection info, as in some tests).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ))
    }
}

/// The login form.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Query of `GET /login`.
#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    logged_out: Option<String>,
}

/// `GET /login` (`?logged_out=1` after a logout says so).
pub(crate) async fn page(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Markup {
    let logged_out = query.is_ok_and(|q| q.0.logged_out.is_some());
    login_page(&state, logged_out.then_some("You are logged out."), "")
}

fn login_page(state: &AppState, error: Option<&str>, email: &str) -> Markup {
    layout(
        "Log in",
        state.notice.as_deref(),
        html! {},
        html! {
            main.main {
                section.panel.message.login {
                    h1 { "Log in" }
                    @if let Some(error) = error {
                        p.form-error role="alert" { (error) }
                    }
                    form.stack method="post" action="/login" {
                        label for="email" { "E-mail or login name" }
                        input #email type="text" name="email" value=(email)
                            autocomplete="username" required autofocus;
                        label for="password" { "Password" }
                        input #password type="password" name="password"
                            autocomplete="current-password" required;
                        button type="submit" { "Log in" }
                    }
                    p.hint {
                        "Forgot the password? An administrator can set a new one with "
                        code { "rapport user passwd EMAIL" } "."
                    }
                }
            }
        },
    )
}

/// Whether a POST comes from another site (a login CSRF attempt).
fn cross_site(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Browsers that send Fetch Metadata say where the request comes from; trust it first.
    // (Our pages ask for `no-referrer`, under which Chromium sends `Origin: null` even for a
    // same-origin form: the real-browser test found that.) A sibling subdomain
    // (`same-site`) is refused like another site.
    match header("sec-fetch-site") {
        Some("same-origin") | Some("none") => return false,
        Some(_) => return true,
        None => {}
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            origin == "null" || origin_host != host
        }
        _ => false,
    }
}

/// `POST /login`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    if cross_site(&headers) {
        return Err(WebError::forbidden("cross-site login refused").into());
    }
    let Form(form) = form.map_err(|e| WebError::bad_request(e.body_text()))?;
    let email = form.email.trim();
    if email.is_empty() || email.len() > FIELD_MAX || form.password.len() > FIELD_MAX {
        let page = login_page(&state, Some("Enter your e-mail and password."), "");
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    if let Err(blocked) = state.limiter.check(ip, email, Instant::now()) {
        let minutes = blocked.retry_after.as_secs().div_ceil(60).max(1);
        tracing::warn!(%ip, by = blocked.by, "login refused by the rate limit");
        let message = format!(
            "Too many failed logins for this {}. Try again in {minutes} minute{}.",
            blocked.by,
            if minutes == 1 { "" } else { "s" }
        );
        let page = login_page(&state, Some(&message), email);
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }

    let credentials = state.accounts.user_credentials(email).await?;
    let password = secret::Secret::new(form.password);
    let (user, ok) = tokio::task::spawn_blocking(move || match credentials {
        Some(found) => {
            let ok = password::verify_password(password.expose(), &found.password_hash);
            (Some(found.user), ok)
        }
        None => {
            password::verify_dummy(password.expose());
            (None, false)
        }
    })
    .await
    .map_err(|e| WebError::Internal(format!("password check failed: {e}")))?;

    let user = match user {
        Some(user) if ok && !user.disabled => user,
        user => {
            state.limiter.record_failure(ip, email, Instant::now());
            state
                .accounts
                .record_audit(AuditEvent {
                    user: user.as_ref().map(|u| u.id),
                    actor: email.chars().take(254).collect(),
                    workspace: None,
                    action: "login.failed".into(),
                    target: None,
                    at: chrono::Utc::now(),
                    detail: serde_json::json!({ "ip": ip.to_string() }),
                })
                .await?;
            let page = login_page(&state, Some("Wrong e-mail or password."), email);
            return Ok((StatusCode::UNAUTHORIZED, page).into_response());
        }
    };
    state.limiter.clear_account(email);

    // A new session id on every login; the one the browser brought (if any) ends.
    if let Some(old) = state.cookies.read(&headers) {
        state.accounts.delete_session(old.hash()).await?;
    }
    let session = secret::new_session_id()?;
    state
        .accounts
        .create_session(NewSession {
            id_hash: session.hash(),
            user: user.id,
            expires_at: chrono::Utc::now() + chrono::TimeDelta::hours(SESSION_HOURS),
        })
        .await?;
    state
        .accounts
        .record_audit(AuditEvent {
            user: Some(user.id),
            actor: user.email.clone(),
            workspace: None,
            action: "login.ok".into(),
            target: None,
            at: chrono::Utc::now(),
            detail: serde_json::json!({ "ip": ip.to_string() }),
        })
        .await?;
    let cookie = state
        .cookies
        .set(&session)
        .ok_or_else(|| WebError::Internal("session cookie is not a valid header".into()))?;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /logout` (signed in, CSRF-checked by the guard): ends the session on the server
/// and clears the cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, PageError> {
    if let crate::auth::Identity::Session { session, .. } = &caller.0 {
        state.accounts.delete_session(*session).await?;
    }
    let mut response = Redirect::to("/login?logged_out=1").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.cookies.clear());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cross_site_posts_are_recognised() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:7878"));
        assert!(!cross_site(&headers));
        headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:7878"));
        assert!(!cross_site(&headers));
        headers.insert("origin", HeaderValue::from_static("https://evil.example"));
        assert!(cross_site(&headers));
        headers.insert("origin", HeaderValue::from_static("null"));
        assert!(cross_site(&headers));
        // Chromium under `Referrer-Policy: no-referrer`: a same-origin form with a null Origin.
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(!cross_site(&headers));
        headers.remove("origin");
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(cross_site(&headers));
    }
}
