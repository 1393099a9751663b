//! The dashboard in a real browser (Debian's Chromium, headless, driven over WebDriver by
//! chromedriver): hostile post text never runs and shows as text, and an agent works the
//! inbox by clicking. `.ci/run` installs Chromium and chromedriver; where they are missing
//! the tests say SKIPPED and pass.

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, Membership, MonitorKind, Network, NewMonitor, Post, Role};
use rapport_store::{AccountStore, NewUser, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, AppState};
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
    _dir: tempfile::TempDir,
}

async fn app() -> App {
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
            role: Role::Agent,
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
    let state = AppState::sqlite(store).with_cookies(auth::CookiePolicy::PlainLoopback);
    tokio::spawn(rapport_web::serve(listener, state, std::future::pending()));
    App {
        base: format!("http://{addr}"),
        workspace: ws.id.0,
        ingestor,
        _dir: dir,
    }
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
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("submits");
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
    client
        .find(Locator::Css("a.inbox-link[href*='/inbox/']"))
        .await
        .expect("an item")
        .click()
        .await
        .expect("opens");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("ol.thread"))
        .await
        .expect("item page");
    assert_inert(&client, "inbox item").await;

    // Assign it, then resolve it, by clicking.
    client
        .find(Locator::XPath("//button[normalize-space()='Assign to me']"))
        .await
        .expect("assign button")
        .click()
        .await
        .expect("assigns");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//span[contains(@class,'assignee')][contains(., 'Agent')]",
        ))
        .await
        .expect("assigned to the agent");
    client
        .find(Locator::XPath(
            "//button[normalize-space()='Mark resolved']",
        ))
        .await
        .expect("resolve button")
        .click()
        .await
        .expect("resolves");
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

    // Logged out, the inbox sends you to the login page.
    client
        .find(Locator::Css("form.logout button"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("logs out");
    client
        .goto(&format!("{}/w/{w}/inbox", app.base))
        .await
        .expect("inbox");
    let url = client.current_url().await.expect("url");
    assert!(url.path().starts_with("/login"), "{url}");
    client.close().await.expect("closes");
}
