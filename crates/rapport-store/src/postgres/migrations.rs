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
    (
        8,
        "leases",
        include_str!("../../migrations/postgres/0008_leases.sql"),
    ),
    (
        9,
        "source_backlog",
        include_str!("../../migrations/postgres/0009_source_backlog.sql"),
    ),
    (
        14,
        "change_notify",
        include_str!("../../migrations/postgres/0014_change_notify.sql"),
    ),
    (
        15,
        "posts_author",
        include_str!("../../migrations/postgres/0015_posts_author.sql"),
    ),
    (
        16,
        "publishing",
        include_str!("../../migrations/postgres/0016_publishing.sql"),
    ),
    (
        17,
        "publish_slots",
        include_str!("../../migrations/postgres/0017_publish_slots.sql"),
    ),
    (
        18,
        "alerts",
        include_str!("../../migrations/postgres/0018_alerts.sql"),
    ),
    (
        19,
        "alert_email",
        include_str!("../../migrations/postgres/0019_alert_email.sql"),
    ),
    (
        20,
        "engagement",
        include_str!("../../migrations/postgres/0020_engagement.sql"),
    ),
    (
        22,
        "surveys",
        include_str!("../../migrations/postgres/0022_surveys.sql"),
    ),
    (
        23,
        "draft_media",
        include_str!("../../migrations/postgres/0023_draft_media.sql"),
    ),
    (
        24,
        "followers_reply_links",
        include_str!("../../migrations/postgres/0024_followers_reply_links.sql"),
    ),
];

/// The schema version of a fully migrated PostgreSQL database (the highest version in
/// `rapport_migrations`).
pub const POSTGRES_SCHEMA_VERSION: i32 = highest_version();

/// Versions may leave gaps (numbers reserved by work on other branches): the newest is the
/// highest, and every listed one that is not recorded yet is applied, in order.
const fn highest_version() -> i32 {
    let mut highest = 0;
    let mut i = 0;
    while i < MIGRATIONS.len() {
        if MIGRATIONS[i].0 > highest {
            highest = MIGRATIONS[i].0;
        }
        i += 1;
    }
    highest
}

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
        "SELECT version FROM rapport_migrations",
        &[],
        "read the schema version",
    )
    .await?;
    let applied = rows
        .iter()
        .map(|row| get::<i32>(row, 0, "read the schema version"))
        .collect::<StoreResult<std::collections::HashSet<i32>>>()?;
    let current = applied.iter().copied().max().unwrap_or(0);
    if current > POSTGRES_SCHEMA_VERSION {
        return Err(failed(format!(
            "the database is at schema version {current}, newer than this rapport \
             ({POSTGRES_SCHEMA_VERSION}); upgrade rapport"
        )));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| !applied.contains(v)) {
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
        assert_eq!(
            files, listed,
            "every migration file must be listed, in order"
        );
        let numbers: Vec<i32> = super::MIGRATIONS.iter().map(|(v, _, _)| *v).collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]) && numbers[0] == 1,
            "versions must start at 1 and increase: {numbers:?}"
        );
        assert_eq!(super::POSTGRES_SCHEMA_VERSION, *numbers.last().unwrap());
    }
}
