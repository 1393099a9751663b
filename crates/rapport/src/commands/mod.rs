//! One module per subcommand.

mod alerts;
mod analyze;
mod bench;
mod bench_match;
mod bench_nlp;
mod bench_pipeline;
mod bench_sentiment;
mod bench_workers;
mod demo;
mod import;
mod ingest;
mod log;
mod matching;
mod parse;
mod query;
mod report;
mod rollup;
mod serve;
mod simulate;
mod sources;
mod token;
mod train;
mod user;
mod worker;
mod workspace;

use crate::cli::{Cli, Command};
use crate::data_dir::DataDir;
use std::process::ExitCode;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = || DataDir::create(&cli.data_dir)?.with_store_url(cli.store.clone());
    match cli.command {
        Command::Demo(args) => demo::run(data_dir()?, args).await,
        Command::Serve(args) => serve::run(data_dir()?, args).await,
        Command::Import(args) => import::run(data_dir()?, args).await,
        Command::Simulate(args) => simulate::run(&cli.data_dir, cli.store.clone(), args).await,
        Command::Query(args) => query::run(args),
        Command::Match(args) => matching::run(args),
        Command::Analyze(args) => analyze::run(
            args.input.as_deref(),
            &args.format,
            &args.text_field,
            &args.id_field,
            args.model.as_deref(),
        ),
        Command::Train(args) => {
            let corrections = match &args.corrections {
                Some(workspace) => {
                    train::workspace_corrections(
                        &data_dir()?,
                        workspace,
                        &args.correction_field,
                        args.correction_weight,
                    )
                    .await?
                }
                None => Vec::new(),
            };
            train::run(
                &args.input,
                &args.format,
                &args.text_field,
                &args.label_field,
                &args.out,
                args.cv,
                corrections,
            )
        }
        Command::Bench(args) => bench::run(args, cli.store.as_deref()).await,
        Command::Rollup(args) => rollup::run(data_dir()?, args).await,
        Command::Report(args) => report::run(data_dir()?, args).await,
        Command::Parse(args) => parse::run(args),
        Command::User(args) => user::run(data_dir()?, args.action).await,
        Command::Token(args) => token::run(data_dir()?, args.action).await,
        Command::Workspace(args) => workspace::run(data_dir()?, args.action).await,
        Command::Sources(args) => sources::run(data_dir()?, args).await,
        Command::Ingest(args) => ingest::run(data_dir()?, args).await,
        Command::Alerts(args) => alerts::run(data_dir, args).await,
        Command::Worker(args) => worker::run(data_dir()?, args).await,
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

/// Cookie policy for a server on `addr`: plain HTTP is only trusted on loopback; anywhere
/// else rapport expects a TLS-terminating proxy in front and sets `Secure` cookies.
pub fn cookie_policy(addr: std::net::SocketAddr) -> rapport_web::auth::CookiePolicy {
    if addr.ip().is_loopback() {
        rapport_web::auth::CookiePolicy::PlainLoopback
    } else {
        rapport_web::auth::CookiePolicy::Https
    }
}

/// Refuses to serve beyond loopback while nobody could log in.
pub async fn require_user_beyond_loopback(
    accounts: &dyn rapport_store::AccountStore,
    addr: std::net::SocketAddr,
) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && accounts.user_count().await? == 0 {
        anyhow::bail!(
            "refusing to listen on {addr} without any user: create one first with \
             `rapport user add EMAIL --admin`, or listen on 127.0.0.1"
        );
    }
    Ok(())
}

/// Finds a workspace by id or exact name.
pub async fn find_workspace(
    store: &dyn rapport_store::Store,
    name_or_id: &str,
) -> anyhow::Result<rapport_model::Workspace> {
    let wanted = name_or_id.trim();
    let id = wanted.parse::<i64>().ok();
    store
        .workspaces()
        .await?
        .into_iter()
        .find(|w| Some(w.id.0) == id || w.name == wanted)
        .ok_or_else(|| anyhow::anyhow!("no workspace {wanted:?} (give its id or exact name)"))
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

/// After a restart: replies recorded before now that never got the network's answer are
/// sent again with their own idempotency key, or marked as unknown when too old (in the
/// background; the outcome is logged).
pub fn resend_pending_replies(state: rapport_web::AppState) {
    let started = chrono::Utc::now();
    tokio::spawn(async move {
        match rapport_web::routes::replies::resend_pending(&state, started, chrono::Utc::now())
            .await
        {
            Ok(sweep) if sweep == Default::default() => {}
            Ok(sweep) => tracing::info!(
                sent = sweep.sent,
                failed = sweep.failed,
                unknown = sweep.unknown,
                "replies left pending by the last run"
            ),
            Err(e) => tracing::error!("cannot check replies left pending: {e}"),
        }
    });
}

/// Publishing over either store: account secrets sealed with `key`, posts only where
/// `policy` (`[safety]`) allows.
pub fn publishing(
    store: std::sync::Arc<dyn rapport_store::PublishStore>,
    key: rapport_store::SecretKey,
    policy: rapport_sources::http::SafetyPolicy,
) -> rapport_web::routes::publishing::Publishing {
    rapport_web::routes::publishing::Publishing::new(store, key, policy)
}

/// The scheduler that sends scheduled drafts from either store, under `policy`. On a
/// shared PostgreSQL every server runs one: the store's claims send each post once.
pub fn publishing_scheduler(
    store: std::sync::Arc<dyn rapport_store::PublishStore>,
    key: rapport_store::SecretKey,
    policy: rapport_sources::http::SafetyPolicy,
) -> rapport_engine::publishing::Scheduler {
    rapport_engine::publishing::Scheduler::new(store, key, policy)
}

/// The sampler that reads the engagement of published posts from either store, under
/// `policy`. On a shared PostgreSQL every server runs one: each (post, slot) is claimed
/// once, so one server asks the network.
pub fn engagement_sampler(
    engagement: std::sync::Arc<dyn rapport_store::EngagementStore>,
    publishing: std::sync::Arc<dyn rapport_store::PublishStore>,
    key: rapport_store::SecretKey,
    policy: rapport_sources::http::SafetyPolicy,
) -> rapport_engine::engagement::EngagementSampler {
    rapport_engine::engagement::EngagementSampler::new(engagement, publishing, key, policy)
}

/// Computes the dashboards' overview lists in the background, so no first view waits.
pub fn warm_overview(state: rapport_web::AppState) {
    tokio::spawn(async move { rapport_web::routes::pages::warm_overview(&state).await });
}
