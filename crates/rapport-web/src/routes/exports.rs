//! Every analytics view as CSV or JSON: `?format=csv|json` on each view's API route, and
//! the views that had no API yet.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces/{id}/share-of-voice?days=30&format=` | [`ShareOfVoice`] per brand, product and competitor monitor (viewer) |
//! | `GET /api/v1/workspaces/{id}/influencers?by=reach\|engagement&days=30&limit=25&format=` | [`Influencers`] (viewer) |
//! | `GET /api/v1/workspaces/{id}/top-posts?ranking=engagement\|reach\|positive\|negative&days=7&monitor=&limit=10&format=` | [`TopPosts`] (viewer) |
//!
//! The rollups, authors, response-times and themes routes take the same `format`. JSON is
//! the default; CSV comes as an attachment with a header row, every text cell that a
//! spreadsheet would run as a formula prefixed with `'` ([`super::reports::protect_cell`]).
//! These views are small (a ranking, a series of buckets), so they are built whole, unlike
//! the mention exports, which stream.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use chrono::{Duration, Utc};
use rapport_model::{MonitorId, MonitorKind, Timestamp, WorkspaceId};
use rapport_store::analytics::{AuthorStanding, Bucket, InfluenceOrder, PostRanking, RankedPost};
use serde::{Deserialize, Serialize};

use super::api::{bad_query, workspace_from_path};
use super::reports::protect_cell;
use super::{bounded_param, find_workspace};
use crate::{
    error::{ApiError, WebError},
    AppState,
};

/// How a view is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json` (the default).
    Json,
    /// `text/csv` with a header row, as an attachment.
    Csv,
}

/// `json` (or nothing) or `csv`.
pub fn parse_format(raw: Option<&str>) -> Result<Format, WebError> {
    match raw.map(str::trim) {
        None | Some("") | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(other) => Err(WebError::bad_request(format!(
            "format must be \"csv\" or \"json\", not {other:?}"
        ))),
    }
}

/// A CSV attachment named `filename` (a fixed name chosen by the route, never the caller's):
/// `header`, then `rows`, each cell neutralised with [`protect_cell`].
pub fn csv_response(
    filename: &'static str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Response, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| WebError::Internal(format!("cannot write CSV: {e}"));
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| protect_cell(cell).into_owned()))
            .map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| WebError::Internal(format!("cannot write CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// `value` as JSON, or `rows()` under `header` as CSV.
pub fn respond<T: Serialize>(
    format: Format,
    filename: &'static str,
    value: &T,
    header: &[&str],
    rows: impl FnOnce() -> Vec<Vec<String>>,
) -> Result<Response, WebError> {
    match format {
        Format::Json => Ok(Json(value).into_response()),
        Format::Csv => csv_response(filename, header, rows()),
    }
}

/// An optional float as a CSV cell (empty when absent).
pub fn float_cell(value: Option<f64>, decimals: usize) -> String {
    value.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

/// The window `days` back from now.
pub(crate) fn days_back(days: u32) -> (Timestamp, Timestamp) {
    let to = Utc::now();
    (to - Duration::days(i64::from(days)), to)
}

/// The CSV header of an author ranking ([`author_row`]).
pub const AUTHOR_COLUMNS: [&str; 13] = [
    "rank",
    "author_id",
    "network",
    "handle",
    "display_name",
    "followers",
    "mentions",
    "positive",
    "neutral",
    "negative",
    "engagement",
    "net_sentiment",
    "score",
];

/// One author as a CSV row under [`AUTHOR_COLUMNS`].
pub fn author_row(rank: usize, a: &AuthorStanding) -> Vec<String> {
    vec![
        rank.to_string(),
        a.author_id.to_string(),
        a.network.as_str().to_string(),
        a.handle.clone(),
        a.display_name.clone().unwrap_or_default(),
        a.followers.to_string(),
        a.mentions.to_string(),
        a.positive.to_string(),
        a.neutral.to_string(),
        a.negative.to_string(),
        a.engagement.to_string(),
        format!("{:.4}", a.net_sentiment),
        format!("{:.4}", a.score),
    ]
}

/// The CSV header of a post ranking ([`post_row`]).
pub const POST_COLUMNS: [&str; 16] = [
    "rank",
    "post_id",
    "created_at",
    "network",
    "native_id",
    "author_id",
    "author_handle",
    "reach",
    "likes",
    "reposts",
    "replies",
    "engagement",
    "sentiment",
    "impact",
    "url",
    "text",
];

/// One post as a CSV row under [`POST_COLUMNS`].
pub fn post_row(rank: usize, p: &RankedPost) -> Vec<String> {
    vec![
        rank.to_string(),
        p.post_id.to_string(),
        p.created_at.to_rfc3339(),
        p.network.as_str().to_string(),
        p.native_id.clone(),
        p.author_id.to_string(),
        p.handle.clone(),
        p.reach.to_string(),
        p.likes.to_string(),
        p.reposts.to_string(),
        p.replies.to_string(),
        p.engagement.to_string(),
        p.sentiment
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        format!("{:.4}", p.impact),
        p.url.clone().unwrap_or_default(),
        p.text.clone(),
    ]
}

/// One monitor's share of voice over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoiceShare {
    /// The monitor.
    pub monitor_id: MonitorId,
    /// Its name (hostile text: a manager typed it).
    pub name: String,
    /// `brand`, `product` or `competitor`.
    pub kind: String,
    /// Its mentions in the window.
    pub mentions: u64,
    /// Of those, positive.
    pub positive: u64,
    /// Of those, negative.
    pub negative: u64,
    /// Its mentions over all compared monitors' mentions (0 to 1; absent when none).
    pub share: Option<f64>,
    /// Its positive mentions over all compared monitors' positive mentions.
    pub positive_share: Option<f64>,
}

/// Answer of `GET .../share-of-voice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShareOfVoice {
    /// The window's start (inclusive).
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// Its end (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// Brand, product and competitor monitors (campaigns are not compared), most
    /// mentioned first.
    pub monitors: Vec<VoiceShare>,
}

/// Query of the window views.
#[derive(Debug, Deserialize)]
pub(crate) struct WindowParams {
    days: Option<String>,
    limit: Option<String>,
    format: Option<String>,
    by: Option<String>,
    ranking: Option<String>,
    monitor: Option<String>,
}

/// The share of voice of `workspace` over `[from, to)`, from the rollups.
pub async fn share_of_voice_between(
    state: &AppState,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
) -> Result<ShareOfVoice, WebError> {
    let (monitors, rollups) = tokio::try_join!(
        async { state.store.monitors(Some(workspace)).await },
        state.analytics.rollups(workspace, from, to, Bucket::Day),
    )?;
    let mut shares: Vec<VoiceShare> = monitors
        .iter()
        .filter(|m| m.kind != MonitorKind::Campaign)
        .map(|m| {
            let mut share = VoiceShare {
                monitor_id: m.id,
                name: m.name.clone(),
                kind: m.kind.as_str().to_string(),
                mentions: 0,
                positive: 0,
                negative: 0,
                share: None,
                positive_share: None,
            };
            for row in rollups.iter().filter(|r| r.monitor_id == m.id) {
                share.mentions += row.counts.mentions;
                share.positive += row.counts.positive;
                share.negative += row.counts.negative;
            }
            share
        })
        .collect();
    let total: u64 = shares.iter().map(|s| s.mentions).sum();
    let positive: u64 = shares.iter().map(|s| s.positive).sum();
    for s in &mut shares {
        s.share = (total > 0).then(|| s.mentions as f64 / total as f64);
        s.positive_share = (positive > 0).then(|| s.positive as f64 / positive as f64);
    }
    shares.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then(a.monitor_id.0.cmp(&b.monitor_id.0))
    });
    Ok(ShareOfVoice {
        from,
        to,
        monitors: shares,
    })
}

/// `GET /api/v1/workspaces/{id}/share-of-voice`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/share-of-voice",
    tag = "analytics",
    summary = "Share of voice per brand, product and competitor monitor, from the rollups",
    params(("id" = i64, Path, description = "Workspace id"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 30"), ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, body = ShareOfVoice, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn share_of_voice(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WindowParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    let format = parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let (from, to) = days_back(days);
    let voice = share_of_voice_between(&state, id, from, to).await?;
    Ok(respond(
        format,
        "share-of-voice.csv",
        &voice,
        &[
            "monitor_id",
            "monitor",
            "kind",
            "mentions",
            "positive",
            "negative",
            "share",
            "positive_share",
        ],
        || {
            voice
                .monitors
                .iter()
                .map(|s| {
                    vec![
                        s.monitor_id.to_string(),
                        s.name.clone(),
                        s.kind.clone(),
                        s.mentions.to_string(),
                        s.positive.to_string(),
                        s.negative.to_string(),
                        float_cell(s.share, 4),
                        float_cell(s.positive_share, 4),
                    ]
                })
                .collect()
        },
    )?)
}

/// Answer of `GET .../influencers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Influencers {
    /// The window's start (inclusive).
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// Its end (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// How they are ranked.
    pub by: InfluenceOrder,
    /// Authors of the window's mentions, largest first.
    pub authors: Vec<AuthorStanding>,
}

/// `reach` (default) or `engagement`.
pub fn parse_influence(raw: Option<&str>) -> Result<InfluenceOrder, WebError> {
    match raw.map(str::trim) {
        None | Some("") | Some("reach") => Ok(InfluenceOrder::Reach),
        Some("engagement") => Ok(InfluenceOrder::Engagement),
        Some(other) => Err(WebError::bad_request(format!(
            "by must be \"reach\" or \"engagement\", not {other:?}"
        ))),
    }
}

/// `GET /api/v1/workspaces/{id}/influencers`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/influencers",
    tag = "analytics",
    summary = "Influencers: authors of the window's mentions by reach or by the engagement their mentions earned",
    params(("id" = i64, Path, description = "Workspace id"), ("by" = Option<String>, Query, description = "reach (default) or engagement"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 30"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Default 25"), ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, body = Influencers, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn influencers(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WindowParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 30, 1, 366)?;
    let limit = bounded_param("limit", params.limit.as_deref(), 25, 1, 200)?;
    let by = parse_influence(params.by.as_deref())?;
    let format = parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let (from, to) = days_back(days);
    let authors = state
        .analytics
        .influencers(id, from, to, by, limit as usize)
        .await?;
    let answer = Influencers {
        from,
        to,
        by,
        authors,
    };
    Ok(respond(
        format,
        "influencers.csv",
        &answer,
        &AUTHOR_COLUMNS,
        || {
            answer
                .authors
                .iter()
                .enumerate()
                .map(|(i, a)| author_row(i + 1, a))
                .collect()
        },
    )?)
}

/// Answer of `GET .../top-posts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopPosts {
    /// The window's start (inclusive).
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// Its end (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// How they are ranked.
    pub ranking: PostRanking,
    /// The posts, first first. `impact` is sentiment sign × (ln(1 + reach) + ln(1 +
    /// engagement)).
    pub posts: Vec<RankedPost>,
}

/// `engagement` (default), `reach`, `positive` or `negative`.
pub fn parse_ranking(raw: Option<&str>) -> Result<PostRanking, WebError> {
    match raw.map(str::trim) {
        None | Some("") | Some("engagement") => Ok(PostRanking::Engagement),
        Some("reach") => Ok(PostRanking::Reach),
        Some("positive") => Ok(PostRanking::Positive),
        Some("negative") => Ok(PostRanking::Negative),
        Some(other) => Err(WebError::bad_request(format!(
            "ranking must be engagement, reach, positive or negative, not {other:?}"
        ))),
    }
}

/// An optional monitor id parameter.
pub fn parse_monitor(raw: Option<&str>) -> Result<Option<MonitorId>, WebError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|m| *m > 0)
            .map(|m| Some(MonitorId(m)))
            .ok_or_else(|| WebError::bad_request("monitor must be a monitor id")),
    }
}

/// `GET /api/v1/workspaces/{id}/top-posts`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/top-posts",
    tag = "analytics",
    summary = "Top posts by engagement or reach, and the posts that moved net sentiment most",
    params(("id" = i64, Path, description = "Workspace id"), ("ranking" = Option<String>, Query, description = "engagement (default), reach, positive or negative (by impact: sentiment sign × (ln(1 + reach) + ln(1 + engagement)))"), ("monitor" = Option<i64>, Query, description = "Only this monitor's mentions"), ("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Window, default 7"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Default 10"), ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, body = TopPosts, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn top_posts(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WindowParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 7, 1, 366)?;
    let limit = bounded_param("limit", params.limit.as_deref(), 10, 1, 100)?;
    let ranking = parse_ranking(params.ranking.as_deref())?;
    let monitor = parse_monitor(params.monitor.as_deref())?;
    let format = parse_format(params.format.as_deref())?;
    find_workspace(&state, id).await?;
    let (from, to) = days_back(days);
    let posts = state
        .analytics
        .top_posts(id, monitor, from, to, ranking, limit as usize)
        .await?;
    let answer = TopPosts {
        from,
        to,
        ranking,
        posts,
    };
    Ok(respond(
        format,
        "top-posts.csv",
        &answer,
        &POST_COLUMNS,
        || {
            answer
                .posts
                .iter()
                .enumerate()
                .map(|(i, p)| post_row(i + 1, p))
                .collect()
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_rankings_parse() {
        assert_eq!(parse_format(None).unwrap(), Format::Json);
        assert_eq!(parse_format(Some("csv")).unwrap(), Format::Csv);
        assert!(parse_format(Some("xml")).is_err());
        assert_eq!(
            parse_ranking(Some("negative")).unwrap(),
            PostRanking::Negative
        );
        assert!(parse_ranking(Some("loud")).is_err());
        assert_eq!(
            parse_influence(Some("engagement")).unwrap(),
            InfluenceOrder::Engagement
        );
        assert_eq!(parse_monitor(Some("3")).unwrap(), Some(MonitorId(3)));
        assert!(parse_monitor(Some("-3")).is_err());
    }
}
