//! Publishing: connected accounts, drafts, their approval and schedule, and the deliveries
//! the scheduler sends (one per draft and target account).
//!
//! A delivery's idempotency key is stored when the scheduler claims it
//! ([`PublishStore::claim_due_deliveries`] moves it to `sending` in the same transaction),
//! that is *before* the network is called.
//!
//! Several schedulers may run against one store (a cluster of `rapport serve` on
//! PostgreSQL): a claim names its holder and expires ([`ClaimLease`]); two claimers never
//! get the same delivery, and a delivery left `sending` is taken over
//! ([`PublishStore::claim_stuck_deliveries`]) and reconciled with the network only once its
//! claim has expired, so a live peer's in-flight send is never sent again. A holder whose
//! claim was taken over cannot record its outcome any more ([`PublishStore::finish_delivery`]
//! answers `Conflict`).
//!
//! [`crate::SqliteStore`] (migrations `0010_publishing.sql`, `0014_publish_slots.sql`) and
//! [`crate::PostgresStore`] (`postgres/0016_publishing.sql`, `postgres/0017_publish_slots.sql`)
//! implement [`PublishStore`]. Weekly slots ([`PublishSlot`]) are kept here; the next free
//! one is found by `rapport-web` (it knows time zones).

use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A connected account's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PublishAccountId(pub i64);

/// A draft's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct DraftId(pub i64);

/// A delivery's id (one draft's target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct DeliveryId(pub i64);

/// An account to connect.
#[derive(Debug, Clone)]
pub struct NewPublishAccount {
    /// Whose account.
    pub workspace_id: WorkspaceId,
    /// Its kind (`rapport_sources::publish::ACCOUNT_KINDS`).
    pub kind: String,
    /// A name unique within the workspace.
    pub display_name: String,
    /// Its settings as JSON (`{"instance": "https://..."}` for Mastodon).
    pub settings: serde_json::Value,
    /// Its token or app password; sealed before it is stored.
    pub secret: Secret,
}

/// A connected account (its secret stays sealed: see [`PublishStore::publish_account_secret`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishAccount {
    /// Its id.
    pub id: PublishAccountId,
    /// Whose account.
    pub workspace_id: WorkspaceId,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub display_name: String,
    /// Its settings.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Value,
    /// When it was connected.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// Being written.
    Draft,
    /// Waiting for a manager.
    PendingApproval,
    /// Approved, not scheduled yet.
    Approved,
    /// Waiting for its time.
    Scheduled,
    /// Being sent.
    Sending,
    /// Sent to every target.
    Sent,
    /// At least one target failed for good.
    Failed,
    /// A manager sent it back.
    Rejected,
    /// Withdrawn before sending.
    Cancelled,
}

impl DraftStatus {
    /// Every status, in the order of the flow.
    pub const ALL: [DraftStatus; 9] = [
        DraftStatus::Draft,
        DraftStatus::PendingApproval,
        DraftStatus::Approved,
        DraftStatus::Scheduled,
        DraftStatus::Sending,
        DraftStatus::Sent,
        DraftStatus::Failed,
        DraftStatus::Rejected,
        DraftStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Draft => "draft",
            DraftStatus::PendingApproval => "pending_approval",
            DraftStatus::Approved => "approved",
            DraftStatus::Scheduled => "scheduled",
            DraftStatus::Sending => "sending",
            DraftStatus::Sent => "sent",
            DraftStatus::Failed => "failed",
            DraftStatus::Rejected => "rejected",
            DraftStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<DraftStatus> {
        DraftStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

/// Where one target's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The draft is not scheduled.
    Waiting,
    /// Due at `next_attempt_at`.
    Pending,
    /// Claimed by the scheduler: its key is stored, the network may have it.
    Sending,
    /// Published.
    Sent,
    /// Refused for good (the network's message in `last_error`).
    Failed,
    /// Withdrawn.
    Cancelled,
}

impl TargetStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Waiting => "waiting",
            TargetStatus::Pending => "pending",
            TargetStatus::Sending => "sending",
            TargetStatus::Sent => "sent",
            TargetStatus::Failed => "failed",
            TargetStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<TargetStatus> {
        [
            TargetStatus::Waiting,
            TargetStatus::Pending,
            TargetStatus::Sending,
            TargetStatus::Sent,
            TargetStatus::Failed,
            TargetStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }
}

/// A native poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftPoll {
    /// The choices, in order.
    pub options: Vec<String>,
    /// How long it stays open, in minutes.
    pub duration_minutes: u32,
}

/// One target of a draft: an account, the text variant sent there, and its delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftTarget {
    /// The delivery's id.
    pub id: DeliveryId,
    /// The account.
    pub account_id: PublishAccountId,
    /// The account's name.
    pub account_name: String,
    /// The account's kind.
    pub account_kind: String,
    /// The text sent to this account instead of the draft's, if any.
    pub text: Option<String>,
    /// Where its delivery stands.
    pub status: TargetStatus,
    /// Network calls made.
    pub attempts: u32,
    /// When the scheduler tries next.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_attempt_at: Option<Timestamp>,
    /// The last failure, as the network put it.
    pub last_error: Option<String>,
    /// The published post's id on the network.
    pub native_id: Option<String>,
    /// Its URL.
    pub url: Option<String>,
    /// When it was published.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub sent_at: Option<Timestamp>,
    /// The account's followers when it was sent (`None`: not sent, or unknown).
    pub followers: Option<u64>,
}

/// A comment on a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftComment {
    /// Its id.
    pub id: i64,
    /// Who wrote it (a user id), if known.
    pub author_id: Option<i64>,
    /// Their name.
    pub author_name: Option<String>,
    /// The text.
    pub body: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A draft with its targets and comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draft {
    /// Its id.
    pub id: DraftId,
    /// Whose draft.
    pub workspace_id: WorkspaceId,
    /// Who wrote it (a user id), if known.
    pub author_id: Option<i64>,
    /// Their name.
    pub author_name: Option<String>,
    /// The text.
    pub text: String,
    /// A native poll.
    pub poll: Option<DraftPoll>,
    /// Where it stands.
    pub status: DraftStatus,
    /// When it goes out (UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub scheduled_at: Option<Timestamp>,
    /// The manager who approved it.
    pub approved_by: Option<i64>,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// Its accounts and their deliveries.
    pub targets: Vec<DraftTarget>,
    /// The discussion, oldest first.
    pub comments: Vec<DraftComment>,
}

/// A draft to create.
#[derive(Debug, Clone)]
pub struct NewDraft {
    /// Whose draft.
    pub workspace_id: WorkspaceId,
    /// Who wrote it.
    pub author_id: Option<i64>,
    /// The text.
    pub text: String,
    /// Its accounts, each with an optional text variant.
    pub targets: Vec<(PublishAccountId, Option<String>)>,
    /// A native poll.
    pub poll: Option<DraftPoll>,
    /// `Draft` or `PendingApproval` (scheduling goes through [`PublishStore::transition_draft`]).
    pub status: DraftStatus,
    /// The wished time.
    pub scheduled_at: Option<Timestamp>,
}

/// Which drafts to list.
#[derive(Debug, Clone, Default)]
pub struct DraftFilter {
    /// Only these statuses (empty: all).
    pub statuses: Vec<DraftStatus>,
    /// Scheduled at or after.
    pub from: Option<Timestamp>,
    /// Scheduled before.
    pub until: Option<Timestamp>,
    /// At most this many (0: 500).
    pub limit: usize,
}

/// A change of a draft's status, applied only from one of `from`.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The statuses it may leave.
    pub from: Vec<DraftStatus>,
    /// The status it takes.
    pub to: DraftStatus,
    /// A new schedule time (`None`: unchanged).
    pub scheduled_at: Option<Timestamp>,
    /// Who approved it (recorded when `to` is `Approved` or `Scheduled`).
    pub approved_by: Option<i64>,
}

/// A claimed delivery: everything the scheduler needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// Its draft.
    pub draft_id: DraftId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The account it goes out through.
    pub account_id: PublishAccountId,
    /// The account's kind.
    pub account_kind: String,
    /// The account's settings.
    pub account_settings: serde_json::Value,
    /// The text to send (the variant, or the draft's).
    pub text: String,
    /// A native poll.
    pub poll: Option<DraftPoll>,
    /// The key stored before the call.
    pub idempotency_key: String,
    /// Attempts made, this one included.
    pub attempts: u32,
}

/// A workspace's recurring weekly publishing slot: a weekday and a local time in the
/// workspace's time zone ("add to queue" puts a draft into the next free one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishSlot {
    /// Its id.
    pub id: i64,
    /// Whose slot.
    pub workspace_id: WorkspaceId,
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: u8,
    /// Minutes after local midnight (0 .. 1439).
    pub minute: u16,
}

/// A scheduler's hold on the deliveries it claims: who it is, and how long a claim holds
/// before another scheduler may take the delivery over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLease {
    /// The claimer, unique among the processes sharing the store (host, process, random).
    pub owner: String,
    /// How long a claim holds; longer than the network calls of one delivery.
    pub ttl: chrono::Duration,
}

impl ClaimLease {
    /// A lease for `owner` lasting `ttl`.
    pub fn new(owner: impl Into<String>, ttl: chrono::Duration) -> ClaimLease {
        ClaimLease {
            owner: owner.into(),
            ttl,
        }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Published.
    Sent {
        /// The post's id on the network.
        native_id: String,
        /// Its URL.
        url: Option<String>,
        /// The account's followers when it was sent (`None`: unknown, or the network has
        /// no such count), for engagement per 1,000 followers.
        followers: Option<u64>,
    },
    /// Try again at `at` (same key).
    Retry {
        /// When.
        at: Timestamp,
        /// Why this attempt failed.
        error: String,
    },
    /// Refused for good.
    Failed {
        /// The network's message.
        error: String,
    },
}

/// A fresh idempotency key for a delivery: its draft and target and 96 random bits.
pub(crate) fn new_key(draft: i64, target: i64) -> StoreResult<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Worker(format!("no randomness for an idempotency key: {e}")))?;
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("rapport-{draft}-{target}-{random}"))
}

/// The error of a holder whose claim was taken over (or never held).
pub(crate) fn lost_claim(id: DeliveryId, owner: &str) -> StoreError {
    StoreError::Conflict {
        what: "delivery claim",
        value: format!(
            "delivery {} is no longer being sent by {owner} (its claim expired and another \
             scheduler took it over)",
            id.0
        ),
    }
}

/// A stored slot row, checked.
pub(crate) fn slot(
    id: i64,
    workspace: WorkspaceId,
    weekday: i64,
    minute: i64,
) -> StoreResult<PublishSlot> {
    let weekday = u8::try_from(weekday)
        .ok()
        .filter(|d| *d <= 6)
        .ok_or_else(|| StoreError::Corrupt {
            table: "publish_slots",
            column: "weekday",
            message: format!("{weekday} is not 0..=6"),
        })?;
    let minute = u16::try_from(minute)
        .ok()
        .filter(|m| *m < 1440)
        .ok_or_else(|| StoreError::Corrupt {
            table: "publish_slots",
            column: "minute",
            message: format!("{minute} is not 0..1440"),
        })?;
    Ok(PublishSlot {
        id,
        workspace_id: workspace,
        weekday,
        minute,
    })
}

/// `Mon 09:30`, for messages.
pub(crate) fn slot_name(weekday: u8, minute: u16) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let day = DAYS.get(usize::from(weekday)).copied().unwrap_or("?");
    format!("{day} {:02}:{:02}", minute / 60, minute % 60)
}

/// Connected accounts, drafts and deliveries.
#[async_trait]
pub trait PublishStore: Send + Sync + 'static {
    /// The workspace's time zone (an IANA name; `UTC` unless set).
    async fn time_zone(&self, workspace: WorkspaceId) -> StoreResult<String>;

    /// Sets the workspace's time zone (the caller checks the name).
    async fn set_time_zone(&self, workspace: WorkspaceId, time_zone: &str) -> StoreResult<()>;

    /// Connects an account; its secret is sealed with `key`. `Conflict` when the name is taken.
    async fn add_publish_account(
        &self,
        account: NewPublishAccount,
        key: &SecretKey,
    ) -> StoreResult<PublishAccount>;

    /// A workspace's accounts, by id.
    async fn publish_accounts(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishAccount>>;

    /// An account's secret, opened with `key`.
    async fn publish_account_secret(
        &self,
        account: PublishAccountId,
        key: &SecretKey,
    ) -> StoreResult<Secret>;

    /// Creates a draft with its targets (`NotFound` for an account of another workspace).
    async fn create_draft(&self, draft: NewDraft) -> StoreResult<Draft>;

    /// One draft of `workspace`.
    async fn draft(&self, workspace: WorkspaceId, id: DraftId) -> StoreResult<Option<Draft>>;

    /// A workspace's drafts that pass `filter`, by schedule time then id (unscheduled last).
    async fn drafts(&self, workspace: WorkspaceId, filter: &DraftFilter)
        -> StoreResult<Vec<Draft>>;

    /// Moves a draft from one of `transition.from` to `transition.to`, in one transaction
    /// with its targets (`Scheduled`: every unsent target becomes due at the schedule time;
    /// `Cancelled`: every unsent target is cancelled). `Conflict` when the draft is in
    /// another status, `NotFound` when there is no such draft.
    async fn transition_draft(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        transition: Transition,
    ) -> StoreResult<Draft>;

    /// Adds a comment.
    async fn add_draft_comment(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        author: Option<i64>,
        body: &str,
    ) -> StoreResult<DraftComment>;

    /// A workspace's weekly slots, by weekday then time.
    async fn publish_slots(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishSlot>>;

    /// Adds a weekly slot (`weekday` 0..=6, `minute` 0..=1439, checked by the caller).
    /// `Conflict` when the workspace has it already, `NotFound` without the workspace.
    async fn add_publish_slot(
        &self,
        workspace: WorkspaceId,
        weekday: u8,
        minute: u16,
    ) -> StoreResult<PublishSlot>;

    /// Removes one of the workspace's slots (`NotFound` when it has no such slot).
    async fn remove_publish_slot(&self, workspace: WorkspaceId, slot: i64) -> StoreResult<()>;

    /// Claims up to `limit` deliveries due at `now` for `lease.owner` until `now +
    /// lease.ttl`: each becomes `sending`, gets its idempotency key (kept from an earlier
    /// attempt, or made now) and one more attempt, and its draft becomes `sending`, all in
    /// one transaction. Concurrent claimers never get the same delivery.
    async fn claim_due_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>>;

    /// Takes over up to `limit` deliveries left `sending` whose claim expired at `now` (their
    /// holder died or hung between the network call and its record): each is claimed for
    /// `lease.owner` as in [`PublishStore::claim_due_deliveries`], keeping its key. A
    /// delivery whose claim still holds (a live peer is sending it) is never returned.
    async fn claim_stuck_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>>;

    /// Records an attempt's outcome by the claim's holder `owner`; the draft becomes `sent`
    /// or `failed` when its last target settles. `Conflict` when the delivery is no longer
    /// `sending` under `owner` (its claim expired and another scheduler took it over),
    /// `NotFound` when there is no such delivery.
    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()>;
}
