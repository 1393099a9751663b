//! Hacker News through the Algolia search API (`GET /api/v1/search_by_date`,
//! <https://hn.algolia.com/api>): newest first, filtered with
//! `numericFilters=created_at_i>=X` from the newest date stored, paged with `page` until
//! the last page, then `X` moves on; the same-second overlap is dropped by id.

use super::{
    fetch, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch, RecentIds,
};
use crate::http::{redact_url, FetchRequest, Fetcher};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::Cursor;
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The public Algolia endpoint.
const DEFAULT_BASE: &str = "https://hn.algolia.com";

/// Settings of a [`HackerNewsSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HackerNewsConfig {
    /// The search text.
    pub query: String,
    /// Algolia `tags` (default `(story,comment)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// The API's base URL (default `https://hn.algolia.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct HackerNewsCheckpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_newest: Option<i64>,
    #[serde(default)]
    seen: RecentIds,
}

/// Polls a Hacker News search.
#[derive(Debug)]
pub struct HackerNewsSource {
    name: String,
    url: url::Url,
    fetcher: Fetcher,
}

impl HackerNewsSource {
    /// A Hacker News search named `name` (no credentials: the API is public).
    pub fn new(
        name: &str,
        config: HackerNewsConfig,
        fetcher: Fetcher,
    ) -> Result<HackerNewsSource, SourceError> {
        if config.query.trim().is_empty() {
            return Err(super::config_error(name, "query is empty"));
        }
        let base = super::base_url(name, "base", config.base.as_deref().unwrap_or(DEFAULT_BASE))?;
        let mut url = super::join(&base, "/api/v1/search_by_date");
        url.query_pairs_mut()
            .append_pair("query", config.query.trim())
            .append_pair("tags", config.tags.as_deref().unwrap_or("(story,comment)"))
            .append_pair("hitsPerPage", "100");
        Ok(HackerNewsSource {
            name: name.to_string(),
            url,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for HackerNewsSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "hackernews",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let mut state: HackerNewsCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let mut url = self.url.clone();
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(since) = state.since {
                pairs.append_pair("numericFilters", &format!("created_at_i>={since}"));
            }
            if let Some(page) = state.page {
                pairs.append_pair("page", &page.to_string());
            }
        }
        let fetched = match fetch(&self.fetcher, FetchRequest::get(url), &self.name).await? {
            Fetch::Page(fetched) => fetched,
            Fetch::NotModified(wait) => return Ok(nothing(wait)),
            Fetch::RateLimited(wait) => return Ok(nothing(Some(wait))),
        };
        let page = parse(&self.name, Network::HackerNews, &fetched.body)?;
        let (next_page, page_newest) = match &page.cursor {
            Cursor::HackerNews(cursor) => (cursor.next_page, cursor.newest_created_at_i),
            _ => (None, None),
        };
        let run_newest = state.run_newest.max(page_newest);
        let more = state.since.is_some() && next_page.is_some() && !page.posts.is_empty();
        let skipped = page.skipped.len();
        let posts = state.seen.keep_new(oldest_first(page.posts));
        if more {
            state.page = next_page;
            state.run_newest = run_newest;
        } else {
            state.since = state.since.max(run_newest);
            state.page = None;
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
