//! `rapport serve`: the dashboard and API over an existing data directory.

use crate::cli::ServeArgs;
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_web::AppState;
use std::process::ExitCode;

/// Serves until Ctrl-C.
pub async fn run(data_dir: DataDir, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let sqlite = data_dir.open_sqlite()?;
    super::require_user_beyond_loopback(&sqlite, args.addr).await?;
    let store: std::sync::Arc<dyn rapport_store::Store> = std::sync::Arc::new(sqlite.clone());
    // Pushed posts (POST /api/v1/hooks/{id}) go through the same analysis and matching.
    let key = rapport_store::SecretKey::load_or_create(data_dir.root())?;
    let ingestor = rapport_engine::Ingestor::new(store.clone()).await?;
    let webhooks = rapport_web::routes::webhook::Webhooks::new(
        ingestor.clone(),
        std::sync::Arc::new(sqlite.clone()),
        key,
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
    let state = AppState::sqlite(sqlite)
        .with_cookies(super::cookie_policy(addr))
        .with_webhooks(webhooks)
        .with_ingestor(ingestor);
    rapport_web::serve(listener, state, super::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
