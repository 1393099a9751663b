//! [`ReportStore`] for PostgreSQL: `report_schedules` and `report_sends`; a send is
//! claimed with one `INSERT ... ON CONFLICT DO NOTHING`, so one process sends it.

use super::{execute, get, limit_value, query, PostgresStore};
use crate::alerts::{parse_email_to, Delivery};
use crate::codec::to_millis;
use crate::reports::{report_send, ReportSchedule, ReportSend, ReportStore};
use crate::StoreResult;
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::WorkspaceId;

impl PostgresStore {
    async fn read_schedules(&self, workspace: Option<i64>) -> StoreResult<Vec<ReportSchedule>> {
        const CONTEXT: &str = "read report schedules";
        let rows = query(
            &self.client().await?,
            "SELECT workspace_id, recipients, weekday, hour, time_zone, enabled \
             FROM report_schedules WHERE $1::bigint IS NULL OR workspace_id = $1 \
             ORDER BY workspace_id",
            &[&workspace],
            CONTEXT,
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReportSchedule {
                    workspace_id: WorkspaceId(get(row, 0, CONTEXT)?),
                    recipients: parse_email_to(&get::<String>(row, 1, CONTEXT)?)?,
                    weekday: u8::try_from(get::<i32>(row, 2, CONTEXT)?).unwrap_or(0),
                    hour: u8::try_from(get::<i32>(row, 3, CONTEXT)?).unwrap_or(0),
                    time_zone: get(row, 4, CONTEXT)?,
                    enabled: get(row, 5, CONTEXT)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ReportStore for PostgresStore {
    async fn set_report_schedule(&self, schedule: ReportSchedule) -> StoreResult<()> {
        execute(
            &self.client().await?,
            "INSERT INTO report_schedules (workspace_id, recipients, weekday, hour, time_zone, \
                 enabled, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (workspace_id) DO UPDATE SET recipients = excluded.recipients, \
                 weekday = excluded.weekday, hour = excluded.hour, \
                 time_zone = excluded.time_zone, enabled = excluded.enabled, \
                 updated_at = excluded.updated_at",
            &[
                &schedule.workspace_id.0,
                &serde_json::to_string(&schedule.recipients).unwrap_or_else(|_| "[]".into()),
                &i32::from(schedule.weekday),
                &i32::from(schedule.hour),
                &schedule.time_zone,
                &schedule.enabled,
                &to_millis(Utc::now()),
            ],
            "save a report schedule",
        )
        .await?;
        Ok(())
    }

    async fn report_schedule(&self, workspace: WorkspaceId) -> StoreResult<Option<ReportSchedule>> {
        Ok(self
            .read_schedules(Some(workspace.0))
            .await?
            .into_iter()
            .next())
    }

    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>> {
        self.read_schedules(None).await
    }

    async fn delete_report_schedule(&self, workspace: WorkspaceId) -> StoreResult<bool> {
        let deleted = execute(
            &self.client().await?,
            "DELETE FROM report_schedules WHERE workspace_id = $1",
            &[&workspace.0],
            "delete a report schedule",
        )
        .await?;
        Ok(deleted == 1)
    }

    async fn claim_report_send(&self, workspace: WorkspaceId, week: &str) -> StoreResult<bool> {
        let inserted = execute(
            &self.client().await?,
            "INSERT INTO report_sends (workspace_id, week, claimed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, week) DO NOTHING",
            &[&workspace.0, &week, &to_millis(Utc::now())],
            "claim a report send",
        )
        .await?;
        Ok(inserted == 1)
    }

    async fn finish_report_send(
        &self,
        workspace: WorkspaceId,
        week: &str,
        delivery: Delivery,
    ) -> StoreResult<()> {
        execute(
            &self.client().await?,
            "UPDATE report_sends SET status = $3, attempts = $4, last_error = $5, \
                 finished_at = $6 WHERE workspace_id = $1 AND week = $2",
            &[
                &workspace.0,
                &week,
                &delivery.status.as_str(),
                &i32::try_from(delivery.attempts).unwrap_or(i32::MAX),
                &delivery.last_error,
                &to_millis(delivery.finished_at),
            ],
            "settle a report send",
        )
        .await?;
        Ok(())
    }

    async fn report_sends(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>> {
        const CONTEXT: &str = "read report sends";
        let rows = query(
            &self.client().await?,
            "SELECT week, claimed_at, status, attempts, last_error, finished_at \
             FROM report_sends WHERE workspace_id = $1 ORDER BY week DESC LIMIT $2",
            &[&workspace.0, &limit_value(limit)],
            CONTEXT,
        )
        .await?;
        rows.iter()
            .map(|row| {
                report_send(
                    workspace.0,
                    get(row, 0, CONTEXT)?,
                    get(row, 1, CONTEXT)?,
                    get(row, 2, CONTEXT)?,
                    i64::from(get::<i32>(row, 3, CONTEXT)?),
                    get(row, 4, CONTEXT)?,
                    get(row, 5, CONTEXT)?,
                )
            })
            .collect()
    }
}
