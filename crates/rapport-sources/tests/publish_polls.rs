//! Native polls: their limits and reading their results back, against local servers in the
//! documented shapes:
//! - Mastodon `GET /api/v1/statuses/:id` (<https://docs.joinmastodon.org/methods/statuses/#get>)
//!   with its `poll`, then `GET /api/v1/polls/:id`
//!   (<https://docs.joinmastodon.org/methods/polls/#get>, the Poll entity
//!   <https://docs.joinmastodon.org/entities/Poll/>: `expired`, `votes_count`, `options[]`
//!   with `title` and `votes_count`, null while hidden);
//! - X `GET /2/tweets?ids=..&expansions=attachments.poll_ids&poll.fields=options,voting_status`
//!   (<https://docs.x.com/x-api/posts/get-posts-by-ids>): `includes.polls[]` with
//!   `options[{position, label, votes}]` and `voting_status`.

use axum::{
    extract::{Path, Query},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, MastodonPublisher, PollLimits, PollOptionResult, PollSpec, PublishError, Publisher,
    XPublisher,
};
use reqwest::Url;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer token")
}

async fn status(headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The access token is invalid"})),
        )
            .into_response();
    }
    match id.as_str() {
        "111" => Json(json!({"id": "111", "content": "<p>Which colour?</p>",
            "poll": {"id": "34830", "expired": false, "options": []}}))
        .into_response(),
        "222" => {
            Json(json!({"id": "222", "content": "<p>no poll</p>", "poll": null})).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Record not found"})),
        )
            .into_response(),
    }
}

async fn poll(Path(id): Path<String>) -> Response {
    assert_eq!(id, "34830");
    Json(json!({
        "id": "34830", "expires_at": "2026-12-04T16:00:00.000Z", "expired": false,
        "multiple": false, "votes_count": 10, "voters_count": 10, "voted": false,
        "own_votes": [], "emojis": [],
        "options": [{"title": "Sage", "votes_count": 6}, {"title": "Rust", "votes_count": 4}]
    }))
    .into_response()
}

async fn tweets(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    assert!(authorized(&headers));
    assert_eq!(q["expansions"], "attachments.poll_ids");
    assert_eq!(q["poll.fields"], "options,voting_status");
    Json(json!({
        "data": [{"id": q["ids"], "text": "Which colour?",
                  "attachments": {"poll_ids": ["1199786642468413448"]}}],
        "includes": {"polls": [{
            "id": "1199786642468413448", "voting_status": "closed",
            "options": [
                {"position": 2, "label": "Rust", "votes": 3},
                {"position": 1, "label": "Sage", "votes": 9}
            ]
        }]}
    }))
    .into_response()
}

async fn start() -> Url {
    let app = Router::new()
        .route("/api/v1/statuses/{id}", get(status))
        .route("/api/v1/polls/{id}", get(poll))
        .route("/2/tweets", get(tweets));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Url::parse(&format!("http://localhost:{port}")).unwrap()
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

#[tokio::test]
async fn mastodon_polls_are_read_through_the_status_then_the_poll() {
    let base = start().await;
    let mastodon = MastodonPublisher::new(fetcher(), base.clone(), "token".into());
    let results = mastodon.poll_results("111").await.unwrap().expect("a poll");
    assert!(results.open);
    assert_eq!(results.total_votes, Some(10));
    assert_eq!(
        results.options,
        vec![
            PollOptionResult {
                label: "Sage".into(),
                votes: Some(6)
            },
            PollOptionResult {
                label: "Rust".into(),
                votes: Some(4)
            },
        ]
    );
    assert_eq!(mastodon.poll_results("222").await, Ok(None));
    assert!(matches!(
        mastodon.poll_results("999").await,
        Err(PublishError::Rejected { .. })
    ));
    assert!(matches!(
        mastodon.poll_results("../x").await,
        Err(PublishError::NotSupported(_))
    ));
    let wrong = MastodonPublisher::new(fetcher(), base, "nope".into());
    assert!(matches!(
        wrong.poll_results("111").await,
        Err(PublishError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn x_polls_are_read_with_the_poll_expansion() {
    let base = start().await;
    let x = XPublisher::new(fetcher(), base, "token".into());
    let results = x
        .poll_results("1860000000000000001")
        .await
        .unwrap()
        .expect("a poll");
    assert!(!results.open);
    assert_eq!(results.total_votes, Some(12));
    let labels: Vec<&str> = results.options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, vec!["Sage", "Rust"]);
}

#[test]
fn poll_limits_say_what_does_not_fit() {
    let poll = |options: &[&str], minutes: u64| PollSpec {
        options: options.iter().map(|o| o.to_string()).collect(),
        duration: Duration::from_secs(minutes * 60),
    };
    assert_eq!(PollLimits::X.check("X", &poll(&["a", "b"], 60)), None);
    assert_eq!(
        PollLimits::X
            .check("X", &poll(&["a", "an option longer than 25 chars"], 60))
            .unwrap(),
        "the option \"an option longer than 25 chars\" is 30 characters; X allows 25"
    );
    assert!(PollLimits::X
        .check("X", &poll(&["a", "b"], 20_000))
        .unwrap()
        .contains("5 to 10080 minutes"));
    assert!(PollLimits::MASTODON_DEFAULT
        .check("Mastodon", &poll(&["a", "b", "c", "d", "e"], 60))
        .unwrap()
        .contains("2 to 4 options"));
    // A Mastodon account's own limits come from its settings.
    let built = publish::build(
        "mastodon",
        &json!({"instance": "https://m.example", "max_poll_options": 6,
                "max_poll_option_characters": 100}),
        "t",
        fetcher(),
    )
    .unwrap();
    let limits = built.poll_limits().unwrap();
    assert_eq!((limits.max_options, limits.max_option_chars), (6, 100));
    let wp = publish::build(
        "wordpress",
        &json!({"site": "https://b.example", "username": "u"}),
        "p",
        fetcher(),
    )
    .unwrap();
    assert_eq!(wp.poll_limits(), None);
}
