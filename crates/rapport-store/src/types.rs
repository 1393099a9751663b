//! Values the store takes and returns.

use rapport_model::{
    Analysis, AuthorId, Intent, Monitor, MonitorId, Network, Post, PostId, SentimentLabel,
    Timestamp, Triage,
};
use serde::{Deserialize, Serialize};

/// One post to store, with the monitors it matched (possibly none) and what the pipeline
/// understood of it.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestItem {
    /// The post.
    pub post: Post,
    /// Monitors that matched it; a mention is recorded for each.
    pub monitors: Vec<MonitorId>,
    /// Sentiment, intent and fingerprint, when analysed. Storing a known post again with an
    /// analysis replaces the stored one; without, it keeps it.
    pub analysis: Option<Analysis>,
    /// Whether the post needs an answer: if so, each workspace whose monitors match it for
    /// the first time gets an inbox item.
    pub triage: Option<Triage>,
}

impl IngestItem {
    /// A post that matched no monitor and was not analysed.
    pub fn unmatched(post: Post) -> Self {
        IngestItem {
            post,
            monitors: Vec::new(),
            analysis: None,
            triage: None,
        }
    }
}

/// What a [`crate::Store::write_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchOutcome {
    /// Posts seen for the first time.
    pub inserted: u64,
    /// Posts already stored whose engagement or text changed.
    pub updated: u64,
    /// Posts already stored exactly as given.
    pub unchanged: u64,
    /// Mentions recorded for the first time.
    pub new_mentions: u64,
    /// Inbox items created (posts that need an answer, per workspace).
    #[serde(default)]
    pub new_inbox_items: u64,
}

impl BatchOutcome {
    /// Adds another outcome's counts to this one.
    pub fn add(&mut self, other: BatchOutcome) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.new_mentions += other.new_mentions;
        self.new_inbox_items += other.new_inbox_items;
    }
}

/// A stored post with its store id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredPost {
    /// Store id.
    pub id: PostId,
    /// When rapport first stored it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub first_seen: Timestamp,
    /// What the pipeline understood of it, when it was analysed.
    pub analysis: Option<Analysis>,
    /// The post.
    #[serde(flatten)]
    pub post: Post,
}

/// A mention with its post and monitor, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MentionView {
    /// The monitor that matched.
    pub monitor_id: MonitorId,
    /// Its name.
    pub monitor_name: String,
    /// The post.
    pub post: StoredPost,
}

/// Mention counts of one monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorCount {
    /// The monitor.
    pub monitor: Monitor,
    /// All its mentions.
    pub total: u64,
    /// Its mentions of posts published since the time asked for.
    pub recent: u64,
}

/// Bytes on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiskUsage {
    /// The database's pages (as committed, whether or not yet copied from the log).
    pub total_bytes: u64,
    /// The part of `total_bytes` used by the full-text index.
    pub fulltext_bytes: u64,
    /// The write-ahead log file now: transient, emptied by checkpoints.
    pub wal_bytes: u64,
}

/// Which of a workspace's mentions to list (every field narrows; `None` means any).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MentionFilter {
    /// One monitor.
    pub monitor: Option<MonitorId>,
    /// One network.
    pub network: Option<Network>,
    /// One sentiment label.
    pub sentiment: Option<SentimentLabel>,
    /// One intent.
    pub intent: Option<Intent>,
    /// One language tag (`en`).
    pub language: Option<String>,
    /// Posts published at or after this time.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub since: Option<Timestamp>,
    /// Posts published before this time (also the cursor of the next page).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub until: Option<Timestamp>,
    /// Words the post text must all contain (full-text search; operators not interpreted).
    pub text: Option<String>,
    /// Posts by one author. Served by the workspace's time index, so bound it with `since`.
    #[serde(default)]
    pub author: Option<AuthorId>,
    /// Only mentions after this one in the listing's order (newest first): the next page.
    pub after: Option<MentionCursor>,
}

/// A position in the mention listing (newest first, then by post and monitor id, both
/// descending), so a page boundary never skips or repeats mentions with equal times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MentionCursor {
    /// The last listed mention's post time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Its post.
    pub post_id: PostId,
    /// Its monitor.
    pub monitor_id: MonitorId,
}

impl MentionCursor {
    /// The cursor just past `view`.
    pub fn after(view: &MentionView) -> Self {
        MentionCursor {
            created_at: view.post.post.created_at,
            post_id: view.post.id,
            monitor_id: view.monitor_id,
        }
    }

    /// The opaque text form used in URLs: `millis.post.monitor`.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.created_at.timestamp_millis(),
            self.post_id.0,
            self.monitor_id.0
        )
    }

    /// Reads [`MentionCursor::encode`]'s form; `None` when it is not one.
    pub fn decode(raw: &str) -> Option<Self> {
        let mut parts = raw.split('.');
        let millis: i64 = parts.next()?.parse().ok()?;
        let post: i64 = parts.next()?.parse().ok()?;
        let monitor: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || post <= 0 || monitor <= 0 {
            return None;
        }
        Some(MentionCursor {
            created_at: chrono::DateTime::from_timestamp_millis(millis)?,
            post_id: PostId(post),
            monitor_id: MonitorId(monitor),
        })
    }
}
