//! `rapport ingest --once` with an `x_stream` source whose monitors are pushed as stream
//! rules, against a local server answering like X's filtered stream and its rules endpoint
//! (<https://docs.x.com/x-api/posts/filtered-stream/api-reference/get-tweets-search-stream-rules>,
//! `POST` of `{"add": [{"value", "tag"}]}` / `{"delete": {"ids": [...]}}`; the stream lines
//! are the parser fixture `rapport-sources/tests/fixtures/x/stream.jsonl`).

mod common;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use common::rapport;
use rapport_model::{MonitorKind, NewMonitor};
use rapport_store::Store;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct X {
    /// The app's rules: (id, value, tag).
    rules: Vec<(String, String, String)>,
    next_id: u64,
}

type Shared = Arc<Mutex<X>>;

async fn list(State(x): State<Shared>) -> Json<Value> {
    let x = x.lock().unwrap();
    let data: Vec<Value> = x
        .rules
        .iter()
        .map(|(id, value, tag)| json!({"id": id, "value": value, "tag": tag}))
        .collect();
    Json(
        json!({"data": data, "meta": {"sent": "2026-03-01T10:00:00.000Z", "result_count": data.len()}}),
    )
}

async fn change(State(x): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let mut x = x.lock().unwrap();
    if let Some(ids) = body["delete"]["ids"].as_array() {
        x.rules
            .retain(|(id, _, _)| !ids.iter().any(|d| d.as_str() == Some(id)));
    }
    for rule in body["add"].as_array().cloned().unwrap_or_default() {
        x.next_id += 1;
        let id = format!("18{:017}", x.next_id);
        x.rules.push((
            id,
            rule["value"].as_str().unwrap().to_string(),
            rule["tag"].as_str().unwrap().to_string(),
        ));
    }
    Json(json!({"meta": {"sent": "2026-03-01T10:00:00.000Z"}}))
}

async fn stream() -> impl IntoResponse {
    let capture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rapport-sources/tests/fixtures/x/stream.jsonl"
    ))
    .unwrap();
    // Complete lines only; then the connection stays open, as a stream does.
    let whole: String = capture
        .split_inclusive('\n')
        .filter(|l| l.trim().is_empty() || serde_json::from_str::<Value>(l).is_ok())
        .collect();
    let body = futures_util::stream::unfold(Some(whole), |state| async move {
        match state {
            Some(text) => Some((Ok::<_, std::io::Error>(text), None)),
            None => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                None
            }
        }
    });
    axum::body::Body::from_stream(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_become_stream_rules_and_the_stream_is_stored() {
    let x: Shared = Arc::default();
    x.lock().unwrap().rules.push((
        "1700".into(),
        "someone else's rule".into(),
        "marketing".into(),
    ));
    let app = Router::new()
        .route("/2/tweets/search/stream/rules", get(list).post(change))
        .route("/2/tweets/search/stream", get(stream))
        .with_state(x.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("rapport.toml"),
        format!(
            r#"
[safety]
allow = ["127.0.0.1"]

[[source]]
workspace = "Orvella"
kind = "x_stream"
name = "x-live"
token_env = "X_APP_TOKEN"
settings = {{ base = "http://127.0.0.1:{port}", rules = ["\"orvella kettle\""], monitors = true, window_secs = 1.0 }}
"#
        ),
    )
    .unwrap();
    let ingest = || {
        let output = rapport(&data)
            .args(["ingest", "--once"])
            .env_remove("RAPPORT_CONFIG")
            .env("X_APP_TOKEN", "app-token")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        stderr
    };
    // First run: no monitors yet, only the configured rule.
    ingest();
    let values = |x: &Shared| -> Vec<String> {
        let mut v: Vec<String> = x
            .lock()
            .unwrap()
            .rules
            .iter()
            .filter(|(_, _, tag)| tag == "rapport:x-live")
            .map(|(_, value, _)| value.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(values(&x), vec!["\"orvella kettle\"".to_string()]);

    // Monitors added: the next run pushes the ones X can narrow by.
    let store = common::open_store(&data);
    let workspace = store.workspaces().await.unwrap()[0].id;
    for (name, query) in [
        ("Brand", "orvella AND (kettle OR grinder)"),
        ("Refunds", "refund*"),
        ("Fediverse", "orvella network:mastodon"),
        ("Bolt", "\"bolt brew\" NOT giveaway"),
    ] {
        store
            .create_monitor(NewMonitor {
                workspace_id: workspace,
                name: name.into(),
                kind: MonitorKind::Brand,
                query: query.into(),
            })
            .await
            .unwrap();
    }
    drop(store);
    let stderr = ingest();
    assert!(
        stderr.contains("\"Refunds\" is not pushed to X's stream"),
        "{stderr}"
    );
    assert_eq!(
        values(&x),
        vec![
            "\"bolt brew\" -giveaway".to_string(),
            "\"orvella kettle\"".to_string(),
            "orvella (kettle OR grinder)".to_string(),
        ]
    );
    assert!(
        x.lock()
            .unwrap()
            .rules
            .iter()
            .any(|(id, _, _)| id == "1700"),
        "another tag's rule is left alone"
    );
    // And what the stream sent is stored.
    let store = common::open_store(&data);
    assert!(store.post_count().await.unwrap() >= 3);
}
