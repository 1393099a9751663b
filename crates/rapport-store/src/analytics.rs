//! Analytics storage: hourly rollups per monitor, maintained by the batch writer and
//! rebuilt exactly from the raw mentions. Charts read rollups, never raw posts, so they
//! stay fast at tens of millions of posts.

use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{MonitorId, Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// The width of a chart's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// One hour.
    Hour,
    /// One UTC day.
    Day,
}

impl Bucket {
    /// Hours per bucket.
    pub fn hours(self) -> i64 {
        match self {
            Bucket::Hour => 1,
            Bucket::Day => 24,
        }
    }
}

/// What happened in one monitor's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollupCounts {
    /// Mentions.
    pub mentions: u64,
    /// Distinct authors (exact per hour; summed over hours for longer buckets).
    pub authors: u64,
    /// Mentions with positive sentiment.
    pub positive: u64,
    /// Mentions with neutral sentiment.
    pub neutral: u64,
    /// Mentions with negative sentiment.
    pub negative: u64,
    /// Complaints.
    pub complaint: u64,
    /// Questions.
    pub question: u64,
    /// Praise.
    pub praise: u64,
    /// Purchase intent.
    pub purchase_intent: u64,
    /// Other intents.
    pub other: u64,
    /// Sum of the authors' followers when each post was seen.
    pub reach: u64,
    /// Likes + reposts + replies, as last seen.
    pub engagement: u64,
}

/// One monitor's counts in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollupRow {
    /// The monitor.
    pub monitor_id: MonitorId,
    /// The bucket's first instant (UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    /// What happened in it.
    pub counts: RollupCounts,
}

/// A rollup cell that disagrees with a recount of the raw mentions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollupMismatch {
    /// The monitor.
    pub monitor_id: MonitorId,
    /// The hour (Unix hours).
    pub hour: i64,
    /// What the rollup holds.
    pub stored: Option<RollupCounts>,
    /// What a recount finds.
    pub recounted: Option<RollupCounts>,
}

/// Rollups behind one interface, for SQLite and PostgreSQL alike.
#[async_trait]
pub trait AnalyticsStore: Send + Sync + 'static {
    /// A workspace's rollups from `from` (inclusive) to `to` (exclusive), per monitor and
    /// bucket, oldest first; buckets without mentions are absent.
    async fn rollups(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        bucket: Bucket,
    ) -> StoreResult<Vec<RollupRow>>;

    /// Recounts every rollup from the raw mentions; returns the cells written.
    async fn rebuild_rollups(&self) -> StoreResult<u64>;

    /// Cells where the maintained rollups differ from a recount (at most `limit`); empty
    /// when they agree.
    async fn verify_rollups(&self, limit: usize) -> StoreResult<Vec<RollupMismatch>>;
}
