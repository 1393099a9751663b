//! Publishing through the API: connected accounts and drafts
//! (`/api/v1/workspaces/{id}/accounts`, `/api/v1/workspaces/{id}/drafts...`).
//!
//! The rules live here once and the pages (`publish_pages`) use them too:
//! - a draft is checked against each target's own length rule (`Publisher::length` and
//!   `max_length`, the server being authoritative) and a poll only goes to networks that
//!   have native polls (Mastodon, X): anything else is a 422 naming the account;
//! - an agent's post needs a manager's approval before it can be scheduled; a manager or
//!   an admin may schedule directly. Approving a draft that has a time schedules it.
//!
//! The scheduler (`rapport_engine::publishing`) sends scheduled drafts. `rapport serve` sets
//! up publishing on either store (SQLite or PostgreSQL); a state built without it
//! ([`AppState::publishing`] is `None`) answers 422 on every publishing route, saying so.

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        Path, Query, State,
    },
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use rapport_model::{Network, Role, WorkspaceId};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{self, PollResults, PollSpec, Publisher, ACCOUNT_KINDS};
use rapport_store::publishing::{
    Draft, DraftComment, DraftFilter, DraftId, DraftPoll, DraftStatus, NewDraft, NewPublishAccount,
    PublishAccount, PublishAccountId, Transition,
};
use rapport_store::{PublishStore, Secret, SecretKey};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::parse_workspace_id;
use crate::{
    auth::Caller,
    error::{ApiError, WebError},
    AppState,
};

/// The longest draft text we keep, whatever the networks allow.
pub const DRAFT_TEXT_MAX: usize = 10_000;
/// The longest comment.
pub const COMMENT_MAX: usize = 2_000;

/// What publishing needs beyond the store's other interfaces: the drafts and accounts,
/// the key that seals account secrets, and the outgoing-request policy.
#[derive(Clone)]
pub struct Publishing {
    /// Accounts, drafts, deliveries.
    pub store: Arc<dyn PublishStore>,
    key: SecretKey,
    policy: SafetyPolicy,
    /// Drafts' images (`routes::media`); `None`: image routes answer 422.
    pub media: Option<Arc<dyn rapport_store::MediaStore>>,
}

impl std::fmt::Debug for Publishing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publishing").finish_non_exhaustive()
    }
}

impl Publishing {
    /// Publishing over `store`, sealing secrets with `key`, checking accounts under `policy`.
    pub fn new(store: Arc<dyn PublishStore>, key: SecretKey, policy: SafetyPolicy) -> Self {
        Publishing {
            store,
            key,
            policy,
            media: None,
        }
    }

    /// The same, keeping drafts' images in `media`.
    pub fn with_media(mut self, media: Arc<dyn rapport_store::MediaStore>) -> Self {
        self.media = Some(media);
        self
    }

    /// The safety policy every request for publishing goes under.
    pub(crate) fn policy(&self) -> &SafetyPolicy {
        &self.policy
    }

    /// The publisher of `account` (its secret opened), for its length rule and poll support.
    pub(crate) async fn publisher(
        &self,
        account: &PublishAccount,
    ) -> Result<Arc<dyn Publisher>, WebError> {
        let secret = self
            .store
            .publish_account_secret(account.id, &self.key)
            .await?;
        build(&account.kind, &account.settings, &secret, &self.policy).map_err(|message| {
            WebError::Unprocessable(format!("account {:?}: {message}", account.display_name))
        })
    }
}

fn build(
    kind: &str,
    settings: &serde_json::Value,
    secret: &Secret,
    policy: &SafetyPolicy,
) -> Result<Arc<dyn Publisher>, String> {
    let fetcher =
        Fetcher::new(policy.clone(), FetchLimits::default()).map_err(|e| e.to_string())?;
    publish::build(kind, settings, secret.expose(), fetcher).map_err(|e| e.to_string())
}

/// Whether `network` has native polls.
pub fn has_polls(network: Network) -> bool {
    matches!(network, Network::Mastodon | Network::X)
}

/// The publishing handles, or why publishing is not available here.
pub(crate) fn publishing(state: &AppState) -> Result<&Publishing, WebError> {
    state.publishing.as_ref().ok_or_else(|| {
        WebError::Unprocessable(
            "publishing is not available on this server: it was started without a publishing store"
                .into(),
        )
    })
}

/// Parses `{id}` and `{draft}`.
pub(crate) fn draft_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, DraftId), WebError> {
    let Path((workspace, draft)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let draft = draft
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("draft id must be a positive integer"))?;
    Ok((parse_workspace_id(&workspace)?, DraftId(draft)))
}

fn workspace_path(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    body.map(|Json(body)| body)
        .map_err(|e| WebError::bad_request(e.body_text()))
}

fn is_manager(caller: &Caller, workspace: WorkspaceId) -> bool {
    caller
        .role_in(workspace)
        .is_some_and(|role| role.allows(Role::Manager))
}

// ---------------------------------------------------------------------------------------
// Accounts

/// Body of `POST .../accounts`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    /// One of the kinds rapport can post through (`mastodon`).
    pub kind: String,
    /// A name unique within the workspace.
    pub display_name: String,
    /// The account's settings (`{"instance": "https://mastodon.social"}` for Mastodon).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// Its access token (Mastodon: scope `write:statuses`). Sealed at rest, never shown again.
    pub secret: String,
}

/// Connects an account after checking its kind and settings.
pub(crate) async fn add_account(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    body: NewAccountBody,
) -> Result<PublishAccount, WebError> {
    let publishing = publishing(state)?;
    let name = body.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(WebError::bad_request("display_name is 1 to 100 characters"));
    }
    if !ACCOUNT_KINDS.contains(&body.kind.as_str()) {
        return Err(WebError::Unprocessable(format!(
            "rapport cannot post through a {:?} account yet (known: {})",
            body.kind,
            ACCOUNT_KINDS.join(", ")
        )));
    }
    if body.secret.trim().is_empty() {
        return Err(WebError::bad_request(
            "secret (the account's token) is required",
        ));
    }
    let secret = Secret::new(body.secret.trim());
    build(&body.kind, &body.settings, &secret, &publishing.policy)
        .map_err(WebError::Unprocessable)?;
    let mut settings = body.settings;
    let limits = if body.kind == "mastodon" {
        Some(mastodon_limits(&mut settings, &secret, &publishing.policy).await)
    } else {
        None
    };
    let account = publishing
        .store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: workspace,
                kind: body.kind.clone(),
                display_name: name.to_string(),
                settings,
                secret,
            },
            &publishing.key,
        )
        .await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(workspace),
            "account.connect",
            Some(format!("account {}", account.id.0)),
            serde_json::json!({
                "kind": account.kind,
                "name": account.display_name,
                "limits": limits,
            }),
        ))
        .await?;
    Ok(account)
}

/// How long reading a new Mastodon account's instance limits may take before the account
/// is connected with the defaults.
const INSTANCE_LIMITS_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Fills a new `mastodon` account's `settings` with its instance's limits
/// (`GET /api/v2/instance`: characters, attachments, image size, poll options), leaving the
/// ones the admin set. An instance that cannot be read keeps the defaults: a warning, not a
/// failure. Answers what happened, for the audit log.
async fn mastodon_limits(
    settings: &mut serde_json::Value,
    secret: &Secret,
    policy: &SafetyPolicy,
) -> String {
    let instance = settings["instance"]
        .as_str()
        .and_then(|raw| reqwest::Url::parse(raw).ok());
    let Some(instance) = instance else {
        return "no instance URL: the defaults are kept".into();
    };
    let limits = FetchLimits {
        total_time: INSTANCE_LIMITS_TIME,
        connect_time: INSTANCE_LIMITS_TIME,
        ..FetchLimits::default()
    };
    let read = match Fetcher::new(policy.clone(), limits) {
        Ok(fetcher) => publish::mastodon::instance_limits(&fetcher, &instance)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match read {
        Ok(found) => {
            let mut filled = settings.clone();
            let written = found.fill(&mut filled);
            // The filled settings must still build (they always should).
            if build("mastodon", &filled, secret, policy).is_err() {
                tracing::warn!(
                    instance = %rapport_sources::http::redact_url(&instance),
                    "the instance's limits do not fit the account's settings; defaults kept"
                );
                return "the instance's limits were not usable: the defaults are kept".into();
            }
            *settings = filled;
            if written.is_empty() {
                "the instance reports no limits beyond those set".into()
            } else {
                format!("read from the instance: {}", written.join(", "))
            }
        }
        Err(error) => {
            tracing::warn!(
                instance = %rapport_sources::http::redact_url(&instance),
                "the instance's limits could not be read ({error}); the account keeps \
                 Mastodon's defaults (500 characters, 4 images of 16 MB, 4 poll options of 50 \
                 characters)"
            );
            format!("the instance could not be read ({error}): Mastodon's defaults are kept")
        }
    }
}

/// `GET /api/v1/workspaces/{id}/accounts`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/accounts",
    tag = "publishing",
    summary = "Connected accounts that can publish (agent); secrets are never returned",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The accounts", body = [PublishAccount]),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<PublishAccount>>, ApiError> {
    let workspace = workspace_path(path)?;
    super::find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    Ok(Json(publishing.store.publish_accounts(workspace).await?))
}

/// `POST /api/v1/workspaces/{id}/accounts`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/accounts",
    tag = "publishing",
    summary = "Connect an account to publish through (admin)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewAccountBody,
    responses(
        (status = 201, description = "Connected", body = PublishAccount),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 409, description = "The name is taken", body = crate::error::ErrorBody),
        (status = 422, description = "Unknown kind, bad settings, or publishing not available", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_account(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewAccountBody>, JsonRejection>,
) -> Result<(StatusCode, Json<PublishAccount>), ApiError> {
    let workspace = workspace_path(path)?;
    let body = json_body(body)?;
    super::find_workspace(&state, workspace).await?;
    let account = add_account(&state, &caller, workspace, body).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

// ---------------------------------------------------------------------------------------
// Drafts

/// What to do with a new draft.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftAction {
    /// Keep it as a draft.
    Save,
    /// Ask a manager to approve it (the default).
    #[default]
    Submit,
    /// Schedule it now (managers and admins only; needs `scheduled_at`).
    Schedule,
}

/// A per-account text.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantBody {
    /// The target account.
    pub account_id: i64,
    /// The text sent there instead of the draft's.
    pub text: String,
}

/// Body of `POST .../drafts`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraftBody {
    /// The text.
    pub text: String,
    /// The accounts to publish through (ids of `.../accounts`).
    pub targets: Vec<i64>,
    /// Texts for some accounts instead of `text`.
    #[serde(default)]
    pub variants: Vec<VariantBody>,
    /// A native poll (Mastodon and X only): 2 to 4 options, 5 minutes to 7 days.
    #[serde(default)]
    pub poll: Option<DraftPoll>,
    /// When to publish (RFC 3339; stored in UTC).
    #[serde(default)]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Save, submit for approval (default) or schedule.
    #[serde(default)]
    pub action: DraftAction,
    /// The campaign the post belongs to (`.../campaigns`), if any.
    #[serde(default)]
    pub campaign_id: Option<i64>,
    /// Its variant label in the campaign (`A`, `B`, ...; needed with `campaign_id`).
    #[serde(default)]
    pub variant: Option<String>,
}

/// A draft to validate and create, from the API or the compose page.
#[derive(Debug, Clone, Default)]
pub(crate) struct DraftInput {
    pub text: String,
    pub targets: Vec<i64>,
    pub variants: Vec<(i64, String)>,
    pub poll: Option<DraftPoll>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub action: DraftAction,
    /// rapport's own address as the caller reached it (`https://rapport.example`), for the
    /// survey link that stands in for a poll where a network has none.
    pub base_url: Option<String>,
    /// The campaign and variant label, if the post is in one.
    pub campaign: Option<(i64, String)>,
}

fn check_poll(poll: &DraftPoll) -> Result<DraftPoll, WebError> {
    let options: Vec<String> = poll
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if !(2..=4).contains(&options.len()) {
        return Err(WebError::Unprocessable(
            "a poll has 2 to 4 non-empty options".into(),
        ));
    }
    // Each network's own limit is checked per target; this is the survey page's.
    if options
        .iter()
        .any(|o| o.chars().count() > super::surveys::MAX_OPTION)
    {
        return Err(WebError::Unprocessable(format!(
            "a poll option is at most {} characters",
            super::surveys::MAX_OPTION
        )));
    }
    if !(5..=7 * 24 * 60).contains(&poll.duration_minutes) {
        return Err(WebError::Unprocessable(
            "a poll stays open 5 minutes to 7 days (duration_minutes 5 to 10080)".into(),
        ));
    }
    Ok(DraftPoll {
        options,
        duration_minutes: poll.duration_minutes,
    })
}

/// Validates and creates a draft; schedules it at once when a manager asks to.
pub(crate) async fn create_draft(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    input: DraftInput,
) -> Result<Draft, WebError> {
    let publishing = publishing(state)?;
    let text = input.text.trim().to_string();
    if text.is_empty() {
        return Err(WebError::bad_request("a post needs some text"));
    }
    if text.chars().count() > DRAFT_TEXT_MAX {
        return Err(WebError::bad_request(format!(
            "a draft is at most {DRAFT_TEXT_MAX} characters"
        )));
    }
    let mut targets: Vec<i64> = input.targets.clone();
    targets.sort_unstable();
    targets.dedup();
    if targets.is_empty() {
        return Err(WebError::Unprocessable(
            "choose at least one account to publish through".into(),
        ));
    }
    let poll = input.poll.as_ref().map(check_poll).transpose()?;
    if input.action == DraftAction::Schedule {
        if !is_manager(caller, workspace) {
            return Err(WebError::forbidden(
                "an agent's post needs a manager's approval before it can be scheduled: \
                 submit it for approval",
            ));
        }
        if input.scheduled_at.is_none() {
            return Err(WebError::bad_request("scheduling needs scheduled_at"));
        }
    }
    // The campaign, checked before anything is stored.
    let campaign = match &input.campaign {
        None => None,
        Some((id, variant)) => {
            let variant = super::campaigns::check_variant(variant)?;
            let store = super::campaigns::engagement(state)?;
            let found = store
                .campaign(workspace, rapport_store::engagement::CampaignId(*id))
                .await?
                .ok_or_else(|| {
                    WebError::Unprocessable(format!("campaign {id} is not in this workspace"))
                })?;
            Some((found.id, variant))
        }
    };
    // With link tracking on, URLs are sent as short links: lengths are checked on that text.
    let link_base = match &state.engagement {
        Some(store) => {
            let settings = store.link_settings(workspace).await?;
            (settings.enabled && !settings.base_url.is_empty()).then_some(settings.base_url)
        }
        None => None,
    };
    let accounts = publishing.store.publish_accounts(workspace).await?;
    let spec = poll.as_ref().map(|poll| PollSpec {
        options: poll.options.clone(),
        duration: std::time::Duration::from_secs(u64::from(poll.duration_minutes) * 60),
    });
    // The survey page that stands in for the poll where a network has none, made once.
    let mut survey_link: Option<String> = None;
    let mut chosen = Vec::new();
    for id in &targets {
        let account = accounts.iter().find(|a| a.id.0 == *id).ok_or_else(|| {
            WebError::Unprocessable(format!("account {id} is not connected to this workspace"))
        })?;
        let mut variant = input
            .variants
            .iter()
            .find(|(account, text)| account == id && !text.trim().is_empty())
            .map(|(_, text)| text.trim().to_string());
        let publisher = publishing.publisher(account).await?;
        if let Some(spec) = &spec {
            match publisher.poll_limits() {
                Some(limits) => {
                    if let Some(why) = limits.check(publisher.name(), spec) {
                        return Err(WebError::Unprocessable(format!(
                            "the poll for {:?}: {why}",
                            account.display_name
                        )));
                    }
                }
                None => {
                    let link = match &survey_link {
                        Some(link) => link.clone(),
                        None => {
                            let link =
                                poll_survey(state, caller, workspace, &text, spec, &input).await?;
                            survey_link = Some(link.clone());
                            link
                        }
                    };
                    let base = variant.as_deref().unwrap_or(&text);
                    variant = Some(format!("{base}\n\nVote: {link}"));
                }
            }
        }
        let written = variant.as_deref().unwrap_or(&text);
        let tracked = link_base
            .as_deref()
            .map(|base| rapport_engine::links::placeholder_text(written, base));
        let sent = tracked.as_deref().unwrap_or(written);
        let length = publisher.length(sent);
        if length > publisher.max_length() {
            return Err(WebError::Unprocessable(format!(
                "the text for {:?} is {length} characters as {} counts them, {} over its limit \
                 of {}",
                account.display_name,
                publisher.name(),
                length - publisher.max_length(),
                publisher.max_length()
            )));
        }
        chosen.push((account.id, variant));
    }
    let status = match input.action {
        DraftAction::Save => DraftStatus::Draft,
        DraftAction::Submit | DraftAction::Schedule => DraftStatus::PendingApproval,
    };
    let draft = publishing
        .store
        .create_draft(NewDraft {
            workspace_id: workspace,
            author_id: caller.user_id().map(|u| u.0),
            text,
            targets: chosen,
            poll,
            status,
            scheduled_at: input.scheduled_at,
        })
        .await?;
    if let Some((campaign, variant)) = &campaign {
        super::campaigns::engagement(state)?
            .set_draft_campaign(workspace, draft.id, Some((*campaign, variant)))
            .await?;
    }
    if input.action == DraftAction::Schedule {
        return schedule(state, caller, workspace, draft.id, input.scheduled_at).await;
    }
    Ok(draft)
}

/// Makes the survey page that replaces a poll on networks without native polls (one
/// single-choice question with the poll's options) and answers its public URL.
async fn poll_survey(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    text: &str,
    poll: &PollSpec,
    input: &DraftInput,
) -> Result<String, WebError> {
    let base = input.base_url.as_deref().ok_or_else(|| {
        WebError::Unprocessable(
            "a poll on a network without native polls becomes a survey link, and rapport's \
             public address is not known for this request (no Host header)"
                .into(),
        )
    })?;
    let title: String = rapport_sources::publish::wordpress::title_of(text)
        .chars()
        .take(super::surveys::MAX_TITLE)
        .collect();
    let body = super::surveys::NewSurveyBody {
        title: if title.is_empty() {
            "Poll".into()
        } else {
            title.clone()
        },
        questions: vec![rapport_store::surveys::Question {
            prompt: if title.is_empty() {
                "Your choice".into()
            } else {
                title
            },
            kind: rapport_store::surveys::QuestionKind::SingleChoice,
            options: poll.options.clone(),
            required: true,
        }],
    };
    let survey = super::surveys::create_survey(state, caller, workspace, &body).await?;
    Ok(format!("{}/s/{}", base.trim_end_matches('/'), survey.code))
}

/// Schedules a draft: managers from any unsent state, agents only once it is approved.
pub(crate) async fn schedule(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    id: DraftId,
    at: Option<DateTime<Utc>>,
) -> Result<Draft, WebError> {
    let publishing = publishing(state)?;
    let draft = find_draft(publishing, workspace, id).await?;
    let at = at.or(draft.scheduled_at).ok_or_else(|| {
        WebError::bad_request("scheduling needs scheduled_at (the draft has no time yet)")
    })?;
    let manager = is_manager(caller, workspace);
    let from = if manager {
        vec![
            DraftStatus::Draft,
            DraftStatus::PendingApproval,
            DraftStatus::Approved,
            DraftStatus::Scheduled,
        ]
    } else {
        if matches!(
            draft.status,
            DraftStatus::Draft | DraftStatus::PendingApproval | DraftStatus::Rejected
        ) {
            return Err(WebError::forbidden(
                "an agent's post needs a manager's approval before it can be scheduled",
            ));
        }
        vec![DraftStatus::Approved, DraftStatus::Scheduled]
    };
    let approved_by = if manager && draft.approved_by.is_none() {
        caller.user_id().map(|u| u.0)
    } else {
        None
    };
    transition(
        publishing,
        workspace,
        id,
        Transition {
            from,
            to: DraftStatus::Scheduled,
            scheduled_at: Some(at),
            approved_by,
        },
    )
    .await
}

/// Approves (scheduling it when it has a time) or rejects a draft. Approving an approved
/// or scheduled draft changes nothing.
pub(crate) async fn approve(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    id: DraftId,
    reject: bool,
    comment: Option<&str>,
) -> Result<Draft, WebError> {
    if !is_manager(caller, workspace) {
        return Err(WebError::forbidden(
            "only a manager or an admin approves posts",
        ));
    }
    let publishing = publishing(state)?;
    let draft = find_draft(publishing, workspace, id).await?;
    if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        add_comment(state, caller, workspace, id, comment).await?;
    }
    let user = caller.user_id().map(|u| u.0);
    let change = if reject {
        Transition {
            from: vec![
                DraftStatus::Draft,
                DraftStatus::PendingApproval,
                DraftStatus::Approved,
                DraftStatus::Scheduled,
            ],
            to: DraftStatus::Rejected,
            scheduled_at: None,
            approved_by: None,
        }
    } else {
        if matches!(
            draft.status,
            DraftStatus::Approved
                | DraftStatus::Scheduled
                | DraftStatus::Sending
                | DraftStatus::Sent
        ) {
            return find_draft(publishing, workspace, id).await;
        }
        Transition {
            from: vec![DraftStatus::Draft, DraftStatus::PendingApproval],
            to: if draft.scheduled_at.is_some() {
                DraftStatus::Scheduled
            } else {
                DraftStatus::Approved
            },
            scheduled_at: None,
            approved_by: user,
        }
    };
    transition(publishing, workspace, id, change).await
}

/// Cancels a draft that has not been sent (cancelling it again changes nothing).
pub(crate) async fn cancel(
    state: &AppState,
    workspace: WorkspaceId,
    id: DraftId,
) -> Result<Draft, WebError> {
    let publishing = publishing(state)?;
    let draft = find_draft(publishing, workspace, id).await?;
    if draft.status == DraftStatus::Cancelled {
        return Ok(draft);
    }
    transition(
        publishing,
        workspace,
        id,
        Transition {
            from: vec![
                DraftStatus::Draft,
                DraftStatus::PendingApproval,
                DraftStatus::Approved,
                DraftStatus::Scheduled,
                DraftStatus::Rejected,
            ],
            to: DraftStatus::Cancelled,
            scheduled_at: None,
            approved_by: None,
        },
    )
    .await
}

/// Adds a comment.
pub(crate) async fn add_comment(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    id: DraftId,
    body: &str,
) -> Result<DraftComment, WebError> {
    let publishing = publishing(state)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > COMMENT_MAX {
        return Err(WebError::bad_request(format!(
            "a comment is 1 to {COMMENT_MAX} characters"
        )));
    }
    Ok(publishing
        .store
        .add_draft_comment(workspace, id, caller.user_id().map(|u| u.0), body)
        .await?)
}

/// Applies `t`; a draft in another status is a 409 that says which.
async fn transition(
    publishing: &Publishing,
    workspace: WorkspaceId,
    id: DraftId,
    t: Transition,
) -> Result<Draft, WebError> {
    publishing
        .store
        .transition_draft(workspace, id, t)
        .await
        .map_err(|e| match e {
            rapport_store::StoreError::Conflict { value, .. } => WebError::Conflict(value),
            other => other.into(),
        })
}

pub(crate) async fn find_draft(
    publishing: &Publishing,
    workspace: WorkspaceId,
    id: DraftId,
) -> Result<Draft, WebError> {
    publishing
        .store
        .draft(workspace, id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("draft {} does not exist", id.0)))
}

/// `POST /api/v1/workspaces/{id}/drafts`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts",
    tag = "publishing",
    summary = "Write a post: save it, submit it for approval, or (managers) schedule it (agent)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewDraftBody,
    responses(
        (status = 201, description = "Created", body = Draft),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "An agent asked to schedule without approval", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Too long for a target, a poll where the network has none, an unknown account", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewDraftBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Draft>), ApiError> {
    let workspace = workspace_path(path)?;
    let body = json_body(body)?;
    super::find_workspace(&state, workspace).await?;
    let input = DraftInput {
        text: body.text,
        targets: body.targets,
        variants: body
            .variants
            .into_iter()
            .map(|v| (v.account_id, v.text))
            .collect(),
        poll: body.poll,
        scheduled_at: body.scheduled_at,
        action: body.action,
        base_url: super::surveys::public_base(&state, &headers),
        campaign: match (body.campaign_id, body.variant) {
            (None, _) => None,
            (Some(id), Some(variant)) => Some((id, variant)),
            (Some(_), None) => {
                return Err(
                    WebError::bad_request("a post in a campaign needs its variant label").into(),
                )
            }
        },
    };
    let draft = create_draft(&state, &caller, workspace, input).await?;
    Ok((StatusCode::CREATED, Json(draft)))
}

/// Query of `GET .../drafts`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftsParams {
    /// Comma-separated statuses (`draft`, `pending_approval`, `approved`, `scheduled`,
    /// `sending`, `sent`, `failed`, `rejected`, `cancelled`).
    pub status: Option<String>,
    /// Scheduled at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// At most this many (1 to 500, default 100).
    pub limit: Option<u32>,
}

/// Parses `a,b,c` statuses.
pub(crate) fn parse_statuses(raw: Option<&str>) -> Result<Vec<DraftStatus>, WebError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            DraftStatus::parse(s)
                .ok_or_else(|| WebError::bad_request(format!("unknown draft status {s:?}")))
        })
        .collect()
}

/// `GET /api/v1/workspaces/{id}/drafts`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/drafts",
    tag = "publishing",
    summary = "Drafts by schedule time, filtered by status and date range (agent)",
    params(("id" = i64, Path, description = "Workspace id"), DraftsParams),
    responses(
        (status = 200, description = "The drafts", body = [Draft]),
        (status = 400, description = "A bad filter", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<DraftsParams>, QueryRejection>,
) -> Result<Json<Vec<Draft>>, ApiError> {
    let workspace = workspace_path(path)?;
    let Query(params) = query.map_err(super::api::bad_query)?;
    super::find_workspace(&state, workspace).await?;
    let publishing = publishing(&state)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(WebError::bad_request("limit must be an integer from 1 to 500").into());
    }
    let filter = DraftFilter {
        statuses: parse_statuses(params.status.as_deref())?,
        from: params.from,
        until: params.until,
        limit: limit as usize,
    };
    Ok(Json(publishing.store.drafts(workspace, &filter).await?))
}

/// `GET /api/v1/workspaces/{id}/drafts/{draft}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/drafts/{draft}",
    tag = "publishing",
    summary = "A draft with its targets' delivery status, failures and comments (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    responses(
        (status = 200, description = "The draft", body = Draft),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn detail(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Draft>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    let publishing = publishing(&state)?;
    Ok(Json(find_draft(publishing, workspace, id).await?))
}

/// One target's poll, read back from its network.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TargetPoll {
    /// The account.
    pub account_id: PublishAccountId,
    /// Its name.
    pub account_name: String,
    /// The poll's options, votes and state; `null` when the post has no native poll there
    /// (a survey link stands in for it: see the draft's text for that account).
    #[schema(value_type = Option<Object>)]
    pub poll: Option<PollResults>,
    /// Why it could not be read, as the network said.
    pub error: Option<String>,
}

/// `GET /api/v1/workspaces/{id}/drafts/{draft}/poll`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/poll",
    tag = "publishing",
    summary = "The native poll of each sent target, read back from Mastodon (GET /api/v1/polls/:id) or X (GET /2/tweets with the poll expansion) (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    responses(
        (status = 200, description = "One entry per sent target", body = [TargetPoll]),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn poll_results(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Vec<TargetPoll>>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    let publishing = publishing(&state)?;
    let draft = find_draft(publishing, workspace, id).await?;
    Ok(Json(target_polls(publishing, workspace, &draft).await?))
}

/// Each sent target's native poll, read back from its network (errors kept per target).
pub(crate) async fn target_polls(
    publishing: &Publishing,
    workspace: WorkspaceId,
    draft: &Draft,
) -> Result<Vec<TargetPoll>, WebError> {
    let accounts = publishing.store.publish_accounts(workspace).await?;
    let mut out = Vec::new();
    for target in &draft.targets {
        let Some(native_id) = &target.native_id else {
            continue;
        };
        let Some(account) = accounts.iter().find(|a| a.id == target.account_id) else {
            continue;
        };
        let (poll, error) = match publishing.publisher(account).await {
            Err(e) => (None, Some(e.to_string())),
            Ok(publisher) => match publisher.poll_results(native_id).await {
                Ok(poll) => (poll, None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        out.push(TargetPoll {
            account_id: target.account_id,
            account_name: target.account_name.clone(),
            poll,
            error,
        });
    }
    Ok(out)
}

/// Body of `POST .../drafts/{draft}/approve`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// Send it back instead of approving it.
    #[serde(default)]
    pub reject: bool,
    /// A comment added to the draft.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/approve`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/approve",
    tag = "publishing",
    summary = "Approve a draft (scheduling it when it has a time) or reject it (manager)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    request_body = ApproveBody,
    responses(
        (status = 200, description = "The draft after the decision", body = Draft),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 409, description = "The draft is past approval (sent, cancelled...)", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn approve_route(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<ApproveBody>, JsonRejection>,
) -> Result<Json<Draft>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    let body = json_body(body)?;
    let draft = approve(
        &state,
        &caller,
        workspace,
        id,
        body.reject,
        body.comment.as_deref(),
    )
    .await?;
    Ok(Json(draft))
}

/// Body of `POST .../drafts/{draft}/comments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// The comment.
    pub body: String,
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/comments`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/comments",
    tag = "publishing",
    summary = "Comment on a draft (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    request_body = CommentBody,
    responses(
        (status = 201, description = "Added", body = DraftComment),
        (status = 400, description = "A malformed or empty body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn comment_route(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<CommentBody>, JsonRejection>,
) -> Result<(StatusCode, Json<DraftComment>), ApiError> {
    let (workspace, id) = draft_path(path)?;
    let body = json_body(body)?;
    let comment = add_comment(&state, &caller, workspace, id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// Body of `POST .../drafts/{draft}/schedule`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// When to publish (RFC 3339; omitted: the draft's own time).
    #[serde(default)]
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/schedule`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/schedule",
    tag = "publishing",
    summary = "Schedule a draft: managers at any time, agents once a manager approved it (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    request_body = ScheduleBody,
    responses(
        (status = 200, description = "Scheduled", body = Draft),
        (status = 400, description = "A malformed body or no time", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "An agent's draft that is not approved yet", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 409, description = "The draft is sending, sent or cancelled", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn schedule_route(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<ScheduleBody>, JsonRejection>,
) -> Result<Json<Draft>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    let body = json_body(body)?;
    Ok(Json(
        schedule(&state, &caller, workspace, id, body.scheduled_at).await?,
    ))
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/cancel`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/cancel",
    tag = "publishing",
    summary = "Cancel a draft that has not been sent (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    responses(
        (status = 200, description = "Cancelled", body = Draft),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 409, description = "Already sending or sent", body = crate::error::ErrorBody),
        (status = 422, description = "Publishing is not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn cancel_route(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Draft>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    Ok(Json(cancel(&state, workspace, id).await?))
}

/// Serialized for the pages' counters: an account's network and limit.
#[derive(Debug, Serialize)]
pub(crate) struct LengthRule {
    pub network: &'static str,
    pub max: usize,
}

/// The length rule of each account, for the compose page's counters (accounts whose
/// publisher cannot be built are left out).
pub(crate) async fn length_rules(
    publishing: &Publishing,
    accounts: &[PublishAccount],
) -> Vec<(PublishAccountId, Option<LengthRule>)> {
    let mut out = Vec::new();
    for account in accounts {
        let rule = publishing
            .publisher(account)
            .await
            .ok()
            .filter(|p| p.length_rule().is_limited())
            .map(|p| LengthRule {
                network: match p.network() {
                    Network::Mastodon => "mastodon",
                    Network::X => "x",
                    Network::Bluesky => "bluesky",
                    Network::Facebook => "facebook",
                    _ => "other",
                },
                max: p.max_length(),
            });
        out.push((account.id, rule));
    }
    out
}
