//! The weekly report by e-mail, against a real SMTP server on loopback (a minimal sink
//! speaking the server side of RFC 5321: https://www.rfc-editor.org/rfc/rfc5321), driven by
//! lettre's real client: due at the schedule's local weekday and hour, sent once across
//! processes, the workspace's name escaped, the charts inline SVG.

use chrono::{Duration, TimeZone, Utc};
use rapport_engine::alerts::email::{Mailer, SmtpSecurity, SmtpSettings};
use rapport_engine::alerts::notify::NotifierConfig;
use rapport_engine::Ingestor;
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post};
use rapport_store::alerts::DeliveryStatus;
use rapport_store::reports::ReportSchedule;
use rapport_store::{ReportStore, SqliteOptions, SqliteStore, Store};
use rapport_web::report_mail::ReportMailer;
use rapport_web::routes::reports::IsoWeek;
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

fn mailer_for(store: &SqliteStore, mailer: Mailer) -> ReportMailer {
    let s = Arc::new(store.clone());
    ReportMailer::new(s.clone(), s.clone(), s.clone(), s, mailer)
}

#[tokio::test]
async fn the_weekly_report_is_emailed_once_at_the_local_hour() {
    let sink = Sink::start(1).await;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Acme <b>& co</b>").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Acme".into(),
            kind: MonitorKind::Brand,
            query: "acme".into(),
        })
        .await
        .unwrap();
    // Week 2026-W10 (Monday 2 March): a few mentions, one of them hostile markup.
    let monday = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let posts: Vec<Post> = (0..6)
        .map(|i| Post {
            network: Network::Mastodon,
            native_id: format!("w10-{i}"),
            url: None,
            author: Author::new(format!("fan{i}")),
            title: None,
            text: if i == 0 {
                "acme <script>alert(1)</script> is great".into()
            } else {
                "acme battery is great".into()
            },
            language: Some("en".into()),
            created_at: monday + Duration::hours(i * 20),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        })
        .collect();
    Ingestor::new(Arc::new(store.clone()))
        .await
        .unwrap()
        .ingest(posts)
        .await
        .unwrap();
    store
        .set_report_schedule(ReportSchedule {
            workspace_id: ws.id,
            recipients: vec!["boss@example.org".into(), "Ana <ana@example.org>".into()],
            weekday: 0,
            hour: 9,
            time_zone: "Europe/Paris".into(),
            enabled: true,
        })
        .await
        .unwrap();
    let one = mailer_for(&store, sink.mailer(3));
    let other = mailer_for(&store, sink.mailer(3));
    // Monday 9 March, 08:30 in Paris: not yet.
    let early = Utc.with_ymd_and_hms(2026, 3, 9, 7, 30, 0).unwrap();
    assert!(one.run_due(early).await.unwrap().is_empty());
    // 09:05 in Paris: due; two processes, one message (the relay refused the first try).
    let due = Utc.with_ymd_and_hms(2026, 3, 9, 8, 5, 0).unwrap();
    let (a, b) = tokio::join!(one.run_due(due), other.run_due(due));
    let sent: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].week, "2026-W10");
    assert_eq!(sent[0].delivery.status, DeliveryStatus::Delivered);
    assert_eq!(
        sent[0].delivery.attempts, 2,
        "the first refusal was retried"
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.from, "<alerts@rapport.test>");
    assert_eq!(m.to, vec!["<boss@example.org>", "<ana@example.org>"]);
    assert_eq!(
        header(&m.data, "Subject"),
        "[rapport] Weekly report - Acme <b>& co</b> - 2026-W10"
    );
    let html = part(&m.data, "text/html");
    assert!(html.contains("<svg"), "the charts are inline SVG");
    assert!(html.contains("Acme &lt;b&gt;&amp; co&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<b>& co"), "{html}");
    // Later that week, and from either process: nothing more.
    let later = due + Duration::days(2);
    assert!(one.run_due(later).await.unwrap().is_empty());
    assert!(other.run_due(later).await.unwrap().is_empty());
    assert_eq!(sink.messages().len(), 1);
    let sends = store.report_sends(ws.id, 5).await.unwrap();
    assert_eq!(sends.len(), 1);
    // The next week brings the next report.
    let next = one.run_due(due + Duration::days(7)).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].week, "2026-W11");
    // Send-now (`rapport report weekly --email`): no claim, sent at once.
    let week = IsoWeek::parse("2026-W10").unwrap();
    let outcome = one
        .send_now(
            &ws,
            week,
            chrono_tz::Tz::UTC,
            &["now@example.org".to_string()],
        )
        .await
        .unwrap();
    assert_eq!(outcome.error, None);
    assert_eq!(sink.messages().len(), 3);
    assert_eq!(sink.messages()[2].to, vec!["<now@example.org>"]);
}
