//! X (API v2): recent-search pages and filtered-stream lines.
//!
//! Documents (recognised by [`crate::parse_document`]):
//!
//! * a [recent search](https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent)
//!   page: `{data: [Tweet], includes: {users, tweets}, meta: {newest_id, oldest_id,
//!   result_count, next_token}, errors}`;
//! * [filtered stream](https://docs.x.com/x-api/posts/filtered-stream/api-reference/get-tweets-search-stream)
//!   lines: `{data: Tweet, includes, matching_rules}`, one per line, blank keep-alive lines
//!   between.
//!
//! Authors are joined from `includes.users` by `author_id` (`username`, `name`,
//! `public_metrics.followers_count`). `referenced_tweets` give `reply_to` (`replied_to`)
//! and `quote_of` (`quoted`); a retweet is a repost: the post is the original from
//! `includes.tweets` (skipped with a reason when the original is not included).
//! `note_tweet.text` (a long post's full text) wins over `text`; the HTML entities X
//! escapes text with (`&amp;`, `&lt;`, `&gt;`) are decoded. Ids stay text, exact. Without
//! `created_at` (not asked for in `tweet.fields`), the date comes from the id (a Snowflake).
//! The `errors` array of a page (partial errors) is listed in [`Page::skipped`](crate::Page).

mod tweet;

use crate::parse::json::{self, Raw};
use crate::parse::{Cursor, Document, Page, ParseError};
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use tweet::Includes;

/// Where an X poller goes on from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XCursor {
    /// The newest post id (`meta.newest_id`, or the newest seen on a stream): ask for
    /// `since_id` of it next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_id: Option<String>,
    /// The oldest post id of the page (`meta.oldest_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_id: Option<String>,
    /// `meta.next_token`: the next (older) page of the same search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// `meta.result_count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_count: Option<u64>,
}

/// Reads a search page or stream lines: stream lines have one object as `data`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    if json::first_byte(bytes).is_none() {
        return Err(ParseError::new(
            Network::X,
            Document::Unknown,
            "the input is empty",
        ));
    }
    let stream = json::first_value(bytes).is_some_and(|first| {
        first.get("data").is_some_and(serde_json::Value::is_object)
            || first.get("matching_rules").is_some()
    });
    if stream {
        Ok(parse_stream(bytes))
    } else {
        parse_search(bytes)
    }
}

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    data: Option<Vec<Raw>>,
    #[serde(default)]
    includes: Option<Raw>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
    /// A problem response (`{title, detail, type, status}`) has these instead.
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default, deserialize_with = "json::opt_id")]
    newest_id: Option<String>,
    #[serde(default, deserialize_with = "json::opt_id")]
    oldest_id: Option<String>,
    #[serde(default, deserialize_with = "json::opt_count")]
    result_count: Option<u64>,
    #[serde(default)]
    next_token: Option<String>,
}

/// An entry of `errors` (a partial error or an operational message).
#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, deserialize_with = "json::opt_id")]
    resource_id: Option<String>,
}

impl ApiError {
    fn reason(&self) -> String {
        let parts: Vec<&str> = [&self.title, &self.detail, &self.message]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        if parts.is_empty() {
            "X reported an error".to_string()
        } else {
            format!("X reported: {}", parts.join(": "))
        }
    }
}

fn parse_search(bytes: &[u8]) -> Result<Page, ParseError> {
    let search: SearchPage = json::document(bytes, Network::X, Document::XSearch)?;
    if search.data.is_none() && search.meta.is_none() && search.errors.is_none() {
        let reason = match (search.title, search.detail) {
            (Some(title), Some(detail)) => format!("X answered with an error: {title}: {detail}"),
            (Some(message), None) | (None, Some(message)) => {
                format!("X answered with an error: {message}")
            }
            (None, None) => "neither data, meta nor errors: not a search page".to_string(),
        };
        return Err(ParseError::new(Network::X, Document::XSearch, reason));
    }
    let meta = search.meta;
    let mut page = Page::new(
        Document::XSearch,
        Cursor::X(XCursor {
            newest_id: meta.as_ref().and_then(|m| m.newest_id.clone()),
            oldest_id: meta.as_ref().and_then(|m| m.oldest_id.clone()),
            next_token: meta.as_ref().and_then(|m| m.next_token.clone()),
            result_count: meta.as_ref().and_then(|m| m.result_count),
        }),
    );
    let includes = Includes::read(search.includes.as_deref());
    for (i, raw) in search.data.unwrap_or_default().iter().enumerate() {
        tweet::read(&mut page, &includes, raw, format!("$.data[{i}]"));
    }
    for (i, error) in search.errors.unwrap_or_default().iter().enumerate() {
        page.skip(
            format!("$.errors[{i}]"),
            error.resource_id.clone(),
            error.reason(),
        );
    }
    // Without meta (a page read from elsewhere), page by the ids seen.
    if let Cursor::X(cursor) = &mut page.cursor {
        if cursor.newest_id.is_none() {
            for post in &page.posts {
                json::keep_newest(&mut cursor.newest_id, &post.native_id);
            }
        }
    }
    Ok(page)
}

#[derive(Deserialize)]
struct StreamLine {
    #[serde(default)]
    data: Option<Raw>,
    #[serde(default)]
    includes: Option<Raw>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

fn parse_stream(bytes: &[u8]) -> Page {
    let mut page = Page::new(Document::XStream, Cursor::X(XCursor::default()));
    let mut newest_id = None;
    for (number, line) in json::lines(bytes) {
        let at = format!("line {number}");
        let line: StreamLine = match serde_json::from_str(&line) {
            Ok(line) => line,
            Err(e) => {
                page.skip(at, None, format!("not a stream message: {e}"));
                continue;
            }
        };
        for error in line.errors.unwrap_or_default() {
            page.skip(at.clone(), error.resource_id.clone(), error.reason());
        }
        if let Some(data) = line.data {
            if let Some(id) = json::id_hint(&data, "id") {
                json::keep_newest(&mut newest_id, &id);
            }
            let includes = Includes::read(line.includes.as_deref());
            tweet::read(&mut page, &includes, &data, at);
        }
    }
    page.cursor = Cursor::X(XCursor {
        newest_id,
        ..XCursor::default()
    });
    page
}
