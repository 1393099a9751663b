//! The team inbox's storage: items that need an answer, their handling, saved replies,
//! agents' corrections (training data) and response times.
//!
//! Items are created by the batch writer itself (see [`crate::IngestItem::triage`]), in the
//! same transaction as the mention that put them there, so an inbox never misses a stored
//! post and never holds one twice. User ids are the accounts' ids; the inbox does not
//! interpret them.

use crate::{StoreResult, StoredPost};
use async_trait::async_trait;
use rapport_model::{
    InboxItemId, InboxReason, InboxStatus, Intent, PostId, SentimentLabel, Timestamp, Triage,
    WorkspaceId,
};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The id of a user, as the accounts tables give it.
pub type UserRef = i64;

/// One inbox item with its post, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxEntry {
    /// The item's id.
    pub id: InboxItemId,
    /// The workspace whose inbox holds it.
    pub workspace_id: WorkspaceId,
    /// Why it needs an answer.
    pub reason: InboxReason,
    /// Urgency on arrival.
    pub base_priority: f64,
    /// Time-independent ranking key (see [`Triage::rank_key`]).
    pub rank_key: f64,
    /// Where it stands.
    pub status: InboxStatus,
    /// Who handles it.
    pub assignee: Option<UserRef>,
    /// When the post was published.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub arrived_at: Timestamp,
    /// When the team first answered it through a network.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub first_response_at: Option<Timestamp>,
    /// Who sent that first answer.
    pub first_responder: Option<UserRef>,
    /// When it was resolved (cleared when it is reopened).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resolved_at: Option<Timestamp>,
    /// Last change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// Names of the workspace's monitors that matched the post.
    pub monitors: Vec<String>,
    /// The workspace's latest correction of the post's sentiment, if an agent made one.
    pub corrected_sentiment: Option<SentimentLabel>,
    /// The workspace's latest correction of the post's intent, if an agent made one.
    pub corrected_intent: Option<Intent>,
    /// The post.
    pub post: StoredPost,
}

impl InboxEntry {
    /// The item's priority at `now` (grows with waiting time).
    pub fn priority_at(&self, now: Timestamp) -> f64 {
        Triage::priority_at(self.rank_key, now)
    }
}

/// Whose items to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AssigneeFilter {
    /// Everyone's and nobody's.
    #[default]
    Any,
    /// Items nobody handles yet.
    Unassigned,
    /// Items one user handles.
    User(UserRef),
}

/// A position in the ranked inbox, for cursor pagination: the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InboxCursor {
    /// The last item's rank key.
    pub rank_key: f64,
    /// The last item's id (breaks ties).
    pub id: InboxItemId,
}

impl fmt::Display for InboxCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key's exact bits, so a round trip through text loses nothing.
        write!(f, "{:x}.{}", self.rank_key.to_bits(), self.id.0)
    }
}

/// A cursor that is not one this store handed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid inbox cursor {0:?}: pass back the `next` value of the previous page")]
pub struct InvalidCursor(pub String);

impl FromStr for InboxCursor {
    type Err = InvalidCursor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidCursor(s.to_string());
        let (bits, id) = s.split_once('.').ok_or_else(invalid)?;
        let bits = u64::from_str_radix(bits, 16).map_err(|_| invalid())?;
        let rank_key = f64::from_bits(bits);
        if !rank_key.is_finite() {
            return Err(invalid());
        }
        let id = id.parse::<i64>().map_err(|_| invalid())?;
        Ok(InboxCursor {
            rank_key,
            id: InboxItemId(id),
        })
    }
}

/// Which items to list, most urgent first.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxQuery {
    /// Statuses to include; empty means every status but resolved.
    pub statuses: Vec<InboxStatus>,
    /// Whose items.
    pub assignee: AssigneeFilter,
    /// Only items with this reason.
    pub reason: Option<InboxReason>,
    /// Continue after this item (the previous page's last).
    pub after: Option<InboxCursor>,
    /// Most items to return.
    pub limit: usize,
}

impl Default for InboxQuery {
    fn default() -> Self {
        InboxQuery {
            statuses: Vec::new(),
            assignee: AssigneeFilter::Any,
            reason: None,
            after: None,
            limit: 50,
        }
    }
}

/// A change to an item; `None` fields stay as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxUpdate {
    /// The new status.
    pub status: Option<InboxStatus>,
    /// The new assignee: `Some(None)` unassigns.
    pub assignee: Option<Option<UserRef>>,
}

/// Something that happened to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxEvent {
    /// Who did it (`None` for rapport itself).
    pub user: Option<UserRef>,
    /// `status`, `assign`, `note`, `reply` or `reply_failed`.
    pub kind: String,
    /// The new value or a short description.
    pub detail: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// An internal note on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxNote {
    /// The note's id.
    pub id: i64,
    /// Who wrote it.
    pub user: Option<UserRef>,
    /// What it says (shown escaped).
    pub body: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A reply's progress through the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReplyState {
    /// Recorded; the network call has not been confirmed.
    Pending,
    /// The network accepted it.
    Sent,
    /// The network refused it; the error says why.
    Failed,
}

impl ReplyState {
    /// The stable name used in the store and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyState::Pending => "pending",
            ReplyState::Sent => "sent",
            ReplyState::Failed => "failed",
        }
    }
}

/// A reply to an item, sent or being sent through the post's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyRecord {
    /// The reply's id.
    pub id: i64,
    /// The item answered.
    pub item: InboxItemId,
    /// Who wrote it.
    pub user: Option<UserRef>,
    /// The text sent.
    pub body: String,
    /// The key that makes sending it idempotent.
    pub idempotency_key: String,
    /// Where it stands.
    pub state: ReplyState,
    /// The network's id of the reply once sent.
    pub remote_id: Option<String>,
    /// The network's message when it failed.
    pub error: Option<String>,
    /// When it was written.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When the network answered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub finished_at: Option<Timestamp>,
}

/// A saved reply (`Hi {{author}}, ...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReply {
    /// Its id.
    pub id: i64,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// A short name agents pick it by.
    pub name: String,
    /// The text, with `{{variables}}`.
    pub body: String,
    /// When it was saved.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What an agent corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "field", content = "value", rename_all = "lowercase")]
pub enum Correction {
    /// The post's sentiment label.
    Sentiment(SentimentLabel),
    /// The post's intent.
    Intent(Intent),
}

impl Correction {
    /// `sentiment` or `intent`.
    pub fn field(&self) -> &'static str {
        match self {
            Correction::Sentiment(_) => "sentiment",
            Correction::Intent(_) => "intent",
        }
    }

    /// The corrected value's name.
    pub fn value(&self) -> &'static str {
        match self {
            Correction::Sentiment(label) => label.as_str(),
            Correction::Intent(intent) => intent.as_str(),
        }
    }
}

/// A correction with the text it applies to: one training example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabelledText {
    /// The post corrected.
    pub post_id: PostId,
    /// Its text.
    pub text: String,
    /// The corrected label.
    pub correction: Correction,
    /// When it was corrected.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// Response times over a set of items.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseStats {
    /// The agent these figures are for; `None` for the whole workspace.
    pub user: Option<UserRef>,
    /// Items that arrived in the period.
    pub items: u64,
    /// Of those, items answered through a network.
    pub answered: u64,
    /// Of those, items resolved.
    pub resolved: u64,
    /// Median seconds from arrival to first answer.
    pub median_first_response_secs: Option<f64>,
    /// 90th percentile of the same.
    pub p90_first_response_secs: Option<f64>,
    /// Median seconds from arrival to resolution.
    pub median_resolution_secs: Option<f64>,
    /// Share of answered items answered within the target time.
    pub answered_within_target: Option<f64>,
}

/// Everything the inbox keeps, per workspace.
#[async_trait]
pub trait InboxStore: Send + Sync + 'static {
    /// Items of a workspace, most urgent first.
    async fn inbox(
        &self,
        workspace: WorkspaceId,
        query: &InboxQuery,
    ) -> StoreResult<Vec<InboxEntry>>;

    /// One item, if it belongs to the workspace.
    async fn inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Option<InboxEntry>>;

    /// How many items are in each status.
    async fn inbox_counts(&self, workspace: WorkspaceId) -> StoreResult<Vec<(InboxStatus, u64)>>;

    /// Changes an item's status or assignee, recording who did it. Resolving stamps the
    /// resolution time; reopening clears it. `NotFound` when the item is not the workspace's.
    async fn update_inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        update: InboxUpdate,
        by: Option<UserRef>,
    ) -> StoreResult<InboxEntry>;

    /// What happened to an item, oldest first.
    async fn inbox_events(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxEvent>>;

    /// Adds an internal note.
    async fn add_inbox_note(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
    ) -> StoreResult<InboxNote>;

    /// An item's notes, oldest first.
    async fn inbox_notes(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxNote>>;

    /// The stored posts of the conversation a post belongs to (same network, same root),
    /// oldest first; just the post when it has no conversation.
    async fn conversation(&self, post: PostId, limit: usize) -> StoreResult<Vec<StoredPost>>;

    /// Records a reply before it is sent. Calling it again with the same idempotency key
    /// returns the first record unchanged, so a retry never sends twice.
    async fn begin_reply(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
        idempotency_key: &str,
    ) -> StoreResult<ReplyRecord>;

    /// Records the network's answer to a reply: its id when sent, its message when refused.
    /// The first sent reply stamps the item's first-response time (and moves a new item to
    /// open).
    async fn finish_reply(
        &self,
        reply: i64,
        outcome: Result<String, String>,
    ) -> StoreResult<ReplyRecord>;

    /// Replies recorded before `before` that never got the network's answer (the process
    /// stopped between recording and sending, or while sending), oldest first, each with its
    /// workspace: what a restart sends again or marks as unknown.
    async fn pending_replies(
        &self,
        before: Timestamp,
    ) -> StoreResult<Vec<(WorkspaceId, ReplyRecord)>>;

    /// An item's replies, oldest first.
    async fn inbox_replies(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<ReplyRecord>>;

    /// Saves (or replaces, by name) a saved reply.
    async fn save_reply_template(
        &self,
        workspace: WorkspaceId,
        name: &str,
        body: &str,
    ) -> StoreResult<SavedReply>;

    /// A workspace's saved replies, by name.
    async fn reply_templates(&self, workspace: WorkspaceId) -> StoreResult<Vec<SavedReply>>;

    /// Deletes a saved reply; false when there was none with that id in the workspace.
    async fn delete_reply_template(&self, workspace: WorkspaceId, id: i64) -> StoreResult<bool>;

    /// Records an agent's correction of a post's sentiment or intent.
    async fn record_correction(
        &self,
        workspace: WorkspaceId,
        post: PostId,
        correction: Correction,
        by: Option<UserRef>,
    ) -> StoreResult<()>;

    /// The workspace's corrections as training examples (the latest per post and field).
    async fn corrections(&self, workspace: WorkspaceId) -> StoreResult<Vec<LabelledText>>;

    /// Response times of items that arrived since `since`: the workspace's, then one entry
    /// per agent who answered or was assigned any.
    async fn response_stats(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        target_secs: u64,
    ) -> StoreResult<Vec<ResponseStats>>;
}

/// One item's times, in seconds after its arrival.
pub(crate) struct ItemTimes {
    pub(crate) agent: Option<UserRef>,
    pub(crate) first_response: Option<f64>,
    pub(crate) resolution: Option<f64>,
}

pub(crate) fn summarise(
    user: Option<UserRef>,
    items: Vec<&ItemTimes>,
    target: f64,
) -> ResponseStats {
    let mut first: Vec<f64> = items.iter().filter_map(|i| i.first_response).collect();
    let mut resolution: Vec<f64> = items.iter().filter_map(|i| i.resolution).collect();
    first.sort_by(f64::total_cmp);
    resolution.sort_by(f64::total_cmp);
    let within = first.iter().filter(|s| **s <= target).count();
    ResponseStats {
        user,
        items: items.len() as u64,
        answered: first.len() as u64,
        resolved: resolution.len() as u64,
        median_first_response_secs: quantile(&first, 0.5),
        p90_first_response_secs: quantile(&first, 0.9),
        median_resolution_secs: quantile(&resolution, 0.5),
        answered_within_target: (!first.is_empty()).then(|| within as f64 / first.len() as f64),
    }
}

/// The `q` quantile of sorted values (nearest rank), `None` when there are none.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.9), Some(7.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.9), Some(4.0));
    }

    #[test]
    fn cursors_round_trip_exactly_and_reject_garbage() {
        let cursor = InboxCursor {
            rank_key: -123_456.789_012_345,
            id: InboxItemId(42),
        };
        let back: InboxCursor = cursor.to_string().parse().unwrap();
        assert_eq!(back, cursor);
        for bad in ["", "x", "12", "zz.1", "1.x", "7ff8000000000000.1"] {
            assert!(bad.parse::<InboxCursor>().is_err(), "{bad}");
        }
    }
}
