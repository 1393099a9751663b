//! What parsing one network document gives back: posts, a cursor, and what was left out.

use crate::{
    bluesky::BlueskyCursor, feed::FeedCursor, hackernews::HackerNewsCursor,
    mastodon::MastodonCursor, reddit::RedditCursor, x::XCursor,
};
use rapport_model::{Post, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of document a parser recognised (a network can send several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Document {
    /// Mastodon: an array of `Status` (timelines, `/api/v1/timelines/tag/:hashtag`).
    MastodonStatuses,
    /// Mastodon: one `Status` (`/api/v1/statuses/:id`).
    MastodonStatus,
    /// Mastodon: a search result `{accounts, statuses, hashtags}` (`/api/v2/search`).
    MastodonSearch,
    /// Mastodon: an array of `Notification` (`/api/v1/notifications`).
    MastodonNotifications,
    /// Mastodon: a capture of the streaming API (server-sent events).
    MastodonStream,
    /// Bluesky: the output of `app.bsky.feed.searchPosts`.
    BlueskySearch,
    /// Bluesky: Jetstream messages, one JSON object per line.
    BlueskyJetstream,
    /// X API v2: a recent-search page `{data, includes, meta, errors}`.
    XSearch,
    /// X API v2: filtered-stream lines.
    XStream,
    /// Reddit: a `Listing` (or an array of them).
    RedditListing,
    /// Hacker News: an Algolia search response.
    HackerNewsSearch,
    /// A feed whose format is not known yet (the XML did not parse).
    Feed,
    /// RSS 2.0 (or 0.9x).
    Rss2,
    /// RSS 1.0 (RDF).
    Rss1,
    /// Atom (RFC 4287).
    Atom,
    /// JSON Feed.
    JsonFeed,
    /// Nothing this network sends: the input is empty or of no known shape.
    Unknown,
}

impl Document {
    /// A short human name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Document::MastodonStatuses => "status array",
            Document::MastodonStatus => "status",
            Document::MastodonSearch => "search result",
            Document::MastodonNotifications => "notification array",
            Document::MastodonStream => "streaming capture",
            Document::BlueskySearch => "searchPosts output",
            Document::BlueskyJetstream => "Jetstream lines",
            Document::XSearch => "search page",
            Document::XStream => "stream lines",
            Document::RedditListing => "listing",
            Document::HackerNewsSearch => "search response",
            Document::Feed => "feed",
            Document::Rss2 => "RSS 2.0 feed",
            Document::Rss1 => "RSS 1.0 feed",
            Document::Atom => "Atom feed",
            Document::JsonFeed => "JSON Feed",
            Document::Unknown => "document",
        }
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a poller goes on from, per network. It serialises to JSON text tagged with the
/// network (`{"network":"x","newest_id":"1","next_token":"b26v89c19zqg8o3f"}`), so a poller
/// can store it as it is and read it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "lowercase")]
pub enum Cursor {
    /// Mastodon ids (the `Link` header's paging is read by [`crate::mastodon::parse_link_header`]).
    Mastodon(MastodonCursor),
    /// Bluesky: the searchPosts cursor, or Jetstream's `time_us`.
    Bluesky(BlueskyCursor),
    /// X: `meta.newest_id`, `next_token`...
    X(XCursor),
    /// Reddit: `after` / `before` fullnames.
    Reddit(RedditCursor),
    /// Hacker News (Algolia): the page and the newest `created_at_i`.
    #[serde(rename = "hackernews")]
    HackerNews(HackerNewsCursor),
    /// Feeds: the newest item date.
    Feed(FeedCursor),
}

/// An item of a document that did not become a post; the others still did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Where it is: a JSON path (`$[3]`, `$.data.children[2]`), or a line (`line 7`).
    pub at: String,
    /// The item's id, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
    /// Why it was left out.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}", self.at)?;
        if let Some(id) = &self.native_id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a feed item's date was replaced by the fetch time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DateProblem {
    /// The item has no date.
    Missing,
    /// The item's date could not be read.
    Unreadable,
    /// The item claims a date after the fetch.
    Future {
        /// The date it claimed.
        claimed: Timestamp,
    },
}

/// A post whose date the document got wrong, now dated at the fetch time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClampedDate {
    /// The post's native id.
    pub native_id: String,
    /// What was wrong.
    #[serde(flatten)]
    pub problem: DateProblem,
}

impl fmt::Display for ClampedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = match &self.problem {
            DateProblem::Missing => "no date".to_string(),
            DateProblem::Unreadable => "an unreadable date".to_string(),
            DateProblem::Future { claimed } => format!("a future date ({})", claimed.to_rfc3339()),
        };
        write!(
            f,
            "{} had {problem}: dated at the fetch time",
            self.native_id
        )
    }
}

/// What one document gave: its posts in document order, where to go on from, and what
/// was left out or adjusted.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Which document it was.
    pub document: Document,
    /// The posts, in document order, each once (a repost yields the original post).
    pub posts: Vec<Post>,
    /// Where a poller goes on from.
    pub cursor: Cursor,
    /// Items that did not become posts, with the reason.
    pub skipped: Vec<Skipped>,
    /// Native ids the network says were deleted (Mastodon stream `delete`, Jetstream
    /// deletes).
    pub deleted: Vec<String>,
    /// Feed items dated at the fetch time because their own date was missing, unreadable
    /// or in the future.
    pub dates_clamped: Vec<ClampedDate>,
}

impl Page {
    /// An empty page of `document` with `cursor`.
    pub(crate) fn new(document: Document, cursor: Cursor) -> Page {
        Page {
            document,
            posts: Vec::new(),
            cursor,
            skipped: Vec::new(),
            deleted: Vec::new(),
            dates_clamped: Vec::new(),
        }
    }

    /// Adds a post unless one with the same native id is already on the page (a status
    /// and its reblog, a tweet and its retweet): the first one stays.
    pub(crate) fn push_post(&mut self, post: Post) {
        if !self.posts.iter().any(|p| p.native_id == post.native_id) {
            self.posts.push(post);
        }
    }

    /// Records a skipped item.
    pub(crate) fn skip(
        &mut self,
        at: impl Into<String>,
        native_id: Option<String>,
        reason: impl Into<String>,
    ) {
        self.skipped.push(Skipped {
            at: at.into(),
            native_id,
            reason: reason.into(),
        });
    }
}
