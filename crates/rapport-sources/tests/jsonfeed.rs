//! `JsonFeedSource` against a local server speaking its documented shape: rapport's own post
//! JSON (`rapport_model::Post`, see ARCHITECTURE.md), as JSON lines or an array, paged with
//! `?after=<native id>`, with an ETag on the caught-up page (RFC 9110 §8.8.3, §13.1.2).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::source::{JsonFeedConfig, JsonFeedSource, Source, SourceError};
use std::collections::HashMap;
use std::time::Duration;

const PAGE: usize = 3;

fn post_json(i: usize) -> String {
    format!(
        r#"{{"network":"feed","native_id":"p{i:03}","author":{{"handle":"writer"}},"text":"post {i}","created_at":"2026-03-01T12:00:00Z"}}"#
    )
}

async fn posts(
    State(total): State<usize>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if headers
        .get(header::AUTHORIZATION)
        .is_none_or(|v| v != "Bearer t0ken")
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let start = match query.get("after") {
        Some(after) => after.trim_start_matches('p').parse::<usize>().unwrap() + 1,
        None => 0,
    };
    let end = (start + PAGE).min(total);
    if start >= total {
        if headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v == "\"end\"")
        {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        return ([(header::ETAG, "\"end\"")], "").into_response();
    }
    let mut body: Vec<String> = (start..end).map(post_json).collect();
    if start == 0 {
        // One record that is not a post: skipped and counted, the rest still read.
        body.insert(1, r#"{"not": "a post"}"#.to_string());
    }
    body.join("\n").into_response()
}

async fn serve(total: usize) -> String {
    let app = Router::new()
        .route("/posts", get(posts))
        .route(
            "/array",
            get(|| async { format!("[{},{}]", post_json(1), post_json(2)) }),
        )
        .with_state(total);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{}", addr.port())
}

fn source(base: &str, path: &str, token: Option<&str>) -> JsonFeedSource {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    let fetcher = Fetcher::new(policy, FetchLimits::default()).unwrap();
    JsonFeedSource::new(
        "test feed",
        &JsonFeedConfig {
            url: format!("{base}{path}"),
        },
        token.map(str::to_string),
        fetcher,
    )
    .unwrap()
}

#[tokio::test]
async fn pages_follow_the_checkpoint_until_caught_up_then_go_conditional() {
    let base = serve(7).await;
    let mut feed = source(&base, "/posts", Some("t0ken"));
    let mut checkpoint: Option<String> = None;
    let mut seen = Vec::new();
    let mut skipped = 0;
    loop {
        let poll = feed.poll(checkpoint.as_deref()).await.unwrap();
        seen.extend(poll.posts.iter().map(|p| p.native_id.clone()));
        skipped += poll.skipped;
        if poll.checkpoint.is_some() {
            checkpoint = poll.checkpoint;
        }
        if poll.wait != Some(Duration::ZERO) {
            assert!(poll.posts.is_empty());
            break;
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("p{i:03}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(skipped, 1);
    let checkpoint = checkpoint.unwrap();
    assert!(checkpoint.contains(r#"\"end\""#), "{checkpoint}");
    // Caught up: the next poll is conditional and the server answers 304.
    let again = feed.poll(Some(&checkpoint)).await.unwrap();
    assert!(again.posts.is_empty());
    assert_eq!(again.checkpoint, None);
}

#[tokio::test]
async fn arrays_are_read_and_bad_tokens_and_checkpoints_fail_clearly() {
    let base = serve(7).await;
    let mut array = source(&base, "/array", None);
    let poll = array.poll(None).await.unwrap();
    assert_eq!(poll.posts.len(), 2);

    let mut no_token = source(&base, "/posts", None);
    let err = no_token.poll(None).await.unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");

    let mut feed = source(&base, "/posts", Some("t0ken"));
    assert!(matches!(
        feed.poll(Some("not json")).await,
        Err(SourceError::Checkpoint { .. })
    ));
    assert!(!format!("{feed:?}").contains("t0ken"));
}
