//! Recurring publishing slots: a workspace's weekly times (a weekday and a local time in the
//! workspace's time zone), and "add to queue", which schedules a draft into the next slot
//! that no other post takes.
//!
//! Local times are turned into instants per date, so a slot keeps its wall-clock time
//! across daylight-saving changes: a time that does not exist that day (clocks go forward)
//! is moved to the first minute that does, and a time that happens twice (clocks go back)
//! is the first of the two.

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection},
        Path, State,
    },
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rapport_model::WorkspaceId;
use rapport_store::publishing::{Draft, DraftFilter, DraftId, DraftStatus, PublishSlot};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::publishing::{self as api, draft_path, publishing, Publishing};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// How far ahead "add to queue" looks for a free slot.
pub const QUEUE_WEEKS: i64 = 12;

/// Weekday names, Monday first (a slot's `weekday` indexes it).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The instant of local time `minute` (after midnight) on `date` in `tz`: the first minute
/// that exists when clocks skip it, the earlier one when it happens twice.
pub fn slot_instant(tz: Tz, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    let mut local = date.and_time(time);
    // Gaps are at most a few hours (one, in most zones).
    for _ in 0..=240 {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        local += Duration::minutes(1);
    }
    None
}

/// The first occurrence of one of `slots` after `after`, within [`QUEUE_WEEKS`], whose
/// instant is not in `taken`.
pub fn next_free_slot(
    slots: &[PublishSlot],
    tz: Tz,
    after: DateTime<Utc>,
    taken: &HashSet<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if slots.is_empty() {
        return None;
    }
    // From the day before in local time: a slot late on the previous local day may still
    // come after `after` once converted.
    let first = after.with_timezone(&tz).date_naive() - Duration::days(1);
    for offset in 0..(QUEUE_WEEKS * 7 + 2) {
        let date = first + Duration::days(offset);
        let weekday = date.weekday().num_days_from_monday();
        let mut today: Vec<DateTime<Utc>> = slots
            .iter()
            .filter(|slot| u32::from(slot.weekday) == weekday)
            .filter_map(|slot| slot_instant(tz, date, slot.minute))
            .collect();
        today.sort_unstable();
        if let Some(at) = today
            .into_iter()
            .find(|at| *at > after && !taken.contains(at))
        {
            return Some(at);
        }
    }
    None
}

/// A slot as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// Its id.
    pub id: i64,
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: u8,
    /// The local time, `HH:MM`, in the workspace's time zone.
    pub time: String,
}

impl From<PublishSlot> for SlotView {
    fn from(slot: PublishSlot) -> SlotView {
        SlotView {
            id: slot.id,
            weekday: slot.weekday,
            time: format!("{:02}:{:02}", slot.minute / 60, slot.minute % 60),
        }
    }
}

/// Body of `POST .../slots`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlotBody {
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: u8,
    /// The local time, `HH:MM` (24-hour), in the workspace's time zone.
    pub time: String,
}

/// Checks a weekday and an `HH:MM` time; returns (weekday, minute after midnight).
fn parse_slot(weekday: u8, time: &str) -> Result<(u8, u16), WebError> {
    if weekday > 6 {
        return Err(WebError::bad_request(format!(
            "weekday must be 0 (Monday) to 6 (Sunday), not {weekday}"
        )));
    }
    let parsed = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| {
        WebError::bad_request(format!("time must be HH:MM (24-hour), not {time:?}"))
    })?;
    let minute = parsed.hour_minute();
    Ok((weekday, minute))
}

trait HourMinute {
    fn hour_minute(&self) -> u16;
}

impl HourMinute for NaiveTime {
    fn hour_minute(&self) -> u16 {
        use chrono::Timelike;
        // At most 23 * 60 + 59.
        (self.hour() * 60 + self.minute()) as u16
    }
}

async fn zone(publishing: &Publishing, workspace: WorkspaceId) -> Result<Tz, WebError> {
    let name = publishing.store.time_zone(workspace).await?;
    Ok(name.parse().unwrap_or(Tz::UTC))
}

fn workspace_path(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

/// Schedules `draft` into the workspace's next free slot after now, with the same role
/// rules as scheduling at a chosen time (an agent's post needs approval first).
pub(crate) async fn queue(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    draft: DraftId,
) -> Result<Draft, WebError> {
    let publishing = publishing(state)?;
    api::find_draft(publishing, workspace, draft).await?;
    let slots = publishing.store.publish_slots(workspace).await?;
    if slots.is_empty() {
        return Err(WebError::Conflict(
            "this workspace has no publishing slots yet: add weekly slots first".into(),
        ));
    }
    let tz = zone(publishing, workspace).await?;
    let now = Utc::now();
    let taken: HashSet<DateTime<Utc>> = publishing
        .store
        .drafts(
            workspace,
            &DraftFilter {
                statuses: vec![
                    DraftStatus::Approved,
                    DraftStatus::Scheduled,
                    DraftStatus::Sending,
                    DraftStatus::Sent,
                ],
                from: Some(now),
                until: Some(now + Duration::weeks(QUEUE_WEEKS + 1)),
                limit: 5000,
            },
        )
        .await?
        .into_iter()
        .filter(|d| d.id != draft)
        .filter_map(|d| d.scheduled_at)
        .collect();
    let at = next_free_slot(&slots, tz, now, &taken).ok_or_else(|| {
        WebError::Conflict(format!(
            "every slot of the next {QUEUE_WEEKS} weeks is taken: add slots or pick a time"
        ))
    })?;
    api::schedule(state, caller, workspace, draft, Some(at)).await
}

/// `GET /api/v1/workspaces/{id}/slots`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/slots",
    tag = "publishing",
    summary = "The workspace's weekly publishing slots, in its time zone (agent)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The slots, by weekday then time", body = [SlotView]),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_route(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    let workspace = workspace_path(path)?;
    find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    let slots = publishing.store.publish_slots(workspace).await?;
    Ok(Json(slots.into_iter().map(SlotView::from).collect()))
}

/// `POST /api/v1/workspaces/{id}/slots`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/slots",
    tag = "publishing",
    summary = "Add a weekly publishing slot (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewSlotBody,
    responses(
        (status = 201, description = "Added", body = SlotView),
        (status = 400, description = "A malformed body, weekday or time", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 409, description = "The workspace has this slot already", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_route(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewSlotBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SlotView>), ApiError> {
    let workspace = workspace_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    let (weekday, minute) = parse_slot(body.weekday, &body.time)?;
    let slot = publishing
        .store
        .add_publish_slot(workspace, weekday, minute)
        .await
        .map_err(WebError::from)?;
    Ok((StatusCode::CREATED, Json(slot.into())))
}

/// `DELETE /api/v1/workspaces/{id}/slots/{slot}`.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{id}/slots/{slot}",
    tag = "publishing",
    summary = "Remove a weekly publishing slot (manager); idempotent: 204 whether or not it was there",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("slot" = i64, Path, description = "Slot id")
    ),
    responses(
        (status = 204, description = "The workspace has no such slot now"),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn delete_route(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((workspace, slot)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let workspace = parse_workspace_id(&workspace)?;
    let slot: i64 = slot
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("slot id must be a positive integer"))?;
    find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    match publishing.store.remove_publish_slot(workspace, slot).await {
        Ok(()) | Err(rapport_store::StoreError::NotFound { .. }) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err(WebError::from(e).into()),
    }
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/queue`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/queue",
    tag = "publishing",
    summary = "Schedule a draft into the next free weekly slot (agent; an agent's draft must be approved)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    responses(
        (status = 200, description = "Scheduled at the slot's time", body = Draft),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "An agent's draft that is not approved yet", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 409, description = "No slots, every slot taken, or the draft is past scheduling", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn queue_route(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Draft>, ApiError> {
    let (workspace, draft) = draft_path(path)?;
    find_workspace(&state, workspace).await?;
    Ok(Json(queue(&state, &caller, workspace, draft).await?))
}

/// `POST /w/{id}/slots` (manager): add (`weekday`, `time`) or remove (`slot`) a slot.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SlotForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    slot: String,
}

/// `POST /w/{id}/slots`: adds or removes a weekly slot, then back to the compose page.
pub(crate) async fn form_route(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<SlotForm>,
) -> Result<Response, PageError> {
    let workspace = workspace_path(path)?;
    find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    match form.action.as_str() {
        "add" | "" => {
            let weekday: u8 = form.weekday.trim().parse().map_err(|_| {
                WebError::bad_request(format!("{:?} is not a weekday (0 to 6)", form.weekday))
            })?;
            let (weekday, minute) = parse_slot(weekday, &form.time)?;
            publishing
                .store
                .add_publish_slot(workspace, weekday, minute)
                .await
                .map_err(WebError::from)?;
        }
        "remove" => {
            let slot: i64 = form
                .slot
                .trim()
                .parse()
                .map_err(|_| WebError::bad_request("slot must be a slot id"))?;
            match publishing.store.remove_publish_slot(workspace, slot).await {
                Ok(()) | Err(rapport_store::StoreError::NotFound { .. }) => {}
                Err(e) => return Err(WebError::from(e).into()),
            }
        }
        other => {
            return Err(WebError::bad_request(format!(
                "action must be add or remove, not {other:?}"
            ))
            .into())
        }
    }
    Ok(Redirect::to(&format!("/w/{workspace}/publish#slots")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weekday: u8, hour: u16, minute: u16) -> PublishSlot {
        PublishSlot {
            id: 0,
            workspace_id: WorkspaceId(1),
            weekday,
            minute: hour * 60 + minute,
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_next_free_slot_skips_taken_ones_and_wraps_the_week() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // Monday 09:00 and Thursday 17:30, Paris time; now is Wednesday 2026-07-01 12:00 UTC.
        let slots = [slot(0, 9, 0), slot(3, 17, 30)];
        let now = utc("2026-07-01T12:00:00Z");
        let none = HashSet::new();
        let thursday = next_free_slot(&slots, paris, now, &none).unwrap();
        assert_eq!(thursday, utc("2026-07-02T15:30:00Z"), "17:30 CEST");
        let taken: HashSet<_> = [thursday].into();
        assert_eq!(
            next_free_slot(&slots, paris, now, &taken).unwrap(),
            utc("2026-07-06T07:00:00Z"),
            "then Monday 09:00 CEST"
        );
        // A slot that is exactly now is not free any more.
        assert_eq!(
            next_free_slot(&slots, paris, utc("2026-07-02T15:30:00Z"), &none).unwrap(),
            utc("2026-07-06T07:00:00Z")
        );
        assert_eq!(next_free_slot(&[], paris, now, &none), None);
        // Every occurrence taken: none within the horizon.
        let all: HashSet<_> = (0..=QUEUE_WEEKS + 1)
            .map(|w| utc("2026-07-06T07:00:00Z") + Duration::weeks(w))
            .collect();
        assert_eq!(next_free_slot(&[slot(0, 9, 0)], paris, now, &all), None);
    }

    #[test]
    fn slots_keep_their_local_time_across_a_dst_change_week() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // Clocks go forward on Sunday 2026-03-29 at 02:00 (to 03:00).
        let slots = [slot(5, 9, 0), slot(6, 2, 30), slot(0, 9, 0)];
        let mut at = utc("2026-03-27T12:00:00Z");
        let mut seen = Vec::new();
        for _ in 0..3 {
            let next = next_free_slot(&slots, paris, at, &HashSet::new()).unwrap();
            seen.push(next);
            at = next;
        }
        assert_eq!(
            seen,
            vec![
                utc("2026-03-28T08:00:00Z"), // Saturday 09:00 CET (+01:00)
                utc("2026-03-29T01:00:00Z"), // Sunday 02:30 does not exist: 03:00 CEST
                utc("2026-03-30T07:00:00Z"), // Monday 09:00 CEST (+02:00)
            ]
        );
        // Clocks go back on Sunday 2026-10-25 at 03:00 (to 02:00): 02:30 happens twice,
        // the slot is the first.
        assert_eq!(
            next_free_slot(
                &[slot(6, 2, 30)],
                paris,
                utc("2026-10-24T12:00:00Z"),
                &HashSet::new()
            )
            .unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        // New York's change (2026-03-08) is another week: 09:00 stays 09:00 local.
        let new_york: Tz = "America/New_York".parse().unwrap();
        let before = next_free_slot(
            &[slot(4, 9, 0)],
            new_york,
            utc("2026-03-02T00:00:00Z"),
            &HashSet::new(),
        )
        .unwrap();
        let after = next_free_slot(&[slot(4, 9, 0)], new_york, before, &HashSet::new()).unwrap();
        assert_eq!(before, utc("2026-03-06T14:00:00Z"), "EST");
        assert_eq!(after, utc("2026-03-13T13:00:00Z"), "EDT");
    }

    #[test]
    fn slot_input_is_checked() {
        assert_eq!(parse_slot(0, "09:30").unwrap(), (0, 570));
        assert_eq!(parse_slot(6, " 23:59 ").unwrap(), (6, 1439));
        assert!(parse_slot(7, "09:30").is_err());
        assert!(parse_slot(0, "24:00").is_err());
        assert!(parse_slot(0, "9h30").is_err());
        assert_eq!(SlotView::from(slot(2, 7, 5)).time, "07:05");
    }
}
