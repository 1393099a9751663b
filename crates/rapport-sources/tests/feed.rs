//! Feeds: RSS 2.0, RSS 1.0, Atom; lying dates; broken XML.

mod common;

use common::{at, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::feed::FeedCursor;
use rapport_sources::{parse_document, ClampedDate, Cursor, DateProblem, Document, Location};

fn fetched_at() -> rapport_model::Timestamp {
    at("2026-03-01T12:00:00Z")
}

fn parse(name: &str) -> Result<rapport_sources::Page, rapport_sources::ParseError> {
    parse_document(Network::Feed, &fixture("feed", name), fetched_at())
}

#[test]
fn rss2_items_get_ids_text_authors_language_and_honest_dates() {
    let page = parse("rss2.xml").unwrap();
    assert_eq!(page.document, Document::Rss2);
    assert_eq!(
        page.posts[0],
        Post {
            network: Network::Feed,
            native_id: "kettles-example-review-1042".into(),
            url: Some("https://kettles.example/reviews/orvella-k2".into()),
            author: Author::new("Jane Doe"),
            title: Some("Orvella K2 review: fast & quiet ☕".into()),
            text: "The Orvella K2 boils a litre in 2\u{a0}minutes — and it's quiet.\n\nVerdict: 9/10 🔥\nPrice: £49".into(),
            language: Some("en-gb".into()),
            created_at: at("2026-03-01T10:15:30Z"),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        }
    );
    // No guid: the link is the id; the channel's title is the author.
    let recall = &page.posts[1];
    assert_eq!(
        recall.native_id,
        "https://kettles.example/news/orvella-recall"
    );
    assert_eq!(recall.author.handle, "Kettle Reviews Weekly");
    assert_eq!(recall.text, "Some lids crack. Contact support.");
    assert_eq!(recall.created_at, at("2026-02-28T08:00:00Z"));
    // No guid, no link: a hash of title and date, the same on every read.
    let undated = &page.posts[3];
    assert!(
        undated.native_id.starts_with("feed:"),
        "{}",
        undated.native_id
    );
    assert_eq!(undated.native_id.len(), "feed:".len() + 32);
    assert_eq!(
        parse("rss2.xml").unwrap().posts[3].native_id,
        undated.native_id
    );

    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[2], "https://kettles.example/news/k3");
    assert_eq!(ids[4], "urn:kettles:garbled");
    for clamped in [2, 3, 4] {
        assert_eq!(page.posts[clamped].created_at, fetched_at());
    }
    assert_eq!(
        page.dates_clamped,
        [
            ClampedDate {
                native_id: "https://kettles.example/news/k3".into(),
                problem: DateProblem::Future {
                    claimed: at("2027-01-01T00:00:00Z")
                },
            },
            ClampedDate {
                native_id: undated.native_id.clone(),
                problem: DateProblem::Missing,
            },
            ClampedDate {
                native_id: "urn:kettles:garbled".into(),
                problem: DateProblem::Unreadable,
            },
        ]
    );
    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].at, "item 6");
    assert_eq!(
        page.skipped[0].native_id.as_deref(),
        Some("urn:kettles:empty")
    );
    assert_eq!(
        page.cursor,
        Cursor::Feed(FeedCursor {
            newest: Some(at("2026-03-01T10:15:30Z")),
        })
    );
}

#[test]
fn atom_entries_keep_their_language_author_and_plain_text() {
    let page = parse("atom.xml").unwrap();
    assert_eq!(page.document, Document::Atom);
    assert_eq!(page.posts.len(), 2);
    let first = &page.posts[0];
    assert_eq!(
        first.native_id,
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    );
    assert_eq!(
        first.url.as_deref(),
        Some("https://blog.orvella.example/de/firmware-2")
    );
    assert_eq!(first.title.as_deref(), Some("Neue Firmware 2.0"));
    assert_eq!(first.text, "Schneller & leiser.\n\nJetzt verfügbar!");
    assert_eq!(first.author.handle, "Max Müller");
    assert_eq!(first.language.as_deref(), Some("de"));
    assert_eq!(
        first.created_at,
        at("2026-03-01T08:00:00Z"),
        "published wins over updated"
    );
    let plain = &page.posts[1];
    assert_eq!(plain.text, "Fish & chips <3 are plain text here.");
    assert_eq!(plain.author.handle, "Orvella Team");
    assert_eq!(plain.language.as_deref(), Some("en"));
    assert_eq!(plain.created_at, at("2026-02-27T08:00:00Z"));
    assert!(page.dates_clamped.is_empty() && page.skipped.is_empty());
}

#[test]
fn rss1_items_are_read() {
    let page = parse("rss1.xml").unwrap();
    assert_eq!(page.document, Document::Rss1);
    assert_eq!(page.posts.len(), 1);
    let item = &page.posts[0];
    assert_eq!(item.native_id, "https://news.example/orvella-1");
    assert_eq!(item.text, "Les couvercles se fissurent…");
    assert_eq!(item.author.handle, "Marie Curie");
    assert_eq!(item.language.as_deref(), Some("fr"));
    assert_eq!(item.created_at, at("2026-02-28T08:30:00Z"));
}

#[test]
fn broken_xml_is_an_error_with_line_and_column() {
    let error = parse("mismatched.xml").unwrap_err();
    assert_eq!(error.network, Network::Feed);
    assert_eq!(
        error.location,
        Location::Text {
            line: 5,
            column: Some(21)
        },
        "{error}"
    );
    assert!(
        error.to_string().starts_with("feed feed: broken XML"),
        "{error}"
    );
    assert!(
        error.to_string().ends_with("at line 5, column 21"),
        "{error}"
    );

    let error = parse("truncated.xml").unwrap_err();
    assert!(
        error.to_string().contains("the document ends inside"),
        "{error}"
    );
    let Location::Text { line, .. } = error.location else {
        panic!("{error}")
    };
    assert_eq!(
        line,
        1 + fixture("feed", "truncated.xml")
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    );

    let error = parse_document(Network::Feed, b"", fetched_at()).unwrap_err();
    assert_eq!(error.to_string(), "feed feed: the input is empty");
    let error = parse_document(
        Network::Feed,
        b"<html><body>not a feed</body></html>",
        fetched_at(),
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("feed feed: "), "{error}");
}
