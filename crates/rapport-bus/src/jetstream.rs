//! [`IngestLog`] on NATS JetStream: one stream (work-queue retention, file storage, a
//! duplicate window keyed by `Nats-Msg-Id`) and one durable pull consumer shared by every
//! worker (explicit acknowledgements, bounded `max_ack_pending`, `ack_wait` after which an
//! unacknowledged message is delivered again).

use crate::security::{redact_url, NatsSecurity};
use crate::{message_id, Acknowledge, BusError, Delivery, IngestLog, LogDepth, PublishReport};
use async_nats::jetstream::{self, consumer, context::PublishAckFuture, stream, AckKind};
use async_trait::async_trait;
use futures_util::StreamExt;
use rapport_model::Post;
use std::time::Duration;

/// Where the log lives and how its consumer behaves. Its `Debug` hides the URL's password.
#[derive(Clone)]
pub struct JetStreamConfig {
    /// The server, e.g. `nats://127.0.0.1:4222`, `tls://user:pass@nats.internal:4222`, or
    /// several of a cluster, comma-separated.
    pub url: String,
    /// TLS and credentials beyond what the URL says.
    pub security: NatsSecurity,
    /// The stream's name (`RAPPORT_POSTS` for the prefix `rapport`).
    pub stream: String,
    /// The subject posts are published on (`rapport.posts`).
    pub subject: String,
    /// The durable consumer every worker shares (`rapport-workers`).
    pub consumer: String,
    /// How long a delivered message may stay unacknowledged before it is delivered again
    /// (to any worker): longer than a batch takes to store, short enough that a dead
    /// worker's posts come back soon.
    pub ack_wait: Duration,
    /// Most messages delivered and not yet acknowledged, over all workers.
    pub max_ack_pending: i64,
    /// How long the stream remembers a message id to drop re-publishes.
    pub duplicate_window: Duration,
    /// Posts published before waiting for the server's acknowledgements.
    pub publish_window: usize,
    /// Copies of the stream kept on different servers of a JetStream cluster (1, or 3 to
    /// survive the loss of one server; at most the cluster's size). Fixed when the stream
    /// is created.
    pub replicas: usize,
}

impl JetStreamConfig {
    /// The log at `url` under the default prefix `rapport`.
    pub fn new(url: impl Into<String>) -> JetStreamConfig {
        JetStreamConfig::with_prefix(url, "rapport")
    }

    /// The log at `url` with names derived from `prefix` (letters, digits, `-` and `_`): the
    /// stream `PREFIX_POSTS`, the subject `prefix.posts`, the consumer `prefix-workers`. Two
    /// prefixes on one server are two independent logs (tests use one each).
    pub fn with_prefix(url: impl Into<String>, prefix: &str) -> JetStreamConfig {
        JetStreamConfig {
            url: url.into(),
            security: NatsSecurity::default(),
            stream: format!("{}_POSTS", prefix.to_ascii_uppercase()),
            subject: format!("{prefix}.posts"),
            consumer: format!("{prefix}-workers"),
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 20_000,
            duplicate_window: Duration::from_secs(120),
            publish_window: 1_000,
            replicas: 1,
        }
    }

    /// The server URL(s) without passwords or tokens, for messages and logs.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }

    /// Checks that the prefix-derived names are valid NATS names.
    fn check(&self) -> Result<(), BusError> {
        let name_ok = |name: &str| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let subject_ok = !self.subject.is_empty()
            && self
                .subject
                .split('.')
                .all(|part| name_ok(part) && part != "*" && part != ">");
        if name_ok(&self.stream) && name_ok(&self.consumer) && subject_ok {
            Ok(())
        } else {
            Err(BusError::Stream {
                stream: self.stream.clone(),
                operation: "use its name",
                message: format!(
                    "stream {:?}, consumer {:?} and subject {:?} must be letters, digits, - and _ \
                     (dot-separated for the subject)",
                    self.stream, self.consumer, self.subject
                ),
            })
        }
    }
}

/// The ingest log in a JetStream stream. Cheap to clone.
#[derive(Clone)]
pub struct JetStreamLog {
    client: async_nats::Client,
    context: jetstream::Context,
    stream: stream::Stream,
    consumer: consumer::PullConsumer,
    config: JetStreamConfig,
}

impl std::fmt::Debug for JetStreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamConfig")
            .field("url", &self.display_url())
            .field("security", &self.security)
            .field("stream", &self.stream)
            .field("subject", &self.subject)
            .field("consumer", &self.consumer)
            .field("ack_wait", &self.ack_wait)
            .field("max_ack_pending", &self.max_ack_pending)
            .field("duplicate_window", &self.duplicate_window)
            .field("publish_window", &self.publish_window)
            .field("replicas", &self.replicas)
            .finish()
    }
}

impl std::fmt::Debug for JetStreamLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamLog")
            .field("config", &self.config)
            .finish()
    }
}

impl JetStreamLog {
    /// Connects, and creates the stream and the durable consumer when they do not exist
    /// (existing ones are used as they are: their settings win over `config`'s).
    /// `config.url` may list several servers of a cluster, comma-separated.
    pub async fn connect(config: JetStreamConfig) -> Result<JetStreamLog, BusError> {
        config.check()?;
        let connect_error = |message: String| BusError::Connect {
            url: config.display_url(),
            message,
        };
        let servers = config
            .url
            .split(',')
            .map(|url| url.trim().parse::<async_nats::ServerAddr>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                connect_error(format!(
                    "not a NATS server URL (or a comma-separated list): {}",
                    // The parser may quote the input back: never show a password.
                    redact_url(&e.to_string())
                ))
            })?;
        let options = async_nats::ConnectOptions::new()
            .name("rapport")
            .connection_timeout(Duration::from_secs(5));
        let mut options = config
            .security
            .apply(options)
            .await
            .map_err(connect_error)?;
        // async-nats does not use a URL's user and password (or token) by itself: pass them.
        if let Some(server) = servers.iter().find(|s| s.username().is_some()) {
            // The URL keeps them percent-encoded (a password may hold '@' or ':').
            let decode = |raw: &str| {
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let user = decode(server.username().unwrap_or_default());
            options = match server.password() {
                Some(password) => options.user_and_password(user, decode(password)),
                None => options.token(user),
            };
        }
        // The first connection fails at once (a bad certificate or password is reported);
        // later reconnections keep retrying.
        let client = options
            .connect(servers)
            .await
            .map_err(|e| connect_error(redact_url(&e.to_string())))?;
        let context = jetstream::new(client.clone());
        let stream_error = |operation: &'static str, e: &dyn std::fmt::Display| BusError::Stream {
            stream: config.stream.clone(),
            operation,
            message: e.to_string(),
        };
        let stream = context
            .get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![config.subject.clone()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: config.duplicate_window,
                num_replicas: config.replicas.max(1),
                ..Default::default()
            })
            .await
            .map_err(|e| stream_error("create or open it", &e))?;
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(
                &config.consumer,
                consumer::pull::Config {
                    durable_name: Some(config.consumer.clone()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: config.ack_wait,
                    max_ack_pending: config.max_ack_pending,
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| stream_error("create or open its durable consumer", &e))?;
        Ok(JetStreamLog {
            client,
            context,
            stream,
            consumer,
            config,
        })
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &JetStreamConfig {
        &self.config
    }

    /// Deletes the stream (and its consumer) on the server: for tests and benchmarks.
    pub async fn delete(self) -> Result<(), BusError> {
        self.context
            .delete_stream(&self.config.stream)
            .await
            .map_err(|e| BusError::Stream {
                stream: self.config.stream.clone(),
                operation: "delete it",
                message: e.to_string(),
            })?;
        Ok(())
    }

    fn consume_error(&self, operation: &'static str, e: impl std::fmt::Display) -> BusError {
        BusError::Consume {
            consumer: self.config.consumer.clone(),
            operation,
            message: e.to_string(),
        }
    }

    /// Reads one pull request's messages into a delivery.
    async fn collect(&self, mut batch: consumer::pull::Batch) -> Result<Delivery, BusError> {
        let mut messages = Vec::new();
        let mut posts = Vec::new();
        let mut rejected = 0;
        let mut redelivered = 0;
        let mut seen = std::collections::HashMap::new();
        while let Some(message) = batch.next().await {
            let message = match message {
                Ok(message) => message,
                Err(e) => {
                    // What was collected is still ours to ack; the rest comes back later.
                    tracing::warn!("JetStream pull ended early: {e}");
                    break;
                }
            };
            let (sequence, delivered) = match message.info() {
                Ok(info) => (Some(info.stream_sequence), info.delivered),
                Err(_) => (None, 1),
            };
            // A message whose ack_wait ran out while this pull was still open comes twice:
            // keep one post, and the newest delivery to acknowledge.
            if let Some(&index) = sequence.and_then(|s| seen.get(&s)) {
                messages[index] = message;
                continue;
            }
            match serde_json::from_slice::<Post>(&message.payload) {
                Ok(post) => {
                    if delivered > 1 {
                        redelivered += 1;
                    }
                    if let Some(sequence) = sequence {
                        seen.insert(sequence, messages.len());
                    }
                    posts.push(post);
                    messages.push(message);
                }
                Err(e) => {
                    rejected += 1;
                    tracing::warn!(
                        subject = %message.subject,
                        "dropping a message that is not a post: {e}"
                    );
                    message
                        .ack_with(AckKind::Term)
                        .await
                        .map_err(|e| self.consume_error("terminate an unreadable message", e))?;
                }
            }
        }
        let acker = JetStreamAck {
            client: self.client.clone(),
            consumer: self.config.consumer.clone(),
            messages,
        };
        Ok(Delivery::new(posts, rejected, redelivered, Box::new(acker)))
    }
}

#[async_trait]
impl IngestLog for JetStreamLog {
    async fn publish(&self, posts: &[Post]) -> Result<PublishReport, BusError> {
        let mut report = PublishReport::default();
        let window = self.config.publish_window.max(1);
        for chunk in posts.chunks(window) {
            let mut acks: Vec<(String, PublishAckFuture)> = Vec::with_capacity(chunk.len());
            for post in chunk {
                let key = message_id(post);
                let failed = |message: String| BusError::Publish {
                    subject: self.config.subject.clone(),
                    key: key.clone(),
                    message,
                };
                let payload = serde_json::to_vec(post).map_err(|e| failed(e.to_string()))?;
                let ack = self
                    .context
                    .send_publish(
                        self.config.subject.clone(),
                        jetstream::message::PublishMessage::build()
                            .payload(payload.into())
                            .message_id(&key),
                    )
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                acks.push((key, ack));
            }
            for (key, ack) in acks {
                let ack = ack.await.map_err(|e| BusError::Publish {
                    subject: self.config.subject.clone(),
                    key,
                    message: e.to_string(),
                })?;
                if ack.duplicate {
                    report.duplicates += 1;
                } else {
                    report.accepted += 1;
                }
            }
        }
        Ok(report)
    }

    async fn fetch(&self, max: usize, wait: Duration) -> Result<Delivery, BusError> {
        let max = max.max(1);
        // What is ready now, without waiting...
        let ready = self
            .consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(|e| self.consume_error("fetch", e))?;
        let delivery = self.collect(ready).await?;
        if !delivery.is_empty() || wait.is_zero() {
            return Ok(delivery);
        }
        // ... or else wait for the next posts, up to `wait`.
        let waiting = self
            .consumer
            .batch()
            .max_messages(max)
            // A pull still open when ack_wait runs out would get its own messages again.
            .expires(
                wait.min(self.config.ack_wait / 2)
                    .max(Duration::from_millis(10)),
            )
            .messages()
            .await
            .map_err(|e| self.consume_error("wait for messages", e))?;
        self.collect(waiting).await
    }

    async fn depth(&self) -> Result<LogDepth, BusError> {
        let mut consumer = self.consumer.clone();
        let info = consumer
            .info()
            .await
            .map_err(|e| self.consume_error("read its state", e))?;
        let (pending, unacknowledged) = (info.num_pending, info.num_ack_pending as u64);
        let mut stream = self.stream.clone();
        let stored = stream
            .info()
            .await
            .map_err(|e| BusError::Stream {
                stream: self.config.stream.clone(),
                operation: "read its state",
                message: e.to_string(),
            })?
            .state
            .messages;
        Ok(LogDepth {
            pending,
            unacknowledged,
            stored,
        })
    }
}

/// The messages of one delivery, to settle together.
struct JetStreamAck {
    client: async_nats::Client,
    consumer: String,
    messages: Vec<jetstream::Message>,
}

impl JetStreamAck {
    async fn settle(self, kind: AckKind, operation: &'static str) -> Result<(), BusError> {
        let failed = |e: &dyn std::fmt::Display| BusError::Consume {
            consumer: self.consumer.clone(),
            operation,
            message: e.to_string(),
        };
        for message in &self.messages {
            message.ack_with(kind).await.map_err(|e| failed(&e))?;
        }
        // Acknowledgements are plain publishes: make sure they left before reporting success.
        self.client.flush().await.map_err(|e| failed(&e))?;
        Ok(())
    }
}

#[async_trait]
impl Acknowledge for JetStreamAck {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        self.settle(AckKind::Ack, "acknowledge a batch").await
    }

    async fn nak(self: Box<Self>) -> Result<(), BusError> {
        self.settle(AckKind::Nak(None), "give a batch back").await
    }
}
