//! A worker of the scaled-out pipeline: takes batches of raw posts from the shared
//! [`IngestLog`], analyses and matches them ([`Ingestor::match_posts`]), stores them in one
//! transaction, and only then acknowledges them to the log.
//!
//! Any number of workers (processes, machines) may share one log and one store: the log
//! gives each message to one worker, and a message whose worker died before acknowledging
//! it is delivered again after the log's `ack_wait`; the store upserts posts by
//! (network, native id) and mentions by (monitor, post), so a post stored twice is stored
//! once. Matching the next batch overlaps with storing the previous one, like
//! [`crate::Pipeline`].

use crate::Ingestor;
use rapport_bus::{IngestLog, LogDepth, Pending};
use rapport_store::{BatchOutcome, IngestItem};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How a worker takes its batches.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Most posts taken (and stored in one transaction) at once.
    pub max_batch: usize,
    /// How long to wait for posts when the log has none ready.
    pub max_wait: Duration,
    /// Stop once the log is drained (nothing pending, nothing unacknowledged anywhere)
    /// instead of waiting for more: for batch jobs, tests and benchmarks.
    pub exit_when_drained: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_batch: 1_000,
            max_wait: Duration::from_secs(1),
            exit_when_drained: false,
        }
    }
}

/// What one committed batch did, and the totals so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerProgress {
    /// Posts in the batch just committed.
    pub posts: u64,
    /// Its store counts.
    pub outcome: BatchOutcome,
    /// Of its posts, those delivered before (their first worker died or was too slow).
    pub redelivered: u64,
    /// Batches committed so far.
    pub total_batches: u64,
    /// Posts committed so far.
    pub total_posts: u64,
    /// Store counts so far.
    pub total: BatchOutcome,
    /// Messages dropped as unreadable so far.
    pub total_rejected: u64,
}

/// Why a worker stopped early.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The matching thread panicked.
    #[error("matching a batch failed: {0}")]
    Matching(String),
}

/// A matched batch on its way to the store, with the acknowledgement it is owed.
struct Matched {
    items: Arc<[IngestItem]>,
    pending: Pending,
}

/// Runs a worker until `shutdown` completes (or, with `exit_when_drained`, until the log is
/// drained). On shutdown it takes no new batch, stores and acknowledges the ones it holds,
/// and returns the totals. `on_batch` is called after each batch is committed and
/// acknowledged.
pub async fn run_worker(
    ingestor: Ingestor,
    log: Arc<dyn IngestLog>,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    mut on_batch: impl FnMut(&WorkerProgress),
) -> Result<WorkerProgress, WorkerError> {
    let stopping = Arc::new(AtomicBool::new(false));
    let (matched_tx, mut matched_rx) = mpsc::channel::<Matched>(1);
    let taking = tokio::spawn(take_batches(
        ingestor.clone(),
        log,
        config,
        shutdown,
        stopping.clone(),
        matched_tx,
    ));
    let mut progress = WorkerProgress::default();
    while let Some(Matched { items, pending }) = matched_rx.recv().await {
        progress.total_rejected += pending.rejected as u64;
        let count = items.len() as u64;
        let redelivered = pending.redelivered as u64;
        let Some(outcome) = store_with_retry(&ingestor, items, &stopping).await else {
            // Stopping while the store is down: give the batch back for another worker.
            if let Err(e) = pending.nak().await {
                tracing::warn!(
                    "giving a batch back to the log failed (it comes back after ack_wait): {e}"
                );
            }
            continue;
        };
        // Committed: only now may the log forget these posts.
        if let Err(e) = pending.ack().await {
            // They are stored; another worker will store them again, which changes nothing.
            tracing::warn!("acknowledging a stored batch failed (it will be redelivered): {e}");
        }
        progress.posts = count;
        progress.outcome = outcome;
        progress.redelivered = redelivered;
        progress.total_batches += 1;
        progress.total_posts += count;
        progress.total.add(outcome);
        on_batch(&progress);
    }
    match taking.await {
        Ok(result) => result?,
        Err(e) => return Err(WorkerError::Matching(e.to_string())),
    }
    Ok(progress)
}

/// Stage one: fetch and match batches until told to stop (or the log is drained). A fetch is
/// never cut short (that would strand the posts it was receiving until `ack_wait`): the
/// stop is checked between fetches, which last at most `max_wait` when the log is idle.
async fn take_batches(
    ingestor: Ingestor,
    log: Arc<dyn IngestLog>,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    stopping: Arc<AtomicBool>,
    matched: mpsc::Sender<Matched>,
) -> Result<(), WorkerError> {
    let watcher = {
        let stopping = stopping.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopping.store(true, Ordering::Relaxed);
        })
    };
    let result = take_until_stopped(ingestor, log, config, &stopping, matched).await;
    watcher.abort();
    stopping.store(true, Ordering::Relaxed);
    result
}

async fn take_until_stopped(
    ingestor: Ingestor,
    log: Arc<dyn IngestLog>,
    config: WorkerConfig,
    stopping: &AtomicBool,
    matched: mpsc::Sender<Matched>,
) -> Result<(), WorkerError> {
    let mut failures: u32 = 0;
    while !stopping.load(Ordering::Relaxed) {
        let delivery = match log.fetch(config.max_batch.max(1), config.max_wait).await {
            Ok(delivery) => {
                failures = 0;
                delivery
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let delay = Duration::from_millis(100 * 2u64.pow(failures.min(6)));
                tracing::warn!("taking posts from the log failed, retrying in {delay:?}: {e}");
                let until = tokio::time::Instant::now() + delay;
                while tokio::time::Instant::now() < until && !stopping.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        if delivery.posts.is_empty() {
            // Unreadable messages only (already terminated) or nothing at all.
            let (_, pending) = delivery.into_parts();
            if pending.rejected > 0 {
                let _ = matched
                    .send(Matched {
                        items: Arc::from(Vec::new()),
                        pending,
                    })
                    .await;
                continue;
            }
            if config.exit_when_drained && drained(log.as_ref()).await {
                break;
            }
            continue;
        }
        let (posts, pending) = delivery.into_parts();
        let matcher = ingestor.clone();
        let items = tokio::task::spawn_blocking(move || matcher.match_posts(posts))
            .await
            .map_err(|e| WorkerError::Matching(e.to_string()))?;
        if matched
            .send(Matched {
                items: items.into(),
                pending,
            })
            .await
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// Whether the log has nothing left for anyone (a failed look counts as "not yet").
async fn drained(log: &dyn IngestLog) -> bool {
    match log.depth().await {
        Ok(LogDepth {
            pending: 0,
            unacknowledged: 0,
            ..
        }) => true,
        Ok(_) => false,
        Err(e) => {
            tracing::warn!("cannot read the log's depth: {e}");
            false
        }
    }
}

/// Stores a batch, retrying with capped exponential backoff while the store is unavailable;
/// `None` when the worker is stopping and the store still fails.
async fn store_with_retry(
    ingestor: &Ingestor,
    items: Arc<[IngestItem]>,
    stopping: &AtomicBool,
) -> Option<BatchOutcome> {
    let mut delay = Duration::from_millis(50);
    loop {
        match ingestor.store_matched(items.clone()).await {
            Ok(outcome) => return Some(outcome),
            Err(e) => {
                if stopping.load(Ordering::Relaxed) {
                    tracing::warn!("storing a batch failed while stopping: {e}");
                    return None;
                }
                tracing::warn!(
                    "storing a batch of {} posts failed, retrying in {delay:?}: {e}",
                    items.len()
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}
