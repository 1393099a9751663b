//! Alert rules, alerts and deliveries: secrets sealed, one alert per rule and hour (also
//! between processes racing for the same hour), deliveries, deletion.

use crate::backend::{AnyStore, Backend};
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{MonitorKind, NewMonitor, WorkspaceId};
use rapport_store::alerts::{
    AlertRule, Delivery, DeliveryStatus, DigestOutcome, DigestPeriod, NewAlert, NewAlertRule,
};
use rapport_store::{Secret, SecretKey};

conformance!(
    rules_alerts_and_deliveries_round_trip,
    one_alert_per_rule_and_hour_across_processes,
    deleting_a_rule_takes_its_alerts_and_stays_in_its_workspace,
    workspace_alerts_are_newest_first_since_a_time,
    email_deliveries_keep_their_own_cooldown_and_recipients_can_change,
    a_digest_is_claimed_once_per_rule_and_period_across_processes,
);

async fn rule(
    store: &dyn AnyStore,
    key: &SecretKey,
    workspace: WorkspaceId,
    secret: Option<&str>,
) -> AlertRule {
    store
        .add_alert_rule(
            NewAlertRule {
                workspace_id: workspace,
                monitor_id: None,
                kind: "volume".into(),
                thresholds: serde_json::json!({"kind": "volume_spike"}),
                webhook_url: "https://hooks.example/x".into(),
                webhook_format: "generic".into(),
                webhook_secret: secret.map(Secret::new),
                cooldown_minutes: 60,
                email_to: Vec::new(),
                digest: None,
            },
            key,
        )
        .await
        .unwrap()
}

fn alert(rule: &AlertRule, hour: chrono::DateTime<Utc>) -> NewAlert {
    NewAlert {
        rule_id: rule.id,
        hour,
        sentence: "412 mentions in the hour vs about 95 expected".into(),
        observed: 412,
        expected: 95.0,
        z: 9.3,
        p: 1e-40,
    }
}

async fn rules_alerts_and_deliveries_round_trip(b: Backend) {
    let store = &*b.store;
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
                webhook_secret: Some(Secret::new("s3cret-alert-key")),
                cooldown_minutes: 30,
                email_to: vec!["ops@example.org".into(), "Ana <ana@example.org>".into()],
                digest: Some(DigestPeriod::Daily),
            },
            &key,
        )
        .await
        .unwrap();
    assert!(rule.has_secret);
    assert!(rule.enabled);
    assert_eq!(rule.cooldown_minutes, 30);
    assert_eq!(rule.monitor_id, Some(monitor.id));
    assert_eq!(rule.thresholds, serde_json::json!({"kind": "volume_spike"}));
    assert_eq!(
        rule.email_to,
        vec!["ops@example.org", "Ana <ana@example.org>"]
    );
    assert_eq!(rule.digest, Some(DigestPeriod::Daily));
    assert_eq!(
        store.alert_rules(Some(ws.id)).await.unwrap(),
        vec![rule.clone()]
    );
    assert_eq!(store.alert_rules(None).await.unwrap(), vec![rule.clone()]);
    let other = store.create_workspace("other").await.unwrap();
    assert!(store.alert_rules(Some(other.id)).await.unwrap().is_empty());
    let secret = store
        .alert_rule_secret(rule.id, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secret.expose(), "s3cret-alert-key");
    // The secret is sealed at rest: another key cannot open it, and the clear text is
    // nowhere in the database.
    let wrong = SecretKey::generate().unwrap();
    assert!(store.alert_rule_secret(rule.id, &wrong).await.is_err());
    assert!(!b.stored_anywhere(b"s3cret-alert-key").await);
    let unsigned = self::rule(store, &key, ws.id, None).await;
    assert!(!unsigned.has_secret);
    assert!(store
        .alert_rule_secret(unsigned.id, &key)
        .await
        .unwrap()
        .is_none());

    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let new = alert(&rule, hour);
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
                status: DeliveryStatus::Failed,
                attempts: 1,
                last_error: Some("HTTP 500".into()),
                finished_at: at,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.last_delivered_at(rule.id).await.unwrap(),
        None,
        "a failed delivery does not start the cooldown"
    );
    // Settling it again replaces the outcome.
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
    assert_eq!(delivery.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(delivery.finished_at, at);
    // Newest hour first, limited.
    let later = store
        .record_alert(alert(&rule, hour + Duration::hours(1)))
        .await
        .unwrap()
        .unwrap();
    let listed = store.alerts(rule.id, 1).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, later.id);
}

/// Several processes (`rapport serve` on one PostgreSQL) judge the same hour at once: the
/// alert row is the claim, and exactly one of them gets it back to deliver.
async fn one_alert_per_rule_and_hour_across_processes(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let rule = rule(store, &key, ws.id, None).await;
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open_again().await);
    }
    for round in 0..5 {
        let hour = Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0).unwrap() + Duration::hours(round);
        let tasks: Vec<_> = handles
            .iter()
            .map(|h| {
                let h = h.clone();
                let new = alert(&rule, hour);
                tokio::spawn(async move { h.record_alert(new).await.unwrap() })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            if task.await.unwrap().is_some() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "exactly one process records hour {hour}");
    }
    assert_eq!(store.alerts(rule.id, 100).await.unwrap().len(), 5);
}

async fn deleting_a_rule_takes_its_alerts_and_stays_in_its_workspace(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("other").await.unwrap();
    let rule = rule(store, &key, ws.id, Some("k")).await;
    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let fired = store
        .record_alert(alert(&rule, hour))
        .await
        .unwrap()
        .unwrap();
    store
        .record_delivery(
            fired.id,
            Delivery {
                status: DeliveryStatus::Delivered,
                attempts: 1,
                last_error: None,
                finished_at: hour,
            },
        )
        .await
        .unwrap();
    assert!(
        !store.delete_alert_rule(other.id, rule.id).await.unwrap(),
        "another workspace cannot delete it"
    );
    assert_eq!(store.alert_rules(Some(ws.id)).await.unwrap().len(), 1);
    assert!(store.delete_alert_rule(ws.id, rule.id).await.unwrap());
    assert!(store.alert_rules(Some(ws.id)).await.unwrap().is_empty());
    assert!(store.alerts(rule.id, 10).await.unwrap().is_empty());
    assert!(!store.delete_alert_rule(ws.id, rule.id).await.unwrap());
    assert!(store.alert_rule_secret(rule.id, &key).await.is_err());
}

async fn workspace_alerts_are_newest_first_since_a_time(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("other").await.unwrap();
    let a = rule(store, &key, ws.id, None).await;
    let c = rule(store, &key, ws.id, None).await;
    let theirs = rule(store, &key, other.id, None).await;
    let before = Utc::now() - Duration::seconds(5);
    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let first = store.record_alert(alert(&a, hour)).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = store.record_alert(alert(&c, hour)).await.unwrap().unwrap();
    store
        .record_alert(alert(&theirs, hour))
        .await
        .unwrap()
        .unwrap();
    let listed = store.workspace_alerts(ws.id, before, 10).await.unwrap();
    let ids: Vec<_> = listed.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![second.id, first.id]);
    assert_eq!(
        store
            .workspace_alerts(ws.id, before, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let future = Utc::now() + Duration::hours(1);
    assert!(store
        .workspace_alerts(ws.id, future, 10)
        .await
        .unwrap()
        .is_empty());
}

fn delivered(at: chrono::DateTime<Utc>) -> Delivery {
    Delivery {
        status: DeliveryStatus::Delivered,
        attempts: 2,
        last_error: Some("421 try again later".into()),
        finished_at: at,
    }
}

async fn email_deliveries_keep_their_own_cooldown_and_recipients_can_change(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("other").await.unwrap();
    let rule = rule(store, &key, ws.id, None).await;
    assert!(rule.email_to.is_empty());
    assert_eq!(rule.digest, None);
    let hour = Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
    let fired = store
        .record_alert(alert(&rule, hour))
        .await
        .unwrap()
        .unwrap();
    assert!(fired.email_delivery.is_none());
    let at = hour + Duration::minutes(2);
    store
        .record_email_delivery(fired.id, delivered(at))
        .await
        .unwrap();
    assert_eq!(store.last_emailed_at(rule.id).await.unwrap(), Some(at));
    assert_eq!(
        store.last_delivered_at(rule.id).await.unwrap(),
        None,
        "the webhook's cooldown is its own"
    );
    let listed = store.alerts(rule.id, 10).await.unwrap();
    assert_eq!(listed[0].email_delivery, Some(delivered(at)));
    assert!(listed[0].delivery.is_none());

    let to = vec!["a@example.org".to_string(), "b@example.org".to_string()];
    assert!(!store
        .set_alert_rule_email(other.id, rule.id, to.clone(), None)
        .await
        .unwrap());
    assert!(store
        .set_alert_rule_email(ws.id, rule.id, to.clone(), Some(DigestPeriod::Hourly))
        .await
        .unwrap());
    let read = store.alert_rules(Some(ws.id)).await.unwrap();
    assert_eq!(read[0].email_to, to);
    assert_eq!(read[0].digest, Some(DigestPeriod::Hourly));
    assert!(store
        .set_alert_rule_email(ws.id, rule.id, Vec::new(), None)
        .await
        .unwrap());
    let read = store.alert_rules(Some(ws.id)).await.unwrap();
    assert!(read[0].email_to.is_empty());
    assert_eq!(read[0].digest, None);
    // Deleting the rule takes its e-mail deliveries along.
    assert!(store.delete_alert_rule(ws.id, rule.id).await.unwrap());
    assert_eq!(store.last_emailed_at(rule.id).await.unwrap(), None);
}

async fn a_digest_is_claimed_once_per_rule_and_period_across_processes(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let rule = rule(store, &key, ws.id, None).await;
    let day = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    assert_eq!(DigestPeriod::Daily.start_of(day + Duration::hours(17)), day);
    assert_eq!(
        DigestPeriod::Hourly.start_of(day + Duration::minutes(95)),
        day + Duration::hours(1)
    );
    for h in [3, 9, 23, 24] {
        store
            .record_alert(alert(&rule, day + Duration::hours(h)))
            .await
            .unwrap()
            .unwrap();
    }
    let of_day = store
        .alerts_between(rule.id, day, day + Duration::days(1), 100)
        .await
        .unwrap();
    let hours: Vec<_> = of_day.iter().map(|a| a.alert.hour).collect();
    assert_eq!(
        hours,
        vec![
            day + Duration::hours(3),
            day + Duration::hours(9),
            day + Duration::hours(23)
        ],
        "oldest first, the next day's left out"
    );
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open_again().await);
    }
    let tasks: Vec<_> = handles
        .iter()
        .map(|h| {
            let h = h.clone();
            let id = rule.id;
            tokio::spawn(async move { h.claim_digest(id, day).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap());
    }
    assert_eq!(won, 1, "one process sends the day's digest");
    let claimed = store.digests(rule.id, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].period_start, day);
    assert!(claimed[0].outcome.is_none());
    let outcome = DigestOutcome {
        alerts: 3,
        webhook: Some(DeliveryStatus::Delivered),
        email: Some(DeliveryStatus::Failed),
        last_error: Some("550 no such user".into()),
        finished_at: day + Duration::days(1) + Duration::minutes(6),
    };
    store
        .finish_digest(rule.id, day, outcome.clone())
        .await
        .unwrap();
    assert!(store
        .claim_digest(rule.id, day + Duration::days(1))
        .await
        .unwrap());
    let digests = store.digests(rule.id, 10).await.unwrap();
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[0].period_start, day + Duration::days(1));
    assert_eq!(digests[1].outcome, Some(outcome));
    assert!(store.delete_alert_rule(ws.id, rule.id).await.unwrap());
    assert!(store.digests(rule.id, 10).await.unwrap().is_empty());
}
