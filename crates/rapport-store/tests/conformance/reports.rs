//! Weekly report schedules, and one send per workspace and week across processes.

use crate::backend::Backend;
use chrono::Utc;
use rapport_store::alerts::{Delivery, DeliveryStatus};
use rapport_store::reports::ReportSchedule;

conformance!(
    schedules_round_trip_and_are_replaced,
    a_week_is_sent_once_across_processes,
);

async fn schedules_round_trip_and_are_replaced(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("other").await.unwrap();
    assert_eq!(store.report_schedule(ws.id).await.unwrap(), None);
    let schedule = ReportSchedule {
        workspace_id: ws.id,
        recipients: vec!["ops@example.org".into(), "Ana <ana@example.org>".into()],
        weekday: 0,
        hour: 9,
        time_zone: "Europe/Paris".into(),
        enabled: true,
    };
    store.set_report_schedule(schedule.clone()).await.unwrap();
    assert_eq!(
        store.report_schedule(ws.id).await.unwrap(),
        Some(schedule.clone())
    );
    let changed = ReportSchedule {
        weekday: 4,
        hour: 17,
        time_zone: "America/New_York".into(),
        enabled: false,
        recipients: vec!["boss@example.org".into()],
        ..schedule
    };
    store.set_report_schedule(changed.clone()).await.unwrap();
    assert_eq!(store.report_schedules().await.unwrap(), vec![changed]);
    assert!(!store.delete_report_schedule(other.id).await.unwrap());
    assert!(store.delete_report_schedule(ws.id).await.unwrap());
    assert!(store.report_schedules().await.unwrap().is_empty());
}

async fn a_week_is_sent_once_across_processes(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(b.open_again().await);
    }
    let tasks: Vec<_> = handles
        .iter()
        .map(|h| {
            let h = h.clone();
            let id = ws.id;
            tokio::spawn(async move { h.claim_report_send(id, "2026-W10").await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap());
    }
    assert_eq!(won, 1, "one process sends the week's report");
    let sends = store.report_sends(ws.id, 10).await.unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].week, "2026-W10");
    assert_eq!(sends[0].delivery, None);
    let at = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let delivery = Delivery {
        status: DeliveryStatus::Delivered,
        attempts: 2,
        last_error: Some("421 busy".into()),
        finished_at: at,
    };
    store
        .finish_report_send(ws.id, "2026-W10", delivery.clone())
        .await
        .unwrap();
    assert!(store.claim_report_send(ws.id, "2026-W11").await.unwrap());
    let sends = store.report_sends(ws.id, 10).await.unwrap();
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[0].week, "2026-W11");
    assert_eq!(sends[1].delivery, Some(delivery));
}
