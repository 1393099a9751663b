//! Advocates and detractors: the authors of a workspace's mentions ranked by net sentiment
//! × reach over a window, and one author's mentions.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /w/{id}/authors?days=30` | advocates, detractors and influencers (by reach, by engagement with the brand), with CSV/JSON download links (viewer) |
//! | `GET /w/{id}/authors/{author}?days=30` | one author's standing and mentions (viewer) |
//! | `GET /api/v1/workspaces/{id}/authors?days=30&limit=25&format=json\|csv` | [`AuthorRanking`] (viewer); CSV: one row per author with its side |
//! | `GET /api/v1/workspaces/{id}/authors/{author}?days=30` | [`AuthorDetail`] (viewer) |
//!
//! Both read the workspace's mentions in the window through `mentions_workspace_time`
//! (see `AnalyticsStore::author_standings`), so the window bounds the work.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    response::Response,
    Json,
};
use chrono::{Duration, Utc};
use maud::{html, Markup};
use rapport_model::{AuthorId, Timestamp, WorkspaceId};
use rapport_store::analytics::{AuthorSide, AuthorStanding, InfluenceOrder};
use rapport_store::{MentionFilter, MentionView};
use serde::{Deserialize, Serialize};

use super::api::{bad_query, MentionItem};
use super::exports::{author_row, parse_format, respond, AUTHOR_COLUMNS};
use super::pages::{layout, mention_item, user_menu};
use super::reports::author_rows;
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// Windows offered on the page, in days.
const WINDOWS: [u32; 4] = [7, 30, 90, 365];
/// The most mentions an author page lists.
const AUTHOR_MENTIONS: usize = 100;

/// Query of the author routes.
#[derive(Debug, Deserialize)]
pub(crate) struct AuthorParams {
    days: Option<String>,
    limit: Option<String>,
    format: Option<String>,
}

/// Answer of `GET /api/v1/workspaces/{id}/authors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorRanking {
    /// The window's start (inclusive).
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// Its end (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// More positive than negative, highest net sentiment × reach first.
    pub advocates: Vec<AuthorStanding>,
    /// More negative than positive, lowest first.
    pub detractors: Vec<AuthorStanding>,
}

/// Answer of `GET /api/v1/workspaces/{id}/authors/{author}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorDetail {
    /// The author's standing over the window.
    pub author: AuthorStanding,
    /// Their mentions in the window, newest first (at most 100).
    pub mentions: Vec<MentionItem>,
}

fn window(days: u32) -> (Timestamp, Timestamp) {
    let to = Utc::now();
    (to - Duration::days(i64::from(days)), to)
}

fn ids(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, AuthorId), WebError> {
    let Path((raw_id, raw_author)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw_id)?;
    let author = raw_author
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|a| *a > 0)
        .map(AuthorId)
        .ok_or_else(|| WebError::bad_request("author must be an author id"))?;
    Ok((id, author))
}

async fn ranking(
    state: &AppState,
    id: WorkspaceId,
    days: u32,
    limit: usize,
) -> Result<AuthorRanking, WebError> {
    let (from, to) = window(days);
    let (advocates, detractors) = tokio::try_join!(
        state
            .analytics
            .author_standings(id, from, to, AuthorSide::Advocates, limit),
        state
            .analytics
            .author_standings(id, from, to, AuthorSide::Detractors, limit),
    )?;
    Ok(AuthorRanking {
        from,
        to,
        advocates,
        detractors,
    })
}

async fn detail(
    state: &AppState,
    id: WorkspaceId,
    author: AuthorId,
    days: u32,
) -> Result<(AuthorStanding, Vec<MentionView>), WebError> {
    let (from, to) = window(days);
    let standing = state
        .analytics
        .author_standing(id, author, from, to)
        .await?
        .ok_or_else(|| WebError::not_found(format!("there is no author {author}")))?;
    let filter = MentionFilter {
        author: Some(author),
        since: Some(from),
        ..MentionFilter::default()
    };
    let mentions = state
        .store
        .find_mentions(id, &filter, AUTHOR_MENTIONS)
        .await?;
    Ok((standing, mentions))
}

/// `GET /api/v1/workspaces/{id}/authors`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/authors",
    tag = "analytics",
    summary = "Advocates and detractors: authors ranked by net sentiment × reach",
    params(("id" = i64, Path, description = "Workspace id"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 30"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Per side, default 25"), ("format" = Option<String>, Query, description = "json (default) or csv (a side column, then the author)")),
    responses((status = 200, body = AuthorRanking, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AuthorParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = super::api::workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    let limit = bounded_param("limit", params.limit.as_deref(), 25, 1, 200)?;
    let format = parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let ranking = ranking(&state, id, days, limit as usize).await?;
    let mut header = vec!["side"];
    header.extend(AUTHOR_COLUMNS);
    Ok(respond(format, "authors.csv", &ranking, &header, || {
        let side = |name: &str, authors: &[AuthorStanding]| -> Vec<Vec<String>> {
            authors
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let mut row = vec![name.to_string()];
                    row.extend(author_row(i + 1, a));
                    row
                })
                .collect()
        };
        let mut rows = side("advocate", &ranking.advocates);
        rows.extend(side("detractor", &ranking.detractors));
        rows
    })?)
}

/// `GET /api/v1/workspaces/{id}/authors/{author}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/authors/{author}",
    tag = "analytics",
    summary = "One author's standing and mentions over the window",
    params(("id" = i64, Path, description = "Workspace id"), ("author" = i64, Path, description = "Author id"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 30")),
    responses((status = 200, body = AuthorDetail), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<AuthorParams>, QueryRejection>,
) -> Result<Json<AuthorDetail>, ApiError> {
    let (id, author) = ids(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    find_workspace(&state, id).await?;
    let (author, mentions) = detail(&state, id, author, days).await?;
    Ok(Json(AuthorDetail {
        author,
        mentions: mentions.into_iter().map(MentionItem::from).collect(),
    }))
}

/// Influencers listed per ranking on the page.
const INFLUENCERS: usize = 15;

/// An influencer table: each author linked to their page, with reach and engagement.
fn influencer_rows(workspace: WorkspaceId, authors: &[AuthorStanding]) -> Markup {
    html! {
        table.report.influencers {
            thead { tr {
                th scope="col" { "Author" }
                th scope="col" { "Followers" }
                th scope="col" { "Mentions" }
                th scope="col" { "Engagement" }
                th scope="col" { "+ / −" }
            } }
            tbody {
                @for a in authors {
                    tr data-author=(a.author_id) {
                        th scope="row" {
                            a href={ "/w/" (workspace) "/authors/" (a.author_id) } { "@" (a.handle) }
                            @if let Some(name) = a.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
                                " " span.author-name { (name) }
                            }
                            " · " (a.network.label())
                        }
                        td.num.followers { (a.followers) }
                        td.num { (a.mentions) }
                        td.num.engagement { (a.engagement) }
                        td.num { (a.positive) " / " (a.negative) }
                    }
                }
            }
        }
    }
}

fn window_nav(base: &str, days: u32) -> Markup {
    html! {
        nav.filters aria-label="Period" {
            @for period in WINDOWS {
                a href={ (base) "?days=" (period) } aria-current=[(period == days).then_some("page")] {
                    "last " (period) " days"
                }
            }
        }
    }
}

/// `GET /w/{id}/authors`.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AuthorParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    let workspace = find_workspace(&state, id).await?;
    let ranking = ranking(&state, id, days, 25).await?;
    let (from, to) = (ranking.from, ranking.to);
    let (by_reach, by_engagement) = tokio::try_join!(
        state
            .analytics
            .influencers(id, from, to, InfluenceOrder::Reach, INFLUENCERS),
        state
            .analytics
            .influencers(id, from, to, InfluenceOrder::Engagement, INFLUENCERS),
    )?;
    let base = format!("/w/{id}/authors");
    let api = format!("/api/v1/workspaces/{id}");
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Advocates and detractors · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                (window_nav(&base, days))
                p.hint {
                    "Authors of the last " (days) " days' mentions, ranked by net sentiment "
                    "((positive − negative) / mentions) × reach (followers)."
                }
                nav.filters.downloads aria-label="Download" {
                    a href={ (api) "/authors?days=" (days) "&format=csv" } download { "Advocates and detractors (CSV)" }
                    a href={ (api) "/authors?days=" (days) "&format=json" } { "(JSON)" }
                    a href={ (api) "/influencers?by=reach&days=" (days) "&format=csv" } download { "Influencers by reach (CSV)" }
                    a href={ (api) "/influencers?by=engagement&days=" (days) "&format=csv" } download { "Influencers by engagement (CSV)" }
                    a href={ (api) "/influencers?by=reach&days=" (days) "&format=json" } { "(JSON)" }
                }
            }
            section.panel #advocates {
                h2 { "Advocates" }
                @if ranking.advocates.is_empty() { p.empty { "No author was more positive than negative in this period." } }
                @else { (author_rows(Some(id), &ranking.advocates)) }
            }
            section.panel #detractors {
                h2 { "Detractors" }
                @if ranking.detractors.is_empty() { p.empty { "No author was more negative than positive in this period." } }
                @else { (author_rows(Some(id), &ranking.detractors)) }
            }
            section.panel #influencers-reach {
                h2 { "Influencers by reach" }
                p.hint { "Authors of the period's mentions with the most followers (latest known)." }
                @if by_reach.is_empty() { p.empty { "No mention in this period." } }
                @else { (influencer_rows(id, &by_reach)) }
            }
            section.panel #influencers-engagement {
                h2 { "Influencers by engagement with the brand" }
                p.hint { "Authors whose posts mentioning the brand in the period earned the most likes, reposts and replies." }
                @if by_engagement.is_empty() { p.empty { "No mention in this period." } }
                @else { (influencer_rows(id, &by_engagement)) }
            }
        }
    };
    Ok(layout(
        &format!("Authors · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

/// `GET /w/{id}/authors/{author}`.
pub(crate) async fn author_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<AuthorParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let (id, author) = ids(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    let workspace = find_workspace(&state, id).await?;
    let (standing, mentions) = detail(&state, id, author, days).await?;
    let now = Utc::now();
    let base = format!("/w/{id}/authors/{author}");
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 #author-name {
                        "@" (standing.handle)
                        @if let Some(name) = standing.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
                            " · " (name)
                        }
                    }
                    a href={ "/w/" (id) "/authors" } { "All authors" }
                }
                (window_nav(&base, days))
                div.stats {
                    div.stat { span.stat-value { (standing.mentions) } span.stat-label { "mentions" } }
                    div.stat { span.stat-value { (standing.positive) } span.stat-label { "positive" } }
                    div.stat { span.stat-value { (standing.negative) } span.stat-label { "negative" } }
                    div.stat { span.stat-value { (standing.followers) } span.stat-label { "followers" } }
                    div.stat { span.stat-value { (format!("{:+.2}", standing.net_sentiment)) } span.stat-label { "net sentiment" } }
                }
            }
            section.panel {
                h2 { "Mentions, last " (days) " days" }
                ol.mentions {
                    @for mention in &mentions {
                        (mention_item(mention, now))
                    }
                    @if mentions.is_empty() {
                        li.empty { "No mention by this author in this period." }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("@{} · {}", standing.handle, workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}
