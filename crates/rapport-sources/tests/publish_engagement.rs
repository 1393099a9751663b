//! Reading a published post's public counts back (`Publisher::engagement`), against local
//! servers answering in the documented shapes:
//! - Mastodon `GET /api/v1/statuses/:id` (<https://docs.joinmastodon.org/methods/statuses/#get>,
//!   the Status entity <https://docs.joinmastodon.org/entities/Status/>: `favourites_count`,
//!   `reblogs_count`, `replies_count`); a deleted status is 404 `{"error": "Record not found"}`;
//!   429 carries `X-RateLimit-Reset` (<https://docs.joinmastodon.org/api/rate-limits/>);
//! - Bluesky `app.bsky.feed.getPosts?uris=..`
//!   (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>): `posts[]` of `postView` with
//!   `likeCount`, `repostCount`, `replyCount`, `quoteCount`; a deleted post is left out;
//! - X `GET /2/tweets?ids=..&tweet.fields=public_metrics`
//!   (<https://docs.x.com/x-api/posts/get-posts-by-ids>, <https://developer.x.com/en/docs/x-api/metrics>):
//!   `data[].public_metrics` with `like_count`, `retweet_count`, `reply_count`, `quote_count`,
//!   `impression_count`; a deleted post is only in `errors[]` ("Not Found Error");
//! - Facebook `GET /{post-id}?fields=reactions.summary(total_count),shares,comments.summary(true)`
//!   (<https://developers.facebook.com/docs/graph-api/reference/v2.7/object/reactions>):
//!   `reactions.summary.total_count`, `shares.count`, `comments.summary.total_count`; a deleted
//!   post is error code 100, subcode 33.

use axum::{
    extract::{Path, Query},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, BlueskyPublisher, EngagementAnswer, EngagementCounts, FacebookPublisher,
    MastodonPublisher, PublishError, Publisher, XPublisher,
};
use reqwest::Url;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok())
}

async fn mastodon_status(headers: HeaderMap, Path(id): Path<String>) -> Response {
    assert_eq!(bearer(&headers), Some("Bearer token"));
    match id.as_str() {
        "109" => Json(json!({
            "id": "109", "created_at": "2026-12-01T10:00:00.000Z", "visibility": "public",
            "uri": "https://m.example/users/acme/statuses/109", "content": "<p>New release</p>",
            "replies_count": 3, "reblogs_count": 7, "favourites_count": 42,
            "url": "https://m.example/@acme/109", "poll": null
        }))
        .into_response(),
        "429" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "120")],
            Json(json!({"error": "Too many requests"})),
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Record not found"})),
        )
            .into_response(),
    }
}

async fn bluesky_session() -> Response {
    Json(
        json!({"accessJwt": "jwt", "refreshJwt": "r", "handle": "acme.bsky.social",
                "did": "did:plc:acme"}),
    )
    .into_response()
}

async fn bluesky_get_posts(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(bearer(&headers), Some("Bearer jwt"));
    let uri = q["uris"].clone();
    if uri.ends_with("/ratelimited") {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("ratelimit-reset", "9999999999"), ("retry-after", "30")],
            Json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
        )
            .into_response();
    }
    if uri.ends_with("/gone") {
        return Json(json!({"posts": []})).into_response();
    }
    Json(json!({"posts": [{
        "uri": uri, "cid": "bafyreib2rxk3rh6kzwq",
        "author": {"did": "did:plc:acme", "handle": "acme.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": "New release",
                   "createdAt": "2026-12-01T10:00:00.000Z"},
        "replyCount": 2, "repostCount": 5, "likeCount": 31, "quoteCount": 1,
        "indexedAt": "2026-12-01T10:00:01.000Z", "labels": []
    }]}))
    .into_response()
}

async fn x_tweets(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    assert_eq!(bearer(&headers), Some("Bearer token"));
    assert_eq!(q["tweet.fields"], "public_metrics");
    match q["ids"].as_str() {
        "1860000000000000001" => Json(json!({"data": [{
            "id": "1860000000000000001", "text": "New release",
            "edit_history_tweet_ids": ["1860000000000000001"],
            "public_metrics": {"retweet_count": 4, "reply_count": 6, "like_count": 50,
                               "quote_count": 2, "bookmark_count": 1, "impression_count": 2100}
        }]}))
        .into_response(),
        "1860000000000000429" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("x-rate-limit-reset", "9999999999")],
            Json(
                json!({"title": "Too Many Requests", "detail": "Too Many Requests",
                        "type": "about:blank", "status": 429}),
            ),
        )
            .into_response(),
        id => Json(json!({"errors": [{
            "value": id, "detail": format!("Could not find tweet with ids: [{id}]."),
            "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
            "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"
        }]}))
        .into_response(),
    }
}

async fn facebook_post(
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["access_token"], "page-token");
    assert_eq!(
        q["fields"],
        "reactions.summary(total_count),shares,comments.summary(true)"
    );
    match id.as_str() {
        "1234_5678" => Json(json!({
            "reactions": {"data": [], "summary": {"total_count": 17, "viewer_reaction": "NONE"}},
            "shares": {"count": 3},
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": 4,
                                                 "can_comment": true}},
            "id": "1234_5678"
        }))
        .into_response(),
        "1234_0000" => Json(json!({
            // Nobody shared it yet: `shares` is absent.
            "reactions": {"data": [], "summary": {"total_count": 0}},
            "comments": {"data": [], "summary": {"total_count": 0}},
            "id": "1234_0000"
        }))
        .into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {
                "message": "Unsupported get request. Object with ID '1234_9' does not exist",
                "type": "GraphMethodException", "code": 100, "error_subcode": 33,
                "fbtrace_id": "AbC"}})),
        )
            .into_response(),
    }
}

async fn start() -> Url {
    let app = Router::new()
        .route("/api/v1/statuses/{id}", get(mastodon_status))
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(bluesky_session),
        )
        .route("/xrpc/app.bsky.feed.getPosts", get(bluesky_get_posts))
        .route("/2/tweets", get(x_tweets))
        .route("/v21.0/{id}", get(facebook_post));
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
async fn mastodon_counts_deleted_and_rate_limited() {
    let base = start().await;
    let mastodon = MastodonPublisher::new(fetcher(), base, "token".into());
    assert_eq!(
        mastodon.engagement("109").await.unwrap(),
        EngagementAnswer::Counts(EngagementCounts {
            likes: Some(42),
            reposts: Some(7),
            replies: Some(3),
            quotes: None,
            impressions: None,
        })
    );
    assert_eq!(
        mastodon.engagement("404").await.unwrap(),
        EngagementAnswer::Deleted
    );
    match mastodon.engagement("429").await {
        Err(PublishError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Duration::from_secs(120))
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(matches!(
        mastodon.engagement("../admin").await,
        Err(PublishError::NotSupported(_))
    ));
}

#[tokio::test]
async fn bluesky_counts_come_from_get_posts() {
    let base = start().await;
    let bluesky = BlueskyPublisher::new(fetcher(), base, "acme.bsky.social".into(), "pw".into());
    let uri = "at://did:plc:acme/app.bsky.feed.post/3lbcd";
    let answer = bluesky.engagement(uri).await.unwrap();
    assert_eq!(
        answer,
        EngagementAnswer::Counts(EngagementCounts {
            likes: Some(31),
            reposts: Some(5),
            replies: Some(2),
            quotes: Some(1),
            impressions: None,
        })
    );
    if let EngagementAnswer::Counts(counts) = answer {
        assert_eq!(counts.total(), 39);
    }
    assert_eq!(
        bluesky
            .engagement("at://did:plc:acme/app.bsky.feed.post/gone")
            .await
            .unwrap(),
        EngagementAnswer::Deleted
    );
    assert!(matches!(
        bluesky
            .engagement("at://did:plc:acme/app.bsky.feed.post/ratelimited")
            .await,
        Err(PublishError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn x_counts_include_impressions() {
    let base = start().await;
    let x = XPublisher::new(fetcher(), base, "token".into());
    assert_eq!(
        x.engagement("1860000000000000001").await.unwrap(),
        EngagementAnswer::Counts(EngagementCounts {
            likes: Some(50),
            reposts: Some(4),
            replies: Some(6),
            quotes: Some(2),
            impressions: Some(2100),
        })
    );
    assert_eq!(
        x.engagement("1860000000000000404").await.unwrap(),
        EngagementAnswer::Deleted
    );
    assert!(matches!(
        x.engagement("1860000000000000429").await,
        Err(PublishError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn facebook_counts_reactions_shares_and_comments() {
    let base = start().await;
    let api = base.join("/v21.0").unwrap();
    let facebook = FacebookPublisher::new(fetcher(), api, "1234".into(), "page-token".into());
    assert_eq!(
        facebook.engagement("1234_5678").await.unwrap(),
        EngagementAnswer::Counts(EngagementCounts {
            likes: Some(17),
            reposts: Some(3),
            replies: Some(4),
            quotes: None,
            impressions: None,
        })
    );
    assert_eq!(
        facebook.engagement("1234_0000").await.unwrap(),
        EngagementAnswer::Counts(EngagementCounts {
            likes: Some(0),
            reposts: Some(0),
            replies: Some(0),
            quotes: None,
            impressions: None,
        })
    );
    assert_eq!(
        facebook.engagement("1234_9").await.unwrap(),
        EngagementAnswer::Deleted
    );
}

#[tokio::test]
async fn wordpress_and_micropub_say_not_available() {
    let wp = publish::build(
        "wordpress",
        &json!({"site": "https://b.example", "username": "u"}),
        "p",
        fetcher(),
    )
    .unwrap();
    match wp.engagement("12").await.unwrap() {
        EngagementAnswer::Unsupported(message) => {
            assert!(message.contains("WordPress"), "{message}");
            assert!(message.contains("not available"), "{message}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let micropub = publish::build(
        "micropub",
        &json!({"endpoint": "https://b.example/micropub"}),
        "t",
        fetcher(),
    )
    .unwrap();
    assert!(matches!(
        micropub.engagement("https://b.example/1").await.unwrap(),
        EngagementAnswer::Unsupported(_)
    ));
}
