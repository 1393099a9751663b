//! `rapport bench`: hot paths measured against a baseline in the same run.

use crate::cli::{BenchArgs, BenchWhich};
use anyhow::Context;
use rapport_engine::{Ingestor, Pipeline, PipelineConfig};
use rapport_model::Post;
use rapport_sim::{SimConfig, Simulator};
use rapport_store::{SqliteOptions, SqliteStore, Store};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Runs the chosen benchmark and prints its figures.
pub async fn run(args: BenchArgs, store_url: Option<&str>) -> anyhow::Result<ExitCode> {
    match args.which {
        BenchWhich::Import {
            posts,
            batch,
            baseline_posts,
            store_only,
        } => import(posts, batch.max(1), baseline_posts, store_only).await?,
        BenchWhich::Match {
            posts,
            naive_posts,
            monitors,
        } => super::bench_match::run(&monitors, posts, naive_posts)?,
        BenchWhich::Workers {
            workers,
            posts,
            batch,
            nats,
            nats_replicas,
        } => {
            let log = super::bench_workers::LogTarget {
                url: &nats,
                replicas: nats_replicas.max(1),
            };
            super::bench_workers::run(store_url, log, &workers, posts, batch.max(1)).await?
        }
        BenchWhich::Sentiment { texts } => super::bench_sentiment::run(texts)?,
        BenchWhich::Nlp { posts, model } => super::bench_nlp::run(posts, model.as_deref())?,
        BenchWhich::Pipeline {
            posts,
            monitors,
            batch,
            baseline_posts,
        } => super::bench_pipeline::run(posts, monitors, batch.max(1), baseline_posts).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Simulated posts (realistic short social posts), generated before any timing starts.
pub(super) fn simulated_posts(count: usize) -> anyhow::Result<Vec<Post>> {
    let days = 7.0;
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    let mut config = SimConfig::demo(1, start, chrono::Duration::days(365));
    config.posts_per_day = (count as f64 / days).max(1.0);
    Ok(Simulator::new(config)?
        .take(count)
        .map(|s| s.post)
        .collect())
}

/// A fresh store in a temporary directory, with the demo workspace's monitors.
async fn fresh_store(dir: &tempfile::TempDir) -> anyhow::Result<(Arc<dyn Store>, Ingestor)> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        &dir.path().join("bench.db"),
        SqliteOptions::default(),
    )?);
    super::demo::create_workspace_with_monitors(&store, "bench", &rapport_sim::World::demo())
        .await?;
    let ingestor = Ingestor::new(store.clone()).await?;
    Ok((store, ingestor))
}

async fn import(
    count: usize,
    batch: usize,
    baseline_count: usize,
    store_only: bool,
) -> anyhow::Result<()> {
    println!("bench import: {count} simulated posts, {batch} per transaction (generating...)");
    let posts = simulated_posts(count.max(baseline_count))?;
    let mean_text = posts.iter().map(|p| p.text.len()).sum::<usize>() / posts.len().max(1);
    println!("mean text length: {mean_text} bytes");

    // Phase 1: matching alone (CPU only), so the store's share of the time is visible.
    let matcher = {
        let world_dir = tempfile::tempdir()?;
        let (store, _) = fresh_store(&world_dir).await?;
        rapport_engine::compile_monitors(&store.monitors(None).await?).0
    };
    let started = Instant::now();
    let cpu = cpu_seconds();
    let matched: usize = posts[..count]
        .iter()
        .map(|p| rapport_engine::MonitorMatcher::matches(&matcher, p).len())
        .sum();
    let match_rate = count as f64 / started.elapsed().as_secs_f64();
    let match_cpu = cpu_seconds() - cpu;

    // Phase 2: storing alone (no monitors, so no matching and no mentions).
    let plain_dir = tempfile::tempdir()?;
    let plain_store =
        SqliteStore::open(&plain_dir.path().join("plain.db"), SqliteOptions::default())?;
    let batches: Vec<Vec<rapport_store::IngestItem>> = posts[..count]
        .chunks(batch)
        .map(|chunk| {
            chunk
                .iter()
                .cloned()
                .map(rapport_store::IngestItem::unmatched)
                .collect()
        })
        .collect();
    let started = Instant::now();
    let cpu = cpu_seconds();
    for items in batches {
        plain_store.write_batch(items).await?;
    }
    let store_rate = count as f64 / started.elapsed().as_secs_f64();
    let store_cpu = cpu_seconds() - cpu;
    drop(plain_store);
    drop(plain_dir);
    if store_only {
        println!(
            "storing alone (no mentions): {store_rate:.0} posts/s, {store_cpu:.2} CPU-seconds"
        );
        return Ok(());
    }

    // Phase 3: the pipeline every source uses: batches matched on one core while the
    // previous batch is stored from the other.
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let (store, ingestor) = fresh_store(&dir).await?;
    let config = PipelineConfig {
        capacity: batch * 2,
        max_batch: batch,
        max_delay: std::time::Duration::from_millis(50),
    };
    let to_send: Vec<Post> = posts[..count].to_vec();
    let started = Instant::now();
    let cpu = cpu_seconds();
    let (pipeline, handle) = Pipeline::spawn(ingestor, config);
    for post in to_send {
        handle.send(post).await?;
    }
    drop(handle);
    let mentions = pipeline.finish().await.new_mentions;
    let batched = started.elapsed();
    let pipeline_cpu = cpu_seconds() - cpu;
    let batched_rate = count as f64 / batched.as_secs_f64();
    let usage = store.disk_usage().await?;
    let stored = store.post_count().await?.max(1);

    let baseline_dir = tempfile::tempdir()?;
    let (_, baseline_ingestor) = fresh_store(&baseline_dir).await?;
    let started = Instant::now();
    for post in &posts[..baseline_count] {
        baseline_ingestor.ingest(vec![post.clone()]).await?;
    }
    let baseline = started.elapsed();
    let baseline_rate = baseline_count as f64 / baseline.as_secs_f64();

    let without_fts = usage.total_bytes.saturating_sub(usage.fulltext_bytes) as f64 / stored as f64;
    let fts = usage.fulltext_bytes as f64 / stored as f64;
    println!();
    println!("{:<44} {:>14} {:>16}", "", "posts/s", "CPU-seconds");
    println!(
        "{:<44} {:>14.0} {:>16.2}",
        format!("pipeline ({batch}/transaction, match + store)"),
        batched_rate,
        pipeline_cpu
    );
    println!(
        "{:<44} {:>14.0}",
        "baseline (1 post/transaction)", baseline_rate
    );
    println!("speed-up: {:.1}x", batched_rate / baseline_rate);
    println!(
        "{:<44} {:>14.0} {:>16.2}",
        format!("  of which matching alone ({matched} matches)"),
        match_rate,
        match_cpu
    );
    println!(
        "{:<44} {:>14.0} {:>16.2}",
        "  of which storing alone (no mentions)", store_rate, store_cpu
    );
    println!(
        "(CPU-seconds: this process, all threads; on a busy machine wall-clock rates drop but these do not)"
    );
    println!();
    println!("stored posts: {stored}, new mentions: {mentions}");
    println!(
        "disk: {:.0} bytes/post without the full-text index, {:.0} bytes/post for it",
        without_fts, fts
    );
    println!(
        "per million posts: {:.0} MiB + {:.0} MiB full-text index",
        without_fts * 1e6 / 1_048_576.0,
        fts * 1e6 / 1_048_576.0
    );
    Ok(())
}

/// User + system CPU time of this process so far, in seconds, from `/proc/self/stat`
/// (0 where that file does not exist). Rates in wall-clock time fall when other processes
/// share the cores; CPU time does not, which keeps comparisons honest on a busy machine.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may contain spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every mainstream platform.
    (ticks(11) + ticks(12)) / 100.0
}
