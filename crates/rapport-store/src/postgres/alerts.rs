//! [`AlertStore`] for PostgreSQL: rules (secrets sealed), alerts unique per rule and hour,
//! deliveries. The same semantics as SQLite's; `record_alert` is one
//! `INSERT ... ON CONFLICT DO NOTHING RETURNING`, so when several processes judge the same
//! hour exactly one of them gets the alert back and delivers it.

use super::{execute, get, limit_value, query, query_opt, write, PostgresStore};
use crate::alerts::{
    digest_record, AlertId, AlertRecord, AlertRule, AlertRuleId, AlertStore, Delivery,
    DeliveryStatus, DigestOutcome, DigestPeriod, DigestRecord, NewAlert, NewAlertRule,
};
use crate::codec::{count_from_sql, count_to_sql, from_millis, to_millis};
use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use deadpool_postgres::GenericClient;
use rapport_model::{MonitorId, Timestamp, WorkspaceId};
use tokio_postgres::Row;

const RULE_COLUMNS: &str = "id, workspace_id, monitor_id, kind, thresholds, webhook_url, \
     webhook_format, webhook_secret IS NOT NULL, cooldown_minutes, enabled, created_at, \
     email_to, digest";

fn read_rule(row: &Row) -> StoreResult<AlertRule> {
    const CONTEXT: &str = "read an alert rule";
    let thresholds: String = get(row, 4, CONTEXT)?;
    Ok(AlertRule {
        id: AlertRuleId(get(row, 0, CONTEXT)?),
        workspace_id: WorkspaceId(get(row, 1, CONTEXT)?),
        monitor_id: get::<Option<i64>>(row, 2, CONTEXT)?.map(MonitorId),
        kind: get(row, 3, CONTEXT)?,
        thresholds: serde_json::from_str(&thresholds).map_err(|e| StoreError::Corrupt {
            table: "alert_rules",
            column: "thresholds",
            message: e.to_string(),
        })?,
        webhook_url: get(row, 5, CONTEXT)?,
        webhook_format: get(row, 6, CONTEXT)?,
        has_secret: get(row, 7, CONTEXT)?,
        cooldown_minutes: u32::try_from(get::<i32>(row, 8, CONTEXT)?).unwrap_or(0),
        enabled: get(row, 9, CONTEXT)?,
        created_at: from_millis(get(row, 10, CONTEXT)?, "alert_rules", "created_at")?,
        email_to: crate::alerts::parse_email_to(&get::<String>(row, 11, CONTEXT)?)?,
        digest: crate::alerts::parse_digest(get::<Option<String>>(row, 12, CONTEXT)?.as_deref())?,
    })
}

const ALERT_SELECT: &str = "SELECT a.id, a.rule_id, a.hour, a.fired_at, a.sentence, a.observed, \
     a.expected, a.z, a.p, d.status, d.attempts, d.last_error, d.finished_at, \
     e.status, e.attempts, e.last_error, e.finished_at \
     FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id \
     LEFT JOIN alert_email_deliveries e ON e.alert_id = a.id";

/// The delivery in columns `at..at + 4` (status, attempts, last error, finished), if any.
fn read_delivery(row: &Row, at: usize, table: &'static str) -> StoreResult<Option<Delivery>> {
    const CONTEXT: &str = "read an alert delivery";
    let status: Option<String> = get(row, at, CONTEXT)?;
    let attempts: Option<i32> = get(row, at + 1, CONTEXT)?;
    let finished_at: Option<i64> = get(row, at + 3, CONTEXT)?;
    Ok(match (status, attempts, finished_at) {
        (Some(status), Some(attempts), Some(finished_at)) => Some(Delivery {
            status: DeliveryStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                table,
                column: "status",
                message: format!("unknown status {status:?}"),
            })?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            last_error: get(row, at + 2, CONTEXT)?,
            finished_at: from_millis(finished_at, table, "finished_at")?,
        }),
        _ => None,
    })
}

fn read_alert(row: &Row) -> StoreResult<AlertRecord> {
    const CONTEXT: &str = "read an alert";
    Ok(AlertRecord {
        id: AlertId(get(row, 0, CONTEXT)?),
        fired_at: from_millis(get(row, 3, CONTEXT)?, "alerts", "fired_at")?,
        alert: NewAlert {
            rule_id: AlertRuleId(get(row, 1, CONTEXT)?),
            hour: from_millis(get(row, 2, CONTEXT)?, "alerts", "hour")?,
            sentence: get(row, 4, CONTEXT)?,
            observed: count_from_sql(get(row, 5, CONTEXT)?),
            expected: get(row, 6, CONTEXT)?,
            z: get(row, 7, CONTEXT)?,
            p: get(row, 8, CONTEXT)?,
        },
        delivery: read_delivery(row, 9, "alert_deliveries")?,
        email_delivery: read_delivery(row, 13, "alert_email_deliveries")?,
    })
}

async fn read_rule_by_id<C: GenericClient>(client: &C, id: i64) -> StoreResult<AlertRule> {
    let row = query_opt(
        client,
        &format!("SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = $1"),
        &[&id],
        "read an alert rule",
    )
    .await?
    .ok_or(StoreError::NotFound {
        what: "alert rule",
        id,
    })?;
    read_rule(&row)
}

/// A `u32` as PostgreSQL's `integer`.
fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[async_trait]
impl AlertStore for PostgresStore {
    async fn add_alert_rule(&self, rule: NewAlertRule, key: &SecretKey) -> StoreResult<AlertRule> {
        let sealed = rule
            .webhook_secret
            .as_ref()
            .map(|s| key.seal(s))
            .transpose()?;
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "INSERT INTO alert_rules (workspace_id, monitor_id, kind, thresholds, webhook_url, \
                 webhook_format, webhook_secret, cooldown_minutes, created_at, email_to, \
                 digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &rule.workspace_id.0,
                &rule.monitor_id.map(|m| m.0),
                &rule.kind,
                &rule.thresholds.to_string(),
                &rule.webhook_url,
                &rule.webhook_format,
                &sealed,
                &int(rule.cooldown_minutes),
                &to_millis(Utc::now()),
                &serde_json::to_string(&rule.email_to).unwrap_or_else(|_| "[]".into()),
                &rule.digest.map(DigestPeriod::as_str),
            ],
            "add an alert rule",
        )
        .await
        .map_err(|e| {
            if write::is_foreign_key_violation(&e) {
                StoreError::NotFound {
                    what: "workspace or monitor",
                    id: rule.workspace_id.0,
                }
            } else {
                e
            }
        })?
        .ok_or_else(|| StoreError::Worker("adding an alert rule returned no id".into()))?;
        let id: i64 = get(&row, 0, "add an alert rule")?;
        read_rule_by_id(&client, id).await
    }

    async fn alert_rules(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<AlertRule>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "SELECT {RULE_COLUMNS} FROM alert_rules \
                 WHERE $1::bigint IS NULL OR workspace_id = $1 ORDER BY id"
            ),
            &[&workspace.map(|w| w.0)],
            "read alert rules",
        )
        .await?;
        rows.iter().map(read_rule).collect()
    }

    async fn alert_rule_secret(
        &self,
        rule: AlertRuleId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>> {
        let row = query_opt(
            &self.client().await?,
            "SELECT webhook_secret FROM alert_rules WHERE id = $1",
            &[&rule.0],
            "read an alert rule's secret",
        )
        .await?
        .ok_or(StoreError::NotFound {
            what: "alert rule",
            id: rule.0,
        })?;
        match get::<Option<Vec<u8>>>(&row, 0, "read an alert rule's secret")? {
            None => Ok(None),
            Some(sealed) => Ok(Some(key.open(&sealed)?)),
        }
    }

    async fn record_alert(&self, alert: NewAlert) -> StoreResult<Option<AlertRecord>> {
        let client = self.client().await?;
        // The unique (rule_id, hour) makes this the claim: of several processes recording
        // the same hour, only one gets a row back.
        let row = query_opt(
            &client,
            "INSERT INTO alerts (rule_id, hour, fired_at, sentence, observed, expected, z, p) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (rule_id, hour) DO NOTHING RETURNING id",
            &[
                &alert.rule_id.0,
                &to_millis(alert.hour),
                &to_millis(Utc::now()),
                &alert.sentence,
                &count_to_sql(alert.observed),
                &alert.expected,
                &alert.z,
                &alert.p,
            ],
            "record an alert",
        )
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: i64 = get(&row, 0, "record an alert")?;
        let row = query_opt(
            &client,
            &format!("{ALERT_SELECT} WHERE a.id = $1"),
            &[&id],
            "read an alert",
        )
        .await?
        .ok_or(StoreError::NotFound { what: "alert", id })?;
        read_alert(&row).map(Some)
    }

    async fn record_delivery(&self, alert: AlertId, delivery: Delivery) -> StoreResult<()> {
        self.settle(alert, delivery, "alert_deliveries").await
    }

    async fn last_delivered_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>> {
        self.last_settled(rule, "alert_deliveries").await
    }

    async fn record_email_delivery(&self, alert: AlertId, delivery: Delivery) -> StoreResult<()> {
        self.settle(alert, delivery, "alert_email_deliveries").await
    }

    async fn last_emailed_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>> {
        self.last_settled(rule, "alert_email_deliveries").await
    }

    async fn set_alert_rule_email(
        &self,
        workspace: WorkspaceId,
        rule: AlertRuleId,
        email_to: Vec<String>,
        digest: Option<DigestPeriod>,
    ) -> StoreResult<bool> {
        let changed = execute(
            &self.client().await?,
            "UPDATE alert_rules SET email_to = $3, digest = $4 WHERE id = $1 AND workspace_id = $2",
            &[
                &rule.0,
                &workspace.0,
                &serde_json::to_string(&email_to).unwrap_or_else(|_| "[]".into()),
                &digest.map(DigestPeriod::as_str),
            ],
            "set an alert rule's e-mail",
        )
        .await?;
        Ok(changed == 1)
    }

    async fn claim_digest(&self, rule: AlertRuleId, period_start: Timestamp) -> StoreResult<bool> {
        // One statement: of several processes, exactly one inserts the row.
        let inserted = execute(
            &self.client().await?,
            "INSERT INTO alert_digests (rule_id, period_start, claimed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (rule_id, period_start) DO NOTHING",
            &[&rule.0, &to_millis(period_start), &to_millis(Utc::now())],
            "claim a digest",
        )
        .await?;
        Ok(inserted == 1)
    }

    async fn finish_digest(
        &self,
        rule: AlertRuleId,
        period_start: Timestamp,
        outcome: DigestOutcome,
    ) -> StoreResult<()> {
        execute(
            &self.client().await?,
            "UPDATE alert_digests SET alerts = $3, webhook_status = $4, email_status = $5, \
                 last_error = $6, finished_at = $7 \
             WHERE rule_id = $1 AND period_start = $2",
            &[
                &rule.0,
                &to_millis(period_start),
                &int(outcome.alerts),
                &outcome.webhook.map(DeliveryStatus::as_str),
                &outcome.email.map(DeliveryStatus::as_str),
                &outcome.last_error,
                &to_millis(outcome.finished_at),
            ],
            "settle a digest",
        )
        .await?;
        Ok(())
    }

    async fn digests(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<DigestRecord>> {
        const CONTEXT: &str = "read digests";
        let rows = query(
            &self.client().await?,
            "SELECT period_start, claimed_at, alerts, webhook_status, email_status, last_error, \
                 finished_at FROM alert_digests WHERE rule_id = $1 \
             ORDER BY period_start DESC LIMIT $2",
            &[&rule.0, &limit_value(limit)],
            CONTEXT,
        )
        .await?;
        rows.iter()
            .map(|row| {
                digest_record(
                    rule,
                    get(row, 0, CONTEXT)?,
                    get(row, 1, CONTEXT)?,
                    i64::from(get::<i32>(row, 2, CONTEXT)?),
                    get::<Option<String>>(row, 3, CONTEXT)?.as_deref(),
                    get::<Option<String>>(row, 4, CONTEXT)?.as_deref(),
                    get(row, 5, CONTEXT)?,
                    get(row, 6, CONTEXT)?,
                )
            })
            .collect()
    }

    async fn alerts_between(
        &self,
        rule: AlertRuleId,
        from: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "{ALERT_SELECT} WHERE a.rule_id = $1 AND a.hour >= $2 AND a.hour < $3 \
                 ORDER BY a.hour, a.id LIMIT $4"
            ),
            &[
                &rule.0,
                &to_millis(from),
                &to_millis(until),
                &limit_value(limit),
            ],
            "read a rule's alerts of a period",
        )
        .await?;
        rows.iter().map(read_alert).collect()
    }

    async fn alerts(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<AlertRecord>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "{ALERT_SELECT} WHERE a.rule_id = $1 ORDER BY a.hour DESC, a.id DESC LIMIT $2"
            ),
            &[&rule.0, &limit_value(limit)],
            "read alerts",
        )
        .await?;
        rows.iter().map(read_alert).collect()
    }

    async fn delete_alert_rule(
        &self,
        workspace: WorkspaceId,
        rule: AlertRuleId,
    ) -> StoreResult<bool> {
        // Alerts and deliveries go with the rule (ON DELETE CASCADE).
        let deleted = execute(
            &self.client().await?,
            "DELETE FROM alert_rules WHERE id = $1 AND workspace_id = $2",
            &[&rule.0, &workspace.0],
            "delete an alert rule",
        )
        .await?;
        Ok(deleted == 1)
    }

    async fn workspace_alerts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "{ALERT_SELECT} JOIN alert_rules r ON r.id = a.rule_id \
                 WHERE r.workspace_id = $1 AND a.fired_at >= $2 \
                 ORDER BY a.fired_at DESC, a.id DESC LIMIT $3"
            ),
            &[&workspace.0, &to_millis(since), &limit_value(limit)],
            "read a workspace's alerts",
        )
        .await?;
        rows.iter().map(read_alert).collect()
    }
}

impl PostgresStore {
    /// Upserts a delivery into `table` (`alert_deliveries` or `alert_email_deliveries`).
    async fn settle(
        &self,
        alert: AlertId,
        delivery: Delivery,
        table: &'static str,
    ) -> StoreResult<()> {
        execute(
            &self.client().await?,
            &format!(
                "INSERT INTO {table} (alert_id, status, attempts, last_error, finished_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (alert_id) DO UPDATE SET status = excluded.status, \
                     attempts = excluded.attempts, last_error = excluded.last_error, \
                     finished_at = excluded.finished_at"
            ),
            &[
                &alert.0,
                &delivery.status.as_str(),
                &int(delivery.attempts),
                &delivery.last_error,
                &to_millis(delivery.finished_at),
            ],
            "record an alert delivery",
        )
        .await?;
        Ok(())
    }

    /// The latest delivered `finished_at` of a rule in `table`.
    async fn last_settled(
        &self,
        rule: AlertRuleId,
        table: &'static str,
    ) -> StoreResult<Option<Timestamp>> {
        let row = query_opt(
            &self.client().await?,
            &format!(
                "SELECT max(d.finished_at) FROM {table} d JOIN alerts a ON a.id = d.alert_id \
                 WHERE a.rule_id = $1 AND d.status = 'delivered'"
            ),
            &[&rule.0],
            "read an alert rule's last delivery",
        )
        .await?;
        let ms = match row {
            Some(row) => get::<Option<i64>>(&row, 0, "read an alert rule's last delivery")?,
            None => None,
        };
        ms.map(|ms| from_millis(ms, table, "finished_at"))
            .transpose()
    }
}
