//! Posts, polls and replies through a local server that answers like the X API v2:
//! - `POST /2/tweets` (<https://docs.x.com/x-api/posts/creation-of-a-post>): `{text,
//!   reply: {in_reply_to_tweet_id}, poll: {options, duration_minutes}}` → 201
//!   `{"data": {"id", "text"}}`; the same text twice is 403 "You are not allowed to create a
//!   Tweet with duplicate content.";
//! - `GET /2/users/me` (<https://docs.x.com/x-api/users/user-lookup-me>) →
//!   `{"data": {"id", "name", "username"}}`, with `user.fields=public_metrics` also
//!   `"public_metrics": {"followers_count", "following_count", "tweet_count",
//!   "listed_count", "like_count", "media_count"}`
//!   (<https://docs.x.com/x-api/users/lookup/quickstart/user-lookup>);
//! - `GET /2/users/{id}/tweets` (<https://docs.x.com/x-api/users/get-posts>), newest first,
//!   `max_results`, `tweet.fields=referenced_tweets`; texts come back as X shows them:
//!   links as `t.co`, `&` as `&amp;`, a reply's mentions in front;
//! - errors as problem details `{"title", "detail", "type", "status"}` or
//!   `{"errors": [...], "title", "detail", "type"}`
//!   (<https://docs.x.com/x-api/fundamentals/response-codes-and-errors>), 429 with
//!   `x-rate-limit-*` headers (<https://docs.x.com/x-api/fundamentals/rate-limits>).

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, LengthRule, Outgoing, PollSpec, PublishError, Publisher, ReplyTarget, XPublisher,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "x-user-token";
/// A token of the app alone (OAuth 2.0 application-only), which cannot post.
const APP_ONLY: &str = "x-app-only-token";
const USER_ID: &str = "1587000000000000001";

/// What the fake API saw and holds.
#[derive(Default)]
struct Api {
    /// Posts created, oldest first: (id, request body).
    tweets: Vec<(String, Value)>,
    /// POST /2/tweets calls, also refused ones.
    create_calls: usize,
    /// Timeline reads.
    timeline_reads: usize,
    /// `GET /2/users/me` reads.
    me_reads: usize,
    rate_limited: usize,
    failing: usize,
    /// Calls to carry out and then answer 503 (the answer lost).
    losing: usize,
    /// Unrelated posts to add after each created one (to push it out of the lookback).
    noise_after_each: usize,
}

type Shared = Arc<Mutex<Api>>;

fn problem(status: StatusCode, title: &str, detail: &str, kind: &str) -> Response {
    (
        status,
        Json(json!({"title": title, "detail": detail, "type": kind, "status": status.as_u16()})),
    )
        .into_response()
}

fn authorize(headers: &HeaderMap) -> Option<Response> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == format!("Bearer {TOKEN}") => None,
        Some(v) if v == format!("Bearer {APP_ONLY}") => Some(problem(
            StatusCode::FORBIDDEN,
            "Unsupported Authentication",
            "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  \
             Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
            "https://api.twitter.com/2/problems/unsupported-authentication",
        )),
        _ => Some(problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
            "about:blank",
        )),
    }
}

async fn create_tweet(
    State(api): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = authorize(&headers) {
        return refused;
    }
    let mut api = api.lock().unwrap();
    api.create_calls += 1;
    if api.rate_limited > 0 {
        api.rate_limited -= 1;
        let reset = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).timestamp();
        let mut limited = HeaderMap::new();
        limited.insert("x-rate-limit-limit", "200".parse().unwrap());
        limited.insert("x-rate-limit-remaining", "0".parse().unwrap());
        limited.insert("x-rate-limit-reset", reset.to_string().parse().unwrap());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            limited,
            Json(
                json!({"title": "Too Many Requests", "detail": "Too Many Requests",
                        "type": "about:blank", "status": 429}),
            ),
        )
            .into_response();
    }
    if api.failing > 0 {
        api.failing -= 1;
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "Service Unavailable",
            "about:blank",
        );
    }
    let text = body["text"].as_str().unwrap_or_default().to_string();
    if text.trim().is_empty() || LengthRule::X.count(&text) > 280 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "errors": [{"parameters": {"text": [text]},
                            "message": "Your Tweet text is too long or empty."}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request"
            })),
        )
            .into_response();
    }
    let duplicate = api
        .tweets
        .iter()
        .any(|(_, earlier)| earlier["text"] == body["text"]);
    if duplicate {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
            "about:blank",
        );
    }
    let id = format!("18600000000000{:05}", api.tweets.len() + 1);
    api.tweets.push((id.clone(), body.clone()));
    for _ in 0..api.noise_after_each {
        let noise = format!("18600000000000{:05}", api.tweets.len() + 1);
        let text = format!("unrelated post {noise}");
        api.tweets.push((noise, json!({"text": text})));
    }
    if api.losing > 0 {
        api.losing -= 1;
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "Service Unavailable",
            "about:blank",
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({"data": {"id": id, "text": text, "edit_history_tweet_ids": [id]}})),
    )
        .into_response()
}

async fn me(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = authorize(&headers) {
        return refused;
    }
    let mut api = api.lock().unwrap();
    api.me_reads += 1;
    let mut user = json!({"id": USER_ID, "name": "Acme", "username": "acmeco"});
    let fields = query.get("user.fields").map(String::as_str).unwrap_or("");
    if fields.split(',').any(|f| f == "public_metrics") {
        user["public_metrics"] = json!({
            "followers_count": 15_230, "following_count": 310, "tweet_count": 4_112,
            "listed_count": 87, "like_count": 905, "media_count": 240
        });
    }
    Json(json!({"data": user})).into_response()
}

/// A text as the timeline shows it: links shortened, `&` escaped.
fn as_shown(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.starts_with("https://") || word.starts_with("http://") {
                "https://t.co/Zx9Qa1Bc2d".to_string()
            } else {
                word.replace('&', "&amp;")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn user_tweets(
    State(api): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = authorize(&headers) {
        return refused;
    }
    let mut api = api.lock().unwrap();
    api.timeline_reads += 1;
    assert_eq!(id, USER_ID);
    let max: usize = query["max_results"].parse().unwrap();
    assert!((5..=100).contains(&max));
    let with_references = query
        .get("tweet.fields")
        .is_some_and(|f| f.split(',').any(|f| f == "referenced_tweets"));
    let data: Vec<Value> = api
        .tweets
        .iter()
        .rev()
        .take(max)
        .map(|(id, body)| {
            let mut text = as_shown(body["text"].as_str().unwrap_or_default());
            let mut tweet = json!({"id": id, "edit_history_tweet_ids": [id]});
            if let Some(parent) = body["reply"]["in_reply_to_tweet_id"].as_str() {
                text = format!("@anna_k {text}");
                if with_references {
                    tweet["referenced_tweets"] = json!([{"type": "replied_to", "id": parent}]);
                }
            }
            tweet["text"] = json!(text);
            tweet
        })
        .collect();
    if data.is_empty() {
        return Json(json!({"meta": {"result_count": 0}})).into_response();
    }
    let meta = json!({
        "result_count": data.len(),
        "newest_id": data[0]["id"],
        "oldest_id": data[data.len() - 1]["id"],
    });
    Json(json!({"data": data, "meta": meta})).into_response()
}

async fn start() -> (Url, Shared) {
    let api: Shared = Arc::default();
    let app = Router::new()
        .route("/2/tweets", post(create_tweet))
        .route("/2/users/me", get(me))
        .route("/2/users/{id}/tweets", get(user_tweets))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}")).unwrap(),
        api,
    )
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn publisher(api: Url, token: &str) -> XPublisher {
    XPublisher::new(fetcher(), api, token.into())
}

fn text(text: &str) -> Outgoing {
    Outgoing {
        text: text.into(),
        ..Outgoing::default()
    }
}

#[tokio::test]
async fn a_post_with_a_poll_and_a_reply_are_sent_in_the_documented_shape() {
    let (url, api) = start().await;
    let publisher = publisher(url, TOKEN);
    let poll = Outgoing {
        poll: Some(PollSpec {
            options: vec!["Sage".into(), "Rust".into(), "Slate".into()],
            duration: Duration::from_secs(86_400),
        }),
        ..text("Which colour should the next kettle come in?")
    };
    let sent = publisher.publish(&poll, "post-1").await.expect("sent");
    assert_eq!(sent.native_id, "1860000000000000001");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://x.com/i/web/status/1860000000000000001")
    );
    let target = ReplyTarget {
        native_id: "1859000000000000042".into(),
        author_handle: "anna_k".into(),
        url: None,
    };
    // X adds the thread's mentions itself: the text is sent as given.
    assert_eq!(publisher.reply_text(&target, "On it!"), "On it!");
    publisher
        .reply(&target, "Sorry about that, a fix is coming.", "reply-1")
        .await
        .expect("sent");

    // A poll shorter than 5 minutes is refused before any request.
    let short = Outgoing {
        poll: Some(PollSpec {
            options: vec!["a".into(), "b".into()],
            duration: Duration::from_secs(120),
        }),
        ..text("quick one")
    };
    let error = publisher.publish(&short, "post-2").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("5 minutes")),
        "{error:?}"
    );

    let api = api.lock().unwrap();
    assert_eq!(api.create_calls, 2);
    assert_eq!(
        api.tweets[0].1,
        json!({
            "text": "Which colour should the next kettle come in?",
            "poll": {"options": ["Sage", "Rust", "Slate"], "duration_minutes": 1440}
        })
    );
    assert_eq!(
        api.tweets[1].1,
        json!({
            "text": "Sorry about that, a fix is coming.",
            "reply": {"in_reply_to_tweet_id": "1859000000000000042"}
        })
    );
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_found_and_not_sent_twice() {
    let (url, api) = start().await;
    let publisher = publisher(url, TOKEN);
    // The caller "crashed" after X created the post: it never saw the answer.
    let post = text("Fixed & shipped: https://acme.example/notes/42");
    let first = publisher.publish(&post, "post-1").await.expect("sent");
    // Before a retry it asks: X has it, whatever X did to the link and the ampersand.
    let found = publisher
        .find_published(&post, "post-1")
        .await
        .expect("read");
    assert_eq!(found, Some(first.clone()));
    // Nothing else with that text.
    assert_eq!(
        publisher
            .find_published(&text("never posted"), "post-2")
            .await,
        Ok(None)
    );

    // The API created the post but the answer was lost (503): the outcome is unknown...
    api.lock().unwrap().losing = 1;
    let reply = Outgoing {
        in_reply_to: Some("1859000000000000042".into()),
        ..text("We are on it, sorry!")
    };
    let error = publisher.publish(&reply, "reply-1").await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    // ...and reconciliation finds it, the reply's leading mention notwithstanding.
    let found = publisher
        .find_published(&reply, "reply-1")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.native_id, "1860000000000000002");
    // The same text as a new post (not a reply) is not that reply.
    assert_eq!(
        publisher
            .find_published(&text("We are on it, sorry!"), "x")
            .await,
        Ok(None)
    );
    // A caller that retries without asking gets the duplicate-content 403, which the
    // publisher turns into the same lookup: still one post.
    let again = publisher
        .publish(&reply, "reply-1")
        .await
        .expect("reconciled");
    assert_eq!(again, found);
    let api = api.lock().unwrap();
    assert_eq!(api.tweets.len(), 2);
    assert_eq!(api.create_calls, 3);
}

#[tokio::test]
async fn the_lookup_sees_only_the_recent_posts() {
    let (url, api) = start().await;
    let publisher = publisher(url, TOKEN);
    let post = text("Old news");
    publisher.publish(&post, "post-1").await.expect("sent");
    {
        let mut api = api.lock().unwrap();
        api.noise_after_each = 25;
    }
    publisher.publish(&text("push"), "post-2").await.unwrap();
    // Beyond the 20 newest posts: not found (the documented limit).
    assert_eq!(publisher.find_published(&post, "post-1").await, Ok(None));
    // A duplicate that cannot be found stays X's refusal.
    let error = publisher.publish(&post, "post-1").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("duplicate content")),
        "{error:?}"
    );
}

#[tokio::test]
async fn refusals_map_to_publish_errors() {
    let (url, api) = start().await;

    let wrong = publisher(url.clone(), "stolen");
    let error = wrong.publish(&text("hi"), "k1").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Unauthorized {
            network: "X",
            message: "Unauthorized".into()
        }
    );
    let app_only = publisher(url.clone(), APP_ONLY);
    let error = app_only.publish(&text("hi"), "k1").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Unauthorized { message, .. } if message.contains("Application-Only")),
        "{error:?}"
    );
    assert!(!error.is_retryable());

    let right = publisher(url, TOKEN);
    let error = right
        .publish(&text(&"語".repeat(141)), "k2")
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PublishError::Rejected {
            network: "X",
            message: "One or more parameters to your request was invalid.: \
                      Your Tweet text is too long or empty."
                .into()
        }
    );
    assert!(!error.is_retryable());

    api.lock().unwrap().rate_limited = 1;
    let error = right.publish(&text("hi"), "k3").await.unwrap_err();
    match &error {
        PublishError::RateLimited { retry_after, .. } => assert!(
            retry_after.as_secs() > 20 && retry_after.as_secs() <= 31,
            "{retry_after:?}"
        ),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(error.is_retryable());

    api.lock().unwrap().failing = 1;
    let error = right.publish(&text("hi"), "k3").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Transient {
            network: "X",
            message: "Service Unavailable".into()
        }
    );
    right.publish(&text("hi"), "k3").await.expect("sent");
    assert_eq!(api.lock().unwrap().tweets.len(), 1);
}

#[tokio::test]
async fn a_private_api_address_is_refused_before_any_request() {
    let fetcher = Fetcher::new(SafetyPolicy::public_only(), FetchLimits::default()).unwrap();
    let publisher = XPublisher::new(
        fetcher,
        Url::parse("http://127.0.0.1:9/").unwrap(),
        TOKEN.into(),
    );
    let error = publisher.publish(&text("hi"), "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(message) if message.contains("refused")),
        "{error:?}"
    );
    let error = publisher
        .find_published(&text("hi"), "k")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(message) if message.contains("refused")),
        "{error:?}"
    );
}

#[tokio::test]
async fn build_makes_an_x_publisher_that_never_prints_its_token() {
    let (url, _api) = start().await;
    let built =
        publish::build("x", &json!({"api": url.as_str()}), TOKEN, fetcher()).expect("built");
    assert_eq!(built.network(), rapport_model::Network::X);
    assert_eq!(built.length_rule(), LengthRule::X);
    assert_eq!(built.max_length(), 280);
    assert_eq!(
        built.length("日本 https://acme.example/a/long/path"),
        4 + 1 + 23
    );
    built
        .publish(&text("built and sent"), "k")
        .await
        .expect("sent");
    // The default API needs no setting.
    publish::build("x", &json!({}), TOKEN, fetcher()).expect("default api");
    let shown = format!(
        "{:?}",
        publisher(Url::parse("https://api.x.com").unwrap(), TOKEN)
    );
    assert!(
        shown.contains("api.x.com") && !shown.contains(TOKEN),
        "{shown}"
    );
    assert!(publish::ACCOUNT_KINDS.contains(&"x"));
    assert!(publish::no_publisher_reason(rapport_model::Network::X).is_none());
    assert_eq!(
        publish::reply_account_kinds(rapport_model::Network::X),
        ["x"]
    );
    assert!(publish::no_publisher_reason(rapport_model::Network::Reddit).is_some());
}

#[tokio::test]
async fn followers_come_from_the_accounts_public_metrics() {
    let (url, api) = start().await;
    let right = publisher(url.clone(), TOKEN);
    assert_eq!(right.followers().await, Ok(Some(15_230)));
    // The id came with it: the lookup of a lost post does not ask for it again.
    assert_eq!(right.find_published(&text("never"), "k").await, Ok(None));
    assert_eq!(api.lock().unwrap().me_reads, 1);
    let wrong = publisher(url, "stolen");
    assert!(matches!(
        wrong.followers().await,
        Err(PublishError::Unauthorized { .. })
    ));
}
