//! Feeds: RSS 2.0 (and 0.9x), RSS 1.0, Atom and JSON Feed, read with `feed-rs`.
//!
//! Each item becomes a post ([RSS 2.0](https://www.rssboard.org/rss-specification),
//! [Atom, RFC 4287](https://www.rfc-editor.org/rfc/rfc4287)):
//!
//! * identity: the `guid` (Atom `id`), else the item's link, else `feed:` and a hash of
//!   its title and date, so that reading the feed again gives the same ids;
//! * `title` as the title; the content (`content:encoded`, Atom `content`), else the
//!   description or summary, as plain text (HTML converted), else the title;
//! * the author's name (or e-mail), else the feed's author, else the feed's title;
//! * the item's language (Atom `xml:lang` of `<content>`: `feed-rs` does not read it
//!   from `<entry>`), else the channel's `language` (the feed's `xml:lang`);
//! * the date: `pubDate` / `published`, else `updated`. Feeds lie about dates: an item
//!   with no date, an unreadable one or one later than `fetched_at` is dated `fetched_at`
//!   and listed in [`Page::dates_clamped`](crate::Page).
//!
//! Broken XML is a [`ParseError`] with the line and column where it breaks (found by a
//! strict `quick-xml` pass before `feed-rs` reads the feed, so that a truncated feed is an
//! error rather than a silently shorter list).

use crate::parse::html::html_to_text;
use crate::parse::json;
use crate::parse::{ClampedDate, Cursor, DateProblem, Document, Location, Page, ParseError};
use chrono::{DateTime, NaiveDateTime, Utc};
use feed_rs::model::{Entry, Feed, FeedType, Text};
use rapport_model::{Author, Engagement, Network, Post, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a feed poller goes on from (the HTTP validators, `ETag` and `Last-Modified`,
/// are the fetcher's).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeedCursor {
    /// The newest item date read (clamped dates left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Timestamp>,
}

/// The date `feed-rs` is told for a date that none of our formats reads: earlier than any
/// feed item, so it cannot be mistaken for one.
const UNREADABLE_DATE: Timestamp = DateTime::<Utc>::MIN_UTC;

/// Reads any feed.
pub(crate) fn parse(bytes: &[u8], fetched_at: Timestamp) -> Result<Page, ParseError> {
    let Some(first) = json::first_byte(bytes) else {
        return Err(ParseError::new(
            Network::Feed,
            Document::Feed,
            "the input is empty",
        ));
    };
    if first == b'<' {
        check_xml(bytes)?;
    }
    let parser = feed_rs::parser::Builder::new()
        // An empty id marks an item without one; `post_id` then decides.
        .id_generator(|_links, _title, _uri| String::new())
        .timestamp_parser(|text| Some(read_date(text).unwrap_or(UNREADABLE_DATE)))
        .sanitize_content(false)
        .build();
    let feed = parser.parse(bytes).map_err(|e| {
        ParseError::new(
            Network::Feed,
            if first == b'{' {
                Document::JsonFeed
            } else {
                Document::Feed
            },
            e.to_string(),
        )
    })?;
    Ok(page_of(feed, fetched_at))
}

/// Dates as feeds write them: RFC 2822 and RFC 3339 (what the specs ask), and what
/// [`crate::file::parse_timestamp`] reads; a date-time without a zone is UTC.
fn read_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = json::timestamp(text) {
        return Some(t);
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|t| t.and_utc())
}

fn page_of(feed: Feed, fetched_at: Timestamp) -> Page {
    let document = match feed.feed_type {
        FeedType::Atom => Document::Atom,
        FeedType::JSON => Document::JsonFeed,
        FeedType::RSS0 | FeedType::RSS2 => Document::Rss2,
        FeedType::RSS1 => Document::Rss1,
    };
    let mut page = Page::new(document, Cursor::Feed(FeedCursor::default()));
    let feed_author = feed
        .authors
        .iter()
        .find_map(person_name)
        .or_else(|| feed.title.as_ref().map(text_of).filter(|t| !t.is_empty()))
        .or_else(|| feed.links.first().and_then(|l| json::host_of(&l.href)));
    let mut newest: Option<Timestamp> = None;
    for (i, entry) in feed.entries.iter().enumerate() {
        let at = format!("item {}", i + 1);
        let native_id = post_id(entry);
        let title = entry.title.as_ref().map(text_of).filter(|t| !t.is_empty());
        let url = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .map(|l| l.href.clone());
        let mut text = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_ref().map(|body| (c.content_type.as_str(), body)))
            .map(|(kind, body)| convert(kind, body))
            .filter(|t| !t.is_empty())
            .or_else(|| {
                entry
                    .summary
                    .as_ref()
                    .map(text_of)
                    .filter(|t| !t.is_empty())
            })
            .unwrap_or_default();
        if text.is_empty() {
            text = title.clone().unwrap_or_default();
        }
        if text.is_empty() {
            page.skip(
                at,
                Some(native_id),
                "an item with no title, content or description",
            );
            continue;
        }
        let claimed = entry.published.or(entry.updated);
        let problem = match claimed {
            None => Some(DateProblem::Missing),
            Some(t) if t == UNREADABLE_DATE => Some(DateProblem::Unreadable),
            Some(t) if t > fetched_at => Some(DateProblem::Future { claimed: t }),
            Some(_) => None,
        };
        let created_at = match (problem, claimed) {
            (None, Some(t)) => {
                newest = Some(newest.map_or(t, |n| n.max(t)));
                t
            }
            (Some(problem), _) => {
                page.dates_clamped.push(ClampedDate {
                    native_id: native_id.clone(),
                    problem,
                });
                fetched_at
            }
            (None, None) => fetched_at,
        };
        let handle = entry
            .authors
            .iter()
            .find_map(person_name)
            .or_else(|| feed_author.clone())
            .unwrap_or_else(|| "unknown".to_string());
        page.push_post(Post {
            network: Network::Feed,
            native_id,
            url,
            author: Author::new(handle),
            title,
            text,
            language: json::language(entry.language.as_deref().or(feed.language.as_deref())),
            created_at,
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        });
    }
    page.cursor = Cursor::Feed(FeedCursor { newest });
    page
}

/// guid / Atom id, else the link, else a hash of title and date.
fn post_id(entry: &Entry) -> String {
    let id = entry.id.trim();
    if !id.is_empty() {
        return id.to_string();
    }
    if let Some(link) = entry.links.first().filter(|l| !l.href.trim().is_empty()) {
        return link.href.trim().to_string();
    }
    let title = entry
        .title
        .as_ref()
        .map(|t| t.content.as_str())
        .unwrap_or_default();
    let date = entry
        .published
        .or(entry.updated)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    let hash = xxhash_rust::xxh3::xxh3_128(format!("{title}\u{1f}{date}").as_bytes());
    format!("feed:{hash:032x}")
}

fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    if let Some(name) = person
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return Some(name.to_string());
    }
    person
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
}

fn text_of(text: &Text) -> String {
    convert(text.content_type.as_str(), &text.content)
}

/// Plain text stays as it is (trimmed); anything else is read as HTML.
fn convert(content_type: &str, body: &str) -> String {
    if content_type.starts_with("text/plain") {
        body.trim().to_string()
    } else {
        html_to_text(body)
    }
}

/// A strict XML pass: the first syntax error, a mismatched end tag or an element left open
/// at the end, with its line and column.
fn check_xml(bytes: &[u8]) -> Result<(), ParseError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(start)) => open.push(start.name().as_ref().to_string()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let offset = usize::try_from(reader.error_position()).unwrap_or(bytes.len());
                return Err(xml_error(bytes, offset, format!("broken XML: {e}")));
            }
        }
        buf.clear();
    }
    if let Some(name) = open.last() {
        return Err(xml_error(
            bytes,
            bytes.len(),
            format!("broken XML: the document ends inside <{name}> (truncated?)"),
        ));
    }
    Ok(())
}

fn xml_error(bytes: &[u8], offset: usize, reason: String) -> ParseError {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    ParseError {
        network: Network::Feed,
        document: Document::Feed,
        location: Location::Text {
            line,
            column: Some(column),
        },
        reason,
    }
}
