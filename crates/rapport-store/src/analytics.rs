//! Analytics storage: hourly rollups per monitor, maintained by the batch writer and
//! rebuilt exactly from the raw mentions. Charts read rollups, never raw posts, so they
//! stay fast at tens of millions of posts.

use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{AuthorId, MonitorId, Network, Timestamp, WorkspaceId};
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

/// Which end of the author ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AuthorSide {
    /// More positive than negative mentions: the highest scores first.
    Advocates,
    /// More negative than positive mentions: the lowest scores first.
    Detractors,
}

/// One author's mentions of a workspace over a window, and their standing.
///
/// `net_sentiment` is (positive - negative) / mentions, in [-1, 1]; `score` is
/// `net_sentiment × reach`, with reach the author's latest follower count (at least 1, so
/// authors whose reach is unknown still rank by their sentiment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorStanding {
    /// The store's author id (the author page's address).
    pub author_id: AuthorId,
    /// Where the author posts.
    pub network: Network,
    /// Their handle, without `@` (hostile text).
    pub handle: String,
    /// Their display name, when known (hostile text).
    pub display_name: Option<String>,
    /// Their latest follower count (0 when unknown).
    pub followers: u64,
    /// Their posts that mention the workspace in the window (a post matched by several
    /// monitors counts once).
    pub mentions: u64,
    /// Of those, positive.
    pub positive: u64,
    /// Neutral.
    pub neutral: u64,
    /// Negative.
    pub negative: u64,
    /// (positive - negative) / mentions.
    pub net_sentiment: f64,
    /// net_sentiment × max(followers, 1).
    pub score: f64,
}

impl AuthorStanding {
    /// Fills `net_sentiment` and `score` from the counts.
    pub(crate) fn scored(mut self) -> AuthorStanding {
        self.net_sentiment = if self.mentions == 0 {
            0.0
        } else {
            (self.positive as f64 - self.negative as f64) / self.mentions as f64
        };
        self.score = self.net_sentiment * self.followers.max(1) as f64;
        self
    }
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

    /// The workspace's advocates (best score first) or detractors (worst first) among the
    /// authors of posts that mention it from `from` (inclusive) to `to` (exclusive), at most
    /// `limit`. Ties go to more mentions, then the lower author id.
    async fn author_standings(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        side: AuthorSide,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>>;

    /// One author's standing in the workspace over the window; `None` when the author does
    /// not exist. An author without mentions in the window has zero counts.
    async fn author_standing(
        &self,
        workspace: WorkspaceId,
        author: AuthorId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Option<AuthorStanding>>;
}
