//! `rapport simulate`: the simulated stream as JSONL, stored through the pipeline
//! (`--ingest`), or published to the ingest log (`--nats`).

use crate::cli::{ProgressMode, SimulateArgs};
use crate::data_dir::DataDir;
use crate::progress::Progress;
use anyhow::Context;
use chrono::{DurationRound, Utc};
use rapport_engine::{Ingestor, Pipeline, PipelineConfig};
use rapport_sim::{SimConfig, Simulator};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// Generates the stream.
pub async fn run(
    data_dir: &Path,
    store: Option<String>,
    args: SimulateArgs,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.days.is_finite() && args.days > 0.0,
        "--days must be a positive number"
    );
    let duration = chrono::Duration::milliseconds((args.days * 86_400_000.0) as i64);
    let start = match &args.start {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| {
                format!("--start {text:?} is not an RFC 3339 time (e.g. 2026-01-05T00:00:00Z)")
            })?
            .with_timezone(&Utc),
        None => (Utc::now() - duration)
            .duration_trunc(chrono::Duration::hours(1))
            .unwrap_or_else(|_| Utc::now()),
    };
    let mut config = SimConfig::demo(args.seed, start, duration);
    config.posts_per_day = args.rate;
    let limit = args.posts.unwrap_or(usize::MAX);
    let simulator = Simulator::new(config)
        .context("invalid simulation settings")?
        .take(limit);

    if let Some(log) = super::log::open(&args.log).await? {
        anyhow::ensure!(!args.ingest, "--ingest and --nats exclude each other");
        let progress = Progress::new(ProgressMode::Auto, None, false, "publishing");
        let total = super::log::publish_all(&log, simulator.map(|s| s.post), 1_000, |t| {
            progress.update(t.accepted + t.duplicates, String::new)
        })
        .await?;
        progress.finish();
        println!(
            "published {} simulated posts to {} ({} duplicates dropped by the log)",
            total.accepted,
            log.config().stream,
            total.duplicates
        );
        return Ok(ExitCode::SUCCESS);
    }

    if args.ingest {
        let store = DataDir::create(data_dir)?
            .with_store_url(store)?
            .open_backend()
            .await?
            .store;
        let ingestor = Ingestor::new(store).await?;
        let (pipeline, handle) = Pipeline::spawn(ingestor, PipelineConfig::default());
        let progress = Progress::new(ProgressMode::Auto, None, false, "simulating");
        let mut sent: u64 = 0;
        for simulated in simulator {
            handle.send(simulated.post).await?;
            sent += 1;
            if sent.is_multiple_of(1000) {
                progress.update(sent, String::new);
            }
        }
        drop(handle);
        let stats = pipeline.finish().await;
        progress.finish();
        println!(
            "simulated {sent} posts: {} new, {} updated, {} mentions",
            stats.inserted, stats.updated, stats.new_mentions
        );
        return Ok(ExitCode::SUCCESS);
    }

    let sink: Box<dyn Write> = if args.out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&args.out)
                .with_context(|| format!("cannot create {}", args.out))?,
        )
    };
    let mut out = BufWriter::new(sink);
    let written = (|| -> std::io::Result<()> {
        for simulated in simulator {
            serde_json::to_writer(&mut out, &simulated)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })();
    match written {
        // `rapport simulate | head` closes the pipe early: that is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot write to {}", args.out))),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}
