//! Server-rendered pages.
//!
//! Templates are [maud](https://maud.lambda.xyz/) macros, checked at compile time; every
//! `(expression)` in them is HTML-escaped, so post text, authors, titles and monitor names
//! can never become markup. URLs are linked only when they are `http(s)` (see
//! `safe_link`). Pages carry no inline script or style: `/static/app.js` reads what it
//! needs from `data-*` attributes and keeps the numbers live.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    http::StatusCode,
};
use futures_util::TryFutureExt;
use maud::{html, Markup, DOCTYPE};
use rapport_model::{MonitorId, MonitorKind, Role, Timestamp, Workspace};
use rapport_nlp::themes::{emerging_themes, Theme, ThemeConfig};
use rapport_store::analytics::{AuthorSide, AuthorStanding, Bucket, RollupCounts, RollupRow};
use rapport_store::{MentionFilter, MentionView, MonitorCount};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::api::MentionsParams;
use super::parse_workspace_id;
use crate::charts::{self, Voice};
use crate::{
    assets::{APP_CSS, APP_JS, FAVICON},
    auth::Caller,
    error::{PageError, WebError},
    AppState,
};

/// The window of the "recent" counts on the dashboard, in hours.
const DASHBOARD_HOURS: u32 = 24;
/// How many mentions the dashboard lists.
const DASHBOARD_MENTIONS: u32 = 30;
/// Longer post texts are cut to this many characters on the dashboard.
const EXCERPT_CHARS: usize = 600;

/// `GET /`: the first of the caller's workspaces, or a welcome page when they have none.
pub(crate) async fn index(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Markup, PageError> {
    let workspaces = caller.visible(state.store.workspaces().await?);
    match workspaces.first().cloned() {
        Some(first) => Ok(dashboard(
            &state,
            &caller,
            first,
            workspaces,
            &MentionsParams::default(),
            CHART_DAYS,
        )
        .await?),
        None => Ok(welcome(&state, &caller)),
    }
}

/// `GET /w/{id}`: one workspace's dashboard.
pub(crate) async fn workspace_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<MentionsParams>, QueryRejection>,
    range: Result<Query<ChartRange>, QueryRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw).map_err(|_| WebError::not_found("no such workspace"))?;
    let Query(params) = query.map_err(super::api::bad_query)?;
    let Query(range) = range.map_err(super::api::bad_query)?;
    let days = super::bounded_param(
        "days",
        range.days.as_deref().filter(|d| !d.trim().is_empty()),
        CHART_DAYS,
        1,
        MAX_CHART_DAYS,
    )?;
    let workspaces = caller.visible(state.store.workspaces().await?);
    let workspace = workspaces
        .iter()
        .find(|workspace| workspace.id == id)
        .cloned()
        .ok_or_else(|| WebError::not_found(format!("workspace {id} does not exist")))?;
    Ok(dashboard(&state, &caller, workspace, workspaces, &params, days).await?)
}

/// The dashboard's chart range: `?days=N` (1 to 366, default 14).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChartRange {
    days: Option<String>,
}

/// The signed-in user, a link to the workspace's users page for its admins, and the
/// logout button (a form carrying the CSRF token).
pub(crate) fn user_menu(caller: &Caller, workspace: Option<&Workspace>) -> Markup {
    let admin_of = workspace.filter(|w| caller.role_in(w.id) == Some(Role::Admin));
    let agent_of =
        workspace.filter(|w| caller.role_in(w.id).is_some_and(|r| r.allows(Role::Agent)));
    html! {
        span.user-menu {
            @if let Some(user) = caller.user() {
                span.user-name title=(user.email) { (user.display_name) }
            }
            @if let Some(workspace) = workspace {
                a.monitors-link href={ "/w/" (workspace.id) "/monitors" } { "Monitors" }
            }
            @if let Some(workspace) = agent_of {
                a.inbox-link href={ "/w/" (workspace.id) "/inbox" } { "Inbox" }
                a.publish-link href={ "/w/" (workspace.id) "/publish" } { "Publish" }
                a.calendar-link href={ "/w/" (workspace.id) "/calendar" } { "Calendar" }
            }
            @if let Some(workspace) = workspace {
                a.response-link href={ "/w/" (workspace.id) "/response-times" } { "Response times" }
                a.alerts-link href={ "/w/" (workspace.id) "/alerts" } { "Alerts" }
                a.authors-link href={ "/w/" (workspace.id) "/authors" } { "Authors" }
                a.reports-link href={ "/w/" (workspace.id) "/reports/weekly" } { "Weekly report" }
                a.sources-link href={ "/w/" (workspace.id) "/sources" } { "Sources" }
            }
            @if let Some(workspace) = admin_of {
                a.users-link href={ "/w/" (workspace.id) "/users" } { "Users" }
            }
            form.logout method="post" action="/logout" {
                input type="hidden" name="csrf" value=(caller.csrf().unwrap_or_default());
                button type="submit" { "Log out" }
            }
        }
    }
}

/// Fallback for every unknown path outside `/api`.
pub(crate) async fn not_found() -> (StatusCode, Markup) {
    (
        StatusCode::NOT_FOUND,
        error_page(StatusCode::NOT_FOUND, "There is no page at this address."),
    )
}

/// A page explaining an error.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    layout(
        title,
        None,
        html! {},
        html! {
            main.main {
                section.panel.message {
                    h1 { (status.as_u16()) " · " (title) }
                    p { (message) }
                    p { a href="/" { "Back to the dashboard" } }
                }
            }
        },
    )
}

/// Everything the dashboard shows, read in parallel.
async fn dashboard(
    state: &AppState,
    caller: &Caller,
    workspace: Workspace,
    workspaces: Vec<Workspace>,
    params: &MentionsParams,
    days: u32,
) -> Result<Markup, WebError> {
    let filter = params.filter()?;
    // Only the filters actually set (an empty select means "any").
    let filter_query = serde_urlencoded::to_string(params)
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("&");
    let now = chrono::Utc::now();
    let since = now - chrono::TimeDelta::hours(i64::from(DASHBOARD_HOURS));
    let chart_from = now - chrono::TimeDelta::days(i64::from(days));
    let (posts, counts, mentions, rollups, lists) = tokio::try_join!(
        state.store.post_count().map_err(WebError::from),
        state
            .store
            .mention_counts(workspace.id, since)
            .map_err(WebError::from),
        state
            .store
            .find_mentions(workspace.id, &filter, DASHBOARD_MENTIONS as usize)
            .map_err(WebError::from),
        state
            .analytics
            .rollups(workspace.id, chart_from, now, Bucket::Day)
            .map_err(WebError::from),
        overview_lists(state, workspace.id),
    )?;
    let charts = Charts::new(&counts, &rollups, now, days);
    let (themes, advocates, detractors) = (&lists.themes, &lists.advocates, &lists.detractors);
    Ok(render_dashboard(&DashboardView {
        state,
        caller,
        now,
        workspace: &workspace,
        workspaces: &workspaces,
        posts,
        counts: &counts,
        mentions: &mentions,
        charts: &charts,
        themes,
        advocates,
        detractors,
        params,
        filter_query: &filter_query,
        days,
    }))
}

/// Authors listed on each side of the overview.
const TOP_AUTHORS: usize = 5;
/// Mention texts read for the overview's themes: the last day, and the six days before it.
const THEME_TEXTS: usize = 1_000;
const BASELINE_TEXTS: usize = 2_000;

/// The overview's lists of one workspace: they read a week of mentions, so they are computed
/// at most every [`LISTS_TTL`] and served from memory in between (a stale copy is served
/// while a fresh one is computed in the background; only a workspace's first view waits).
#[derive(Debug, Clone, Default)]
pub struct OverviewLists {
    /// Phrases emerging today.
    pub themes: Vec<Theme>,
    /// The week's most positive voices.
    pub advocates: Vec<AuthorStanding>,
    /// The week's most negative voices.
    pub detractors: Vec<AuthorStanding>,
    /// When they were computed.
    pub computed_at: Option<Timestamp>,
}

/// How long the overview's lists are served before they are computed again.
const LISTS_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// One workspace's lists: when computed, the lists, and whether a refresh is running.
type ListsEntry = (std::time::Instant, Arc<OverviewLists>, bool);

/// The lists cache: per workspace, the last lists and whether a refresh is running.
#[derive(Debug, Default)]
pub struct ListsCache {
    entries: std::sync::Mutex<std::collections::HashMap<rapport_model::WorkspaceId, ListsEntry>>,
    first: tokio::sync::Mutex<()>,
}

/// Computes every workspace's overview lists now, so that no first view waits for them
/// (`serve` and `demo` call it in the background when they start).
pub async fn warm_overview(state: &AppState) {
    let workspaces = match state.store.workspaces().await {
        Ok(workspaces) => workspaces,
        Err(e) => {
            tracing::warn!("cannot warm the overview: {e}");
            return;
        }
    };
    for workspace in workspaces {
        if let Err(e) = overview_lists(state, workspace.id).await {
            tracing::warn!(workspace = workspace.id.0, "cannot warm the overview: {e}");
        }
    }
}

async fn overview_lists(
    state: &AppState,
    workspace: rapport_model::WorkspaceId,
) -> Result<Arc<OverviewLists>, WebError> {
    let cache = state.lists.clone();
    let cached = {
        let mut entries = cache.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get_mut(&workspace) {
            Some((at, lists, refreshing)) => {
                let stale = at.elapsed() >= LISTS_TTL && !*refreshing;
                if stale {
                    *refreshing = true;
                }
                Some((lists.clone(), stale))
            }
            None => None,
        }
    };
    match cached {
        Some((lists, stale)) => {
            if stale {
                let state = state.clone();
                tokio::spawn(async move {
                    let fresh = compute_lists(&state, workspace).await;
                    let mut entries = state
                        .lists
                        .entries
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    match fresh {
                        Ok(fresh) => {
                            entries.insert(
                                workspace,
                                (std::time::Instant::now(), Arc::new(fresh), false),
                            );
                        }
                        Err(e) => {
                            tracing::warn!("overview lists: {e}");
                            if let Some(entry) = entries.get_mut(&workspace) {
                                entry.2 = false;
                            }
                        }
                    }
                });
            }
            Ok(lists)
        }
        None => {
            // The first view computes them (one at a time, so a crowd does not repeat it).
            let _one = cache.first.lock().await;
            if let Some((_, lists, _)) = cache
                .entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&workspace)
            {
                return Ok(lists.clone());
            }
            let lists = Arc::new(compute_lists(state, workspace).await?);
            cache
                .entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(workspace, (std::time::Instant::now(), lists.clone(), false));
            Ok(lists)
        }
    }
}

async fn compute_lists(
    state: &AppState,
    workspace: rapport_model::WorkspaceId,
) -> Result<OverviewLists, WebError> {
    let now = chrono::Utc::now();
    let since = now - chrono::TimeDelta::hours(i64::from(DASHBOARD_HOURS));
    let week_ago = now - chrono::TimeDelta::days(7);
    let (advocates, detractors, themes) = tokio::try_join!(
        state
            .analytics
            .author_standings(workspace, week_ago, now, AuthorSide::Advocates, TOP_AUTHORS)
            .map_err(WebError::from),
        state
            .analytics
            .author_standings(
                workspace,
                week_ago,
                now,
                AuthorSide::Detractors,
                TOP_AUTHORS
            )
            .map_err(WebError::from),
        todays_themes(state, workspace, since, week_ago),
    )?;
    Ok(OverviewLists {
        themes,
        advocates,
        detractors,
        computed_at: Some(now),
    })
}

/// What people talk about today more than in the days before (G² over phrases, the same
/// measure as the weekly report's), from at most [`THEME_TEXTS`] of today's mention texts
/// against [`BASELINE_TEXTS`] of the six days before.
async fn todays_themes(
    state: &AppState,
    workspace: rapport_model::WorkspaceId,
    since: Timestamp,
    week_ago: Timestamp,
) -> Result<Vec<Theme>, WebError> {
    let today = MentionFilter {
        since: Some(since),
        ..MentionFilter::default()
    };
    let before = MentionFilter {
        since: Some(week_ago),
        until: Some(since),
        ..MentionFilter::default()
    };
    let (today, before) = tokio::try_join!(
        state.store.find_mentions(workspace, &today, THEME_TEXTS),
        state
            .store
            .find_mentions(workspace, &before, BASELINE_TEXTS),
    )?;
    let texts = |views: Vec<MentionView>| -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        views
            .into_iter()
            .filter(|v| seen.insert(v.post.id))
            .map(|v| v.post.post.text)
            .collect()
    };
    let (target, baseline) = (texts(today), texts(before));
    tokio::task::spawn_blocking(move || {
        let target: Vec<&str> = target.iter().map(String::as_str).collect();
        let baseline: Vec<&str> = baseline.iter().map(String::as_str).collect();
        let config = ThemeConfig {
            min_count: 3,
            min_score: 3.84,
            top: 8,
            ..ThemeConfig::default()
        };
        emerging_themes(&target, &baseline, &config)
    })
    .await
    .map_err(|e| WebError::Internal(format!("themes: {e}")))
}

/// Days the dashboard's charts cover unless `?days=` says otherwise.
const CHART_DAYS: u32 = 14;
/// The longest chart range the dashboard draws (a year and a day, like the rollups API).
const MAX_CHART_DAYS: u32 = 366;
/// The ranges offered above the charts.
const CHART_RANGES: [u32; 4] = [7, 14, 30, 90];

/// What the dashboard's charts show, from the rollups.
struct Charts {
    /// Daily mentions of the brand's monitors (all monitors when none is a brand), with
    /// every day present.
    volume: Vec<(Timestamp, RollupCounts)>,
    /// Brand and product monitors against competitors over the same days.
    voices: Vec<Voice>,
}

impl Charts {
    fn new(counts: &[MonitorCount], rollups: &[RollupRow], now: Timestamp, days: u32) -> Charts {
        let kinds: BTreeMap<MonitorId, (&str, MonitorKind)> = counts
            .iter()
            .map(|c| (c.monitor.id, (c.monitor.name.as_str(), c.monitor.kind)))
            .collect();
        let has_brand = kinds.values().any(|(_, kind)| *kind == MonitorKind::Brand);
        let today = now.date_naive();
        let mut days: BTreeMap<chrono::NaiveDate, RollupCounts> = (0..i64::from(days))
            .map(|back| {
                (
                    today - chrono::TimeDelta::days(back),
                    RollupCounts::default(),
                )
            })
            .collect();
        let mut voices: BTreeMap<MonitorId, Voice> = BTreeMap::new();
        for row in rollups {
            let Some((name, kind)) = kinds.get(&row.monitor_id) else {
                continue;
            };
            if !has_brand || *kind == MonitorKind::Brand {
                if let Some(day) = days.get_mut(&row.start.date_naive()) {
                    add_counts(day, &row.counts);
                }
            }
            if *kind != MonitorKind::Campaign {
                let voice = voices.entry(row.monitor_id).or_insert_with(|| Voice {
                    name: name.to_string(),
                    ours: *kind != MonitorKind::Competitor,
                    mentions: 0,
                    positive: 0,
                });
                voice.mentions += row.counts.mentions;
                voice.positive += row.counts.positive;
            }
        }
        let volume = days
            .into_iter()
            .map(|(day, counts)| (day.and_time(chrono::NaiveTime::MIN).and_utc(), counts))
            .collect();
        let mut voices: Vec<Voice> = voices.into_values().collect();
        voices.sort_by(|a, b| b.ours.cmp(&a.ours).then(b.mentions.cmp(&a.mentions)));
        Charts { volume, voices }
    }
}

fn add_counts(total: &mut RollupCounts, more: &RollupCounts) {
    total.mentions += more.mentions;
    total.positive += more.positive;
    total.neutral += more.neutral;
    total.negative += more.negative;
}

/// The data of one dashboard render.
struct DashboardView<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    now: Timestamp,
    workspace: &'a Workspace,
    workspaces: &'a [Workspace],
    posts: u64,
    counts: &'a [MonitorCount],
    mentions: &'a [MentionView],
    charts: &'a Charts,
    /// Phrases emerging today.
    themes: &'a [Theme],
    /// The week's most positive and most negative voices, by net sentiment × reach.
    advocates: &'a [AuthorStanding],
    detractors: &'a [AuthorStanding],
    params: &'a MentionsParams,
    /// The filter as a query string, for the live refresh to keep.
    filter_query: &'a str,
    /// Days the charts cover.
    days: u32,
}

/// The dashboard with its charts over `days`, keeping the stream's filters.
fn chart_range_href(view: &DashboardView<'_>, days: u32) -> String {
    let mut href = format!("/w/{}?days={days}", view.workspace.id);
    if !view.filter_query.is_empty() {
        href.push('&');
        href.push_str(view.filter_query);
    }
    href
}

fn render_dashboard(view: &DashboardView<'_>) -> Markup {
    let recent_sum: u64 = view.counts.iter().map(|c| c.recent).sum();
    let total_sum: u64 = view.counts.iter().map(|c| c.total).sum();
    let topbar = html! {
        span.workspace-name { (view.workspace.name) }
        @if view.workspaces.len() > 1 {
            nav.workspaces aria-label="Workspaces" {
                @for other in view.workspaces {
                    a href={ "/w/" (other.id) }
                        aria-current=[(other.id == view.workspace.id).then_some("page")] {
                        (other.name)
                    }
                }
            }
        }
        span #live .live data-state="static" role="status" aria-live="polite" {
            span.live-dot {}
            span #live-label { "snapshot" }
            time #updated datetime=(view.now.to_rfc3339()) { (clock(view.now)) }
        }
        (user_menu(view.caller, Some(view.workspace)))
    };
    let main = html! {
        main #dashboard .main
            data-workspace=(view.workspace.id)
            data-hours=(DASHBOARD_HOURS)
            data-limit=(DASHBOARD_MENTIONS)
            data-filter=(view.filter_query) {
            section.stats aria-label="Totals" {
                (stat("posts", view.posts, "stored posts"))
                (stat("recent-sum", recent_sum, "mentions · last 24 h"))
                (stat("total-sum", total_sum, "mentions in total"))
                (stat("monitor-count", view.counts.len() as u64, "monitors"))
            }
            nav.chart-range aria-label="Chart range" {
                "Charts over "
                @for range in CHART_RANGES {
                    a href=(chart_range_href(view, range))
                        aria-current=[(range == view.days).then_some("page")] {
                        (range) " days"
                    }
                    " "
                }
            }
            section.panel.charts {
                div.chart-box {
                    h2 { "Mentions per day, last " (view.days) " days" }
                    (charts::sentiment_volume(&view.charts.volume, "%b %e"))
                    p.chart-links {
                        a #sentiment-link href={ "/w/" (view.workspace.id) "/sentiment?days=" (view.days) } { "Net sentiment and the posts that moved it" }
                        " · "
                        a href={ "/api/v1/workspaces/" (view.workspace.id) "/rollups?days=" (view.days) "&format=csv" } download { "rollups (CSV)" }
                    }
                }
                div.chart-box {
                    h2 { "Share of voice, last " (view.days) " days" }
                    @if view.charts.voices.is_empty() {
                        p.empty { "No brand, product or competitor mentions in this period." }
                    } @else {
                        (charts::share_of_voice(&view.charts.voices))
                    }
                    p.chart-links {
                        a href={ "/api/v1/workspaces/" (view.workspace.id) "/share-of-voice?days=" (view.days) "&format=csv" } download { "Share of voice (CSV)" }
                        " · "
                        a href={ "/api/v1/workspaces/" (view.workspace.id) "/share-of-voice?days=" (view.days) "&format=json" } { "JSON" }
                    }
                }
            }
            section.panel.overview-lists title="Refreshed every few minutes" {
                div.overview-box #themes {
                    h2 { a href={ "/w/" (view.workspace.id) "/themes" } { "Emerging today" } }
                    @if view.themes.is_empty() {
                        p.empty { "Nothing stands out against the last week yet." }
                    } @else {
                        ol.themes {
                            @for theme in view.themes {
                                li { span.theme { (theme.phrase) } " " span.theme-count { "×" (theme.target_count) } }
                            }
                        }
                    }
                }
                div.overview-box #advocates {
                    h2 { "Top advocates, 7 days" }
                    (author_list(view.workspace.id, view.advocates))
                }
                div.overview-box #detractors {
                    h2 { "Top detractors, 7 days" }
                    (author_list(view.workspace.id, view.detractors))
                }
            }
            section.panel {
                h2 { "Monitors" }
                div #monitors .cards {
                    @for count in view.counts {
                        (monitor_card(count))
                    }
                    @if view.counts.is_empty() {
                        p.empty #no-monitors {
                            "No monitors yet. A monitor is a named query (your brand, a product, "
                            "a competitor, a campaign); its mentions appear here."
                        }
                    }
                }
            }
            section.panel {
                h2 { "Recent mentions" }
                (filter_form(view))
                ol #mentions .mentions {
                    @for mention in view.mentions {
                        (mention_item(mention, view.now))
                    }
                    @if view.mentions.is_empty() {
                        li.empty { "No mentions yet. They appear here as posts match your monitors." }
                    }
                }
            }
        }
    };
    layout(
        &view.workspace.name,
        view.state.notice.as_deref(),
        topbar,
        html! { (main) (footer(view.state)) },
    )
}

/// Authors with a link to their page, their mentions and reach.
fn author_list(workspace: rapport_model::WorkspaceId, authors: &[AuthorStanding]) -> Markup {
    html! {
        @if authors.is_empty() {
            p.empty { "No one yet." }
        } @else {
            ol.authors {
                @for a in authors {
                    li {
                        a href={ "/w/" (workspace) "/authors/" (a.author_id) } { "@" (a.handle) }
                        " " span.author-meta {
                            (a.mentions) " mentions · " (a.followers) " followers · " (a.network.label())
                        }
                    }
                }
            }
        }
    }
}

/// The mention filters, as a plain GET form (it works without script; the live refresh keeps
/// the filter).
fn filter_form(view: &DashboardView<'_>) -> Markup {
    let p = view.params;
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    html! {
        form.filters method="get" action={ "/w/" (view.workspace.id) } {
            select name="monitor" aria-label="Monitor" {
                option value="" { "all monitors" }
                @for count in view.counts {
                    @let id = count.monitor.id.to_string();
                    option value=(id) selected[chosen(&p.monitor, &id)] { (count.monitor.name) }
                }
            }
            select name="network" aria-label="Network" {
                option value="" { "all networks" }
                @for network in rapport_model::Network::ALL {
                    option value=(network.as_str()) selected[chosen(&p.network, network.as_str())] { (network.label()) }
                }
            }
            select name="sentiment" aria-label="Sentiment" {
                option value="" { "any sentiment" }
                @for label in ["positive", "neutral", "negative"] {
                    option value=(label) selected[chosen(&p.sentiment, label)] { (label) }
                }
            }
            select name="intent" aria-label="Intent" {
                option value="" { "any intent" }
                @for intent in rapport_model::Intent::ALL {
                    option value=(intent.as_str()) selected[chosen(&p.intent, intent.as_str())] { (intent.as_str().replace('_', " ")) }
                }
            }
            select name="hours" aria-label="Time" {
                option value="" { "any time" }
                @for (hours, label) in [("1", "last hour"), ("24", "last 24 h"), ("168", "last 7 days"), ("720", "last 30 days")] {
                    option value=(hours) selected[chosen(&p.hours, hours)] { (label) }
                }
            }
            input type="text" name="lang" size="4" placeholder="lang" aria-label="Language" value=[p.lang.as_deref()];
            input type="search" name="q" placeholder="words in the text" aria-label="Search the text" value=[p.q.as_deref()];
            button type="submit" { "Filter" }
            @if !view.filter_query.is_empty() {
                a href={ "/w/" (view.workspace.id) } { "clear" }
            }
        }
    }
}

/// The page shown before any workspace exists. Its script reloads it once one appears.
fn welcome(state: &AppState, caller: &Caller) -> Markup {
    let main = html! {
        main #welcome .main data-await-workspace="true" {
            section.panel.message {
                h1 { "No workspace yet" }
                p {
                    "A workspace holds the monitors of one brand or client. Run "
                    code { "rapport demo" }
                    " to explore rapport with simulated posts about fictional brands, or create a "
                    "workspace and its monitors to start listening."
                }
                p.hint { "This page refreshes by itself when a workspace appears." }
            }
        }
    };
    layout(
        "Welcome",
        state.notice.as_deref(),
        user_menu(caller, None),
        html! { (main) (footer(state)) },
    )
}

/// The document around every page.
pub(crate) fn layout(title: &str, notice: Option<&str>, topbar: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="referrer" content="no-referrer";
                title { (title) " · rapport" }
                link rel="icon" type="image/svg+xml" href=(FAVICON.url());
                link rel="stylesheet" href=(APP_CSS.url());
                script src=(APP_JS.url()) defer {}
            }
            body {
                header.topbar {
                    a.brand href="/" {
                        span.brand-mark aria-hidden="true" {}
                        "rapport"
                    }
                    (topbar)
                }
                @if let Some(notice) = notice {
                    div.notice role="note" { (notice) }
                }
                (body)
            }
        }
    }
}

fn footer(state: &AppState) -> Markup {
    html! {
        footer.footer {
            "rapport " (env!("CARGO_PKG_VERSION")) " · self-hosted social listening · up since "
            time datetime=(state.started_at.to_rfc3339()) { (absolute(state.started_at)) }
        }
    }
}

fn stat(id: &str, value: u64, label: &str) -> Markup {
    html! {
        div.stat {
            span.stat-value id=(id) { (group_digits(value)) }
            span.stat-label { (label) }
        }
    }
}

fn monitor_card(count: &MonitorCount) -> Markup {
    let monitor = &count.monitor;
    html! {
        article.card data-monitor=(monitor.id) {
            div.card-head {
                h3.card-title { (monitor.name) }
                span class={ "kind kind-" (monitor.kind.as_str()) } { (monitor.kind.as_str()) }
            }
            div.card-figures {
                div.figure {
                    span.figure-value.recent { (group_digits(count.recent)) }
                    span.figure-label { "last 24 h" }
                }
                div.figure {
                    span.figure-value.total { (group_digits(count.total)) }
                    span.figure-label { "total" }
                }
            }
            code.card-query title="Query" { (monitor.query) }
        }
    }
}

pub(crate) fn mention_item(mention: &MentionView, now: Timestamp) -> Markup {
    let post = &mention.post.post;
    html! {
        li.mention data-key={ (mention.monitor_id) ":" (mention.post.id) } {
            div.mention-meta {
                span.author {
                    @if let Some(name) = post.author.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
                        span.author-name { (name) } " "
                    }
                    span.handle { "@" (post.author.handle) }
                }
                span class={ "net net-" (post.network.as_str()) } { (post.network.label()) }
                time datetime=(post.created_at.to_rfc3339()) title=(absolute(post.created_at)) {
                    (relative_time(now, post.created_at))
                }
                span.monitor-tag { (mention.monitor_name) }
                @if let Some(analysis) = mention.post.analysis {
                    span class={ "sentiment sentiment-" (analysis.sentiment.as_str()) }
                        title={ "VADER compound " (format!("{:+.2}", analysis.scores.compound)) } {
                        (analysis.sentiment.as_str())
                    }
                    @if analysis.intent != rapport_model::Intent::Other {
                        span.intent { (analysis.intent.as_str().replace('_', " ")) }
                    }
                }
                @if let Some(href) = post.url.as_deref().and_then(safe_link) {
                    a.original href=(href) rel="noopener noreferrer nofollow" target="_blank" {
                        "original"
                    }
                }
            }
            @if let Some(title) = post.title.as_deref().filter(|t| !t.trim().is_empty()) {
                p.mention-title { (title) }
            }
            p.mention-text { (excerpt(&post.text, EXCERPT_CHARS)) }
        }
    }
}

/// `url` if it may be put in an `href`: an absolute `http://` or `https://` URL without
/// whitespace or control characters. Anything else (`javascript:`, `data:`, relative
/// paths, protocol-relative `//host`) is shown without a link.
pub(crate) fn safe_link(url: &str) -> Option<&str> {
    let has_scheme = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme))
            && url.len() > scheme.len()
    };
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    ((has_scheme("https://") || has_scheme("http://")) && clean).then_some(url)
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

/// `12345` → `12,345`; app.js formats the same way.
pub(crate) fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How long ago `then` was, briefly; app.js uses the same wording.
pub(crate) fn relative_time(now: Timestamp, then: Timestamp) -> String {
    let seconds = (now - then).num_seconds();
    match seconds {
        i64::MIN..=4 => "just now".to_string(),
        5..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        86_400..=604_799 => format!("{} d ago", seconds / 86_400),
        _ => then.format("%Y-%m-%d").to_string(),
    }
}

pub(crate) fn absolute(t: Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn clock(t: Timestamp) -> String {
    t.format("%H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn only_http_urls_are_links() {
        assert_eq!(
            safe_link("https://example.com/p/1"),
            Some("https://example.com/p/1")
        );
        assert_eq!(safe_link("HTTP://example.com"), Some("HTTP://example.com"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " https://example.com",
            "https://exa mple.com",
            "https://\nexample.com",
            "data:text/html,hi",
            "//evil.example",
            "/relative",
            "https://",
            "",
            "ftp://example.com",
        ] {
            assert_eq!(safe_link(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("héllo", 10), "héllo");
        assert_eq!(excerpt("héllo wörld", 6), "héllo…");
        assert_eq!(excerpt("ééé", 2), "éé…");
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let ago = |s: i64| relative_time(now, now - chrono::TimeDelta::seconds(s));
        assert_eq!(ago(-30), "just now");
        assert_eq!(ago(2), "just now");
        assert_eq!(ago(42), "42 s ago");
        assert_eq!(ago(600), "10 min ago");
        assert_eq!(ago(7200), "2 h ago");
        assert_eq!(ago(3 * 86_400), "3 d ago");
        assert_eq!(ago(30 * 86_400), "2026-01-30");
    }
}
