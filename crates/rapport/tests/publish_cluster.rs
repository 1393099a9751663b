//! Scheduled posts across a cluster: two real `rapport serve` processes on one PostgreSQL
//! database, each running the publishing scheduler, in front of a local server that answers
//! like Mastodon's `POST /api/v1/statuses`
//! (<https://docs.joinmastodon.org/methods/statuses/#create>), including its
//! `Idempotency-Key` handling: a request repeating a key gets the status the first one
//! created, and nothing is posted twice.
//!
//! 1. Posts scheduled through both servers' APIs are each sent exactly once.
//! 2. A server is killed (SIGKILL) while the network holds its request, after the status
//!    was created and before the server could record it: the survivor takes the delivery
//!    over only once the dead server's claim has expired, resends it with the same key, and
//!    the instance still holds one status.
//!
//! Needs a PostgreSQL server (`RAPPORT_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`) and `psql` to make a scratch database; says
//! SKIPPED without them unless `RAPPORT_REQUIRE_POSTGRES=1`. Linux only (it finds which
//! server holds a connection through `/proc`).

#![cfg(target_os = "linux")]

mod common;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::{routing, Json, Router};
use common::{rapport, run};
use rapport_store::publishing::{DraftFilter, DraftStatus};
use rapport_store::{PostgresOptions, PostgresStore, PublishStore, Store};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seconds a server's claim on a post it is sending holds (`--publish-claim-ttl`).
const CLAIM_TTL: u64 = 4;

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
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
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
        "rapport_publish_{}_{}",
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
        eprintln!(
            "SKIPPED: PostgreSQL not reachable (or no psql) at {base}: the publishing cluster \
             test did not run"
        );
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

/// One request the fake instance received.
#[derive(Debug, Clone)]
struct Request {
    key: String,
    text: String,
    peer: SocketAddr,
    /// The server process that held the connection, found while the request was open.
    server: Option<u32>,
    at: Instant,
}

/// The fake instance: statuses created (one per key), every request, and whether to hold
/// the answer to a post whose text contains `[hold]` (the status is created first, as a
/// server that dies before answering would have done).
#[derive(Default)]
struct Instance {
    created: Vec<Value>,
    keys: HashMap<String, usize>,
    requests: Vec<Request>,
    hold: bool,
    /// The servers' process ids, to tell which one sent a request.
    pids: Vec<u32>,
}

async fn statuses(
    State(instance): State<Arc<Mutex<Instance>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer write-token") {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The access token is invalid"})),
        )
            .into_response();
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "this fake wants an Idempotency-Key"})),
        )
            .into_response();
    };
    let text = body["status"].as_str().unwrap_or_default().to_string();
    let pids = instance.lock().unwrap().pids.clone();
    let server = owner_of_port(peer.port(), &pids);
    let (index, hold) = {
        let mut instance = instance.lock().unwrap();
        instance.requests.push(Request {
            key: key.clone(),
            text: text.clone(),
            peer,
            server,
            at: Instant::now(),
        });
        let index = match instance.keys.get(&key) {
            Some(index) => *index,
            None => {
                instance.created.push(body);
                let index = instance.created.len() - 1;
                instance.keys.insert(key, index);
                index
            }
        };
        let hold = instance.hold && text.contains("[hold]");
        if hold {
            // Only the first: the survivor's resend is answered.
            instance.hold = false;
        }
        (index, hold)
    };
    if hold {
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
    let id = format!("1100{index}");
    Json(json!({
        "id": id,
        "created_at": "2026-11-23T10:00:00.000Z",
        "visibility": "public",
        "url": format!("https://social.example/@lumora/{id}"),
        "content": format!("<p>{text}</p>"),
        "account": {"id": "1", "username": "lumora", "acct": "lumora"}
    }))
    .into_response()
}

/// Starts `rapport serve` on `url` from `data` and returns it with its base URL.
fn serve(data: &Path, url: &str) -> (Running, String) {
    let mut child = rapport(data)
        .arg("--store")
        .arg(url)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-sources",
            "--publish-interval",
            "1",
            "--publish-claim-ttl",
            &CLAIM_TTL.to_string(),
        ])
        .env_remove("RAPPORT_CONFIG")
        .env_remove("RAPPORT_SECRET_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (running, base)
}

/// The process among `pids` that holds the TCP connection whose local port is `port`.
fn owner_of_port(port: u16, pids: &[u32]) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(local) = fields.get(1) else { continue };
            let Some((_, hex)) = local.rsplit_once(':') else {
                continue;
            };
            if u16::from_str_radix(hex, 16).ok() == Some(port) {
                if let Some(inode) = fields.get(9) {
                    inodes.push(format!("socket:[{inode}]"));
                }
            }
        }
    }
    pids.iter().copied().find(|pid| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path())
                        .map(|target| inodes.iter().any(|i| target.to_string_lossy() == *i))
                        .unwrap_or(false)
                })
            })
            .unwrap_or(false)
    })
}

async fn wait_for<F: FnMut() -> bool>(what: &str, limit: Duration, mut done: F) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn drafts_with(
    store: &PostgresStore,
    ws: rapport_model::WorkspaceId,
    s: DraftStatus,
) -> usize {
    store
        .drafts(
            ws,
            &DraftFilter {
                statuses: vec![s],
                ..DraftFilter::default()
            },
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_send_each_scheduled_post_once_and_a_killed_ones_send_is_reconciled() {
    let Some((_scratch, url)) = scratch_database() else {
        return;
    };
    // The fake instance.
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            fake.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });

    // Two nodes: their own data directories, the same secret key and database.
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    for data in [&data_a, &data_b] {
        std::fs::create_dir_all(data).unwrap();
        std::fs::write(
            data.join("rapport.toml"),
            "[safety]\nallow = [\"127.0.0.1\"]\n",
        )
        .unwrap();
    }
    rapport_store::SecretKey::load_or_create(&data_a).unwrap();
    std::fs::copy(data_a.join("secret.key"), data_b.join("secret.key")).unwrap();
    let store = PostgresStore::connect(&url, PostgresOptions::default())
        .await
        .unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    let (ok, out, err) = run(rapport(&data_a).arg("--store").arg(&url).args([
        "token",
        "create",
        "--workspace",
        &ws.id.0.to_string(),
        "--role",
        "admin",
        "--name",
        "cluster",
    ]));
    assert!(ok, "token: {err}");
    let token = out
        .lines()
        .find(|l| l.starts_with("rpt_"))
        .expect("token printed")
        .to_string();

    let (mut a, base_a) = serve(&data_a, &url);
    let (mut b, base_b) = serve(&data_b, &url);
    let pids = [a.0.id(), b.0.id()];
    instance.lock().unwrap().pids = pids.to_vec();
    let http = rapport_sources::http::client_builder().build().unwrap();
    let api = |base: &str, path: &str| format!("{base}/api/v1/workspaces/{}{path}", ws.id.0);

    // The account is connected through one server; its secret is sealed in PostgreSQL.
    let response = http
        .post(api(&base_a, "/accounts"))
        .bearer_auth(&token)
        .json(&json!({
            "kind": "mastodon",
            "display_name": "Lumora on Mastodon",
            "settings": {"instance": format!("http://127.0.0.1:{port}")},
            "secret": "write-token",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let account: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {account}");
    let account_id = account["id"].as_i64().expect("the account's id");

    // 1. Posts scheduled through both servers, due now, each sent exactly once.
    const POSTS: usize = 12;
    let now = chrono::Utc::now();
    for i in 0..POSTS {
        let base = if i % 2 == 0 { &base_a } else { &base_b };
        let response = http
            .post(api(base, "/drafts"))
            .bearer_auth(&token)
            .json(&json!({
                "text": format!("Post {i} of the cluster test"),
                "targets": [account_id],
                "scheduled_at": now.to_rfc3339(),
                "action": "schedule",
            }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{status}: {body}");
        assert_eq!(body["status"], "scheduled", "{body}");
    }
    let started = Instant::now();
    let deadline = Duration::from_secs(60);
    loop {
        if drafts_with(&store, ws.id, DraftStatus::Sent).await == POSTS {
            break;
        }
        assert!(started.elapsed() < deadline, "the posts were not all sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{POSTS} posts sent by two servers in {:?}",
        started.elapsed()
    );
    // Give a would-be duplicate every chance to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    {
        let instance = instance.lock().unwrap();
        assert_eq!(instance.created.len(), POSTS, "one status per post");
        assert_eq!(instance.requests.len(), POSTS, "one request per post");
        let mut texts: Vec<&str> = instance
            .created
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), POSTS, "no text twice");
        let mut by_server: HashMap<Option<u32>, usize> = HashMap::new();
        for request in &instance.requests {
            *by_server.entry(request.server).or_default() += 1;
        }
        eprintln!("requests by server process: {by_server:?}");
    }
    for draft in store.drafts(ws.id, &DraftFilter::default()).await.unwrap() {
        assert_eq!(draft.targets[0].attempts, 1, "{draft:?}");
        assert!(draft.targets[0].native_id.is_some());
    }

    // 2. A server dies between the network call and its record.
    instance.lock().unwrap().hold = true;
    let response = http
        .post(api(&base_b, "/drafts"))
        .bearer_auth(&token)
        .json(&json!({
            "text": "Launch day [hold]",
            "targets": [account_id],
            "scheduled_at": chrono::Utc::now().to_rfc3339(),
            "action": "schedule",
        }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let held_draft: Value = response.json().await.unwrap();
    let held_id = rapport_store::publishing::DraftId(held_draft["id"].as_i64().unwrap());
    {
        let instance = instance.clone();
        wait_for("the held request", Duration::from_secs(30), move || {
            instance
                .lock()
                .unwrap()
                .requests
                .iter()
                .any(|r| r.text.contains("[hold]"))
        })
        .await;
    }
    let (first, sender) = {
        let instance = instance.lock().unwrap();
        let first = instance
            .requests
            .iter()
            .find(|r| r.text.contains("[hold]"))
            .unwrap()
            .clone();
        let sender = first
            .server
            .or_else(|| owner_of_port(first.peer.port(), &pids))
            .expect("one of the two servers holds the connection");
        (first, sender)
    };
    let (victim, survivor) = if sender == pids[0] {
        (&mut a, &b)
    } else {
        (&mut b, &a)
    };
    let survivor_pid = survivor.0.id();
    victim.0.kill().unwrap(); // SIGKILL: no chance to record anything.
    victim.0.wait().unwrap();
    eprintln!(
        "killed server {sender} while the instance held its request; {} survives",
        survivor.0.id()
    );
    let draft = store.draft(ws.id, held_id).await.unwrap().unwrap();
    assert_eq!(draft.status, DraftStatus::Sending, "nothing was recorded");

    // The survivor takes it over once the claim expires and resends with the same key.
    loop {
        let draft = store.draft(ws.id, held_id).await.unwrap().unwrap();
        if draft.status == DraftStatus::Sent {
            let target = &draft.targets[0];
            assert_eq!(target.attempts, 2, "{draft:?}");
            let instance = instance.lock().unwrap();
            let index = instance.keys[&first.key];
            assert_eq!(target.native_id, Some(format!("1100{index}")));
            break;
        }
        assert!(
            first.at.elapsed() < Duration::from_secs(60),
            "the survivor did not reconcile the delivery: {draft:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let instance = instance.lock().unwrap();
    let held: Vec<&Request> = instance
        .requests
        .iter()
        .filter(|r| r.text.contains("[hold]"))
        .collect();
    assert_eq!(held.len(), 2, "the survivor resent once: {held:?}");
    assert!(held.iter().all(|r| r.key == first.key), "with the same key");
    assert_eq!(held[1].server, Some(survivor_pid), "the survivor resent it");
    let gap = held[1].at - held[0].at;
    assert!(
        gap >= Duration::from_secs(CLAIM_TTL - 1),
        "the resend waited for the claim to expire (it came after {gap:?})"
    );
    assert_eq!(
        instance
            .created
            .iter()
            .filter(|c| c["status"] == "Launch day [hold]")
            .count(),
        1,
        "one status on the instance"
    );
    assert_eq!(instance.created.len(), POSTS + 1);
    eprintln!("the survivor resent after {gap:?}; the instance holds one status");
}
