//! Posts to any site with a Micropub endpoint (W3C Recommendation,
//! <https://www.w3.org/TR/micropub/>): IndieWeb sites, micro.blog, Known, WordPress with
//! the IndieAuth and Micropub plugins.
//!
//! - Posting (<https://www.w3.org/TR/micropub/#create>): `POST` to the endpoint,
//!   form-encoded `h=entry&content=...` (and `in-reply-to=<url>` for a reply), with
//!   `Authorization: Bearer <token>` (<https://www.w3.org/TR/micropub/#authentication-0>,
//!   scope `create`); the server answers `201 Created` with the post's URL in `Location`, or
//!   `202 Accepted` with the URL it will have. The URL is the post's id.
//! - Errors (<https://www.w3.org/TR/micropub/#error-response>): `{"error",
//!   "error_description"}` with `invalid_request` (400), `unauthorized` (401), `forbidden`
//!   and `insufficient_scope` (403): 401/403 → [`PublishError::Unauthorized`], 429 (the
//!   Recommendation has none; servers behind a limiter send it) → `RateLimited`, 408/5xx →
//!   `Transient`, anything else → `Rejected` with the server's description.
//! - Length: none worth enforcing ([`LengthRule::Unlimited`]).
//! - Idempotency: Micropub has none. [`Publisher::find_published`] reads the endpoint's
//!   recent posts with `GET ?q=source&limit=20` (the widely implemented "query for post
//!   list" extension, <https://indieweb.org/Micropub-extensions#Query_for_Post_List>) and
//!   matches the content. An endpoint without that extension answers 400: the lookup then
//!   answers `None` and a retry after a lost answer may post twice (logged as a warning).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::time::Duration;

use super::length::LengthRule;
use super::{transport, Outgoing, PublishError, Published, Publisher};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "Micropub";
/// How many recent posts the reconciliation reads.
const LOOKBACK: usize = 20;

/// Posts through one Micropub endpoint, through the guarded [`Fetcher`].
pub struct MicropubPublisher {
    fetcher: Fetcher,
    endpoint: Url,
    token: String,
}

impl std::fmt::Debug for MicropubPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token never appears in logs.
        f.debug_struct("MicropubPublisher")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

/// Micropub's error body.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// `q=source` without a URL: `{"items": [{"type", "properties": {"content", "url"}}]}`.
#[derive(Debug, Default, Deserialize)]
struct SourceList {
    #[serde(default)]
    items: Vec<SourceItem>,
}

#[derive(Debug, Default, Deserialize)]
struct SourceItem {
    #[serde(default)]
    properties: SourceProperties,
}

#[derive(Debug, Default, Deserialize)]
struct SourceProperties {
    #[serde(default)]
    content: Vec<serde_json::Value>,
    #[serde(default)]
    url: Vec<String>,
}

impl MicropubPublisher {
    /// A publisher posting to `endpoint` with the access token `token` (scope `create`).
    pub fn new(fetcher: Fetcher, endpoint: Url, token: String) -> Self {
        MicropubPublisher {
            fetcher,
            endpoint,
            token,
        }
    }
}

/// A content value's text: a plain string, or `{"value"|"html": ...}`.
fn content_text(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Object(map) => map
            .get("value")
            .or_else(|| map.get("html"))
            .and_then(|v| v.as_str()),
        _ => None,
    }
}

fn error_of(posted: &Posted) -> PublishError {
    let body: ErrorBody = serde_json::from_slice(&posted.body).unwrap_or_default();
    let message = match (body.error_description, body.error) {
        (Some(description), Some(code)) => format!("{description} ({code})"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => format!("HTTP {}", posted.status),
    };
    match posted.status {
        401 | 403 => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        429 => PublishError::RateLimited {
            network: NETWORK,
            retry_after: posted.rate_limit.wait().unwrap_or(Duration::from_secs(60)),
        },
        408 | 500..=599 => PublishError::Transient {
            network: NETWORK,
            message,
        },
        _ => PublishError::Rejected {
            network: NETWORK,
            message,
        },
    }
}

#[async_trait]
impl Publisher for MicropubPublisher {
    fn network(&self) -> Network {
        // A personal site: rapport reads it back as a feed.
        Network::Feed
    }

    fn name(&self) -> &'static str {
        NETWORK
    }

    fn length_rule(&self) -> LengthRule {
        LengthRule::Unlimited { network: NETWORK }
    }

    async fn publish(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "Micropub has no native polls: link a survey page instead".into(),
            ));
        }
        let mut fields: Vec<(&str, &str)> = vec![("h", "entry"), ("content", &post.text)];
        if let Some(parent) = &post.in_reply_to {
            if Url::parse(parent).is_err() {
                return Err(PublishError::NotSupported(format!(
                    "a Micropub reply needs the URL of the post answered, not {parent:?}"
                )));
            }
            fields.push(("in-reply-to", parent));
        }
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.endpoint,
                Auth::Bearer(&self.token),
                &[],
                RequestBody::Form(&fields),
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        // 201 and 202 carry the post's URL; it may be relative to the endpoint.
        let location = answer
            .location
            .as_deref()
            .and_then(|l| self.endpoint.join(l).ok())
            .ok_or_else(|| PublishError::Transient {
                network: NETWORK,
                message: format!(
                    "HTTP {} without a Location header; it may have been posted",
                    answer.status
                ),
            })?;
        Ok(Published {
            native_id: location.to_string(),
            url: Some(location.to_string()),
        })
    }

    async fn find_published(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Option<Published>, PublishError> {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("q", "source")
            .append_pair("limit", &LOOKBACK.to_string());
        let answer = self
            .fetcher
            .send(
                Method::GET,
                &url,
                Auth::Bearer(&self.token),
                &[],
                RequestBody::Empty,
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if answer.status == 400 {
            tracing::warn!(
                endpoint = %crate::http::redact_url(&self.endpoint),
                "the Micropub endpoint cannot list its posts (q=source): a post whose answer \
                 was lost may be sent twice"
            );
            return Ok(None);
        }
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let list: SourceList =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("q=source answered in an unexpected shape: {e}"),
            })?;
        let wanted = post.text.trim();
        let found = list.items.into_iter().find(|item| {
            item.properties
                .content
                .iter()
                .filter_map(content_text)
                .any(|c| c.trim() == wanted)
        });
        Ok(found
            .and_then(|item| item.properties.url.into_iter().next())
            .map(|url| Published {
                native_id: url.clone(),
                url: Some(url),
            }))
    }
}
