//! The data directory: where the database and demo state live.

use anyhow::Context;
use rapport_store::{
    AccountStore, AlertStore, AnalyticsStore, EngagementStore, InboxStore, MediaStore,
    PostgresOptions, PostgresStore, PublishStore, ReportStore, SourceLeases, SourceStore,
    SqliteOptions, SqliteStore, Store, SurveyStore,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A data directory, created on first use.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    /// A PostgreSQL URL (`--store`), when the data is kept there instead of `rapport.db`.
    store_url: Option<String>,
}

/// One opened store behind every interface the commands use.
#[derive(Clone)]
pub struct Backend {
    /// Posts, monitors, mentions.
    pub store: Arc<dyn Store>,
    /// Users, sessions, tokens, audit.
    pub accounts: Arc<dyn AccountStore>,
    /// The team inbox.
    pub inbox: Arc<dyn InboxStore>,
    /// Rollups.
    pub analytics: Arc<dyn AnalyticsStore>,
    /// Configured sources and their checkpoints.
    pub sources: Arc<dyn SourceStore>,
    /// Connected accounts, drafts and their deliveries (publishing).
    pub publishing: Arc<dyn PublishStore>,
    /// Alert rules, alerts and their deliveries.
    pub alerts: Arc<dyn AlertStore>,
    /// Weekly report e-mail schedules and what was sent.
    pub reports: Arc<dyn ReportStore>,
    /// Engagement samples of published posts, short links and campaigns.
    pub engagement: Arc<dyn EngagementStore>,
    /// Survey pages and their answers.
    pub surveys: Arc<dyn SurveyStore>,
    /// Drafts' images, bytes included.
    pub media: Arc<dyn MediaStore>,
    /// The embedded store itself, when that is the backend (live change notifications).
    pub sqlite: Option<SqliteStore>,
    /// Source leases, when several processes may share the store (PostgreSQL).
    pub leases: Option<Arc<dyn SourceLeases>>,
    /// The PostgreSQL store itself, when that is the backend (live change notifications).
    pub postgres: Option<PostgresStore>,
}

impl Backend {
    fn of<S>(store: S, sqlite: Option<SqliteStore>) -> Backend
    where
        S: Store
            + AccountStore
            + InboxStore
            + AnalyticsStore
            + SourceStore
            + PublishStore
            + AlertStore
            + ReportStore
            + EngagementStore
            + SurveyStore
            + MediaStore
            + Clone,
    {
        let shared = Arc::new(store);
        Backend {
            store: shared.clone(),
            accounts: shared.clone(),
            inbox: shared.clone(),
            analytics: shared.clone(),
            sources: shared.clone(),
            alerts: shared.clone(),
            reports: shared.clone(),
            engagement: shared.clone(),
            surveys: shared.clone(),
            media: shared.clone(),
            publishing: shared,
            sqlite,
            leases: None,
            postgres: None,
        }
    }
}

impl DataDir {
    /// Uses `root`, creating it if needed.
    pub fn create(root: &Path) -> anyhow::Result<DataDir> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create the data directory {}", root.display()))?;
        Ok(DataDir {
            root: root.to_path_buf(),
            store_url: None,
        })
    }

    /// The same directory (secret key, demo state) with the data kept in the PostgreSQL
    /// database at `url` instead of `rapport.db`.
    pub fn with_store_url(mut self, url: Option<String>) -> anyhow::Result<DataDir> {
        if let Some(url) = &url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                anyhow::bail!(
                    "--store must be a PostgreSQL URL (postgres://user@host:5432/db); leave it \
                     out to use the embedded SQLite database in the data directory"
                );
            }
        }
        self.store_url = url;
        Ok(self)
    }

    /// Refuses `--store` for a command that only runs on the embedded store for now.
    pub fn embedded_only(&self, command: &str) -> anyhow::Result<()> {
        if self.store_url.is_some() {
            anyhow::bail!(
                "`rapport {command}` runs on the embedded SQLite store only for now; with \
                 --store postgres://... use `serve`, `user`, `token`, `import`, `rollup` \
                 and `worker`"
            );
        }
        Ok(())
    }

    /// Opens the configured backend: PostgreSQL when `--store` names one (migrating it),
    /// the embedded SQLite database otherwise.
    pub async fn open_backend(&self) -> anyhow::Result<Backend> {
        match &self.store_url {
            Some(url) => {
                let store = PostgresStore::connect(url, PostgresOptions::default())
                    .await
                    .context("cannot open the PostgreSQL store")?;
                let leases: Arc<dyn SourceLeases> = Arc::new(store.clone());
                let mut backend = Backend::of(store.clone(), None);
                backend.leases = Some(leases);
                backend.postgres = Some(store);
                Ok(backend)
            }
            None => {
                let sqlite = self.open_sqlite()?;
                Ok(Backend::of(sqlite.clone(), Some(sqlite)))
            }
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The embedded database file.
    pub fn database(&self) -> PathBuf {
        self.root.join("rapport.db")
    }

    /// Opens the embedded store as itself, for the interfaces beyond [`Store`] (accounts,
    /// sources, inbox, analytics).
    pub fn open_sqlite(&self) -> anyhow::Result<SqliteStore> {
        SqliteStore::open(&self.database(), SqliteOptions::default())
            .with_context(|| format!("cannot open the store in {}", self.root.display()))
    }
}
