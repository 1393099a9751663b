//! rapport's storage.
//!
//! [`Store`] is the one interface the rest of rapport uses to keep posts, workspaces,
//! monitors and mentions. [`SqliteStore`] is the embedded default (one SQLite file in WAL
//! mode with FTS5 full-text search); [`PostgresStore`] is the scaled-out one (any number of
//! processes sharing one PostgreSQL database, full-text search with `tsvector`). Both pass
//! the same conformance suite (`tests/conformance`). Only this crate speaks SQL.

mod accounts;
pub mod alerts;
pub mod analytics;
mod codec;
pub mod engagement;
mod error;
pub mod inbox;
pub mod media;
mod postgres;
pub mod publishing;
pub mod reports;
mod secrets;
mod sources;
mod sqlite;
pub mod surveys;
mod types;

pub use accounts::{
    AccountStore, Member, NewApiToken, NewSession, NewUser, SecretHash, UserCredentials,
};
pub use alerts::AlertStore;
pub use analytics::AnalyticsStore;
pub use engagement::EngagementStore;
pub use error::StoreError;
pub use inbox::InboxStore;
pub use media::MediaStore;
pub use postgres::{PostgresOptions, PostgresStore, TableSize, POSTGRES_SCHEMA_VERSION};
pub use publishing::PublishStore;
pub use reports::ReportStore;
pub use secrets::{Secret, SecretError, SecretKey, SECRET_KEY_ENV, SECRET_KEY_FILE};
pub use sources::{
    NewSource, PollProgress, SourceHealth, SourceId, SourceLeases, SourceRecord, SourceStore,
};
pub use sqlite::{Durability, SqliteOptions, SqliteStore, SCHEMA_VERSION};
pub use surveys::SurveyStore;
pub use types::{
    BatchOutcome, DiskUsage, IngestItem, MentionCursor, MentionFilter, MentionView, MonitorCount,
    StoredPost,
};

use async_trait::async_trait;
use rapport_model::{Monitor, NewMonitor, PostKey, Timestamp, Workspace, WorkspaceId};
use std::sync::Arc;

/// Result type of every store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything rapport keeps, behind one interface so SQLite and PostgreSQL are interchangeable.
///
/// Invariants every implementation keeps:
/// - a post is unique by its [`PostKey`] (network, native id): writing it again updates its
///   engagement counts (and text, if edited) and never creates a second row;
/// - [`Store::write_batch`] is atomic: after a crash either the whole batch is stored or none of it;
/// - a mention is unique by (monitor, post).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a batch of posts and the monitors each matched, in one transaction. The batch
    /// is shared so that a caller can retry it after a failure without copying it.
    async fn write_shared_batch(&self, items: Arc<[IngestItem]>) -> StoreResult<BatchOutcome>;

    /// [`Store::write_shared_batch`] for a batch the caller does not need back.
    async fn write_batch(&self, items: Vec<IngestItem>) -> StoreResult<BatchOutcome> {
        self.write_shared_batch(items.into()).await
    }

    /// The number of stored posts.
    async fn post_count(&self) -> StoreResult<u64>;

    /// One post by its identity.
    async fn get_post(&self, key: &PostKey) -> StoreResult<Option<StoredPost>>;

    /// Posts published since `since`, newest first, at most `limit`.
    async fn posts_since(&self, since: Timestamp, limit: usize) -> StoreResult<Vec<StoredPost>>;

    /// Full-text search over post text, best matches first. `query` is plain words
    /// (all must occur); operators are not interpreted here.
    async fn search_posts(&self, query: &str, limit: usize) -> StoreResult<Vec<StoredPost>>;

    /// Creates a workspace.
    async fn create_workspace(&self, name: &str) -> StoreResult<Workspace>;

    /// All workspaces, oldest first.
    async fn workspaces(&self) -> StoreResult<Vec<Workspace>>;

    /// Creates a monitor in its workspace.
    async fn create_monitor(&self, monitor: NewMonitor) -> StoreResult<Monitor>;

    /// Changes a monitor's name, kind and query (`edit.workspace_id` must be its workspace,
    /// else `NotFound`). Mentions already recorded stay; the new query applies to posts
    /// matched from now on.
    async fn update_monitor(
        &self,
        monitor: rapport_model::MonitorId,
        edit: NewMonitor,
    ) -> StoreResult<Monitor>;

    /// The monitors of one workspace, or of all workspaces when `workspace` is `None`.
    async fn monitors(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<Monitor>>;

    /// A workspace's most recent mentions (by post time), newest first.
    async fn recent_mentions(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>>;

    /// A workspace's mentions that pass `filter`, newest first (by post time), at most
    /// `limit`. Page with `filter.until` set to the last one's post time.
    async fn find_mentions(
        &self,
        workspace: WorkspaceId,
        filter: &MentionFilter,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>>;

    /// Mentions per monitor of a workspace: in total and since `since` (by post time).
    async fn mention_counts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
    ) -> StoreResult<Vec<MonitorCount>>;

    /// What the store occupies on disk, split so the full-text index can be told apart.
    async fn disk_usage(&self) -> StoreResult<DiskUsage>;
}
