//! Bluesky `app.bsky.feed.searchPosts`
//! (<https://docs.bsky.app/docs/api/app-bsky-feed-search-posts>), newest first
//! (`sort=latest`). After the first poll every search asks for posts `since` the newest
//! date stored (less a margin for clock skew between `createdAt` and `indexedAt`), follows
//! `cursor` page by page, then moves `since` on; the overlap is dropped by id. A token
//! (an access JWT) is sent when configured.

use super::{
    fetch, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch, RecentIds,
};
use crate::http::{redact_url, FetchRequest, Fetcher};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::{Network, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The public AppView.
const DEFAULT_SERVICE: &str = "https://public.api.bsky.app";

/// How far before the newest date stored the next search starts.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(5);

/// Settings of a [`BlueskySearchSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueskySearchConfig {
    /// The search (Lucene-like syntax of searchPosts).
    pub query: String,
    /// The AppView or PDS answering XRPC (default `https://public.api.bsky.app`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BlueskyCheckpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_newest: Option<Timestamp>,
    #[serde(default)]
    seen: RecentIds,
}

/// Polls a Bluesky post search.
pub struct BlueskySearchSource {
    name: String,
    url: url::Url,
    token: Option<String>,
    fetcher: Fetcher,
}

impl fmt::Debug for BlueskySearchSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueskySearchSource")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl BlueskySearchSource {
    /// A Bluesky search named `name`.
    pub fn new(
        name: &str,
        config: BlueskySearchConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<BlueskySearchSource, SourceError> {
        if config.query.trim().is_empty() {
            return Err(super::config_error(name, "query is empty"));
        }
        let service = super::base_url(
            name,
            "service",
            config.service.as_deref().unwrap_or(DEFAULT_SERVICE),
        )?;
        let mut url = super::join(&service, "/xrpc/app.bsky.feed.searchPosts");
        url.query_pairs_mut()
            .append_pair("q", config.query.trim())
            .append_pair("sort", "latest")
            .append_pair("limit", "100");
        Ok(BlueskySearchSource {
            name: name.to_string(),
            url,
            token,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for BlueskySearchSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "bluesky_search",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let mut state: BlueskyCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let mut url = self.url.clone();
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(since) = state.since {
                let from = since - OVERLAP;
                pairs.append_pair(
                    "since",
                    &from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                );
            }
            if let Some(cursor) = &state.cursor {
                pairs.append_pair("cursor", cursor);
            }
        }
        let mut request = FetchRequest::get(url);
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        let fetched = match fetch(&self.fetcher, request, &self.name).await? {
            Fetch::Page(fetched) => fetched,
            Fetch::NotModified(wait) => return Ok(nothing(wait)),
            Fetch::RateLimited(wait) => return Ok(nothing(Some(wait))),
        };
        let page = parse(&self.name, Network::Bluesky, &fetched.body)?;
        let next_cursor = match &page.cursor {
            Cursor::Bluesky(cursor) => cursor.cursor.clone(),
            _ => None,
        };
        let page_newest = page.posts.iter().map(|p| p.created_at).max();
        let run_newest = state.run_newest.max(page_newest);
        let skipped = page.skipped.len();
        let more = state.since.is_some() && next_cursor.is_some() && !page.posts.is_empty();
        let posts = state.seen.keep_new(oldest_first(page.posts));
        if more {
            state.cursor = next_cursor;
            state.run_newest = run_newest;
        } else {
            state.since = state.since.max(run_newest);
            state.cursor = None;
            state.run_newest = None;
        }
        let hint = fetched.rate_limit.wait();
        Ok(Poll {
            posts,
            checkpoint: Some(write_checkpoint(&self.name, &state)?),
            wait: if more {
                hint.or(Some(Duration::ZERO))
            } else {
                hint
            },
            skipped,
        })
    }
}
