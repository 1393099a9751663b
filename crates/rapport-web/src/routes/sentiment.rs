//! `GET /w/{id}/sentiment?days=7&monitor=` (viewer): net sentiment and its trend, next to
//! the posts that moved it most (positive and negative, by impact) and the top posts by
//! engagement and by reach, with CSV/JSON download links.
//!
//! The trend reads the rollups (daily buckets); the post lists read
//! `AnalyticsStore::top_posts` (a range of the mentions' time index, then posts by primary
//! key, into a top-10 sort), so the window bounds the work. Impact is defined in
//! [`rapport_store::analytics::impact`] and said on the page.

use axum::extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State};
use chrono::{Duration, DurationRound, Utc};
use maud::{html, Markup};
use rapport_store::analytics::{Bucket, PostRanking, RollupCounts};
use serde::Deserialize;

use super::exports::parse_monitor;
use super::pages::{layout, user_menu};
use super::reports::{net_sentiment, post_table, signed, IMPACT_DEFINITION};
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    charts,
    error::{PageError, WebError},
    AppState,
};

/// Periods offered, in days.
const PERIODS: [u32; 4] = [7, 30, 90, 365];
/// Posts per list.
const POSTS: usize = 10;

/// Query of the page.
#[derive(Debug, Deserialize)]
pub(crate) struct SentimentParams {
    days: Option<String>,
    monitor: Option<String>,
}

/// The page.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<SentimentParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let Query(params) = query.map_err(super::api::bad_query)?;
    let days = bounded_param("days", params.days.as_deref(), 7, 1, 366)?;
    let wanted = parse_monitor(params.monitor.as_deref())?;
    let workspace = find_workspace(&state, id).await?;
    let monitors = state.store.monitors(Some(id)).await?;
    let monitor = match wanted {
        None => None,
        Some(m) => Some(
            monitors
                .iter()
                .find(|x| x.id == m)
                .cloned()
                .ok_or_else(|| WebError::not_found(format!("no monitor {m} here")))?,
        ),
    };
    let monitor_id = monitor.as_ref().map(|m| m.id);
    let to = Utc::now();
    let from = to - Duration::days(i64::from(days));
    let ranked = |ranking| {
        let analytics = state.analytics.clone();
        async move {
            analytics
                .top_posts(id, monitor_id, from, to, ranking, POSTS)
                .await
        }
    };
    let (rollups, up, down, engaging, reaching) = tokio::try_join!(
        state.analytics.rollups(id, from, to, Bucket::Day),
        ranked(PostRanking::Positive),
        ranked(PostRanking::Negative),
        ranked(PostRanking::Engagement),
        ranked(PostRanking::Reach),
    )?;
    // Every day of the window, empty ones too.
    let first = from.duration_trunc(Duration::days(1)).unwrap_or(from);
    let mut buckets: Vec<(chrono::DateTime<Utc>, RollupCounts)> = (0..=i64::from(days))
        .map(|d| (first + Duration::days(d), RollupCounts::default()))
        .collect();
    let mut total = RollupCounts::default();
    for row in rollups
        .iter()
        .filter(|r| monitor_id.is_none_or(|m| r.monitor_id == m))
    {
        let c = &row.counts;
        total.mentions += c.mentions;
        total.positive += c.positive;
        total.neutral += c.neutral;
        total.negative += c.negative;
        if let Some((_, b)) = buckets.iter_mut().find(|(start, _)| *start == row.start) {
            b.mentions += c.mentions;
            b.positive += c.positive;
            b.neutral += c.neutral;
            b.negative += c.negative;
        }
    }
    let base = format!("/w/{id}/sentiment");
    let monitor_param = monitor_id
        .map(|m| format!("&monitor={m}"))
        .unwrap_or_default();
    let api = format!("/api/v1/workspaces/{id}/top-posts?days={days}{monitor_param}");
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Net sentiment · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                nav.filters aria-label="Monitor" {
                    a href={ (base) "?days=" (days) } aria-current=[monitor.is_none().then_some("page")] { "All monitors" }
                    @for m in &monitors {
                        a href={ (base) "?days=" (days) "&monitor=" (m.id.0) }
                          aria-current=[(monitor_id == Some(m.id)).then_some("page")] { (m.name) }
                    }
                }
                nav.filters aria-label="Period" {
                    @for period in PERIODS {
                        a href={ (base) "?days=" (period) (monitor_param) } aria-current=[(period == days).then_some("page")] {
                            "last " (period) " days"
                        }
                    }
                }
                div.stats {
                    div.stat { span.stat-value #net-sentiment { (signed(net_sentiment(&total))) } span.stat-label { "net sentiment" } }
                    div.stat { span.stat-value { (total.mentions) } span.stat-label { "mentions" } }
                    div.stat { span.stat-value { (total.positive) } span.stat-label { "positive" } }
                    div.stat { span.stat-value { (total.negative) } span.stat-label { "negative" } }
                }
            }
            section.panel.charts {
                div.chart-box {
                    h2 { "Net sentiment per day" }
                    (charts::net_sentiment_trend(&buckets, "%b %e"))
                }
                div.chart-box {
                    h2 { "Mentions per day" }
                    (charts::sentiment_volume(&buckets, "%b %e"))
                }
            }
            section.panel #moved-sentiment {
                h2 { "Posts that moved net sentiment most" }
                p.hint { (IMPACT_DEFINITION) }
                div.post-columns {
                    div #moved-up {
                        h3 { "Positive" }
                        @if up.is_empty() { p.empty { "No positive post in this period." } }
                        @else { (post_table(Some(id), &up, true)) }
                    }
                    div #moved-down {
                        h3 { "Negative" }
                        @if down.is_empty() { p.empty { "No negative post in this period." } }
                        @else { (post_table(Some(id), &down, true)) }
                    }
                }
            }
            section.panel #top-engagement {
                h2 { "Top posts by engagement" }
                @if engaging.is_empty() { p.empty { "No mention in this period." } }
                @else { (post_table(Some(id), &engaging, false)) }
            }
            section.panel #top-reach {
                h2 { "Top posts by reach" }
                @if reaching.is_empty() { p.empty { "No mention in this period." } }
                @else { (post_table(Some(id), &reaching, false)) }
            }
            section.panel {
                h2 { "Download" }
                p.downloads {
                    @for (ranking, label) in [("positive", "Positive impact"), ("negative", "Negative impact"), ("engagement", "By engagement"), ("reach", "By reach")] {
                        (label) ": "
                        a href={ (api) "&ranking=" (ranking) "&limit=100&format=csv" } download { "CSV" }
                        " · "
                        a href={ (api) "&ranking=" (ranking) "&limit=100&format=json" } { "JSON" }
                        br;
                    }
                    "Daily rollups: "
                    a href={ "/api/v1/workspaces/" (id) "/rollups?days=" (days) "&bucket=day" (monitor_param) "&format=csv" } download { "CSV" }
                    " · "
                    a href={ "/api/v1/workspaces/" (id) "/rollups?days=" (days) "&bucket=day" (monitor_param) "&format=json" } { "JSON" }
                    br;
                    "Share of voice: "
                    a href={ "/api/v1/workspaces/" (id) "/share-of-voice?days=" (days) "&format=csv" } download { "CSV" }
                    " · "
                    a href={ "/api/v1/workspaces/" (id) "/share-of-voice?days=" (days) "&format=json" } { "JSON" }
                }
            }
        }
    };
    Ok(layout(
        &format!("Net sentiment · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}
