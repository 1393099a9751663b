//! The pipeline that carries every post from a source to the store, exactly once.
//!
//! [`Ingestor`] does the work for one batch: match the workspace monitors, then store posts
//! and mentions in one transaction. [`Pipeline`] feeds an [`Ingestor`] from a bounded
//! in-process channel (backpressure: senders wait when the store falls behind) and batches
//! posts for throughput. Enrichment (language, sentiment, intent) and alert rules join here
//! as their issues land.

mod ingest;
mod matching;
mod pipeline;

pub use ingest::{EngineError, Ingestor};
pub use matching::{KeywordMatcher, MonitorMatcher};
pub use pipeline::{Pipeline, PipelineConfig, PipelineHandle, PipelineStats, StatsSnapshot};
