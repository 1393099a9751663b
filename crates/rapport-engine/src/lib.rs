//! The pipeline that carries every post from a source to the store, exactly once.
//!
//! [`Ingestor`] does the work for one batch: match every workspace's monitors (compiled
//! together by `rapport-query`), then store posts
//! and mentions in one transaction. [`Pipeline`] feeds an [`Ingestor`] from a bounded
//! in-process channel (backpressure: senders wait when the store falls behind) and batches
//! posts for throughput. Each post is analysed (language, sentiment, intent, fingerprint) and
//! triaged ([`triage`]: does it need an answer, how urgently) before it is stored.
//! [`worker`] is the scaled-out form: batches taken from a shared `rapport_bus::IngestLog`,
//! stored, and acknowledged only after they committed.

pub mod abtest;
pub mod alerts;
pub mod engagement;
mod enrich;
mod ingest;
pub mod links;
mod matching;
mod pipeline;
pub mod publishing;
pub mod sources;
pub mod triage;
pub mod worker;
pub mod x_rules;

pub use enrich::analyze;
pub use ingest::{EngineError, Ingestor};
pub use matching::{compile_monitors, InvalidMonitor, MonitorMatcher};
pub use pipeline::{Pipeline, PipelineConfig, PipelineHandle, PipelineStats, StatsSnapshot};
pub use sources::{RunnerConfig, SourceRunner, TurnReport};
pub use worker::{run_worker, WorkerConfig, WorkerProgress};
