//! `rapport demo` as a new user meets it: it serves, and the numbers move.

mod common;

use common::rapport;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Kills the demo even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Logs in at `base` and returns a client sending the session cookie.
async fn log_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    let response = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}",
            email.replace('@', "%40"),
            password
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "the printed demo login works");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("rapport_session="),
        "plain-HTTP loopback cookie: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", pair.parse().unwrap());
    rapport_sources::http::client_builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn posts(client: &reqwest::Client, base: &str) -> u64 {
    let stats: serde_json::Value = client
        .get(format!("{base}api/v1/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["posts"].as_u64().unwrap()
}

#[tokio::test]
async fn the_demo_serves_a_dashboard_whose_numbers_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = rapport(&dir.path().join("data"))
        .args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--rate",
            "400000",
            "--backfill-days",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut logins = Vec::new();
    let base = loop {
        let line = lines.next().expect("the demo prints its URL").unwrap();
        if let Some(rest) = line.trim().strip_prefix("login ") {
            let mut words = rest.split_whitespace();
            let email = words.next().unwrap().to_string();
            assert_eq!(words.next(), Some("password"));
            logins.push((email, words.next().unwrap().to_string()));
        }
        if let Some(at) = line.find("http://") {
            let url = line[at..].split_whitespace().next().unwrap().to_string();
            break url;
        }
    };
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    // Keep draining stdout so the demo never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

    let emails: Vec<&str> = logins.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "admin@demo.local",
            "viewer@demo.local",
            "agent@demo.local",
            "manager@demo.local",
            "workspace-admin@demo.local"
        ],
        "the first run prints every demo login"
    );
    // Without a login the dashboard sends the browser to the login page.
    let anonymous = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = anonymous.get(&base).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let (email, password) = &logins[0];
    assert_eq!(email, "admin@demo.local");
    let client = log_in(&base, email, password).await;
    let page = client
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("(demo)"), "{page}");

    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        let n = posts(&client, &base).await;
        if n > 0 {
            break n;
        }
        assert!(Instant::now() < deadline, "no post stored within a minute");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    loop {
        let n = posts(&client, &base).await;
        if n > first {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the post count stayed at {first}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let counts: serde_json::Value = client
        .get(format!("{base}api/v1/workspaces/1/counts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = counts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for kind in ["brand", "product", "competitor", "campaign"] {
        assert!(kinds.contains(&kind), "no {kind} monitor in {kinds:?}");
    }
    // Every mention the pipeline stored was analysed on the way.
    let mentions: serde_json::Value = client
        .get(format!("{base}api/v1/workspaces/1/mentions?limit=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mentions = mentions["items"].as_array().unwrap();
    assert!(!mentions.is_empty());
    for mention in mentions {
        assert!(
            ["positive", "neutral", "negative"].contains(&mention["sentiment"].as_str().unwrap()),
            "{mention}"
        );
        assert!(mention["intent"].is_string(), "{mention}");
        assert!(mention["language"].is_string(), "{mention}");
    }
}
