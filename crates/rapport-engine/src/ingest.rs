//! One batch at a time: match, then store posts and mentions together.

use crate::matching::{compile_monitors, MonitorMatcher};
use rapport_model::Post;
use rapport_nlp::lang::LanguageMemory;
use rapport_nlp::learn::Model;
use rapport_query::MatcherSet;
use rapport_store::{BatchOutcome, IngestItem, Store, StoreError};
use std::sync::{Arc, Mutex, RwLock};

/// Why the engine could not process a batch.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed; the batch was not stored (writes are atomic).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pipeline has shut down and accepts no more posts.
    #[error("the pipeline is closed")]
    Closed,
}

/// Matches posts against every workspace's monitors and stores them with their mentions.
///
/// Cheap to clone. The monitor set can be reloaded at any time ([`Ingestor::reload_monitors`])
/// without stopping ingestion: batches in flight finish with the set they started with.
#[derive(Clone)]
pub struct Ingestor {
    store: Arc<dyn Store>,
    matcher: Arc<RwLock<Arc<dyn MonitorMatcher>>>,
    model: Arc<RwLock<Option<Arc<Model>>>>,
    /// The authors' and the stream's languages, for posts too short to tell alone.
    languages: Arc<Mutex<LanguageMemory>>,
}

impl Ingestor {
    /// An ingestor over `store`, with the monitors currently stored.
    pub async fn new(store: Arc<dyn Store>) -> Result<Ingestor, EngineError> {
        let empty: Vec<(rapport_model::MonitorId, rapport_query::Query)> = Vec::new();
        let ingestor = Ingestor {
            store,
            matcher: Arc::new(RwLock::new(Arc::new(MatcherSet::compile(empty)))),
            model: Arc::new(RwLock::new(None)),
            languages: Arc::default(),
        };
        ingestor.reload_monitors().await?;
        Ok(ingestor)
    }

    /// The store it writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Re-reads every monitor from the store and swaps in a freshly compiled matcher;
    /// returns how many monitors are active. A monitor whose query does not parse is logged
    /// and matches nothing.
    pub async fn reload_monitors(&self) -> Result<usize, EngineError> {
        let monitors = self.store.monitors(None).await?;
        let (compiled, invalid) = compile_monitors(&monitors);
        for bad in &invalid {
            tracing::warn!(
                "monitor {} ({}) is inactive: its query does not parse: {}",
                bad.monitor,
                bad.name,
                bad.error.headline()
            );
        }
        let count = compiled.len();
        self.set_matcher(Arc::new(compiled));
        Ok(count)
    }

    /// Replaces the matcher (for tests and for callers that compile their own).
    pub fn set_matcher(&self, matcher: Arc<dyn MonitorMatcher>) {
        // A poisoned lock only means a panic elsewhere while swapping; the value is still whole.
        let mut slot = self.matcher.write().unwrap_or_else(|e| e.into_inner());
        *slot = matcher;
    }

    /// Uses a learned sentiment model (from `rapport train`) for the labels of later posts;
    /// `None` goes back to VADER's thresholds. VADER's scores are kept either way.
    pub fn set_sentiment_model(&self, model: Option<Arc<Model>>) {
        let mut slot = self.model.write().unwrap_or_else(|e| e.into_inner());
        *slot = model;
    }

    fn current_model(&self) -> Option<Arc<Model>> {
        self.model.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn current_matcher(&self) -> Arc<dyn MonitorMatcher> {
        self.matcher
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Analyses posts and matches them against the current monitors (CPU work, no I/O:
    /// callers run it on another thread while the previous batch is being stored).
    pub fn match_posts(&self, posts: Vec<Post>) -> Vec<IngestItem> {
        let matcher = self.current_matcher();
        let model = self.current_model();
        // One stage analyses at a time, so this lock is not contended; a poisoned one
        // still holds a usable memory.
        let mut languages = self.languages.lock().unwrap_or_else(|e| e.into_inner());
        posts
            .into_iter()
            .map(|mut post| {
                let analysis = crate::enrich::analyze(&mut post, model.as_deref(), &mut languages);
                let monitors = matcher.matches(&post);
                let triage = crate::triage::triage(&post, &analysis);
                IngestItem {
                    post,
                    monitors,
                    analysis: Some(analysis),
                    triage,
                }
            })
            .collect()
    }

    /// Stores matched posts and their mentions in one transaction.
    pub async fn store_matched(
        &self,
        items: Arc<[IngestItem]>,
    ) -> Result<BatchOutcome, EngineError> {
        if items.is_empty() {
            return Ok(BatchOutcome::default());
        }
        Ok(self.store.write_shared_batch(items).await?)
    }

    /// Matches and stores one batch in one transaction.
    pub async fn ingest(&self, posts: Vec<Post>) -> Result<BatchOutcome, EngineError> {
        let items = self.match_posts(posts);
        self.store_matched(items.into()).await
    }
}
