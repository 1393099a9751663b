//! `GET /w/{id}/response-times` (viewer): how fast the team answers, for the workspace and
//! per agent: first-response and resolution times and the share answered within a target,
//! with a bar chart of each agent's median first response drawn by the server.
//!
//! The same figures are `GET /api/v1/workspaces/{id}/response-times` for scripts.

use axum::extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State};
use chrono::Duration;
use maud::{html, Markup};
use rapport_store::inbox::ResponseStats;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::pages::{layout, user_menu};
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{PageError, WebError},
    AppState,
};

/// Periods offered, in days.
const PERIODS: [u32; 4] = [1, 7, 30, 90];
/// Targets offered, in minutes.
const TARGETS: [u32; 4] = [15, 60, 240, 1440];

/// Query of the page.
#[derive(Debug, Deserialize)]
pub(crate) struct PerformanceParams {
    days: Option<String>,
    target_minutes: Option<String>,
}

/// The page.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PerformanceParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let Query(params) = query
        .map_err(|e| WebError::bad_request(format!("invalid query string: {}", e.body_text())))?;
    let days = bounded_param("days", params.days.as_deref(), 7, 1, 366)?;
    let target = bounded_param(
        "target_minutes",
        params.target_minutes.as_deref(),
        60,
        1,
        10_080,
    )?;
    let workspace = find_workspace(&state, id).await?;
    let since = chrono::Utc::now() - Duration::days(i64::from(days));
    let stats = state
        .inbox
        .response_stats(id, since, u64::from(target) * 60)
        .await?;
    let (whole, agents): (Vec<_>, Vec<_>) = stats.into_iter().partition(|s| s.user.is_none());
    let names: BTreeMap<i64, String> = state
        .accounts
        .members(id)
        .await?
        .into_iter()
        .map(|m| (m.user.id.0, m.user.display_name))
        .collect();
    let base = format!("/w/{id}/response-times");
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Response times · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                nav.filters aria-label="Period" {
                    @for period in PERIODS {
                        a href={ (base) "?days=" (period) "&target_minutes=" (target) }
                          aria-current=[(period == days).then_some("page")] {
                            "last " (period) (if period == 1 { " day" } else { " days" })
                        }
                    }
                }
                nav.filters aria-label="Answer target" {
                    "Target: "
                    @for minutes in TARGETS {
                        a href={ (base) "?days=" (days) "&target_minutes=" (minutes) }
                          aria-current=[(minutes == target).then_some("page")] {
                            (duration(f64::from(minutes) * 60.0))
                        }
                    }
                }
                p.downloads {
                    a href={ "/api/v1/workspaces/" (id) "/response-times?days=" (days) "&target_minutes=" (target) "&format=csv" } download { "Download (CSV)" }
                    " · "
                    a href={ "/api/v1/workspaces/" (id) "/response-times?days=" (days) "&target_minutes=" (target) "&format=json" } { "JSON" }
                }
                @if let Some(all) = whole.first() {
                    div.stats {
                        (figure("items arrived", all.items.to_string()))
                        (figure("answered", all.answered.to_string()))
                        (figure("resolved", all.resolved.to_string()))
                        (figure("median first response", opt_duration(all.median_first_response_secs)))
                        (figure("90% answered within", opt_duration(all.p90_first_response_secs)))
                        (figure("median resolution", opt_duration(all.median_resolution_secs)))
                        (figure(&format!("answered within {}", duration(f64::from(target) * 60.0)), share(all.answered_within_target)))
                    }
                }
            }
            section.panel {
                h2 { "Per agent" }
                @if agents.is_empty() {
                    p.empty {
                        "No agent has answered or resolved an item in this period yet. Figures appear \
                         here once replies are sent from the inbox."
                    }
                } @else {
                    (bar_chart(&agents, &names))
                    div.table-wrap {
                        table.response-table {
                            thead { tr {
                                th scope="col" { "Agent" }
                                th scope="col" { "Answered" }
                                th scope="col" { "Resolved" }
                                th scope="col" { "Median first response" }
                                th scope="col" { "90th percentile" }
                                th scope="col" { "Median resolution" }
                                th scope="col" { "Within target" }
                            } }
                            tbody {
                                @for agent in &agents {
                                    tr {
                                        th scope="row" { (agent_name(agent, &names)) }
                                        td { (agent.answered) }
                                        td { (agent.resolved) }
                                        td { (opt_duration(agent.median_first_response_secs)) }
                                        td { (opt_duration(agent.p90_first_response_secs)) }
                                        td { (opt_duration(agent.median_resolution_secs)) }
                                        td { (share(agent.answered_within_target)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Response times · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

fn figure(label: &str, value: String) -> Markup {
    html! {
        div.stat {
            span.stat-value { (value) }
            span.stat-label { (label) }
        }
    }
}

fn agent_name(stats: &ResponseStats, names: &BTreeMap<i64, String>) -> String {
    match stats.user {
        None => "everyone".to_string(),
        Some(user) => names
            .get(&user)
            .cloned()
            .unwrap_or_else(|| format!("user {user} (no longer a member)")),
    }
}

fn opt_duration(secs: Option<f64>) -> String {
    secs.map(duration).unwrap_or_else(|| "—".to_string())
}

fn share(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "—".to_string())
}

/// `45s`, `12m`, `3h 05m`, `2d 4h`.
pub(crate) fn duration(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// Horizontal bars: each agent's median first response, longest bar the slowest.
fn bar_chart(agents: &[ResponseStats], names: &BTreeMap<i64, String>) -> Markup {
    const ROW: f64 = 26.0;
    const LABEL: f64 = 150.0;
    const WIDTH: f64 = 640.0;
    let measured: Vec<(&ResponseStats, f64)> = agents
        .iter()
        .filter_map(|a| a.median_first_response_secs.map(|s| (a, s)))
        .collect();
    if measured.is_empty() {
        return html! {};
    }
    let longest = measured.iter().map(|(_, s)| *s).fold(1.0_f64, f64::max);
    let height = ROW * measured.len() as f64 + 8.0;
    let span = WIDTH - LABEL - 80.0;
    html! {
        figure.chart {
            figcaption { "Median first response per agent" }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img"
                aria-label="Median first response per agent" {
                @for (row, (agent, secs)) in measured.iter().enumerate() {
                    @let y = ROW * row as f64 + 4.0;
                    @let w = (secs / longest * span).max(1.0);
                    text x=(LABEL - 8.0) y=(y + 16.0) text-anchor="end" class="axis-label" {
                        (agent_name(agent, names))
                    }
                    rect x=(LABEL) y=(y + 3.0) width=(format!("{w:.1}")) height=(ROW - 8.0)
                        class="bar" {
                        title { (agent_name(agent, names)) ": " (duration(*secs)) }
                    }
                    text x=(format!("{:.1}", LABEL + w + 6.0)) y=(y + 16.0) class="axis-label" {
                        (duration(*secs))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(59.4), "59s");
        assert_eq!(duration(60.0), "1m");
        assert_eq!(duration(3599.0), "59m");
        assert_eq!(duration(3600.0 + 5.0 * 60.0), "1h 05m");
        assert_eq!(duration(86_400.0 * 2.0 + 3600.0 * 4.0), "2d 4h");
        assert_eq!(duration(-5.0), "0s");
    }
}
