//! What rapport occupies in PostgreSQL: bytes per table (with its indexes and TOAST) and
//! rows, for `disk_usage` and for sizing a deployment (bytes per million posts).

use super::{get, query, PostgresStore};
use crate::codec::count_from_sql;
use crate::{DiskUsage, StoreResult};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

/// One table of the store's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSize {
    /// The table's name.
    pub table: String,
    /// Its rows (exact: counted, not estimated).
    pub rows: u64,
    /// Bytes of the table, its indexes and its TOAST data (`pg_total_relation_size`).
    pub total_bytes: u64,
    /// Of those, bytes of its indexes (`pg_indexes_size`).
    pub index_bytes: u64,
}

/// The tables of the current schema, largest first.
async fn tables<C: GenericClient>(client: &C) -> StoreResult<Vec<(String, u64, u64)>> {
    let rows = query(
        client,
        "SELECT c.relname::text, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
         ORDER BY 2 DESC, 1",
        &[],
        "measure tables",
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                get(row, 0, "measure tables")?,
                count_from_sql(get(row, 1, "measure tables")?),
                count_from_sql(get(row, 2, "measure tables")?),
            ))
        })
        .collect()
}

pub(super) async fn disk_usage<C: GenericClient>(client: &C) -> StoreResult<DiskUsage> {
    let total_bytes = tables(client).await?.iter().map(|t| t.1).sum();
    let rows = query(
        client,
        "SELECT coalesce(pg_relation_size(to_regclass('posts_search')), 0)",
        &[],
        "measure full-text index",
    )
    .await?;
    Ok(DiskUsage {
        total_bytes,
        fulltext_bytes: count_from_sql(get(&rows[0], 0, "measure full-text index")?),
        // The server's write-ahead log is shared by every database: not ours to report.
        wal_bytes: 0,
    })
}

impl PostgresStore {
    /// Rows and bytes of every table of the store's schema, largest first. Counting rows
    /// reads every table: meant for sizing and reports, not for every page view.
    pub async fn table_sizes(&self) -> StoreResult<Vec<TableSize>> {
        let client = self.client().await?;
        let mut sizes = Vec::new();
        for (table, total_bytes, index_bytes) in tables(&client).await? {
            // The name comes from pg_class of our own schema; quoted all the same.
            let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
            let rows = client
                .query(&sql, &[])
                .await
                .map_err(crate::StoreError::postgres("count rows"))?;
            sizes.push(TableSize {
                table,
                rows: count_from_sql(get(&rows[0], 0, "count rows")?),
                total_bytes,
                index_bytes,
            });
        }
        Ok(sizes)
    }
}
