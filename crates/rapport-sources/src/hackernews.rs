//! Hacker News, through the Algolia search API (https://hn.algolia.com/api).
//!
//! The document is the response of `/api/v1/search` or `/api/v1/search_by_date`:
//! `{hits: [...], nbHits, page, nbPages, hitsPerPage}`. A hit is a story (`title`, `url`,
//! `story_text`, `points`, `num_comments`) or a comment (`comment_text`, `parent_id`,
//! `story_id`), told by `_tags`. HTML texts become plain text; a link story's text is its
//! title and link. The native id is `objectID`, the url
//! `https://news.ycombinator.com/item?id=<objectID>`; a comment's `parent_id` is
//! `reply_to` and `story_id` `conversation_id`; the date is `created_at_i` (else
//! `created_at`).
//!
//! Paging: `page` / `nbPages` for the next page; for polling `search_by_date`, the newest
//! `created_at_i` seen goes into `numericFilters=created_at_i>X`.

use crate::parse::html::html_to_text;
use crate::parse::json::{self, Raw};
use crate::parse::{Cursor, Document, Page, ParseError};
use rapport_model::{Author, Engagement, Network, Post};
use serde::{Deserialize, Serialize};

/// Where a Hacker News poller goes on from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HackerNewsCursor {
    /// The page read (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// The next page, when there is one (`page + 1 < nbPages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
    /// `nbHits`: how many hits the search has in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hits: Option<u64>,
    /// The newest `created_at_i` seen: `numericFilters=created_at_i>X` asks for what is newer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_created_at_i: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    hits: Vec<Raw>,
    #[serde(default, deserialize_with = "json::opt_count")]
    nb_hits: Option<u64>,
    #[serde(default, deserialize_with = "json::opt_count")]
    page: Option<u64>,
    #[serde(default, deserialize_with = "json::opt_count")]
    nb_pages: Option<u64>,
}

/// The fields of a hit that rapport reads.
#[derive(Deserialize)]
struct Hit {
    #[serde(rename = "objectID", deserialize_with = "json::id")]
    object_id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default, deserialize_with = "json::count")]
    points: u64,
    #[serde(default)]
    story_text: Option<String>,
    #[serde(default)]
    comment_text: Option<String>,
    #[serde(default, deserialize_with = "json::count")]
    num_comments: u64,
    #[serde(default)]
    created_at_i: Option<i64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "json::opt_id")]
    parent_id: Option<String>,
    #[serde(default, deserialize_with = "json::opt_id")]
    story_id: Option<String>,
    #[serde(default, rename = "_tags")]
    tags: Vec<String>,
}

/// Reads a search response.
pub(crate) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    if json::first_byte(bytes).is_none() {
        return Err(ParseError::new(
            Network::HackerNews,
            Document::Unknown,
            "the input is empty",
        ));
    }
    let response: Response =
        json::document(bytes, Network::HackerNews, Document::HackerNewsSearch)?;
    let mut page = Page::new(
        Document::HackerNewsSearch,
        Cursor::HackerNews(HackerNewsCursor::default()),
    );
    let mut newest: Option<i64> = None;
    for (i, raw) in response.hits.iter().enumerate() {
        let at = format!("$.hits[{i}]");
        let hit = match json::item::<Hit>(raw) {
            Ok(hit) => hit,
            Err(reason) => {
                page.skip(at, json::id_hint(raw, "objectID"), reason);
                continue;
            }
        };
        if let Some(t) = hit.created_at_i {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        let id = hit.object_id.clone();
        match into_post(hit) {
            Ok(post) => page.push_post(post),
            Err(reason) => page.skip(at, Some(id), reason),
        }
    }
    let next_page = match (response.page, response.nb_pages) {
        (Some(p), Some(n)) if p + 1 < n => Some(p + 1),
        _ => None,
    };
    page.cursor = Cursor::HackerNews(HackerNewsCursor {
        page: response.page,
        next_page,
        hits: response.nb_hits,
        newest_created_at_i: newest,
    });
    Ok(page)
}

fn into_post(hit: Hit) -> Result<Post, String> {
    let created_at = match (hit.created_at_i, &hit.created_at) {
        (Some(seconds), _) => json::unix_seconds(seconds as f64)?,
        (None, Some(created)) => {
            json::timestamp(created).map_err(|e| format!("bad created_at: {e}"))?
        }
        (None, None) => return Err("no created_at_i and no created_at".to_string()),
    };
    let is_comment = hit.tags.iter().any(|t| t == "comment") || hit.comment_text.is_some();
    let title = if is_comment {
        None
    } else {
        hit.title.filter(|t| !t.trim().is_empty())
    };
    let html = if is_comment {
        &hit.comment_text
    } else {
        &hit.story_text
    };
    let mut text = html.as_deref().map(html_to_text).unwrap_or_default();
    if text.is_empty() {
        text = [title.as_deref(), hit.url.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
    }
    if text.is_empty() {
        return Err("no text, title or url".to_string());
    }
    let (reply_to, conversation_id) = if is_comment {
        (hit.parent_id, hit.story_id)
    } else {
        (None, None)
    };
    Ok(Post {
        network: Network::HackerNews,
        url: Some(format!(
            "https://news.ycombinator.com/item?id={}",
            hit.object_id
        )),
        author: Author::new(
            hit.author
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| "unknown".to_string()),
        ),
        title,
        text,
        language: None,
        created_at,
        reply_to,
        conversation_id,
        quote_of: None,
        engagement: Engagement {
            likes: hit.points,
            reposts: 0,
            replies: hit.num_comments,
        },
        native_id: hit.object_id,
    })
}
