//! `rapport report weekly`: the weekly report as a standalone HTML file, a PDF (headless
//! Chromium), or an e-mail. The week runs from Monday midnight in the workspace's time
//! zone.

use crate::cli::{ReportAction, ReportArgs};
use crate::config::Config;
use crate::data_dir::DataDir;
use anyhow::Context;
use rapport_web::routes::reports::{parse_time_zone, report_document, weekly_report, IsoWeek};
use std::process::ExitCode;

/// Runs `rapport report`.
pub async fn run(data_dir: DataDir, args: ReportArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        ReportAction::Weekly {
            workspace,
            week,
            out,
            pdf,
            email,
            config,
        } => {
            let backend = data_dir.open_backend().await?;
            let ws = super::find_workspace(&*backend.store, &workspace).await?;
            let tz = parse_time_zone(
                &backend
                    .publishing
                    .time_zone(ws.id)
                    .await
                    .context("cannot read the workspace's time zone")?,
            );
            let week = match week {
                Some(raw) => IsoWeek::parse(&raw).map_err(|e| anyhow::anyhow!("{e}"))?,
                None => IsoWeek::of_in(chrono::Utc::now(), tz).previous(),
            };
            let report = weekly_report(
                &*backend.store,
                &*backend.analytics,
                &*backend.inbox,
                ws.id,
                &ws.name,
                week,
                tz,
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot build the report: {e}"))?;
            if let Some(pdf) = &pdf {
                let bytes = rapport_web::pdf::html_to_pdf(&report_document(&report))
                    .await
                    .context("cannot make the PDF")?;
                std::fs::write(pdf, &bytes)
                    .with_context(|| format!("cannot write {}", pdf.display()))?;
                println!(
                    "wrote the weekly report of {:?} for {week} as PDF to {} ({} bytes)",
                    ws.name,
                    pdf.display(),
                    bytes.len()
                );
            }
            let out = match (out, email.is_empty() && pdf.is_none()) {
                (Some(out), _) => Some(out),
                (None, true) => Some(std::path::PathBuf::from("report.html")),
                (None, false) => None,
            };
            if let Some(out) = out {
                std::fs::write(&out, report_document(&report))
                    .with_context(|| format!("cannot write {}", out.display()))?;
                println!(
                    "wrote the weekly report of {:?} for {week} to {}",
                    ws.name,
                    out.display()
                );
            }
            if email.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            for to in &email {
                rapport_engine::alerts::email::parse_address(to)?;
            }
            let (config, _) = Config::load(config.as_deref(), data_dir.root())?;
            let mailer = config.mailer()?.context(
                "no SMTP relay configured: set [email] in rapport.toml or RAPPORT_SMTP_HOST \
                 (and RAPPORT_SMTP_FROM)",
            )?;
            let outcome = mailer
                .send(&rapport_web::report_mail::report_email(&report, &email))
                .await;
            match outcome.error {
                None => {
                    println!(
                        "e-mailed the weekly report of {:?} for {week} to {} through {} \
                         ({} attempt(s))",
                        ws.name,
                        email.join(", "),
                        mailer.relay(),
                        outcome.attempts
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(error) => {
                    eprintln!("could not e-mail the weekly report: {error}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
