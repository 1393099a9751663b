//! The connector contract: a [`Source`] is polled with its last checkpoint and answers posts
//! and the checkpoint that follows them.
//!
//! Checkpoints are opaque JSON text to everyone but the source: the runner stores the
//! returned one in the same transaction as the posts ([`Poll::checkpoint`]) and hands it back
//! on the next poll, so a crash between the two replays a page and loses nothing.
//! [`JsonFeedSource`] is the first implementation: a URL serving posts in rapport's own JSON
//! shape, paged with `?after=<native id>`.

use crate::http::{FetchError, FetchOutcome, FetchRequest, Fetcher, Validators};
use async_trait::async_trait;
use rapport_model::Post;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What a source is, for listings and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// The connector (`jsonfeed`, `mastodon`...).
    pub kind: &'static str,
    /// The configured name.
    pub name: String,
    /// Where it reads from, without credentials or query (for people to recognise).
    pub location: String,
}

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Poll {
    /// New (or updated) posts, oldest first.
    pub posts: Vec<Post>,
    /// The checkpoint after these posts; `None` keeps the previous one.
    pub checkpoint: Option<String>,
    /// When to poll again: `Some(ZERO)` when more is waiting now, a rate-limit or schedule
    /// hint otherwise; `None` for the runner's usual interval.
    pub wait: Option<Duration>,
    /// Records that could not be read as posts and were skipped.
    pub skipped: usize,
}

/// Why a poll failed. The runner records it, backs off, and keeps the old checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The HTTP request failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The stored checkpoint is not one this source wrote.
    #[error("{source_name}: unreadable checkpoint: {message}")]
    Checkpoint {
        /// The source.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// The network refused the credentials (HTTP 401 or 403).
    #[error("{source_name}: {url} answered HTTP {status}: the credentials are missing, wrong or lack a permission; check the source's token")]
    Unauthorized {
        /// The source.
        source_name: String,
        /// The URL, without its query.
        url: String,
        /// 401 or 403.
        status: u16,
    },
    /// The network answered a document that could not be read at all.
    #[error("{source_name}: {error}")]
    Parse {
        /// The source.
        source_name: String,
        /// What could not be read, and where.
        error: crate::ParseError,
    },
    /// The source's configuration is unusable.
    #[error("{source_name}: bad configuration: {message}")]
    Config {
        /// The source.
        source_name: String,
        /// What to fix.
        message: String,
    },
}

impl SourceError {
    /// When the server allows the next call, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// A connector: anything that can be polled for posts from a checkpoint.
#[async_trait]
pub trait Source: Send {
    /// What it is.
    fn describe(&self) -> SourceInfo;

    /// Whether it reads a whole network's stream rather than what was asked for (Jetstream
    /// without accounts): the runner then stores only the posts a monitor matches.
    fn firehose(&self) -> bool {
        false
    }

    /// Reads what follows `checkpoint` (the JSON text this source returned last time, or
    /// `None` to start from the beginning).
    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError>;
}

/// Settings of a [`JsonFeedSource`], as stored in the source's config JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFeedConfig {
    /// The URL serving posts; `after=<native id>` is added to its query.
    pub url: String,
}

/// The checkpoint of a [`JsonFeedSource`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct JsonFeedCheckpoint {
    /// The native id of the last post stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    /// Validators of the last (empty) page, for a conditional GET of the same URL.
    #[serde(default)]
    validators: Validators,
}

/// Polls a URL serving posts in rapport's JSON shape ([`rapport_model::Post`]): a JSON array
/// or one post per line, oldest first, the posts after `?after=<native id>` when given.
/// An empty page means caught up; its ETag makes the next poll a conditional GET.
pub struct JsonFeedSource {
    name: String,
    url: Url,
    token: Option<String>,
    fetcher: Fetcher,
}

impl fmt::Debug for JsonFeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonFeedSource")
            .field("name", &self.name)
            .field("url", &crate::http::redact_url(&self.url))
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl JsonFeedSource {
    /// A source named `name` reading `config.url` through `fetcher`, with an optional
    /// bearer token.
    pub fn new(
        name: impl Into<String>,
        config: &JsonFeedConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<JsonFeedSource, SourceError> {
        let name = name.into();
        let url = Url::parse(&config.url).map_err(|e| SourceError::Config {
            source_name: name.clone(),
            message: format!("url is not a valid URL: {e}"),
        })?;
        Ok(JsonFeedSource {
            name,
            url,
            token,
            fetcher,
        })
    }
}

/// Reads a body of posts: a JSON array, or JSON lines. Returns the posts and how many
/// records were not posts.
pub fn parse_posts(body: &[u8]) -> (Vec<Post>, usize) {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let mut posts = Vec::new();
    let mut skipped = 0;
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<serde_json::Value>>(trimmed) {
            Ok(values) => {
                for value in values {
                    match serde_json::from_value::<Post>(value) {
                        Ok(post) => posts.push(post),
                        Err(_) => skipped += 1,
                    }
                }
            }
            Err(_) => skipped += 1,
        }
    } else {
        for line in trimmed.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match serde_json::from_str::<Post>(line) {
                Ok(post) => posts.push(post),
                Err(_) => skipped += 1,
            }
        }
    }
    (posts, skipped)
}

#[async_trait]
impl Source for JsonFeedSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "jsonfeed",
            name: self.name.clone(),
            location: crate::http::redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let state: JsonFeedCheckpoint = match checkpoint {
            None => JsonFeedCheckpoint::default(),
            Some(text) => serde_json::from_str(text).map_err(|e| SourceError::Checkpoint {
                source_name: self.name.clone(),
                message: e.to_string(),
            })?,
        };
        let mut url = self.url.clone();
        if let Some(after) = &state.after {
            url.query_pairs_mut().append_pair("after", after);
        }
        let mut request = FetchRequest::get(url).if_changed(state.validators.clone());
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        let fetched = match self.fetcher.get(request).await? {
            FetchOutcome::NotModified { rate_limit } => {
                return Ok(Poll {
                    wait: rate_limit.wait(),
                    ..Poll::default()
                })
            }
            FetchOutcome::Fresh(fetched) => fetched,
        };
        let (posts, skipped) = parse_posts(&fetched.body);
        let hint = fetched.rate_limit.wait();
        let next = match posts.last() {
            // More may be waiting: ask again at once unless the server said otherwise.
            Some(last) => JsonFeedCheckpoint {
                after: Some(last.native_id.clone()),
                validators: Validators::default(),
            },
            // Caught up: remember the validators so the next poll of this URL is conditional.
            None => JsonFeedCheckpoint {
                after: state.after,
                validators: fetched.validators,
            },
        };
        let wait = if posts.is_empty() {
            hint
        } else {
            hint.or(Some(Duration::ZERO))
        };
        let checkpoint = serde_json::to_string(&next).map_err(|e| SourceError::Checkpoint {
            source_name: self.name.clone(),
            message: e.to_string(),
        })?;
        Ok(Poll {
            posts,
            checkpoint: Some(checkpoint),
            wait,
            skipped,
        })
    }
}
