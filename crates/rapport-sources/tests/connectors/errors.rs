//! Refusals and failures of the search connectors, with each network's documented error
//! bodies and rate-limit headers:
//! - Bluesky XRPC errors `{"error": "AuthMissing", "message": ...}` and the `ratelimit-*`
//!   headers (<https://docs.bsky.app/docs/advanced-guides/rate-limits>,
//!   <https://atproto.com/specs/xrpc#error-responses>);
//! - Reddit: `{"message": "Forbidden", "error": 403}` and `x-ratelimit-*`
//!   (<https://support.reddithelp.com/hc/en-us/articles/16160319875092-Reddit-Data-API-Wiki>);
//! - Hacker News (Algolia): `{"message": ..., "status": 429}`
//!   (<https://www.algolia.com/doc/rest-api/search/#errors>);
//! - X: problem details `{"title", "detail", "type", "status"}` and `x-rate-limit-*`
//!   (<https://docs.x.com/x-api/fundamentals/response-codes-and-errors>).
//!
//! In every case: a 429 is a wait (no posts, the checkpoint kept), 401/403 says the token is
//! the problem, a 5xx is an error the runner backs off from, and a 200 whose body is not the
//! network's document is a parse error naming the network, never a panic or an empty page.

use crate::script::{build, Reply, Server};
use rapport_sources::source::{Source, SourceError};
use serde_json::json;
use std::time::Duration;

/// The same checks for one connector.
async fn refusals(
    server: &Server,
    source: &mut Box<dyn Source>,
    limited: Reply,
    expect_wait: Duration,
    unauthorized: Reply,
    network: &str,
) {
    let checkpoint = Some("{}");
    server.then(limited);
    let poll = source.poll(checkpoint).await.unwrap();
    assert!(poll.posts.is_empty(), "{network}");
    assert_eq!(poll.checkpoint, None, "{network}: the checkpoint is kept");
    let wait = poll.wait.expect("a 429 answers a wait");
    assert!(
        wait.abs_diff(expect_wait) <= Duration::from_secs(2),
        "{network}: waited {wait:?}, expected about {expect_wait:?}"
    );

    server.then(unauthorized);
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(
        matches!(error, SourceError::Unauthorized { .. }),
        "{network}: {error}"
    );

    server.then(Reply::status(502, "<html>Bad gateway</html>"));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(matches!(error, SourceError::Fetch(_)), "{network}: {error}");
    assert!(error.to_string().contains("502"), "{network}: {error}");

    server.then(Reply::ok("<html>captive portal</html>"));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(
        matches!(error, SourceError::Parse { .. }),
        "{network}: {error}"
    );
    assert!(
        error.to_string().to_lowercase().contains(network),
        "{network}: the error names the network: {error}"
    );
}

#[tokio::test]
async fn bluesky_search_refusals() {
    let server = Server::start().await;
    let mut source = build(
        "bluesky_search",
        json!({"query": "orvella", "service": server.base}),
        None,
    );
    let reset = chrono::Utc::now().timestamp() + 240;
    refusals(
        &server,
        &mut source,
        Reply::status(
            429,
            r#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#,
        )
        .header("ratelimit-limit", "3000")
        .header("ratelimit-remaining", "0")
        .header("ratelimit-reset", reset.to_string())
        .header("ratelimit-policy", "3000;w=300"),
        Duration::from_secs(240),
        Reply::status(
            401,
            r#"{"error":"AuthMissing","message":"Authentication Required"}"#,
        ),
        "bluesky",
    )
    .await;
}

#[tokio::test]
async fn reddit_refusals() {
    let server = Server::start().await;
    let mut source = build(
        "reddit",
        json!({"query": "orvella", "base": server.base, "user_agent": "rapport-test/1.0 by u/rapport"}),
        None,
    );
    refusals(
        &server,
        &mut source,
        Reply::status(429, r#"{"message": "Too Many Requests", "error": 429}"#)
            .header("x-ratelimit-used", "100")
            .header("x-ratelimit-remaining", "0.0")
            .header("x-ratelimit-reset", "310"),
        Duration::from_secs(310),
        Reply::status(403, r#"{"message": "Forbidden", "error": 403}"#),
        "reddit",
    )
    .await;
}

#[tokio::test]
async fn hackernews_refusals() {
    let server = Server::start().await;
    let mut source = build(
        "hackernews",
        json!({"query": "orvella", "base": server.base}),
        None,
    );
    refusals(
        &server,
        &mut source,
        Reply::status(429, r#"{"message":"Too many requests","status":429}"#)
            .header("retry-after", "90"),
        Duration::from_secs(90),
        Reply::status(
            403,
            r#"{"message":"Invalid Application-ID or API key","status":403}"#,
        ),
        "hackernews",
    )
    .await;
}

#[tokio::test]
async fn x_search_refusals() {
    let server = Server::start().await;
    let mut source = build(
        "x_search",
        json!({"query": "orvella", "base": server.base}),
        Some("bearer"),
    );
    let reset = chrono::Utc::now().timestamp() + 600;
    refusals(
        &server,
        &mut source,
        Reply::status(
            429,
            r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#,
        )
        .header("x-rate-limit-limit", "450")
        .header("x-rate-limit-remaining", "0")
        .header("x-rate-limit-reset", reset.to_string()),
        Duration::from_secs(600),
        Reply::status(
            401,
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
        ),
        "x",
    )
    .await;
}
