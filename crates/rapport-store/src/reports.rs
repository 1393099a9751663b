//! The weekly report by e-mail: each workspace's schedule (recipients, a weekday and an
//! hour in a time zone) and one row per workspace and ISO week sent. The row is the claim:
//! when several `rapport serve` processes find the same report due, the one whose insert
//! wins sends it, so it goes out once.

use crate::alerts::{Delivery, DeliveryStatus};
use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// When and to whom a workspace's weekly report is e-mailed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSchedule {
    /// Whose report.
    pub workspace_id: WorkspaceId,
    /// Recipients (checked addresses).
    pub recipients: Vec<String>,
    /// The weekday, 0 = Monday ... 6 = Sunday.
    pub weekday: u8,
    /// The hour, 0 to 23, in `time_zone`.
    pub hour: u8,
    /// An IANA time zone name (`Europe/Paris`).
    pub time_zone: String,
    /// Whether it is sent at all.
    pub enabled: bool,
}

/// One week's report of one workspace: claimed, then settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSend {
    /// Whose report.
    pub workspace_id: WorkspaceId,
    /// The ISO week reported (`2026-W10`).
    pub week: String,
    /// When a process claimed it.
    pub claimed_at: Timestamp,
    /// What became of it, once settled.
    pub delivery: Option<Delivery>,
}

/// Weekly report schedules and the record of what was sent.
#[async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// Creates or replaces a workspace's schedule.
    async fn set_report_schedule(&self, schedule: ReportSchedule) -> StoreResult<()>;

    /// A workspace's schedule, if it has one.
    async fn report_schedule(&self, workspace: WorkspaceId) -> StoreResult<Option<ReportSchedule>>;

    /// Every schedule, by workspace.
    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>>;

    /// Removes a workspace's schedule; `false` when it had none.
    async fn delete_report_schedule(&self, workspace: WorkspaceId) -> StoreResult<bool>;

    /// Claims the report of `week` for `workspace`: `true` for exactly one caller, across
    /// processes.
    async fn claim_report_send(&self, workspace: WorkspaceId, week: &str) -> StoreResult<bool>;

    /// Records what became of a claimed report.
    async fn finish_report_send(
        &self,
        workspace: WorkspaceId,
        week: &str,
        delivery: Delivery,
    ) -> StoreResult<()>;

    /// A workspace's sent reports, newest week first (at most `limit`).
    async fn report_sends(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>>;
}

/// A send row as both stores read it.
pub(crate) fn report_send(
    workspace: i64,
    week: String,
    claimed_at: i64,
    status: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    finished_at: Option<i64>,
) -> StoreResult<ReportSend> {
    use crate::codec::from_millis;
    let delivery = match (status, finished_at) {
        (Some(status), Some(ms)) => Some(Delivery {
            status: DeliveryStatus::parse(&status).ok_or_else(|| crate::StoreError::Corrupt {
                table: "report_sends",
                column: "status",
                message: format!("unknown status {status:?}"),
            })?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            last_error,
            finished_at: from_millis(ms, "report_sends", "finished_at")?,
        }),
        _ => None,
    };
    Ok(ReportSend {
        workspace_id: WorkspaceId(workspace),
        week,
        claimed_at: from_millis(claimed_at, "report_sends", "claimed_at")?,
        delivery,
    })
}
