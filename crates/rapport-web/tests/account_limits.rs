//! Connecting a Mastodon account reads its instance's limits: `GET /api/v2/instance`
//! (<https://docs.joinmastodon.org/methods/instance/#v2>, the Instance entity
//! <https://docs.joinmastodon.org/entities/Instance/>: `configuration.statuses`,
//! `configuration.media_attachments`, `configuration.polls`) answered by a local server; the
//! limits fill the account's settings unless the admin set them, and an instance that cannot
//! be read connects the account with Mastodon's defaults.

use axum::{routing, Json, Router};
use rapport_model::{Role, Workspace};
use rapport_sources::http::SafetyPolicy;
use rapport_store::{AccountStore, NewApiToken, SecretKey, SqliteOptions, SqliteStore, Store as _};
use rapport_web::{auth, routes::publishing::Publishing, AppState};
use serde_json::{json, Value};
use std::sync::Arc;

async fn token(store: &SqliteStore, workspace: &Workspace) -> String {
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: workspace.id,
            role: Role::Admin,
            name: "admin".into(),
            created_by: None,
        })
        .await
        .unwrap();
    secret.expose().to_string()
}

/// An instance that raised Mastodon's defaults, in the shape of the documented example.
async fn instance() -> Json<Value> {
    Json(json!({
        "domain": "social.example",
        "title": "Example Social",
        "version": "4.3.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A friendly instance",
        "usage": {"users": {"active_month": 1234}},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": "wss://social.example"},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": 5000, "max_media_attachments": 8,
                         "characters_reserved_per_url": 23},
            "media_attachments": {"supported_mime_types": ["image/png"], "description_limit": 1500,
                                  "image_size_limit": 20971520, "image_matrix_limit": 33177600,
                                  "video_size_limit": 103809024, "video_frame_rate_limit": 120,
                                  "video_matrix_limit": 8294400},
            "polls": {"max_options": 6, "max_characters_per_option": 100,
                      "min_expiration": 300, "max_expiration": 2629746},
            "translation": {"enabled": false}
        },
        "registrations": {"enabled": false, "approval_required": false, "message": null},
        "contact": {"email": "admin@social.example"},
        "rules": []
    }))
}

#[tokio::test]
async fn a_mastodon_account_takes_its_instance_limits_unless_the_admin_set_them() {
    let fake = Router::new().route("/api/v2/instance", routing::get(instance));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let admin = token(&store, &ws).await;
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let publishing = Publishing::new(Arc::new(store.clone()), key, policy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let http = rapport_sources::http::client_builder().build().unwrap();
    let connect = |name: &str, settings: Value| {
        let request = http
            .post(format!("{base}/api/v1/workspaces/{}/accounts", ws.id))
            .bearer_auth(&admin)
            .json(&json!({
                "kind": "mastodon", "display_name": name, "settings": settings,
                "secret": "acme-write-token"
            }));
        async move {
            let answer = request.send().await.unwrap();
            (
                answer.status().as_u16(),
                answer.json::<Value>().await.unwrap(),
            )
        }
    };

    let instance_url = format!("http://localhost:{fake_port}");
    let (status, account) = connect(
        "Acme",
        json!({"instance": instance_url, "max_characters": 1000}),
    )
    .await;
    assert_eq!(status, 201, "{account}");
    assert_eq!(
        account["settings"],
        json!({
            "instance": instance_url,
            "max_characters": 1000,
            "max_media_attachments": 8,
            "image_size_limit": 20971520,
            "max_poll_options": 6,
            "max_poll_option_characters": 100
        })
    );

    // Nothing listening there: connected all the same, with the defaults.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone = format!("http://localhost:{closed}");
    let (status, account) = connect("Acme elsewhere", json!({"instance": gone})).await;
    assert_eq!(status, 201, "{account}");
    assert_eq!(account["settings"], json!({"instance": gone}));
    // The audit log says which limits came from the instance, and that the other kept
    // the defaults.
    let log = store.audit_log(Some(ws.id), 10).await.unwrap();
    let limits: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "account.connect")
        .filter_map(|e| e.detail["limits"].as_str())
        .collect();
    assert_eq!(limits.len(), 2, "{log:?}");
    assert!(
        limits[0].contains("could not be read") && limits[0].contains("defaults are kept"),
        "{}",
        limits[0]
    );
    assert_eq!(
        limits[1],
        "read from the instance: max_media_attachments, image_size_limit, max_poll_options, \
         max_poll_option_characters"
    );
}
