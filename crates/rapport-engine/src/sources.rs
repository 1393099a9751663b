//! Polling configured sources: [`SourceRunner`] asks each [`Source`] for what follows its
//! checkpoint, analyses and matches the posts like every other path ([`Ingestor::match_posts`]),
//! and stores them together with the new checkpoint in one transaction
//! ([`SourceStore::write_batch_with_checkpoint`]), so the checkpoint is never ahead of the
//! stored posts. It records each source's health, follows the sources' `wait` hints
//! (rate limits, "more now"), and after errors backs off exponentially with full jitter:
//! a failing source is never polled before its backoff has passed. With
//! [`SourceRunner::with_leases`], runners in several processes share the sources: each
//! turn is taken under the source's lease.
//!
//! With [`SourceRunner::with_log`] (scaled out), a page's posts are appended to the ingest
//! log instead, and only once the log has stored them does the checkpoint move (an empty
//! batch with [`PollProgress::logged`]). The workers analyse, match and store them. A crash
//! between the two reads the page again, and the log drops the repeated posts by their
//! message id inside its duplicate window (a later repeat is an upsert: still stored once).

use crate::Ingestor;
use chrono::Utc;
use rapport_bus::IngestLog;
use rapport_model::Post;
use rapport_sources::http::Backoff;
use rapport_sources::source::{Source, SourceError};
use rapport_store::{BatchOutcome, PollProgress, SourceId, SourceLeases, SourceStore, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often and how hard sources are polled.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The usual wait between polls of a source that is caught up.
    pub interval: Duration,
    /// The wait after errors.
    pub backoff: Backoff,
    /// Most pages read from one source in a row before the others get their turn.
    pub max_pages_per_turn: usize,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            interval: Duration::from_secs(60),
            backoff: Backoff::default(),
            max_pages_per_turn: 1_000,
        }
    }
}

/// What one turn of one source did.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnReport {
    /// The source.
    pub source: SourceId,
    /// Its name.
    pub name: String,
    /// Pages read.
    pub pages: usize,
    /// Posts read and stored.
    pub posts: usize,
    /// Store counts over those posts.
    pub outcome: BatchOutcome,
    /// Posts appended to the ingest log (with [`SourceRunner::with_log`]) instead of stored.
    pub logged: usize,
    /// Records skipped as unreadable.
    pub skipped: usize,
    /// The error that ended the turn, if any (the checkpoint stays where the last stored
    /// page left it).
    pub error: Option<String>,
    /// Not polled: still backing off after errors.
    pub backing_off: bool,
    /// When it will be polled next.
    pub next_poll_in: Duration,
    /// Not polled: another process holds the source's lease.
    pub leased_elsewhere: bool,
}

/// Why the runner stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The store failed while recording health or reading a checkpoint.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A source the runner polls, with its store id.
pub struct RunnableSource {
    /// Its id in the store (where its checkpoint and health live).
    pub id: SourceId,
    /// The connector.
    pub source: Box<dyn Source>,
}

/// Polls sources and stores what they return, checkpoint and posts together.
pub struct SourceRunner {
    ingestor: Ingestor,
    store: Arc<dyn SourceStore>,
    sources: Vec<RunnableSource>,
    config: RunnerConfig,
    lease: Option<Lease>,
    log: Option<Arc<dyn IngestLog>>,
}

/// Who this runner is when it takes source leases, and for how long.
#[derive(Clone)]
struct Lease {
    store: Arc<dyn SourceLeases>,
    owner: String,
    ttl: Duration,
}

impl SourceRunner {
    /// A runner storing through `ingestor` (analysis and matching) into `store`.
    pub fn new(ingestor: Ingestor, store: Arc<dyn SourceStore>, config: RunnerConfig) -> Self {
        SourceRunner {
            ingestor,
            store,
            sources: Vec::new(),
            config,
            lease: None,
            log: None,
        }
    }

    /// Appends each page's posts to `log` for the workers to store, instead of storing them
    /// here; the checkpoint moves once the log holds them (see the module).
    pub fn with_log(mut self, log: Arc<dyn IngestLog>) -> Self {
        self.log = Some(log);
        self
    }

    /// Polls a source only while holding its lease in `leases` as `owner` (taken for `ttl`
    /// at the start of each turn, renewed after each stored page, given back at the end), so
    /// runners in several processes sharing one store never poll a source at once. `ttl`
    /// must be longer than a page takes to fetch and store.
    pub fn with_leases(
        mut self,
        leases: Arc<dyn SourceLeases>,
        owner: impl Into<String>,
        ttl: Duration,
    ) -> Self {
        self.lease = Some(Lease {
            store: leases,
            owner: owner.into(),
            ttl,
        });
        self
    }

    /// Adds a source to poll.
    pub fn add(&mut self, id: SourceId, source: Box<dyn Source>) {
        self.sources.push(RunnableSource { id, source });
    }

    /// One turn of every source: each reads pages until it is caught up (or has read
    /// `max_pages_per_turn`), except sources still backing off after errors.
    pub async fn run_once(&mut self) -> Result<Vec<TurnReport>, RunnerError> {
        let mut reports = Vec::with_capacity(self.sources.len());
        for index in 0..self.sources.len() {
            reports.push(self.turn(index, false).await?);
        }
        Ok(reports)
    }

    /// Polls every source when it is due until `shutdown` completes; `on_turn` sees the
    /// report of each turn that read something or failed (for logs).
    pub async fn run(
        &mut self,
        shutdown: impl Future<Output = ()>,
        mut on_turn: impl FnMut(&TurnReport),
    ) -> Result<(), RunnerError> {
        tokio::pin!(shutdown);
        loop {
            let mut next = self.config.interval;
            for index in 0..self.sources.len() {
                let report = self.turn(index, true).await?;
                if report.pages > 0 || report.error.is_some() {
                    on_turn(&report);
                }
                next = next.min(report.next_poll_in);
            }
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(next.max(Duration::from_millis(50))) => {}
            }
        }
    }

    /// One source's turn, under its lease when the runner takes leases.
    async fn turn(&mut self, index: usize, only_when_due: bool) -> Result<TurnReport, RunnerError> {
        let Some(lease) = &self.lease else {
            return self.turn_unleased(index, only_when_due).await;
        };
        let (leases, owner, ttl) = (lease.store.clone(), lease.owner.clone(), lease.ttl);
        let id = self.sources[index].id;
        if !leases.acquire_source_lease(id, &owner, ttl).await? {
            return Ok(TurnReport {
                source: id,
                name: self.sources[index].source.describe().name,
                pages: 0,
                posts: 0,
                outcome: BatchOutcome::default(),
                logged: 0,
                skipped: 0,
                error: None,
                backing_off: false,
                next_poll_in: self.config.interval.min(ttl),
                leased_elsewhere: true,
            });
        }
        let report = self.turn_unleased(index, only_when_due).await;
        if let Err(e) = leases.release_source_lease(id, &owner).await {
            tracing::warn!(source = %id, "cannot give the lease back (it expires by itself): {e}");
        }
        report
    }

    /// Renews this runner's lease on `id` after a page; `false` when it was lost (the turn
    /// must stop: another process may be polling the source now).
    ///
    /// It takes the lease, not `&self`: holding `&self` across the await would make the
    /// runner's future need `Sync` sources, and connectors are only `Send`.
    async fn renew_lease(lease: Option<Lease>, id: SourceId) -> Result<bool, RunnerError> {
        let Some(lease) = lease else {
            return Ok(true);
        };
        Ok(lease
            .store
            .acquire_source_lease(id, &lease.owner, lease.ttl)
            .await?)
    }

    /// One source's turn. With `only_when_due`, a source whose next poll time has not come
    /// is skipped; otherwise only one backing off after errors is.
    async fn turn_unleased(
        &mut self,
        index: usize,
        only_when_due: bool,
    ) -> Result<TurnReport, RunnerError> {
        let id = self.sources[index].id;
        let name = self.sources[index].source.describe().name;
        let mut report = TurnReport {
            source: id,
            name,
            pages: 0,
            posts: 0,
            outcome: BatchOutcome::default(),
            logged: 0,
            skipped: 0,
            error: None,
            backing_off: false,
            next_poll_in: self.config.interval,
            leased_elsewhere: false,
        };
        let Some(record) = self.store.source(id).await? else {
            report.error = Some(format!("source {id} is no longer configured"));
            return Ok(report);
        };
        let now = Utc::now();
        let due_in = record
            .health
            .next_poll_at
            .and_then(|at| (at - now).to_std().ok())
            .unwrap_or(Duration::ZERO);
        let backing_off = record.health.consecutive_failures > 0;
        if !record.enabled || (due_in > Duration::ZERO && (only_when_due || backing_off)) {
            report.backing_off = backing_off;
            report.next_poll_in = if record.enabled {
                due_in
            } else {
                self.config.interval
            };
            return Ok(report);
        }
        let mut checkpoint = record.checkpoint;
        let mut failures = record.health.consecutive_failures;
        loop {
            let polled = self.sources[index].source.poll(checkpoint.as_deref()).await;
            let poll = match polled {
                Ok(poll) => poll,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let wait = self.failure_wait(failures, &error);
                    let message = error.to_string();
                    tracing::warn!(source = %id, "polling {} failed: {message}", report.name);
                    self.store
                        .record_source_failure(id, &message, Utc::now() + wait)
                        .await?;
                    report.error = Some(message);
                    report.next_poll_in = wait;
                    return Ok(report);
                }
            };
            report.pages += 1;
            report.posts += poll.posts.len();
            report.skipped += poll.skipped;
            let wait = poll.wait.unwrap_or(self.config.interval);
            let mut progress = PollProgress {
                checkpoint: poll.checkpoint.clone(),
                next_poll_at: Some(Utc::now() + wait),
                catching_up: wait == Duration::ZERO,
                logged: 0,
            };
            let firehose = self.sources[index].source.firehose();
            // Scaled out, the workers analyse and match; here only a firehose is matched,
            // to keep what a monitor asked for.
            let (mut items, unmatched) = if self.log.is_some() && !firehose {
                (Vec::new(), poll.posts)
            } else {
                let matcher = self.ingestor.clone();
                let posts = poll.posts;
                let items = tokio::task::spawn_blocking(move || matcher.match_posts(posts))
                    .await
                    .map_err(|e| StoreError::Worker(format!("matching failed: {e}")))?;
                (items, Vec::new())
            };
            if firehose {
                // A whole network's stream: keep what a monitor asked for.
                items.retain(|item| !item.monitors.is_empty());
            }
            if let Some(log) = &self.log {
                let posts: Vec<Post> = if firehose {
                    items.drain(..).map(|item| item.post).collect()
                } else {
                    unmatched
                };
                if let Err(error) = log.publish(&posts).await {
                    // The checkpoint did not move: the next turn reads the page again.
                    failures = failures.saturating_add(1);
                    let wait = self.config.backoff.delay(failures);
                    let message = format!("appending a page to the ingest log failed: {error}");
                    tracing::warn!(source = %id, "{message}");
                    self.store
                        .record_source_failure(id, &message, Utc::now() + wait)
                        .await?;
                    report.error = Some(message);
                    report.next_poll_in = wait;
                    return Ok(report);
                }
                report.logged += posts.len();
                progress.logged = posts.len() as u64;
            }
            match self
                .store
                .write_batch_with_checkpoint(id, items.into(), progress)
                .await
            {
                Ok(outcome) => report.outcome.add(outcome),
                Err(error) => {
                    // Nothing of the page was stored and the checkpoint did not move:
                    // the next turn reads the same page again.
                    failures = failures.saturating_add(1);
                    let wait = self.config.backoff.delay(failures);
                    let message = format!("storing a page failed: {error}");
                    self.store
                        .record_source_failure(id, &message, Utc::now() + wait)
                        .await?;
                    report.error = Some(message);
                    report.next_poll_in = wait;
                    return Ok(report);
                }
            }
            failures = 0;
            if poll.checkpoint.is_some() {
                checkpoint = poll.checkpoint;
            }
            report.next_poll_in = wait;
            if wait > Duration::ZERO || report.pages >= self.config.max_pages_per_turn {
                return Ok(report);
            }
            if !Self::renew_lease(self.lease.clone(), id).await? {
                tracing::warn!(source = %id, "lost the lease on {}: stopping its turn", report.name);
                return Ok(report);
            }
        }
    }

    /// The wait after the `failures`-th failure in a row: the jittered backoff, but never
    /// less than the server's own `Retry-After`.
    fn failure_wait(&self, failures: u32, error: &SourceError) -> Duration {
        let backoff = self.config.backoff.delay(failures);
        match error.retry_after() {
            Some(told) => backoff.max(told),
            None => backoff,
        }
    }
}
