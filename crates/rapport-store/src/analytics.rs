//! Analytics storage: hourly rollups per monitor, maintained by the batch writer and
//! rebuilt exactly from the raw mentions. Charts read rollups, never raw posts, so they
//! stay fast at tens of millions of posts.

use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{AuthorId, MonitorId, Network, SentimentLabel, Timestamp, WorkspaceId};
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
    /// Likes + reposts + replies that those posts earned, as last seen.
    #[serde(default)]
    pub engagement: u64,
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

/// How influencers are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InfluenceOrder {
    /// The author's latest follower count, largest first.
    Reach,
    /// The engagement (likes + reposts + replies) their posts mentioning the workspace
    /// earned in the window, largest first.
    Engagement,
}

/// Which posts of a window come first in [`AnalyticsStore::top_posts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PostRanking {
    /// Most engagement (likes + reposts + replies) first, then widest reach.
    Engagement,
    /// Widest reach (the author's followers when the post was seen) first, then most
    /// engagement.
    Reach,
    /// Positive posts only, largest [`impact`] first: the posts that pushed net sentiment
    /// up most.
    Positive,
    /// Negative posts only, largest magnitude of [`impact`] first: the posts that pulled
    /// net sentiment down most.
    Negative,
}

/// A post's weight on net sentiment: `ln(1 + reach) + ln(1 + engagement)`, with reach the
/// author's followers when the post was seen and engagement its likes + reposts + replies
/// (the store keeps no quote count). A post with no reach and no engagement weighs 0; ten
/// times the reach adds the same as ten times the engagement (ln 10 ≈ 2.3), so neither a
/// celebrity's shrug nor one viral reply swamps the list.
pub fn impact_weight(reach: u64, engagement: u64) -> f64 {
    (reach as f64).ln_1p() + (engagement as f64).ln_1p()
}

/// A post's impact on net sentiment ((positive − negative) / mentions): its sentiment's
/// sign (+1 positive, −1 negative, 0 neutral or unknown) × [`impact_weight`]. Ranking a
/// window by it names the posts that moved net sentiment most, each way. Because the weight
/// is `ln((1 + reach)(1 + engagement))`, the stores order by that product and never need a
/// logarithm in SQL.
pub fn impact(sentiment: Option<SentimentLabel>, reach: u64, engagement: u64) -> f64 {
    let sign = match sentiment {
        Some(SentimentLabel::Positive) => 1.0,
        Some(SentimentLabel::Negative) => -1.0,
        _ => 0.0,
    };
    sign * impact_weight(reach, engagement)
}

/// One post of a window, as ranked by [`AnalyticsStore::top_posts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedPost {
    /// The store's post id.
    pub post_id: i64,
    /// Where it was posted.
    pub network: Network,
    /// Its id on the network.
    pub native_id: String,
    /// Its address, when known (hostile text: never trusted as a link without checking).
    pub url: Option<String>,
    /// Its text (hostile).
    pub text: String,
    /// When it was posted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Its author (the author page's address).
    pub author_id: AuthorId,
    /// The author's handle, without `@` (hostile).
    pub handle: String,
    /// The author's display name (hostile).
    pub display_name: Option<String>,
    /// The author's followers when the post was seen (0 when unknown).
    pub reach: u64,
    /// Likes, as last seen.
    pub likes: u64,
    /// Reposts, as last seen.
    pub reposts: u64,
    /// Replies, as last seen.
    pub replies: u64,
    /// likes + reposts + replies.
    pub engagement: u64,
    /// Its sentiment, when analysed.
    pub sentiment: Option<SentimentLabel>,
    /// [`impact`]: sentiment sign × (ln(1 + reach) + ln(1 + engagement)).
    pub impact: f64,
}

/// A ranked post as read, before its network and time are checked.
pub(crate) struct RawPost {
    pub(crate) id: i64,
    pub(crate) network: String,
    pub(crate) native_id: String,
    pub(crate) url: Option<String>,
    pub(crate) text: String,
    pub(crate) created_at: i64,
    pub(crate) author_id: i64,
    pub(crate) handle: String,
    pub(crate) display_name: Option<String>,
    /// reach, likes, reposts, replies.
    pub(crate) counts: [i64; 4],
    pub(crate) sentiment: Option<String>,
}

impl RawPost {
    /// Checks the network and time and computes engagement and impact.
    pub(crate) fn finish(self) -> StoreResult<RankedPost> {
        let [reach, likes, reposts, replies] = self.counts.map(crate::codec::count_from_sql);
        let engagement = likes + reposts + replies;
        let sentiment = self
            .sentiment
            .as_deref()
            .and_then(|s| s.parse::<rapport_model::SentimentLabel>().ok());
        Ok(RankedPost {
            post_id: self.id,
            network: crate::codec::network(&self.network, "posts")?,
            native_id: self.native_id,
            url: self.url,
            text: self.text,
            created_at: crate::codec::from_millis(self.created_at, "posts", "created_at")?,
            author_id: AuthorId(self.author_id),
            handle: self.handle,
            display_name: self.display_name,
            reach,
            likes,
            reposts,
            replies,
            engagement,
            sentiment,
            impact: crate::analytics::impact(sentiment, reach, engagement),
        })
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

    /// The authors of posts that mention the workspace from `from` (inclusive) to `to`
    /// (exclusive), ranked by reach (latest followers) or by the engagement those posts
    /// earned, largest first, at most `limit`. Ties go to more mentions, then the lower
    /// author id. Same window read as [`AnalyticsStore::author_standings`].
    async fn influencers(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        order: InfluenceOrder,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>>;

    /// The posts that mention the workspace (or only `monitor`, when given, which must
    /// belong to it; another workspace's monitor gives nothing) from `from` (inclusive) to
    /// `to` (exclusive), each once, ranked by `ranking`, at most `limit`; ties go to the
    /// lower post id.
    ///
    /// The work is one range of `mentions_workspace_time` (or `mentions_monitor_time`),
    /// then `posts` and `authors` by primary key, into a top-`limit` sort: memory is bounded
    /// by `limit`, time by the window's mentions, never a scan of `posts`.
    async fn top_posts(
        &self,
        workspace: WorkspaceId,
        monitor: Option<MonitorId>,
        from: Timestamp,
        to: Timestamp,
        ranking: PostRanking,
        limit: usize,
    ) -> StoreResult<Vec<RankedPost>>;
}
