//! `rapport user` and `rapport token` from the command line, then over HTTP against the
//! real server (`rapport serve`) with what they printed.

mod common;

use common::{rapport, run};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

/// Kills the server even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn printed_password(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .expect("a password is printed")
        .trim()
        .to_string()
}

#[tokio::test]
async fn a_user_added_on_the_command_line_logs_in_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A workspace to give roles in (the demo's, stored without serving).
    let (ok, _, stderr) = run(rapport(&data).args([
        "demo",
        "--backfill-only",
        "--backfill-days",
        "0",
        "--rate",
        "1000",
    ]));
    assert!(ok, "{stderr}");

    let (ok, stdout, stderr) = run(rapport(&data).args([
        "user",
        "add",
        "Ann@Example.com",
        "--workspace",
        "1",
        "--role",
        "manager",
    ]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("created user ann@example.com"), "{stdout}");
    assert!(stdout.contains("manager of workspace 1"), "{stdout}");
    let password = printed_password(&stdout);
    assert_eq!(password.len(), 23);

    // A chosen password on standard input; too short is refused.
    let mut child = rapport(&data)
        .args([
            "user",
            "add",
            "bob@example.com",
            "--admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));

    let (ok, _, stderr) = run(rapport(&data).args(["user", "add", "ann@example.com"]));
    assert!(!ok && stderr.contains("already exists"), "{stderr}");

    let (ok, stdout, _) = run(rapport(&data).args(["user", "list"]));
    assert!(ok);
    assert!(stdout.contains("ann@example.com\t-\t1:manager"), "{stdout}");
    assert!(
        stdout.contains("admin@demo.local\tinstance-admin"),
        "{stdout}"
    );

    let (ok, token, stderr) = run(rapport(&data).args([
        "token",
        "create",
        "--workspace",
        "1",
        "--role",
        "viewer",
        "--name",
        "ci",
    ]));
    assert!(ok, "{stderr}");
    let token = token.trim().to_string();
    assert!(token.starts_with("rpt_") && token.len() == 68, "{token}");

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
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let client = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |password: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("email=ann%40example.com&password={password}"))
                .send()
                .await
                .unwrap()
        }
    };
    let response = login(password.clone()).await;
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    let pair = cookie.split(';').next().unwrap().to_string();
    let counts = client
        .get(format!("{base}/api/v1/workspaces/1/preview?q=acme"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(counts.status(), 200, "a manager may preview");

    // The token reads; it may not preview (viewer).
    let response = client
        .get(format!("{base}/api/v1/workspaces/1/counts"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // A new password ends the old sessions and replaces the old password.
    let (ok, stdout, stderr) = run(rapport(&data).args(["user", "passwd", "ann@example.com"]));
    assert!(ok, "{stderr}");
    let new_password = printed_password(&stdout);
    let response = client
        .get(format!("{base}/api/v1/stats"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(login(password).await.status(), 401);
    assert_eq!(login(new_password).await.status(), 303);
}

#[test]
fn serving_beyond_loopback_needs_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) =
        run(rapport(&dir.path().join("data")).args(["serve", "--addr", "0.0.0.0:0"]));
    assert!(!ok);
    assert!(stderr.contains("without any user"), "{stderr}");
    assert!(stderr.contains("rapport user add"), "{stderr}");
}
