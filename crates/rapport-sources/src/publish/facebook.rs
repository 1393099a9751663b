//! Posts, photos and comments on a Facebook Page through the Graph API with a Page access
//! token.
//!
//! - Posting: `POST /{version}/{page-id}/feed` with `message` and `access_token`
//!   (<https://developers.facebook.com/docs/pages/getting-started>, "Publish a Post";
//!   <https://developers.facebook.com/docs/graph-api/reference/page/feed/#publish>); the
//!   token is a Page access token with `pages_manage_posts`. 200 answers
//!   `{"id": "<page-id>_<post-id>"}`.
//! - Photos: each image is uploaded unpublished, `POST /{page-id}/photos` as
//!   `multipart/form-data` with the file in `source`, `published=false` and its alt text in
//!   `alt_text_custom`, which answers `{"id": "<photo-id>"}`; then one feed post carries
//!   them all, `attached_media[i]={"media_fbid":"<photo-id>"}` next to `message`
//!   (<https://developers.facebook.com/docs/graph-api/reference/page/photos/>, "Creating",
//!   "Publishing a multi-photo post"; parameters of the Photo node:
//!   <https://developers.facebook.com/docs/graph-api/reference/photo/>;
//!   <https://developers.facebook.com/docs/graph-api/photo-uploads/>). A single photo goes
//!   the same way rather than through a published `/photos` call with a `caption`: the post
//!   is then always a feed post whose `message` is our text, which the reconciliation below
//!   can find, and an attempt that fails before the feed call leaves nothing visible
//!   (Facebook deletes unpublished photos that are not attached within 24 hours). The
//!   limits are [`MEDIA_LIMITS`].
//! - Comments (replies): `POST /{object-id}/comments` with `message`, where the object is a
//!   Page post or a comment, answers `{"id": "<comment-id>"}`
//!   (<https://developers.facebook.com/docs/graph-api/reference/object/comments/>,
//!   "Publishing"; the Page token needs `pages_manage_engagement`); the comment's
//!   `permalink_url` is then read from `GET /{comment-id}?fields=permalink_url`
//!   (<https://developers.facebook.com/docs/graph-api/reference/comment/>).
//! - Errors (<https://developers.facebook.com/docs/graph-api/guides/error-handling>):
//!   `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id", "is_transient"}}`.
//!   Codes 4, 17, 32, 613 and 80001 are rate limits
//!   (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>): retried after
//!   `estimated_time_to_regain_access` (minutes) of the `X-Business-Use-Case-Usage` header
//!   when it is there, else after 10 minutes; 190 and 102 (the token) and 10 and 200–299 (a
//!   permission) → [`PublishError::Unauthorized`]; 1, 2 or `is_transient` and any 5xx →
//!   `Transient`; 506 (a duplicate post) → the earlier post, looked up as below; anything
//!   else → `Rejected`. Every message keeps the code and the `fbtrace_id`, which Facebook's
//!   support asks for. Photo uploads and comments map the same way.
//! - Length: 63,206 characters ([`LengthRule::Facebook`]).
//! - Idempotency: the Graph API has none. [`Publisher::find_published`] reads the Page's 20
//!   newest posts (`GET /{page-id}/published_posts?fields=id,message,permalink_url`,
//!   <https://developers.facebook.com/docs/graph-api/reference/page/published_posts/>) and
//!   matches the message, with the same limits as X's lookup: a post followed by more than
//!   19 others is not found, and two posts with the same text are not told apart. A post
//!   with photos is found the same way (its `message` is our text); a post with photos and
//!   no text has no message to match and is not found. For a comment, the lookup reads the
//!   object's 100 newest comments (`GET /{object-id}/comments?filter=stream&order=
//!   reverse_chronological&fields=id,message,from,permalink_url`) and matches a comment
//!   `from` the Page with our message; [`Publisher::reply`] does that lookup before it
//!   sends, so a reply sent again after a crash answers the first comment instead of
//!   commenting twice (and a reply with the very text the Page already commented on the same
//!   object is answered with that comment).
//! - Followers: `GET /{page-id}?fields=followers_count,fan_count`
//!   (<https://developers.facebook.com/docs/graph-api/reference/page/>): `followers_count`,
//!   or `fan_count` (the Page's likes) where a Page has no follower count.
//! - Not built: native polls (Pages have none in the API), photos on comments.

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::time::Duration;

use super::length::LengthRule;
use super::media::{upload_multipart, MediaFile, MediaLimits};
use super::{
    transport, EngagementAnswer, EngagementCounts, Outgoing, PublishError, Published, Publisher,
    ReplyTarget,
};
use crate::http::{Auth, Fetcher, Posted, RequestBody};

const NETWORK: &str = "Facebook";
/// How many recent posts the reconciliation reads.
const LOOKBACK: usize = 20;
/// How many recent comments of an object the reconciliation of a reply reads.
const COMMENT_LOOKBACK: usize = 100;
/// The Graph API's throttling codes.
const RATE_LIMIT_CODES: [i64; 5] = [4, 17, 32, 613, 80001];
/// The wait after a throttling error that says no time.
const DEFAULT_THROTTLE: Duration = Duration::from_secs(10 * 60);

/// What a Page post takes as photos.
///
/// - Size: "a photo must be less than 10MB in size" (the Photo node's "Creating" section,
///   <https://developers.facebook.com/docs/graph-api/reference/photo/>, and the `/photos`
///   edges'), read as 10,000,000 bytes, the smaller reading, exclusive.
/// - Count: the Graph API documents no maximum of `attached_media` on one post; rapport
///   sends at most 10, which Page posts made in Facebook's own composer also show as one
///   grid, and which keeps a post's request small.
/// - Alt text: `alt_text_custom` has no documented length; rapport caps it at 1,000
///   characters (X's limit), and does not require it (Facebook generates an `alt_text` of
///   its own when there is none).
pub const MEDIA_LIMITS: MediaLimits = MediaLimits {
    max_images: 10,
    max_bytes: 10_000_000 - 1,
    max_alt_chars: 1_000,
    alt_required: false,
};

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

/// The Graph API's error object
/// (<https://developers.facebook.com/docs/graph-api/guides/error-handling>).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct GraphError {
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<i64>,
    #[serde(default)]
    pub(crate) error_subcode: Option<i64>,
    #[serde(default)]
    pub(crate) fbtrace_id: Option<String>,
    #[serde(default)]
    pub(crate) is_transient: bool,
}

impl GraphError {
    /// The error in `body`, or an empty one when the body is not a Graph API error.
    pub(crate) fn of(body: &[u8]) -> GraphError {
        serde_json::from_slice::<ErrorEnvelope>(body)
            .ok()
            .and_then(|e| e.error)
            .unwrap_or_default()
    }

    /// `(#code) message [subcode n] [fbtrace_id t]`, or `HTTP status` when the body said
    /// nothing.
    pub(crate) fn describe(&self, status: u16) -> String {
        let mut message = match (&self.code, &self.message) {
            (Some(code), Some(text)) => format!("(#{code}) {text}"),
            (None, Some(text)) => text.clone(),
            (Some(code), None) => format!("error code {code}"),
            (None, None) => format!("HTTP {status}"),
        };
        if let Some(sub) = self.error_subcode {
            message.push_str(&format!(" [subcode {sub}]"));
        }
        if let Some(trace) = &self.fbtrace_id {
            message.push_str(&format!(" [fbtrace_id {trace}]"));
        }
        message
    }

    /// Whether this is a throttling error (or a plain 429).
    pub(crate) fn is_rate_limit(&self, status: u16) -> bool {
        RATE_LIMIT_CODES.contains(&self.code.unwrap_or_default()) || status == 429
    }

    /// Whether it is about the token or its permissions.
    pub(crate) fn is_about_token(&self, status: u16) -> bool {
        matches!(self.code.unwrap_or_default(), 190 | 102 | 10 | 200..=299)
            || (self.kind.as_deref() == Some("OAuthException") && status == 401)
    }
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

/// `GET /{object-id}/comments` with `fields=id,message,from,permalink_url`.
#[derive(Debug, Default, Deserialize)]
struct Comments {
    #[serde(default)]
    data: Vec<Comment>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    from: Option<Sender>,
    #[serde(default)]
    permalink_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Sender {
    id: String,
}

/// `GET /{comment-id}?fields=permalink_url`.
#[derive(Debug, Deserialize)]
struct Permalink {
    #[serde(default)]
    permalink_url: Option<String>,
}

/// `GET /{page-id}?fields=followers_count,fan_count`.
#[derive(Debug, Deserialize)]
struct PageCounts {
    #[serde(default)]
    followers_count: Option<u64>,
    #[serde(default)]
    fan_count: Option<u64>,
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

    /// The URL of the object `id` (a post or a comment: digits and `_`), with `edge`.
    fn object(&self, id: &str, edge: &str) -> Result<Url, PublishError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return Err(PublishError::Rejected {
                network: NETWORK,
                message: format!("{id:?} is not the id of a Facebook post or comment"),
            });
        }
        let path = if edge.is_empty() {
            id.to_string()
        } else {
            format!("{id}/{edge}")
        };
        self.api
            .join(&path)
            .map_err(|e| PublishError::NotSupported(format!("bad Graph API URL: {e}")))
    }

    /// A GET of `url` with the token and `fields`, answering the body of a 2xx.
    async fn read(&self, mut url: Url, pairs: &[(&str, &str)]) -> Result<Posted, PublishError> {
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
            query.append_pair("access_token", &self.token);
        }
        let answer = self
            .fetcher
            .send(Method::GET, &url, Auth::None, &[], RequestBody::Empty)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        Ok(answer)
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<Published>, PublishError> {
        if let Some(parent) = &post.in_reply_to {
            return self.lookup_comment(parent, &post.text).await;
        }
        let answer = self
            .read(
                self.endpoint("published_posts")?,
                &[
                    ("fields", "id,message,permalink_url"),
                    ("limit", &LOOKBACK.to_string()),
                ],
            )
            .await?;
        let feed: Feed = parse(&answer, "the Page's posts")?;
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

    /// The Page's own comment with `text` among the newest comments on `parent`.
    async fn lookup_comment(
        &self,
        parent: &str,
        text: &str,
    ) -> Result<Option<Published>, PublishError> {
        let answer = self
            .read(
                self.object(parent, "comments")?,
                &[
                    ("fields", "id,message,from,permalink_url"),
                    ("filter", "stream"),
                    ("order", "reverse_chronological"),
                    ("limit", &COMMENT_LOOKBACK.to_string()),
                ],
            )
            .await?;
        let comments: Comments = parse(&answer, "the comments")?;
        let wanted = text.trim();
        Ok(comments
            .data
            .into_iter()
            .find(|c| {
                c.from.as_ref().is_some_and(|f| f.id == self.page_id)
                    && c.message.as_deref().map(str::trim) == Some(wanted)
            })
            .map(|c| Published {
                native_id: c.id,
                url: c.permalink_url,
            }))
    }

    /// Uploads one image unpublished, with its alt text, and answers its photo id.
    async fn upload(&self, file: &MediaFile) -> Result<String, PublishError> {
        // A line break is the only way a field could reach the multipart boundary: alt text
        // is sent on one line.
        let alt: String = file
            .alt
            .trim()
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        let mut fields = vec![("published", "false")];
        if !alt.is_empty() {
            fields.push(("alt_text_custom", alt.as_str()));
        }
        fields.push(("access_token", self.token.as_str()));
        let answer = upload_multipart(
            &self.fetcher,
            NETWORK,
            &self.endpoint("photos")?,
            Auth::None,
            (&fields, "source"),
            file,
            error_of,
        )
        .await?;
        let created: Created = parse(&answer, "the photo upload")?;
        Ok(created.id)
    }

    /// Posts `text` as the Page's comment on `parent` (a post or a comment).
    async fn comment(&self, parent: &str, text: &str) -> Result<Published, PublishError> {
        let fields = [("message", text), ("access_token", self.token.as_str())];
        let answer = self
            .fetcher
            .send(
                Method::POST,
                &self.object(parent, "comments")?,
                Auth::None,
                &[],
                RequestBody::Form(&fields),
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let created: Created =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the answer is not a comment id ({e}); it may have been posted"),
            })?;
        // The comment's link, when Facebook gives it; the comment is posted either way.
        let url = match self.object(&created.id, "") {
            Ok(url) => match self.read(url, &[("fields", "permalink_url")]).await {
                Ok(answer) => serde_json::from_slice::<Permalink>(&answer.body)
                    .ok()
                    .and_then(|p| p.permalink_url),
                Err(_) => None,
            },
            Err(_) => None,
        };
        Ok(Published {
            native_id: created.id,
            url,
        })
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

fn parse<T: serde::de::DeserializeOwned>(posted: &Posted, what: &str) -> Result<T, PublishError> {
    serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
        network: NETWORK,
        message: format!("{what} answered in an unexpected shape: {e}"),
    })
}

/// The wait `X-Business-Use-Case-Usage` asks for: the largest
/// `estimated_time_to_regain_access` (minutes) of any of its entries.
pub(crate) fn regain_access(header: Option<&str>) -> Option<Duration> {
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

/// How long to wait after a throttling answer: the business use case header's estimate,
/// else the rate-limit headers', else 10 minutes.
pub(crate) fn throttle_wait(posted: &Posted) -> Duration {
    regain_access(posted.business_usage.as_deref())
        .or(posted.rate_limit.wait())
        .unwrap_or(DEFAULT_THROTTLE)
}

fn error_of(posted: &Posted) -> PublishError {
    let error = GraphError::of(&posted.body);
    let message = error.describe(posted.status);
    if error.is_rate_limit(posted.status) {
        return PublishError::RateLimited {
            network: NETWORK,
            retry_after: throttle_wait(posted),
        };
    }
    if error.is_about_token(posted.status) {
        return PublishError::Unauthorized {
            network: NETWORK,
            message,
        };
    }
    let code = error.code.unwrap_or_default();
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

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(MEDIA_LIMITS)
    }

    /// Comments on `target` (a Page post or a comment) once per key: the Page's comment
    /// with this text on it is looked up first (the Graph API has no idempotency key), so
    /// a reply sent again after a crash answers the first comment.
    async fn reply(
        &self,
        target: &ReplyTarget,
        text: &str,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if let Some(first) = self.lookup_comment(&target.native_id, text).await? {
            return Ok(first);
        }
        self.comment(&target.native_id, text).await
    }

    async fn publish(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "Facebook Pages have no native polls in the Graph API: link a survey page \
                 instead"
                    .into(),
            ));
        }
        if let Some(parent) = &post.in_reply_to {
            if !post.media.is_empty() {
                return Err(PublishError::NotSupported(
                    "rapport does not send images in Facebook comments".into(),
                ));
            }
            return self.comment(parent, &post.text).await;
        }
        if post.media.len() > MEDIA_LIMITS.max_images {
            return Err(PublishError::Rejected {
                network: NETWORK,
                message: format!(
                    "rapport sends at most {} photos on a Facebook post, not {}",
                    MEDIA_LIMITS.max_images,
                    post.media.len()
                ),
            });
        }
        let mut photos = Vec::with_capacity(post.media.len());
        for file in &post.media {
            let id = self.upload(file).await?;
            photos.push(serde_json::json!({ "media_fbid": id }).to_string());
        }
        let names: Vec<String> = (0..photos.len())
            .map(|i| format!("attached_media[{i}]"))
            .collect();
        let mut fields: Vec<(&str, &str)> = Vec::with_capacity(photos.len() + 2);
        if !post.text.is_empty() || photos.is_empty() {
            fields.push(("message", post.text.as_str()));
        }
        for (name, photo) in names.iter().zip(&photos) {
            fields.push((name.as_str(), photo.as_str()));
        }
        fields.push(("access_token", self.token.as_str()));
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
        if GraphError::of(&answer.body).code == Some(506) {
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
            let error = GraphError::of(&answer.body);
            if answer.status == 404 || (error.code == Some(100) && error.error_subcode == Some(33))
            {
                return Ok(EngagementAnswer::Deleted);
            }
            return Err(error_of(&answer));
        }
        let counts: PostCounts = parse(&answer, "the post")?;
        let total = |s: Option<Summarised>| s.and_then(|s| s.summary).and_then(|s| s.total_count);
        Ok(EngagementAnswer::Counts(EngagementCounts {
            likes: total(counts.reactions),
            reposts: Some(counts.shares.and_then(|s| s.count).unwrap_or(0)),
            replies: total(counts.comments),
            quotes: None,
            impressions: None,
        }))
    }

    async fn followers(&self) -> Result<Option<u64>, PublishError> {
        let mut url = self.endpoint("")?;
        // `{page-id}/` → `{page-id}`: the node itself.
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        let answer = self
            .read(url, &[("fields", "followers_count,fan_count")])
            .await?;
        let counts: PageCounts = parse(&answer, "the Page")?;
        Ok(counts.followers_count.or(counts.fan_count))
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
