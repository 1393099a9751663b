//! Bluesky's Jetstream (<https://github.com/bluesky-social/jetstream#consuming-jetstream>):
//! the network's commits as JSON over a WebSocket, asked for `app.bsky.feed.post` only
//! (`wantedCollections`), optionally for some accounts only (`wantedDids`), and resumable:
//! the checkpoint keeps the largest `time_us` stored, and a reconnection asks for `cursor`
//! a few seconds before it, as the Jetstream documentation recommends for gapless playback
//! (the replayed posts are stored by id, so they are not doubled).
//!
//! Without `dids` this is the whole network's stream of posts: it is read as a firehose
//! ([`Source::firehose`]), so only posts that match a monitor are stored.

use super::{parse, read_checkpoint, write_checkpoint, StreamWindow};
use crate::bluesky::BlueskyCursor;
use crate::http::{redact_url, FetchRequest, Fetcher, WebSocket};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A public Jetstream instance run by Bluesky.
pub const DEFAULT_ENDPOINT: &str = "wss://jetstream2.us-east.bsky.network/subscribe";
/// How far before the checkpoint a reconnection replays (microseconds).
const REPLAY_US: i64 = 5_000_000;
/// Jetstream's limit on `wantedDids`.
const MAX_DIDS: usize = 10_000;

/// Settings of a [`JetstreamSource`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JetstreamConfig {
    /// The `/subscribe` URL (default [`DEFAULT_ENDPOINT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Only these accounts' posts (`did:plc:...`); empty: every post on the network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dids: Vec<String>,
    /// Seconds of stream read per poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_secs: Option<f64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct JetstreamCheckpoint {
    /// The largest `time_us` stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_us: Option<i64>,
}

/// Reads Jetstream over one WebSocket kept between polls.
pub struct JetstreamSource {
    name: String,
    url: url::Url,
    firehose: bool,
    fetcher: Fetcher,
    window: StreamWindow,
    socket: Option<WebSocket>,
}

impl fmt::Debug for JetstreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JetstreamSource")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("connected", &self.socket.is_some())
            .finish()
    }
}

impl JetstreamSource {
    /// A Jetstream source named `name`.
    pub fn new(
        name: &str,
        config: JetstreamConfig,
        fetcher: Fetcher,
    ) -> Result<JetstreamSource, SourceError> {
        let window = StreamWindow::from_secs(name, config.window_secs)?;
        let raw = config.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let mut url = url::Url::parse(raw)
            .map_err(|e| super::config_error(name, format!("endpoint is not a URL: {e}")))?;
        if !matches!(url.scheme(), "wss" | "ws") {
            return Err(super::config_error(
                name,
                "endpoint must be a wss:// (or ws://) URL",
            ));
        }
        if config.dids.len() > MAX_DIDS {
            return Err(super::config_error(
                name,
                format!("Jetstream takes at most {MAX_DIDS} dids"),
            ));
        }
        if let Some(bad) = config.dids.iter().find(|did| !did.starts_with("did:")) {
            return Err(super::config_error(
                name,
                format!("{bad:?} is not a DID (did:plc:... or did:web:...)"),
            ));
        }
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("wantedCollections", "app.bsky.feed.post");
            for did in &config.dids {
                pairs.append_pair("wantedDids", did);
            }
        }
        Ok(JetstreamSource {
            name: name.to_string(),
            url,
            firehose: config.dids.is_empty(),
            fetcher,
            window,
            socket: None,
        })
    }

    /// The subscription URL for a connection resuming from `time_us`.
    fn subscribe_url(&self, time_us: Option<i64>) -> url::Url {
        let mut url = self.url.clone();
        if let Some(time_us) = time_us {
            url.query_pairs_mut()
                .append_pair("cursor", &(time_us - REPLAY_US).max(0).to_string());
        }
        url
    }
}

#[async_trait]
impl Source for JetstreamSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "bluesky_jetstream",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    fn firehose(&self) -> bool {
        self.firehose
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let mut state: JetstreamCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        if self.socket.is_none() {
            let request = FetchRequest::get(self.subscribe_url(state.time_us));
            let socket = self
                .fetcher
                .open_websocket(request)
                .await
                .map_err(|e| super::status_error(&self.name, e))?;
            self.socket = Some(socket);
        }
        let Some(socket) = self.socket.as_mut() else {
            return Ok(self.window.idle());
        };
        let read = match socket.read_texts(self.window.deadline()).await {
            Ok(read) => read,
            Err(e) => {
                self.socket = None;
                return Err(e.into());
            }
        };
        if read.ended {
            self.socket = None;
        }
        if !super::has_content(&read.bytes) {
            return Ok(self.window.idle());
        }
        let page = parse(&self.name, Network::Bluesky, &read.bytes)?;
        if let Cursor::Bluesky(BlueskyCursor {
            time_us: Some(time_us),
            ..
        }) = &page.cursor
        {
            state.time_us = Some(state.time_us.map_or(*time_us, |t| t.max(*time_us)));
        }
        Ok(Poll {
            skipped: page.skipped.len(),
            // Jetstream sends commits in the order they happened.
            posts: page.posts,
            checkpoint: Some(write_checkpoint(&self.name, &state)?),
            wait: Some(self.window.pause()),
        })
    }
}
