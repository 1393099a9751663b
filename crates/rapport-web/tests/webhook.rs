//! The webhook against the real server on a free port and a real SQLite store: posts in
//! rapport's own JSON shape (`rapport_model::Post`), authenticated by bearer token or
//! HMAC-SHA256 body signature.

use hmac::{Hmac, KeyInit, Mac};
use rapport_engine::Ingestor;
use rapport_model::{MonitorKind, Network, NewMonitor, PostKey};
use rapport_store::{
    NewSource, Secret, SecretKey, SourceId, SourceStore, SqliteOptions, SqliteStore, Store,
};
use rapport_web::routes::webhook::{HookReceipt, Webhooks, MAX_BODY_BYTES};
use rapport_web::AppState;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::Arc;

const SECRET: &str = "hook-secret-7c1e";

struct App {
    url: String,
    store: SqliteStore,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn spawn_app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let workspace = store.create_workspace("Orvella").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: workspace.id,
            name: "Orvella".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let key = SecretKey::generate().unwrap();
    let source = store
        .upsert_source(
            NewSource {
                workspace_id: workspace.id,
                kind: "webhook".into(),
                name: "crm".into(),
                config: "{}".into(),
                credentials: Some(Secret::new(SECRET)),
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    assert_eq!(source.id, SourceId(1));
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared.clone()).await.unwrap();
    let state = AppState::sqlite(store.clone()).with_webhooks(Webhooks::new(
        ingestor,
        Arc::new(store.clone()),
        key,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rapport_web::serve(listener, state, std::future::pending()));
    App {
        url: format!("http://{addr}/api/v1/hooks/1"),
        store,
        client: rapport_sources::http::client_builder()
            .build()
            .expect("client"),
        _dir: dir,
    }
}

fn post(id: &str, text: &str) -> Value {
    json!({
        "native_id": id,
        "author": {"handle": "customer"},
        "text": text,
        "created_at": "2026-03-01T12:00:00Z"
    })
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn stored(app: &App, id: &str) -> bool {
    let key = PostKey {
        network: Network::Webhook,
        native_id: id.into(),
    };
    app.store.get_post(&key).await.unwrap().is_some()
}

#[tokio::test]
async fn a_post_with_the_bearer_token_is_stored_and_matched() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(&app.url)
        .bearer_auth(SECRET)
        .json(&post("a1", "my Orvella arrived <script>alert(1)</script>"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let receipt: HookReceipt = response.json().await.unwrap();
    assert_eq!(
        (receipt.accepted, receipt.inserted, receipt.new_mentions),
        (1, 1, 1)
    );
    assert!(stored(&app, "a1").await);
    let health = app.store.source(SourceId(1)).await.unwrap().unwrap().health;
    assert_eq!(health.posts_seen, 1);
}

#[tokio::test]
async fn a_signed_batch_is_stored() {
    let app = spawn_app().await;
    let body =
        serde_json::to_vec(&json!({"posts": [post("b1", "one"), post("b2", "two")]})).unwrap();
    let response = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("x-rapport-signature", sign(&body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let receipt: HookReceipt = response.json().await.unwrap();
    assert_eq!(receipt.accepted, 2);
    assert!(stored(&app, "b1").await && stored(&app, "b2").await);
}

#[tokio::test]
async fn bad_tokens_signatures_and_unknown_sources_are_refused() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&post("c1", "sneaky")).unwrap();
    let wrong_token = app
        .client
        .post(&app.url)
        .bearer_auth("hook-secret-7c1")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), StatusCode::UNAUTHORIZED);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let wrong_signature = app
        .client
        .post(&app.url)
        .header("x-rapport-signature", sign(&body))
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_signature.status(), StatusCode::UNAUTHORIZED);
    let nothing = app
        .client
        .post(&app.url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .client
        .post(app.url.replace("/hooks/1", "/hooks/99"))
        .bearer_auth(SECRET)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!(
        error["error"]["message"],
        "unknown source or bad credentials"
    );
    assert_eq!(error["error"]["code"], "unauthorized");
    assert!(!stored(&app, "c1").await);
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let app = spawn_app().await;
    let huge = "x".repeat(MAX_BODY_BYTES + 1);
    let response = app
        .client
        .post(&app.url)
        .bearer_auth(SECRET)
        .json(&post("d1", &huge))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!stored(&app, "d1").await);
}

#[tokio::test]
async fn one_bad_post_in_a_batch_is_named_and_the_others_are_kept() {
    let app = spawn_app().await;
    let mut no_text = post("e2", "");
    no_text.as_object_mut().unwrap().remove("text");
    let mut other_network = post("e3", "pretending to be mastodon");
    other_network["network"] = json!("mastodon");
    let mut bad_date = post("e4", "when?");
    bad_date["created_at"] = json!("yesterday");
    let body = json!({"posts": [post("e1", "fine"), no_text, other_network, bad_date, post("e5", "fine too")]});
    let response = app
        .client
        .post(&app.url)
        .bearer_auth(SECRET)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let receipt: HookReceipt = response.json().await.unwrap();
    assert_eq!(receipt.accepted, 2);
    let refused: Vec<(usize, &str)> = receipt
        .rejected
        .iter()
        .map(|r| (r.index, r.field.as_str()))
        .collect();
    assert_eq!(refused, vec![(1, "."), (2, "network"), (3, "created_at")]);
    assert!(
        receipt.rejected[0].message.contains("text"),
        "{:?}",
        receipt.rejected[0]
    );
    assert!(stored(&app, "e1").await && stored(&app, "e5").await);
    assert!(!stored(&app, "e3").await);
}
