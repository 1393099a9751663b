//! Digests: a rule in digest mode (`hourly` or `daily`) records its firings as usual but
//! sends nothing for each; once its period has ended, one process claims the period
//! ([`AlertStore::claim_digest`], one row per rule and period, so several `rapport serve`
//! processes send it once) and sends one e-mail and one webhook listing every alert of
//! the period. An empty period is claimed and settled with nothing sent. Digests are
//! already at most one per period, so the rule's cooldown does not apply to them.
//!
//! A daily digest covers one day of the workspace's time zone, midnight to midnight
//! ([`last_complete_period`]): 23 or 25 hours across a daylight-saving change. Hourly
//! digests cover UTC hours (the same hours in every zone with a whole-hour offset).

use super::email::{escape, html_document, outcome_delivery, Email, Mailer};
use super::notify::{Format, Notifier};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
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
    /// The first instant after it.
    pub period_end: DateTime<Utc>,
}

/// The first instant of `date` in `tz`: local midnight, or where a daylight-saving change
/// skips midnight (clocks jump from 00:00 to 01:00, as in America/Santiago) the first
/// local quarter-hour that exists; where midnight happens twice, the first.
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    (0..=180)
        .step_by(15)
        .find_map(|minutes| {
            tz.from_local_datetime(&(midnight + Duration::minutes(minutes)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The last period of `period` that ended at or before `now`, as `[start, end)`: the UTC
/// hour before the current one, or the local day (in `tz`) before the current one.
pub fn last_complete_period(
    period: DigestPeriod,
    now: DateTime<Utc>,
    tz: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    match period {
        DigestPeriod::Hourly => {
            let end = period.start_of(now);
            (end - period.length(), end)
        }
        DigestPeriod::Daily => {
            let today = now.with_timezone(&tz).date_naive();
            let mut end = local_midnight(today, tz);
            // A skipped midnight can put "today's" first instant after `now`.
            if end > now {
                end = local_midnight(today - Duration::days(1), tz);
            }
            let end_date = end.with_timezone(&tz).date_naive();
            (local_midnight(end_date - Duration::days(1), tz), end)
        }
    }
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
            "period_end": context.period_end,
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

/// Sends the digest of `rule` for the period `[period_start, period_end)` if this process
/// wins its claim; `Ok(None)` when another process (or an earlier run) has it.
#[allow(clippy::too_many_arguments)]
pub async fn send_digest(
    store: &dyn AlertStore,
    notifier: &Notifier,
    mailer: Option<&Mailer>,
    rule: &AlertRule,
    secret: Option<&Secret>,
    workspace: &str,
    (period_start, period_end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Option<DigestOutcome>, StoreError> {
    let Some(period) = rule.digest else {
        return Ok(None);
    };
    if !store.claim_digest(rule.id, period_start).await? {
        return Ok(None);
    }
    let alerts = store
        .alerts_between(rule.id, period_start, period_end, DIGEST_MAX_ALERTS)
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
            period_end,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn daily_digests_follow_local_days_across_daylight_saving_changes() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // Sunday 29 March 2026: clocks go from 02:00 to 03:00 in Paris (UTC+1 to UTC+2).
        // On Monday 30 March 00:30 local (29 March 22:30 UTC), the last complete day is the
        // 29th: from 28 March 23:00 UTC to 29 March 22:00 UTC, 23 hours.
        let (start, end) =
            last_complete_period(DigestPeriod::Daily, utc(2026, 3, 29, 22, 30), paris);
        assert_eq!(start, utc(2026, 3, 28, 23, 0));
        assert_eq!(end, utc(2026, 3, 29, 22, 0));
        assert_eq!(end - start, Duration::hours(23));
        // Sunday 25 October 2026: back from 03:00 to 02:00; that day is 25 hours.
        let (start, end) =
            last_complete_period(DigestPeriod::Daily, utc(2026, 10, 26, 9, 0), paris);
        assert_eq!(start, utc(2026, 10, 24, 22, 0));
        assert_eq!(end, utc(2026, 10, 25, 23, 0));
        assert_eq!(end - start, Duration::hours(25));
        // Just before local midnight the day before is still the last complete one.
        let (_, end) = last_complete_period(DigestPeriod::Daily, utc(2026, 3, 29, 21, 59), paris);
        assert_eq!(end, utc(2026, 3, 28, 23, 0));
        // UTC keeps UTC days; hourly digests keep UTC hours.
        let (start, end) =
            last_complete_period(DigestPeriod::Daily, utc(2026, 3, 29, 22, 30), Tz::UTC);
        assert_eq!(
            (start, end),
            (utc(2026, 3, 28, 0, 0), utc(2026, 3, 29, 0, 0))
        );
        let (start, end) =
            last_complete_period(DigestPeriod::Hourly, utc(2026, 3, 29, 22, 30), paris);
        assert_eq!(
            (start, end),
            (utc(2026, 3, 29, 21, 0), utc(2026, 3, 29, 22, 0))
        );
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_local_minute() {
        // America/Santiago: on 6 September 2026 clocks jump from 00:00 to 01:00 (UTC-4 to
        // UTC-3), so that day starts at 01:00 local, 04:00 UTC.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(local_midnight(day, santiago), utc(2026, 9, 6, 4, 0));
        let before = NaiveDate::from_ymd_opt(2026, 9, 5).unwrap();
        assert_eq!(local_midnight(before, santiago), utc(2026, 9, 5, 4, 0));
        assert_eq!(
            local_midnight(day, santiago) - local_midnight(before, santiago),
            Duration::hours(24)
        );
    }
}
