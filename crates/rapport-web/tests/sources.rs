//! Sources through the API and the page, against the real server and a real SQLite store:
//! what is checked before a source is stored (kind, settings, the SSRF guard, webhook
//! secrets), that tokens never come back, that the runner is told to reload, and that a
//! hostile name is escaped on the page.

use rapport_model::Role;
use rapport_sources::http::SafetyPolicy;
use rapport_store::{
    AccountStore, NewApiToken, NewUser, SecretKey, SourceStore, SqliteOptions, SqliteStore, Store,
};
use rapport_web::routes::sources::SourceAdmin;
use rapport_web::{auth, AppState};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

struct App {
    url: String,
    store: SqliteStore,
    admin: String,
    viewer: String,
    reload: Arc<tokio::sync::Notify>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn token(store: &SqliteStore, workspace: rapport_model::WorkspaceId, role: Role) -> String {
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace,
            role,
            name: format!("{role}"),
            created_by: None,
        })
        .await
        .unwrap();
    secret.expose().to_string()
}

async fn spawn() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let workspace = store.create_workspace("Orvella").await.unwrap();
    let admin = token(&store, workspace.id, Role::Admin).await;
    let viewer = token(&store, workspace.id, Role::Viewer).await;
    let reload = Arc::new(tokio::sync::Notify::new());
    let state = AppState::sqlite(store.clone()).with_sources(SourceAdmin::new(
        Arc::new(store.clone()),
        SecretKey::generate().unwrap(),
        SafetyPolicy::public_only(),
        reload.clone(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(rapport_web::serve(listener, state, std::future::pending()));
    App {
        url: format!(
            "http://127.0.0.1:{port}/api/v1/workspaces/{}/sources",
            workspace.id
        ),
        store,
        admin,
        viewer,
        reload,
        client: rapport_sources::http::client_builder().build().unwrap(),
        _dir: dir,
    }
}

impl App {
    async fn add(&self, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn an_admin_adds_a_source_its_token_is_sealed_and_the_runner_reloads() {
    let app = spawn().await;
    let reloaded = app.reload.notified();
    let (status, body) = app
        .add(json!({
            "kind": "mastodon_stream",
            "name": "orvella tag",
            "settings": {"instance": "https://mastodon.social", "timeline": "hashtag", "query": "orvella"},
            "token": "mastodon-read-token-9f2"
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["kind"], "mastodon_stream");
    assert_eq!(body["has_credentials"], true);
    assert!(!body.to_string().contains("mastodon-read-token-9f2"));
    tokio::time::timeout(Duration::from_secs(1), reloaded)
        .await
        .expect("the runner was told to reload");
    // Stored sealed, readable with the key only.
    let stored = app.store.sources().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].config.contains("orvella"));

    // A viewer lists it with its health, without token or checkpoint.
    let listed: Value = app
        .client
        .get(&app.url)
        .bearer_auth(&app.viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["name"], "orvella tag");
    assert_eq!(listed[0]["health"]["consecutive_failures"], 0);
    assert!(listed[0].get("checkpoint").is_none_or(Value::is_null));
    assert!(!listed.to_string().contains("mastodon-read-token-9f2"));
    // But a viewer cannot add.
    let refused = app
        .client
        .post(&app.url)
        .bearer_auth(&app.viewer)
        .json(&json!({"kind": "feed", "name": "x", "settings": {"url": "https://e.example/f"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_sources_are_refused_with_the_field_named() {
    let app = spawn().await;
    let cases = [
        (
            json!({"kind": "myspace", "name": "old", "settings": {}}),
            "kind: unknown kind",
        ),
        (
            json!({"kind": "feed", "name": "local", "settings": {"url": "http://127.0.0.1:8080/feed.xml"}}),
            "settings.url",
        ),
        (
            json!({"kind": "mastodon", "name": "meta", "settings": {"instance": "http://169.254.169.254", "timeline": "public"}}),
            "settings.instance",
        ),
        (
            json!({"kind": "mastodon", "name": "no tag", "settings": {"instance": "https://m.example", "timeline": "hashtag"}}),
            "query",
        ),
        (
            json!({"kind": "webhook", "name": "crm", "token": "short"}),
            "at least 16 characters",
        ),
        (
            json!({"kind": "feed", "name": "", "settings": {"url": "https://e.example/f"}}),
            "name:",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.add(body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{body}: {message}");
    }
    assert!(
        app.store.sources().await.unwrap().is_empty(),
        "nothing stored"
    );
    // A webhook with a real secret says where to post.
    let (status, hook) = app
        .add(json!({"kind": "webhook", "name": "crm", "token": "a-long-enough-hook-secret"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    assert_eq!(
        hook["webhook_path"],
        format!("/api/v1/hooks/{}", hook["id"])
    );
}

#[tokio::test]
async fn a_hostile_source_name_is_escaped_on_the_page() {
    let app = spawn().await;
    let (status, _) = app
        .add(json!({"kind": "feed", "name": "<script>alert(1)</script>", "settings": {"url": "https://e.example/feed.xml"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let workspace = app.store.workspaces().await.unwrap()[0].id;
    // Pages take sessions, not tokens: log in as a workspace admin.
    let user = app
        .store
        .create_user(NewUser {
            email: "admin@orvella.example".into(),
            display_name: "Admin".into(),
            password_hash: auth::hash_password("correct horse battery").unwrap(),
            is_admin: false,
        })
        .await
        .unwrap();
    app.store
        .set_membership(rapport_model::Membership {
            user: user.id,
            workspace,
            role: Role::Admin,
        })
        .await
        .unwrap();
    let base = app.url.split("/api/").next().unwrap().to_string();
    let client = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", "admin@orvella.example"),
                ("password", "correct horse battery"),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(login.status().is_redirection(), "{}", login.status());
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = client
        .get(format!("{base}/w/{workspace}/sources"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("Add a source"), "an admin sees the form");
}
