//! Link tracking and the engagement sampler against a local server that answers like
//! Mastodon: `POST /api/v1/statuses` (<https://docs.joinmastodon.org/methods/statuses/#create>)
//! and `GET /api/v1/statuses/:id` (<https://docs.joinmastodon.org/methods/statuses/#get>,
//! the Status entity <https://docs.joinmastodon.org/entities/Status/> with
//! `favourites_count`, `reblogs_count`, `replies_count`; 404 `{"error": "Record not found"}`
//! once deleted; 429 with `Retry-After` when rate limited).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing, Json, Router,
};
use chrono::{DateTime, Duration, Utc};
use rapport_engine::engagement::{EngagementSampler, SampleReport};
use rapport_engine::publishing::Scheduler;
use rapport_sources::http::SafetyPolicy;
use rapport_store::engagement::LinkSettings;
use rapport_store::publishing::{
    DeliveryId, DraftId, DraftStatus, NewDraft, NewPublishAccount, Transition,
};
use rapport_store::{
    EngagementStore, PublishStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Instance {
    created: Vec<Value>,
    reads: usize,
    deleted: bool,
    limited: bool,
}

async fn create(State(i): State<Arc<Mutex<Instance>>>, Json(body): Json<Value>) -> Response {
    let mut i = i.lock().unwrap();
    i.created.push(body);
    let id = format!("{}", 500 + i.created.len());
    Json(
        json!({"id": id, "url": format!("https://social.example/@lumora/{id}"),
                "created_at": "2026-11-23T10:00:00.000Z", "visibility": "public",
                "content": "<p>post</p>"}),
    )
    .into_response()
}

async fn read(State(i): State<Arc<Mutex<Instance>>>, Path(id): Path<String>) -> Response {
    let mut i = i.lock().unwrap();
    i.reads += 1;
    if i.limited {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "300")],
            Json(json!({"error": "Too many requests"})),
        )
            .into_response();
    }
    if i.deleted {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Record not found"})),
        )
            .into_response();
    }
    // Counts grow with each read: 2 favourites more, 1 boost more.
    let n = i.reads as u64;
    Json(json!({
        "id": id, "created_at": "2026-11-23T10:00:00.000Z", "visibility": "public",
        "content": "<p>post</p>", "url": format!("https://social.example/@lumora/{id}"),
        "replies_count": 1, "reblogs_count": n, "favourites_count": 2 * n
    }))
    .into_response()
}

struct Env {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    key: SecretKey,
    instance: Arc<Mutex<Instance>>,
    workspace: rapport_model::WorkspaceId,
    account: rapport_store::publishing::PublishAccountId,
}

fn policy() -> SafetyPolicy {
    SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    }
}

async fn env() -> Env {
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(create))
        .route("/api/v1/statuses/{id}", routing::get(read))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    let account = store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                display_name: "Lumora on Mastodon".into(),
                settings: json!({ "instance": format!("http://localhost:{port}") }),
                secret: Secret::new("write-token"),
            },
            &key,
        )
        .await
        .unwrap();
    Env {
        _dir: dir,
        store,
        key,
        instance,
        workspace: ws.id,
        account: account.id,
    }
}

impl Env {
    fn scheduler(&self) -> Scheduler {
        Scheduler::new(Arc::new(self.store.clone()), self.key.clone(), policy())
            .with_links(Arc::new(self.store.clone()))
    }

    fn sampler(&self, owner: &str) -> EngagementSampler {
        EngagementSampler::new(
            Arc::new(self.store.clone()),
            Arc::new(self.store.clone()),
            self.key.clone(),
            policy(),
        )
        .with_owner(owner)
    }

    async fn scheduled(&self, text: &str, at: DateTime<Utc>) -> DraftId {
        let draft = self
            .store
            .create_draft(NewDraft {
                workspace_id: self.workspace,
                author_id: None,
                text: text.into(),
                targets: vec![(self.account, None)],
                poll: None,
                status: DraftStatus::PendingApproval,
                scheduled_at: None,
            })
            .await
            .unwrap();
        self.store
            .transition_draft(
                self.workspace,
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

    /// Sends `text` now and answers its delivery and when it was sent.
    async fn sent(&self, text: &str) -> (DraftId, DeliveryId, DateTime<Utc>) {
        let now = Utc::now();
        let draft = self.scheduled(text, now - Duration::minutes(1)).await;
        let report = self.scheduler().tick(now).await.unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        let stored = self
            .store
            .draft(self.workspace, draft)
            .await
            .unwrap()
            .unwrap();
        let target = &stored.targets[0];
        (draft, target.id, target.sent_at.unwrap())
    }
}

#[tokio::test]
async fn links_go_out_as_short_links_with_utm_tags_of_the_campaign_variant() {
    let env = env().await;
    env.store
        .set_link_settings(
            env.workspace,
            &LinkSettings {
                enabled: true,
                base_url: "https://go.lumora.example".into(),
                utm_medium: "social".into(),
            },
        )
        .await
        .unwrap();
    let campaign = env
        .store
        .create_campaign(env.workspace, "Spring", "spring")
        .await
        .unwrap();
    let now = Utc::now();
    let draft = env
        .scheduled(
            "New lamps: https://lumora.example/shop?ref=home and https://lumora.example/b",
            now - Duration::minutes(1),
        )
        .await;
    env.store
        .set_draft_campaign(env.workspace, draft, Some((campaign.id, "B")))
        .await
        .unwrap();
    assert_eq!(env.scheduler().tick(now).await.unwrap().sent, 1);
    let sent = env.instance.lock().unwrap().created[0]["status"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!sent.contains("lumora.example/shop"), "{sent}");
    let codes: Vec<&str> = sent
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("https://go.lumora.example/l/"))
        .collect();
    assert_eq!(codes.len(), 2, "{sent}");
    assert!(sent.starts_with("New lamps: https://go.lumora.example/l/"));
    let first = env.store.short_link(codes[0]).await.unwrap().unwrap();
    assert_eq!(
        first.destination,
        "https://lumora.example/shop?ref=home&utm_source=mastodon&utm_medium=social\
         &utm_campaign=spring&utm_content=B"
    );
    assert_eq!(first.position, 0);
    let second = env.store.short_link(codes[1]).await.unwrap().unwrap();
    assert!(second
        .destination
        .starts_with("https://lumora.example/b?utm_source=mastodon"));
}

#[tokio::test]
async fn without_link_tracking_the_text_is_sent_as_written() {
    let env = env().await;
    env.sent("See https://lumora.example/x").await;
    assert_eq!(
        env.instance.lock().unwrap().created[0]["status"],
        "See https://lumora.example/x"
    );
}

#[tokio::test]
async fn each_slot_is_sampled_once_across_samplers_then_the_schedule_decays() {
    let env = env().await;
    let (_, delivery, sent_at) = env.sent("Hello").await;
    let (a, b) = (env.sampler("server-a"), env.sampler("server-b"));

    // Two servers tick in the same slot: one of them asks the network.
    let at = sent_at + Duration::minutes(1);
    let first = a.tick(at).await.unwrap();
    let second = b.tick(at).await.unwrap();
    assert_eq!(first.sampled + second.sampled, 1, "{first:?} {second:?}");
    assert_eq!(first.claimed_elsewhere + second.claimed_elsewhere, 0);
    assert_eq!(env.instance.lock().unwrap().reads, 1);
    // Later in the same 15-minute slot: nothing to do.
    assert_eq!(
        a.tick(sent_at + Duration::minutes(14)).await.unwrap(),
        SampleReport::default()
    );
    assert_eq!(env.instance.lock().unwrap().reads, 1);

    // The next slot.
    let report = b.tick(sent_at + Duration::minutes(16)).await.unwrap();
    assert_eq!(report.sampled, 1);
    let latest = env.store.latest_sample(delivery).await.unwrap().unwrap();
    assert_eq!(
        (latest.likes, latest.reposts, latest.replies, latest.quotes),
        (Some(4), Some(2), Some(1), None)
    );
    assert_eq!(latest.sampled_at, sent_at + Duration::minutes(16));
    assert_eq!(env.store.sample_series(delivery).await.unwrap().len(), 2);

    // Day 2: hourly slots; day 40: past the horizon, never asked again.
    assert_eq!(
        a.tick(sent_at + Duration::hours(30)).await.unwrap().sampled,
        1
    );
    assert_eq!(
        a.tick(sent_at + Duration::days(40)).await.unwrap(),
        SampleReport::default()
    );
    assert_eq!(env.instance.lock().unwrap().reads, 3);
}

#[tokio::test]
async fn a_deleted_post_stops_sampling_and_a_rate_limit_waits() {
    let env = env().await;
    let (_, delivery, sent_at) = env.sent("Soon gone").await;
    let sampler = env.sampler("server-a");

    env.instance.lock().unwrap().limited = true;
    let limited = sampler.tick(sent_at + Duration::minutes(1)).await.unwrap();
    assert_eq!(limited.failed, 1);
    assert_eq!(env.store.latest_sample(delivery).await.unwrap(), None);
    assert_eq!(env.store.sampling_stopped(delivery).await.unwrap(), None);

    {
        let mut instance = env.instance.lock().unwrap();
        instance.limited = false;
        instance.deleted = true;
    }
    let gone = sampler.tick(sent_at + Duration::minutes(20)).await.unwrap();
    assert_eq!(gone.deleted, 1);
    assert_eq!(
        env.store
            .sampling_stopped(delivery)
            .await
            .unwrap()
            .as_deref(),
        Some("deleted")
    );
    let reads = env.instance.lock().unwrap().reads;
    assert_eq!(
        sampler.tick(sent_at + Duration::hours(3)).await.unwrap(),
        SampleReport::default()
    );
    assert_eq!(env.instance.lock().unwrap().reads, reads, "not asked again");
}
