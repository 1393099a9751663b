//! Reddit listings: posts (t3) and comments (t1).

mod common;

use common::{at, fixed_now, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::reddit::RedditCursor;
use rapport_sources::{parse_document, Cursor, Document};

#[test]
fn search_listing_gives_posts_comments_and_paging() {
    let page = parse_document(
        Network::Reddit,
        &fixture("reddit", "search.json"),
        fixed_now(),
    )
    .unwrap();
    assert_eq!(page.document, Document::RedditListing);
    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(
        ids,
        ["t3_1j0abcd", "t3_1j0bcde", "t1_mabc123", "t3_1j0cdef"]
    );
    assert_eq!(
        page.posts[0],
        Post {
            network: Network::Reddit,
            native_id: "t3_1j0abcd".into(),
            url: Some(
                "https://www.reddit.com/r/BuyItForLife/comments/1j0abcd/orvella_kettle_5_years/"
                    .into()
            ),
            author: Author::new("kettle_fan"),
            title: Some("Orvella kettle — 5 years & still going strong 💪".into()),
            text: "Bought it in 2021.\n\nStill boils <3 minutes. Lid hinge & filter fine.".into(),
            language: None,
            created_at: at("2026-03-01T10:15:30Z"),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement {
                likes: 1532,
                reposts: 0,
                replies: 87,
            },
        }
    );
    let link = &page.posts[1];
    assert_eq!(
        link.text,
        "Orvella's new site is live\nhttps://orvella.example/blog/new-site?x=1&y=2"
    );
    assert_eq!(
        link.engagement.likes, 0,
        "a negative score counts as no likes"
    );
    assert_eq!(link.created_at, at("2026-03-01T10:20:00.5Z"));
    let comment = &page.posts[2];
    assert_eq!(comment.title, None);
    assert_eq!(
        comment.text,
        "Mine died after 13 months. Não compro mais 🙃"
    );
    assert_eq!(comment.reply_to.as_deref(), Some("t3_1j0abcd"));
    assert_eq!(comment.conversation_id.as_deref(), Some("t3_1j0abcd"));
    assert_eq!(page.posts[3].quote_of.as_deref(), Some("t3_1j0abcd"));

    let skipped: Vec<(&str, Option<&str>)> = page
        .skipped
        .iter()
        .map(|s| (s.at.as_str(), s.native_id.as_deref()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("$.data.children[4]", Some("t1_mdel456")),
            ("$.data.children[5]", Some("t1_mnod789")),
            ("$.data.children[6]", Some("t5_2qh1i")),
        ]
    );
    assert_eq!(page.skipped[0].reason, "deleted or removed");
    assert!(page.skipped[1]
        .reason
        .contains("missing field `created_utc`"));
    assert_eq!(page.skipped[2].reason, "a 't5', not a post or comment");
    assert_eq!(
        page.cursor,
        Cursor::Reddit(RedditCursor {
            after: Some("t3_1j0cdef".into()),
            before: None,
            // The newest item read, a deleted one included: paging is by what Reddit listed.
            newest: Some("t1_mdel456".into()),
        })
    );
}

#[test]
fn an_array_of_listings_is_read_and_bad_documents_are_errors() {
    let listing = String::from_utf8(fixture("reddit", "search.json")).unwrap();
    let empty = r#"{"kind":"Listing","data":{"after":null,"before":null,"children":[]}}"#;
    let both = format!("[{listing},{empty}]");
    let page = parse_document(Network::Reddit, both.as_bytes(), fixed_now()).unwrap();
    assert_eq!(page.posts.len(), 4);
    assert_eq!(page.skipped[0].at, "$[0].data.children[4]");

    let error = parse_document(
        Network::Reddit,
        br#"{"kind":"t3","data":{"children":[]}}"#,
        fixed_now(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "reddit listing: kind is 't3', not 'Listing'"
    );
    let error =
        parse_document(Network::Reddit, &listing.as_bytes()[..200], fixed_now()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("reddit listing: the JSON ends too early"),
        "{error}"
    );
    assert!(
        error.to_string().contains("at $.data.children[0]"),
        "{error}"
    );
}
