//! `rapport token create`: an API token for the JSON API, printed once.

use crate::cli::TokenAction;
use crate::data_dir::DataDir;
use rapport_model::{AuditEvent, Role};
use rapport_store::NewApiToken;
use std::process::ExitCode;

/// Runs one `rapport token` subcommand.
pub async fn run(data_dir: DataDir, action: TokenAction) -> anyhow::Result<ExitCode> {
    let backend = data_dir.open_backend().await?;
    let store = &backend.accounts;
    match action {
        TokenAction::Create {
            workspace,
            role,
            name,
        } => {
            let role: Role = role.parse()?;
            let workspace = super::find_workspace(&*backend.store, &workspace).await?;
            let (token, prefix) =
                rapport_web::auth::new_api_token().map_err(|e| anyhow::anyhow!("{e}"))?;
            let info = store
                .create_api_token(NewApiToken {
                    token_hash: token.hash(),
                    prefix,
                    workspace: workspace.id,
                    role,
                    name: name.trim().to_string(),
                    created_by: None,
                })
                .await?;
            store
                .record_audit(AuditEvent {
                    user: None,
                    actor: "cli".into(),
                    workspace: Some(workspace.id),
                    action: "token.create".into(),
                    target: Some(info.prefix.clone()),
                    at: chrono::Utc::now(),
                    detail: serde_json::json!({ "token": info.id, "role": role, "name": info.name }),
                })
                .await?;
            eprintln!(
                "token {:?} ({role} of workspace {}): shown once, send it as `Authorization: Bearer <token>`",
                info.name, workspace.name
            );
            println!("{}", token.expose());
            Ok(ExitCode::SUCCESS)
        }
    }
}
