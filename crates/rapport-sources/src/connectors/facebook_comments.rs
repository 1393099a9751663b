//! The comments on a Facebook Page's own posts, read through the Graph API with a Page
//! access token (`pages_read_engagement` and `pages_read_user_content`), so that a complaint
//! or a question left under a post lands in the inbox like any post, and can be answered
//! through the Page's `facebook` publishing account.
//!
//! Each poll reads the Page's newest posts with their newest comments in one request,
//! `GET /{page-id}/published_posts?fields=id,comments.filter(stream).order(
//! reverse_chronological).limit(25){...}` (the edge:
//! <https://developers.facebook.com/docs/graph-api/reference/page/published_posts/>; field
//! expansion with modifiers: <https://developers.facebook.com/docs/graph-api/guides/field-expansion/>;
//! `filter=stream` returns replies to comments too, in time order, each with its `parent`:
//! <https://developers.facebook.com/docs/graph-api/reference/object/comments/>). A comment
//! is `{id, message, from: {id, name}, created_time, permalink_url, parent, like_count,
//! comment_count}` (<https://developers.facebook.com/docs/graph-api/reference/comment/>),
//! dated like `2026-12-03T16:00:00+0000`.
//!
//! Where a post's newest comments are all newer than the last comment emitted and Facebook
//! says there are more (`paging.next`), the rest are read page by page, one page per poll,
//! from `GET /{post-id}/comments?after=<cursor>` (cursor paging:
//! <https://developers.facebook.com/docs/graph-api/results/>) until a page reaches comments
//! already emitted. The checkpoint keeps the newest `created_time` emitted and the recent
//! ids, so each comment is yielded once; a new source reads the newest page only.
//!
//! Each comment becomes a [`Post`] on [`Network::Facebook`]: its id, its `permalink_url`,
//! its author (`from.id` as the handle, `from.name` as the display name), its text, the post
//! it is under as the conversation and its parent comment (or the post) as what it replies
//! to. The Page's own comments (its replies) are not yielded; a comment without text (a
//! sticker, a photo) is skipped and counted.
//!
//! Errors (<https://developers.facebook.com/docs/graph-api/guides/error-handling>): the
//! throttling codes are a wait (`X-Business-Use-Case-Usage`'s
//! `estimated_time_to_regain_access`, else 10 minutes); codes about the token or a
//! permission (190, 102, 10, 200–299) are [`SourceError::Unauthorized`]; "no such object"
//! (803, or 100 with subcode 33) is a [`SourceError::Config`] naming the Page id; anything
//! else is the HTTP status, which the runner backs off from.
//!
//! Limits: only the `posts` newest posts of the Page are read (25 by default), so comments
//! under older posts are not seen; a comment that Facebook shows later than its
//! `created_time` (held for review, then approved) after a newer one was emitted is missed.

use super::{nothing, oldest_first, read_checkpoint, write_checkpoint, RecentIds};
use crate::http::{redact_url, Auth, FetchError, Fetcher, Posted, RequestBody};
use crate::publish::facebook::{throttle_wait, GraphError};
use crate::source::{Poll, Source, SourceError, SourceInfo};
use crate::{Document, ParseError};
use async_trait::async_trait;
use rapport_model::{Author, Engagement, Network, Post, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The Graph API, with its version.
const DEFAULT_API: &str = "https://graph.facebook.com/v21.0";
/// How many of the Page's newest posts a poll reads by default.
const DEFAULT_POSTS: usize = 25;
/// The most posts a poll may read (the Graph API's page size is at most 100).
const MAX_POSTS: usize = 100;
/// How many comments of each post come with the posts.
const COMMENTS_PER_POST: usize = 25;
/// How many comments a page of one post's comments holds.
const COMMENTS_PER_PAGE: usize = 100;
/// The fields read of each comment.
const COMMENT_FIELDS: &str =
    "id,message,from,created_time,permalink_url,parent{id},like_count,comment_count";

/// Settings of a [`FacebookCommentsSource`]; its token is a Page access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacebookCommentsConfig {
    /// The Page's id (digits).
    pub page_id: String,
    /// How many of the Page's newest posts to read the comments of (default 25, at most
    /// 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<usize>,
    /// The Graph API with its version (default `https://graph.facebook.com/v21.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
}

/// One post whose older comments are still to be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    /// The post's id.
    post: String,
    /// The `after` cursor of the next page.
    after: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Checkpoint {
    /// The newest `created_time` emitted before the current sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since: Option<Timestamp>,
    /// The newest `created_time` seen in the current sweep: `since` once it is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_newest: Option<Timestamp>,
    /// Posts with more new comments to read, one page per poll.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    backlog: Vec<Pending>,
    #[serde(default)]
    seen: RecentIds,
}

/// A page of Graph API results: `data` and `paging` (<https://developers.facebook.com/docs/graph-api/results/>).
#[derive(Debug, Deserialize)]
struct Paged<T> {
    data: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Default, Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    /// Present when there is a next page.
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

impl Paging {
    /// The cursor of the next page, when Facebook says there is one.
    fn next_after(&self) -> Option<String> {
        self.next.as_ref()?;
        self.cursors.as_ref()?.after.clone()
    }
}

/// A Page post with its newest comments.
#[derive(Debug, Deserialize)]
struct PagePost {
    id: String,
    #[serde(default)]
    comments: Option<Paged<Comment>>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    from: Option<Profile>,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    permalink_url: Option<String>,
    #[serde(default)]
    parent: Option<Parent>,
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    comment_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Parent {
    id: String,
}

/// Polls the comments on one Facebook Page's posts.
pub struct FacebookCommentsSource {
    name: String,
    page_id: String,
    api: url::Url,
    posts: usize,
    token: String,
    fetcher: Fetcher,
}

impl fmt::Debug for FacebookCommentsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacebookCommentsSource")
            .field("name", &self.name)
            .field("page_id", &self.page_id)
            .field("api", &redact_url(&self.api))
            .field("posts", &self.posts)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl FacebookCommentsSource {
    /// The comments on the posts of the Page `config.page_id`, read with its Page access
    /// `token`.
    pub fn new(
        name: &str,
        config: FacebookCommentsConfig,
        token: Option<String>,
        fetcher: Fetcher,
    ) -> Result<FacebookCommentsSource, SourceError> {
        let page_id = config.page_id.trim().to_string();
        if page_id.is_empty() || !page_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(super::config_error(
                name,
                format!(
                    "page_id {:?} is not a Facebook Page id (digits)",
                    config.page_id
                ),
            ));
        }
        let posts = config.posts.unwrap_or(DEFAULT_POSTS);
        if !(1..=MAX_POSTS).contains(&posts) {
            return Err(super::config_error(
                name,
                format!("posts must be between 1 and {MAX_POSTS}, not {posts}"),
            ));
        }
        let api = super::base_url(name, "api", config.api.as_deref().unwrap_or(DEFAULT_API))?;
        let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
            return Err(super::config_error(
                name,
                "reading a Page's comments needs its Page access token (token_env)",
            ));
        };
        Ok(FacebookCommentsSource {
            name: name.to_string(),
            page_id,
            api,
            posts,
            token,
            fetcher,
        })
    }

    /// `{api}/{path}` with `pairs` and the token.
    fn url(&self, path: &str, pairs: &[(&str, &str)]) -> url::Url {
        let mut url = super::join(&self.api, &format!("/{path}"));
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
            query.append_pair("access_token", &self.token);
        }
        url
    }

    /// GETs `url`: the body of a 2xx, or what a refusal means for the poll.
    async fn get(&self, url: &url::Url) -> Result<Result<Posted, Poll>, SourceError> {
        let answer = self
            .fetcher
            .send(
                reqwest::Method::GET,
                url,
                Auth::None,
                &[],
                RequestBody::Empty,
            )
            .await?;
        if (200..300).contains(&answer.status) {
            return Ok(Ok(answer));
        }
        let error = GraphError::of(&answer.body);
        let shown = redact_url(url);
        if error.is_rate_limit(answer.status) {
            return Ok(Err(nothing(Some(throttle_wait(&answer)))));
        }
        if error.is_about_token(answer.status) || matches!(answer.status, 401 | 403) {
            return Err(SourceError::Unauthorized {
                source_name: self.name.clone(),
                url: shown,
                status: answer.status,
            });
        }
        if error.code == Some(803) || (error.code == Some(100) && error.error_subcode == Some(33)) {
            return Err(super::config_error(
                &self.name,
                format!(
                    "the Graph API does not know the Page {} (or the token cannot see it): {}",
                    self.page_id,
                    error.describe(answer.status)
                ),
            ));
        }
        tracing::warn!(
            source = %self.name,
            url = %shown,
            status = answer.status,
            "the Graph API refused a read: {}",
            error.describe(answer.status)
        );
        Err(SourceError::Fetch(FetchError::Status {
            url: shown,
            status: answer.status,
            retry_after: answer.rate_limit.wait(),
        }))
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, body: &[u8]) -> Result<T, SourceError> {
        serde_json::from_slice(body).map_err(|e| SourceError::Parse {
            source_name: self.name.clone(),
            error: ParseError::new(
                Network::Facebook,
                Document::Unknown,
                format!("not a Graph API page of posts or comments: {e}"),
            ),
        })
    }
}

/// A comment's `created_time` (`2026-12-03T16:00:00+0000`, or RFC 3339).
fn graph_time(text: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.to_utc())
}

/// What one page of comments gave.
#[derive(Default)]
struct Harvest {
    posts: Vec<Post>,
    skipped: usize,
    /// The newest `created_time` on the page.
    newest: Option<Timestamp>,
    /// Whether every comment on the page is newer than `since` (so the next page may hold
    /// more new ones).
    all_new: bool,
}

impl FacebookCommentsSource {
    /// The comments of one page under the post `post_id`, newer than `since`.
    fn harvest(&self, post_id: &str, comments: Vec<Comment>, since: Option<Timestamp>) -> Harvest {
        let mut out = Harvest {
            all_new: true,
            ..Harvest::default()
        };
        for comment in comments {
            let Some(created) = comment.created_time.as_deref().and_then(graph_time) else {
                out.skipped += 1;
                continue;
            };
            out.newest = out.newest.max(Some(created));
            if since.is_some_and(|since| created < since) {
                out.all_new = false;
                continue;
            }
            if comment
                .from
                .as_ref()
                .is_some_and(|from| from.id == self.page_id)
            {
                // The Page's own reply.
                continue;
            }
            let text = comment.message.unwrap_or_default();
            if text.trim().is_empty() {
                out.skipped += 1;
                continue;
            }
            let author = match comment.from {
                Some(from) => Author {
                    handle: from.id,
                    display_name: from.name.filter(|n| !n.trim().is_empty()),
                    followers: None,
                },
                // Facebook leaves `from` out where the person's settings hide it.
                None => Author::new("unknown"),
            };
            out.posts.push(Post {
                network: Network::Facebook,
                native_id: comment.id,
                url: comment.permalink_url,
                author,
                title: None,
                text,
                language: None,
                created_at: created,
                reply_to: Some(
                    comment
                        .parent
                        .map(|p| p.id)
                        .unwrap_or_else(|| post_id.to_string()),
                ),
                conversation_id: Some(post_id.to_string()),
                quote_of: None,
                engagement: Engagement {
                    likes: comment.like_count.unwrap_or(0),
                    reposts: 0,
                    replies: comment.comment_count.unwrap_or(0),
                },
            });
        }
        out
    }
}

#[async_trait]
impl Source for FacebookCommentsSource {
    fn describe(&self) -> SourceInfo {
        SourceInfo {
            kind: "facebook_comments",
            name: self.name.clone(),
            location: redact_url(&super::join(
                &self.api,
                &format!("/{}/published_posts", self.page_id),
            )),
        }
    }

    async fn poll(&mut self, checkpoint: Option<&str>) -> Result<Poll, SourceError> {
        let mut state: Checkpoint = read_checkpoint(&self.name, checkpoint)?;
        let first = checkpoint.is_none() && state.since.is_none();
        let since = state.since;
        let mut harvests = Vec::new();
        let rate_hint;
        if let Some(pending) = state.backlog.first().cloned() {
            let url = self.url(
                &format!("{}/comments", pending.post),
                &[
                    ("fields", COMMENT_FIELDS),
                    ("filter", "stream"),
                    ("order", "reverse_chronological"),
                    ("limit", &COMMENTS_PER_PAGE.to_string()),
                    ("after", &pending.after),
                ],
            );
            let answer = match self.get(&url).await? {
                Ok(answer) => answer,
                Err(wait) => return Ok(wait),
            };
            rate_hint = answer.rate_limit.wait();
            let page: Paged<Comment> = self.parse(&answer.body)?;
            let next = page.paging.unwrap_or_default().next_after();
            let harvest = self.harvest(&pending.post, page.data, since);
            state.backlog.remove(0);
            if let Some(after) = next.filter(|_| harvest.all_new) {
                state.backlog.insert(
                    0,
                    Pending {
                        post: pending.post.clone(),
                        after,
                    },
                );
            }
            harvests.push(harvest);
        } else {
            let posts_field = format!(
                "id,comments.filter(stream).order(reverse_chronological)\
                 .limit({COMMENTS_PER_POST}){{{COMMENT_FIELDS}}}"
            );
            let url = self.url(
                &format!("{}/published_posts", self.page_id),
                &[("fields", &posts_field), ("limit", &self.posts.to_string())],
            );
            let answer = match self.get(&url).await? {
                Ok(answer) => answer,
                Err(wait) => return Ok(wait),
            };
            rate_hint = answer.rate_limit.wait();
            let page: Paged<PagePost> = self.parse(&answer.body)?;
            for post in page.data {
                let Some(comments) = post.comments else {
                    continue;
                };
                let next = comments.paging.unwrap_or_default().next_after();
                let harvest = self.harvest(&post.id, comments.data, since);
                // A new source reads the newest page only.
                if let Some(after) = next.filter(|_| harvest.all_new && !first) {
                    state.backlog.push(Pending {
                        post: post.id.clone(),
                        after,
                    });
                }
                harvests.push(harvest);
            }
        }
        let mut posts = Vec::new();
        let mut skipped = 0;
        for harvest in harvests {
            state.run_newest = state.run_newest.max(harvest.newest);
            skipped += harvest.skipped;
            posts.extend(harvest.posts);
        }
        let more = !state.backlog.is_empty();
        if !more {
            state.since = state.since.max(state.run_newest.take());
        }
        let posts = state.seen.keep_new(oldest_first(posts));
        Ok(Poll {
            posts,
            checkpoint: Some(write_checkpoint(&self.name, &state)?),
            wait: if more {
                rate_hint.or(Some(Duration::ZERO))
            } else {
                rate_hint
            },
            skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_read_with_or_without_a_colon_in_the_offset() {
        let t = graph_time("2026-12-03T16:00:00+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-03T16:00:00+00:00");
        let t = graph_time("2026-12-03T18:00:00+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-03T16:00:00+00:00");
        assert_eq!(graph_time("yesterday"), None);
    }
}
