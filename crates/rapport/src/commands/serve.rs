//! `rapport serve`: the dashboard and API over an existing data directory.

use crate::cli::ServeArgs;
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_web::AppState;
use std::process::ExitCode;

/// Serves until Ctrl-C.
pub async fn run(data_dir: DataDir, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let backend = data_dir.open_backend().await?;
    super::require_user_beyond_loopback(&*backend.accounts, args.addr).await?;
    let store = backend.store.clone();
    // Pushed posts (POST /api/v1/hooks/{id}) go through the same analysis and matching.
    let key = rapport_store::SecretKey::load_or_create(data_dir.root())?;
    let ingestor = rapport_engine::Ingestor::new(store.clone()).await?;
    if let Some(sqlite) = &backend.sqlite {
        // Alerts live in the embedded store only for now.
        let alerts = super::alerts::runner(sqlite.clone(), backend.analytics.clone(), key.clone())?;
        tokio::spawn(alerts.run_forever());
        // So does publishing: the scheduler sends scheduled drafts.
        tokio::spawn(super::publishing_scheduler(sqlite, key.clone()).run_forever());
    } else {
        println!("publishing is not available with --store postgres://... yet (it needs the embedded store)");
    }
    let webhooks = rapport_web::routes::webhook::Webhooks::new(
        ingestor.clone(),
        backend.sources.clone(),
        key.clone(),
    );
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
        Some(sqlite) => {
            AppState::sqlite(sqlite.clone()).with_publishing(super::publishing(sqlite, key.clone()))
        }
        // No change feed from PostgreSQL yet: live pages fall back to their timer.
        None => AppState::new(
            backend.store.clone(),
            backend.accounts.clone(),
            backend.inbox.clone(),
            backend.analytics.clone(),
        ),
    }
    .with_cookies(super::cookie_policy(addr))
    .with_webhooks(webhooks)
    .with_ingestor(ingestor);
    rapport_web::serve(listener, state, super::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
