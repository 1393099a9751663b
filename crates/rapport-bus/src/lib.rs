//! The ingest log: raw posts on their way from producers (imports, the simulator, later the
//! connectors) to any number of workers that analyse, match and store them.
//!
//! [`IngestLog`] is the interface; [`JetStreamLog`] keeps it in a NATS JetStream stream. A
//! post is published as the serde JSON of [`rapport_model::Post`] with `Nats-Msg-Id` set to
//! its identity ([`message_id`]: network and native id), so a post published again inside the
//! stream's duplicate window is dropped by the server. Workers share one durable pull
//! consumer: each message goes to one worker, which acknowledges it only after the batch
//! holding it has committed ([`Delivery::ack`]); a message nobody acknowledges within the
//! consumer's `ack_wait` (its worker died) is delivered again. The store upserts posts by
//! (network, native id), so a redelivered post is never stored twice.
//!
//! This crate knows the wire (subjects, headers, JSON); it does not know the store.

mod jetstream;
mod security;

pub use jetstream::{JetStreamConfig, JetStreamLog};
pub use security::{redact_url, NatsSecurity};

use async_trait::async_trait;
use rapport_model::Post;
use std::time::Duration;

/// Why the log could not do something; each variant says what and where.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The NATS server could not be reached.
    #[error("cannot connect to NATS at {url}: {message}")]
    Connect {
        /// The server's address.
        url: String,
        /// Why.
        message: String,
    },
    /// The stream or its consumer could not be created or read.
    #[error("JetStream stream {stream}: cannot {operation}: {message}")]
    Stream {
        /// The stream's name.
        stream: String,
        /// What was being done.
        operation: &'static str,
        /// Why.
        message: String,
    },
    /// Publishing a post failed (nothing says whether the server kept it: publish it again,
    /// the duplicate window drops it if it did).
    #[error("publishing {key} to {subject} failed: {message}")]
    Publish {
        /// The subject.
        subject: String,
        /// The post's message id (network:native id).
        key: String,
        /// Why.
        message: String,
    },
    /// Fetching or acknowledging messages failed.
    #[error("JetStream consumer {consumer}: cannot {operation}: {message}")]
    Consume {
        /// The durable consumer's name.
        consumer: String,
        /// What was being done.
        operation: &'static str,
        /// Why.
        message: String,
    },
}

/// What a publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Posts the stream took.
    pub accepted: u64,
    /// Posts the stream dropped as duplicates (same message id inside its window).
    pub duplicates: u64,
}

impl PublishReport {
    /// Adds another report's counts.
    pub fn add(&mut self, other: PublishReport) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
    }
}

/// How much work the log holds for its workers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogDepth {
    /// Messages not yet delivered to any worker.
    pub pending: u64,
    /// Messages delivered and not yet acknowledged (being worked on, or lost with their
    /// worker until `ack_wait` passes).
    pub unacknowledged: u64,
    /// Messages the stream holds (a work-queue stream drops a message once it is
    /// acknowledged).
    pub stored: u64,
}

impl LogDepth {
    /// Nothing left to deliver and nothing waiting for an acknowledgement.
    pub fn is_drained(&self) -> bool {
        self.pending == 0 && self.unacknowledged == 0
    }
}

/// A batch of posts handed to one worker. Acknowledge it with [`Delivery::ack`] once the
/// posts are committed; dropping it without acknowledging lets the log deliver them again
/// after its `ack_wait` ([`Delivery::nak`] asks for that at once).
pub struct Delivery {
    /// The posts, in log order.
    pub posts: Vec<Post>,
    /// Messages that did not hold a readable post: logged and terminated (never
    /// delivered again), not in `posts`.
    pub rejected: usize,
    /// Of `posts`, how many had been delivered before (their first worker did not
    /// acknowledge them in time).
    pub redelivered: usize,
    acker: Box<dyn Acknowledge>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("posts", &self.posts.len())
            .field("rejected", &self.rejected)
            .field("redelivered", &self.redelivered)
            .finish()
    }
}

impl Delivery {
    /// A delivery of `posts`, settled through `acker`.
    pub fn new(
        posts: Vec<Post>,
        rejected: usize,
        redelivered: usize,
        acker: Box<dyn Acknowledge>,
    ) -> Delivery {
        Delivery {
            posts,
            rejected,
            redelivered,
            acker,
        }
    }

    /// Nothing was delivered.
    pub fn is_empty(&self) -> bool {
        self.posts.is_empty() && self.rejected == 0
    }

    /// Splits the posts from their acknowledgement, so the posts can be moved to another
    /// thread while the acknowledgement waits for the commit.
    pub fn into_parts(self) -> (Vec<Post>, Pending) {
        (
            self.posts,
            Pending {
                acker: self.acker,
                rejected: self.rejected,
                redelivered: self.redelivered,
            },
        )
    }

    /// Acknowledges every post of the batch: call it only after they are committed.
    pub async fn ack(self) -> Result<(), BusError> {
        self.acker.ack().await
    }

    /// Gives the posts back to the log for another delivery now.
    pub async fn nak(self) -> Result<(), BusError> {
        self.acker.nak().await
    }
}

/// The acknowledgement of a [`Delivery`] whose posts were taken out ([`Delivery::into_parts`]).
pub struct Pending {
    acker: Box<dyn Acknowledge>,
    /// Messages rejected as unreadable.
    pub rejected: usize,
    /// Posts delivered before.
    pub redelivered: usize,
}

impl Pending {
    /// Acknowledges the batch: call it only after its posts are committed.
    pub async fn ack(self) -> Result<(), BusError> {
        self.acker.ack().await
    }

    /// Gives the batch back for another delivery now.
    pub async fn nak(self) -> Result<(), BusError> {
        self.acker.nak().await
    }
}

/// Settles the messages of one delivery (an implementation detail of each log).
#[async_trait]
pub trait Acknowledge: Send + Sync {
    /// Every message is done: the log forgets them.
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    /// Every message should be delivered again.
    async fn nak(self: Box<Self>) -> Result<(), BusError>;
}

/// A durable log of raw posts shared by producers and workers.
#[async_trait]
pub trait IngestLog: Send + Sync {
    /// Appends posts; a post whose message id the log saw inside its duplicate window is
    /// dropped and counted as a duplicate. Returns after the log has stored them.
    async fn publish(&self, posts: &[Post]) -> Result<PublishReport, BusError>;

    /// Up to `max` posts for this worker: what is ready now, or, when nothing is, what
    /// arrives within `wait` (possibly nothing).
    async fn fetch(&self, max: usize, wait: Duration) -> Result<Delivery, BusError>;

    /// How much work is left.
    async fn depth(&self) -> Result<LogDepth, BusError>;
}

/// The message id of a post: `network:native_id`, with bytes that are not printable ASCII
/// (and `%`) written `%XX`, so it is always a valid header value and still unique.
pub fn message_id(post: &Post) -> String {
    let mut id = String::with_capacity(post.native_id.len() + 12);
    id.push_str(post.network.as_str());
    id.push(':');
    for byte in post.native_id.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' {
            id.push(byte as char);
        } else {
            id.push_str(&format!("%{byte:02X}"));
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_model::{Author, Network};

    fn post(native_id: &str) -> Post {
        Post {
            network: Network::Mastodon,
            native_id: native_id.into(),
            url: None,
            author: Author {
                handle: "a".into(),
                display_name: None,
                followers: None,
            },
            title: None,
            text: "hello".into(),
            language: None,
            created_at: chrono::Utc::now(),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Default::default(),
        }
    }

    #[test]
    fn message_ids_are_printable_and_distinct() {
        assert_eq!(message_id(&post("123")), "mastodon:123");
        assert_eq!(message_id(&post("a b\r\n%")), "mastodon:a%20b%0D%0A%25");
        assert_ne!(message_id(&post("é")), message_id(&post("e")));
        assert_ne!(message_id(&post("%41")), message_id(&post("A")));
    }
}
