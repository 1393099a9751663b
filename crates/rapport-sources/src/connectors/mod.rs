//! Polled connectors, one module per network, and [`build`], which turns a stored source
//! (its kind, name, config JSON and credentials) into a [`Source`].
//!
//! Every connector here follows the same rules:
//!
//! * the checkpoint is its own JSON (opaque to the runner), stored with the posts it follows;
//! * a new source (no checkpoint) reads the newest page only: it does not backfill history;
//! * catching up after a pause goes page by page, one page per poll, answering
//!   `wait: Some(ZERO)` while more is waiting;
//! * posts come out oldest first, and ids already emitted (a bounded [`RecentIds`] set in
//!   the checkpoint) are not emitted twice where the network's paging overlaps;
//! * HTTP 429 is not a failure: the poll answers no posts and the wait the server asked for
//!   (`Retry-After`, or the rate-limit reset); 401/403 is [`SourceError::Unauthorized`];
//!   other errors are [`SourceError::Fetch`] and the runner backs off.

pub mod bluesky_search;
pub mod facebook_comments;
pub mod feed;
pub mod hackernews;
pub mod jetstream;
pub mod mastodon;
pub mod mastodon_stream;
pub mod reddit;
pub mod x_search;
pub mod x_stream;

use crate::http::{FetchError, FetchOutcome, FetchRequest, Fetched, Fetcher};
use crate::source::{JsonFeedConfig, JsonFeedSource, Poll, Source, SourceError};
use crate::{parse_document, Page};
use rapport_model::{Network, Post};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;

/// The kinds [`build`] knows, for messages and `rapport sources add`.
pub const POLLED_KINDS: &[&str] = &[
    "jsonfeed",
    "feed",
    "mastodon",
    "bluesky_search",
    "x_search",
    "reddit",
    "hackernews",
    "mastodon_stream",
    "bluesky_jetstream",
    "x_stream",
    "facebook_comments",
];

/// How long to wait after a 429 that said nothing about when to come back.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// How many emitted ids a checkpoint remembers to drop repeats.
const RECENT_IDS: usize = 1000;

/// Builds the connector of `kind` named `name` from its stored config JSON, with its
/// (unsealed) credentials, fetching through `fetcher`.
pub fn build(
    kind: &str,
    name: &str,
    config: &str,
    token: Option<String>,
    fetcher: Fetcher,
) -> Result<Box<dyn Source>, SourceError> {
    Ok(match kind {
        "jsonfeed" => {
            let config: JsonFeedConfig = read_config(name, kind, config)?;
            Box::new(JsonFeedSource::new(name, &config, token, fetcher)?)
        }
        "feed" => Box::new(feed::FeedSource::new(
            name,
            read_config(name, kind, config)?,
            fetcher,
        )?),
        "mastodon" => Box::new(mastodon::MastodonSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "bluesky_search" => Box::new(bluesky_search::BlueskySearchSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "x_search" => Box::new(x_search::XSearchSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "reddit" => Box::new(reddit::RedditSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "hackernews" => Box::new(hackernews::HackerNewsSource::new(
            name,
            read_config(name, kind, config)?,
            fetcher,
        )?),
        "mastodon_stream" => Box::new(mastodon_stream::MastodonStreamSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "bluesky_jetstream" => Box::new(jetstream::JetstreamSource::new(
            name,
            read_config(name, kind, config)?,
            fetcher,
        )?),
        "x_stream" => Box::new(x_stream::XStreamSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        "facebook_comments" => Box::new(facebook_comments::FacebookCommentsSource::new(
            name,
            read_config(name, kind, config)?,
            token,
            fetcher,
        )?),
        other => {
            return Err(SourceError::Config {
                source_name: name.to_string(),
                message: format!(
                    "unknown kind '{other}' (known: {})",
                    POLLED_KINDS.join(", ")
                ),
            })
        }
    })
}

/// Reads a config of `kind`, saying which field is wrong.
pub fn read_config<T: DeserializeOwned>(
    name: &str,
    kind: &str,
    json: &str,
) -> Result<T, SourceError> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| SourceError::Config {
        source_name: name.to_string(),
        message: format!("{kind} config at '{}': {}", e.path(), e.inner()),
    })
}

/// A config error of source `name`.
pub(crate) fn config_error(name: &str, message: impl Into<String>) -> SourceError {
    SourceError::Config {
        source_name: name.to_string(),
        message: message.into(),
    }
}

/// Parses `base` as an http(s) URL, or says which field is wrong.
pub(crate) fn base_url(name: &str, field: &str, base: &str) -> Result<url::Url, SourceError> {
    let url = url::Url::parse(base)
        .map_err(|e| config_error(name, format!("{field} is not a valid URL: {e}")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(config_error(
            name,
            format!("{field} must be an http(s) URL"),
        ));
    }
    Ok(url)
}

/// `base` with `path` appended to its path (no double slash).
pub(crate) fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// Reads a checkpoint this source wrote (`None`: the default state).
pub(crate) fn read_checkpoint<T: DeserializeOwned + Default>(
    name: &str,
    checkpoint: Option<&str>,
) -> Result<T, SourceError> {
    match checkpoint {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(text).map_err(|e| SourceError::Checkpoint {
            source_name: name.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Writes a checkpoint.
pub(crate) fn write_checkpoint<T: Serialize>(name: &str, state: &T) -> Result<String, SourceError> {
    serde_json::to_string(state).map_err(|e| SourceError::Checkpoint {
        source_name: name.to_string(),
        message: e.to_string(),
    })
}

/// What one guarded GET gave a connector.
pub(crate) enum Fetch {
    /// A body.
    Page(Fetched),
    /// 304, with the server's wait hint.
    NotModified(Option<Duration>),
    /// 429: come back after this long.
    RateLimited(Duration),
}

/// GETs through the fetcher, mapping 429 to a wait and 401/403 to a clear error.
pub(crate) async fn fetch(
    fetcher: &Fetcher,
    request: FetchRequest,
    name: &str,
) -> Result<Fetch, SourceError> {
    match fetcher.get(request).await {
        Ok(FetchOutcome::Fresh(fetched)) => Ok(Fetch::Page(fetched)),
        Ok(FetchOutcome::NotModified { rate_limit }) => Ok(Fetch::NotModified(rate_limit.wait())),
        Err(FetchError::Status {
            status: 429,
            retry_after,
            ..
        }) => Ok(Fetch::RateLimited(
            retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT),
        )),
        Err(FetchError::Status {
            url,
            status: status @ (401 | 403),
            ..
        }) => Err(SourceError::Unauthorized {
            source_name: name.to_string(),
            url,
            status,
        }),
        Err(e) => Err(e.into()),
    }
}

/// How long a streaming connector reads per poll. The stream stays open between polls;
/// each window's posts are stored with their checkpoint before the next window is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StreamWindow(Duration);

impl StreamWindow {
    /// Default window: short enough that a post is stored within seconds of its arrival and
    /// that the polled sources sharing the runner wait little.
    const DEFAULT_SECS: f64 = 2.0;

    /// The window of `secs` (default 2 s), refused outside 0.1 to 30 s.
    pub(crate) fn from_secs(name: &str, secs: Option<f64>) -> Result<StreamWindow, SourceError> {
        let secs = secs.unwrap_or(Self::DEFAULT_SECS);
        if !(0.1..=30.0).contains(&secs) {
            return Err(config_error(
                name,
                format!("window_secs must be between 0.1 and 30, not {secs}"),
            ));
        }
        Ok(StreamWindow(Duration::from_secs_f64(secs)))
    }

    /// When the window that starts now ends.
    pub(crate) fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.0
    }

    /// The wait a streaming poll answers: barely positive, so the runner stores the window,
    /// gives the other sources their turn, and comes straight back to the stream.
    pub(crate) fn pause(&self) -> Duration {
        Duration::from_millis(1)
    }

    /// A window in which nothing but heartbeats arrived.
    pub(crate) fn idle(&self) -> Poll {
        nothing(Some(self.pause()))
    }
}

/// Whether a window holds anything but whitespace (X's keep-alive is a bare `\r\n`).
pub(crate) fn has_content(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| !b.is_ascii_whitespace())
}

/// A failure to open a stream: 401/403 say the token is wrong, anything else (a 429 with
/// its wait included) is the fetch error, which the runner backs off from.
pub(crate) fn status_error(name: &str, error: FetchError) -> SourceError {
    match error {
        FetchError::Status {
            url,
            status: status @ (401 | 403),
            ..
        } => SourceError::Unauthorized {
            source_name: name.to_string(),
            url,
            status,
        },
        other => other.into(),
    }
}

/// The poll answered to a 429 or 304: nothing new, the checkpoint kept.
pub(crate) fn nothing(wait: Option<Duration>) -> Poll {
    Poll {
        wait,
        ..Poll::default()
    }
}

/// Parses a body of `network`.
pub(crate) fn parse(name: &str, network: Network, body: &[u8]) -> Result<Page, SourceError> {
    parse_document(network, body, chrono::Utc::now()).map_err(|error| SourceError::Parse {
        source_name: name.to_string(),
        error,
    })
}

/// Sorts posts oldest first (stable: equal dates keep document order reversed, as
/// networks list newest first).
pub(crate) fn oldest_first(mut posts: Vec<Post>) -> Vec<Post> {
    posts.reverse();
    posts.sort_by_key(|p| p.created_at);
    posts
}

/// Compares numeric ids given as text (Mastodon, X), which may exceed 64 bits.
pub(crate) fn newer_id(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// The newer of two optional numeric ids.
pub(crate) fn max_id(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if newer_id(&b, &a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The ids a source emitted last, oldest first, bounded: where paging overlaps (inclusive
/// `since` filters, feeds that repeat their items), a repeat is dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecentIds(VecDeque<String>);

impl RecentIds {
    /// Whether `id` was emitted.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|seen| seen == id)
    }

    /// Remembers `id`, forgetting the oldest beyond the bound.
    pub fn remember(&mut self, id: &str) {
        if !self.contains(id) {
            self.0.push_back(id.to_string());
            while self.0.len() > RECENT_IDS {
                self.0.pop_front();
            }
        }
    }

    /// Drops posts already emitted and remembers the others.
    pub fn keep_new(&mut self, posts: Vec<Post>) -> Vec<Post> {
        let mut fresh = Vec::with_capacity(posts.len());
        for post in posts {
            if !self.contains(&post.native_id) {
                self.remember(&post.native_id);
                fresh.push(post);
            }
        }
        fresh
    }
}
