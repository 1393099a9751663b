//! Engagement: samples claimed once per target and slot (the claim that keeps two servers
//! from asking the network for the same slot), latest and series, stopped targets; short
//! links made once per URL position with their clicks and previews per hour; campaigns,
//! drafts' variants and the posts of a campaign with their counts.

use crate::backend::{AnyStore, Backend};
use chrono::{Duration, TimeZone, Utc};
use rapport_model::WorkspaceId;
use rapport_store::engagement::{CampaignId, Counts, LinkSettings, NewReplyLink, NewShortLink};
use rapport_store::publishing::{
    ClaimLease, DeliveryId, DeliveryOutcome, DraftId, DraftStatus, NewDraft, NewPublishAccount,
    Transition,
};
use rapport_store::{Secret, SecretKey, StoreError};

conformance!(
    samples_are_claimed_once_per_slot_and_read_back,
    short_links_are_made_once_and_count_clicks_apart_from_previews,
    campaigns_group_drafts_by_variant_with_their_counts,
    followers_are_kept_with_each_delivery,
    reply_links_are_made_once_per_reply_key,
);

/// A sent draft with one Mastodon target: (draft, delivery).
async fn sent(
    store: &dyn AnyStore,
    workspace: WorkspaceId,
    name: &str,
    native: &str,
) -> (DraftId, DeliveryId) {
    sent_to(store, workspace, name, native, None).await
}

/// The same, sent when the account had `followers`.
async fn sent_to(
    store: &dyn AnyStore,
    workspace: WorkspaceId,
    name: &str,
    native: &str,
    followers: Option<u64>,
) -> (DraftId, DeliveryId) {
    let key = SecretKey::generate().unwrap();
    let account = store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: workspace,
                kind: "mastodon".into(),
                display_name: name.into(),
                settings: serde_json::json!({"instance": "https://mastodon.example"}),
                secret: Secret::new("token"),
            },
            &key,
        )
        .await
        .unwrap();
    let draft = store
        .create_draft(NewDraft {
            workspace_id: workspace,
            author_id: None,
            text: format!("post {native}"),
            targets: vec![(account.id, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    let at = Utc::now() - Duration::minutes(1);
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
    let lease = ClaimLease::new("me", Duration::minutes(5));
    let claimed = store
        .claim_due_deliveries(&lease, Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .finish_delivery(
            claimed[0].id,
            "me",
            DeliveryOutcome::Sent {
                native_id: native.into(),
                url: None,
                followers,
            },
        )
        .await
        .unwrap();
    (draft.id, claimed[0].id)
}

async fn samples_are_claimed_once_per_slot_and_read_back(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let long_ago = Utc::now() - Duration::days(40);
    assert!(store
        .sampled_targets(long_ago, 10)
        .await
        .unwrap()
        .is_empty());
    let (_, delivery) = sent(store, ws.id, "Acme", "109").await;
    let targets = store.sampled_targets(long_ago, 10).await.unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].delivery_id, delivery);
    assert_eq!(targets[0].native_id, "109");
    assert_eq!(targets[0].account_kind, "mastodon");
    assert_eq!(targets[0].last_slot, None);
    // Posts sent before `since` are not sampled any more.
    assert!(store
        .sampled_targets(Utc::now() + Duration::minutes(1), 10)
        .await
        .unwrap()
        .is_empty());

    let t0 = Utc.timestamp_millis_opt(1_800_000_000_000).unwrap();
    assert!(store
        .claim_sample_slot(delivery, 0, "server-a", t0)
        .await
        .unwrap());
    assert!(
        !store
            .claim_sample_slot(delivery, 0, "server-b", t0)
            .await
            .unwrap(),
        "a slot is claimed once, whoever asks"
    );
    // Claimed but not recorded yet: nothing to read.
    assert_eq!(store.latest_sample(delivery).await.unwrap(), None);
    store
        .record_sample(
            delivery,
            0,
            t0,
            Counts {
                likes: Some(3),
                reposts: Some(1),
                replies: Some(0),
                quotes: None,
                impressions: None,
            },
        )
        .await
        .unwrap();
    assert!(store
        .claim_sample_slot(delivery, 1, "server-b", t0 + Duration::minutes(15))
        .await
        .unwrap());
    store
        .record_sample(
            delivery,
            1,
            t0 + Duration::minutes(15),
            Counts {
                likes: Some(8),
                reposts: Some(2),
                replies: Some(1),
                quotes: None,
                impressions: Some(400),
            },
        )
        .await
        .unwrap();
    let latest = store.latest_sample(delivery).await.unwrap().unwrap();
    assert_eq!(latest.likes, Some(8));
    assert_eq!(latest.impressions, Some(400));
    assert_eq!(
        latest.quotes, None,
        "a count the network lacks stays absent"
    );
    assert_eq!(latest.engagements(), 11);
    let series = store.sample_series(delivery).await.unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].likes, Some(3));
    assert_eq!(series[0].sampled_at, t0);
    assert_eq!(
        store.sampled_targets(long_ago, 10).await.unwrap()[0].last_slot,
        Some(1)
    );

    assert_eq!(store.sampling_stopped(delivery).await.unwrap(), None);
    store
        .stop_sampling(delivery, "deleted", t0 + Duration::hours(1))
        .await
        .unwrap();
    store
        .stop_sampling(delivery, "again", t0 + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store.sampling_stopped(delivery).await.unwrap().as_deref(),
        Some("deleted")
    );
    assert!(store
        .sampled_targets(long_ago, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn short_links_are_made_once_and_count_clicks_apart_from_previews(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    assert_eq!(
        store.link_settings(ws.id).await.unwrap(),
        LinkSettings::default()
    );
    let settings = LinkSettings {
        enabled: true,
        base_url: "https://go.acme.example".into(),
        utm_medium: "social".into(),
    };
    store.set_link_settings(ws.id, &settings).await.unwrap();
    assert_eq!(store.link_settings(ws.id).await.unwrap(), settings);
    assert!(matches!(
        store.set_link_settings(WorkspaceId(9999), &settings).await,
        Err(StoreError::NotFound { .. })
    ));

    let (_, delivery) = sent(store, ws.id, "Acme", "1").await;
    let new = |position: u32, code: &str, destination: &str| NewShortLink {
        workspace_id: ws.id,
        delivery_id: delivery,
        position,
        destination: destination.into(),
        code: code.into(),
    };
    let first = store
        .short_link_for(new(
            0,
            "abc123",
            "https://acme.example/?utm_source=mastodon",
        ))
        .await
        .unwrap();
    assert_eq!(first.code, "abc123");
    assert_eq!(first.delivery_id, Some(delivery));
    // A retried send asks again with a fresh code: it gets the same link.
    let again = store
        .short_link_for(new(0, "zzz999", "https://acme.example/other"))
        .await
        .unwrap();
    assert_eq!(again, first);
    let second = store
        .short_link_for(new(1, "def456", "https://acme.example/b"))
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert!(matches!(
        store
            .short_link_for(new(2, "abc123", "https://acme.example/c"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.short_link("abc123").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.short_link("nope").await.unwrap(), None);

    let hour = Utc.timestamp_millis_opt(1_800_000_000_000).unwrap();
    store.record_click(first.id, hour, false).await.unwrap();
    store.record_click(first.id, hour, false).await.unwrap();
    store.record_click(first.id, hour, true).await.unwrap();
    store
        .record_click(first.id, hour + Duration::hours(1), false)
        .await
        .unwrap();
    assert_eq!(
        store.link_clicks(first.id).await.unwrap(),
        vec![(hour, 2, 1), (hour + Duration::hours(1), 1, 0)]
    );
    assert!(store.link_clicks(second.id).await.unwrap().is_empty());
}

async fn campaigns_group_drafts_by_variant_with_their_counts(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let launch = store
        .create_campaign(ws.id, "Spring launch", "spring-launch")
        .await
        .unwrap();
    assert_eq!(launch.slug, "spring-launch");
    assert!(matches!(
        store.create_campaign(ws.id, "Again", "spring-launch").await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .create_campaign(other.id, "Theirs", "spring-launch")
        .await
        .unwrap();
    let later = store
        .create_campaign(ws.id, "Later", "later")
        .await
        .unwrap();
    let listed = store.campaigns(ws.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, later.id, "newest first");
    assert_eq!(
        store.campaign(ws.id, launch.id).await.unwrap(),
        Some(launch.clone())
    );
    assert_eq!(store.campaign(other.id, launch.id).await.unwrap(), None);

    let (draft_a, delivery_a) = sent(store, ws.id, "A account", "10").await;
    let (draft_b, delivery_b) = sent(store, ws.id, "B account", "20").await;
    let (draft_x, _) = sent(store, other.id, "X account", "30").await;
    store
        .set_draft_campaign(ws.id, draft_a, Some((launch.id, "A")))
        .await
        .unwrap();
    store
        .set_draft_campaign(ws.id, draft_b, Some((launch.id, "B")))
        .await
        .unwrap();
    assert!(matches!(
        store
            .set_draft_campaign(other.id, draft_a, Some((launch.id, "A")))
            .await,
        Err(StoreError::NotFound { what: "draft", .. })
    ));
    assert!(matches!(
        store
            .set_draft_campaign(other.id, draft_x, Some((launch.id, "A")))
            .await,
        Err(StoreError::NotFound {
            what: "campaign",
            ..
        })
    ));
    assert!(matches!(
        store
            .set_draft_campaign(ws.id, draft_a, Some((CampaignId(9999), "A")))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let placed = store.draft_campaign(draft_b).await.unwrap().unwrap();
    assert_eq!(
        (placed.campaign.id, placed.variant.as_str()),
        (launch.id, "B")
    );

    let t0 = Utc::now();
    assert!(store
        .claim_sample_slot(delivery_a, 0, "s", t0)
        .await
        .unwrap());
    store
        .record_sample(
            delivery_a,
            0,
            t0,
            Counts {
                likes: Some(5),
                reposts: Some(2),
                replies: Some(1),
                quotes: None,
                impressions: None,
            },
        )
        .await
        .unwrap();
    let link = store
        .short_link_for(NewShortLink {
            workspace_id: ws.id,
            delivery_id: delivery_b,
            position: 0,
            destination: "https://acme.example/".into(),
            code: "bbb".into(),
        })
        .await
        .unwrap();
    store.record_click(link.id, t0, false).await.unwrap();
    store.record_click(link.id, t0, true).await.unwrap();

    let posts = store.campaign_posts(ws.id, launch.id).await.unwrap();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].variant, "A");
    assert_eq!(posts[0].delivery_id, delivery_a);
    assert_eq!(posts[0].latest.unwrap().engagements(), 8);
    assert_eq!((posts[0].clicks, posts[0].previews), (0, 0));
    assert_eq!(posts[1].variant, "B");
    assert_eq!(posts[1].latest, None);
    assert_eq!((posts[1].clicks, posts[1].previews), (1, 1));
    assert_eq!(posts[1].native_id, "20");
    assert!(store
        .campaign_posts(other.id, launch.id)
        .await
        .unwrap()
        .is_empty());

    // Taken out of the campaign.
    store
        .set_draft_campaign(ws.id, draft_a, None)
        .await
        .unwrap();
    assert_eq!(store.draft_campaign(draft_a).await.unwrap(), None);
    assert_eq!(
        store.campaign_posts(ws.id, launch.id).await.unwrap().len(),
        1
    );
}

async fn followers_are_kept_with_each_delivery(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let campaign = store
        .create_campaign(ws.id, "Reach", "reach")
        .await
        .unwrap();
    let (known, delivery_known) = sent_to(store, ws.id, "Big", "1", Some(2_000)).await;
    let (unknown, _) = sent_to(store, ws.id, "Blog", "2", None).await;
    let (none, delivery_none) = sent_to(store, ws.id, "New", "3", Some(0)).await;
    for (draft, variant) in [(known, "A"), (unknown, "B"), (none, "C")] {
        store
            .set_draft_campaign(ws.id, draft, Some((campaign.id, variant)))
            .await
            .unwrap();
    }
    let t0 = Utc::now();
    for delivery in [delivery_known, delivery_none] {
        assert!(store.claim_sample_slot(delivery, 0, "s", t0).await.unwrap());
        store
            .record_sample(
                delivery,
                0,
                t0,
                Counts {
                    likes: Some(9),
                    reposts: Some(1),
                    replies: None,
                    quotes: None,
                    impressions: None,
                },
            )
            .await
            .unwrap();
    }
    let posts = store.campaign_posts(ws.id, campaign.id).await.unwrap();
    let followers: Vec<(&str, Option<u64>)> = posts
        .iter()
        .map(|p| (p.variant.as_str(), p.followers))
        .collect();
    assert_eq!(
        followers,
        vec![("A", Some(2_000)), ("B", None), ("C", Some(0))]
    );
    // 10 engagements over 2,000 followers: 5 per 1,000. Unknown or zero followers, or no
    // reading yet: no figure (never a division by zero).
    assert_eq!(posts[0].engagement_per_1k_followers(), Some(5.0));
    assert_eq!(posts[1].engagement_per_1k_followers(), None);
    assert_eq!(posts[2].engagement_per_1k_followers(), None);
}

async fn reply_links_are_made_once_per_reply_key(b: Backend) {
    let store = &*b.store;
    let ws = store.create_workspace("acme").await.unwrap();
    let other = store.create_workspace("globex").await.unwrap();
    let new = |workspace: WorkspaceId, key: &str, position: u32, code: &str| NewReplyLink {
        workspace_id: workspace,
        reply_key: key.into(),
        position,
        destination: format!("https://acme.example/{position}?utm_campaign=inbox-reply"),
        code: code.into(),
    };
    let first = store
        .reply_link_for(new(ws.id, "reply-key-1", 0, "r1"))
        .await
        .unwrap();
    assert_eq!(first.code, "r1");
    assert_eq!(first.delivery_id, None, "a reply's link has no delivery");
    assert_eq!(first.workspace_id, ws.id);
    // A retry of the reply (same key) gets the same link whatever fresh code it brings.
    let again = store
        .reply_link_for(new(ws.id, "reply-key-1", 0, "r2"))
        .await
        .unwrap();
    assert_eq!(again, first);
    let second = store
        .reply_link_for(new(ws.id, "reply-key-1", 1, "r3"))
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    let other_key = store
        .reply_link_for(new(ws.id, "reply-key-2", 0, "r4"))
        .await
        .unwrap();
    assert_ne!(other_key.id, first.id);
    let elsewhere = store
        .reply_link_for(new(other.id, "reply-key-1", 0, "r5"))
        .await
        .unwrap();
    assert_eq!(elsewhere.code, "r5", "keys are per workspace");
    // A code already taken is a conflict, not someone else's link.
    assert!(matches!(
        store
            .reply_link_for(new(ws.id, "reply-key-3", 0, "r1"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.short_link("r1").await.unwrap(), Some(first.clone()));
    let hour = Utc.timestamp_millis_opt(1_800_000_000_000).unwrap();
    store.record_click(first.id, hour, false).await.unwrap();
    assert_eq!(
        store.link_clicks(first.id).await.unwrap(),
        vec![(hour, 1, 0)]
    );
    // A delivery's link at the same position is another link.
    let (_, delivery) = sent(store, ws.id, "Acme", "7").await;
    let post_link = store
        .short_link_for(NewShortLink {
            workspace_id: ws.id,
            delivery_id: delivery,
            position: 0,
            destination: "https://acme.example/".into(),
            code: "p1".into(),
        })
        .await
        .unwrap();
    assert_ne!(post_link.id, first.id);
}
