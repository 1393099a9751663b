//! Images attached to drafts ([`MediaStore`]): the bytes are kept in the store itself
//! (SQLite `0018_draft_media.sql`, PostgreSQL `postgres/0023_draft_media.sql`), so any
//! server of a cluster can send a draft another one took the upload for. The caller sniffs
//! the type and reads the size in pixels before storing; the store keeps what it is given.

use crate::publishing::DraftId;
use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// An attached image's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct MediaId(pub i64);

/// An image attached to a draft (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftMedia {
    /// Its id.
    pub id: MediaId,
    /// Whose.
    pub workspace_id: WorkspaceId,
    /// The draft it belongs to.
    pub draft_id: DraftId,
    /// Its media type, sniffed from the bytes (`image/png`, ...).
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its alt text (empty when none was written).
    pub alt: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// An image to attach.
#[derive(Debug, Clone)]
pub struct NewDraftMedia {
    /// Whose.
    pub workspace_id: WorkspaceId,
    /// The draft (of that workspace).
    pub draft_id: DraftId,
    /// Its media type.
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its alt text.
    pub alt: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Drafts' images, bytes included.
#[async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Attaches an image to a draft of its workspace (`NotFound` when the draft is not
    /// that workspace's).
    async fn add_draft_media(&self, media: NewDraftMedia) -> StoreResult<DraftMedia>;

    /// A draft's images, in the order they were attached.
    async fn draft_media(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
    ) -> StoreResult<Vec<DraftMedia>>;

    /// One image of `workspace` with its bytes.
    async fn draft_media_bytes(
        &self,
        workspace: WorkspaceId,
        media: MediaId,
    ) -> StoreResult<Option<(DraftMedia, Vec<u8>)>>;

    /// Changes an image's alt text (`NotFound` when it is not `workspace`'s).
    async fn set_media_alt(
        &self,
        workspace: WorkspaceId,
        media: MediaId,
        alt: &str,
    ) -> StoreResult<()>;

    /// Removes an image (`NotFound` when it is not `workspace`'s).
    async fn remove_draft_media(&self, workspace: WorkspaceId, media: MediaId) -> StoreResult<()>;
}
