//! The streaming connectors against local servers that send the parser fixtures (in each
//! network's documented shape; `tests/fixtures/*/README.md` cites the documentation) the
//! way a real stream does: in pieces cut at arbitrary bytes, with pauses, over one
//! connection that stays open (or closes, to test reconnection).
//!
//! The invariant checked: reading a stream in windows gives exactly the posts that parsing
//! the whole capture gives, none twice, and a record cut by a window comes whole in the next.
//!
//! Documents: Mastodon streaming <https://docs.joinmastodon.org/methods/streaming/>, Jetstream
//! <https://github.com/bluesky-social/jetstream#consuming-jetstream>, X filtered stream
//! <https://docs.x.com/x-api/posts/filtered-stream/api-reference/get-tweets-search-stream> and
//! its rules <https://docs.x.com/x-api/posts/filtered-stream/api-reference/post-tweets-search-stream-rules>.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use rapport_model::Network;
use rapport_sources::http::{FetchError, FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::source::{Poll, Source, SourceError};
use rapport_sources::{connectors, parse_document};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

/// The native ids of the posts in a whole capture, as the parser reads it, sorted (an
/// edited status comes twice, as it does on the stream).
fn ids_in(network: Network, bytes: &[u8]) -> Vec<String> {
    let mut ids: Vec<String> = parse_document(network, bytes, chrono::Utc::now())
        .unwrap()
        .posts
        .into_iter()
        .map(|p| p.native_id)
        .collect();
    ids.sort();
    ids
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn build(kind: &str, name: &str, config: Value, token: Option<&str>) -> Box<dyn Source> {
    connectors::build(
        kind,
        name,
        &config.to_string(),
        token.map(str::to_string),
        fetcher(),
    )
    .unwrap()
}

/// A body that sends `bytes` in `pieces` pieces cut at uneven places, 150 ms apart, then
/// ends or (with `keep_open`) stays open sending nothing.
fn trickle(bytes: Vec<u8>, pieces: usize, keep_open: bool) -> Body {
    let mut cuts: Vec<usize> = (1..pieces)
        .map(|i| i * bytes.len() / pieces + 7 * i)
        .collect();
    cuts.retain(|&c| c < bytes.len());
    cuts.push(bytes.len());
    let chunks: Vec<Bytes> = {
        let mut start = 0;
        cuts.into_iter()
            .map(|end| {
                let piece = Bytes::copy_from_slice(&bytes[start..end]);
                start = end;
                piece
            })
            .collect()
    };
    let stream = futures_util::stream::unfold(
        (chunks.into_iter(), keep_open),
        |(mut chunks, keep_open)| async move {
            match chunks.next() {
                Some(chunk) => {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Some((Ok::<_, std::io::Error>(chunk), (chunks, keep_open)))
                }
                None if keep_open => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    None
                }
                None => None,
            }
        },
    );
    Body::from_stream(stream)
}

/// Polls until `done` says so (or 60 polls), collecting every post's id, sorted.
async fn poll_until(
    source: &mut Box<dyn Source>,
    checkpoint: &mut Option<String>,
    mut done: impl FnMut(&Vec<String>, &Poll) -> bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..60 {
        let poll = source.poll(checkpoint.as_deref()).await.expect("poll");
        seen.extend(poll.posts.iter().map(|p| p.native_id.clone()));
        seen.sort();
        if poll.checkpoint.is_some() {
            checkpoint.clone_from(&poll.checkpoint);
        }
        assert!(poll.wait.is_some_and(|w| w < Duration::from_millis(50)));
        if done(&seen, &poll) {
            return seen;
        }
    }
    panic!("the stream did not deliver what was expected; got {seen:?}");
}

// ---------------------------------------------------------------------------------------
// Mastodon

#[derive(Default)]
struct MastodonState {
    /// `min_id` of each catch-up request to the REST timeline.
    catch_ups: Vec<Option<String>>,
    /// Stream connections so far.
    connects: usize,
    /// Authorization headers seen on the stream.
    auth: Vec<Option<String>>,
}

type Mastodon = Arc<Mutex<MastodonState>>;

async fn mastodon_stream(
    State(state): State<Mastodon>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    assert_eq!(query.get("tag").map(String::as_str), Some("orvella"));
    let first = {
        let mut state = state.lock().unwrap();
        state.connects += 1;
        state.auth.push(
            headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        state.connects == 1
    };
    // The first connection sends the capture and closes; later ones stay open, silent.
    let body = if first {
        trickle(fixture("mastodon/stream.sse"), 5, false)
    } else {
        trickle(b":thump\n\n".to_vec(), 1, true)
    };
    ([("content-type", "text/event-stream")], body).into_response()
}

async fn mastodon_timeline(
    State(state): State<Mastodon>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let min_id = query.get("min_id").cloned();
    let body = if min_id.is_none() {
        fixture("mastodon/statuses.json")
    } else {
        b"[]".to_vec()
    };
    state.lock().unwrap().catch_ups.push(min_id);
    ([("content-type", "application/json")], body).into_response()
}

async fn start(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn mastodon_streams_in_windows_then_catches_up_after_a_reconnection() {
    let state: Mastodon = Arc::default();
    let base = start(
        Router::new()
            .route("/api/v1/streaming/hashtag", get(mastodon_stream))
            .route("/api/v1/timelines/tag/orvella", get(mastodon_timeline))
            .with_state(state.clone()),
    )
    .await;
    let mut source = build(
        "mastodon_stream",
        "tag",
        json!({"instance": base, "timeline": "hashtag", "query": "orvella", "window_secs": 0.2}),
        Some("read-token"),
    );
    assert!(!source.firehose());
    let mut checkpoint = None;
    // First poll: connect, then read the newest page of the timeline.
    let first = source.poll(None).await.unwrap();
    let rest_ids = ids_in(Network::Mastodon, &fixture("mastodon/statuses.json"));
    let mut got: Vec<String> = first.posts.iter().map(|p| p.native_id.clone()).collect();
    got.sort();
    assert_eq!(got, rest_ids);
    checkpoint.clone_from(&first.checkpoint);

    // Then the stream, in 0.2 s windows, until it closes.
    let expected = ids_in(Network::Mastodon, &fixture("mastodon/stream.sse"));
    assert!(expected.len() >= 3, "the capture holds several statuses");
    let mut closed = false;
    let streamed = poll_until(&mut source, &mut checkpoint, |seen, _| {
        closed = state.lock().unwrap().connects == 1 && seen == &expected;
        closed
    })
    .await;
    assert_eq!(streamed, expected);

    // The server closed the stream: the next polls reconnect and catch up from the newest
    // id stored, through the timeline.
    let newest: Value = serde_json::from_str(checkpoint.as_deref().unwrap()).unwrap();
    let newest = newest["newest_id"].as_str().unwrap().to_string();
    for _ in 0..20 {
        source.poll(checkpoint.as_deref()).await.unwrap();
        if state.lock().unwrap().connects >= 2 {
            break;
        }
    }
    let state = state.lock().unwrap();
    assert_eq!(state.connects, 2);
    assert_eq!(state.catch_ups, vec![None, Some(newest)]);
    assert!(state
        .auth
        .iter()
        .all(|a| a.as_deref() == Some("Bearer read-token")));
}

#[tokio::test]
async fn a_mastodon_stream_refusing_the_token_says_so() {
    let base = start(Router::new().route(
        "/api/v1/streaming/user/notification",
        get(|| async {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "The access token is invalid"})),
            )
        }),
    ))
    .await;
    let mut source = build(
        "mastodon_stream",
        "mine",
        json!({"instance": base, "timeline": "notifications"}),
        Some("wrong"),
    );
    let error = source.poll(None).await.unwrap_err();
    assert!(
        matches!(error, SourceError::Unauthorized { status: 401, .. }),
        "{error}"
    );
}

#[test]
fn a_search_has_no_stream_and_a_window_is_bounded() {
    let error = connectors::build(
        "mastodon_stream",
        "s",
        &json!({"instance": "https://m.example", "timeline": "search", "query": "x"}).to_string(),
        Some("t".into()),
        fetcher(),
    )
    .err()
    .expect("refused");
    assert!(
        error.to_string().contains("no stream for a search"),
        "{error}"
    );
    let error = connectors::build(
        "mastodon_stream",
        "s",
        &json!({"instance": "https://m.example", "timeline": "public", "window_secs": 600})
            .to_string(),
        None,
        fetcher(),
    )
    .err()
    .expect("refused");
    assert!(error.to_string().contains("window_secs"), "{error}");
}

// ---------------------------------------------------------------------------------------
// Bluesky Jetstream

/// The handshake callback's signature is tungstenite's; its error type is large by design.
#[allow(clippy::result_large_err)]
fn record_target(
    seen: &Mutex<Vec<String>>,
    request: &tokio_tungstenite::tungstenite::handshake::server::Request,
    response: tokio_tungstenite::tungstenite::handshake::server::Response,
) -> Result<
    tokio_tungstenite::tungstenite::handshake::server::Response,
    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
> {
    seen.lock().unwrap().push(request.uri().to_string());
    Ok(response)
}

/// A Jetstream server: each connection's request target is recorded; the first connection
/// gets every line of the capture as a text message, then a close; later ones stay open.
async fn start_jetstream() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let targets: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = targets.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                #[allow(clippy::result_large_err)]
                let record = |request: &_, response| record_target(&seen, request, response);
                let mut socket = tokio_tungstenite::accept_hdr_async(tcp, record)
                    .await
                    .unwrap();
                let first = seen.lock().unwrap().len() == 1;
                if first {
                    let capture = String::from_utf8(fixture("bluesky/jetstream.jsonl")).unwrap();
                    for line in capture.lines().filter(|l| !l.trim().is_empty()) {
                        socket
                            .send(tokio_tungstenite::tungstenite::Message::text(line))
                            .await
                            .unwrap();
                        tokio::time::sleep(Duration::from_millis(60)).await;
                    }
                    let _ = socket.close(None).await;
                } else {
                    while socket.next().await.is_some() {}
                }
            });
        }
    });
    (format!("ws://127.0.0.1:{port}/subscribe"), targets)
}

#[tokio::test]
async fn jetstream_reads_posts_over_a_websocket_and_resumes_from_its_cursor() {
    let (endpoint, targets) = start_jetstream().await;
    let mut source = build(
        "bluesky_jetstream",
        "firehose",
        json!({"endpoint": endpoint, "window_secs": 0.2}),
        None,
    );
    assert!(source.firehose(), "no dids: the whole network");
    let capture = fixture("bluesky/jetstream.jsonl");
    let expected = ids_in(Network::Bluesky, &capture);
    assert!(!expected.is_empty());
    let mut checkpoint = None;
    let got = poll_until(&mut source, &mut checkpoint, |seen, _| seen == &expected).await;
    assert_eq!(got, expected);
    // The checkpoint is the largest time_us of the capture.
    let largest = String::from_utf8(capture)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["time_us"].as_i64())
        .max()
        .unwrap();
    let state: Value = serde_json::from_str(checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(state["time_us"], largest);
    // The server closed: the next connection asks for a cursor 5 s before it.
    for _ in 0..20 {
        source.poll(checkpoint.as_deref()).await.unwrap();
        if targets.lock().unwrap().len() >= 2 {
            break;
        }
    }
    let targets = targets.lock().unwrap().clone();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(targets[0].contains("wantedCollections=app.bsky.feed.post"));
    assert!(!targets[0].contains("cursor="), "a new source tails live");
    assert!(
        targets[1].contains(&format!("cursor={}", largest - 5_000_000)),
        "{}",
        targets[1]
    );
}

#[test]
fn jetstream_with_accounts_is_not_a_firehose_and_checks_its_settings() {
    let source = connectors::build(
        "bluesky_jetstream",
        "team",
        &json!({"dids": ["did:plc:z72i7hdynmk6r22z27h6tvur"]}).to_string(),
        None,
        fetcher(),
    )
    .unwrap();
    assert!(!source.firehose());
    let bad = connectors::build(
        "bluesky_jetstream",
        "team",
        &json!({"dids": ["alice.bsky.social"]}).to_string(),
        None,
        fetcher(),
    )
    .err()
    .expect("refused");
    assert!(bad.to_string().contains("not a DID"), "{bad}");
    let https = connectors::build(
        "bluesky_jetstream",
        "team",
        &json!({"endpoint": "https://jetstream.example/subscribe"}).to_string(),
        None,
        fetcher(),
    )
    .err()
    .expect("refused");
    assert!(https.to_string().contains("wss://"), "{https}");
}

#[tokio::test]
async fn a_websocket_to_a_private_address_is_refused_before_connecting() {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec![],
    };
    let fetcher = Fetcher::new(policy, FetchLimits::default()).unwrap();
    let request =
        rapport_sources::http::FetchRequest::get("ws://127.0.0.1:9/subscribe".parse().unwrap());
    let error = fetcher.open_websocket(request).await.unwrap_err();
    assert!(matches!(error, FetchError::Refused { .. }), "{error}");
}

// ---------------------------------------------------------------------------------------
// X filtered stream

#[derive(Default)]
struct XState {
    /// Bodies of `POST .../rules`.
    changes: Vec<Value>,
    /// Answer the stream with 429 this many times first.
    limited: usize,
}

type XShared = Arc<Mutex<XState>>;

async fn x_rules_list() -> Json<Value> {
    Json(json!({
        "data": [
            {"id": "1001", "value": "old rule", "tag": "rapport:xs"},
            {"id": "1002", "value": "someone else's", "tag": "marketing"},
            {"id": "1003", "value": "orvella -is:retweet", "tag": "rapport:xs"}
        ],
        "meta": {"sent": "2026-03-01T10:00:00.000Z", "result_count": 3}
    }))
}

async fn x_rules_change(State(state): State<XShared>, Json(body): Json<Value>) -> Json<Value> {
    state.lock().unwrap().changes.push(body.clone());
    if let Some(added) = body["add"].as_array() {
        if added.iter().any(|r| r["value"] == "(") {
            return Json(json!({
                "meta": {"sent": "2026-03-01T10:00:00.000Z",
                         "summary": {"created": 0, "not_created": 1, "valid": 0, "invalid": 1}},
                "errors": [{"value": "(", "id": "0", "title": "UnprocessableEntity",
                            "type": "https://api.twitter.com/2/problems/invalid-rules",
                            "details": ["Rules must contain a non-negation term"]}]
            }));
        }
        return Json(json!({
            "data": added.iter().enumerate()
                .map(|(i, r)| json!({"id": format!("20{i}"), "value": r["value"], "tag": r["tag"]}))
                .collect::<Vec<_>>(),
            "meta": {"sent": "2026-03-01T10:00:00.000Z",
                     "summary": {"created": added.len(), "not_created": 0, "valid": added.len(), "invalid": 0}}
        }));
    }
    Json(
        json!({"meta": {"sent": "2026-03-01T10:00:00.000Z", "summary": {"deleted": 1, "not_deleted": 0}}}),
    )
}

async fn x_stream(State(state): State<XShared>, headers: HeaderMap) -> Response {
    assert_eq!(
        headers.get("authorization").unwrap().to_str().unwrap(),
        "Bearer app-token"
    );
    let limited = {
        let mut state = state.lock().unwrap();
        let limited = state.limited > 0;
        state.limited = state.limited.saturating_sub(1);
        limited
    };
    if limited {
        let reset = (chrono::Utc::now().timestamp() + 900).to_string();
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("x-rate-limit-remaining", "0".to_string()), ("x-rate-limit-reset", reset)],
            Json(json!({"title": "ConnectionException", "detail": "This stream is currently at the maximum allowed connection limit.", "type": "https://api.twitter.com/2/problems/streaming-connection", "status": 429})),
        )
            .into_response();
    }
    // The capture without its cut-off line, which a live stream would finish later.
    let capture = String::from_utf8(fixture("x/stream.jsonl")).unwrap();
    let whole: String = capture
        .split_inclusive('\n')
        .filter(|line| line.trim().is_empty() || serde_json::from_str::<Value>(line).is_ok())
        .collect();
    (
        [("content-type", "application/json")],
        trickle(whole.into_bytes(), 4, true),
    )
        .into_response()
}

async fn start_x(state: XShared) -> String {
    start(
        Router::new()
            .route(
                "/2/tweets/search/stream/rules",
                get(x_rules_list).post(x_rules_change),
            )
            .route("/2/tweets/search/stream", get(x_stream))
            .with_state(state),
    )
    .await
}

#[tokio::test]
async fn the_x_stream_owns_its_rules_and_reads_posts_in_windows() {
    let state: XShared = Arc::default();
    let base = start_x(state.clone()).await;
    let mut source = build(
        "x_stream",
        "xs",
        json!({"base": base, "rules": ["orvella -is:retweet", "\"orvella kettle\" lang:en"], "window_secs": 0.2}),
        Some("app-token"),
    );
    let capture = fixture("x/stream.jsonl");
    let expected = ids_in(Network::X, &capture);
    assert!(expected.len() >= 3);
    let mut checkpoint = None;
    let got = poll_until(&mut source, &mut checkpoint, |seen, _| seen == &expected).await;
    assert_eq!(got, expected);
    let changes = state.lock().unwrap().changes.clone();
    assert_eq!(
        changes,
        vec![
            json!({"delete": {"ids": ["1001"]}}),
            json!({"add": [{"value": "\"orvella kettle\" lang:en", "tag": "rapport:xs"}]}),
        ],
        "its stale rule deleted, the missing one added, another tag's rule left alone"
    );
}

#[tokio::test]
async fn the_x_stream_reports_refused_rules_and_waits_when_rate_limited() {
    let state: XShared = Arc::default();
    let base = start_x(state.clone()).await;
    let mut bad = build(
        "x_stream",
        "xs",
        json!({"base": base, "rules": ["orvella -is:retweet", "("]}),
        Some("app-token"),
    );
    let error = bad.poll(None).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("Rules must contain a non-negation term"),
        "{message}"
    );

    state.lock().unwrap().limited = 1;
    let mut limited = build(
        "x_stream",
        "xs",
        json!({"base": base, "rules": ["orvella -is:retweet"]}),
        Some("app-token"),
    );
    let error = limited.poll(None).await.unwrap_err();
    let wait = error.retry_after().expect("a 429 says when to come back");
    assert!(wait > Duration::from_secs(800), "{wait:?}");
}
