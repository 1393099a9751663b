//! `rapport user add|list|passwd`: accounts from the command line (the first admin comes
//! from here or from `rapport demo`).

use crate::cli::UserAction;
use crate::data_dir::Backend;
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_model::{AuditEvent, Membership, Role};
use rapport_store::NewUser;
use rapport_web::auth::{password, secret, Secret};
use std::io::BufRead;
use std::process::ExitCode;

/// Runs one `rapport user` subcommand.
pub async fn run(data_dir: DataDir, action: UserAction) -> anyhow::Result<ExitCode> {
    let backend = data_dir.open_backend().await?;
    let store = &backend;
    match action {
        UserAction::Add {
            email,
            admin,
            workspace,
            role,
            name,
            password_stdin,
        } => add(store, &email, admin, workspace, role, name, password_stdin).await,
        UserAction::List => list(store).await,
        UserAction::Passwd {
            email,
            password_stdin,
        } => passwd(store, &email, password_stdin).await,
    }
}

/// The password from standard input, or a generated one (and whether it was generated).
fn choose_password(from_stdin: bool) -> anyhow::Result<(Secret, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        password::check_strength(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((Secret::new(password), false))
    } else {
        Ok((
            secret::generate_password().map_err(|e| anyhow::anyhow!("{e}"))?,
            true,
        ))
    }
}

fn hash(password: &Secret) -> anyhow::Result<String> {
    password::hash_password(password.expose()).map_err(|e| anyhow::anyhow!("{e}"))
}

fn cli_audit(
    action: &str,
    target: &str,
    workspace: Option<rapport_model::WorkspaceId>,
    detail: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        user: None,
        actor: "cli".into(),
        workspace,
        action: action.into(),
        target: Some(target.into()),
        at: chrono::Utc::now(),
        detail,
    }
}

async fn add(
    store: &Backend,
    email: &str,
    admin: bool,
    workspace: Option<String>,
    role: Option<String>,
    name: Option<String>,
    password_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let email =
        rapport_web::routes::users::parse_login_name(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let membership = match (workspace, role) {
        (Some(workspace), Some(role)) => {
            let role: Role = role.parse()?;
            Some((
                super::find_workspace(&*store.store, &workspace).await?,
                role,
            ))
        }
        _ => None,
    };
    let (password, generated) = choose_password(password_stdin)?;
    let user = store
        .accounts
        .create_user(NewUser {
            email: email.clone(),
            display_name: name.unwrap_or_else(|| email.clone()),
            password_hash: hash(&password)?,
            is_admin: admin,
        })
        .await?;
    store
        .accounts
        .record_audit(cli_audit(
            "user.create",
            &email,
            None,
            serde_json::json!({ "user": user.id, "admin": admin }),
        ))
        .await?;
    println!(
        "created user {}{}",
        user.email,
        if admin { " (instance admin)" } else { "" }
    );
    if let Some((workspace, role)) = membership {
        store
            .accounts
            .set_membership(Membership {
                user: user.id,
                workspace: workspace.id,
                role,
            })
            .await?;
        store
            .accounts
            .record_audit(cli_audit(
                "membership.set",
                &email,
                Some(workspace.id),
                serde_json::json!({ "user": user.id, "role": role }),
            ))
            .await?;
        println!("{role} of workspace {} ({})", workspace.id, workspace.name);
    }
    if generated {
        println!("password: {}", password.expose());
        println!("(shown once; set another with `rapport user passwd {email}`)");
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(store: &Backend) -> anyhow::Result<ExitCode> {
    for user in store.accounts.users().await? {
        let roles: Vec<String> = store
            .accounts
            .memberships(user.id)
            .await?
            .into_iter()
            .map(|m| format!("{}:{}", m.workspace, m.role))
            .collect();
        println!(
            "{}\t{}\t{}{}\t{}",
            user.id,
            user.email,
            if user.is_admin { "instance-admin" } else { "-" },
            if user.disabled { " (disabled)" } else { "" },
            if roles.is_empty() {
                "-".to_string()
            } else {
                roles.join(",")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn passwd(store: &Backend, email: &str, password_stdin: bool) -> anyhow::Result<ExitCode> {
    let found = store
        .accounts
        .user_credentials(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {email:?} (see `rapport user list`)"))?;
    let (password, generated) = choose_password(password_stdin)?;
    store
        .accounts
        .set_password(found.user.id, hash(&password)?)
        .await?;
    store
        .accounts
        .record_audit(cli_audit(
            "password.set",
            &found.user.email,
            None,
            serde_json::json!({ "user": found.user.id }),
        ))
        .await?;
    println!(
        "new password set for {}; their sessions have ended",
        found.user.email
    );
    if generated {
        println!("password: {}", password.expose());
    }
    Ok(ExitCode::SUCCESS)
}
