//! Crash safety of polled sources: `rapport ingest --once` reading a local fake JSON-feed
//! source (rapport's own post JSON, paged with `?after=<native id>`) is killed with SIGKILL
//! at random (seeded) moments and restarted until the source is drained. At the end the
//! store holds every post the source served exactly once, and the checkpoint is the last.

mod common;

use axum::extract::Query;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::rapport;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

const POSTS: usize = 20_000;
const PAGE: usize = 100;
const SEED: u64 = 0x5eed_c4a5;

async fn page(Query(query): Query<HashMap<String, String>>) -> impl IntoResponse {
    let start = query
        .get("after")
        .and_then(|after| after.trim_start_matches('p').parse::<usize>().ok())
        .map_or(0, |n| n + 1);
    let mut body = String::new();
    for i in start..(start + PAGE).min(POSTS) {
        body.push_str(&format!(
            r#"{{"network":"feed","native_id":"p{i:05}","author":{{"handle":"writer{}"}},"text":"post {i} about the orvella grinder and espresso","language":"en","created_at":"2026-03-01T12:00:00Z"}}"#,
            i % 97
        ));
        body.push('\n');
    }
    body
}

/// SplitMix64: reproducible kill times.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn stored_ids(db: &std::path::Path) -> Vec<String> {
    if !db.exists() {
        return Vec::new();
    }
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT native_id FROM posts WHERE network = 'feed' ORDER BY native_id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_ingest_resumes_from_its_checkpoint_and_stores_every_post_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/posts", get(page)))
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
workspace = "Crash"
kind = "jsonfeed"
name = "fake"
url = "http://127.0.0.1:{port}/posts"
"#
        ),
    )
    .unwrap();
    let db = data.join("rapport.db");

    let mut dice = Dice(SEED);
    let mut kills = 0;
    let mut kills_mid_way = 0;
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 200, "the source never drained");
        let mut child = rapport(&data)
            .args(["ingest", "--once"])
            .env_remove("RAPPORT_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Kill at a random moment; after 40 kills let it finish.
        let kill_after = Duration::from_millis(20 + dice.next() % 150);
        let deadline = tokio::time::Instant::now() + kill_after;
        let mut exited = None;
        while kills < 40 && tokio::time::Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if exited.is_none() && kills < 40 {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            let stored = stored_ids(&db).len();
            if stored > 0 && stored < POSTS {
                kills_mid_way += 1;
            }
            continue;
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "ingest failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        break;
    }

    let ids = stored_ids(&db);
    let expected: Vec<String> = (0..POSTS).map(|i| format!("p{i:05}")).collect();
    assert_eq!(ids.len(), POSTS, "after {kills} kills");
    assert_eq!(ids, expected, "every served post, once");
    assert!(
        kills_mid_way >= 3,
        "only {kills_mid_way} of {kills} kills landed mid-ingest: the test proved little"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (checkpoint, seen): (String, i64) = conn
        .query_row("SELECT checkpoint, posts_seen FROM source_state", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(
        checkpoint.contains(&format!("p{:05}", POSTS - 1)),
        "{checkpoint}"
    );
    // Replays are allowed (a page stored just before a kill is read again), losses are not.
    assert!(seen >= POSTS as i64, "{seen}");
    drop(conn);

    // `rapport sources` shows the source's health; `sources add` stores a webhook secret
    // encrypted (never in the database file in clear).
    let (ok, stdout, stderr) =
        common::run(rapport(&data).arg("sources").env_remove("RAPPORT_CONFIG"));
    assert!(ok, "{stderr}");
    let line = stdout.lines().find(|l| l.contains("fake")).expect(&stdout);
    assert!(
        line.contains("jsonfeed") && line.contains(&seen.to_string()),
        "{stdout}"
    );
    let (ok, stdout, stderr) = common::run(
        rapport(&data)
            .args([
                "sources",
                "add",
                "--workspace",
                "Crash",
                "--kind",
                "webhook",
                "--name",
                "crm",
                "--token-env",
                "CRASH_HOOK_SECRET",
            ])
            .env("CRASH_HOOK_SECRET", "plaintext-hook-secret-93")
            .env_remove("RAPPORT_CONFIG"),
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("/api/v1/hooks/2"), "{stdout}");
    let file = std::fs::read(&db).unwrap();
    let wal = std::fs::read(data.join("rapport.db-wal")).unwrap_or_default();
    for bytes in [file, wal] {
        assert!(!bytes.windows(24).any(|w| w == b"plaintext-hook-secret-93"));
    }

    eprintln!("{runs} runs, {kills} SIGKILLs ({kills_mid_way} mid-ingest), {seen} posts read for {POSTS} stored");
}
