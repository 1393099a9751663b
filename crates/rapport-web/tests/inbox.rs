//! The inbox over the real server: posts that need an answer arrive through the ingestor,
//! are ranked, handled over the JSON API by an agent's token, and shown escaped.

use std::sync::Arc;

use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post, Role};
use rapport_store::{AccountStore, NewApiToken, NewUser, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, AppState};
use serde_json::{json, Value};

fn post(id: &str, text: &str, followers: u64) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: id.into(),
        url: Some(format!("https://mastodon.example/@someone/{id}")),
        author: Author {
            handle: format!("user{id}"),
            display_name: None,
            followers: Some(followers),
        },
        title: None,
        text: text.into(),
        language: Some("en".into()),
        created_at: chrono::Utc::now() - chrono::Duration::minutes(30),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

struct App {
    base: String,
    token: String,
    manager_token: String,
    ingestor: Ingestor,
    agent: i64,
    workspace: i64,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl App {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn spawn() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
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
    let (manager_secret, manager_prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: manager_secret.hash(),
            prefix: manager_prefix,
            workspace: ws.id,
            role: Role::Manager,
            name: "manager".into(),
            created_by: None,
        })
        .await
        .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared).await.unwrap();
    ingestor
        .ingest(vec![
            post("1", "Does the Lumora kettle work on induction?", 10),
            post(
                "2",
                "My Lumora kettle broke after two days, terrible, I want a refund <script>alert(1)</script>",
                50_000,
            ),
            post("3", "I love my Lumora kettle", 10),
        ])
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store).with_ingestor(ingestor.clone()),
        std::future::pending(),
    ));
    App {
        base: format!("http://{addr}"),
        token: secret.expose().to_string(),
        manager_token: manager_secret.expose().to_string(),
        ingestor,
        agent: agent.id.0,
        workspace: ws.id.0,
        client: rapport_sources::http::client_builder()
            .build()
            .expect("client"),
        _dir: dir,
    }
}

#[tokio::test]
async fn an_agent_works_the_inbox_over_the_api() {
    let app = spawn().await;
    let w = app.workspace;
    let (status, page) = app.get(&format!("/api/v1/workspaces/{w}/inbox")).await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    // The angry complaint from a large account first, then the question; praise is absent.
    let reasons: Vec<&str> = items
        .iter()
        .map(|i| i["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["complaint", "question"]);
    assert!(items[0]["priority"].as_f64().unwrap() > items[1]["priority"].as_f64().unwrap());
    assert!(items[0]["waiting_hours"].as_f64().unwrap() >= 0.4);
    assert_eq!(page["next"], Value::Null);

    // Pages of one, followed by cursor.
    let (_, first) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox?limit=1"))
        .await;
    let next = first["next"].as_str().unwrap().to_string();
    let (_, second) = app
        .get(&format!(
            "/api/v1/workspaces/{w}/inbox?limit=1&after={next}"
        ))
        .await;
    assert_eq!(second["items"][0]["reason"], "question");
    let (status, bad) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox?after=nonsense"))
        .await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("cursor"),
        "{bad}"
    );

    let item = items[0]["id"].as_i64().unwrap();
    let (status, changed) = app
        .post(
            &format!("/api/v1/workspaces/{w}/inbox/{item}"),
            json!({"status": "open", "assignee": "me"}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["status"], "open");
    assert_eq!(changed["assignee"], app.agent);
    let (status, err) = app
        .post(
            &format!("/api/v1/workspaces/{w}/inbox/{item}"),
            json!({"assignee": "9999"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a member"),
        "{err}"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/workspaces/{w}/inbox/{item}/notes"),
            json!({"body": "VIP <b>customer</b>"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .post(
            &format!("/api/v1/workspaces/{w}/inbox/{item}/corrections"),
            json!({"sentiment": "negative", "intent": "complaint"}),
        )
        .await;
    assert_eq!(status, 400, "exactly one field per correction");
    let (status, _) = app
        .post(
            &format!("/api/v1/workspaces/{w}/inbox/{item}/corrections"),
            json!({"intent": "question"}),
        )
        .await;
    assert_eq!(status, 204);

    let (status, detail) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox/{item}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(detail["item"]["corrected_intent"], "question");
    assert_eq!(detail["notes"][0]["body"], "VIP <b>customer</b>");
    assert_eq!(detail["thread"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["status", "assign", "note"]);
    let (status, _) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox/99999"))
        .await;
    assert_eq!(status, 404);

    let (status, stats) = app
        .get(&format!("/api/v1/workspaces/{w}/response-times?days=1"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(stats[0]["items"], 2);
    assert_eq!(stats[0]["answered"], 0);

    // Resolved items leave the waiting list.
    app.post(
        &format!("/api/v1/workspaces/{w}/inbox/{item}"),
        json!({"status": "resolved"}),
    )
    .await;
    let (_, page) = app.get(&format!("/api/v1/workspaces/{w}/inbox")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, resolved) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox?status=resolved"))
        .await;
    assert_eq!(resolved["items"][0]["id"], item);
    let (status, _) = app
        .get(&format!("/api/v1/workspaces/{w}/inbox?status=closed"))
        .await;
    assert_eq!(status, 400);

    // The response-times page shows the workspace's figures and the resolving agent.
    let (status, stats) = app
        .get(&format!("/api/v1/workspaces/{w}/response-times?days=1"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(stats[0]["resolved"], 1, "{stats}");
    // Pages need a session: log in as the agent (plain-HTTP loopback cookie).
    let login = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=agent%40lumora.example&password=correct+horse+battery")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = app
        .client
        .get(format!("{}/w/{w}/response-times?days=1", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Response times"), "{html}");
    assert!(html.contains("items arrived"), "{html}");
    let resolved_figure = html
        .split("stat-value\">")
        .nth(3)
        .and_then(|rest| rest.split('<').next());
    assert_eq!(
        resolved_figure,
        Some("1"),
        "third figure is resolved: {html}"
    );
    let bad = app
        .client
        .get(format!("{}/w/{w}/response-times?days=0", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn a_monitor_added_through_the_api_applies_to_the_next_posts() {
    let app = spawn().await;
    let w = app.workspace;
    let response = app
        .client
        .post(format!("{}/api/v1/workspaces/{w}/monitors", app.base))
        .bearer_auth(&app.manager_token)
        .json(&json!({"name": "Rival", "kind": "competitor", "query": "brasswick"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    // The server reloaded the running ingestor's monitors: no restart needed.
    let outcome = app
        .ingestor
        .ingest(vec![post("9", "Is the Brasswick grinder any good?", 5)])
        .await
        .unwrap();
    assert_eq!(outcome.new_mentions, 1);
}

#[tokio::test]
async fn mentions_can_be_filtered_over_the_api() {
    let app = spawn().await;
    let w = app.workspace;
    let ids = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["native_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, all) = app.get(&format!("/api/v1/workspaces/{w}/mentions")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(ids(all).len(), 3);
    let (_, negative) = app
        .get(&format!(
            "/api/v1/workspaces/{w}/mentions?sentiment=negative"
        ))
        .await;
    assert_eq!(ids(negative), ["2"]);
    let (_, questions) = app
        .get(&format!(
            "/api/v1/workspaces/{w}/mentions?intent=question&network=mastodon&lang=en&hours=2"
        ))
        .await;
    assert_eq!(ids(questions), ["1"]);
    let (_, words) = app
        .get(&format!("/api/v1/workspaces/{w}/mentions?q=love+kettle"))
        .await;
    assert_eq!(ids(words), ["3"]);
    for (bad, what) in [
        ("sentiment=furious", "sentiment"),
        ("network=myspace", "network"),
        ("hours=0", "hours"),
        ("before=yesterday", "before"),
        ("lang=%3Cscript%3E", "lang"),
        ("monitor=x", "monitor"),
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/workspaces/{w}/mentions?{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(what),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn the_event_stream_announces_new_posts() {
    let app = spawn().await;
    let w = app.workspace;
    let mut response = app
        .client
        .get(format!("{}/api/v1/workspaces/{w}/events", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let first = next_chunk(&mut response).await;
    assert!(first.contains("event: change"), "{first}");
    app.ingestor
        .ingest(vec![post(
            "77",
            "Lumora kettle question: does it whistle?",
            1,
        )])
        .await
        .unwrap();
    let mut seen = String::new();
    while !seen.contains("data: 1") {
        seen.push_str(&next_chunk(&mut response).await);
    }
}

/// The next chunk of a streamed body; the deadline only keeps a broken stream from hanging
/// the test.
async fn next_chunk(response: &mut reqwest::Response) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(20), response.chunk())
        .await
        .expect("an event within the deadline")
        .unwrap()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
