//! Images on drafts and link previews through the real router: an image is sniffed from its
//! bytes and checked against every target network when it is uploaded, kept in the store,
//! served back with its own type, and sent by the scheduler to a fake Mastodon instance
//! (`POST /api/v2/media`, <https://docs.joinmastodon.org/methods/media/#v2>, then
//! `POST /api/v1/statuses` with `media_ids`,
//! <https://docs.joinmastodon.org/methods/statuses/#create>); link previews go through the
//! SSRF guard.

use axum::{body::Bytes, extract::State, http::HeaderMap, routing, Json, Router};
use rapport_engine::publishing::Scheduler;
use rapport_model::{Role, Workspace};
use rapport_sources::http::SafetyPolicy;
use rapport_store::{AccountStore, NewApiToken, SecretKey, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, routes::publishing::Publishing, AppState};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Instance {
    /// (description, bytes) of each upload.
    uploads: Vec<(String, Vec<u8>)>,
    statuses: Vec<Value>,
}

type Shared = Arc<Mutex<Instance>>;

fn field(body: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let marker = format!("name=\"{name}\"\r\n\r\n");
    let start = text.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    let end = text[start..].find("\r\n--").map_or(start, |i| i + start);
    text[start..end].to_string()
}

async fn media(State(instance): State<Shared>, body: Bytes) -> Json<Value> {
    let mut instance = instance.lock().unwrap();
    instance
        .uploads
        .push((field(&body, "description"), body.to_vec()));
    let id = format!("4400{}", instance.uploads.len());
    Json(
        json!({"id": id, "type": "image", "url": format!("https://files.example/{id}.png"),
                "description": field(&body, "description")}),
    )
}

async fn statuses(
    State(instance): State<Shared>,
    _headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let mut instance = instance.lock().unwrap();
    instance.statuses.push(body);
    let id = format!("7700{}", instance.statuses.len());
    Json(json!({"id": id, "url": format!("https://social.example/@acme/{id}")}))
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

/// A valid 3×2 PNG header (signature and IHDR).
fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13]);
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0x2b, 0x1c, 0x7a, 0x1e]);
    png
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn upload(&self, path: &str, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            // Whatever the client claims, the server reads the bytes.
            .header("content-type", "text/html")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn images_are_checked_per_target_kept_and_sent_with_the_post() {
    let instance: Shared = Arc::default();
    let fake = Router::new()
        .route("/api/v2/media", routing::post(media))
        .route("/api/v1/statuses", routing::post(statuses))
        .with_state(instance.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let key = SecretKey::generate().unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let manager = token(&store, &ws, Role::Manager).await;
    let admin = token(&store, &ws, Role::Admin).await;
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    let publishing = Publishing::new(Arc::new(store.clone()), key.clone(), policy.clone())
        .with_media(Arc::new(store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let http = rapport_sources::http::client_builder().build().unwrap();
    let as_admin = Client {
        http: http.clone(),
        base: base.clone(),
        token: admin,
    };
    let client = Client {
        http,
        base,
        token: manager,
    };
    let w = ws.id;
    let post = reqwest::Method::POST;

    let mut accounts = Vec::new();
    for (kind, name, settings) in [
        (
            "mastodon",
            "Acme on Mastodon",
            json!({"instance": format!("http://localhost:{fake_port}")}),
        ),
        (
            "bluesky",
            "Acme on Bluesky",
            json!({"identifier": "acme.bsky.social"}),
        ),
        ("facebook", "Acme Page", json!({"page_id": "1234"})),
    ] {
        let (status, account) = as_admin
            .json(
                post.clone(),
                &format!("/api/v1/workspaces/{w}/accounts"),
                Some(json!({"kind": kind, "display_name": name, "settings": settings, "secret": "acme-write-token"})),
            )
            .await;
        assert_eq!(status, 201, "{account}");
        accounts.push(account["id"].as_i64().unwrap());
    }
    let draft_to = |targets: Vec<i64>| json!({"text": "Kettle 2 is here", "targets": targets, "action": "save"});
    let (status, draft) = client
        .json(
            post.clone(),
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft_to(vec![accounts[0]])),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let upload_path = format!("/api/v1/workspaces/{w}/drafts/{id}/media");

    // Not an image, whatever it is called: refused.
    let (status, error) = client
        .upload(
            &format!("{upload_path}?alt=x"),
            b"<svg onload=alert(1)>".to_vec(),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a PNG"));

    // A PNG without alt text: kept, with a warning for Mastodon.
    let (status, listed) = client.upload(&upload_path, png()).await;
    assert_eq!(status, 201, "{listed}");
    assert_eq!(listed["media"][0]["mime"], "image/png");
    assert_eq!(listed["media"][0]["width"], 3);
    assert_eq!(listed["targets"][0]["errors"], json!([]));
    assert!(listed["targets"][0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("no alt text"));
    let media_id = listed["media"][0]["id"].as_i64().unwrap();
    let (status, listed) = client
        .json(
            reqwest::Method::PUT,
            &format!("/api/v1/workspaces/{w}/media/{media_id}"),
            Some(json!({"alt": "A kettle on a stove"})),
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["targets"][0]["warnings"], json!([]));
    // Served back with the sniffed type, never sniffed by the browser.
    let raw = client
        .http
        .get(format!(
            "{}/api/v1/workspaces/{w}/media/{media_id}",
            client.base
        ))
        .bearer_auth(&client.token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "image/png");
    assert_eq!(raw.headers()["x-content-type-options"], "nosniff");
    assert_eq!(raw.bytes().await.unwrap().to_vec(), png());
    // Up to 4 images.
    for _ in 0..3 {
        assert_eq!(
            client
                .upload(&format!("{upload_path}?alt=more"), png())
                .await
                .0,
            201
        );
    }
    let (status, error) = client
        .upload(&format!("{upload_path}?alt=more"), png())
        .await;
    assert_eq!(status, 422, "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 4"));
    for extra in [2, 3, 4] {
        let (status, _) = client
            .json(
                reqwest::Method::DELETE,
                &format!("/api/v1/workspaces/{w}/media/{}", media_id + extra - 1),
                None,
            )
            .await;
        assert_eq!(status, 204);
    }

    // Bluesky requires alt text; a Facebook Page takes no images from rapport.
    let (_, other) = client
        .json(
            post.clone(),
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft_to(vec![accounts[1]])),
        )
        .await;
    let other_path = format!("/api/v1/workspaces/{w}/drafts/{}/media", other["id"]);
    let (status, error) = client.upload(&other_path, png()).await;
    assert_eq!(status, 422, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs an alt text on Bluesky"),
        "{error}"
    );
    assert_eq!(
        client
            .upload(&format!("{other_path}?alt=kettle"), png())
            .await
            .0,
        201
    );
    let (_, page_draft) = client
        .json(
            post.clone(),
            &format!("/api/v1/workspaces/{w}/drafts"),
            Some(draft_to(vec![accounts[2]])),
        )
        .await;
    let (status, error) = client
        .upload(
            &format!(
                "/api/v1/workspaces/{w}/drafts/{}/media?alt=k",
                page_draft["id"]
            ),
            png(),
        )
        .await;
    // A Facebook Page takes photos (attached to one feed post) since the Page publisher
    // uploads them: the same image is accepted there.
    assert_eq!(status, 201, "{error}");

    // Scheduled, the post goes out with its image and alt text.
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    let (status, scheduled) = client
        .json(
            post.clone(),
            &format!("/api/v1/workspaces/{w}/drafts/{id}/schedule"),
            Some(json!({"scheduled_at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    // Past approval, images are fixed.
    let (status, _) = client
        .upload(&format!("{upload_path}?alt=late"), png())
        .await;
    assert_eq!(status, 422);
    let scheduler =
        Scheduler::new(Arc::new(store.clone()), key, policy).with_media(Arc::new(store.clone()));
    let due = at + chrono::Duration::minutes(1);
    assert_eq!(scheduler.tick(due).await.unwrap().sent, 1);
    let instance = instance.lock().unwrap();
    assert_eq!(instance.uploads.len(), 1);
    assert_eq!(instance.uploads[0].0, "A kettle on a stove");
    assert!(instance.uploads[0]
        .1
        .windows(png().len())
        .any(|w| w == png()));
    assert_eq!(instance.statuses.len(), 1);
    assert_eq!(instance.statuses[0]["media_ids"], json!(["44001"]));
}

#[tokio::test]
async fn link_previews_refuse_private_addresses_and_links_that_are_not_web_links() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Acme").await.unwrap();
    let agent = token(&store, &ws, Role::Agent).await;
    let viewer = token(&store, &ws, Role::Viewer).await;
    let publishing = Publishing::new(
        Arc::new(store.clone()),
        SecretKey::generate().unwrap(),
        SafetyPolicy::public_only(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_publishing(publishing),
        std::future::pending(),
    ));
    let http = rapport_sources::http::client_builder().build().unwrap();
    let path = format!("/api/v1/workspaces/{}/link-preview", ws.id);
    let client = Client {
        http: http.clone(),
        base: base.clone(),
        token: agent,
    };
    let post = reqwest::Method::POST;
    // rapport's own address (loopback) and the cloud metadata address are refused.
    for text in [
        format!("see http://127.0.0.1:{port}/healthz"),
        "see http://169.254.169.254/latest/meta-data/".to_string(),
        "see http://[::1]/".to_string(),
    ] {
        let (status, error) = client
            .json(post.clone(), &path, Some(json!({"text": text})))
            .await;
        assert_eq!(status, 422, "{text}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("cannot be previewed"),
            "{error}"
        );
    }
    let (status, empty) = client
        .json(post.clone(), &path, Some(json!({"text": "no link at all"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(empty["url"], Value::Null);
    let viewer = Client {
        http,
        base,
        token: viewer,
    };
    let (status, _) = viewer
        .json(post, &path, Some(json!({"text": "https://example.com"})))
        .await;
    assert_eq!(status, 403, "agents and above preview links");
}
