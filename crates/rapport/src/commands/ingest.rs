//! `rapport ingest`: poll every configured source, storing posts and checkpoints together;
//! `--once` runs one round (each source until it is caught up) and exits. On PostgreSQL
//! several may run at once: a source is polled only by the holder of its lease.

use crate::cli::IngestArgs;
use crate::config::Config;
use crate::data_dir::DataDir;
use rapport_engine::sources::{RunnerConfig, SourceRunner, TurnReport};
use rapport_engine::Ingestor;
use rapport_sources::http::Fetcher;
use rapport_store::SecretKey;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How long a source's lease lasts without renewal (it is renewed at every page).
pub(super) const LEASE_TTL: Duration = Duration::from_secs(120);

/// Runs the sources once or until Ctrl-C.
pub async fn run(data_dir: DataDir, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let backend = data_dir.open_backend().await?;
    let key = SecretKey::load_or_create(data_dir.root())?;
    let (config, _) = Config::load(args.config.as_deref(), data_dir.root())?;
    super::sources::sync_config(&backend, &key, &config).await?;

    let fetcher = Fetcher::new(config.safety_policy(), config.fetch_limits())?;
    let ingestor = Ingestor::new(backend.store.clone()).await?;
    super::use_sentiment_model(&ingestor, args.model.as_deref())?;
    let runner_config = RunnerConfig {
        interval: config.interval(),
        ..RunnerConfig::default()
    };
    let mut runner = SourceRunner::new(ingestor, backend.sources.clone(), runner_config);
    if let Some(leases) = &backend.leases {
        // Several `rapport ingest` processes may share a PostgreSQL store: each source is
        // polled by whoever holds its lease.
        let owner = format!("{}:{}", hostname(), std::process::id());
        runner = runner.with_leases(leases.clone(), owner, LEASE_TTL);
    }
    if let Some(log) = super::log::open(&args.log).await? {
        println!("appending posts to the ingest log for `rapport worker` to store");
        runner = runner.with_log(Arc::new(log));
    }
    let count = super::sources::add_polled_sources(&mut runner, &backend, &key, &fetcher).await?;
    if count == 0 {
        println!("no sources to poll: declare [[source]] tables in rapport.toml or run `rapport sources add`");
        return Ok(ExitCode::SUCCESS);
    }
    if args.once {
        let reports = runner.run_once().await?;
        for report in &reports {
            println!("{}", describe(report));
        }
        let failed = reports.iter().any(|r| r.error.is_some());
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    println!("polling {count} sources; Ctrl-C to stop");
    runner
        .run(super::shutdown_signal(), |report| {
            println!("{}", describe(report))
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// This machine's name, for lease owners (`unknown` when it cannot be read).
pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// One line per turn: what was read and stored, or why not.
fn describe(report: &TurnReport) -> String {
    let head = format!("source {} {}", report.source, report.name);
    if report.leased_elsewhere {
        return format!("{head}: polled by another process (it holds the lease)");
    }
    if report.backing_off && report.pages == 0 {
        return format!(
            "{head}: backing off after errors, next poll in {}s",
            report.next_poll_in.as_secs()
        );
    }
    let mut line = if report.logged > 0 {
        format!(
            "{head}: {} pages, {} posts ({} appended to the ingest log), {} skipped",
            report.pages, report.posts, report.logged, report.skipped
        )
    } else {
        format!(
            "{head}: {} pages, {} posts ({} new, {} updated, {} unchanged), {} skipped",
            report.pages,
            report.posts,
            report.outcome.inserted,
            report.outcome.updated,
            report.outcome.unchanged,
            report.skipped
        )
    };
    match &report.error {
        Some(error) => line.push_str(&format!(
            "; error: {error}; retry in {}s",
            report.next_poll_in.as_secs()
        )),
        None => line.push_str(&format!(
            "; next poll in {}s",
            report.next_poll_in.as_secs()
        )),
    }
    line
}
