//! The data directory: where the database and demo state live.

use anyhow::Context;
use rapport_store::{SqliteOptions, SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A data directory, created on first use.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Uses `root`, creating it if needed.
    pub fn create(root: &Path) -> anyhow::Result<DataDir> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create the data directory {}", root.display()))?;
        Ok(DataDir {
            root: root.to_path_buf(),
        })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The embedded database file.
    pub fn database(&self) -> PathBuf {
        self.root.join("rapport.db")
    }

    /// Opens the embedded store, migrating it if needed.
    pub fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        Ok(Arc::new(self.open_sqlite()?))
    }

    /// Opens the embedded store as itself, for the interfaces beyond [`Store`] (accounts,
    /// sources, inbox, analytics).
    pub fn open_sqlite(&self) -> anyhow::Result<SqliteStore> {
        SqliteStore::open(&self.database(), SqliteOptions::default())
            .with_context(|| format!("cannot open the store in {}", self.root.display()))
    }
}
