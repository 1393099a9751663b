//! The in-process pipeline: a bounded channel into batched, matched, atomic writes.
//!
//! A post counts as accepted once its batch is committed (see [`PipelineStats`]); posts still
//! in the channel when the process dies were never acknowledged to anyone. The scale-out
//! issue puts NATS JetStream behind the same sending interface.

use crate::{EngineError, Ingestor};
use rapport_model::Post;
use rapport_store::IngestItem;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Batching and backpressure settings.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Posts the channel holds before senders wait.
    pub capacity: usize,
    /// Most posts written in one transaction.
    pub max_batch: usize,
    /// Longest a post waits for its batch to fill.
    pub max_delay: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            capacity: 20_000,
            max_batch: 2_000,
            max_delay: Duration::from_millis(100),
        }
    }
}

/// Live counters of a pipeline, readable from anywhere (the dashboard shows them).
#[derive(Debug, Default)]
pub struct PipelineStats {
    received: AtomicU64,
    stored: AtomicU64,
    inserted: AtomicU64,
    updated: AtomicU64,
    new_mentions: AtomicU64,
    new_inbox_items: AtomicU64,
    failed_batches: AtomicU64,
}

/// A copy of [`PipelineStats`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    /// Posts taken from the channel.
    pub received: u64,
    /// Posts committed to the store (new, updated or unchanged).
    pub stored: u64,
    /// Of those, posts stored for the first time.
    pub inserted: u64,
    /// Of those, posts whose engagement or text changed.
    pub updated: u64,
    /// Mentions recorded for the first time.
    pub new_mentions: u64,
    /// Inbox items created (posts that need an answer).
    pub new_inbox_items: u64,
    /// Batches the store refused (retried until they succeed).
    pub failed_batches: u64,
}

impl PipelineStats {
    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            received: self.received.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            inserted: self.inserted.load(Ordering::Relaxed),
            updated: self.updated.load(Ordering::Relaxed),
            new_mentions: self.new_mentions.load(Ordering::Relaxed),
            new_inbox_items: self.new_inbox_items.load(Ordering::Relaxed),
            failed_batches: self.failed_batches.load(Ordering::Relaxed),
        }
    }
}

/// The sending side of a running pipeline. Clone it for each source.
#[derive(Clone)]
pub struct PipelineHandle {
    sender: mpsc::Sender<Post>,
    stats: Arc<PipelineStats>,
}

impl PipelineHandle {
    /// Queues a post, waiting while the channel is full.
    pub async fn send(&self, post: Post) -> Result<(), EngineError> {
        self.sender
            .send(post)
            .await
            .map_err(|_| EngineError::Closed)
    }

    /// The pipeline's live counters.
    pub fn stats(&self) -> Arc<PipelineStats> {
        self.stats.clone()
    }
}

/// A running pipeline task.
pub struct Pipeline {
    task: JoinHandle<()>,
    stats: Arc<PipelineStats>,
}

impl Pipeline {
    /// Starts the pipeline on the current tokio runtime.
    pub fn spawn(ingestor: Ingestor, config: PipelineConfig) -> (Pipeline, PipelineHandle) {
        let (sender, receiver) = mpsc::channel(config.capacity.max(1));
        let stats = Arc::new(PipelineStats::default());
        let task = tokio::spawn(run(ingestor, config, receiver, stats.clone()));
        let handle = PipelineHandle {
            sender,
            stats: stats.clone(),
        };
        (Pipeline { task, stats }, handle)
    }

    /// Waits until every handle is dropped and every queued post is stored.
    pub async fn finish(self) -> StatsSnapshot {
        if let Err(e) = self.task.await {
            tracing::error!("pipeline task failed: {e}");
        }
        self.stats.snapshot()
    }
}

/// Two stages connected by a short channel, so that matching the next batch (one core)
/// overlaps with storing the previous one (the other core): gather + match, then store.
async fn run(
    ingestor: Ingestor,
    config: PipelineConfig,
    mut receiver: mpsc::Receiver<Post>,
    stats: Arc<PipelineStats>,
) {
    let (matched_tx, mut matched_rx) = mpsc::channel::<Arc<[IngestItem]>>(2);
    let store_stage = {
        let ingestor = ingestor.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            while let Some(items) = matched_rx.recv().await {
                store_with_retry(&ingestor, items, &stats).await;
            }
        })
    };
    let max_batch = config.max_batch.max(1);
    loop {
        let mut batch = Vec::with_capacity(max_batch);
        // Wait for the first post of a batch, then gather more until full or late.
        match receiver.recv().await {
            Some(post) => batch.push(post),
            None => break,
        }
        let deadline = tokio::time::Instant::now() + config.max_delay;
        while batch.len() < max_batch {
            let room = max_batch - batch.len();
            let got = tokio::time::timeout_at(deadline, receiver.recv_many(&mut batch, room)).await;
            match got {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        stats
            .received
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        let matcher = ingestor.clone();
        let items = match tokio::task::spawn_blocking(move || matcher.match_posts(batch)).await {
            Ok(items) => items,
            Err(e) => {
                tracing::error!("matching a batch failed: {e}");
                continue;
            }
        };
        if matched_tx.send(items.into()).await.is_err() {
            break;
        }
    }
    drop(matched_tx);
    if let Err(e) = store_stage.await {
        tracing::error!("the store stage of the pipeline failed: {e}");
    }
}

/// Stores a batch, retrying with capped exponential backoff: a store that is briefly
/// unavailable (disk full, database locked) delays ingestion but loses nothing.
async fn store_with_retry(ingestor: &Ingestor, items: Arc<[IngestItem]>, stats: &PipelineStats) {
    let mut delay = Duration::from_millis(50);
    loop {
        let count = items.len() as u64;
        match ingestor.store_matched(items.clone()).await {
            Ok(outcome) => {
                stats.stored.fetch_add(count, Ordering::Relaxed);
                stats
                    .inserted
                    .fetch_add(outcome.inserted, Ordering::Relaxed);
                stats.updated.fetch_add(outcome.updated, Ordering::Relaxed);
                stats
                    .new_mentions
                    .fetch_add(outcome.new_mentions, Ordering::Relaxed);
                stats
                    .new_inbox_items
                    .fetch_add(outcome.new_inbox_items, Ordering::Relaxed);
                return;
            }
            Err(e) => {
                stats.failed_batches.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    "storing a batch of {count} posts failed, retrying in {delay:?}: {e}"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}
