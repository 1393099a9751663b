//! Reddit search listings (`GET /search` or `/r/{subreddit}/search` with `sort=new`,
//! <https://www.reddit.com/dev/api/#GET_search>), newest first. A catch-up follows `after`
//! (older pages) until a page holds a post already emitted or the listing ends; the ids
//! emitted are kept in the checkpoint. Every request carries the configured User-Agent, as
//! Reddit's API rules ask (`<platform>:<app ID>:<version> (by /u/<username>)`,
//! <https://github.com/reddit-archive/reddit/wiki/API>); with a token, requests go to
//! `oauth.reddit.com` with it as a bearer.

use super::{
    fetch, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch, RecentIds,
};
use crate::http::{redact_url, FetchRequest, Fetcher};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Settings of a [`RedditSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedditConfig {
    /// The search text.
    pub query: String,
    /// Search one subreddit (without `r/`) instead of all of Reddit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subreddit: Option<String>,
    /// The User-Agent Reddit asks for: `<platform>:<app ID>:<version> (by /u/<username>)`.
    pub user_agent: String,
    /// The API's base URL (default `https://oauth.reddit.com` with a token,
    /// `https://www.reddit.com` without).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RedditCheckpoint {
    /// The next (older) page of the current catch-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    #[serde(default)]
    seen: RecentIds,
}

/// Polls a Reddit search.
pub struct RedditSource {
    name: String,
    url: url::Url,
    user_agent: String,
    token: Option<String>,
    fetcher: Fetcher,
}

impl fmt::Debug for RedditSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedditSource")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("user_agent", &self.user_agent)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl RedditSource {
    /// A Reddit search named `name`, with an optional OAuth bearer token.
    pub fn new(
        name: &str,
        config: RedditConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<RedditSource, SourceError> {
        if config.query.trim().is_empty() {
            return Err(super::config_error(name, "query is empty"));
        }
        let user_agent = config.user_agent.trim().to_string();
        if user_agent.is_empty() || user_agent.chars().any(char::is_control) {
            return Err(super::config_error(
                name,
                "user_agent is required: '<platform>:<app ID>:<version> (by /u/<username>)'",
            ));
        }
        let default_base = if token.is_some() {
            "https://oauth.reddit.com"
        } else {
            "https://www.reddit.com"
        };
        let base = super::base_url(name, "base", config.base.as_deref().unwrap_or(default_base))?;
        let path = match config
            .subreddit
            .as_deref()
            .map(|s| s.trim().trim_start_matches("r/"))
        {
            Some(sub) if !sub.is_empty() => {
                if !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(super::config_error(
                        name,
                        "subreddit holds characters a subreddit name cannot",
                    ));
                }
                format!("/r/{sub}/search.json")
            }
            _ => "/search.json".to_string(),
        };
        let mut url = super::join(&base, &path);
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("q", config.query.trim())
                .append_pair("sort", "new")
                .append_pair("limit", "100")
                .append_pair("raw_json", "1");
            if path.starts_with("/r/") {
                pairs.append_pair("restrict_sr", "1");
            }
        }
        Ok(RedditSource {
            name: name.to_string(),
            url,
            user_agent,
            token,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for RedditSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "reddit",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let first_run = checkpoint.is_none();
        let mut state: RedditCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let mut url = self.url.clone();
        if let Some(after) = &state.after {
            url.query_pairs_mut().append_pair("after", after);
        }
        let mut request = FetchRequest::get(url).user_agent(&self.user_agent);
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        let fetched = match fetch(&self.fetcher, request, &self.name).await? {
            Fetch::Page(fetched) => fetched,
            Fetch::NotModified(wait) => return Ok(nothing(wait)),
            Fetch::RateLimited(wait) => return Ok(nothing(Some(wait))),
        };
        let page = parse(&self.name, Network::Reddit, &fetched.body)?;
        let after = match &page.cursor {
            Cursor::Reddit(cursor) => cursor.after.clone(),
            _ => None,
        };
        let reached_known = page.posts.iter().any(|p| state.seen.contains(&p.native_id));
        let more = !first_run && !reached_known && after.is_some() && !page.posts.is_empty();
        let skipped = page.skipped.len();
        let posts = state.seen.keep_new(oldest_first(page.posts));
        state.after = if more { after } else { None };
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
