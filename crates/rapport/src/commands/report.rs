//! `rapport report weekly`: the weekly report as a standalone HTML file.

use crate::cli::{ReportAction, ReportArgs};
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_web::routes::reports::{report_document, weekly_report, IsoWeek};
use std::process::ExitCode;

/// Runs `rapport report`.
pub async fn run(data_dir: DataDir, args: ReportArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        ReportAction::Weekly {
            workspace,
            week,
            out,
        } => {
            let backend = data_dir.open_backend().await?;
            let ws = super::find_workspace(&*backend.store, &workspace).await?;
            let week = match week {
                Some(raw) => IsoWeek::parse(&raw).map_err(|e| anyhow::anyhow!("{e}"))?,
                None => IsoWeek::of(chrono::Utc::now()).previous(),
            };
            let report = weekly_report(
                &*backend.store,
                &*backend.analytics,
                &*backend.inbox,
                ws.id,
                &ws.name,
                week,
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot build the report: {e}"))?;
            std::fs::write(&out, report_document(&report))
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "wrote the weekly report of {:?} for {week} to {}",
                ws.name,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
