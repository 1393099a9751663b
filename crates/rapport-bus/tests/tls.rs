//! The ingest log over TLS, with a password and with client certificates, against real
//! `nats-server`s started here with a CA and certificates made for the test (rcgen).
//! Checks that the log works end to end over TLS, that a server certificate from an
//! unknown CA, a wrong password and a missing client certificate are each refused, and
//! that no error message ever shows the password.
//!
//! Without `nats-server` on the PATH the test says SKIPPED and passes, unless
//! `RAPPORT_REQUIRE_NATS=1`.

use rapport_bus::{IngestLog, JetStreamConfig, JetStreamLog, NatsSecurity};
use rapport_model::{Author, Network, Post};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "hunter2-not-for-logs";

/// A server, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn nats_server_installed() -> bool {
    if Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var("RAPPORT_REQUIRE_NATS").as_deref() != Ok("1"),
        "RAPPORT_REQUIRE_NATS=1 but nats-server is not on the PATH"
    );
    eprintln!("SKIPPED: nats-server is not installed: the TLS tests did not run");
    false
}

/// The PEM files of a test PKI: a CA, a server certificate for 127.0.0.1 and localhost,
/// a client certificate, and a second CA that signed nothing here.
struct Pki {
    ca: PathBuf,
    other_ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn write(dir: &Path, name: &str, pem: String) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).expect("PEM written");
    path
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("CA")
}

fn pki(dir: &Path) -> Pki {
    let authority = ca("rapport test CA");
    let other = ca("somebody else's CA");
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().expect("a key");
        let params = CertificateParams::new(names).expect("leaf params");
        let cert = params.signed_by(&key, &authority).expect("signed");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["127.0.0.1".into(), "localhost".into()]);
    let (client_cert, client_key) = leaf(vec!["rapport-worker".into()]);
    Pki {
        ca: write(dir, "ca.pem", authority.pem()),
        other_ca: write(dir, "other-ca.pem", other.pem()),
        server_cert: write(dir, "server.pem", server_cert),
        server_key: write(dir, "server-key.pem", server_key),
        client_cert: write(dir, "client.pem", client_cert),
        client_key: write(dir, "client-key.pem", client_key),
    }
}

/// Starts a JetStream server that requires TLS and a password, or client certificates
/// when `verify_clients`.
fn server(dir: &Path, pki: &Pki, verify_clients: bool) -> (Server, u16) {
    let port = free_port();
    let mut command = Command::new("nats-server");
    command
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir.join(format!("store-{port}")))
        .arg("--tls")
        .arg("--tlscert")
        .arg(&pki.server_cert)
        .arg("--tlskey")
        .arg(&pki.server_key);
    if verify_clients {
        command.arg("--tlsverify").arg("--tlscacert").arg(&pki.ca);
    } else {
        command.args(["--user", "rapport", "--pass", PASSWORD]);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server starts");
    // Wait for the port to answer.
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nats-server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), port)
}

fn post(i: usize) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: format!("tls{i}"),
        url: None,
        author: Author::new(format!("user{i}")),
        title: None,
        text: format!("a post sent over TLS {i}"),
        language: Some("en".into()),
        created_at: chrono::Utc::now(),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Default::default(),
    }
}

async fn connect(url: String, security: NatsSecurity) -> Result<JetStreamLog, String> {
    let mut config = JetStreamConfig::with_prefix(url, "tls");
    config.security = security;
    tokio::time::timeout(Duration::from_secs(30), JetStreamLog::connect(config))
        .await
        .expect("connect answers within 30 s")
        .map_err(|e| e.to_string())
}

async fn round_trip(log: &JetStreamLog) {
    let posts: Vec<Post> = (0..5).map(post).collect();
    let report = log.publish(&posts).await.expect("published over TLS");
    assert_eq!(report.accepted, 5);
    let mut seen = 0;
    let started = Instant::now();
    while seen < 5 && started.elapsed() < Duration::from_secs(20) {
        let delivery = log
            .fetch(10, Duration::from_millis(500))
            .await
            .expect("fetched over TLS");
        seen += delivery.posts.len();
        delivery.ack().await.expect("acknowledged");
    }
    assert_eq!(seen, 5, "every post came back over TLS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_password_works_and_refuses_what_it_should() {
    if !nats_server_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pki = pki(dir.path());
    let (_server, port) = server(dir.path(), &pki, false);
    let trusted = NatsSecurity {
        ca_file: Some(pki.ca.clone()),
        ..Default::default()
    };

    let url = format!("tls://rapport:{PASSWORD}@127.0.0.1:{port}");
    let log = connect(url.clone(), trusted.clone())
        .await
        .expect("TLS with the right CA and password connects");
    round_trip(&log).await;
    assert!(
        !format!("{:?}", log.config()).contains(PASSWORD),
        "Debug shows the password"
    );

    // A certificate from a CA nobody said to trust.
    let untrusted = NatsSecurity {
        ca_file: Some(pki.other_ca.clone()),
        ..Default::default()
    };
    let error = connect(url.clone(), untrusted).await.unwrap_err();
    assert!(
        !error.contains(PASSWORD),
        "the error shows the password: {error}"
    );
    assert!(
        error.contains("127.0.0.1"),
        "the error names the server: {error}"
    );

    // The right CA, a wrong password.
    let wrong = format!("tls://rapport:not-{PASSWORD}@127.0.0.1:{port}");
    let error = connect(wrong, trusted.clone()).await.unwrap_err();
    assert!(
        !error.contains(PASSWORD),
        "the error shows the password: {error}"
    );
    assert!(
        error.to_ascii_lowercase().contains("auth"),
        "the error says it is about authorization: {error}"
    );

    // A plain nats:// URL: the server requires TLS, so the client upgrades and the CA still
    // decides. With require_tls and the right CA it connects.
    let plain = format!("nats://rapport:{PASSWORD}@127.0.0.1:{port}");
    let required = NatsSecurity {
        require_tls: true,
        ..trusted
    };
    connect(plain, required)
        .await
        .expect("require_tls with a TLS server connects");

    // A file that is not there is named before any connection is tried.
    let missing = NatsSecurity {
        ca_file: Some(dir.path().join("nope.pem")),
        ..Default::default()
    };
    let error = connect(url, missing).await.unwrap_err();
    assert!(error.contains("nope.pem"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_verifies_clients_wants_a_certificate() {
    if !nats_server_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pki = pki(dir.path());
    let (_server, port) = server(dir.path(), &pki, true);
    let url = format!("tls://127.0.0.1:{port}");

    let with_cert = NatsSecurity {
        ca_file: Some(pki.ca.clone()),
        client_cert: Some(pki.client_cert.clone()),
        client_key: Some(pki.client_key.clone()),
        ..Default::default()
    };
    let log = connect(url.clone(), with_cert)
        .await
        .expect("mutual TLS connects");
    round_trip(&log).await;

    let without = NatsSecurity {
        ca_file: Some(pki.ca.clone()),
        ..Default::default()
    };
    connect(url, without)
        .await
        .expect_err("no client certificate, no connection");
}
