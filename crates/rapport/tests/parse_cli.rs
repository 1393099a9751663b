//! `rapport parse` on the network fixtures of rapport-sources.

mod common;

use common::{rapport_bin, run};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn fixture(network: &str, name: &str) -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("../rapport-sources/tests/fixtures")
    .join(network)
    .join(name)
}

fn parse(network: &str, file: &std::path::Path) -> (bool, String, String) {
    run(Command::new(rapport_bin())
        .args([
            "parse",
            "--network",
            network,
            "--fetched-at",
            "2026-03-01T12:00:00Z",
        ])
        .arg(file))
}

#[test]
fn prints_one_json_line_per_post_and_the_rest_on_stderr() {
    let (ok, stdout, stderr) = parse("mastodon", &fixture("mastodon", "statuses.json"));
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[2],
        serde_json::json!({
            "id": "113957290112345678",
            "network": "mastodon",
            "url": "https://fosstodon.org/@bob/111111",
            "author": "bob@fosstodon.org",
            "author_name": "Bob",
            "followers": 87,
            "text": "@alice Mine leaks after a week. Très déçu 😞",
            "created": "2026-03-01T10:20:00Z",
            "reply_to": "113957281004401234",
            "lang": "fr",
            "likes": 1,
            "reposts": 0,
            "replies": 0
        })
    );
    assert_eq!(lines[0]["title"], "customer service rant");
    assert_eq!(lines[0]["quote_of"], "113957290112345678");
    assert!(
        stderr.contains("skipped at $[4] (id 113957320000000003): missing field `account`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"cursor {"network":"mastodon","newest_id":"113957310000000002","oldest_id":"113957281004401234"}"#),
        "{stderr}"
    );
}

#[test]
fn aliases_stdin_and_feed_dates() {
    for alias in ["hn", "hackernews"] {
        let (ok, stdout, stderr) = parse(alias, &fixture("hackernews", "search.json"));
        assert!(ok, "{stderr}");
        assert_eq!(stdout.lines().count(), 3);
    }
    let mut child = Command::new(rapport_bin())
        .args([
            "parse",
            "--network",
            "rss",
            "--fetched-at",
            "2026-03-01T12:00:00Z",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(fixture("feed", "rss2.xml")).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stdout.lines().count(), 5);
    assert!(
        stdout.contains(r#""created":"2026-03-01T12:00:00Z""#),
        "{stdout}"
    );
    assert!(stderr.contains("date https://kettles.example/news/k3 had a future date (2027-01-01T00:00:00+00:00): dated at the fetch time"), "{stderr}");
    for alias in ["atom", "feed"] {
        let (ok, stdout, _) = parse(alias, &fixture("feed", "atom.xml"));
        assert!(ok);
        assert_eq!(stdout.lines().count(), 2);
    }
    let (ok, stdout, stderr) = parse("bluesky", &fixture("bluesky", "jetstream.jsonl"));
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 3);
    assert!(stderr.contains(
        "deleted at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbszoldold2k"
    ));
    assert!(
        stderr.contains(r#"cursor {"network":"bluesky","time_us":1772360700000000}"#),
        "{stderr}"
    );
    let (ok, stdout, _) = parse("x", &fixture("x", "stream.jsonl"));
    assert!(ok);
    assert_eq!(stdout.lines().count(), 3);
    let (ok, stdout, _) = parse("reddit", &fixture("reddit", "search.json"));
    assert!(ok);
    assert_eq!(stdout.lines().count(), 4);
}

#[test]
fn a_broken_document_exits_non_zero_with_where() {
    let (ok, stdout, stderr) = parse("rss", &fixture("feed", "mismatched.xml"));
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains("error: feed feed: broken XML"), "{stderr}");
    assert!(stderr.contains("at line 5, column 21"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("t.json");
    std::fs::write(&truncated, r#"[{"id": "1", "content": "<p>hi"#).unwrap();
    let (ok, _, stderr) = parse("mastodon", &truncated);
    assert!(!ok);
    assert!(
        stderr.contains("mastodon status array: the JSON ends too early"),
        "{stderr}"
    );
    let (ok, _, stderr) = parse("myspace", &truncated);
    assert!(!ok);
    assert!(stderr.contains("unknown network 'myspace'"), "{stderr}");
}
