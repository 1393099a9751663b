//! Publishing: accounts with sealed secrets, drafts and their status flow, deliveries
//! claimed with their key before sending, claims that expire before anyone else may take a
//! delivery over, and concurrent claimers that never get the same delivery.

use crate::backend::{AnyStore, Backend};
use chrono::{Duration, Utc};
use rapport_model::WorkspaceId;
use rapport_store::publishing::{
    ClaimLease, DeliveryOutcome, DraftFilter, DraftId, DraftPoll, DraftStatus, NewDraft,
    NewPublishAccount, PublishAccountId, TargetStatus, Transition,
};
use rapport_store::{Secret, SecretKey, StoreError};
use std::collections::HashSet;
use std::sync::Arc;

conformance!(
    accounts_keep_their_secret_sealed_and_names_unique,
    drafts_flow_from_approval_to_sent_with_one_key_per_delivery,
    a_sending_delivery_is_taken_over_only_after_its_claim_expires,
    concurrent_claimers_never_get_the_same_delivery,
    weekly_slots_belong_to_their_workspace,
);

async fn weekly_slots_belong_to_their_workspace(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    assert!(store.publish_slots(ws.id).await.unwrap().is_empty());
    let friday = store.add_publish_slot(ws.id, 4, 17 * 60).await.unwrap();
    let monday = store.add_publish_slot(ws.id, 0, 9 * 60 + 30).await.unwrap();
    assert_eq!((monday.weekday, monday.minute), (0, 570));
    assert!(matches!(
        store.add_publish_slot(ws.id, 4, 17 * 60).await,
        Err(StoreError::Conflict { value, .. }) if value == "Fri 17:00"
    ));
    assert!(matches!(
        store.add_publish_slot(WorkspaceId(9999), 0, 0).await,
        Err(StoreError::NotFound { .. })
    ));
    store.add_publish_slot(other.id, 4, 17 * 60).await.unwrap();
    assert_eq!(
        store.publish_slots(ws.id).await.unwrap(),
        vec![monday, friday],
        "by weekday then time"
    );
    assert!(matches!(
        store.remove_publish_slot(other.id, friday.id).await,
        Err(StoreError::NotFound { .. })
    ));
    store.remove_publish_slot(ws.id, friday.id).await.unwrap();
    assert_eq!(store.publish_slots(ws.id).await.unwrap(), vec![monday]);
    assert_eq!(store.publish_slots(other.id).await.unwrap().len(), 1);
}

fn account(workspace: WorkspaceId, name: &str) -> NewPublishAccount {
    NewPublishAccount {
        workspace_id: workspace,
        kind: "mastodon".into(),
        display_name: name.into(),
        settings: serde_json::json!({"instance": "https://mastodon.example"}),
        secret: Secret::new("very-secret-token"),
    }
}

fn lease(owner: &str) -> ClaimLease {
    ClaimLease::new(owner, Duration::minutes(5))
}

/// An approved draft to `account`, scheduled at `at`.
async fn scheduled(
    store: &dyn AnyStore,
    workspace: WorkspaceId,
    account: PublishAccountId,
    text: &str,
    at: chrono::DateTime<Utc>,
) -> DraftId {
    let draft = store
        .create_draft(NewDraft {
            workspace_id: workspace,
            author_id: None,
            text: text.into(),
            targets: vec![(account, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    store
        .transition_draft(
            workspace,
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
    draft.id
}

async fn accounts_keep_their_secret_sealed_and_names_unique(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
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
    assert!(matches!(
        store
            .add_publish_account(account(WorkspaceId(9999), "Nobody"), &key)
            .await,
        Err(StoreError::NotFound {
            what: "workspace",
            ..
        })
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
    assert!(matches!(
        store
            .publish_account_secret(PublishAccountId(9999), &key)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(!format!("{added:?}").contains("very-secret"));
    assert!(
        !b.stored_anywhere(b"very-secret-token").await,
        "the token is never stored in clear ({})",
        b.name()
    );
}

async fn drafts_flow_from_approval_to_sent_with_one_key_per_delivery(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let a = store
        .add_publish_account(account(ws.id, "A"), &key)
        .await
        .unwrap();
    let bee = store
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
    store
        .set_time_zone(ws.id, "America/New_York")
        .await
        .unwrap();
    assert_eq!(store.time_zone(ws.id).await.unwrap(), "America/New_York");
    assert!(matches!(
        store.set_time_zone(WorkspaceId(9999), "UTC").await,
        Err(StoreError::NotFound { .. })
    ));

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
    assert!(
        store
            .drafts(ws.id, &DraftFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "a refused draft leaves nothing behind"
    );
    let mut with_variant = new(vec![a.id, bee.id]);
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
    let me = lease("me");
    assert!(store
        .claim_due_deliveries(&me, now, 10)
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
    assert!(matches!(
        store
            .transition_draft(
                other.id,
                draft.id,
                Transition {
                    from: vec![DraftStatus::PendingApproval],
                    to: DraftStatus::Scheduled,
                    scheduled_at: Some(now),
                    approved_by: None,
                },
            )
            .await,
        Err(StoreError::NotFound { .. })
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
        .add_draft_comment(ws.id, draft.id, None, "looks <good>")
        .await
        .unwrap();
    assert_eq!(comment.body, "looks <good>");
    assert!(matches!(
        store
            .add_draft_comment(other.id, draft.id, None, "not yours")
            .await,
        Err(StoreError::NotFound { .. })
    ));

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
        .claim_due_deliveries(&me, now, 10)
        .await
        .unwrap()
        .is_empty());
    let claimed = store.claim_due_deliveries(&me, at, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed
        .iter()
        .all(|d| d.idempotency_key.starts_with("rapport-")));
    assert_ne!(claimed[0].idempotency_key, claimed[1].idempotency_key);
    assert_eq!(claimed[0].text, "Hello");
    assert_eq!(claimed[1].text, "Hello B", "the variant is sent");
    assert_eq!(claimed[0].poll.as_ref().unwrap().duration_minutes, 60);
    assert_eq!(claimed[0].account_kind, "mastodon");
    assert_eq!(
        claimed[0].account_settings["instance"],
        "https://mastodon.example"
    );
    assert!(store
        .claim_due_deliveries(&me, at, 10)
        .await
        .unwrap()
        .is_empty());
    // Their claims hold: nobody may take them over yet.
    assert!(store
        .claim_stuck_deliveries(&lease("peer"), at, 10)
        .await
        .unwrap()
        .is_empty());
    let sending = store.draft(ws.id, draft.id).await.unwrap().unwrap();
    assert_eq!(sending.status, DraftStatus::Sending);

    // A retry keeps the key.
    store
        .finish_delivery(
            claimed[0].id,
            "me",
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
            "me",
            DeliveryOutcome::Sent {
                native_id: "1".into(),
                url: Some("https://mastodon.example/@a/1".into()),
                followers: None,
            },
        )
        .await
        .unwrap();
    // Recording twice is refused: the claim is gone.
    assert!(matches!(
        store
            .finish_delivery(
                claimed[1].id,
                "me",
                DeliveryOutcome::Sent {
                    native_id: "1".into(),
                    url: None,
                    followers: None,
                },
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .finish_delivery(
                rapport_store::publishing::DeliveryId(9999),
                "me",
                DeliveryOutcome::Failed { error: "x".into() },
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let halfway = store.draft(ws.id, draft.id).await.unwrap().unwrap();
    assert_eq!(halfway.status, DraftStatus::Sending);
    assert_eq!(halfway.targets[0].status, TargetStatus::Pending);
    assert_eq!(halfway.targets[0].last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(halfway.targets[1].status, TargetStatus::Sent);
    assert_eq!(halfway.targets[1].native_id.as_deref(), Some("1"));
    assert!(halfway.targets[1].sent_at.is_some());
    let again = store
        .claim_due_deliveries(&me, at + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].idempotency_key, claimed[0].idempotency_key);
    assert_eq!(again[0].attempts, 2);
    store
        .finish_delivery(
            again[0].id,
            "me",
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
    assert_eq!(done.comments[0].body, "looks <good>");

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

    // A scheduled draft that is cancelled is never claimed.
    let later = self::scheduled(store, ws.id, a.id, "Later", at).await;
    let cancelled = store
        .transition_draft(
            ws.id,
            later,
            Transition {
                from: vec![DraftStatus::Scheduled],
                to: DraftStatus::Cancelled,
                scheduled_at: None,
                approved_by: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(cancelled.targets[0].status, TargetStatus::Cancelled);
    assert!(store
        .claim_due_deliveries(&me, at + Duration::hours(1), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn a_sending_delivery_is_taken_over_only_after_its_claim_expires(b: Backend) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let a = store
        .add_publish_account(account(ws.id, "A"), &key)
        .await
        .unwrap();
    let now = Utc::now();
    let id = scheduled(store, ws.id, a.id, "Launch", now).await;

    // The first scheduler claims it for a minute (and, say, dies after the network call).
    let first = ClaimLease::new("first", Duration::minutes(1));
    let claimed = store.claim_due_deliveries(&first, now, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);

    // A live claim is left alone by a peer, however often it looks.
    let peer = ClaimLease::new("peer", Duration::minutes(1));
    for seconds in [0, 30, 59] {
        assert!(store
            .claim_stuck_deliveries(&peer, now + Duration::seconds(seconds), 10)
            .await
            .unwrap()
            .is_empty());
    }
    assert!(matches!(
        store
            .finish_delivery(
                claimed[0].id,
                "peer",
                DeliveryOutcome::Failed { error: "x".into() }
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));

    // Once expired, the peer takes it over with the same key, and only the peer.
    let expired = now + Duration::seconds(61);
    let taken = store
        .claim_stuck_deliveries(&peer, expired, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, claimed[0].id);
    assert_eq!(taken[0].idempotency_key, claimed[0].idempotency_key);
    assert_eq!(taken[0].attempts, 2);
    assert!(store
        .claim_stuck_deliveries(&lease("third"), expired, 10)
        .await
        .unwrap()
        .is_empty());
    // The first holder cannot record its outcome any more.
    assert!(matches!(
        store
            .finish_delivery(
                claimed[0].id,
                "first",
                DeliveryOutcome::Sent {
                    native_id: "1".into(),
                    url: None,
                    followers: None,
                }
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .finish_delivery(
            taken[0].id,
            "peer",
            DeliveryOutcome::Sent {
                native_id: "1".into(),
                url: None,
                followers: None,
            },
        )
        .await
        .unwrap();
    let draft = store.draft(ws.id, id).await.unwrap().unwrap();
    assert_eq!(draft.status, DraftStatus::Sent);
    assert_eq!(draft.targets[0].attempts, 2);
    assert!(store
        .claim_stuck_deliveries(&peer, expired + Duration::hours(1), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn concurrent_claimers_never_get_the_same_delivery(b: Backend) {
    const DRAFTS: usize = 40;
    const CLAIMERS: usize = 4;
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("acme").await.unwrap();
    let a = store
        .add_publish_account(account(ws.id, "A"), &key)
        .await
        .unwrap();
    let bee = store
        .add_publish_account(account(ws.id, "B"), &key)
        .await
        .unwrap();
    let now = Utc::now();
    for i in 0..DRAFTS {
        // Two targets per draft: claims of one draft's targets race on its row too.
        let draft = store
            .create_draft(NewDraft {
                workspace_id: ws.id,
                author_id: None,
                text: format!("post {i}"),
                targets: vec![(a.id, None), (bee.id, None)],
                poll: None,
                status: DraftStatus::Approved,
                scheduled_at: None,
            })
            .await
            .unwrap();
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
            .await
            .unwrap();
    }
    let mut handles: Vec<Arc<dyn AnyStore>> = Vec::new();
    for _ in 0..CLAIMERS {
        handles.push(b.open_again().await);
    }

    // Every claimer (its own connections, as another process) claims in small batches until
    // nothing is left; then, once every claim has expired, they all race to take over.
    async fn race(
        handles: &[Arc<dyn AnyStore>],
        at: chrono::DateTime<Utc>,
        stuck: bool,
    ) -> Vec<(usize, i64)> {
        let mut tasks = Vec::new();
        for (n, handle) in handles.iter().enumerate() {
            let handle = handle.clone();
            tasks.push(tokio::spawn(async move {
                let lease = ClaimLease::new(format!("claimer-{n}"), Duration::minutes(1));
                let mut got = Vec::new();
                loop {
                    let batch = if stuck {
                        handle.claim_stuck_deliveries(&lease, at, 3).await
                    } else {
                        handle.claim_due_deliveries(&lease, at, 3).await
                    }
                    .unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|d| (n, d.id.0)));
                }
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    }

    for (round, at, stuck) in [
        ("claims", now, false),
        ("take-overs", now + Duration::minutes(2), true),
    ] {
        let all = race(&handles, at, stuck).await;
        let distinct: HashSet<i64> = all.iter().map(|(_, id)| *id).collect();
        assert_eq!(
            distinct.len(),
            all.len(),
            "{round}: a delivery was handed out twice ({})",
            b.name()
        );
        assert_eq!(all.len(), DRAFTS * 2, "{round}: every delivery once");
        let claimers: HashSet<usize> = all.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "{} {round}: {} deliveries over {} claimers",
            b.name(),
            all.len(),
            claimers.len()
        );
        // The store agrees with what was handed out: each is held by whoever got it.
        for (n, id) in &all {
            store
                .finish_delivery(
                    rapport_store::publishing::DeliveryId(*id),
                    &format!("claimer-{}", n + CLAIMERS),
                    DeliveryOutcome::Failed { error: "x".into() },
                )
                .await
                .expect_err("nobody else may record it");
        }
    }
    // Settle them all concurrently: every draft ends `sent` though its two targets finish
    // on different connections at once.
    let all = race(&handles, now + Duration::minutes(4), true).await;
    let mut tasks = Vec::new();
    for (n, id) in all {
        let handle = handles[n].clone();
        tasks.push(tokio::spawn(async move {
            handle
                .finish_delivery(
                    rapport_store::publishing::DeliveryId(id),
                    &format!("claimer-{n}"),
                    DeliveryOutcome::Sent {
                        native_id: id.to_string(),
                        url: None,
                        followers: None,
                    },
                )
                .await
                .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let drafts = store.drafts(ws.id, &DraftFilter::default()).await.unwrap();
    assert_eq!(drafts.len(), DRAFTS);
    assert!(
        drafts.iter().all(|d| d.status == DraftStatus::Sent),
        "{:?}",
        drafts.iter().map(|d| d.status).collect::<Vec<_>>()
    );
}
