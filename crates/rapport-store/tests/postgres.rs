//! What only the PostgreSQL store has: its migrations table, several processes migrating
//! at once, and the byte cost per million posts (an ignored measurement, run by hand).
//! Everything both backends share is in the conformance suite (`tests/conformance`).
//!
//! Skipped (with `SKIPPED: ...` on stderr) when PostgreSQL cannot be reached, unless
//! `RAPPORT_REQUIRE_POSTGRES=1`.

use rapport_model::{Analysis, Intent, MonitorKind, NewMonitor, SentimentLabel, SentimentScores};
use rapport_store::{
    IngestItem, NewSource, PostgresOptions, PostgresStore, SecretKey, SourceLeases, SourceStore,
    SqliteOptions, SqliteStore, Store, StoreError, POSTGRES_SCHEMA_VERSION,
};
use std::time::{Duration, Instant};

fn url() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn options(schema: &str) -> PostgresOptions {
    PostgresOptions {
        schema: Some(schema.to_string()),
        pool_size: 4,
        connect_timeout: Duration::from_secs(3),
        ..PostgresOptions::default()
    }
}

/// A raw connection, or `None` (after saying why) when the server is not reachable and
/// not required.
async fn raw() -> Option<tokio_postgres::Client> {
    match tokio_postgres::connect(&url(), tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) if std::env::var("RAPPORT_REQUIRE_POSTGRES").as_deref() != Ok("1") => {
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at RAPPORT_TEST_POSTGRES or its default: {e}"
            );
            None
        }
        Err(e) => panic!("PostgreSQL is required but not reachable: {e}"),
    }
}

/// Drops the schema when the test ends, passed or not.
struct DropSchema(String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        let schema = self.0.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    if let Ok((client, connection)) =
                        tokio_postgres::connect(&url(), tokio_postgres::NoTls).await
                    {
                        tokio::spawn(connection);
                        let _ = client
                            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await;
                    }
                })
        })
        .join();
    }
}

fn schema(name: &str) -> (String, DropSchema) {
    let schema = format!("rapport_pgonly_{name}_{}", std::process::id());
    (schema.clone(), DropSchema(schema))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_recorded_and_several_processes_may_start_at_once() {
    let Some(client) = raw().await else { return };
    let (schema, _guard) = schema("migrate");
    // Four "processes" start together on an empty schema: one migrates, the others wait.
    let starts = (0..4).map(|_| {
        let schema = schema.clone();
        tokio::spawn(async move { PostgresStore::connect(&url(), options(&schema)).await })
    });
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().unwrap());
    }
    let versions: Vec<i32> = client
        .query(
            &format!("SELECT version FROM {schema}.rapport_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions.first(), Some(&1));
    assert_eq!(versions.last(), Some(&POSTGRES_SCHEMA_VERSION));
    // A database migrated before a lower-numbered migration was added (a gap filled by a
    // later merge) gets it on the next start.
    client
        .batch_execute(&format!(
            "DELETE FROM {schema}.rapport_migrations WHERE version = 8; \
             DROP TABLE {schema}.source_leases;"
        ))
        .await
        .unwrap();
    drop(
        PostgresStore::connect(&url(), options(&schema))
            .await
            .unwrap(),
    );
    let count: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {schema}.rapport_migrations"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(count as usize, versions.len());
    // A restart finds nothing to do and keeps the data.
    stores[0].create_workspace("kept").await.unwrap();
    drop(stores);
    let again = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    assert_eq!(again.workspaces().await.unwrap().len(), 1);
    assert_eq!(again.schema(), Some(schema.as_str()));
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    // Nothing listens on port 9 of loopback.
    let err = PostgresStore::connect(
        "postgres://rapport:pa55word@127.0.0.1:9/rapport",
        PostgresOptions {
            connect_timeout: Duration::from_secs(2),
            ..PostgresOptions::default()
        },
    )
    .await
    .err()
    .expect("refused");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Connect { .. }), "{text}");
    assert!(text.contains("rapport@127.0.0.1:9/rapport"), "{text}");
    assert!(!text.contains("pa55word"), "{text}");
}

/// Simulated posts, each matched by one or two monitors and analysed.
fn simulated(count: usize, monitors: &[rapport_model::MonitorId]) -> Vec<IngestItem> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let config = rapport_sim::SimConfig::demo(7, start, chrono::Duration::days(365));
    let simulator = rapport_sim::Simulator::new(config).unwrap();
    let sentiments = [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ];
    simulator
        .take(count)
        .enumerate()
        .map(|(i, sim)| IngestItem {
            post: sim.post,
            monitors: monitors[..1 + i % monitors.len().min(2)].to_vec(),
            analysis: Some(Analysis {
                sentiment: sentiments[i % 3],
                scores: SentimentScores::default(),
                intent: Intent::ALL[i % Intent::ALL.len()],
                fingerprint: (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            }),
            triage: None,
        })
        .collect()
}

/// Rows and bytes per million posts in PostgreSQL, and the write rate of both backends,
/// from 100,000 simulated posts in batches of 1,000. Run by hand:
/// `cargo nextest run -p rapport-store --run-ignored ignored-only bytes_per_million`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: slow, prints figures"]
async fn bytes_per_million_posts_and_write_rate() {
    let Some(_client) = raw().await else { return };
    let posts: usize = std::env::var("RAPPORT_MEASURE_POSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let (schema, _guard) = schema("measure");
    let pg = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("m.db"), SqliteOptions::default()).unwrap();
    let mut rates = Vec::new();
    let stores: [(&str, &dyn Store); 2] = [("postgres", &pg), ("sqlite", &sqlite)];
    for (name, store) in stores {
        let ws = store.create_workspace("W").await.unwrap();
        let mut monitors = Vec::new();
        for m in ["brand", "product", "rival"] {
            let monitor = NewMonitor {
                workspace_id: ws.id,
                name: m.into(),
                kind: MonitorKind::Brand,
                query: m.into(),
            };
            monitors.push(store.create_monitor(monitor).await.unwrap().id);
        }
        let items = simulated(posts, &monitors);
        let started = Instant::now();
        for batch in items.chunks(1000) {
            store.write_batch(batch.to_vec()).await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        rates.push((name, posts as f64 / secs));
        println!(
            "{name}: {posts} posts in {secs:.1} s = {:.0} posts/s",
            posts as f64 / secs
        );
    }
    println!(
        "write rate postgres/sqlite = {:.2}",
        rates[0].1 / rates[1].1
    );
    let sizes = pg.table_sizes().await.unwrap();
    let stored = pg.post_count().await.unwrap() as f64;
    let scale = 1_000_000.0 / stored;
    let mut total = 0u64;
    println!("table | rows | MiB | index MiB | per million posts: rows, MiB");
    for t in &sizes {
        total += t.total_bytes;
        println!(
            "{} | {} | {:.1} | {:.1} | {:.0}, {:.0}",
            t.table,
            t.rows,
            t.total_bytes as f64 / 1048576.0,
            t.index_bytes as f64 / 1048576.0,
            t.rows as f64 * scale,
            t.total_bytes as f64 * scale / 1048576.0
        );
    }
    println!(
        "total: {:.1} MiB for {stored} posts = {:.0} bytes per post = {:.2} GiB per million posts",
        total as f64 / 1048576.0,
        total as f64 / stored,
        total as f64 * scale / 1073741824.0
    );
    let sqlite_usage = sqlite.disk_usage().await.unwrap();
    println!(
        "sqlite file: {:.0} bytes per post",
        sqlite_usage.total_bytes as f64 / stored
    );
    assert!(total > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_at_a_time_holds_a_source_lease() {
    let Some(_client) = raw().await else { return };
    let (schema, _guard) = schema("leases");
    let a = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let b = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let workspace = a.create_workspace("w").await.unwrap();
    let key = SecretKey::generate().unwrap();
    let source = a
        .upsert_source(
            NewSource {
                workspace_id: workspace.id,
                kind: "jsonfeed".into(),
                name: "feed".into(),
                config: "{}".into(),
                credentials: None,
                enabled: true,
            },
            &key,
        )
        .await
        .unwrap()
        .id;
    let long = Duration::from_secs(60);
    assert!(a.acquire_source_lease(source, "a", long).await.unwrap());
    assert!(!b.acquire_source_lease(source, "b", long).await.unwrap());
    // The holder renews it.
    assert!(a.acquire_source_lease(source, "a", long).await.unwrap());
    // Released: the other takes it at once.
    a.release_source_lease(source, "a").await.unwrap();
    assert!(b.acquire_source_lease(source, "b", long).await.unwrap());
    assert!(!a.acquire_source_lease(source, "a", long).await.unwrap());
    // A holder that stops renewing loses it when it expires.
    b.release_source_lease(source, "b").await.unwrap();
    let short = Duration::from_millis(200);
    assert!(b.acquire_source_lease(source, "b", short).await.unwrap());
    assert!(!a.acquire_source_lease(source, "a", long).await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(a.acquire_source_lease(source, "a", long).await.unwrap());
    // Many takers at once: exactly one wins.
    a.release_source_lease(source, "a").await.unwrap();
    let takers = (0..8).map(|i| {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move {
            store
                .acquire_source_lease(source, &format!("p{i}"), long)
                .await
                .unwrap()
        })
    });
    let mut winners = 0;
    for taker in takers {
        winners += usize::from(taker.await.unwrap());
    }
    assert_eq!(winners, 1);
}

/// Another process's commit reaches a listener through LISTEN/NOTIFY, once per
/// transaction; a write in another schema does not; a rolled-back write does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_by_another_process_are_heard_by_watch_changes() {
    let Some(client) = raw().await else { return };
    let (other, _other_guard) = schema("changes_other");
    let (schema, _guard) = schema("changes");
    let listener = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let writer = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let elsewhere = PostgresStore::connect(&url(), options(&other))
        .await
        .unwrap();
    let mut changes = listener.watch_changes().await.unwrap();
    let seen = *changes.borrow_and_update();

    elsewhere.create_workspace("not ours").await.unwrap();
    client
        .batch_execute(&format!(
            "BEGIN; INSERT INTO {schema}.workspaces (name, created_at) VALUES ('rolled back', 0); ROLLBACK;"
        ))
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), changes.changed())
            .await
            .is_err(),
        "another schema's write or a rollback moved the counter"
    );

    let workspace = writer.create_workspace("ours").await.unwrap();
    writer
        .create_monitor(NewMonitor {
            workspace_id: workspace.id,
            name: "m".into(),
            kind: MonitorKind::Brand,
            query: "kettle".into(),
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .expect("a commit is heard within 5 s")
        .unwrap();
    assert!(*changes.borrow_and_update() > seen);
}

/// Waits for the counter to move (what the last write did), then marks it seen.
async fn heard(changes: &mut tokio::sync::watch::Receiver<u64>, what: &str) {
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .unwrap_or_else(|_| panic!("{what} was not heard within 5 s"))
        .unwrap();
    changes.borrow_and_update();
}

/// The campaign pages follow PostgreSQL too (migration 0024): campaigns, short links,
/// clicks, engagement readings and deliveries notify `rapport_changes` at commit, and only
/// when a statement changed rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_tables_are_heard_by_watch_changes() {
    use rapport_store::engagement::{Counts, NewReplyLink};
    use rapport_store::publishing::{
        ClaimLease, DeliveryOutcome, DraftStatus, NewDraft, NewPublishAccount, Transition,
    };
    use rapport_store::{EngagementStore, PublishStore, Secret};

    if raw().await.is_none() {
        return;
    }
    let (schema, _guard) = schema("campaign_changes");
    let listener = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let writer = PostgresStore::connect(&url(), options(&schema))
        .await
        .unwrap();
    let workspace = writer.create_workspace("ours").await.unwrap();
    let key = SecretKey::generate().unwrap();
    let account = writer
        .add_publish_account(
            NewPublishAccount {
                workspace_id: workspace.id,
                kind: "mastodon".into(),
                display_name: "ours".into(),
                settings: serde_json::json!({"instance": "https://mastodon.example"}),
                secret: Secret::new("token"),
            },
            &key,
        )
        .await
        .unwrap();
    let draft = writer
        .create_draft(NewDraft {
            workspace_id: workspace.id,
            author_id: None,
            text: "hello".into(),
            targets: vec![(account.id, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    writer
        .transition_draft(
            workspace.id,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    let mut changes = listener.watch_changes().await.unwrap();
    changes.borrow_and_update();

    // A delivery claimed, then sent (draft_targets).
    let claimed = writer
        .claim_due_deliveries(
            &ClaimLease::new("me", chrono::Duration::minutes(5)),
            chrono::Utc::now(),
            5,
        )
        .await
        .unwrap();
    heard(&mut changes, "a claimed delivery").await;
    writer
        .finish_delivery(
            claimed[0].id,
            "me",
            DeliveryOutcome::Sent {
                native_id: "1".into(),
                url: None,
                followers: Some(10),
            },
        )
        .await
        .unwrap();
    heard(&mut changes, "a sent delivery").await;
    writer
        .create_campaign(workspace.id, "Launch", "launch")
        .await
        .unwrap();
    heard(&mut changes, "a new campaign").await;
    let delivery = claimed[0].id;
    assert!(writer
        .claim_sample_slot(delivery, 0, "s", chrono::Utc::now())
        .await
        .unwrap());
    heard(&mut changes, "a claimed sample slot").await;
    // A statement that changes no row (a slot another sampler holds already, a draft that
    // is in no campaign taken out of it) wakes nobody.
    assert!(!writer
        .claim_sample_slot(delivery, 0, "other", chrono::Utc::now())
        .await
        .unwrap());
    writer
        .set_draft_campaign(workspace.id, draft.id, None)
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), changes.changed())
            .await
            .is_err(),
        "a statement that changed nothing moved the counter"
    );
    writer
        .record_sample(delivery, 0, chrono::Utc::now(), Counts::default())
        .await
        .unwrap();
    heard(&mut changes, "an engagement reading").await;
    let link = writer
        .reply_link_for(NewReplyLink {
            workspace_id: workspace.id,
            reply_key: "reply-key-1".into(),
            position: 0,
            destination: "https://acme.example/".into(),
            code: "abc".into(),
        })
        .await
        .unwrap();
    heard(&mut changes, "a short link").await;
    writer
        .record_click(link.id, chrono::Utc::now(), false)
        .await
        .unwrap();
    heard(&mut changes, "a click").await;
}

/// `sslmode` in the URL turns TLS on (checked by the server's own `pg_stat_ssl`); without it
/// there is none; `verify-full` refuses a certificate no trusted CA signed; a missing
/// `sslrootcert` is named. Needs the server's `ssl = on` (Debian's default, with its
/// snakeoil certificate); says SKIPPED otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_in_the_url_encrypts_and_verify_full_checks_the_certificate() {
    let Some(client) = raw().await else { return };
    let ssl_on: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    if ssl_on != "on" {
        eprintln!("SKIPPED: the PostgreSQL server has ssl = off: the TLS test did not run");
        return;
    }
    let (schema, _guard) = schema("tls");
    let with = |params: &str| {
        let base = url();
        let joiner = if base.contains('?') { '&' } else { '?' };
        format!("{base}{joiner}{params}")
    };
    let encrypted = |name: &'static str| {
        let client = &client;
        async move {
            let row = client
                .query_one(
                    "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s \
                     JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
                    &[&name],
                )
                .await
                .unwrap();
            (row.get::<_, i64>(0), row.get::<_, i64>(1))
        }
    };

    let tls = PostgresStore::connect(
        &with("sslmode=require&application_name=rapport_tls_on"),
        options(&schema),
    )
    .await
    .unwrap();
    tls.create_workspace("over TLS").await.unwrap();
    let (ssl, all) = encrypted("rapport_tls_on").await;
    assert!(
        all > 0 && ssl == all,
        "{ssl} of {all} connections encrypted"
    );

    let plain = PostgresStore::connect(&with("application_name=rapport_tls_off"), options(&schema))
        .await
        .unwrap();
    assert_eq!(plain.workspaces().await.unwrap().len(), 1);
    let (ssl, all) = encrypted("rapport_tls_off").await;
    assert!(
        all > 0 && ssl == 0,
        "{ssl} of {all} plain connections encrypted"
    );

    // The server's certificate is self-signed: no public CA vouches for it.
    let refused = PostgresStore::connect(&with("sslmode=verify-full"), options(&schema)).await;
    let message = refused
        .err()
        .expect("an unverifiable certificate refused")
        .to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");

    let missing = PostgresStore::connect(
        &with("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"),
        options(&schema),
    )
    .await;
    let message = missing
        .err()
        .expect("a missing CA file refused")
        .to_string();
    assert!(message.contains("/nonexistent/ca.pem"), "{message}");
}
