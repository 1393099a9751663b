//! The monitor query language over HTTP: check a query as it is typed, and preview what it
//! would have matched among the stored posts of the last days.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use rapport_model::{Engagement, Network, PostId, Timestamp};
use rapport_query::{Document, Query as MonitorQuery, QueryError};
use rapport_store::StoredPost;
use serde::{Deserialize, Serialize};

use super::api::{bad_query, workspace_from_path};
use super::{bounded_param, find_workspace};
use crate::error::{ApiError, WebError};
use crate::AppState;

/// Default and largest look-back of a preview, in days.
pub const DAYS_DEFAULT: u32 = 7;
/// The largest look-back of a preview, in days.
pub const DAYS_MAX: u32 = 90;
/// Matching posts returned by default and at most.
pub const PREVIEW_LIMIT_DEFAULT: u32 = 50;
/// The most matching posts a preview returns.
pub const PREVIEW_LIMIT_MAX: u32 = 500;
/// The most recent posts a preview scans: enough for a representative sample, small enough
/// to answer while the user types. The answer says when the window held more.
pub const SCAN_LIMIT: usize = 50_000;

/// Parameters of both endpoints.
#[derive(Debug, Deserialize)]
pub struct QueryParams {
    /// The query.
    q: Option<String>,
    /// Look-back in days (preview only).
    days: Option<String>,
    /// Matching posts to return (preview only).
    limit: Option<String>,
}

/// A query error, positioned for an editor to underline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PositionedError {
    /// Always `invalid_query`, like the `code` of every other API error.
    pub code: String,
    /// What is wrong, with its column (`unclosed quote at column 14`).
    pub message: String,
    /// 1-based column, in characters.
    pub column: usize,
    /// A suggestion, when there is one.
    pub hint: Option<String>,
    /// The full explanation: the message, the query echoed and a caret under the column.
    pub display: String,
}

impl From<&QueryError> for PositionedError {
    fn from(error: &QueryError) -> Self {
        PositionedError {
            code: "invalid_query".to_string(),
            message: error.headline(),
            column: error.column(),
            hint: error.hint().map(str::to_string),
            display: error.to_string(),
        }
    }
}

/// The answer of `GET /api/v1/query/check`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct QueryCheck {
    /// Whether the query parses.
    pub valid: bool,
    /// Its canonical form, with explicit operators and parentheses.
    pub canonical: Option<String>,
    /// Why it does not parse.
    pub error: Option<PositionedError>,
}

/// A post a preview matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PreviewPost {
    /// The stored post.
    pub post_id: PostId,
    /// Where it was published.
    pub network: Network,
    /// The network's id of the post.
    pub native_id: String,
    /// The author's handle.
    pub author_handle: String,
    /// The title, for feed items.
    pub title: Option<String>,
    /// The text (hostile: escape it).
    pub text: String,
    /// A link to the original.
    pub url: Option<String>,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Likes, reposts and replies as last seen.
    pub engagement: Engagement,
}

impl From<StoredPost> for PreviewPost {
    fn from(stored: StoredPost) -> Self {
        let post = stored.post;
        PreviewPost {
            post_id: stored.id,
            network: post.network,
            native_id: post.native_id,
            author_handle: post.author.handle,
            title: post.title,
            text: post.text,
            url: post.url,
            created_at: post.created_at,
            engagement: post.engagement,
        }
    }
}

/// The answer of `GET /api/v1/workspaces/{id}/preview`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Preview {
    /// The query's canonical form.
    pub canonical: String,
    /// The look-back, in days.
    pub days: u32,
    /// Posts of the window examined (the most recent first).
    pub scanned: usize,
    /// How many of them the query matches.
    pub matched: usize,
    /// False when the window held more than [`SCAN_LIMIT`] posts and only the most recent
    /// were examined.
    pub complete: bool,
    /// The most recent matching posts, up to `limit`.
    pub posts: Vec<PreviewPost>,
}

fn required_query(params: &QueryParams) -> Result<&str, WebError> {
    params
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| WebError::bad_request("the query parameter q is required"))
}

/// `GET /api/v1/query/check?q=...`: 200 either way, with the canonical form or the positioned
/// error (the request itself is fine even when the query is not).
#[utoipa::path(
    get,
    path = "/api/v1/query/check",
    tag = "monitors",
    summary = "Check a monitor query; errors point at their column",
    params(("q" = String, Query, description = "The query")),
    responses((status = 200, description = "Valid or not, with the positioned error", body = QueryCheck), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn check(
    query: Result<Query<QueryParams>, QueryRejection>,
) -> Result<Json<QueryCheck>, ApiError> {
    let Query(params) = query.map_err(bad_query)?;
    let text = required_query(&params)?;
    Ok(Json(match MonitorQuery::parse(text) {
        Ok(parsed) => QueryCheck {
            valid: true,
            canonical: Some(parsed.to_string()),
            error: None,
        },
        Err(error) => QueryCheck {
            valid: false,
            canonical: None,
            error: Some(PositionedError::from(&error)),
        },
    }))
}

/// `GET /api/v1/workspaces/{id}/preview?q=...&days=7&limit=50`: what the query would have
/// matched among the posts of the last `days` days. An invalid query is a 400 whose body is
/// a [`QueryCheck`] with the positioned error.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/preview",
    tag = "monitors",
    summary = "What a query would have matched recently (manager)",
    params(("id" = i64, Path, description = "Workspace id"), ("q" = String, Query, description = "The query"), ("days" = Option<u32>, Query, minimum = 1, maximum = 90, description = "Window, default 7"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many, default 50")),
    responses((status = 200, body = Preview), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn preview(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<QueryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let text = required_query(&params)?;
    let days = bounded_param("days", params.days.as_deref(), DAYS_DEFAULT, 1, DAYS_MAX)?;
    let limit = bounded_param(
        "limit",
        params.limit.as_deref(),
        PREVIEW_LIMIT_DEFAULT,
        1,
        PREVIEW_LIMIT_MAX,
    )?;
    find_workspace(&state, id).await?;
    let parsed = match MonitorQuery::parse(text) {
        Ok(parsed) => parsed,
        Err(error) => {
            let body = QueryCheck {
                valid: false,
                canonical: None,
                error: Some(PositionedError::from(&error)),
            };
            return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
        }
    };
    let since = chrono::Utc::now() - chrono::TimeDelta::days(i64::from(days));
    // One more than the limit tells whether the window held more than was scanned.
    let mut window = state.store.posts_since(since, SCAN_LIMIT + 1).await?;
    let complete = window.len() <= SCAN_LIMIT;
    window.truncate(SCAN_LIMIT);
    let scanned = window.len();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let canonical = parsed.to_string();
    let (matched, posts) = tokio::task::spawn_blocking(move || {
        let mut matched = 0;
        let mut kept = Vec::new();
        for stored in window {
            if parsed.matches(&Document::from_post(&stored.post)) {
                matched += 1;
                if kept.len() < limit {
                    kept.push(PreviewPost::from(stored));
                }
            }
        }
        (matched, kept)
    })
    .await
    .map_err(|e| WebError::Internal(format!("preview matching failed: {e}")))?;
    Ok(Json(Preview {
        canonical,
        days,
        scanned,
        matched,
        complete,
        posts,
    })
    .into_response())
}
