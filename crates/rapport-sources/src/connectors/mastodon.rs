//! Mastodon (any instance): the hashtag and public timelines, status search, and the
//! account's mention notifications, polled with `min_id` so each poll reads the page just
//! after the newest item seen; the newest id comes from the `Link` header's `prev` link
//! (<https://docs.joinmastodon.org/api/guidelines/#pagination>) or, where the endpoint
//! sends none (search), from the items. The bearer token is the source's sealed credential.

use super::{
    fetch, max_id, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch,
};
use crate::http::{redact_url, FetchRequest, Fetcher};
use crate::mastodon::parse_link_header;
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Items per page (the documented maximum of these endpoints is 40).
const LIMIT: usize = 40;

/// Which Mastodon endpoint a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MastodonTimeline {
    /// `GET /api/v1/timelines/tag/:hashtag` (`query` is the tag, without `#`).
    Hashtag,
    /// `GET /api/v1/timelines/public`.
    Public,
    /// `GET /api/v2/search?type=statuses` (`query` is the search; needs a token).
    Search,
    /// `GET /api/v1/notifications?types[]=mention`: mentions of the token's account.
    Notifications,
}

/// Settings of a [`MastodonSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonConfig {
    /// The instance, e.g. `https://mastodon.social`.
    pub instance: String,
    /// The endpoint.
    pub timeline: MastodonTimeline,
    /// The tag (hashtag) or the search text (search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Only the instance's own posts (hashtag and public timelines).
    #[serde(default)]
    pub local: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct MastodonCheckpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) newest_id: Option<String>,
}

/// Polls one Mastodon timeline, search or the notifications.
pub struct MastodonSource {
    name: String,
    config: MastodonConfig,
    url: url::Url,
    token: Option<String>,
    fetcher: Fetcher,
}

impl fmt::Debug for MastodonSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MastodonSource")
            .field("name", &self.name)
            .field("config", &self.config)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl MastodonSource {
    /// A Mastodon source named `name`; search and notifications need `token`.
    pub fn new(
        name: &str,
        config: MastodonConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<MastodonSource, SourceError> {
        let instance = super::base_url(name, "instance", &config.instance)?;
        let query = config.query.as_deref().map(str::trim).unwrap_or("");
        let path = match config.timeline {
            MastodonTimeline::Hashtag => {
                let tag = query.trim_start_matches('#');
                if tag.is_empty() || tag.contains(['/', '?', '#', ' ']) {
                    return Err(super::config_error(
                        name,
                        "a hashtag timeline needs query: the tag, without '#' or spaces",
                    ));
                }
                format!("/api/v1/timelines/tag/{tag}")
            }
            MastodonTimeline::Public => "/api/v1/timelines/public".to_string(),
            MastodonTimeline::Search => {
                if query.is_empty() {
                    return Err(super::config_error(
                        name,
                        "a search needs query: the text to search",
                    ));
                }
                "/api/v2/search".to_string()
            }
            MastodonTimeline::Notifications => "/api/v1/notifications".to_string(),
        };
        let needs_token = matches!(
            config.timeline,
            MastodonTimeline::Search | MastodonTimeline::Notifications
        );
        if needs_token && token.is_none() {
            return Err(super::config_error(
                name,
                "search and notifications need an access token (token_env)",
            ));
        }
        let mut url = super::join(&instance, &path);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("limit", &LIMIT.to_string());
            match config.timeline {
                MastodonTimeline::Hashtag | MastodonTimeline::Public if config.local => {
                    pairs.append_pair("local", "true");
                }
                MastodonTimeline::Search => {
                    pairs.append_pair("q", query);
                    pairs.append_pair("type", "statuses");
                }
                MastodonTimeline::Notifications => {
                    pairs.append_pair("types[]", "mention");
                }
                _ => {}
            }
        }
        Ok(MastodonSource {
            name: name.to_string(),
            config,
            url,
            token,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for MastodonSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "mastodon",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let state: MastodonCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let mut url = self.url.clone();
        if let Some(newest) = &state.newest_id {
            url.query_pairs_mut().append_pair("min_id", newest);
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
        let page = parse(&self.name, Network::Mastodon, &fetched.body)?;
        let items = page.posts.len() + page.skipped.len();
        let from_items = match &page.cursor {
            Cursor::Mastodon(cursor) => cursor.newest_id.clone(),
            _ => None,
        };
        let from_link = fetched
            .link
            .as_deref()
            .map(parse_link_header)
            .and_then(|paging| paging.prev)
            .and_then(|prev| prev.min_id.or(prev.since_id));
        let next = MastodonCheckpoint {
            newest_id: max_id(state.newest_id, max_id(from_link, from_items)),
        };
        let hint = fetched.rate_limit.wait();
        // A full page after `min_id`: the next page may already be waiting.
        let wait = if state_was_set(checkpoint) && items >= LIMIT {
            hint.or(Some(Duration::ZERO))
        } else {
            hint
        };
        Ok(Poll {
            posts: oldest_first(page.posts),
            checkpoint: Some(write_checkpoint(&self.name, &next)?),
            wait,
            skipped: page.skipped.len(),
        })
    }
}

/// Whether the source had read before (a new source reads the newest page only).
fn state_was_set(checkpoint: Option<&str>) -> bool {
    checkpoint.is_some()
}
