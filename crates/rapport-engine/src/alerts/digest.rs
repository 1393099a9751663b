//! Digests: a rule in digest mode (`hourly` or `daily`) records its firings as usual but
//! sends nothing for each; once its period has ended, one process claims the period
//! ([`AlertStore::claim_digest`], one row per rule and period, so several `rapport serve`
//! processes send it once) and sends one e-mail and one webhook listing every alert of
//! the period. An empty period is claimed and settled with nothing sent. Digests are
//! already at most one per period, so the rule's cooldown does not apply to them.

use super::email::{escape, html_document, outcome_delivery, Email, Mailer};
use super::notify::{Format, Notifier};
use chrono::{DateTime, Utc};
use rapport_store::alerts::{AlertRecord, AlertRule, DeliveryStatus, DigestOutcome, DigestPeriod};
use rapport_store::{AlertStore, Secret, StoreError};

/// The most alerts one digest lists (a rule fires at most once per hour per scope, so a
/// day holds far fewer unless it watches very many monitors).
pub const DIGEST_MAX_ALERTS: usize = 500;

/// What a digest is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestContext {
    /// The rule's id.
    pub rule: i64,
    /// The rule's kind.
    pub kind: String,
    /// The workspace's name.
    pub workspace: String,
    /// Its period.
    pub period: DigestPeriod,
    /// The period's first instant.
    pub period_start: DateTime<Utc>,
}

/// The webhook body of a digest: rapport's JSON, or `{"text": ...}` for Slack and
/// Mattermost.
pub fn digest_payload(
    format: Format,
    context: &DigestContext,
    alerts: &[AlertRecord],
) -> serde_json::Value {
    match format {
        Format::Generic => serde_json::json!({
            "rule": context.rule,
            "kind": context.kind,
            "workspace": context.workspace,
            "digest": context.period.as_str(),
            "period_start": context.period_start,
            "period_end": context.period_start + context.period.length(),
            "alerts": alerts.iter().map(|a| serde_json::json!({
                "hour": a.alert.hour,
                "sentence": a.alert.sentence,
                "observed": a.alert.observed,
                "expected": a.alert.expected,
            })).collect::<Vec<_>>(),
        }),
        Format::Slack | Format::Mattermost => {
            let mut text = format!(
                "rapport {} digest ({}) in {}: {} alert(s) since {}",
                context.period.as_str(),
                context.kind,
                context.workspace,
                alerts.len(),
                context.period_start.format("%Y-%m-%d %H:00 UTC")
            );
            for a in alerts {
                text.push_str(&format!(
                    "\n• {} {}",
                    a.alert.hour.format("%H:00"),
                    a.alert.sentence
                ));
            }
            serde_json::json!({ "text": text })
        }
    }
}

/// The e-mail of a digest: one line per alert, every sentence escaped in the HTML part.
pub fn digest_email(to: &[String], context: &DigestContext, alerts: &[AlertRecord]) -> Email {
    let subject = format!(
        "[rapport] {} {} digest in {}: {} alert(s)",
        context.period.as_str(),
        context.kind,
        context.workspace,
        alerts.len()
    );
    let since = context
        .period_start
        .format("%Y-%m-%d %H:00 UTC")
        .to_string();
    let mut text = format!("Alerts since {since}:\n\n");
    let mut rows = String::new();
    for a in alerts {
        let hour = a.alert.hour.format("%Y-%m-%d %H:00").to_string();
        text.push_str(&format!("- {hour}  {}\n", a.alert.sentence));
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td align=\"right\">{}</td></tr>",
            escape(&hour),
            escape(&a.alert.sentence),
            a.alert.observed
        ));
    }
    let html = format!(
        "<h1>{}</h1><p>Alerts since {}:</p><table><tr><th align=\"left\">Hour (UTC)</th>\
         <th align=\"left\">What happened</th><th>Observed</th></tr>{rows}</table>",
        escape(&subject),
        escape(&since)
    );
    Email {
        to: to.to_vec(),
        html: html_document(&subject, &html),
        subject,
        text,
    }
}

/// Sends the digest of `rule` for the period starting at `period_start` if this process
/// wins its claim; `Ok(None)` when another process (or an earlier run) has it.
pub async fn send_digest(
    store: &dyn AlertStore,
    notifier: &Notifier,
    mailer: Option<&Mailer>,
    rule: &AlertRule,
    secret: Option<&Secret>,
    workspace: &str,
    period_start: DateTime<Utc>,
) -> Result<Option<DigestOutcome>, StoreError> {
    let Some(period) = rule.digest else {
        return Ok(None);
    };
    if !store.claim_digest(rule.id, period_start).await? {
        return Ok(None);
    }
    let alerts = store
        .alerts_between(
            rule.id,
            period_start,
            period_start + period.length(),
            DIGEST_MAX_ALERTS,
        )
        .await?;
    let mut outcome = DigestOutcome {
        alerts: u32::try_from(alerts.len()).unwrap_or(u32::MAX),
        webhook: None,
        email: None,
        last_error: None,
        finished_at: Utc::now(),
    };
    if !alerts.is_empty() {
        let context = DigestContext {
            rule: rule.id.0,
            kind: rule.kind.clone(),
            workspace: workspace.to_string(),
            period,
            period_start,
        };
        if !rule.webhook_url.is_empty() {
            let format = rule.webhook_format.parse().unwrap_or(Format::Generic);
            let body = digest_payload(format, &context, &alerts).to_string();
            let sent = notifier.send_body(&rule.webhook_url, secret, body).await;
            let delivery = outcome_delivery(sent);
            outcome.webhook = Some(delivery.status);
            outcome.last_error = delivery.last_error;
        }
        if !rule.email_to.is_empty() {
            let (status, error) = match mailer {
                Some(mailer) => {
                    let delivery = outcome_delivery(
                        mailer
                            .send(&digest_email(&rule.email_to, &context, &alerts))
                            .await,
                    );
                    (delivery.status, delivery.last_error)
                }
                None => (
                    DeliveryStatus::Failed,
                    Some(super::runner::NO_MAILER.to_string()),
                ),
            };
            outcome.email = Some(status);
            if error.is_some() {
                outcome.last_error = error;
            }
        }
    }
    outcome.finished_at = Utc::now();
    store
        .finish_digest(rule.id, period_start, outcome.clone())
        .await?;
    Ok(Some(outcome))
}
