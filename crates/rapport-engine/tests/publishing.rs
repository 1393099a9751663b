//! The publishing scheduler against a local server that answers like Mastodon's
//! `POST /api/v1/statuses` (<https://docs.joinmastodon.org/methods/statuses/#create>),
//! including its `Idempotency-Key` handling: a request repeating a key gets the status the
//! first one created, and nothing is posted twice.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing, Json, Router,
};
use chrono::Utc;
use rapport_engine::publishing::{Scheduler, TickReport};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{self, Outgoing};
use rapport_store::publishing::{
    ClaimLease, DraftId, DraftPoll, DraftStatus, NewDraft, NewPublishAccount, TargetStatus,
    Transition,
};
use rapport_store::{PublishStore, Secret, SecretKey, SqliteOptions, SqliteStore, Store};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The fake instance: statuses created, keys seen, and canned answers to give first.
#[derive(Default)]
struct Instance {
    created: Vec<Value>,
    keys: HashMap<String, usize>,
    calls: usize,
    /// Answers given (in order) before behaving normally: status, body, Retry-After.
    script: VecDeque<(u16, Value, Option<&'static str>)>,
}

async fn statuses(
    State(instance): State<Arc<Mutex<Instance>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut instance = instance.lock().unwrap();
    instance.calls += 1;
    assert_eq!(headers["authorization"], "Bearer write-token");
    if let Some((status, answer, retry_after)) = instance.script.pop_front() {
        let mut response = (StatusCode::from_u16(status).unwrap(), Json(answer)).into_response();
        if let Some(wait) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", wait.parse().unwrap());
        }
        return response;
    }
    let key = headers["idempotency-key"].to_str().unwrap().to_string();
    let index = match instance.keys.get(&key) {
        Some(index) => *index,
        None => {
            instance.created.push(body);
            let index = instance.created.len() - 1;
            instance.keys.insert(key, index);
            index
        }
    };
    let id = format!("1100{index}");
    Json(json!({
        "id": id,
        "created_at": "2026-11-23T10:00:00.000Z",
        "visibility": "public",
        "url": format!("https://social.example/@lumora/{id}"),
        "content": "<p>post</p>",
        "account": {"id": "1", "username": "lumora", "acct": "lumora"}
    }))
    .into_response()
}

struct Env {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    key: SecretKey,
    instance: Arc<Mutex<Instance>>,
    settings: Value,
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
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    let settings = json!({ "instance": format!("http://localhost:{port}") });
    let account = store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                display_name: "Lumora on Mastodon".into(),
                settings: settings.clone(),
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
        settings,
        workspace: ws.id,
        account: account.id,
    }
}

impl Env {
    fn scheduler(&self) -> Scheduler {
        Scheduler::new(Arc::new(self.store.clone()), self.key.clone(), policy())
    }

    /// An approved draft scheduled at `at`.
    async fn scheduled(&self, text: &str, at: chrono::DateTime<Utc>) -> DraftId {
        let draft = self
            .store
            .create_draft(NewDraft {
                workspace_id: self.workspace,
                author_id: None,
                text: text.into(),
                targets: vec![(self.account, None)],
                poll: Some(DraftPoll {
                    options: vec!["Tea".into(), "Coffee".into()],
                    duration_minutes: 60,
                }),
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

    async fn draft(&self, id: DraftId) -> rapport_store::publishing::Draft {
        self.store.draft(self.workspace, id).await.unwrap().unwrap()
    }
}

#[tokio::test]
async fn a_scheduled_post_is_sent_exactly_once_when_due() {
    let env = env().await;
    let now = Utc::now();
    let due = env
        .scheduled("Morning tea or coffee?", now - chrono::Duration::minutes(1))
        .await;
    let later = env
        .scheduled("Later", now + chrono::Duration::hours(2))
        .await;
    let scheduler = env.scheduler();

    let report = scheduler.tick(now).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    // Ticking again sends nothing more.
    assert_eq!(scheduler.tick(now).await.unwrap(), TickReport::default());
    assert_eq!(scheduler.recover().await.unwrap(), TickReport::default());

    let sent = env.draft(due).await;
    assert_eq!(sent.status, DraftStatus::Sent);
    let target = &sent.targets[0];
    assert_eq!(target.status, TargetStatus::Sent);
    assert_eq!(target.native_id.as_deref(), Some("11000"));
    assert_eq!(
        target.url.as_deref(),
        Some("https://social.example/@lumora/11000")
    );
    assert_eq!(target.attempts, 1);
    assert_eq!(env.draft(later).await.status, DraftStatus::Scheduled);

    let instance = env.instance.lock().unwrap();
    assert_eq!(instance.created.len(), 1);
    assert_eq!(instance.calls, 1);
    assert_eq!(instance.created[0]["status"], "Morning tea or coffee?");
    assert_eq!(
        instance.created[0]["poll"]["options"],
        json!(["Tea", "Coffee"])
    );
    assert_eq!(instance.created[0]["poll"]["expires_in"], 3600);
}

#[tokio::test]
async fn a_delivery_left_sending_by_a_crash_is_reconciled_not_duplicated() {
    let env = env().await;
    let now = Utc::now();
    let id = env
        .scheduled("Launch day!", now - chrono::Duration::seconds(5))
        .await;

    // The process claims the delivery (its key is stored, its claim lasts a minute), the
    // network accepts the post, and the process dies before recording it.
    let crashed = ClaimLease::new("crashed", chrono::Duration::minutes(1));
    let claimed = env
        .store
        .claim_due_deliveries(&crashed, now, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let key = claimed[0].idempotency_key.clone();
    let fetcher = Fetcher::new(policy(), FetchLimits::default()).unwrap();
    let publisher = publish::build("mastodon", &env.settings, "write-token", fetcher).unwrap();
    let first = publisher
        .publish(
            &Outgoing {
                text: "Launch day!".into(),
                ..Outgoing::default()
            },
            &key,
        )
        .await
        .unwrap();
    assert_eq!(env.draft(id).await.targets[0].status, TargetStatus::Sending);

    // A new process starts: while the dead one's claim holds, nobody touches the delivery
    // (it could be a live peer's send in flight).
    let scheduler = env.scheduler();
    assert_eq!(scheduler.tick(now).await.unwrap(), TickReport::default());
    assert_eq!(
        scheduler
            .tick(now + chrono::Duration::seconds(50))
            .await
            .unwrap(),
        TickReport::default()
    );
    assert_eq!(env.instance.lock().unwrap().calls, 1);
    // Once the claim has expired, a tick takes it over and reconciles it with the same key.
    let report = scheduler
        .tick(now + chrono::Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(report.sent + report.reconciled, 1, "{report:?}");

    let draft = env.draft(id).await;
    assert_eq!(draft.status, DraftStatus::Sent);
    assert_eq!(draft.targets[0].attempts, 2);
    assert_eq!(
        draft.targets[0].native_id.as_deref(),
        Some(first.native_id.as_str())
    );
    {
        let instance = env.instance.lock().unwrap();
        assert_eq!(instance.created.len(), 1, "posted once, not twice");
        assert_eq!(instance.calls, 2, "the resend carried the same key");
        assert_eq!(instance.keys.len(), 1);
        assert!(instance.keys.contains_key(&key));
    }
    assert!(env
        .store
        .claim_stuck_deliveries(
            &ClaimLease::new("later", chrono::Duration::minutes(1)),
            now + chrono::Duration::hours(1),
            10
        )
        .await
        .unwrap()
        .is_empty());
    // The dead process's late record (were it to wake up) is refused.
    assert!(env
        .store
        .finish_delivery(
            claimed[0].id,
            "crashed",
            rapport_store::publishing::DeliveryOutcome::Failed { error: "x".into() }
        )
        .await
        .is_err());
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_then_the_post_is_sent() {
    let env = env().await;
    env.instance.lock().unwrap().script.push_back((
        429,
        json!({"error": "Too many requests"}),
        Some("120"),
    ));
    let now = Utc::now();
    let id = env
        .scheduled("Busy day", now - chrono::Duration::seconds(1))
        .await;
    let scheduler = env.scheduler();

    let report = scheduler.tick(now).await.unwrap();
    assert_eq!(report.retried, 1, "{report:?}");
    let draft = env.draft(id).await;
    let target = &draft.targets[0];
    assert_eq!(target.status, TargetStatus::Pending);
    assert!(target.last_error.as_deref().unwrap().contains("wait"));
    let next = target.next_attempt_at.unwrap();
    // (stored in milliseconds)
    assert!(
        next + chrono::Duration::milliseconds(1) >= now + chrono::Duration::seconds(120),
        "Retry-After respected: {next}"
    );

    // Not before the wait...
    assert_eq!(
        scheduler
            .tick(now + chrono::Duration::seconds(60))
            .await
            .unwrap(),
        TickReport::default()
    );
    // ...and then sent with the same key.
    let report = scheduler.tick(next).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let draft = env.draft(id).await;
    assert_eq!(draft.status, DraftStatus::Sent);
    assert_eq!(draft.targets[0].attempts, 2);
    let instance = env.instance.lock().unwrap();
    assert_eq!(instance.created.len(), 1);
    assert_eq!(instance.calls, 2);
}

#[tokio::test]
async fn a_refusal_fails_the_target_with_the_networks_message() {
    let env = env().await;
    env.instance.lock().unwrap().script.push_back((
        422,
        json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
        None,
    ));
    let now = Utc::now();
    let id = env.scheduled("Too long, says the server", now).await;
    let scheduler = env.scheduler();

    let report = scheduler.tick(now).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let draft = env.draft(id).await;
    assert_eq!(draft.status, DraftStatus::Failed);
    let target = &draft.targets[0];
    assert_eq!(target.status, TargetStatus::Failed);
    let error = target.last_error.as_deref().unwrap();
    assert!(
        error.contains("Text character limit of 500 exceeded"),
        "{error}"
    );
    // Not retried.
    let report = scheduler
        .tick(now + chrono::Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(report, TickReport::default());
    assert_eq!(env.instance.lock().unwrap().calls, 1);
}

/// A Micropub endpoint (<https://www.w3.org/TR/micropub/#create>): form-encoded
/// `h=entry&content=...`, 201 with `Location`.
async fn micropub(
    State(seen): State<Arc<Mutex<Vec<String>>>>,
    body: axum::body::Bytes,
) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(fields.contains(&("h".into(), "entry".into())));
    let content = fields
        .iter()
        .find(|(k, _)| k == "content")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    seen.lock().unwrap().push(content);
    (
        StatusCode::CREATED,
        [("location", "https://blog.example/notes/1")],
    )
        .into_response()
}

#[tokio::test]
async fn a_poll_goes_only_where_the_network_has_native_polls() {
    let env = env().await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let fake = Router::new()
        .route("/micropub", routing::post(micropub))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    let blog = env
        .store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: env.workspace,
                kind: "micropub".into(),
                display_name: "Lumora blog".into(),
                settings: json!({"endpoint": format!("http://localhost:{port}/micropub")}),
                secret: Secret::new("indieauth-token"),
            },
            &env.key,
        )
        .await
        .unwrap();
    let linked = "Tea or coffee?\n\nVote: https://rapport.example/s/abc123";
    let draft = env
        .store
        .create_draft(NewDraft {
            workspace_id: env.workspace,
            author_id: None,
            text: "Tea or coffee?".into(),
            targets: vec![(env.account, None), (blog.id, Some(linked.into()))],
            poll: Some(DraftPoll {
                options: vec!["Tea".into(), "Coffee".into()],
                duration_minutes: 60,
            }),
            status: DraftStatus::Approved,
            scheduled_at: None,
        })
        .await
        .unwrap();
    env.store
        .transition_draft(
            env.workspace,
            draft.id,
            Transition {
                from: vec![DraftStatus::Approved],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(Utc::now() - chrono::Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    let report = env.scheduler().tick(Utc::now()).await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(env.draft(draft.id).await.status, DraftStatus::Sent);
    assert_eq!(*seen.lock().unwrap(), vec![linked.to_string()]);
    let instance = env.instance.lock().unwrap();
    assert_eq!(
        instance.created[0]["poll"]["options"],
        json!(["Tea", "Coffee"])
    );
}

/// A network that records what it is sent and answers `followers()` as its account's
/// settings say: a count, a failure, a wait longer than the scheduler allows, or nothing.
struct FakeNetwork {
    behaviour: String,
    sent: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl publish::Publisher for FakeNetwork {
    fn network(&self) -> rapport_model::Network {
        rapport_model::Network::Mastodon
    }

    fn length_rule(&self) -> publish::length::LengthRule {
        publish::length::LengthRule::Mastodon { max: 500 }
    }

    async fn followers(&self) -> Result<Option<u64>, publish::PublishError> {
        match self.behaviour.as_str() {
            "big" => Ok(Some(12_345)),
            "zero" => Ok(Some(0)),
            "fails" => Err(publish::PublishError::Transient {
                network: "Mastodon",
                message: "HTTP 502 from the instance".into(),
            }),
            "slow" => {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                Ok(Some(1))
            }
            _ => Ok(None),
        }
    }

    async fn publish(
        &self,
        post: &Outgoing,
        _key: &str,
    ) -> Result<publish::Published, publish::PublishError> {
        let mut sent = self.sent.lock().unwrap();
        sent.push(format!("{}: {}", self.behaviour, post.text));
        Ok(publish::Published {
            native_id: format!("{}-{}", self.behaviour, sent.len()),
            url: None,
        })
    }
}

#[tokio::test]
async fn the_follower_count_is_stored_with_each_delivery_and_never_blocks_it() {
    let env = env().await;
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut targets = Vec::new();
    for behaviour in ["big", "zero", "fails", "slow", "none"] {
        let account = env
            .store
            .add_publish_account(
                NewPublishAccount {
                    workspace_id: env.workspace,
                    kind: "mastodon".into(),
                    display_name: format!("Lumora ({behaviour})"),
                    settings: json!({"instance": "https://social.example", "fake": behaviour}),
                    secret: Secret::new("write-token"),
                },
                &env.key,
            )
            .await
            .unwrap();
        targets.push((account.id, None));
    }
    let draft = env
        .store
        .create_draft(NewDraft {
            workspace_id: env.workspace,
            author_id: None,
            text: "Hello followers".into(),
            targets,
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    let now = Utc::now();
    env.store
        .transition_draft(
            env.workspace,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(now - chrono::Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    let recorded = sent.clone();
    let build: rapport_engine::publishing::BuildPublisher =
        Arc::new(move |_kind, settings, _secret, _fetcher| {
            Ok(Arc::new(FakeNetwork {
                behaviour: settings["fake"].as_str().unwrap_or_default().to_string(),
                sent: recorded.clone(),
            }) as Arc<dyn publish::Publisher>)
        });
    let scheduler = env.scheduler().with_publishers(build).with_config(
        rapport_engine::publishing::SchedulerConfig {
            followers_wait: std::time::Duration::from_millis(300),
            ..Default::default()
        },
    );
    let started = std::time::Instant::now();
    let report = scheduler.tick(now).await.unwrap();
    assert_eq!(report.sent, 5, "{report:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the slow count was not waited for"
    );
    assert_eq!(sent.lock().unwrap().len(), 5, "every post went out once");

    let draft = env.draft(draft.id).await;
    assert_eq!(draft.status, DraftStatus::Sent);
    let followers: Vec<(String, TargetStatus, Option<u64>)> = draft
        .targets
        .iter()
        .map(|t| (t.account_name.clone(), t.status, t.followers))
        .collect();
    assert_eq!(
        followers,
        vec![
            ("Lumora (big)".to_string(), TargetStatus::Sent, Some(12_345)),
            ("Lumora (zero)".to_string(), TargetStatus::Sent, Some(0)),
            ("Lumora (fails)".to_string(), TargetStatus::Sent, None),
            ("Lumora (slow)".to_string(), TargetStatus::Sent, None),
            ("Lumora (none)".to_string(), TargetStatus::Sent, None),
        ]
    );
}
