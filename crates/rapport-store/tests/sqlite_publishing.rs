//! Publishing on SQLite (the only backend with it so far): accounts with sealed secrets,
//! drafts and their status flow, deliveries claimed with their key before sending.

use chrono::{Duration, Utc};
use rapport_store::publishing::{
    DeliveryOutcome, DraftFilter, DraftPoll, DraftStatus, NewDraft, NewPublishAccount,
    PublishAccountId, TargetStatus, Transition,
};
use rapport_store::{
    PublishStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store, StoreError,
};

async fn setup() -> (tempfile::TempDir, SqliteStore, SecretKey) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).unwrap();
    (dir, store, SecretKey::generate().unwrap())
}

fn account(workspace: rapport_model::WorkspaceId, name: &str) -> NewPublishAccount {
    NewPublishAccount {
        workspace_id: workspace,
        kind: "mastodon".into(),
        display_name: name.into(),
        settings: serde_json::json!({"instance": "https://mastodon.example"}),
        secret: Secret::new("very-secret-token"),
    }
}

#[tokio::test]
async fn accounts_keep_their_secret_sealed_and_names_unique() {
    let (dir, store, key) = setup().await;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let added = store
        .add_publish_account(account(ws.id, "Acme"), &key)
        .await
        .unwrap();
    assert_eq!(added.settings["instance"], "https://mastodon.example");
    assert!(matches!(
        store
            .add_publish_account(account(ws.id, "Acme"), &key)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    // Another workspace may use the same name.
    store
        .add_publish_account(account(other.id, "Acme"), &key)
        .await
        .unwrap();
    assert_eq!(
        store.publish_accounts(ws.id).await.unwrap(),
        vec![added.clone()]
    );
    assert_eq!(
        store
            .publish_account_secret(added.id, &key)
            .await
            .unwrap()
            .expose(),
        "very-secret-token"
    );
    let wrong = SecretKey::generate().unwrap();
    assert!(store
        .publish_account_secret(added.id, &wrong)
        .await
        .is_err());
    assert!(format!("{added:?}").find("very-secret").is_none());
    drop(store);
    let bytes = std::fs::read(dir.path().join("rapport.db")).unwrap();
    let wal = std::fs::read(dir.path().join("rapport.db-wal")).unwrap_or_default();
    for file in [bytes, wal] {
        assert!(
            !file.windows(17).any(|w| w == b"very-secret-token"),
            "the token is never stored in clear"
        );
    }
}

#[tokio::test]
async fn drafts_flow_from_approval_to_sent_with_one_key_per_delivery() {
    let (_dir, store, key) = setup().await;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let a = store
        .add_publish_account(account(ws.id, "A"), &key)
        .await
        .unwrap();
    let b = store
        .add_publish_account(account(ws.id, "B"), &key)
        .await
        .unwrap();
    let foreign = store
        .add_publish_account(account(other.id, "F"), &key)
        .await
        .unwrap();
    assert_eq!(store.time_zone(ws.id).await.unwrap(), "UTC");
    store.set_time_zone(ws.id, "Europe/Paris").await.unwrap();
    assert_eq!(store.time_zone(ws.id).await.unwrap(), "Europe/Paris");

    let new = |targets: Vec<PublishAccountId>| NewDraft {
        workspace_id: ws.id,
        author_id: None,
        text: "Hello".into(),
        targets: targets.into_iter().map(|t| (t, None)).collect(),
        poll: Some(DraftPoll {
            options: vec!["yes".into(), "no".into()],
            duration_minutes: 60,
        }),
        status: DraftStatus::PendingApproval,
        scheduled_at: None,
    };
    assert!(matches!(
        store.create_draft(new(vec![a.id, foreign.id])).await,
        Err(StoreError::NotFound {
            what: "account",
            ..
        })
    ));
    let mut with_variant = new(vec![a.id, b.id]);
    with_variant.targets[1].1 = Some("Hello B".into());
    let draft = store.create_draft(with_variant).await.unwrap();
    assert_eq!(draft.status, DraftStatus::PendingApproval);
    assert_eq!(draft.targets.len(), 2);
    assert!(draft
        .targets
        .iter()
        .all(|t| t.status == TargetStatus::Waiting));
    assert_eq!(draft.poll.as_ref().unwrap().options, vec!["yes", "no"]);
    assert!(store.draft(other.id, draft.id).await.unwrap().is_none());

    // Nothing is due before it is scheduled.
    let now = Utc::now();
    assert!(store
        .claim_due_deliveries(now, 10)
        .await
        .unwrap()
        .is_empty());
    // A transition from the wrong status is a conflict.
    assert!(matches!(
        store
            .transition_draft(
                ws.id,
                draft.id,
                Transition {
                    from: vec![DraftStatus::Approved],
                    to: DraftStatus::Scheduled,
                    scheduled_at: Some(now),
                    approved_by: None,
                },
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let at = now + Duration::minutes(10);
    let scheduled = store
        .transition_draft(
            ws.id,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(at),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(scheduled.status, DraftStatus::Scheduled);
    assert!(scheduled
        .targets
        .iter()
        .all(|t| t.status == TargetStatus::Pending));
    let comment = store
        .add_draft_comment(ws.id, draft.id, None, "looks good")
        .await
        .unwrap();
    assert_eq!(comment.body, "looks good");

    // Listing filters by status and schedule range.
    let listed = |statuses: Vec<DraftStatus>, from, until| DraftFilter {
        statuses,
        from,
        until,
        limit: 0,
    };
    assert_eq!(
        store
            .drafts(ws.id, &listed(vec![DraftStatus::Scheduled], None, None))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .drafts(ws.id, &listed(vec![DraftStatus::Sent], None, None))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .drafts(
            ws.id,
            &listed(vec![], Some(at + Duration::minutes(1)), None)
        )
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .drafts(
                ws.id,
                &listed(vec![], Some(now), Some(at + Duration::minutes(1)))
            )
            .await
            .unwrap()
            .len(),
        1
    );

    // Claimed when due: sending, with a stored key; claimed once.
    assert!(store
        .claim_due_deliveries(now, 10)
        .await
        .unwrap()
        .is_empty());
    let claimed = store.claim_due_deliveries(at, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed
        .iter()
        .all(|d| d.idempotency_key.starts_with("rapport-")));
    assert_ne!(claimed[0].idempotency_key, claimed[1].idempotency_key);
    assert_eq!(claimed[1].text, "Hello B", "the variant is sent");
    assert!(store.claim_due_deliveries(at, 10).await.unwrap().is_empty());
    assert_eq!(store.stuck_deliveries().await.unwrap().len(), 2);
    let sending = store.draft(ws.id, draft.id).await.unwrap().unwrap();
    assert_eq!(sending.status, DraftStatus::Sending);

    // A retry keeps the key.
    store
        .finish_delivery(
            claimed[0].id,
            DeliveryOutcome::Retry {
                at: at + Duration::minutes(1),
                error: "HTTP 503".into(),
            },
        )
        .await
        .unwrap();
    store
        .finish_delivery(
            claimed[1].id,
            DeliveryOutcome::Sent {
                native_id: "1".into(),
                url: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.draft(ws.id, draft.id).await.unwrap().unwrap().status,
        DraftStatus::Sending
    );
    let again = store
        .claim_due_deliveries(at + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].idempotency_key, claimed[0].idempotency_key);
    assert_eq!(again[0].attempts, 2);
    store
        .finish_delivery(
            again[0].id,
            DeliveryOutcome::Failed {
                error: "Validation failed".into(),
            },
        )
        .await
        .unwrap();
    let done = store.draft(ws.id, draft.id).await.unwrap().unwrap();
    assert_eq!(
        done.status,
        DraftStatus::Failed,
        "one target failed for good"
    );
    assert_eq!(
        done.targets[0].last_error.as_deref(),
        Some("Validation failed")
    );
    assert_eq!(done.targets[1].status, TargetStatus::Sent);
    assert_eq!(done.comments.len(), 1);

    // A sent or failed draft cannot be cancelled.
    assert!(matches!(
        store
            .transition_draft(
                ws.id,
                draft.id,
                Transition {
                    from: vec![DraftStatus::Scheduled],
                    to: DraftStatus::Cancelled,
                    scheduled_at: None,
                    approved_by: None,
                },
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
}
