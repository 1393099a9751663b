//! Replying from the inbox through the network: `POST /api/v1/workspaces/{id}/inbox/{item}/replies`
//! (agent) and the item page's reply form.
//!
//! The reply is recorded with its idempotency key *before* the network is called
//! (`InboxStore::begin_reply`) and its outcome after (`finish_reply`). Sending the same key
//! again returns the recorded reply when it was sent, and otherwise sends again with the
//! same key, which the network deduplicates (Mastodon's `Idempotency-Key`): a double click,
//! a client retry or a crash between the call and the commit never posts twice.
//!
//! With the workspace's link tracking on (the campaigns page's link settings), each http(s)
//! URL of a reply becomes a short link `{base}/l/{code}` to the URL with its UTM tags
//! (`utm_source` the network, the workspace's `utm_medium`, `utm_campaign=inbox-reply`),
//! before the length check and the send, as the scheduler does for posts. The links belong
//! to the reply's idempotency key and URL position, so a retry gets the same codes and
//! sends the same text; the text recorded with the reply is the rewritten one.
//!
//! The account a reply goes out through is the first of the workspace's connected accounts
//! that can answer the post ([`ReplySender::publisher_for`]): Mastodon, Bluesky and X posts
//! through an account of that network (Mastodon also through a `mastodon` source with a
//! write token), a feed item through a WordPress account whose site it is on (a comment) or
//! a Micropub account (a reply post citing it), a Facebook comment through the Page's
//! `facebook` account; other networks answer 422 saying so.

use axum::{
    extract::{rejection::JsonRejection, rejection::PathRejection, Path, State},
    http::StatusCode,
    Json,
};
use rapport_engine::links;
use rapport_model::{InboxItemId, Network, WorkspaceId};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    no_publisher_reason, reply_account_kinds, MastodonPublisher, PublishError, Publisher,
    ReplyTarget,
};
use rapport_store::engagement::NewReplyLink;
use rapport_store::inbox::{ReplyRecord, ReplyState};
use rapport_store::{PublishStore, SecretKey, SourceStore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::{
    auth::Caller,
    error::{ApiError, WebError},
    AppState,
};

/// What replying needs beyond the store: the accounts that post (the workspace's connected
/// accounts, see [`super::publishing`], and, for Mastodon, a `mastodon` source with a write
/// token), the key that opens their secrets, and the outgoing-request policy.
#[derive(Clone)]
pub struct ReplySender {
    sources: Arc<dyn SourceStore>,
    accounts: Option<Arc<dyn PublishStore>>,
    key: SecretKey,
    policy: SafetyPolicy,
}

impl ReplySender {
    /// Replies go out through `sources`' accounts, opened with `key`, under `policy`.
    pub fn new(sources: Arc<dyn SourceStore>, key: SecretKey, policy: SafetyPolicy) -> Self {
        ReplySender {
            sources,
            accounts: None,
            key,
            policy,
        }
    }

    /// The same, replying through the workspace's connected accounts first (Bluesky and X
    /// replies need one; Mastodon falls back to a `mastodon` source).
    pub fn with_accounts(mut self, accounts: Arc<dyn PublishStore>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// The account of `workspace` that answers `target`, a post on `network`, or why there
    /// is none: the first connected account of the kinds that answer that network
    /// ([`reply_account_kinds`]: a feed item tries WordPress accounts, then Micropub ones)
    /// whose publisher [`Publisher::can_reply_to`] the post; for Mastodon, a `mastodon`
    /// source with a write token after the connected accounts.
    pub async fn publisher_for(
        &self,
        workspace: WorkspaceId,
        network: Network,
        target: &ReplyTarget,
    ) -> Result<Arc<dyn Publisher>, WebError> {
        if let Some(reason) = no_publisher_reason(network) {
            return Err(WebError::Unprocessable(reason));
        }
        let fetcher = || {
            Fetcher::new(self.policy.clone(), FetchLimits::default())
                .map_err(|e| WebError::Internal(e.to_string()))
        };
        let kinds = reply_account_kinds(network);
        // Accounts of the right kind that cannot answer this post, and why.
        let mut unable: Vec<String> = Vec::new();
        if let Some(accounts) = &self.accounts {
            let connected = accounts.publish_accounts(workspace).await?;
            for kind in kinds {
                for account in connected.iter().filter(|a| a.kind == *kind) {
                    let secret = accounts
                        .publish_account_secret(account.id, &self.key)
                        .await?;
                    match rapport_sources::publish::build(
                        kind,
                        &account.settings,
                        secret.expose(),
                        fetcher()?,
                    ) {
                        Ok(publisher) if publisher.can_reply_to(target) => return Ok(publisher),
                        Ok(publisher) => unable.push(format!(
                            "{:?} ({}) cannot answer it",
                            account.display_name,
                            publisher.name()
                        )),
                        Err(e) => unable.push(format!("{:?}: {e}", account.display_name)),
                    }
                }
            }
        }
        if network != Network::Mastodon {
            if !unable.is_empty() {
                let why = if network == Network::Feed {
                    " (a WordPress account comments only on its own site's posts, a Micropub \
                     account needs the post's URL)"
                } else {
                    ""
                };
                return Err(WebError::Unprocessable(format!(
                    "no connected account can answer this {} post: {}{why}",
                    network.label(),
                    unable.join("; ")
                )));
            }
            let names: Vec<&str> = kinds.iter().map(|k| kind_label(k)).collect();
            return Err(WebError::Unprocessable(format!(
                "no {} account is connected to this workspace: an admin connects one on the \
                 publish page (/w/{workspace}/publish)",
                names.join(" or ")
            )));
        }
        let sources = self.sources.sources().await?;
        let account = sources.into_iter().find(|s| {
            s.workspace_id == workspace && s.kind == "mastodon" && s.has_credentials && s.enabled
        });
        let Some(account) = account else {
            return Err(WebError::Unprocessable(
                "no Mastodon account is connected to this workspace: an admin connects one on \
                 the publish page, or adds a `mastodon` source with an access token that has \
                 the write:statuses scope \
                 (`rapport sources add --kind mastodon --set instance=https://... --token-env VAR`)"
                    .into(),
            ));
        };
        let config: serde_json::Value = serde_json::from_str(&account.config)
            .map_err(|e| WebError::Internal(format!("source {} settings: {e}", account.id)))?;
        let instance = config["instance"]
            .as_str()
            .and_then(|raw| reqwest::Url::parse(raw).ok())
            .ok_or_else(|| {
                WebError::Unprocessable(format!(
                    "the Mastodon source {:?} has no valid instance URL",
                    account.name
                ))
            })?;
        let token = self
            .sources
            .source_credentials(account.id, &self.key)
            .await?
            .ok_or_else(|| WebError::Unprocessable("the Mastodon source has no token".into()))?;
        Ok(Arc::new(MastodonPublisher::new(
            fetcher()?,
            instance,
            token.expose().to_string(),
        )))
    }
}

/// The name shown for an account kind.
fn kind_label(kind: &str) -> &str {
    match kind {
        "mastodon" => "Mastodon",
        "bluesky" => "Bluesky",
        "x" => "X",
        "wordpress" => "WordPress",
        "micropub" => "Micropub",
        "facebook" => "Facebook",
        other => other,
    }
}

/// Body of `POST .../inbox/{item}/replies`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// The reply's text (the author is mentioned first when the text does not).
    pub body: String,
    /// Makes the request safe to retry: the same key never posts twice. 8 to 100 letters,
    /// digits, `-` or `_`; a client should make one per reply it composes.
    pub idempotency_key: String,
}

fn check_key(key: &str) -> Result<&str, WebError> {
    let key = key.trim();
    let valid = (8..=100).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(key)
    } else {
        Err(WebError::bad_request(
            "idempotency_key must be 8 to 100 letters, digits, - or _",
        ))
    }
}

/// The `utm_campaign` of the links in inbox replies.
pub const REPLY_CAMPAIGN: &str = "inbox-reply";

/// `text` with its http(s) URLs replaced by short links when `workspace` tracks links
/// (see the module's documentation); as written otherwise. Each link is the one of `key`
/// and the URL's position, made on first use: the same key always gives the same text.
async fn tracked_reply_text(
    state: &AppState,
    workspace: WorkspaceId,
    key: &str,
    network: &str,
    text: &str,
) -> Result<String, WebError> {
    let Some(store) = state.engagement.as_ref() else {
        return Ok(text.to_string());
    };
    let urls = links::urls(text);
    if urls.is_empty() {
        return Ok(text.to_string());
    }
    let settings = store.link_settings(workspace).await?;
    if !settings.enabled || links::http_url(&settings.base_url).is_none() {
        return Ok(text.to_string());
    }
    let tags = links::UtmTags {
        source: network.to_lowercase(),
        medium: settings.utm_medium.clone(),
        campaign: Some(REPLY_CAMPAIGN.into()),
        content: None,
    };
    // A link that is already one of ours is left as it is.
    let ours = links::short_url(&settings.base_url, "");
    let mut short = Vec::with_capacity(urls.len());
    for (position, url) in urls.iter().enumerate() {
        let destination = links::with_utm(url, &tags).filter(|_| !url.starts_with(&ours));
        let Some(destination) = destination else {
            short.push(None);
            continue;
        };
        let code = links::new_code()
            .ok_or_else(|| WebError::Internal("no randomness for a short link's code".into()))?;
        let link = store
            .reply_link_for(NewReplyLink {
                workspace_id: workspace,
                reply_key: key.to_string(),
                position: u32::try_from(position).unwrap_or(u32::MAX),
                destination,
                code,
            })
            .await?;
        short.push(Some(links::short_url(&settings.base_url, &link.code)));
    }
    Ok(links::rewrite(text, |i, _| {
        short.get(i as usize).cloned().flatten()
    }))
}

/// Sends (or finds already sent) the reply to `item`; the reply record, and whether this
/// call sent it.
pub(crate) async fn send_reply(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    item: InboxItemId,
    body: &str,
    key: &str,
) -> Result<(ReplyRecord, bool), WebError> {
    let key = check_key(key)?;
    let text = body.trim();
    if text.is_empty() {
        return Err(WebError::bad_request("a reply needs some text"));
    }
    let Some(sender) = state.replies.as_ref() else {
        return Err(WebError::Unprocessable(
            "replying through the networks is not enabled on this server".into(),
        ));
    };
    let entry = state
        .inbox
        .inbox_item(workspace, item)
        .await?
        .ok_or_else(|| WebError::not_found("no such inbox item"))?;
    let post = &entry.post.post;
    let target = ReplyTarget {
        native_id: post.native_id.clone(),
        author_handle: post.author.handle.clone(),
        url: post.url.clone(),
    };
    let publisher = sender
        .publisher_for(workspace, post.network, &target)
        .await?;
    let text = tracked_reply_text(state, workspace, key, publisher.name(), text).await?;
    let sent_text = publisher.reply_text(&target, &text);
    let length = publisher.length(&sent_text);
    if length > publisher.max_length() {
        return Err(WebError::Unprocessable(format!(
            "the reply is {length} characters as {} counts them (the author's mention \
             included), {} over its limit of {}",
            post.network.label(),
            length - publisher.max_length(),
            publisher.max_length()
        )));
    }
    let user = caller.user_id().map(|u| u.0);
    let record = state
        .inbox
        .begin_reply(workspace, item, user, &text, key)
        .await?;
    if record.state == ReplyState::Sent {
        return Ok((record, false));
    }
    // The recorded text is sent (on a retry: the text of the first call, links included).
    match publisher.reply(&target, &record.body, key).await {
        Ok(published) => {
            let finished = state
                .inbox
                .finish_reply(record.id, Ok(published.native_id))
                .await?;
            Ok((finished, true))
        }
        // The outcome is unknown or the network asked to wait: the reply stays pending, so
        // sending again with the same key (or the restart sweep) sends it once and records
        // what the network says then.
        Err(error @ (PublishError::RateLimited { .. } | PublishError::Transient { .. })) => Err(
            WebError::Unavailable(format!("{error}; send again with the same idempotency_key")),
        ),
        Err(error) => {
            state
                .inbox
                .finish_reply(record.id, Err(error.to_string()))
                .await?;
            Err(WebError::Unprocessable(error.to_string()))
        }
    }
}

/// What [`resend_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingSweep {
    /// Sent again with their key, and accepted.
    pub sent: usize,
    /// Sent again and refused, or not sendable any more (recorded as failed).
    pub failed: usize,
    /// Too old to send again safely (recorded as failed, with the reason).
    pub unknown: usize,
}

/// How long a network is trusted to remember an idempotency key (Mastodon keeps it for an
/// hour), with a margin: an older pending reply is not sent again.
const RESEND_WITHIN: chrono::TimeDelta = chrono::TimeDelta::minutes(55);

/// Replies recorded before `before` (this process's start) that never got the network's
/// answer: sent again with their own idempotency key when younger than the network's
/// memory of the key (so one that did go out is answered, not posted twice), and otherwise
/// recorded as failed with the reason, for an agent to check the thread before resending.
pub async fn resend_pending(
    state: &AppState,
    before: rapport_model::Timestamp,
    now: rapport_model::Timestamp,
) -> Result<PendingSweep, WebError> {
    let mut sweep = PendingSweep::default();
    let Some(sender) = state.replies.as_ref() else {
        return Ok(sweep);
    };
    for (workspace, record) in state.inbox.pending_replies(before).await? {
        if now - record.created_at > RESEND_WITHIN {
            let message = "the outcome is unknown: rapport stopped while sending this reply, \
                           too long ago to send it again safely; check the thread on the \
                           network before sending again";
            state
                .inbox
                .finish_reply(record.id, Err(message.into()))
                .await?;
            sweep.unknown += 1;
            continue;
        }
        let outcome = match state.inbox.inbox_item(workspace, record.item).await? {
            None => Err("its inbox item no longer exists".to_string()),
            Some(entry) => {
                let post = &entry.post.post;
                let target = ReplyTarget {
                    native_id: post.native_id.clone(),
                    author_handle: post.author.handle.clone(),
                    url: post.url.clone(),
                };
                match sender.publisher_for(workspace, post.network, &target).await {
                    Err(e) => Err(e.to_string()),
                    Ok(publisher) => publisher
                        .reply(&target, &record.body, &record.idempotency_key)
                        .await
                        .map(|published| published.native_id)
                        .map_err(|e| e.to_string()),
                }
            }
        };
        match &outcome {
            Ok(_) => sweep.sent += 1,
            Err(error) => {
                tracing::warn!(
                    reply = record.id,
                    "a pending reply could not be sent: {error}"
                );
                sweep.failed += 1;
            }
        }
        state.inbox.finish_reply(record.id, outcome).await?;
    }
    Ok(sweep)
}

/// `POST /api/v1/workspaces/{id}/inbox/{item}/replies`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/inbox/{item}/replies",
    tag = "inbox",
    summary = "Reply through the network, once per idempotency key (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("item" = i64, Path, description = "Inbox item id")
    ),
    request_body = ReplyBody,
    responses(
        (status = 201, description = "Sent now", body = ReplyRecord),
        (status = 200, description = "Already sent with this key", body = ReplyRecord),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody),
        (status = 422, description = "Too long for the network, no connected account, or refused by the network (its message)", body = crate::error::ErrorBody),
        (status = 503, description = "The network failed or asked to wait: send again with the same key", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<ReplyBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ReplyRecord>), ApiError> {
    let (workspace, item) = super::inbox::path_ids(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    super::find_workspace(&state, workspace).await?;
    let (record, sent_now) = send_reply(
        &state,
        &caller,
        workspace,
        item,
        &body.body,
        &body.idempotency_key,
    )
    .await?;
    let status = if sent_now {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(record)))
}
