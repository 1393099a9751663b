//! `rapport query check` and `rapport match` from the command line.

mod common;

use common::rapport;
use std::process::Command;

fn rapport_in(dir: &std::path::Path) -> Command {
    rapport(&dir.join("data"))
}

#[test]
fn query_check_prints_the_parsed_form_or_a_positioned_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = rapport_in(dir.path())
        .args([
            "query",
            "check",
            "orvella (refund* OR \"broken tank\") NOT #ad",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "orvella AND (refund* OR \"broken tank\") AND NOT #ad"
    );

    let out = rapport_in(dir.path())
        .args(["query", "check", "autor:bob"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown field 'autor' at column 1 (did you mean 'author'?)"),
        "{stderr}"
    );
    assert!(stderr.contains("  autor:bob\n  ^"), "{stderr}");

    let out = rapport_in(dir.path())
        .args(["query", "check", "NOT acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn match_writes_one_line_per_post_in_order_and_skips_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let monitors = dir.path().join("m.jsonl");
    let posts = dir.path().join("p.jsonl");
    std::fs::write(
        &monitors,
        concat!(
            r#"{"id": "brand", "query": "orvella OR @orvella"}"#,
            "\n",
            r#"{"id": "refunds", "query": "orvella NEAR/3 refund*"}"#,
            "\n",
            r#"{"id": "a-site", "query": "site:example.com"}"#,
            "\n",
            r#"{"id": "french", "query": "orvella lang:fr"}"#,
            "\n",
        ),
    )
    .unwrap();
    std::fs::write(
        &posts,
        concat!(
            r#"{"id": "1", "text": "Orvella refunded me!"}"#,
            "\n",
            r#"{"id": 2, "text": "nothing here"}"#,
            "\n",
            "not json\n",
            r#"{"id": "4", "text": "see https://shop.example.com/x", "network": "myspace"}"#,
            "\n",
            r#"{"id": "5", "text": "see https://shop.example.com/x"}"#,
            "\n",
            r#"{"id": "6", "text": "J'adore Orvella", "lang": "fr"}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = rapport_in(dir.path())
        .arg("match")
        .arg("--monitors")
        .arg(&monitors)
        .arg("--posts")
        .arg(&posts)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            r#"{"id":"1","monitors":["brand","refunds"]}"#,
            r#"{"id":"2","monitors":[]}"#,
            r#"{"id":"5","monitors":["a-site"]}"#,
            r#"{"id":"6","monitors":["brand","french"]}"#,
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3: skipped"), "{stderr}");
    assert!(
        stderr.contains("line 4: skipped: unknown network 'myspace'"),
        "{stderr}"
    );
}

#[test]
fn a_bad_monitor_stops_match_with_its_id_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let monitors = dir.path().join("m.jsonl");
    let posts = dir.path().join("p.jsonl");
    std::fs::write(
        &monitors,
        "{\"id\": \"ok\", \"query\": \"acme\"}\n{\"id\": \"bad\", \"query\": \"acme OR\"}\n",
    )
    .unwrap();
    std::fs::write(&posts, "{\"id\": \"1\", \"text\": \"acme\"}\n").unwrap();
    let out = rapport_in(dir.path())
        .arg("match")
        .arg("--monitors")
        .arg(&monitors)
        .arg("--posts")
        .arg(&posts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("monitor 'bad'"), "{stderr}");
    assert!(
        stderr.contains("expected a term after OR at column 8"),
        "{stderr}"
    );
}
