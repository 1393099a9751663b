//! The publishing scheduler: sends scheduled drafts through their accounts, exactly once.
//!
//! Each tick claims the deliveries that are due ([`PublishStore::claim_due_deliveries`]: in
//! one transaction each becomes `sending` with its idempotency key stored, claimed by this
//! scheduler for [`SchedulerConfig::claim_ttl`]), then calls [`Publisher::publish`] with that
//! key and records the outcome. Several schedulers (one per `rapport serve` on a shared
//! PostgreSQL) may tick at once: the store never hands one delivery to two of them.
//!
//! A crash between the network call and the record leaves the delivery `sending` under a
//! claim that expires. Every tick (and [`Scheduler::recover`] at startup) takes over the
//! deliveries whose claim has expired ([`PublishStore::claim_stuck_deliveries`]), whoever
//! held them, asks the network first ([`Publisher::find_published`]) and re-sends (with the
//! same key, which Mastodon deduplicates) only when it answers that nothing was published. A
//! live peer's claim has not expired, so its in-flight send is left alone; a delivery whose
//! claim is more than half spent before its network call is put back instead of sent late.
//!
//! Transient failures and rate limits are retried with exponential backoff and full jitter,
//! never sooner than the network's `Retry-After`, up to [`SchedulerConfig::max_attempts`];
//! a refusal is stored with the network's message and the target is `failed`.
//!
//! Just before each send the account's follower count is asked ([`Publisher::followers`],
//! at most [`SchedulerConfig::followers_wait`]) and stored with the delivery, so campaign
//! pages can show engagement per 1,000 followers; a failure, a timeout or a network without
//! such a count never holds the post back: it is logged and stored as unknown (NULL).

use chrono::Utc;
use rapport_model::Timestamp;
use rapport_sources::http::{Backoff, FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{self, Outgoing, PollSpec, PublishError, Publisher};
use rapport_store::engagement::NewShortLink;
use rapport_store::publishing::{ClaimLease, Delivery, DeliveryOutcome};
use rapport_store::{
    EngagementStore, MediaStore, PublishStore, SecretKey, StoreError, StoreResult,
};
use std::sync::Arc;
use std::time::Duration;

/// How the scheduler paces itself.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Time between ticks.
    pub interval: Duration,
    /// Network calls per delivery before a retryable failure becomes final.
    pub max_attempts: u32,
    /// The wait between retries (full jitter).
    pub backoff: Backoff,
    /// Deliveries claimed at once.
    pub batch: usize,
    /// How long a claim holds before another scheduler may take the delivery over: longer
    /// than the network calls of a whole batch.
    pub claim_ttl: Duration,
    /// The longest wait for the account's follower count before sending without it.
    pub followers_wait: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            interval: Duration::from_secs(5),
            max_attempts: 8,
            backoff: Backoff {
                base: Duration::from_secs(10),
                cap: Duration::from_secs(30 * 60),
            },
            batch: 5,
            claim_ttl: Duration::from_secs(5 * 60),
            followers_wait: Duration::from_secs(10),
        }
    }
}

/// What one tick (or a recovery) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Published now.
    pub sent: usize,
    /// Found already published on the network (after a crash).
    pub reconciled: usize,
    /// Failed for now, retried later.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
}

/// Makes the publisher of an account from its kind, settings, secret and a fetcher:
/// [`publish::build`] unless a test gives another ([`Scheduler::with_publishers`]).
pub type BuildPublisher = Arc<
    dyn Fn(&str, &serde_json::Value, &str, Fetcher) -> Result<Arc<dyn Publisher>, PublishError>
        + Send
        + Sync,
>;

/// Sends due deliveries through the workspace's connected accounts.
#[derive(Clone)]
pub struct Scheduler {
    store: Arc<dyn PublishStore>,
    key: SecretKey,
    policy: SafetyPolicy,
    config: SchedulerConfig,
    owner: String,
    links: Option<Arc<dyn EngagementStore>>,
    /// Drafts' images; `None`: posts go out without them.
    media: Option<Arc<dyn MediaStore>>,
    /// Makes each account's publisher; `None`: [`publish::build`].
    build: Option<BuildPublisher>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("config", &self.config)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// A scheduler over `store`, opening account secrets with `key`, posting under `policy`;
    /// its claims name it by this process and a random suffix (see [`Scheduler::owner`]).
    pub fn new(store: Arc<dyn PublishStore>, key: SecretKey, policy: SafetyPolicy) -> Self {
        let mut random = [0u8; 6];
        // Without randomness the process id alone still tells processes on one host apart.
        let _ = getrandom::fill(&mut random);
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string());
        Scheduler {
            store,
            key,
            policy,
            config: SchedulerConfig::default(),
            owner: format!("{host}:{}:{suffix}", std::process::id()),
            links: None,
            media: None,
            build: None,
        }
    }

    /// The same, making each account's publisher with `build` instead of
    /// [`publish::build`] (tests put a fake network there).
    pub fn with_publishers(mut self, build: BuildPublisher) -> Self {
        self.build = Some(build);
        self
    }

    /// The account's follower count now, or `None` (the network has none, the call
    /// failed or took longer than [`SchedulerConfig::followers_wait`]): logged, never an
    /// error, so the send goes on.
    async fn followers(&self, publisher: &dyn Publisher, delivery: &Delivery) -> Option<u64> {
        match tokio::time::timeout(self.config.followers_wait, publisher.followers()).await {
            Ok(Ok(count)) => count,
            Ok(Err(error)) => {
                tracing::warn!(
                    draft = delivery.draft_id.0,
                    account = delivery.account_id.0,
                    %error,
                    "publishing: the follower count could not be read; stored as unknown"
                );
                None
            }
            Err(_) => {
                tracing::warn!(
                    draft = delivery.draft_id.0,
                    account = delivery.account_id.0,
                    wait = ?self.config.followers_wait,
                    "publishing: the follower count took too long; stored as unknown"
                );
                None
            }
        }
    }

    /// The same, sending each draft's images from `media` (and, on Bluesky, a link card
    /// when a post has none).
    pub fn with_media(mut self, media: Arc<dyn MediaStore>) -> Self {
        self.media = Some(media);
        self
    }

    /// The images of `delivery`'s draft, with their bytes, in order.
    async fn images(&self, delivery: &Delivery) -> StoreResult<Vec<publish::MediaFile>> {
        let Some(media) = &self.media else {
            return Ok(Vec::new());
        };
        let mut files = Vec::new();
        for image in media
            .draft_media(delivery.workspace_id, delivery.draft_id)
            .await?
        {
            let Some((image, bytes)) = media
                .draft_media_bytes(delivery.workspace_id, image.id)
                .await?
            else {
                continue; // removed meanwhile
            };
            let Some(kind) = publish::ImageKind::from_mime(&image.mime) else {
                continue;
            };
            files.push(publish::MediaFile {
                kind,
                bytes: bytes.into(),
                alt: image.alt,
                width: image.width,
                height: image.height,
            });
        }
        Ok(files)
    }

    /// The preview card of `text`'s first link with its image as the thumb, or `None`
    /// (no link, or the page could not be read: the post goes out without a card).
    async fn link_card(&self, text: &str) -> Option<publish::LinkCard> {
        let url = publish::preview::first_link(text).ok()?;
        let limits = FetchLimits {
            max_bytes: 1024 * 1024,
            total_time: Duration::from_secs(10),
            ..FetchLimits::default()
        };
        let fetcher = Fetcher::new(self.policy.clone(), limits).ok()?;
        match publish::preview::fetch_card(&fetcher, &url).await {
            Ok(mut card) => {
                publish::preview::fetch_thumb(
                    &fetcher,
                    &mut card,
                    publish::MediaLimits::BLUESKY.max_bytes,
                )
                .await;
                Some(card)
            }
            Err(error) => {
                tracing::info!(%error, "publishing: no link card");
                None
            }
        }
    }

    /// The same with link tracking: when the workspace's link settings are enabled, each
    /// http(s) URL of a target's text is sent as `{base}/l/{code}`, a short link (stored in
    /// `links`, one per delivery and URL position, so a retry sends the same text) leading
    /// to the URL with its UTM tags (see [`crate::links`]).
    pub fn with_links(mut self, links: Arc<dyn EngagementStore>) -> Self {
        self.links = Some(links);
        self
    }

    /// `delivery`'s text with its links replaced, when the workspace tracks links.
    async fn tracked_text(&self, delivery: &Delivery, network: &str) -> StoreResult<String> {
        let Some(links) = &self.links else {
            return Ok(delivery.text.clone());
        };
        let urls = crate::links::urls(&delivery.text);
        if urls.is_empty() {
            return Ok(delivery.text.clone());
        }
        let settings = links.link_settings(delivery.workspace_id).await?;
        if !settings.enabled || crate::links::http_url(&settings.base_url).is_none() {
            return Ok(delivery.text.clone());
        }
        let campaign = links.draft_campaign(delivery.draft_id).await?;
        let tags = crate::links::UtmTags {
            source: network.to_lowercase(),
            medium: settings.utm_medium.clone(),
            campaign: campaign.as_ref().map(|c| c.campaign.slug.clone()),
            content: campaign.as_ref().map(|c| c.variant.clone()),
        };
        let mut short = Vec::with_capacity(urls.len());
        for (position, url) in urls.iter().enumerate() {
            let Some(destination) = crate::links::with_utm(url, &tags) else {
                short.push(None);
                continue;
            };
            let code = crate::links::new_code().ok_or_else(|| {
                StoreError::Worker("no randomness for a short link's code".into())
            })?;
            let link = links
                .short_link_for(NewShortLink {
                    workspace_id: delivery.workspace_id,
                    delivery_id: delivery.id,
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    destination,
                    code,
                })
                .await?;
            short.push(Some(crate::links::short_url(
                &settings.base_url,
                &link.code,
            )));
        }
        Ok(crate::links::rewrite(&delivery.text, |i, _| {
            short.get(i as usize).cloned().flatten()
        }))
    }

    /// The same, naming its claims `owner` (unique among the processes sharing the store).
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The name its claims carry.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn lease(&self) -> ClaimLease {
        ClaimLease::new(
            self.owner.clone(),
            chrono::Duration::from_std(self.config.claim_ttl)
                .unwrap_or(chrono::Duration::minutes(5)),
        )
    }

    /// The same with other pacing.
    pub fn with_config(mut self, config: SchedulerConfig) -> Self {
        self.config = config;
        self
    }

    /// Reconciles the deliveries a crash left `sending`, then ticks every
    /// [`SchedulerConfig::interval`] forever.
    pub async fn run_forever(self) {
        match self.recover().await {
            Ok(report) if report != TickReport::default() => {
                tracing::info!(
                    ?report,
                    "publishing: deliveries left sending were reconciled"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "publishing: cannot reconcile deliveries"),
        }
        let mut ticker = tokio::time::interval(self.config.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match self.tick(Utc::now()).await {
                Ok(report) if report != TickReport::default() => {
                    tracing::info!(?report, "publishing: tick")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "publishing: tick failed"),
            }
        }
    }

    /// After a crash: every delivery left `sending` whose claim has expired (by now) is
    /// taken over, looked up on the network and recorded as sent when found; otherwise it
    /// is sent again with its stored key.
    pub async fn recover(&self) -> StoreResult<TickReport> {
        let mut report = TickReport::default();
        self.reconcile(Utc::now(), &mut report).await?;
        Ok(report)
    }

    async fn reconcile(&self, now: Timestamp, report: &mut TickReport) -> StoreResult<()> {
        loop {
            let claimed = std::time::Instant::now();
            let stuck = self
                .store
                .claim_stuck_deliveries(&self.lease(), now, self.config.batch)
                .await?;
            if stuck.is_empty() {
                return Ok(());
            }
            for delivery in &stuck {
                self.deliver(delivery, now, true, claimed, report).await?;
            }
        }
    }

    /// Takes over the deliveries whose claim expired by `now` (see [`Scheduler::recover`]),
    /// then claims and sends every delivery due at `now`.
    pub async fn tick(&self, now: Timestamp) -> StoreResult<TickReport> {
        let mut report = TickReport::default();
        self.reconcile(now, &mut report).await?;
        loop {
            let claimed = std::time::Instant::now();
            let due = self
                .store
                .claim_due_deliveries(&self.lease(), now, self.config.batch)
                .await?;
            if due.is_empty() {
                return Ok(report);
            }
            for delivery in &due {
                self.deliver(delivery, now, false, claimed, &mut report)
                    .await?;
            }
        }
    }

    /// Records `outcome` under this scheduler's claim; a claim lost meanwhile (it expired
    /// and a peer took the delivery over) is the peer's to settle, so it is only logged.
    async fn finish(&self, delivery: &Delivery, outcome: DeliveryOutcome) -> StoreResult<()> {
        match self
            .store
            .finish_delivery(delivery.id, &self.owner, outcome)
            .await
        {
            Err(StoreError::Conflict { value, .. }) => {
                tracing::warn!(
                    draft = delivery.draft_id.0,
                    account = delivery.account_id.0,
                    "publishing: {value}"
                );
                Ok(())
            }
            other => other,
        }
    }

    async fn publisher(&self, delivery: &Delivery) -> Result<Arc<dyn Publisher>, String> {
        let secret = self
            .store
            .publish_account_secret(delivery.account_id, &self.key)
            .await
            .map_err(|e| format!("the account's secret cannot be read: {e}"))?;
        let fetcher =
            Fetcher::new(self.policy.clone(), FetchLimits::default()).map_err(|e| e.to_string())?;
        match &self.build {
            Some(build) => build(
                &delivery.account_kind,
                &delivery.account_settings,
                secret.expose(),
                fetcher,
            ),
            None => publish::build(
                &delivery.account_kind,
                &delivery.account_settings,
                secret.expose(),
                fetcher,
            ),
        }
        .map_err(|e| e.to_string())
    }

    async fn deliver(
        &self,
        delivery: &Delivery,
        now: Timestamp,
        reconcile: bool,
        claimed: std::time::Instant,
        report: &mut TickReport,
    ) -> StoreResult<()> {
        if claimed.elapsed() > self.config.claim_ttl / 2 {
            // Sending now could outlive the claim and race a peer's take-over: put it back
            // (same key, no wait) for the next claim.
            return self
                .finish(
                    delivery,
                    DeliveryOutcome::Retry {
                        at: now,
                        error: "the claim ran short before sending; put back".into(),
                    },
                )
                .await;
        }
        let publisher = match self.publisher(delivery).await {
            Ok(publisher) => publisher,
            Err(error) => {
                report.failed += 1;
                return self
                    .finish(delivery, DeliveryOutcome::Failed { error })
                    .await;
            }
        };
        // A network without native polls got a survey link in its text when the draft
        // was written; the poll itself goes only where the network has one.
        let native_polls = publisher.poll_limits().is_some();
        let text = match self.tracked_text(delivery, publisher.name()).await {
            Ok(text) => text,
            Err(error) => {
                // The links could not be made: try again later with the same key.
                let outcome = self.after_failure(
                    &PublishError::Transient {
                        network: "rapport",
                        message: format!("short links: {error}"),
                    },
                    delivery.attempts,
                    now,
                    report,
                );
                return self.finish(delivery, outcome).await;
            }
        };
        let post = Outgoing {
            text,
            poll: delivery
                .poll
                .as_ref()
                .filter(|_| native_polls)
                .map(|poll| PollSpec {
                    options: poll.options.clone(),
                    duration: Duration::from_secs(u64::from(poll.duration_minutes) * 60),
                }),
            in_reply_to: None,
            ..Outgoing::default()
        };
        let key = &delivery.idempotency_key;
        if reconcile {
            match publisher.find_published(&post, key).await {
                Ok(Some(published)) => {
                    report.reconciled += 1;
                    let followers = self.followers(&*publisher, delivery).await;
                    return self
                        .finish(
                            delivery,
                            DeliveryOutcome::Sent {
                                native_id: published.native_id,
                                url: published.url,
                                followers,
                            },
                        )
                        .await;
                }
                Ok(None) => {}
                Err(error) => {
                    let outcome = self.after_failure(&error, delivery.attempts, now, report);
                    return self.finish(delivery, outcome).await;
                }
            }
        }
        let mut post = post;
        post.media = self.images(delivery).await?;
        if !post.media.is_empty() && publisher.media_limits().is_none() {
            report.failed += 1;
            let error = publish::media::media_refusal(publisher.name());
            return self
                .finish(delivery, DeliveryOutcome::Failed { error })
                .await;
        }
        if post.media.is_empty()
            && self.media.is_some()
            && publisher.network() == rapport_model::Network::Bluesky
        {
            post.link_card = self.link_card(&post.text).await;
        }
        // Asked before the send, so the outcome is recorded right after the network's answer.
        let followers = self.followers(&*publisher, delivery).await;
        let outcome = match publisher.publish(&post, key).await {
            Ok(published) => {
                tracing::info!(
                    draft = delivery.draft_id.0,
                    account = delivery.account_id.0,
                    native_id = %published.native_id,
                    "publishing: sent"
                );
                report.sent += 1;
                DeliveryOutcome::Sent {
                    native_id: published.native_id,
                    url: published.url,
                    followers,
                }
            }
            Err(error) => self.after_failure(&error, delivery.attempts, now, report),
        };
        self.finish(delivery, outcome).await
    }

    fn after_failure(
        &self,
        error: &PublishError,
        attempts: u32,
        now: Timestamp,
        report: &mut TickReport,
    ) -> DeliveryOutcome {
        if !error.is_retryable() {
            report.failed += 1;
            return DeliveryOutcome::Failed {
                error: error.to_string(),
            };
        }
        if attempts >= self.config.max_attempts {
            report.failed += 1;
            return DeliveryOutcome::Failed {
                error: format!("gave up after {attempts} attempts: {error}"),
            };
        }
        // At least a second, so the same tick never claims it again.
        let mut wait = self
            .config
            .backoff
            .delay(attempts)
            .max(Duration::from_secs(1));
        if let PublishError::RateLimited { retry_after, .. } = error {
            wait = wait.max(*retry_after);
        }
        report.retried += 1;
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        DeliveryOutcome::Retry {
            at: now + wait,
            error: error.to_string(),
        }
    }
}
