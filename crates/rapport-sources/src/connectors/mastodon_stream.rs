//! Mastodon's streaming API (<https://docs.joinmastodon.org/methods/streaming/>): the
//! hashtag and public streams and the account's notifications as server-sent events, read
//! in short windows over one connection kept between polls.
//!
//! The stream cannot be resumed, so every (re)connection is followed by a catch-up through
//! the REST timeline with `min_id` from the checkpoint (the [`MastodonSource`] poll): the
//! stream is opened first and the timeline read second, so a status posted in between
//! arrives by one or the other (arriving twice is harmless: posts are stored by id).

use super::mastodon::{MastodonCheckpoint, MastodonConfig, MastodonSource, MastodonTimeline};
use super::{max_id, oldest_first, parse, read_checkpoint, write_checkpoint, StreamWindow};
use crate::http::{redact_url, FetchRequest, Fetcher, LiveStream};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Settings of a [`MastodonStreamSource`]: the timeline settings of the REST connector,
/// plus where the streaming server is and how long a window lasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonStreamConfig {
    /// The instance, e.g. `https://mastodon.social`.
    pub instance: String,
    /// `hashtag`, `public` or `notifications` (search has no stream).
    pub timeline: MastodonTimeline,
    /// The tag, for a hashtag stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Only the instance's own posts.
    #[serde(default)]
    pub local: bool,
    /// The streaming server, when the instance names another one
    /// (`configuration.urls.streaming` of `GET /api/v2/instance`); default: the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<String>,
    /// Seconds of stream read per poll (each window is stored with its checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_secs: Option<f64>,
}

/// Streams one Mastodon timeline or the notifications.
pub struct MastodonStreamSource {
    name: String,
    rest: MastodonSource,
    url: url::Url,
    token: Option<String>,
    fetcher: Fetcher,
    window: StreamWindow,
    stream: Option<LiveStream>,
}

impl fmt::Debug for MastodonStreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MastodonStreamSource")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("connected", &self.stream.is_some())
            .finish()
    }
}

impl MastodonStreamSource {
    /// A streaming source named `name`; notifications need `token`.
    pub fn new(
        name: &str,
        config: MastodonStreamConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<MastodonStreamSource, SourceError> {
        let window = StreamWindow::from_secs(name, config.window_secs)?;
        let rest = MastodonSource::new(
            name,
            MastodonConfig {
                instance: config.instance.clone(),
                timeline: config.timeline,
                query: config.query.clone(),
                local: config.local,
            },
            token.clone(),
            fetcher.clone(),
        )?;
        let base = super::base_url(
            name,
            "streaming",
            config.streaming.as_deref().unwrap_or(&config.instance),
        )?;
        // https://docs.joinmastodon.org/methods/streaming/#hashtag and siblings.
        let (path, pairs): (&str, Vec<(&str, String)>) = match config.timeline {
            MastodonTimeline::Hashtag => {
                let tag = config.query.as_deref().unwrap_or("").trim();
                let tag = tag.trim_start_matches('#').to_string();
                let path = if config.local {
                    "/api/v1/streaming/hashtag/local"
                } else {
                    "/api/v1/streaming/hashtag"
                };
                (path, vec![("tag", tag)])
            }
            MastodonTimeline::Public if config.local => ("/api/v1/streaming/public/local", vec![]),
            MastodonTimeline::Public => ("/api/v1/streaming/public", vec![]),
            MastodonTimeline::Notifications => ("/api/v1/streaming/user/notification", vec![]),
            MastodonTimeline::Search => {
                return Err(super::config_error(
                    name,
                    "Mastodon has no stream for a search: use kind mastodon with timeline search",
                ))
            }
        };
        let mut url = super::join(&base, path);
        for (key, value) in pairs {
            url.query_pairs_mut().append_pair(key, &value);
        }
        Ok(MastodonStreamSource {
            name: name.to_string(),
            rest,
            url,
            token,
            fetcher,
            window,
            stream: None,
        })
    }

    async fn connect(&mut self) -> Result<(), SourceError> {
        let mut request = FetchRequest::get(self.url.clone()).accept("text/event-stream");
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        match self.fetcher.open_stream(request).await {
            Ok(stream) => {
                self.stream = Some(stream);
                Ok(())
            }
            Err(e) => Err(super::status_error(&self.name, e)),
        }
    }
}

#[async_trait]
impl Source for MastodonStreamSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "mastodon_stream",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let Some(stream) = self.stream.as_mut() else {
            // (Re)connect, then catch up through the timeline from the checkpoint.
            self.connect().await?;
            let mut caught_up = self.rest.poll(checkpoint).await?;
            caught_up.wait = Some(caught_up.wait.unwrap_or_default().max(self.window.pause()));
            return Ok(caught_up);
        };
        let read = match stream.read_records(self.window.deadline(), b"\n\n").await {
            Ok(read) => read,
            Err(e) => {
                self.stream = None;
                return Err(e.into());
            }
        };
        if read.ended {
            self.stream = None;
        }
        let mut state: MastodonCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        if !super::has_content(&read.bytes) {
            return Ok(self.window.idle());
        }
        let page = parse(&self.name, Network::Mastodon, &read.bytes)?;
        if let Cursor::Mastodon(cursor) = &page.cursor {
            state.newest_id = max_id(state.newest_id, cursor.newest_id.clone());
        }
        Ok(Poll {
            skipped: page.skipped.len(),
            posts: oldest_first(page.posts),
            checkpoint: Some(write_checkpoint(&self.name, &state)?),
            wait: Some(self.window.pause()),
        })
    }
}
