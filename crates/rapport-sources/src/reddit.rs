//! Reddit: search listings of posts (`t3`) and comments (`t1`).
//!
//! The document is a [`Listing`](https://www.reddit.com/dev/api/#GET_search)
//! `{kind: "Listing", data: {after, before, children: [{kind, data}]}}`, or a JSON array of
//! listings (a comments page). A `t3` (link or self post) gives `title`, `selftext` as text
//! (the title when there is none: a link post), its `url` when it links out; a `t1`
//! (comment) gives `body` as text, `parent_id` as `reply_to` and `link_id` (the post) as
//! `conversation_id`. The native id is the fullname (`name`, e.g. `t3_1abcde`), the url
//! `https://www.reddit.com` + `permalink`, `score` the likes (0 when negative),
//! `num_comments` the replies, `crosspost_parent` `quote_of`. Children of other kinds
//! (`more`, subreddits, users) and deleted or removed items are skipped with a reason.
//!
//! Reddit escapes `&`, `<` and `>` in text as `&amp;`, `&lt;`, `&gt;` unless asked for
//! `raw_json=1`; those three are decoded, so fetch without `raw_json=1`.
//! Paging: `after` for the next (older) page; `newest` is the fullname to pass as `before`
//! for what is newer.

use crate::parse::json::{self, Raw};
use crate::parse::{Cursor, Document, Page, ParseError};
use rapport_model::{Author, Engagement, Network, Post};
use serde::{Deserialize, Serialize};

/// Where a Reddit poller goes on from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RedditCursor {
    /// The listing's `after`: the next page back in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The listing's `before`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The fullname of the newest item read (by `created_utc`): pass it as `before` for
    /// what is newer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
}

#[derive(Deserialize)]
struct Listing {
    kind: String,
    data: ListingData,
}

#[derive(Deserialize)]
struct ListingData {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    before: Option<String>,
    children: Vec<Raw>,
}

#[derive(Deserialize)]
struct Thing {
    kind: String,
    data: Raw,
}

/// The fields of a link (`t3`) or comment (`t1`) that rapport reads.
#[derive(Deserialize)]
struct Item {
    name: String,
    #[serde(default)]
    author: Option<String>,
    created_utc: f64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    selftext: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    is_self: Option<bool>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default, deserialize_with = "json::count")]
    num_comments: u64,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    link_id: Option<String>,
    #[serde(default)]
    crosspost_parent: Option<String>,
}

/// Reads a listing or an array of listings.
pub(crate) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    let listings: Vec<(String, Listing)> = match json::first_byte(bytes) {
        None => {
            return Err(ParseError::new(
                Network::Reddit,
                Document::Unknown,
                "the input is empty",
            ))
        }
        Some(b'[') => {
            json::document::<Vec<Listing>>(bytes, Network::Reddit, Document::RedditListing)?
                .into_iter()
                .enumerate()
                .map(|(i, l)| (format!("$[{i}].data.children"), l))
                .collect()
        }
        Some(_) => vec![(
            "$.data.children".to_string(),
            json::document::<Listing>(bytes, Network::Reddit, Document::RedditListing)?,
        )],
    };
    let mut page = Page::new(
        Document::RedditListing,
        Cursor::Reddit(RedditCursor::default()),
    );
    let mut cursor = RedditCursor::default();
    let mut newest: Option<(f64, String)> = None;
    for (base, listing) in listings {
        if listing.kind != "Listing" {
            return Err(ParseError::new(
                Network::Reddit,
                Document::RedditListing,
                format!("kind is '{}', not 'Listing'", listing.kind),
            ));
        }
        cursor.after = cursor.after.or(listing.data.after);
        cursor.before = cursor.before.or(listing.data.before);
        for (i, raw) in listing.data.children.iter().enumerate() {
            let at = format!("{base}[{i}]");
            let thing = match json::item::<Thing>(raw) {
                Ok(thing) => thing,
                Err(reason) => {
                    page.skip(at, None, reason);
                    continue;
                }
            };
            if thing.kind != "t3" && thing.kind != "t1" {
                page.skip(
                    at,
                    json::id_hint(&thing.data, "name"),
                    format!("a '{}', not a post or comment", thing.kind),
                );
                continue;
            }
            let item = match json::item::<Item>(&thing.data) {
                Ok(item) => item,
                Err(reason) => {
                    page.skip(at, json::id_hint(&thing.data, "name"), reason);
                    continue;
                }
            };
            if newest.as_ref().is_none_or(|(t, _)| item.created_utc > *t) {
                newest = Some((item.created_utc, item.name.clone()));
            }
            let name = item.name.clone();
            match into_post(item, thing.kind == "t3") {
                Ok(post) => page.push_post(post),
                Err(reason) => page.skip(at, Some(name), reason),
            }
        }
    }
    cursor.newest = newest.map(|(_, name)| name);
    page.cursor = Cursor::Reddit(cursor);
    Ok(page)
}

/// Reddit's legacy escaping of `&`, `<`, `>`, undone (`&amp;` last, so `&amp;lt;` stays `&lt;`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn into_post(item: Item, is_link: bool) -> Result<Post, String> {
    let created_at =
        json::unix_seconds(item.created_utc).map_err(|e| format!("bad created_utc: {e}"))?;
    let author = item.author.unwrap_or_default();
    let body = if is_link { item.selftext } else { item.body }.unwrap_or_default();
    if author == "[deleted]" || body == "[deleted]" || body == "[removed]" {
        return Err("deleted or removed".to_string());
    }
    let title = if is_link {
        item.title.map(|t| unescape(&t))
    } else {
        None
    };
    let mut text = unescape(&body);
    if text.trim().is_empty() {
        // A link post: its title is what it says, the link what it shares.
        let link = item
            .url
            .filter(|_| item.is_self != Some(true))
            .map(|u| unescape(&u));
        text = match (&title, link) {
            (Some(title), Some(link)) => format!("{title}\n{link}"),
            (Some(title), None) => title.clone(),
            (None, Some(link)) => link,
            (None, None) => String::new(),
        };
    }
    let (reply_to, conversation_id) = if is_link {
        (None, None)
    } else {
        (item.parent_id, item.link_id)
    };
    Ok(Post {
        network: Network::Reddit,
        native_id: item.name,
        url: item.permalink.map(|p| format!("https://www.reddit.com{p}")),
        author: Author::new(if author.is_empty() {
            "unknown".to_string()
        } else {
            author
        }),
        title,
        text,
        language: None,
        created_at,
        reply_to,
        conversation_id,
        quote_of: item.crosspost_parent,
        engagement: Engagement {
            likes: item
                .score
                .filter(|s| s.is_finite() && *s > 0.0)
                .map_or(0, |s| s as u64),
            reposts: 0,
            replies: item.num_comments,
        },
    })
}
