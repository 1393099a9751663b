//! The read cache against the real server and store: a repeated read is answered the same,
//! a change made through the server is seen at once by the next read, and a commit made by
//! another writer (the pipeline) is seen within the cache's second.

use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post, Role};
use rapport_store::{AccountStore, NewApiToken, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, AppState};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn post(id: &str) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: id.into(),
        url: None,
        author: Author::new("someone"),
        title: None,
        text: "my orvella kettle is great".into(),
        language: Some("en".into()),
        created_at: chrono::Utc::now() - chrono::TimeDelta::minutes(5),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

#[tokio::test]
async fn reads_are_cached_but_never_hide_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Orvella").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Orvella".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: ws.id,
            role: Role::Manager,
            name: "m".into(),
            created_by: None,
        })
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_read_cache(),
        std::future::pending(),
    ));
    let client = rapport_sources::http::client_builder().build().unwrap();
    let token = secret.expose().to_string();
    let get = |path: String| {
        let (client, token, base) = (client.clone(), token.clone(), base.clone());
        async move {
            client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let mentions = format!("/api/v1/workspaces/{}/mentions?limit=50", ws.id);
    let first = get(mentions.clone()).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 0);
    assert_eq!(get(mentions.clone()).await, first);

    // A commit by the pipeline (not through the server) shows within the cache's second.
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    Ingestor::new(shared)
        .await
        .unwrap()
        .ingest(vec![post("1"), post("2")])
        .await
        .unwrap();
    let mut seen = 0;
    for _ in 0..30 {
        seen = get(mentions.clone()).await["items"]
            .as_array()
            .unwrap()
            .len();
        if seen == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 2, "the new mentions appear within ~1 s");

    // A change made through the server is seen by the very next read.
    let counts = format!("/api/v1/workspaces/{}/counts", ws.id);
    let before = get(counts.clone()).await;
    let created = client
        .post(format!("{base}/api/v1/workspaces/{}/monitors", ws.id))
        .bearer_auth(&token)
        .json(&json!({"name": "Bolt", "kind": "competitor", "query": "bolt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let after = get(counts).await;
    assert_ne!(before, after);
    assert!(after.to_string().contains("Bolt"), "{after}");
}
