//! [`AlertStore`] on SQLite: rules (secrets sealed), alerts unique per rule and hour,
//! webhook and e-mail deliveries, digests unique per rule and period.

use super::codec::{count_from_sql, count_to_sql, from_millis, to_millis};
use super::SqliteStore;
use crate::alerts::{parse_digest, parse_email_to};
use crate::alerts::{
    AlertId, AlertRecord, AlertRule, AlertRuleId, AlertStore, Delivery, DeliveryStatus,
    DigestOutcome, DigestPeriod, DigestRecord, NewAlert, NewAlertRule,
};
use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{MonitorId, Timestamp, WorkspaceId};
use rusqlite::{params, Connection, OptionalExtension, Row};

const RULE_COLUMNS: &str = "id, workspace_id, monitor_id, kind, thresholds, webhook_url, \
     webhook_format, webhook_secret IS NOT NULL, cooldown_minutes, enabled, created_at, \
     email_to, digest";

/// A rule as read, with the columns still to decode: created_at, thresholds, email_to, digest.
type RuleRow = (AlertRule, i64, String, String, Option<String>);

fn rule_from_row(r: &Row<'_>) -> rusqlite::Result<RuleRow> {
    let created_at: i64 = r.get(10)?;
    let thresholds: String = r.get(4)?;
    Ok((
        AlertRule {
            id: AlertRuleId(r.get(0)?),
            workspace_id: WorkspaceId(r.get(1)?),
            monitor_id: r.get::<_, Option<i64>>(2)?.map(MonitorId),
            kind: r.get(3)?,
            thresholds: serde_json::Value::Null,
            webhook_url: r.get(5)?,
            webhook_format: r.get(6)?,
            has_secret: r.get(7)?,
            cooldown_minutes: r.get::<_, i64>(8)?.clamp(0, u32::MAX as i64) as u32,
            enabled: r.get(9)?,
            created_at: Timestamp::default(),
            email_to: Vec::new(),
            digest: None,
        },
        created_at,
        thresholds,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn finish_rule(
    (mut rule, created_at, thresholds, email_to, digest): RuleRow,
) -> StoreResult<AlertRule> {
    rule.email_to = parse_email_to(&email_to)?;
    rule.digest = parse_digest(digest.as_deref())?;
    rule.created_at = from_millis(created_at, "alert_rules", "created_at")?;
    rule.thresholds = serde_json::from_str(&thresholds).map_err(|e| StoreError::Corrupt {
        table: "alert_rules",
        column: "thresholds",
        message: e.to_string(),
    })?;
    Ok(rule)
}

fn read_rules(conn: &Connection, workspace: Option<WorkspaceId>) -> StoreResult<Vec<AlertRule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules WHERE ?1 IS NULL OR workspace_id = ?1 ORDER BY id"
    );
    let mut stmt = conn
        .prepare(&sql)
        .map_err(StoreError::sqlite("read alert rules"))?;
    let rows = stmt
        .query_map([workspace.map(|w| w.0)], rule_from_row)
        .map_err(StoreError::sqlite("read alert rules"))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(finish_rule(
            row.map_err(StoreError::sqlite("read alert rules"))?,
        )?);
    }
    Ok(out)
}

type AlertRow = (i64, i64, i64, i64, String, i64, f64, f64, f64);
type DeliveryRow = (Option<String>, Option<i64>, Option<String>, Option<i64>);

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<(AlertRow, DeliveryRow, DeliveryRow)> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
        ),
        (r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?),
        (r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?),
    ))
}

fn finish_delivery(row: DeliveryRow, table: &'static str) -> StoreResult<Option<Delivery>> {
    Ok(match row {
        (Some(status), Some(attempts), last_error, Some(finished_at)) => Some(Delivery {
            status: DeliveryStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                table,
                column: "status",
                message: format!("unknown status {status:?}"),
            })?,
            attempts: attempts.clamp(0, u32::MAX as i64) as u32,
            last_error,
            finished_at: from_millis(finished_at, table, "finished_at")?,
        }),
        _ => None,
    })
}

fn finish_alert(
    ((id, rule, hour, fired_at, sentence, observed, expected, z, p), delivery, email): (
        AlertRow,
        DeliveryRow,
        DeliveryRow,
    ),
) -> StoreResult<AlertRecord> {
    Ok(AlertRecord {
        id: AlertId(id),
        fired_at: from_millis(fired_at, "alerts", "fired_at")?,
        alert: NewAlert {
            rule_id: AlertRuleId(rule),
            hour: from_millis(hour, "alerts", "hour")?,
            sentence,
            observed: count_from_sql(observed),
            expected,
            z,
            p,
        },
        delivery: finish_delivery(delivery, "alert_deliveries")?,
        email_delivery: finish_delivery(email, "alert_email_deliveries")?,
    })
}

const ALERT_SELECT: &str = "SELECT a.id, a.rule_id, a.hour, a.fired_at, a.sentence, a.observed, \
     a.expected, a.z, a.p, d.status, d.attempts, d.last_error, d.finished_at, \
     e.status, e.attempts, e.last_error, e.finished_at \
     FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id \
     LEFT JOIN alert_email_deliveries e ON e.alert_id = a.id";

fn read_alerts(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    context: &'static str,
) -> StoreResult<Vec<AlertRecord>> {
    let mut stmt = conn.prepare(sql).map_err(StoreError::sqlite(context))?;
    let rows = stmt
        .query_map(params, alert_from_row)
        .map_err(StoreError::sqlite(context))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(finish_alert(row.map_err(StoreError::sqlite(context))?)?);
    }
    Ok(out)
}

fn delivery_sql(table: &str) -> String {
    format!(
        "INSERT INTO {table} (alert_id, status, attempts, last_error, finished_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (alert_id) DO UPDATE SET status = excluded.status, \
         attempts = excluded.attempts, last_error = excluded.last_error, \
         finished_at = excluded.finished_at"
    )
}

fn last_delivered_sql(table: &str) -> String {
    format!(
        "SELECT max(d.finished_at) FROM {table} d JOIN alerts a ON a.id = d.alert_id \
         WHERE a.rule_id = ?1 AND d.status = 'delivered'"
    )
}

#[async_trait]
impl AlertStore for SqliteStore {
    async fn add_alert_rule(&self, rule: NewAlertRule, key: &SecretKey) -> StoreResult<AlertRule> {
        let sealed = rule
            .webhook_secret
            .as_ref()
            .map(|s| key.seal(s))
            .transpose()?;
        let thresholds = rule.thresholds.to_string();
        let email_to = serde_json::to_string(&rule.email_to).unwrap_or_else(|_| "[]".into());
        let digest = rule.digest.map(DigestPeriod::as_str);
        let id = self
            .with_writer(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO alert_rules (workspace_id, monitor_id, kind, thresholds, \
                         webhook_url, webhook_format, webhook_secret, cooldown_minutes, \
                         created_at, email_to, digest) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                        params![
                            rule.workspace_id.0,
                            rule.monitor_id.map(|m| m.0),
                            rule.kind,
                            thresholds,
                            rule.webhook_url,
                            rule.webhook_format,
                            sealed,
                            i64::from(rule.cooldown_minutes),
                            to_millis(Utc::now()),
                            email_to,
                            digest,
                        ],
                    )
                    .map_err(StoreError::sqlite("add an alert rule"))?;
                Ok(w.conn.last_insert_rowid())
            })
            .await?;
        self.with_reader(move |conn| {
            let sql = format!("SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = ?1");
            let row = conn
                .query_row(&sql, [id], rule_from_row)
                .map_err(StoreError::sqlite("read an alert rule"))?;
            finish_rule(row)
        })
        .await
    }

    async fn alert_rules(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<AlertRule>> {
        self.with_reader(move |conn| read_rules(conn, workspace))
            .await
    }

    async fn alert_rule_secret(
        &self,
        rule: AlertRuleId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>> {
        let sealed: Option<Option<Vec<u8>>> = self
            .with_reader(move |conn| {
                conn.query_row(
                    "SELECT webhook_secret FROM alert_rules WHERE id = ?1",
                    [rule.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite("read an alert rule's secret"))
            })
            .await?;
        match sealed {
            None => Err(StoreError::NotFound {
                what: "alert rule",
                id: rule.0,
            }),
            Some(None) => Ok(None),
            Some(Some(sealed)) => Ok(Some(key.open(&sealed)?)),
        }
    }

    async fn record_alert(&self, alert: NewAlert) -> StoreResult<Option<AlertRecord>> {
        let id = self
            .with_writer(move |w| {
                let inserted = w
                    .conn
                    .execute(
                        "INSERT INTO alerts (rule_id, hour, fired_at, sentence, observed, \
                         expected, z, p) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                         ON CONFLICT (rule_id, hour) DO NOTHING",
                        params![
                            alert.rule_id.0,
                            to_millis(alert.hour),
                            to_millis(Utc::now()),
                            alert.sentence,
                            count_to_sql(alert.observed),
                            alert.expected,
                            alert.z,
                            alert.p,
                        ],
                    )
                    .map_err(StoreError::sqlite("record an alert"))?;
                Ok((inserted == 1).then(|| w.conn.last_insert_rowid()))
            })
            .await?;
        let Some(id) = id else { return Ok(None) };
        self.with_reader(move |conn| {
            let row = conn
                .query_row(
                    &format!("{ALERT_SELECT} WHERE a.id = ?1"),
                    [id],
                    alert_from_row,
                )
                .map_err(StoreError::sqlite("read an alert"))?;
            finish_alert(row).map(Some)
        })
        .await
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
        let email_to = serde_json::to_string(&email_to).unwrap_or_else(|_| "[]".into());
        self.with_writer(move |w| {
            let changed = w
                .conn
                .execute(
                    "UPDATE alert_rules SET email_to = ?3, digest = ?4 \
                     WHERE id = ?1 AND workspace_id = ?2",
                    params![
                        rule.0,
                        workspace.0,
                        email_to,
                        digest.map(DigestPeriod::as_str)
                    ],
                )
                .map_err(StoreError::sqlite("set an alert rule's e-mail"))?;
            Ok(changed == 1)
        })
        .await
    }

    async fn claim_digest(&self, rule: AlertRuleId, period_start: Timestamp) -> StoreResult<bool> {
        self.with_writer(move |w| {
            let inserted = w
                .conn
                .execute(
                    "INSERT INTO alert_digests (rule_id, period_start, claimed_at) \
                     VALUES (?1, ?2, ?3) ON CONFLICT (rule_id, period_start) DO NOTHING",
                    params![rule.0, to_millis(period_start), to_millis(Utc::now())],
                )
                .map_err(StoreError::sqlite("claim a digest"))?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn finish_digest(
        &self,
        rule: AlertRuleId,
        period_start: Timestamp,
        outcome: DigestOutcome,
    ) -> StoreResult<()> {
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "UPDATE alert_digests SET alerts = ?3, webhook_status = ?4, \
                     email_status = ?5, last_error = ?6, finished_at = ?7 \
                     WHERE rule_id = ?1 AND period_start = ?2",
                    params![
                        rule.0,
                        to_millis(period_start),
                        i64::from(outcome.alerts),
                        outcome.webhook.map(DeliveryStatus::as_str),
                        outcome.email.map(DeliveryStatus::as_str),
                        outcome.last_error,
                        to_millis(outcome.finished_at),
                    ],
                )
                .map_err(StoreError::sqlite("settle a digest"))?;
            Ok(())
        })
        .await
    }

    async fn digests(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<DigestRecord>> {
        type Raw = (
            i64,
            i64,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Raw> = self
            .with_reader(move |conn| {
                let mut stmt = conn
                    .prepare(
                        "SELECT period_start, claimed_at, alerts, webhook_status, email_status, \
                         last_error, finished_at FROM alert_digests WHERE rule_id = ?1 \
                         ORDER BY period_start DESC LIMIT ?2",
                    )
                    .map_err(StoreError::sqlite("read digests"))?;
                let rows = stmt
                    .query_map(params![rule.0, limit.min(i64::MAX as usize) as i64], |r| {
                        TryFrom::try_from(r)
                    })
                    .map_err(StoreError::sqlite("read digests"))?;
                rows.collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::sqlite("read digests"))
            })
            .await?;
        rows.into_iter()
            .map(
                |(start, claimed, alerts, webhook, email, last_error, finished)| {
                    crate::alerts::digest_record(
                        rule,
                        start,
                        claimed,
                        alerts,
                        webhook.as_deref(),
                        email.as_deref(),
                        last_error,
                        finished,
                    )
                },
            )
            .collect()
    }

    async fn alerts_between(
        &self,
        rule: AlertRuleId,
        from: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>> {
        self.with_reader(move |conn| {
            read_alerts(
                conn,
                &format!(
                    "{ALERT_SELECT} WHERE a.rule_id = ?1 AND a.hour >= ?2 AND a.hour < ?3 \
                     ORDER BY a.hour, a.id LIMIT ?4"
                ),
                params![
                    rule.0,
                    to_millis(from),
                    to_millis(until),
                    limit.min(i64::MAX as usize) as i64
                ],
                "read a rule's alerts of a period",
            )
        })
        .await
    }

    async fn alerts(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<AlertRecord>> {
        self.with_reader(move |conn| {
            read_alerts(
                conn,
                &format!(
                    "{ALERT_SELECT} WHERE a.rule_id = ?1 ORDER BY a.hour DESC, a.id DESC LIMIT ?2"
                ),
                params![rule.0, limit.min(i64::MAX as usize) as i64],
                "read alerts",
            )
        })
        .await
    }

    async fn delete_alert_rule(
        &self,
        workspace: WorkspaceId,
        rule: AlertRuleId,
    ) -> StoreResult<bool> {
        self.with_writer(move |w| {
            let tx = w
                .conn
                .transaction()
                .map_err(StoreError::sqlite("delete an alert rule"))?;
            // Explicit, so it does not depend on the connection's foreign-key setting.
            tx.execute(
                "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT a.id FROM alerts a \
                 JOIN alert_rules r ON r.id = a.rule_id WHERE r.id = ?1 AND r.workspace_id = ?2)",
                params![rule.0, workspace.0],
            )
            .map_err(StoreError::sqlite("delete an alert rule's deliveries"))?;
            tx.execute(
                "DELETE FROM alert_email_deliveries WHERE alert_id IN (SELECT a.id FROM alerts a \
                 JOIN alert_rules r ON r.id = a.rule_id WHERE r.id = ?1 AND r.workspace_id = ?2)",
                params![rule.0, workspace.0],
            )
            .map_err(StoreError::sqlite("delete an alert rule's e-mails"))?;
            tx.execute(
                "DELETE FROM alert_digests WHERE rule_id IN \
                 (SELECT id FROM alert_rules WHERE id = ?1 AND workspace_id = ?2)",
                params![rule.0, workspace.0],
            )
            .map_err(StoreError::sqlite("delete an alert rule's digests"))?;
            tx.execute(
                "DELETE FROM alerts WHERE rule_id IN \
                 (SELECT id FROM alert_rules WHERE id = ?1 AND workspace_id = ?2)",
                params![rule.0, workspace.0],
            )
            .map_err(StoreError::sqlite("delete an alert rule's alerts"))?;
            let deleted = tx
                .execute(
                    "DELETE FROM alert_rules WHERE id = ?1 AND workspace_id = ?2",
                    params![rule.0, workspace.0],
                )
                .map_err(StoreError::sqlite("delete an alert rule"))?;
            tx.commit()
                .map_err(StoreError::sqlite("delete an alert rule"))?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn workspace_alerts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<AlertRecord>> {
        self.with_reader(move |conn| {
            // `alert_rules_workspace` finds the rules; `alerts`' unique (rule_id, hour)
            // index their alerts.
            read_alerts(
                conn,
                &format!(
                    "{ALERT_SELECT} JOIN alert_rules r ON r.id = a.rule_id \
                     WHERE r.workspace_id = ?1 AND a.fired_at >= ?2 \
                     ORDER BY a.fired_at DESC, a.id DESC LIMIT ?3"
                ),
                params![
                    workspace.0,
                    to_millis(since),
                    limit.min(i64::MAX as usize) as i64
                ],
                "read a workspace's alerts",
            )
        })
        .await
    }
}

impl SqliteStore {
    /// Upserts a delivery into `table` (`alert_deliveries` or `alert_email_deliveries`).
    async fn settle(
        &self,
        alert: AlertId,
        delivery: Delivery,
        table: &'static str,
    ) -> StoreResult<()> {
        self.with_writer(move |w| {
            w.conn
                .execute(
                    &delivery_sql(table),
                    params![
                        alert.0,
                        delivery.status.as_str(),
                        i64::from(delivery.attempts),
                        delivery.last_error,
                        to_millis(delivery.finished_at),
                    ],
                )
                .map_err(StoreError::sqlite("record an alert delivery"))?;
            Ok(())
        })
        .await
    }

    /// The latest delivered `finished_at` of a rule in `table`.
    async fn last_settled(
        &self,
        rule: AlertRuleId,
        table: &'static str,
    ) -> StoreResult<Option<Timestamp>> {
        let ms: Option<i64> = self
            .with_reader(move |conn| {
                conn.query_row(&last_delivered_sql(table), [rule.0], |r| r.get(0))
                    .map_err(StoreError::sqlite("read an alert rule's last delivery"))
            })
            .await?;
        ms.map(|ms| from_millis(ms, table, "finished_at"))
            .transpose()
    }
}
