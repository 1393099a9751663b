//! Posts to any site with a Micropub endpoint (W3C Recommendation,
//! <https://www.w3.org/TR/micropub/>): IndieWeb sites, micro.blog, Known, WordPress with
//! the IndieAuth and Micropub plugins.
//!
//! - Posting (<https://www.w3.org/TR/micropub/#create>): `POST` to the endpoint,
//!   form-encoded `h=entry&content=...` (and `in-reply-to=<url>` for a reply), with
//!   `Authorization: Bearer <token>` (<https://www.w3.org/TR/micropub/#authentication-0>,
//!   scope `create`); the server answers `201 Created` with the post's URL in `Location`, or
//!   `202 Accepted` with the URL it will have. The URL is the post's id.
//! - Images: the endpoint's configuration (`GET ?q=config`,
//!   <https://www.w3.org/TR/micropub/#configuration>) names its Media Endpoint
//!   (`media-endpoint`, <https://www.w3.org/TR/micropub/#media-endpoint>); each image goes
//!   there as `multipart/form-data` with one part named `file`, and the `201 Created`
//!   answer's `Location` is the file's URL. The post is then sent in the JSON syntax
//!   (<https://www.w3.org/TR/micropub/#json-syntax>) with
//!   `"photo": [{"value": <url>, "alt": <alt text>}]` (a plain URL where there is no alt
//!   text; <https://www.w3.org/TR/micropub/#uploading-a-photo-with-alt-text>). An endpoint
//!   without a Media Endpoint cannot take images: [`PublishError::NotSupported`] names it.
//!   The Recommendation sets no size limit; rapport assumes [`DEFAULT_MAX_UPLOAD_BYTES`]
//!   (10 MiB) unless the account's settings say `max_upload_bytes`. A retried attempt
//!   uploads its images again (the first copies stay on the media endpoint, unused).
//! - Replies from the inbox: a post with `in-reply-to` = the answered post's URL
//!   ([`ReplyTarget::url`]); an item without a URL cannot be answered this way.
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
//!   A reply matches on its `in-reply-to` too, and is looked for before it is sent (the
//!   inbox sends a reply again with the same key after a crash), so a reply whose text the
//!   account already sent under the same post is answered by that post, not sent twice.

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::time::Duration;

use super::length::LengthRule;
use super::media::{upload_multipart, MediaFile, MediaLimits};
use super::{transport, Outgoing, PublishError, Published, Publisher, ReplyTarget};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "Micropub";
/// How many recent posts the reconciliation reads.
const LOOKBACK: usize = 20;
/// The largest image assumed when the account's settings do not say (the Recommendation
/// sets no limit; media endpoints commonly take this much).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;
/// The most images rapport puts in one post (Micropub itself has no limit).
pub const MAX_IMAGES: usize = 10;
/// The longest alt text rapport sends.
pub const MAX_ALT_CHARS: usize = 1_000;

/// Posts through one Micropub endpoint, through the guarded [`Fetcher`].
pub struct MicropubPublisher {
    fetcher: Fetcher,
    endpoint: Url,
    token: String,
    max_upload_bytes: u64,
}

/// `q=config` (<https://www.w3.org/TR/micropub/#configuration>): the part we read.
#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default, rename = "media-endpoint")]
    media_endpoint: Option<String>,
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
    #[serde(default, rename = "in-reply-to")]
    in_reply_to: Vec<serde_json::Value>,
}

impl MicropubPublisher {
    /// A publisher posting to `endpoint` with the access token `token` (scope `create`).
    pub fn new(fetcher: Fetcher, endpoint: Url, token: String) -> Self {
        MicropubPublisher {
            fetcher,
            endpoint,
            token,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        }
    }

    /// The same with the media endpoint's own size limit (bytes).
    pub fn with_max_upload_bytes(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// The endpoint's Media Endpoint (`GET ?q=config` → `media-endpoint`), or why it has
    /// none.
    async fn media_endpoint(&self) -> Result<Url, PublishError> {
        let site = self.endpoint.host_str().unwrap_or("the site").to_string();
        let none = || {
            PublishError::NotSupported(format!(
                "the Micropub endpoint of {site} names no media endpoint (q=config has no \
                 media-endpoint): it cannot take images; remove them or post them elsewhere"
            ))
        };
        let mut url = self.endpoint.clone();
        url.query_pairs_mut().append_pair("q", "config");
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
        // An endpoint without the configuration query answers 400 invalid_request.
        if answer.status == 400 {
            return Err(none());
        }
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let config: Config =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("q=config answered in an unexpected shape: {e}"),
            })?;
        let raw = config
            .media_endpoint
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(none)?;
        // A full URL by the Recommendation; a relative one is resolved against the endpoint.
        self.endpoint
            .join(raw.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                PublishError::NotSupported(format!(
                    "the Micropub endpoint of {site} names a media endpoint that is not a URL: \
                     {raw:?}"
                ))
            })
    }

    /// Uploads one image to `media` and answers its URL (the `Location` of the 201).
    async fn upload(&self, media: &Url, file: &MediaFile) -> Result<String, PublishError> {
        let answer = upload_multipart(
            &self.fetcher,
            NETWORK,
            media,
            Auth::Bearer(&self.token),
            (&[], "file"),
            file,
            error_of,
        )
        .await?;
        answer
            .location
            .as_deref()
            .and_then(|l| media.join(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string())
            .ok_or_else(|| PublishError::Transient {
                network: NETWORK,
                message: format!(
                    "the media endpoint answered HTTP {} without the file's URL (Location)",
                    answer.status
                ),
            })
    }

    /// The post's body in the JSON syntax, with its photos.
    fn json_entry(post: &Outgoing, photos: &[(String, &str)]) -> serde_json::Value {
        let photo: Vec<serde_json::Value> = photos
            .iter()
            .map(|(url, alt)| {
                if alt.trim().is_empty() {
                    serde_json::json!(url)
                } else {
                    serde_json::json!({"value": url, "alt": alt.trim()})
                }
            })
            .collect();
        let mut properties = serde_json::json!({
            "content": [post.text],
            "photo": photo,
        });
        if let Some(parent) = &post.in_reply_to {
            properties["in-reply-to"] = serde_json::json!([parent]);
        }
        serde_json::json!({"type": ["h-entry"], "properties": properties})
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

/// An `in-reply-to` value's URL: a plain string, or a nested `h-cite` with `properties.url`
/// or a `value`.
fn reply_url(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Object(map) => map
            .get("value")
            .and_then(|v| v.as_str())
            .or_else(|| map.get("properties")?.get("url")?.get(0)?.as_str()),
        _ => None,
    }
}

/// Whether two URLs name the same page (parsed, so `https://A.example/x` equals
/// `https://a.example/x`).
fn same_url(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
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

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(MediaLimits {
            max_images: MAX_IMAGES,
            max_bytes: self.max_upload_bytes,
            max_alt_chars: MAX_ALT_CHARS,
            alt_required: false,
        })
    }

    /// Any post with a URL (the reply cites it as `in-reply-to`).
    fn can_reply_to(&self, target: &ReplyTarget) -> bool {
        target
            .url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .is_some_and(|u| matches!(u.scheme(), "http" | "https"))
    }

    /// A post on the account's site with `in-reply-to` = the answered post's URL, looked
    /// for first (see the module's notes) so a retry does not post it twice.
    async fn reply(
        &self,
        target: &ReplyTarget,
        text: &str,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let Some(url) = target.url.clone() else {
            return Err(PublishError::NotSupported(
                "a Micropub reply cites the post it answers by its URL (in-reply-to), and this \
                 item has none"
                    .into(),
            ));
        };
        let post = Outgoing {
            text: self.reply_text(target, text),
            in_reply_to: Some(url),
            ..Outgoing::default()
        };
        if let Some(earlier) = self.find_published(&post, idempotency_key).await? {
            return Ok(earlier);
        }
        self.publish(&post, idempotency_key).await
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
        let json;
        let body = if post.media.is_empty() {
            RequestBody::Form(&fields)
        } else {
            let media = self.media_endpoint().await?;
            let mut photos = Vec::with_capacity(post.media.len());
            for file in &post.media {
                photos.push((self.upload(&media, file).await?, file.alt.as_str()));
            }
            json = Self::json_entry(post, &photos);
            RequestBody::Json(&json)
        };
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.endpoint,
                Auth::Bearer(&self.token),
                &[],
                body,
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
        let parent = post.in_reply_to.as_deref();
        let found = list.items.into_iter().find(|item| {
            let same_parent = match parent {
                None => true,
                Some(parent) => item
                    .properties
                    .in_reply_to
                    .iter()
                    .filter_map(reply_url)
                    .any(|u| same_url(u, parent)),
            };
            same_parent
                && item
                    .properties
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
