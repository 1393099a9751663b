//! The hourly [`AlertRunner`] end to end: posts through the real ingestor into a SQLite
//! store (rollups kept by the writer), rules stored with sealed webhook secrets, alerts
//! judged for one hour and delivered to a local receiver, once per rule and hour.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing;
use axum::{Json, Router};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_engine::alerts::notify::{Notifier, NotifierConfig};
use rapport_engine::alerts::{AlertRunner, DetectorConfig};
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post};
use rapport_sources::http::SafetyPolicy;
use rapport_store::alerts::NewAlertRule;
use rapport_store::{
    AlertStore, AnalyticsStore, PostgresOptions, PostgresStore, Secret, SecretKey, SqliteOptions,
    SqliteStore, Store,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

async fn receive(State(received): State<Received>, headers: HeaderMap, Json(body): Json<Value>) {
    received.lock().unwrap().push((headers, body));
}

fn post(id: usize, at: DateTime<Utc>, text: &str, followers: u64) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: format!("p{id}"),
        url: None,
        author: Author {
            handle: format!("author{}", id % 50),
            display_name: None,
            followers: Some(followers),
        },
        title: None,
        text: text.into(),
        language: Some("en".into()),
        created_at: at,
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

/// A receiver of webhooks on a local port: what it got, and the URL to POST to.
async fn receiver() -> (Received, String) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route("/hook", routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (received, format!("http://127.0.0.1:{port}/hook"))
}

/// Any store that keeps posts, rollups and alerts.
trait AlertBackend: Store + AnalyticsStore + AlertStore {}
impl<T: Store + AnalyticsStore + AlertStore> AlertBackend for T {}

/// Four weeks of two calm mentions an hour, then an hour with 40, one of them by a big
/// account and one asking for a refund; four rules (three of which fire on that hour)
/// delivering to `hook`. Returns the hour.
async fn fill(store: Arc<dyn AlertBackend>, key: &SecretKey, hook: &str) -> DateTime<Utc> {
    let ws = store.create_workspace("Orvella").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Orvella".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let hour = Utc.with_ymd_and_hms(2026, 3, 30, 14, 0, 0).unwrap();
    let mut posts = Vec::new();
    let mut id = 0;
    for h in 1..=(28 * 24) {
        for m in [10, 40] {
            id += 1;
            posts.push(post(
                id,
                hour - Duration::hours(h) + Duration::minutes(m),
                "orvella is fine",
                100,
            ));
        }
    }
    for m in 0..40 {
        id += 1;
        let text = match m {
            7 => "orvella kettle: I want a refund now",
            _ => "orvella kettle everywhere today",
        };
        let followers = if m == 3 { 250_000 } else { 100 };
        posts.push(post(id, hour + Duration::minutes(m), text, followers));
    }
    let shared: Arc<dyn Store> = store.clone();
    let ingestor = Ingestor::new(shared).await.unwrap();
    for chunk in posts.chunks(2000) {
        ingestor.ingest(chunk.to_vec()).await.unwrap();
    }
    let rule = |kind: &str, thresholds: Value, monitor| NewAlertRule {
        workspace_id: ws.id,
        monitor_id: monitor,
        kind: kind.into(),
        thresholds,
        webhook_url: hook.to_string(),
        webhook_format: "generic".into(),
        webhook_secret: Some(Secret::new("whsec-test-1")),
        cooldown_minutes: 0,
        email_to: Vec::new(),
        digest: None,
    };
    for new in [
        rule("volume", json!({"kind": "volume_spike"}), Some(monitor.id)),
        rule(
            "reach",
            json!({"kind": "reach_above", "followers": 100_000}),
            None,
        ),
        rule(
            "query",
            json!({"kind": "query_match", "query": "refund*"}),
            Some(monitor.id),
        ),
        rule(
            "query",
            json!({"kind": "query_match", "query": "recall"}),
            Some(monitor.id),
        ),
        // The hour's "kettle everywhere today" is in 40 of the last day's mentions and in
        // none of the six days before: it emerges for a floor of 10, not for one of 50.
        rule(
            "theme",
            json!({"kind": "theme_emerging", "min_posts": 10}),
            Some(monitor.id),
        ),
        rule(
            "theme",
            json!({"kind": "theme_emerging", "min_posts": 50}),
            None,
        ),
    ] {
        store.add_alert_rule(new, key).await.unwrap();
    }
    hour
}

/// A runner over `store` whose webhooks may reach loopback.
fn runner(store: Arc<dyn AlertBackend>, key: &SecretKey) -> AlertRunner {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    AlertRunner::new(
        store.clone(),
        store.clone(),
        store,
        key.clone(),
        Notifier::new(policy, NotifierConfig::default()).unwrap(),
        DetectorConfig::default(),
    )
}

#[tokio::test]
async fn spike_reach_and_query_rules_fire_once_for_the_hour_and_are_delivered() {
    let (received, hook) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn AlertBackend> =
        Arc::new(SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap());
    let key = SecretKey::generate().unwrap();
    let hour = fill(store.clone(), &key, &hook).await;
    let runner = runner(store, &key);

    let report = runner.run_hour(hour + Duration::minutes(5)).await.unwrap();
    let sentences: Vec<&str> = report.fired.iter().map(|a| a.sentence.as_str()).collect();
    assert_eq!(report.judged, 6, "{sentences:?}");
    assert_eq!(report.fired.len(), 4, "{sentences:?}");
    assert!(
        sentences[0].starts_with("Orvella: 40 mentions"),
        "{sentences:?}"
    );
    assert!(
        sentences[1].starts_with("All monitors: @author48 (250000 followers"),
        "{sentences:?}"
    );
    assert!(sentences[2].contains("refund*"), "{sentences:?}");
    assert!(
        sentences[3].starts_with("Orvella: people are suddenly talking about \"")
            && sentences[3].contains("kettle")
            && sentences[3].contains("0 of the"),
        "{sentences:?}"
    );
    assert_eq!(
        report.fired[3].observed, 39,
        "the refund post says it differently"
    );
    assert_eq!(report.delivered, 4);
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 4);
    for (headers, body) in &received {
        assert!(headers["x-rapport-signature"]
            .to_str()
            .unwrap()
            .starts_with("sha256="));
        assert_eq!(body["workspace"], "Orvella");
    }

    // The same hour again: nothing new fires or is sent.
    let again = runner.run_hour(hour).await.unwrap();
    assert!(again.fired.is_empty(), "{:?}", again.fired);
    // A calm hour fires nothing.
    let calm = runner.run_hour(hour - Duration::hours(3)).await.unwrap();
    assert!(calm.fired.is_empty(), "{:?}", calm.fired);
}

/// The database of the PostgreSQL test, unless `RAPPORT_TEST_POSTGRES` names another.
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Two handles (two processes' pools) on one fresh schema, or `None` (after saying so) when
/// PostgreSQL cannot be reached and `RAPPORT_REQUIRE_POSTGRES` is not 1.
async fn two_postgres_handles() -> Option<(PostgresStore, PostgresStore)> {
    let url = std::env::var("RAPPORT_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    let schema = format!(
        "rapport_alerts_{}_{}",
        std::process::id(),
        Utc::now().timestamp_subsec_nanos()
    );
    let options = || PostgresOptions {
        schema: Some(schema.clone()),
        pool_size: 4,
        connect_timeout: std::time::Duration::from_secs(3),
        ..PostgresOptions::default()
    };
    match PostgresStore::connect(&url, options()).await {
        Ok(first) => {
            let second = PostgresStore::connect(&url, options()).await.unwrap();
            Some((first, second))
        }
        Err(e) if std::env::var("RAPPORT_REQUIRE_POSTGRES").as_deref() != Ok("1") => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {url} ({e})");
            None
        }
        Err(e) => panic!("PostgreSQL store could not start: {e}"),
    }
}

/// Two `rapport serve` processes on one PostgreSQL judge the same hour at once: every
/// firing is recorded and delivered exactly once, by whichever process inserted it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_on_one_postgresql_deliver_each_firing_once() {
    let Some((first, second)) = two_postgres_handles().await else {
        return;
    };
    let (received, hook) = receiver().await;
    let key = SecretKey::generate().unwrap();
    let hour = fill(Arc::new(first.clone()), &key, &hook).await;
    let a = runner(Arc::new(first.clone()), &key);
    let b = runner(Arc::new(second), &key);
    let (ra, rb) = tokio::join!(a.run_hour(hour), b.run_hour(hour));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // Six rules judged by each (the theme rules included); four fire.
    assert_eq!(ra.judged, 6);
    assert_eq!(rb.judged, 6);
    assert_eq!(
        ra.fired.len() + rb.fired.len(),
        4,
        "{:?} / {:?}",
        ra.fired,
        rb.fired
    );
    assert_eq!(ra.delivered + rb.delivered, 4);
    assert_eq!(received.lock().unwrap().len(), 4, "each firing sent once");
    let again = a.run_hour(hour).await.unwrap();
    assert!(again.fired.is_empty());
    assert_eq!(received.lock().unwrap().len(), 4);
    first.drop_schema().await.unwrap();
}
