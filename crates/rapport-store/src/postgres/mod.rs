//! The scaled-out store: PostgreSQL, shared by any number of `rapport` processes.
//!
//! The same tables as SQLite (timestamps as Unix milliseconds in `bigint`), a pool of
//! connections (deadpool), and a batch writer that works in sets: one statement per table
//! per batch, with arrays as parameters, instead of one per post. Several writers may
//! store overlapping batches at once: posts, mentions, rollup cells and inbox items are
//! written with `ON CONFLICT` upserts in a fixed order, a stored post's row is locked
//! (`FOR UPDATE`) before its old figures are read, so rollup deltas are computed from what
//! is really stored, and a batch aborted by a deadlock is retried whole (see
//! [`StoreError::is_retryable`]).

mod accounts;
mod alerts;
mod changes;
mod engagement;
mod inbox;
mod leases;
mod media;
mod migrations;
mod publishing;
mod read;
mod reports;
mod rollups;
mod sizes;
mod sources;
mod surveys;
mod tls;
mod write;

pub use migrations::POSTGRES_SCHEMA_VERSION;
pub use sizes::TableSize;

use crate::{
    BatchOutcome, DiskUsage, IngestItem, MentionFilter, MentionView, MonitorCount, Store,
    StoreError, StoreResult, StoredPost,
};
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use rapport_model::{Monitor, MonitorId, NewMonitor, PostKey, Timestamp, Workspace, WorkspaceId};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// Settings of a [`PostgresStore`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The schema that holds rapport's tables (created if missing); `None` uses the
    /// server's default `search_path` (usually `public`). Lower-case letters, digits and
    /// `_`, starting with a letter or `_`, at most 63 characters. Tests use a fresh one each.
    pub schema: Option<String>,
    /// Connections kept in the pool.
    pub pool_size: usize,
    /// How long to wait for the server when opening a connection.
    pub connect_timeout: Duration,
    /// How many times a batch aborted by a deadlock or serialization failure is retried.
    pub write_retries: u32,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: None,
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            write_retries: 5,
        }
    }
}

/// The PostgreSQL implementation of [`Store`] and of every other store trait. Cheap to
/// clone; clones share the connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// The connection settings and TLS, for connections outside the pool (`watch_changes`).
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// `user@host:port/database`, for errors (never the password).
    target: String,
    options: PostgresOptions,
}

/// Checks a schema name: plain lower-case identifiers only, so it needs no quoting anywhere.
fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

/// Where a configuration points, without its password.
fn describe(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().unwrap_or("?");
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{db}")
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`, or the
    /// `key=value` form), creates the schema if asked and applies pending migrations
    /// (several processes may start at once: one applies them, the others wait).
    ///
    /// TLS follows the URL's `sslmode` (and `sslrootcert`), as libpq reads them, except
    /// that without `sslmode` there is none: see `postgres/tls.rs`.
    pub async fn connect(url: &str, options: PostgresOptions) -> StoreResult<PostgresStore> {
        let (mut config, tls_mode) = tls::parse(url).map_err(|message| StoreError::Connect {
            // The text may hold a password: never repeat it.
            target: "the given PostgreSQL URL".into(),
            message,
        })?;
        let tls = tls::connector(&tls_mode)?;
        let target = describe(&config);
        if let Some(schema) = &options.schema {
            if !valid_schema(schema) {
                return Err(StoreError::Connect {
                    target,
                    message: format!(
                        "schema name {schema:?} must be lower-case letters, digits and _"
                    ),
                });
            }
            config.options(format!("-c search_path={schema}"));
        }
        if config.get_application_name().is_none() {
            config.application_name("rapport");
        }
        config.connect_timeout(options.connect_timeout);
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .build()
            .map_err(|e| StoreError::Connect {
                target: target.clone(),
                message: e.to_string(),
            })?;
        let store = PostgresStore {
            inner: Arc::new(Inner {
                pool,
                config,
                tls,
                target,
                options,
            }),
        };
        let mut client = store.client().await?;
        if let Some(schema) = &store.inner.options.schema {
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(|e| store.connect_error(format!("cannot create schema {schema}: {e}")))?;
        }
        migrations::apply(&mut client, &store.inner.target).await?;
        Ok(store)
    }

    /// The server and database, as `user@host:port/database` (no password).
    pub fn target(&self) -> &str {
        &self.inner.target
    }

    /// The schema this store uses, when one was given.
    pub fn schema(&self) -> Option<&str> {
        self.inner.options.schema.as_deref()
    }

    /// Drops this store's schema and everything in it (for tests and benchmarks that made a
    /// fresh one); refuses without a schema of its own.
    pub async fn drop_schema(&self) -> StoreResult<()> {
        let Some(schema) = self.schema() else {
            return Err(self.connect_error(
                "refusing to drop the default schema: this store was opened without one".into(),
            ));
        };
        let client = self.client().await?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .map_err(|e| self.connect_error(format!("cannot drop schema {schema}: {e}")))
    }

    fn connect_error(&self, message: String) -> StoreError {
        StoreError::Connect {
            target: self.inner.target.clone(),
            message,
        }
    }

    /// A pooled connection.
    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.inner
            .pool
            .get()
            .await
            .map_err(|e| self.connect_error(with_causes(&e)))
    }
}

/// An error and its causes, `: `-separated (the pool's own message alone does not say why a
/// connection failed: refused, timed out, authentication).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        let more = next.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = next.source();
    }
    text
}

/// Runs `sql` (prepared once per connection) and returns its rows.
pub(super) async fn query<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    context: &'static str,
) -> StoreResult<Vec<Row>> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(StoreError::postgres(context))?;
    client
        .query(&statement, params)
        .await
        .map_err(StoreError::postgres(context))
}

/// Runs `sql` (prepared once per connection) and returns its one row, if any.
pub(super) async fn query_opt<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    context: &'static str,
) -> StoreResult<Option<Row>> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(StoreError::postgres(context))?;
    client
        .query_opt(&statement, params)
        .await
        .map_err(StoreError::postgres(context))
}

/// Runs `sql` (prepared once per connection) and returns its exactly-one row.
pub(super) async fn query_one<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    context: &'static str,
) -> StoreResult<Row> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(StoreError::postgres(context))?;
    client
        .query_one(&statement, params)
        .await
        .map_err(StoreError::postgres(context))
}

/// Runs `sql` (prepared once per connection) and returns the rows it changed.
pub(super) async fn execute<C: GenericClient>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    context: &'static str,
) -> StoreResult<u64> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(StoreError::postgres(context))?;
    client
        .execute(&statement, params)
        .await
        .map_err(StoreError::postgres(context))
}

/// Reads column `i` of `row`.
pub(super) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    i: usize,
    context: &'static str,
) -> StoreResult<T> {
    row.try_get(i).map_err(StoreError::postgres(context))
}

/// A limit as SQL wants it.
pub(super) fn limit_value(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[async_trait]
impl Store for PostgresStore {
    async fn write_shared_batch(&self, items: Arc<[IngestItem]>) -> StoreResult<BatchOutcome> {
        let mut client = self.client().await?;
        write::write_batch_retrying(&mut client, &items, None, self.inner.options.write_retries)
            .await
    }

    async fn post_count(&self) -> StoreResult<u64> {
        read::post_count(&self.client().await?).await
    }

    async fn get_post(&self, key: &PostKey) -> StoreResult<Option<StoredPost>> {
        read::get_post(&self.client().await?, key).await
    }

    async fn posts_since(&self, since: Timestamp, limit: usize) -> StoreResult<Vec<StoredPost>> {
        read::posts_since(&self.client().await?, since, limit).await
    }

    async fn search_posts(&self, query: &str, limit: usize) -> StoreResult<Vec<StoredPost>> {
        read::search_posts(&self.client().await?, query, limit).await
    }

    async fn create_workspace(&self, name: &str) -> StoreResult<Workspace> {
        write::create_workspace(&self.client().await?, name).await
    }

    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        read::workspaces(&self.client().await?).await
    }

    async fn create_monitor(&self, monitor: NewMonitor) -> StoreResult<Monitor> {
        write::create_monitor(&self.client().await?, monitor).await
    }

    async fn update_monitor(&self, monitor: MonitorId, edit: NewMonitor) -> StoreResult<Monitor> {
        write::update_monitor(&self.client().await?, monitor, edit).await
    }

    async fn monitors(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<Monitor>> {
        read::monitors(&self.client().await?, workspace).await
    }

    async fn recent_mentions(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>> {
        read::find_mentions(
            &self.client().await?,
            workspace,
            &MentionFilter::default(),
            limit,
        )
        .await
    }

    async fn find_mentions(
        &self,
        workspace: WorkspaceId,
        filter: &MentionFilter,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>> {
        read::find_mentions(&self.client().await?, workspace, filter, limit).await
    }

    async fn mention_counts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
    ) -> StoreResult<Vec<MonitorCount>> {
        read::mention_counts(&self.client().await?, workspace, since).await
    }

    async fn disk_usage(&self) -> StoreResult<DiskUsage> {
        sizes::disk_usage(&self.client().await?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["rapport", "_t1", "test_20260301_ab12"] {
            assert!(valid_schema(good), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "Rapport",
            "a-b",
            "a;drop",
            "x\"y",
            &"a".repeat(64),
        ] {
            assert!(!valid_schema(bad), "{bad}");
        }
    }

    #[test]
    fn targets_never_show_the_password() {
        let (config, _) =
            tls::parse("postgres://alice:s3cret@db.example:6543/rapport?sslmode=require").unwrap();
        let shown = describe(&config);
        assert_eq!(shown, "alice@db.example:6543/rapport");
        assert!(!shown.contains("s3cret"));
    }

    #[tokio::test]
    async fn a_malformed_url_is_refused_without_repeating_it() {
        let err = PostgresStore::connect("postgres://bob:hunter2@[::1", PostgresOptions::default())
            .await
            .err()
            .expect("refused");
        let text = err.to_string();
        assert!(text.contains("not a valid connection string"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
