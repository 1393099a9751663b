//! The team inbox over JSON: the mentions that need an answer, most urgent first, and what
//! agents do with them.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces/{id}/inbox?status=new,open&assignee=me\|none\|ID&reason=&after=&limit=` | [`InboxPage`] (agent) |
//! | `GET /api/v1/workspaces/{id}/inbox/{item}` | [`InboxDetail`]: the item, its thread, notes, history and replies (agent) |
//! | `POST /api/v1/workspaces/{id}/inbox/{item}` | body [`InboxChange`]: status and/or assignee; the item (agent) |
//! | `POST /api/v1/workspaces/{id}/inbox/{item}/notes` | body `{"body": "..."}`; the note (agent) |
//! | `POST /api/v1/workspaces/{id}/inbox/{item}/corrections` | body `{"sentiment": ...}` or `{"intent": ...}`; 204 (agent) |
//! | `GET /api/v1/workspaces/{id}/response-times?days=7&target_minutes=60` | `[ResponseStats]`: the workspace, then per agent (viewer) |
//! | `GET /api/v1/workspaces/{id}/reply-templates` | `[SavedReply]` by name (agent) |
//! | `POST /api/v1/workspaces/{id}/reply-templates` | body [`TemplateBody`]; 201 `SavedReply` (manager) |
//!
//! Pagination is by cursor: pass a page's `next` as `after` to get the following one.
//! Replying through a network needs the connectors' write side and a connected account;
//! until then the inbox records handling, notes and corrections only.

use axum::{
    extract::{
        rejection::JsonRejection, rejection::PathRejection, rejection::QueryRejection, Path, Query,
        State,
    },
    http::StatusCode,
    Json,
};
use chrono::Duration;
use rapport_model::{InboxItemId, InboxReason, InboxStatus, Intent, SentimentLabel, WorkspaceId};
use rapport_store::inbox::{
    AssigneeFilter, Correction, InboxCursor, InboxEntry, InboxEvent, InboxNote, InboxQuery,
    InboxUpdate, ReplyRecord, ResponseStats,
};
use rapport_store::StoredPost;
use serde::{Deserialize, Serialize};

use super::api::bad_query;
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, WebError},
    AppState,
};

/// Default page size.
pub const PAGE_DEFAULT: u32 = 50;
/// Largest page size.
pub const PAGE_MAX: u32 = 200;
/// Longest note accepted, in characters.
pub const NOTE_MAX: usize = 5000;
/// Posts of a thread shown with an item.
pub const THREAD_MAX: usize = 100;

/// One inbox item as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboxItemView {
    /// The item's id.
    pub id: InboxItemId,
    /// Why it needs an answer.
    pub reason: InboxReason,
    /// Where it stands.
    pub status: InboxStatus,
    /// Who handles it (a user id).
    pub assignee: Option<i64>,
    /// Its priority now (grows with waiting time).
    pub priority: f64,
    /// Hours since the post was published.
    pub waiting_hours: f64,
    /// When the team first answered, if it has.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_response_at: Option<rapport_model::Timestamp>,
    /// When it was resolved.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<rapport_model::Timestamp>,
    /// The workspace's monitors that matched it.
    pub monitors: Vec<String>,
    /// An agent's correction of the sentiment, if any (it wins over the model's label).
    pub corrected_sentiment: Option<SentimentLabel>,
    /// An agent's correction of the intent, if any.
    pub corrected_intent: Option<Intent>,
    /// The post with its analysis.
    pub post: StoredPost,
}

impl InboxItemView {
    pub(crate) fn from_entry(entry: InboxEntry, now: rapport_model::Timestamp) -> Self {
        let waiting = (now - entry.arrived_at).num_seconds().max(0) as f64 / 3600.0;
        InboxItemView {
            id: entry.id,
            reason: entry.reason,
            status: entry.status,
            assignee: entry.assignee,
            priority: (entry.priority_at(now) * 100.0).round() / 100.0,
            waiting_hours: (waiting * 10.0).round() / 10.0,
            first_response_at: entry.first_response_at,
            resolved_at: entry.resolved_at,
            monitors: entry.monitors,
            corrected_sentiment: entry.corrected_sentiment,
            corrected_intent: entry.corrected_intent,
            post: entry.post,
        }
    }
}

/// A page of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboxPage {
    /// Items, most urgent first.
    pub items: Vec<InboxItemView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// One item with everything around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboxDetail {
    /// The item.
    pub item: InboxItemView,
    /// The conversation the post belongs to, oldest first.
    pub thread: Vec<StoredPost>,
    /// Internal notes.
    pub notes: Vec<InboxNote>,
    /// What happened to it.
    pub events: Vec<InboxEvent>,
    /// Replies sent or being sent.
    pub replies: Vec<ReplyRecord>,
}

/// Body of `POST .../inbox/{item}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxChange {
    /// The new status.
    #[serde(default)]
    pub status: Option<InboxStatus>,
    /// `"me"`, `"none"` or a user id.
    #[serde(default)]
    pub assignee: Option<String>,
}

/// Body of `POST .../notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note (shown escaped).
    pub body: String,
}

/// Body of `POST .../corrections`: exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The right sentiment.
    #[serde(default)]
    pub sentiment: Option<SentimentLabel>,
    /// The right intent.
    #[serde(default)]
    pub intent: Option<Intent>,
}

/// Query of `GET .../inbox`.
#[derive(Debug, Deserialize)]
pub(crate) struct InboxParams {
    status: Option<String>,
    assignee: Option<String>,
    reason: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

/// Query of `GET .../response-times`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseParams {
    days: Option<String>,
    target_minutes: Option<String>,
    format: Option<String>,
}

pub(crate) fn path_ids(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, InboxItemId), WebError> {
    let Path((workspace, item)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let item = item
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("inbox item id must be a positive integer"))?;
    Ok((parse_workspace_id(&workspace)?, InboxItemId(item)))
}

/// `me`, `none` or a user id, as an assignee.
fn parse_assignee(raw: &str, caller: &Caller) -> Result<Option<i64>, WebError> {
    match raw.trim() {
        "me" => caller.user_id().map(|id| Some(id.0)).ok_or_else(|| {
            WebError::bad_request("\"me\" needs a signed-in user or a token created by one")
        }),
        "none" | "" => Ok(None),
        other => other
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or_else(|| {
                WebError::bad_request(format!(
                    "assignee must be \"me\", \"none\" or a user id, not {other:?}"
                ))
            }),
    }
}

pub(crate) fn parse_statuses(raw: Option<&str>) -> Result<Vec<InboxStatus>, WebError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    if raw.trim() == "all" {
        return Ok(InboxStatus::ALL.to_vec());
    }
    raw.split(',')
        .map(|s| {
            s.parse().map_err(|e: rapport_model::UnknownInboxStatus| {
                WebError::bad_request(e.to_string())
            })
        })
        .collect()
}

/// `GET /api/v1/workspaces/{id}/inbox`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/inbox",
    tag = "inbox",
    summary = "The inbox, most urgent first (agent)",
    params(("id" = i64, Path, description = "Workspace id"), ("status" = Option<String>, Query, description = "Comma-separated: new, open, pending, resolved; default new,open,pending"), ("assignee" = Option<String>, Query, description = "me, none or a user id"), ("reason" = Option<String>, Query, description = "complaint, question, addressed"), ("after" = Option<String>, Query, description = "The `next` of the previous page"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "How many, default 50")),
    responses((status = 200, body = InboxPage), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<InboxParams>, QueryRejection>,
) -> Result<Json<InboxPage>, ApiError> {
    let id = super::api::workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let limit = bounded_param("limit", params.limit.as_deref(), PAGE_DEFAULT, 1, PAGE_MAX)?;
    let assignee = match params.assignee.as_deref() {
        None => AssigneeFilter::Any,
        Some("any") => AssigneeFilter::Any,
        Some(raw) => match parse_assignee(raw, &caller)? {
            None => AssigneeFilter::Unassigned,
            Some(user) => AssigneeFilter::User(user),
        },
    };
    let reason = params
        .reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| r.parse::<InboxReason>().map_err(WebError::bad_request))
        .transpose()?;
    let after = params
        .after
        .as_deref()
        .map(|a| {
            a.parse::<InboxCursor>()
                .map_err(|e| WebError::bad_request(e.to_string()))
        })
        .transpose()?;
    find_workspace(&state, id).await?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let query = InboxQuery {
        statuses: parse_statuses(params.status.as_deref())?,
        assignee,
        reason,
        after,
        limit,
    };
    let entries = state.inbox.inbox(id, &query).await?;
    let next = (entries.len() == limit)
        .then(|| entries.last())
        .flatten()
        .map(|last| {
            InboxCursor {
                rank_key: last.rank_key,
                id: last.id,
            }
            .to_string()
        });
    let now = chrono::Utc::now();
    Ok(Json(InboxPage {
        items: entries
            .into_iter()
            .map(|e| InboxItemView::from_entry(e, now))
            .collect(),
        next,
    }))
}

/// Everything about one item, or a 404.
pub(crate) async fn detail_of(
    state: &AppState,
    workspace: WorkspaceId,
    item: InboxItemId,
) -> Result<InboxDetail, WebError> {
    let entry = state
        .inbox
        .inbox_item(workspace, item)
        .await?
        .ok_or_else(|| WebError::not_found(format!("inbox item {item} does not exist")))?;
    let thread = state.inbox.conversation(entry.post.id, THREAD_MAX).await?;
    let notes = state.inbox.inbox_notes(workspace, item).await?;
    let events = state.inbox.inbox_events(workspace, item).await?;
    let replies = state.inbox.inbox_replies(workspace, item).await?;
    Ok(InboxDetail {
        item: InboxItemView::from_entry(entry, chrono::Utc::now()),
        thread,
        notes,
        events,
        replies,
    })
}

/// `GET /api/v1/workspaces/{id}/inbox/{item}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/inbox/{item}",
    tag = "inbox",
    summary = "One item with its thread, notes, history and replies (agent)",
    params(("id" = i64, Path, description = "Workspace id"), ("item" = i64, Path, description = "Inbox item id")),
    responses((status = 200, body = InboxDetail), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn detail(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<InboxDetail>, ApiError> {
    let (workspace, item) = path_ids(path)?;
    Ok(Json(detail_of(&state, workspace, item).await?))
}

/// Applies a status and/or assignee change for `caller`.
pub(crate) async fn apply_change(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    item: InboxItemId,
    change: &InboxChange,
) -> Result<InboxEntry, WebError> {
    let assignee = change
        .assignee
        .as_deref()
        .map(|raw| parse_assignee(raw, caller))
        .transpose()?;
    if change.status.is_none() && assignee.is_none() {
        return Err(WebError::bad_request(
            "nothing to change: send \"status\" and/or \"assignee\"",
        ));
    }
    if let Some(Some(user)) = assignee {
        let members = state.accounts.members(workspace).await?;
        if !members.iter().any(|m| m.user.id.0 == user) {
            return Err(WebError::bad_request(format!(
                "user {user} is not a member of this workspace"
            )));
        }
    }
    let update = InboxUpdate {
        status: change.status,
        assignee,
    };
    let by = caller.user_id().map(|u| u.0);
    Ok(state
        .inbox
        .update_inbox_item(workspace, item, update, by)
        .await?)
}

/// `POST /api/v1/workspaces/{id}/inbox/{item}`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/inbox/{item}",
    tag = "inbox",
    summary = "Set status and/or assignee (agent)",
    params(("id" = i64, Path, description = "Workspace id"), ("item" = i64, Path, description = "Inbox item id")),
    request_body = InboxChange,
    responses((status = 200, body = InboxItemView), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn change(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<InboxChange>, JsonRejection>,
) -> Result<Json<InboxItemView>, ApiError> {
    let (workspace, item) = path_ids(path)?;
    let Json(change) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let entry = apply_change(&state, &caller, workspace, item, &change).await?;
    Ok(Json(InboxItemView::from_entry(entry, chrono::Utc::now())))
}

/// Checks and trims a note.
pub(crate) fn note_text(raw: &str) -> Result<&str, WebError> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(WebError::bad_request("a note cannot be empty"));
    }
    if body.chars().count() > NOTE_MAX {
        return Err(WebError::bad_request(format!(
            "a note is at most {NOTE_MAX} characters"
        )));
    }
    Ok(body)
}

/// `POST /api/v1/workspaces/{id}/inbox/{item}/notes`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/inbox/{item}/notes",
    tag = "inbox",
    summary = "Add an internal note (agent)",
    params(("id" = i64, Path, description = "Workspace id"), ("item" = i64, Path, description = "Inbox item id")),
    request_body = NoteBody,
    responses((status = 201, body = InboxNote), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<(StatusCode, Json<InboxNote>), ApiError> {
    let (workspace, item) = path_ids(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let text = note_text(&body.body)?;
    let by = caller.user_id().map(|u| u.0);
    let note = state
        .inbox
        .add_inbox_note(workspace, item, by, text)
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Records a correction of an item's post for `caller`.
pub(crate) async fn apply_correction(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    item: InboxItemId,
    body: &CorrectionBody,
) -> Result<(), WebError> {
    let correction =
        match (body.sentiment, body.intent) {
            (Some(label), None) => Correction::Sentiment(label),
            (None, Some(intent)) => Correction::Intent(intent),
            _ => return Err(WebError::bad_request(
                "send exactly one of \"sentiment\" (positive, neutral, negative) or \"intent\" \
                 (complaint, question, praise, purchase_intent, other)",
            )),
        };
    let entry = state
        .inbox
        .inbox_item(workspace, item)
        .await?
        .ok_or_else(|| WebError::not_found(format!("inbox item {item} does not exist")))?;
    state
        .inbox
        .record_correction(
            workspace,
            entry.post.id,
            correction,
            caller.user_id().map(|u| u.0),
        )
        .await?;
    Ok(())
}

/// `POST /api/v1/workspaces/{id}/inbox/{item}/corrections`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/inbox/{item}/corrections",
    tag = "inbox",
    summary = "Correct the sentiment or intent; stored as training data (agent)",
    params(("id" = i64, Path, description = "Workspace id"), ("item" = i64, Path, description = "Inbox item id")),
    request_body = CorrectionBody,
    responses((status = 204, description = "Stored"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<CorrectionBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let (workspace, item) = path_ids(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    apply_correction(&state, &caller, workspace, item, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/workspaces/{id}/response-times`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/response-times",
    tag = "inbox",
    summary = "First-response and resolution times, the workspace then per agent",
    params(("id" = i64, Path, description = "Workspace id"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 7"), ("target_minutes" = Option<u32>, Query, minimum = 1, maximum = 10080, description = "Answer target, default 60"), ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, body = Vec<ResponseStats>, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn response_times(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ResponseParams>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    let id = super::api::workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 7, 1, 366)?;
    let target = bounded_param(
        "target_minutes",
        params.target_minutes.as_deref(),
        60,
        1,
        10_080,
    )?;
    let format = super::exports::parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let since = chrono::Utc::now() - Duration::days(i64::from(days));
    let stats = state
        .inbox
        .response_stats(id, since, u64::from(target) * 60)
        .await?;
    use super::exports::float_cell;
    Ok(super::exports::respond(
        format,
        "response-times.csv",
        &stats,
        &[
            "user",
            "items",
            "answered",
            "resolved",
            "median_first_response_secs",
            "p90_first_response_secs",
            "median_resolution_secs",
            "answered_within_target",
        ],
        || {
            stats
                .iter()
                .map(|s| {
                    vec![
                        s.user
                            .map(|u| u.to_string())
                            .unwrap_or_else(|| "all".into()),
                        s.items.to_string(),
                        s.answered.to_string(),
                        s.resolved.to_string(),
                        float_cell(s.median_first_response_secs, 0),
                        float_cell(s.p90_first_response_secs, 0),
                        float_cell(s.median_resolution_secs, 0),
                        float_cell(s.answered_within_target, 4),
                    ]
                })
                .collect()
        },
    )?)
}

/// Longest saved reply name, in characters.
pub const TEMPLATE_NAME_MAX: usize = 80;
/// Longest saved reply body, in characters.
pub const TEMPLATE_BODY_MAX: usize = 2000;

/// Body of `POST /api/v1/workspaces/{id}/reply-templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// A short name agents pick it by; saving an existing name replaces its text.
    pub name: String,
    /// The text, with `{{author}}`, `{{name}}`, `{{network}}` or `{{agent}}` variables.
    pub body: String,
}

/// The variables a saved reply may use, in the order documented.
pub const TEMPLATE_VARIABLES: [&str; 4] = ["author", "name", "network", "agent"];

/// Fills a saved reply's `{{variables}}` for one post. Unknown variables are left as
/// written, so a typo shows instead of vanishing.
pub fn render_template(body: &str, post: &rapport_model::Post, agent: Option<&str>) -> String {
    let author = format!("@{}", post.author.handle);
    let name = post
        .author
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&post.author.handle);
    body.replace("{{author}}", &author)
        .replace("{{name}}", name)
        .replace("{{network}}", post.network.label())
        .replace("{{agent}}", agent.unwrap_or("the team"))
}

/// `GET /api/v1/workspaces/{id}/reply-templates`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/reply-templates",
    tag = "inbox",
    summary = "Saved replies by name (agent)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<rapport_store::inbox::SavedReply>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn templates(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<rapport_store::inbox::SavedReply>>, ApiError> {
    let id = super::api::workspace_from_path(path)?;
    find_workspace(&state, id).await?;
    Ok(Json(state.inbox.reply_templates(id).await?))
}

/// `POST /api/v1/workspaces/{id}/reply-templates` (managers).
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/reply-templates",
    tag = "inbox",
    summary = "Save a reply template; {{author}} and friends are filled in when used (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = TemplateBody,
    responses((status = 201, body = rapport_store::inbox::SavedReply), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn save_template(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<TemplateBody>, JsonRejection>,
) -> Result<(StatusCode, Json<rapport_store::inbox::SavedReply>), ApiError> {
    let id = super::api::workspace_from_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > TEMPLATE_NAME_MAX {
        return Err(WebError::bad_request(format!(
            "a saved reply's name is 1 to {TEMPLATE_NAME_MAX} characters"
        ))
        .into());
    }
    let text = body.body.trim();
    if text.is_empty() || text.chars().count() > TEMPLATE_BODY_MAX {
        return Err(WebError::bad_request(format!(
            "a saved reply is 1 to {TEMPLATE_BODY_MAX} characters"
        ))
        .into());
    }
    find_workspace(&state, id).await?;
    let saved = state.inbox.save_reply_template(id, name, text).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_replies_fill_their_variables_and_keep_unknown_ones() {
        let post: rapport_model::Post = serde_json::from_value(serde_json::json!({
            "network": "bluesky", "native_id": "1",
            "author": {"handle": "kim.bsky.social", "display_name": "Kim"},
            "text": "help", "created_at": "2026-05-01T10:00:00Z"
        }))
        .unwrap();
        let text = render_template(
            "Hi {{name}} ({{author}}), sorry about that! DM us on {{network}}. {{agent}} {{typo}}",
            &post,
            Some("Sam"),
        );
        assert_eq!(
            text,
            "Hi Kim (@kim.bsky.social), sorry about that! DM us on Bluesky. Sam {{typo}}"
        );
        assert!(render_template("{{agent}}", &post, None).contains("the team"));
    }
}
