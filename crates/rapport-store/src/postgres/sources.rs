//! [`SourceStore`] for PostgreSQL: the `sources` and `source_state` tables.

use super::write::{self, SourceProgress};
use super::{execute, get, query, query_opt, PostgresStore};
use crate::codec::{count_from_sql, from_millis, to_millis};
use crate::secrets::{Secret, SecretKey};
use crate::sources::{NewSource, PollProgress, SourceHealth, SourceId, SourceRecord, SourceStore};
use crate::{BatchOutcome, IngestItem, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use deadpool_postgres::GenericClient;
use rapport_model::{Timestamp, WorkspaceId};
use std::sync::Arc;

const SOURCE_COLUMNS: &str = "s.id, s.workspace_id, s.kind, s.name, s.config, \
     s.credentials IS NOT NULL, s.enabled, s.created_at, st.checkpoint, st.last_success_at, \
     st.last_error, st.last_error_at, st.consecutive_failures, st.next_poll_at, st.posts_seen, st.catching_up";

fn read_source(row: &tokio_postgres::Row) -> StoreResult<SourceRecord> {
    const CONTEXT: &str = "read a source";
    let time = |i: usize, column| -> StoreResult<Option<Timestamp>> {
        get::<Option<i64>>(row, i, CONTEXT)?
            .map(|ms| from_millis(ms, "source_state", column))
            .transpose()
    };
    Ok(SourceRecord {
        id: SourceId(get(row, 0, CONTEXT)?),
        workspace_id: WorkspaceId(get(row, 1, CONTEXT)?),
        kind: get(row, 2, CONTEXT)?,
        name: get(row, 3, CONTEXT)?,
        config: get(row, 4, CONTEXT)?,
        has_credentials: get(row, 5, CONTEXT)?,
        enabled: get(row, 6, CONTEXT)?,
        created_at: from_millis(get(row, 7, CONTEXT)?, "sources", "created_at")?,
        checkpoint: get(row, 8, CONTEXT)?,
        health: SourceHealth {
            last_success: time(9, "last_success_at")?,
            last_error: get(row, 10, CONTEXT)?,
            last_error_at: time(11, "last_error_at")?,
            consecutive_failures: u32::try_from(get::<Option<i32>>(row, 12, CONTEXT)?.unwrap_or(0))
                .unwrap_or(0),
            next_poll_at: time(13, "next_poll_at")?,
            posts_seen: count_from_sql(get::<Option<i64>>(row, 14, CONTEXT)?.unwrap_or(0)),
            catching_up: get::<Option<bool>>(row, 15, CONTEXT)?.unwrap_or(false),
        },
    })
}

async fn read_sources<C: GenericClient>(
    client: &C,
    id: Option<SourceId>,
) -> StoreResult<Vec<SourceRecord>> {
    let sql = format!(
        "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN source_state st ON st.source_id = s.id \
         WHERE $1::bigint IS NULL OR s.id = $1 ORDER BY s.id"
    );
    let rows = query(client, &sql, &[&id.map(|id| id.0)], "list sources").await?;
    rows.iter().map(read_source).collect()
}

fn not_found(source: SourceId) -> StoreError {
    StoreError::NotFound {
        what: "source",
        id: source.0,
    }
}

#[async_trait]
impl SourceStore for PostgresStore {
    async fn upsert_source(&self, source: NewSource, key: &SecretKey) -> StoreResult<SourceRecord> {
        let sealed = source
            .credentials
            .as_ref()
            .map(|secret| key.seal(secret))
            .transpose()?;
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin saving a source"))?;
        let row = query_opt(
            &tx,
            "INSERT INTO sources AS s (workspace_id, kind, name, config, credentials, enabled, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, \
                 config = excluded.config, enabled = excluded.enabled, \
                 credentials = coalesce(excluded.credentials, s.credentials) \
             RETURNING id",
            &[
                &source.workspace_id.0,
                &source.kind,
                &source.name,
                &source.config,
                &sealed,
                &source.enabled,
                &to_millis(Utc::now()),
            ],
            "save source",
        )
        .await
        .map_err(|e| {
            if write::is_foreign_key_violation(&e) {
                StoreError::NotFound {
                    what: "workspace",
                    id: source.workspace_id.0,
                }
            } else {
                e
            }
        })?;
        let id: i64 = match row {
            Some(row) => get(&row, 0, "save source")?,
            None => return Err(StoreError::Worker("saving a source returned no id".into())),
        };
        execute(
            &tx,
            "INSERT INTO source_state (source_id) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&id],
            "save source state",
        )
        .await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit saving a source"))?;
        read_sources(&client, Some(SourceId(id)))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found(SourceId(id)))
    }

    async fn sources(&self) -> StoreResult<Vec<SourceRecord>> {
        read_sources(&self.client().await?, None).await
    }

    async fn source(&self, id: SourceId) -> StoreResult<Option<SourceRecord>> {
        Ok(read_sources(&self.client().await?, Some(id))
            .await?
            .into_iter()
            .next())
    }

    async fn source_credentials(
        &self,
        id: SourceId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>> {
        let row = query_opt(
            &self.client().await?,
            "SELECT credentials FROM sources WHERE id = $1",
            &[&id.0],
            "read source credentials",
        )
        .await?;
        let Some(row) = row else {
            return Err(not_found(id));
        };
        match get::<Option<Vec<u8>>>(&row, 0, "read source credentials")? {
            None => Ok(None),
            Some(sealed) => Ok(Some(key.open(&sealed)?)),
        }
    }

    async fn write_batch_with_checkpoint(
        &self,
        source: SourceId,
        items: Arc<[IngestItem]>,
        progress: PollProgress,
    ) -> StoreResult<BatchOutcome> {
        let progress = SourceProgress {
            source,
            checkpoint: progress.checkpoint,
            next_poll_at: progress.next_poll_at.map(to_millis),
            catching_up: progress.catching_up,
            logged: progress.logged,
        };
        let mut client = self.client().await?;
        write::write_batch_retrying(
            &mut client,
            &items,
            Some(&progress),
            self.inner.options.write_retries,
        )
        .await
    }

    async fn record_source_failure(
        &self,
        source: SourceId,
        error: &str,
        next_poll_at: Timestamp,
    ) -> StoreResult<()> {
        let updated = execute(
            &self.client().await?,
            "UPDATE source_state SET last_error = $2, last_error_at = $3, \
                 consecutive_failures = consecutive_failures + 1, next_poll_at = $4 \
             WHERE source_id = $1",
            &[
                &source.0,
                &error,
                &to_millis(Utc::now()),
                &to_millis(next_poll_at),
            ],
            "record source failure",
        )
        .await?;
        if updated == 0 {
            return Err(not_found(source));
        }
        Ok(())
    }
}
