//! `rapport bench workers`: the scaled-out path measured end to end. The same simulated posts
//! are published to a NATS JetStream log, then stored into PostgreSQL by 1, 2, 4 ... real
//! `rapport worker` processes (a fresh schema and a fresh stream per run, dropped after);
//! the single-process pipeline into SQLite (and into PostgreSQL, without the log) over the
//! same posts is the baseline. Every run checks that each post was stored exactly once.

use anyhow::Context;
use rapport_bus::{IngestLog, JetStreamConfig, JetStreamLog};
use rapport_engine::{Ingestor, Pipeline, PipelineConfig};
use rapport_model::Post;
use rapport_store::{PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Store};
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run stored, and how fast.
struct Run {
    rate: f64,
    stored: u64,
    mentions: u64,
}

/// The NATS server(s) and how many copies of the stream to keep.
#[derive(Debug, Clone, Copy)]
pub struct LogTarget<'a> {
    /// One server, or a cluster's servers comma-separated.
    pub url: &'a str,
    /// Copies of the stream (3 on a three-server cluster).
    pub replicas: usize,
}

/// Runs the benchmark and prints one line per configuration.
pub async fn run(
    store_url: Option<&str>,
    nats: LogTarget<'_>,
    workers: &[usize],
    count: usize,
    batch: usize,
) -> anyhow::Result<()> {
    let base = store_url.context(
        "`rapport bench workers` needs --store postgres://... (each run makes a fresh schema \
         there and drops it after)",
    )?;
    anyhow::ensure!(
        !base.contains('?'),
        "give --store without URL parameters (the benchmark adds its own schema)"
    );
    let posts = super::bench::simulated_posts(count)?;
    let distinct = posts.iter().map(Post::key).collect::<HashSet<_>>().len() as u64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "bench workers: {count} simulated posts ({distinct} distinct), the demo monitors, \
         {batch} posts/transaction, {cores} cores on this machine; the log on {} server(s), \
         {} replica(s)",
        nats.url.split(',').count(),
        nats.replicas
    );

    let sqlite = sqlite_pipeline(&posts, batch).await?;
    println!(
        "  sqlite, 1 process (pipeline, no log)       {:>8.0} posts/s   {} posts, {} mentions",
        sqlite.rate, sqlite.stored, sqlite.mentions
    );
    let postgres = postgres_pipeline(base, &posts, batch).await?;
    println!(
        "  postgres, 1 process (pipeline, no log)     {:>8.0} posts/s   {} posts, {} mentions",
        postgres.rate, postgres.stored, postgres.mentions
    );
    for &count in workers {
        let (publish_rate, run) = workers_run(base, nats, &posts, batch, count.max(1)).await?;
        println!(
            "  postgres + NATS, {} worker process{}        {:>8.0} posts/s   {} posts, {} mentions (published at {:.0} posts/s)",
            count,
            if count == 1 { "  " } else { "es" },
            run.rate,
            run.stored,
            run.mentions,
            publish_rate
        );
        anyhow::ensure!(
            run.stored == distinct && run.mentions == sqlite.mentions,
            "{count} workers stored {} posts and {} mentions, expected {distinct} and {}",
            run.stored,
            run.mentions,
            sqlite.mentions
        );
    }
    Ok(())
}

/// Total mentions over every workspace.
async fn mentions(store: &dyn Store) -> anyhow::Result<u64> {
    let mut total = 0;
    for workspace in store.workspaces().await? {
        let counts = store
            .mention_counts(workspace.id, chrono::DateTime::<chrono::Utc>::MIN_UTC)
            .await?;
        total += counts.iter().map(|c| c.total).sum::<u64>();
    }
    Ok(total)
}

/// The demo workspace and its monitors.
async fn seed(store: &Arc<dyn Store>) -> anyhow::Result<()> {
    super::demo::create_workspace_with_monitors(store, "bench", &rapport_sim::World::demo())
        .await?;
    Ok(())
}

/// Every post through the in-process pipeline.
async fn pipeline(store: Arc<dyn Store>, posts: &[Post], batch: usize) -> anyhow::Result<Run> {
    seed(&store).await?;
    let ingestor = Ingestor::new(store.clone()).await?;
    let config = PipelineConfig {
        capacity: batch * 4,
        max_batch: batch,
        max_delay: Duration::from_millis(20),
    };
    let started = Instant::now();
    let (running, handle) = Pipeline::spawn(ingestor, config);
    for post in posts {
        handle.send(post.clone()).await?;
    }
    drop(handle);
    running.finish().await;
    let rate = posts.len() as f64 / started.elapsed().as_secs_f64();
    Ok(Run {
        rate,
        stored: store.post_count().await?,
        mentions: mentions(store.as_ref()).await?,
    })
}

async fn sqlite_pipeline(posts: &[Post], batch: usize) -> anyhow::Result<Run> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        &dir.path().join("bench.db"),
        SqliteOptions::default(),
    )?);
    pipeline(store, posts, batch).await
}

fn schema_name(what: &str) -> String {
    format!("rapport_bench_{what}_{}", std::process::id())
}

async fn fresh_postgres(base: &str, schema: &str) -> anyhow::Result<PostgresStore> {
    let options = PostgresOptions {
        schema: Some(schema.to_string()),
        ..PostgresOptions::default()
    };
    let store = PostgresStore::connect(base, options).await?;
    // A leftover of an interrupted run would skew the counts.
    store.drop_schema().await?;
    let options = PostgresOptions {
        schema: Some(schema.to_string()),
        ..PostgresOptions::default()
    };
    Ok(PostgresStore::connect(base, options).await?)
}

async fn postgres_pipeline(base: &str, posts: &[Post], batch: usize) -> anyhow::Result<Run> {
    let pg = fresh_postgres(base, &schema_name("pipeline")).await?;
    let result = pipeline(Arc::new(pg.clone()), posts, batch).await;
    pg.drop_schema().await?;
    result
}

/// Publishes every post, then times `workers` worker processes draining the log.
async fn workers_run(
    base: &str,
    nats: LogTarget<'_>,
    posts: &[Post],
    batch: usize,
    workers: usize,
) -> anyhow::Result<(f64, Run)> {
    let schema = schema_name(&format!("w{workers}"));
    let pg = fresh_postgres(base, &schema).await?;
    let store: Arc<dyn Store> = Arc::new(pg.clone());
    seed(&store).await?;
    let prefix = format!("bench{}w{workers}", std::process::id());
    let mut config = JetStreamConfig::with_prefix(nats.url, &prefix);
    config.replicas = nats.replicas;
    let log = JetStreamLog::connect(config)
        .await
        .context("the benchmark needs NATS with JetStream (--nats)")?;
    let result = async {
        let started = Instant::now();
        for chunk in posts.chunks(5_000) {
            log.publish(chunk).await?;
        }
        let publish_rate = posts.len() as f64 / started.elapsed().as_secs_f64();
        let data = tempfile::tempdir()?;
        let url = format!("{base}?options=-csearch_path%3D{schema}");
        let exe = std::env::current_exe()?;
        let started = Instant::now();
        let mut children = Vec::new();
        for _ in 0..workers {
            let child = Command::new(&exe)
                .arg("--data-dir")
                .arg(data.path())
                .args([
                    "--store",
                    &url,
                    "worker",
                    "--nats",
                    nats.url,
                    "--nats-prefix",
                ])
                .arg(&prefix)
                .args(["--batch", &batch.to_string(), "--max-wait-ms", "200"])
                .args(["--exit-when-drained", "--quiet"])
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .context("cannot start a worker process")?;
            children.push(child);
        }
        for mut child in children {
            let status = loop {
                if let Some(status) = child.try_wait()? {
                    break status;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            anyhow::ensure!(status.success(), "a worker failed: {status}");
        }
        let rate = posts.len() as f64 / started.elapsed().as_secs_f64();
        let run = Run {
            rate,
            stored: store.post_count().await?,
            mentions: mentions(store.as_ref()).await?,
        };
        anyhow::Ok((publish_rate, run))
    }
    .await;
    let _ = log.delete().await;
    pg.drop_schema().await?;
    result
}
