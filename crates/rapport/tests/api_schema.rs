//! The JSON API against its own OpenAPI document, checked by an independent tool:
//! schemathesis (PyPI) generates requests from `/api/v1/openapi.json`, sends them to a real
//! `rapport serve` holding a demo workspace, and fails on any server error or any response
//! that breaks the document (status, content type, body schema).
//!
//! `.ci/run` installs schemathesis and sets `RAPPORT_REQUIRE_SCHEMATHESIS=1`, so there the
//! test cannot skip; elsewhere it says SKIPPED when the tool is missing.

mod common;

use common::{rapport, run};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn schemathesis_available() -> bool {
    Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn schemathesis_finds_no_server_error_and_no_schema_break() {
    if !schemathesis_available() {
        assert!(
            std::env::var_os("RAPPORT_REQUIRE_SCHEMATHESIS").is_none(),
            "RAPPORT_REQUIRE_SCHEMATHESIS is set but `schemathesis` is not on PATH"
        );
        eprintln!(
            "SKIPPED: schemathesis is not installed (`pip install schemathesis`), so the API \
             was not checked against its OpenAPI document"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A day of simulated posts: mentions, inbox items and rollups for the API to return.
    let (ok, _, err) = run(rapport(&data).args([
        "demo",
        "--backfill-only",
        "--backfill-days",
        "1",
        "--rate",
        "3000",
    ]));
    assert!(ok, "demo backfill: {err}");
    let (ok, out, err) = run(rapport(&data).args([
        "token",
        "create",
        "--workspace",
        "1",
        "--role",
        "admin",
        "--name",
        "schemathesis",
    ]));
    assert!(ok, "token: {err}");
    let token = out
        .lines()
        .find(|line| line.starts_with("rpt_"))
        .expect("the token is printed")
        .to_string();

    let mut child = rapport(&data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let output = Command::new("schemathesis")
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--max-examples",
            "30",
            "--seed",
            "20261123",
            "--wait-for-schema",
            "15",
            "--request-timeout",
            "10",
            // The event stream never ends by design; its own test reads it.
            "--exclude-path-regex",
            "/events$",
        ])
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let summary: String = text
        .lines()
        .skip_while(|line| !line.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("passed"),
        "schemathesis ran no test cases:\n{text}"
    );
}
