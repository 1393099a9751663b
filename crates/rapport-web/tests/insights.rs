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
use rapport_web::routes::reports::IsoWeek;
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
    store: SqliteStore,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

/// The week of the fixture: the last complete ISO week (so the authors' "last 30 days"
/// window holds the fixture whatever the date).
fn week() -> IsoWeek {
    IsoWeek::of(Utc::now()).previous()
}

fn week_start() -> DateTime<Utc> {
    week().start()
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

/// The fixture. The week (from its Monday): Acme 6 mentions (4 positive, 1
/// negative, 1 neutral: net +0.50), Rival 3 (1 positive, 2 negative: net -0.33); share of
/// voice 67% / 33%. The week before: Acme 3 (2 positive, 1 negative: net +0.33), Rival 3 (all
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
    let handle = store.clone();
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
        store: handle,
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
        json!({"kind": "theme", "min_posts": 0, "webhook_url": "https://93.184.215.14/hook"}),
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

    // A theme rule reads back in words.
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "theme", "min_posts": 25, "webhook_url": "https://93.184.215.14/hook"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let theme: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(theme["kind"], "theme");
    assert_eq!(
        theme["threshold"],
        "a phrase emerging in 25+ of a day's mentions"
    );
    let (status, _) = app
        .api(
            &app.manager_token,
            reqwest::Method::DELETE,
            &format!("{rules}/{}", theme["id"]),
            None,
        )
        .await;
    assert!(status.is_success(), "{status}");

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
    assert!(
        page.contains(&format!("href=\"/w/{ws}/alerts\"")),
        "nav link"
    );
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
async fn without_an_alert_store_alerts_say_they_are_not_enabled() {
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
        assert!(body.contains("not enabled"), "{body}");
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
    assert!(
        page.contains("Alerts are not enabled on this server"),
        "{page}"
    );
}

/// The text of the table row that starts at `marker`.
fn row<'a>(page: &'a str, marker: &str) -> &'a str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {page}"));
    let rest = &page[at..];
    &rest[..rest.find("</tr>").expect("row end")]
}

/// The numbers of a row's cells, by class.
fn cell(row: &str, class: &str) -> String {
    let marker = format!("class=\"num {class}\"");
    let at = row
        .find(&marker)
        .unwrap_or_else(|| panic!("no {class} in {row}"));
    let rest = &row[at..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</td>").unwrap();
    rest[open..close].to_string()
}

#[tokio::test]
async fn csv_export_neutralises_formula_cells_and_keeps_hostile_text_as_data() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let from = week_start().format("%Y-%m-%d");
    let to = week().end().format("%Y-%m-%d");
    let response = app
        .client
        .get(format!(
            "{}/api/v1/workspaces/{ws}/reports/mentions.csv?from={from}&to={to}",
            app.base
        ))
        .bearer_auth(&app.viewer_token)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("mentions.csv"));
    let body = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[0], "created_at");
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    // The week's 9 mentions, newest first.
    assert_eq!(rows.len(), 9, "{body}");
    let by_id = |id: &str| {
        rows.iter()
            .find(|r| &r[column("native_id")] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    // Formula cells get a leading quote; hostile markup is data and stays as it was.
    assert_eq!(&by_id("a3")[column("text")], format!("'{HOSTILE_TEXT}"));
    assert_eq!(&by_id("a3")[column("author_name")], HOSTILE_NAME);
    assert_eq!(
        &by_id("r2")[column("text")],
        "'+rival support never answers"
    );
    assert_eq!(&by_id("r3")[column("text")], "'-rival is fine @home");
    assert_eq!(
        &by_id("a1")[column("text")],
        "acme battery drain fixed, love it"
    );
    assert_eq!(&by_id("a5")[column("sentiment")], "negative");
    assert_eq!(&by_id("a5")[column("followers")], "5000");
    assert_eq!(&by_id("r1")[column("monitor")], "Rival");
    // No cell of the file starts a formula.
    for record in &rows {
        for value in record.iter() {
            assert!(
                !value.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{value:?}"
            );
        }
    }

    // Filters: one monitor, one sentiment.
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!(
                "/api/v1/workspaces/{ws}/reports/mentions.csv?monitor={}&sentiment=positive&from={from}&to={to}",
                app.acme.id
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.lines().count(), 1 + 4, "{body}");
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("/api/v1/workspaces/{ws}/reports/mentions.csv?from=last-week"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("from must be a date"), "{body}");
}

#[tokio::test]
async fn json_export_returns_exactly_the_filtered_mentions() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let ids = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .expect("array")
            .iter()
            .map(|m| m["native_id"].as_str().unwrap().to_string())
            .collect()
    };
    let from = week_start().format("%Y-%m-%d");
    let to = week().end().format("%Y-%m-%d");
    let base = format!("/api/v1/workspaces/{ws}/reports/mentions.json");
    let rival = app.rival.id;
    let negative_rival = app
        .get_json(&format!(
            "{base}?monitor={rival}&sentiment=negative&from={from}&to={to}"
        ))
        .await;
    assert_eq!(ids(&negative_rival), ["r2", "r1"]);
    assert!(negative_rival
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["sentiment"] == "negative" && m["monitor_id"] == rival.0));
    let every_negative_rival = app
        .get_json(&format!("{base}?monitor={rival}&sentiment=negative"))
        .await;
    assert_eq!(ids(&every_negative_rival), ["r2", "r1", "p3", "p2", "p1"]);
    let everything = app.get_json(&base).await;
    assert_eq!(everything.as_array().unwrap().len(), 15);
    let previous_week = app
        .get_json(&format!(
            "{base}?from={}&to={}",
            week().previous().start().format("%Y-%m-%dT%H:%M:%SZ"),
            week_start().format("%Y-%m-%dT%H:%M:%SZ")
        ))
        .await;
    assert_eq!(ids(&previous_week), ["p3", "o3", "p2", "o2", "p1", "o1"]);
    // Hostile text is returned as it was ingested.
    let hostile = everything
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["native_id"] == "a3")
        .unwrap();
    assert_eq!(hostile["text"], HOSTILE_TEXT);
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("{base}?from={to}&to={from}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("{base}?sentiment=angry"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_weekly_report_shows_the_hand_computed_figures() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let (status, page) = app
        .page(&format!("/w/{ws}/reports/weekly?week={}", week()))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("data-week=\"{}\"", week())));
    // Acme: 6 mentions against 3 (+100%); net (4 - 1) / 6 = +0.50 against (2 - 1) / 3 =
    // +0.33; 6 of the 9 brand and competitor mentions = 67%.
    let acme = row(&page, "data-monitor=\"Acme\"");
    assert_eq!(cell(acme, "volume"), "6");
    assert_eq!(cell(acme, "previous"), "3");
    assert_eq!(cell(acme, "change"), "+100%");
    assert_eq!(cell(acme, "net"), "+0.50");
    assert_eq!(cell(acme, "previous-net"), "+0.33");
    assert_eq!(cell(acme, "share"), "67%");
    assert!(
        acme.contains("▲ +0.17") && acme.contains("trend-up"),
        "{acme}"
    );
    // Rival: 3 against 3 (+0%); net (1 - 2) / 3 = -0.33 against -1.00; 33%.
    let rival = row(&page, "data-monitor=\"Rival\"");
    assert_eq!(cell(rival, "volume"), "3");
    assert_eq!(cell(rival, "change"), "+0%");
    assert_eq!(cell(rival, "net"), "-0.33");
    assert_eq!(cell(rival, "previous-net"), "-1.00");
    assert_eq!(cell(rival, "share"), "33%");
    assert!(rival.contains("▲ +0.67"), "{rival}");
    // 9 mentions in all against 6.
    assert!(
        page.contains("<span id=\"total-mentions\">9</span> mentions (+50%)"),
        "{page}"
    );
    // Five of the week's posts say "acme battery drain"; none the week before.
    assert!(
        page.contains("battery drain</strong> — 5 posts (previous week 0)"),
        "{page}"
    );
    // Advocates by net sentiment × reach: fan (+1 × 1000), hostile (+1 × 50), small
    // (+1 × 10); detractors: angry (-1 × 5000), grumpy (-1 × 100).
    let section = |id: &str| {
        let at = page.find(&format!("id=\"{id}\"")).expect(id);
        page[at..].split("</section>").next().unwrap().to_string()
    };
    let order = |html: &str| -> Vec<String> {
        html.split("<th scope=\"row\">")
            .skip(1)
            .map(|cell| {
                let at = cell.find('@').unwrap();
                cell[at + 1..].split('<').next().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(order(&section("advocates")), ["fan", "hostile", "small"]);
    assert_eq!(order(&section("detractors")), ["angry", "grumpy"]);
    // Charts are server SVG; the page is printable.
    assert!(page.contains("<svg") && page.contains("Share of voice against competitors"));
    let css = app
        .client
        .get(format!("{}/static/app.css", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("@media print"));
    // Hostile names are escaped.
    assert!(!page.contains(HOSTILE_NAME), "{page}");
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
    // A bad week is a 400 page.
    let (status, _) = app
        .page(&format!("/w/{ws}/reports/weekly?week=2026-13"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn authors_rank_advocates_and_detractors_and_pages_escape_hostile_text() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let ranking = app
        .get_json(&format!("/api/v1/workspaces/{ws}/authors?days=30"))
        .await;
    let handles = |side: &str| -> Vec<String> {
        ranking[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["handle"].as_str().unwrap().to_string())
            .collect()
    };
    // Over both weeks: fan 3 positive (+1 × 1000), hostile 1 (+1 × 50), small 2 (+1 × 10);
    // old is even (1 and 1) and calm neutral: on neither side. angry 3 negative
    // (-1 × 5000), grumpy 3 (-1 × 100).
    assert_eq!(handles("advocates"), ["fan", "hostile", "small"]);
    assert_eq!(handles("detractors"), ["angry", "grumpy"]);
    let fan = &ranking["advocates"][0];
    assert_eq!(fan["mentions"], 3);
    assert_eq!(fan["positive"], 3);
    assert_eq!(fan["followers"], 1000);
    assert_eq!(fan["score"], 1000.0);
    let angry = &ranking["detractors"][0];
    assert_eq!(
        (angry["mentions"].as_u64(), angry["negative"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(angry["net_sentiment"], -1.0);
    let limited = app
        .get_json(&format!("/api/v1/workspaces/{ws}/authors?days=30&limit=1"))
        .await;
    assert_eq!(limited["advocates"].as_array().unwrap().len(), 1);

    // One author, by API and page.
    let hostile = ranking["advocates"][1]["author_id"].as_i64().unwrap();
    let detail = app
        .get_json(&format!("/api/v1/workspaces/{ws}/authors/{hostile}"))
        .await;
    assert_eq!(detail["author"]["display_name"], HOSTILE_NAME);
    assert_eq!(detail["mentions"][0]["text"], HOSTILE_TEXT);
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("/api/v1/workspaces/{ws}/authors/999999"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for path in [
        format!("/w/{ws}/authors"),
        format!("/w/{ws}/authors/{hostile}"),
    ] {
        let (status, page) = app.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!page.contains(HOSTILE_NAME), "{path}: {page}");
        assert!(!page.contains("<img src=x"), "{path}");
        assert!(page.contains("&lt;script&gt;alert("), "{path}");
    }
    let (_, page) = app.page(&format!("/w/{ws}/authors/{hostile}")).await;
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/w/{ws}/authors\"")));
}

/// The daily bars of the dashboard's volume chart: one `(label, mentions)` per day.
fn volume_bars(page: &str) -> Vec<u64> {
    let chart = page
        .split("Mentions per day, last")
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .expect("the volume chart");
    chart
        .split("<title>")
        .skip(1)
        .map(|title| {
            let title = title.split("</title>").next().unwrap_or_default();
            let mentions = title
                .split(": ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("a bar's title: {title}"));
            mentions
        })
        .collect()
}

#[tokio::test]
async fn the_dashboard_draws_its_charts_over_the_range_asked_for() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let mut sums = Vec::new();
    for days in [7u32, 14, 30, 90] {
        let (status, page) = app.page(&format!("/w/{ws}?days={days}")).await;
        assert_eq!(status, StatusCode::OK, "days={days}");
        assert!(page.contains(&format!("Mentions per day, last {days} days")));
        assert!(page.contains(&format!("Share of voice, last {days} days")));
        let bars = volume_bars(&page);
        assert_eq!(
            bars.len(),
            days as usize,
            "one bar per day over {days} days"
        );
        let current = format!("href=\"/w/{ws}?days={days}\" aria-current=\"page\"");
        assert!(
            page.contains(&current),
            "the {days}-day link is marked current"
        );
        sums.push(bars.iter().sum::<u64>());
    }
    // The fixture spans the last two complete weeks: a longer range never shows less, and
    // 30 and 90 days both hold all of it.
    assert!(sums.windows(2).all(|w| w[0] <= w[1]), "{sums:?}");
    assert!(
        sums[0] < sums[2],
        "the week before the fixture's week is outside 7 days: {sums:?}"
    );
    assert_eq!(sums[2], sums[3]);
    let (_, default) = app.page(&format!("/w/{ws}")).await;
    assert_eq!(volume_bars(&default).len(), 14, "14 days unless asked");
    for bad in ["0", "367", "ninety"] {
        let (status, page) = app.page(&format!("/w/{ws}?days={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "days={bad}");
        assert!(
            page.contains("days must be an integer from 1 to 366"),
            "{page}"
        );
    }
}

/// A mention of Acme by `handle` at `at`, as the pipeline would store it.
fn acme_mention(app: &App, id: String, at: DateTime<Utc>, text: String) -> IngestItem {
    IngestItem {
        post: Post {
            network: Network::Mastodon,
            native_id: id.clone(),
            url: None,
            author: Author {
                handle: format!("user{id}"),
                display_name: None,
                followers: Some(10),
            },
            title: None,
            text,
            language: Some("en".into()),
            created_at: at,
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        },
        monitors: vec![app.acme.id],
        analysis: None,
        triage: None,
    }
}

#[tokio::test]
async fn the_themes_page_names_what_emerged_today_and_draws_when_it_rose() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let now = Utc::now();
    let subjects = ["acme kettle", "acme grinder", "acme espresso", "acme app"];
    let verbs = [
        "works fine",
        "arrived",
        "looks nice",
        "is okay",
        "makes coffee",
    ];
    let mut items = Vec::new();
    // Six ordinary days...
    for i in 0..120 {
        let at = now - Duration::hours(26 + (i % 140));
        let text = format!("{} {}", subjects[i as usize % 4], verbs[i as usize / 4 % 5]);
        items.push(acme_mention(&app, format!("old{i}"), at, text));
    }
    // ...then a day when people talk about a cracked portafilter.
    for i in 0..30 {
        let at = now - Duration::minutes(5 + i * 20);
        let text = if i % 3 == 0 {
            format!("{} {}", subjects[i as usize % 4], verbs[i as usize % 5])
        } else {
            format!(
                "acme portafilter cracked <b>again</b> {}",
                verbs[i as usize % 5]
            )
        };
        items.push(acme_mention(&app, format!("new{i}"), at, text));
    }
    app.store.write_batch(items).await.expect("posts");

    let acme = app.acme.id.0;
    let (status, page) = app
        .page(&format!("/w/{ws}/themes?monitor={acme}&days=7"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let rises = page.split("id=\"theme-rises\"").nth(1).expect("the charts");
    assert!(rises.contains("portafilter cracked</span>"), "{rises}");
    assert!(
        !rises.contains("<b>"),
        "ingested markup never reaches the page"
    );
    // The last day (today, and yesterday when the test runs soon after midnight UTC) holds
    // the 20 posts; the days before hold none.
    let first = rises.split("</figure>").next().unwrap();
    let hits: Vec<u64> = first
        .split("% (")
        .skip(1)
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(hits.len(), 7, "one bar per day: {first}");
    assert_eq!(hits.iter().sum::<u64>(), 20, "{first}");
    assert!(hits[..5].iter().all(|h| *h == 0), "{first}");
    // The whole workspace tells the same story; bad parameters say what is wrong.
    let (status, all) = app.page(&format!("/w/{ws}/themes")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.contains("portafilter cracked"));
    let (status, _) = app.page(&format!("/w/{ws}/themes?monitor=999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.page(&format!("/w/{ws}/themes?days=0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("days must be an integer from 1 to 90"),
        "{body}"
    );
    // The dashboard's list links here.
    let (_, dashboard) = app.page(&format!("/w/{ws}")).await;
    assert!(dashboard.contains(&format!("href=\"/w/{ws}/themes\"")));
}

#[tokio::test]
async fn rules_take_email_recipients_and_digests_and_the_page_escapes_them() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let rules = format!("/api/v1/workspaces/{ws}/alert-rules");
    let post = reqwest::Method::POST;
    // Neither a webhook nor recipients: refused; a bad address: refused.
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "volume"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "volume", "email_to": ["not an address"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("not an address"), "{body}");
    // E-mail only, as a daily digest.
    let (status, body) = app
        .api(
            &app.manager_token,
            post.clone(),
            &rules,
            Some(json!({"kind": "volume", "email_to": ["ops@example.org"], "digest": "daily"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rule: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rule["email_to"], json!(["ops@example.org"]));
    assert_eq!(rule["digest"], "daily");
    assert_eq!(rule["webhook_host"], "(no webhook)");
    let id = rule["id"].as_i64().unwrap();
    // A display name with markup is a valid address; it is shown escaped.
    let email = format!("{rules}/{id}/email");
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::PUT,
            &email,
            Some(json!({"email_to": ["ops@example.org"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .api(
            &app.manager_token,
            reqwest::Method::PUT,
            &email,
            Some(json!({
                "email_to": ["\"<i>Ops</i>\" <ops@example.org>", "ana@example.org"],
                "digest": "hourly"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .api(
            &app.manager_token,
            reqwest::Method::PUT,
            &email,
            Some(json!({"email_to": [], "digest": "weekly"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let listed = app.get_json(&rules).await;
    assert_eq!(listed[0]["digest"], "hourly");
    assert_eq!(listed[0]["email_to"].as_array().unwrap().len(), 2);
    let (status, page) = app.page(&format!("/w/{ws}/alerts")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("&lt;i&gt;Ops&lt;/i&gt;"), "{page}");
    assert!(!page.contains("<i>Ops</i>"), "{page}");
    assert!(page.contains("hourly digest"), "{page}");
    // No relay in this server: the page says so. A viewer gets no settings forms.
    assert!(page.contains("id=\"email-unavailable\""), "{page}");
    assert!(!page.contains("alert-email-settings"), "{page}");
    assert!(page.contains("id=\"report-schedule\""), "{page}");
    assert!(!page.contains("name=\"time_zone\""), "{page}");
    // The weekly report schedule: checked, then shown.
    let schedule = format!("/api/v1/workspaces/{ws}/report-schedule");
    let (status, body) = app
        .api(
            &app.manager_token,
            reqwest::Method::PUT,
            &schedule,
            Some(json!({"recipients": ["boss@example.org"], "weekday": 0, "hour": 9, "time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .api(
            &app.manager_token,
            reqwest::Method::PUT,
            &schedule,
            Some(json!({"recipients": ["boss@example.org"], "weekday": 4, "hour": 17, "time_zone": "Europe/Paris"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.get_json(&schedule).await["time_zone"], "Europe/Paris");
    let (_, page) = app.page(&format!("/w/{ws}/alerts")).await;
    assert!(
        page.contains("every Friday at 17:00 (Europe/Paris) to boss@example.org"),
        "{page}"
    );
}

/// A post of the tests below: `engagement` is (likes, reposts, replies).
#[allow(clippy::too_many_arguments)]
fn extra(
    id: &str,
    monitor: &Monitor,
    handle: &str,
    name: &str,
    followers: u64,
    (likes, reposts, replies): (u64, u64, u64),
    sentiment: SentimentLabel,
    at: DateTime<Utc>,
    text: &str,
) -> IngestItem {
    IngestItem {
        post: Post {
            network: Network::Mastodon,
            native_id: id.into(),
            url: Some(format!("https://social.example/@{handle}/{id}")),
            author: Author {
                handle: handle.into(),
                display_name: Some(name.into()),
                followers: Some(followers),
            },
            title: None,
            text: text.into(),
            language: Some("en".into()),
            created_at: at,
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement {
                likes,
                reposts,
                replies,
            },
        },
        monitors: vec![monitor.id],
        analysis: Some(Analysis {
            sentiment,
            scores: SentimentScores::default(),
            intent: Intent::Other,
            fingerprint: 0,
        }),
        triage: None,
    }
}

const HOSTILE_POST: &str = "=cmd|' /C calc'!A0 <img src=x onerror=alert(2)> acme is awful";

/// Adds to the fixture's week: a viral positive post (1,000 followers, 300 + 20 + 5
/// engagement) and a widely seen negative one with hostile text (8,000 followers, 150
/// reposts), both Acme's; and a Rival post with the most reach of all (90,000) and no
/// engagement.
async fn with_engagement(app: &App) {
    let at = |hours| week_start() + Duration::hours(hours);
    app.store
        .write_batch(vec![
            extra(
                "v1",
                &app.acme,
                "viral",
                "Viral",
                1000,
                (300, 20, 5),
                SentimentLabel::Positive,
                at(20),
                "acme support sorted it in minutes, wonderful",
            ),
            extra(
                "v2",
                &app.acme,
                "megaphone",
                "=HYPERLINK(\"http://evil.example\")",
                8000,
                (0, 150, 0),
                SentimentLabel::Negative,
                at(22),
                HOSTILE_POST,
            ),
            extra(
                "v3",
                &app.rival,
                "celebrity",
                "Celebrity",
                90_000,
                (0, 0, 0),
                SentimentLabel::Neutral,
                at(24),
                "rival is a thing",
            ),
        ])
        .await
        .expect("extra posts");
}

fn native_ids(value: &Value, list: &str) -> Vec<String> {
    value[list]
        .as_array()
        .expect(list)
        .iter()
        .map(|p| p["native_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn top_posts_and_sentiment_movers_are_ranked_shown_escaped_and_exported() {
    let app = spawn_with(false).await;
    with_engagement(&app).await;
    let ws = app.workspace.id;
    let api = format!("/api/v1/workspaces/{ws}/top-posts?days=30");
    // By engagement: v1 (325), v2 (150); every other post has none, so the rest go by
    // reach (v3 90,000 first).
    let engaging = app
        .get_json(&format!("{api}&ranking=engagement&limit=3"))
        .await;
    assert_eq!(native_ids(&engaging, "posts"), ["v1", "v2", "v3"]);
    assert_eq!(engaging["ranking"], "engagement");
    assert_eq!(engaging["posts"][0]["engagement"], 325);
    let reaching = app.get_json(&format!("{api}&ranking=reach&limit=2")).await;
    assert_eq!(native_ids(&reaching, "posts"), ["v3", "v2"]);
    // Impact: sign × (ln(1 + reach) + ln(1 + engagement)). Positive: v1 (ln 1001 + ln 326 =
    // 12.70) before fan's posts (ln 1001 = 6.91). Negative: v2 (ln 8001 + ln 151 = 14.01)
    // before angry's (ln 5001 = 8.52).
    let up = app.get_json(&format!("{api}&ranking=positive")).await;
    assert_eq!(native_ids(&up, "posts")[0], "v1");
    let impact = up["posts"][0]["impact"].as_f64().unwrap();
    assert!(
        (impact - (1001f64.ln() + 326f64.ln())).abs() < 1e-9,
        "{impact}"
    );
    assert!(up["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["sentiment"] == "positive"));
    let down = app.get_json(&format!("{api}&ranking=negative")).await;
    assert_eq!(native_ids(&down, "posts")[..2], ["v2", "a5"]);
    assert!(down["posts"][0]["impact"].as_f64().unwrap() < -14.0);
    // One monitor only.
    let rival = app
        .get_json(&format!(
            "{api}&ranking=engagement&monitor={}",
            app.rival.id.0
        ))
        .await;
    let ids = native_ids(&rival, "posts");
    assert!(
        ids.contains(&"v3".to_string()) && !ids.contains(&"v1".to_string()),
        "{ids:?}"
    );
    // CSV: the header, formula cells neutralised, hostile text kept as data.
    let (status, csv) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("{api}&ranking=negative&format=csv"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank,post_id,created_at,network,native_id,author_id,author_handle,reach,likes,\
         reposts,replies,engagement,sentiment,impact,url,text"
    );
    let first = lines.next().unwrap();
    assert!(first.contains(",v2,"), "{first}");
    assert!(first.contains(",'=cmd|' /C calc'!A0 <img"), "{first}");
    // Bad parameters say what is accepted.
    let (status, body) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("{api}&ranking=loudest"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("ranking must be"), "{body}");

    // The weekly report: top posts and both lists of movers, the definition said, text
    // escaped.
    let (status, page) = app
        .page(&format!("/w/{ws}/reports/weekly?week={}", week()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let section = |page: &str, id: &str| {
        let at = page.find(&format!("id=\"{id}\"")).expect(id);
        page[at..].split("</section>").next().unwrap().to_string()
    };
    let posts_in = |html: &str| -> Vec<String> {
        html.split("data-post=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .collect()
    };
    let top = section(&page, "top-posts");
    assert!(top.contains("Top posts"));
    assert_eq!(posts_in(&top).len(), 5, "{top}");
    assert!(
        top.find("@viral").unwrap() < top.find("@megaphone").unwrap(),
        "{top}"
    );
    let moved = section(&page, "moved-sentiment");
    assert!(moved.contains("Posts that moved net sentiment most"));
    assert!(
        moved.contains("ln(1 + reach) + ln(1 + engagement)"),
        "{moved}"
    );
    let up_html = moved.split("id=\"moved-down\"").next().unwrap();
    let down_html = moved.split("id=\"moved-down\"").nth(1).unwrap();
    assert!(up_html.contains("@viral") && !up_html.contains("@megaphone"));
    assert!(down_html.contains("@megaphone") && !down_html.contains("@viral"));
    assert!(down_html.contains("-14.00"), "{down_html}");
    assert!(!page.contains("<img src=x"), "hostile text must be escaped");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // Links to the original only for http(s), to the author's page always.
    assert!(page.contains("href=\"https://social.example/@viral/v1\""));
    assert!(page.contains(&format!("href=\"/w/{ws}/authors/")));

    // The net sentiment page: the trend and the same lists.
    let (status, page) = app.page(&format!("/w/{ws}/sentiment?days=30")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"net-sentiment-chart\""));
    let moved = section(&page, "moved-sentiment");
    assert!(moved.contains("@viral") && moved.contains("@megaphone"));
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("ranking=negative&amp;limit=100&amp;format=csv"));
    let (status, _) = app
        .page(&format!("/w/{ws}/sentiment?days=30&monitor=999999"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn influencers_rank_by_reach_and_by_engagement_and_link_to_profiles() {
    let app = spawn_with(false).await;
    with_engagement(&app).await;
    let ws = app.workspace.id;
    let handles = |value: &Value| -> Vec<String> {
        value["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["handle"].as_str().unwrap().to_string())
            .collect()
    };
    let api = format!("/api/v1/workspaces/{ws}/influencers?days=30");
    let by_reach = app.get_json(&format!("{api}&by=reach&limit=3")).await;
    assert_eq!(handles(&by_reach), ["celebrity", "megaphone", "angry"]);
    let by_engagement = app.get_json(&format!("{api}&by=engagement&limit=2")).await;
    assert_eq!(handles(&by_engagement), ["viral", "megaphone"]);
    assert_eq!(by_engagement["authors"][0]["engagement"], 325);
    // CSV with its header; a display name that is a formula is neutralised.
    let (status, csv) = app
        .api(
            &app.viewer_token,
            reqwest::Method::GET,
            &format!("{api}&by=reach&format=csv"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(
        "rank,author_id,network,handle,display_name,followers,mentions,positive,neutral,\
         negative,engagement,net_sentiment,score\n"
    ));
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    // The authors page: both rankings, each author linked to their profile.
    let (status, page) = app.page(&format!("/w/{ws}/authors?days=30")).await;
    assert_eq!(status, StatusCode::OK);
    let at = page
        .find("id=\"influencers-reach\"")
        .expect("reach section");
    let reach = page[at..].split("</section>").next().unwrap();
    let celebrity = by_reach["authors"][0]["author_id"].as_i64().unwrap();
    assert!(
        reach.contains(&format!(
            "href=\"/w/{ws}/authors/{celebrity}\">@celebrity</a>"
        )),
        "{reach}"
    );
    let at = page
        .find("id=\"influencers-engagement\"")
        .expect("engagement section");
    let engagement = page[at..].split("</section>").next().unwrap();
    assert!(engagement.find("@viral").unwrap() < engagement.find("@megaphone").unwrap());
    assert!(!page.contains("=HYPERLINK(\"http"), "names are escaped");
    assert!(page.contains("influencers?by=engagement&amp;days=30&amp;format=csv"));
    // The profile page the link leads to.
    let (status, profile) = app
        .page(&format!("/w/{ws}/authors/{celebrity}?days=30"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.contains("@celebrity"));
}

#[tokio::test]
async fn every_view_exports_as_csv_and_json() {
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    let get = |path: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(format!("{}{}", app.base, path))
                .bearer_auth(&app.viewer_token)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let kind = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let disposition = response
                .headers()
                .get(header::CONTENT_DISPOSITION)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, kind, disposition, response.text().await.unwrap())
        }
    };
    let api = format!("/api/v1/workspaces/{ws}");
    // Rollups: a row per monitor and day; the fixture's 18 mentions over 30 days.
    let (status, kind, disposition, csv) = get(format!("{api}/rollups?days=30&format=csv")).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(kind.starts_with("text/csv"));
    assert_eq!(disposition, "attachment; filename=\"rollups.csv\"");
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("monitor_id,start,mentions,authors,positive,neutral,negative"));
    let rows: Vec<&str> = lines.collect();
    let summed: u64 = rows
        .iter()
        .map(|r| r.split(',').nth(2).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(summed, 15, "{csv}");
    let json: Value = serde_json::from_str(&get(format!("{api}/rollups?days=30")).await.3).unwrap();
    assert_eq!(json.as_array().unwrap().len(), rows.len());
    let only_rival = get(format!(
        "{api}/rollups?days=30&monitor={}&format=json",
        app.rival.id.0
    ))
    .await
    .3;
    let only_rival: Value = serde_json::from_str(&only_rival).unwrap();
    assert!(only_rival
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["monitor_id"] == app.rival.id.0));
    // Share of voice: Acme 9 (6 + 3), Rival 6 over 30 days.
    let voice = app.get_json(&format!("{api}/share-of-voice?days=30")).await;
    let monitors = voice["monitors"].as_array().unwrap();
    assert_eq!(monitors[0]["name"], "Acme");
    assert_eq!(monitors[0]["mentions"], 9);
    assert!((monitors[0]["share"].as_f64().unwrap() - 0.6).abs() < 1e-9);
    let (_, _, _, csv) = get(format!("{api}/share-of-voice?days=30&format=csv")).await;
    assert!(csv
        .starts_with("monitor_id,monitor,kind,mentions,positive,negative,share,positive_share\n"));
    assert!(csv.contains(",Acme,brand,9,"), "{csv}");
    // Advocates and detractors: one CSV with their side.
    let (_, _, disposition, csv) = get(format!("{api}/authors?days=30&format=csv")).await;
    assert_eq!(disposition, "attachment; filename=\"authors.csv\"");
    assert!(csv.starts_with("side,rank,author_id,"));
    assert!(
        csv.contains("\nadvocate,1,") && csv.contains("\ndetractor,1,"),
        "{csv}"
    );
    // Response times (an empty inbox still has the workspace's row).
    let (status, _, _, csv) = get(format!("{api}/response-times?format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("user,items,answered,resolved,median_first_response_secs"));
    // Themes.
    let (status, _, _, csv) = get(format!("{api}/themes?format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("phrase,score,target_count,baseline_count,day,posts,read\n"));
    let themes: Value = serde_json::from_str(&get(format!("{api}/themes")).await.3).unwrap();
    assert!(themes.is_array());
    // An unknown format is a 400 that names both.
    for path in [
        format!("{api}/rollups?format=xml"),
        format!("{api}/share-of-voice?format=xml"),
        format!("{api}/authors?format=xml"),
        format!("{api}/influencers?format=xml"),
        format!("{api}/response-times?format=xml"),
        format!("{api}/themes?format=xml"),
        format!("{api}/top-posts?format=xml"),
    ] {
        let (status, _, _, body) = get(path.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            body.contains("format must be \\\"csv\\\" or \\\"json\\\""),
            "{path}: {body}"
        );
    }
    // The pages link their downloads.
    let (_, page) = app.page(&format!("/w/{ws}/themes")).await;
    assert!(page.contains(&format!(
        "/api/v1/workspaces/{ws}/themes?days=14&amp;format=csv"
    )));
}

#[tokio::test]
async fn the_weekly_report_follows_the_workspace_time_zone_across_a_dst_change() {
    use rapport_store::PublishStore;
    let app = spawn_with(false).await;
    let ws = app.workspace.id;
    // 2026-W13 in Europe/Paris: Monday 23 March 00:00 CET (22 March 23:00 UTC) to Monday
    // 30 March 00:00 CEST (29 March 22:00 UTC): 167 hours, clocks going forward on the 29th.
    let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();
    let post = |id: &str, at| {
        extra(
            id,
            &app.acme,
            "tz",
            "Tz",
            10,
            (0, 0, 0),
            SentimentLabel::Positive,
            at,
            "acme",
        )
    };
    app.store
        .write_batch(vec![
            // Monday 00:10 and 00:40 in Paris, still Sunday in UTC.
            post("t1", utc(22, 23, 10)),
            post("t2", utc(22, 23, 40)),
            // Wednesday.
            post("t3", utc(25, 12, 0)),
            // Sunday 23:30 UTC = Monday 01:30 CEST: the next local week.
            post("t4", utc(29, 23, 30)),
            // Sunday 21:30 UTC = 23:30 CEST: the local Sunday.
            post("t5", utc(29, 21, 30)),
        ])
        .await
        .unwrap();
    let week = IsoWeek::parse("2026-W13").unwrap();
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    assert_eq!(week.start_in(paris), utc(22, 23, 0));
    assert_eq!(week.end_in(paris), utc(29, 22, 0));
    assert_eq!(
        week.end_in(paris) - week.start_in(paris),
        Duration::hours(167)
    );
    let total = |page: &str| -> String {
        let at = page.find("<span id=\"total-mentions\">").expect("total") + 26;
        page[at..].split('<').next().unwrap().to_string()
    };
    // In UTC (the default): t3, t4, t5.
    let (_, page) = app
        .page(&format!("/w/{ws}/reports/weekly?week=2026-W13"))
        .await;
    assert_eq!(total(&page), "3");
    assert!(page.contains("(UTC), against"), "{page}");
    // In Paris: t1, t2, t3, t5.
    app.store.set_time_zone(ws, "Europe/Paris").await.unwrap();
    let (_, page) = app
        .page(&format!("/w/{ws}/reports/weekly?week=2026-W13"))
        .await;
    assert_eq!(total(&page), "4");
    assert!(page.contains("(Europe/Paris), against"));
    // The days are local: Monday holds t1 and t2, Sunday t5.
    let report = rapport_web::routes::reports::weekly_report(
        &app.store,
        &app.store,
        &app.store,
        ws,
        "Acme & Co",
        week,
        paris,
    )
    .await
    .unwrap();
    let per_day: Vec<u64> = report.days.iter().map(|(_, c)| c.mentions).collect();
    assert_eq!(per_day, [2, 0, 1, 0, 0, 0, 1]);
    assert_eq!(report.days[0].0.date_naive().to_string(), "2026-03-23");
}

#[tokio::test]
async fn the_weekly_report_downloads_as_pdf() {
    if !std::path::Path::new("/usr/bin/chromium").exists() {
        eprintln!("SKIPPED: /usr/bin/chromium is absent, so no PDF can be printed");
        return;
    }
    let app = spawn_with(false).await;
    with_engagement(&app).await;
    let ws = app.workspace.id;
    let response = app
        .client
        .get(format!(
            "{}/w/{ws}/reports/weekly.pdf?week={}",
            app.base,
            week()
        ))
        .header(header::COOKIE, &app.viewer_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        "application/pdf"
    );
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap(),
        format!("attachment; filename=\"weekly-report-{}.pdf\"", week())
    );
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let text = String::from_utf8_lossy(&pdf);
    // The page tree says how many pages there are: `/Type /Pages ... /Count N`.
    let tree = text.find("/Type /Pages").expect("a page tree");
    let count: u32 = text[tree..]
        .split("/Count ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("a page count");
    assert!(count >= 1, "no page in the PDF ({} bytes)", pdf.len());
    assert!(text.contains("%%EOF"));
    // The page links the download.
    let (_, page) = app
        .page(&format!("/w/{ws}/reports/weekly?week={}", week()))
        .await;
    assert!(page.contains(&format!("/w/{ws}/reports/weekly.pdf?week={}", week())));
}
