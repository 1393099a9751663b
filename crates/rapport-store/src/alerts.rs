//! Alert rules, the alerts they fire and their deliveries (webhook and e-mail), digests.
//!
//! Both [`crate::SqliteStore`] and [`crate::PostgresStore`] implement [`AlertStore`] with
//! the same semantics (the conformance suite runs on both). Several processes may share
//! one PostgreSQL database: an alert is unique per rule and hour and a digest per rule and
//! period, so the process whose insert wins is the one that delivers.

use crate::secrets::{Secret, SecretKey};
use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{MonitorId, Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// An alert rule's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertRuleId(pub i64);

/// A fired alert's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(pub i64);

/// A rule to create.
#[derive(Debug, Clone)]
pub struct NewAlertRule {
    /// Whose rule.
    pub workspace_id: WorkspaceId,
    /// The monitor it watches (`None`: every monitor of the workspace).
    pub monitor_id: Option<MonitorId>,
    /// Its kind's short name (`volume`, `negative`, `reach`, `query`).
    pub kind: String,
    /// The kind and thresholds as JSON (interpreted by `rapport-engine`).
    pub thresholds: serde_json::Value,
    /// Where to POST.
    pub webhook_url: String,
    /// The payload format (`generic`, `slack`, `mattermost`).
    pub webhook_format: String,
    /// The key deliveries are signed with; sealed before it is stored.
    pub webhook_secret: Option<Secret>,
    /// No second delivery for this rule within this many minutes.
    pub cooldown_minutes: u32,
    /// Addresses the alerts are e-mailed to (empty: no e-mail).
    pub email_to: Vec<String>,
    /// `None`: every firing is delivered at once; a period: one digest per period.
    pub digest: Option<DigestPeriod>,
}

/// How often a digest rule sends what it collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestPeriod {
    /// One message per hour.
    Hourly,
    /// One message per day: local days of the workspace's time zone when the runner knows
    /// it (`AlertRunner::with_time_zones`), else UTC days.
    Daily,
}

impl DigestPeriod {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestPeriod::Hourly => "hourly",
            DigestPeriod::Daily => "daily",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<DigestPeriod> {
        match s {
            "hourly" => Some(DigestPeriod::Hourly),
            "daily" => Some(DigestPeriod::Daily),
            _ => None,
        }
    }

    /// The length of one period.
    pub fn length(self) -> chrono::Duration {
        match self {
            DigestPeriod::Hourly => chrono::Duration::hours(1),
            DigestPeriod::Daily => chrono::Duration::days(1),
        }
    }

    /// The first instant of the period that holds `at`.
    pub fn start_of(self, at: Timestamp) -> Timestamp {
        let ms = at.timestamp_millis();
        let len = self.length().num_milliseconds();
        let start = ms - ms.rem_euclid(len);
        chrono::DateTime::from_timestamp_millis(start).unwrap_or(at)
    }
}

/// A stored rule (its secret stays sealed; see [`AlertStore::alert_rule_secret`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    /// Its id.
    pub id: AlertRuleId,
    /// Whose rule.
    pub workspace_id: WorkspaceId,
    /// The monitor it watches (`None`: every monitor).
    pub monitor_id: Option<MonitorId>,
    /// Its kind's short name.
    pub kind: String,
    /// Kind and thresholds as JSON.
    pub thresholds: serde_json::Value,
    /// Where to POST.
    pub webhook_url: String,
    /// The payload format.
    pub webhook_format: String,
    /// Whether a signing secret is stored.
    pub has_secret: bool,
    /// Cooldown between deliveries, in minutes.
    pub cooldown_minutes: u32,
    /// Whether it is judged at all.
    pub enabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// Addresses the alerts are e-mailed to (empty: no e-mail).
    pub email_to: Vec<String>,
    /// `None`: every firing is delivered at once; a period: one digest per period.
    pub digest: Option<DigestPeriod>,
}

/// An alert to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAlert {
    /// The rule that fired.
    pub rule_id: AlertRuleId,
    /// The hour judged (its first instant).
    pub hour: Timestamp,
    /// The sentence for people.
    pub sentence: String,
    /// What was observed.
    pub observed: u64,
    /// What was expected.
    pub expected: f64,
    /// Robust z-score.
    pub z: f64,
    /// Poisson upper-tail p-value.
    pub p: f64,
}

/// What became of an alert's webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed.
    Failed,
    /// Not sent: inside the rule's cooldown.
    Suppressed,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Suppressed => "suppressed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        Some(match s {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            "suppressed" => DeliveryStatus::Suppressed,
            _ => return None,
        })
    }
}

/// One alert's delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The outcome.
    pub status: DeliveryStatus,
    /// HTTP attempts made (0 when suppressed).
    pub attempts: u32,
    /// The last attempt's error, if any.
    pub last_error: Option<String>,
    /// When it was settled.
    pub finished_at: Timestamp,
}

/// A stored alert with its delivery, if settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Its id.
    pub id: AlertId,
    /// When it was recorded.
    pub fired_at: Timestamp,
    /// What fired.
    pub alert: NewAlert,
    /// Its webhook's delivery.
    pub delivery: Option<Delivery>,
    /// Its e-mail's delivery.
    pub email_delivery: Option<Delivery>,
}

/// What a digest sent, recorded on its claimed row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestOutcome {
    /// How many alerts it listed.
    pub alerts: u32,
    /// Its webhook (`None`: the rule has none, or nothing was sent).
    pub webhook: Option<DeliveryStatus>,
    /// Its e-mail (`None`: the rule has no recipients, or nothing was sent).
    pub email: Option<DeliveryStatus>,
    /// The last error of either, if any.
    pub last_error: Option<String>,
    /// When it was settled.
    pub finished_at: Timestamp,
}

/// A digest's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestRecord {
    /// The rule.
    pub rule_id: AlertRuleId,
    /// The period's first instant.
    pub period_start: Timestamp,
    /// When a process claimed it.
    pub claimed_at: Timestamp,
    /// What was sent, once settled.
    pub outcome: Option<DigestOutcome>,
}

/// Alert rules, fired alerts, their webhook and e-mail deliveries, and digests.
#[async_trait]
pub trait AlertStore: Send + Sync + 'static {
    /// Creates a rule; its secret is sealed with `key`.
    async fn add_alert_rule(&self, rule: NewAlertRule, key: &SecretKey) -> StoreResult<AlertRule>;

    /// Rules, of one workspace or of all, by id.
    async fn alert_rules(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<AlertRule>>;

    /// A rule's signing secret, opened with `key`.
    async fn alert_rule_secret(
        &self,
        rule: AlertRuleId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>>;

    /// Records a fired alert; `None` when the rule already fired for that hour.
    async fn record_alert(&self, alert: NewAlert) -> StoreResult<Option<AlertRecord>>;

    /// Settles an alert's webhook delivery.
    async fn record_delivery(&self, alert: AlertId, delivery: Delivery) -> StoreResult<()>;

    /// When the rule's last delivered webhook was delivered.
    async fn last_delivered_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>>;

    /// Settles an alert's e-mail delivery.
    async fn record_email_delivery(&self, alert: AlertId, delivery: Delivery) -> StoreResult<()>;

    /// When the rule's last delivered e-mail was delivered (its own cooldown).
    async fn last_emailed_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>>;

    /// Sets a workspace's rule's e-mail recipients and digest period; `false` when the
    /// workspace has no such rule.
    async fn set_alert_rule_email(
        &self,
        workspace: WorkspaceId,
        rule: AlertRuleId,
        email_to: Vec<String>,
        digest: Option<DigestPeriod>,
    ) -> StoreResult<bool>;

    /// Claims the digest of `rule` for the period starting at `period_start`: `true` for
    /// exactly one caller, across processes; it then sends the digest and settles it with
    /// [`AlertStore::finish_digest`].
    async fn claim_digest(&self, rule: AlertRuleId, period_start: Timestamp) -> StoreResult<bool>;

    /// Records what a claimed digest sent.
    async fn finish_digest(
        &self,
        rule: AlertRuleId,
        period_start: Timestamp,
        outcome: DigestOutcome,
    ) -> StoreResult<()>;

    /// A rule's digests, newest period first (at most `limit`).
    async fn digests(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<DigestRecord>>;

    /// A rule's alerts whose hour lies in `[from, until)`, oldest first (at most `limit`).
    async fn alerts_between(
        &self,
        rule: AlertRuleId,
        from: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>>;

    /// A rule's alerts, newest first (at most `limit`).
    async fn alerts(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<AlertRecord>>;

    /// Deletes a workspace's rule with its alerts and deliveries; `false` when the
    /// workspace has no such rule.
    async fn delete_alert_rule(
        &self,
        workspace: WorkspaceId,
        rule: AlertRuleId,
    ) -> StoreResult<bool>;

    /// The alerts of every rule of a workspace recorded at or after `since`, newest first
    /// (at most `limit`).
    async fn workspace_alerts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>>;
}

/// A digest row as both stores read it: period start, claim time, alert count, the two
/// statuses, the last error, when it was settled (`None`: claimed, not settled).
#[allow(clippy::too_many_arguments)]
pub(crate) fn digest_record(
    rule: AlertRuleId,
    period_start: i64,
    claimed_at: i64,
    alerts: i64,
    webhook: Option<&str>,
    email: Option<&str>,
    last_error: Option<String>,
    finished_at: Option<i64>,
) -> StoreResult<DigestRecord> {
    use crate::codec::from_millis;
    let status = |text: Option<&str>| -> StoreResult<Option<DeliveryStatus>> {
        text.map(|t| {
            DeliveryStatus::parse(t).ok_or_else(|| crate::StoreError::Corrupt {
                table: "alert_digests",
                column: "status",
                message: format!("unknown status {t:?}"),
            })
        })
        .transpose()
    };
    let outcome = match finished_at {
        None => None,
        Some(ms) => Some(DigestOutcome {
            alerts: u32::try_from(alerts).unwrap_or(0),
            webhook: status(webhook)?,
            email: status(email)?,
            last_error,
            finished_at: from_millis(ms, "alert_digests", "finished_at")?,
        }),
    };
    Ok(DigestRecord {
        rule_id: rule,
        period_start: from_millis(period_start, "alert_digests", "period_start")?,
        claimed_at: from_millis(claimed_at, "alert_digests", "claimed_at")?,
        outcome,
    })
}

/// Reads a rule's stored recipients (a JSON array).
pub(crate) fn parse_email_to(text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| crate::StoreError::Corrupt {
        table: "alert_rules",
        column: "email_to",
        message: e.to_string(),
    })
}

/// Reads a rule's stored digest period.
pub(crate) fn parse_digest(text: Option<&str>) -> StoreResult<Option<DigestPeriod>> {
    text.map(|t| {
        DigestPeriod::parse(t).ok_or_else(|| crate::StoreError::Corrupt {
            table: "alert_rules",
            column: "digest",
            message: format!("unknown digest period {t:?}"),
        })
    })
    .transpose()
}
