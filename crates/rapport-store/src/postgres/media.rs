//! [`MediaStore`] on PostgreSQL (migration `postgres/0023_draft_media.sql`).

use super::{execute, get, query, query_opt, PostgresStore};
use crate::codec::{from_millis, to_millis};
use crate::media::{DraftMedia, MediaId, MediaStore, NewDraftMedia};
use crate::publishing::DraftId;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::WorkspaceId;
use tokio_postgres::Row;

const COLUMNS: &str = "id, workspace_id, draft_id, mime, width, height, alt, size, created_at";

fn media(row: &Row, context: &'static str) -> StoreResult<DraftMedia> {
    Ok(DraftMedia {
        id: MediaId(get(row, 0, context)?),
        workspace_id: WorkspaceId(get(row, 1, context)?),
        draft_id: DraftId(get(row, 2, context)?),
        mime: get(row, 3, context)?,
        width: u32::try_from(get::<i32>(row, 4, context)?).unwrap_or(0),
        height: u32::try_from(get::<i32>(row, 5, context)?).unwrap_or(0),
        alt: get(row, 6, context)?,
        size: u64::try_from(get::<i64>(row, 7, context)?).unwrap_or(0),
        created_at: from_millis(get(row, 8, context)?, "draft_media", "created_at")?,
    })
}

fn pixels(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[async_trait]
impl MediaStore for PostgresStore {
    async fn add_draft_media(&self, new: NewDraftMedia) -> StoreResult<DraftMedia> {
        const CONTEXT: &str = "attach an image";
        let row = query_opt(
            &self.client().await?,
            &format!(
                "INSERT INTO draft_media (workspace_id, draft_id, mime, width, height, alt, \
                     size, bytes, created_at) \
                 SELECT workspace_id, id, $3, $4, $5, $6, $7, $8, $9 FROM drafts \
                 WHERE id = $2 AND workspace_id = $1 RETURNING {COLUMNS}"
            ),
            &[
                &new.workspace_id.0,
                &new.draft_id.0,
                &new.mime,
                &pixels(new.width),
                &pixels(new.height),
                &new.alt,
                &i64::try_from(new.bytes.len()).unwrap_or(i64::MAX),
                &new.bytes,
                &to_millis(Utc::now()),
            ],
            CONTEXT,
        )
        .await?
        .ok_or(StoreError::NotFound {
            what: "draft",
            id: new.draft_id.0,
        })?;
        media(&row, CONTEXT)
    }

    async fn draft_media(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
    ) -> StoreResult<Vec<DraftMedia>> {
        const CONTEXT: &str = "list a draft's images";
        let rows = query(
            &self.client().await?,
            &format!(
                "SELECT {COLUMNS} FROM draft_media WHERE draft_id = $1 AND workspace_id = $2 \
                 ORDER BY id"
            ),
            &[&draft.0, &workspace.0],
            CONTEXT,
        )
        .await?;
        rows.iter().map(|row| media(row, CONTEXT)).collect()
    }

    async fn draft_media_bytes(
        &self,
        workspace: WorkspaceId,
        id: MediaId,
    ) -> StoreResult<Option<(DraftMedia, Vec<u8>)>> {
        const CONTEXT: &str = "read an image";
        query_opt(
            &self.client().await?,
            &format!(
                "SELECT {COLUMNS}, bytes FROM draft_media WHERE id = $1 AND workspace_id = $2"
            ),
            &[&id.0, &workspace.0],
            CONTEXT,
        )
        .await?
        .map(|row| Ok((media(&row, CONTEXT)?, get(&row, 9, CONTEXT)?)))
        .transpose()
    }

    async fn set_media_alt(
        &self,
        workspace: WorkspaceId,
        id: MediaId,
        alt: &str,
    ) -> StoreResult<()> {
        let changed = execute(
            &self.client().await?,
            "UPDATE draft_media SET alt = $1 WHERE id = $2 AND workspace_id = $3",
            &[&alt, &id.0, &workspace.0],
            "change an image's alt text",
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "image",
                id: id.0,
            });
        }
        Ok(())
    }

    async fn remove_draft_media(&self, workspace: WorkspaceId, id: MediaId) -> StoreResult<()> {
        let changed = execute(
            &self.client().await?,
            "DELETE FROM draft_media WHERE id = $1 AND workspace_id = $2",
            &[&id.0, &workspace.0],
            "remove an image",
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "image",
                id: id.0,
            });
        }
        Ok(())
    }
}
