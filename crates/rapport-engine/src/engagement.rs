//! The engagement sampler: reads the public counts of every published post through its
//! account's publisher ([`Publisher::engagement`]) on a decaying schedule, and stores them
//! ([`EngagementStore::record_sample`]).
//!
//! The schedule ([`slot_at`]): every 15 minutes during the first day, hourly to day 7, daily
//! to day 30, then never again. A post's *slot* is its index in that schedule. Several
//! samplers (one per `rapport serve` on a shared PostgreSQL) may tick at once: each claims
//! the (target, slot) pair before calling the network ([`EngagementStore::claim_sample_slot`],
//! an insert under a unique key), so one of them asks. A sampler that dies after its claim
//! leaves that slot empty; the next slot is read as usual.
//!
//! A deleted post, or a network without counts (WordPress, Micropub: "not available"), stops
//! the target's sampling; a rate limit skips the account's other posts for this tick.

use chrono::Utc;
use rapport_model::Timestamp;
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{self, EngagementAnswer, PublishError, Publisher};
use rapport_store::engagement::{Counts, SampledTarget};
use rapport_store::publishing::PublishAccountId;
use rapport_store::{EngagementStore, PublishStore, SecretKey, StoreResult};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How long after publication a post is sampled.
pub const HORIZON_DAYS: i64 = 30;

/// The slot of a post `age` after publication, or `None` once it is no longer sampled:
/// 0..=95 every 15 minutes of the first day, 96..=239 every hour to day 7, 240..=262 every
/// day to day 30.
pub fn slot_at(age: chrono::Duration) -> Option<i64> {
    let minutes = age.num_minutes();
    if minutes < 0 {
        return Some(0);
    }
    const DAY: i64 = 24 * 60;
    if minutes < DAY {
        Some(minutes / 15)
    } else if minutes < 7 * DAY {
        Some(96 + (minutes - DAY) / 60)
    } else if minutes < HORIZON_DAYS * DAY {
        Some(240 + (minutes - 7 * DAY) / DAY)
    } else {
        None
    }
}

/// How the sampler paces itself.
#[derive(Debug, Clone)]
pub struct SamplerConfig {
    /// Time between ticks (a slot is at least 15 minutes long).
    pub interval: Duration,
    /// Targets read from the store at once.
    pub page: usize,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            interval: Duration::from_secs(60),
            page: 500,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SampleReport {
    /// Counts stored.
    pub sampled: usize,
    /// Slots another sampler had claimed first.
    pub claimed_elsewhere: usize,
    /// Posts found deleted (sampling stopped).
    pub deleted: usize,
    /// Targets whose network has no counts (sampling stopped).
    pub unsupported: usize,
    /// Calls that failed (rate limits included); the next slot tries again.
    pub failed: usize,
}

/// Samples the engagement of published posts.
#[derive(Clone)]
pub struct EngagementSampler {
    engagement: Arc<dyn EngagementStore>,
    publishing: Arc<dyn PublishStore>,
    key: SecretKey,
    policy: SafetyPolicy,
    config: SamplerConfig,
    owner: String,
}

impl std::fmt::Debug for EngagementSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngagementSampler")
            .field("config", &self.config)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl EngagementSampler {
    /// A sampler over `engagement`, opening account secrets from `publishing` with `key`,
    /// calling the networks under `policy`; its claims carry this process's name.
    pub fn new(
        engagement: Arc<dyn EngagementStore>,
        publishing: Arc<dyn PublishStore>,
        key: SecretKey,
        policy: SafetyPolicy,
    ) -> Self {
        let mut random = [0u8; 6];
        let _ = getrandom::fill(&mut random);
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string());
        EngagementSampler {
            engagement,
            publishing,
            key,
            policy,
            config: SamplerConfig::default(),
            owner: format!("{host}:{}:{suffix}", std::process::id()),
        }
    }

    /// The same with other pacing.
    pub fn with_config(mut self, config: SamplerConfig) -> Self {
        self.config = config;
        self
    }

    /// The same, naming its claims `owner`.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// Ticks every [`SamplerConfig::interval`] forever.
    pub async fn run_forever(self) {
        let mut ticker = tokio::time::interval(self.config.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match self.tick(Utc::now()).await {
                Ok(report) if report != SampleReport::default() => {
                    tracing::info!(?report, "engagement: tick")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "engagement: tick failed"),
            }
        }
    }

    async fn publisher(&self, target: &SampledTarget) -> Result<Arc<dyn Publisher>, String> {
        let secret = self
            .publishing
            .publish_account_secret(target.account_id, &self.key)
            .await
            .map_err(|e| format!("the account's secret cannot be read: {e}"))?;
        let fetcher =
            Fetcher::new(self.policy.clone(), FetchLimits::default()).map_err(|e| e.to_string())?;
        publish::build(
            &target.account_kind,
            &target.account_settings,
            secret.expose(),
            fetcher,
        )
        .map_err(|e| e.to_string())
    }

    /// Samples every published post whose current slot (at `now`) has not been claimed yet.
    pub async fn tick(&self, now: Timestamp) -> StoreResult<SampleReport> {
        let mut report = SampleReport::default();
        let mut since = now - chrono::Duration::days(HORIZON_DAYS);
        let mut seen = HashSet::new();
        let mut publishers: HashMap<PublishAccountId, Arc<dyn Publisher>> = HashMap::new();
        let mut limited: HashSet<PublishAccountId> = HashSet::new();
        loop {
            let page = self
                .engagement
                .sampled_targets(since, self.config.page)
                .await?;
            let full = page.len() >= self.config.page;
            let last = page.last().map(|t| t.sent_at);
            for target in page {
                if !seen.insert(target.delivery_id) {
                    continue;
                }
                self.sample(&target, now, &mut publishers, &mut limited, &mut report)
                    .await?;
            }
            match last {
                Some(last) if full && last > since => since = last,
                _ => return Ok(report),
            }
        }
    }

    async fn sample(
        &self,
        target: &SampledTarget,
        now: Timestamp,
        publishers: &mut HashMap<PublishAccountId, Arc<dyn Publisher>>,
        limited: &mut HashSet<PublishAccountId>,
        report: &mut SampleReport,
    ) -> StoreResult<()> {
        let Some(slot) = slot_at(now - target.sent_at) else {
            return Ok(());
        };
        if target.last_slot.is_some_and(|last| last >= slot) || limited.contains(&target.account_id)
        {
            return Ok(());
        }
        if !self
            .engagement
            .claim_sample_slot(target.delivery_id, slot, &self.owner, now)
            .await?
        {
            report.claimed_elsewhere += 1;
            return Ok(());
        }
        let publisher = match publishers.get(&target.account_id) {
            Some(p) => p.clone(),
            None => match self.publisher(target).await {
                Ok(p) => {
                    publishers.insert(target.account_id, p.clone());
                    p
                }
                Err(error) => {
                    tracing::warn!(delivery = target.delivery_id.0, %error, "engagement: no publisher");
                    report.failed += 1;
                    return Ok(());
                }
            },
        };
        match publisher.engagement(&target.native_id).await {
            Ok(EngagementAnswer::Counts(c)) => {
                report.sampled += 1;
                self.engagement
                    .record_sample(
                        target.delivery_id,
                        slot,
                        now,
                        Counts {
                            likes: c.likes,
                            reposts: c.reposts,
                            replies: c.replies,
                            quotes: c.quotes,
                            impressions: c.impressions,
                        },
                    )
                    .await
            }
            Ok(EngagementAnswer::Deleted) => {
                report.deleted += 1;
                self.engagement
                    .stop_sampling(target.delivery_id, "deleted", now)
                    .await
            }
            Ok(EngagementAnswer::Unsupported(why)) => {
                report.unsupported += 1;
                self.engagement
                    .stop_sampling(target.delivery_id, &why, now)
                    .await
            }
            Err(error) => {
                report.failed += 1;
                if matches!(error, PublishError::RateLimited { .. }) {
                    limited.insert(target.account_id);
                }
                tracing::warn!(
                    delivery = target.delivery_id.0,
                    %error,
                    "engagement: the network did not answer"
                );
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_decays_then_stops() {
        let m = chrono::Duration::minutes;
        assert_eq!(slot_at(m(0)), Some(0));
        assert_eq!(slot_at(m(14)), Some(0));
        assert_eq!(slot_at(m(15)), Some(1));
        assert_eq!(slot_at(m(24 * 60 - 1)), Some(95));
        assert_eq!(slot_at(m(24 * 60)), Some(96));
        assert_eq!(slot_at(m(25 * 60)), Some(97));
        assert_eq!(slot_at(m(7 * 24 * 60 - 1)), Some(239));
        assert_eq!(slot_at(m(7 * 24 * 60)), Some(240));
        assert_eq!(slot_at(m(30 * 24 * 60 - 1)), Some(262));
        assert_eq!(slot_at(m(30 * 24 * 60)), None);
    }
}
