//! The users page of a workspace (admins): its members and API tokens, a form to add a
//! member with a role, and forms to create or revoke tokens. A generated password or a
//! new token's secret is shown once, in the answer to the form that created it.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use maud::{html, Markup};
use rapport_model::{ApiTokenId, Membership, Role, Workspace, WorkspaceId};
use rapport_store::{NewApiToken, NewUser, StoreError};
use serde::Deserialize;

use super::pages::{layout, user_menu};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::{password, secret, Caller},
    error::{PageError, WebError},
    AppState,
};

/// Longest login name accepted.
const EMAIL_MAX: usize = 254;
/// Longest display or token name accepted.
const NAME_MAX: usize = 100;

/// `POST /w/{id}/users`.
#[derive(Deserialize)]
pub(crate) struct AddMember {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

/// `POST /w/{id}/tokens`.
#[derive(Deserialize)]
pub(crate) struct CreateToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// Something created that the admin must see once.
enum Created {
    Password { email: String, password: String },
    Token { name: String, token: String },
    Member { email: String, role: Role },
}

fn workspace_id(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

/// A login name: trimmed, lower-case, 1..=254 characters, no spaces or control characters.
pub fn parse_login_name(raw: &str) -> Result<String, WebError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty()
        || email.chars().count() > EMAIL_MAX
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(WebError::bad_request(
            "a login name is 1 to 254 characters without spaces, e.g. ann@example.com",
        ));
    }
    Ok(email)
}

fn parse_name(raw: &str, what: &str) -> Result<String, WebError> {
    let name = raw.trim();
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(WebError::bad_request(format!(
            "a {what} is at most {NAME_MAX} characters"
        )));
    }
    Ok(name.to_string())
}

fn parse_role(raw: &str) -> Result<Role, WebError> {
    raw.parse()
        .map_err(|e: rapport_model::UnknownRole| WebError::bad_request(e.to_string()))
}

/// `GET /w/{id}/users`.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_id(path)?;
    Ok(render(&state, &caller, id, None).await?)
}

/// `POST /w/{id}/users`: adds a member (creating the user with a generated password when
/// the login name is new) or changes their role.
pub(crate) async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<AddMember>,
) -> Result<Markup, PageError> {
    let id = workspace_id(path)?;
    find_workspace(&state, id).await?;
    let email = parse_login_name(&form.email)?;
    let role = parse_role(&form.role)?;
    let display_name = parse_name(&form.display_name, "display name")?;
    let (user, created) = match state.accounts.user_credentials(&email).await? {
        Some(existing) => (existing.user, None),
        None => {
            let password = secret::generate_password()?;
            let to_hash = password.clone();
            let password_hash =
                tokio::task::spawn_blocking(move || password::hash_password(to_hash.expose()))
                    .await
                    .map_err(|e| WebError::Internal(format!("password hashing failed: {e}")))??;
            let user = state
                .accounts
                .create_user(NewUser {
                    email: email.clone(),
                    display_name: if display_name.is_empty() {
                        email.clone()
                    } else {
                        display_name
                    },
                    password_hash,
                    is_admin: false,
                })
                .await?;
            state
                .accounts
                .record_audit(caller.audit(
                    Some(id),
                    "user.create",
                    Some(email.clone()),
                    serde_json::json!({ "user": user.id }),
                ))
                .await?;
            (
                user,
                Some(Created::Password {
                    email: email.clone(),
                    password: password.expose().to_string(),
                }),
            )
        }
    };
    state
        .accounts
        .set_membership(Membership {
            user: user.id,
            workspace: id,
            role,
        })
        .await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "membership.set",
            Some(email.clone()),
            serde_json::json!({ "user": user.id, "role": role }),
        ))
        .await?;
    let shown = created.unwrap_or(Created::Member { email, role });
    Ok(render(&state, &caller, id, Some(shown)).await?)
}

/// `POST /w/{id}/tokens`: creates an API token and shows its secret once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<CreateToken>,
) -> Result<Markup, PageError> {
    let id = workspace_id(path)?;
    find_workspace(&state, id).await?;
    let role = parse_role(&form.role)?;
    let name = parse_name(&form.name, "token name")?;
    if name.is_empty() {
        return Err(WebError::bad_request("give the token a name, e.g. \"BI export\"").into());
    }
    let (token, prefix) = secret::new_api_token()?;
    let info = state
        .accounts
        .create_api_token(NewApiToken {
            token_hash: token.hash(),
            prefix,
            workspace: id,
            role,
            name: name.clone(),
            created_by: caller.user_id(),
        })
        .await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "token.create",
            Some(info.prefix.clone()),
            serde_json::json!({ "token": info.id, "role": role, "name": name }),
        ))
        .await?;
    let shown = Created::Token {
        name,
        token: token.expose().to_string(),
    };
    Ok(render(&state, &caller, id, Some(shown)).await?)
}

/// `POST /w/{id}/tokens/{token_id}/revoke`.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw_id, raw_token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_workspace_id(&raw_id)?;
    let token = raw_token
        .trim()
        .parse::<i64>()
        .map(ApiTokenId)
        .map_err(|_| WebError::bad_request("token id must be an integer"))?;
    if state.accounts.revoke_api_token(id, token).await? {
        state
            .accounts
            .record_audit(caller.audit(
                Some(id),
                "token.revoke",
                Some(format!("token {token}")),
                serde_json::json!({ "token": token }),
            ))
            .await?;
    }
    Ok(Redirect::to(&format!("/w/{id}/users")).into_response())
}

async fn render(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    created: Option<Created>,
) -> Result<Markup, WebError> {
    let workspace: Workspace = find_workspace(state, id).await?;
    let (members, tokens) =
        tokio::try_join!(state.accounts.members(id), state.accounts.api_tokens(id))
            .map_err(|e: StoreError| WebError::from(e))?;
    let csrf = caller.csrf().unwrap_or_default();
    let role_select = |name: &str| {
        html! {
            select name=(name) {
                @for role in Role::ALL {
                    option value=(role.as_str()) selected[role == Role::Viewer] { (role.as_str()) }
                }
            }
        }
    };
    let main = html! {
        main.main #users {
            @if let Some(created) = &created {
                section.panel.created role="status" {
                    @match created {
                        Created::Password { email, password } => {
                            p { "Created " strong { (email) } ". Their password, shown only now:" }
                            p { code.secret { (password) } }
                        }
                        Created::Token { name, token } => {
                            p { "Token " strong { (name) } " created. Copy it now; it is shown only once:" }
                            p { code.secret { (token) } }
                        }
                        Created::Member { email, role } => {
                            p { strong { (email) } " is now " (role.as_str()) " of this workspace." }
                        }
                    }
                }
            }
            section.panel {
                h2 { "Members of " (workspace.name) }
                table.list {
                    thead { tr { th { "Login" } th { "Name" } th { "Role" } } }
                    tbody {
                        @for member in &members {
                            tr {
                                td { (member.user.email) }
                                td { (member.user.display_name) }
                                td { (member.role.as_str()) }
                            }
                        }
                    }
                }
                form.inline method="post" action={ "/w/" (id) "/users" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="text" name="email" placeholder="ann@example.com" required;
                    input type="text" name="display_name" placeholder="Display name";
                    (role_select("role"))
                    button type="submit" { "Add member" }
                }
            }
            section.panel {
                h2 { "API tokens" }
                table.list {
                    thead { tr { th { "Name" } th { "Token" } th { "Role" } th { "Last used" } th {} } }
                    tbody {
                        @for token in &tokens {
                            tr {
                                td { (token.name) }
                                td { code { (token.prefix) "…" } }
                                td { (token.role.as_str()) }
                                td {
                                    @match token.last_used {
                                        Some(at) => (at.format("%Y-%m-%d %H:%M UTC").to_string()),
                                        None => "never",
                                    }
                                }
                                td {
                                    @if token.revoked_at.is_some() {
                                        "revoked"
                                    } @else {
                                        form method="post" action={ "/w/" (id) "/tokens/" (token.id) "/revoke" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                form.inline method="post" action={ "/w/" (id) "/tokens" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="text" name="name" placeholder="Token name" required;
                    (role_select("role"))
                    button type="submit" { "Create token" }
                }
            }
        }
    };
    Ok(layout(
        &format!("Users · {}", workspace.name),
        state.notice.as_deref(),
        html! {
            a.workspace-name href={ "/w/" (id) } { (workspace.name) }
            (user_menu(caller, Some(&workspace)))
        },
        main,
    ))
}
