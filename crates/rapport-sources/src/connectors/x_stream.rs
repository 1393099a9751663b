//! X API v2's filtered stream (<https://docs.x.com/x-api/posts/filtered-stream/introduction>):
//! the posts matching the app's stream rules, one JSON object per line with `\r\n`
//! keep-alives every 20 seconds, read in windows over one connection kept between polls.
//!
//! The source owns the rules tagged `rapport:<source name>`: when it connects it reads the
//! app's rules (`GET /2/tweets/search/stream/rules`), deletes its own that are no longer
//! configured and adds the missing ones (`POST .../rules`, `{"add": [...]}` and
//! `{"delete": {"ids": [...]}}`), leaving other tags alone. The stream cannot be resumed
//! (no cursor outside X's enterprise tier): posts sent while it is disconnected are read by
//! an `x_search` source on the same query, if one is configured.

use super::{oldest_first, parse, StreamWindow};
use crate::http::{redact_url, FetchRequest, Fetcher, LiveStream};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use async_trait::async_trait;
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;

const DEFAULT_BASE: &str = "https://api.x.com";
/// X's limit on one rule's length (Pro tier: 1,024; Basic: 512).
const MAX_RULE_LENGTH: usize = 1024;

/// Settings of an [`XStreamSource`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XStreamConfig {
    /// The stream rules this source owns, in X's rule syntax (`"orvella kettle" -is:retweet`).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Also push the workspace's monitors as rules: whoever builds the source (the CLI's
    /// runner) adds one rule per monitor to `rules` first (`rapport_engine::x_rules`).
    #[serde(default)]
    pub monitors: bool,
    /// The API's base URL (default `https://api.x.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Seconds of stream read per poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_secs: Option<f64>,
}

/// One stream rule as X lists it.
#[derive(Debug, Clone, Deserialize)]
struct Rule {
    id: String,
    value: String,
    #[serde(default)]
    tag: Option<String>,
}

/// `GET .../rules`: `{"data": [...], "meta": {...}}` (no `data` when there are none).
#[derive(Debug, Deserialize)]
struct Rules {
    #[serde(default)]
    data: Vec<Rule>,
}

/// The problems X reports on a rules change (`errors[]`: `title`, `detail`, `value`...).
#[derive(Debug, Deserialize)]
struct RulesChange {
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

/// Reads the filtered stream of the app whose bearer token is the source's credential.
pub struct XStreamSource {
    name: String,
    rules: Vec<String>,
    base: url::Url,
    token: String,
    fetcher: Fetcher,
    window: StreamWindow,
    stream: Option<LiveStream>,
}

impl fmt::Debug for XStreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XStreamSource")
            .field("name", &self.name)
            .field("rules", &self.rules)
            .field("base", &redact_url(&self.base))
            .field("token", &"[redacted]")
            .field("connected", &self.stream.is_some())
            .finish()
    }
}

impl XStreamSource {
    /// A filtered-stream source named `name`, with the app's bearer token.
    pub fn new(
        name: &str,
        config: XStreamConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<XStreamSource, SourceError> {
        let window = StreamWindow::from_secs(name, config.window_secs)?;
        let Some(token) = token else {
            return Err(super::config_error(
                name,
                "the X filtered stream needs the app's bearer token (token_env)",
            ));
        };
        let rules: Vec<String> = config
            .rules
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if rules.is_empty() {
            return Err(super::config_error(
                name,
                "rules: give at least one stream rule (or monitors: true with monitors that apply to X)",
            ));
        }
        if let Some(long) = rules.iter().find(|r| r.chars().count() > MAX_RULE_LENGTH) {
            return Err(super::config_error(
                name,
                format!(
                    "rules: {:?}... is longer than X's {MAX_RULE_LENGTH} characters",
                    long.chars().take(40).collect::<String>()
                ),
            ));
        }
        let base = super::base_url(name, "base", config.base.as_deref().unwrap_or(DEFAULT_BASE))?;
        Ok(XStreamSource {
            name: name.to_string(),
            rules,
            base,
            token,
            fetcher,
            window,
            stream: None,
        })
    }

    fn tag(&self) -> String {
        format!("rapport:{}", self.name)
    }

    /// Makes the app's rules tagged with this source's tag equal the configured ones.
    async fn sync_rules(&self) -> Result<(), SourceError> {
        let url = super::join(&self.base, "/2/tweets/search/stream/rules");
        let fetched = match super::fetch(
            &self.fetcher,
            FetchRequest::get(url.clone()).bearer(&self.token),
            &self.name,
        )
        .await?
        {
            super::Fetch::Page(fetched) => fetched,
            super::Fetch::NotModified(_) => return Ok(()),
            super::Fetch::RateLimited(wait) => {
                return Err(SourceError::Fetch(crate::http::FetchError::Status {
                    url: redact_url(&url),
                    status: 429,
                    retry_after: Some(wait),
                }))
            }
        };
        let listed: Rules =
            serde_json::from_slice(&fetched.body).map_err(|e| SourceError::Parse {
                source_name: self.name.clone(),
                error: crate::ParseError::new(
                    Network::X,
                    crate::Document::Unknown,
                    format!("the stream rules answer is not a rules list: {e}"),
                ),
            })?;
        let tag = self.tag();
        let ours: Vec<&Rule> = listed
            .data
            .iter()
            .filter(|r| r.tag.as_deref() == Some(tag.as_str()))
            .collect();
        let stale: Vec<&str> = ours
            .iter()
            .filter(|r| !self.rules.contains(&r.value))
            .map(|r| r.id.as_str())
            .collect();
        let missing: Vec<serde_json::Value> = self
            .rules
            .iter()
            .filter(|value| !ours.iter().any(|r| &r.value == *value))
            .map(|value| serde_json::json!({"value": value, "tag": tag}))
            .collect();
        if !stale.is_empty() {
            self.change_rules(&url, serde_json::json!({"delete": {"ids": stale}}))
                .await?;
        }
        if !missing.is_empty() {
            self.change_rules(&url, serde_json::json!({"add": missing}))
                .await?;
        }
        Ok(())
    }

    async fn change_rules(
        &self,
        url: &url::Url,
        body: serde_json::Value,
    ) -> Result<(), SourceError> {
        let posted = self
            .fetcher
            .post_json(url, Some(&self.token), &[], &body)
            .await?;
        match posted.status {
            200..=299 => {}
            401 | 403 => {
                return Err(SourceError::Unauthorized {
                    source_name: self.name.clone(),
                    url: redact_url(url),
                    status: posted.status,
                })
            }
            status => {
                return Err(SourceError::Fetch(crate::http::FetchError::Status {
                    url: redact_url(url),
                    status,
                    retry_after: posted.rate_limit.wait(),
                }))
            }
        }
        let change: RulesChange =
            serde_json::from_slice(&posted.body).unwrap_or(RulesChange { errors: Vec::new() });
        if let Some(error) = change.errors.first() {
            // `details` is a list of sentences; `detail` a sentence; `title` a word.
            let text = |key: &str| match error.get(key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            };
            let why = [text("details"), text("detail"), text("title")]
                .into_iter()
                .find(|t| !t.is_empty())
                .unwrap_or_else(|| "no reason given".into());
            return Err(super::config_error(
                &self.name,
                format!("X refused the stream rule {:?}: {why}", text("value")),
            ));
        }
        Ok(())
    }

    async fn connect(&mut self) -> Result<(), SourceError> {
        self.sync_rules().await?;
        let mut url = super::join(&self.base, "/2/tweets/search/stream");
        url.query_pairs_mut()
            .append_pair(
                "tweet.fields",
                "created_at,public_metrics,conversation_id,lang,referenced_tweets,note_tweet,author_id,in_reply_to_user_id",
            )
            .append_pair("expansions", "author_id,referenced_tweets.id")
            .append_pair("user.fields", "username,name,public_metrics");
        let request = FetchRequest::get(url).bearer(&self.token);
        let stream = self
            .fetcher
            .open_stream(request)
            .await
            .map_err(|e| super::status_error(&self.name, e))?;
        self.stream = Some(stream);
        Ok(())
    }
}

#[async_trait]
impl Source for XStreamSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "x_stream",
            name: self.name.clone(),
            location: redact_url(&super::join(&self.base, "/2/tweets/search/stream")),
        }
    }

    async fn poll(&mut self, _checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        if self.stream.is_none() {
            self.connect().await?;
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(self.window.idle());
        };
        let read = match stream.read_records(self.window.deadline(), b"\n").await {
            Ok(read) => read,
            Err(e) => {
                self.stream = None;
                return Err(e.into());
            }
        };
        if read.ended {
            self.stream = None;
        }
        if !super::has_content(&read.bytes) {
            return Ok(self.window.idle());
        }
        let page = parse(&self.name, Network::X, &read.bytes)?;
        Ok(Poll {
            skipped: page.skipped.len(),
            posts: oldest_first(page.posts),
            checkpoint: None,
            wait: Some(self.window.pause()),
        })
    }
}
