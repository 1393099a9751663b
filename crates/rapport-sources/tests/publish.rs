//! Replies through a local server that answers like Mastodon's `POST /api/v1/statuses`
//! (<https://docs.joinmastodon.org/methods/statuses/#create>: form or JSON parameters
//! `status`, `in_reply_to_id`, `visibility`; the `Idempotency-Key` header makes a repeated
//! request return the status already created; errors are `{"error": "..."}` with 401, 422
//! or 429, the last with `X-RateLimit-Reset`; see also
//! <https://docs.joinmastodon.org/api/rate-limits/>).

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::post,
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    MastodonPublisher, Outgoing, PollSpec, PublishError, Publisher, ReplyTarget,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "write-token";

/// What the fake instance saw and made.
#[derive(Default)]
struct Instance {
    /// Statuses created, in order: (id, body).
    created: Vec<(String, Value)>,
    /// Idempotency key to the id of the status it created.
    keys: HashMap<String, String>,
    /// Requests to refuse with 429 before accepting again.
    rate_limited: usize,
}

type Shared = Arc<Mutex<Instance>>;

async fn create_status(
    State(instance): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            HeaderMap::new(),
            Json(json!({"error": "The access token is invalid"})),
        );
    }
    let mut instance = instance.lock().unwrap();
    if instance.rate_limited > 0 {
        instance.rate_limited -= 1;
        let mut limited = HeaderMap::new();
        let reset = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).to_rfc3339();
        limited.insert("x-ratelimit-limit", "300".parse().unwrap());
        limited.insert("x-ratelimit-remaining", "0".parse().unwrap());
        limited.insert("x-ratelimit-reset", reset.parse().unwrap());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            limited,
            Json(json!({"error": "Too many requests"})),
        );
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(id) = key.as_ref().and_then(|k| instance.keys.get(k)).cloned() {
        let body = instance
            .created
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, b)| b.clone())
            .unwrap();
        return (StatusCode::OK, HeaderMap::new(), Json(status(&id, &body)));
    }
    let text = body["status"].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            HeaderMap::new(),
            Json(json!({"error": "Validation failed: Text can't be blank"})),
        );
    }
    if text.chars().count() > 500 {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            HeaderMap::new(),
            Json(json!({"error": "Validation failed: Text character limit of 500 exceeded"})),
        );
    }
    let id = format!("1100{}", instance.created.len() + 1);
    instance.created.push((id.clone(), body.clone()));
    if let Some(key) = key {
        instance.keys.insert(key, id.clone());
    }
    (StatusCode::OK, HeaderMap::new(), Json(status(&id, &body)))
}

/// A Status entity, in the documented shape (fields we do not read trimmed).
fn status(id: &str, request: &Value) -> Value {
    json!({
        "id": id,
        "created_at": "2026-11-23T10:00:00.000Z",
        "in_reply_to_id": request["in_reply_to_id"],
        "in_reply_to_account_id": "14715",
        "sensitive": false,
        "spoiler_text": "",
        "visibility": request["visibility"],
        "language": "en",
        "uri": format!("https://social.example/users/orvella/statuses/{id}"),
        "url": format!("https://social.example/@orvella/{id}"),
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": format!("<p>{}</p>", request["status"].as_str().unwrap_or_default()),
        "account": {"id": "1", "username": "orvella", "acct": "orvella"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        // The Poll entity (https://docs.joinmastodon.org/entities/Poll/) when one was asked.
        "poll": request.get("poll").map(|poll| json!({
            "id": "34830",
            "expires_at": "2026-11-24T10:00:00.000Z",
            "expired": false,
            "multiple": false,
            "votes_count": 0,
            "voters_count": 0,
            "options": poll["options"].as_array().unwrap().iter()
                .map(|title| json!({"title": title, "votes_count": 0}))
                .collect::<Vec<_>>(),
            "emojis": [],
            "voted": false,
            "own_votes": []
        }))
    })
}

async fn start() -> (Url, Shared) {
    let instance: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v1/statuses", post(create_status))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}")).unwrap(),
        instance,
    )
}

fn publisher(instance: Url, token: &str) -> MastodonPublisher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let fetcher = Fetcher::new(policy, FetchLimits::default()).unwrap();
    MastodonPublisher::new(fetcher, instance, token.to_string())
}

fn target() -> ReplyTarget {
    ReplyTarget {
        native_id: "109876".into(),
        author_handle: "anna@mastodon.social".into(),
        url: None,
    }
}

#[tokio::test]
async fn a_reply_is_threaded_mentions_the_author_and_is_sent_once_per_key() {
    let (url, instance) = start().await;
    let publisher = publisher(url, TOKEN);
    let sent = publisher
        .reply(&target(), "Sorry to hear that, we are on it.", "reply-1")
        .await
        .expect("sent");
    assert_eq!(sent.native_id, "11001");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://social.example/@orvella/11001")
    );
    // A retry with the same key (a timeout, a crash before the commit) posts nothing new.
    let again = publisher
        .reply(&target(), "Sorry to hear that, we are on it.", "reply-1")
        .await
        .expect("sent again");
    assert_eq!(again, sent);
    let created = instance.lock().unwrap().created.clone();
    assert_eq!(created.len(), 1, "one status for one key");
    let body = &created[0].1;
    assert_eq!(body["in_reply_to_id"], "109876");
    assert_eq!(body["visibility"], "public");
    assert_eq!(
        body["status"],
        "@anna@mastodon.social Sorry to hear that, we are on it."
    );
    // A new key is a new reply; a text that already mentions the author is left alone.
    publisher
        .reply(&target(), "@anna@mastodon.social fixed now!", "reply-2")
        .await
        .unwrap();
    let created = instance.lock().unwrap().created.clone();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].1["status"], "@anna@mastodon.social fixed now!");
}

#[tokio::test]
async fn a_new_post_with_a_poll_is_sent_once_per_key_and_not_threaded() {
    let (url, instance) = start().await;
    let publisher = publisher(url, TOKEN);
    let post = Outgoing {
        text: "Which colour should the next kettle come in?".into(),
        poll: Some(PollSpec {
            options: vec!["Sage".into(), "Rust".into(), "Slate".into()],
            duration: std::time::Duration::from_secs(86_400),
        }),
        in_reply_to: None,
        ..Outgoing::default()
    };
    let sent = publisher.publish(&post, "post-1").await.expect("sent");
    let again = publisher.publish(&post, "post-1").await.expect("retried");
    assert_eq!(sent, again);
    assert_eq!(publisher.find_published(&post, "post-1").await, Ok(None));
    let created = instance.lock().unwrap().created.clone();
    assert_eq!(created.len(), 1, "one status for one key");
    let body = &created[0].1;
    assert!(body.get("in_reply_to_id").is_none(), "not a reply: {body}");
    assert_eq!(
        body["status"],
        "Which colour should the next kettle come in?"
    );
    assert_eq!(body["poll"]["options"], json!(["Sage", "Rust", "Slate"]));
    assert_eq!(body["poll"]["expires_in"], 86_400);
}

#[tokio::test]
async fn refusals_carry_the_networks_message_and_say_whether_to_retry() {
    let (url, instance) = start().await;
    let wrong = publisher(url.clone(), "stolen");
    let error = wrong.reply(&target(), "hi", "k1").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Unauthorized {
            network: "Mastodon",
            message: "The access token is invalid".into()
        }
    );
    assert!(!error.is_retryable());

    let right = publisher(url, TOKEN);
    let long = "x".repeat(600);
    let error = right.reply(&target(), &long, "k2").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("character limit")),
        "{error:?}"
    );
    assert!(!error.is_retryable());

    instance.lock().unwrap().rate_limited = 1;
    let error = right.reply(&target(), "hi", "k3").await.unwrap_err();
    match &error {
        PublishError::RateLimited { retry_after, .. } => {
            assert!(
                retry_after.as_secs() > 20 && retry_after.as_secs() <= 31,
                "{retry_after:?}"
            )
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(error.is_retryable());
    // After the wait the same key goes through, once.
    right.reply(&target(), "hi", "k3").await.unwrap();
    assert_eq!(instance.lock().unwrap().created.len(), 1);
}

#[tokio::test]
async fn a_private_instance_address_is_refused_before_any_request() {
    let fetcher = Fetcher::new(SafetyPolicy::public_only(), FetchLimits::default()).unwrap();
    let publisher = MastodonPublisher::new(
        fetcher,
        Url::parse("http://127.0.0.1:9/").unwrap(),
        TOKEN.into(),
    );
    let error = publisher.reply(&target(), "hi", "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(message) if message.contains("refused")),
        "{error:?}"
    );
}
