//! Engagement of published posts, short links with their clicks, and campaigns (A/B tests).
//!
//! - Samples: one row per delivered target (a `draft_targets` row that was sent) and sampling
//!   slot, the slot being the index in the sampler's decaying schedule. A sampler *claims* a
//!   slot ([`EngagementStore::claim_sample_slot`], an insert that only one caller wins, across
//!   processes) before it asks the network, then fills the counts in
//!   ([`EngagementStore::record_sample`]). A slot whose claimer died stays empty; the next
//!   slot is sampled as usual.
//! - Short links: `{base}/l/{code}` stands for a URL of a delivered target's text, one link
//!   per (delivery, position), so a retried send reuses the same codes. Clicks are counted per
//!   link and hour, link-preview bots apart; no address is stored. A link in an inbox reply
//!   belongs to the reply's idempotency key instead ([`EngagementStore::reply_link_for`]).
//! - Each delivered target keeps the account's follower count when it was sent
//!   ([`CampaignPost::followers`]), for engagement per 1,000 followers.
//! - Campaigns group drafts, each as a variant (A, B, ...).
//!
//! [`crate::SqliteStore`] (migrations `0017_engagement.sql`, `0019_followers_reply_links.sql`)
//! and [`crate::PostgresStore`] (`postgres/0020_engagement.sql`,
//! `postgres/0024_followers_reply_links.sql`) implement [`EngagementStore`].

use crate::publishing::{DeliveryId, DraftId, PublishAccountId};
use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A campaign's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CampaignId(pub i64);

/// One reading of a published post's public counts (`None`: the network has no such count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngagementSample {
    /// The delivered target.
    pub delivery_id: DeliveryId,
    /// When the network was asked.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub sampled_at: Timestamp,
    /// Likes (favourites, reactions).
    pub likes: Option<u64>,
    /// Reposts (boosts, retweets, shares).
    pub reposts: Option<u64>,
    /// Replies (comments).
    pub replies: Option<u64>,
    /// Quotes.
    pub quotes: Option<u64>,
    /// Impressions, where the network reports them.
    pub impressions: Option<u64>,
}

impl EngagementSample {
    /// Likes + reposts + replies + quotes (the counts that exist).
    pub fn engagements(&self) -> u64 {
        [self.likes, self.reposts, self.replies, self.quotes]
            .into_iter()
            .flatten()
            .sum()
    }
}

/// The counts of one reading, as [`EngagementStore::record_sample`] takes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Likes.
    pub likes: Option<u64>,
    /// Reposts.
    pub reposts: Option<u64>,
    /// Replies.
    pub replies: Option<u64>,
    /// Quotes.
    pub quotes: Option<u64>,
    /// Impressions.
    pub impressions: Option<u64>,
}

/// A delivered target the sampler may read: its post on the network and its account.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledTarget {
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The account it went out through.
    pub account_id: PublishAccountId,
    /// The account's kind.
    pub account_kind: String,
    /// The account's settings.
    pub account_settings: serde_json::Value,
    /// The post's id on the network.
    pub native_id: String,
    /// When it was published.
    pub sent_at: Timestamp,
    /// The highest slot claimed so far, if any.
    pub last_slot: Option<i64>,
}

/// A workspace's link-tracking settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkSettings {
    /// Whether URLs of scheduled posts are replaced by short links.
    pub enabled: bool,
    /// The public address short links start with (`https://go.example.com`), without `/l/`.
    pub base_url: String,
    /// `utm_medium` (default `social`).
    pub utm_medium: String,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            enabled: false,
            base_url: String::new(),
            utm_medium: "social".into(),
        }
    }
}

/// A short link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShortLink {
    /// Its id.
    pub id: i64,
    /// The code in `/l/{code}`.
    pub code: String,
    /// Whose link.
    pub workspace_id: WorkspaceId,
    /// The delivered target whose text holds it (`None`: an inbox reply's link).
    pub delivery_id: Option<DeliveryId>,
    /// The URL's position in that text (0 first).
    pub position: u32,
    /// Where it leads (http or https, with its UTM parameters).
    pub destination: String,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A short link to make (see [`EngagementStore::short_link_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShortLink {
    /// Whose link.
    pub workspace_id: WorkspaceId,
    /// The delivered target whose text holds it.
    pub delivery_id: DeliveryId,
    /// The URL's position in that text.
    pub position: u32,
    /// Where it leads.
    pub destination: String,
    /// A fresh random code, used only when the link does not exist yet.
    pub code: String,
}

/// A short link in an inbox reply (see [`EngagementStore::reply_link_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReplyLink {
    /// Whose link.
    pub workspace_id: WorkspaceId,
    /// The reply's idempotency key.
    pub reply_key: String,
    /// The URL's position in the reply's text.
    pub position: u32,
    /// Where it leads.
    pub destination: String,
    /// A fresh random code, used only when the link does not exist yet.
    pub code: String,
}

/// A campaign: drafts grouped to compare their variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// Its id.
    pub id: CampaignId,
    /// Whose campaign.
    pub workspace_id: WorkspaceId,
    /// Its name.
    pub name: String,
    /// Its slug (`utm_campaign`), unique in the workspace.
    pub slug: String,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// One delivered post of a campaign with its latest counts and its links' clicks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignPost {
    /// The draft.
    pub draft_id: DraftId,
    /// Its variant label.
    pub variant: String,
    /// The delivered target.
    pub delivery_id: DeliveryId,
    /// The account's kind (`mastodon`, ...).
    pub account_kind: String,
    /// The post's id on the network.
    pub native_id: String,
    /// When it was published.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub sent_at: Timestamp,
    /// The latest reading, if any.
    pub latest: Option<EngagementSample>,
    /// Clicks on its short links (people).
    pub clicks: u64,
    /// Fetches by link-preview bots.
    pub previews: u64,
    /// The account's followers when it was sent (`None`: unknown).
    pub followers: Option<u64>,
}

impl CampaignPost {
    /// Engagements of the latest reading per 1,000 followers; `None` without a reading or
    /// without a known, non-zero follower count.
    pub fn engagement_per_1k_followers(&self) -> Option<f64> {
        let followers = self.followers.filter(|f| *f > 0)?;
        let latest = self.latest.as_ref()?;
        Some(latest.engagements() as f64 * 1000.0 / followers as f64)
    }
}

/// A draft's place in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftCampaign {
    /// The campaign.
    pub campaign: Campaign,
    /// The draft's variant label.
    pub variant: String,
}

/// Engagement samples, short links and campaigns.
#[async_trait]
pub trait EngagementStore: Send + Sync + 'static {
    /// Delivered targets sent at or after `since` (with a native id) that are still sampled
    /// (not stopped), oldest first, at most `limit`.
    async fn sampled_targets(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<SampledTarget>>;

    /// Claims `slot` of `delivery` for `owner` at `now`: `true` for exactly one caller across
    /// processes; the caller then asks the network and calls
    /// [`EngagementStore::record_sample`].
    async fn claim_sample_slot(
        &self,
        delivery: DeliveryId,
        slot: i64,
        owner: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// Fills in the counts of a claimed slot, read at `at`.
    async fn record_sample(
        &self,
        delivery: DeliveryId,
        slot: i64,
        at: Timestamp,
        counts: Counts,
    ) -> StoreResult<()>;

    /// Stops sampling `delivery` (its post was deleted, or its network reports no counts).
    async fn stop_sampling(
        &self,
        delivery: DeliveryId,
        reason: &str,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// Why `delivery` is no longer sampled, if it is not.
    async fn sampling_stopped(&self, delivery: DeliveryId) -> StoreResult<Option<String>>;

    /// The latest reading of `delivery`.
    async fn latest_sample(&self, delivery: DeliveryId) -> StoreResult<Option<EngagementSample>>;

    /// Every reading of `delivery`, oldest first.
    async fn sample_series(&self, delivery: DeliveryId) -> StoreResult<Vec<EngagementSample>>;

    /// A workspace's link settings (the defaults when it has none).
    async fn link_settings(&self, workspace: WorkspaceId) -> StoreResult<LinkSettings>;

    /// Replaces a workspace's link settings (checked by the caller).
    async fn set_link_settings(
        &self,
        workspace: WorkspaceId,
        settings: &LinkSettings,
    ) -> StoreResult<()>;

    /// The short link of `link.delivery_id` at `link.position`, made with `link.code` and
    /// `link.destination` when there is none yet (a retried send gets the same link).
    async fn short_link_for(&self, link: NewShortLink) -> StoreResult<ShortLink>;

    /// The short link of the inbox reply with `link.reply_key` at `link.position` in
    /// `link.workspace_id`, made with `link.code` and `link.destination` when there is none
    /// yet: a retried reply (same key) gets the same link, so the same text.
    async fn reply_link_for(&self, link: NewReplyLink) -> StoreResult<ShortLink>;

    /// The link with `code`.
    async fn short_link(&self, code: &str) -> StoreResult<Option<ShortLink>>;

    /// Counts one visit of `link` in the hour starting at `hour`: a click, or a link
    /// preview's fetch when `preview`.
    async fn record_click(&self, link: i64, hour: Timestamp, preview: bool) -> StoreResult<()>;

    /// Clicks and previews per hour of `link` (hour, clicks, previews), oldest first.
    async fn link_clicks(&self, link: i64) -> StoreResult<Vec<(Timestamp, u64, u64)>>;

    /// Creates a campaign (`Conflict` when the slug is taken in the workspace).
    async fn create_campaign(
        &self,
        workspace: WorkspaceId,
        name: &str,
        slug: &str,
    ) -> StoreResult<Campaign>;

    /// A workspace's campaigns, newest first.
    async fn campaigns(&self, workspace: WorkspaceId) -> StoreResult<Vec<Campaign>>;

    /// One campaign of `workspace`.
    async fn campaign(
        &self,
        workspace: WorkspaceId,
        id: CampaignId,
    ) -> StoreResult<Option<Campaign>>;

    /// Puts `draft` in `campaign` as `variant`, or takes it out (`None`). `NotFound` when
    /// the draft or campaign is not the workspace's.
    async fn set_draft_campaign(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
        campaign: Option<(CampaignId, &str)>,
    ) -> StoreResult<()>;

    /// The campaign and variant of `draft`, if it has one.
    async fn draft_campaign(&self, draft: DraftId) -> StoreResult<Option<DraftCampaign>>;

    /// The delivered posts of a campaign's drafts, by variant then sent time, each with its
    /// latest reading and its links' clicks.
    async fn campaign_posts(
        &self,
        workspace: WorkspaceId,
        campaign: CampaignId,
    ) -> StoreResult<Vec<CampaignPost>>;
}

/// A stored count (`bigint`) read back.
pub(crate) fn count(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

/// A count as stored.
pub(crate) fn stored(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// The SQL both stores run, written with `$N` placeholders (SQLite reads them as `?N`).
pub(crate) mod sql {
    pub(crate) const SAMPLED_TARGETS: &str = "SELECT t.id, d.workspace_id, t.account_id, a.kind, \
         a.settings, t.native_id, t.sent_at, \
         (SELECT MAX(s.slot) FROM engagement_samples s WHERE s.delivery_id = t.id) \
         FROM draft_targets t JOIN drafts d ON d.id = t.draft_id \
         JOIN publish_accounts a ON a.id = t.account_id \
         WHERE t.status = 'sent' AND t.native_id IS NOT NULL AND t.sent_at >= $1 \
         AND NOT EXISTS (SELECT 1 FROM engagement_stops x WHERE x.delivery_id = t.id) \
         ORDER BY t.sent_at, t.id LIMIT $2";
    pub(crate) const CLAIM_SLOT: &str = "INSERT INTO engagement_samples \
         (delivery_id, slot, claimed_by, claimed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (delivery_id, slot) DO NOTHING";
    pub(crate) const RECORD_SAMPLE: &str = "UPDATE engagement_samples SET sampled_at = $3, \
         likes = $4, reposts = $5, replies = $6, quotes = $7, impressions = $8 \
         WHERE delivery_id = $1 AND slot = $2";
    pub(crate) const STOP: &str = "INSERT INTO engagement_stops (delivery_id, reason, stopped_at) \
         VALUES ($1, $2, $3) ON CONFLICT (delivery_id) DO NOTHING";
    pub(crate) const STOPPED: &str = "SELECT reason FROM engagement_stops WHERE delivery_id = $1";
    pub(crate) const SERIES: &str = "SELECT delivery_id, sampled_at, likes, reposts, replies, \
         quotes, impressions FROM engagement_samples \
         WHERE delivery_id = $1 AND sampled_at IS NOT NULL ORDER BY sampled_at, slot";
    pub(crate) const LATEST: &str = "SELECT delivery_id, sampled_at, likes, reposts, replies, \
         quotes, impressions FROM engagement_samples \
         WHERE delivery_id = $1 AND sampled_at IS NOT NULL \
         ORDER BY sampled_at DESC, slot DESC LIMIT 1";
    pub(crate) const LINK_SETTINGS: &str =
        "SELECT enabled, base_url, utm_medium FROM link_settings WHERE workspace_id = $1";
    pub(crate) const SET_LINK_SETTINGS: &str = "INSERT INTO link_settings \
         (workspace_id, enabled, base_url, utm_medium) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id) DO UPDATE SET enabled = excluded.enabled, \
         base_url = excluded.base_url, utm_medium = excluded.utm_medium";
    pub(crate) const INSERT_LINK: &str = "INSERT INTO short_links \
         (code, workspace_id, delivery_id, position, destination, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, position) DO NOTHING";
    pub(crate) const LINK_AT: &str = "SELECT id, code, workspace_id, delivery_id, position, \
         destination, created_at FROM short_links WHERE delivery_id = $1 AND position = $2";
    pub(crate) const INSERT_REPLY_LINK: &str = "INSERT INTO short_links \
         (code, workspace_id, reply_key, position, destination, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (workspace_id, reply_key, position) DO NOTHING";
    pub(crate) const REPLY_LINK_AT: &str = "SELECT id, code, workspace_id, delivery_id, \
         position, destination, created_at FROM short_links \
         WHERE workspace_id = $1 AND reply_key = $2 AND position = $3";
    pub(crate) const LINK_BY_CODE: &str = "SELECT id, code, workspace_id, delivery_id, \
         position, destination, created_at FROM short_links WHERE code = $1";
    pub(crate) const CLICK: &str = "INSERT INTO link_clicks (link_id, hour, clicks, previews) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (link_id, hour) DO UPDATE SET \
         clicks = link_clicks.clicks + excluded.clicks, \
         previews = link_clicks.previews + excluded.previews";
    pub(crate) const CLICKS: &str =
        "SELECT hour, clicks, previews FROM link_clicks WHERE link_id = $1 ORDER BY hour";
    pub(crate) const CREATE_CAMPAIGN: &str = "INSERT INTO campaigns \
         (workspace_id, name, slug, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, workspace_id, name, slug, created_at";
    pub(crate) const CAMPAIGNS: &str = "SELECT id, workspace_id, name, slug, created_at \
         FROM campaigns WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC";
    pub(crate) const CAMPAIGN: &str = "SELECT id, workspace_id, name, slug, created_at \
         FROM campaigns WHERE workspace_id = $1 AND id = $2";
    pub(crate) const DRAFT_OF_WORKSPACE: &str =
        "SELECT id FROM drafts WHERE id = $1 AND workspace_id = $2";
    pub(crate) const SET_DRAFT_CAMPAIGN: &str = "INSERT INTO campaign_drafts \
         (draft_id, campaign_id, variant) VALUES ($1, $2, $3) ON CONFLICT (draft_id) \
         DO UPDATE SET campaign_id = excluded.campaign_id, variant = excluded.variant";
    pub(crate) const CLEAR_DRAFT_CAMPAIGN: &str = "DELETE FROM campaign_drafts WHERE draft_id = $1";
    pub(crate) const DRAFT_CAMPAIGN: &str = "SELECT c.id, c.workspace_id, c.name, c.slug, \
         c.created_at, cd.variant FROM campaign_drafts cd \
         JOIN campaigns c ON c.id = cd.campaign_id WHERE cd.draft_id = $1";
    pub(crate) const CAMPAIGN_POSTS: &str = "SELECT cd.draft_id, cd.variant, t.id, a.kind, \
         t.native_id, t.sent_at, t.followers, \
         CAST((SELECT COALESCE(SUM(k.clicks), 0) FROM link_clicks k \
               JOIN short_links l ON l.id = k.link_id WHERE l.delivery_id = t.id) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(k.previews), 0) FROM link_clicks k \
               JOIN short_links l ON l.id = k.link_id WHERE l.delivery_id = t.id) AS BIGINT) \
         FROM campaign_drafts cd JOIN campaigns c ON c.id = cd.campaign_id \
         JOIN draft_targets t ON t.draft_id = cd.draft_id \
         JOIN publish_accounts a ON a.id = t.account_id \
         WHERE c.workspace_id = $1 AND c.id = $2 AND t.status = 'sent' \
         AND t.native_id IS NOT NULL ORDER BY cd.variant, t.sent_at, t.id";
}
