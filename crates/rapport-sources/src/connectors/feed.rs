//! RSS and Atom (and JSON Feed) feeds: a conditional GET with the last `ETag` /
//! `Last-Modified`, item identity by guid or link (the parser's native id), and the ids
//! already emitted kept in the checkpoint so a feed repeating its items emits each once.

use super::{
    fetch, nothing, oldest_first, parse, read_checkpoint, write_checkpoint, Fetch, RecentIds,
};
use crate::http::{redact_url, FetchRequest, Fetcher, Validators};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};

/// Settings of a [`FeedSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's URL.
    pub url: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FeedCheckpoint {
    #[serde(default)]
    validators: Validators,
    #[serde(default)]
    seen: RecentIds,
}

/// Polls one RSS, Atom or JSON feed.
#[derive(Debug)]
pub struct FeedSource {
    name: String,
    url: url::Url,
    fetcher: Fetcher,
}

impl FeedSource {
    /// A feed source named `name`.
    pub fn new(
        name: &str,
        config: FeedConfig,
        fetcher: Fetcher,
    ) -> Result<FeedSource, SourceError> {
        Ok(FeedSource {
            name: name.to_string(),
            url: super::base_url(name, "url", &config.url)?,
            fetcher,
        })
    }
}

#[async_trait]
impl Source for FeedSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "feed",
            name: self.name.clone(),
            location: redact_url(&self.url),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let mut state: FeedCheckpoint = read_checkpoint(&self.name, checkpoint)?;
        let request = FetchRequest::get(self.url.clone())
            .accept("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8")
            .if_changed(state.validators.clone());
        let fetched = match fetch(&self.fetcher, request, &self.name).await? {
            Fetch::Page(fetched) => fetched,
            Fetch::NotModified(wait) => return Ok(nothing(wait)),
            Fetch::RateLimited(wait) => return Ok(nothing(Some(wait))),
        };
        let page = parse(&self.name, Network::Feed, &fetched.body)?;
        let posts = state.seen.keep_new(oldest_first(page.posts));
        state.validators = fetched.validators;
        Ok(Poll {
            posts,
            checkpoint: Some(write_checkpoint(&self.name, &state)?),
            wait: fetched.rate_limit.wait(),
            skipped: page.skipped.len(),
        })
    }
}
