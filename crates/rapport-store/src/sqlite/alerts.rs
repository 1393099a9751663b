//! [`AlertStore`] on SQLite: rules (secrets sealed), alerts unique per rule and hour,
//! deliveries.

use super::codec::{count_from_sql, count_to_sql, from_millis, to_millis};
use super::SqliteStore;
use crate::alerts::{
    AlertId, AlertRecord, AlertRule, AlertRuleId, AlertStore, Delivery, DeliveryStatus, NewAlert,
    NewAlertRule,
};
use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{MonitorId, Timestamp, WorkspaceId};
use rusqlite::{params, Connection, OptionalExtension, Row};

const RULE_COLUMNS: &str = "id, workspace_id, monitor_id, kind, thresholds, webhook_url, \
     webhook_format, webhook_secret IS NOT NULL, cooldown_minutes, enabled, created_at";

fn rule_from_row(r: &Row<'_>) -> rusqlite::Result<(AlertRule, i64, String)> {
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
        },
        created_at,
        thresholds,
    ))
}

fn finish_rule(
    (mut rule, created_at, thresholds): (AlertRule, i64, String),
) -> StoreResult<AlertRule> {
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

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<(AlertRow, DeliveryRow)> {
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
    ))
}

fn finish_alert(
    ((id, rule, hour, fired_at, sentence, observed, expected, z, p), delivery): (
        AlertRow,
        DeliveryRow,
    ),
) -> StoreResult<AlertRecord> {
    let delivery = match delivery {
        (Some(status), Some(attempts), last_error, Some(finished_at)) => Some(Delivery {
            status: DeliveryStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                table: "alert_deliveries",
                column: "status",
                message: format!("unknown status {status:?}"),
            })?,
            attempts: attempts.clamp(0, u32::MAX as i64) as u32,
            last_error,
            finished_at: from_millis(finished_at, "alert_deliveries", "finished_at")?,
        }),
        _ => None,
    };
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
        delivery,
    })
}

const ALERT_SELECT: &str = "SELECT a.id, a.rule_id, a.hour, a.fired_at, a.sentence, a.observed, \
     a.expected, a.z, a.p, d.status, d.attempts, d.last_error, d.finished_at \
     FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id";

#[async_trait]
impl AlertStore for SqliteStore {
    async fn add_alert_rule(&self, rule: NewAlertRule, key: &SecretKey) -> StoreResult<AlertRule> {
        let sealed = rule
            .webhook_secret
            .as_ref()
            .map(|s| key.seal(s))
            .transpose()?;
        let thresholds = rule.thresholds.to_string();
        let id = self
            .with_writer(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO alert_rules (workspace_id, monitor_id, kind, thresholds, \
                         webhook_url, webhook_format, webhook_secret, cooldown_minutes, \
                         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "INSERT INTO alert_deliveries (alert_id, status, attempts, last_error, \
                     finished_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (alert_id) DO UPDATE SET status = excluded.status, \
                     attempts = excluded.attempts, last_error = excluded.last_error, \
                     finished_at = excluded.finished_at",
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

    async fn last_delivered_at(&self, rule: AlertRuleId) -> StoreResult<Option<Timestamp>> {
        let ms: Option<i64> = self
            .with_reader(move |conn| {
                conn.query_row(
                    "SELECT max(d.finished_at) FROM alert_deliveries d \
                     JOIN alerts a ON a.id = d.alert_id \
                     WHERE a.rule_id = ?1 AND d.status = 'delivered'",
                    [rule.0],
                    |r| r.get(0),
                )
                .map_err(StoreError::sqlite("read an alert rule's last delivery"))
            })
            .await?;
        ms.map(|ms| from_millis(ms, "alert_deliveries", "finished_at"))
            .transpose()
    }

    async fn alerts(&self, rule: AlertRuleId, limit: usize) -> StoreResult<Vec<AlertRecord>> {
        self.with_reader(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "{ALERT_SELECT} WHERE a.rule_id = ?1 ORDER BY a.hour DESC, a.id DESC LIMIT ?2"
                ))
                .map_err(StoreError::sqlite("read alerts"))?;
            let rows = stmt
                .query_map(
                    params![rule.0, limit.min(i64::MAX as usize) as i64],
                    alert_from_row,
                )
                .map_err(StoreError::sqlite("read alerts"))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(finish_alert(
                    row.map_err(StoreError::sqlite("read alerts"))?,
                )?);
            }
            Ok(out)
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
            let mut stmt = conn
                .prepare(&format!(
                    "{ALERT_SELECT} JOIN alert_rules r ON r.id = a.rule_id \
                     WHERE r.workspace_id = ?1 AND a.fired_at >= ?2 \
                     ORDER BY a.fired_at DESC, a.id DESC LIMIT ?3"
                ))
                .map_err(StoreError::sqlite("read a workspace's alerts"))?;
            let rows = stmt
                .query_map(
                    params![
                        workspace.0,
                        to_millis(since),
                        limit.min(i64::MAX as usize) as i64
                    ],
                    alert_from_row,
                )
                .map_err(StoreError::sqlite("read a workspace's alerts"))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(finish_alert(
                    row.map_err(StoreError::sqlite("read a workspace's alerts"))?,
                )?);
            }
            Ok(out)
        })
        .await
    }
}
