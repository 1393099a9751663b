//! Reports: mention exports and the weekly report.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/v1/workspaces/{id}/reports/mentions.csv?monitor=&from=&to=&sentiment=` | every matching mention as CSV, streamed (viewer) |
//! | `GET /api/v1/workspaces/{id}/reports/mentions.json?...` | the same as a JSON array of `MentionItem`, streamed (viewer) |
//! | `GET /w/{id}/reports/weekly?week=YYYY-Www` | the weekly report, printable (viewer) |
//! | `GET /w/{id}/reports/weekly.pdf?week=YYYY-Www` | the same as PDF, printed by headless Chromium (viewer; 503 without a browser) |
//!
//! A week runs from Monday midnight to Monday midnight in the workspace's time zone
//! ([`workspace_time_zone`]; DST-safe: a week with a change is 167 or 169 hours).
//!
//! Exports page through `Store::find_mentions` with its cursor ([`EXPORT_PAGE`] at a time,
//! on the workspace's time index) and write each page as it comes, so an export of a year
//! holds one page in memory. A store failure halfway ends the body early (the client sees a
//! truncated transfer, never a short file that looks complete). CSV cells that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are
//! prefixed with `'`.
//!
//! The weekly report reads the hourly rollups for volumes, sentiment and share of voice
//! (never the raw posts), the author standings for advocates and detractors, at most
//! [`THEME_SAMPLE`] mention texts per week for themes (`rapport_nlp::themes`, the week
//! against the one before), and the inbox's response times.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use axum::{
    body::Body,
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use futures_util::{stream, StreamExt, TryStreamExt};
use maud::{html, Markup};
use rapport_model::{MonitorId, MonitorKind, SentimentLabel, Timestamp, WorkspaceId};
use rapport_nlp::themes::{emerging_themes, Theme, ThemeConfig};
use rapport_store::analytics::{
    AuthorSide, AuthorStanding, Bucket, PostRanking, RankedPost, RollupCounts,
};
use rapport_store::inbox::ResponseStats;
use rapport_store::{AnalyticsStore, InboxStore, MentionCursor, MentionFilter, MentionView, Store};
use serde::Deserialize;

use super::api::{bad_query, workspace_from_path, MentionItem};
use super::pages::{layout, user_menu};
use super::performance::duration;
use super::{find_workspace, parse_workspace_id};
use crate::charts::{self, Voice};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// Mentions read per page of an export.
pub const EXPORT_PAGE: usize = 500;
/// At most this many mention texts per week feed the themes.
pub const THEME_SAMPLE: usize = 2000;
/// How many advocates and detractors the report lists.
const REPORT_AUTHORS: usize = 5;
/// How many posts each of the report's post lists holds.
pub const REPORT_POSTS: usize = 5;

/// Query of the exports.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExportParams {
    monitor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sentiment: Option<String>,
}

/// `2026-05-04T10:00:00Z` or `2026-05-04` (midnight UTC).
fn parse_time(name: &str, raw: &str) -> Result<Timestamp, WebError> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| {
            WebError::bad_request(format!(
                "{name} must be a date (2026-05-04) or an RFC 3339 time (2026-05-04T10:00:00Z)"
            ))
        })
}

impl ExportParams {
    fn filter(&self) -> Result<MentionFilter, WebError> {
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
        let sentiment = given(&self.sentiment)
            .map(|raw| raw.parse::<SentimentLabel>().map_err(WebError::bad_request))
            .transpose()?;
        let since = given(&self.from)
            .map(|raw| parse_time("from", &raw))
            .transpose()?;
        let until = given(&self.to)
            .map(|raw| parse_time("to", &raw))
            .transpose()?;
        if let (Some(from), Some(to)) = (since, until) {
            if from >= to {
                return Err(WebError::bad_request("from must be before to"));
            }
        }
        Ok(MentionFilter {
            monitor,
            sentiment,
            since,
            until,
            ..MentionFilter::default()
        })
    }
}

/// A cell a spreadsheet would not run: text starting with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a leading `'`.
pub fn protect_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The CSV header.
pub const CSV_COLUMNS: [&str; 18] = [
    "created_at",
    "monitor_id",
    "monitor",
    "network",
    "native_id",
    "author_handle",
    "author_name",
    "followers",
    "sentiment",
    "compound",
    "intent",
    "language",
    "likes",
    "reposts",
    "replies",
    "url",
    "title",
    "text",
];

fn csv_chunk(rows: &[MentionView], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows.len() * 256));
    if header {
        writer.write_record(CSV_COLUMNS)?;
    }
    for view in rows {
        let post = &view.post.post;
        let analysis = view.post.analysis;
        let text = |s: &str| protect_cell(s).into_owned();
        writer.write_record([
            post.created_at.to_rfc3339(),
            view.monitor_id.to_string(),
            text(&view.monitor_name),
            post.network.as_str().to_string(),
            text(&post.native_id),
            text(&post.author.handle),
            text(post.author.display_name.as_deref().unwrap_or_default()),
            post.author
                .followers
                .map(|f| f.to_string())
                .unwrap_or_default(),
            analysis
                .map(|a| a.sentiment.as_str().to_string())
                .unwrap_or_default(),
            analysis
                .map(|a| format!("{:.4}", a.scores.compound))
                .unwrap_or_default(),
            analysis
                .map(|a| a.intent.as_str().to_string())
                .unwrap_or_default(),
            text(post.language.as_deref().unwrap_or_default()),
            post.engagement.likes.to_string(),
            post.engagement.reposts.to_string(),
            post.engagement.replies.to_string(),
            text(post.url.as_deref().unwrap_or_default()),
            text(post.title.as_deref().unwrap_or_default()),
            text(&post.text),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Every mention that passes `filter`, a page at a time, newest first.
fn mention_pages(
    state: AppState,
    workspace: WorkspaceId,
    filter: MentionFilter,
) -> impl futures_util::Stream<Item = Result<Vec<MentionView>, rapport_store::StoreError>> + Send {
    stream::try_unfold(Some(filter), move |next| {
        let state = state.clone();
        async move {
            let Some(filter) = next else {
                return Ok(None);
            };
            let page = state
                .store
                .find_mentions(workspace, &filter, EXPORT_PAGE)
                .await?;
            if page.is_empty() {
                return Ok(None);
            }
            let following = match page.last() {
                Some(last) if page.len() == EXPORT_PAGE => Some(MentionFilter {
                    after: Some(MentionCursor::after(last)),
                    ..filter
                }),
                _ => None,
            };
            Ok(Some((page, following)))
        }
    })
}

fn download(content_type: &'static str, filename: &'static str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                match filename {
                    "mentions.csv" => "attachment; filename=\"mentions.csv\"",
                    _ => "attachment; filename=\"mentions.json\"",
                },
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `GET /api/v1/workspaces/{id}/reports/mentions.csv`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/reports/mentions.csv",
    tag = "reports",
    summary = "Export mentions as CSV (streamed; formula cells neutralised)",
    params(("id" = i64, Path, description = "Workspace id"), ("monitor" = Option<i64>, Query, description = "A monitor id"), ("from" = Option<String>, Query, description = "From this date or RFC 3339 time (inclusive)"), ("to" = Option<String>, Query, description = "Until this date or RFC 3339 time (exclusive)"), ("sentiment" = Option<String>, Query, description = "positive, neutral or negative")),
    responses((status = 200, description = "CSV with a header row, newest first", content_type = "text/csv", body = String), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn export_csv(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let filter = params.filter()?;
    find_workspace(&state, id).await?;
    let header = stream::once(async { csv_chunk(&[], true).map_err(BoxError::from) });
    let rows = mention_pages(state, id, filter)
        .map_err(BoxError::from)
        .and_then(|page| async move { csv_chunk(&page, false).map_err(BoxError::from) });
    Ok(download(
        "text/csv; charset=utf-8",
        "mentions.csv",
        Body::from_stream(header.chain(rows)),
    ))
}

/// `GET /api/v1/workspaces/{id}/reports/mentions.json`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/reports/mentions.json",
    tag = "reports",
    summary = "Export mentions as a JSON array (streamed)",
    params(("id" = i64, Path, description = "Workspace id"), ("monitor" = Option<i64>, Query, description = "A monitor id"), ("from" = Option<String>, Query, description = "From this date or RFC 3339 time (inclusive)"), ("to" = Option<String>, Query, description = "Until this date or RFC 3339 time (exclusive)"), ("sentiment" = Option<String>, Query, description = "positive, neutral or negative")),
    responses((status = 200, description = "Every matching mention, newest first", body = Vec<MentionItem>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn export_json(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let filter = params.filter()?;
    find_workspace(&state, id).await?;
    let items = mention_pages(state, id, filter)
        .map_err(BoxError::from)
        .enumerate()
        .map(|(i, page)| {
            let page = page?;
            let mut chunk = Vec::with_capacity(page.len() * 512);
            for (j, view) in page.into_iter().enumerate() {
                if i > 0 || j > 0 {
                    chunk.push(b',');
                }
                serde_json::to_writer(&mut chunk, &MentionItem::from(view))?;
            }
            Ok::<_, BoxError>(chunk)
        });
    let body = stream::once(async { Ok::<_, BoxError>(b"[".to_vec()) })
        .chain(items)
        .chain(stream::once(async { Ok::<_, BoxError>(b"]".to_vec()) }));
    Ok(download(
        "application/json",
        "mentions.json",
        Body::from_stream(body),
    ))
}

/// An ISO week: `2026-W10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoWeek {
    /// Its Monday.
    pub monday: NaiveDate,
}

impl IsoWeek {
    /// Reads `YYYY-Www`.
    pub fn parse(raw: &str) -> Result<IsoWeek, WebError> {
        let bad = || WebError::bad_request("week must be an ISO week such as 2026-W10");
        let (year, week) = raw.trim().split_once("-W").ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|monday| IsoWeek { monday })
            .ok_or_else(bad)
    }

    /// The week holding `t`.
    pub fn of(t: Timestamp) -> IsoWeek {
        let iso = t.date_naive().iso_week();
        IsoWeek {
            monday: NaiveDate::from_isoywd_opt(iso.year(), iso.week(), Weekday::Mon)
                .unwrap_or_else(|| t.date_naive()),
        }
    }

    /// The week before.
    pub fn previous(self) -> IsoWeek {
        IsoWeek {
            monday: self.monday - Duration::days(7),
        }
    }

    /// Its first instant.
    pub fn start(self) -> Timestamp {
        Utc.from_utc_datetime(&self.monday.and_time(chrono::NaiveTime::MIN))
    }

    /// The first instant after it.
    pub fn end(self) -> Timestamp {
        self.start() + Duration::days(7)
    }

    /// Its first instant in `tz`: local midnight of its Monday.
    pub fn start_in(self, tz: Tz) -> Timestamp {
        local_midnight(self.monday, tz)
    }

    /// The first instant after it in `tz`: local midnight of the next Monday (a week with
    /// a daylight-saving change is 167 or 169 hours long).
    pub fn end_in(self, tz: Tz) -> Timestamp {
        local_midnight(self.monday + Duration::days(7), tz)
    }

    /// The week holding `t` in `tz`.
    pub fn of_in(t: Timestamp, tz: Tz) -> IsoWeek {
        let date = t.with_timezone(&tz).date_naive();
        IsoWeek {
            monday: date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
        }
    }
}

pub use rapport_engine::alerts::digest::local_midnight;

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let iso = self.monday.iso_week();
        write!(f, "{}-W{:02}", iso.year(), iso.week())
    }
}

/// One monitor's week.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorWeek {
    /// Its name.
    pub name: String,
    /// What it listens for.
    pub kind: MonitorKind,
    /// This week's counts.
    pub this: RollupCounts,
    /// The previous week's.
    pub previous: RollupCounts,
}

/// (positive - negative) / mentions; `None` without mentions.
pub fn net_sentiment(c: &RollupCounts) -> Option<f64> {
    (c.mentions > 0).then(|| (c.positive as f64 - c.negative as f64) / c.mentions as f64)
}

/// Everything the weekly report shows.
#[derive(Debug, Clone)]
pub struct WeeklyReport {
    /// The workspace's name.
    pub workspace: String,
    /// The week.
    pub week: IsoWeek,
    /// The time zone its days and boundaries follow (the workspace's).
    pub time_zone: Tz,
    /// Per monitor, in monitor order.
    pub monitors: Vec<MonitorWeek>,
    /// Mentions per local day of the week, all monitors together.
    pub days: Vec<(Timestamp, RollupCounts)>,
    /// Share of voice: brand, product and competitor monitors.
    pub voices: Vec<Voice>,
    /// Emerging phrases, this week against the one before.
    pub themes: Vec<Theme>,
    /// Mention texts the themes were drawn from (this week, previous week).
    pub theme_posts: (usize, usize),
    /// Best standings of the week.
    pub advocates: Vec<AuthorStanding>,
    /// Worst standings of the week.
    pub detractors: Vec<AuthorStanding>,
    /// Response times for items that arrived since the week began (whole workspace), when
    /// the inbox has any.
    pub response: Option<ResponseStats>,
    /// The week's posts with the most engagement.
    pub top_posts: Vec<RankedPost>,
    /// The positive posts that pushed net sentiment up most (largest impact first).
    pub moved_up: Vec<RankedPost>,
    /// The negative posts that pulled it down most.
    pub moved_down: Vec<RankedPost>,
}

/// The texts of a week's mentions, each post once, at most [`THEME_SAMPLE`] (newest first).
async fn week_texts(
    store: &dyn Store,
    workspace: WorkspaceId,
    (since, until): (Timestamp, Timestamp),
) -> Result<Vec<String>, WebError> {
    let filter = MentionFilter {
        since: Some(since),
        until: Some(until),
        ..MentionFilter::default()
    };
    let views = store
        .find_mentions(workspace, &filter, THEME_SAMPLE)
        .await?;
    let mut seen = BTreeSet::new();
    Ok(views
        .into_iter()
        .filter(|v| seen.insert(v.post.id))
        .map(|v| match v.post.post.title {
            Some(title) => format!("{title} {}", v.post.post.text),
            None => v.post.post.text,
        })
        .collect())
}

/// Gathers the weekly report of `workspace` from the stores, the week running from Monday
/// midnight to Monday midnight in `tz` (the workspace's zone). Volumes come from the hourly
/// rollups, each hour counted in the local day it starts in (in a zone whose offset is
/// not whole hours, an hour straddling midnight counts in the day it starts in).
pub async fn weekly_report(
    store: &dyn Store,
    analytics: &dyn AnalyticsStore,
    inbox: &dyn InboxStore,
    workspace: WorkspaceId,
    workspace_name: &str,
    week: IsoWeek,
    tz: Tz,
) -> Result<WeeklyReport, WebError> {
    let previous = week.previous();
    let (start, end) = (week.start_in(tz), week.end_in(tz));
    let previous_start = previous.start_in(tz);
    let ranked = |ranking| async move {
        analytics
            .top_posts(workspace, None, start, end, ranking, REPORT_POSTS)
            .await
            .map_err(WebError::from)
    };
    let (top_posts, moved_up, moved_down) = tokio::try_join!(
        ranked(PostRanking::Engagement),
        ranked(PostRanking::Positive),
        ranked(PostRanking::Negative),
    )?;
    let (monitors, rollups, advocates, detractors, this_texts, previous_texts, response) = tokio::try_join!(
        async {
            store
                .monitors(Some(workspace))
                .await
                .map_err(WebError::from)
        },
        async {
            analytics
                .rollups(workspace, previous_start, end, Bucket::Hour)
                .await
                .map_err(WebError::from)
        },
        async {
            analytics
                .author_standings(workspace, start, end, AuthorSide::Advocates, REPORT_AUTHORS)
                .await
                .map_err(WebError::from)
        },
        async {
            analytics
                .author_standings(
                    workspace,
                    start,
                    end,
                    AuthorSide::Detractors,
                    REPORT_AUTHORS,
                )
                .await
                .map_err(WebError::from)
        },
        week_texts(store, workspace, (start, end)),
        week_texts(store, workspace, (previous_start, start)),
        async {
            inbox
                .response_stats(workspace, start, 3600)
                .await
                .map_err(WebError::from)
        },
    )?;
    let mut per_monitor: BTreeMap<MonitorId, MonitorWeek> = monitors
        .iter()
        .map(|m| {
            (
                m.id,
                MonitorWeek {
                    name: m.name.clone(),
                    kind: m.kind,
                    this: RollupCounts::default(),
                    previous: RollupCounts::default(),
                },
            )
        })
        .collect();
    let mut days: BTreeMap<NaiveDate, RollupCounts> = (0..7)
        .map(|d| (week.monday + Duration::days(d), RollupCounts::default()))
        .collect();
    for row in &rollups {
        let Some(monitor) = per_monitor.get_mut(&row.monitor_id) else {
            continue;
        };
        if row.start >= end {
            continue;
        }
        if row.start >= start {
            add(&mut monitor.this, &row.counts);
            let local_day = row.start.with_timezone(&tz).date_naive();
            if let Some(day) = days.get_mut(&local_day) {
                add(day, &row.counts);
            }
        } else {
            add(&mut monitor.previous, &row.counts);
        }
    }
    let monitors: Vec<MonitorWeek> = per_monitor.into_values().collect();
    let mut voices: Vec<Voice> = monitors
        .iter()
        .filter(|m| m.kind != MonitorKind::Campaign)
        .map(|m| Voice {
            name: m.name.clone(),
            ours: m.kind != MonitorKind::Competitor,
            mentions: m.this.mentions,
            positive: m.this.positive,
        })
        .collect();
    voices.sort_by(|a, b| b.ours.cmp(&a.ours).then(b.mentions.cmp(&a.mentions)));
    let target: Vec<&str> = this_texts.iter().map(String::as_str).collect();
    let baseline: Vec<&str> = previous_texts.iter().map(String::as_str).collect();
    // A week of one brand is small next to the corpora G² was tuned on: three posts and
    // p < 0.05 make a theme here.
    let config = ThemeConfig {
        min_count: 3,
        min_score: 3.84,
        top: 10,
        ..ThemeConfig::default()
    };
    let themes = emerging_themes(&target, &baseline, &config);
    Ok(WeeklyReport {
        workspace: workspace_name.to_string(),
        week,
        time_zone: tz,
        monitors,
        // Each day's label is its local date (drawn at UTC midnight of that date, so the
        // chart's day names are the local ones).
        days: days
            .into_iter()
            .map(|(d, c)| {
                (
                    Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)),
                    c,
                )
            })
            .collect(),
        voices,
        themes,
        theme_posts: (target.len(), baseline.len()),
        advocates,
        detractors,
        response: response
            .into_iter()
            .find(|s| s.user.is_none())
            .filter(|s| s.items > 0),
        top_posts,
        moved_up,
        moved_down,
    })
}

fn add(total: &mut RollupCounts, more: &RollupCounts) {
    total.mentions += more.mentions;
    total.positive += more.positive;
    total.neutral += more.neutral;
    total.negative += more.negative;
    total.reach += more.reach;
    total.engagement += more.engagement;
}

/// `+100%`, `-25%`, or `new` when the previous week had none.
pub fn change(this: u64, previous: u64) -> String {
    if previous == 0 {
        if this == 0 {
            "—".to_string()
        } else {
            "new".to_string()
        }
    } else {
        format!(
            "{:+.0}%",
            (this as f64 - previous as f64) / previous as f64 * 100.0
        )
    }
}

/// `+0.50`, `-0.33`, `—` without mentions.
pub fn signed(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:+.2}", if v == 0.0 { 0.0 } else { v }))
        .unwrap_or_else(|| "—".to_string())
}

fn trend(this: Option<f64>, previous: Option<f64>) -> (String, &'static str) {
    match (this, previous) {
        (Some(a), Some(b)) if (a - b).abs() >= 0.005 => {
            let up = a > b;
            (
                format!("{} {:+.2}", if up { "▲" } else { "▼" }, a - b),
                if up { "trend-up" } else { "trend-down" },
            )
        }
        (Some(_), Some(_)) => ("= 0.00".to_string(), ""),
        _ => ("—".to_string(), ""),
    }
}

pub(crate) fn author_rows(workspace: Option<WorkspaceId>, authors: &[AuthorStanding]) -> Markup {
    html! {
        table.report {
            thead { tr {
                th scope="col" { "Author" }
                th scope="col" { "Mentions" }
                th scope="col" { "+ / −" }
                th scope="col" { "Followers" }
                th scope="col" { "Net × reach" }
            } }
            tbody {
                @for a in authors {
                    tr data-author=(a.author_id) {
                        th scope="row" {
                            @if let Some(ws) = workspace {
                                a href={ "/w/" (ws) "/authors/" (a.author_id) } { "@" (a.handle) }
                            } @else {
                                "@" (a.handle)
                            }
                            @if let Some(name) = a.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
                                " " span.author-name { (name) }
                            }
                            " · " (a.network.label())
                        }
                        td.num { (a.mentions) }
                        td.num { (a.positive) " / " (a.negative) }
                        td.num { (a.followers) }
                        td.num { (format!("{:+.1}", a.score)) }
                    }
                }
            }
        }
    }
}

/// How a post's impact on net sentiment is computed, as the pages say it.
pub const IMPACT_DEFINITION: &str = "Net sentiment is (positive − negative) / mentions. A post's \
     impact on it is its sentiment's sign (+1 positive, −1 negative, 0 neutral) × \
     (ln(1 + reach) + ln(1 + engagement)), with reach the author's followers when the post was \
     seen and engagement its likes + reposts + replies: ten times the reach counts as much as \
     ten times the engagement.";

/// `text` for a query string (every byte but unreserved ones percent-encoded).
pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A table of ranked posts: author (linked to their page when `workspace` is given),
/// time, an excerpt of the text (escaped, like everything maud writes), a link to the
/// original when it is an http(s) URL, reach, engagement and, with `impact`, the impact.
pub fn post_table(workspace: Option<WorkspaceId>, posts: &[RankedPost], impact: bool) -> Markup {
    html! {
        table.report.posts {
            thead { tr {
                th scope="col" { "Post" }
                th scope="col" { "Reach" }
                th scope="col" { "Engagement" }
                @if impact { th scope="col" { "Impact" } }
            } }
            tbody {
                @for p in posts {
                    tr data-post=(p.post_id) {
                        td.post {
                            div.post-meta {
                                @if let Some(ws) = workspace {
                                    a href={ "/w/" (ws) "/authors/" (p.author_id) } { "@" (p.handle) }
                                } @else {
                                    "@" (p.handle)
                                }
                                " · " (p.network.label()) " · " (p.created_at.format("%Y-%m-%d %H:%M UTC"))
                                @if let Some(url) = p.url.as_deref().and_then(super::pages::safe_link) {
                                    " · " a href=(url) rel="noopener noreferrer nofollow" { "original" }
                                }
                            }
                            div.post-text { (super::pages::excerpt(&p.text, 280)) }
                        }
                        td.num.reach { (p.reach) }
                        td.num.engagement { (p.engagement) " (" (p.likes) "/" (p.reposts) "/" (p.replies) ")" }
                        @if impact { td.num.impact { (format!("{:+.2}", p.impact)) } }
                    }
                }
            }
        }
    }
}

/// The report's content; `workspace` links authors to their pages (`None` in a file).
pub fn report_body(report: &WeeklyReport, workspace: Option<WorkspaceId>) -> Markup {
    let week = report.week;
    let total_this: u64 = report.monitors.iter().map(|m| m.this.mentions).sum();
    let total_previous: u64 = report.monitors.iter().map(|m| m.previous.mentions).sum();
    let voice_total: u64 = report.voices.iter().map(|v| v.mentions).sum();
    let share = |m: &MonitorWeek| -> String {
        if m.kind == MonitorKind::Campaign || voice_total == 0 {
            "—".to_string()
        } else {
            format!(
                "{:.0}%",
                m.this.mentions as f64 / voice_total as f64 * 100.0
            )
        }
    };
    let last_day = week.end() - Duration::days(1);
    html! {
        main.main.report #weekly-report data-week=(week.to_string()) {
            section.panel {
                h1 { "Weekly report · " (report.workspace) " · " (week.to_string()) }
                p.report-meta {
                    (week.start().format("%A %e %B %Y")) " to " (last_day.format("%A %e %B %Y")) " (" (report.time_zone.name()) "), against "
                    (week.previous().to_string()) ". "
                    span #total-mentions { (total_this) } " mentions (" (change(total_this, total_previous)) ")."
                }
                @if let Some(ws) = workspace {
                    nav.filters.no-print aria-label="Week" {
                        a href={ "/w/" (ws) "/reports/weekly?week=" (week.previous()) } { "← " (week.previous()) }
                        a href={ "/w/" (ws) "/reports/weekly?week=" (IsoWeek { monday: week.monday + Duration::days(7) }) } { (IsoWeek { monday: week.monday + Duration::days(7) }) " →" }
                        a href={ "/api/v1/workspaces/" (ws) "/reports/mentions.csv?from=" (urlencode(&week.start_in(report.time_zone).to_rfc3339())) "&to=" (urlencode(&week.end_in(report.time_zone).to_rfc3339())) } { "Export the week's mentions (CSV)" }
                        a href={ "/w/" (ws) "/reports/weekly.pdf?week=" (week) } { "Download as PDF" }
                    }
                }
            }
            section.panel {
                h2 { "Volume and sentiment per monitor" }
                table.report #monitor-table {
                    thead { tr {
                        th scope="col" { "Monitor" }
                        th scope="col" { "Mentions" }
                        th scope="col" { "Previous week" }
                        th scope="col" { "Change" }
                        th scope="col" { "Net sentiment" }
                        th scope="col" { "Previous" }
                        th scope="col" { "Trend" }
                        th scope="col" { "Share of voice" }
                    } }
                    tbody {
                        @for m in &report.monitors {
                            @let net = net_sentiment(&m.this);
                            @let previous_net = net_sentiment(&m.previous);
                            @let (trend_text, trend_class) = trend(net, previous_net);
                            tr data-monitor=(m.name) {
                                th scope="row" { (m.name) " " span class={ "kind kind-" (m.kind.as_str()) } { (m.kind.as_str()) } }
                                td.num.volume { (m.this.mentions) }
                                td.num.previous { (m.previous.mentions) }
                                td.num.change { (change(m.this.mentions, m.previous.mentions)) }
                                td.num.net { (signed(net)) }
                                td.num.previous-net { (signed(previous_net)) }
                                td class={ "num trend " (trend_class) } { (trend_text) }
                                td.num.share { (share(m)) }
                            }
                        }
                    }
                }
                p.hint { "Net sentiment is (positive − negative) / mentions, from −1 to +1." }
            }
            section.panel.charts {
                div.chart-box {
                    h2 { "Mentions per day" }
                    (charts::sentiment_volume(&report.days, "%a %e"))
                }
                div.chart-box {
                    h2 { "Share of voice" }
                    @if report.voices.iter().all(|v| v.mentions == 0) {
                        p.empty { "No brand, product or competitor mentions this week." }
                    } @else {
                        (charts::share_of_voice(&report.voices))
                    }
                }
            }
            section.panel #themes {
                h2 { "Top themes" }
                p.report-meta {
                    "Phrases over-represented this week against the previous one (G²), from "
                    (report.theme_posts.0) " and " (report.theme_posts.1) " posts."
                }
                @if report.themes.is_empty() {
                    p.empty { "No phrase stood out this week." }
                } @else {
                    ul.themes {
                        @for theme in &report.themes {
                            li data-theme=(theme.phrase) {
                                strong { (theme.phrase) } " — " (theme.target_count) " posts (previous week " (theme.baseline_count) ")"
                            }
                        }
                    }
                }
            }
            section.panel #top-posts {
                h2 { "Top posts" }
                p.report-meta { "The week's posts with the most engagement (likes + reposts + replies)." }
                @if report.top_posts.is_empty() { p.empty { "No mention this week." } }
                @else { (post_table(workspace, &report.top_posts, false)) }
            }
            section.panel #moved-sentiment {
                h2 { "Posts that moved net sentiment most" }
                p.report-meta { (IMPACT_DEFINITION) }
                div.post-columns {
                    div #moved-up {
                        h3 { "Positive" }
                        @if report.moved_up.is_empty() { p.empty { "No positive post this week." } }
                        @else { (post_table(workspace, &report.moved_up, true)) }
                    }
                    div #moved-down {
                        h3 { "Negative" }
                        @if report.moved_down.is_empty() { p.empty { "No negative post this week." } }
                        @else { (post_table(workspace, &report.moved_down, true)) }
                    }
                }
            }
            section.panel #advocates {
                h2 { "Top advocates" }
                @if report.advocates.is_empty() { p.empty { "No author was more positive than negative this week." } }
                @else { (author_rows(workspace, &report.advocates)) }
            }
            section.panel #detractors {
                h2 { "Top detractors" }
                @if report.detractors.is_empty() { p.empty { "No author was more negative than positive this week." } }
                @else { (author_rows(workspace, &report.detractors)) }
            }
            @if let Some(r) = &report.response {
                section.panel #response-times {
                    h2 { "Response times" }
                    p.report-meta { "Inbox items that arrived since " (week.start().format("%e %B")) "." }
                    div.stats {
                        div.stat { span.stat-value { (r.items) } span.stat-label { "items" } }
                        div.stat { span.stat-value { (r.answered) } span.stat-label { "answered" } }
                        div.stat { span.stat-value { (r.median_first_response_secs.map(duration).unwrap_or_else(|| "—".into())) } span.stat-label { "median first response" } }
                        div.stat { span.stat-value { (r.answered_within_target.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into())) } span.stat-label { "answered within 1 h" } }
                    }
                }
            }
        }
    }
}

/// The report as a standalone HTML file (the stylesheet inlined), for `rapport report`.
pub fn report_document(report: &WeeklyReport) -> String {
    html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Weekly report · " (report.workspace) " · " (report.week.to_string()) }
                style { (maud::PreEscaped(crate::assets::stylesheet())) }
            }
            body { (report_body(report, None)) }
        }
    }
    .into_string()
}

/// Query of the weekly report page.
#[derive(Debug, Deserialize)]
pub(crate) struct WeeklyParams {
    week: Option<String>,
}

/// A stored time-zone name as a zone; an unknown name (never written by rapport, which
/// checks names) reads as UTC.
pub fn parse_time_zone(name: &str) -> Tz {
    name.trim().parse().unwrap_or(Tz::UTC)
}

/// The workspace's time zone (set on the compose page; `UTC` when unset, unknown, or when
/// this server's state has no store of time zones).
pub async fn workspace_time_zone(state: &AppState, id: WorkspaceId) -> Result<Tz, WebError> {
    let Some(zones) = &state.time_zones else {
        return Ok(Tz::UTC);
    };
    Ok(parse_time_zone(&zones.time_zone(id).await?))
}

/// The weekly report a page asks for: `?week=`, else the last complete week in the
/// workspace's zone.
async fn requested_report(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WeeklyParams>, QueryRejection>,
) -> Result<(rapport_model::Workspace, WeeklyReport), WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let Query(params) = query.map_err(bad_query)?;
    let requested = params
        .week
        .as_deref()
        .filter(|w| !w.trim().is_empty())
        .map(IsoWeek::parse)
        .transpose()?;
    let workspace = find_workspace(state, id).await?;
    let tz = workspace_time_zone(state, id).await?;
    // The last complete week.
    let week = requested.unwrap_or_else(|| IsoWeek::of_in(Utc::now(), tz).previous());
    let report = weekly_report(
        &*state.store,
        &*state.analytics,
        &*state.inbox,
        id,
        &workspace.name,
        week,
        tz,
    )
    .await?;
    Ok((workspace, report))
}

/// `GET /w/{id}/reports/weekly`.
pub(crate) async fn weekly_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WeeklyParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let (workspace, report) = requested_report(&state, path, query).await?;
    let week = report.week;
    Ok(layout(
        &format!("Weekly report {week} · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        report_body(&report, Some(workspace.id)),
    ))
}

/// `GET /w/{id}/reports/weekly.pdf`: the standalone report printed by headless Chromium
/// ([`crate::pdf`]); 503 naming what to install when no browser is found.
pub(crate) async fn weekly_pdf(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<WeeklyParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let (_, report) = requested_report(&state, path, query).await?;
    let pdf = crate::pdf::html_to_pdf(&report_document(&report))
        .await
        .map_err(|e| match e {
            crate::pdf::PdfError::NoChromium { .. } => WebError::Unavailable(e.to_string()),
            other => WebError::Internal(other.to_string()),
        })?;
    let filename = format!("attachment; filename=\"weekly-report-{}.pdf\"", report.week);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for (raw, safe) in [
            ("=1+1", "'=1+1"),
            ("+33", "'+33"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(protect_cell(raw), safe);
        }
    }

    #[test]
    fn iso_weeks_parse_and_print() {
        let week = IsoWeek::parse("2026-W10").unwrap();
        assert_eq!(week.monday, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(week.to_string(), "2026-W10");
        assert_eq!(week.previous().to_string(), "2026-W09");
        assert_eq!(
            IsoWeek::parse("2021-W01").unwrap().monday.to_string(),
            "2021-01-04"
        );
        for bad in ["2026-10", "2026-W54", "2026-W0", "W10", "", "2026-Wx"] {
            assert!(IsoWeek::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(IsoWeek::of(week.start() + Duration::hours(100)), week);
    }

    #[test]
    fn changes_and_net_sentiment_read_well() {
        assert_eq!(change(6, 3), "+100%");
        assert_eq!(change(3, 3), "+0%");
        assert_eq!(change(1, 4), "-75%");
        assert_eq!(change(2, 0), "new");
        assert_eq!(signed(Some(0.5)), "+0.50");
        assert_eq!(signed(Some(-1.0 / 3.0)), "-0.33");
        assert_eq!(signed(None), "—");
    }
}
