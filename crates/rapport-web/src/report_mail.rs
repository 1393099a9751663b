//! The weekly report by e-mail: the same self-contained HTML document as
//! `rapport report weekly` (stylesheet inlined, SVG charts inline) sent as the HTML part of
//! a message, to each workspace's recipients, once per week.
//!
//! A workspace's [`ReportSchedule`] names a weekday and an hour in its time zone. From that
//! moment of each local week, the report of the last complete ISO week is due;
//! [`ReportMailer::run_due`] claims it ([`ReportStore::claim_report_send`], one row per
//! workspace and week, so several `rapport serve` processes send it once), sends it and
//! records the outcome. A server that was down at the hour sends it when it is back, the
//! same week. The report's week runs from Monday midnight in the schedule's time zone.

use std::sync::Arc;

use chrono::{Datelike, Duration, TimeZone};
use chrono_tz::Tz;
use rapport_engine::alerts::email::{outcome_delivery, Email, Mailer};
use rapport_engine::alerts::notify::SendOutcome;
use rapport_model::{Timestamp, Workspace};
use rapport_store::alerts::Delivery;
use rapport_store::reports::{ReportSchedule, ReportStore};
use rapport_store::{AnalyticsStore, InboxStore, Store};

use crate::routes::reports::{report_document, weekly_report, IsoWeek, WeeklyReport};
use crate::WebError;

/// How often [`ReportMailer::run_forever`] looks for due reports.
pub const REPORT_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The ISO week whose report `schedule` makes due at `now`: the last complete week before
/// the local week, once the local week's weekday and hour have come; `None` before that,
/// or when the time zone is unknown.
pub fn due_week(schedule: &ReportSchedule, now: Timestamp) -> Option<IsoWeek> {
    let tz: Tz = schedule.time_zone.parse().ok()?;
    let local = now.with_timezone(&tz);
    let date = local.date_naive();
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let day = monday + Duration::days(i64::from(schedule.weekday.min(6)));
    let at = day.and_hms_opt(u32::from(schedule.hour.min(23)), 0, 0)?;
    // A local hour skipped by a DST change counts from the next instant that exists.
    let scheduled = tz.from_local_datetime(&at).earliest().or_else(|| {
        tz.from_local_datetime(&(at + Duration::hours(1)))
            .earliest()
    })?;
    (local >= scheduled).then(|| IsoWeek { monday }.previous())
}

/// The e-mail of a weekly report: the standalone document as the HTML part (everything in
/// it escaped by maud), a short plain-text part.
pub fn report_email(report: &WeeklyReport, to: &[String]) -> Email {
    let subject = format!(
        "[rapport] Weekly report - {} - {}",
        report.workspace, report.week
    );
    let text = format!(
        "The weekly report of {} for {} ({} to {}) is in the HTML part of this message.\n",
        report.workspace,
        report.week,
        report.week.start_in(report.time_zone).format("%Y-%m-%d"),
        (report.week.end_in(report.time_zone) - Duration::hours(1))
            .with_timezone(&report.time_zone)
            .format("%Y-%m-%d"),
    );
    Email {
        to: to.to_vec(),
        subject,
        text,
        html: report_document(report),
    }
}

/// What one due report did.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSent {
    /// The workspace's name.
    pub workspace: String,
    /// The week reported.
    pub week: String,
    /// The outcome.
    pub delivery: Delivery,
}

/// Builds and e-mails weekly reports.
#[derive(Clone)]
pub struct ReportMailer {
    store: Arc<dyn Store>,
    analytics: Arc<dyn AnalyticsStore>,
    inbox: Arc<dyn InboxStore>,
    reports: Arc<dyn ReportStore>,
    mailer: Mailer,
}

impl ReportMailer {
    /// A report mailer over these stores, sending through `mailer`.
    pub fn new(
        store: Arc<dyn Store>,
        analytics: Arc<dyn AnalyticsStore>,
        inbox: Arc<dyn InboxStore>,
        reports: Arc<dyn ReportStore>,
        mailer: Mailer,
    ) -> ReportMailer {
        ReportMailer {
            store,
            analytics,
            inbox,
            reports,
            mailer,
        }
    }

    /// Builds the report of `week` (its days and bounds in `tz`) for `workspace` and sends
    /// it to `to` now (nothing is recorded).
    pub async fn send_now(
        &self,
        workspace: &Workspace,
        week: IsoWeek,
        tz: Tz,
        to: &[String],
    ) -> Result<SendOutcome, WebError> {
        let report = weekly_report(
            &*self.store,
            &*self.analytics,
            &*self.inbox,
            workspace.id,
            &workspace.name,
            week,
            tz,
        )
        .await?;
        Ok(self.mailer.send(&report_email(&report, to)).await)
    }

    /// Sends every report due at `now` that no process has sent yet.
    pub async fn run_due(&self, now: Timestamp) -> Result<Vec<ReportSent>, WebError> {
        let workspaces = self.store.workspaces().await?;
        let mut sent = Vec::new();
        for schedule in self.reports.report_schedules().await? {
            if !schedule.enabled || schedule.recipients.is_empty() {
                continue;
            }
            let Some(workspace) = workspaces.iter().find(|w| w.id == schedule.workspace_id) else {
                continue;
            };
            let Some(week) = due_week(&schedule, now) else {
                if schedule.time_zone.parse::<Tz>().is_err() {
                    tracing::warn!(
                        workspace = workspace.id.0,
                        "weekly report schedule with an unknown time zone"
                    );
                }
                continue;
            };
            let label = week.to_string();
            if !self.reports.claim_report_send(workspace.id, &label).await? {
                continue;
            }
            // The week in the schedule's zone: the one `due_week` found due.
            let tz: Tz = schedule.time_zone.parse().unwrap_or(Tz::UTC);
            let outcome = self
                .send_now(workspace, week, tz, &schedule.recipients)
                .await;
            let delivery = match outcome {
                Ok(outcome) => outcome_delivery(outcome),
                Err(e) => outcome_delivery(SendOutcome {
                    attempts: 0,
                    error: Some(e.to_string()),
                    last_error: Some(e.to_string()),
                }),
            };
            self.reports
                .finish_report_send(workspace.id, &label, delivery.clone())
                .await?;
            sent.push(ReportSent {
                workspace: workspace.name.clone(),
                week: label,
                delivery,
            });
        }
        Ok(sent)
    }

    /// Looks for due reports every [`REPORT_CHECK_EVERY`], forever.
    pub async fn run_forever(self) {
        loop {
            match self.run_due(chrono::Utc::now()).await {
                Ok(sent) => {
                    for s in sent {
                        tracing::info!(
                            status = s.delivery.status.as_str(),
                            "weekly report {} of {:?}",
                            s.week,
                            s.workspace
                        );
                    }
                }
                Err(e) => tracing::warn!("weekly report delivery failed: {e}"),
            }
            tokio::time::sleep(REPORT_CHECK_EVERY).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn schedule(weekday: u8, hour: u8, tz: &str) -> ReportSchedule {
        ReportSchedule {
            workspace_id: rapport_model::WorkspaceId(1),
            recipients: vec!["a@example.org".into()],
            weekday,
            hour,
            time_zone: tz.into(),
            enabled: true,
        }
    }

    #[test]
    fn a_report_is_due_from_the_local_weekday_and_hour() {
        // Monday 2026-03-09 09:00 in Paris is 08:00 UTC.
        let s = schedule(0, 9, "Europe/Paris");
        let before = Utc.with_ymd_and_hms(2026, 3, 9, 7, 59, 0).unwrap();
        assert_eq!(due_week(&s, before), None);
        let at = Utc.with_ymd_and_hms(2026, 3, 9, 8, 0, 0).unwrap();
        assert_eq!(due_week(&s, at).unwrap().to_string(), "2026-W10");
        let later = Utc.with_ymd_and_hms(2026, 3, 13, 20, 0, 0).unwrap();
        assert_eq!(due_week(&s, later).unwrap().to_string(), "2026-W10");
        // Sunday evening in New York is already Monday in UTC: the local week counts.
        let ny = schedule(6, 18, "America/New_York");
        let sunday = Utc.with_ymd_and_hms(2026, 3, 15, 23, 30, 0).unwrap();
        assert_eq!(due_week(&ny, sunday).unwrap().to_string(), "2026-W10");
        assert_eq!(due_week(&schedule(0, 9, "Mars/Olympus"), at), None);
    }
}
