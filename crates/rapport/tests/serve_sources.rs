//! `rapport serve` polls the sources of `rapport.toml` itself, and a source added through
//! the API is polled at once (the runner reloads), against a local server speaking the
//! JSON-feed shape (rapport's post JSON, one per line, paged with `?after=<native id>`).

mod common;

use axum::extract::{Path, Query};
use axum::routing::get;
use axum::Router;
use common::{rapport, run};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

const PER_FEED: usize = 30;

async fn feed(Path(feed): Path<String>, Query(q): Query<HashMap<String, String>>) -> String {
    let start = q
        .get("after")
        .and_then(|a| a.rsplit('-').next()?.parse::<usize>().ok())
        .map_or(0, |n| n + 1);
    (start..PER_FEED)
        .map(|i| {
            format!(
                r#"{{"network":"feed","native_id":"{feed}-{i:03}","author":{{"handle":"w{i}"}},"text":"orvella post {i}","created_at":"2026-03-01T12:00:00Z"}}"#
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Kills the server even when an assertion fails.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stored(db: &std::path::Path, prefix: &str) -> usize {
    let Ok(conn) = rusqlite::Connection::open(db) else {
        return 0;
    };
    conn.query_row(
        "SELECT count(*) FROM posts WHERE native_id LIKE ?1",
        [format!("{prefix}-%")],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as usize)
    .unwrap_or(0)
}

async fn wait_for(db: &std::path::Path, prefix: &str) {
    for _ in 0..200 {
        if stored(db, prefix) == PER_FEED {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{prefix}: {} of {PER_FEED} posts stored",
        stored(db, prefix)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_polls_configured_sources_and_ones_added_through_the_api() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/{feed}", get(feed)))
            .await
            .unwrap()
    });
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
workspace = "Feeds"
kind = "jsonfeed"
name = "configured"
url = "http://127.0.0.1:{port}/a"
"#
        ),
    )
    .unwrap();
    // The workspace exists once the configuration has been read.
    let (ok, _, err) = run(rapport(&data).arg("sources").env_remove("RAPPORT_CONFIG"));
    assert!(ok, "{err}");
    let (ok, out, err) = run(rapport(&data).args([
        "token",
        "create",
        "--workspace",
        "1",
        "--role",
        "admin",
        "--name",
        "feeds",
    ]));
    assert!(ok, "token: {err}");
    let token = out
        .lines()
        .find(|line| line.starts_with("rpt_"))
        .expect("the token is printed")
        .to_string();

    let mut child = rapport(&data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("RAPPORT_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let db = data.join("rapport.db");
    wait_for(&db, "a").await;

    let client = rapport_sources::http::client_builder().build().unwrap();
    let added = client
        .post(format!("{base}/api/v1/workspaces/1/sources"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "kind": "jsonfeed",
            "name": "added",
            "settings": {"url": format!("http://127.0.0.1:{port}/b")}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201, "{}", added.text().await.unwrap());
    wait_for(&db, "b").await;

    let listed: serde_json::Value = client
        .get(format!("{base}/api/v1/workspaces/1/sources"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["configured", "added"]);
    assert!(listed[0]["health"]["last_success"].is_string(), "{listed}");
}

/// Scaled out (`serve --nats`), the sources' posts and the webhooks' posts are appended to
/// the ingest log instead of stored; a `rapport worker` then stores each once. Needs NATS
/// with JetStream (`RAPPORT_TEST_NATS`, default `nats://127.0.0.1:4222`); says SKIPPED
/// without it unless `RAPPORT_REQUIRE_NATS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaled_out_serve_appends_sources_and_webhooks_to_the_log_for_workers() {
    let nats =
        std::env::var("RAPPORT_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let prefix = format!(
        "serve{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let log = match rapport_bus::JetStreamLog::connect(rapport_bus::JetStreamConfig::with_prefix(
        nats.clone(),
        &prefix,
    ))
    .await
    {
        Ok(log) => log,
        Err(e) => {
            assert!(
                std::env::var("RAPPORT_REQUIRE_NATS").as_deref() != Ok("1"),
                "RAPPORT_REQUIRE_NATS=1 but NATS is not reachable: {e}"
            );
            eprintln!("SKIPPED: NATS not reachable at {nats}: {e}");
            return;
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/{feed}", get(feed)))
            .await
            .unwrap()
    });
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
workspace = "Feeds"
kind = "jsonfeed"
name = "configured"
url = "http://127.0.0.1:{port}/a"
"#
        ),
    )
    .unwrap();
    let (ok, _, err) = run(rapport(&data).arg("sources").env_remove("RAPPORT_CONFIG"));
    assert!(ok, "{err}");
    let (ok, out, err) = run(rapport(&data)
        .args([
            "sources",
            "add",
            "--workspace",
            "Feeds",
            "--kind",
            "webhook",
            "--name",
            "crm",
            "--token-env",
            "HOOK_SECRET",
        ])
        .env("HOOK_SECRET", "hook-secret-for-the-log")
        .env_remove("RAPPORT_CONFIG"));
    assert!(ok, "{err}");
    let hook = out
        .split_whitespace()
        .find(|w| w.contains("/api/v1/hooks/"))
        .and_then(|w| w.rsplit('/').next())
        .map(|id| id.trim_matches(|c: char| !c.is_ascii_digit()).to_string())
        .expect("sources add prints the hook's path");

    let mut child = rapport(&data)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--nats",
            &nats,
            "--nats-prefix",
            &prefix,
        ])
        .env_remove("RAPPORT_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let client = rapport_sources::http::client_builder().build().unwrap();
    let receipt: serde_json::Value = client
        .post(format!("{base}/api/v1/hooks/{hook}"))
        .bearer_auth("hook-secret-for-the-log")
        .json(&serde_json::json!({"posts": [
            {"native_id": "crm-1", "author": {"handle": "c1"}, "text": "orvella from the crm", "created_at": "2026-03-01T12:00:00Z"},
            {"native_id": "crm-2", "author": {"handle": "c2"}, "text": "another orvella note", "created_at": "2026-03-01T12:00:00Z"}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["accepted"], 2, "{receipt}");
    assert_eq!(receipt["logged"], 2, "{receipt}");

    // The configured source's 30 posts and the hook's 2 reach the log, not the store.
    use rapport_bus::IngestLog;
    for _ in 0..200 {
        if log.depth().await.unwrap().pending >= (PER_FEED + 2) as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log.depth().await.unwrap().pending, (PER_FEED + 2) as u64);
    let db = data.join("rapport.db");
    assert_eq!(stored(&db, "a"), 0, "serve stored what the workers should");

    let (ok, out, err) = run(rapport(&data).args([
        "worker",
        "--nats",
        &nats,
        "--nats-prefix",
        &prefix,
        "--exit-when-drained",
        "--quiet",
        "--max-wait-ms",
        "200",
    ]));
    assert!(ok, "worker: {out}{err}");
    assert_eq!(stored(&db, "a"), PER_FEED);
    assert_eq!(stored(&db, "crm"), 2);
}
