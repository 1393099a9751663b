//! [`MediaStore`] on SQLite (migration `0018_draft_media.sql`).

use super::codec::{from_millis, to_millis};
use super::SqliteStore;
use crate::media::{DraftMedia, MediaId, MediaStore, NewDraftMedia};
use crate::publishing::DraftId;
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::WorkspaceId;
use rusqlite::{params, OptionalExtension, Row};

const COLUMNS: &str = "id, workspace_id, draft_id, mime, width, height, alt, size, created_at";

type MediaRow = (i64, i64, i64, String, i64, i64, String, i64, i64);

fn media_row(r: &Row<'_>) -> rusqlite::Result<MediaRow> {
    TryFrom::try_from(r)
}

fn finish(
    (id, workspace, draft, mime, width, height, alt, size, created_at): MediaRow,
) -> StoreResult<DraftMedia> {
    Ok(DraftMedia {
        id: MediaId(id),
        workspace_id: WorkspaceId(workspace),
        draft_id: DraftId(draft),
        mime,
        width: u32::try_from(width).unwrap_or(0),
        height: u32::try_from(height).unwrap_or(0),
        alt,
        size: u64::try_from(size).unwrap_or(0),
        created_at: from_millis(created_at, "draft_media", "created_at")?,
    })
}

#[async_trait]
impl MediaStore for SqliteStore {
    async fn add_draft_media(&self, media: NewDraftMedia) -> StoreResult<DraftMedia> {
        self.with_writer(move |w| {
            let row = w
                .conn
                .query_row(
                    &format!(
                        "INSERT INTO draft_media (workspace_id, draft_id, mime, width, height, \
                             alt, size, bytes, created_at) \
                         SELECT workspace_id, id, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM drafts \
                         WHERE id = ?2 AND workspace_id = ?1 RETURNING {COLUMNS}"
                    ),
                    params![
                        media.workspace_id.0,
                        media.draft_id.0,
                        media.mime,
                        media.width,
                        media.height,
                        media.alt,
                        i64::try_from(media.bytes.len()).unwrap_or(i64::MAX),
                        media.bytes,
                        to_millis(Utc::now()),
                    ],
                    media_row,
                )
                .optional()
                .map_err(StoreError::sqlite("attach an image"))?
                .ok_or(StoreError::NotFound {
                    what: "draft",
                    id: media.draft_id.0,
                })?;
            finish(row)
        })
        .await
    }

    async fn draft_media(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
    ) -> StoreResult<Vec<DraftMedia>> {
        self.with_reader(move |conn| {
            let what = "list a draft's images";
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM draft_media WHERE draft_id = ?1 \
                     AND workspace_id = ?2 ORDER BY id"
                ))
                .map_err(StoreError::sqlite(what))?;
            let rows = stmt
                .query_map([draft.0, workspace.0], media_row)
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite(what))?;
            rows.into_iter().map(finish).collect()
        })
        .await
    }

    async fn draft_media_bytes(
        &self,
        workspace: WorkspaceId,
        media: MediaId,
    ) -> StoreResult<Option<(DraftMedia, Vec<u8>)>> {
        self.with_reader(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {COLUMNS}, bytes FROM draft_media WHERE id = ?1 AND workspace_id = ?2"
                ),
                [media.0, workspace.0],
                |r| Ok((media_row(r)?, r.get::<_, Vec<u8>>(9)?)),
            )
            .optional()
            .map_err(StoreError::sqlite("read an image"))?
            .map(|(row, bytes)| Ok((finish(row)?, bytes)))
            .transpose()
        })
        .await
    }

    async fn set_media_alt(
        &self,
        workspace: WorkspaceId,
        media: MediaId,
        alt: &str,
    ) -> StoreResult<()> {
        let alt = alt.to_string();
        self.with_writer(move |w| {
            let changed = w
                .conn
                .execute(
                    "UPDATE draft_media SET alt = ?1 WHERE id = ?2 AND workspace_id = ?3",
                    params![alt, media.0, workspace.0],
                )
                .map_err(StoreError::sqlite("change an image's alt text"))?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "image",
                    id: media.0,
                });
            }
            Ok(())
        })
        .await
    }

    async fn remove_draft_media(&self, workspace: WorkspaceId, media: MediaId) -> StoreResult<()> {
        self.with_writer(move |w| {
            let changed = w
                .conn
                .execute(
                    "DELETE FROM draft_media WHERE id = ?1 AND workspace_id = ?2",
                    params![media.0, workspace.0],
                )
                .map_err(StoreError::sqlite("remove an image"))?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "image",
                    id: media.0,
                });
            }
            Ok(())
        })
        .await
    }
}
