//! Replying from the inbox through the real server to a local server that answers like
//! Mastodon's `POST /api/v1/statuses` (<https://docs.joinmastodon.org/methods/statuses/#create>,
//! with the `Idempotency-Key` header honoured as documented): the reply is threaded, sent
//! once however often the client retries, counted as the item's first response, and refused
//! with a clear message when it is too long or its network cannot be answered yet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{extract::State, http::HeaderMap, routing, Json, Router};
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post, Role};
use rapport_sources::http::SafetyPolicy;
use rapport_store::{
    AccountStore, NewApiToken, NewSource, NewUser, Secret, SecretKey, SourceStore, SqliteOptions,
    SqliteStore, Store,
};
use rapport_web::{auth, routes::replies::ReplySender, AppState};
use serde_json::{json, Value};

/// The fake instance: statuses created, and idempotency keys seen.
#[derive(Default)]
struct Instance {
    created: Vec<Value>,
    keys: HashMap<String, usize>,
    calls: usize,
    /// Every request's body, in order (created or not).
    requests: Vec<Value>,
    /// Requests still to answer with a 503 (the instance is down) before behaving.
    unavailable: usize,
}

async fn statuses(
    State(instance): State<Arc<Mutex<Instance>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut instance = instance.lock().unwrap();
    instance.calls += 1;
    assert_eq!(
        headers["authorization"], "Bearer mastodon-write-token",
        "the sealed token is sent"
    );
    instance.requests.push(body.clone());
    if instance.unavailable > 0 {
        instance.unavailable -= 1;
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "Service unavailable"})),
        )
            .into_response();
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
    let id = format!("9900{index}");
    Json(json!({
        "id": id,
        "created_at": "2026-11-23T10:00:00.000Z",
        "in_reply_to_id": instance.created[index]["in_reply_to_id"],
        "visibility": "public",
        "url": format!("https://social.example/@lumora/{id}"),
        "uri": format!("https://social.example/users/lumora/statuses/{id}"),
        "content": "<p>reply</p>",
        "account": {"id": "1", "username": "lumora", "acct": "lumora"}
    }))
    .into_response()
}

fn post(network: Network, id: &str, text: &str) -> Post {
    Post {
        network,
        native_id: id.into(),
        url: None,
        author: Author {
            handle: "angry@mastodon.social".into(),
            display_name: None,
            followers: Some(900),
        },
        title: None,
        text: text.into(),
        language: Some("en".into()),
        created_at: chrono::Utc::now() - chrono::Duration::minutes(20),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

/// A store holding the workspace "Lumora" with its brand monitor, the key that seals its
/// secrets, and the folder they live in (kept alive by the caller).
struct Lumora {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    key: SecretKey,
    ws: rapport_model::Workspace,
}

impl Lumora {
    async fn new() -> Lumora {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
        let key = SecretKey::load_or_create(dir.path()).unwrap();
        let ws = store.create_workspace("Lumora").await.unwrap();
        store
            .create_monitor(NewMonitor {
                workspace_id: ws.id,
                name: "Lumora".into(),
                kind: MonitorKind::Brand,
                query: "lumora".into(),
            })
            .await
            .unwrap();
        Lumora {
            _dir: dir,
            store,
            key,
            ws,
        }
    }

    /// Connects a publishing account of `kind` to the workspace.
    async fn connect(&self, kind: &str, name: &str, settings: Value, secret: &str) {
        rapport_store::PublishStore::add_publish_account(
            &self.store,
            rapport_store::publishing::NewPublishAccount {
                workspace_id: self.ws.id,
                kind: kind.into(),
                display_name: name.into(),
                settings,
                secret: Secret::new(secret),
            },
            &self.key,
        )
        .await
        .unwrap();
    }

    /// Stores `posts` through the pipeline; the workspace's inbox items after it.
    async fn ingest(&self, posts: Vec<Post>) -> Vec<rapport_store::inbox::InboxEntry> {
        let shared: Arc<dyn Store> = Arc::new(self.store.clone());
        Ingestor::new(shared)
            .await
            .unwrap()
            .ingest(posts)
            .await
            .unwrap();
        rapport_store::inbox::InboxStore::inbox(
            &self.store,
            self.ws.id,
            &rapport_store::inbox::InboxQuery::default(),
        )
        .await
        .unwrap()
    }

    /// Serves the app, replying through the workspace's accounts (loopback allowed as
    /// `localhost` only); its address and an agent's API token.
    async fn serve(&self) -> (String, auth::Secret) {
        let policy = SafetyPolicy {
            allow_private: false,
            allow: vec!["localhost".parse().unwrap()],
        };
        let (secret, prefix) = auth::new_api_token().unwrap();
        self.store
            .create_api_token(NewApiToken {
                token_hash: secret.hash(),
                prefix,
                workspace: self.ws.id,
                role: Role::Agent,
                name: "agent".into(),
                created_by: None,
            })
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sources: Arc<dyn SourceStore> = Arc::new(self.store.clone());
        let replies = ReplySender::new(sources, self.key.clone(), policy)
            .with_accounts(Arc::new(self.store.clone()));
        tokio::spawn(rapport_web::serve(
            listener,
            AppState::sqlite(self.store.clone()).with_replies(replies),
            std::future::pending(),
        ));
        (base, secret)
    }
}

/// Serves `fake` (a network's API) on a free loopback port; the port.
async fn fake_network(fake: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    port
}

#[tokio::test]
async fn an_agent_replies_once_through_mastodon_and_it_counts_as_the_first_response() {
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::load_or_create(dir.path()).unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .unwrap();
    store
        .upsert_source(
            NewSource {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                name: "our account".into(),
                config: json!({
                    "instance": format!("http://localhost:{fake_port}"),
                    "timeline": "notifications"
                })
                .to_string(),
                credentials: Some(Secret::new("mastodon-write-token")),
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    let agent = store
        .create_user(NewUser {
            email: "agent@lumora.example".into(),
            display_name: "Agent".into(),
            password_hash: auth::hash_password("correct horse battery").unwrap(),
            is_admin: false,
        })
        .await
        .unwrap();
    store
        .set_membership(rapport_model::Membership {
            user: agent.id,
            workspace: ws.id,
            role: Role::Agent,
        })
        .await
        .unwrap();
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: ws.id,
            role: Role::Agent,
            name: "agent".into(),
            created_by: Some(agent.id),
        })
        .await
        .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared).await.unwrap();
    ingestor
        .ingest(vec![
            post(
                Network::Mastodon,
                "111222333",
                "My Lumora kettle broke after two days, terrible, I want a refund",
            ),
            post(
                Network::Bluesky,
                "at://did:plc:x/app.bsky.feed.post/3k",
                "Lumora support never answers, this is awful",
            ),
        ])
        .await
        .unwrap();
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sources: Arc<dyn SourceStore> = Arc::new(store.clone());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_replies(ReplySender::new(sources, key, policy)),
        std::future::pending(),
    ));
    let client = rapport_sources::http::client_builder().build().unwrap();
    let token = secret.expose().to_string();
    let send = |path: String, body: Value| {
        let client = client.clone();
        let token = token.clone();
        let base = base.clone();
        async move {
            let response = client
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let w = ws.id.0;
    let page: Value = client
        .get(format!("{base}/api/v1/workspaces/{w}/inbox"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item_of = |network: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["post"]["network"] == network)
            .unwrap_or_else(|| panic!("a {network} item in {page}"))["id"]
            .as_i64()
            .unwrap()
    };
    let mastodon_item = item_of("mastodon");
    let bluesky_item = item_of("bluesky");
    let replies = format!("/api/v1/workspaces/{w}/inbox/{mastodon_item}/replies");

    // Too long for Mastodon: the mention counts as `@angry` (7 with its space) + 495 = 502.
    // Refused before any call.
    let (status, body) = send(
        replies.clone(),
        json!({"body": "x".repeat(495), "idempotency_key": "reply-too-long"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("is 502 characters") && message.contains("2 over its limit of 500"),
        "{message}"
    );
    assert_eq!(instance.lock().unwrap().calls, 0);

    // Sent once, however often the client retries.
    let reply = json!({"body": "Sorry about that! DM us your order number.", "idempotency_key": "reply-abc12345"});
    let (status, first) = send(replies.clone(), reply.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["state"], "sent");
    assert_eq!(first["remote_id"], "99000");
    let (status, again) = send(replies.clone(), reply.clone()).await;
    assert_eq!(status, 200, "a retry finds the reply already sent: {again}");
    assert_eq!(again["id"], first["id"]);
    {
        let instance = instance.lock().unwrap();
        assert_eq!(instance.created.len(), 1, "one status on the network");
        assert_eq!(instance.created[0]["in_reply_to_id"], "111222333");
        assert_eq!(
            instance.created[0]["status"],
            "@angry@mastodon.social Sorry about that! DM us your order number."
        );
    }

    // The reply is the item's first response, visible in its detail and the figures.
    let detail: Value = client
        .get(format!(
            "{base}/api/v1/workspaces/{w}/inbox/{mastodon_item}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(detail["item"]["first_response_at"].is_string(), "{detail}");
    assert_eq!(detail["replies"].as_array().unwrap().len(), 1);
    let stats: Value = client
        .get(format!(
            "{base}/api/v1/workspaces/{w}/response-times?days=1"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats[0]["answered"], 1, "{stats}");

    // A Bluesky post needs a connected Bluesky account (tests below), and says so.
    let (status, body) = send(
        format!("/api/v1/workspaces/{w}/inbox/{bluesky_item}/replies"),
        json!({"body": "hello", "idempotency_key": "reply-bsky-0001"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no Bluesky account is connected"),
        "{body}"
    );
    // A malformed key is a 400 naming the field.
    let (status, body) = send(
        replies,
        json!({"body": "hello", "idempotency_key": "short"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("idempotency_key"));
}

#[tokio::test]
async fn replies_left_pending_by_a_crash_are_sent_once_after_a_restart() {
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::load_or_create(dir.path()).unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .unwrap();
    store
        .upsert_source(
            NewSource {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                name: "our account".into(),
                config: json!({
                    "instance": format!("http://localhost:{fake_port}"),
                    "timeline": "notifications"
                })
                .to_string(),
                credentials: Some(Secret::new("mastodon-write-token")),
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    Ingestor::new(shared)
        .await
        .unwrap()
        .ingest(vec![post(
            Network::Mastodon,
            "111222333",
            "My Lumora kettle broke after two days, terrible, I want a refund",
        )])
        .await
        .unwrap();
    let item = rapport_store::inbox::InboxStore::inbox(
        &store,
        ws.id,
        &rapport_store::inbox::InboxQuery::default(),
    )
    .await
    .unwrap()[0]
        .id;
    let inbox: &dyn rapport_store::inbox::InboxStore = &store;
    // The crash: one reply reached the network before the process died, one did not.
    let reached = inbox
        .begin_reply(ws.id, item, None, "On its way, sorry!", "crash-key-reached")
        .await
        .unwrap();
    let never_sent = inbox
        .begin_reply(
            ws.id,
            item,
            None,
            "A new kettle is on its way",
            "crash-key-lost",
        )
        .await
        .unwrap();
    {
        let mut fake = instance.lock().unwrap();
        fake.created
            .push(json!({"status": "@anna On its way, sorry!", "in_reply_to_id": "111222333"}));
        fake.keys.insert("crash-key-reached".into(), 0);
    }
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let sources: Arc<dyn SourceStore> = Arc::new(store.clone());
    let state =
        AppState::sqlite(store.clone()).with_replies(ReplySender::new(sources, key, policy));

    // The restart: both are sent again with their keys; the network answers the first with
    // the status it already has, so only the lost one is posted.
    let started = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    let sweep = rapport_web::routes::replies::resend_pending(&state, started, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((sweep.sent, sweep.failed, sweep.unknown), (2, 0, 0));
    {
        let fake = instance.lock().unwrap();
        assert_eq!(fake.created.len(), 2, "one new status, not two");
        assert_eq!(fake.created[1]["in_reply_to_id"], "111222333");
    }
    let replies = inbox.inbox_replies(ws.id, item).await.unwrap();
    let by_id = |id: i64| replies.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(by_id(reached.id).remote_id.as_deref(), Some("99000"));
    assert_eq!(by_id(never_sent.id).remote_id.as_deref(), Some("99001"));
    // A second sweep finds nothing.
    let again = rapport_web::routes::replies::resend_pending(&state, started, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(again, Default::default());

    // A reply left pending longer than the network remembers keys is not sent again.
    let stale = inbox
        .begin_reply(ws.id, item, None, "old one", "crash-key-stale")
        .await
        .unwrap();
    let two_hours_later = stale.created_at + chrono::TimeDelta::hours(2);
    let sweep =
        rapport_web::routes::replies::resend_pending(&state, two_hours_later, two_hours_later)
            .await
            .unwrap();
    assert_eq!(sweep.unknown, 1);
    let stale = inbox
        .inbox_replies(ws.id, item)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == stale.id)
        .unwrap();
    assert_eq!(stale.state, rapport_store::inbox::ReplyState::Failed);
    assert!(stale.error.unwrap().contains("outcome is unknown"));
    assert_eq!(instance.lock().unwrap().created.len(), 2);
}

/// A PDS as the Bluesky documentation describes it: `com.atproto.server.createSession`
/// (<https://docs.bsky.app/docs/api/com-atproto-server-create-session>), `app.bsky.feed.getPosts`
/// (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>) and `com.atproto.repo.createRecord`
/// (<https://docs.bsky.app/docs/api/com-atproto-repo-create-record>).
#[derive(Default)]
struct Pds {
    /// Bodies of createRecord.
    records: Vec<Value>,
}

async fn pds_session(Json(body): Json<Value>) -> Json<Value> {
    assert_eq!(body["identifier"], "lumora.bsky.social");
    assert_eq!(body["password"], "app-pass-word-1234");
    Json(json!({
        "accessJwt": "jwt-access", "refreshJwt": "jwt-refresh",
        "handle": "lumora.bsky.social", "did": "did:plc:lumora"
    }))
}

async fn pds_posts(
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Json<Value> {
    let uri = q.get("uris").cloned().unwrap_or_default();
    Json(json!({"posts": [{
        "uri": uri, "cid": "bafyparentcid",
        "author": {"did": "did:plc:x", "handle": "angry.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": "Lumora support never answers",
                   "createdAt": "2026-11-23T09:40:00.000Z"},
        "indexedAt": "2026-11-23T09:40:01.000Z"
    }]}))
}

async fn pds_create(
    State(pds): State<Arc<Mutex<Pds>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    assert_eq!(headers["authorization"], "Bearer jwt-access");
    let rkey = body["rkey"].as_str().unwrap_or("3kdefault").to_string();
    pds.lock().unwrap().records.push(body);
    Json(json!({
        "uri": format!("at://did:plc:lumora/app.bsky.feed.post/{rkey}"),
        "cid": "bafyreplycid"
    }))
}

#[tokio::test]
async fn a_bluesky_post_is_answered_through_the_connected_bluesky_account() {
    let pds: Arc<Mutex<Pds>> = Arc::default();
    let port = fake_network(
        Router::new()
            .route(
                "/xrpc/com.atproto.server.createSession",
                routing::post(pds_session),
            )
            .route("/xrpc/app.bsky.feed.getPosts", routing::get(pds_posts))
            .route(
                "/xrpc/com.atproto.repo.createRecord",
                routing::post(pds_create),
            )
            .with_state(pds.clone()),
    )
    .await;
    let lumora = Lumora::new().await;
    lumora
        .connect(
            "bluesky",
            "Lumora on Bluesky",
            json!({"service": format!("http://localhost:{port}"), "identifier": "lumora.bsky.social"}),
            "app-pass-word-1234",
        )
        .await;
    let parent = "at://did:plc:x/app.bsky.feed.post/3kparent";
    let item = lumora
        .ingest(vec![post(
            Network::Bluesky,
            parent,
            "Lumora support never answers, this is awful",
        )])
        .await[0]
        .id;
    let ws = &lumora.ws;
    let (base, secret) = lumora.serve().await;
    let client = rapport_sources::http::client_builder().build().unwrap();
    let sent = client
        .post(format!(
            "{base}/api/v1/workspaces/{}/inbox/{item}/replies",
            ws.id
        ))
        .bearer_auth(secret.expose())
        .json(&json!({"body": "Sorry! We are on it, check your DMs", "idempotency_key": "reply-bsky-0001"}))
        .send()
        .await
        .unwrap();
    let status = sent.status().as_u16();
    let body: Value = sent.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "sent");
    let records = pds.lock().unwrap().records.clone();
    assert_eq!(records.len(), 1);
    let record = &records[0]["record"];
    assert_eq!(records[0]["collection"], "app.bsky.feed.post");
    assert_eq!(records[0]["repo"], "did:plc:lumora");
    assert_eq!(
        record["text"], "Sorry! We are on it, check your DMs",
        "threaded by reference, no mention added"
    );
    assert_eq!(record["reply"]["parent"]["uri"], parent);
    assert_eq!(record["reply"]["parent"]["cid"], "bafyparentcid");
    assert_eq!(record["reply"]["root"]["uri"], parent);
}

/// A blog that is both a WordPress site and a Micropub endpoint, answering as documented:
/// `GET /wp-json/wp/v2/posts?slug=` (<https://developer.wordpress.org/rest-api/reference/posts/#list-posts>),
/// `GET /wp-json/wp/v2/users/me` (<https://developer.wordpress.org/rest-api/reference/users/#retrieve-a-user-2>),
/// `GET`/`POST /wp-json/wp/v2/comments` (<https://developer.wordpress.org/rest-api/reference/comments/>)
/// with HTTP Basic and an application password; a Micropub endpoint taking form-encoded
/// `h=entry&content=&in-reply-to=` and answering 201 with `Location`
/// (<https://www.w3.org/TR/micropub/#create>), and listing its posts with `q=source`
/// (<https://indieweb.org/Micropub-extensions#Query_for_Post_List>).
#[derive(Default)]
struct Blog {
    base: String,
    /// Comments: (id, post, content).
    comments: Vec<(u64, u64, String)>,
    /// Micropub posts: the form fields.
    notes: Vec<Vec<(String, String)>>,
}

type SharedBlog = Arc<Mutex<Blog>>;

fn basic_ok(headers: &HeaderMap) -> bool {
    // RFC 7617: base64 of "editor:wp-app-password".
    headers
        .get("authorization")
        .is_some_and(|v| v == "Basic ZWRpdG9yOndwLWFwcC1wYXNzd29yZA==")
}

async fn blog_posts(
    State(blog): State<SharedBlog>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Json<Value> {
    assert!(basic_ok(&headers));
    let base = blog.lock().unwrap().base.clone();
    if q.get("slug").map(String::as_str) == Some("new-kettle") {
        Json(json!([{"id": 42, "link": format!("{base}2026/11/20/new-kettle/")}]))
    } else {
        Json(json!([]))
    }
}

async fn blog_me(headers: HeaderMap) -> Json<Value> {
    assert!(basic_ok(&headers));
    Json(
        json!({"id": 7, "name": "Editor", "url": "", "description": "", "link": "", "slug": "editor"}),
    )
}

fn blog_comment(base: &str, (id, post, content): &(u64, u64, String)) -> Value {
    json!({
        "id": id, "post": post, "parent": 0, "author": 7, "author_name": "Editor",
        "date": "2026-11-23T10:00:00", "date_gmt": "2026-11-23T10:00:00",
        "content": {"raw": content, "rendered": format!("<p>{content}</p>\n")},
        "link": format!("{base}2026/11/20/new-kettle/#comment-{id}"),
        "status": "approved", "type": "comment"
    })
}

async fn blog_comments(
    State(blog): State<SharedBlog>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Json<Value> {
    assert!(basic_ok(&headers));
    assert_eq!(q.get("author").map(String::as_str), Some("7"));
    let blog = blog.lock().unwrap();
    let post: u64 = q["post"].parse().unwrap();
    Json(Value::Array(
        blog.comments
            .iter()
            .filter(|c| c.1 == post)
            .map(|c| blog_comment(&blog.base, c))
            .collect(),
    ))
}

async fn blog_comment_create(
    State(blog): State<SharedBlog>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    assert!(basic_ok(&headers));
    let mut blog = blog.lock().unwrap();
    let id = 900 + blog.comments.len() as u64;
    let comment = (
        id,
        body["post"].as_u64().unwrap(),
        body["content"].as_str().unwrap().to_string(),
    );
    blog.comments.push(comment.clone());
    (
        axum::http::StatusCode::CREATED,
        Json(blog_comment(&blog.base, &comment)),
    )
}

async fn blog_micropub(
    State(blog): State<SharedBlog>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (axum::http::StatusCode, HeaderMap) {
    assert_eq!(headers["authorization"], "Bearer indieauth-token");
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut blog = blog.lock().unwrap();
    blog.notes.push(fields);
    let mut answer = HeaderMap::new();
    answer.insert(
        "location",
        format!("https://me.example/notes/{}", blog.notes.len())
            .parse()
            .unwrap(),
    );
    (axum::http::StatusCode::CREATED, answer)
}

async fn blog_micropub_query(State(blog): State<SharedBlog>) -> Json<Value> {
    let blog = blog.lock().unwrap();
    let items: Vec<Value> = blog
        .notes
        .iter()
        .enumerate()
        .map(|(i, fields)| {
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            json!({"type": ["h-entry"], "properties": {
                "content": [get("content")],
                "in-reply-to": [get("in-reply-to")],
                "url": [format!("https://me.example/notes/{}", i + 1)]
            }})
        })
        .collect();
    Json(json!({"items": items}))
}

#[tokio::test]
async fn feed_items_are_answered_by_a_wordpress_comment_or_a_micropub_reply() {
    let blog: SharedBlog = Arc::default();
    let port = fake_network(
        Router::new()
            .route("/wp-json/wp/v2/posts", routing::get(blog_posts))
            .route("/wp-json/wp/v2/users/me", routing::get(blog_me))
            .route(
                "/wp-json/wp/v2/comments",
                routing::get(blog_comments).post(blog_comment_create),
            )
            .route(
                "/micropub",
                routing::post(blog_micropub).get(blog_micropub_query),
            )
            .with_state(blog.clone()),
    )
    .await;
    let site = format!("http://localhost:{port}/");
    blog.lock().unwrap().base = site.clone();

    let lumora = Lumora::new().await;
    lumora
        .connect(
            "wordpress",
            "Our blog",
            json!({"site": site, "username": "editor"}),
            "wp-app-password",
        )
        .await;
    lumora
        .connect(
            "micropub",
            "Our site",
            json!({"endpoint": format!("{site}micropub")}),
            "indieauth-token",
        )
        .await;
    let on_our_blog = format!("{site}2026/11/20/new-kettle/#comment-12");
    let feed_post = |id: &str, url: Option<String>, text: &str| Post {
        url,
        ..post(Network::Feed, id, text)
    };
    let items = lumora
        .ingest(vec![
            feed_post(
                "comment-12-guid",
                Some(on_our_blog.clone()),
                "A comment on our blog: is the Lumora kettle dishwasher safe?",
            ),
            feed_post(
                "https://reviews.example/?p=5",
                Some("https://reviews.example/2026/lumora-review".into()),
                "Lumora kettle review: is the loud base fixable?",
            ),
            feed_post(
                "urn:uuid:no-link",
                None,
                "Does anyone know if Lumora ships to Canada?",
            ),
        ])
        .await;
    let item_of = |id: &str| {
        items
            .iter()
            .find(|i| i.post.post.native_id == id)
            .unwrap_or_else(|| panic!("an inbox item for {id}"))
            .id
    };
    let ws = &lumora.ws;
    let (base, secret) = lumora.serve().await;
    let client = rapport_sources::http::client_builder().build().unwrap();
    let send = |item: rapport_model::InboxItemId, text: &str, key: &str| {
        let request = client
            .post(format!(
                "{base}/api/v1/workspaces/{}/inbox/{item}/replies",
                ws.id
            ))
            .bearer_auth(secret.expose())
            .json(&json!({"body": text, "idempotency_key": key}));
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // On our WordPress site: a comment under the post, answering comment 12.
    let (status, body) = send(
        item_of("comment-12-guid"),
        "Yes, it's dishwasher safe <3",
        "reply-wp-00001",
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["remote_id"], "900");
    assert_eq!(
        blog.lock().unwrap().comments,
        vec![(900, 42, "Yes, it's dishwasher safe &lt;3".to_string())]
    );
    assert!(blog.lock().unwrap().notes.is_empty());

    // On someone else's blog: WordPress cannot comment there, Micropub replies citing it.
    let (status, body) = send(
        item_of("https://reviews.example/?p=5"),
        "Thanks for the review! A quieter base is coming.",
        "reply-mp-00001",
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["remote_id"], "https://me.example/notes/1");
    {
        let blog = blog.lock().unwrap();
        assert_eq!(blog.comments.len(), 1);
        let note = &blog.notes[0];
        assert!(note.contains(&(
            "in-reply-to".to_string(),
            "https://reviews.example/2026/lumora-review".to_string()
        )));
        assert!(note.contains(&(
            "content".to_string(),
            "Thanks for the review! A quieter base is coming.".to_string()
        )));
    }

    // No URL: neither can answer, and the 422 says why.
    let (status, body) = send(item_of("urn:uuid:no-link"), "hello", "reply-none-0001").await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no connected account can answer this Feed post")
            && message.contains("\"Our blog\" (WordPress)")
            && message.contains("\"Our site\" (Micropub)"),
        "{message}"
    );
    assert_eq!(blog.lock().unwrap().notes.len(), 1);

    // The item pages: a reply box naming the account kind, without a length counter (blogs
    // have no limit), and the reason where no account can answer.
    let agent = lumora
        .store
        .create_user(NewUser {
            email: "agent@lumora.example".into(),
            display_name: "Agent".into(),
            password_hash: auth::hash_password("correct horse battery").unwrap(),
            is_admin: false,
        })
        .await
        .unwrap();
    lumora
        .store
        .set_membership(rapport_model::Membership {
            user: agent.id,
            workspace: ws.id,
            role: Role::Agent,
        })
        .await
        .unwrap();
    let login = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=agent%40lumora.example&password=correct+horse+battery")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = |item: rapport_model::InboxItemId| {
        let request = client
            .get(format!("{base}/w/{}/inbox/{item}", ws.id))
            .header("cookie", &cookie);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let html = page(item_of("comment-12-guid")).await;
    assert!(html.contains("Reply on Feed through WordPress"), "{html}");
    assert!(!html.contains("characters left"), "{html}");
    let html = page(item_of("https://reviews.example/?p=5")).await;
    assert!(html.contains("Reply on Feed through Micropub"), "{html}");
    let html = page(item_of("urn:uuid:no-link")).await;
    assert!(!html.contains("Send reply"), "{html}");
    assert!(
        html.contains("no connected account can answer this Feed post"),
        "{html}"
    );
}

#[tokio::test]
async fn links_in_a_reply_become_short_links_sent_once_and_counted_when_followed() {
    let instance: Arc<Mutex<Instance>> = Arc::default();
    let fake = Router::new()
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::load_or_create(dir.path()).unwrap();
    let ws = store.create_workspace("Lumora").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .unwrap();
    store
        .upsert_source(
            NewSource {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                name: "our account".into(),
                config: json!({
                    "instance": format!("http://localhost:{fake_port}"),
                    "timeline": "notifications"
                })
                .to_string(),
                credentials: Some(Secret::new("mastodon-write-token")),
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap();
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: ws.id,
            role: Role::Agent,
            name: "agent".into(),
            created_by: None,
        })
        .await
        .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    Ingestor::new(shared)
        .await
        .unwrap()
        .ingest(vec![post(
            Network::Mastodon,
            "111222333",
            "My Lumora kettle broke after two days, terrible, I want a refund",
        )])
        .await
        .unwrap();
    let item = rapport_store::inbox::InboxStore::inbox(
        &store,
        ws.id,
        &rapport_store::inbox::InboxQuery::default(),
    )
    .await
    .unwrap()[0]
        .id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Link tracking on, with rapport itself as the short links' public address.
    rapport_store::EngagementStore::set_link_settings(
        &store,
        ws.id,
        &rapport_store::engagement::LinkSettings {
            enabled: true,
            base_url: base.clone(),
            utm_medium: "social".into(),
        },
    )
    .await
    .unwrap();
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let sources: Arc<dyn SourceStore> = Arc::new(store.clone());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_replies(ReplySender::new(sources, key, policy)),
        std::future::pending(),
    ));
    let client = rapport_sources::http::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = secret.expose().to_string();
    let replies = format!(
        "{base}/api/v1/workspaces/{}/inbox/{}/replies",
        ws.id.0, item.0
    );
    let reply = json!({
        "body": "Sorry! The fix is here: https://lumora.example/help?topic=kettle",
        "idempotency_key": "reply-link-0001"
    });
    let send = || async {
        let response = client
            .post(&replies)
            .bearer_auth(&token)
            .json(&reply)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };

    // The instance is down at first: the reply stays pending, to be sent again.
    instance.lock().unwrap().unavailable = 1;
    let (status, body) = send().await;
    assert_eq!(status, 503, "{body}");
    let (status, first) = send().await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["state"], "sent", "{first}");
    let (status, again) = send().await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["body"], first["body"]);

    let text = {
        let instance = instance.lock().unwrap();
        assert_eq!(instance.created.len(), 1, "one status on the network");
        assert_eq!(instance.requests.len(), 2, "the failed call and its retry");
        assert_eq!(
            instance.requests[0]["status"], instance.requests[1]["status"],
            "the retry sent the same text, with the same short link"
        );
        instance.created[0]["status"].as_str().unwrap().to_string()
    };
    let prefix = format!("@angry@mastodon.social Sorry! The fix is here: {base}/l/");
    assert!(text.starts_with(&prefix), "{text}");
    assert!(!text.contains("lumora.example"), "{text}");
    let code = &text[prefix.len()..];
    assert!(rapport_engine::links::is_code(code), "{text}");
    assert_eq!(
        first["body"],
        format!("Sorry! The fix is here: {base}/l/{code}"),
        "the reply is recorded as sent"
    );

    // Following the link: a redirect with the reply's UTM tags, counted as a click.
    let followed = client
        .get(format!("{base}/l/{code}"))
        .header(
            reqwest::header::USER_AGENT,
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status().as_u16(), 302);
    assert_eq!(
        followed.headers()[reqwest::header::LOCATION],
        "https://lumora.example/help?topic=kettle&utm_source=mastodon&utm_medium=social\
         &utm_campaign=inbox-reply"
    );
    let link = rapport_store::EngagementStore::short_link(&store, code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.delivery_id, None);
    let clicks = rapport_store::EngagementStore::link_clicks(&store, link.id)
        .await
        .unwrap();
    assert_eq!(
        clicks.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
        vec![(1, 0)]
    );
}

/// A Facebook Page's Graph API, answering as documented: `POST /{object-id}/comments` with a
/// form-encoded `message` answers `{"id": "<comment-id>"}`, `GET /{object-id}/comments` lists
/// `{"data": [{"id", "message", "from": {"id", "name"}, "permalink_url"}]}`
/// (<https://developers.facebook.com/docs/graph-api/reference/object/comments/>), and
/// `GET /{comment-id}?fields=permalink_url` answers the comment's link
/// (<https://developers.facebook.com/docs/graph-api/reference/comment/>).
#[derive(Default)]
struct Graph {
    /// `(object, comment id, message)` of every comment the Page made.
    comments: Vec<(String, String, String)>,
    /// Comment posts still to answer with a lost reply: the comment is made, the answer is
    /// a 500 (what a timeout after Facebook committed looks like to the client).
    lose_next_answer: bool,
}

type SharedGraph = Arc<Mutex<Graph>>;

const PAGE_ID: &str = "4242";

async fn graph_comment(
    State(graph): State<SharedGraph>,
    axum::extract::Path(object): axum::extract::Path<String>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    assert_eq!(
        form.get("access_token").map(String::as_str),
        Some("page-token")
    );
    let mut graph = graph.lock().unwrap();
    let id = format!(
        "{}_{}",
        object.split('_').next_back().unwrap_or("0"),
        900 + graph.comments.len()
    );
    graph.comments.push((
        object,
        id.clone(),
        form.get("message").cloned().unwrap_or_default(),
    ));
    if std::mem::take(&mut graph.lose_next_answer) {
        return (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "An unknown error has occurred.", "type": "OAuthException", "code": 1, "is_transient": true, "fbtrace_id": "AbCdEf"}})),
        )
            .into_response();
    }
    Json(json!({"id": id})).into_response()
}

async fn graph_comments(
    State(graph): State<SharedGraph>,
    axum::extract::Path(object): axum::extract::Path<String>,
) -> Json<Value> {
    let graph = graph.lock().unwrap();
    let data: Vec<Value> = graph
        .comments
        .iter()
        .filter(|(on, _, _)| *on == object)
        .rev()
        .map(|(_, id, message)| {
            json!({
                "id": id, "message": message,
                "from": {"id": PAGE_ID, "name": "Lumora"},
                "permalink_url": format!("https://www.facebook.com/lumora/posts/{id}")
            })
        })
        .collect();
    Json(json!({"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}}))
}

async fn graph_node(axum::extract::Path(id): axum::extract::Path<String>) -> Json<Value> {
    Json(json!({"id": id, "permalink_url": format!("https://www.facebook.com/lumora/posts/{id}")}))
}

#[tokio::test]
async fn a_facebook_comment_is_answered_once_as_the_page_even_after_a_lost_answer() {
    let graph: SharedGraph = Arc::default();
    graph.lock().unwrap().lose_next_answer = true;
    let port = fake_network(
        Router::new()
            .route(
                "/v21.0/{id}/comments",
                routing::post(graph_comment).get(graph_comments),
            )
            .route("/v21.0/{id}", routing::get(graph_node))
            .with_state(graph.clone()),
    )
    .await;
    let lumora = Lumora::new().await;
    lumora
        .connect(
            "facebook",
            "Lumora Page",
            json!({"page_id": PAGE_ID, "api": format!("http://localhost:{port}/v21.0")}),
            "page-token",
        )
        .await;
    // A comment on one of the Page's posts, as the facebook_comments source stores it.
    let comment_id = "4242_777_123";
    let item = lumora
        .ingest(vec![post(
            Network::Facebook,
            comment_id,
            "Lumora kettle broke after a week, terrible, who do I contact?",
        )])
        .await[0]
        .id;
    let ws = &lumora.ws;
    let (base, secret) = lumora.serve().await;
    let client = rapport_sources::http::client_builder().build().unwrap();
    let send = || {
        client
            .post(format!(
                "{base}/api/v1/workspaces/{}/inbox/{item}/replies",
                ws.id
            ))
            .bearer_auth(secret.expose())
            .json(&json!({"body": "So sorry! Please message us your order number.", "idempotency_key": "reply-fb-00001"}))
            .send()
    };
    // Facebook made the comment but the answer was lost: the reply is not sent as far as
    // rapport knows, and says it may be retried.
    let first = send().await.unwrap();
    let status = first.status().as_u16();
    let body: Value = first.json().await.unwrap();
    assert_ne!(status, 201, "{body}");
    assert_eq!(graph.lock().unwrap().comments.len(), 1);
    // The retry finds the Page's comment instead of commenting twice.
    let again = send().await.unwrap();
    let status = again.status().as_u16();
    let body: Value = again.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "sent", "{body}");
    let comments = graph.lock().unwrap().comments.clone();
    assert_eq!(comments.len(), 1, "one comment, not two: {comments:?}");
    assert_eq!(
        comments[0].0, comment_id,
        "threaded under the customer's comment"
    );
    assert_eq!(
        comments[0].2,
        "So sorry! Please message us your order number."
    );
}
