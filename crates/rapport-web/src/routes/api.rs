//! The JSON API, mounted under `/api/v1`.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces` | `[Workspace]`, oldest first |
//! | `GET /api/v1/stats` | [`Stats`] |
//! | `GET /api/v1/workspaces/{id}/counts?hours=24` | `[MonitorCounts]`; `hours` in 1..=8760 |
//! | `GET /api/v1/workspaces/{id}/mentions?limit=50&monitor=&network=&sentiment=&intent=&lang=&hours=&q=&before=&cursor=` | [`MentionPage`]: mentions newest first and the `next` cursor; `limit` in 1..=500; `q` is full-text (all words); `before` (RFC 3339) bounds the time |
//! | `POST /api/v1/workspaces/{id}/monitors` | 201 `Monitor`; body [`NewMonitorBody`] (manager) |
//! | `GET /api/v1/workspaces/{id}/audit?limit=100` | `[AuditEvent]`, newest first (admin) |
//! | `GET /api/v1/audit?limit=100` | the whole instance's `[AuditEvent]` (instance admin) |
//!
//! Every route needs a session or an `Authorization: Bearer rpt_...` token (see
//! [`crate::auth`]); lists show only the caller's workspaces. 401 without a valid
//! credential, 403 for a role too low or another workspace.
//!
//! Every error is `{"error": {"code": "...", "message": "..."}}` ([`crate::error::ErrorBody`]) with a fitting status:
//! 400 for a bad parameter, 404 for an unknown workspace or route, 500 (without detail)
//! when the store fails. The response types are public so Rust clients and tests can
//! deserialise them.

use axum::{
    extract::{
        rejection::JsonRejection, rejection::PathRejection, rejection::QueryRejection, Path, Query,
        State,
    },
    http::StatusCode,
    Json,
};
use rapport_model::{
    AuditEvent, Engagement, Intent, Monitor, MonitorId, MonitorKind, Network, NewMonitor, PostId,
    SentimentLabel, Timestamp, Workspace, WorkspaceId,
};
use rapport_store::{MentionCursor, MentionFilter, MentionView, MonitorCount};
use serde::{Deserialize, Serialize};

use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, WebError},
    AppState,
};

/// Default of `limit` for the audit log.
pub const AUDIT_LIMIT_DEFAULT: u32 = 100;
/// The most audit entries one answer holds.
pub const AUDIT_LIMIT_MAX: u32 = 1000;
/// The longest monitor name accepted.
pub const MONITOR_NAME_MAX: usize = 100;

/// Default and bounds of `hours` for `/counts`.
pub const HOURS_DEFAULT: u32 = 24;
/// The largest `hours` accepted: one year.
pub const HOURS_MAX: u32 = 8760;
/// Default of `limit` for `/mentions`.
pub const LIMIT_DEFAULT: u32 = 50;
/// The largest `limit` accepted.
pub const LIMIT_MAX: u32 = 500;

/// Answer of `GET /api/v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stats {
    /// Posts stored, all workspaces together (posts are shared between workspaces).
    pub posts: u64,
    /// The caller's workspaces, oldest first.
    pub workspaces: Vec<Workspace>,
    /// The server's clock when it answered.
    #[schema(value_type = String, format = DateTime)]
    pub server_time: Timestamp,
    /// When the server started.
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
}

/// One monitor's counts in `GET /api/v1/workspaces/{id}/counts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MonitorCounts {
    /// The monitor.
    pub monitor_id: MonitorId,
    /// Its display name.
    pub name: String,
    /// What it listens for.
    pub kind: MonitorKind,
    /// Its query.
    pub query: String,
    /// All its mentions.
    pub total: u64,
    /// Its mentions of posts published in the last `hours`.
    pub recent: u64,
}

impl From<MonitorCount> for MonitorCounts {
    fn from(count: MonitorCount) -> Self {
        MonitorCounts {
            monitor_id: count.monitor.id,
            name: count.monitor.name,
            kind: count.monitor.kind,
            query: count.monitor.query,
            total: count.total,
            recent: count.recent,
        }
    }
}

/// A page of `GET /api/v1/workspaces/{id}/mentions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MentionPage {
    /// Mentions, newest first.
    pub items: Vec<MentionItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// One mention in `GET /api/v1/workspaces/{id}/mentions`.
///
/// Text fields are exactly as ingested: hostile. Show them as text, never as HTML, and
/// link `url` only when it is `http(s)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MentionItem {
    /// The monitor that matched.
    pub monitor_id: MonitorId,
    /// Its name.
    pub monitor_name: String,
    /// The stored post.
    pub post_id: PostId,
    /// Where it was published.
    pub network: Network,
    /// A human label for the network.
    pub network_label: String,
    /// The network's id of the post.
    pub native_id: String,
    /// The author's handle, without `@`.
    pub author_handle: String,
    /// The author's display name, when known.
    pub author_name: Option<String>,
    /// A title, for feed items and link posts.
    pub title: Option<String>,
    /// The text.
    pub text: String,
    /// A link to the original, as given by the network (not checked: see above).
    pub url: Option<String>,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Likes, reposts and replies as last seen.
    pub engagement: Engagement,
    /// Its language (ISO 639-1), from the network or detected.
    pub language: Option<String>,
    /// Positive, neutral or negative, when analysed.
    pub sentiment: Option<SentimentLabel>,
    /// VADER's compound score in [-1, 1], when analysed.
    pub compound: Option<f64>,
    /// What the post wants, when analysed.
    pub intent: Option<Intent>,
}

impl From<MentionView> for MentionItem {
    fn from(view: MentionView) -> Self {
        let analysis = view.post.analysis;
        let post = view.post.post;
        MentionItem {
            language: post.language.clone(),
            sentiment: analysis.map(|a| a.sentiment),
            compound: analysis.map(|a| a.scores.compound),
            intent: analysis.map(|a| a.intent),
            monitor_id: view.monitor_id,
            monitor_name: view.monitor_name,
            post_id: view.post.id,
            network: post.network,
            network_label: post.network.label().to_string(),
            native_id: post.native_id,
            author_handle: post.author.handle,
            author_name: post.author.display_name,
            title: post.title,
            text: post.text,
            url: post.url,
            created_at: post.created_at,
            engagement: post.engagement,
        }
    }
}

/// Query of `/counts`. Parameters are taken as strings and checked by hand so every
/// malformed value gets the same clear message.
#[derive(Debug, Deserialize)]
pub(crate) struct CountsParams {
    hours: Option<String>,
}

/// Query of `/mentions`: every filter optional.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct MentionsParams {
    #[serde(skip_serializing)]
    pub(crate) limit: Option<String>,
    pub(crate) monitor: Option<String>,
    pub(crate) network: Option<String>,
    pub(crate) sentiment: Option<String>,
    pub(crate) intent: Option<String>,
    pub(crate) lang: Option<String>,
    pub(crate) hours: Option<String>,
    pub(crate) q: Option<String>,
    pub(crate) before: Option<String>,
    #[serde(skip_serializing)]
    pub(crate) cursor: Option<String>,
}

impl MentionsParams {
    /// The store filter these parameters ask for, or a 400 that names the bad one.
    pub(crate) fn filter(&self) -> Result<MentionFilter, WebError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let monitor = given(&self.monitor)
            .map(|raw| {
                raw.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(MonitorId)
                    .ok_or_else(|| WebError::bad_request("monitor must be a monitor id"))
            })
            .transpose()?;
        let network = given(&self.network)
            .map(|raw| {
                raw.parse::<Network>()
                    .map_err(|e| WebError::bad_request(e.to_string()))
            })
            .transpose()?;
        let sentiment = given(&self.sentiment)
            .map(|raw| raw.parse::<SentimentLabel>().map_err(WebError::bad_request))
            .transpose()?;
        let intent = given(&self.intent)
            .map(|raw| raw.parse::<Intent>().map_err(WebError::bad_request))
            .transpose()?;
        let language = given(&self.lang);
        if language.as_deref().is_some_and(|l| {
            l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }) {
            return Err(WebError::bad_request(
                "lang must be a language tag such as en or pt-BR",
            ));
        }
        let since = match given(&self.hours) {
            Some(raw) => {
                let hours = bounded_param("hours", Some(&raw), HOURS_DEFAULT, 1, HOURS_MAX)?;
                Some(chrono::Utc::now() - chrono::TimeDelta::hours(i64::from(hours)))
            }
            None => None,
        };
        let until = given(&self.before)
            .map(|raw| {
                chrono::DateTime::parse_from_rfc3339(&raw)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        WebError::bad_request(
                            "before must be an RFC 3339 time, e.g. 2026-05-01T12:00:00Z",
                        )
                    })
            })
            .transpose()?;
        let text = given(&self.q);
        if text.as_deref().is_some_and(|q| q.chars().count() > 500) {
            return Err(WebError::bad_request("q is at most 500 characters"));
        }
        let after = given(&self.cursor)
            .map(|raw| {
                MentionCursor::decode(&raw).ok_or_else(|| {
                    WebError::bad_request("cursor must be the `next` of a previous page")
                })
            })
            .transpose()?;
        Ok(MentionFilter {
            after,
            monitor,
            network,
            sentiment,
            intent,
            language,
            since,
            until,
            text,
            author: None,
        })
    }
}

/// Body of `POST /api/v1/workspaces/{id}/monitors`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewMonitorBody {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// `brand`, `product`, `competitor` or `campaign`.
    pub kind: String,
    /// The query, in the monitor query language.
    pub query: String,
}

/// Query of the audit endpoints.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditParams {
    limit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/workspaces",
    tag = "workspaces",
    summary = "The workspaces the caller belongs to",
    responses((status = 200, description = "Oldest first", body = Vec<Workspace>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn workspaces(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Workspace>>, ApiError> {
    Ok(Json(caller.visible(state.store.workspaces().await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "workspaces",
    summary = "Instance figures: stored posts, visible workspaces, server time",
    responses((status = 200, body = Stats), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn stats(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Stats>, ApiError> {
    let (posts, workspaces) = tokio::try_join!(state.store.post_count(), state.store.workspaces())?;
    Ok(Json(Stats {
        posts,
        workspaces: caller.visible(workspaces),
        server_time: chrono::Utc::now(),
        started_at: state.started_at,
    }))
}

/// `POST /api/v1/workspaces/{id}/monitors`: creates a monitor after checking its query. A
/// running pipeline picks new monitors up when it reloads them (for now: on restart).
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/monitors",
    tag = "monitors",
    summary = "Create a monitor (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewMonitorBody,
    responses((status = 201, description = "Created", body = Monitor), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_monitor(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewMonitorBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Monitor>), ApiError> {
    let id = workspace_from_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    find_workspace(&state, id).await?;
    let new = checked_monitor(id, &body)?;
    let kind = new.kind;
    let monitor = state.store.create_monitor(new).await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "monitor.create",
            Some(format!("monitor {}", monitor.id)),
            serde_json::json!({ "name": monitor.name, "kind": kind.as_str(), "query": monitor.query }),
        ))
        .await?;
    state.monitors_changed().await;
    Ok((StatusCode::CREATED, Json(monitor)))
}

/// A monitor body checked: a name of 1 to [`MONITOR_NAME_MAX`] characters, a known kind, a
/// query that parses (stored in its canonical form).
fn checked_monitor(workspace: WorkspaceId, body: &NewMonitorBody) -> Result<NewMonitor, WebError> {
    let name = body.name.trim();
    if name.is_empty()
        || name.chars().count() > MONITOR_NAME_MAX
        || name.chars().any(char::is_control)
    {
        return Err(WebError::bad_request(format!(
            "a monitor name is 1 to {MONITOR_NAME_MAX} characters"
        )));
    }
    let kind: MonitorKind = body.kind.parse().map_err(|_| {
        WebError::bad_request("kind must be brand, product, competitor or campaign")
    })?;
    let query = rapport_query::Query::parse(&body.query)
        .map_err(|e| WebError::bad_request(format!("invalid query: {}", e.headline())))?;
    Ok(NewMonitor {
        workspace_id: workspace,
        name: name.to_string(),
        kind,
        query: query.to_string(),
    })
}

/// `PUT /api/v1/workspaces/{id}/monitors/{monitor}`: changes a monitor's name, kind and
/// query. Mentions already recorded stay; the running pipeline matches the new query from
/// now on.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{id}/monitors/{monitor}",
    tag = "monitors",
    summary = "Edit a monitor (manager)",
    params(("id" = i64, Path, description = "Workspace id"), ("monitor" = i64, Path, description = "Monitor id")),
    request_body = NewMonitorBody,
    responses((status = 200, description = "Changed", body = Monitor), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or monitor", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn update_monitor(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<NewMonitorBody>, JsonRejection>,
) -> Result<Json<Monitor>, ApiError> {
    let Path((raw_ws, raw_monitor)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw_ws)?;
    let monitor_id = raw_monitor
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(rapport_model::MonitorId)
        .ok_or_else(|| WebError::bad_request("the monitor id must be a positive integer"))?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    find_workspace(&state, id).await?;
    let edit = checked_monitor(id, &body)?;
    let monitor = state.store.update_monitor(monitor_id, edit).await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "monitor.update",
            Some(format!("monitor {}", monitor.id)),
            serde_json::json!({ "name": monitor.name, "kind": monitor.kind.as_str(), "query": monitor.query }),
        ))
        .await?;
    state.monitors_changed().await;
    Ok(Json(monitor))
}

/// `GET /api/v1/workspaces/{id}/audit`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/audit",
    tag = "audit",
    summary = "The workspace's audit log, newest first (admin)",
    params(("id" = i64, Path, description = "Workspace id"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "How many, default 100")),
    responses((status = 200, body = Vec<AuditEvent>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn workspace_audit(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let id = workspace_from_path(path)?;
    let limit = audit_limit(query)?;
    Ok(Json(state.accounts.audit_log(Some(id), limit).await?))
}

/// `GET /api/v1/audit`: every entry, logins included.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    summary = "The whole instance's audit log, newest first (instance admin)",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "How many, default 100")),
    responses((status = 200, body = Vec<AuditEvent>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn instance_audit(
    State(state): State<AppState>,
    query: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let limit = audit_limit(query)?;
    Ok(Json(state.accounts.audit_log(None, limit).await?))
}

fn audit_limit(query: Result<Query<AuditParams>, QueryRejection>) -> Result<usize, WebError> {
    let Query(params) = query.map_err(bad_query)?;
    let limit = bounded_param(
        "limit",
        params.limit.as_deref(),
        AUDIT_LIMIT_DEFAULT,
        1,
        AUDIT_LIMIT_MAX,
    )?;
    Ok(usize::try_from(limit).unwrap_or(usize::MAX))
}

#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/counts",
    tag = "mentions",
    summary = "Mentions per monitor, in all and in the last hours",
    params(("id" = i64, Path, description = "Workspace id"), ("hours" = Option<u32>, Query, minimum = 1, maximum = 8760, description = "Window of `recent`, default 24")),
    responses((status = 200, body = Vec<MonitorCounts>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn counts(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<CountsParams>, QueryRejection>,
) -> Result<Json<Vec<MonitorCounts>>, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let hours = bounded_param(
        "hours",
        params.hours.as_deref(),
        HOURS_DEFAULT,
        1,
        HOURS_MAX,
    )?;
    find_workspace(&state, id).await?;
    let since = chrono::Utc::now() - chrono::TimeDelta::hours(i64::from(hours));
    let counts = state.store.mention_counts(id, since).await?;
    Ok(Json(counts.into_iter().map(MonitorCounts::from).collect()))
}

#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/mentions",
    tag = "mentions",
    summary = "Mentions, newest first, filtered",
    params(("id" = i64, Path, description = "Workspace id"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many, default 50"), ("monitor" = Option<i64>, Query, description = "A monitor id"), ("network" = Option<String>, Query, description = "mastodon, bluesky, x, reddit, hackernews, rss, webhook, file or sim"), ("sentiment" = Option<String>, Query, description = "positive, neutral or negative"), ("intent" = Option<String>, Query, description = "complaint, question, praise, purchase or other"), ("lang" = Option<String>, Query, description = "Language tag such as en"), ("hours" = Option<u32>, Query, minimum = 1, maximum = 8760, description = "Only the last hours"), ("q" = Option<String>, Query, description = "Full-text: every word must appear"), ("cursor" = Option<String>, Query, description = "The `next` of the previous page"), ("before" = Option<String>, Query, description = "Only mentions older than this RFC 3339 time")),
    responses((status = 200, body = MentionPage), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn mentions(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<MentionsParams>, QueryRejection>,
) -> Result<Json<MentionPage>, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let limit = bounded_param(
        "limit",
        params.limit.as_deref(),
        LIMIT_DEFAULT,
        1,
        LIMIT_MAX,
    )?;
    let filter = params.filter()?;
    find_workspace(&state, id).await?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // One more than asked tells whether there is a next page.
    let mut views = state
        .store
        .find_mentions(id, &filter, limit.saturating_add(1))
        .await?;
    let next = if views.len() > limit {
        views.truncate(limit);
        views.last().map(|last| MentionCursor::after(last).encode())
    } else {
        None
    };
    Ok(Json(MentionPage {
        items: views.into_iter().map(MentionItem::from).collect(),
        next,
    }))
}

pub(crate) async fn unknown_route() -> ApiError {
    ApiError(WebError::not_found("no such API endpoint"))
}

pub(crate) fn workspace_from_path(
    path: Result<Path<String>, PathRejection>,
) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

pub(crate) fn bad_query(rejection: QueryRejection) -> WebError {
    WebError::bad_request(format!("invalid query string: {}", rejection.body_text()))
}
