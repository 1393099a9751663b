//! `rapport serve`: the dashboard and API over an existing data directory; on the embedded
//! store it also polls the configured sources (unless `--no-sources`, when `rapport ingest`
//! runs elsewhere), reloading them when one is added through the web.

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::data_dir::{Backend, DataDir};
use anyhow::Context;
use rapport_bus::IngestLog;
use rapport_engine::sources::{RunnerConfig, SourceRunner};
use rapport_engine::Ingestor;
use rapport_sources::http::Fetcher;
use rapport_store::SecretKey;
use rapport_web::AppState;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::Notify;

/// Serves until Ctrl-C.
pub async fn run(data_dir: DataDir, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let backend = data_dir.open_backend().await?;
    super::require_user_beyond_loopback(&*backend.accounts, args.addr).await?;
    let store = backend.store.clone();
    // Pushed posts (POST /api/v1/hooks/{id}) go through the same analysis and matching.
    let key = rapport_store::SecretKey::load_or_create(data_dir.root())?;
    let (config, _) = Config::load(args.config.as_deref(), data_dir.root())?;
    let ingestor = rapport_engine::Ingestor::new(store.clone()).await?;
    // The hourly alert runner, on either store: on PostgreSQL every serve process runs one,
    // and the alert row each firing inserts is the claim, so each is delivered once.
    let mut alerts = super::alerts::runner(&backend, key.clone())?;
    let mailer = config.mailer()?;
    let email_enabled = mailer.is_some();
    match mailer {
        Some(mailer) => {
            println!(
                "alert and weekly report e-mail goes out through {}",
                mailer.relay()
            );
            // Weekly reports by e-mail, once per workspace and week across processes.
            tokio::spawn(
                rapport_web::report_mail::ReportMailer::new(
                    backend.store.clone(),
                    backend.analytics.clone(),
                    backend.inbox.clone(),
                    backend.reports.clone(),
                    mailer.clone(),
                )
                .run_forever(),
            );
            alerts = alerts.with_mailer(mailer);
        }
        None => println!(
            "no SMTP relay configured: alert e-mail is recorded as failed (set [email] in \
             rapport.toml or RAPPORT_SMTP_HOST)"
        ),
    }
    tokio::spawn(alerts.run_forever());
    // The publishing scheduler sends scheduled drafts; on a shared PostgreSQL every server
    // runs one, and the store's expiring claims send each post exactly once.
    let scheduler = super::publishing_scheduler(
        backend.publishing.clone(),
        key.clone(),
        config.safety_policy(),
    )
    .with_media(backend.media.clone())
    .with_config(rapport_engine::publishing::SchedulerConfig {
        interval: std::time::Duration::from_secs(args.publish_interval),
        claim_ttl: std::time::Duration::from_secs(args.publish_claim_ttl),
        ..Default::default()
    })
    // Link tracking: URLs of scheduled posts become short links where a workspace asks.
    .with_links(backend.engagement.clone());
    tracing::info!(owner = scheduler.owner(), "publishing scheduler");
    tokio::spawn(scheduler.run_forever());
    // The engagement sampler reads published posts' counts on a decaying schedule; on a
    // shared PostgreSQL each (post, slot) is claimed by one server.
    tokio::spawn(
        super::engagement_sampler(
            backend.engagement.clone(),
            backend.publishing.clone(),
            key.clone(),
            config.safety_policy(),
        )
        .run_forever(),
    );
    let webhooks = rapport_web::routes::webhook::Webhooks::new(
        ingestor.clone(),
        backend.sources.clone(),
        key.clone(),
    );
    // Scaled out: sources and webhooks append to the ingest log; workers store.
    let log = super::log::open(&args.log)
        .await?
        .map(|log| Arc::new(log) as Arc<dyn IngestLog>);
    let webhooks = match &log {
        Some(log) => webhooks.with_log(log.clone()),
        None => webhooks,
    };
    let mut replies = rapport_web::routes::replies::ReplySender::new(
        backend.sources.clone(),
        key.clone(),
        config.safety_policy(),
    );
    // Replies may go out through connected accounts (publishing), on either store.
    replies = replies.with_accounts(backend.publishing.clone());
    let reload = Arc::new(Notify::new());
    let polling = !args.no_sources;
    if polling {
        super::sources::sync_config(&backend, &key, &config).await?;
        let fetcher = Fetcher::new(config.safety_policy(), config.fetch_limits())?;
        let runner_config = RunnerConfig {
            interval: config.interval(),
            ..RunnerConfig::default()
        };
        tokio::spawn(poll_sources(
            backend.clone(),
            key.clone(),
            fetcher,
            ingestor.clone(),
            runner_config,
            reload.clone(),
            log,
        ));
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "rapport is serving {} at http://{addr}",
        data_dir.root().display()
    );
    println!("log in with an account from `rapport user add` (list them with `rapport user list`)");
    let state = match &backend.sqlite {
        Some(sqlite) => AppState::sqlite(sqlite.clone()),
        None => AppState::new(
            backend.store.clone(),
            backend.accounts.clone(),
            backend.inbox.clone(),
            backend.analytics.clone(),
        )
        .with_alerts(backend.alerts.clone())
        .with_reports(backend.reports.clone())
        .with_engagement(backend.engagement.clone())
        .with_surveys(rapport_web::routes::surveys::Surveys::new(
            backend.surveys.clone(),
        )),
    }
    .with_publishing(
        super::publishing(
            backend.publishing.clone(),
            key.clone(),
            config.safety_policy(),
        )
        .with_media(backend.media.clone()),
    )
    .with_email(email_enabled)
    .with_cookies(super::cookie_policy(addr))
    .with_webhooks(webhooks)
    .with_replies(replies)
    .with_read_cache()
    .with_secret_key(key.clone())
    .with_ingestor(ingestor);
    // On PostgreSQL, live pages hear every process's commits through LISTEN/NOTIFY.
    let state = match &backend.postgres {
        Some(pg) => state.with_changes(pg.watch_changes().await?),
        None => state,
    };
    let state = if polling {
        state.with_sources(rapport_web::routes::sources::SourceAdmin::new(
            backend.sources.clone(),
            key,
            config.safety_policy(),
            reload,
        ))
    } else {
        state
    };
    super::resend_pending_replies(state.clone());
    super::warm_overview(state.clone());
    rapport_web::serve(listener, state, super::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Polls every enabled source until the process ends; when `reload` is notified (a source
/// was added through the web) the runner is rebuilt from the store, dropping open streams.
async fn poll_sources(
    backend: Backend,
    key: SecretKey,
    fetcher: Fetcher,
    ingestor: Ingestor,
    config: RunnerConfig,
    reload: Arc<Notify>,
    log: Option<Arc<dyn IngestLog>>,
) {
    loop {
        let mut runner =
            SourceRunner::new(ingestor.clone(), backend.sources.clone(), config.clone());
        if let Some(leases) = &backend.leases {
            // Other processes (`rapport ingest`, other servers) may poll the same store.
            let owner = format!("{}:{}", super::ingest::hostname(), std::process::id());
            runner = runner.with_leases(leases.clone(), owner, super::ingest::LEASE_TTL);
        }
        if let Some(log) = &log {
            runner = runner.with_log(log.clone());
        }
        let count =
            match super::sources::add_polled_sources(&mut runner, &backend, &key, &fetcher).await {
                Ok(count) => count,
                Err(e) => {
                    tracing::error!("cannot read the sources: {e:#}");
                    0
                }
            };
        if count == 0 {
            reload.notified().await;
            continue;
        }
        tracing::info!(count, "polling sources");
        let reloaded = reload.notified();
        let result = runner
            .run(reloaded, |report| match &report.error {
                Some(error) => tracing::warn!(source = %report.source, "{}: {error}", report.name),
                None => tracing::info!(
                    source = %report.source,
                    posts = report.posts,
                    new = report.outcome.inserted,
                    "{} polled",
                    report.name
                ),
            })
            .await;
        if let Err(e) = result {
            tracing::error!("the source runner stopped: {e}; restarting in 30 s");
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    }
}
