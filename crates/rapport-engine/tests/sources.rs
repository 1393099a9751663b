//! The source runner against a real SQLite store and a local server speaking the JSON-feed
//! shape (rapport's post JSON, `?after=<native id>` paging; `Retry-After` per RFC 9110).

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_engine::sources::{RunnerConfig, SourceRunner};
use rapport_engine::Ingestor;
use rapport_model::{MonitorKind, NewMonitor};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::source::{JsonFeedConfig, JsonFeedSource};
use rapport_store::{
    NewSource, SecretKey, SourceId, SourceStore, SqliteOptions, SqliteStore, Store,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

async fn posts(State(total): State<usize>, Query(q): Query<HashMap<String, String>>) -> Response {
    let start = q
        .get("after")
        .and_then(|a| a.trim_start_matches('p').parse::<usize>().ok())
        .map_or(0, |n| n + 1);
    let lines: Vec<String> = (start..(start + 40).min(total))
        .map(|i| {
            let text = if i % 5 == 0 { "my orvella grinder broke" } else { "nice weather" };
            format!(
                r#"{{"network":"feed","native_id":"p{i:05}","author":{{"handle":"a{}"}},"text":"{text}","created_at":"2026-03-01T12:00:00Z"}}"#,
                i % 13
            )
        })
        .collect();
    lines.join("\n").into_response()
}

async fn serve(total: usize) -> String {
    let app = Router::new()
        .route("/posts", get(posts))
        .route(
            "/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/limited",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                )
            }),
        )
        .with_state(total);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{}", addr.port())
}

struct Setup {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    runner: SourceRunner,
}

async fn setup(base: &str, paths: &[&str]) -> (Setup, Vec<SourceId>) {
    setup_with(
        base,
        paths,
        RunnerConfig {
            interval: Duration::from_secs(60),
            ..RunnerConfig::default()
        },
    )
    .await
}

async fn setup_with(base: &str, paths: &[&str], config: RunnerConfig) -> (Setup, Vec<SourceId>) {
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
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared).await.unwrap();
    let mut runner = SourceRunner::new(ingestor, Arc::new(store.clone()), config);
    let fetcher = Fetcher::new(
        SafetyPolicy {
            allow_private: false,
            allow: vec!["127.0.0.1".parse().unwrap()],
        },
        FetchLimits::default(),
    )
    .unwrap();
    let mut ids = Vec::new();
    for path in paths {
        let url = format!("{base}{path}");
        let record = store
            .upsert_source(
                NewSource {
                    workspace_id: workspace.id,
                    kind: "jsonfeed".into(),
                    name: path.to_string(),
                    config: serde_json::to_string(&JsonFeedConfig { url: url.clone() }).unwrap(),
                    credentials: None,
                    enabled: true,
                },
                &key,
            )
            .await
            .unwrap();
        let source =
            JsonFeedSource::new(*path, &JsonFeedConfig { url }, None, fetcher.clone()).unwrap();
        runner.add(record.id, Box::new(source));
        ids.push(record.id);
    }
    (
        Setup {
            _dir: dir,
            store,
            runner,
        },
        ids,
    )
}

#[tokio::test]
async fn one_round_drains_a_source_and_stores_posts_with_their_checkpoint() {
    let base = serve(1_000).await;
    let (mut s, ids) = setup(&base, &["/posts"]).await;
    let reports = s.runner.run_once().await.unwrap();
    assert_eq!(reports[0].error, None);
    assert_eq!(reports[0].posts, 1_000);
    assert_eq!(reports[0].outcome.inserted, 1_000);
    assert_eq!(reports[0].outcome.new_mentions, 200);
    assert_eq!(reports[0].next_poll_in, Duration::from_secs(60));
    assert_eq!(s.store.post_count().await.unwrap(), 1_000);
    let record = s.store.source(ids[0]).await.unwrap().unwrap();
    assert!(record.checkpoint.unwrap().contains("p00999"));
    assert_eq!(record.health.posts_seen, 1_000);
    assert_eq!(record.health.consecutive_failures, 0);
    assert!(!record.health.catching_up, "drained: no backlog");

    // A second round starts from the checkpoint: nothing is read twice.
    let again = s.runner.run_once().await.unwrap();
    assert_eq!(again[0].posts, 0);
    assert_eq!(
        s.store
            .source(ids[0])
            .await
            .unwrap()
            .unwrap()
            .health
            .posts_seen,
        1_000
    );
}

#[tokio::test]
async fn failing_sources_back_off_and_honour_retry_after() {
    let base = serve(10).await;
    let (mut s, ids) = setup(&base, &["/broken", "/limited", "/posts"]).await;
    let reports = s.runner.run_once().await.unwrap();
    assert!(reports[0].error.as_deref().unwrap().contains("HTTP 500"));
    assert!(reports[1].error.as_deref().unwrap().contains("HTTP 429"));
    assert!(reports[1].next_poll_in >= Duration::from_secs(120));
    // One failing source does not stop the others.
    assert_eq!(reports[2].posts, 10);

    let broken = s.store.source(ids[0]).await.unwrap().unwrap();
    assert_eq!(broken.health.consecutive_failures, 1);
    assert!(broken.health.last_error.unwrap().contains("500"));
    let limited = s.store.source(ids[1]).await.unwrap().unwrap();
    let due = limited.health.next_poll_at.unwrap() - chrono::Utc::now();
    assert!(due > chrono::Duration::seconds(100), "{due}");

    // Another round does not poll the sources still backing off (unless the jittered
    // backoff of the first was zero, when it is polled and fails again).
    let second = s.runner.run_once().await.unwrap();
    assert!(second[1].backing_off);
    assert_eq!(second[1].pages, 0);
    let after = s.store.source(ids[1]).await.unwrap().unwrap();
    assert_eq!(after.health.consecutive_failures, 1);
    let broken = s.store.source(ids[0]).await.unwrap().unwrap();
    assert!(broken.health.consecutive_failures <= 2);
}

/// Leases in memory, like `source_leases` but for one process: enough to see the runner
/// take, renew and give back.
#[derive(Default)]
struct MemoryLeases {
    held: std::sync::Mutex<HashMap<SourceId, (String, std::time::Instant)>>,
    renewals: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl rapport_store::SourceLeases for MemoryLeases {
    async fn acquire_source_lease(
        &self,
        source: SourceId,
        owner: &str,
        ttl: Duration,
    ) -> rapport_store::StoreResult<bool> {
        let mut held = self.held.lock().unwrap();
        let now = std::time::Instant::now();
        match held.get(&source) {
            Some((holder, until)) if holder != owner && *until > now => Ok(false),
            _ => {
                self.renewals
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                held.insert(source, (owner.to_string(), now + ttl));
                Ok(true)
            }
        }
    }

    async fn release_source_lease(
        &self,
        source: SourceId,
        owner: &str,
    ) -> rapport_store::StoreResult<()> {
        let mut held = self.held.lock().unwrap();
        if held.get(&source).is_some_and(|(holder, _)| holder == owner) {
            held.remove(&source);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_source_leased_by_another_process_is_not_polled() {
    let base = serve(200).await;
    let (s, ids) = setup(&base, &["/posts"]).await;
    let Setup {
        _dir,
        store,
        runner,
    } = s;
    let leases = Arc::new(MemoryLeases::default());
    let mut runner = runner.with_leases(leases.clone(), "here", Duration::from_secs(30));
    use rapport_store::SourceLeases;
    assert!(leases
        .acquire_source_lease(ids[0], "elsewhere", Duration::from_secs(30))
        .await
        .unwrap());
    let reports = runner.run_once().await.unwrap();
    assert!(reports[0].leased_elsewhere);
    assert_eq!(reports[0].pages, 0);
    assert_eq!(store.post_count().await.unwrap(), 0);

    // Given back: this runner takes it, renews it page by page, and gives it back.
    leases
        .release_source_lease(ids[0], "elsewhere")
        .await
        .unwrap();
    let before = leases.renewals.load(std::sync::atomic::Ordering::Relaxed);
    let reports = runner.run_once().await.unwrap();
    assert!(!reports[0].leased_elsewhere);
    assert_eq!(reports[0].posts, 200);
    assert_eq!(store.post_count().await.unwrap(), 200);
    let taken = leases.renewals.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(
        taken >= reports[0].pages,
        "{taken} takes for {} pages",
        reports[0].pages
    );
    assert!(
        leases.held.lock().unwrap().is_empty(),
        "the lease was not given back"
    );
}

/// A source reading a whole network (Jetstream without accounts, say): the same feed,
/// marked as a firehose.
struct Firehose(JsonFeedSource);

#[async_trait::async_trait]
impl rapport_sources::source::Source for Firehose {
    fn describe(&self) -> rapport_sources::source::SourceInfo {
        self.0.describe()
    }

    fn firehose(&self) -> bool {
        true
    }

    async fn poll(
        &mut self,
        checkpoint: Option<&str>,
    ) -> Result<rapport_sources::source::Poll, rapport_sources::source::SourceError> {
        self.0.poll(checkpoint).await
    }
}

#[tokio::test]
async fn from_a_firehose_only_the_posts_a_monitor_matches_are_stored() {
    let base = serve(1_000).await;
    let (mut s, ids) = setup(&base, &[]).await;
    let _ = ids;
    let fetcher = Fetcher::new(
        SafetyPolicy {
            allow_private: false,
            allow: vec!["127.0.0.1".parse().unwrap()],
        },
        FetchLimits::default(),
    )
    .unwrap();
    let key = SecretKey::generate().unwrap();
    let workspace = s.store.workspaces().await.unwrap()[0].id;
    let url = format!("{base}/posts");
    let record = s
        .store
        .upsert_source(
            NewSource {
                workspace_id: workspace,
                kind: "jsonfeed".into(),
                name: "firehose".into(),
                config: serde_json::to_string(&JsonFeedConfig { url: url.clone() }).unwrap(),
                credentials: None,
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    let feed = JsonFeedSource::new("firehose", &JsonFeedConfig { url }, None, fetcher).unwrap();
    s.runner.add(record.id, Box::new(Firehose(feed)));
    let reports = s.runner.run_once().await.unwrap();
    assert_eq!(reports[0].posts, 1_000, "every post was read");
    assert_eq!(reports[0].outcome.new_mentions, 200);
    assert_eq!(
        s.store.post_count().await.unwrap(),
        200,
        "only the 200 that mention orvella were kept"
    );
    let checkpoint = s.store.source(record.id).await.unwrap().unwrap().checkpoint;
    assert!(
        checkpoint.unwrap().contains("p00999"),
        "the checkpoint still moved past all"
    );
}

#[tokio::test]
async fn a_source_with_more_waiting_says_it_is_catching_up() {
    let base = serve(1_000).await;
    let config = RunnerConfig {
        interval: Duration::from_secs(60),
        max_pages_per_turn: 2,
        ..RunnerConfig::default()
    };
    let (mut s, ids) = setup_with(&base, &["/posts"], config).await;
    let reports = s.runner.run_once().await.unwrap();
    assert_eq!(reports[0].posts, 80, "two pages of 40");
    let record = s.store.source(ids[0]).await.unwrap().unwrap();
    assert!(record.health.catching_up, "920 posts are still waiting");
    // Turns until drained; then the backlog is gone.
    for _ in 0..20 {
        s.runner.run_once().await.unwrap();
    }
    let record = s.store.source(ids[0]).await.unwrap().unwrap();
    assert_eq!(record.health.posts_seen, 1_000);
    assert!(!record.health.catching_up);
}

/// A JetStream log under a prefix of its own (`RAPPORT_TEST_NATS`, default
/// `nats://127.0.0.1:4222`), or `None` (SKIPPED) without a server unless
/// `RAPPORT_REQUIRE_NATS=1`.
async fn jetstream(name: &str) -> Option<rapport_bus::JetStreamLog> {
    let url = std::env::var("RAPPORT_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let prefix = format!(
        "t{}_{name}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    match rapport_bus::JetStreamLog::connect(rapport_bus::JetStreamConfig::with_prefix(
        url.clone(),
        &prefix,
    ))
    .await
    {
        Ok(log) => Some(log),
        Err(e) => {
            assert!(
                std::env::var("RAPPORT_REQUIRE_NATS").as_deref() != Ok("1"),
                "RAPPORT_REQUIRE_NATS=1 but the log cannot be opened: {e}"
            );
            eprintln!("SKIPPED: NATS not reachable at {url}: {e}");
            None
        }
    }
}

/// Scaled out, a connector appends its pages to the ingest log and moves its checkpoint
/// once the log holds them; a page read again (a crash before the checkpoint moved) is
/// dropped by the log; the workers then store every post once, matched.
#[tokio::test]
async fn scaled_out_a_source_appends_to_the_log_and_workers_store_each_post_once() {
    use rapport_bus::IngestLog;
    let Some(log) = jetstream("sources").await else {
        return;
    };
    let log: Arc<dyn IngestLog> = Arc::new(log);
    let base = serve(1_000).await;
    let (s, ids) = setup(&base, &["/posts"]).await;
    let Setup {
        _dir,
        store,
        runner,
    } = s;
    let mut runner = runner.with_log(log.clone());
    let reports = runner.run_once().await.unwrap();
    assert_eq!(reports[0].error, None);
    assert_eq!((reports[0].posts, reports[0].logged), (1_000, 1_000));
    assert_eq!(
        store.post_count().await.unwrap(),
        0,
        "the workers store, not the runner"
    );
    let record = store.source(ids[0]).await.unwrap().unwrap();
    assert!(record.checkpoint.unwrap().contains("p00999"));
    assert_eq!(record.health.posts_seen, 1_000);
    assert_eq!(log.depth().await.unwrap().pending, 1_000);

    // The same pages read again, as after a crash between appending and the checkpoint:
    // a second source over the same feed, from no checkpoint.
    let key = SecretKey::generate().unwrap();
    let again = store
        .upsert_source(
            NewSource {
                workspace_id: store.workspaces().await.unwrap()[0].id,
                kind: "jsonfeed".into(),
                name: "replay".into(),
                config: serde_json::to_string(&JsonFeedConfig {
                    url: format!("{base}/posts"),
                })
                .unwrap(),
                credentials: None,
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    let fetcher = Fetcher::new(
        SafetyPolicy {
            allow_private: false,
            allow: vec!["127.0.0.1".parse().unwrap()],
        },
        FetchLimits::default(),
    )
    .unwrap();
    let feed = JsonFeedSource::new(
        "replay",
        &JsonFeedConfig {
            url: format!("{base}/posts"),
        },
        None,
        fetcher,
    )
    .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let mut replay = SourceRunner::new(
        Ingestor::new(shared.clone()).await.unwrap(),
        Arc::new(store.clone()),
        RunnerConfig::default(),
    )
    .with_log(log.clone());
    replay.add(again.id, Box::new(feed));
    let replayed = replay.run_once().await.unwrap();
    assert_eq!(replayed[0].logged, 1_000);
    assert_eq!(
        log.depth().await.unwrap().pending,
        1_000,
        "the log dropped every repeated post by its message id"
    );

    let done = rapport_engine::worker::run_worker(
        Ingestor::new(shared).await.unwrap(),
        log.clone(),
        rapport_engine::worker::WorkerConfig {
            max_wait: Duration::from_millis(200),
            exit_when_drained: true,
            ..Default::default()
        },
        std::future::pending(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(done.total_posts, 1_000);
    assert_eq!(store.post_count().await.unwrap(), 1_000);
    assert_eq!(done.total.new_mentions, 200, "the workers matched them");
}
