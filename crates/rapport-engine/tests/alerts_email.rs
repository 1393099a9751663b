//! Alert e-mail and digests against a real SMTP server on loopback: a minimal sink written
//! here that speaks the server side of RFC 5321 (220 greeting, EHLO, MAIL FROM, RCPT TO,
//! DATA ending in `<CRLF>.<CRLF>`, RSET, NOOP, QUIT; https://www.rfc-editor.org/rfc/rfc5321),
//! driven by lettre's real client. It can refuse its first connections with `421` (RFC
//! 5321 §3.8: service not available, the client may retry).

use axum::extract::State;
use axum::routing;
use axum::{Json, Router};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_engine::alerts::email::{Mailer, SmtpSecurity, SmtpSettings};
use rapport_engine::alerts::notify::{Notifier, NotifierConfig};
use rapport_engine::alerts::{AlertRunner, DetectorConfig};
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post};
use rapport_sources::http::SafetyPolicy;
use rapport_store::alerts::{DeliveryStatus, DigestPeriod, NewAlert, NewAlertRule};
use rapport_store::{AlertStore, SecretKey, SqliteOptions, SqliteStore, Store};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message the sink accepted.
#[derive(Debug, Clone, Default)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// The SMTP sink: what it accepted, its port, how many connections it saw.
#[derive(Clone)]
struct Sink {
    messages: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    port: u16,
}

impl Sink {
    /// Starts a sink that answers its first `refuse_first` connections with `421` and
    /// closes them.
    async fn start(refuse_first: usize) -> Sink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Sink {
            messages: Arc::default(),
            connections: Arc::default(),
            port: listener.local_addr().unwrap().port(),
        };
        let shared = sink.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let n = shared.connections.fetch_add(1, Ordering::SeqCst);
                let messages = shared.messages.clone();
                tokio::spawn(async move {
                    let _ = session(socket, n < refuse_first, messages).await;
                });
            }
        });
        sink
    }

    fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    fn mailer(&self, attempts: u32) -> Mailer {
        Mailer::new(
            &SmtpSettings {
                host: "127.0.0.1".into(),
                port: Some(self.port),
                security: SmtpSecurity::Plain,
                username: None,
                password: None,
                from: "rapport <alerts@rapport.test>".into(),
                hello_name: Some("rapport.test".into()),
                timeout: std::time::Duration::from_secs(5),
            },
            NotifierConfig {
                attempts,
                first_backoff: std::time::Duration::from_millis(20),
                timeout: std::time::Duration::from_secs(5),
            },
        )
        .unwrap()
    }
}

/// The server side of one SMTP session.
async fn session(
    socket: tokio::net::TcpStream,
    refuse: bool,
    messages: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    if refuse {
        write
            .write_all(b"421 sink.test Service not available, try again\r\n")
            .await?;
        return Ok(());
    }
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut lines = BufReader::new(read);
    let mut current = Received::default();
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                write
                    .write_all(b"250-sink.test greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?
            }
            "MAIL" => {
                current = Received {
                    from: command[10..].trim().to_string(),
                    ..Received::default()
                };
                write.write_all(b"250 OK\r\n").await?
            }
            "RCPT" => {
                current.to.push(command[8..].trim().to_string());
                write.write_all(b"250 OK\r\n").await?
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                current.data = data;
                messages.lock().unwrap().push(current.clone());
                write.write_all(b"250 OK queued\r\n").await?
            }
            "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"502 not implemented\r\n").await?,
        }
    }
}

/// Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX`.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..(i + 3).min(joined.len())], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded body of the part whose Content-Type starts with `content_type`.
fn part(data: &str, content_type: &str) -> String {
    let at = data
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or_else(|| panic!("no {content_type} part in {data}"));
    let rest = &data[at..];
    let body_at = rest.find("\r\n\r\n").unwrap() + 4;
    let headers = &rest[..body_at];
    let body = &rest[body_at..];
    let body = &body[..body.find("\r\n--").unwrap_or(body.len())];
    if headers.contains("quoted-printable") {
        unquote(body)
    } else {
        body.to_string()
    }
}

fn header<'a>(data: &'a str, name: &str) -> &'a str {
    data.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {data}"))
}

fn post(id: usize, at: DateTime<Utc>, handle: &str, text: &str) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: format!("p{id}"),
        url: None,
        author: Author {
            handle: handle.into(),
            display_name: None,
            followers: Some(10),
        },
        title: None,
        text: text.into(),
        language: Some("en".into()),
        created_at: at,
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

type Hooks = Arc<Mutex<Vec<Value>>>;

async fn receive(State(hooks): State<Hooks>, Json(body): Json<Value>) {
    hooks.lock().unwrap().push(body);
}

async fn hook_receiver() -> (Hooks, String) {
    let hooks: Hooks = Arc::default();
    let app = Router::new()
        .route("/hook", routing::post(receive))
        .with_state(hooks.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (hooks, format!("http://127.0.0.1:{port}/hook"))
}

struct Setup {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    runner: AlertRunner,
    workspace: rapport_model::Workspace,
    monitor: rapport_model::Monitor,
}

async fn setup(mailer: Mailer) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let workspace = store.create_workspace("Orvella & Co").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: workspace.id,
            name: "Orvella".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    let key = SecretKey::generate().unwrap();
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    let runner = AlertRunner::new(
        shared,
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        key,
        Notifier::new(policy, NotifierConfig::default()).unwrap(),
        DetectorConfig::default(),
    )
    .with_mailer(mailer);
    Setup {
        _dir: dir,
        store,
        runner,
        workspace,
        monitor,
    }
}

fn rule(s: &Setup, webhook: &str, email_to: &[&str], digest: Option<DigestPeriod>) -> NewAlertRule {
    NewAlertRule {
        workspace_id: s.workspace.id,
        monitor_id: Some(s.monitor.id),
        kind: "query".into(),
        thresholds: json!({"kind": "query_match", "query": "refund*"}),
        webhook_url: webhook.into(),
        webhook_format: "generic".into(),
        webhook_secret: None,
        cooldown_minutes: 60,
        email_to: email_to.iter().map(|s| s.to_string()).collect(),
        digest,
    }
}

#[tokio::test]
async fn an_alert_is_emailed_to_its_recipients_with_ingested_text_escaped() {
    let sink = Sink::start(0).await;
    let s = setup(sink.mailer(3)).await;
    let key = SecretKey::generate().unwrap();
    let rule = s
        .store
        .add_alert_rule(
            rule(
                &s,
                "",
                &["ops@example.org", "Ana Lima <ana@example.org>"],
                None,
            ),
            &key,
        )
        .await
        .unwrap();
    let hour = Utc.with_ymd_and_hms(2026, 3, 30, 14, 0, 0).unwrap();
    let ingestor = Ingestor::new(Arc::new(s.store.clone())).await.unwrap();
    ingestor
        .ingest(vec![post(
            1,
            hour + Duration::minutes(7),
            "evil<script>alert(1)</script>",
            "orvella: I want a refund <b>now</b> & fast",
        )])
        .await
        .unwrap();
    let report = s.runner.run_hour(hour).await.unwrap();
    assert_eq!(report.fired.len(), 1, "{report:?}");
    assert_eq!(report.emailed, 1, "{report:?}");
    assert_eq!(report.delivered, 0, "no webhook on this rule");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.from, "<alerts@rapport.test>");
    assert_eq!(m.to, vec!["<ops@example.org>", "<ana@example.org>"]);
    assert_eq!(
        header(&m.data, "Subject"),
        "[rapport] query alert on Orvella in Orvella & Co"
    );
    assert!(header(&m.data, "To").contains("ana@example.org"));
    let html = part(&m.data, "text/html");
    assert!(
        html.contains("@evil&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("Orvella &amp; Co"), "{html}");
    let text = part(&m.data, "text/plain");
    assert!(text.contains("@evil<script>alert(1)</script>"), "{text}");
    let stored = s.store.alerts(rule.id, 5).await.unwrap();
    let email = stored[0].email_delivery.clone().unwrap();
    assert_eq!(email.status, DeliveryStatus::Delivered);
    assert_eq!(email.attempts, 1);
    assert!(stored[0].delivery.is_none());

    // Another hour inside the cooldown: recorded, not e-mailed.
    ingestor
        .ingest(vec![post(
            2,
            hour + Duration::minutes(70),
            "someone",
            "orvella refund please",
        )])
        .await
        .unwrap();
    let next = s.runner.run_hour(hour + Duration::hours(1)).await.unwrap();
    assert_eq!(next.fired.len(), 1);
    assert_eq!(next.suppressed, 1, "{next:?}");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_relay_that_refuses_at_first_is_retried_and_a_dead_one_is_recorded() {
    let sink = Sink::start(2).await;
    let mailer = sink.mailer(3);
    let email = rapport_engine::alerts::email::Email {
        to: vec!["ops@example.org".into()],
        subject: "hello".into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
    };
    let outcome = mailer.send(&email).await;
    assert_eq!(outcome.error, None, "{outcome:?}");
    assert_eq!(outcome.attempts, 3);
    assert!(
        outcome.last_error.as_deref().unwrap().contains("421"),
        "{outcome:?}"
    );
    assert_eq!(sink.connections.load(Ordering::SeqCst), 3);
    assert_eq!(sink.messages().len(), 1);

    // Nobody listening: every attempt fails and the error names the relay.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = Sink {
        messages: Arc::default(),
        connections: Arc::default(),
        port: closed,
    }
    .mailer(2);
    let outcome = dead.send(&email).await;
    assert_eq!(outcome.attempts, 2);
    let error = outcome.error.unwrap();
    assert!(error.contains(&format!("127.0.0.1:{closed}")), "{error}");
}

#[tokio::test]
async fn a_digest_rule_sends_one_email_and_one_webhook_per_period() {
    let sink = Sink::start(0).await;
    let (hooks, hook) = hook_receiver().await;
    let s = setup(sink.mailer(3)).await;
    let key = SecretKey::generate().unwrap();
    let rule = s
        .store
        .add_alert_rule(
            rule(&s, &hook, &["ops@example.org"], Some(DigestPeriod::Daily)),
            &key,
        )
        .await
        .unwrap();
    let day = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    // Through the runner: the firing is held for the digest, nothing is sent.
    let ingestor = Ingestor::new(Arc::new(s.store.clone())).await.unwrap();
    ingestor
        .ingest(vec![post(
            1,
            day + Duration::hours(9) + Duration::minutes(3),
            "<i>ana</i>",
            "orvella refund?",
        )])
        .await
        .unwrap();
    let report = s.runner.run_hour(day + Duration::hours(9)).await.unwrap();
    assert_eq!(report.fired.len(), 1);
    assert_eq!(report.held_for_digest, 1);
    assert!(sink.messages().is_empty());
    assert!(hooks.lock().unwrap().is_empty());
    for h in [13, 22] {
        s.store
            .record_alert(NewAlert {
                rule_id: rule.id,
                hour: day + Duration::hours(h),
                sentence: format!("Orvella: spike at {h}h"),
                observed: 40,
                expected: 2.0,
                z: 9.0,
                p: 1e-9,
            })
            .await
            .unwrap()
            .unwrap();
    }
    // The next day's alert belongs to the next digest.
    s.store
        .record_alert(NewAlert {
            rule_id: rule.id,
            hour: day + Duration::hours(25),
            sentence: "tomorrow".into(),
            observed: 1,
            expected: 0.0,
            z: 0.0,
            p: 1.0,
        })
        .await
        .unwrap()
        .unwrap();
    // During the day nothing is due: the last complete period is the day before.
    assert_eq!(
        s.runner
            .run_digests(day + Duration::hours(23))
            .await
            .unwrap(),
        0
    );
    let sent = s
        .runner
        .run_digests(day + Duration::days(1) + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        header(&messages[0].data, "Subject"),
        "[rapport] daily query digest in Orvella & Co: 3 alert(s)"
    );
    let html = part(&messages[0].data, "text/html");
    assert!(html.contains("@&lt;i&gt;ana&lt;/i&gt;"), "{html}");
    assert!(html.contains("spike at 13h") && html.contains("spike at 22h"));
    assert!(!html.contains("tomorrow"));
    let hooks_got = hooks.lock().unwrap().clone();
    assert_eq!(hooks_got.len(), 1);
    assert_eq!(hooks_got[0]["digest"], "daily");
    assert_eq!(hooks_got[0]["alerts"].as_array().unwrap().len(), 3);
    assert_eq!(hooks_got[0]["workspace"], "Orvella & Co");
    // Once per period, however often it runs.
    assert_eq!(
        s.runner
            .run_digests(day + Duration::days(1) + Duration::minutes(50))
            .await
            .unwrap(),
        0
    );
    assert_eq!(sink.messages().len(), 1);
    // The run during the day settled the day before, empty: claimed, nothing sent.
    let digests = s.store.digests(rule.id, 5).await.unwrap();
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[0].period_start, day);
    let empty = digests[1].outcome.clone().unwrap();
    assert_eq!(digests[1].period_start, day - Duration::days(1));
    assert_eq!((empty.alerts, empty.email, empty.webhook), (0, None, None));
    let outcome = digests[0].outcome.clone().unwrap();
    assert_eq!(outcome.alerts, 3);
    assert_eq!(outcome.email, Some(DeliveryStatus::Delivered));
    assert_eq!(outcome.webhook, Some(DeliveryStatus::Delivered));
}
