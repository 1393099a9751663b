//! Sources through the web: `GET /w/{id}/sources` (viewer) shows every source of the
//! workspace with its health (last success, last error, failures in a row, next poll, posts
//! read); admins add one there (`POST /w/{id}/sources`) or through
//! `GET`/`POST /api/v1/workspaces/{id}/sources`.
//!
//! A new source is checked before it is stored: the kind must be one the connectors know,
//! its settings must build a connector, and every URL in them must pass the instance's SSRF
//! guard (`[safety]`), so a refused address is a 422 now rather than a failed poll later. Its
//! token is sealed with the instance key and never shown again. The running source runner
//! (in `rapport serve`) is told to reload, so the source is polled at once.

use axum::{
    extract::{rejection::JsonRejection, rejection::PathRejection, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use maud::{html, Markup};
use rapport_model::WorkspaceId;
use rapport_sources::connectors::{self, POLLED_KINDS};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_store::{NewSource, Secret, SecretKey, SourceRecord, SourceStore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::pages::{layout, user_menu};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// The kind of a source that is pushed to rather than polled.
pub const WEBHOOK_KIND: &str = "webhook";
/// Longest source name.
const NAME_MAX: usize = 100;
/// Settings whose values are URLs the runner will connect to.
const URL_SETTINGS: [&str; 7] = [
    "url",
    "instance",
    "base",
    "service",
    "endpoint",
    "streaming",
    "api",
];

/// What the web needs to manage sources: where they are stored, the key that seals their
/// tokens, the instance's SSRF policy, and a way to tell the running runner to reload.
#[derive(Clone)]
pub struct SourceAdmin {
    store: Arc<dyn SourceStore>,
    key: SecretKey,
    policy: SafetyPolicy,
    reload: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for SourceAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceAdmin")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SourceAdmin {
    /// Sources in `store`, tokens sealed with `key`, URLs checked against `policy`;
    /// `reload` is notified after every change.
    pub fn new(
        store: Arc<dyn SourceStore>,
        key: SecretKey,
        policy: SafetyPolicy,
        reload: Arc<tokio::sync::Notify>,
    ) -> Self {
        SourceAdmin {
            store,
            key,
            policy,
            reload,
        }
    }
}

/// A source as the API shows it: its settings as JSON, never its token or checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceView {
    /// The stored source with its health.
    #[serde(flatten)]
    pub source: SourceRecord,
    /// Where pushed posts go, for a webhook source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_path: Option<String>,
}

impl SourceView {
    fn of(mut source: SourceRecord) -> SourceView {
        // The checkpoint is the connector's business (and may hold cursors worth nothing
        // to a reader); it stays out of the API.
        source.checkpoint = None;
        let webhook_path =
            (source.kind == WEBHOOK_KIND).then(|| format!("/api/v1/hooks/{}", source.id));
        SourceView {
            source,
            webhook_path,
        }
    }
}

/// Body of `POST /api/v1/workspaces/{id}/sources`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSourceBody {
    /// The connector: one of `feed`, `mastodon`, `bluesky_search`, `x_search`, `reddit`,
    /// `hackernews`, `jsonfeed`, `mastodon_stream`, `bluesky_jetstream`, `x_stream`,
    /// `facebook_comments` or `webhook`.
    pub kind: String,
    /// Its name in the workspace (adding a name again replaces that source's settings).
    pub name: String,
    /// The connector's settings (see its config in `rapport_sources::connectors`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// The network token or the webhook's secret; sealed at rest, never shown again.
    #[serde(default)]
    pub token: Option<String>,
    /// Whether it is polled (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

fn admin(state: &AppState) -> Result<&SourceAdmin, WebError> {
    state.sources.as_ref().ok_or_else(|| {
        WebError::Unavailable(
            "sources cannot be managed by this server (it was started without them)".into(),
        )
    })
}

/// Checks `body` and stores it; the runner is told to reload.
async fn add(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    body: NewSourceBody,
) -> Result<SourceRecord, WebError> {
    let admin = admin(state)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(WebError::Unprocessable(format!(
            "name: 1 to {NAME_MAX} characters, no control characters"
        )));
    }
    let kind = body.kind.trim();
    let token = body
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if kind == WEBHOOK_KIND {
        if token.is_none_or(|t| t.len() < 16) {
            return Err(WebError::Unprocessable(
                "token: a webhook source needs a secret of at least 16 characters, which its \
                 callers send as a bearer token or use to sign their requests"
                    .into(),
            ));
        }
    } else if !POLLED_KINDS.contains(&kind) {
        return Err(WebError::Unprocessable(format!(
            "kind: unknown kind {kind:?} (known: {}, {WEBHOOK_KIND})",
            POLLED_KINDS.join(", ")
        )));
    }
    for field in URL_SETTINGS {
        let Some(value) = body.settings.get(field).and_then(|v| v.as_str()) else {
            continue;
        };
        let url = reqwest::Url::parse(value)
            .map_err(|e| WebError::Unprocessable(format!("settings.{field}: not a URL ({e})")))?;
        admin
            .policy
            .check_url(&url)
            .map_err(|refused| WebError::Unprocessable(format!("settings.{field}: {refused}")))?;
    }
    let config = serde_json::Value::Object(body.settings.clone()).to_string();
    if kind != WEBHOOK_KIND {
        let monitors = state.store.monitors(Some(workspace)).await?;
        let (ready, _) = rapport_engine::x_rules::with_monitor_rules(kind, &config, &monitors);
        let fetcher = Fetcher::new(admin.policy.clone(), FetchLimits::default())
            .map_err(|e| WebError::Internal(e.to_string()))?;
        connectors::build(kind, name, &ready, token.map(str::to_string), fetcher)
            .map_err(|e| WebError::Unprocessable(e.to_string()))?;
    }
    let record = admin
        .store
        .upsert_source(
            NewSource {
                workspace_id: workspace,
                kind: kind.to_string(),
                name: name.to_string(),
                config,
                credentials: token.map(|t| Secret::new(t.to_string())),
                enabled: body.enabled.unwrap_or(true),
            },
            &admin.key,
        )
        .await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(workspace),
            "source.upsert",
            Some(format!("source {}", record.id)),
            serde_json::json!({ "name": record.name, "kind": record.kind }),
        ))
        .await?;
    admin.reload.notify_one();
    Ok(record)
}

async fn list(state: &AppState, workspace: WorkspaceId) -> Result<Vec<SourceRecord>, WebError> {
    let admin = admin(state)?;
    Ok(admin
        .store
        .sources()
        .await?
        .into_iter()
        .filter(|s| s.workspace_id == workspace)
        .collect())
}

/// `GET /api/v1/workspaces/{id}/sources`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/sources",
    tag = "sources",
    summary = "The workspace's sources with their health (viewer)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The sources", body = Vec<SourceView>),
        (status = 400, description = "A malformed parameter", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 503, description = "This server manages no sources", body = crate::error::ErrorBody)
    )
)]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<SourceView>>, ApiError> {
    let id = workspace_of(path)?;
    find_workspace(&state, id).await?;
    let sources = list(&state, id).await?;
    Ok(Json(sources.into_iter().map(SourceView::of).collect()))
}

/// `POST /api/v1/workspaces/{id}/sources`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/sources",
    tag = "sources",
    summary = "Add (or replace, by name) a source; it is polled at once (admin)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewSourceBody,
    responses(
        (status = 201, description = "Stored", body = SourceView),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "An unknown kind, unusable settings, or a URL the SSRF guard refuses; the message names the field", body = crate::error::ErrorBody),
        (status = 503, description = "This server manages no sources", body = crate::error::ErrorBody)
    )
)]
pub(crate) async fn api_add(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewSourceBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SourceView>), ApiError> {
    let id = workspace_of(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    find_workspace(&state, id).await?;
    let record = add(&state, &caller, id, body).await?;
    Ok((StatusCode::CREATED, Json(SourceView::of(record))))
}

fn workspace_of(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

/// The add form's fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SourceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    /// The settings as a JSON object.
    #[serde(default)]
    settings: String,
    #[serde(default)]
    token: String,
}

/// `GET /w/{id}/sources`.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_of(path)?;
    Ok(render(&state, &caller, id, &SourceForm::default(), None).await?)
}

/// `POST /w/{id}/sources`: adds the source, or shows the form again with the error.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<SourceForm>,
) -> Result<Response, PageError> {
    let id = workspace_of(path)?;
    find_workspace(&state, id).await?;
    let settings = if form.settings.trim().is_empty() {
        Ok(serde_json::Map::new())
    } else {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&form.settings)
            .map_err(|e| WebError::Unprocessable(format!("settings: not a JSON object ({e})")))
    };
    let added = match settings {
        Ok(settings) => {
            let body = NewSourceBody {
                kind: form.kind.clone(),
                name: form.name.clone(),
                settings,
                token: Some(form.token.clone()),
                enabled: Some(true),
            };
            add(&state, &caller, id, body).await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/w/{id}/sources")).into_response()),
        Err(WebError::Unprocessable(message)) => {
            let mut kept = form;
            kept.token.clear();
            let page = render(&state, &caller, id, &kept, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn render(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    form: &SourceForm,
    error: Option<String>,
) -> Result<Markup, WebError> {
    let workspace = find_workspace(state, id).await?;
    let sources = match list(state, id).await {
        Ok(sources) => Some(sources),
        Err(WebError::Unavailable(_)) => None,
        Err(other) => return Err(other),
    };
    let can_add = caller
        .role_in(id)
        .is_some_and(|r| r >= rapport_model::Role::Admin)
        && sources.is_some();
    let csrf = caller.csrf().unwrap_or_default();
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Sources · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                @match &sources {
                    None => p.empty { "This server does not poll sources (it runs with another store, or `rapport ingest` polls them elsewhere): see `rapport sources`." },
                    Some(sources) if sources.is_empty() => p.empty { "No sources yet. Posts arrive from the sources of a workspace: feeds, Mastodon, Bluesky, X, Reddit, Hacker News, or your own systems through a webhook." },
                    Some(sources) => div.table-wrap { table.sources-table {
                        thead { tr {
                            th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "State" }
                            th scope="col" { "Last success" } th scope="col" { "Last error" }
                            th scope="col" { "Failures in a row" } th scope="col" { "Next poll" }
                            th scope="col" { "Posts read" }
                        } }
                        tbody {
                            @for source in sources {
                                tr {
                                    th scope="row" { (source.name) }
                                    td { (source.kind) @if source.kind == WEBHOOK_KIND { br; code { "POST /api/v1/hooks/" (source.id) } } }
                                    td { (state_of(source)) }
                                    td { (when(source.health.last_success)) }
                                    td.error-cell { @if let Some(e) = &source.health.last_error { (e) " (" (when(source.health.last_error_at)) ")" } @else { "—" } }
                                    td { (source.health.consecutive_failures) }
                                    td { (when(source.health.next_poll_at)) }
                                    td { (source.health.posts_seen) }
                                }
                            }
                        }
                    } }
                }
            }
            @if can_add {
                section.panel {
                    h2 { "Add a source" }
                    @if let Some(message) = &error {
                        div.form-error role="alert" { (message) }
                    }
                    form.source-form method="post" action={ "/w/" (id) "/sources" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="source-kind" { "Kind" }
                        select #source-kind name="kind" {
                            @for kind in POLLED_KINDS.iter().copied().chain([WEBHOOK_KIND]) {
                                option value=(kind) selected[form.kind == kind] { (kind) }
                            }
                        }
                        label for="source-name" { "Name" }
                        input #source-name type="text" name="name" value=(form.name) maxlength=(NAME_MAX) required;
                        label for="source-settings" { "Settings (JSON)" }
                        textarea #source-settings name="settings" rows="4" spellcheck="false"
                            placeholder=r#"{"instance": "https://mastodon.social", "timeline": "hashtag", "query": "orvella"}"# { (form.settings) }
                        label for="source-token" { "Token or webhook secret (stored sealed, never shown again)" }
                        input #source-token type="password" name="token" autocomplete="off";
                        div.actions { button type="submit" { "Add source" } }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Sources · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(caller, Some(&workspace)),
        body,
    ))
}

fn state_of(source: &SourceRecord) -> &'static str {
    if !source.enabled {
        "disabled"
    } else if source.kind == WEBHOOK_KIND {
        "receiving"
    } else if source.health.consecutive_failures > 0 {
        "backing off"
    } else if source.health.catching_up {
        "catching up a backlog"
    } else if source.health.last_success.is_some() {
        "up to date"
    } else {
        "not polled yet"
    }
}

fn when(at: Option<rapport_model::Timestamp>) -> String {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "—".into())
}
