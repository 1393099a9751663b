//! Webhook delivery against a local receiver that fails twice, then accepts.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{TimeZone, Utc};
use rapport_engine::alerts::notify::{sign, AlertMessage, Notifier, NotifierConfig};
use rapport_model::{MonitorKind, NewMonitor};
use rapport_sources::http::SafetyPolicy;
use rapport_store::alerts::{DeliveryStatus, NewAlert, NewAlertRule};
use rapport_store::{AlertStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Received {
    calls: u32,
    last: Option<(String, String, String)>,
}

async fn hook(
    State(state): State<Arc<Mutex<Received>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut s = state.lock().unwrap();
    s.calls += 1;
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    s.last = Some((h("x-rapport-timestamp"), h("x-rapport-signature"), body));
    if s.calls <= 2 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

fn message(hour: chrono::DateTime<Utc>) -> AlertMessage {
    AlertMessage {
        rule: 1,
        kind: "volume".into(),
        workspace: "acme".into(),
        monitor: Some("Acme".into()),
        hour,
        sentence: "412 mentions in the hour vs about 95 expected for a Tuesday 14:00 (z 9.3)"
            .into(),
        expected: 95.0,
        observed: 412,
        z: 9.3,
        p: 1e-40,
        link: None,
    }
}

#[tokio::test]
async fn retried_signed_and_cooled_down() {
    let received = Arc::new(Mutex::new(Received::default()));
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("http://{addr}/hook");

    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Acme".into(),
            kind: MonitorKind::Brand,
            query: "acme".into(),
        })
        .await
        .unwrap();
    let rule = store
        .add_alert_rule(
            NewAlertRule {
                workspace_id: ws.id,
                monitor_id: Some(monitor.id),
                kind: "volume".into(),
                thresholds: serde_json::json!({"kind": "volume_spike"}),
                webhook_url: url.clone(),
                webhook_format: "generic".into(),
                webhook_secret: Some(Secret::new("hush")),
                cooldown_minutes: 60,
                email_to: Vec::new(),
                digest: None,
            },
            &key,
        )
        .await
        .unwrap();
    let secret = store.alert_rule_secret(rule.id, &key).await.unwrap();

    // Loopback is refused by the default policy: nothing is sent.
    let strict = Notifier::new(SafetyPolicy::public_only(), NotifierConfig::default()).unwrap();
    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let refused = strict
        .send(
            &url,
            rapport_engine::alerts::notify::Format::Generic,
            None,
            &message(hour),
        )
        .await;
    assert_eq!(refused.attempts, 0);
    assert!(refused.error.is_some());
    assert_eq!(received.lock().unwrap().calls, 0);

    let policy = SafetyPolicy {
        allow: vec!["127.0.0.1".parse().unwrap()],
        ..SafetyPolicy::default()
    };
    let notifier = Notifier::new(
        policy,
        NotifierConfig {
            attempts: 3,
            first_backoff: Duration::from_millis(10),
            timeout: Duration::from_secs(5),
        },
    )
    .unwrap();
    let alert = |hour| NewAlert {
        rule_id: rule.id,
        hour,
        sentence: message(hour).sentence,
        observed: 412,
        expected: 95.0,
        z: 9.3,
        p: 1e-40,
    };
    let first = store.record_alert(alert(hour)).await.unwrap().unwrap();
    let delivery = notifier
        .deliver(&store, &rule, secret.as_ref(), &first, &message(hour))
        .await
        .unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 3);
    assert!(delivery.last_error.unwrap().contains("HTTP 500"));
    let (timestamp, signature, body) = received.lock().unwrap().last.clone().unwrap();
    let ts: i64 = timestamp.parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 60);
    assert_eq!(signature, sign(b"hush", ts, body.as_bytes()));
    assert_ne!(signature, sign(b"wrong", ts, body.as_bytes()));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["observed"], 412);
    assert_eq!(json["monitor"], "Acme");

    // A second alert within the cooldown is recorded but not sent.
    let next_hour = hour + chrono::Duration::hours(1);
    let second = store.record_alert(alert(next_hour)).await.unwrap().unwrap();
    let delivery = notifier
        .deliver(&store, &rule, secret.as_ref(), &second, &message(next_hour))
        .await
        .unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Suppressed);
    assert_eq!(received.lock().unwrap().calls, 3);
    let listed = store.alerts(rule.id, 10).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0].delivery.as_ref().unwrap().status,
        DeliveryStatus::Suppressed
    );
}

#[test]
fn chat_formats_are_text() {
    use rapport_engine::alerts::notify::{payload, Format};
    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    for format in [Format::Slack, Format::Mattermost] {
        let body = payload(format, &message(hour));
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("412 mentions"), "{text}");
        assert_eq!(body.as_object().unwrap().len(), 1);
    }
    assert_eq!("Slack".parse::<Format>().unwrap(), Format::Slack);
    assert!("teams".parse::<Format>().is_err());
}
