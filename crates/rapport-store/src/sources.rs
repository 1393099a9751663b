//! Configured sources of posts, their checkpoints and their health.
//!
//! A checkpoint (a cursor, a `since_id`, an ETag...) is opaque JSON text that only its
//! connector understands. [`SourceStore::write_batch_with_checkpoint`] stores a batch of
//! posts and the checkpoint that follows them in one transaction, so after a crash the
//! checkpoint is never ahead of the stored posts: the source replays a little (storing is
//! idempotent) and loses nothing.

use crate::secrets::{Secret, SecretKey};
use crate::{BatchOutcome, IngestItem, StoreResult};
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The store's id of a configured source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SourceId(pub i64);

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A source to create or update (sources are unique by workspace and name).
#[derive(Debug, Clone)]
pub struct NewSource {
    /// The workspace that owns it.
    pub workspace_id: WorkspaceId,
    /// The connector (`jsonfeed`, `mastodon`, `webhook`...).
    pub kind: String,
    /// A name unique within the workspace.
    pub name: String,
    /// The connector's settings, as JSON text.
    pub config: String,
    /// A token or shared secret; sealed before it is stored. `None` keeps what is stored.
    pub credentials: Option<Secret>,
    /// Whether the runner polls it.
    pub enabled: bool,
}

/// How a source has been doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceHealth {
    /// The last poll that stored its posts.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_success: Option<Timestamp>,
    /// The last error, as shown to people (never containing credentials).
    pub last_error: Option<String>,
    /// When it happened.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_error_at: Option<Timestamp>,
    /// Failed polls since the last success.
    pub consecutive_failures: u32,
    /// The earliest time the runner polls it again.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_poll_at: Option<Timestamp>,
    /// Posts stored from it, replays included.
    pub posts_seen: u64,
    /// Its last poll said more was already waiting: it is working through a backlog (after
    /// a pause, or a network sending faster than it is read).
    #[serde(default)]
    pub catching_up: bool,
}

/// A configured source with its checkpoint and health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceRecord {
    /// Its id.
    pub id: SourceId,
    /// The workspace that owns it.
    pub workspace_id: WorkspaceId,
    /// The connector.
    pub kind: String,
    /// Its name within the workspace.
    pub name: String,
    /// The connector's settings, as JSON text.
    pub config: String,
    /// Whether credentials are stored (they are only read with [`SourceStore::source_credentials`]).
    pub has_credentials: bool,
    /// Whether the runner polls it.
    pub enabled: bool,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Where the next poll starts (opaque to everyone but the connector).
    pub checkpoint: Option<String>,
    /// How it has been doing.
    pub health: SourceHealth,
}

/// What a successful poll leaves behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollProgress {
    /// The checkpoint after the batch's posts; `None` keeps the stored one.
    pub checkpoint: Option<String>,
    /// When to poll again.
    pub next_poll_at: Option<Timestamp>,
    /// More is already waiting (the source asked to be polled again at once).
    pub catching_up: bool,
    /// Posts of this poll handed to the ingest log instead of this batch (the workers
    /// store them); counted in the source's posts seen with the batch's own.
    pub logged: u64,
}

/// Sources, their checkpoints and health: the part of the store a source runner uses.
#[async_trait]
pub trait SourceStore: Send + Sync + 'static {
    /// Creates a source, or updates the one with the same workspace and name (its kind,
    /// config, enabled flag, and credentials when given), keeping its checkpoint and health.
    async fn upsert_source(&self, source: NewSource, key: &SecretKey) -> StoreResult<SourceRecord>;

    /// Every source, in id order.
    async fn sources(&self) -> StoreResult<Vec<SourceRecord>>;

    /// One source.
    async fn source(&self, id: SourceId) -> StoreResult<Option<SourceRecord>>;

    /// A source's credentials, opened with `key`; `None` when it has none.
    async fn source_credentials(
        &self,
        id: SourceId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>>;

    /// Stores `items` and the source's progress in ONE transaction: either the posts and the
    /// new checkpoint are both committed, or neither is. Also records the success (clears
    /// the failure count, adds to posts seen). Fails with `NotFound` for an unknown source.
    async fn write_batch_with_checkpoint(
        &self,
        source: SourceId,
        items: Arc<[IngestItem]>,
        progress: PollProgress,
    ) -> StoreResult<BatchOutcome>;

    /// Records a failed poll: the error, one more consecutive failure, the next poll time.
    /// The checkpoint is left as it was.
    async fn record_source_failure(
        &self,
        source: SourceId,
        error: &str,
        next_poll_at: Timestamp,
    ) -> StoreResult<()>;
}

/// Leases on sources, so that several processes sharing one store never poll the same
/// source at once: only the holder of an unexpired lease polls it, renewing the lease as it
/// goes; a holder that dies stops renewing and another process takes over when it expires.
/// PostgreSQL implements it (`source_leases`); the embedded store has one process and needs
/// none.
#[async_trait]
pub trait SourceLeases: Send + Sync + 'static {
    /// Takes the lease on `source` for `owner` until `ttl` from now, or renews it if `owner`
    /// holds it; `false` when another owner holds an unexpired one.
    async fn acquire_source_lease(
        &self,
        source: SourceId,
        owner: &str,
        ttl: std::time::Duration,
    ) -> StoreResult<bool>;

    /// Gives the lease back (if `owner` holds it), so another process may poll at once.
    async fn release_source_lease(&self, source: SourceId, owner: &str) -> StoreResult<()>;
}
