//! Workspaces: one per brand or agency client.

use crate::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// One brand or client. Monitors, mentions and (later) inboxes, drafts and users' roles
/// belong to exactly one workspace. Posts themselves are public and shared: the same post
/// can be a mention in two workspaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    /// Store id.
    pub id: WorkspaceId,
    /// Display name (`Acme Coffee`).
    pub name: String,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}
