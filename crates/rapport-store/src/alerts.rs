//! Alert rules, the alerts they fire and their webhook deliveries.
//!
//! Only [`crate::SqliteStore`] implements [`AlertStore`] for now; `PostgresStore` does not
//! yet (its schema has no alert tables), so alerts need the embedded store.

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
    /// Its delivery.
    pub delivery: Option<Delivery>,
}

/// Alert rules, fired alerts and deliveries (SQLite only for now).
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

    /// Settles an alert's delivery.
    async fn record_delivery(&self, alert: AlertId, delivery: Delivery) -> StoreResult<()>;

    /// When the rule's last delivered alert was delivered.
    async fn last_delivered_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>>;

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
