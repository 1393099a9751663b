//! Publishing end to end through the real router: an agent drafts a post, cannot schedule
//! it, a manager approves it, the scheduler sends it through a fake Mastodon instance
//! (`POST /api/v1/statuses` with `Idempotency-Key`,
//! <https://docs.joinmastodon.org/methods/statuses/#create>) and the draft reads `sent`.

use axum::{extract::State, http::HeaderMap, routing, Json, Router};
use rapport_engine::publishing::Scheduler;
use rapport_model::{Role, Workspace};
use rapport_sources::http::SafetyPolicy;
use rapport_store::{AccountStore, NewApiToken, SecretKey, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, routes::publishing::Publishing, AppState};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Instance {
    created: Vec<Value>,
    keys: HashMap<String, usize>,
}

async fn statuses(
    State(instance): State<Arc<Mutex<Instance>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let mut instance = instance.lock().unwrap();
    assert_eq!(headers["authorization"], "Bearer acme-write-token");
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
    let id = format!("7700{index}");
    Json(json!({
        "id": id,
        "url": format!("https://social.example/@acme/{id}"),
        "content": "<p>post</p>"
    }))
}

async fn token(store: &SqliteStore, workspace: &Workspace, role: Role) -> String {
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: workspace.id,
            role,
            name: format!("{role} token"),
            created_by: None,
        })
        .await
        .unwrap();
    secret.expose().to_string()
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn send(&self, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match body {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn an_agents_post_is_approved_by_a_manager_then_sent_once_by_the_scheduler() {
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(statuses))
        // The account, asked for its followers just before the send
        // (<https://docs.joinmastodon.org/methods/accounts/#verify_credentials>, an Account
        // entity: <https://docs.joinmastodon.org/entities/Account/>).
        .route(
            "/api/v1/accounts/verify_credentials",
            routing::get(|| async {
                Json(json!({"id": "1090", "username": "acme", "acct": "acme",
                    "display_name": "Acme", "locked": false, "bot": false,
                    "created_at": "2024-03-01T00:00:00.000Z", "note": "",
                    "url": "https://social.example/@acme", "followers_count": 3412,
                    "following_count": 80, "statuses_count": 950}))
            }),
        )
        // The poll read back (<https://docs.joinmastodon.org/methods/statuses/#get>,
        // <https://docs.joinmastodon.org/methods/polls/#get>).
        .route(
            "/api/v1/statuses/{id}",
            routing::get(|| async {
                Json(
                    json!({"id": "77000", "poll": {"id": "501", "expired": false,
                            "options": []}}),
                )
            }),
        )
        .route(
            "/api/v1/polls/{id}",
            routing::get(|| async {
                Json(
                    json!({"id": "501", "expired": false, "votes_count": 7, "options": [
                        {"title": "Tea", "votes_count": 5}, {"title": "Coffee", "votes_count": 2}
                    ]}),
                )
            }),
        )
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let agent = token(&store, &ws, Role::Agent).await;
    let manager = token(&store, &ws, Role::Manager).await;
    let admin = token(&store, &ws, Role::Admin).await;
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let publishing = Publishing::new(Arc::new(store.clone()), key.clone(), policy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let client = Client {
        http: rapport_sources::http::client_builder().build().unwrap(),
        base,
    };
    let w = ws.id;

    // An admin connects the account; its token never comes back.
    let (status, account) = client
        .send(
            &admin,
            &format!("/api/v1/workspaces/{w}/accounts"),
            Some(json!({
                "kind": "mastodon",
                "display_name": "Acme on Mastodon",
                "settings": {"instance": format!("http://localhost:{fake_port}")},
                "secret": "acme-write-token"
            })),
        )
        .await;
    assert_eq!(status, 201, "{account}");
    let account_id = account["id"].as_i64().unwrap();
    let (status, accounts) = client
        .send(&agent, &format!("/api/v1/workspaces/{w}/accounts"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    assert!(!accounts.to_string().contains("acme-write-token"));
    let (status, _) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/accounts"),
            Some(json!({"kind": "mastodon", "display_name": "x", "settings": {}, "secret": "x"})),
        )
        .await;
    assert_eq!(status, 403, "only admins connect accounts");

    // The server checks each target's length rule and polls.
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(json!({"text": "a".repeat(501), "targets": [account_id]})),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Acme on Mastodon") && message.contains("limit of 500"),
        "{message}"
    );
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(json!({"text": "Poll?", "targets": [account_id],
                        "poll": {"options": ["only one"], "duration_minutes": 60}})),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["code"], "unprocessable");

    // The agent drafts a post with a time and cannot schedule it.
    let at = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(json!({"text": "New kettle day!", "targets": [account_id],
                        "scheduled_at": at, "action": "schedule"})),
        )
        .await;
    assert_eq!(status, 403, "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("approval"));
    let (status, draft) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(json!({"text": "New kettle day!", "targets": [account_id],
                        "poll": {"options": ["Tea", "Coffee"], "duration_minutes": 1440},
                        "scheduled_at": at})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["status"], "pending_approval");
    let id = draft["id"].as_i64().unwrap();
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/schedule"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403, "{error}");
    let (status, _) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/approve"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403, "agents do not approve");

    // A manager comments and approves: the draft had a time, so it is scheduled.
    let (status, comment) = client
        .send(
            &manager,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/comments"),
            Some(json!({"body": "Nice, ship it"})),
        )
        .await;
    assert_eq!(status, 201, "{comment}");
    let (status, draft) = client
        .send(
            &manager,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/approve"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["status"], "scheduled");
    assert_eq!(draft["targets"][0]["status"], "pending");
    let (status, listed) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts?status=scheduled"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // The scheduler sends it when due, once.
    let scheduler = Scheduler::new(Arc::new(store.clone()), key, policy);
    let early = scheduler.tick(chrono::Utc::now()).await.unwrap();
    assert_eq!(early.sent, 0, "not before its time");
    let due = chrono::Utc::now() + chrono::Duration::minutes(31);
    assert_eq!(scheduler.tick(due).await.unwrap().sent, 1);
    assert_eq!(scheduler.tick(due).await.unwrap().sent, 0);

    let (status, draft) = client
        .send(&agent, &format!("/api/v1/workspaces/{w}/drafts/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(draft["status"], "sent", "{draft}");
    assert_eq!(draft["targets"][0]["status"], "sent");
    assert_eq!(draft["targets"][0]["native_id"], "77000");
    // The account's followers when it was sent, for engagement per 1,000 followers.
    assert_eq!(draft["targets"][0]["followers"], 3412, "{draft}");
    assert_eq!(
        draft["targets"][0]["url"],
        "https://social.example/@acme/77000"
    );
    assert_eq!(draft["comments"][0]["body"], "Nice, ship it");
    let created = instance.lock().unwrap().created.clone();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["status"], "New kettle day!");
    assert_eq!(created[0]["poll"]["options"], json!(["Tea", "Coffee"]));
    // The poll's votes, read back from the instance.
    let (status, polls) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/poll"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{polls}");
    assert_eq!(polls[0]["poll"]["total_votes"], 7, "{polls}");
    assert_eq!(
        polls[0]["poll"]["options"],
        json!([{"label": "Tea", "votes": 5}, {"label": "Coffee", "votes": 2}])
    );

    // Sent posts cannot be cancelled; the calendar lists it.
    let (status, error) = client
        .send(
            &manager,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 409, "{error}");
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts?status=nonsense"),
            None,
        )
        .await;
    assert_eq!(status, 400, "{error}");
}

#[tokio::test]
async fn a_server_without_publishing_says_it_is_not_available() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let agent = token(&store, &ws, Role::Agent).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // A state built without publishing (`rapport serve` sets it up on either store).
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store),
        std::future::pending(),
    ));
    let client = Client {
        http: rapport_sources::http::client_builder().build().unwrap(),
        base,
    };
    let (status, error) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{}/drafts", ws.id),
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not available"));
}

#[tokio::test]
async fn add_to_queue_takes_the_next_free_weekly_slot_in_the_workspace_zone() {
    use rapport_store::PublishStore;
    use rapport_web::routes::slots::next_free_slot;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    store.set_time_zone(ws.id, "Europe/Paris").await.unwrap();
    let agent = token(&store, &ws, Role::Agent).await;
    let manager = token(&store, &ws, Role::Manager).await;
    let account = store
        .add_publish_account(
            rapport_store::publishing::NewPublishAccount {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                display_name: "Acme".into(),
                settings: json!({"instance": "https://mastodon.example"}),
                secret: rapport_store::Secret::new("t"),
            },
            &key,
        )
        .await
        .unwrap();
    let publishing = Publishing::new(Arc::new(store.clone()), key, SafetyPolicy::public_only());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let client = Client {
        http: rapport_sources::http::client_builder().build().unwrap(),
        base,
    };
    let w = ws.id;
    let draft = |text: &str| json!({"text": text, "targets": [account.id.0], "action": "save"});
    let (_, first) = client
        .send(
            &manager,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft("one")),
        )
        .await;
    let (_, second) = client
        .send(
            &manager,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft("two")),
        )
        .await;
    let (_, by_agent) = client
        .send(
            &agent,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft("three")),
        )
        .await;
    let queue = |id: &Value| format!("/api/v1/workspaces/{w}/drafts/{id}/queue");

    // No slots yet: a clear conflict.
    let (status, error) = client
        .send(&manager, &queue(&first["id"]), Some(json!({})))
        .await;
    assert_eq!(status, 409, "{error}");
    assert!(error.to_string().contains("no publishing slots"), "{error}");

    // Slots are a manager's to define; agents may read them.
    let slots = format!("/api/v1/workspaces/{w}/slots");
    let (status, _) = client
        .send(&agent, &slots, Some(json!({"weekday": 0, "time": "09:00"})))
        .await;
    assert_eq!(status, 403);
    for (weekday, time) in [(1, "09:30"), (4, "17:00")] {
        let (status, slot) = client
            .send(
                &manager,
                &slots,
                Some(json!({"weekday": weekday, "time": time})),
            )
            .await;
        assert_eq!(status, 201, "{slot}");
        assert_eq!(slot["time"], time);
    }
    let (status, error) = client
        .send(
            &manager,
            &slots,
            Some(json!({"weekday": 7, "time": "09:00"})),
        )
        .await;
    assert_eq!(status, 400, "{error}");
    let (status, error) = client
        .send(
            &manager,
            &slots,
            Some(json!({"weekday": 1, "time": "09:30"})),
        )
        .await;
    assert_eq!(status, 409, "{error}");
    let (status, listed) = client.send(&agent, &slots, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Queued drafts take the next free slots, one each, in Paris time.
    let stored = store.publish_slots(w).await.unwrap();
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let now = chrono::Utc::now();
    let expect_first = next_free_slot(&stored, paris, now, &Default::default()).unwrap();
    let expect_second =
        next_free_slot(&stored, paris, now, &[expect_first].into_iter().collect()).unwrap();
    let (status, queued) = client
        .send(&manager, &queue(&first["id"]), Some(json!({})))
        .await;
    assert_eq!(status, 200, "{queued}");
    assert_eq!(queued["status"], "scheduled");
    let at = |draft: &Value| {
        chrono::DateTime::parse_from_rfc3339(draft["scheduled_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    assert_eq!(at(&queued), expect_first);
    let (status, queued) = client
        .send(&manager, &queue(&second["id"]), Some(json!({})))
        .await;
    assert_eq!(status, 200, "{queued}");
    assert_eq!(at(&queued), expect_second, "the first slot is taken");
    // Queueing a scheduled draft again keeps its own slot free for itself.
    let (_, again) = client
        .send(&manager, &queue(&first["id"]), Some(json!({})))
        .await;
    assert_eq!(at(&again), expect_first);
    // An agent's own draft still needs approval.
    let (status, error) = client
        .send(&agent, &queue(&by_agent["id"]), Some(json!({})))
        .await;
    assert_eq!(status, 403, "{error}");
}

#[tokio::test]
async fn a_poll_is_native_where_the_network_has_them_and_a_survey_link_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let admin = token(&store, &ws, Role::Admin).await;
    let publishing = Publishing::new(
        Arc::new(store.clone()),
        SecretKey::generate().unwrap(),
        SafetyPolicy::public_only(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let base = format!("http://{address}");
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let client = Client {
        http: rapport_sources::http::client_builder().build().unwrap(),
        base: base.clone(),
    };
    let w = ws.id;
    let mut ids = Vec::new();
    for (kind, name, settings) in [
        (
            "mastodon",
            "Acme on Mastodon",
            json!({"instance": "https://mastodon.example"}),
        ),
        (
            "micropub",
            "Acme blog",
            json!({"endpoint": "https://acme.example/micropub"}),
        ),
        ("x", "Acme on X", json!({})),
    ] {
        let (status, account) = client
            .send(
                &admin,
                &format!("/api/v1/workspaces/{w}/accounts"),
                Some(
                    json!({"kind": kind, "display_name": name, "settings": settings,
                            "secret": "s3cret"}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{account}");
        ids.push(account["id"].as_i64().unwrap());
    }
    let (mastodon, micropub, x) = (ids[0], ids[1], ids[2]);

    // Each network's own poll limits, named: X allows 25 characters per option.
    let long = "An option of thirty chars!";
    let (status, error) = client
        .send(
            &admin,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(json!({"text": "Which?", "targets": [mastodon, x],
                        "poll": {"options": ["Tea", long], "duration_minutes": 60}})),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Acme on X") && message.contains("X allows 25"),
        "{message}"
    );
    // Mastodon takes it (50 by default); the blog has no native polls: a survey link.
    let (status, draft) = client
        .send(
            &admin,
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(
                json!({"text": "Tea or coffee?", "targets": [mastodon, micropub],
                        "poll": {"options": ["Tea", long], "duration_minutes": 60},
                        "action": "save"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let targets = draft["targets"].as_array().unwrap();
    let mastodon_target = targets
        .iter()
        .find(|t| t["account_id"] == mastodon)
        .unwrap();
    assert_eq!(
        mastodon_target["text"],
        Value::Null,
        "native poll, text as is"
    );
    let blog = targets
        .iter()
        .find(|t| t["account_id"] == micropub)
        .unwrap();
    let text = blog["text"].as_str().unwrap();
    let prefix = format!("Tea or coffee?\n\nVote: https://{address}/s/");
    assert!(text.starts_with(&prefix), "{text}");
    let code = &text[prefix.len()..];
    // The survey page exists and asks the poll's question.
    let page = client
        .http
        .get(format!("{base}/s/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Tea or coffee?") && page.contains(long),
        "{page}"
    );
    let (status, surveys) = client
        .send(&admin, &format!("/api/v1/workspaces/{w}/surveys"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(surveys.as_array().unwrap().len(), 1);
    // Nothing is sent yet: no poll to read back.
    let id = draft["id"].as_i64().unwrap();
    let (status, polls) = client
        .send(
            &admin,
            &format!("/api/v1/workspaces/{w}/drafts/{id}/poll"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(polls, json!([]));
}
