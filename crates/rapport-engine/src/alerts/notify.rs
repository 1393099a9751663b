//! Webhook delivery: a signed JSON POST to the rule's URL, retried with exponential backoff,
//! at most once per rule's cooldown.
//!
//! The body is signed like rapport's own incoming hooks: `X-Rapport-Timestamp: <unix secs>`
//! and `X-Rapport-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`, keyed
//! with the rule's secret. The URL goes through the same SSRF guard as every source fetch
//! ([`SafetyPolicy`]: checked before the request and on every DNS answer; no proxy, no
//! redirects).

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rapport_sources::http::guard::GuardedResolver;
use rapport_sources::http::{client_builder, redact_url, SafetyPolicy};
use rapport_store::alerts::{AlertRecord, AlertRule, Delivery, DeliveryStatus};
use rapport_store::{AlertStore, Secret, StoreError};
use serde::Serialize;
use sha2::Sha256;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The body shape a receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// rapport's own JSON ([`AlertMessage`]).
    Generic,
    /// A Slack incoming webhook: `{"text": "..."}`.
    Slack,
    /// A Mattermost incoming webhook: `{"text": "..."}`.
    Mattermost,
}

impl Format {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::Slack => "slack",
            Format::Mattermost => "mattermost",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "generic" | "json" => Ok(Format::Generic),
            "slack" => Ok(Format::Slack),
            "mattermost" => Ok(Format::Mattermost),
            other => Err(format!(
                "unknown webhook format {other:?} (generic, slack or mattermost)"
            )),
        }
    }
}

/// What an alert says, as the generic payload carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertMessage {
    /// The rule's id.
    pub rule: i64,
    /// The rule's kind (`volume`, `negative`).
    pub kind: String,
    /// The workspace's name.
    pub workspace: String,
    /// The monitor's name, when the alert is about one.
    pub monitor: Option<String>,
    /// The hour judged.
    pub hour: DateTime<Utc>,
    /// The sentence for people.
    pub sentence: String,
    /// What was expected.
    pub expected: f64,
    /// What was observed.
    pub observed: u64,
    /// Robust z-score.
    pub z: f64,
    /// Poisson upper-tail p-value.
    pub p: f64,
    /// Where to look (the dashboard), when known.
    pub link: Option<String>,
}

/// The body for `format`.
pub fn payload(format: Format, message: &AlertMessage) -> serde_json::Value {
    match format {
        Format::Generic => serde_json::to_value(message).unwrap_or_default(),
        Format::Slack | Format::Mattermost => {
            let about = message
                .monitor
                .as_deref()
                .map(|m| format!(" on {m}"))
                .unwrap_or_default();
            let link = message
                .link
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            serde_json::json!({
                "text": format!(
                    "rapport alert ({}){about} in {}: {}{link}",
                    message.kind, message.workspace, message.sentence
                )
            })
        }
    }
}

/// `sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Retries and timeouts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotifierConfig {
    /// HTTP attempts per alert.
    pub attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// Longest one attempt may take.
    pub timeout: Duration,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            attempts: 3,
            first_backoff: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why a notifier could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook client: {0}")]
pub struct NotifierError(String);

/// What one send did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOutcome {
    /// HTTP attempts made (0 when the URL was refused before any).
    pub attempts: u32,
    /// The last failure, if the send did not succeed in the end.
    pub error: Option<String>,
    /// The last failure even when a later attempt succeeded.
    pub last_error: Option<String>,
}

/// Sends alert webhooks.
#[derive(Debug, Clone)]
pub struct Notifier {
    client: reqwest::Client,
    policy: Arc<SafetyPolicy>,
    config: NotifierConfig,
}

impl Notifier {
    /// A notifier whose requests obey `policy`.
    pub fn new(policy: SafetyPolicy, config: NotifierConfig) -> Result<Notifier, NotifierError> {
        let policy = Arc::new(policy);
        let client = client_builder()
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(GuardedResolver::new(policy.clone()))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(config.timeout)
            .build()
            .map_err(|e| NotifierError(e.to_string()))?;
        Ok(Notifier {
            client,
            policy,
            config,
        })
    }

    /// POSTs `message` to `url` in `format`, signed with `secret` when there is one;
    /// retries failures (network errors, 429, 5xx) with exponential backoff.
    pub async fn send(
        &self,
        url: &str,
        format: Format,
        secret: Option<&Secret>,
        message: &AlertMessage,
    ) -> SendOutcome {
        self.send_body(url, secret, payload(format, message).to_string())
            .await
    }

    /// POSTs a JSON `body` to `url`, signed with `secret` when there is one; retries
    /// failures (network errors, 429, 5xx) with exponential backoff. Digests use it with
    /// their own body ([`crate::alerts::digest::digest_payload`]).
    pub async fn send_body(&self, url: &str, secret: Option<&Secret>, body: String) -> SendOutcome {
        let refused = |error: String| SendOutcome {
            attempts: 0,
            error: Some(error.clone()),
            last_error: Some(error),
        };
        let parsed = match reqwest::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return refused(format!("invalid webhook URL: {e}")),
        };
        if let Err(e) = self.policy.check_url(&parsed) {
            return refused(e.to_string());
        }
        let shown = redact_url(&parsed);
        let mut last_error = None;
        let mut backoff = self.config.first_backoff;
        for attempt in 1..=self.config.attempts.max(1) {
            let timestamp = Utc::now().timestamp();
            let mut request = self
                .client
                .post(parsed.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Rapport-Timestamp", timestamp.to_string());
            if let Some(secret) = secret {
                request = request.header(
                    "X-Rapport-Signature",
                    sign(secret.expose().as_bytes(), timestamp, body.as_bytes()),
                );
            }
            let (error, retry) = match request.body(body.clone()).send().await {
                Ok(response) if response.status().is_success() => {
                    return SendOutcome {
                        attempts: attempt,
                        error: None,
                        last_error,
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    (
                        format!("{shown} answered HTTP {}", status.as_u16()),
                        status.is_server_error() || status.as_u16() == 429,
                    )
                }
                Err(e) => (format!("cannot reach {shown}: {e}"), true),
            };
            tracing::debug!(attempt, "webhook failed: {error}");
            last_error = Some(error);
            if !retry || attempt == self.config.attempts {
                return SendOutcome {
                    attempts: attempt,
                    error: last_error.clone(),
                    last_error,
                };
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
        SendOutcome {
            attempts: self.config.attempts,
            error: last_error.clone(),
            last_error,
        }
    }

    /// Delivers a recorded alert for `rule` unless the rule delivered one less than its
    /// cooldown ago, and records what happened.
    pub async fn deliver(
        &self,
        store: &dyn AlertStore,
        rule: &AlertRule,
        secret: Option<&Secret>,
        alert: &AlertRecord,
        message: &AlertMessage,
    ) -> Result<Delivery, StoreError> {
        let now = Utc::now();
        let cooldown = chrono::Duration::minutes(i64::from(rule.cooldown_minutes));
        let recent = store
            .last_delivered_at(rule.id)
            .await?
            .is_some_and(|last| now - last < cooldown);
        let delivery = if recent {
            Delivery {
                status: DeliveryStatus::Suppressed,
                attempts: 0,
                last_error: None,
                finished_at: now,
            }
        } else {
            let format = rule.webhook_format.parse().unwrap_or(Format::Generic);
            let outcome = self.send(&rule.webhook_url, format, secret, message).await;
            Delivery {
                status: if outcome.error.is_none() {
                    DeliveryStatus::Delivered
                } else {
                    DeliveryStatus::Failed
                },
                attempts: outcome.attempts,
                last_error: outcome.last_error,
                finished_at: Utc::now(),
            }
        };
        store.record_delivery(alert.id, delivery.clone()).await?;
        Ok(delivery)
    }
}
