//! [`AlertRunner`]: once per hour, judge every workspace's spike rules on the hour that just
//! ended, record what fires and deliver it.
//!
//! Spike rules read the last weeks of hourly rollups per monitor from [`AnalyticsStore`]
//! (hours without mentions count as zero). Per-post rules (`reach_above`, `query_match`)
//! read the hour's mentions themselves (by post time, paged) and fire once for the hour,
//! naming how many posts triggered and the most followed author among them. A post stored
//! after its hour was judged is not seen by that hour's run.

use super::detector::{DetectorConfig, HOURS_PER_WEEK};
use super::email::Mailer;
use super::notify::{AlertMessage, Notifier};
use super::{judge_hour, HourCounts, PostRule, RuleKind};
use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use rapport_model::{Monitor, MonitorId, PostId, WorkspaceId};
use rapport_store::alerts::{AlertRule, Delivery, DeliveryStatus, NewAlert};
use rapport_store::analytics::Bucket;
use rapport_store::{
    AlertStore, AnalyticsStore, MentionCursor, MentionFilter, PublishStore, SecretKey, Store,
    StoreError,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Rule and monitor pairs judged.
    pub judged: usize,
    /// Alerts recorded.
    pub fired: Vec<NewAlert>,
    /// Deliveries that reached their receiver.
    pub delivered: usize,
    /// Deliveries skipped inside a cooldown.
    pub suppressed: usize,
    /// Deliveries that failed.
    pub failed: usize,
    /// E-mails that reached the relay.
    pub emailed: usize,
    /// E-mails that failed (or had no relay to go to).
    pub email_failed: usize,
    /// Alerts kept for their rule's digest instead of being sent.
    pub held_for_digest: usize,
}

/// What an e-mail delivery records when the server has no SMTP relay configured.
pub const NO_MAILER: &str =
    "no SMTP relay is configured (set [email] in rapport.toml or RAPPORT_SMTP_HOST)";

/// Judges rules and delivers alerts.
#[derive(Clone)]
pub struct AlertRunner {
    store: Arc<dyn Store>,
    analytics: Arc<dyn AnalyticsStore>,
    alerts: Arc<dyn AlertStore>,
    key: SecretKey,
    notifier: Notifier,
    mailer: Option<Mailer>,
    detector: DetectorConfig,
    time_zones: Option<Arc<dyn PublishStore>>,
}

impl AlertRunner {
    /// A runner over these stores; `key` opens the rules' webhook secrets.
    pub fn new(
        store: Arc<dyn Store>,
        analytics: Arc<dyn AnalyticsStore>,
        alerts: Arc<dyn AlertStore>,
        key: SecretKey,
        notifier: Notifier,
        detector: DetectorConfig,
    ) -> AlertRunner {
        AlertRunner {
            store,
            analytics,
            alerts,
            key,
            notifier,
            mailer: None,
            detector,
            time_zones: None,
        }
    }

    /// The same runner, reading each workspace's time zone from `store` so that daily
    /// digests cover local days. Without it, days are UTC days.
    pub fn with_time_zones(mut self, store: Arc<dyn PublishStore>) -> AlertRunner {
        self.time_zones = Some(store);
        self
    }

    /// The time zone of `workspace` (UTC without a store or for an unknown name).
    async fn time_zone(&self, workspace: WorkspaceId) -> Result<Tz, StoreError> {
        let Some(store) = &self.time_zones else {
            return Ok(Tz::UTC);
        };
        Ok(store.time_zone(workspace).await?.parse().unwrap_or(Tz::UTC))
    }

    /// The same runner, e-mailing rules' recipients through `mailer`. Without one, a
    /// rule with recipients records its e-mail as failed with [`NO_MAILER`].
    pub fn with_mailer(mut self, mailer: Mailer) -> AlertRunner {
        self.mailer = Some(mailer);
        self
    }

    /// Judges `hour` (truncated to the hour) for every enabled spike rule, records what
    /// fires (once per rule and hour) and delivers it.
    pub async fn run_hour(&self, hour: DateTime<Utc>) -> Result<RunReport, StoreError> {
        let hour = hour.duration_trunc(Duration::hours(1)).unwrap_or(hour);
        let mut report = RunReport::default();
        let rules: Vec<AlertRule> = self
            .alerts
            .alert_rules(None)
            .await?
            .into_iter()
            .filter(|r| r.enabled)
            .collect();
        let len = self.detector.weeks * HOURS_PER_WEEK + 1;
        let from = hour - Duration::hours(len as i64 - 1);
        let workspaces = self.store.workspaces().await?;
        let mut by_workspace: HashMap<i64, Vec<AlertRule>> = HashMap::new();
        for rule in rules {
            by_workspace
                .entry(rule.workspace_id.0)
                .or_default()
                .push(rule);
        }
        for (ws_id, rules) in by_workspace {
            let Some(workspace) = workspaces.iter().find(|w| w.id.0 == ws_id) else {
                continue;
            };
            let monitors = self.store.monitors(Some(workspace.id)).await?;
            let mut series: HashMap<MonitorId, Vec<HourCounts>> = monitors
                .iter()
                .map(|m| (m.id, vec![HourCounts::default(); len]))
                .collect();
            for row in self
                .analytics
                .rollups(workspace.id, from, hour + Duration::hours(1), Bucket::Hour)
                .await?
            {
                let i = (row.start - from).num_hours();
                if let (Some(s), true) = (
                    series.get_mut(&row.monitor_id),
                    (0..len as i64).contains(&i),
                ) {
                    s[i as usize] = HourCounts {
                        mentions: row.counts.mentions,
                        negative: row.counts.negative,
                    };
                }
            }
            for rule in rules {
                let Ok(kind) = serde_json::from_value::<RuleKind>(rule.thresholds.clone()) else {
                    tracing::warn!(rule = rule.id.0, "alert rule with unreadable thresholds");
                    continue;
                };
                let post_rule = match PostRule::compile(&kind) {
                    Ok(rule) => rule,
                    Err(e) => {
                        tracing::warn!(rule = rule.id.0, "alert rule with a bad query: {e}");
                        continue;
                    }
                };
                // A per-post or theme rule without a monitor reads every mention of the
                // workspace once.
                let whole_workspace =
                    post_rule.is_some() || matches!(kind, RuleKind::ThemeEmerging { .. });
                let scopes: Vec<Option<&Monitor>> = match (whole_workspace, rule.monitor_id) {
                    (true, None) => vec![None],
                    _ => monitors
                        .iter()
                        .filter(|m| rule.monitor_id.is_none_or(|id| id == m.id))
                        .map(Some)
                        .collect(),
                };
                for scope in scopes {
                    let verdict = match (&post_rule, scope, &kind) {
                        (None, scope, RuleKind::ThemeEmerging { min_posts }) => Some(
                            self.judge_theme(workspace.id, scope.map(|m| m.id), hour, *min_posts)
                                .await?,
                        ),
                        (Some(post_rule), scope, _) => {
                            self.judge_posts(post_rule, workspace.id, scope.map(|m| m.id), hour)
                                .await?
                        }
                        (None, Some(monitor), _) => {
                            judge_hour(&kind, &series[&monitor.id], hour, &self.detector)
                        }
                        (None, None, _) => None,
                    };
                    let Some(verdict) = verdict else {
                        continue;
                    };
                    report.judged += 1;
                    if !verdict.fired {
                        continue;
                    }
                    let monitor_name = scope.map_or("All monitors", |m| m.name.as_str());
                    let new = NewAlert {
                        rule_id: rule.id,
                        hour,
                        sentence: format!("{monitor_name}: {}", verdict.sentence),
                        observed: verdict.observed,
                        expected: verdict.expected,
                        z: verdict.z,
                        p: verdict.p,
                    };
                    let Some(record) = self.alerts.record_alert(new.clone()).await? else {
                        continue;
                    };
                    report.fired.push(new);
                    if rule.digest.is_some() {
                        // Sent with the period's digest (`run_digests`).
                        report.held_for_digest += 1;
                        continue;
                    }
                    let message = AlertMessage {
                        rule: rule.id.0,
                        kind: rule.kind.clone(),
                        workspace: workspace.name.clone(),
                        monitor: scope.map(|m| m.name.clone()),
                        hour,
                        sentence: record.alert.sentence.clone(),
                        expected: verdict.expected,
                        observed: verdict.observed,
                        z: verdict.z,
                        p: verdict.p,
                        link: None,
                    };
                    if !rule.webhook_url.is_empty() {
                        let secret = self.alerts.alert_rule_secret(rule.id, &self.key).await?;
                        let delivery = self
                            .notifier
                            .deliver(
                                self.alerts.as_ref(),
                                &rule,
                                secret.as_ref(),
                                &record,
                                &message,
                            )
                            .await?;
                        match delivery.status {
                            DeliveryStatus::Delivered => report.delivered += 1,
                            DeliveryStatus::Suppressed => report.suppressed += 1,
                            DeliveryStatus::Failed => report.failed += 1,
                        }
                    }
                    if !rule.email_to.is_empty() {
                        let status = match &self.mailer {
                            Some(mailer) => {
                                mailer
                                    .deliver(self.alerts.as_ref(), &rule, &record, &message)
                                    .await?
                                    .status
                            }
                            None => {
                                self.alerts
                                    .record_email_delivery(
                                        record.id,
                                        Delivery {
                                            status: DeliveryStatus::Failed,
                                            attempts: 0,
                                            last_error: Some(NO_MAILER.to_string()),
                                            finished_at: Utc::now(),
                                        },
                                    )
                                    .await?;
                                DeliveryStatus::Failed
                            }
                        };
                        match status {
                            DeliveryStatus::Delivered => report.emailed += 1,
                            DeliveryStatus::Suppressed => report.suppressed += 1,
                            DeliveryStatus::Failed => report.email_failed += 1,
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// Sends the digest of every enabled digest rule whose last complete period (before
    /// `now`) has not been sent yet by any process; returns how many this call sent.
    pub async fn run_digests(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let workspaces = self.store.workspaces().await?;
        let mut sent = 0;
        for rule in self.alerts.alert_rules(None).await? {
            let Some(period) = rule.digest.filter(|_| rule.enabled) else {
                continue;
            };
            let Some(workspace) = workspaces.iter().find(|w| w.id == rule.workspace_id) else {
                continue;
            };
            let tz = self.time_zone(workspace.id).await?;
            let bounds = super::digest::last_complete_period(period, now, tz);
            let secret = if rule.webhook_url.is_empty() {
                None
            } else {
                self.alerts.alert_rule_secret(rule.id, &self.key).await?
            };
            let outcome = super::digest::send_digest(
                self.alerts.as_ref(),
                &self.notifier,
                self.mailer.as_ref(),
                &rule,
                secret.as_ref(),
                &workspace.name,
                bounds,
            )
            .await?;
            if outcome.is_some_and(|o| o.alerts > 0) {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// A per-post rule over the mentions of `hour` (of one monitor, or of all): fired when
    /// at least one post triggers it, with how many did and the most followed author.
    async fn judge_posts(
        &self,
        rule: &PostRule,
        workspace: WorkspaceId,
        monitor: Option<MonitorId>,
        hour: DateTime<Utc>,
    ) -> Result<Option<super::Verdict>, StoreError> {
        const PAGE: usize = 1000;
        let mut filter = MentionFilter {
            monitor,
            since: Some(hour),
            until: Some(hour + Duration::hours(1)),
            ..MentionFilter::default()
        };
        let mut seen: HashSet<PostId> = HashSet::new();
        let mut triggered = 0u64;
        let mut loudest: Option<(u64, String)> = None;
        loop {
            let page = self.store.find_mentions(workspace, &filter, PAGE).await?;
            for view in &page {
                if !seen.insert(view.post.id) {
                    continue;
                }
                if let Some(sentence) = rule.check(&view.post.post) {
                    triggered += 1;
                    let followers = view.post.post.author.followers.unwrap_or(0);
                    if loudest.as_ref().is_none_or(|(f, _)| followers > *f) {
                        loudest = Some((followers, sentence));
                    }
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => {
                    filter.after = Some(MentionCursor::after(last));
                }
                _ => break,
            }
        }
        let fired = triggered > 0;
        let sentence = match &loudest {
            Some((_, sentence)) if triggered == 1 => sentence.clone(),
            Some((_, sentence)) => {
                format!("{triggered} posts this hour, the widest-reaching: {sentence}")
            }
            None => "no post this hour".to_string(),
        };
        // Not a baseline judgement: the counts say what happened, the statistics are inert.
        Ok(Some(super::Verdict {
            fired,
            hour,
            observed: triggered,
            expected: 0.0,
            spread: 0.0,
            z: 0.0,
            p: 1.0,
            baseline: super::Baseline::Insufficient,
            sentence,
        }))
    }

    /// A theme rule at the end of `hour`: the texts of the last day's mentions (of one
    /// monitor, or of all) against those of the six days before, newest first and capped
    /// ([`super::themes::TARGET_TEXTS`], [`super::themes::BASELINE_TEXTS`]).
    async fn judge_theme(
        &self,
        workspace: WorkspaceId,
        monitor: Option<MonitorId>,
        hour: DateTime<Utc>,
        min_posts: u64,
    ) -> Result<super::Verdict, StoreError> {
        let end = hour + Duration::hours(1);
        let day_start = end - Duration::days(1);
        let texts = |since, until, cap| {
            let filter = MentionFilter {
                monitor,
                since: Some(since),
                until: Some(until),
                ..MentionFilter::default()
            };
            async move {
                let mut seen: HashSet<PostId> = HashSet::new();
                let page = self.store.find_mentions(workspace, &filter, cap).await?;
                Ok::<Vec<String>, StoreError>(
                    page.into_iter()
                        .filter(|view| seen.insert(view.post.id))
                        .map(|view| view.post.post.text)
                        .collect(),
                )
            }
        };
        let target = texts(day_start, end, super::themes::TARGET_TEXTS).await?;
        let baseline = texts(
            end - Duration::days(7),
            day_start,
            super::themes::BASELINE_TEXTS,
        )
        .await?;
        let target: Vec<&str> = target.iter().map(String::as_str).collect();
        let baseline: Vec<&str> = baseline.iter().map(String::as_str).collect();
        Ok(super::themes::judge_themes(
            &target, &baseline, hour, min_posts,
        ))
    }

    /// Judges the hour that just ended, then every following hour a few minutes after it
    /// ends (late posts of the hour have time to arrive), forever.
    pub async fn run_forever(self) {
        loop {
            let now = Utc::now();
            let this_hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
            let judged = this_hour - Duration::hours(1);
            match self.run_hour(judged).await {
                Ok(r) if !r.fired.is_empty() => tracing::info!(
                    fired = r.fired.len(),
                    delivered = r.delivered,
                    failed = r.failed,
                    "alerts for {judged}"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("alert run for {judged} failed: {e}"),
            }
            match self.run_digests(Utc::now()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "alert digests sent"),
                Err(e) => tracing::warn!("alert digests failed: {e}"),
            }
            let next = this_hour + Duration::hours(1) + Duration::minutes(5);
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
        }
    }
}
