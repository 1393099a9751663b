//! The backends the suite runs against, behind one handle.

use rapport_store::{
    AccountStore, AlertStore, AnalyticsStore, EngagementStore, InboxStore, MediaStore,
    PostgresOptions, PostgresStore, PublishStore, ReportStore, SourceStore, SqliteOptions,
    SqliteStore, Store, StoreError, SurveyStore,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Every store interface at once, as the server uses one store for all of them.
pub trait AnyStore:
    Store
    + AccountStore
    + SourceStore
    + InboxStore
    + AnalyticsStore
    + PublishStore
    + AlertStore
    + ReportStore
    + EngagementStore
    + SurveyStore
    + MediaStore
{
}

impl<
        T: Store
            + AccountStore
            + SourceStore
            + InboxStore
            + AnalyticsStore
            + PublishStore
            + AlertStore
            + ReportStore
            + EngagementStore
            + SurveyStore
            + MediaStore,
    > AnyStore for T
{
}

/// The database of the PostgreSQL half, unless `RAPPORT_TEST_POSTGRES` names another.
pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

enum Kind {
    Sqlite { dir: tempfile::TempDir },
    Postgres { url: String, schema: String },
}

/// A fresh, empty store of one backend; dropping it removes its data.
pub struct Backend {
    /// The store under test.
    pub store: Arc<dyn AnyStore>,
    kind: Kind,
}

fn postgres_url() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_string())
}

fn postgres_required() -> bool {
    std::env::var("RAPPORT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A schema name no other test (or test process) uses.
fn unique_schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "rapport_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn postgres_options(schema: &str) -> PostgresOptions {
    PostgresOptions {
        schema: Some(schema.to_string()),
        pool_size: 4,
        connect_timeout: Duration::from_secs(3),
        ..PostgresOptions::default()
    }
}

impl Backend {
    /// A SQLite store in a new temporary directory.
    pub async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).unwrap();
        Backend {
            store: Arc::new(store),
            kind: Kind::Sqlite { dir },
        }
    }

    /// A PostgreSQL store in a new schema, or `None` (after saying so) when the server
    /// cannot be reached and is not required.
    pub async fn postgres() -> Option<Backend> {
        let url = postgres_url();
        let schema = unique_schema();
        match PostgresStore::connect(&url, postgres_options(&schema)).await {
            Ok(store) => Some(Backend {
                store: Arc::new(store),
                kind: Kind::Postgres { url, schema },
            }),
            Err(StoreError::Connect { target, message }) if !postgres_required() => {
                eprintln!(
                    "SKIPPED: PostgreSQL not reachable at {target} ({message}); \
                     set RAPPORT_TEST_POSTGRES to a database, or RAPPORT_REQUIRE_POSTGRES=1 \
                     to fail instead"
                );
                None
            }
            Err(e) => panic!("PostgreSQL store could not start: {e}"),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite { .. } => "sqlite",
            Kind::Postgres { .. } => "postgres",
        }
    }

    /// Another handle on the same database, with its own connections: what a second
    /// process would open.
    pub async fn open_again(&self) -> Arc<dyn AnyStore> {
        match &self.kind {
            Kind::Sqlite { dir } => Arc::new(
                SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default())
                    .unwrap(),
            ),
            Kind::Postgres { url, schema } => Arc::new(
                PostgresStore::connect(url, postgres_options(schema))
                    .await
                    .unwrap(),
            ),
        }
    }

    /// Runs raw SQL in the backend's database (beside the store, as an operator or another
    /// program would): `sqlite` there, `postgres` here.
    pub async fn exec(&self, sqlite: &str, postgres: &str) {
        match &self.kind {
            Kind::Sqlite { dir } => {
                let conn = rusqlite::Connection::open(dir.path().join("rapport.db")).unwrap();
                conn.execute_batch(sqlite).unwrap();
            }
            Kind::Postgres { url, schema } => {
                let client = pg_client(url).await;
                client
                    .batch_execute(&format!("SET search_path TO {schema}; {postgres}"))
                    .await
                    .unwrap();
            }
        }
    }

    /// Whether `needle` appears anywhere the backend keeps data: the database files for
    /// SQLite, every text and bytea column of the schema for PostgreSQL.
    pub async fn stored_anywhere(&self, needle: &[u8]) -> bool {
        match &self.kind {
            Kind::Sqlite { dir } => ["rapport.db", "rapport.db-wal"].iter().any(|file| {
                std::fs::read(dir.path().join(file))
                    .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                    .unwrap_or(false)
            }),
            Kind::Postgres { url, schema } => {
                let client = pg_client(url).await;
                let columns = client
                    .query(
                        "SELECT table_name::text, column_name::text, data_type::text \
                         FROM information_schema.columns \
                         WHERE table_schema = $1 AND data_type IN ('text', 'bytea')",
                        &[schema],
                    )
                    .await
                    .unwrap();
                for column in columns {
                    let (table, name, kind): (String, String, String) =
                        (column.get(0), column.get(1), column.get(2));
                    let bytes = if kind == "text" {
                        format!("convert_to({name}, 'UTF8')")
                    } else {
                        name
                    };
                    let sql = format!(
                        "SELECT count(*) FROM {schema}.{table} WHERE position($1::bytea IN {bytes}) > 0"
                    );
                    let found: i64 = client.query_one(&sql, &[&needle]).await.unwrap().get(0);
                    if found > 0 {
                        return true;
                    }
                }
                false
            }
        }
    }
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

impl Drop for Backend {
    fn drop(&mut self) {
        let Kind::Postgres { url, schema } = &self.kind else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        let name = schema.clone();
        // Drop is not async: a short-lived thread with its own runtime drops the schema,
        // whether the test passed or panicked.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let client = pg_client(&url).await;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {name}: {dropped:?}");
        }
    }
}
