//! `rapport alerts add --email` and `rapport report weekly --email` against a real SMTP
//! server on loopback: a minimal blocking sink written here that speaks the server side of
//! RFC 5321 (220, EHLO, MAIL, RCPT, DATA ending in `<CRLF>.<CRLF>`, QUIT;
//! https://www.rfc-editor.org/rfc/rfc5321), with the relay set by `RAPPORT_SMTP_*`.

mod common;

use common::{rapport, run};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// Each accepted message's recipients and data.
type Messages = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// Accepts SMTP sessions on a loopback port.
fn sink() -> (u16, Messages) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Messages = Arc::default();
    let shared = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut out) = stream else { return };
            let Ok(input) = out.try_clone() else { return };
            let mut lines = BufReader::new(input);
            let _ = out.write_all(b"220 sink.test ESMTP\r\n");
            let mut to = Vec::new();
            loop {
                let mut line = String::new();
                if lines.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let upper = line.to_ascii_uppercase();
                if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    let _ = out.write_all(b"250-sink.test\r\n250 8BITMIME\r\n");
                } else if upper.starts_with("RCPT") {
                    to.push(line[8..].trim().to_string());
                    let _ = out.write_all(b"250 OK\r\n");
                } else if upper.starts_with("DATA") {
                    let _ = out.write_all(b"354 go on\r\n");
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if lines.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    shared.lock().unwrap().push((std::mem::take(&mut to), data));
                    let _ = out.write_all(b"250 queued\r\n");
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    let _ = out.write_all(b"250 OK\r\n");
                }
            }
        }
    });
    (port, got)
}

#[test]
fn the_weekly_report_is_emailed_now_and_alert_rules_take_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (ok, _, err) = run(rapport(data).args(["workspace", "add", "Acme <b>"]));
    assert!(ok, "{err}");
    let (ok, out, err) = run(rapport(data).args([
        "alerts",
        "add",
        "--workspace",
        "Acme <b>",
        "--kind",
        "volume",
        "--email",
        "ops@example.org",
        "--digest",
        "daily",
    ]));
    assert!(ok, "{out} {err}");
    let (ok, listed, err) = run(rapport(data).args(["alerts", "list"]));
    assert!(ok, "{err}");
    assert!(
        listed.contains("e-mail to ops@example.org, daily digest"),
        "{listed}"
    );
    let (ok, _, err) = run(rapport(data).args([
        "alerts",
        "add",
        "--workspace",
        "Acme <b>",
        "--kind",
        "volume",
    ]));
    assert!(!ok, "a rule needs a webhook or recipients");
    assert!(err.contains("--webhook"), "{err}");

    // No relay configured: refused with what to set.
    let (ok, _, err) = run(rapport(data).args([
        "report",
        "weekly",
        "--workspace",
        "Acme <b>",
        "--week",
        "2026-W10",
        "--email",
        "boss@example.org",
    ]));
    assert!(!ok);
    assert!(err.contains("RAPPORT_SMTP_HOST"), "{err}");

    let (port, got) = sink();
    let (ok, out, err) = run(rapport(data)
        .env("RAPPORT_SMTP_HOST", "127.0.0.1")
        .env("RAPPORT_SMTP_PORT", port.to_string())
        .env("RAPPORT_SMTP_SECURITY", "plain")
        .env("RAPPORT_SMTP_FROM", "rapport <reports@rapport.test>")
        .env("RAPPORT_SMTP_PASSWORD", "never-printed-pw")
        .args([
            "report",
            "weekly",
            "--workspace",
            "Acme <b>",
            "--week",
            "2026-W10",
            "--email",
            "boss@example.org",
            "--email",
            "Ana <ana@example.org>",
        ]));
    assert!(ok, "{out} {err}");
    assert!(out.contains("e-mailed the weekly report"), "{out}");
    assert!(!out.contains("never-printed-pw") && !err.contains("never-printed-pw"));
    assert!(!data.join("report.html").exists(), "no file without --out");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, vec!["<boss@example.org>", "<ana@example.org>"]);
    let data = &got[0].1;
    assert!(
        data.contains("Subject: [rapport] Weekly report - Acme <b> - 2026-W10"),
        "{data}"
    );
    assert!(data.contains("Content-Type: text/html"), "{data}");
}

#[test]
fn the_weekly_report_is_written_as_pdf_or_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (ok, _, err) = run(rapport(data).args(["workspace", "add", "Acme"]));
    assert!(ok, "{err}");
    // Without a browser: refused, naming what to install.
    let pdf = data.join("report.pdf");
    let (ok, _, err) = run(rapport(data)
        .env("RAPPORT_CHROMIUM", "/nonexistent/chromium")
        .args([
            "report",
            "weekly",
            "--workspace",
            "Acme",
            "--week",
            "2026-W10",
            "--pdf",
        ])
        .arg(&pdf));
    assert!(!ok);
    assert!(err.contains("apt-get install chromium"), "{err}");
    assert!(err.contains("/nonexistent/chromium"), "{err}");
    assert!(!pdf.exists());
    if !std::path::Path::new("/usr/bin/chromium").exists() {
        eprintln!("SKIPPED: /usr/bin/chromium is absent, so no PDF can be printed");
        return;
    }
    let (ok, out, err) = run(rapport(data)
        .env_remove("RAPPORT_CHROMIUM")
        .args([
            "report",
            "weekly",
            "--workspace",
            "Acme",
            "--week",
            "2026-W10",
            "--pdf",
        ])
        .arg(&pdf));
    assert!(ok, "{out} {err}");
    assert!(out.contains("as PDF to"), "{out}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/Type /Pages") && text.contains("/Count "));
    // --pdf alone writes no HTML file.
    assert!(!data.join("report.html").exists());
}
