//! A Mastodon account's limits read from its instance, and its followers, against a local
//! server answering in the documented shapes:
//! - `GET /api/v2/instance` (<https://docs.joinmastodon.org/methods/instance/#v2>), the
//!   Instance entity (<https://docs.joinmastodon.org/entities/Instance/>) with
//!   `configuration.statuses`, `configuration.media_attachments` and
//!   `configuration.polls`;
//! - `GET /api/v1/accounts/verify_credentials`
//!   (<https://docs.joinmastodon.org/methods/accounts/#verify_credentials>), a
//!   CredentialAccount with `followers_count`
//!   (<https://docs.joinmastodon.org/entities/Account/#followers_count>); 401
//!   `{"error": "The access token is invalid"}` for a bad token.

use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::mastodon::{instance_limits, InstanceLimits};
use rapport_sources::publish::{self, MastodonPublisher, PublishError, Publisher};
use reqwest::Url;
use serde_json::json;
use std::time::Duration;

const TOKEN: &str = "mastodon-write-token";

/// An instance that raised Mastodon's defaults (as Glitch and Hometown instances do).
async fn instance() -> Json<serde_json::Value> {
    // The shape of the documentation's example response (trimmed of what is not read).
    Json(json!({
        "domain": "social.example",
        "title": "Example Social",
        "version": "4.3.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A friendly instance",
        "usage": {"users": {"active_month": 1234}},
        "thumbnail": {"url": "https://files.social.example/site_uploads/files/000/000/001/original/thumb.png"},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": "wss://social.example"},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": 5000,
                "max_media_attachments": 8,
                "characters_reserved_per_url": 23
            },
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                "description_limit": 1500,
                "image_size_limit": 20971520,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400
            },
            "polls": {
                "max_options": 6,
                "max_characters_per_option": 100,
                "min_expiration": 300,
                "max_expiration": 2629746
            },
            "translation": {"enabled": false}
        },
        "registrations": {"enabled": false, "approval_required": false, "message": null},
        "contact": {"email": "admin@social.example"},
        "rules": []
    }))
}

async fn verify_credentials(headers: HeaderMap) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(format!("Bearer {TOKEN}").as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The access token is invalid"})),
        )
            .into_response();
    }
    Json(json!({
        "id": "14715", "username": "lumora", "acct": "lumora", "display_name": "Lumora",
        "locked": false, "bot": false, "discoverable": true, "group": false,
        "created_at": "2024-11-23T00:00:00.000Z", "note": "<p>Kettles</p>",
        "url": "https://social.example/@lumora", "avatar": "https://files.social.example/a.png",
        "avatar_static": "https://files.social.example/a.png",
        "header": "https://files.social.example/h.png",
        "header_static": "https://files.social.example/h.png",
        "followers_count": 12873, "following_count": 12, "statuses_count": 870,
        "last_status_at": "2026-12-02",
        "source": {"privacy": "public", "sensitive": false, "language": "en", "note": "Kettles",
                   "fields": [], "follow_requests_count": 0},
        "emojis": [], "fields": []
    }))
    .into_response()
}

async fn start(routes: bool) -> Url {
    let app = if routes {
        Router::new()
            .route("/api/v2/instance", get(instance))
            .route(
                "/api/v1/accounts/verify_credentials",
                get(verify_credentials),
            )
    } else {
        // An older server without the v2 endpoint.
        Router::new()
    };
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
    let limits = FetchLimits {
        total_time: Duration::from_secs(5),
        ..FetchLimits::default()
    };
    Fetcher::new(policy, limits).unwrap()
}

#[tokio::test]
async fn the_instance_limits_fill_the_settings_the_admin_left_out() {
    let base = start(true).await;
    let limits = instance_limits(&fetcher(), &base).await.expect("read");
    assert_eq!(
        limits,
        InstanceLimits {
            max_characters: Some(5000),
            max_media_attachments: Some(8),
            image_size_limit: Some(20_971_520),
            max_poll_options: Some(6),
            max_poll_option_characters: Some(100),
        }
    );
    // The admin set the length limit: it stays; the rest is filled.
    let mut settings = json!({"instance": base.as_str(), "max_characters": 1000});
    let written = limits.fill(&mut settings);
    assert_eq!(
        written,
        [
            "max_media_attachments",
            "image_size_limit",
            "max_poll_options",
            "max_poll_option_characters"
        ]
    );
    assert_eq!(settings["max_characters"], 1000);
    assert_eq!(settings["image_size_limit"], 20_971_520);
    let publisher = publish::build("mastodon", &settings, TOKEN, fetcher()).expect("built");
    assert_eq!(publisher.max_length(), 1000);
    let media = publisher.media_limits().unwrap();
    assert_eq!((media.max_images, media.max_bytes), (8, 20_971_520));
    let polls = publisher.poll_limits().unwrap();
    assert_eq!((polls.max_options, polls.max_option_chars), (6, 100));
    // Filled once, nothing more to write.
    assert!(limits.fill(&mut settings).is_empty());
}

#[tokio::test]
async fn an_instance_that_cannot_be_read_is_an_error_the_caller_can_ignore() {
    // No /api/v2/instance: 404.
    let base = start(false).await;
    let error = instance_limits(&fetcher(), &base).await.unwrap_err();
    assert!(matches!(error, PublishError::Rejected { .. }), "{error:?}");
    // Nothing listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone = Url::parse(&format!("http://localhost:{closed}")).unwrap();
    let error = instance_limits(&fetcher(), &gone).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    // An answer in another shape: the limits the instance does not give stay unknown.
    assert_eq!(
        InstanceLimits::default().fill(&mut json!({"instance": "https://x.example"})),
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn followers_come_from_verify_credentials() {
    let base = start(true).await;
    let publisher = MastodonPublisher::new(fetcher(), base.clone(), TOKEN.into());
    assert_eq!(publisher.followers().await, Ok(Some(12_873)));
    let wrong = MastodonPublisher::new(fetcher(), base, "expired".into());
    assert_eq!(
        wrong.followers().await,
        Err(PublishError::Unauthorized {
            network: "Mastodon",
            message: "The access token is invalid".into()
        })
    );
}
