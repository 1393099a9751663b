//! `GET /w/{id}/themes?monitor=&days=14` (viewer), and the same as data at
//! `GET /api/v1/workspaces/{id}/themes?monitor=&days=14&format=json|csv` (viewer): the phrases emerging in a monitor's (or
//! the whole workspace's) mentions today against the six days before, each with a chart of
//! when it rose: the share of each day's mentions that contain it.
//!
//! The themes read at most 1,000 of the last day's mention texts and 2,000 of the six days
//! before (newest first), like the dashboard's list; each day of the charts reads at most
//! [`DAY_SAMPLE`] of that day's mentions, so a day with more is drawn from a sample and the
//! page says so. Shares, not counts: a sample's share is an honest estimate, a count scaled
//! from it would look exact and not be.

use axum::extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Duration, DurationRound, Utc};
use maud::{html, Markup};
use rapport_model::{MonitorId, PostId, WorkspaceId};
use rapport_nlp::themes::{emerging_themes, posts_containing, Theme, ThemeConfig};
use rapport_store::MentionFilter;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::pages::{layout, user_menu};
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// Mention texts of the last day the themes are drawn from.
const TARGET_TEXTS: usize = 1_000;
/// Mention texts of the six days before.
const BASELINE_TEXTS: usize = 2_000;
/// Mention texts read per day for the charts.
pub const DAY_SAMPLE: usize = 200;
/// Themes shown.
const TOP: usize = 8;
/// Periods offered, in days.
const PERIODS: [u32; 3] = [7, 14, 30];

/// Query of the page and the API.
#[derive(Debug, Deserialize)]
pub(crate) struct ThemesParams {
    monitor: Option<String>,
    days: Option<String>,
    format: Option<String>,
}

/// One day of a theme's rise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeDay {
    /// The UTC day's first instant.
    #[schema(value_type = String, format = DateTime)]
    pub day: DateTime<Utc>,
    /// Mentions read that day that contain the phrase.
    pub posts: u64,
    /// Mentions read that day (at most 200, the newest).
    pub read: u64,
}

/// One emerging theme and when it rose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeRise {
    /// The phrase (normalised words; from hostile text).
    pub phrase: String,
    /// Dunning's G² of the last day against the six before.
    pub score: f64,
    /// Last day's posts containing it.
    pub target_count: u64,
    /// The six days before's posts containing it.
    pub baseline_count: u64,
    /// Per day, oldest first.
    pub days: Vec<ThemeDay>,
}

/// `GET /api/v1/workspaces/{id}/themes`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/themes",
    tag = "analytics",
    summary = "Emerging themes of the last day against the six before, with their daily shares",
    params(("id" = i64, Path, description = "Workspace id"), ("monitor" = Option<i64>, Query, description = "Only this monitor's mentions"), ("days" = Option<u32>, Query, minimum = 1, maximum = 90, description = "Days of rise, default 14"), ("format" = Option<String>, Query, description = "json (default) or csv (one row per theme and day)")),
    responses((status = 200, body = Vec<ThemeRise>, description = "JSON; with format=csv, text/csv with a header row"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ThemesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = super::api::workspace_from_path(path)?;
    let Query(params) = query.map_err(super::api::bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 14, 1, 90)?;
    let format = super::exports::parse_format(params.format.as_deref())?;
    let monitor = super::exports::parse_monitor(params.monitor.as_deref())?;
    find_workspace(&state, id).await?;
    if let Some(monitor) = monitor {
        let monitors = state.store.monitors(Some(id)).await?;
        if !monitors.iter().any(|m| m.id == monitor) {
            return Err(WebError::not_found(format!("no monitor {monitor} here")).into());
        }
    }
    let rises: Vec<ThemeRise> = rises(&state, id, monitor, Utc::now(), days)
        .await?
        .into_iter()
        .map(|rise| ThemeRise {
            phrase: rise.theme.phrase,
            score: rise.theme.score,
            target_count: rise.theme.target_count,
            baseline_count: rise.theme.baseline_count,
            days: rise
                .days
                .into_iter()
                .map(|(day, posts, read)| ThemeDay { day, posts, read })
                .collect(),
        })
        .collect();
    Ok(super::exports::respond(
        format,
        "themes.csv",
        &rises,
        &[
            "phrase",
            "score",
            "target_count",
            "baseline_count",
            "day",
            "posts",
            "read",
        ],
        || {
            rises
                .iter()
                .flat_map(|r| {
                    r.days.iter().map(move |d| {
                        vec![
                            r.phrase.clone(),
                            format!("{:.2}", r.score),
                            r.target_count.to_string(),
                            r.baseline_count.to_string(),
                            d.day.format("%Y-%m-%d").to_string(),
                            d.posts.to_string(),
                            d.read.to_string(),
                        ]
                    })
                })
                .collect()
        },
    )?)
}

/// One theme and its daily shares, oldest day first.
struct Rise {
    theme: Theme,
    /// `(day, posts containing it, posts read)` per day.
    days: Vec<(DateTime<Utc>, u64, u64)>,
}

/// The page.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ThemesParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let Query(params) = query
        .map_err(|e| WebError::bad_request(format!("invalid query string: {}", e.body_text())))?;
    let days = bounded_param("days", params.days.as_deref(), 14, 1, 90)?;
    let workspace = find_workspace(&state, id).await?;
    let monitors = state.store.monitors(Some(id)).await?;
    let monitor = match params.monitor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let wanted = raw
                .parse::<i64>()
                .map_err(|_| WebError::bad_request("monitor must be a monitor id"))?;
            let found = monitors
                .iter()
                .find(|m| m.id.0 == wanted)
                .ok_or_else(|| WebError::not_found(format!("no monitor {wanted} here")))?;
            Some(found.clone())
        }
    };
    let now = Utc::now();
    let rises = rises(&state, id, monitor.as_ref().map(|m| m.id), now, days).await?;
    let base = format!("/w/{id}/themes");
    let monitor_param = monitor
        .as_ref()
        .map(|m| format!("&monitor={}", m.id.0))
        .unwrap_or_default();
    let scope = monitor
        .as_ref()
        .map_or_else(|| "all monitors".to_string(), |m| m.name.clone());
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Themes · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                p.downloads {
                    a href={ "/api/v1/workspaces/" (id) "/themes?days=" (days) (monitor_param) "&format=csv" } download { "Download (CSV)" }
                    " · "
                    a href={ "/api/v1/workspaces/" (id) "/themes?days=" (days) (monitor_param) "&format=json" } { "JSON" }
                }
                p.hint {
                    "Phrases in the last day's mentions of " strong { (scope) } " that stand out \
                     against the six days before (log-likelihood, G²), and when they rose: the \
                     share of each day's mentions that contain them."
                }
                nav.filters aria-label="Monitor" {
                    a href={ (base) "?days=" (days) } aria-current=[monitor.is_none().then_some("page")] {
                        "All monitors"
                    }
                    @for m in &monitors {
                        a href={ (base) "?days=" (days) "&monitor=" (m.id.0) }
                          aria-current=[(monitor.as_ref().is_some_and(|x| x.id == m.id)).then_some("page")] {
                            (m.name)
                        }
                    }
                }
                nav.filters aria-label="Period" {
                    @for period in PERIODS {
                        a href={ (base) "?days=" (period) (monitor_param) }
                          aria-current=[(period == days).then_some("page")] {
                            "last " (period) " days"
                        }
                    }
                }
            }
            section.panel #theme-rises {
                @if rises.is_empty() {
                    p.empty { "Nothing stands out in the last day against the six days before." }
                } @else {
                    div.theme-grid {
                        @for rise in &rises {
                            (rise_chart(rise))
                        }
                    }
                    p.hint {
                        "Each day reads at most " (DAY_SAMPLE) " of its mentions (the newest); a \
                         day with more is a sample, marked in its bar's tooltip."
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Themes · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

/// Up to `cap` mention texts in `[since, until)`, each post once, newest first.
async fn texts(
    state: &AppState,
    workspace: WorkspaceId,
    monitor: Option<MonitorId>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    cap: usize,
) -> Result<Vec<String>, WebError> {
    let filter = MentionFilter {
        monitor,
        since: Some(since),
        until: Some(until),
        ..MentionFilter::default()
    };
    let mut seen: HashSet<PostId> = HashSet::new();
    Ok(state
        .store
        .find_mentions(workspace, &filter, cap)
        .await?
        .into_iter()
        .filter(|view| seen.insert(view.post.id))
        .map(|view| view.post.post.text)
        .collect())
}

/// The themes of the last day and their shares over the last `days` UTC days.
async fn rises(
    state: &AppState,
    workspace: WorkspaceId,
    monitor: Option<MonitorId>,
    now: DateTime<Utc>,
    days: u32,
) -> Result<Vec<Rise>, WebError> {
    let day_ago = now - Duration::days(1);
    let (target, baseline) = tokio::try_join!(
        texts(state, workspace, monitor, day_ago, now, TARGET_TEXTS),
        texts(
            state,
            workspace,
            monitor,
            now - Duration::days(7),
            day_ago,
            BASELINE_TEXTS
        ),
    )?;
    let config = ThemeConfig {
        top: TOP,
        ..ThemeConfig::default()
    };
    let t: Vec<&str> = target.iter().map(String::as_str).collect();
    let b: Vec<&str> = baseline.iter().map(String::as_str).collect();
    let themes = emerging_themes(&t, &b, &config);
    if themes.is_empty() {
        return Ok(Vec::new());
    }
    let phrases: Vec<&str> = themes.iter().map(|t| t.phrase.as_str()).collect();
    let today = now.duration_trunc(Duration::days(1)).unwrap_or(now);
    let mut per_day = Vec::new();
    for back in (0..i64::from(days)).rev() {
        let start = today - Duration::days(back);
        let sample = texts(
            state,
            workspace,
            monitor,
            start,
            start + Duration::days(1),
            DAY_SAMPLE,
        )
        .await?;
        let s: Vec<&str> = sample.iter().map(String::as_str).collect();
        per_day.push((
            start,
            posts_containing(&s, &phrases, &config),
            s.len() as u64,
        ));
    }
    Ok(themes
        .into_iter()
        .enumerate()
        .map(|(i, theme)| Rise {
            theme,
            days: per_day
                .iter()
                .map(|(day, counts, read)| (*day, counts[i], *read))
                .collect(),
        })
        .collect())
}

/// One theme's daily shares as bars.
fn rise_chart(rise: &Rise) -> Markup {
    const WIDTH: f64 = 320.0;
    const HEIGHT: f64 = 90.0;
    const AXIS: f64 = 16.0;
    let share = |hits: u64, read: u64| {
        if read == 0 {
            0.0
        } else {
            hits as f64 / read as f64
        }
    };
    let top = rise
        .days
        .iter()
        .map(|(_, hits, read)| share(*hits, *read))
        .fold(0.0_f64, f64::max)
        .max(0.01);
    let slot = WIDTH / rise.days.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let plot = HEIGHT - AXIS;
    html! {
        figure.chart.theme-rise {
            figcaption {
                span.theme { (rise.theme.phrase) } " "
                span.theme-count {
                    (rise.theme.target_count) " today, " (rise.theme.baseline_count) " in the six days before"
                }
            }
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-label={ "Share of each day's mentions containing " (rise.theme.phrase) } {
                @for (i, (day, hits, read)) in rise.days.iter().enumerate() {
                    @let value = share(*hits, *read);
                    @let h = (value / top * (plot - 4.0)).max(if *hits > 0 { 1.0 } else { 0.0 });
                    rect.bar x=(format!("{:.1}", i as f64 * slot + (slot - bar) / 2.0))
                        y=(format!("{:.1}", plot - h)) width=(format!("{bar:.1}")) height=(format!("{h:.1}")) {
                        title {
                            (day.format("%b %e")) ": " (format!("{:.1}", value * 100.0)) "% ("
                            (hits) " of " (read) " mentions read"
                            @if *read as usize >= DAY_SAMPLE { ", a sample" }
                            ")"
                        }
                    }
                }
                text x="0" y=(HEIGHT - 3.0) class="axis-label" {
                    (rise.days.first().map(|d| d.0.format("%b %e").to_string()).unwrap_or_default())
                }
                text x=(WIDTH) y=(HEIGHT - 3.0) text-anchor="end" class="axis-label" { "today" }
                text x="2" y="10" class="axis-label" { (format!("{:.0}%", top * 100.0)) }
            }
        }
    }
}
