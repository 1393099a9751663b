//! X API v2 documents: recent-search pages and filtered-stream lines.

mod common;

use common::{at, fixed_now, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::x::XCursor;
use rapport_sources::{parse_document, Cursor, Document};

fn parse(name: &str) -> rapport_sources::Page {
    parse_document(Network::X, &fixture("x", name), fixed_now()).unwrap()
}

fn alice_tweet() -> Post {
    Post {
        network: Network::X,
        native_id: "1896212488811175937".into(),
        url: Some("https://x.com/alice_x/status/1896212488811175937".into()),
        author: Author {
            handle: "alice_x".into(),
            display_name: Some("Alice ✨".into()),
            followers: Some(50123),
        },
        title: None,
        text: "Orvella's kettle: 10/10 & would boil again ☕🔥 <3 https://t.co/AbC123xyz".into(),
        language: Some("en".into()),
        created_at: at("2026-03-01T10:15:30Z"),
        reply_to: None,
        conversation_id: Some("1896212488811175937".into()),
        quote_of: None,
        engagement: Engagement {
            likes: 230,
            reposts: 12,
            replies: 4,
        },
    }
}

#[test]
fn search_page_joins_users_follows_references_and_lists_errors() {
    let page = parse("search_recent.json");
    assert_eq!(page.document, Document::XSearch);
    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1896215000000000003",
            "1896212488811175937",
            "1896213999000000001"
        ]
    );
    // The retweet became the original, from includes.tweets, by its own author.
    assert_eq!(page.posts[1], alice_tweet());
    let long = &page.posts[0];
    assert!(long
        .text
        .starts_with("Long thread-free review of the Orvella kettle. Long"));
    assert_eq!(
        long.text.len(),
        46 * 8 + 7,
        "note_tweet.text, not the truncated text"
    );
    assert_eq!(long.quote_of.as_deref(), Some("1896213999000000001"));
    assert_eq!(long.language, None, "und is no language");
    assert_eq!(long.author.handle, "carlareviews");
    let reply = &page.posts[2];
    assert_eq!(reply.reply_to.as_deref(), Some("1896212488811175937"));
    assert_eq!(
        reply.conversation_id.as_deref(),
        Some("1896212488811175937")
    );
    assert_eq!(reply.author.followers, Some(17));

    let skipped: Vec<(&str, Option<&str>)> = page
        .skipped
        .iter()
        .map(|s| (s.at.as_str(), s.native_id.as_deref()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("$.data[3]", Some("1896216000000000004")),
            ("$.data[4]", Some("1896217000000000005")),
            ("$.errors[0]", Some("1111111111111111111")),
        ]
    );
    assert!(
        page.skipped[0].reason.contains("missing field `text`"),
        "{}",
        page.skipped[0]
    );
    assert!(
        page.skipped[1].reason.contains("not in includes.tweets"),
        "{}",
        page.skipped[1]
    );
    assert!(page.skipped[2]
        .reason
        .starts_with("X reported: Not Found Error: Could not find tweet"));
    assert_eq!(
        page.cursor,
        Cursor::X(XCursor {
            newest_id: Some("1896217000000000005".into()),
            oldest_id: Some("1896213999000000001".into()),
            next_token: Some("b26v89c19zqg8o3fr5ggyq8vfzzdxnj8m2jbmj0ziz1cd".into()),
            result_count: Some(5),
        })
    );
}

#[test]
fn an_empty_search_page_has_no_posts() {
    let page = parse("search_empty.json");
    assert!(page.posts.is_empty() && page.skipped.is_empty());
    assert_eq!(
        page.cursor,
        Cursor::X(XCursor {
            result_count: Some(0),
            ..XCursor::default()
        })
    );
}

#[test]
fn stream_lines_skip_keep_alives_and_report_bad_lines() {
    let page = parse("stream.jsonl");
    assert_eq!(page.document, Document::XStream);
    assert_eq!(page.posts.len(), 3);
    assert_eq!(page.posts[0], alice_tweet());
    assert_eq!(
        page.posts[1].reply_to.as_deref(),
        Some("1896212488811175937")
    );
    let no_user = &page.posts[2];
    assert_eq!(no_user.author.handle, "id:555");
    assert_eq!(
        no_user.url.as_deref(),
        Some("https://x.com/i/web/status/1896218000000000006")
    );
    let at: Vec<&str> = page.skipped.iter().map(|s| s.at.as_str()).collect();
    assert_eq!(at, ["line 5", "line 8"]);
    assert!(page.skipped[1].reason.contains("operational-disconnect"));
    assert_eq!(
        page.cursor,
        Cursor::X(XCursor {
            newest_id: Some("1896218000000000006".into()),
            ..XCursor::default()
        })
    );
}

#[test]
fn ids_past_two_to_the_53_stay_exact_even_as_numbers() {
    let doc = br#"{"data":[{"id":1896212488811175937,"text":"hi","author_id":2244994945}],"meta":{"result_count":1}}"#;
    let page = parse_document(Network::X, doc, fixed_now()).unwrap();
    assert_eq!(page.posts[0].native_id, "1896212488811175937");
    // No created_at asked for: the date comes from the Snowflake id.
    assert_eq!(
        page.posts[0].created_at.timestamp_millis(),
        (1896212488811175937_i64 >> 22) + 1_288_834_974_657
    );
}

#[test]
fn error_bodies_and_truncated_pages_are_errors() {
    let problem =
        br#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
    let error = parse_document(Network::X, problem, fixed_now()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "x search page: X answered with an error: Unauthorized: Unauthorized"
    );
    let bytes = fixture("x", "search_recent.json");
    let error = parse_document(Network::X, &bytes[..300], fixed_now()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("x search page: the JSON ends too early"),
        "{error}"
    );
    assert!(error.to_string().contains("at $.data[0]"), "{error}");
}
