//! Posts, polls and replies on X with the API v2 and an OAuth 2.0 user access token
//! (scopes `tweet.read tweet.write users.read`).
//!
//! - Posting: `POST /2/tweets` (<https://docs.x.com/x-api/posts/creation-of-a-post>) with
//!   `{"text", "reply": {"in_reply_to_tweet_id"}, "poll": {"options", "duration_minutes"}}`;
//!   201 answers `{"data": {"id", "text"}}`.
//! - Errors: problem details `{"title", "detail", "type", "status"}`
//!   (<https://docs.x.com/x-api/fundamentals/response-codes-and-errors>) or
//!   `{"errors": [{"message"|"detail", ...}]}`; 401 → [`PublishError::Unauthorized`], 429
//!   with `x-rate-limit-reset` (epoch seconds,
//!   <https://docs.x.com/x-api/fundamentals/rate-limits>) → `RateLimited`, 5xx →
//!   `Transient`, other 4xx → `Rejected`; 403 is `Unauthorized` only when it is about the
//!   token or the app's permissions, else a refusal of the post (a reply to a conversation
//!   the account may not join, say).
//! - Idempotency: X has no idempotency key. [`Publisher::find_published`] reconciles by
//!   reading the account's own recent posts (`GET /2/users/me`,
//!   <https://docs.x.com/x-api/users/user-lookup-me>, then `GET /2/users/{id}/tweets`,
//!   <https://docs.x.com/x-api/users/get-posts>, 20 newest) and matching the text (and the
//!   post answered, for a reply). X also refuses the same text posted twice in a short time
//!   with 403 "You are not allowed to create a Tweet with duplicate content": `publish`
//!   then answers the earlier post found by that lookup instead of failing.
//!
//!   The limits of the lookup: only the 20 newest posts are read, so a post followed by
//!   more than 19 others before the lookup is not found (and would be sent again); the
//!   comparison is on the text with URLs masked (X answers them as `t.co` links) and
//!   `&amp;`, `&lt;`, `&gt;` decoded, so two posts with the same text and different links
//!   are not told apart, and a post whose text X changed otherwise is not recognised; the
//!   timeline may lag a just-created post by a few seconds.
//! - Images: each goes to `POST /2/media/upload` (multipart `media` with the raw bytes and
//!   `media_category=tweet_image`, <https://docs.x.com/x-api/media/upload-media>; the answer
//!   is `{"data": {"id", "media_key", ...}}`), its alt text to `POST /2/media/metadata`
//!   (`{"id", "metadata": {"alt_text": {"text"}}}`,
//!   <https://docs.x.com/x-api/media/metadata-create>), then the post carries
//!   `"media": {"media_ids": [...]}`. Uploads made by an attempt that is retried are left
//!   unattached (X expires them); the post itself is reconciled as above.
//! - Followers: `public_metrics.followers_count` of `GET /2/users/me?user.fields=public_metrics`
//!   (<https://docs.x.com/x-api/users/user-lookup-me>).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use unicode_normalization::UnicodeNormalization;

use super::length::{self, LengthRule};
use super::media::{upload_multipart, MediaFile, MediaLimits};
use super::{
    transport, EngagementAnswer, EngagementCounts, Outgoing, PollLimits, PollOptionResult,
    PollResults, PublishError, Published, Publisher,
};
use crate::http::{Auth, Fetcher, Posted};

const NETWORK: &str = "X";
/// How many recent posts the reconciliation reads (`max_results`: 5 to 100).
const LOOKBACK: usize = 20;
/// X's poll durations, in minutes (5 minutes to 7 days).
const POLL_MINUTES: std::ops::RangeInclusive<u64> = 5..=10_080;

/// Posts as one X account, through the guarded [`Fetcher`].
pub struct XPublisher {
    fetcher: Fetcher,
    api: Url,
    token: String,
    /// The account's user id, once `GET /2/users/me` said it.
    user_id: tokio::sync::OnceCell<String>,
}

impl std::fmt::Debug for XPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token never appears in logs.
        f.debug_struct("XPublisher")
            .field("api", &self.api.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
}

/// `GET /2/users/me?user.fields=public_metrics` (<https://docs.x.com/x-api/users/user-lookup-me>,
/// the User object's `public_metrics`:
/// <https://docs.x.com/x-api/fundamentals/data-dictionary#user>).
#[derive(Debug, Deserialize)]
struct UserWithMetrics {
    id: String,
    #[serde(default)]
    public_metrics: Option<UserMetrics>,
}

#[derive(Debug, Deserialize)]
struct UserMetrics {
    #[serde(default)]
    followers_count: Option<u64>,
}

/// A post of the timeline, with `tweet.fields=referenced_tweets`.
#[derive(Debug, Deserialize)]
struct Tweet {
    id: String,
    text: String,
    #[serde(default)]
    referenced_tweets: Vec<Reference>,
}

#[derive(Debug, Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// The timeline's page: `data` is absent when the account has no posts.
#[derive(Debug, Deserialize)]
struct Timeline {
    #[serde(default)]
    data: Vec<Tweet>,
}

/// `GET /2/tweets?ids=...&expansions=attachments.poll_ids&poll.fields=options,voting_status`
/// (<https://docs.x.com/x-api/posts/get-posts-by-ids>): the poll comes in `includes.polls`.
#[derive(Debug, Default, Deserialize)]
struct Lookup {
    #[serde(default)]
    includes: Includes,
}

#[derive(Debug, Default, Deserialize)]
struct Includes {
    #[serde(default)]
    polls: Vec<XPoll>,
}

#[derive(Debug, Deserialize)]
struct XPoll {
    #[serde(default)]
    options: Vec<XPollOption>,
    #[serde(default)]
    voting_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct XPollOption {
    position: u32,
    label: String,
    #[serde(default)]
    votes: Option<u64>,
}

/// `GET /2/tweets?ids=..&tweet.fields=public_metrics`
/// (<https://docs.x.com/x-api/posts/get-posts-by-ids>, metrics:
/// <https://developer.x.com/en/docs/x-api/metrics>): `data[].public_metrics`; a deleted post
/// is absent from `data` and named in `errors[]` (200 "Not Found Error").
#[derive(Debug, Default, Deserialize)]
struct MetricsLookup {
    #[serde(default)]
    data: Vec<MetricsTweet>,
}

#[derive(Debug, Deserialize)]
struct MetricsTweet {
    id: String,
    #[serde(default)]
    public_metrics: Option<PublicMetrics>,
}

#[derive(Debug, Deserialize)]
struct PublicMetrics {
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    retweet_count: Option<u64>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    quote_count: Option<u64>,
    #[serde(default)]
    impression_count: Option<u64>,
}

/// Both error shapes X uses.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

impl XPublisher {
    /// A publisher for the account whose OAuth 2.0 user access token is `token`, on the API
    /// at `api` (`https://api.x.com`).
    pub fn new(fetcher: Fetcher, api: Url, token: String) -> Self {
        XPublisher {
            fetcher,
            api,
            token,
            user_id: tokio::sync::OnceCell::new(),
        }
    }

    /// Uploads one image with its alt text and answers its media id.
    async fn upload(&self, file: &MediaFile) -> Result<String, PublishError> {
        let answer = upload_multipart(
            &self.fetcher,
            NETWORK,
            &self.endpoint("/2/media/upload")?,
            Auth::Bearer(&self.token),
            (&[("media_category", "tweet_image")], "media"),
            file,
            error_of,
        )
        .await?;
        let uploaded: Data<Created> = parse(&answer, "POST /2/media/upload")?;
        let id = uploaded.data.id;
        if !file.alt.trim().is_empty() {
            let metadata = json!({"id": id, "metadata": {"alt_text": {"text": file.alt}}});
            let answer = self
                .fetcher
                .post_json(
                    &self.endpoint("/2/media/metadata")?,
                    Some(&self.token),
                    &[],
                    &metadata,
                )
                .await
                .map_err(|e| transport(NETWORK, e))?;
            if !(200..300).contains(&answer.status) {
                return Err(error_of(&answer));
            }
        }
        Ok(id)
    }

    fn endpoint(&self, path: &str) -> Result<Url, PublishError> {
        self.api
            .join(path)
            .map_err(|e| PublishError::NotSupported(format!("bad X API URL: {e}")))
    }

    async fn get(&self, url: &Url) -> Result<Posted, PublishError> {
        let answer = self
            .fetcher
            .get_json(url, Some(&self.token))
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(error_of(&answer))
        }
    }

    async fn user_id(&self) -> Result<&str, PublishError> {
        self.user_id
            .get_or_try_init(|| async {
                let answer = self.get(&self.endpoint("/2/users/me")?).await?;
                parse::<Data<User>>(&answer, "/2/users/me").map(|user| user.data.id)
            })
            .await
            .map(String::as_str)
    }

    /// The account's recent post with `post`'s text (and parent), if there is one.
    async fn lookup(&self, post: &Outgoing) -> Result<Option<Published>, PublishError> {
        let id = self.user_id().await?;
        let mut url = self.endpoint(&format!("/2/users/{id}/tweets"))?;
        url.query_pairs_mut()
            .append_pair("max_results", &LOOKBACK.to_string())
            .append_pair("tweet.fields", "referenced_tweets");
        let answer = self.get(&url).await?;
        let timeline: Timeline = parse(&answer, "the account's posts")?;
        let wanted = comparable(&post.text);
        let found = timeline.data.into_iter().find(|tweet| {
            let parent = tweet
                .referenced_tweets
                .iter()
                .find(|r| r.kind == "replied_to")
                .map(|r| r.id.as_str());
            let text = match parent {
                // X puts the mentions of a reply's thread in front of its text.
                Some(_) => strip_leading_mentions(&tweet.text),
                None => &tweet.text,
            };
            parent == post.in_reply_to.as_deref()
                && (comparable(text) == wanted || comparable(&tweet.text) == wanted)
        });
        Ok(found.map(|tweet| published(tweet.id)))
    }
}

fn published(id: String) -> Published {
    Published {
        url: Some(format!("https://x.com/i/web/status/{id}")),
        native_id: id,
    }
}

/// A text as X's timeline can give it back: NFC, URLs masked, the three entities X escapes
/// decoded, outer whitespace trimmed.
fn comparable(text: &str) -> String {
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let normal: String = decoded.nfc().collect();
    let mut out = String::with_capacity(normal.len());
    let mut last = 0;
    for span in length::url_spans(&normal) {
        out.push_str(&normal[last..span.start]);
        out.push_str("<url>");
        last = span.end;
    }
    out.push_str(&normal[last..]);
    out.trim().to_string()
}

fn strip_leading_mentions(text: &str) -> &str {
    let mut rest = text.trim_start();
    while let Some(after) = rest.strip_prefix('@') {
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if end == 0 {
            break;
        }
        rest = after[end..].trim_start();
    }
    rest
}

fn parse<T: serde::de::DeserializeOwned>(posted: &Posted, what: &str) -> Result<T, PublishError> {
    serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
        network: NETWORK,
        message: format!("{what} answered in an unexpected shape: {e}"),
    })
}

/// The message of an error answer, in either shape.
fn message_of(posted: &Posted) -> (Option<String>, String) {
    let body: ErrorBody = serde_json::from_slice(&posted.body).unwrap_or_default();
    let items: Vec<String> = body
        .errors
        .iter()
        .filter_map(|e| e.detail.clone().or_else(|| e.message.clone()))
        .collect();
    let items = (!items.is_empty()).then(|| items.join("; "));
    let message = match (body.detail.clone().or_else(|| body.title.clone()), items) {
        (Some(detail), Some(items)) => format!("{detail}: {items}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => format!("HTTP {}", posted.status),
    };
    (body.title, message)
}

fn is_duplicate(posted: &Posted) -> bool {
    posted.status == 403
        && message_of(posted)
            .1
            .to_lowercase()
            .contains("duplicate content")
}

fn error_of(posted: &Posted) -> PublishError {
    let (title, message) = message_of(posted);
    let about_token = {
        let text = format!("{} {message}", title.as_deref().unwrap_or_default()).to_lowercase();
        text.contains("authentication") || text.contains("oauth") || text.contains("permission")
    };
    match posted.status {
        401 => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        403 if about_token => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        429 => PublishError::RateLimited {
            network: NETWORK,
            retry_after: posted
                .rate_limit
                .retry_after
                .or(posted.rate_limit.reset_after)
                .unwrap_or(Duration::from_secs(60)),
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
impl Publisher for XPublisher {
    fn network(&self) -> Network {
        Network::X
    }

    fn length_rule(&self) -> LengthRule {
        LengthRule::X
    }

    fn poll_limits(&self) -> Option<PollLimits> {
        Some(PollLimits::X)
    }

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(MediaLimits::X)
    }

    async fn poll_results(&self, native_id: &str) -> Result<Option<PollResults>, PublishError> {
        if native_id.is_empty() || !native_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not a post id on X"
            )));
        }
        let mut url = self.endpoint("/2/tweets")?;
        url.query_pairs_mut()
            .append_pair("ids", native_id)
            .append_pair("expansions", "attachments.poll_ids")
            .append_pair("poll.fields", "options,voting_status");
        let answer = self.get(&url).await?;
        let lookup: Lookup = parse(&answer, "GET /2/tweets")?;
        let Some(mut poll) = lookup.includes.polls.into_iter().next() else {
            return Ok(None);
        };
        poll.options.sort_by_key(|o| o.position);
        let total = poll.options.iter().map(|o| o.votes).sum::<Option<u64>>();
        Ok(Some(PollResults {
            open: poll.voting_status.as_deref() != Some("closed"),
            total_votes: total,
            options: poll
                .options
                .into_iter()
                .map(|o| PollOptionResult {
                    label: o.label,
                    votes: o.votes,
                })
                .collect(),
        }))
    }

    async fn engagement(&self, native_id: &str) -> Result<EngagementAnswer, PublishError> {
        if native_id.is_empty() || !native_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not a post id on X"
            )));
        }
        let mut url = self.endpoint("/2/tweets")?;
        url.query_pairs_mut()
            .append_pair("ids", native_id)
            .append_pair("tweet.fields", "public_metrics");
        let answer = self
            .fetcher
            .get_json(&url, Some(&self.token))
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if answer.status == 404 {
            return Ok(EngagementAnswer::Deleted);
        }
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let lookup: MetricsLookup = parse(&answer, "GET /2/tweets")?;
        let Some(tweet) = lookup.data.into_iter().find(|t| t.id == native_id) else {
            return Ok(EngagementAnswer::Deleted);
        };
        let Some(m) = tweet.public_metrics else {
            return Err(PublishError::Transient {
                network: NETWORK,
                message: "GET /2/tweets answered without public_metrics".into(),
            });
        };
        Ok(EngagementAnswer::Counts(EngagementCounts {
            likes: m.like_count,
            reposts: m.retweet_count,
            replies: m.reply_count,
            quotes: m.quote_count,
            impressions: m.impression_count,
        }))
    }

    /// `public_metrics.followers_count` of `GET /2/users/me?user.fields=public_metrics`.
    async fn followers(&self) -> Result<Option<u64>, PublishError> {
        let mut url = self.endpoint("/2/users/me")?;
        url.query_pairs_mut()
            .append_pair("user.fields", "public_metrics");
        let answer = self.get(&url).await?;
        let me: Data<UserWithMetrics> = parse(&answer, "/2/users/me")?;
        // The account's id comes with it: the lookup need not ask again.
        let _ = self.user_id.set(me.data.id);
        Ok(me.data.public_metrics.and_then(|m| m.followers_count))
    }

    /// Sends `post`. X has no idempotency key (`idempotency_key` is not sent): before a
    /// retry the caller asks [`Publisher::find_published`].
    async fn publish(
        &self,
        post: &Outgoing,
        _idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let mut body = json!({"text": post.text});
        if let Some(parent) = &post.in_reply_to {
            body["reply"] = json!({"in_reply_to_tweet_id": parent});
        }
        if let Some(poll) = &post.poll {
            let minutes = poll.duration.as_secs().div_ceil(60);
            if !POLL_MINUTES.contains(&minutes) {
                return Err(PublishError::Rejected {
                    network: NETWORK,
                    message: format!(
                        "a poll on X lasts 5 minutes to 7 days, not {minutes} minutes"
                    ),
                });
            }
            body["poll"] = json!({"options": poll.options, "duration_minutes": minutes});
        }
        if !post.media.is_empty() {
            let mut ids = Vec::with_capacity(post.media.len());
            for file in &post.media {
                ids.push(self.upload(file).await?);
            }
            body["media"] = json!({"media_ids": ids});
        }
        let url = self.endpoint("/2/tweets")?;
        let answer = self
            .fetcher
            .post_json(&url, Some(&self.token), &[], &body)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if (200..300).contains(&answer.status) {
            let created: Data<Created> = parse(&answer, "POST /2/tweets")?;
            return Ok(published(created.data.id));
        }
        if is_duplicate(&answer) {
            // The same text went out a moment ago: most likely our own earlier attempt
            // whose answer was lost. Answer that post.
            if let Some(first) = self.lookup(post).await? {
                return Ok(first);
            }
        }
        Err(error_of(&answer))
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
    fn texts_compare_as_x_gives_them_back() {
        assert_eq!(
            comparable("Fixed &amp; shipped: https://t.co/AbC123"),
            comparable("Fixed & shipped: https://acme.example/notes/42")
        );
        assert_eq!(comparable("cafe\u{301} <3"), comparable("café &lt;3"));
        assert_ne!(comparable("one"), comparable("two"));
        assert_eq!(strip_leading_mentions("@anna @bob_2 thanks!"), "thanks!");
        assert_eq!(strip_leading_mentions("thanks @anna"), "thanks @anna");
    }
}
