//! Learn and protect, end to end through the real router over a real SQLite file: alert
//! rules (SSRF refusal, list, delete), exports (CSV formula cells, JSON filters), the weekly
//! report against a hand-computed fixture, advocates and detractors, and hostile text.

use std::net::SocketAddr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_model::{
    Analysis, Author, Engagement, Intent, Membership, Monitor, MonitorKind, Network, NewMonitor,
    Post, Role, SentimentLabel, SentimentScores, Workspace,
};
use rapport_store::{
    AccountStore, IngestItem, NewApiToken, NewUser, SqliteOptions, SqliteStore, Store,
};
use rapport_web::{auth, AppState};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

const PASSWORD: &str = "correct horse battery staple";
const HOSTILE_NAME: &str = "<script>alert('name')</script>";
const HOSTILE_TEXT: &str = "=HYPERLINK(\"http://evil.example\",\"x\") <img src=x onerror=alert(1)>";

struct App {
    base: String,
    client: reqwest::Client,
    workspace: Workspace,
    acme: Monitor,
    rival: Monitor,
    viewer_token: String,
    manager_token: String,
    viewer_cookie: String,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

/// Monday of ISO week 2026-W10.
fn week_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
}

struct Spec {
    id: &'static str,
    monitor: usize,
    handle: &'static str,
    name: &'static str,
    followers: u64,
    sentiment: SentimentLabel,
    hours: i64,
    text: &'static str,
}

/// The fixture. Week 2026-W10 (from Monday 2 March): Acme 6 mentions (4 positive, 1
/// negative, 1 neutral: net +0.50), Rival 3 (1 positive, 2 negative: net -0.33); share of
/// voice 67% / 33%. Week W09: Acme 3 (2 positive, 1 negative: net +0.33), Rival 3 (all
/// negative: net -1.00). So Acme's volume is +100% and Rival's +0%.
fn specs() -> Vec<Spec> {
    use SentimentLabel::{Negative, Neutral, Positive};
    let s = |id, monitor, handle, name, followers, sentiment, hours, text| Spec {
        id,
        monitor,
        handle,
        name,
        followers,
        sentiment,
        hours,
        text,
    };
    vec![
        // W10, Acme.
        s(
            "a1",
            0,
            "fan",
            "Fan",
            1000,
            Positive,
            10,
            "acme battery drain fixed, love it",
        ),
        s(
            "a2",
            0,
            "fan",
            "Fan",
            1000,
            Positive,
            30,
            "acme battery drain gone after update",
        ),
        s(
            "a3",
            0,
            "hostile",
            HOSTILE_NAME,
            50,
            Positive,
            50,
            HOSTILE_TEXT,
        ),
        s(
            "a4",
            0,
            "small",
            "Small",
            10,
            Positive,
            70,
            "acme battery drain solved for me",
        ),
        s(
            "a5",
            0,
            "angry",
            "Angry",
            5000,
            Negative,
            90,
            "acme battery drain is terrible",
        ),
        s(
            "a6",
            0,
            "calm",
            "Calm",
            20,
            Neutral,
            110,
            "acme battery drain question",
        ),
        // W10, Rival.
        s(
            "r1",
            1,
            "angry",
            "Angry",
            5000,
            Negative,
            12,
            "rival shipping late again",
        ),
        s(
            "r2",
            1,
            "grumpy",
            "Grumpy",
            100,
            Negative,
            40,
            "+rival support never answers",
        ),
        s(
            "r3",
            1,
            "small",
            "Small",
            10,
            Positive,
            60,
            "-rival is fine @home",
        ),
        // W09, Acme.
        s(
            "o1",
            0,
            "fan",
            "Fan",
            1000,
            Positive,
            -100,
            "acme new colours look good",
        ),
        s(
            "o2",
            0,
            "old",
            "Old",
            30,
            Positive,
            -80,
            "acme delivery was quick",
        ),
        s(
            "o3",
            0,
            "angry",
            "Angry",
            5000,
            Negative,
            -60,
            "acme website down today",
        ),
        // W09, Rival.
        s(
            "p1",
            1,
            "grumpy",
            "Grumpy",
            100,
            Negative,
            -90,
            "rival website down",
        ),
        s(
            "p2",
            1,
            "grumpy",
            "Grumpy",
            100,
            Negative,
            -70,
            "rival refund refused",
        ),
        s(
            "p3",
            1,
            "old",
            "Old",
            30,
            Negative,
            -50,
            "rival delivery lost",
        ),
    ]
}

async fn spawn_with(postgres_like: bool) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).expect("open");
    let workspace = store
        .create_workspace("Acme & Co")
        .await
        .expect("workspace");
    let monitor = |name: &str, kind, query: &str| NewMonitor {
        workspace_id: workspace.id,
        name: name.into(),
        kind,
        query: query.into(),
    };
    let acme = store
        .create_monitor(monitor("Acme", MonitorKind::Brand, "acme"))
        .await
        .expect("acme");
    let rival = store
        .create_monitor(monitor("Rival", MonitorKind::Competitor, "rival"))
        .await
        .expect("rival");
    let monitors = [acme.id, rival.id];
    let items = specs()
        .into_iter()
        .map(|s| IngestItem {
            post: Post {
                network: Network::Mastodon,
                native_id: s.id.into(),
                url: Some(format!("https://social.example/@{}/{}", s.handle, s.id)),
                author: Author {
                    handle: s.handle.into(),
                    display_name: Some(s.name.into()),
                    followers: Some(s.followers),
                },
                title: None,
                text: s.text.into(),
                language: Some("en".into()),
                created_at: week_start() + Duration::hours(s.hours),
                reply_to: None,
                conversation_id: None,
                quote_of: None,
                engagement: Engagement::default(),
            },
            monitors: vec![monitors[s.monitor]],
            analysis: Some(Analysis {
                sentiment: s.sentiment,
                scores: SentimentScores::default(),
                intent: Intent::Other,
                fingerprint: 0,
            }),
            triage: None,
        })
        .collect();
    store.write_batch(items).await.expect("fixture");

    let viewer = store
        .create_user(NewUser {
            email: "viewer@acme.example".into(),
            display_name: "Viewer".into(),
            password_hash: auth::hash_password(PASSWORD).expect("hash"),
            is_admin: false,
        })
        .await
        .expect("viewer");
    store
        .set_membership(Membership {
            user: viewer.id,
            workspace: workspace.id,
            role: Role::Viewer,
        })
        .await
        .expect("membership");
    let mut tokens = Vec::new();
    for role in [Role::Viewer, Role::Manager] {
        let (secret, prefix) = auth::new_api_token().expect("token");
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
            .expect("token");
        tokens.push(secret.expose().to_string());
    }
    let state = if postgres_like {
        // What `rapport serve` builds over PostgreSQL: no alert store.
        let store = std::sync::Arc::new(store);
        AppState::new(store.clone(), store.clone(), store.clone(), store)
    } else {
        AppState::sqlite(store).with_secret_key(rapport_store::SecretKey::generate().expect("key"))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(rapport_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    let client = rapport_sources::http::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client
        .post(format!("http://{addr}/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([("email", "viewer@acme.example"), ("password", PASSWORD)])
                .expect("form"),
        )
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::SEE_OTHER, "login");
    let viewer_cookie = login
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string();
    App {
        base: format!("http://{addr}"),
        client,
        workspace,
        acme,
        rival,
        viewer_token: tokens[0].clone(),
        manager_token: tokens[1].clone(),
        viewer_cookie,
        _shutdown: tx,
        _dir: dir,
    }
}

impl App {
    async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    async fn get_json(&self, path: &str) -> Value {
        let (status, body) = self
            .api(&self.viewer_token, reqwest::Method::GET, path, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{}", self.base, path))
            .header(header::COOKIE, &self.viewer_cookie)
            .send()
            .await
            .expect("page");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }
}

fn error_code(body: &str) -> String {
    let value: Value = serde_json::from_str(body).expect("error json");
    value["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn alert_rules_are_created_listed_and_deleted_and_private_webhooks_are_refused() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let rules = format!("/api/v1/workspaces/{ws}/alert-rules");
    let post = reqwest::Method::POST;

    // The SSRF guard: loopback, private, link-local (cloud metadata) and `localhost`, and
    // schemes other than http(s), are refused with a clear 422.
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost:9000/hook",
        "file:///etc/passwd",
        "not a url",
    ] {
        let (status, body) = app
            .api(
                &app.manager_token,
                post.clone(),
                &rules,
                Some(json!({"kind": "volume", "webhook_url": url})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(error_code(&body), "unprocessable", "{url}");
        let message = serde_json::from_str::<Value>(&body).unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains("webhook"), "{url}: {message}");
    }
    let (_, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "volume", "webhook_url": "http://127.0.0.1/x"})),
        )
        .await;
    assert!(body.contains("loopback"), "{body}");

    // Bad kinds and thresholds are 422 too; a viewer may not create.
    for bad in [
        json!({"kind": "sometimes", "webhook_url": "https://93.184.215.14/hook"}),
        json!({"kind": "reach", "webhook_url": "https://93.184.215.14/hook"}),
        json!({"kind": "negative", "min_share": 2.0, "webhook_url": "https://93.184.215.14/hook"}),
        json!({"kind": "query", "query": "(", "webhook_url": "https://93.184.215.14/hook"}),
        json!({"kind": "volume", "monitor_id": 999, "webhook_url": "https://93.184.215.14/hook"}),
    ] {
        let (status, body) = app
            .api(&app.manager_token, post.clone(), &rules, Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) = app
        .api(
            &app.viewer_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "volume", "webhook_url": "https://93.184.215.14/hook"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Two good rules: a signed negative-spike rule on Acme, a reach rule on every monitor.
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({
                "kind": "negative", "min_share": 0.4, "monitor_id": app.acme.id.0,
                "webhook_url": "https://93.184.215.14/services/T000/B000/sekrit-path-token",
                "webhook_format": "slack", "secret": "hush-hush-signing-key", "cooldown_minutes": 30
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let negative: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(negative["kind"], "negative");
    assert_eq!(negative["webhook_host"], "93.184.215.14");
    assert_eq!(negative["signed"], true);
    assert_eq!(
        negative["threshold"],
        "negative spike, at least 40% of the hour negative"
    );
    assert!(
        !body.contains("sekrit") && !body.contains("hush-hush"),
        "{body}"
    );
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "reach", "followers": 10000, "webhook_url": "http://93.184.215.14:8080/h"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Listed for a viewer, without the webhook path or the secret.
    let (status, body) = app
        .api(&app.viewer_token, reqwest::Method::GET, &rules, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["threshold"], "an author with 10000+ followers");
    assert!(
        !body.contains("sekrit") && !body.contains("hush-hush"),
        "{body}"
    );
    let (status, page) = app.page(&format!("/w/{ws}/alerts")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("93.184.215.14") && page.contains("Acme"),
        "{page}"
    );
    assert!(!page.contains("sekrit") && !page.contains("hush-hush"));
    assert!(page.contains("href=\"/w/1/alerts\""), "nav link");
    let alerts = app
        .get_json(&format!(
            "/api/v1/workspaces/{ws}/alerts?since=2026-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(alerts, json!([]));
    let (status, _) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("/api/v1/workspaces/{ws}/alerts?since=yesterday"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Deleted by a manager; a second delete is 404; a viewer may not delete.
    let id = negative["id"].as_i64().unwrap();
    let one = format!("{rules}/{id}");
    let (status, _) = app
        .api(&app.viewer_token, reqwest::Method::DELETE, &one, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .api(&app.manager_token, reqwest::Method::DELETE, &one, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app
        .api(&app.manager_token, reqwest::Method::DELETE, &one, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let listed = app.get_json(&rules).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn without_an_alert_store_alerts_say_they_are_not_available_on_postgresql() {
    let app = spawn_with(true).await;
    let ws = app.workspace.id;
    for (method, path) in [
        (
            reqwest::Method::GET,
            format!("/api/v1/workspaces/{ws}/alert-rules"),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/workspaces/{ws}/alerts"),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v1/workspaces/{ws}/alert-rules/1"),
        ),
    ] {
        let (status, body) = app.api(&app.manager_token, method, &path, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(error_code(&body), "unavailable");
        assert!(body.contains("PostgreSQL"), "{body}");
    }
    let (status, body) = app
        .api(
            &app.manager_token,
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{ws}/alert-rules"),
            Some(json!({"kind": "volume", "webhook_url": "https://93.184.215.14/hook"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, page) = app.page(&format!("/w/{ws}/alerts")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("not available on PostgreSQL yet"), "{page}");
}
