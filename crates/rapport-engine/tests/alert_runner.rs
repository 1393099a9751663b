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
use rapport_store::{AlertStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store};
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

#[tokio::test]
async fn spike_reach_and_query_rules_fire_once_for_the_hour_and_are_delivered() {
    let received: Received = Arc::default();
    let app = Router::new()
        .route("/hook", routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
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
    // Four weeks of two calm mentions an hour, then an hour with 40, one of them by a big
    // account and one asking for a refund.
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
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared.clone()).await.unwrap();
    for chunk in posts.chunks(2000) {
        ingestor.ingest(chunk.to_vec()).await.unwrap();
    }

    let key = SecretKey::generate().unwrap();
    let hook = format!("http://127.0.0.1:{port}/hook");
    let rule = |kind: &str, thresholds: Value, monitor| NewAlertRule {
        workspace_id: ws.id,
        monitor_id: monitor,
        kind: kind.into(),
        thresholds,
        webhook_url: hook.clone(),
        webhook_format: "generic".into(),
        webhook_secret: Some(Secret::new("whsec-test-1")),
        cooldown_minutes: 0,
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
        store.add_alert_rule(new, &key).await.unwrap();
    }
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    let runner = AlertRunner::new(
        shared.clone(),
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        key,
        Notifier::new(policy, NotifierConfig::default()).unwrap(),
        DetectorConfig::default(),
    );

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
