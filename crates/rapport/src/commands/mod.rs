//! One module per subcommand.

mod analyze;
mod bench;
mod bench_match;
mod bench_nlp;
mod bench_pipeline;
mod bench_sentiment;
mod demo;
mod import;
mod ingest;
mod matching;
mod query;
mod serve;
mod simulate;
mod sources;
mod train;

use crate::cli::{Cli, Command};
use crate::data_dir::DataDir;
use std::process::ExitCode;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = || DataDir::create(&cli.data_dir);
    match cli.command {
        Command::Demo(args) => demo::run(data_dir()?, args).await,
        Command::Serve(args) => serve::run(data_dir()?, args).await,
        Command::Import(args) => import::run(data_dir()?, args).await,
        Command::Simulate(args) => simulate::run(&cli.data_dir, args).await,
        Command::Query(args) => query::run(args),
        Command::Match(args) => matching::run(args),
        Command::Analyze(args) => analyze::run(
            args.input.as_deref(),
            &args.format,
            &args.text_field,
            &args.id_field,
            args.model.as_deref(),
        ),
        Command::Train(args) => train::run(
            &args.input,
            &args.format,
            &args.text_field,
            &args.label_field,
            &args.out,
            args.cv,
        ),
        Command::Bench(args) => bench::run(args).await,
        Command::Sources(args) => sources::run(data_dir()?, args).await,
        Command::Ingest(args) => ingest::run(data_dir()?, args).await,
    }
}

/// Resolves when the user presses Ctrl-C (or the process gets SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Loads the sentiment model named on the command line, if any, into `ingestor`.
pub fn use_sentiment_model(
    ingestor: &rapport_engine::Ingestor,
    path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if let Some(path) = path {
        let model = rapport_nlp::learn::Model::load(path).map_err(|e| {
            anyhow::anyhow!("cannot use the sentiment model {}: {e}", path.display())
        })?;
        ingestor.set_sentiment_model(Some(std::sync::Arc::new(model)));
    }
    Ok(())
}
