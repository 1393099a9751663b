//! Publishing pages: compose (`/w/{id}/publish`, with the connected accounts and the
//! workspace's time zone for admins), the calendar (`/w/{id}/calendar`, week or month) and a
//! draft (`/w/{id}/drafts/{draft}`: status per target, failures, approval, comments).
//!
//! Times are typed and shown in the workspace's time zone and stored in UTC. The compose
//! page's counters (`/static/app.js`) approximate each network's rule as you type; the
//! server's check (`publishing::create_draft`) is the authoritative one.

use axum::{
    extract::{
        rejection::{PathRejection, QueryRejection},
        Path, Query, State,
    },
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use rapport_model::{Role, WorkspaceId};
use rapport_sources::publish::ACCOUNT_KINDS;
use rapport_store::publishing::{Draft, DraftFilter, DraftPoll, DraftStatus};
use serde::Deserialize;

use super::pages::{layout, safe_link, user_menu};
use super::publishing::{
    self as api, draft_path, publishing, DraftAction, DraftInput, NewAccountBody, Publishing,
};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{PageError, WebError},
    AppState,
};

fn workspace_of(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

async fn zone(publishing: &Publishing, workspace: WorkspaceId) -> Result<Tz, WebError> {
    let name = publishing.store.time_zone(workspace).await?;
    Ok(name.parse().unwrap_or(Tz::UTC))
}

/// `2026-11-23 09:30` in `tz`.
fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A `datetime-local` value (`2026-11-23T09:30`) in `tz`, as UTC.
fn parse_local(raw: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, WebError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| WebError::bad_request(format!("{raw:?} is not a date and time")))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| {
            WebError::bad_request(format!("{raw} does not exist in {tz} (a clock change)"))
        })
}

fn status_badge(status: &str) -> Markup {
    html! { span class={ "badge status-" (status) } { (status.replace('_', " ")) } }
}

// ---------------------------------------------------------------------------------------
// Compose

/// `GET /w/{id}/publish`.
pub(crate) async fn compose(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_of(path)?;
    Ok(render_compose(&state, &caller, id, &ComposeEcho::default(), None).await?)
}

/// What the form held, shown again with an error.
#[derive(Debug, Default)]
struct ComposeEcho {
    text: String,
    targets: Vec<i64>,
    scheduled_at: String,
    poll: Vec<String>,
    campaign: String,
    variant: String,
}

async fn render_compose(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    echo: &ComposeEcho,
    error: Option<String>,
) -> Result<Markup, WebError> {
    let workspace = find_workspace(state, id).await?;
    let publishing = publishing(state)?;
    let tz = zone(publishing, id).await?;
    let accounts = publishing.store.publish_accounts(id).await?;
    let slots = publishing.store.publish_slots(id).await?;
    let rules = api::length_rules(publishing, &accounts).await;
    // Each account's native poll limits (None: the poll becomes a survey link there).
    let mut poll_limits = Vec::new();
    // Each account's image limits (None: it takes no images from rapport) and name.
    let mut media_limits = Vec::new();
    for account in &accounts {
        let (limits, images) = match publishing.publisher(account).await {
            Ok(publisher) => (
                publisher.poll_limits(),
                (publisher.media_limits(), publisher.name()),
            ),
            Err(_) => (None, (None, "this network")),
        };
        poll_limits.push(limits);
        media_limits.push(images);
    }
    let campaigns = match &state.engagement {
        Some(store) => store.campaigns(id).await?,
        None => Vec::new(),
    };
    let media_enabled = publishing.media.is_some();
    let role = caller.role_in(id);
    let manager = role.is_some_and(|r| r.allows(Role::Manager));
    let admin = role == Some(Role::Admin);
    let csrf = caller.csrf().unwrap_or_default();
    let open = publishing
        .store
        .drafts(
            id,
            &DraftFilter {
                statuses: vec![
                    DraftStatus::Draft,
                    DraftStatus::PendingApproval,
                    DraftStatus::Approved,
                    DraftStatus::Scheduled,
                    DraftStatus::Sending,
                    DraftStatus::Failed,
                    DraftStatus::Rejected,
                ],
                limit: 100,
                ..DraftFilter::default()
            },
        )
        .await?;
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Publish · " (workspace.name) }
                    a href={ "/w/" (id) "/calendar" } { "Calendar" }
                    a href={ "/w/" (id) "/surveys" } { "Surveys" }
                    a href={ "/w/" (id) "/campaigns" } { "Campaigns" }
                }
                @if let Some(error) = &error {
                    div.form-error #compose-error role="alert" { p { (error) } }
                }
                @if accounts.is_empty() {
                    p.empty { "No account is connected yet: an admin connects one below." }
                } @else {
                    form.compose-form #compose-form method="post" action={ "/w/" (id) "/publish" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="compose-text" { "Text" }
                        textarea #compose-text name="text" rows="5" required { (echo.text) }
                        fieldset.targets {
                            legend { "Accounts" }
                            @for (((account, rule), limits), (images, network)) in accounts.iter().zip(rules.iter()).zip(poll_limits.iter()).zip(media_limits.iter()) {
                                @let checked = echo.targets.contains(&account.id.0) || (echo.targets.is_empty() && accounts.len() == 1);
                                div.target data-poll-options=[limits.map(|l| l.max_options)] data-poll-chars=[limits.map(|l| l.max_option_chars)]
                                    data-network-name=(network) data-media-images=(images.map_or(0, |l| l.max_images))
                                    data-media-bytes=[images.map(|l| l.max_bytes)] data-media-alt-chars=[images.map(|l| l.max_alt_chars)]
                                    data-media-alt-required=[images.map(|l| u8::from(l.alt_required))] {
                                    label {
                                        input type="checkbox" name="account" value=(account.id.0) checked[checked];
                                        " " (account.display_name) " (" (account.kind) ")"
                                    }
                                    @if let Some(rule) = &rule.1 {
                                        output.target-count data-network=(rule.network) data-max=(rule.max)
                                            data-variant={ "variant-" (account.id.0) } {}
                                    }
                                    details {
                                        summary { "Different text for this account" }
                                        textarea id={ "variant-" (account.id.0) } name={ "variant-" (account.id.0) } rows="3" {}
                                    }
                                }
                            }
                        }
                        fieldset.poll {
                            legend { "Poll (native on Mastodon and X; elsewhere a link to a survey page)" }
                            @for i in 0..4 {
                                input.poll-option type="text" name="poll_option" maxlength="200"
                                    aria-label={ "Poll option " (i + 1) } aria-describedby="poll-check"
                                    placeholder={ "Option " (i + 1) }
                                    value=(echo.poll.get(i).map(String::as_str).unwrap_or(""));
                            }
                            output #poll-check.reply-count aria-live="polite" {}
                            label for="poll-minutes" { "Open for" }
                            select #poll-minutes name="poll_minutes" {
                                option value="60" { "1 hour" }
                                option value="360" { "6 hours" }
                                option value="1440" selected { "1 day" }
                                option value="4320" { "3 days" }
                                option value="10080" { "7 days" }
                            }
                        }
                        @if !campaigns.is_empty() {
                            fieldset.campaign {
                                legend { "Campaign (A/B test)" }
                                label for="compose-campaign" { "Campaign" }
                                select #compose-campaign name="campaign" {
                                    option value="" { "none" }
                                    @for c in &campaigns {
                                        option value=(c.id.0) selected[echo.campaign == c.id.0.to_string()] { (c.name) }
                                    }
                                }
                                label for="compose-variant" { "Variant label" }
                                input #compose-variant type="text" name="variant" maxlength="16"
                                    placeholder="A" value=(echo.variant);
                            }
                        }
                        @if media_enabled {
                            fieldset.media #compose-media-set {
                                legend { "Images (PNG, JPEG, GIF, WebP): with images the post is saved as a draft, then scheduled from its page" }
                                input #compose-media type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple
                                    data-upload-base={ "/api/v1/workspaces/" (id) "/drafts/" } aria-describedby="media-check";
                                ol #compose-media-list {}
                                output #media-check.reply-count aria-live="polite" {}
                            }
                        }
                        div #link-preview.link-card data-preview-url={ "/api/v1/workspaces/" (id) "/link-preview" } hidden {}
                        label for="scheduled-at" { "When (" (tz.name()) ")" }
                        input #scheduled-at type="datetime-local" name="scheduled_at" value=(echo.scheduled_at);
                        div.actions {
                            @if manager {
                                button #compose-schedule type="submit" name="action" value="schedule" { "Schedule" }
                            }
                            button #compose-submit type="submit" name="action" value="submit" class=[manager.then_some("secondary")] { "Submit for approval" }
                            button.secondary type="submit" name="action" value="save" { "Save draft" }
                        }
                    }
                }
            }
            section.panel {
                h2 { "Open drafts" }
                (drafts_table(id, &open, tz))
            }
            section.panel #slots {
                h2 { "Weekly slots (" (tz.name()) ")" }
                @if slots.is_empty() {
                    p.muted { "No slots yet: \"Add to queue\" on a post schedules it into the next free one." }
                } @else {
                    ul.slots {
                        @for slot in &slots {
                            li {
                                (super::slots::WEEKDAYS[usize::from(slot.weekday.min(6))]) " "
                                (format!("{:02}:{:02}", slot.minute / 60, slot.minute % 60))
                                @if manager {
                                    form.inline method="post" action={ "/w/" (id) "/slots" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        input type="hidden" name="slot" value=(slot.id);
                                        button.secondary.small type="submit" name="action" value="remove" { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if manager {
                    form.slot-form #slot-form method="post" action={ "/w/" (id) "/slots" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="slot-weekday" { "Day" }
                        select #slot-weekday name="weekday" {
                            @for (n, day) in super::slots::WEEKDAYS.iter().enumerate() {
                                option value=(n) { (day) }
                            }
                        }
                        label for="slot-time" { "Time" }
                        input #slot-time type="time" name="time" required;
                        div.actions { button type="submit" name="action" value="add" { "Add slot" } }
                    }
                }
            }
            @if admin {
                section.panel #accounts {
                    h2 { "Connected accounts" }
                    @if !accounts.is_empty() {
                        ul.accounts {
                            @for account in &accounts {
                                li { (account.display_name) " · " (account.kind) " · "
                                    code { (["instance", "site", "endpoint", "page_id"].iter().find_map(|k| account.settings.get(*k).and_then(|v| v.as_str())).unwrap_or("")) }
                                    @if let Some(limits) = account_limits(&account.kind, &account.settings) {
                                        " · " span.account-limits { (limits) }
                                    }
                                }
                            }
                        }
                    }
                    form.account-form #account-form method="post" action={ "/w/" (id) "/accounts" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="account-kind" { "Kind" }
                        select #account-kind name="kind" {
                            @for kind in ACCOUNT_KINDS { option value=(kind) { (kind) } }
                        }
                        label for="account-name" { "Name" }
                        input #account-name type="text" name="display_name" required maxlength="100";
                        label for="account-instance" { "Address (Mastodon instance, WordPress site, Micropub endpoint; optional for Bluesky, X, Facebook)" }
                        input #account-instance type="url" name="instance" placeholder="https://mastodon.social";
                        label for="account-settings" { "Other settings (JSON, optional)" }
                        input #account-settings type="text" name="settings" placeholder="{\"max_characters\": 500} · {\"username\": \"editor\"} · {\"page_id\": \"1234\"}";
                        label for="account-secret" { "Secret: access token, app or application password, Page access token" }
                        input #account-secret type="password" name="secret" autocomplete="off" required;
                        div.actions { button type="submit" { "Connect account" } }
                    }
                    h2 { "Time zone" }
                    form.tz-form method="post" action={ "/w/" (id) "/settings" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="time-zone" { "Workspace time zone (IANA name)" }
                        input #time-zone type="text" name="time_zone" value=(tz.name()) required;
                        div.actions { button type="submit" { "Save time zone" } }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Publish · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(caller, Some(&workspace)),
        body,
    ))
}

fn drafts_table(id: WorkspaceId, drafts: &[Draft], tz: Tz) -> Markup {
    html! {
        @if drafts.is_empty() {
            p.empty { "Nothing here." }
        } @else {
            table.drafts {
                thead { tr { th { "When" } th { "Text" } th { "Status" } th { "By" } } }
                tbody {
                    @for draft in drafts {
                        tr {
                            td { (draft.scheduled_at.map(|t| local(t, tz)).unwrap_or_else(|| "not scheduled".into())) }
                            td { a href={ "/w/" (id) "/drafts/" (draft.id.0) } { (super::pages::excerpt(&draft.text, 80)) } }
                            td { (status_badge(draft.status.as_str())) }
                            td { (draft.author_name.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /w/{id}/publish`: creates the draft and shows it, or the form again with the error.
pub(crate) async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    path: Result<Path<String>, PathRejection>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = workspace_of(path)?;
    let publishing = publishing(&state)?;
    let tz = zone(publishing, id).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut echo = ComposeEcho {
        text: field("text"),
        scheduled_at: field("scheduled_at"),
        campaign: field("campaign"),
        variant: field("variant"),
        ..ComposeEcho::default()
    };
    let mut input = DraftInput {
        text: echo.text.clone(),
        base_url: super::surveys::public_base(&state, &headers),
        ..DraftInput::default()
    };
    for (key, value) in &fields {
        if key == "account" {
            if let Ok(account) = value.trim().parse::<i64>() {
                input.targets.push(account);
            }
        } else if let Some(account) = key.strip_prefix("variant-") {
            if let Ok(account) = account.parse::<i64>() {
                input.variants.push((account, value.clone()));
            }
        } else if key == "poll_option" {
            echo.poll.push(value.clone());
        }
    }
    echo.targets = input.targets.clone();
    if !echo.campaign.trim().is_empty() {
        match echo.campaign.trim().parse::<i64>() {
            Ok(campaign) => {
                let variant = echo.variant.trim();
                input.campaign = Some((
                    campaign,
                    if variant.is_empty() { "A" } else { variant }.to_string(),
                ));
            }
            Err(_) => {
                let page = render_compose(
                    &state,
                    &caller,
                    id,
                    &echo,
                    Some("choose a campaign from the list".into()),
                )
                .await?;
                return Ok((StatusCode::BAD_REQUEST, page).into_response());
            }
        }
    }
    let options: Vec<String> = echo
        .poll
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if !options.is_empty() {
        input.poll = Some(DraftPoll {
            options,
            duration_minutes: field("poll_minutes").trim().parse().unwrap_or(1440),
        });
    }
    input.action = match field("action").as_str() {
        "save" => DraftAction::Save,
        "schedule" => DraftAction::Schedule,
        _ => DraftAction::Submit,
    };
    let outcome = match parse_local(&echo.scheduled_at, tz) {
        Ok(at) => {
            input.scheduled_at = at;
            api::create_draft(&state, &caller, id, input).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(draft) => Ok(Redirect::to(&format!("/w/{id}/drafts/{}", draft.id.0)).into_response()),
        Err(error @ (WebError::Store(_) | WebError::Internal(_) | WebError::NotFound(_))) => {
            Err(error.into())
        }
        Err(error) => {
            let status = error.status();
            let page = render_compose(&state, &caller, id, &echo, Some(error.to_string())).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `POST /w/{id}/accounts` (admin).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    instance: String,
    #[serde(default)]
    settings: String,
    #[serde(default)]
    secret: String,
}

/// `POST /w/{id}/accounts`: connects an account.
pub(crate) async fn add_account(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let id = workspace_of(path)?;
    find_workspace(&state, id).await?;
    // Settings: the JSON field (for kinds with other settings), plus the instance URL.
    let mut settings = match form.settings.trim() {
        "" => serde_json::json!({}),
        raw => serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .filter(serde_json::Value::is_object)
            .ok_or_else(|| {
                WebError::bad_request("other settings must be a JSON object, e.g. {\"a\": 1}")
            })?,
    };
    if !form.instance.trim().is_empty() {
        // The address field is each kind's own URL setting.
        let field = match form.kind.as_str() {
            "wordpress" => "site",
            "micropub" => "endpoint",
            "bluesky" => "service",
            "x" | "facebook" => "api",
            _ => "instance",
        };
        settings[field] = serde_json::json!(form.instance.trim());
    }
    api::add_account(
        &state,
        &caller,
        id,
        NewAccountBody {
            kind: form.kind,
            display_name: form.display_name,
            settings,
            secret: form.secret,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/w/{id}/publish#accounts")).into_response())
}

/// `POST /w/{id}/settings` (admin).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    time_zone: String,
}

/// `POST /w/{id}/settings`: the workspace's time zone.
pub(crate) async fn settings(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let id = workspace_of(path)?;
    find_workspace(&state, id).await?;
    let publishing = publishing(&state)?;
    let tz: Tz = form.time_zone.trim().parse().map_err(|_| {
        WebError::Unprocessable(format!(
            "{:?} is not a time zone: use an IANA name such as Europe/Paris or UTC",
            form.time_zone.trim()
        ))
    })?;
    publishing
        .store
        .set_time_zone(id, tz.name())
        .await
        .map_err(WebError::from)?;
    Ok(Redirect::to(&format!("/w/{id}/publish#accounts")).into_response())
}

// ---------------------------------------------------------------------------------------
// Calendar

/// Query of `GET /w/{id}/calendar`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CalendarParams {
    view: Option<String>,
    start: Option<String>,
}

/// `GET /w/{id}/calendar?view=week|month&start=YYYY-MM-DD`.
pub(crate) async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<CalendarParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_of(path)?;
    let Query(params) = query.map_err(super::api::bad_query)?;
    let workspace = find_workspace(&state, id).await?;
    let publishing = publishing(&state)?;
    let tz = zone(publishing, id).await?;
    let month = match params.view.as_deref().unwrap_or("week") {
        "week" => false,
        "month" => true,
        other => {
            return Err(
                WebError::bad_request(format!("view must be week or month, not {other:?}")).into(),
            )
        }
    };
    let today = Utc::now().with_timezone(&tz).date_naive();
    let start = match params.start.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| WebError::bad_request("start must be a date: YYYY-MM-DD"))?,
        None => today,
    };
    // Weeks start on Monday; a month view shows the whole weeks around the month.
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let (first, days, prev, next) = if month {
        let first_of_month = start.with_day(1).unwrap_or(start);
        let next_month = first_of_month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first_of_month);
        let prev_month = first_of_month
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(first_of_month);
        let grid_start = monday(first_of_month);
        let grid_end = monday(next_month - Duration::days(1)) + Duration::days(7);
        (
            grid_start,
            (grid_end - grid_start).num_days(),
            prev_month,
            next_month,
        )
    } else {
        let first = monday(start);
        (
            first,
            7,
            first - Duration::days(7),
            first + Duration::days(7),
        )
    };
    let at = |d: NaiveDate| -> DateTime<Utc> {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    let last = first + Duration::days(days);
    let drafts = publishing
        .store
        .drafts(
            id,
            &DraftFilter {
                statuses: vec![
                    DraftStatus::Approved,
                    DraftStatus::Scheduled,
                    DraftStatus::Sending,
                    DraftStatus::Sent,
                    DraftStatus::Failed,
                    DraftStatus::PendingApproval,
                ],
                from: Some(at(first)),
                until: Some(at(last)),
                limit: 2000,
            },
        )
        .await?;
    let on = |d: NaiveDate| -> Vec<&Draft> {
        drafts
            .iter()
            .filter(|draft| {
                draft
                    .scheduled_at
                    .is_some_and(|t| t.with_timezone(&tz).date_naive() == d)
            })
            .collect()
    };
    let view = if month { "month" } else { "week" };
    let weeks: Vec<Vec<NaiveDate>> = (0..days / 7)
        .map(|w| (0..7).map(|d| first + Duration::days(w * 7 + d)).collect())
        .collect();
    let title = if month {
        start.format("%B %Y").to_string()
    } else {
        format!("Week of {}", first.format("%Y-%m-%d"))
    };
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Calendar · " (workspace.name) }
                    a href={ "/w/" (id) "/publish" } { "Compose" }
                }
                nav.calendar-nav {
                    a href={ "?view=" (view) "&start=" (prev.format("%Y-%m-%d")) } { "← Previous" }
                    strong.calendar-title { (title) " (" (tz.name()) ")" }
                    a href={ "?view=" (view) "&start=" (next.format("%Y-%m-%d")) } { "Next →" }
                    " · "
                    a href={ "?view=week&start=" (start.format("%Y-%m-%d")) } { "Week" }
                    " "
                    a href={ "?view=month&start=" (start.format("%Y-%m-%d")) } { "Month" }
                }
                table class={ "calendar calendar-" (view) } {
                    thead { tr { @for name in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] { th { (name) } } } }
                    tbody {
                        @for week in &weeks {
                            tr {
                                @for day in week {
                                    td class={ "day" @if *day == today { " today" } @if month && day.month() != start.month() { " other-month" } } {
                                        div.day-number { (day.format("%d")) }
                                        @for draft in on(*day) {
                                            a class={ "cal-post status-" (draft.status.as_str()) }
                                                href={ "/w/" (id) "/drafts/" (draft.id.0) } {
                                                @if let Some(t) = draft.scheduled_at {
                                                    time datetime=(t.to_rfc3339()) { (t.with_timezone(&tz).format("%H:%M")) }
                                                }
                                                " " (super::pages::excerpt(&draft.text, 40))
                                                " " (status_badge(draft.status.as_str()))
                                            }
                                        }
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
        &format!("Calendar · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

// ---------------------------------------------------------------------------------------
// A draft

/// `GET /w/{id}/drafts/{draft}`.
pub(crate) async fn draft_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Markup, PageError> {
    let (id, draft_id) = draft_path(path)?;
    let workspace = find_workspace(&state, id).await?;
    let publishing = publishing(&state)?;
    let tz = zone(publishing, id).await?;
    let draft = api::find_draft(publishing, id, draft_id).await?;
    let manager = caller.role_in(id).is_some_and(|r| r.allows(Role::Manager));
    let csrf = caller.csrf().unwrap_or_default();
    let action = format!("/w/{id}/drafts/{}", draft.id.0);
    // Native polls read back from the networks once something was published.
    let polls = if draft.poll.is_some() && draft.targets.iter().any(|t| t.native_id.is_some()) {
        api::target_polls(publishing, id, &draft).await?
    } else {
        Vec::new()
    };
    let images = super::media::draft_section(publishing, id, &draft).await?;
    let unsent = matches!(
        draft.status,
        DraftStatus::Draft
            | DraftStatus::PendingApproval
            | DraftStatus::Approved
            | DraftStatus::Scheduled
            | DraftStatus::Rejected
    );
    let body = html! {
        main.main {
            section.panel #draft data-status=(draft.status.as_str()) {
                div.panel-head {
                    h1 { "Post " (draft.id.0) " " (status_badge(draft.status.as_str())) }
                    a href={ "/w/" (id) "/calendar" } { "Calendar" }
                }
                p.draft-meta {
                    "By " (draft.author_name.as_deref().unwrap_or("an API token"))
                    " · "
                    @match draft.scheduled_at {
                        Some(t) => { "scheduled for " time datetime=(t.to_rfc3339()) { (local(t, tz)) } " (" (tz.name()) ")" },
                        None => { "no time yet" },
                    }
                }
                blockquote.draft-text { (draft.text) }
                @if let Some(poll) = &draft.poll {
                    div.poll {
                        "Poll, open " (poll.duration_minutes) " minutes:"
                        ol { @for option in &poll.options { li { (option) } } }
                    }
                }
                @for tp in polls.iter().filter(|p| p.poll.is_some() || p.error.is_some()) {
                    div.poll-results {
                        h2 { "Poll on " (tp.account_name) }
                        @if let Some(poll) = &tp.poll {
                            p { @if poll.open { "open" } @else { "closed" } @if let Some(total) = poll.total_votes { " · " (total) " votes" } }
                            ul { @for o in &poll.options {
                                li { (o.label) ": " @match o.votes { Some(v) => { (v) }, None => { "hidden until it closes" } } }
                            } }
                        }
                        @if let Some(error) = &tp.error { p.target-error { "Cannot read it: " (error) } }
                    }
                }
                (images)
                table.targets {
                    thead { tr { th { "Account" } th { "Status" } th { "Attempts" } th { "Details" } } }
                    tbody {
                        @for target in &draft.targets {
                            tr.target data-status=(target.status.as_str()) {
                                td { (target.account_name) " (" (target.account_kind) ")" }
                                td { (status_badge(target.status.as_str())) }
                                td { (target.attempts) }
                                td {
                                    @if let Some(text) = &target.text { div { "Text: " (text) } }
                                    @if let Some(url) = target.url.as_deref().and_then(safe_link) {
                                        a.published href=(url) rel="noopener noreferrer nofollow" target="_blank" { "published" }
                                    } @else if let Some(native) = &target.native_id {
                                        span { "published as " (native) }
                                    }
                                    @if let Some(followers) = target.followers {
                                        div.followers { (followers) " followers when sent" }
                                    }
                                    @if let Some(error) = &target.last_error {
                                        p.target-error role=[(target.status.as_str() == "failed").then_some("alert")] {
                                            @if target.status.as_str() == "failed" { "Failed: " } @else { "Last attempt: " }
                                            (error)
                                        }
                                    }
                                    @if let (Some(next), "pending") = (target.next_attempt_at, target.status.as_str()) {
                                        div { "next attempt " (local(next, tz)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if manager && matches!(draft.status, DraftStatus::Draft | DraftStatus::PendingApproval) {
                    form.approve-form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="decision-comment" { "Comment (optional)" }
                        input #decision-comment type="text" name="body";
                        div.actions {
                            button #approve type="submit" name="action" value="approve" { "Approve" }
                            button.secondary #reject type="submit" name="action" value="reject" { "Reject" }
                        }
                    }
                }
                @if unsent && draft.status != DraftStatus::Rejected && (manager || matches!(draft.status, DraftStatus::Approved | DraftStatus::Scheduled)) {
                    form.schedule-form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="schedule-at" { "Publish at (" (tz.name()) ")" }
                        input #schedule-at type="datetime-local" name="scheduled_at"
                            value=(draft.scheduled_at.map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default());
                        div.actions {
                            button #schedule type="submit" name="action" value="schedule" { "Schedule" }
                            button.secondary #queue type="submit" name="action" value="queue" { "Add to queue" }
                        }
                    }
                }
                @if unsent {
                    form.cancel-form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        button.secondary #cancel type="submit" name="action" value="cancel" { "Cancel this post" }
                    }
                }
            }
            section.panel {
                h2 { "Comments" }
                @if draft.comments.is_empty() { p.empty { "No comments yet." } }
                ol.comments {
                    @for comment in &draft.comments {
                        li.comment {
                            strong { (comment.author_name.as_deref().unwrap_or("an API token")) }
                            " · " time datetime=(comment.created_at.to_rfc3339()) { (local(comment.created_at, tz)) }
                            p { (comment.body) }
                        }
                    }
                }
                form.comment-form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="comment-body" { "Add a comment" }
                    textarea #comment-body name="body" rows="2" required {}
                    div.actions { button type="submit" name="action" value="comment" { "Comment" } }
                }
            }
        }
    };
    Ok(layout(
        &format!("Post {} · {}", draft.id.0, workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

/// `POST /w/{id}/drafts/{draft}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DraftActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    scheduled_at: String,
}

/// `POST /w/{id}/drafts/{draft}`: approve, reject, schedule, cancel or comment.
pub(crate) async fn draft_action(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    Form(form): Form<DraftActionForm>,
) -> Result<Response, PageError> {
    let (id, draft) = draft_path(path)?;
    find_workspace(&state, id).await?;
    let publishing = publishing(&state)?;
    match form.action.as_str() {
        "approve" | "reject" => {
            let comment = Some(form.body.as_str());
            api::approve(&state, &caller, id, draft, form.action == "reject", comment).await?;
        }
        "schedule" => {
            let tz = zone(publishing, id).await?;
            let at = parse_local(&form.scheduled_at, tz)?;
            api::schedule(&state, &caller, id, draft, at).await?;
        }
        "queue" => {
            super::slots::queue(&state, &caller, id, draft).await?;
        }
        "cancel" => {
            api::cancel(&state, id, draft).await?;
        }
        "comment" => {
            api::add_comment(&state, &caller, id, draft, &form.body).await?;
        }
        other => {
            return Err(WebError::bad_request(format!(
                "action must be approve, reject, schedule, queue, cancel or comment, not {other:?}"
            ))
            .into())
        }
    }
    Ok((
        StatusCode::SEE_OTHER,
        [(
            axum::http::header::LOCATION,
            format!("/w/{id}/drafts/{}", draft.0),
        )],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_typed_in_the_workspace_zone_and_stored_in_utc() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let summer = parse_local("2026-07-01T09:30", paris).unwrap().unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T07:30:00+00:00");
        let winter = parse_local("2026-01-15T09:30", paris).unwrap().unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-01-15T08:30:00+00:00");
        assert_eq!(local(winter, paris), "2026-01-15 09:30");
        // 02:30 does not exist on the night clocks go forward.
        assert!(parse_local("2026-03-29T02:30", paris).is_err());
        assert_eq!(parse_local("  ", paris).unwrap(), None);
        assert!(parse_local("tomorrow", paris).is_err());
        assert_eq!(
            parse_local("2026-07-01T09:30", Tz::UTC)
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-07-01T09:30:00+00:00"
        );
    }

    #[test]
    fn only_mastodon_and_x_take_polls() {
        use rapport_model::Network;
        assert!(api::has_polls(Network::Mastodon));
        assert!(api::has_polls(Network::X));
        assert!(!api::has_polls(Network::Bluesky));
        assert!(!api::has_polls(Network::Reddit));
    }
}

/// The limits an account's settings hold (read from a Mastodon instance when it was
/// connected, or set by an admin), in words; `None` for kinds without such settings.
fn account_limits(kind: &str, settings: &serde_json::Value) -> Option<String> {
    let number = |key: &str| settings.get(key).and_then(serde_json::Value::as_u64);
    let megabytes = |bytes: u64| format!("{:.1} MB", bytes as f64 / 1_000_000.0);
    let mut parts = Vec::new();
    if let Some(n) = number("max_characters") {
        parts.push(format!("{n} characters"));
    }
    if let Some(n) = number("max_media_attachments") {
        parts.push(format!("{n} images"));
    }
    if let Some(n) = number("image_size_limit").or_else(|| number("max_upload_bytes")) {
        parts.push(format!("images up to {}", megabytes(n)));
    }
    if let Some(n) = number("max_poll_options") {
        parts.push(format!("{n} poll options"));
    }
    match (kind, parts.is_empty()) {
        (_, false) => Some(format!("limits: {}", parts.join(", "))),
        ("mastodon", true) => Some(
            "Mastodon's default limits (500 characters, 4 images up to 16 MB): the instance's \
             own were not read"
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod account_limit_tests {
    use super::account_limits;
    use serde_json::json;

    #[test]
    fn limits_are_said_in_words_and_defaults_are_named() {
        assert_eq!(
            account_limits(
                "mastodon",
                &json!({"instance": "https://m.example", "max_characters": 1000,
                        "max_media_attachments": 6, "image_size_limit": 10_485_760})
            )
            .as_deref(),
            Some("limits: 1000 characters, 6 images, images up to 10.5 MB")
        );
        assert!(
            account_limits("mastodon", &json!({"instance": "https://m.example"}))
                .unwrap()
                .contains("default limits")
        );
        assert_eq!(
            account_limits("wordpress", &json!({"max_upload_bytes": 8_000_000})).as_deref(),
            Some("limits: images up to 8.0 MB")
        );
        assert_eq!(account_limits("x", &json!({})), None);
    }
}
