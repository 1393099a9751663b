//! Versioned schema migrations, applied in order on open (tracked in `PRAGMA user_version`).
//! Add a migration by appending a new file; never edit one that has shipped.

use crate::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};
use std::path::Path;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_initial.sql")),
    M::up(include_str!("../../migrations/0002_analysis.sql")),
    M::up(include_str!("../../migrations/0003_quotes.sql")),
    M::up(include_str!("../../migrations/0004_accounts.sql")),
    M::up(include_str!("../../migrations/0005_inbox.sql")),
    M::up(include_str!("../../migrations/0006_rollups.sql")),
    M::up(include_str!("../../migrations/0007_sources.sql")),
    M::up(include_str!("../../migrations/0008_read_paths.sql")),
    M::up(include_str!("../../migrations/0009_alerts.sql")),
    M::up(include_str!("../../migrations/0010_publishing.sql")),
    M::up(include_str!("../../migrations/0011_inbox_counts.sql")),
    M::up(include_str!("../../migrations/0012_source_backlog.sql")),
    M::up(include_str!("../../migrations/0013_posts_author.sql")),
    M::up(include_str!("../../migrations/0014_publish_slots.sql")),
    M::up(include_str!("../../migrations/0015_surveys.sql")),
    M::up(include_str!("../../migrations/0016_alert_email.sql")),
    M::up(include_str!("../../migrations/0017_engagement.sql")),
    M::up(include_str!("../../migrations/0018_draft_media.sql")),
    M::up(include_str!(
        "../../migrations/0019_followers_reply_links.sql"
    )),
];

/// The schema version a fully migrated database reports in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema at `conn` up to the latest version.
pub(super) fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    Migrations::from_slice(MIGRATIONS)
        .to_latest(conn)
        .map_err(|e| StoreError::Migration {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        let migrations = rusqlite_migration::Migrations::from_slice(super::MIGRATIONS);
        assert!(migrations.validate().is_ok());
    }

    #[test]
    fn every_migration_file_is_applied_in_the_order_of_its_number() {
        let dir = std::path::PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("migrations");
        let mut numbers: Vec<usize> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .map(|name| name[..4].parse().unwrap())
            .collect();
        numbers.sort();
        // Migrations apply by position: every file is listed once, numbered 0001 upward
        // without a gap, in the order of its number.
        assert_eq!(
            numbers.len(),
            super::MIGRATIONS.len(),
            "every migration file must be listed: {numbers:?}"
        );
        assert!(
            numbers.iter().enumerate().all(|(i, n)| *n == i + 1),
            "migration files are numbered 0001, 0002, ... without a gap: {numbers:?}"
        );
    }
}
