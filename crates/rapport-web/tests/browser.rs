//! The dashboard in a real browser (Debian's Chromium, headless, driven over WebDriver by
//! chromedriver): hostile post text never runs and shows as text, and an agent works the
//! inbox by clicking. `.ci/run` installs Chromium and chromedriver; where they are missing
//! the tests say SKIPPED and pass. The path a person takes: log in, watch a complaint arrive
//! live, assign it, reply through the network (to a local server in Mastodon's shape) with
//! the length counted as they type, resolve it, see the response time, and type a monitor
//! query with a typo to see the error at its column. And publishing: compose a post with a
//! live counter, submit it, approve it, let the scheduler send it, see it sent and on the
//! calendar. And images and link cards: pick an image, see Bluesky ask for its alt text,
//! give it, see the card of a link (a hostile title shown as text), schedule, and find the
//! image on the draft page.

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, Membership, MonitorKind, Network, NewMonitor, Post, Role};
use rapport_sources::http::SafetyPolicy;
use rapport_store::publishing::NewPublishAccount;
use rapport_store::PublishStore;
use rapport_store::{
    AccountStore, NewSource, NewUser, Secret, SecretKey, SourceStore, SqliteOptions, SqliteStore,
    Store,
};
use rapport_web::{
    auth,
    routes::{publishing::Publishing, replies::ReplySender},
    AppState,
};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "correct horse battery staple";

/// Payloads that would run if any page put post data into markup.
const HOSTILE: [&str; 5] = [
    "<script>window.__pwned=1</script> lumora is broken",
    "<img src=x onerror=\"window.__pwned=2\"> lumora refund please",
    "<svg onload=window.__pwned=3> lumora terrible support",
    "\"><script>window.__pwned=5</script> lumora awful",
    "lumora \u{202E}gnp.exe broken order, refund",
];

/// chromedriver, killed when the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A headless Chromium session, or `None` (with a SKIPPED line) where none is installed.
async fn browser() -> Option<(Driver, Client)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        println!("SKIPPED: {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver; .ci/run does)");
        return None;
    }
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps = caps.as_object().expect("object").clone();
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = connected {
            std::mem::forget(profile);
            return Some((driver, client));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not accept a session");
}

fn post(id: &str, text: &str) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: id.into(),
        // A `javascript:` link where the original's URL goes.
        url: Some("javascript:window.__pwned=4".into()),
        author: Author {
            handle: format!("user{id}"),
            display_name: Some("<b onmouseover=window.__pwned=6>Mallory</b>".into()),
            followers: Some(100),
        },
        title: Some("<script>window.__pwned=7</script>".into()),
        text: text.into(),
        language: Some("en".into()),
        created_at: chrono::Utc::now() - chrono::Duration::minutes(5),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

struct App {
    base: String,
    workspace: i64,
    ingestor: Ingestor,
    /// What the fake Mastodon instance was sent.
    sent: Arc<Mutex<Vec<serde_json::Value>>>,
    /// The store, its key and the outgoing policy, for the publishing scheduler.
    store: SqliteStore,
    key: SecretKey,
    policy: SafetyPolicy,
    /// The workspace's Mastodon account as a source of its notifications, and its settings.
    notifications: (rapport_store::SourceId, String),
    _dir: tempfile::TempDir,
}

/// A mention notification in the shape of Mastodon's `GET /api/v1/notifications`
/// (https://docs.joinmastodon.org/methods/notifications/#get, entity
/// https://docs.joinmastodon.org/entities/Notification/): a reply by `carol` to our status
/// `in_reply_to`.
fn reply_notification(in_reply_to: &str) -> serde_json::Value {
    let account = json!({
        "id": "220011", "username": "carol", "acct": "carol@kettle.social",
        "display_name": "Carol", "locked": false, "bot": false, "group": false,
        "created_at": "2023-01-02T00:00:00.000Z", "note": "", "url": "https://kettle.social/@carol",
        "avatar": "https://kettle.social/a.png", "avatar_static": "https://kettle.social/a.png",
        "header": "", "header_static": "", "followers_count": 412, "following_count": 80,
        "statuses_count": 900, "last_status_at": "2026-11-23", "emojis": [], "fields": []
    });
    json!([{
        "id": "88001",
        "type": "mention",
        "created_at": chrono::Utc::now().to_rfc3339(),
        "account": account.clone(),
        "status": {
            "id": "990001",
            "created_at": chrono::Utc::now().to_rfc3339(),
            "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": "1",
            "sensitive": false, "spoiler_text": "", "visibility": "public", "language": "en",
            "uri": "https://kettle.social/users/carol/statuses/990001",
            "url": "https://kettle.social/@carol/990001",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
            "edited_at": null, "content": "<p><span class=\"h-card\"><a href=\"https://social.example/@lumora\" class=\"u-url mention\">@<span>lumora</span></a></span> When is the Lumora kettle back in stock? Mine arrived broken &lt;b&gt;twice&lt;/b&gt;</p>",
            "reblog": null, "account": account, "media_attachments": [], "mentions": [],
            "tags": [], "emojis": [], "card": null, "poll": null
        }
    }])
}

async fn app() -> App {
    app_with(false).await
}

/// The app, keeping drafts' images when `media` (the compose page then offers them).
async fn app_with(media: bool) -> App {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).expect("db");
    let ws = store.create_workspace("Lumora").await.expect("workspace");
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .expect("monitor");
    let agent = store
        .create_user(NewUser {
            email: "agent@lumora.example".into(),
            display_name: "Agent".into(),
            password_hash: auth::hash_password(PASSWORD).expect("hash"),
            is_admin: false,
        })
        .await
        .expect("user");
    store
        .set_membership(Membership {
            user: agent.id,
            workspace: ws.id,
            // A manager works the inbox like an agent and may also add monitors.
            role: Role::Manager,
        })
        .await
        .expect("member");
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let ingestor = Ingestor::new(shared).await.expect("ingestor");
    let posts = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, text)| post(&i.to_string(), text))
        .collect();
    ingestor.ingest(posts).await.expect("ingest");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // A local server in the shape of Mastodon's POST /api/v1/statuses
    // (https://docs.joinmastodon.org/methods/statuses/#create) that the workspace's account
    // replies through; it keeps what it was sent.
    let sent: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let fake = axum::Router::new()
        .route(
            "/api/v1/notifications",
            axum::routing::get(
                |axum::extract::State(sent): axum::extract::State<
                    Arc<Mutex<Vec<serde_json::Value>>>,
                >| async move {
                    // Once our first post is out, someone answers it.
                    let answered = !sent.lock().unwrap().is_empty();
                    axum::Json(if answered {
                        reply_notification("77001")
                    } else {
                        json!([])
                    })
                },
            ),
        )
        .route(
            "/api/v1/statuses",
            axum::routing::post(
                |axum::extract::State(sent): axum::extract::State<
                    Arc<Mutex<Vec<serde_json::Value>>>,
                >,
                 axum::Json(body): axum::Json<serde_json::Value>| async move {
                    let mut sent = sent.lock().unwrap();
                    sent.push(body);
                    let id = format!("7700{}", sent.len());
                    axum::Json(json!({
                        "id": id,
                        "created_at": "2026-11-23T10:00:00.000Z",
                        "url": format!("https://social.example/@lumora/{id}"),
                        "content": "<p>reply</p>",
                        "account": {"id": "1", "username": "lumora", "acct": "lumora"}
                    }))
                },
            ),
        )
        .with_state(sent.clone());
    let fake_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let fake_port = fake_listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(fake_listener, fake).await.expect("fake") });
    let key = SecretKey::load_or_create(dir.path()).expect("key");
    let notifications_config =
        json!({"instance": format!("http://localhost:{fake_port}"), "timeline": "notifications"})
            .to_string();
    let notifications = store
        .upsert_source(
            NewSource {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                name: "our account".into(),
                config: notifications_config.clone(),
                credentials: Some(Secret::new("write-token")),
                enabled: true,
            },
            &key,
        )
        .await
        .expect("source");
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().expect("rule")],
    };
    // The same account, connected for publishing.
    store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: ws.id,
                kind: "mastodon".into(),
                display_name: "Lumora on Mastodon".into(),
                settings: json!({"instance": format!("http://localhost:{fake_port}")}),
                secret: Secret::new("write-token"),
            },
            &key,
        )
        .await
        .expect("publishing account");
    let sources: Arc<dyn SourceStore> = Arc::new(store.clone());
    let mut publishing = Publishing::new(Arc::new(store.clone()), key.clone(), policy.clone());
    if media {
        publishing = publishing.with_media(Arc::new(store.clone()));
    }
    let state = AppState::sqlite(store.clone())
        .with_cookies(auth::CookiePolicy::PlainLoopback)
        .with_replies(ReplySender::new(sources, key.clone(), policy.clone()))
        .with_publishing(publishing);
    tokio::spawn(rapport_web::serve(listener, state, std::future::pending()));
    App {
        base: format!("http://{addr}"),
        workspace: ws.id.0,
        ingestor,
        sent,
        store,
        key,
        policy,
        notifications: (notifications.id, notifications_config),
        _dir: dir,
    }
}

/// Finds the element `locator` (`what`, for the failure message) and clicks it.
async fn click(client: &Client, locator: Locator<'_>, what: &str) {
    client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {what}: {e}"));
}

async fn log_in(client: &Client, base: &str) {
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("login page");
    client
        .find(Locator::Css("input[name=email]"))
        .await
        .expect("email field")
        .send_keys("agent@lumora.example")
        .await
        .expect("types");
    client
        .find(Locator::Css("input[name=password]"))
        .await
        .expect("password field")
        .send_keys(PASSWORD)
        .await
        .expect("types");
    click(client, Locator::Css("form button[type=submit]"), "button").await;
    if client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".user-menu"))
        .await
        .is_err()
    {
        let url = client.current_url().await.expect("url");
        let source = client.source().await.unwrap_or_default();
        panic!("not signed in: at {url}: {source}");
    }
}

/// Asserts nothing ran on the current page and the payloads show as text.
async fn assert_inert(client: &Client, page: &str) {
    let pwned = client
        .execute(
            "return window.__pwned === undefined ? null : window.__pwned;",
            vec![],
        )
        .await
        .expect("script runs");
    assert!(pwned.is_null(), "{page}: a payload ran ({pwned})");
    let links = client
        .find_all(Locator::Css(
            "a[href^='javascript:'], a[href^='JAVASCRIPT:']",
        ))
        .await
        .expect("query");
    assert!(links.is_empty(), "{page}: a javascript: link is clickable");
    let text = client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text");
    // Every payload page shows at least one payload, literally.
    assert!(
        text.contains("window.__pwned=") || text.contains("\u{202E}gnp.exe"),
        "{page}: the payloads are not shown as text: {text}"
    );
}

#[tokio::test]
async fn hostile_text_never_runs_and_an_agent_resolves_a_complaint() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = app().await;
    let w = app.workspace;
    log_in(&client, &app.base).await;

    client
        .goto(&format!("{}/w/{w}", app.base))
        .await
        .expect("dashboard");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#mentions li.mention"))
        .await
        .expect("mentions listed");
    assert_inert(&client, "dashboard").await;
    // The live refresh (server-sent events, then the JSON API) rebuilds the list with
    // textContent: after a push, still nothing ran.
    app.ingestor
        .ingest(vec![post(
            "50",
            "<script>window.__pwned=8</script> lumora late delivery",
        )])
        .await
        .expect("ingest");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(
            "//li[contains(@class,'mention')]//p[contains(., 'late delivery')]",
        ))
        .await
        .expect("the new mention arrives live");
    assert_inert(&client, "dashboard after a live update").await;

    client
        .goto(&format!("{}/w/{w}/inbox", app.base))
        .await
        .expect("inbox");
    assert_inert(&client, "inbox").await;
    click(
        &client,
        Locator::Css("a.inbox-link[href*='/inbox/']"),
        "an item",
    )
    .await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("ol.thread"))
        .await
        .expect("item page");
    assert_inert(&client, "inbox item").await;

    // Assign it, then resolve it, by clicking.
    click(
        &client,
        Locator::XPath("//button[normalize-space()='Assign to me']"),
        "assign button",
    )
    .await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//span[contains(@class,'assignee')][contains(., 'Agent')]",
        ))
        .await
        .expect("assigned to the agent");
    // Reply through the network: the counter follows the typing and stops an over-long
    // reply; a short one is sent once and listed as sent.
    let reply_box = client
        .find(Locator::Css("textarea#reply"))
        .await
        .expect("the reply box");
    reply_box.send_keys(&"x".repeat(520)).await.expect("types");
    let count = client
        .find(Locator::Css("output.reply-count"))
        .await
        .expect("counter")
        .text()
        .await
        .expect("text");
    assert!(count.contains("too many"), "{count}");
    let send = client
        .find(Locator::XPath("//button[normalize-space()='Send reply']"))
        .await
        .expect("send button");
    assert_eq!(
        send.attr("disabled").await.expect("attr").as_deref(),
        Some("true"),
        "an over-long reply cannot be sent"
    );
    reply_box.clear().await.expect("clears");
    reply_box
        .send_keys("Sorry about this, we are on it.")
        .await
        .expect("types");
    let count = client
        .find(Locator::Css("output.reply-count"))
        .await
        .expect("counter")
        .text()
        .await
        .expect("text");
    assert!(count.contains("characters left"), "{count}");
    send.click().await.expect("sends");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//ol[contains(@class,'replies')]//span[contains(@class,'reply-state')][normalize-space()='sent']",
        ))
        .await
        .expect("the reply is listed as sent");
    {
        let sent = app.sent.lock().unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        let text = sent[0]["status"].as_str().unwrap_or_default();
        assert!(text.ends_with("Sorry about this, we are on it."), "{text}");
        assert!(text.starts_with('@'), "the author is mentioned: {text}");
    }
    click(
        &client,
        Locator::XPath("//button[normalize-space()='Mark resolved']"),
        "resolve button",
    )
    .await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//span[contains(@class,'status')][normalize-space()='resolved']",
        ))
        .await
        .expect("resolved");
    let history = client
        .find(Locator::Css("ol.history"))
        .await
        .expect("history")
        .text()
        .await
        .expect("text");
    assert!(
        history.contains("assign") && history.contains("resolved"),
        "{history}"
    );

    // The reply shows as a first response on the response-times page.
    client
        .goto(&format!("{}/w/{w}/response-times?days=1", app.base))
        .await
        .expect("response times");
    let figures = client
        .find(Locator::Css("div.stats"))
        .await
        .expect("figures")
        .text()
        .await
        .expect("text");
    // Each figure is its value, then its label.
    let lines: Vec<&str> = figures.lines().map(str::trim).collect();
    let value_of = |label: &str| {
        lines
            .iter()
            .position(|l| *l == label)
            .and_then(|i| i.checked_sub(1))
            .map(|i| lines[i])
    };
    assert_eq!(value_of("answered"), Some("1"), "{figures}");
    assert_ne!(value_of("median first response"), Some("—"), "{figures}");

    // A monitor query with a typo is pointed at as it is typed.
    client
        .goto(&format!("{}/w/{w}/monitors", app.base))
        .await
        .expect("monitors");
    client
        .find(Locator::Css("#monitor-query"))
        .await
        .expect("query field")
        .send_keys("lumora AND (kettle")
        .await
        .expect("types");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//pre[@id='query-check'][contains(., 'column')]",
        ))
        .await
        .expect("the error names its column");
    let check = client
        .find(Locator::Css("#query-check"))
        .await
        .expect("check")
        .text()
        .await
        .expect("text");
    assert!(check.contains('^'), "a caret under the column: {check}");

    // Logged out, the inbox sends you to the login page.
    click(&client, Locator::Css("form.logout button"), "logout").await;
    client
        .goto(&format!("{}/w/{w}/inbox", app.base))
        .await
        .expect("inbox");
    let url = client.current_url().await.expect("url");
    assert!(url.path().starts_with("/login"), "{url}");
    client.close().await.expect("closes");
}

#[tokio::test]
async fn a_post_is_composed_approved_scheduled_and_seen_sent() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = app().await;
    let w = app.workspace;
    log_in(&client, &app.base).await;

    // Compose: the counter follows the typing with the account's rule.
    client
        .goto(&format!("{}/w/{w}/publish", app.base))
        .await
        .expect("compose page");
    let text = client
        .find(Locator::Css("#compose-text"))
        .await
        .expect("the text box");
    text.send_keys(&"x".repeat(510)).await.expect("types");
    let count = client
        .find(Locator::Css("output.target-count"))
        .await
        .expect("counter")
        .text()
        .await
        .expect("text");
    assert!(count.contains("10 characters too many"), "{count}");
    text.clear().await.expect("clears");
    text.send_keys("<script>window.__pwned=9</script> New kettle day")
        .await
        .expect("types");
    let count = client
        .find(Locator::Css("output.target-count"))
        .await
        .expect("counter")
        .text()
        .await
        .expect("text");
    assert!(count.contains("characters left"), "{count}");
    // The time, in the workspace's zone (UTC here), a few minutes ahead. A datetime-local
    // field's typing order depends on the locale: set its value instead.
    let at = (chrono::Utc::now() + chrono::Duration::minutes(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    client
        .execute(
            "document.getElementById('scheduled-at').value = arguments[0]; return null;",
            vec![json!(at)],
        )
        .await
        .expect("sets the time");
    // Submitted for approval (a manager could schedule directly; the flow shows both).
    click(&client, Locator::Css("#compose-submit"), "submit button").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#draft[data-status='pending_approval']"))
        .await
        .expect("the draft page, pending approval");
    assert_inert(&client, "draft page").await;
    let draft_url = client.current_url().await.expect("url");

    // Approve: it had a time, so it is scheduled.
    click(&client, Locator::Css("#approve"), "approve button").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#draft[data-status='scheduled']"))
        .await
        .expect("scheduled");

    // The scheduler sends it when due; the page shows it sent with its link.
    let scheduler = rapport_engine::publishing::Scheduler::new(
        Arc::new(app.store.clone()),
        app.key.clone(),
        app.policy.clone(),
    );
    let report = scheduler
        .tick(chrono::Utc::now() + chrono::Duration::minutes(5))
        .await
        .expect("tick");
    assert_eq!(report.sent, 1, "{report:?}");
    client.goto(draft_url.as_str()).await.expect("draft page");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#draft[data-status='sent'] a.published"))
        .await
        .expect("sent, with the published post's link");
    assert_inert(&client, "sent draft").await;
    {
        let sent = app.sent.lock().unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(
            sent[0]["status"],
            "<script>window.__pwned=9</script> New kettle day"
        );
    }

    // Someone answers the post; polling the account's notifications files the reply in
    // the inbox, where the agent sees it arrive.
    let fetcher = rapport_sources::http::Fetcher::new(
        app.policy.clone(),
        rapport_sources::http::FetchLimits::default(),
    )
    .expect("fetcher");
    let source = rapport_sources::connectors::build(
        "mastodon",
        "our account",
        &app.notifications.1,
        Some("write-token".into()),
        fetcher,
    )
    .expect("the notifications source");
    let mut runner = rapport_engine::sources::SourceRunner::new(
        app.ingestor.clone(),
        Arc::new(app.store.clone()),
        rapport_engine::sources::RunnerConfig::default(),
    );
    runner.add(app.notifications.0, source);
    let polled = runner.run_once().await.expect("polled");
    assert_eq!(polled[0].error, None, "{polled:?}");
    assert_eq!(polled[0].posts, 1, "{polled:?}");
    client
        .goto(&format!("{}/w/{w}/inbox", app.base))
        .await
        .expect("inbox");
    let reply = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//a[contains(@class,'inbox-link')][contains(., 'back in stock')]",
        ))
        .await
        .expect("the reply to our post, in the inbox");
    let shown = reply.text().await.expect("text");
    assert!(
        shown.contains("<b>twice</b>"),
        "escaped, shown as text: {shown}"
    );
    assert_inert(&client, "inbox with the reply").await;

    // The calendar lists it on its day.
    client
        .goto(&format!("{}/w/{w}/calendar?view=month", app.base))
        .await
        .expect("calendar");
    let entry = client
        .find(Locator::Css("a.cal-post.status-sent"))
        .await
        .expect("the post in the calendar")
        .text()
        .await
        .expect("text");
    assert!(entry.contains("window.__pwned=9"), "shown as text: {entry}");
    client.close().await.expect("closes");
}

#[tokio::test]
async fn every_page_fits_a_phone_screen() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = app().await;
    let w = app.workspace;
    log_in(&client, &app.base).await;
    // An iPhone-sized viewport: nothing may make the page scroll sideways (wide tables
    // scroll inside their own box).
    client.set_window_size(390, 844).await.expect("resize");
    for path in [
        format!("/w/{w}"),
        format!("/w/{w}/inbox"),
        format!("/w/{w}/monitors"),
        format!("/w/{w}/response-times"),
        format!("/w/{w}/sources"),
        format!("/w/{w}/publish"),
        format!("/w/{w}/calendar"),
        format!("/w/{w}/alerts"),
        format!("/w/{w}/authors"),
    ] {
        client
            .goto(&format!("{}{path}", app.base))
            .await
            .expect("page");
        // The widths, and the outermost elements that stick out (for the message).
        let sizes = client
            .execute(
                "var w = window.innerWidth, out = [];\
                 document.querySelectorAll('body *').forEach(function (e) {\
                   var r = e.getBoundingClientRect();\
                   if (r.right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1))\
                     out.push(e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(r.right));\
                 });\
                 return [document.documentElement.scrollWidth, w, out.slice(0, 8)];",
                vec![],
            )
            .await
            .expect("measures");
        let scroll = sizes[0].as_f64().unwrap_or(0.0);
        let inner = sizes[1].as_f64().unwrap_or(0.0);
        assert!(inner > 300.0 && inner < 500.0, "{path}: viewport {inner}");
        assert!(
            scroll <= inner + 1.0,
            "{path} scrolls sideways on a phone: {scroll} px wide in a {inner} px viewport; \
             sticking out: {}",
            sizes[2]
        );
    }
}

/// A valid 3×2 PNG header (signature and IHDR): enough for the page and the server to
/// sniff and size it.
fn png_3x2() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13]);
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0x2b, 0x1c, 0x7a, 0x1e]);
    png
}

/// The `og:title` of the linked page: markup that must show as text. As the page's HTML
/// writes it (escaped in the attribute) and as it is read (the attribute's value).
const HOSTILE_OG_TITLE: (&str, &str) = (
    "&lt;img src=x onerror=&quot;window.__pwned=11&quot;&gt; Kettle &amp; co",
    "<img src=x onerror=\"window.__pwned=11\"> Kettle & co",
);

/// A page with Open Graph tags (<https://ogp.me/#metadata>: `og:title`, `og:description`,
/// `og:site_name`), served locally; the preview reaches it through the SSRF guard, which
/// the test's policy opens to `localhost`.
async fn og_page() -> u16 {
    let page = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Kettle day</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{}">
<meta property="og:description" content="&lt;script&gt;window.__pwned=12&lt;/script&gt; Out in March.">
<meta property="og:site_name" content="Lumora">
</head><body><h1>Kettle day</h1></body></html>"#,
        HOSTILE_OG_TITLE.0
    );
    let router = axum::Router::new().route(
        "/kettle",
        axum::routing::get(move || {
            let page = page.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, router).await.expect("og page") });
    port
}

#[tokio::test]
async fn an_image_needs_its_alt_text_for_bluesky_and_a_link_shows_its_card() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = app_with(true).await;
    let w = app.workspace;
    // A Bluesky account besides the Mastodon one: Bluesky requires alt text on images.
    app.store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: rapport_model::WorkspaceId(w),
                kind: "bluesky".into(),
                display_name: "Lumora on Bluesky".into(),
                settings: json!({"identifier": "lumora.bsky.social"}),
                secret: Secret::new("app-password"),
            },
            &app.key,
        )
        .await
        .expect("Bluesky account");
    let og_port = og_page().await;
    let files = tempfile::tempdir().expect("dir");
    let image = files.path().join("kettle.png");
    std::fs::write(&image, png_3x2()).expect("image file");
    log_in(&client, &app.base).await;
    client
        .goto(&format!("{}/w/{w}/publish", app.base))
        .await
        .expect("compose page");
    click(
        &client,
        Locator::Css("div.target[data-network-name='Bluesky'] input[type=checkbox]"),
        "the Bluesky account",
    )
    .await;

    // Pick the image (a file input takes the file's path) and see Bluesky ask for alt text.
    client
        .find(Locator::Css("#compose-media"))
        .await
        .expect("the file input")
        .send_keys(&image.display().to_string())
        .await
        .expect("file chosen");
    let check = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//output[@id='media-check'][contains(@class,'over')][contains(., 'alt text')]",
        ))
        .await
        .expect("the missing alt text is an error for Bluesky");
    let message = check.text().await.expect("text");
    assert!(
        message.contains("image 1 needs an alt text on Bluesky"),
        "{message}"
    );
    let listed = client
        .find(Locator::Css("#compose-media-list li"))
        .await
        .expect("the file listed")
        .text()
        .await
        .expect("text");
    assert!(listed.contains("kettle.png (image/png"), "{listed}");
    client
        .find(Locator::Css("#compose-media-list input.media-alt-input"))
        .await
        .expect("its alt text field")
        .send_keys("A white kettle on a <b>table</b>")
        .await
        .expect("types");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//output[@id='media-check'][not(contains(@class,'over'))]\
             [contains(., 'the images fit every chosen account')]",
        ))
        .await
        .expect("the image fits once it has alt text");

    // A link: its card comes through the server's SSRF guard, its title shown as text.
    client
        .find(Locator::Css("#compose-text"))
        .await
        .expect("the text box")
        .send_keys(&format!(
            "Kettle day is here: http://localhost:{og_port}/kettle"
        ))
        .await
        .expect("types");
    let title = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#link-preview:not([hidden]) strong"))
        .await
        .expect("the link card")
        .text()
        .await
        .expect("text");
    assert_eq!(title, HOSTILE_OG_TITLE.1, "the title, as text");
    let card = client
        .find(Locator::Css("#link-preview"))
        .await
        .expect("card")
        .text()
        .await
        .expect("text");
    assert!(card.contains("Lumora"), "the site's name: {card}");
    assert!(
        card.contains("<script>window.__pwned=12</script> Out in March."),
        "the description, as text: {card}"
    );
    let markup = client
        .find_all(Locator::Css("#link-preview img, #link-preview script"))
        .await
        .expect("query");
    assert!(markup.is_empty(), "the card's text made elements");
    let pwned = client
        .execute(
            "return window.__pwned === undefined ? null : window.__pwned;",
            vec![],
        )
        .await
        .expect("script runs");
    assert!(pwned.is_null(), "a payload ran ({pwned})");

    // Schedule: with an image the post is saved, its image attached, then its page opens.
    click(
        &client,
        Locator::Css("#compose-schedule"),
        "the schedule button",
    )
    .await;
    if client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#draft #draft-media li[data-media]"))
        .await
        .is_err()
    {
        let url = client.current_url().await.expect("url");
        let check = match client.find(Locator::Css("#media-check")).await {
            Ok(check) => check.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let source = client.source().await.unwrap_or_default();
        panic!("the draft page does not list the image: at {url}, media check {check:?}: {source}");
    }
    let at = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    client
        .execute(
            "document.getElementById('schedule-at').value = arguments[0]; return null;",
            vec![json!(at)],
        )
        .await
        .expect("sets the time");
    click(&client, Locator::Css("#schedule"), "the schedule button").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#draft[data-status='scheduled']"))
        .await
        .expect("scheduled");
    let images = client
        .find(Locator::Css("#draft-media"))
        .await
        .expect("the images section")
        .text()
        .await
        .expect("text");
    assert!(
        images.contains("image/png · 3×2"),
        "the image with its kind and size: {images}"
    );
    assert!(
        images.contains("Alt: A white kettle on a <b>table</b>"),
        "its alt text, as text: {images}"
    );
    let shown = client
        .find_all(Locator::Css(
            "#draft-media img[alt='A white kettle on a <b>table</b>']",
        ))
        .await
        .expect("query");
    assert_eq!(shown.len(), 1, "the image itself, with its alt text");
    let draft_text = client
        .find(Locator::Css("blockquote.draft-text"))
        .await
        .expect("the text")
        .text()
        .await
        .expect("text");
    assert!(
        draft_text.contains(&format!("http://localhost:{og_port}/kettle")),
        "{draft_text}"
    );
    let pwned = client
        .execute(
            "return window.__pwned === undefined ? null : window.__pwned;",
            vec![],
        )
        .await
        .expect("script runs");
    assert!(pwned.is_null(), "a payload ran ({pwned})");
    client.close().await.expect("closes");
}

#[tokio::test]
async fn a_campaign_page_shows_a_click_without_a_reload() {
    use rapport_store::engagement::NewShortLink;
    use rapport_store::publishing::{
        ClaimLease, DeliveryOutcome, DraftStatus, NewDraft, Transition,
    };
    use rapport_store::EngagementStore;

    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = app().await;
    let w = app.workspace;
    let ws = rapport_model::WorkspaceId(w);
    // A published post of a campaign, with a short link.
    let account = app.store.publish_accounts(ws).await.expect("accounts")[0].id;
    let campaign = app
        .store
        .create_campaign(ws, "Kettle <launch>", "kettle")
        .await
        .expect("campaign");
    let draft = app
        .store
        .create_draft(NewDraft {
            workspace_id: ws,
            author_id: None,
            text: "Kettle day".into(),
            targets: vec![(account, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .expect("draft");
    app.store
        .transition_draft(
            ws,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .expect("scheduled");
    let claimed = app
        .store
        .claim_due_deliveries(
            &ClaimLease::new("t", chrono::Duration::minutes(5)),
            chrono::Utc::now(),
            5,
        )
        .await
        .expect("claimed");
    app.store
        .finish_delivery(
            claimed[0].id,
            "t",
            DeliveryOutcome::Sent {
                native_id: "501".into(),
                url: None,
                followers: Some(2_000),
            },
        )
        .await
        .expect("sent");
    app.store
        .set_draft_campaign(ws, draft.id, Some((campaign.id, "A")))
        .await
        .expect("in the campaign");
    let link = app
        .store
        .short_link_for(NewShortLink {
            workspace_id: ws,
            delivery_id: claimed[0].id,
            position: 0,
            destination: "https://lumora.example/kettle".into(),
            code: "KettleDay1".into(),
        })
        .await
        .expect("link");

    log_in(&client, &app.base).await;
    client
        .goto(&format!("{}/w/{w}/campaigns/{}", app.base, campaign.id.0))
        .await
        .expect("campaign page");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(
            "#campaign-live tr.variant[data-variant='A'] td.clicks[data-clicks='0']",
        ))
        .await
        .expect("no click yet");
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .expect("heading")
        .text()
        .await
        .expect("text");
    assert!(heading.contains("Kettle <launch>"), "escaped: {heading}");
    // Someone follows the link; the page shows it without being reloaded.
    client
        .execute("window.__stayed = true; return null;", vec![])
        .await
        .expect("marks the page");
    let visit = rapport_sources::http::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/l/{}", app.base, link.code))
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        )
        .send()
        .await
        .expect("followed");
    assert_eq!(visit.status().as_u16(), 302);
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(
            "#campaign-live tr.variant[data-variant='A'] td.clicks[data-clicks='1']",
        ))
        .await
        .expect("the click shows live");
    let stayed = client
        .execute("return window.__stayed === true;", vec![])
        .await
        .expect("script runs");
    assert_eq!(stayed, json!(true), "the page was not reloaded");
    client.close().await.expect("closes");
}
