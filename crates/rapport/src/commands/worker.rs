//! `rapport worker`: one of any number of processes that take posts from the NATS JetStream
//! ingest log, store them (analysis, matching, mentions, inbox, rollups: one transaction per
//! batch) and acknowledge them after the commit. SIGTERM or Ctrl-C finishes the batches in
//! hand, acknowledges them and exits.

use crate::cli::WorkerArgs;
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_bus::IngestLog;
use rapport_engine::{run_worker, Ingestor, WorkerConfig};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs until stopped (or until the log is drained, with `--exit-when-drained`).
pub async fn run(data_dir: DataDir, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let log = super::log::open(&args.log).await?.context(
        "`rapport worker` needs the ingest log: pass --nats nats://host:4222 (or set RAPPORT_NATS)",
    )?;
    let names = format!("stream {} on {}", log.config().stream, log.config().url);
    let backend = data_dir.open_backend().await?;
    let ingestor = Ingestor::new(backend.store).await?;
    super::use_sentiment_model(&ingestor, args.model.as_deref())?;
    let reloading = {
        let ingestor = ingestor.clone();
        let every = Duration::from_secs(args.reload_monitors_secs.max(1));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = ingestor.reload_monitors().await {
                    tracing::warn!("cannot reload the monitors: {e}");
                }
            }
        })
    };
    println!("worker {}: taking posts from {names}", std::process::id());
    let config = WorkerConfig {
        max_batch: args.batch,
        max_wait: Duration::from_millis(args.max_wait_ms.max(1)),
        exit_when_drained: args.exit_when_drained,
    };
    let started = Instant::now();
    let log: Arc<dyn IngestLog> = Arc::new(log);
    let quiet = args.quiet;
    let totals = run_worker(
        ingestor,
        log,
        config,
        super::shutdown_signal(),
        move |p| {
            if !quiet {
                println!(
                    "committed {} posts ({} new, {} updated, {} unchanged, {} redelivered); {} in total",
                    p.posts,
                    p.outcome.inserted,
                    p.outcome.updated,
                    p.outcome.unchanged,
                    p.redelivered,
                    p.total_posts
                );
            }
        },
    )
    .await?;
    reloading.abort();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "worker {} stopped: {} posts in {} batches ({} new, {} updated, {} unchanged, {} mentions, {} unreadable) in {seconds:.1}s, {:.0} posts/s",
        std::process::id(),
        totals.total_posts,
        totals.total_batches,
        totals.total.inserted,
        totals.total.updated,
        totals.total.unchanged,
        totals.total.new_mentions,
        totals.total_rejected,
        totals.total_posts as f64 / seconds.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
