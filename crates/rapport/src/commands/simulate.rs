//! `rapport simulate`: the simulated stream as JSONL, or stored through the pipeline.

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
pub async fn run(data_dir: &Path, args: SimulateArgs) -> anyhow::Result<ExitCode> {
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
    let simulator = Simulator::new(config).context("invalid simulation settings")?;

    if args.ingest {
        let store = DataDir::create(data_dir)?.open_store()?;
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
