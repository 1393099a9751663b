//! X (Twitter) API v2 recent search (`GET /2/tweets/search/recent`,
//! <https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent>) with the
//! app's bearer token. After the first poll every search asks for `since_id` of the newest
//! post stored, and follows `next_token` page by page (newest to oldest, all newer than
//! `since_id`) before moving `since_id` on. A 429 answers the wait to `x-rate-limit-reset`.

use super::{
    fetch, max_id, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch,
};
use crate::http::{redact_url, FetchRequest, Fetcher};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The official API.
const DEFAULT_BASE: &str = "https://api.x.com";

/// Settings of an [`XSearchSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XSearchConfig {
    /// The search query, in X's query language (`rapport -is:retweet lang:en`).
    pub query: String,
    /// The API's base URL (default `https://api.x.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct XCheckpoint {
    /// The newest id stored before the current run of pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since_id: Option<String>,
    /// The next (older) page of the current run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    /// The newest id of the current run: `since_id` once the run is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_newest: Option<String>,
}

/// Polls an X recent search.
pub struct XSearchSource {
    name: String,
    url: url::Url,
    token: String,
    fetcher: Fetcher,
}

impl fmt::Debug for XSearchSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XSearchSource")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("token", &"[redacted]")
            .finish()
    }
}

impl XSearchSource {
    /// An X search named `name`; `token` (the bearer token) is required.
    pub fn new(
        name: &str,
        config: XSearchConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<XSearchSource, SourceError> {
        if config.query.trim().is_empty() {
            return Err(super::config_error(name, "query is empty"));
        }
        let Some(token) = token else {
            return Err(super::config_error(
                name,
                "X needs a bearer token (token_env)",
            ));
        };
        let base = super::base_url(name, "base", config.base.as_deref().unwrap_or(DEFAULT_BASE))?;
        let mut url = super::join(&base, "/2/tweets/search/recent");
        url.query_pairs_mut()
            .append_pair("query", config.query.trim())
            .append_pair("max_results", "100")
            .append_pair(
                "tweet.fields",
                "created_at,public_metrics,conversation_id,lang,referenced_tweets,note_tweet,author_id,in_reply_to_user_id",
            )
            .append_pair("expansions", "author_id,referenced_tweets.id")
            .append_pair("user.fields", "username,name,public_metrics");
        Ok(XSearchSource {
            name: name.to_string(),
            url,
            token,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for XSearchSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "x_search",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let state: XCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let mut url = self.url.clone();
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(since) = &state.since_id {
                pairs.append_pair("since_id", since);
            }
            if let Some(token) = &state.next_token {
                pairs.append_pair("next_token", token);
            }
        }
        let request = FetchRequest::get(url).bearer(&self.token);
        let fetched = match fetch(&self.fetcher, request, &self.name).await? {
            Fetch::Page(fetched) => fetched,
            Fetch::NotModified(wait) => return Ok(nothing(wait)),
            Fetch::RateLimited(wait) => return Ok(nothing(Some(wait))),
        };
        let page = parse(&self.name, Network::X, &fetched.body)?;
        let Cursor::X(cursor) = page.cursor else {
            return Ok(nothing(None));
        };
        let run_newest = max_id(state.run_newest, cursor.newest_id);
        // A new source reads the newest page only; a catch-up follows next_token.
        let more = state.since_id.is_some() && cursor.next_token.is_some();
        let next = if more {
            XCheckpoint {
                since_id: state.since_id,
                next_token: cursor.next_token,
                run_newest,
            }
        } else {
            XCheckpoint {
                since_id: max_id(state.since_id, run_newest),
                next_token: None,
                run_newest: None,
            }
        };
        let hint = fetched.rate_limit.wait();
        Ok(Poll {
            posts: oldest_first(page.posts),
            checkpoint: Some(write_checkpoint(&self.name, &next)?),
            wait: if more {
                hint.or(Some(Duration::ZERO))
            } else {
                hint
            },
            skipped: page.skipped.len(),
        })
    }
}
