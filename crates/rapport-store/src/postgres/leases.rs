//! [`SourceLeases`] for PostgreSQL: the `source_leases` table, timed by the database's clock.

use super::{execute, query_opt, PostgresStore};
use crate::sources::{SourceId, SourceLeases};
use crate::StoreResult;
use async_trait::async_trait;
use std::time::Duration;

/// The database's clock, in Unix milliseconds.
const NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

#[async_trait]
impl SourceLeases for PostgresStore {
    async fn acquire_source_lease(
        &self,
        source: SourceId,
        owner: &str,
        ttl: Duration,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        // One statement: the insert, or the update of a row that is ours or expired, is
        // atomic (the conflicting row is locked), so two processes never both get it.
        let sql = format!(
            "INSERT INTO source_leases (source_id, owner, expires_at) \
             VALUES ($1, $2, {NOW_MS} + $3) \
             ON CONFLICT (source_id) DO UPDATE \
                SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at \
                WHERE source_leases.owner = EXCLUDED.owner \
                   OR source_leases.expires_at <= {NOW_MS} \
             RETURNING owner"
        );
        let row = query_opt(
            &client,
            &sql,
            &[&source.0, &owner, &ttl_ms],
            "acquire a source lease",
        )
        .await?;
        Ok(row.is_some())
    }

    async fn release_source_lease(&self, source: SourceId, owner: &str) -> StoreResult<()> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM source_leases WHERE source_id = $1 AND owner = $2",
            &[&source.0, &owner],
            "release a source lease",
        )
        .await?;
        Ok(())
    }
}
