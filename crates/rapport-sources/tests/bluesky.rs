//! Bluesky documents: searchPosts output and Jetstream lines.

mod common;

use common::{at, fixed_now, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::bluesky::BlueskyCursor;
use rapport_sources::{parse_document, Cursor, Document, Location};

const ALICE: &str = "did:plc:z72i7hdynmk6r22z27h6tvur";
const BOB: &str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
const CARLA: &str = "did:plc:4hqjfn7m6n5hno3doamuhgef";

fn parse(name: &str) -> rapport_sources::Page {
    parse_document(Network::Bluesky, &fixture("bluesky", name), fixed_now()).unwrap()
}

#[test]
fn search_posts_gives_every_field_replies_and_quotes() {
    let page = parse("search_posts.json");
    assert_eq!(page.document, Document::BlueskySearch);
    assert_eq!(page.posts.len(), 3);
    let alice_uri = format!("at://{ALICE}/app.bsky.feed.post/3lbsz3dqo2c2k");
    let bob_uri = format!("at://{BOB}/app.bsky.feed.post/3lbszbbbbbb2k");
    assert_eq!(
        page.posts[0],
        Post {
            network: Network::Bluesky,
            native_id: alice_uri.clone(),
            url: Some("https://bsky.app/profile/alice.bsky.social/post/3lbsz3dqo2c2k".into()),
            author: Author {
                handle: "alice.bsky.social".into(),
                display_name: Some("Alice 🌻".into()),
                followers: None,
            },
            title: None,
            // Bluesky text is plain text: markup-looking text stays as written.
            text:
                "Orvella's new kettle is out & it's lovely ☕ <b>not bold</b> https://example.com/k"
                    .into(),
            language: Some("en".into()),
            created_at: at("2026-03-01T10:15:30.123Z"),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement {
                likes: 41,
                reposts: 5,
                replies: 2,
            },
        }
    );
    let reply = &page.posts[1];
    assert_eq!(reply.reply_to.as_deref(), Some(alice_uri.as_str()));
    assert_eq!(reply.conversation_id.as_deref(), Some(alice_uri.as_str()));
    assert_eq!(reply.language.as_deref(), Some("pt"));
    assert_eq!(reply.author.display_name, None);
    let quote = &page.posts[2];
    assert_eq!(quote.quote_of.as_deref(), Some(bob_uri.as_str()));
    assert_eq!(
        quote.author.handle, CARLA,
        "handle.invalid falls back to the DID"
    );
    assert_eq!(
        quote.url.as_deref(),
        Some(format!("https://bsky.app/profile/{CARLA}/post/3lbszccccccc2").as_str())
    );
    assert_eq!(quote.language, None);

    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].at, "$.posts[3]");
    assert_eq!(
        page.skipped[0].native_id.as_deref(),
        Some(format!("at://{ALICE}/app.bsky.feed.post/3lbszdddddd2k").as_str())
    );
    assert!(
        page.skipped[0].reason.contains("(at .record.text)"),
        "{}",
        page.skipped[0]
    );
    assert_eq!(
        page.cursor,
        Cursor::Bluesky(BlueskyCursor {
            cursor: Some("25".into()),
            hits_total: Some(117),
            time_us: None,
        })
    );
}

#[test]
fn jetstream_gives_posts_deletes_and_the_resume_cursor() {
    let page = parse("jetstream.jsonl");
    assert_eq!(page.document, Document::BlueskyJetstream);
    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("at://{ALICE}/app.bsky.feed.post/3lbsz3dqo2c2k"),
            format!("at://{BOB}/app.bsky.feed.post/3lbszbbbbbb2k"),
            format!("at://{CARLA}/app.bsky.feed.post/3lbszccccccc2"),
        ]
    );
    let first = &page.posts[0];
    assert_eq!(first.author, Author::new(ALICE));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("https://bsky.app/profile/{ALICE}/post/3lbsz3dqo2c2k").as_str())
    );
    assert_eq!(first.created_at, at("2026-03-01T10:15:30.123Z"));
    assert_eq!(first.engagement, Engagement::default());
    assert_eq!(
        page.posts[1].reply_to.as_deref(),
        Some(format!("at://{ALICE}/app.bsky.feed.post/3lbsz3dqo2c2k").as_str())
    );
    assert!(page.posts[2].quote_of.is_some());
    assert_eq!(
        page.deleted,
        [format!("at://{ALICE}/app.bsky.feed.post/3lbszoldold2k")]
    );
    assert_eq!(page.skipped.len(), 1, "{:?}", page.skipped);
    assert_eq!(page.skipped[0].at, "line 5");
    assert_eq!(
        page.cursor,
        Cursor::Bluesky(BlueskyCursor {
            time_us: Some(1_772_360_700_000_000),
            ..BlueskyCursor::default()
        })
    );
    assert_eq!(
        serde_json::to_string(&page.cursor).unwrap(),
        r#"{"network":"bluesky","time_us":1772360700000000}"#
    );
}

#[test]
fn truncated_search_output_is_an_error_with_its_path() {
    let bytes = fixture("bluesky", "search_posts.json");
    let error =
        parse_document(Network::Bluesky, &bytes[..bytes.len() / 2], fixed_now()).unwrap_err();
    assert_eq!(error.document, Document::BlueskySearch);
    assert!(matches!(error.location, Location::Json { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("bluesky searchPosts output: the JSON ends too early"),
        "{error}"
    );
    let error = parse_document(Network::Bluesky, br#"{"cursor":"1"}"#, fixed_now()).unwrap_err();
    assert!(
        error.to_string().contains("missing field `posts`"),
        "{error}"
    );
}
