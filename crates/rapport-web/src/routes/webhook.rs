//! `POST /api/v1/hooks/{source_id}`: posts pushed to rapport by anything that can send JSON.
//!
//! **This route authenticates itself and must stay reachable without a session** (the
//! dashboard's login does not apply to it): the caller proves it knows the secret of the
//! source, a `webhook` source created with `rapport sources add --kind webhook`, either as
//! `Authorization: Bearer <secret>` (compared in constant time) or as
//! `X-Rapport-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`.
//! Unknown sources and bad credentials get the same 401, so ids cannot be probed.
//!
//! The body is one post in rapport's JSON shape ([`rapport_model::Post`]) or
//! `{"posts": [...]}`, at most [`MAX_BODY_BYTES`] and [`MAX_POSTS`] posts. `network` may be
//! left out and, if given, must be `webhook`: posts are shared between workspaces, so a
//! workspace's hook may not rewrite posts of the networks rapport reads itself.
//! Each post is checked; the good ones are analysed, matched and stored (in one
//! transaction) before the answer is sent, and bad ones are listed with their index and
//! field: 200 when all were stored, 422 when some were refused (the rest are stored).
//! Scaled out ([`Webhooks::with_log`]), the good posts are appended to the ingest log
//! instead, and the answer is sent once the log holds them (`logged`); the workers store them.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{routing::MethodRouter, Json};
use hmac::{Hmac, KeyInit, Mac};
use rapport_bus::IngestLog;
use rapport_engine::Ingestor;
use rapport_model::{Network, Post};
use rapport_store::{PollProgress, SecretKey, SourceId, SourceStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, WebError};
use crate::AppState;

/// Largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most posts in one request.
pub const MAX_POSTS: usize = 1_000;
/// The source kind whose secret authenticates this route.
pub const WEBHOOK_KIND: &str = "webhook";

/// What the webhook needs: the ingestor (analysis and matching), the sources and the key
/// that opens their secrets.
#[derive(Clone)]
pub struct Webhooks {
    ingestor: Ingestor,
    sources: Arc<dyn SourceStore>,
    key: SecretKey,
    log: Option<Arc<dyn IngestLog>>,
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

impl Webhooks {
    /// Webhooks storing through `ingestor` and authenticating against `sources`' secrets.
    pub fn new(ingestor: Ingestor, sources: Arc<dyn SourceStore>, key: SecretKey) -> Self {
        Webhooks {
            ingestor,
            sources,
            key,
            log: None,
        }
    }

    /// Appends the posts to `log` for the workers to store, instead of storing them here.
    pub fn with_log(mut self, log: Arc<dyn IngestLog>) -> Self {
        self.log = Some(log);
        self
    }
}

/// The answer: counts of what was stored, and the posts refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HookReceipt {
    /// Posts stored (new, updated or unchanged).
    pub accepted: u64,
    /// Of those, posts new to rapport.
    pub inserted: u64,
    /// Mentions recorded for the first time.
    pub new_mentions: u64,
    /// Posts appended to the ingest log for the workers to store (scaled out; `inserted`
    /// and `new_mentions` are then 0, as the workers have not stored them yet).
    #[serde(default)]
    pub logged: u64,
    /// Posts refused, with why.
    pub rejected: Vec<RejectedPost>,
}

/// One refused post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RejectedPost {
    /// Its index in `posts` (0 for a single post).
    pub index: usize,
    /// The field at fault (`text`, `author.handle`...), or `.` for the post itself.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The handler of `POST /api/v1/hooks/{source_id}`, listed in the route table as public: it
/// authenticates the request itself, with the source's secret.
pub(crate) fn handler() -> MethodRouter<AppState> {
    // Larger bodies are refused with 413 before they are read.
    post(receive).layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// An answer `{"error": {"code": ..., "message": ...}}` with `status`.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let body = crate::error::ErrorBody::new(crate::error::status_code_name(status), message);
    (status, Json(body)).into_response()
}

fn unauthorized() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "unknown source or bad credentials",
    )
}

/// Store failures: logged, answered 500 without detail.
fn internal(error: impl Into<WebError>) -> Response {
    ApiError(error.into()).into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/hooks/{source_id}",
    tag = "webhooks",
    summary = "Push posts to a webhook source (authenticated by the source's own secret)",
    description = "The body is one post in rapport's JSON shape or `{\"posts\": [...]}`. Authenticate with `Authorization: Bearer <secret>` or `X-Rapport-Signature: sha256=<hex HMAC-SHA256 of the body>`.",
    params(("source_id" = i64, Path, description = "The webhook source's id")),
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "Every post stored", body = HookReceipt),
        (status = 400, description = "Not JSON or not a post", body = crate::error::ErrorBody),
        (status = 401, description = "Unknown source or bad credentials", body = crate::error::ErrorBody),
        (status = 404, description = "Webhooks are not enabled on this server", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 422, description = "Some posts refused (the rest stored), each with index and field", body = HookReceipt),
        (status = 503, description = "Scaled out, the ingest log is unavailable: nothing was accepted", body = crate::error::ErrorBody),
    ),
    security(("source_secret" = []))
)]
pub(crate) async fn receive(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let Some(hooks) = state.webhooks.clone() else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "webhooks are not enabled on this server",
        ));
    };
    let id = raw_id
        .trim()
        .parse::<i64>()
        .map(SourceId)
        .map_err(|_| unauthorized())?;
    let source = hooks.sources.source(id).await.map_err(internal)?;
    let Some(source) = source.filter(|s| s.kind == WEBHOOK_KIND && s.enabled) else {
        return Err(unauthorized());
    };
    let secret = hooks
        .sources
        .source_credentials(source.id, &hooks.key)
        .await
        .map_err(internal)?
        .ok_or_else(unauthorized)?;
    if !authenticated(&headers, &body, secret.expose().as_bytes()) {
        return Err(unauthorized());
    }
    let (posts, rejected) =
        parse_body(&body).map_err(|(status, message)| refuse(status, message))?;
    let mut receipt = HookReceipt {
        rejected,
        ..HookReceipt::default()
    };
    if let (Some(log), false) = (&hooks.log, posts.is_empty()) {
        let count = posts.len() as u64;
        log.publish(&posts).await.map_err(|e| {
            tracing::warn!(source = %source.id, "webhook posts not appended: {e}");
            internal(WebError::Unavailable(
                "the ingest log is unavailable; nothing was accepted, send again later".into(),
            ))
        })?;
        receipt.accepted = count;
        receipt.logged = count;
    } else if !posts.is_empty() {
        let matcher = hooks.ingestor.clone();
        let items = tokio::task::spawn_blocking(move || matcher.match_posts(posts))
            .await
            .map_err(|e| internal(WebError::Internal(format!("matching failed: {e}"))))?;
        let count = items.len() as u64;
        let outcome = hooks
            .sources
            .write_batch_with_checkpoint(source.id, items.into(), PollProgress::default())
            .await
            .map_err(internal)?;
        receipt.accepted = count;
        receipt.inserted = outcome.inserted;
        receipt.new_mentions = outcome.new_mentions;
    }
    let status = if receipt.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(receipt)).into_response())
}

/// Bearer token or body signature, both compared in constant time.
fn authenticated(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> bool {
    if let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        // Hashing both sides first makes the comparison independent of the lengths.
        let given = Sha256::digest(token.trim().as_bytes());
        let expected = Sha256::digest(secret);
        return bool::from(given.as_slice().ct_eq(expected.as_slice()));
    }
    if let Some(signature) = headers
        .get("x-rapport-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("sha256="))
    {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
            return false;
        };
        mac.update(body);
        return mac.verify_slice(&given).is_ok();
    }
    false
}

/// Splits the body into valid posts and refusals.
fn parse_body(body: &[u8]) -> Result<(Vec<Post>, Vec<RejectedPost>), (StatusCode, String)> {
    let bad = |message: String| (StatusCode::BAD_REQUEST, message);
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let elements = match value {
        serde_json::Value::Object(mut object) if object.contains_key("posts") => {
            match object.remove("posts") {
                Some(serde_json::Value::Array(posts)) => posts,
                _ => return Err(bad("posts must be an array of posts".into())),
            }
        }
        single @ serde_json::Value::Object(_) => vec![single],
        _ => return Err(bad("the body must be a post or {\"posts\": [...]}".into())),
    };
    if elements.len() > MAX_POSTS {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_POSTS} posts per request"),
        ));
    }
    let mut posts = Vec::with_capacity(elements.len());
    let mut rejected = Vec::new();
    for (index, mut element) in elements.into_iter().enumerate() {
        if let serde_json::Value::Object(object) = &mut element {
            let network = object
                .entry("network")
                .or_insert_with(|| serde_json::Value::String(Network::Webhook.as_str().into()));
            if network.as_str() != Some(Network::Webhook.as_str()) {
                rejected.push(RejectedPost {
                    index,
                    field: "network".into(),
                    message: "must be \"webhook\" or left out: a hook may not write posts of other networks".into(),
                });
                continue;
            }
        }
        match serde_path_to_error::deserialize::<_, Post>(element) {
            Ok(post) if post.native_id.trim().is_empty() => rejected.push(RejectedPost {
                index,
                field: "native_id".into(),
                message: "must not be empty".into(),
            }),
            Ok(post) => posts.push(post),
            Err(error) => rejected.push(RejectedPost {
                index,
                field: error.path().to_string(),
                message: error.inner().to_string(),
            }),
        }
    }
    Ok((posts, rejected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_tokens_must_match_exactly() {
        let secret = b"s3cret";
        let body = br#"{"text":"hi"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        let good = hex::encode(mac.finalize().into_bytes());
        let headers = |name: &str, value: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
            h
        };
        let sig = |s: &str| headers("x-rapport-signature", &format!("sha256={s}"));
        assert!(authenticated(&sig(&good), body, secret));
        assert!(!authenticated(&sig(&good), b"{}", secret));
        assert!(!authenticated(&sig("zz"), body, secret));
        assert!(authenticated(
            &headers("authorization", "Bearer s3cret"),
            body,
            secret
        ));
        assert!(!authenticated(
            &headers("authorization", "Bearer s3cre"),
            body,
            secret
        ));
        assert!(!authenticated(&HeaderMap::new(), body, secret));
    }
}
