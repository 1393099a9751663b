//! Posts on a Facebook Page through the Graph API with a Page access token.
//!
//! - Posting: `POST /{version}/{page-id}/feed` with `message` and `access_token`
//!   (<https://developers.facebook.com/docs/pages/getting-started>, "Publish a Post";
//!   <https://developers.facebook.com/docs/graph-api/reference/page/feed/#publish>); the
//!   token is a Page access token with `pages_manage_posts`. 200 answers
//!   `{"id": "<page-id>_<post-id>"}`.
//! - Errors (<https://developers.facebook.com/docs/graph-api/guides/error-handling>):
//!   `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id", "is_transient"}}`.
//!   Codes 4, 17, 32, 613 and 80001 are rate limits
//!   (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>): retried after
//!   `estimated_time_to_regain_access` (minutes) of the `X-Business-Use-Case-Usage` header
//!   when it is there, else after 10 minutes; 190 and 102 (the token) and 10 and 200–299 (a
//!   permission) → [`PublishError::Unauthorized`]; 1, 2 or `is_transient` and any 5xx →
//!   `Transient`; 506 (a duplicate post) → the earlier post, looked up as below; anything
//!   else → `Rejected`. Every message keeps the code and the `fbtrace_id`, which Facebook's
//!   support asks for.
//! - Length: 63,206 characters ([`LengthRule::Facebook`]).
//! - Idempotency: the Graph API has none. [`Publisher::find_published`] reads the Page's 20
//!   newest posts (`GET /{page-id}/published_posts?fields=id,message,permalink_url`,
//!   <https://developers.facebook.com/docs/graph-api/reference/page/published_posts/>) and
//!   matches the message, with the same limits as X's lookup: a post followed by more than
//!   19 others is not found, and two posts with the same text are not told apart.
//! - Not built: replies (comments), native polls (Pages have none in the API).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::time::Duration;

use super::length::LengthRule;
use super::{
    transport, EngagementAnswer, EngagementCounts, Outgoing, PublishError, Published, Publisher,
};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "Facebook";
/// How many recent posts the reconciliation reads.
const LOOKBACK: usize = 20;
/// The Graph API's throttling codes.
const RATE_LIMIT_CODES: [i64; 5] = [4, 17, 32, 613, 80001];
/// The wait after a throttling error that says no time.
const DEFAULT_THROTTLE: Duration = Duration::from_secs(10 * 60);

/// Posts on one Facebook Page, through the guarded [`Fetcher`].
pub struct FacebookPublisher {
    fetcher: Fetcher,
    /// `https://graph.facebook.com/v21.0/`.
    api: Url,
    page_id: String,
    token: String,
}

impl std::fmt::Debug for FacebookPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Page access token never appears in logs.
        f.debug_struct("FacebookPublisher")
            .field("api", &self.api.as_str())
            .field("page_id", &self.page_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: Option<GraphError>,
}

/// The Graph API's error object.
#[derive(Debug, Default, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    fbtrace_id: Option<String>,
    #[serde(default)]
    is_transient: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Feed {
    #[serde(default)]
    data: Vec<FeedPost>,
}

#[derive(Debug, Deserialize)]
struct FeedPost {
    id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    permalink_url: Option<String>,
}

impl FacebookPublisher {
    /// A publisher for the Page `page_id` with its Page access token, on the Graph API at
    /// `api` including its version (`https://graph.facebook.com/v21.0`).
    pub fn new(fetcher: Fetcher, api: Url, page_id: String, token: String) -> Self {
        let mut api = api;
        if !api.path().ends_with('/') {
            let path = format!("{}/", api.path());
            api.set_path(&path);
        }
        FacebookPublisher {
            fetcher,
            api,
            page_id,
            token,
        }
    }

    fn endpoint(&self, edge: &str) -> Result<Url, PublishError> {
        if self.page_id.is_empty() || !self.page_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(PublishError::NotSupported(format!(
                "the Facebook page id {:?} is not a number",
                self.page_id
            )));
        }
        self.api
            .join(&format!("{}/{edge}", self.page_id))
            .map_err(|e| PublishError::NotSupported(format!("bad Graph API URL: {e}")))
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<Published>, PublishError> {
        let mut url = self.endpoint("published_posts")?;
        url.query_pairs_mut()
            .append_pair("fields", "id,message,permalink_url")
            .append_pair("limit", &LOOKBACK.to_string())
            .append_pair("access_token", &self.token);
        let answer = self
            .fetcher
            .send(Method::GET, &url, Auth::None, &[], RequestBody::Empty)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let feed: Feed =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the Page's posts answered in an unexpected shape: {e}"),
            })?;
        let wanted = post.text.trim();
        Ok(feed
            .data
            .into_iter()
            .find(|p| p.message.as_deref().map(str::trim) == Some(wanted))
            .map(|p| Published {
                url: p
                    .permalink_url
                    .or_else(|| Some(format!("https://www.facebook.com/{}", p.id))),
                native_id: p.id,
            }))
    }
}

/// `GET /{post-id}?fields=reactions.summary(total_count),shares,comments.summary(true)`
/// (<https://developers.facebook.com/docs/graph-api/reference/v2.7/object/reactions>,
/// <https://developers.facebook.com/docs/graph-api/reference/post/>): `shares` is absent
/// while nobody has shared the post.
#[derive(Debug, Deserialize)]
struct PostCounts {
    #[serde(default)]
    reactions: Option<Summarised>,
    #[serde(default)]
    comments: Option<Summarised>,
    #[serde(default)]
    shares: Option<Shares>,
}

#[derive(Debug, Deserialize)]
struct Summarised {
    #[serde(default)]
    summary: Option<Summary>,
}

#[derive(Debug, Deserialize)]
struct Summary {
    #[serde(default)]
    total_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Shares {
    #[serde(default)]
    count: Option<u64>,
}

fn graph_error(posted: &Posted) -> GraphError {
    serde_json::from_slice::<ErrorEnvelope>(&posted.body)
        .ok()
        .and_then(|e| e.error)
        .unwrap_or_default()
}

/// The wait `X-Business-Use-Case-Usage` asks for: the largest
/// `estimated_time_to_regain_access` (minutes) of any of its entries.
fn regain_access(header: Option<&str>) -> Option<Duration> {
    let usage: serde_json::Value = serde_json::from_str(header?).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|entry| entry.get("estimated_time_to_regain_access")?.as_u64())
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes * 60))
}

fn error_of(posted: &Posted) -> PublishError {
    let error = graph_error(posted);
    let mut message = match (&error.code, &error.message) {
        (Some(code), Some(text)) => format!("(#{code}) {text}"),
        (None, Some(text)) => text.clone(),
        (Some(code), None) => format!("error code {code}"),
        (None, None) => format!("HTTP {}", posted.status),
    };
    if let Some(sub) = error.error_subcode {
        message.push_str(&format!(" [subcode {sub}]"));
    }
    if let Some(trace) = &error.fbtrace_id {
        message.push_str(&format!(" [fbtrace_id {trace}]"));
    }
    let code = error.code.unwrap_or_default();
    if RATE_LIMIT_CODES.contains(&code) || posted.status == 429 {
        return PublishError::RateLimited {
            network: NETWORK,
            retry_after: regain_access(posted.business_usage.as_deref())
                .or(posted.rate_limit.wait())
                .unwrap_or(DEFAULT_THROTTLE),
        };
    }
    let about_token = matches!(code, 190 | 102 | 10 | 200..=299)
        || (error.kind.as_deref() == Some("OAuthException") && posted.status == 401);
    if about_token {
        return PublishError::Unauthorized {
            network: NETWORK,
            message,
        };
    }
    if matches!(code, 1 | 2) || error.is_transient || posted.status >= 500 || posted.status == 408 {
        return PublishError::Transient {
            network: NETWORK,
            message,
        };
    }
    PublishError::Rejected {
        network: NETWORK,
        message,
    }
}

#[async_trait]
impl Publisher for FacebookPublisher {
    fn network(&self) -> Network {
        Network::Facebook
    }

    fn length_rule(&self) -> LengthRule {
        LengthRule::Facebook
    }

    async fn publish(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.in_reply_to.is_some() {
            return Err(PublishError::NotSupported(
                "replying on Facebook (comments) is not built".into(),
            ));
        }
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "Facebook Pages have no native polls in the Graph API: link a survey page \
                 instead"
                    .into(),
            ));
        }
        let fields = [
            ("message", post.text.as_str()),
            ("access_token", self.token.as_str()),
        ];
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.endpoint("feed")?,
                Auth::None,
                &[],
                RequestBody::Form(&fields),
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if (200..300).contains(&answer.status) {
            let created: Created =
                serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                    network: NETWORK,
                    message: format!("the answer is not a post id ({e}); it may have been posted"),
                })?;
            return Ok(Published {
                url: Some(format!("https://www.facebook.com/{}", created.id)),
                native_id: created.id,
            });
        }
        if graph_error(&answer).code == Some(506) {
            // "Duplicate status message": most likely our own earlier attempt.
            if let Some(first) = self.lookup(post).await? {
                return Ok(first);
            }
        }
        Err(error_of(&answer))
    }

    async fn engagement(&self, native_id: &str) -> Result<EngagementAnswer, PublishError> {
        // A Page post's id is `{page-id}_{post-id}`.
        if native_id.is_empty() || !native_id.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not a Facebook post id"
            )));
        }
        let mut url = self
            .api
            .join(native_id)
            .map_err(|e| PublishError::NotSupported(format!("bad Graph API URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair(
                "fields",
                "reactions.summary(total_count),shares,comments.summary(true)",
            )
            .append_pair("access_token", &self.token);
        let answer = self
            .fetcher
            .send(Method::GET, &url, Auth::None, &[], RequestBody::Empty)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            // A deleted post: 404, or code 100 "Object with ID ... does not exist" (subcode 33).
            let error = graph_error(&answer);
            if answer.status == 404 || (error.code == Some(100) && error.error_subcode == Some(33))
            {
                return Ok(EngagementAnswer::Deleted);
            }
            return Err(error_of(&answer));
        }
        let counts: PostCounts =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the post answered in an unexpected shape: {e}"),
            })?;
        let total = |s: Option<Summarised>| s.and_then(|s| s.summary).and_then(|s| s.total_count);
        Ok(EngagementAnswer::Counts(EngagementCounts {
            likes: total(counts.reactions),
            reposts: Some(counts.shares.and_then(|s| s.count).unwrap_or(0)),
            replies: total(counts.comments),
            quotes: None,
            impressions: None,
        }))
    }

    async fn find_published(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Option<Published>, PublishError> {
        self.lookup(post).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_usage_header_says_how_long_to_wait() {
        let header = r#"{"1234567890":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":7}]}"#;
        assert_eq!(
            regain_access(Some(header)),
            Some(Duration::from_secs(7 * 60))
        );
        assert_eq!(regain_access(Some("not json")), None);
        assert_eq!(regain_access(None), None);
    }
}
