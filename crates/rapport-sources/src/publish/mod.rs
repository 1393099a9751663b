//! Posting back to the networks: replies now (new posts and polls follow with publishing).
//!
//! A [`Publisher`] sends one reply for an idempotency key the caller has stored *before*
//! the call (`InboxStore::begin_reply`), so a retry after a crash or a timeout reuses the
//! key: Mastodon honours it in the `Idempotency-Key` header and answers the first status
//! again instead of posting twice. [`length`] holds each network's length rule, which the
//! inbox shows as you type and the server enforces.
//!
//! Built: Mastodon. Bluesky and X replies are not built yet; [`publisher_for`] says so.

pub mod length;
pub mod mastodon;

use async_trait::async_trait;
use rapport_model::Network;
use std::time::Duration;

pub use mastodon::MastodonPublisher;

/// The post being answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    /// Its id on the network (on Mastodon: on the instance the reply is sent through).
    pub native_id: String,
    /// Its author's handle, mentioned at the start of the reply when the text does not.
    pub author_handle: String,
}

/// A reply the network accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The reply's id on the network.
    pub native_id: String,
    /// Its public URL, when the network gives one.
    pub url: Option<String>,
}

/// Why a reply was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The network refused the reply itself (too long, deleted parent, ...): retrying the
    /// same text will not help. The message is the network's own.
    #[error("{network} refused the reply: {message}")]
    Rejected {
        /// The network.
        network: &'static str,
        /// Its message.
        message: String,
    },
    /// The account's token is missing, wrong or lacks the write scope.
    #[error("{network} did not accept the account's token: {message}")]
    Unauthorized {
        /// The network.
        network: &'static str,
        /// Its message.
        message: String,
    },
    /// Rate limited: try again after the wait.
    #[error("{network} asks to wait {}s before posting again", .retry_after.as_secs())]
    RateLimited {
        /// The network.
        network: &'static str,
        /// How long.
        retry_after: Duration,
    },
    /// The outcome is unknown or the network failed (timeout, 5xx): retry with the same
    /// idempotency key.
    #[error("sending to {network} failed, it may be retried: {message}")]
    Transient {
        /// The network.
        network: &'static str,
        /// What failed.
        message: String,
    },
    /// This network or operation cannot be posted to yet.
    #[error("{0}")]
    NotSupported(String),
}

impl PublishError {
    /// Whether sending again with the same key may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            PublishError::RateLimited { .. } | PublishError::Transient { .. }
        )
    }
}

/// One network account that can post.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// The network it posts to.
    fn network(&self) -> Network;

    /// The longest text accepted, in the network's own unit (see [`Publisher::length`]).
    fn max_length(&self) -> usize;

    /// `text`'s length as the network counts it.
    fn length(&self, text: &str) -> usize;

    /// The text actually sent for a reply to `target` (the author mentioned first where the
    /// network threads by mentions).
    fn reply_text(&self, target: &ReplyTarget, text: &str) -> String;

    /// Replies to `target` with `text`, once per `idempotency_key`.
    async fn reply(
        &self,
        target: &ReplyTarget,
        text: &str,
        idempotency_key: &str,
    ) -> Result<Published, PublishError>;
}

/// Why replies on `network` are not possible yet, or `None` when they are.
pub fn unsupported_reason(network: Network) -> Option<String> {
    match network {
        Network::Mastodon => None,
        other => Some(format!(
            "replying on {} is not built yet: only Mastodon replies can be sent from rapport \
             for now; answer on {} directly",
            other.label(),
            other.label()
        )),
    }
}
