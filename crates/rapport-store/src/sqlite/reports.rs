//! [`ReportStore`] on SQLite: `report_schedules` and `report_sends`.

use super::codec::to_millis;
use super::SqliteStore;
use crate::alerts::{parse_email_to, Delivery};
use crate::reports::{report_send, ReportSchedule, ReportSend, ReportStore};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::WorkspaceId;
use rusqlite::{params, Connection};

type ScheduleRow = (i64, String, i64, i64, String, bool);

fn read_schedules(conn: &Connection, workspace: Option<i64>) -> StoreResult<Vec<ReportSchedule>> {
    let mut stmt = conn
        .prepare(
            "SELECT workspace_id, recipients, weekday, hour, time_zone, enabled \
             FROM report_schedules WHERE ?1 IS NULL OR workspace_id = ?1 ORDER BY workspace_id",
        )
        .map_err(StoreError::sqlite("read report schedules"))?;
    let rows: Vec<ScheduleRow> = stmt
        .query_map([workspace], |r| TryFrom::try_from(r))
        .map_err(StoreError::sqlite("read report schedules"))?
        .collect::<Result<_, _>>()
        .map_err(StoreError::sqlite("read report schedules"))?;
    rows.into_iter()
        .map(|(ws, recipients, weekday, hour, time_zone, enabled)| {
            Ok(ReportSchedule {
                workspace_id: WorkspaceId(ws),
                recipients: parse_email_to(&recipients)?,
                weekday: u8::try_from(weekday).unwrap_or(0),
                hour: u8::try_from(hour).unwrap_or(0),
                time_zone,
                enabled,
            })
        })
        .collect()
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn set_report_schedule(&self, schedule: ReportSchedule) -> StoreResult<()> {
        let recipients =
            serde_json::to_string(&schedule.recipients).unwrap_or_else(|_| "[]".into());
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "INSERT INTO report_schedules (workspace_id, recipients, weekday, hour, \
                     time_zone, enabled, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (workspace_id) DO UPDATE SET recipients = excluded.recipients, \
                     weekday = excluded.weekday, hour = excluded.hour, \
                     time_zone = excluded.time_zone, enabled = excluded.enabled, \
                     updated_at = excluded.updated_at",
                    params![
                        schedule.workspace_id.0,
                        recipients,
                        i64::from(schedule.weekday),
                        i64::from(schedule.hour),
                        schedule.time_zone,
                        schedule.enabled,
                        to_millis(Utc::now()),
                    ],
                )
                .map_err(StoreError::sqlite("save a report schedule"))?;
            Ok(())
        })
        .await
    }

    async fn report_schedule(&self, workspace: WorkspaceId) -> StoreResult<Option<ReportSchedule>> {
        self.with_reader(move |conn| {
            Ok(read_schedules(conn, Some(workspace.0))?.into_iter().next())
        })
        .await
    }

    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>> {
        self.with_reader(move |conn| read_schedules(conn, None))
            .await
    }

    async fn delete_report_schedule(&self, workspace: WorkspaceId) -> StoreResult<bool> {
        self.with_writer(move |w| {
            let deleted = w
                .conn
                .execute(
                    "DELETE FROM report_schedules WHERE workspace_id = ?1",
                    [workspace.0],
                )
                .map_err(StoreError::sqlite("delete a report schedule"))?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn claim_report_send(&self, workspace: WorkspaceId, week: &str) -> StoreResult<bool> {
        let week = week.to_string();
        self.with_writer(move |w| {
            let inserted = w
                .conn
                .execute(
                    "INSERT INTO report_sends (workspace_id, week, claimed_at) \
                     VALUES (?1, ?2, ?3) ON CONFLICT (workspace_id, week) DO NOTHING",
                    params![workspace.0, week, to_millis(Utc::now())],
                )
                .map_err(StoreError::sqlite("claim a report send"))?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn finish_report_send(
        &self,
        workspace: WorkspaceId,
        week: &str,
        delivery: Delivery,
    ) -> StoreResult<()> {
        let week = week.to_string();
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "UPDATE report_sends SET status = ?3, attempts = ?4, last_error = ?5, \
                     finished_at = ?6 WHERE workspace_id = ?1 AND week = ?2",
                    params![
                        workspace.0,
                        week,
                        delivery.status.as_str(),
                        i64::from(delivery.attempts),
                        delivery.last_error,
                        to_millis(delivery.finished_at),
                    ],
                )
                .map_err(StoreError::sqlite("settle a report send"))?;
            Ok(())
        })
        .await
    }

    async fn report_sends(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>> {
        type Raw = (
            String,
            i64,
            Option<String>,
            i64,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Raw> = self
            .with_reader(move |conn| {
                let mut stmt = conn
                    .prepare(
                        "SELECT week, claimed_at, status, attempts, last_error, finished_at \
                         FROM report_sends WHERE workspace_id = ?1 ORDER BY week DESC LIMIT ?2",
                    )
                    .map_err(StoreError::sqlite("read report sends"))?;
                let rows = stmt
                    .query_map(
                        params![workspace.0, limit.min(i64::MAX as usize) as i64],
                        |r| TryFrom::try_from(r),
                    )
                    .map_err(StoreError::sqlite("read report sends"))?;
                rows.collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::sqlite("read report sends"))
            })
            .await?;
        rows.into_iter()
            .map(|(week, claimed, status, attempts, last_error, finished)| {
                report_send(
                    workspace.0,
                    week,
                    claimed,
                    status,
                    attempts,
                    last_error,
                    finished,
                )
            })
            .collect()
    }
}
