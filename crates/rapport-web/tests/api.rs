//! End-to-end tests: a real SQLite store in a temporary directory, the real server on a
//! free local port, and plain HTTP requests against it, as a logged-in instance admin
//! (accounts and roles have their own tests in `auth.rs`).

use std::{net::SocketAddr, sync::Arc};

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use rapport_model::{
    Author, Engagement, Monitor, MonitorKind, Network, NewMonitor, Post, PostKey, Timestamp,
    Workspace, WorkspaceId,
};
use rapport_store::{
    AccountStore, BatchOutcome, DiskUsage, IngestItem, MentionView, MonitorCount, NewUser,
    SqliteOptions, SqliteStore, Store, StoreError, StoreResult, StoredPost,
};
use rapport_web::{
    routes::api::{MentionItem, MentionPage, MonitorCounts},
    AppState,
};
use reqwest::{header, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;

const HOSTILE_TEXT: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";
const HOSTILE_URL: &str = "javascript:alert(1)";
const NOTICE: &str = "Demo data: simulated posts about fictional brands";

/// A running server and what was put in its store.
struct TestApp {
    base: String,
    client: reqwest::Client,
    workspace: Workspace,
    other_workspace: Workspace,
    acme: Monitor,
    rival: Monitor,
    bean: Monitor,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

impl TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request failed")
    }

    async fn json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        let content_type = header_value(&response, header::CONTENT_TYPE);
        assert!(
            content_type.starts_with("application/json"),
            "{path}: content type {content_type}"
        );
        (status, response.json().await.expect("invalid JSON"))
    }

    async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("unreadable body"))
    }
}

fn header_value(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn client() -> reqwest::Client {
    rapport_sources::http::client_builder()
        .no_proxy()
        .build()
        .expect("client")
}

const ADMIN_EMAIL: &str = "root@example.com";
const ADMIN_PASSWORD: &str = "a long test password";

/// Creates an instance admin in `accounts`.
async fn add_admin(accounts: &SqliteStore) {
    accounts
        .create_user(NewUser {
            email: ADMIN_EMAIL.into(),
            display_name: "Root".into(),
            password_hash: rapport_web::auth::hash_password(ADMIN_PASSWORD).expect("hash"),
            is_admin: true,
        })
        .await
        .expect("admin");
}

/// Logs the instance admin in at `addr` and returns a client that sends its session
/// cookie with every request.
async fn logged_in_client(addr: SocketAddr) -> reqwest::Client {
    let response = rapport_sources::http::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("http://{addr}/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
                .expect("form"),
        )
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login failed");
    let cookie = header_value(&response, header::SET_COOKIE);
    let pair = cookie.split(';').next().expect("cookie pair").to_string();
    let mut headers = header::HeaderMap::new();
    headers.insert(header::COOKIE, pair.parse().expect("cookie header"));
    rapport_sources::http::client_builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Binds the real server on a free port over `state`; the server stops when the returned
/// sender is dropped.
async fn start_server(state: AppState) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(rapport_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

#[allow(clippy::too_many_arguments)]
fn post(
    native_id: &str,
    network: Network,
    handle: &str,
    display_name: Option<&str>,
    text: &str,
    url: Option<&str>,
    created_at: Timestamp,
) -> Post {
    Post {
        network,
        native_id: native_id.into(),
        url: url.map(str::to_string),
        author: Author {
            handle: handle.into(),
            display_name: display_name.map(str::to_string),
            followers: Some(120),
        },
        title: None,
        text: text.into(),
        language: Some("en".into()),
        created_at,
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement {
            likes: 3,
            reposts: 1,
            replies: 0,
        },
    }
}

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).expect("open");

    let workspace = store.create_workspace("Acme Coffee").await.expect("ws");
    let other_workspace = store.create_workspace("Globex <Labs>").await.expect("ws 2");
    let monitor = |name: &str, kind, query: &str| NewMonitor {
        workspace_id: workspace.id,
        name: name.into(),
        kind,
        query: query.into(),
    };
    let acme = store
        .create_monitor(monitor("Acme", MonitorKind::Brand, "acme"))
        .await
        .expect("monitor");
    let rival = store
        .create_monitor(monitor(
            "Rival Roasters",
            MonitorKind::Competitor,
            "\"rival roasters\"",
        ))
        .await
        .expect("monitor");
    let bean = store
        .create_monitor(monitor(
            "Bean Blend",
            MonitorKind::Product,
            "\"bean blend\"",
        ))
        .await
        .expect("monitor");

    let now = Utc::now();
    let ago = |minutes: i64| now - TimeDelta::minutes(minutes);
    let items = vec![
        IngestItem {
            post: post(
                "hostile",
                Network::Bluesky,
                "<b>evil</b>.bsky.social",
                Some("<i>Mallory</i>"),
                HOSTILE_TEXT,
                Some(HOSTILE_URL),
                ago(10),
            ),
            monitors: vec![rival.id],
            analysis: None,
            triage: None,
        },
        IngestItem {
            post: post(
                "1",
                Network::Mastodon,
                "alice@mastodon.social",
                None,
                "Loving my acme flat white this morning",
                None,
                ago(60),
            ),
            monitors: vec![acme.id],
            analysis: None,
            triage: None,
        },
        IngestItem {
            post: post(
                "2",
                Network::Reddit,
                "bob",
                None,
                "acme vs rival roasters: who wins?",
                Some("https://reddit.example/r/coffee/2"),
                ago(120),
            ),
            monitors: vec![acme.id, rival.id],
            analysis: None,
            triage: None,
        },
        IngestItem {
            post: post(
                "6",
                Network::HackerNews,
                "carol",
                Some("Carol"),
                "acme raised prices again",
                Some("https://example.com/post/6"),
                ago(180),
            ),
            monitors: vec![acme.id],
            analysis: None,
            triage: None,
        },
        IngestItem {
            post: post(
                "3",
                Network::Mastodon,
                "dave",
                None,
                "an old acme post",
                None,
                ago(48 * 60),
            ),
            monitors: vec![acme.id],
            analysis: None,
            triage: None,
        },
        IngestItem::unmatched(post(
            "5",
            Network::X,
            "erin",
            None,
            "nothing to see",
            None,
            ago(5),
        )),
    ];
    let outcome = store.write_batch(items).await.expect("write batch");
    assert_eq!(outcome.inserted, 6);

    add_admin(&store).await;
    let state = AppState::sqlite(store).with_notice(NOTICE);
    let (addr, shutdown) = start_server(state).await;
    TestApp {
        base: format!("http://{addr}"),
        client: logged_in_client(addr).await,
        workspace,
        other_workspace,
        acme,
        rival,
        bean,
        _shutdown: shutdown,
        _dir: dir,
    }
}

fn assert_security_headers(response: &reqwest::Response) {
    assert_eq!(
        header_value(response, header::CONTENT_SECURITY_POLICY),
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    assert_eq!(
        header_value(response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert_eq!(
        header_value(response, header::REFERRER_POLICY),
        "no-referrer"
    );
    assert_eq!(header_value(response, header::X_FRAME_OPTIONS), "DENY");
}

fn assert_json_error(status: StatusCode, body: &Value, expected: StatusCode, needle: &str) {
    assert_eq!(status, expected, "{body}");
    let message = body["error"]["message"].as_str().expect("error message");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = app.text("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn workspaces_are_listed() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/workspaces").await;
    assert_eq!(status, StatusCode::OK);
    let workspaces: Vec<Workspace> = serde_json::from_value(body).expect("workspaces");
    assert_eq!(
        workspaces,
        vec![app.workspace.clone(), app.other_workspace.clone()]
    );
}

#[tokio::test]
async fn stats_count_posts_and_list_workspaces() {
    let app = spawn_app().await;
    let before = Utc::now();
    let (status, body) = app.json("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["posts"], 6);
    let names: Vec<&str> = body["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert_eq!(names, ["Acme Coffee", "Globex <Labs>"]);
    let server_time: Timestamp = body["server_time"]
        .as_str()
        .expect("server_time")
        .parse()
        .expect("RFC 3339");
    assert!(server_time >= before - TimeDelta::seconds(5));
    assert!(body["started_at"].is_string());
}

#[tokio::test]
async fn counts_per_monitor_split_recent_from_total() {
    let app = spawn_app().await;
    let id = app.workspace.id;
    let (status, body) = app.json(&format!("/api/v1/workspaces/{id}/counts")).await;
    assert_eq!(status, StatusCode::OK);
    let counts: Vec<MonitorCounts> = serde_json::from_value(body.clone()).expect("counts");
    let find = |name: &str| {
        counts
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} missing from {body}"))
    };
    assert_eq!(counts.len(), 3);
    let acme = find("Acme");
    assert_eq!(
        (acme.monitor_id, acme.kind, acme.total, acme.recent),
        (app.acme.id, MonitorKind::Brand, 4, 3)
    );
    let rival = find("Rival Roasters");
    assert_eq!(
        (rival.monitor_id, rival.kind, rival.total, rival.recent),
        (app.rival.id, MonitorKind::Competitor, 2, 2)
    );
    let bean = find("Bean Blend");
    assert_eq!(
        (bean.monitor_id, bean.total, bean.recent),
        (app.bean.id, 0, 0)
    );
    // The documented field names, as JSON.
    let first = &body[0];
    for field in ["monitor_id", "name", "kind", "total", "recent"] {
        assert!(first.get(field).is_some(), "{field} missing in {first}");
    }

    // A wider window includes the two-day-old post.
    let (_, body) = app
        .json(&format!("/api/v1/workspaces/{id}/counts?hours=72"))
        .await;
    let counts: Vec<MonitorCounts> = serde_json::from_value(body).expect("counts");
    let acme = counts.iter().find(|c| c.name == "Acme").expect("acme");
    assert_eq!((acme.total, acme.recent), (4, 4));

    // A workspace without monitors has no counts.
    let other = app.other_workspace.id;
    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{other}/counts"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!([]));
}

#[tokio::test]
async fn counts_reject_bad_hours() {
    let app = spawn_app().await;
    let id = app.workspace.id;
    for hours in ["0", "8761", "-1", "abc", "", "2.5", "99999999999"] {
        let (status, body) = app
            .json(&format!("/api/v1/workspaces/{id}/counts?hours={hours}"))
            .await;
        assert_json_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "hours must be an integer from 1 to 8760",
        );
    }
    let (status, _) = app
        .json(&format!("/api/v1/workspaces/{id}/counts?hours=8760"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{id}/counts?hours=1&hours=2"))
        .await;
    assert_json_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid query string",
    );
}

#[tokio::test]
async fn mentions_are_newest_first_and_keep_text_as_data() {
    let app = spawn_app().await;
    let id = app.workspace.id;
    let (status, body) = app.json(&format!("/api/v1/workspaces/{id}/mentions")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["next"],
        serde_json::Value::Null,
        "one page holds all: {body}"
    );
    let mentions: Vec<MentionItem> =
        serde_json::from_value(body["items"].clone()).expect("mentions");
    // Five matched posts, one of them matched by two monitors.
    assert_eq!(mentions.len(), 6, "{body}");
    let first = &mentions[0];
    assert_eq!(first.native_id, "hostile");
    assert_eq!(
        first.text, HOSTILE_TEXT,
        "the API returns text exactly as ingested"
    );
    assert_eq!(first.url.as_deref(), Some(HOSTILE_URL));
    assert_eq!(first.monitor_id, app.rival.id);
    assert_eq!(first.monitor_name, "Rival Roasters");
    assert_eq!(first.network, Network::Bluesky);
    assert_eq!(first.network_label, "Bluesky");
    assert_eq!(first.author_handle, "<b>evil</b>.bsky.social");
    assert!(mentions
        .windows(2)
        .all(|pair| pair[0].created_at >= pair[1].created_at));
    assert!(
        mentions.iter().all(|m| m.native_id != "5"),
        "unmatched post listed"
    );

    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{id}/mentions?limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let page: MentionPage = serde_json::from_value(body).expect("mentions");
    let ids: Vec<&str> = page.items.iter().map(|m| m.native_id.as_str()).collect();
    assert_eq!(ids, ["hostile", "1"]);

    // Paging with the cursor, one at a time, lists every mention once, in the same order,
    // including the two mentions of one post (same time, different monitors).
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/workspaces/{id}/mentions?limit=1&cursor={c}"),
            None => format!("/api/v1/workspaces/{id}/mentions?limit=1"),
        };
        let (status, body) = app.json(&url).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: MentionPage = serde_json::from_value(body).expect("page");
        paged.extend(page.items.into_iter().map(|m| (m.post_id, m.monitor_id)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(paged.len() <= mentions.len(), "paging does not end");
    }
    let all: Vec<_> = mentions.iter().map(|m| (m.post_id, m.monitor_id)).collect();
    assert_eq!(paged, all);
    let (status, body) = app
        .json(&format!(
            "/api/v1/workspaces/{id}/mentions?cursor=yesterday"
        ))
        .await;
    assert_json_error(status, &body, StatusCode::BAD_REQUEST, "cursor");

    let other = app.other_workspace.id;
    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{other}/mentions"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"items": [], "next": null}));
}

#[tokio::test]
async fn mentions_reject_bad_limit() {
    let app = spawn_app().await;
    let id = app.workspace.id;
    for limit in ["0", "501", "-5", "ten", ""] {
        let (status, body) = app
            .json(&format!("/api/v1/workspaces/{id}/mentions?limit={limit}"))
            .await;
        assert_json_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "limit must be an integer from 1 to 500",
        );
    }
    let (status, _) = app
        .json(&format!("/api/v1/workspaces/{id}/mentions?limit=500"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_workspaces_and_routes_are_json_errors() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/workspaces/999/counts",
        "/api/v1/workspaces/999/mentions",
        "/api/v1/workspaces/999/mentions?limit=5",
    ] {
        let (status, body) = app.json(path).await;
        assert_json_error(status, &body, StatusCode::NOT_FOUND, "workspace 999");
    }
    for path in [
        "/api/v1/workspaces/abc/counts",
        "/api/v1/workspaces/0/mentions",
        "/api/v1/workspaces/-1/mentions",
    ] {
        let (status, body) = app.json(path).await;
        assert_json_error(status, &body, StatusCode::BAD_REQUEST, "workspace id");
    }
    let (status, body) = app.json("/api/nope").await;
    assert_json_error(status, &body, StatusCode::NOT_FOUND, "no such API endpoint");
}

#[tokio::test]
async fn dashboard_shows_the_workspace_and_escapes_hostile_posts() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
    assert_security_headers(&response);
    let html = response.text().await.expect("body");

    // What the page must show.
    for needle in [
        "rapport",
        "Acme Coffee",
        NOTICE,
        "Acme",
        "Rival Roasters",
        "Bean Blend",
        "kind kind-brand",
        "kind kind-competitor",
        "kind kind-product",
        "Loving my acme flat white this morning",
        "@alice@mastodon.social",
        "Mastodon",
        "Hacker News",
        &format!("data-workspace=\"{}\"", app.workspace.id),
        "/static/app.js?v=",
        "/static/app.css?v=",
    ] {
        assert!(html.contains(needle), "page lacks {needle:?}");
    }
    // Stored posts, and the acme card's 24 h and total figures.
    assert!(html.contains("id=\"posts\">6<"), "post total missing");
    assert!(html.contains("class=\"figure-value recent\">3<"));
    assert!(html.contains("class=\"figure-value total\">4<"));

    // Hostile text is escaped, never markup.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;")
    );
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("onerror=alert(2)>"));
    assert!(html.contains("@&lt;b&gt;evil&lt;/b&gt;.bsky.social"));
    assert!(html.contains("&lt;i&gt;Mallory&lt;/i&gt;"));
    assert!(!html.contains("<b>evil"));
    assert!(!html.contains("<i>Mallory"));
    // Its javascript: URL is not a link.
    assert!(!html.to_ascii_lowercase().contains("javascript:"));
    // Safe URLs are, with the right attributes.
    assert!(html.contains(
        "href=\"https://example.com/post/6\" rel=\"noopener noreferrer nofollow\" target=\"_blank\""
    ));
    // No inline script anywhere: every <script> has a src and no body.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/static/app.js?v=").count()
    );
    assert!(!html.contains("style=\""), "inline style found");
    // The workspace switcher escapes names too.
    assert!(html.contains("Globex &lt;Labs&gt;"));
}

#[tokio::test]
async fn workspace_pages_by_id() {
    let app = spawn_app().await;
    let other = app.other_workspace.id;
    let (status, html) = app.text(&format!("/w/{other}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Globex &lt;Labs&gt;"));
    assert!(html.contains("No monitors yet"));
    assert!(html.contains("No mentions yet"));

    let (status, html) = app.text(&format!("/w/{}", app.workspace.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rival Roasters"));

    for path in ["/w/999", "/w/abc", "/no/such/page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
        assert_security_headers(&response);
        let html = response.text().await.expect("body");
        assert!(html.contains("404"), "{path}");
    }
}

#[tokio::test]
async fn welcome_page_without_workspaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open(&dir.path().join("empty.db"), SqliteOptions::default()).expect("open");
    add_admin(&store).await;
    let (addr, _shutdown) = start_server(AppState::sqlite(store)).await;
    let client = logged_in_client(addr).await;
    let response = client
        .get(format!("http://{addr}/"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("No workspace yet"));
    assert!(html.contains("rapport demo"));
    assert!(html.contains("data-await-workspace"));
    assert!(!html.contains("class=\"notice\""), "no notice configured");

    let body: Value = client
        .get(format!("http://{addr}/api/v1/stats"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(body["posts"], 0);
    assert_eq!(body["workspaces"], serde_json::json!([]));
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/healthz",
        "/api/v1/stats",
        "/api/v1/workspaces/999/counts",
        "/static/app.js",
        "/missing",
    ] {
        let response = app.get(path).await;
        assert_security_headers(&response);
    }
    let response = app.get("/api/v1/stats").await;
    assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn static_assets_have_types_and_caching() {
    let app = spawn_app().await;
    for (path, content_type, needle) in [
        ("/static/app.js", "text/javascript", "textContent"),
        ("/static/app.css", "text/css", ".card"),
        ("/static/favicon.svg", "image/svg+xml", "<svg"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            header_value(&response, header::CONTENT_TYPE).starts_with(content_type),
            "{path}"
        );
        assert_eq!(
            header_value(&response, header::CACHE_CONTROL),
            "public, max-age=86400"
        );
        let etag = header_value(&response, header::ETAG);
        assert!(
            etag.starts_with('"') && etag.len() > 2,
            "{path}: etag {etag}"
        );
        let body = response.text().await.expect("body");
        assert!(body.contains(needle), "{path}");

        // A cached copy is revalidated without a body.
        let response = app
            .client
            .get(format!("{}{}", app.base, path))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    // The script never parses data as HTML. The one HTML it parses is a live page part the
    // server rendered (escaped there like the page itself), in `initLivePart`.
    let js = app.get("/static/app.js").await.text().await.expect("body");
    assert!(!js.contains("innerHTML"));
    assert!(!js.contains("insertAdjacentHTML"));
    assert!(!js.contains("document.write"));
    assert_eq!(
        js.matches("DOMParser").count(),
        2,
        "one use, and its comment"
    );
}

/// A store whose every operation fails with details that must not leak.
struct FailingStore;

fn failure<T>() -> StoreResult<T> {
    Err(StoreError::Worker(
        "SECRET: /var/lib/rapport/db is corrupt".into(),
    ))
}

#[async_trait]
impl Store for FailingStore {
    async fn write_shared_batch(
        &self,
        _: std::sync::Arc<[IngestItem]>,
    ) -> StoreResult<BatchOutcome> {
        failure()
    }
    async fn post_count(&self) -> StoreResult<u64> {
        failure()
    }
    async fn posts_since(&self, _: Timestamp, _: usize) -> StoreResult<Vec<StoredPost>> {
        failure()
    }
    async fn get_post(&self, _: &PostKey) -> StoreResult<Option<StoredPost>> {
        failure()
    }
    async fn search_posts(&self, _: &str, _: usize) -> StoreResult<Vec<StoredPost>> {
        failure()
    }
    async fn create_workspace(&self, _: &str) -> StoreResult<Workspace> {
        failure()
    }
    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        failure()
    }
    async fn create_monitor(&self, _: NewMonitor) -> StoreResult<Monitor> {
        failure()
    }
    async fn update_monitor(
        &self,
        _: rapport_model::MonitorId,
        _: NewMonitor,
    ) -> StoreResult<Monitor> {
        failure()
    }
    async fn monitors(&self, _: Option<WorkspaceId>) -> StoreResult<Vec<Monitor>> {
        failure()
    }
    async fn recent_mentions(&self, _: WorkspaceId, _: usize) -> StoreResult<Vec<MentionView>> {
        failure()
    }
    async fn find_mentions(
        &self,
        _: WorkspaceId,
        _: &rapport_store::MentionFilter,
        _: usize,
    ) -> StoreResult<Vec<MentionView>> {
        failure()
    }
    async fn mention_counts(&self, _: WorkspaceId, _: Timestamp) -> StoreResult<Vec<MonitorCount>> {
        failure()
    }
    async fn disk_usage(&self) -> StoreResult<DiskUsage> {
        failure()
    }
}

#[tokio::test]
async fn store_failures_are_500_without_internals() {
    // Accounts live in a working store, so the login succeeds and every read then fails.
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts =
        SqliteStore::open(&dir.path().join("accounts.db"), SqliteOptions::default()).expect("open");
    add_admin(&accounts).await;
    let state = AppState::new(
        Arc::new(FailingStore),
        Arc::new(accounts.clone()),
        Arc::new(accounts.clone()),
        Arc::new(accounts),
    );
    let (addr, _shutdown) = start_server(state).await;
    let client = logged_in_client(addr).await;
    for path in [
        "/api/v1/stats",
        "/api/v1/workspaces",
        "/api/v1/workspaces/1/counts",
        "/api/v1/workspaces/1/mentions",
    ] {
        let response = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "internal", "message": "internal server error"}})
        );
    }
    let response = client
        .get(format!("http://{addr}/"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = response.text().await.expect("body");
    assert!(html.contains("internal server error"));
    assert!(!html.contains("SECRET"));
}

#[tokio::test]
async fn serve_returns_after_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open(&dir.path().join("s.db"), SqliteOptions::default()).expect("open");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store),
        async {
            let _ = rx.await;
        },
    ));
    let response = client()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    tx.send(()).expect("server gone");
    let result = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("server did not stop")
        .expect("server task panicked");
    assert!(result.is_ok());
}

#[tokio::test]
async fn query_check_returns_the_canonical_form_or_a_positioned_error() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/query/check?q=acme%20-bean").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["valid"], false);
    assert!(body["error"]["column"].as_u64().is_some(), "{body}");

    let (status, body) = app
        .json("/api/v1/query/check?q=acme%20(%22rival%20roasters%22%20OR%20bean*)")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["valid"], true);
    assert_eq!(
        body["canonical"], "acme AND (\"rival roasters\" OR bean*)",
        "{body}"
    );

    let (status, body) = app.json("/api/v1/query/check?q=autor:bob").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["error"]["message"],
        "unknown field 'autor' at column 1 (did you mean 'author'?)"
    );
    assert_eq!(body["error"]["column"], 1);
    assert!(body["error"]["display"]
        .as_str()
        .unwrap()
        .contains("autor:bob\n  ^"));

    let (status, _) = app.json("/api/v1/query/check").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn preview_matches_stored_posts_of_the_window() {
    let app = spawn_app().await;
    let id = app.workspace.id;
    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{id}/preview?q=acme&days=1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["canonical"], "acme");
    assert_eq!(body["complete"], true);
    let matched = body["matched"].as_u64().unwrap();
    assert!(matched >= 2, "{body}");
    let posts = body["posts"].as_array().unwrap();
    assert_eq!(posts.len() as u64, matched);
    for post in posts {
        assert!(post["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("acme"));
    }
    assert!(body["scanned"].as_u64().unwrap() >= matched);

    // NOT narrows it; a phrase matches only consecutive words.
    let (_, narrowed) = app
        .json(&format!(
            "/api/v1/workspaces/{id}/preview?q=acme%20NOT%20%22rival%20roasters%22&days=1"
        ))
        .await;
    assert_eq!(narrowed["matched"].as_u64().unwrap(), matched - 1);

    let (status, body) = app
        .json(&format!("/api/v1/workspaces/{id}/preview?q=acme%20OR"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["valid"], false);
    assert_eq!(body["error"]["column"], 8);

    let (status, _) = app
        .json(&format!("/api/v1/workspaces/{id}/preview?q=acme&days=0"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.json("/api/v1/workspaces/999/preview?q=acme").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
