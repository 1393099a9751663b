//! The binary on the PostgreSQL backend (`--store postgres://...`): a user, a token, an
//! import and `serve` all work against one database, and commands that are embedded-only
//! say so instead of silently using SQLite.
//!
//! Needs a PostgreSQL server (`RAPPORT_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`) and `psql` to make a scratch database; says
//! SKIPPED without them unless `RAPPORT_REQUIRE_POSTGRES=1`.

mod common;

use common::{rapport, run};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A scratch database, dropped at the end.
struct Scratch {
    admin_url: String,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {}", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn scratch_database() -> Option<(Scratch, String)> {
    let base = std::env::var("RAPPORT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "rapport_cli_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let created = psql(
        &base,
        &format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"),
    );
    if !created {
        assert!(
            std::env::var_os("RAPPORT_REQUIRE_POSTGRES").is_none(),
            "RAPPORT_REQUIRE_POSTGRES is set but no scratch database could be made at {base} with psql"
        );
        eprintln!("SKIPPED: no PostgreSQL (or no psql) at {base}: the --store test did not run");
        return None;
    }
    let (prefix, _) = base.rsplit_once('/').expect("a database in the URL");
    let url = format!("{prefix}/{name}");
    Some((
        Scratch {
            admin_url: base,
            name,
        },
        url,
    ))
}

#[test]
fn user_token_import_and_serve_run_on_postgres() {
    let Some((_scratch, url)) = scratch_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let with_store = |args: &[&str]| {
        let mut command = rapport(&data);
        command.arg("--store").arg(&url).args(args);
        command
    };

    let (ok, out, err) = run(&mut with_store(&["workspace", "add", "Orvella"]));
    assert!(
        ok && out.contains("workspace 1"),
        "workspace add: {out}{err}"
    );
    let (ok, _, err) = run(&mut with_store(&["workspace", "add", "Orvella"]));
    assert!(!ok && err.contains("already exists"), "{err}");
    let posts = dir.path().join("posts.jsonl");
    let mut file = std::fs::File::create(&posts).unwrap();
    for i in 0..50 {
        writeln!(
            file,
            r#"{{"id": "p{i}", "text": "Orvella kettle number {i}", "author": "a{i}", "created": "2026-11-01T10:{:02}:00Z"}}"#,
            i % 60
        )
        .unwrap();
    }
    drop(file);
    let (ok, out, err) = run(&mut with_store(&[
        "import",
        posts.to_str().unwrap(),
        "--format",
        "jsonl",
        "--network",
        "mastodon",
    ]));
    assert!(ok, "import on postgres: {out}\n{err}");
    // Importing again stores nothing new.
    let (ok, again, err) = run(&mut with_store(&[
        "import",
        posts.to_str().unwrap(),
        "--format",
        "jsonl",
        "--network",
        "mastodon",
    ]));
    assert!(ok, "{err}");
    assert!(
        again.contains(": 0 imported, 0 updated, 50 unchanged"),
        "re-import: {again}"
    );

    let (ok, _, err) = run(&mut with_store(&[
        "user",
        "add",
        "ops@example.org",
        "--admin",
    ]));
    assert!(ok, "user add: {err}");
    let (ok, listed, _) = run(&mut with_store(&["user", "list"]));
    assert!(ok && listed.contains("ops@example.org"), "{listed}");
    // The SQLite file was never made: the data lives in PostgreSQL.
    assert!(!data.join("rapport.db").exists());

    // Alerts live in PostgreSQL too.
    let (ok, listed, err) = run(&mut with_store(&["alerts", "list"]));
    assert!(ok && listed.contains("no alert rules"), "{listed} {err}");
    // Embedded-only commands refuse instead of quietly using SQLite.
    let (ok, _, err) = run(&mut with_store(&["demo"]));
    assert!(!ok && err.contains("embedded SQLite store only"), "{err}");

    let mut child = with_store(&["serve", "--addr", "127.0.0.1:0"])
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
    let workspaces: Vec<String> = {
        let (ok, out, err) = run(&mut with_store(&[
            "token",
            "create",
            "--workspace",
            "1",
            "--role",
            "viewer",
            "--name",
            "pg",
        ]));
        assert!(ok, "token: {err}");
        out.lines().map(str::to_string).collect()
    };
    let token = workspaces
        .iter()
        .find(|l| l.starts_with("rpt_"))
        .expect("token printed")
        .clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stats: serde_json::Value = runtime.block_on(async {
        rapport_sources::http::client_builder()
            .build()
            .unwrap()
            .get(format!("{base}/api/v1/stats"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(stats["posts"], 50, "{stats}");

    // Survey pages are served from PostgreSQL (a survey made beside the server, as another
    // process of the cluster would): the public page renders its question.
    assert!(psql(
        &url,
        r#"INSERT INTO surveys (workspace_id, code, title, questions, signing_key, created_at)
           VALUES (1, 'pgsurvey', 'Kettle colours', '[{"prompt": "Which colour?", "kind": "single_choice", "options": ["Sage", "Rust"], "required": true}]', '\x0909', 0)"#
    ));
    let page = runtime.block_on(async {
        let response = rapport_sources::http::client_builder()
            .build()
            .unwrap()
            .get(format!("{base}/s/pgsurvey"))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert_eq!(page.0, 200, "{}", page.1);
    assert!(page.1.contains("Which colour?"), "{}", page.1);

    // Live pages hear another process's commit (LISTEN/NOTIFY), and only then: without a
    // change feed the stream would tick every 2 s instead.
    let more = dir.path().join("more.jsonl");
    std::fs::write(
        &more,
        r#"{"id": "late-1", "text": "Orvella kettle, late", "author": "z", "created": "2026-11-01T11:00:00Z"}"#,
    )
    .unwrap();
    runtime.block_on(async {
        let mut events = rapport_sources::http::client_builder()
            .build()
            .unwrap()
            .get(format!("{base}/api/v1/workspaces/1/events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 200);
        let mut buffer = String::new();
        let mut next_event = async |within: std::time::Duration| -> Option<String> {
            let deadline = tokio::time::Instant::now() + within;
            loop {
                if let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    if event.lines().any(|l| l.starts_with("event:")) {
                        return Some(event);
                    }
                    continue;
                }
                let chunk = tokio::time::timeout_at(deadline, events.chunk())
                    .await
                    .ok()?;
                buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()?));
            }
        };
        assert!(
            next_event(std::time::Duration::from_secs(5))
                .await
                .is_some(),
            "the first event comes at once"
        );
        assert_eq!(
            next_event(std::time::Duration::from_secs(3)).await,
            None,
            "nothing changed, yet an event came"
        );
        let (ok, out, err) = run(&mut with_store(&[
            "import",
            more.to_str().unwrap(),
            "--format",
            "jsonl",
            "--network",
            "mastodon",
        ]));
        assert!(ok, "{out}{err}");
        assert!(
            next_event(std::time::Duration::from_secs(5))
                .await
                .is_some(),
            "another process's import was not heard"
        );
    });
}
