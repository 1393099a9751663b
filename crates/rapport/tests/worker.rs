//! Scale-out: simulated posts published to NATS JetStream (`rapport simulate --nats`) and
//! stored into one PostgreSQL schema by two `rapport worker` processes, one of them killed
//! with SIGKILL mid-way and started again. Every post ends up stored exactly once, with the
//! same mentions as a single-process import of the same posts, and the rollups agree with a
//! recount. A worker stopped with SIGTERM acknowledges what it stored before it exits.
//!
//! Needs NATS with JetStream (`RAPPORT_TEST_NATS`, default `nats://127.0.0.1:4222`) and
//! PostgreSQL (`RAPPORT_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`,
//! and `psql`); says SKIPPED without them unless `RAPPORT_REQUIRE_NATS=1` /
//! `RAPPORT_REQUIRE_POSTGRES=1`.

mod common;

use common::{rapport, run};
use rapport_bus::{IngestLog, JetStreamConfig, JetStreamLog};
use rapport_model::NewMonitor;
use rapport_store::{PostgresOptions, PostgresStore, Store};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POSTS: usize = 20_000;

fn nats_url() -> String {
    std::env::var("RAPPORT_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

fn postgres_url() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn required(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// Kills a child left running when the test fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh schema with the demo monitors, dropped (with psql) at the end.
struct Schema {
    name: String,
    store: PostgresStore,
}

impl Schema {
    /// `--store` for the binary: the server's URL with this schema on the search path.
    fn url(&self) -> String {
        format!("{}?options=-csearch_path%3D{}", postgres_url(), self.name)
    }

    fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                &postgres_url(),
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-t",
                "-A",
                "-c",
            ])
            .arg(format!("SET search_path TO {}; {sql}", self.name))
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([&postgres_url(), "-q", "-c"])
            .arg(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

async fn schema(what: &str) -> Option<Schema> {
    let name = format!("rapport_worker_{what}_{}", std::process::id());
    let options = PostgresOptions {
        schema: Some(name.clone()),
        ..PostgresOptions::default()
    };
    let store = match PostgresStore::connect(&postgres_url(), options).await {
        Ok(store) => store,
        Err(e) => {
            assert!(
                !required("RAPPORT_REQUIRE_POSTGRES"),
                "RAPPORT_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: {e}"
            );
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at {}: {e}",
                postgres_url()
            );
            return None;
        }
    };
    let workspace = store.create_workspace("Orvella").await.unwrap();
    for suggested in rapport_sim::World::demo().suggested_monitors() {
        store
            .create_monitor(NewMonitor {
                workspace_id: workspace.id,
                name: suggested.name,
                kind: suggested.kind,
                query: suggested.query,
            })
            .await
            .unwrap();
    }
    Some(Schema { name, store })
}

async fn log(prefix: &str) -> Option<JetStreamLog> {
    match JetStreamLog::connect(JetStreamConfig::with_prefix(nats_url(), prefix)).await {
        Ok(log) => Some(log),
        Err(e) => {
            assert!(
                !required("RAPPORT_REQUIRE_NATS"),
                "RAPPORT_REQUIRE_NATS=1 but the ingest log cannot be opened: {e}"
            );
            eprintln!("SKIPPED: NATS not reachable at {}: {e}", nats_url());
            None
        }
    }
}

/// Mentions per monitor name.
async fn mentions(store: &PostgresStore) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for workspace in store.workspaces().await.unwrap() {
        let since = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        for count in store.mention_counts(workspace.id, since).await.unwrap() {
            counts.insert(count.monitor.name, count.total);
        }
    }
    counts
}

/// `rapport simulate` with the test's fixed stream.
fn simulate(data: &std::path::Path, seed: &str, posts: usize) -> Command {
    simulate_from(data, seed, posts, "2026-03-02T00:00:00Z")
}

fn simulate_from(data: &std::path::Path, seed: &str, posts: usize, start: &str) -> Command {
    let mut command = rapport(data);
    command.args([
        "simulate",
        "--seed",
        seed,
        "--days",
        "3",
        "--rate",
        "20000",
        "--start",
        start,
        "--posts",
        &posts.to_string(),
    ]);
    command
}

fn worker(data: &std::path::Path, store: &str, prefix: &str, extra: &[&str]) -> Running {
    let child = rapport(data)
        .args(["--store", store, "worker", "--nats", &nats_url()])
        .args([
            "--nats-prefix",
            prefix,
            "--batch",
            "250",
            "--ack-wait-secs",
            "3",
        ])
        .args(["--max-wait-ms", "200"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the worker starts");
    Running(child)
}

/// Reads a worker's stdout on a thread; `committed` lines are counted as they come.
fn follow(child: &mut Running) -> std::sync::mpsc::Receiver<String> {
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a worker to exit on its own (with --exit-when-drained), returning its output.
fn finish(mut child: Running, lines: std::sync::mpsc::Receiver<String>, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "a worker failed: {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a worker did not finish in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The reader thread ends with the pipe.
    let mut out = String::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn redelivered(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|l| l.split(", ").find(|p| p.contains(" redelivered)")))
        .filter_map(|p| p.split(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_one_killed_store_every_post_exactly_once() {
    let prefix = format!("wt{}", std::process::id());
    let Some(log) = log(&prefix).await else {
        return;
    };
    let Some(target) = schema("scaled").await else {
        return;
    };
    let Some(reference) = schema("single").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // Producer: the simulated stream into the log.
    let (ok, out, err) =
        run(simulate(&data, "5", POSTS).args(["--nats", &nats_url(), "--nats-prefix", &prefix]));
    assert!(ok, "simulate --nats: {out}{err}");
    assert!(
        out.contains(&format!("published {POSTS} simulated posts")),
        "{out}"
    );
    // Publishing again (a producer retrying) adds nothing: the log drops duplicates.
    let (ok, again, err) =
        run(simulate(&data, "5", POSTS).args(["--nats", &nats_url(), "--nats-prefix", &prefix]));
    assert!(ok, "{err}");
    assert!(
        again.contains("published 0 simulated posts")
            && again.contains(&format!("({POSTS} duplicates")),
        "{again}"
    );
    assert_eq!(log.depth().await.unwrap().pending, POSTS as u64);

    // Two workers; the first is killed (SIGKILL) after three commits, then started again.
    let url = target.url();
    let drain = ["--exit-when-drained"];
    let mut first = worker(&data, &url, &prefix, &drain);
    let mut second = worker(&data, &url, &prefix, &drain);
    let first_lines = follow(&mut first);
    let second_lines = follow(&mut second);
    let mut commits = 0;
    while commits < 3 {
        let line = first_lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the first worker commits");
        if line.starts_with("committed ") {
            commits += 1;
        }
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let at_kill = log.depth().await.unwrap();
    assert!(
        at_kill.pending > 0,
        "the log was drained before the kill: the test proved nothing ({at_kill:?})"
    );
    let mut restarted = worker(&data, &url, &prefix, &drain);
    let restarted_lines = follow(&mut restarted);
    let second_out = finish(second, second_lines, Duration::from_secs(240));
    let restarted_out = finish(restarted, restarted_lines, Duration::from_secs(240));
    let redelivered = redelivered(&second_out) + redelivered(&restarted_out);
    eprintln!("after the kill: {redelivered} posts redelivered to the other workers");
    // The killed worker held batches it never acknowledged: they came back.
    assert!(redelivered > 0, "{second_out}\n{restarted_out}");
    let depth = log.depth().await.unwrap();
    assert!(depth.is_drained() && depth.stored == 0, "{depth:?}");

    // Exactly once: N rows, N distinct identities.
    let counts = target.psql("SELECT count(*), count(DISTINCT (network, native_id)) FROM posts");
    assert_eq!(counts, format!("{POSTS}|{POSTS}"));
    assert_eq!(target.store.post_count().await.unwrap(), POSTS as u64);
    let duplicated_mentions = target.psql(
        "SELECT count(*) FROM (SELECT 1 FROM mentions GROUP BY monitor_id, post_id HAVING count(*) > 1) d",
    );
    assert_eq!(duplicated_mentions, "0");

    // The same posts through one process: the same mentions per monitor.
    let (ok, out, err) =
        run(simulate(&data, "5", POSTS).args(["--store", &reference.url(), "--ingest"]));
    assert!(ok, "simulate --ingest: {out}{err}");
    assert_eq!(reference.store.post_count().await.unwrap(), POSTS as u64);
    let expected = mentions(&reference.store).await;
    assert!(expected.values().sum::<u64>() > 1_000, "{expected:?}");
    assert_eq!(mentions(&target.store).await, expected);
    assert_eq!(
        target.psql("SELECT count(*) FROM inbox_items"),
        reference.psql("SELECT count(*) FROM inbox_items")
    );
    // Rollups written by concurrent, partly repeated batches still equal a recount.
    let (ok, out, err) = run(rapport(&data).args(["--store", &url, "rollup", "verify"]));
    assert!(ok, "rollup verify: {out}{err}");

    // SIGTERM: the worker stores and acknowledges what it holds, then exits cleanly.
    let (ok, out, err) = run(
        simulate_from(&data, "6", 5_000, "2026-09-07T00:00:00Z").args([
            "--nats",
            &nats_url(),
            "--nats-prefix",
            &prefix,
        ]),
    );
    assert!(ok, "{out}{err}");
    let published: u64 = out
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    let mut stopped = worker(&data, &url, &prefix, &[]);
    let stopped_lines = follow(&mut stopped);
    loop {
        let line = stopped_lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the worker commits");
        if line.starts_with("committed ") {
            break;
        }
    }
    let pid = stopped.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = finish(stopped, stopped_lines, Duration::from_secs(60));
    assert!(out.contains(" stopped: "), "{out}");
    let depth = log.depth().await.unwrap();
    assert_eq!(
        depth.unacknowledged, 0,
        "a stopped worker left posts unacknowledged: {depth:?}"
    );
    let stored = target.store.post_count().await.unwrap() - POSTS as u64;
    assert_eq!(
        stored + depth.pending,
        published,
        "every new post is either stored or still waiting in the log ({depth:?})"
    );
    log.delete().await.unwrap();
}

#[tokio::test]
async fn import_with_nats_publishes_the_file_once() {
    let prefix = format!("wi{}", std::process::id());
    let Some(log) = log(&prefix).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("posts.jsonl");
    let mut rows = String::new();
    for i in 0..300 {
        rows.push_str(&format!(
            "{{\"id\": \"p{i}\", \"text\": \"orvella kettle {i}\", \"author\": \"a{}\", \"created\": 1700000000}}\n",
            i % 17
        ));
    }
    rows.push_str("{\"id\": \"bad\"}\n");
    std::fs::write(&file, rows).unwrap();
    let data = dir.path().join("data");
    let import = || {
        let mut command = rapport(&data);
        command
            .arg("import")
            .arg(&file)
            .args(["--network", "mastodon", "--batch", "100"])
            .args(["--nats", &nats_url(), "--nats-prefix", &prefix]);
        command
    };
    let (ok, out, err) = run(&mut import());
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("read 301 rows: 300 published") && out.contains("1 rejected"),
        "{out}"
    );
    assert!(err.contains("rejected line 301"), "{err}");
    // The store was not touched: the posts wait in the log for the workers.
    assert!(!data.join("rapport.db").exists());
    let (ok, again, err) = run(&mut import());
    assert!(ok, "{err}");
    assert!(
        again.contains("0 published") && again.contains("300 duplicates"),
        "{again}"
    );
    let depth = log.depth().await.unwrap();
    assert_eq!(depth.pending, 300);
    let delivery = log.fetch(10, Duration::from_millis(200)).await.unwrap();
    assert_eq!(delivery.posts[0].native_id, "p0");
    assert_eq!(delivery.posts[0].network.as_str(), "mastodon");
    log.delete().await.unwrap();
}
