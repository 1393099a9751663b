//! Mastodon timelines: <https://docs.joinmastodon.org/methods/timelines/> (hashtag),
//! paging by `min_id` and the `Link` header
//! (<https://docs.joinmastodon.org/api/guidelines/#pagination>), rate limits
//! (<https://docs.joinmastodon.org/api/rate-limits/>). Statuses are the fixture's
//! (`fixtures/mastodon/statuses.json`) with new ids and dates.

use crate::script::{build, drain, fixture, fixture_json, Reply, Server};
use rapport_sources::source::SourceError;
use serde_json::json;
use std::time::Duration;

fn id(n: u32) -> String {
    format!("1140000000000{n:06}")
}

/// Statuses `from..to`, newest first as Mastodon lists them.
fn statuses(from: u32, to: u32) -> String {
    let template = fixture_json("mastodon/statuses.json")[0].clone();
    let page: Vec<serde_json::Value> = (from..to)
        .rev()
        .map(|n| {
            let mut status = template.clone();
            status["id"] = json!(id(n));
            status["uri"] = json!(format!("https://mastodon.example/statuses/{}", id(n)));
            status["url"] = json!(format!("https://mastodon.example/@a/{}", id(n)));
            status["created_at"] = json!(format!("2026-03-02T{:02}:{:02}:00.000Z", n / 60, n % 60));
            status
        })
        .collect();
    serde_json::to_string(&page).unwrap()
}

fn link(base: &str, newest: &str, oldest: &str) -> String {
    format!(
        r#"<{base}/api/v1/timelines/tag/kettle?max_id={oldest}>; rel="next", <{base}/api/v1/timelines/tag/kettle?min_id={newest}>; rel="prev""#
    )
}

fn hashtag() -> serde_json::Value {
    json!({"instance": "", "timeline": "hashtag", "query": "#kettle"})
}

#[tokio::test]
async fn first_poll_then_catch_up_page_by_page_then_resume_without_repeats() {
    let server = Server::start().await;
    let mut config = hashtag();
    config["instance"] = json!(server.base);
    let mut source = build("mastodon", config, Some("t0ken"));

    // A new source reads the newest page only.
    server.then(Reply::ok(fixture("mastodon/statuses.json")).header(
        "link",
        link(&server.base, "113957320000000003", "113957281004401234"),
    ));
    let first = source.poll(None).await.unwrap();
    let seen = server.take_seen();
    assert_eq!(seen[0].path, "/api/v1/timelines/tag/kettle");
    assert_eq!(seen[0].param("limit"), Some("40"));
    assert_eq!(seen[0].param("min_id"), None);
    assert_eq!(seen[0].header("authorization"), Some("Bearer t0ken"));
    assert!(!first.posts.is_empty());
    assert!(first
        .posts
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
    assert_eq!(first.wait, None);
    let checkpoint = first.checkpoint.unwrap();
    assert!(checkpoint.contains("113957320000000003"), "{checkpoint}");

    // Behind by 43 statuses: a full page of 40, then 3, then nothing.
    server
        .then(Reply::ok(statuses(0, 40)).header("link", link(&server.base, &id(39), &id(0))))
        .then(Reply::ok(statuses(40, 43)).header("link", link(&server.base, &id(42), &id(40))));
    let (ids, checkpoint) = drain(source.as_mut(), Some(checkpoint)).await.unwrap();
    let expected: Vec<String> = (0..43).map(id).collect();
    assert_eq!(ids, expected);
    let asked: Vec<Option<String>> = server
        .take_seen()
        .iter()
        .map(|s| s.param("min_id").map(str::to_string))
        .collect();
    assert_eq!(
        asked,
        vec![Some("113957320000000003".to_string()), Some(id(39))]
    );

    // Resuming from the stored checkpoint asks for what follows the newest and repeats nothing.
    server.then(Reply::ok("[]"));
    let again = source.poll(checkpoint.as_deref()).await.unwrap();
    assert!(again.posts.is_empty());
    assert_eq!(server.take_seen()[0].param("min_id"), Some(id(42).as_str()));
}

#[tokio::test]
async fn rate_limits_wait_and_errors_are_clear() {
    let server = Server::start().await;
    let mut config = hashtag();
    config["instance"] = json!(server.base);
    let mut source = build("mastodon", config, None);

    server.then(
        Reply::status(429, r#"{"error":"Too many requests"}"#)
            .header("retry-after", "30")
            .header("x-ratelimit-remaining", "0"),
    );
    let limited = source.poll(Some("{}")).await.unwrap();
    assert!(limited.posts.is_empty());
    assert_eq!(limited.checkpoint, None);
    assert_eq!(limited.wait, Some(Duration::from_secs(30)));

    server.then(Reply::status(
        401,
        r#"{"error":"The access token is invalid"}"#,
    ));
    let unauthorized = source.poll(None).await.unwrap_err();
    assert!(matches!(
        unauthorized,
        SourceError::Unauthorized { status: 401, .. }
    ));
    assert!(unauthorized.to_string().contains("token"), "{unauthorized}");

    server.then(Reply::status(503, "down"));
    let down = source.poll(None).await.unwrap_err();
    assert!(matches!(down, SourceError::Fetch(_)), "{down}");
    assert!(down.to_string().contains("503"), "{down}");

    server.then(Reply::ok(r#"{"error":"not a timeline"}"#));
    assert!(source.poll(None).await.is_err());
}

#[test]
fn configs_are_checked_with_the_field_named() {
    let fetcher = crate::script::fetcher();
    let build = |config: serde_json::Value, token: Option<&str>| {
        rapport_sources::connectors::build(
            "mastodon",
            "m",
            &config.to_string(),
            token.map(str::to_string),
            fetcher.clone(),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let no_tag = build(
        json!({"instance": "https://m.example", "timeline": "hashtag"}),
        None,
    );
    assert!(no_tag.contains("query"), "{no_tag}");
    let bad_kind = build(
        json!({"instance": "https://m.example", "timeline": "home"}),
        None,
    );
    assert!(bad_kind.contains("timeline"), "{bad_kind}");
    let no_token = build(
        json!({"instance": "https://m.example", "timeline": "notifications"}),
        None,
    );
    assert!(no_token.contains("token"), "{no_token}");
    let bad_url = build(
        json!({"instance": "ftp://m.example", "timeline": "public"}),
        None,
    );
    assert!(bad_url.contains("instance"), "{bad_url}");
}
