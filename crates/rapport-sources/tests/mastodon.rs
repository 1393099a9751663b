//! Mastodon documents: status arrays, search results, notifications, streaming captures.

mod common;

use common::{at, fixed_now, fixture};
use rapport_model::{Author, Engagement, Network, Post};
use rapport_sources::mastodon::{parse_link_header, MastodonCursor};
use rapport_sources::{parse_document, Cursor, Document, Location};

fn parse(name: &str) -> rapport_sources::Page {
    parse_document(Network::Mastodon, &fixture("mastodon", name), fixed_now()).unwrap()
}

fn alice_status() -> Post {
    Post {
        network: Network::Mastodon,
        native_id: "113957281004401234".into(),
        url: Some("https://mastodon.social/@alice/113957281004401234".into()),
        author: Author {
            handle: "alice@mastodon.social".into(),
            display_name: Some("Alice 🌻 Lindqvist".into()),
            followers: Some(1523),
        },
        title: None,
        text: "Just got my #Orvella kettle & it's great ☕🔥\n\nSecond paragraph:\nFish <3 chips — done.\nhttps://example.com/reviews/orvella-kettle-2026".into(),
        language: Some("en".into()),
        created_at: at("2026-03-01T10:15:30.123Z"),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement {
            likes: 14,
            reposts: 3,
            replies: 2,
        },
    }
}

fn bob_reply() -> Post {
    Post {
        network: Network::Mastodon,
        native_id: "113957290112345678".into(),
        url: Some("https://fosstodon.org/@bob/111111".into()),
        author: Author {
            handle: "bob@fosstodon.org".into(),
            display_name: Some("Bob".into()),
            followers: Some(87),
        },
        title: None,
        text: "@alice Mine leaks after a week. Très déçu 😞".into(),
        language: Some("fr".into()),
        created_at: at("2026-03-01T10:20:00Z"),
        reply_to: Some("113957281004401234".into()),
        conversation_id: None,
        quote_of: None,
        engagement: Engagement {
            likes: 1,
            reposts: 0,
            replies: 0,
        },
    }
}

#[test]
fn status_array_gives_every_field_unwraps_reblogs_and_skips_the_bad_item() {
    let page = parse("statuses.json");
    assert_eq!(page.document, Document::MastodonStatuses);
    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    // carla's reblog (113957300000000001) is alice's status, under alice's id.
    assert_eq!(
        ids,
        [
            "113957310000000002",
            "113957281004401234",
            "113957290112345678"
        ]
    );
    assert_eq!(page.posts[1], alice_status());
    assert_eq!(page.posts[2], bob_reply());
    let edited = &page.posts[0];
    assert_eq!(edited.title.as_deref(), Some("customer service rant"));
    assert_eq!(
        edited.text,
        "Orvella support never answered me… 3 weeks now."
    );
    assert_eq!(edited.author.handle, "carla@social.example.pt");
    assert_eq!(
        edited.author.display_name, None,
        "an empty display name is none"
    );
    assert_eq!(edited.quote_of.as_deref(), Some("113957290112345678"));

    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].at, "$[4]");
    assert_eq!(
        page.skipped[0].native_id.as_deref(),
        Some("113957320000000003")
    );
    assert!(
        page.skipped[0].reason.contains("missing field `account`"),
        "{}",
        page.skipped[0]
    );
    // Paging is by the items' own ids: the reblog's and the skipped item's included.
    assert_eq!(
        page.cursor,
        Cursor::Mastodon(MastodonCursor {
            newest_id: Some("113957310000000002".into()),
            oldest_id: Some("113957281004401234".into()),
        })
    );
}

#[test]
fn search_result_gives_its_statuses() {
    let page = parse("search.json");
    assert_eq!(page.document, Document::MastodonSearch);
    assert_eq!(page.posts, vec![alice_status(), bob_reply()]);
    assert!(page.skipped.is_empty());
    let Cursor::Mastodon(cursor) = &page.cursor else {
        panic!("{:?}", page.cursor)
    };
    assert_eq!(cursor.newest_id.as_deref(), Some("113957290112345678"));
}

#[test]
fn notifications_give_mentions_only() {
    let page = parse("notifications.json");
    assert_eq!(page.document, Document::MastodonNotifications);
    assert_eq!(page.posts, vec![bob_reply()]);
    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].native_id.as_deref(), Some("34975399"));
    assert_eq!(page.skipped[0].reason, "a mention without a status");
    assert_eq!(
        page.cursor,
        Cursor::Mastodon(MastodonCursor {
            newest_id: Some("34975861".into()),
            oldest_id: Some("34975399".into()),
        })
    );
}

#[test]
fn stream_capture_gives_updates_notifications_and_deletes() {
    let page = parse("stream.sse");
    assert_eq!(page.document, Document::MastodonStream);
    let ids: Vec<&str> = page.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "113957281004401234",
            "113957290112345678",
            "113957310000000002"
        ]
    );
    assert_eq!(page.posts[0], alice_status());
    assert_eq!(page.deleted, ["113957200000000999"]);
    // The capture ends inside an update: that one is skipped, by line.
    assert_eq!(page.skipped.len(), 1, "{:?}", page.skipped);
    assert_eq!(page.skipped[0].at, "line 20");
    assert!(
        page.skipped[0].reason.contains("not JSON"),
        "{}",
        page.skipped[0]
    );
}

#[test]
fn truncated_json_is_an_error_with_its_position() {
    let bytes = fixture("mastodon", "statuses.json");
    let error = parse_document(Network::Mastodon, &bytes[..500], fixed_now()).unwrap_err();
    assert_eq!(error.network, Network::Mastodon);
    assert_eq!(error.document, Document::MastodonStatuses);
    let Location::Json { line, .. } = &error.location else {
        panic!("{error}")
    };
    assert!(*line > 1);
    let message = error.to_string();
    assert!(
        message.starts_with("mastodon status array: the JSON ends too early"),
        "{message}"
    );
    assert!(message.contains(" at $[0]"), "{message}");

    let error = parse_document(
        Network::Mastodon,
        b"{\"error\":\"This action is outside the authorized scopes\"}",
        fixed_now(),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Mastodon answered with an error"),
        "{error}"
    );
    let error = parse_document(Network::Mastodon, b"  \n", fixed_now()).unwrap_err();
    assert_eq!(error.to_string(), "mastodon document: the input is empty");
}

#[test]
fn one_status_object_is_read_too() {
    let statuses: Vec<serde_json::Value> =
        serde_json::from_slice(&fixture("mastodon", "statuses.json")).unwrap();
    let one = serde_json::to_vec(&statuses[3]).unwrap();
    let page = parse_document(Network::Mastodon, &one, fixed_now()).unwrap();
    assert_eq!(page.document, Document::MastodonStatus);
    assert_eq!(page.posts, vec![alice_status()]);
}

#[test]
fn link_header_and_cursor_round_trip() {
    let paging = parse_link_header("<https://mastodon.social/api/v1/timelines/tag/orvella?max_id=113957281004401234>; rel=\"next\", <https://mastodon.social/api/v1/timelines/tag/orvella?min_id=113957310000000002>; rel=\"prev\"");
    assert_eq!(
        paging.next.unwrap().max_id.as_deref(),
        Some("113957281004401234")
    );
    assert_eq!(
        paging.prev.unwrap().min_id.as_deref(),
        Some("113957310000000002")
    );
    let cursor = parse("statuses.json").cursor;
    let json = serde_json::to_string(&cursor).unwrap();
    assert_eq!(
        json,
        r#"{"network":"mastodon","newest_id":"113957310000000002","oldest_id":"113957281004401234"}"#
    );
    assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
}
