//! Alerts in the web app: the rules of a workspace and the alerts they fired.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /w/{id}/alerts` | the page: rules (kind, monitor, threshold, webhook host) and recent alerts (viewer) |
//! | `GET /api/v1/workspaces/{id}/alert-rules` | `[AlertRuleView]` (viewer) |
//! | `POST /api/v1/workspaces/{id}/alert-rules` | 201 `AlertRuleView`; body [`NewAlertRuleBody`] (manager) |
//! | `DELETE /api/v1/workspaces/{id}/alert-rules/{rule}` | 204 (manager) |
//! | `GET /api/v1/workspaces/{id}/alerts?since=RFC3339&limit=` | `[AlertView]`, newest first (viewer) |
//! | `PUT /api/v1/workspaces/{id}/alert-rules/{rule}/email` | `AlertRuleView`; body [`AlertEmailBody`]: recipients and digest (manager) |
//! | `POST /w/{id}/alerts/{rule}/email` | the same from the page's form, then back to the page (manager) |
//!
//! A rule delivers by webhook, by e-mail (its `email_to` recipients, through the SMTP relay
//! `rapport serve` was configured with), or both; in digest mode (`hourly`, `daily`) it
//! sends one message per period instead of one per firing.
//!
//! A rule's webhook URL is checked against the SSRF guard when it is created (its scheme,
//! an IP literal, and every address its host resolves to), and refused with 422. Only the
//! webhook's host is ever shown: the path of a Slack or Mattermost URL is itself a
//! credential, and the signing secret is sealed in the store and never read back here.
//! Both stores keep alerts; a server built without an `AlertStore` (`AppState::alerts` is
//! `None`) answers 503 `unavailable` and the page says so.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::{
    extract::{
        rejection::JsonRejection, rejection::PathRejection, rejection::QueryRejection, Path, Query,
        State,
    },
    http::StatusCode,
    Json,
};
use maud::{html, Markup};
use rapport_engine::alerts::notify::Format;
use rapport_engine::alerts::RuleKind;
use rapport_model::{MonitorId, Role, Timestamp};
use rapport_sources::http::SafetyPolicy;
use rapport_store::alerts::{AlertRecord, AlertRule, AlertRuleId, DigestPeriod, NewAlertRule};
use rapport_store::{AlertStore, Secret};
use serde::{Deserialize, Serialize};

use super::api::{bad_query, workspace_from_path};
use super::pages::{absolute, layout, user_menu};
use super::{bounded_param, find_workspace, parse_workspace_id};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// What the page and the API say when the server keeps no alerts.
pub const ALERTS_UNAVAILABLE: &str = "alerts are not enabled on this server";
/// The longest cooldown accepted, in minutes (one week).
pub const COOLDOWN_MAX: u32 = 10_080;
/// How many alerts the page lists.
const PAGE_ALERTS: usize = 50;
/// The most e-mail recipients one rule may have.
pub const RECIPIENTS_MAX: usize = 20;

/// The alert store, or the reason there is none.
fn alert_store(state: &AppState) -> Result<&Arc<dyn AlertStore>, WebError> {
    state
        .alerts
        .as_ref()
        .ok_or_else(|| WebError::Unavailable(ALERTS_UNAVAILABLE.to_string()))
}

/// A rule as the web shows it: the webhook's host only, never its path or secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRuleView {
    /// The rule's id.
    pub id: i64,
    /// The monitor it watches; absent: every monitor of the workspace.
    pub monitor_id: Option<MonitorId>,
    /// `volume`, `negative`, `reach`, `query` or `theme`.
    pub kind: String,
    /// Its threshold or sensitivity in words (`detector default`, `at least 30% negative`,
    /// `10000 followers`, the query).
    pub threshold: String,
    /// The host the webhook is delivered to.
    pub webhook_host: String,
    /// `generic`, `slack` or `mattermost`.
    pub webhook_format: String,
    /// Whether deliveries are signed (the secret itself is never shown).
    pub signed: bool,
    /// No second delivery within this many minutes.
    pub cooldown_minutes: u32,
    /// Whether it is judged.
    pub enabled: bool,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Who gets its alerts by e-mail (empty: nobody).
    pub email_to: Vec<String>,
    /// `hourly` or `daily` for a digest rule; absent: every firing is sent at once.
    pub digest: Option<String>,
}

/// The host of a URL, or a placeholder when it has none.
fn host_of(url: &str) -> String {
    if url.is_empty() {
        return "(no webhook)".to_string();
    }
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "(no host)".to_string())
}

/// A rule's threshold in words.
fn threshold_of(rule: &AlertRule) -> String {
    match serde_json::from_value::<RuleKind>(rule.thresholds.clone()) {
        Ok(RuleKind::VolumeSpike) => "spike above the seasonal baseline".to_string(),
        Ok(RuleKind::NegativeSpike { min_share }) => format!(
            "negative spike, at least {:.0}% of the hour negative",
            min_share * 100.0
        ),
        Ok(RuleKind::ReachAbove { followers }) => format!("an author with {followers}+ followers"),
        Ok(RuleKind::QueryMatch { query }) => format!("a mention matching {query}"),
        Ok(RuleKind::ThemeEmerging { min_posts }) => {
            format!("a phrase emerging in {min_posts}+ of a day's mentions")
        }
        Err(_) => "unreadable thresholds".to_string(),
    }
}

impl From<&AlertRule> for AlertRuleView {
    fn from(rule: &AlertRule) -> Self {
        AlertRuleView {
            id: rule.id.0,
            monitor_id: rule.monitor_id,
            kind: rule.kind.clone(),
            threshold: threshold_of(rule),
            webhook_host: host_of(&rule.webhook_url),
            webhook_format: rule.webhook_format.clone(),
            signed: rule.has_secret,
            cooldown_minutes: rule.cooldown_minutes,
            enabled: rule.enabled,
            created_at: rule.created_at,
            email_to: rule.email_to.clone(),
            digest: rule.digest.map(|d| d.as_str().to_string()),
        }
    }
}

/// A fired alert with what became of its webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertView {
    /// The alert's id.
    pub id: i64,
    /// The rule that fired.
    pub rule_id: i64,
    /// The hour judged (its first instant).
    #[schema(value_type = String, format = DateTime)]
    pub hour: Timestamp,
    /// When it was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub fired_at: Timestamp,
    /// The verdict, for people.
    pub sentence: String,
    /// What was observed.
    pub observed: u64,
    /// What was expected.
    pub expected: f64,
    /// `delivered`, `failed`, `suppressed` (inside the cooldown) or `pending`.
    pub delivery: String,
    /// HTTP attempts made.
    pub attempts: u32,
    /// Its e-mail: `delivered`, `failed`, `suppressed`, or absent when none was sent
    /// (no recipients, a digest rule, or not settled yet).
    pub email: Option<String>,
}

impl From<&AlertRecord> for AlertView {
    fn from(record: &AlertRecord) -> Self {
        AlertView {
            id: record.id.0,
            rule_id: record.alert.rule_id.0,
            hour: record.alert.hour,
            fired_at: record.fired_at,
            sentence: record.alert.sentence.clone(),
            observed: record.alert.observed,
            expected: record.alert.expected,
            delivery: record
                .delivery
                .as_ref()
                .map(|d| d.status.as_str().to_string())
                .unwrap_or_else(|| "pending".to_string()),
            attempts: record.delivery.as_ref().map(|d| d.attempts).unwrap_or(0),
            email: record
                .email_delivery
                .as_ref()
                .map(|d| d.status.as_str().to_string()),
        }
    }
}

/// Body of `POST /api/v1/workspaces/{id}/alert-rules`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewAlertRuleBody {
    /// `volume`, `negative`, `reach`, `query` or `theme`.
    pub kind: String,
    /// The monitor to watch; absent: every monitor of the workspace.
    #[serde(default)]
    pub monitor_id: Option<i64>,
    /// For `negative`: the smallest share of negative mentions (0 to 1) that may fire,
    /// default 0.3.
    #[serde(default)]
    pub min_share: Option<f64>,
    /// For `reach`: the follower count that fires.
    #[serde(default)]
    pub followers: Option<u64>,
    /// For `query`: the query (monitor query language).
    #[serde(default)]
    pub query: Option<String>,
    /// For `theme`: the fewest of the last day's mentions a phrase must appear in
    /// (1 to 100000, default 10).
    #[serde(default)]
    pub min_posts: Option<u64>,
    /// Where to POST: a public `http(s)` URL (checked against the SSRF guard). May be
    /// left out when `email_to` names someone.
    #[serde(default)]
    pub webhook_url: String,
    /// `generic` (default), `slack` or `mattermost`.
    #[serde(default)]
    pub webhook_format: Option<String>,
    /// A key to sign deliveries with (HMAC-SHA256); sealed at rest, never shown again.
    #[serde(default)]
    pub secret: Option<String>,
    /// Minutes between deliveries, 0 to 10080, default 60.
    #[serde(default)]
    pub cooldown_minutes: Option<u32>,
    /// E-mail recipients (`ana@example.org` or `Ana <ana@example.org>`), at most 20.
    #[serde(default)]
    pub email_to: Option<Vec<String>>,
    /// `hourly` or `daily` for one message per period; absent or `none`: at once.
    #[serde(default)]
    pub digest: Option<String>,
}

/// Body of `PUT /api/v1/workspaces/{id}/alert-rules/{rule}/email`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertEmailBody {
    /// E-mail recipients, at most 20 (empty: no e-mail).
    #[serde(default)]
    pub email_to: Vec<String>,
    /// `hourly` or `daily` for one message per period; absent or `none`: at once.
    #[serde(default)]
    pub digest: Option<String>,
}

/// Checks recipients (each a valid address, at most [`RECIPIENTS_MAX`], no duplicates).
fn recipients(raw: &[String]) -> Result<Vec<String>, WebError> {
    let mut out: Vec<String> = Vec::new();
    for address in raw.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        rapport_engine::alerts::email::parse_address(address)
            .map_err(|e| unprocessable(e.to_string()))?;
        if !out.iter().any(|a| a == address) {
            out.push(address.to_string());
        }
    }
    if out.len() > RECIPIENTS_MAX {
        return Err(unprocessable(format!(
            "at most {RECIPIENTS_MAX} e-mail recipients per rule"
        )));
    }
    Ok(out)
}

/// Reads a digest period (`hourly`, `daily`; empty or `none`: no digest).
fn digest_of(raw: Option<&str>) -> Result<Option<DigestPeriod>, WebError> {
    match raw.map(str::trim).filter(|d| !d.is_empty() && *d != "none") {
        None => Ok(None),
        Some(d) => DigestPeriod::parse(d).map(Some).ok_or_else(|| {
            unprocessable(format!("digest must be hourly, daily or none, not {d:?}"))
        }),
    }
}

fn unprocessable(message: impl Into<String>) -> WebError {
    WebError::Unprocessable(message.into())
}

/// The rule's kind and thresholds, checked.
fn rule_kind(body: &NewAlertRuleBody) -> Result<RuleKind, WebError> {
    match body.kind.trim() {
        "volume" => Ok(RuleKind::VolumeSpike),
        "negative" => {
            let min_share = body.min_share.unwrap_or(0.3);
            if !(0.0..=1.0).contains(&min_share) {
                return Err(unprocessable("min_share must lie between 0 and 1"));
            }
            Ok(RuleKind::NegativeSpike { min_share })
        }
        "reach" => {
            let followers = body
                .followers
                .filter(|f| *f > 0)
                .ok_or_else(|| unprocessable("a reach rule needs followers (a positive count)"))?;
            Ok(RuleKind::ReachAbove { followers })
        }
        "query" => {
            let raw = body
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .ok_or_else(|| unprocessable("a query rule needs a query"))?;
            let query = rapport_query::Query::parse(raw)
                .map_err(|e| unprocessable(format!("invalid query: {}", e.headline())))?;
            Ok(RuleKind::QueryMatch {
                query: query.to_string(),
            })
        }
        "theme" => {
            let min_posts = body.min_posts.unwrap_or(10);
            if !(1..=100_000).contains(&min_posts) {
                return Err(unprocessable("min_posts must lie between 1 and 100000"));
            }
            Ok(RuleKind::ThemeEmerging { min_posts })
        }
        other => Err(unprocessable(format!(
            "kind must be volume, negative, reach, query or theme, not {other:?}"
        ))),
    }
}

/// Checks a webhook URL against the SSRF guard: `http(s)`, no IP literal in a forbidden
/// range, and every address its host resolves to allowed. The delivery checks again at
/// each connection (a name may resolve differently later).
pub(crate) async fn check_webhook(policy: &SafetyPolicy, raw: &str) -> Result<(), WebError> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|_| unprocessable("webhook_url must be an absolute http(s) URL"))?;
    policy
        .check_url(&url)
        .map_err(|e| unprocessable(format!("the webhook URL is refused: {e}")))?;
    let Some(url::Host::Domain(host)) = url.host() else {
        return Ok(()); // An IP literal, checked above.
    };
    if policy.allows_host(host) {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let resolved = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::lookup_host((host.to_string(), port)),
    )
    .await
    .map_err(|_| unprocessable(format!("the webhook host {host} did not resolve in time")))?
    .map_err(|_| unprocessable(format!("the webhook host {host} does not resolve")))?;
    for addr in resolved {
        let ip: IpAddr = addr.ip();
        policy
            .check_ip(host, ip)
            .map_err(|e| unprocessable(format!("the webhook URL is refused: {e}")))?;
    }
    Ok(())
}

/// `GET /api/v1/workspaces/{id}/alert-rules`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/alert-rules",
    tag = "alerts",
    summary = "The workspace's alert rules (webhook host only)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<AlertRuleView>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody), (status = 503, description = "Alerts are not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_rules(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<AlertRuleView>>, ApiError> {
    let id = workspace_from_path(path)?;
    find_workspace(&state, id).await?;
    let rules = alert_store(&state)?.alert_rules(Some(id)).await?;
    Ok(Json(rules.iter().map(AlertRuleView::from).collect()))
}

/// `POST /api/v1/workspaces/{id}/alert-rules`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/alert-rules",
    tag = "alerts",
    summary = "Create an alert rule (manager); the webhook must pass the SSRF guard",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewAlertRuleBody,
    responses((status = 201, description = "Created", body = AlertRuleView), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody), (status = 422, description = "A refused webhook URL (SSRF guard), a bad kind, threshold, monitor or query", body = crate::error::ErrorBody), (status = 503, description = "Alerts are not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_rule(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewAlertRuleBody>, JsonRejection>,
) -> Result<(StatusCode, Json<AlertRuleView>), ApiError> {
    let id = workspace_from_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    find_workspace(&state, id).await?;
    let alerts = alert_store(&state)?;
    let kind = rule_kind(&body)?;
    let monitor_id = match body.monitor_id {
        None => None,
        Some(raw) => {
            let monitors = state.store.monitors(Some(id)).await?;
            let found = monitors
                .iter()
                .find(|m| m.id.0 == raw)
                .ok_or_else(|| unprocessable(format!("workspace {id} has no monitor {raw}")))?;
            Some(found.id)
        }
    };
    let format: Format = body
        .webhook_format
        .as_deref()
        .unwrap_or("generic")
        .parse()
        .map_err(unprocessable)?;
    let cooldown = body.cooldown_minutes.unwrap_or(60);
    if cooldown > COOLDOWN_MAX {
        return Err(
            unprocessable(format!("cooldown_minutes must be from 0 to {COOLDOWN_MAX}")).into(),
        );
    }
    let secret = body
        .secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    let key = match (&state.secret_key, &secret) {
        (Some(key), _) => key.clone(),
        (None, Some(_)) => {
            return Err(unprocessable(
                "this server has no secret key to seal a signing secret with; leave secret \
                 out, or run rapport serve, which keeps one in its data directory",
            )
            .into())
        }
        // No secret to seal: the key is never used.
        (None, None) => {
            rapport_store::SecretKey::generate().map_err(|e| WebError::Internal(e.to_string()))?
        }
    };
    let email_to = recipients(body.email_to.as_deref().unwrap_or_default())?;
    let digest = digest_of(body.digest.as_deref())?;
    if body.webhook_url.trim().is_empty() {
        if email_to.is_empty() {
            return Err(
                unprocessable("a rule needs a webhook_url, email_to recipients, or both").into(),
            );
        }
    } else {
        check_webhook(&state.safety, &body.webhook_url).await?;
    }
    let rule = alerts
        .add_alert_rule(
            NewAlertRule {
                workspace_id: id,
                monitor_id,
                kind: kind.name().to_string(),
                thresholds: serde_json::to_value(&kind)
                    .map_err(|e| WebError::Internal(e.to_string()))?,
                webhook_url: body.webhook_url.trim().to_string(),
                webhook_format: format.as_str().to_string(),
                webhook_secret: secret,
                cooldown_minutes: cooldown,
                email_to,
                digest,
            },
            &key,
        )
        .await?;
    let view = AlertRuleView::from(&rule);
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "alert_rule.create",
            Some(format!("alert rule {}", rule.id.0)),
            serde_json::json!({
                "kind": view.kind, "monitor": rule.monitor_id.map(|m| m.0),
                "webhook_host": view.webhook_host, "signed": view.signed,
                "email_recipients": view.email_to.len(), "digest": view.digest,
            }),
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `DELETE /api/v1/workspaces/{id}/alert-rules/{rule}`.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{id}/alert-rules/{rule}",
    tag = "alerts",
    summary = "Delete an alert rule with its alerts (manager)",
    params(("id" = i64, Path, description = "Workspace id"), ("rule" = i64, Path, description = "Alert rule id")),
    responses((status = 204, description = "Deleted"), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody), (status = 503, description = "Alerts are not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn delete_rule(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((raw_id, raw_rule)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw_id)?;
    let rule = raw_rule
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| *r > 0)
        .map(AlertRuleId)
        .ok_or_else(|| WebError::bad_request("rule must be an alert rule id"))?;
    find_workspace(&state, id).await?;
    if !alert_store(&state)?.delete_alert_rule(id, rule).await? {
        return Err(
            WebError::not_found(format!("workspace {id} has no alert rule {}", rule.0)).into(),
        );
    }
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "alert_rule.delete",
            Some(format!("alert rule {}", rule.0)),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads `{id}` and `{rule}` of a rule's path.
fn rule_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(rapport_model::WorkspaceId, AlertRuleId), WebError> {
    let Path((raw_id, raw_rule)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw_id)?;
    let rule = raw_rule
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| *r > 0)
        .map(AlertRuleId)
        .ok_or_else(|| WebError::bad_request("rule must be an alert rule id"))?;
    Ok((id, rule))
}

/// Sets a rule's recipients and digest, audited; the rule as it is now.
async fn set_email(
    state: &AppState,
    caller: &Caller,
    id: rapport_model::WorkspaceId,
    rule: AlertRuleId,
    email_to: &[String],
    digest: Option<&str>,
) -> Result<AlertRuleView, WebError> {
    find_workspace(state, id).await?;
    let alerts = alert_store(state)?;
    let email_to = recipients(email_to)?;
    let digest = digest_of(digest)?;
    let count = email_to.len();
    if !alerts
        .set_alert_rule_email(id, rule, email_to, digest)
        .await?
    {
        return Err(WebError::not_found(format!(
            "workspace {id} has no alert rule {}",
            rule.0
        )));
    }
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            "alert_rule.email",
            Some(format!("alert rule {}", rule.0)),
            serde_json::json!({ "email_recipients": count, "digest": digest.map(|d| d.as_str()) }),
        ))
        .await?;
    let rules = alerts.alert_rules(Some(id)).await?;
    rules
        .iter()
        .find(|r| r.id == rule)
        .map(AlertRuleView::from)
        .ok_or_else(|| WebError::not_found(format!("workspace {id} has no alert rule {}", rule.0)))
}

/// `PUT /api/v1/workspaces/{id}/alert-rules/{rule}/email`.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{id}/alert-rules/{rule}/email",
    tag = "alerts",
    summary = "Set an alert rule's e-mail recipients and digest period (manager)",
    params(("id" = i64, Path, description = "Workspace id"), ("rule" = i64, Path, description = "Alert rule id")),
    request_body = AlertEmailBody,
    responses((status = 200, body = AlertRuleView), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody), (status = 422, description = "An invalid address, too many recipients, or an unknown digest period", body = crate::error::ErrorBody), (status = 503, description = "Alerts are not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn put_email(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<AlertEmailBody>, JsonRejection>,
) -> Result<Json<AlertRuleView>, ApiError> {
    let (id, rule) = rule_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let view = set_email(
        &state,
        &caller,
        id,
        rule,
        &body.email_to,
        body.digest.as_deref(),
    )
    .await?;
    Ok(Json(view))
}

/// The form of the alerts page's e-mail settings.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailForm {
    /// Recipients, one per line (or separated by commas).
    #[serde(default)]
    email_to: String,
    /// `none`, `hourly` or `daily`.
    #[serde(default)]
    digest: String,
}

/// `POST /w/{id}/alerts/{rule}/email`: the page's form; back to the page.
pub(crate) async fn post_email_form(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    axum::extract::Form(form): axum::extract::Form<EmailForm>,
) -> Result<axum::response::Redirect, PageError> {
    let (id, rule) = rule_path(path)?;
    let addresses: Vec<String> = form
        .email_to
        .split(['\n', ','])
        .map(|a| a.trim().to_string())
        .collect();
    set_email(&state, &caller, id, rule, &addresses, Some(&form.digest)).await?;
    Ok(axum::response::Redirect::to(&format!("/w/{id}/alerts")))
}

/// Query of `GET .../alerts`.
#[derive(Debug, Deserialize)]
pub(crate) struct AlertsParams {
    since: Option<String>,
    limit: Option<String>,
}

/// `GET /api/v1/workspaces/{id}/alerts`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/alerts",
    tag = "alerts",
    summary = "The workspace's alerts, newest first, with their delivery",
    params(("id" = i64, Path, description = "Workspace id"), ("since" = Option<String>, Query, description = "Only alerts recorded at or after this RFC 3339 time (default: 7 days ago)"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many, default 100")),
    responses((status = 200, body = Vec<AlertView>), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody), (status = 503, description = "Alerts are not enabled on this server", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_alerts(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<AlertsParams>, QueryRejection>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let id = workspace_from_path(path)?;
    let Query(params) = query.map_err(bad_query)?;
    let since = match params
        .since
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => chrono::Utc::now() - chrono::TimeDelta::days(7),
        Some(raw) => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| {
                WebError::bad_request("since must be an RFC 3339 time, e.g. 2026-05-01T12:00:00Z")
            })?,
    };
    let limit = bounded_param("limit", params.limit.as_deref(), 100, 1, 500)?;
    find_workspace(&state, id).await?;
    let alerts = alert_store(&state)?
        .workspace_alerts(id, since, limit as usize)
        .await?;
    Ok(Json(alerts.iter().map(AlertView::from).collect()))
}

/// `GET /w/{id}/alerts`: the rules and the last alerts.
pub(crate) async fn page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let workspace = find_workspace(&state, id).await?;
    let manager = caller.role_in(id).is_some_and(|r| r.allows(Role::Manager));
    let csrf = caller.csrf().unwrap_or_default().to_string();
    let email_enabled = state.email_enabled;
    let schedule_section = super::report_schedule::section(&state, id, manager, &csrf).await?;
    let content = match &state.alerts {
        None => html! {
            section.panel.message {
                h1 { "Alerts · " (workspace.name) }
                p.empty #alerts-unavailable { "Alerts are not enabled on this server." }
            }
        },
        Some(alerts) => {
            let since = chrono::Utc::now() - chrono::TimeDelta::days(30);
            let (rules, fired, monitors) = tokio::try_join!(
                alerts.alert_rules(Some(id)),
                alerts.workspace_alerts(id, since, PAGE_ALERTS),
                state.store.monitors(Some(id)),
            )?;
            let names: BTreeMap<MonitorId, String> =
                monitors.into_iter().map(|m| (m.id, m.name)).collect();
            let monitor_name = |m: Option<MonitorId>| match m {
                None => "every monitor".to_string(),
                Some(m) => names
                    .get(&m)
                    .cloned()
                    .unwrap_or_else(|| format!("monitor {m}")),
            };
            let rule_monitor: BTreeMap<i64, Option<MonitorId>> =
                rules.iter().map(|r| (r.id.0, r.monitor_id)).collect();
            html! {
                section.panel {
                    div.panel-head {
                        h1 { "Alerts · " (workspace.name) }
                        a href={ "/w/" (id) } { "Dashboard" }
                    }
                    h2 { "Rules" }
                    @if rules.is_empty() {
                        p.empty #no-rules {
                            "No alert rules yet. "
                            @if manager {
                                "Add one with POST /api/v1/workspaces/" (id) "/alert-rules or "
                                code { "rapport alerts add" } "."
                            } @else {
                                "A manager can add them."
                            }
                        }
                    } @else {
                        div.table-wrap {
                            table #alert-rules {
                                thead { tr {
                                    th scope="col" { "Rule" }
                                    th scope="col" { "Kind" }
                                    th scope="col" { "Monitor" }
                                    th scope="col" { "Threshold" }
                                    th scope="col" { "Webhook host" }
                                    th scope="col" { "Cooldown" }
                                    th scope="col" { "E-mail" }
                                    th scope="col" { "Delivery" }
                                } }
                                tbody {
                                    @for rule in &rules {
                                        @let view = AlertRuleView::from(rule);
                                        tr data-rule=(view.id) {
                                            th scope="row" { (view.id) }
                                            td { (view.kind) }
                                            td { (monitor_name(view.monitor_id)) }
                                            td { (view.threshold) }
                                            td { (view.webhook_host) " (" (view.webhook_format) (if view.signed { ", signed" } else { "" }) ")" }
                                            td { (view.cooldown_minutes) " min" }
                                            td.email-to {
                                                @if view.email_to.is_empty() { "none" }
                                                @else { (view.email_to.join(", ")) }
                                            }
                                            td.delivery-mode {
                                                @match view.digest.as_deref() {
                                                    Some(period) => { (period) " digest" }
                                                    None => { "at once" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if manager && !rules.is_empty() {
                    section.panel #alert-email-settings {
                        h2 { "E-mail and digests" }
                        p { "Recipients one per line; a digest sends one e-mail and one webhook per period instead of one per alert." }
                        @for rule in &rules {
                            form.alert-email method="post" action={ "/w/" (id) "/alerts/" (rule.id.0) "/email" } {
                                input type="hidden" name="csrf" value=(csrf);
                                h3 { "Rule " (rule.id.0) " · " (rule.kind) " · " (monitor_name(rule.monitor_id)) }
                                label {
                                    "Recipients"
                                    textarea name="email_to" rows="3" { (rule.email_to.join("\n")) }
                                }
                                label {
                                    "Delivery"
                                    select name="digest" {
                                        option value="none" selected[rule.digest.is_none()] { "each alert at once" }
                                        option value="hourly" selected[rule.digest == Some(DigestPeriod::Hourly)] { "hourly digest" }
                                        option value="daily" selected[rule.digest == Some(DigestPeriod::Daily)] { "daily digest (UTC days)" }
                                    }
                                }
                                button type="submit" { "Save" }
                            }
                        }
                    }
                }
                section.panel {
                    h2 { "Recent alerts (last 30 days)" }
                    @if !email_enabled {
                        p.note #email-unavailable {
                            "This server has no SMTP relay configured: e-mail deliveries are recorded as failed until "
                            code { "[email]" } " (or " code { "RAPPORT_SMTP_HOST" } ") is set."
                        }
                    }
                    @if fired.is_empty() {
                        p.empty #no-alerts { "No alert has fired in the last 30 days." }
                    } @else {
                        ol.alerts #alerts {
                            @for record in &fired {
                                @let view = AlertView::from(record);
                                li.alert data-alert=(view.id) {
                                    time datetime=(view.fired_at.to_rfc3339()) { (absolute(view.fired_at)) }
                                    " · "
                                    span.monitor-tag { (monitor_name(rule_monitor.get(&view.rule_id).copied().flatten())) }
                                    " · rule " (view.rule_id) " · "
                                    span class={ "delivery delivery-" (view.delivery) } { (view.delivery) }
                                    @if let Some(email) = &view.email {
                                        " · e-mail "
                                        span class={ "delivery delivery-" (email) } { (email) }
                                    }
                                    p.alert-sentence { (view.sentence) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Alerts · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        html! { main.main { (content) (schedule_section) } },
    ))
}
