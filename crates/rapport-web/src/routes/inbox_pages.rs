//! The inbox pages (agents and up): the queue ranked by priority, and one item with its
//! thread, notes, history and the forms that handle it (status, assignee, note, one-click
//! corrections). Forms post to `POST /w/{id}/inbox/{item}` with the session's CSRF token
//! and come back to the item (303).

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    response::Redirect,
    Form,
};
use maud::{html, Markup};
use rapport_model::{InboxItemId, InboxStatus, Intent, SentimentLabel, Timestamp, WorkspaceId};
use rapport_store::inbox::{AssigneeFilter, InboxQuery};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::inbox::{
    apply_change, apply_correction, detail_of, note_text, parse_statuses, render_template,
    CorrectionBody, InboxChange, InboxDetail, InboxItemView,
};
use super::pages::{absolute, excerpt, layout, relative_time, safe_link, user_menu};
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{PageError, WebError},
    AppState,
};

/// Items on one page of the queue.
const QUEUE_PAGE: usize = 100;
/// Longest text shown in the queue.
const QUEUE_EXCERPT: usize = 280;

/// Query of `GET /w/{id}/inbox`.
#[derive(Debug, Deserialize)]
pub(crate) struct QueueParams {
    status: Option<String>,
    mine: Option<String>,
}

/// The form of `POST /w/{id}/inbox/{item}`: one action at a time.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    action: String,
    #[serde(default)]
    value: String,
    /// The reply's idempotency key (the reply form only).
    #[serde(default)]
    key: String,
}

fn workspace_of(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

fn ids_of(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, InboxItemId), WebError> {
    let Path((workspace, item)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let item = item
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::not_found("no such inbox item"))?;
    Ok((parse_workspace_id(&workspace)?, InboxItemId(item)))
}

/// Display names of the workspace's members, by user id.
async fn member_names(
    state: &AppState,
    workspace: WorkspaceId,
) -> Result<BTreeMap<i64, String>, WebError> {
    Ok(state
        .accounts
        .members(workspace)
        .await?
        .into_iter()
        .map(|m| (m.user.id.0, m.user.display_name))
        .collect())
}

/// `GET /w/{id}/inbox`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<QueueParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let id = workspace_of(path)?;
    let Query(params) = query
        .map_err(|e| WebError::bad_request(format!("invalid query string: {}", e.body_text())))?;
    let workspace = find_workspace(&state, id).await?;
    let mine = params.mine.as_deref() == Some("1");
    let assignee = match (mine, caller.user_id()) {
        (true, Some(user)) => AssigneeFilter::User(user.0),
        _ => AssigneeFilter::Any,
    };
    let statuses = parse_statuses(params.status.as_deref())?;
    let entries = state
        .inbox
        .inbox(
            id,
            &InboxQuery {
                statuses: statuses.clone(),
                assignee,
                limit: QUEUE_PAGE,
                ..InboxQuery::default()
            },
        )
        .await?;
    let counts = state.inbox.inbox_counts(id).await?;
    let names = member_names(&state, id).await?;
    let now = chrono::Utc::now();
    let items: Vec<InboxItemView> = entries
        .into_iter()
        .map(|e| InboxItemView::from_entry(e, now))
        .collect();
    let base = format!("/w/{id}/inbox");
    let body = html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Inbox · " (workspace.name) }
                    a href={ "/w/" (id) } { "Dashboard" }
                }
                nav.filters aria-label="Filter the inbox" {
                    a href=(base) { "Waiting" }
                    @for (status, count) in &counts {
                        a href={ (base) "?status=" (status.as_str()) } {
                            (status.as_str()) " (" (count) ")"
                        }
                    }
                    a href={ (base) "?mine=1" } { "Assigned to me" }
                }
                @if items.is_empty() {
                    p.empty { "Nothing waiting here." }
                } @else {
                    ol.inbox-list {
                        @for item in &items {
                            (queue_row(id, item, &names, now))
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Inbox · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

fn queue_row(
    workspace: WorkspaceId,
    item: &InboxItemView,
    names: &BTreeMap<i64, String>,
    now: Timestamp,
) -> Markup {
    let post = &item.post.post;
    html! {
        li class={ "inbox-item status-" (item.status.as_str()) } {
            div.mention-meta {
                span.priority title="Priority: intent, negativity, reach and waiting time" {
                    (format!("{:.1}", item.priority))
                }
                span class={ "reason reason-" (item.reason.as_str()) } {
                    (item.reason.as_str().replace('_', " "))
                }
                span.status { (item.status.as_str()) }
                span.author { span.handle { "@" (post.author.handle) } }
                span class={ "net net-" (post.network.as_str()) } { (post.network.label()) }
                time datetime=(post.created_at.to_rfc3339()) title=(absolute(post.created_at)) {
                    (relative_time(now, post.created_at))
                }
                @if let Some(user) = item.assignee {
                    span.assignee { "→ " (names.get(&user).map(String::as_str).unwrap_or("someone")) }
                }
            }
            a.inbox-link href={ "/w/" (workspace) "/inbox/" (item.id) } {
                (excerpt(&post.text, QUEUE_EXCERPT))
            }
        }
    }
}

/// `GET /w/{id}/inbox/{item}`.
pub(crate) async fn item(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Markup, PageError> {
    let (id, item) = ids_of(path)?;
    let workspace = find_workspace(&state, id).await?;
    let detail = detail_of(&state, id, item).await?;
    let names = member_names(&state, id).await?;
    let agent = caller.user().map(|u| u.display_name.clone());
    let templates: Vec<(String, String)> = state
        .inbox
        .reply_templates(id)
        .await?
        .into_iter()
        .map(|t| {
            let text = render_template(&t.body, &detail.item.post.post, agent.as_deref());
            (t.name, text)
        })
        .collect();
    let network = detail.item.post.post.network;
    let target = rapport_sources::publish::ReplyTarget {
        native_id: detail.item.post.post.native_id.clone(),
        author_handle: detail.item.post.post.author.handle.clone(),
        url: detail.item.post.post.url.clone(),
    };
    let reply = match state.replies.as_ref() {
        None => ReplyBox::Unavailable(
            "Replying through the networks is not enabled on this server; answer on the \
             network and mark the item here."
                .to_string(),
        ),
        Some(sender) => match sender.publisher_for(id, network, &target).await {
            Ok(publisher) => {
                // Mastodon threads by mentioning the author first; Bluesky and X thread by
                // reference and send the text as written.
                let adds_mention = publisher.reply_text(&target, "x") != "x";
                ReplyBox::Ready {
                    // Blogs have no limit worth a counter.
                    max_length: publisher
                        .length_rule()
                        .is_limited()
                        .then(|| publisher.max_length()),
                    through: publisher.name(),
                    mention: if adds_mention {
                        format!(
                            "@{}",
                            detail.item.post.post.author.handle.trim_start_matches('@')
                        )
                    } else {
                        String::new()
                    },
                    key: fresh_key()?,
                }
            }
            Err(WebError::Unprocessable(reason)) => ReplyBox::Unavailable(reason),
            Err(other) => return Err(other.into()),
        },
    };
    Ok(layout(
        &format!("Inbox item {item}"),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        item_body(
            id,
            &detail,
            &names,
            &templates,
            caller.csrf().unwrap_or_default(),
            &reply,
        ),
    ))
}

/// The reply box of the item page: a form when an account can send, or why not.
enum ReplyBox {
    Ready {
        /// `None` where the network has no length limit.
        max_length: Option<usize>,
        /// The account's kind as shown (`WordPress` for a feed item answered by a comment).
        through: &'static str,
        mention: String,
        key: String,
    },
    Unavailable(String),
}

/// A random idempotency key for one composed reply.
fn fresh_key() -> Result<String, WebError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("randomness: {e}")))?;
    Ok(format!("reply-{}", hex::encode(bytes)))
}

fn action_form(
    workspace: WorkspaceId,
    item: InboxItemId,
    csrf: &str,
    action: &str,
    value: &str,
    label: &str,
) -> Markup {
    html! {
        form.inline method="post" action={ "/w/" (workspace) "/inbox/" (item) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value=(action);
            input type="hidden" name="value" value=(value);
            button type="submit" { (label) }
        }
    }
}

fn item_body(
    workspace: WorkspaceId,
    detail: &InboxDetail,
    names: &BTreeMap<i64, String>,
    templates: &[(String, String)],
    csrf: &str,
    reply: &ReplyBox,
) -> Markup {
    let item = &detail.item;
    let now = chrono::Utc::now();
    let name = |user: Option<i64>| {
        user.and_then(|u| names.get(&u).cloned())
            .unwrap_or_else(|| "rapport".to_string())
    };
    let analysis = item.post.analysis;
    let sentiment = item.corrected_sentiment.or(analysis.map(|a| a.sentiment));
    let intent = item.corrected_intent.or(analysis.map(|a| a.intent));
    html! {
        main.main {
            section.panel {
                div.panel-head {
                    h1 { "Inbox item " (item.id) }
                    a href={ "/w/" (workspace) "/inbox" } { "Back to the inbox" }
                }
                p.mention-meta {
                    span.priority { "priority " (format!("{:.1}", item.priority)) }
                    span class={ "reason reason-" (item.reason.as_str()) } { (item.reason.as_str().replace('_', " ")) }
                    span.status { (item.status.as_str()) }
                    span { "waiting " (format!("{:.1}", item.waiting_hours)) " h" }
                    span.monitor-tag { (item.monitors.join(", ")) }
                    @if let Some(user) = item.assignee {
                        span.assignee { "assigned to " (name(Some(user))) }
                    }
                }
                h2 { "Conversation" }
                ol.thread {
                    @for post in &detail.thread {
                        li class={ "thread-post" @if post.id == item.post.id { " focus" } } {
                            div.mention-meta {
                                span.handle { "@" (post.post.author.handle) }
                                time datetime=(post.post.created_at.to_rfc3339()) title=(absolute(post.post.created_at)) {
                                    (relative_time(now, post.post.created_at))
                                }
                                @if let Some(href) = post.post.url.as_deref().and_then(safe_link) {
                                    a.original href=(href) rel="noopener noreferrer nofollow" target="_blank" { "original" }
                                }
                            }
                            p.mention-text { (post.post.text) }
                        }
                    }
                }
                h2 { "Handle it" }
                div.actions {
                    @for status in InboxStatus::ALL {
                        @if status != item.status {
                            (action_form(workspace, item.id, csrf, "status", status.as_str(), &format!("Mark {}", status.as_str())))
                        }
                    }
                    (action_form(workspace, item.id, csrf, "assign", "me", "Assign to me"))
                    @if item.assignee.is_some() {
                        (action_form(workspace, item.id, csrf, "assign", "none", "Unassign"))
                    }
                }
                h2 { "Understanding" }
                p {
                    "Sentiment: " strong.sentiment { (sentiment.map_or("unknown", |s| s.as_str())) }
                    @if item.corrected_sentiment.is_some() { " (corrected)" }
                    " · intent: " strong.intent { (intent.map_or("unknown", |i| i.as_str())) }
                    @if item.corrected_intent.is_some() { " (corrected)" }
                }
                div.actions {
                    "Correct the sentiment: "
                    @for label in [SentimentLabel::Positive, SentimentLabel::Neutral, SentimentLabel::Negative] {
                        @if Some(label) != sentiment {
                            (action_form(workspace, item.id, csrf, "sentiment", label.as_str(), label.as_str()))
                        }
                    }
                }
                div.actions {
                    "Correct the intent: "
                    @for candidate in Intent::ALL {
                        @if Some(candidate) != intent {
                            (action_form(workspace, item.id, csrf, "intent", candidate.as_str(), &candidate.as_str().replace('_', " ")))
                        }
                    }
                }
                h2 { "Notes" }
                @if detail.notes.is_empty() {
                    p.empty { "No notes yet." }
                }
                ul.notes {
                    @for note in &detail.notes {
                        li { strong { (name(note.user)) } " · " (relative_time(now, note.created_at)) ": " (note.body) }
                    }
                }
                form.note-form method="post" action={ "/w/" (workspace) "/inbox/" (item.id) } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="note";
                    label for="note" { "Internal note (never sent)" }
                    textarea id="note" name="value" rows="3" maxlength="5000" required {}
                    button type="submit" { "Add note" }
                }
                h2 { "Saved replies" }
                @if templates.is_empty() {
                    p.empty { "No saved replies yet (managers add them through the API)." }
                }
                ul.templates {
                    @for (name, text) in templates {
                        li { strong { (name) } p.template-text { (text) } }
                    }
                }
                h2 { "Replies" }
                @if !detail.replies.is_empty() {
                    ol.replies {
                        @for sent in &detail.replies {
                            li class={ "reply reply-" (sent.state.as_str()) } {
                                strong { (name(sent.user)) } " · " (relative_time(now, sent.created_at)) " · "
                                span.reply-state { (sent.state.as_str()) }
                                @if let Some(remote) = &sent.remote_id { " · id " (remote) }
                                p { (sent.body) }
                                @if let Some(error) = &sent.error { p.error { (error) } }
                            }
                        }
                    }
                }
                @match reply {
                    ReplyBox::Ready { max_length, through, mention, key } => {
                        form.reply-form method="post" action={ "/w/" (workspace) "/inbox/" (item.id) } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value="reply";
                            input type="hidden" name="key" value=(key);
                            label for="reply" {
                                "Reply on " (item.post.post.network.label())
                                @if *through != item.post.post.network.label() { " through " (through) }
                                @if !mention.is_empty() { " (sent as " (mention) " ...)" }
                            }
                            textarea #reply name="value" rows="4" required
                                data-max-length=[max_length] data-mention=(mention)
                                data-network=(item.post.post.network.as_str()) {}
                            @if let Some(max_length) = max_length {
                                output.reply-count for="reply" aria-live="polite" {
                                    (max_length) " characters left"
                                }
                            }
                            button type="submit" { "Send reply" }
                        }
                    }
                    ReplyBox::Unavailable(reason) => {
                        p.notice { (reason) }
                    }
                }
                h2 { "History" }
                ol.history {
                    @for event in &detail.events {
                        li { (relative_time(now, event.at)) " · " (name(event.user)) " · " (event.kind) " " (event.detail) }
                    }
                }
            }
        }
    }
}

/// `POST /w/{id}/inbox/{item}`: one action from the item page, then back to it.
pub(crate) async fn act(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    Form(form): Form<ActionForm>,
) -> Result<Redirect, PageError> {
    let (id, item) = ids_of(path)?;
    let value = form.value.trim();
    match form.action.as_str() {
        "status" => {
            let status: InboxStatus =
                value
                    .parse()
                    .map_err(|e: rapport_model::UnknownInboxStatus| {
                        WebError::bad_request(e.to_string())
                    })?;
            let change = InboxChange {
                status: Some(status),
                assignee: None,
            };
            apply_change(&state, &caller, id, item, &change).await?;
        }
        "assign" => {
            let change = InboxChange {
                status: None,
                assignee: Some(value.to_string()),
            };
            apply_change(&state, &caller, id, item, &change).await?;
        }
        "reply" => {
            super::replies::send_reply(&state, &caller, id, item, value, &form.key).await?;
        }
        "note" => {
            let text = note_text(value)?;
            state
                .inbox
                .add_inbox_note(id, item, caller.user_id().map(|u| u.0), text)
                .await?;
        }
        "sentiment" => {
            let label: SentimentLabel = value.parse().map_err(WebError::bad_request)?;
            let body = CorrectionBody {
                sentiment: Some(label),
                intent: None,
            };
            apply_correction(&state, &caller, id, item, &body).await?;
        }
        "intent" => {
            let intent: Intent = value.parse().map_err(WebError::bad_request)?;
            let body = CorrectionBody {
                sentiment: None,
                intent: Some(intent),
            };
            apply_correction(&state, &caller, id, item, &body).await?;
        }
        other => {
            return Err(WebError::bad_request(format!(
            "unknown action {other:?}: expected status, assign, note, reply, sentiment or intent"
        ))
            .into())
        }
    }
    Ok(Redirect::to(&format!("/w/{id}/inbox/{item}")))
}
