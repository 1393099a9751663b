//! RSS 2.0 (<https://www.rssboard.org/rss-specification>, `fixtures/feed/rss2.xml`) with a
//! conditional GET (RFC 9110 §13.1.2 `If-None-Match`, §15.4.5 `304 Not Modified`).

use crate::script::{build, fixture, Reply, Server};
use serde_json::json;

#[tokio::test]
async fn conditional_get_and_repeated_items_are_not_emitted_twice() {
    let server = Server::start().await;
    let mut source = build(
        "feed",
        json!({"url": format!("{}/feed.xml", server.base)}),
        None,
    );

    server.then(Reply::ok(fixture("feed/rss2.xml")).header("etag", "\"v1\""));
    let first = source.poll(None).await.unwrap();
    assert!(!first.posts.is_empty());
    let checkpoint = first.checkpoint.unwrap();
    assert!(server.take_seen()[0].header("if-none-match").is_none());

    server.then(Reply::status(304, ""));
    let unchanged = source.poll(Some(&checkpoint)).await.unwrap();
    assert!(unchanged.posts.is_empty());
    assert_eq!(unchanged.checkpoint, None, "a 304 keeps the checkpoint");
    assert_eq!(
        server.take_seen()[0].header("if-none-match"),
        Some("\"v1\"")
    );

    // The feed changed its ETag but repeats the same items: nothing is emitted again.
    server.then(Reply::ok(fixture("feed/rss2.xml")).header("etag", "\"v2\""));
    let repeated = source.poll(Some(&checkpoint)).await.unwrap();
    assert!(repeated.posts.is_empty(), "{:?}", repeated.posts);
    assert!(repeated.checkpoint.unwrap().contains("v2"));

    server.then(Reply::status(500, "oops"));
    assert!(source.poll(Some(&checkpoint)).await.is_err());
}
