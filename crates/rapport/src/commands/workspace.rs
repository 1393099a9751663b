//! `rapport workspace add|list`: workspaces from the command line (the demo makes its own).

use crate::cli::WorkspaceAction;
use crate::data_dir::DataDir;
use std::process::ExitCode;

/// Runs one `rapport workspace` subcommand.
pub async fn run(data_dir: DataDir, action: WorkspaceAction) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_backend().await?.store;
    match action {
        WorkspaceAction::Add { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
                anyhow::bail!("a workspace name is 1 to 100 printable characters");
            }
            if store.workspaces().await?.iter().any(|w| w.name == name) {
                anyhow::bail!("a workspace named {name:?} already exists");
            }
            let created = store.create_workspace(name).await?;
            println!("workspace {} {:?} created", created.id, created.name);
        }
        WorkspaceAction::List => {
            for workspace in store.workspaces().await? {
                println!("{}\t{}", workspace.id, workspace.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
