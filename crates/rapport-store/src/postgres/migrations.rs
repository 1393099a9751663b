//! Versioned schema migrations for PostgreSQL (`migrations/postgres/NNNN_*.sql`), applied in
//! order on connect and recorded in `rapport_migrations`. Several processes may connect at
//! once: a transaction-scoped advisory lock (per schema) lets one apply them while the
//! others wait and then find nothing to do. DDL is transactional in PostgreSQL, so a
//! migration is applied whole or not at all. Add one by appending a file; never edit one
//! that has shipped.

use super::{get, query};
use crate::{StoreError, StoreResult};

/// The migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "posts",
        include_str!("../../migrations/postgres/0001_posts.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../migrations/postgres/0002_accounts.sql"),
    ),
    (
        3,
        "inbox",
        include_str!("../../migrations/postgres/0003_inbox.sql"),
    ),
    (
        4,
        "rollups",
        include_str!("../../migrations/postgres/0004_rollups.sql"),
    ),
    (
        5,
        "sources",
        include_str!("../../migrations/postgres/0005_sources.sql"),
    ),
];

/// The schema version of a fully migrated PostgreSQL database (the highest version in
/// `rapport_migrations`).
pub const POSTGRES_SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to date.
pub(super) async fn apply(client: &mut deadpool_postgres::Object, target: &str) -> StoreResult<()> {
    let failed = |message: String| StoreError::Migration {
        path: target.to_string(),
        message,
    };
    let tx = client
        .transaction()
        .await
        .map_err(|e| failed(format!("cannot begin: {e}")))?;
    // One migrator per schema at a time; the lock ends with the transaction.
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(1919251317, hashtext(current_schema()));
         CREATE TABLE IF NOT EXISTS rapport_migrations (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );",
    )
    .await
    .map_err(|e| failed(format!("cannot lock or create the migrations table: {e}")))?;
    let rows = query(
        &tx,
        "SELECT coalesce(max(version), 0) FROM rapport_migrations",
        &[],
        "read the schema version",
    )
    .await?;
    let current: i32 = get(&rows[0], 0, "read the schema version")?;
    if current > POSTGRES_SCHEMA_VERSION {
        return Err(failed(format!(
            "the database is at schema version {current}, newer than this rapport \
             ({POSTGRES_SCHEMA_VERSION}); upgrade rapport"
        )));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| failed(format!("migration {version:04}_{name} failed: {e}")))?;
        tx.execute(
            "INSERT INTO rapport_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(|e| failed(format!("cannot record migration {version}: {e}")))?;
    }
    tx.commit()
        .await
        .map_err(|e| failed(format!("cannot commit the migrations: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_file_is_listed_in_the_order_of_its_number() {
        let dir = std::path::PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("migrations/postgres");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = super::MIGRATIONS
            .iter()
            .map(|(version, name, _)| format!("{version:04}_{name}.sql"))
            .collect();
        assert_eq!(files, listed, "migration files must be 0001..N, all listed");
        let numbers: Vec<i32> = super::MIGRATIONS.iter().map(|(v, _, _)| *v).collect();
        let expected: Vec<i32> = (1..=super::MIGRATIONS.len() as i32).collect();
        assert_eq!(numbers, expected);
    }
}
