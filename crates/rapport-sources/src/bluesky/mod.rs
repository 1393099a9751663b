//! Bluesky: `app.bsky.feed.searchPosts` output and Jetstream messages.
//!
//! Documents (recognised by [`crate::parse_document`]):
//!
//! * the output of [`app.bsky.feed.searchPosts`](https://docs.bsky.app/docs/api/app-bsky-feed-search-posts):
//!   `{cursor?, hitsTotal?, posts: [PostView]}`; the cursor gives the next page;
//! * [Jetstream](https://github.com/bluesky-social/jetstream) messages, one JSON object per
//!   line: `commit` events of the `app.bsky.feed.post` collection become posts (creates
//!   and updates), deletes are listed in [`Page::deleted`](crate::Page), other
//!   collections and `identity`/`account` events are passed over. The cursor is the
//!   largest `time_us` seen: reconnect with `cursor=<time_us>` to resume.
//!
//! A post's native id is its AT URI (`at://<did>/app.bsky.feed.post/<rkey>`), its url
//! `https://bsky.app/profile/<handle or did>/post/<rkey>`. `reply.parent.uri` is
//! `reply_to`, `reply.root.uri` `conversation_id`; a quote (an `app.bsky.embed.record` or
//! `recordWithMedia` embed of a post) sets `quote_of`; `langs[0]` is the language; the
//! date is the record's `createdAt` (else `indexedAt`, else Jetstream's `time_us`).
//! Jetstream carries no handles: its posts' authors are DIDs.

mod jetstream;
mod record;

use crate::parse::json::{self, Raw};
use crate::parse::{Cursor, Document, Page, ParseError};
use rapport_model::{Author, Engagement, Network, Post};
use record::{post_url, PostRecord};
use serde::{Deserialize, Serialize};

/// Where a Bluesky poller goes on from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlueskyCursor {
    /// searchPosts: the `cursor` of the next page (absent on the last page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// searchPosts: `hitsTotal`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hits_total: Option<u64>,
    /// Jetstream: the largest `time_us` seen (microseconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_us: Option<i64>,
}

/// Reads searchPosts output or Jetstream lines, told apart by the first JSON value.
pub(crate) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    if json::first_byte(bytes).is_none() {
        return Err(ParseError::new(
            Network::Bluesky,
            Document::Unknown,
            "the input is empty",
        ));
    }
    let jetstream = json::first_value(bytes)
        .is_some_and(|first| first.get("did").is_some() && first.get("kind").is_some());
    if jetstream {
        Ok(jetstream::parse(bytes))
    } else {
        parse_search(bytes)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchOutput {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default, deserialize_with = "json::opt_count")]
    hits_total: Option<u64>,
    posts: Vec<Raw>,
}

/// The fields of a `PostView` that rapport reads
/// (https://docs.bsky.app/docs/api/app-bsky-feed-search-posts).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostView {
    uri: String,
    author: ProfileViewBasic,
    record: PostRecord,
    #[serde(default, deserialize_with = "json::count")]
    reply_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    repost_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    like_count: u64,
    #[serde(default)]
    indexed_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileViewBasic {
    did: String,
    #[serde(default)]
    handle: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

fn parse_search(bytes: &[u8]) -> Result<Page, ParseError> {
    let output: SearchOutput = json::document(bytes, Network::Bluesky, Document::BlueskySearch)?;
    let mut page = Page::new(
        Document::BlueskySearch,
        Cursor::Bluesky(BlueskyCursor {
            cursor: output.cursor.filter(|c| !c.is_empty()),
            hits_total: output.hits_total,
            time_us: None,
        }),
    );
    for (i, raw) in output.posts.iter().enumerate() {
        let at = format!("$.posts[{i}]");
        match json::item::<PostView>(raw).and_then(post_of_view) {
            Ok(post) => page.push_post(post),
            Err(reason) => page.skip(at, json::id_hint(raw, "uri"), reason),
        }
    }
    Ok(page)
}

fn post_of_view(view: PostView) -> Result<Post, String> {
    // A handle that no longer verifies is shown as `handle.invalid`: the DID names the
    // author then.
    let handle = view
        .author
        .handle
        .filter(|h| !h.is_empty() && h != "handle.invalid")
        .unwrap_or_else(|| view.author.did.clone());
    let created_at = view
        .record
        .created_at()
        .or_else(|_| match &view.indexed_at {
            Some(indexed) => json::timestamp(indexed).map_err(|e| format!("bad indexedAt: {e}")),
            None => Err("no createdAt and no indexedAt".to_string()),
        })?;
    let url = post_url(&view.uri, &handle);
    let mut post = view.record.into_post(view.uri, created_at);
    post.url = url;
    post.author = Author {
        display_name: view.author.display_name.filter(|n| !n.trim().is_empty()),
        ..Author::new(handle)
    };
    post.engagement = Engagement {
        likes: view.like_count,
        reposts: view.repost_count,
        replies: view.reply_count,
    };
    Ok(post)
}
