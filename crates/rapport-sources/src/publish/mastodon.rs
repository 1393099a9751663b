//! Posts, polls and replies on Mastodon: `POST /api/v1/statuses` (with `in_reply_to_id`
//! for a reply, `poll` for a poll) and the
//! `Idempotency-Key` header (<https://docs.joinmastodon.org/methods/statuses/#create>):
//! the server keeps the key for an hour and answers a repeated request with the status it
//! already created, so a retry cannot post twice.

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::Url;
use serde::Deserialize;
use std::time::Duration;

use super::{length, transport, Outgoing, PublishError, Published, Publisher, ReplyTarget};
use crate::http::Fetcher;

const NETWORK: &str = "Mastodon";

/// Posts as one Mastodon account, through the guarded [`Fetcher`].
pub struct MastodonPublisher {
    fetcher: Fetcher,
    instance: Url,
    token: String,
    max_length: usize,
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
        }
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
