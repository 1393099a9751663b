//! [`SourceStore`] for SQLite: the `sources` and `source_state` tables (migration 0004).

use super::codec::{count_from_sql, count_to_sql, from_millis, to_millis};
use super::{checkpoint, write, SqliteStore};
use crate::secrets::{Secret, SecretKey};
use crate::sources::{NewSource, PollProgress, SourceHealth, SourceId, SourceRecord, SourceStore};
use crate::{BatchOutcome, IngestItem, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{Timestamp, WorkspaceId};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::sync::Arc;

const SOURCE_COLUMNS: &str = "s.id, s.workspace_id, s.kind, s.name, s.config, \
     s.credentials IS NOT NULL, s.enabled, s.created_at, st.checkpoint, st.last_success_at, \
     st.last_error, st.last_error_at, st.consecutive_failures, st.next_poll_at, st.posts_seen, st.catching_up";

/// A source row before its timestamps are checked.
struct RawSource {
    id: i64,
    workspace_id: i64,
    kind: String,
    name: String,
    config: String,
    has_credentials: bool,
    enabled: bool,
    created_at: i64,
    checkpoint: Option<String>,
    last_success_at: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    consecutive_failures: Option<i64>,
    next_poll_at: Option<i64>,
    posts_seen: Option<i64>,
    catching_up: Option<bool>,
}

impl RawSource {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawSource> {
        Ok(RawSource {
            id: row.get(0)?,
            workspace_id: row.get(1)?,
            kind: row.get(2)?,
            name: row.get(3)?,
            config: row.get(4)?,
            has_credentials: row.get(5)?,
            enabled: row.get(6)?,
            created_at: row.get(7)?,
            checkpoint: row.get(8)?,
            last_success_at: row.get(9)?,
            last_error: row.get(10)?,
            last_error_at: row.get(11)?,
            consecutive_failures: row.get(12)?,
            next_poll_at: row.get(13)?,
            posts_seen: row.get(14)?,
            catching_up: row.get(15)?,
        })
    }

    fn into_record(self) -> StoreResult<SourceRecord> {
        let time = |ms: Option<i64>, column| -> StoreResult<Option<Timestamp>> {
            ms.map(|ms| from_millis(ms, "source_state", column))
                .transpose()
        };
        Ok(SourceRecord {
            id: SourceId(self.id),
            workspace_id: WorkspaceId(self.workspace_id),
            kind: self.kind,
            name: self.name,
            config: self.config,
            has_credentials: self.has_credentials,
            enabled: self.enabled,
            created_at: from_millis(self.created_at, "sources", "created_at")?,
            checkpoint: self.checkpoint,
            health: SourceHealth {
                last_success: time(self.last_success_at, "last_success_at")?,
                last_error: self.last_error,
                last_error_at: time(self.last_error_at, "last_error_at")?,
                consecutive_failures: u32::try_from(self.consecutive_failures.unwrap_or(0))
                    .unwrap_or(0),
                next_poll_at: time(self.next_poll_at, "next_poll_at")?,
                posts_seen: count_from_sql(self.posts_seen.unwrap_or(0)),
                catching_up: self.catching_up.unwrap_or(false),
            },
        })
    }
}

fn read_sources(conn: &Connection, id: Option<SourceId>) -> StoreResult<Vec<SourceRecord>> {
    let sql = format!(
        "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN source_state st ON st.source_id = s.id \
         WHERE ?1 IS NULL OR s.id = ?1 ORDER BY s.id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("list sources"))?;
    let raw = stmt
        .query_map([id.map(|id| id.0)], RawSource::read)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list sources"))?;
    raw.into_iter().map(RawSource::into_record).collect()
}

fn upsert(conn: &mut Connection, source: NewSource, sealed: Option<Vec<u8>>) -> StoreResult<i64> {
    let tx = conn
        .transaction()
        .map_err(StoreError::sqlite("begin saving a source"))?;
    let workspace_exists: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
            [source.workspace_id.0],
            |r| r.get(0),
        )
        .map_err(StoreError::sqlite("check workspace"))?;
    if !workspace_exists {
        return Err(StoreError::NotFound {
            what: "workspace",
            id: source.workspace_id.0,
        });
    }
    let id: i64 = tx
        .query_row(
            "INSERT INTO sources (workspace_id, kind, name, config, credentials, enabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind,
                 config = excluded.config, enabled = excluded.enabled,
                 credentials = coalesce(excluded.credentials, credentials)
             RETURNING id",
            params![
                source.workspace_id.0,
                source.kind,
                source.name,
                source.config,
                sealed,
                source.enabled,
                to_millis(Utc::now())
            ],
            |r| r.get(0),
        )
        .map_err(StoreError::sqlite("save source"))?;
    tx.execute(
        "INSERT INTO source_state (source_id) VALUES (?1) ON CONFLICT DO NOTHING",
        [id],
    )
    .map_err(StoreError::sqlite("save source state"))?;
    tx.commit()
        .map_err(StoreError::sqlite("commit saving a source"))?;
    Ok(id)
}

fn not_found(source: SourceId) -> StoreError {
    StoreError::NotFound {
        what: "source",
        id: source.0,
    }
}

#[async_trait]
impl SourceStore for SqliteStore {
    async fn upsert_source(&self, source: NewSource, key: &SecretKey) -> StoreResult<SourceRecord> {
        let sealed = source
            .credentials
            .as_ref()
            .map(|secret| key.seal(secret))
            .transpose()?;
        let id = self
            .with_writer(move |w| upsert(&mut w.conn, source, sealed))
            .await?;
        self.source(SourceId(id))
            .await?
            .ok_or_else(|| not_found(SourceId(id)))
    }

    async fn sources(&self) -> StoreResult<Vec<SourceRecord>> {
        self.with_reader(|conn| read_sources(conn, None)).await
    }

    async fn source(&self, id: SourceId) -> StoreResult<Option<SourceRecord>> {
        let found = self
            .with_reader(move |conn| read_sources(conn, Some(id)))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn source_credentials(
        &self,
        id: SourceId,
        key: &SecretKey,
    ) -> StoreResult<Option<Secret>> {
        let sealed: Option<Option<Vec<u8>>> = self
            .with_reader(move |conn| {
                conn.query_row(
                    "SELECT credentials FROM sources WHERE id = ?1",
                    [id.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite("read source credentials"))
            })
            .await?;
        match sealed {
            None => Err(not_found(id)),
            Some(None) => Ok(None),
            Some(Some(sealed)) => Ok(Some(key.open(&sealed)?)),
        }
    }

    async fn write_batch_with_checkpoint(
        &self,
        source: SourceId,
        items: Arc<[IngestItem]>,
        progress: PollProgress,
    ) -> StoreResult<BatchOutcome> {
        let wal = checkpoint::wal_path(self.path());
        self.with_writer(move |w| {
            let seen = count_to_sql(items.len() as u64 + progress.logged);
            let outcome = write::write_batch_and(&mut w.conn, &mut w.authors, &items, |tx, _| {
                let updated = tx
                    .execute(
                        "UPDATE source_state SET checkpoint = coalesce(?2, checkpoint),
                             last_success_at = ?3, consecutive_failures = 0,
                             next_poll_at = ?4, posts_seen = posts_seen + ?5,
                             catching_up = ?6
                         WHERE source_id = ?1",
                        params![
                            source.0,
                            progress.checkpoint,
                            to_millis(Utc::now()),
                            progress.next_poll_at.map(to_millis),
                            seen,
                            progress.catching_up
                        ],
                    )
                    .map_err(StoreError::sqlite("write source checkpoint"))?;
                if updated == 0 {
                    return Err(not_found(source));
                }
                Ok(())
            })?;
            checkpoint::truncate_if_large(&w.conn, &wal)?;
            Ok(outcome)
        })
        .await
    }

    async fn record_source_failure(
        &self,
        source: SourceId,
        error: &str,
        next_poll_at: Timestamp,
    ) -> StoreResult<()> {
        let error = error.to_string();
        self.with_writer(move |w| {
            let updated = w
                .conn
                .execute(
                    "UPDATE source_state SET last_error = ?2, last_error_at = ?3,
                         consecutive_failures = consecutive_failures + 1, next_poll_at = ?4
                     WHERE source_id = ?1",
                    params![
                        source.0,
                        error,
                        to_millis(Utc::now()),
                        to_millis(next_poll_at)
                    ],
                )
                .map_err(StoreError::sqlite("record source failure"))?;
            if updated == 0 {
                return Err(not_found(source));
            }
            Ok(())
        })
        .await
    }
}
