//! Hacker News (Algolia) search responses.

mod common;

use common::{at, fixed_now, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::hackernews::HackerNewsCursor;
use rapport_sources::{parse_document, Cursor, Document};

#[test]
fn search_gives_stories_comments_and_paging() {
    let page = parse_document(
        Network::HackerNews,
        &fixture("hackernews", "search.json"),
        fixed_now(),
    )
    .unwrap();
    assert_eq!(page.document, Document::HackerNewsSearch);
    assert_eq!(page.posts.len(), 3);
    assert_eq!(
        page.posts[0],
        Post {
            network: Network::HackerNews,
            native_id: "43210001".into(),
            url: Some("https://news.ycombinator.com/item?id=43210001".into()),
            author: Author::new("pg"),
            title: Some("Orvella open-sources its kettle firmware".into()),
            text: "Orvella open-sources its kettle firmware\nhttps://orvella.example/blog/firmware"
                .into(),
            language: None,
            created_at: at("2026-03-01T10:15:30Z"),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement {
                likes: 312,
                reposts: 0,
                replies: 57,
            },
        }
    );
    let comment = &page.posts[1];
    assert_eq!(
        comment.text,
        "The OTA update path isn't signed: https://orvella.example/ota\n\nThat's a \"feature\" & a bug. 🔥"
    );
    assert_eq!(comment.title, None);
    assert_eq!(comment.reply_to.as_deref(), Some("43210001"));
    assert_eq!(comment.conversation_id.as_deref(), Some("43210001"));
    assert_eq!(comment.engagement, Engagement::default(), "points: null");
    let ask = &page.posts[2];
    assert_eq!(
        ask.text,
        "Has anyone else's Orvella kettle stopped heating?\n\nMine did last week."
    );
    assert_eq!(
        ask.title.as_deref(),
        Some("Ask HN: Orvella kettle stopped heating?")
    );

    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].at, "$.hits[3]");
    assert_eq!(page.skipped[0].native_id.as_deref(), Some("43210120"));
    assert_eq!(page.skipped[0].reason, "no created_at_i and no created_at");
    assert_eq!(
        page.cursor,
        Cursor::HackerNews(HackerNewsCursor {
            page: Some(0),
            next_page: Some(1),
            hits: Some(11),
            newest_created_at_i: Some(1_772_362_800),
        })
    );
}

#[test]
fn search_by_date_gives_the_newest_time_for_the_next_poll() {
    let page = parse_document(
        Network::HackerNews,
        &fixture("hackernews", "search_by_date.json"),
        fixed_now(),
    )
    .unwrap();
    assert_eq!(page.posts.len(), 1);
    assert_eq!(
        serde_json::to_string(&page.cursor).unwrap(),
        r#"{"network":"hackernews","page":0,"hits":1,"newest_created_at_i":1772361600}"#
    );
    let error = parse_document(
        Network::HackerNews,
        br#"{"message":"Invalid query","status":400}"#,
        fixed_now(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "hackernews search response: missing field `hits` at $ (line 1, column 40)"
    );
}
