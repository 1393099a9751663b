//! Posts, polls and replies on Mastodon: `POST /api/v1/statuses` (with `in_reply_to_id`
//! for a reply, `poll` for a poll) and the
//! `Idempotency-Key` header (<https://docs.joinmastodon.org/methods/statuses/#create>):
//! the server keeps the key for an hour and answers a repeated request with the status it
//! already created, so a retry cannot post twice.
//!
//! Images go first to `POST /api/v2/media` (multipart `file` and `description`,
//! <https://docs.joinmastodon.org/methods/media/#v2>: 200 with a MediaAttachment, or 202
//! while a large file is processed, then `GET /api/v1/media/:id` answers 200 once done),
//! then their ids in the status's `media_ids`. A retry uploads again (the first uploads stay
//! unattached, and the instance removes them) but the status call keeps its key, so it still
//! answers the first status.
//!
//! An instance's own limits come from `GET /api/v2/instance`
//! (<https://docs.joinmastodon.org/methods/instance/#v2>, the Instance entity
//! <https://docs.joinmastodon.org/entities/Instance/>): see [`instance_limits`], which fills
//! a new account's settings. The account's followers come from
//! `GET /api/v1/accounts/verify_credentials`
//! (<https://docs.joinmastodon.org/methods/accounts/#verify_credentials>, `followers_count`).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::Url;
use serde::Deserialize;
use std::time::Duration;

use super::media::{upload_multipart, MediaFile, MediaLimits};
use super::{
    length, transport, EngagementAnswer, EngagementCounts, Outgoing, PollLimits, PollOptionResult,
    PollResults, PublishError, Published, Publisher, ReplyTarget,
};
use crate::http::{Auth, Fetcher};

const NETWORK: &str = "Mastodon";

/// Posts as one Mastodon account, through the guarded [`Fetcher`].
pub struct MastodonPublisher {
    fetcher: Fetcher,
    instance: Url,
    token: String,
    max_length: usize,
    polls: PollLimits,
    media: MediaLimits,
}

/// The limits an instance reports in `GET /api/v2/instance`; each is `None` where the
/// instance does not say (servers that imitate Mastodon's API may leave some out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstanceLimits {
    /// `configuration.statuses.max_characters`.
    pub max_characters: Option<usize>,
    /// `configuration.statuses.max_media_attachments`.
    pub max_media_attachments: Option<usize>,
    /// `configuration.media_attachments.image_size_limit` (bytes).
    pub image_size_limit: Option<u64>,
    /// `configuration.polls.max_options`.
    pub max_poll_options: Option<usize>,
    /// `configuration.polls.max_characters_per_option`.
    pub max_poll_option_characters: Option<usize>,
}

impl InstanceLimits {
    /// Writes the limits into a `mastodon` account's `settings` (a JSON object) under the
    /// names [`super::build`] reads, leaving alone any the admin set; answers the names
    /// written.
    pub fn fill(&self, settings: &mut serde_json::Value) -> Vec<&'static str> {
        let mut written = Vec::new();
        let Some(map) = settings.as_object_mut() else {
            return written;
        };
        let values = [
            ("max_characters", self.max_characters.map(|n| n as u64)),
            (
                "max_media_attachments",
                self.max_media_attachments.map(|n| n as u64),
            ),
            ("image_size_limit", self.image_size_limit),
            ("max_poll_options", self.max_poll_options.map(|n| n as u64)),
            (
                "max_poll_option_characters",
                self.max_poll_option_characters.map(|n| n as u64),
            ),
        ];
        for (name, value) in values {
            let Some(value) = value else { continue };
            if map.get(name).is_none_or(serde_json::Value::is_null) {
                map.insert(name.to_string(), serde_json::json!(value));
                written.push(name);
            }
        }
        written
    }
}

/// `GET /api/v2/instance`: the parts of `configuration` we read.
#[derive(Debug, Default, Deserialize)]
struct InstanceV2 {
    #[serde(default)]
    configuration: InstanceConfiguration,
}

#[derive(Debug, Default, Deserialize)]
struct InstanceConfiguration {
    #[serde(default)]
    statuses: StatusesConfiguration,
    #[serde(default)]
    media_attachments: MediaConfiguration,
    #[serde(default)]
    polls: PollsConfiguration,
}

#[derive(Debug, Default, Deserialize)]
struct StatusesConfiguration {
    #[serde(default)]
    max_characters: Option<u64>,
    #[serde(default)]
    max_media_attachments: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
struct MediaConfiguration {
    #[serde(default)]
    image_size_limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
struct PollsConfiguration {
    #[serde(default)]
    max_options: Option<u64>,
    #[serde(default)]
    max_characters_per_option: Option<u64>,
}

/// Reads `instance`'s limits with `GET /api/v2/instance` (public: no token). A zero or
/// absurd value is left out rather than trusted.
pub async fn instance_limits(
    fetcher: &Fetcher,
    instance: &Url,
) -> Result<InstanceLimits, PublishError> {
    let url = instance
        .join("/api/v2/instance")
        .map_err(|e| PublishError::NotSupported(format!("bad Mastodon instance URL: {e}")))?;
    let answer = fetcher
        .get_json(&url, None)
        .await
        .map_err(|e| transport(NETWORK, e))?;
    if !(200..300).contains(&answer.status) {
        return Err(error_of(&answer));
    }
    let body: InstanceV2 =
        serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
            network: NETWORK,
            message: format!("GET /api/v2/instance answered in an unexpected shape: {e}"),
        })?;
    let config = body.configuration;
    let count = |n: Option<u64>, max: u64| {
        n.filter(|n| (1..=max).contains(n))
            .and_then(|n| usize::try_from(n).ok())
    };
    Ok(InstanceLimits {
        max_characters: count(config.statuses.max_characters, 1_000_000),
        max_media_attachments: count(config.statuses.max_media_attachments, 100),
        image_size_limit: config.media_attachments.image_size_limit.filter(|n| *n > 0),
        max_poll_options: count(config.polls.max_options, 100),
        max_poll_option_characters: count(config.polls.max_characters_per_option, 10_000),
    })
}

/// The part of an Account we read (<https://docs.joinmastodon.org/entities/Account/>).
#[derive(Debug, Deserialize)]
struct AccountCounts {
    followers_count: u64,
}

/// The part of a MediaAttachment we read (<https://docs.joinmastodon.org/entities/MediaAttachment/>).
#[derive(Debug, Deserialize)]
struct Attachment {
    id: String,
}

impl std::fmt::Debug for MastodonPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token never appears in logs.
        f.debug_struct("MastodonPublisher")
            .field("instance", &self.instance.as_str())
            .field("max_length", &self.max_length)
            .finish_non_exhaustive()
    }
}

/// The part of a Status we read back.
#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    url: Option<String>,
}

/// A status with its poll (`GET /api/v1/statuses/:id`).
#[derive(Debug, Deserialize)]
struct StatusWithPoll {
    #[serde(default)]
    poll: Option<PollRef>,
}

/// The counts of a Status (<https://docs.joinmastodon.org/entities/Status/>).
#[derive(Debug, Deserialize)]
struct StatusCounts {
    favourites_count: u64,
    reblogs_count: u64,
    replies_count: u64,
}

#[derive(Debug, Deserialize)]
struct PollRef {
    id: String,
}

/// `GET /api/v1/polls/:id` (<https://docs.joinmastodon.org/methods/polls/#get>), the Poll
/// entity (<https://docs.joinmastodon.org/entities/Poll/>).
#[derive(Debug, Deserialize)]
struct PollEntity {
    expired: bool,
    #[serde(default)]
    votes_count: Option<u64>,
    options: Vec<PollOption>,
}

#[derive(Debug, Deserialize)]
struct PollOption {
    title: String,
    /// `null` while the results are hidden.
    #[serde(default)]
    votes_count: Option<u64>,
}

fn error_of(posted: &crate::http::Posted) -> PublishError {
    let message = serde_json::from_slice::<ErrorBody>(&posted.body)
        .map(|e| e.error)
        .unwrap_or_else(|_| format!("HTTP {}", posted.status));
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

/// Mastodon's error body: `{"error": "..."}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
}

impl MastodonPublisher {
    /// A publisher for the account whose access token (scope `write:statuses`) is `token`
    /// on `instance` (`https://mastodon.social`).
    pub fn new(fetcher: Fetcher, instance: Url, token: String) -> Self {
        MastodonPublisher {
            fetcher,
            instance,
            token,
            max_length: length::MASTODON_DEFAULT_MAX,
            polls: PollLimits::MASTODON_DEFAULT,
            media: MediaLimits::MASTODON_DEFAULT,
        }
    }

    /// The same with the instance's own image size limit
    /// (`configuration.media_attachments.image_size_limit`, bytes).
    pub fn with_image_size_limit(mut self, bytes: u64) -> Self {
        self.media.max_bytes = bytes;
        self
    }

    /// The same with the instance's own attachment count
    /// (`configuration.statuses.max_media_attachments`).
    pub fn with_max_media_attachments(mut self, max: usize) -> Self {
        self.media.max_images = max.max(1);
        self
    }

    /// Uploads one image (`POST /api/v2/media`) and answers its attachment id, waiting
    /// for an upload the instance still processes (202) to be ready.
    async fn upload(&self, file: &MediaFile) -> Result<String, PublishError> {
        let url = self
            .instance
            .join("/api/v2/media")
            .map_err(|e| PublishError::NotSupported(format!("bad Mastodon instance URL: {e}")))?;
        let posted = upload_multipart(
            &self.fetcher,
            NETWORK,
            &url,
            Auth::Bearer(&self.token),
            (&[("description", &file.alt)], "file"),
            file,
            error_of,
        )
        .await?;
        let attachment: Attachment =
            serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("POST /api/v2/media answered in an unexpected shape: {e}"),
            })?;
        if posted.status == 202 {
            // Processed in the background: 206 until it is done, then 200.
            for _ in 0..10 {
                let url = self
                    .instance
                    .join(&format!("/api/v1/media/{}", attachment.id))
                    .map_err(|e| PublishError::NotSupported(format!("bad media id: {e}")))?;
                let answer = self
                    .fetcher
                    .get_json(&url, Some(&self.token))
                    .await
                    .map_err(|e| transport(NETWORK, e))?;
                match answer.status {
                    200 => break,
                    206 => tokio::time::sleep(Duration::from_millis(500)).await,
                    _ => return Err(error_of(&answer)),
                }
            }
        }
        Ok(attachment.id)
    }

    /// The same with the instance's own poll limits (`configuration.polls`).
    pub fn with_poll_limits(mut self, polls: PollLimits) -> Self {
        self.polls = polls;
        self
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, PublishError> {
        let url = self
            .instance
            .join(path)
            .map_err(|e| PublishError::NotSupported(format!("bad Mastodon instance URL: {e}")))?;
        let answer = self
            .fetcher
            .get_json(&url, Some(&self.token))
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
            network: NETWORK,
            message: format!("{path} answered in an unexpected shape: {e}"),
        })
    }

    /// The same with the instance's own limit (`configuration.statuses.max_characters`).
    pub fn with_max_length(mut self, max_length: usize) -> Self {
        self.max_length = max_length;
        self
    }
}

#[async_trait]
impl Publisher for MastodonPublisher {
    fn network(&self) -> Network {
        Network::Mastodon
    }

    fn length_rule(&self) -> length::LengthRule {
        length::LengthRule::Mastodon {
            max: self.max_length,
        }
    }

    fn poll_limits(&self) -> Option<PollLimits> {
        Some(self.polls)
    }

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(self.media)
    }

    /// `GET /api/v1/accounts/verify_credentials` → `followers_count`.
    async fn followers(&self) -> Result<Option<u64>, PublishError> {
        let account: AccountCounts = self.get("/api/v1/accounts/verify_credentials").await?;
        Ok(Some(account.followers_count))
    }

    /// `GET /api/v1/statuses/:id` for the poll's id, then `GET /api/v1/polls/:id`.
    async fn poll_results(&self, native_id: &str) -> Result<Option<PollResults>, PublishError> {
        if native_id.is_empty() || !native_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not a Mastodon status id"
            )));
        }
        let status: StatusWithPoll = self.get(&format!("/api/v1/statuses/{native_id}")).await?;
        let Some(poll) = status.poll else {
            return Ok(None);
        };
        if !poll.id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PublishError::Transient {
                network: NETWORK,
                message: format!("the poll id {:?} is not an id", poll.id),
            });
        }
        let poll: PollEntity = self.get(&format!("/api/v1/polls/{}", poll.id)).await?;
        Ok(Some(PollResults {
            open: !poll.expired,
            total_votes: poll.votes_count,
            options: poll
                .options
                .into_iter()
                .map(|o| PollOptionResult {
                    label: o.title,
                    votes: o.votes_count,
                })
                .collect(),
        }))
    }

    /// `GET /api/v1/statuses/:id` (<https://docs.joinmastodon.org/methods/statuses/#get>):
    /// `favourites_count`, `reblogs_count`, `replies_count`; Mastodon has no quote count.
    async fn engagement(&self, native_id: &str) -> Result<EngagementAnswer, PublishError> {
        if native_id.is_empty() || !native_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not a Mastodon status id"
            )));
        }
        let url = self
            .instance
            .join(&format!("/api/v1/statuses/{native_id}"))
            .map_err(|e| PublishError::NotSupported(format!("bad Mastodon instance URL: {e}")))?;
        let answer = self
            .fetcher
            .get_json(&url, Some(&self.token))
            .await
            .map_err(|e| transport(NETWORK, e))?;
        // A deleted status (or one the account can no longer see) is 404 "Record not found".
        if answer.status == 404 || answer.status == 410 {
            return Ok(EngagementAnswer::Deleted);
        }
        if !(200..300).contains(&answer.status) {
            return Err(error_of(&answer));
        }
        let status: StatusCounts =
            serde_json::from_slice(&answer.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("the status answered in an unexpected shape: {e}"),
            })?;
        Ok(EngagementAnswer::Counts(EngagementCounts {
            likes: Some(status.favourites_count),
            reposts: Some(status.reblogs_count),
            replies: Some(status.replies_count),
            quotes: None,
            impressions: None,
        }))
    }

    fn reply_text(&self, target: &ReplyTarget, text: &str) -> String {
        let handle = target.author_handle.trim_start_matches('@');
        let mention = format!("@{handle}");
        let already = text
            .split_whitespace()
            .any(|word| word.trim_end_matches([',', ':', '.', '!', '?']) == mention);
        if handle.is_empty() || already {
            text.to_string()
        } else {
            format!("{mention} {text}")
        }
    }

    async fn publish(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        let url = self
            .instance
            .join("/api/v1/statuses")
            .map_err(|e| PublishError::NotSupported(format!("bad Mastodon instance URL: {e}")))?;
        let mut body = serde_json::json!({
            "status": post.text,
            "visibility": "public",
        });
        if let Some(parent) = &post.in_reply_to {
            body["in_reply_to_id"] = serde_json::json!(parent);
        }
        if !post.media.is_empty() {
            let mut ids = Vec::with_capacity(post.media.len());
            for file in &post.media {
                ids.push(self.upload(file).await?);
            }
            body["media_ids"] = serde_json::json!(ids);
        }
        if let Some(poll) = &post.poll {
            // poll[options][] and poll[expires_in] (seconds), as JSON.
            body["poll"] = serde_json::json!({
                "options": poll.options,
                "expires_in": poll.duration.as_secs(),
            });
        }
        let posted = self
            .fetcher
            .post_json(
                &url,
                Some(&self.token),
                &[("idempotency-key", idempotency_key.to_string())],
                &body,
            )
            .await
            .map_err(|e| transport(NETWORK, e))?;
        let message = || {
            serde_json::from_slice::<ErrorBody>(&posted.body)
                .map(|e| e.error)
                .unwrap_or_else(|_| format!("HTTP {}", posted.status))
        };
        match posted.status {
            200..=299 => {
                let status: Status =
                    serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
                        network: NETWORK,
                        message: format!(
                            "the answer is not a status ({e}); it may have been posted"
                        ),
                    })?;
                Ok(Published {
                    native_id: status.id,
                    url: status.url,
                })
            }
            401 | 403 => Err(PublishError::Unauthorized {
                network: NETWORK,
                message: message(),
            }),
            429 => Err(PublishError::RateLimited {
                network: NETWORK,
                retry_after: posted.rate_limit.wait().unwrap_or(Duration::from_secs(60)),
            }),
            408 | 500..=599 => Err(PublishError::Transient {
                network: NETWORK,
                message: message(),
            }),
            _ => Err(PublishError::Rejected {
                network: NETWORK,
                message: message(),
            }),
        }
    }
}
