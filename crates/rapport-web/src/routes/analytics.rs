//! Analytics over JSON, read from the rollups (never from raw posts).
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces/{id}/rollups?days=14&bucket=day\|hour&monitor=&format=json\|csv` | `[RollupRow]`: per monitor and bucket, oldest first (viewer) |
//!
//! `days` is 1..=366 and counts back from now; buckets without mentions are absent.
//! Distinct authors are exact per hour and summed over the hours of a day.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    response::Response,
};
use chrono::Duration;
use rapport_store::analytics::{Bucket, RollupRow};
use serde::Deserialize;

use super::api::{bad_query, workspace_from_path};
use super::{bounded_param, find_workspace};
use crate::{
    error::{ApiError, WebError},
    AppState,
};

/// Query of `GET .../rollups`.
#[derive(Debug, Deserialize)]
pub(crate) struct RollupParams {
    days: Option<String>,
    bucket: Option<String>,
    monitor: Option<String>,
    format: Option<String>,
}

/// The CSV header of the rollups export.
pub const ROLLUP_COLUMNS: [&str; 15] = [
    "monitor_id",
    "start",
    "mentions",
    "authors",
    "positive",
    "neutral",
    "negative",
    "complaint",
    "question",
    "praise",
    "purchase_intent",
    "other",
    "reach",
    "engagement",
    "net_sentiment",
];

fn rollup_row(r: &RollupRow) -> Vec<String> {
    let c = &r.counts;
    vec![
        r.monitor_id.to_string(),
        r.start.to_rfc3339(),
        c.mentions.to_string(),
        c.authors.to_string(),
        c.positive.to_string(),
        c.neutral.to_string(),
        c.negative.to_string(),
        c.complaint.to_string(),
        c.question.to_string(),
        c.praise.to_string(),
        c.purchase_intent.to_string(),
        c.other.to_string(),
        c.reach.to_string(),
        c.engagement.to_string(),
        super::exports::float_cell(super::reports::net_sentiment(c), 4),
    ]
}

/// `hour` or `day`.
pub(crate) fn parse_bucket(raw: Option<&str>) -> Result<Bucket, WebError> {
    match raw.map(str::trim) {
        None | Some("day") => Ok(Bucket::Day),
        Some("hour") => Ok(Bucket::Hour),
        Some(other) => Err(WebError::bad_request(format!(
            "bucket must be \"hour\" or \"day\", not {other:?}"
        ))),
    }
}

/// `GET /api/v1/workspaces/{id}/rollups`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/rollups",
    tag = "analytics",
    summary = "Rollups per monitor and bucket, oldest first",
    params(("id" = i64, Path, description = "Workspace id"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 14"), ("bucket" = Option<String>, Query, description = "hour or day (default)"), ("monitor" = Option<i64>, Query, description = "Only this monitor"), ("format" = Option<String>, Query, description = "json (default) or csv (one row per monitor and bucket, with net sentiment)")),
    responses((status = 200, body = Vec<RollupRow>, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn rollups(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<RollupParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 14, 1, 366)?;
    let bucket = parse_bucket(params.bucket.as_deref())?;
    let monitor = super::exports::parse_monitor(params.monitor.as_deref())?;
    let format = super::exports::parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let to = chrono::Utc::now();
    let from = to - Duration::days(i64::from(days));
    let mut rows = state.analytics.rollups(id, from, to, bucket).await?;
    if let Some(monitor) = monitor {
        rows.retain(|r| r.monitor_id == monitor);
    }
    Ok(super::exports::respond(
        format,
        "rollups.csv",
        &rows,
        &ROLLUP_COLUMNS,
        || rows.iter().map(rollup_row).collect(),
    )?)
}
