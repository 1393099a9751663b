//! The monitors page: a workspace's monitors, and for managers a form to add one. The query
//! is checked as it is typed (`/static/app.js` asks `/api/v1/query/check` and shows the error
//! under its column); the server checks it again on submit and answers the same positioned
//! error, so the form works without JavaScript too. A new monitor applies to posts ingested
//! from then on (the running pipeline reloads its monitors); the preview link shows what it
//! would have matched among recent posts.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use maud::{html, Markup};
use rapport_model::{MonitorKind, NewMonitor, Role, WorkspaceId};
use serde::Deserialize;

use super::api::MONITOR_NAME_MAX;
use super::pages::{layout, user_menu};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{PageError, WebError},
    AppState,
};

/// `POST /w/{id}/monitors`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MonitorForm {
    /// The monitor being edited; empty when adding one.
    #[serde(default)]
    monitor: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    query: String,
}

/// What went wrong with a submitted form, shown above it.
struct FormError {
    message: String,
    /// The query echoed with a caret under the column, for query errors.
    display: Option<String>,
}

fn workspace_of(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

/// Query of the page: `?edit=<monitor id>` fills the form with that monitor.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MonitorsParams {
    edit: Option<String>,
}

/// `GET /w/{id}/monitors`.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    params: Result<axum::extract::Query<MonitorsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_of(path)?;
    let axum::extract::Query(params) = params
        .map_err(|e| WebError::bad_request(format!("invalid query string: {}", e.body_text())))?;
    let mut form = MonitorForm::default();
    if let Some(edit) = params.edit {
        let wanted = edit.trim().parse::<i64>().ok();
        let monitor = state
            .store
            .monitors(Some(id))
            .await
            .map_err(WebError::from)?
            .into_iter()
            .find(|m| Some(m.id.0) == wanted)
            .ok_or_else(|| WebError::not_found("no such monitor in this workspace"))?;
        form = MonitorForm {
            monitor: monitor.id.0.to_string(),
            name: monitor.name,
            kind: monitor.kind.as_str().to_string(),
            query: monitor.query,
        };
    }
    Ok(render(&state, &caller, id, &form, None).await?)
}

async fn render(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    form: &MonitorForm,
    error: Option<FormError>,
) -> Result<Markup, WebError> {
    let workspace = find_workspace(state, id).await?;
    let monitors = state.store.monitors(Some(id)).await?;
    let manager = caller.role_in(id).is_some_and(|r| r.allows(Role::Manager));
    let csrf = caller.csrf().unwrap_or_default();
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Monitors · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                @if monitors.is_empty() {
                    p.empty { "No monitors yet." }
                } @else {
                    table.monitors {
                        thead { tr { th { "Name" } th { "Kind" } th { "Query" } @if manager { th { "" } } } }
                        tbody {
                            @for monitor in &monitors {
                                tr {
                                    td { (monitor.name) }
                                    td { span class={ "kind kind-" (monitor.kind.as_str()) } { (monitor.kind.as_str()) } }
                                    td { code { (monitor.query) } }
                                    @if manager {
                                        td { a.edit-monitor href={ "/w/" (id) "/monitors?edit=" (monitor.id.0) } { "Edit" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if manager {
                section.panel {
                    @if form.monitor.is_empty() {
                        h2 { "Add a monitor" }
                    } @else {
                        h2 { "Edit " (form.name) }
                        p.hint { "Mentions already recorded stay; the new query matches posts from now on." }
                    }
                    @if let Some(error) = &error {
                        div.form-error #monitor-error role="alert" {
                            p { (error.message) }
                            @if let Some(display) = &error.display {
                                pre { (display) }
                            }
                        }
                    }
                    form.monitor-form #monitor-form method="post" action={ "/w/" (id) "/monitors" }
                        data-preview-url={ "/api/v1/workspaces/" (id) "/preview" } {
                        input type="hidden" name="csrf" value=(csrf);
                        @if !form.monitor.is_empty() {
                            input type="hidden" name="monitor" value=(form.monitor);
                        }
                        label for="monitor-name" { "Name" }
                        input #monitor-name type="text" name="name" value=(form.name)
                            maxlength=(MONITOR_NAME_MAX) required;
                        label for="monitor-kind" { "Kind" }
                        select #monitor-kind name="kind" {
                            @for kind in MonitorKind::ALL {
                                option value=(kind.as_str()) selected[form.kind == kind.as_str()] { (kind.as_str()) }
                            }
                        }
                        label for="monitor-query" { "Query" }
                        input #monitor-query type="text" name="query" value=(form.query)
                            autocomplete="off" spellcheck="false" required
                            placeholder="orvella OR \"orvella mornings\" -job";
                        pre.query-check #query-check aria-live="polite" {}
                        div.actions {
                            button type="submit" { (if form.monitor.is_empty() { "Add monitor" } else { "Save monitor" }) }
                            button.secondary #monitor-preview type="button" { "Preview matches" }
                        }
                        ol.mentions #preview-list {}
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Monitors · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(caller, Some(&workspace)),
        body,
    ))
}

/// `POST /w/{id}/monitors`: adds the monitor, or shows the form again with the error.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<MonitorForm>,
) -> Result<Response, PageError> {
    let id = workspace_of(path)?;
    let name = form.name.trim();
    let invalid = |message: String, display: Option<String>| FormError { message, display };
    let checked: Result<(MonitorKind, rapport_query::Query), FormError> = (|| {
        if name.is_empty() || name.chars().count() > MONITOR_NAME_MAX {
            return Err(invalid(
                format!("a monitor name is 1 to {MONITOR_NAME_MAX} characters"),
                None,
            ));
        }
        let kind: MonitorKind = form.kind.parse().map_err(|_| {
            invalid(
                "kind must be brand, product, competitor or campaign".into(),
                None,
            )
        })?;
        let query = rapport_query::Query::parse(&form.query)
            .map_err(|e| invalid(e.headline(), Some(e.to_string())))?;
        Ok((kind, query))
    })();
    let (kind, query) = match checked {
        Ok(ok) => ok,
        Err(error) => {
            let page = render(&state, &caller, id, &form, Some(error)).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let new = NewMonitor {
        workspace_id: id,
        name: name.to_string(),
        kind,
        query: query.to_string(),
    };
    let editing = form.monitor.trim().parse::<i64>().ok().filter(|n| *n > 0);
    let monitor = match editing {
        Some(existing) => state
            .store
            .update_monitor(rapport_model::MonitorId(existing), new)
            .await
            .map_err(WebError::from)?,
        None => state
            .store
            .create_monitor(new)
            .await
            .map_err(WebError::from)?,
    };
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            if editing.is_some() {
                "monitor.update"
            } else {
                "monitor.create"
            },
            Some(format!("monitor {}", monitor.id)),
            serde_json::json!({ "name": monitor.name, "kind": kind.as_str(), "query": monitor.query }),
        ))
        .await
        .map_err(WebError::from)?;
    state.monitors_changed().await;
    Ok(Redirect::to(&format!("/w/{id}/monitors")).into_response())
}
