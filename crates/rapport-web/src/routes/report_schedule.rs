//! The weekly report's e-mail schedule of a workspace.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces/{id}/report-schedule` | [`ReportScheduleView`], 404 when none (viewer) |
//! | `PUT /api/v1/workspaces/{id}/report-schedule` | the schedule as saved; body [`ReportScheduleView`] (manager) |
//! | `POST /w/{id}/report-schedule` | the same from the alerts page's form, then back to it (manager) |
//!
//! Sending is `rapport serve`'s (`report_mail::ReportMailer`), once per workspace and week.

use std::sync::Arc;

use axum::{
    extract::{rejection::JsonRejection, rejection::PathRejection, Path, State},
    Json,
};
use maud::{html, Markup};
use rapport_model::WorkspaceId;
use rapport_store::reports::{ReportSchedule, ReportStore};
use serde::{Deserialize, Serialize};

use super::api::workspace_from_path;
use super::find_workspace;
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// What the API says when the server keeps no schedules.
pub const SCHEDULES_UNAVAILABLE: &str = "weekly report e-mail is not enabled on this server";
/// The weekdays, Monday first, as the form shows them.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A workspace's weekly report schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportScheduleView {
    /// Recipients (`ana@example.org` or `Ana <ana@example.org>`), 1 to 20.
    pub recipients: Vec<String>,
    /// The weekday, 0 = Monday ... 6 = Sunday.
    pub weekday: u8,
    /// The hour, 0 to 23, in `time_zone`.
    pub hour: u8,
    /// An IANA time zone, e.g. `Europe/Paris` (default `UTC`).
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Whether it is sent (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn utc() -> String {
    "UTC".to_string()
}

fn yes() -> bool {
    true
}

fn schedules(state: &AppState) -> Result<&Arc<dyn ReportStore>, WebError> {
    state
        .reports
        .as_ref()
        .ok_or_else(|| WebError::Unavailable(SCHEDULES_UNAVAILABLE.to_string()))
}

fn unprocessable(message: impl Into<String>) -> WebError {
    WebError::Unprocessable(message.into())
}

/// Checks a schedule: addresses, weekday, hour, time zone.
fn checked(workspace: WorkspaceId, view: ReportScheduleView) -> Result<ReportSchedule, WebError> {
    let mut recipients: Vec<String> = Vec::new();
    for address in view
        .recipients
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    {
        rapport_engine::alerts::email::parse_address(address)
            .map_err(|e| unprocessable(e.to_string()))?;
        if !recipients.iter().any(|a| a == address) {
            recipients.push(address.to_string());
        }
    }
    if recipients.is_empty() || recipients.len() > super::alerts::RECIPIENTS_MAX {
        return Err(unprocessable(format!(
            "a schedule needs 1 to {} recipients",
            super::alerts::RECIPIENTS_MAX
        )));
    }
    if view.weekday > 6 {
        return Err(unprocessable("weekday must be 0 (Monday) to 6 (Sunday)"));
    }
    if view.hour > 23 {
        return Err(unprocessable("hour must be 0 to 23"));
    }
    let time_zone = view.time_zone.trim();
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(unprocessable(format!(
            "unknown time zone {time_zone:?} (an IANA name such as Europe/Paris)"
        )));
    }
    Ok(ReportSchedule {
        workspace_id: workspace,
        recipients,
        weekday: view.weekday,
        hour: view.hour,
        time_zone: time_zone.to_string(),
        enabled: view.enabled,
    })
}

fn view_of(schedule: ReportSchedule) -> ReportScheduleView {
    ReportScheduleView {
        recipients: schedule.recipients,
        weekday: schedule.weekday,
        hour: schedule.hour,
        time_zone: schedule.time_zone,
        enabled: schedule.enabled,
    }
}

/// Saves a checked schedule, audited.
async fn save(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    view: ReportScheduleView,
) -> Result<ReportScheduleView, WebError> {
    find_workspace(state, id).await?;
    let store = schedules(state)?;
    let schedule = checked(id, view)?;
    store.set_report_schedule(schedule.clone()).await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "report_schedule.set",
            None,
            serde_json::json!({
                "recipients": schedule.recipients.len(), "weekday": schedule.weekday,
                "hour": schedule.hour, "time_zone": schedule.time_zone,
                "enabled": schedule.enabled,
            }),
        ))
        .await?;
    Ok(view_of(schedule))
}

/// `GET /api/v1/workspaces/{id}/report-schedule`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/report-schedule",
    tag = "reports",
    summary = "When and to whom the weekly report is e-mailed",
    params(("id" = i64, Path, description = "Workspace id")),
    responses((status = 200, body = ReportScheduleView), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace, or no schedule", body = crate::error::ErrorBody), (status = 503, description = "Not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn get_schedule(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ReportScheduleView>, ApiError> {
    let id = workspace_from_path(path)?;
    find_workspace(&state, id).await?;
    let schedule = schedules(&state)?
        .report_schedule(id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("workspace {id} has no report schedule")))?;
    Ok(Json(view_of(schedule)))
}

/// `PUT /api/v1/workspaces/{id}/report-schedule`.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{id}/report-schedule",
    tag = "reports",
    summary = "Set when and to whom the weekly report is e-mailed (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = ReportScheduleView,
    responses((status = 200, body = ReportScheduleView), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace", body = crate::error::ErrorBody), (status = 422, description = "An invalid address, weekday, hour or time zone", body = crate::error::ErrorBody), (status = 503, description = "Not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn put_schedule(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<ReportScheduleView>, JsonRejection>,
) -> Result<Json<ReportScheduleView>, ApiError> {
    let id = workspace_from_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    Ok(Json(save(&state, &caller, id, body).await?))
}

/// The page's form.
#[derive(Debug, Deserialize)]
pub(crate) struct ScheduleForm {
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    hour: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    enabled: Option<String>,
}

/// `POST /w/{id}/report-schedule`: the form on the alerts page; back to it.
pub(crate) async fn post_schedule_form(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    axum::extract::Form(form): axum::extract::Form<ScheduleForm>,
) -> Result<axum::response::Redirect, PageError> {
    let id = workspace_from_path(path)?;
    let number = |raw: &str, name: &str| {
        raw.trim()
            .parse::<u8>()
            .map_err(|_| unprocessable(format!("{name} must be a number")))
    };
    let view = ReportScheduleView {
        recipients: form
            .recipients
            .split(['\n', ','])
            .map(|a| a.trim().to_string())
            .collect(),
        weekday: number(&form.weekday, "weekday")?,
        hour: number(&form.hour, "hour")?,
        time_zone: form.time_zone,
        enabled: form.enabled.is_some(),
    };
    save(&state, &caller, id, view).await?;
    Ok(axum::response::Redirect::to(&format!("/w/{id}/alerts")))
}

/// The alerts page's section: the schedule, and for managers the form.
pub(crate) async fn section(
    state: &AppState,
    id: WorkspaceId,
    manager: bool,
    csrf: &str,
) -> Result<Markup, WebError> {
    let Some(store) = &state.reports else {
        return Ok(html! {});
    };
    let schedule = store.report_schedule(id).await?;
    let sends = store.report_sends(id, 5).await?;
    let current = schedule.clone().map(view_of).unwrap_or(ReportScheduleView {
        recipients: Vec::new(),
        weekday: 0,
        hour: 9,
        time_zone: "UTC".into(),
        enabled: true,
    });
    Ok(html! {
        section.panel #report-schedule {
            h2 { "Weekly report by e-mail" }
            @match &schedule {
                None => p.empty #no-report-schedule { "Not scheduled." },
                Some(s) => p #report-schedule-summary {
                    @if s.enabled { "Sent " } @else { "Paused: would be sent " }
                    "every " (WEEKDAYS[usize::from(s.weekday.min(6))]) " at "
                    (format!("{:02}:00", s.hour)) " (" (s.time_zone) ") to "
                    (s.recipients.join(", ")) ", with the report of the week before."
                },
            }
            @if !state.email_enabled {
                p.note { "This server has no SMTP relay configured: nothing is sent until one is." }
            }
            @if !sends.is_empty() {
                ul #report-sends {
                    @for send in &sends {
                        li {
                            (send.week) ": "
                            @match &send.delivery {
                                None => "sending",
                                Some(d) => {
                                    (d.status.as_str())
                                    @if let Some(error) = &d.last_error { " (" (error) ")" }
                                },
                            }
                        }
                    }
                }
            }
            @if manager {
                form.report-schedule method="post" action={ "/w/" (id) "/report-schedule" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Recipients (one per line)"
                        textarea name="recipients" rows="3" { (current.recipients.join("\n")) }
                    }
                    label { "Weekday"
                        select name="weekday" {
                            @for (i, day) in WEEKDAYS.iter().enumerate() {
                                option value=(i) selected[usize::from(current.weekday) == i] { (day) }
                            }
                        }
                    }
                    label { "Hour"
                        input type="number" name="hour" min="0" max="23" value=(current.hour);
                    }
                    label { "Time zone"
                        input type="text" name="time_zone" value=(current.time_zone);
                    }
                    label { input type="checkbox" name="enabled" value="on" checked[current.enabled]; " Send it" }
                    button type="submit" { "Save schedule" }
                }
            }
        }
    })
}
