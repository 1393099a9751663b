//! `rapport alerts add|list|evaluate`: alert rules and the detector's replay against the
//! simulator.

use crate::cli::{AlertKindArg, AlertsAction, AlertsArgs};
use crate::data_dir::{Backend, DataDir};
use anyhow::Context;
use rapport_engine::alerts::evaluate::{evaluate, EvalConfig};
use rapport_engine::alerts::notify::{Format, Notifier, NotifierConfig};
use rapport_engine::alerts::{AlertRunner, DetectorConfig, RuleKind};
use rapport_sources::http::SafetyPolicy;
use rapport_store::alerts::NewAlertRule;
use rapport_store::{AlertStore, Secret, SecretKey};
use std::process::ExitCode;

/// Runs `rapport alerts`.
pub async fn run(
    data_dir: impl FnOnce() -> anyhow::Result<DataDir>,
    args: AlertsArgs,
) -> anyhow::Result<ExitCode> {
    match args.action {
        AlertsAction::Evaluate { seed, weeks } => evaluate_command(seed, weeks),
        AlertsAction::List => {
            let backend = data_dir()?.open_backend().await?;
            list(&*backend.alerts).await
        }
        AlertsAction::Add {
            workspace,
            monitor,
            kind,
            followers,
            query,
            min_posts,
            webhook,
            email,
            digest,
            format,
            secret,
            cooldown_minutes,
        } => {
            let data_dir = data_dir()?;
            let backend = data_dir.open_backend().await?;
            let store = &*backend.store;
            let key = SecretKey::load_or_create(data_dir.root())?;
            let format: Format = format.parse().map_err(anyhow::Error::msg)?;
            if let Some(webhook) = &webhook {
                let url = reqwest_url(webhook)?;
                SafetyPolicy::public_only()
                    .check_url(&url)
                    .with_context(|| format!("the webhook {webhook} is refused"))?;
            }
            for to in &email {
                rapport_engine::alerts::email::parse_address(to)?;
            }
            let digest = match digest.as_deref().map(str::trim) {
                None | Some("none") => None,
                Some(period) => Some(
                    rapport_store::alerts::DigestPeriod::parse(period).with_context(|| {
                        format!("--digest must be hourly, daily or none, not {period:?}")
                    })?,
                ),
            };
            let ws = super::find_workspace(store, &workspace).await?;
            let monitor_id = match monitor {
                None => None,
                Some(name) => {
                    let wanted = name.trim();
                    let found = store
                        .monitors(Some(ws.id))
                        .await?
                        .into_iter()
                        .find(|m| m.name == wanted || m.id.0.to_string() == wanted)
                        .ok_or_else(|| {
                            anyhow::anyhow!("no monitor {wanted:?} in workspace {:?}", ws.name)
                        })?;
                    Some(found.id)
                }
            };
            let rule_kind = match kind {
                AlertKindArg::Volume => RuleKind::VolumeSpike,
                AlertKindArg::Negative => RuleKind::NegativeSpike { min_share: 0.3 },
                AlertKindArg::Reach => RuleKind::ReachAbove {
                    followers: followers.context("--kind reach needs --followers")?,
                },
                AlertKindArg::Query => {
                    let query = query.context("--kind query needs --query")?;
                    // Refuse a query with a typo now, with its column, not at the next run.
                    rapport_query::Query::parse(&query)
                        .map_err(|e| anyhow::anyhow!("--query: {e}"))?;
                    RuleKind::QueryMatch { query }
                }
                AlertKindArg::Theme => {
                    anyhow::ensure!(min_posts >= 1, "--min-posts must be at least 1");
                    RuleKind::ThemeEmerging { min_posts }
                }
            };
            let rule = backend
                .alerts
                .add_alert_rule(
                    NewAlertRule {
                        workspace_id: ws.id,
                        monitor_id,
                        kind: rule_kind.name().to_string(),
                        thresholds: serde_json::to_value(&rule_kind)?,
                        webhook_url: webhook.unwrap_or_default(),
                        webhook_format: format.as_str().to_string(),
                        webhook_secret: secret.map(Secret::new),
                        cooldown_minutes,
                        email_to: email,
                        digest,
                    },
                    &key,
                )
                .await?;
            println!(
                "added alert rule {} ({}) in workspace {:?}{}",
                rule.id.0,
                rule.kind,
                ws.name,
                if rule.has_secret { ", signed" } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn reqwest_url(text: &str) -> anyhow::Result<reqwest::Url> {
    reqwest::Url::parse(text).with_context(|| format!("{text:?} is not a URL"))
}

/// The runner `rapport serve` spawns, on either store: public webhook addresses only.
pub fn runner(backend: &Backend, key: SecretKey) -> anyhow::Result<AlertRunner> {
    let notifier = Notifier::new(SafetyPolicy::public_only(), NotifierConfig::default())?;
    Ok(AlertRunner::new(
        backend.store.clone(),
        backend.analytics.clone(),
        backend.alerts.clone(),
        key,
        notifier,
        DetectorConfig::default(),
    )
    // Daily digests cover the workspace's local days.
    .with_time_zones(backend.publishing.clone()))
}

async fn list(store: &dyn AlertStore) -> anyhow::Result<ExitCode> {
    let rules = store.alert_rules(None).await?;
    if rules.is_empty() {
        println!("no alert rules (add one with `rapport alerts add`)");
    }
    for rule in rules {
        let email = if rule.email_to.is_empty() {
            String::new()
        } else {
            format!(", e-mail to {}", rule.email_to.join(", "))
        };
        let digest = rule
            .digest
            .map(|d| format!(", {} digest", d.as_str()))
            .unwrap_or_default();
        println!(
            "rule {} workspace {} monitor {} kind {} -> {} ({}, cooldown {} min{}{email}{digest})",
            rule.id.0,
            rule.workspace_id,
            rule.monitor_id
                .map(|m| m.to_string())
                .unwrap_or_else(|| "all".into()),
            rule.kind,
            rule.webhook_url,
            rule.webhook_format,
            rule.cooldown_minutes,
            if rule.has_secret { ", signed" } else { "" }
        );
        for alert in store.alerts(rule.id, 5).await? {
            let delivery = alert
                .delivery
                .map(|d| format!("{:?} after {} attempt(s)", d.status, d.attempts))
                .unwrap_or_else(|| "not delivered yet".into());
            println!(
                "  {} {} [{delivery}]",
                alert.alert.hour.format("%Y-%m-%d %H:00"),
                alert.alert.sentence
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate_command(seed: u64, weeks: u32) -> anyhow::Result<ExitCode> {
    let config = EvalConfig {
        seed,
        weeks,
        ..EvalConfig::default()
    };
    anyhow::ensure!(
        weeks > config.warmup_weeks,
        "--weeks must be more than the {} warm-up weeks",
        config.warmup_weeks
    );
    let report = evaluate(&config)?;
    println!(
        "seed {seed}, {weeks} weeks ({} warm-up), {} posts, {} incidents",
        config.warmup_weeks,
        report.posts,
        report.incidents.len()
    );
    println!(
        "false alarms: {} in {:.1} normal weeks = {:.2} per week",
        report.false_alarms.len(),
        report.normal_weeks,
        report.false_alarms_per_week()
    );
    for alarm in &report.false_alarms {
        println!(
            "  false alarm {} on {} ({}): {}",
            alarm.verdict.hour.format("%Y-%m-%d %H:00"),
            alarm.series,
            alarm.rule,
            alarm.verdict.sentence
        );
    }
    for outcome in &report.incidents {
        let i = &outcome.incident;
        print!(
            "incident {} \"{}\" from {} ({} h, x{}): ",
            i.product,
            i.topic,
            i.start.format("%Y-%m-%d %H:00"),
            i.duration.num_hours(),
            i.intensity
        );
        match (&outcome.first_alarm, outcome.delay_hours) {
            (Some(alarm), Some(delay)) => println!(
                "alarm after {delay} h on {} ({}): {} (expected {:.1}, observed {}, p {:.1e})",
                alarm.series,
                alarm.rule,
                alarm.verdict.sentence,
                alarm.verdict.expected,
                alarm.verdict.observed,
                alarm.verdict.p
            ),
            _ => println!("MISSED"),
        }
    }
    Ok(if report.all_detected() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
