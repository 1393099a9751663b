//! Alert rules, alerts and deliveries on SQLite (the only backend with alerts so far).

use chrono::{TimeZone, Utc};
use rapport_model::{MonitorKind, NewMonitor};
use rapport_store::alerts::{Delivery, DeliveryStatus, NewAlert, NewAlertRule};
use rapport_store::{AlertStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store};

#[tokio::test]
async fn rules_alerts_and_deliveries_round_trip() {
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
                webhook_url: "https://hooks.example/x".into(),
                webhook_format: "slack".into(),
                webhook_secret: Some(Secret::new("s3cret")),
                cooldown_minutes: 30,
            },
            &key,
        )
        .await
        .unwrap();
    assert!(rule.has_secret);
    assert_eq!(rule.cooldown_minutes, 30);
    assert_eq!(
        store.alert_rules(Some(ws.id)).await.unwrap(),
        vec![rule.clone()]
    );
    let other = store.create_workspace("other").await.unwrap();
    assert!(store.alert_rules(Some(other.id)).await.unwrap().is_empty());
    let secret = store
        .alert_rule_secret(rule.id, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secret.expose(), "s3cret");
    // The secret is sealed at rest: another key cannot open it.
    let wrong = SecretKey::generate().unwrap();
    assert!(store.alert_rule_secret(rule.id, &wrong).await.is_err());

    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let new = NewAlert {
        rule_id: rule.id,
        hour,
        sentence: "412 mentions in the hour vs about 95 expected".into(),
        observed: 412,
        expected: 95.0,
        z: 9.3,
        p: 1e-40,
    };
    let fired = store.record_alert(new.clone()).await.unwrap().unwrap();
    assert_eq!(fired.alert, new);
    assert!(fired.delivery.is_none());
    assert!(
        store.record_alert(new.clone()).await.unwrap().is_none(),
        "once per hour"
    );
    assert_eq!(store.last_delivered_at(rule.id).await.unwrap(), None);
    let at = Utc.with_ymd_and_hms(2026, 3, 3, 15, 0, 1).unwrap();
    store
        .record_delivery(
            fired.id,
            Delivery {
                status: DeliveryStatus::Delivered,
                attempts: 3,
                last_error: Some("HTTP 500".into()),
                finished_at: at,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.last_delivered_at(rule.id).await.unwrap(), Some(at));
    let listed = store.alerts(rule.id, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    let delivery = listed[0].delivery.clone().unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Delivered);
    assert_eq!(delivery.attempts, 3);
}
