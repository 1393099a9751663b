//! The embedded store: one SQLite file in WAL mode.
//!
//! One writer connection (SQLite allows one writer at a time; batching makes it fast) and a
//! small pool of reader connections, which WAL lets run beside the writer. Every operation
//! runs on tokio's blocking pool so async callers never stall a runtime thread.

mod accounts;
mod alerts;
mod authors;
mod changes;
mod checkpoint;
mod engagement;
use crate::codec;
mod inbox;
mod media;
mod migrations;

pub use migrations::SCHEMA_VERSION;
mod publishing;
mod read;
mod reports;
mod rollups;
mod sources;
mod surveys;
mod write;

use crate::{
    BatchOutcome, DiskUsage, IngestItem, MentionFilter, MentionView, MonitorCount, Store,
    StoreError, StoreResult, StoredPost,
};
use async_trait::async_trait;
use rapport_model::{Monitor, MonitorId, NewMonitor, PostKey, Timestamp, Workspace, WorkspaceId};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How durable each commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: a committed batch survives the process being killed (kill -9);
    /// after a power cut the last few commits may be lost, never corrupted. The default.
    #[default]
    Process,
    /// `synchronous=FULL`: every commit is on disk before it returns; slower.
    PowerLoss,
}

/// Settings of a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How durable commits are.
    pub durability: Durability,
    /// Page cache per connection, in KiB.
    pub cache_kib: u32,
    /// Reader connections kept open for concurrent reads.
    pub readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            durability: Durability::Process,
            cache_kib: 32 * 1024,
            readers: 4,
        }
    }
}

/// The SQLite implementation of [`Store`]. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

/// The single writer connection and what it remembers between batches.
struct Writer {
    conn: Connection,
    authors: authors::AuthorCache,
}

struct Inner {
    path: PathBuf,
    options: SqliteOptions,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    /// Stops its thread when the store is dropped.
    _checkpointer: checkpoint::Checkpointer,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path, options: SqliteOptions) -> StoreResult<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: format!("cannot create directory {}: {e}", dir.display()),
            })?;
        }
        let mut writer = open_connection(path, &options, true)?;
        migrations::apply(&mut writer, path)?;
        // Checkpoints run on their own thread and connection (see `checkpoint`), so the
        // writer never stops to copy the log into the database or to wait for an fsync.
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::sqlite("turn off automatic checkpoints"))?;
        let checkpointer = checkpoint::Checkpointer::start(path, &options)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                options,
                writer: Mutex::new(Writer {
                    conn: writer,
                    authors: authors::AuthorCache::default(),
                }),
                readers: Mutex::new(Vec::new()),
                _checkpointer: checkpointer,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the writer on the blocking pool.
    async fn with_writer<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut writer = inner
                .writer
                .lock()
                .map_err(|_| StoreError::Worker("writer connection poisoned".into()))?;
            f(&mut writer)
        })
        .await
    }

    /// Runs `f` with a reader connection on the blocking pool.
    async fn with_reader<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => open_connection(&inner.path, &inner.options, false)?,
            };
            let result = f(&conn);
            if let Ok(mut pool) = inner.readers.lock() {
                if pool.len() < inner.options.readers {
                    pool.push(conn);
                }
            }
            result
        })
        .await
    }
}

async fn run_blocking<T, F>(f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
}

pub(super) fn open_connection(
    path: &Path,
    options: &SqliteOptions,
    writer: bool,
) -> StoreResult<Connection> {
    let open_err = |e: rusqlite::Error| StoreError::Open {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let flags = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    let synchronous = match options.durability {
        Durability::Process => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    let pragmas = format!(
        "PRAGMA busy_timeout = 10000;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -{cache};
         PRAGMA temp_store = MEMORY;
         PRAGMA synchronous = {synchronous};",
        cache = options.cache_kib,
    );
    conn.execute_batch(&pragmas).map_err(open_err)?;
    if writer {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open {
                path: path.display().to_string(),
                message: format!("could not switch to WAL mode (journal_mode is {mode})"),
            });
        }
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

#[async_trait]
impl Store for SqliteStore {
    async fn write_shared_batch(&self, items: Arc<[IngestItem]>) -> StoreResult<BatchOutcome> {
        let wal = checkpoint::wal_path(&self.inner.path);
        self.with_writer(move |w| {
            let outcome = write::write_batch(&mut w.conn, &mut w.authors, &items)?;
            checkpoint::truncate_if_large(&w.conn, &wal)?;
            Ok(outcome)
        })
        .await
    }

    async fn post_count(&self) -> StoreResult<u64> {
        self.with_reader(read::post_count).await
    }

    async fn get_post(&self, key: &PostKey) -> StoreResult<Option<StoredPost>> {
        let key = key.clone();
        self.with_reader(move |conn| read::get_post(conn, &key))
            .await
    }

    async fn posts_since(&self, since: Timestamp, limit: usize) -> StoreResult<Vec<StoredPost>> {
        self.with_reader(move |conn| read::posts_since(conn, since, limit))
            .await
    }

    async fn search_posts(&self, query: &str, limit: usize) -> StoreResult<Vec<StoredPost>> {
        let query = query.to_string();
        self.with_reader(move |conn| read::search_posts(conn, &query, limit))
            .await
    }

    async fn create_workspace(&self, name: &str) -> StoreResult<Workspace> {
        let name = name.to_string();
        self.with_writer(move |w| write::create_workspace(&mut w.conn, &name))
            .await
    }

    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        self.with_reader(read::workspaces).await
    }

    async fn create_monitor(&self, monitor: NewMonitor) -> StoreResult<Monitor> {
        self.with_writer(move |w| write::create_monitor(&mut w.conn, monitor))
            .await
    }

    async fn update_monitor(&self, monitor: MonitorId, edit: NewMonitor) -> StoreResult<Monitor> {
        self.with_writer(move |w| write::update_monitor(&mut w.conn, monitor, edit))
            .await
    }

    async fn monitors(&self, workspace: Option<WorkspaceId>) -> StoreResult<Vec<Monitor>> {
        self.with_reader(move |conn| read::monitors(conn, workspace))
            .await
    }

    async fn recent_mentions(
        &self,
        workspace: WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>> {
        self.with_reader(move |conn| {
            read::find_mentions(conn, workspace, &MentionFilter::default(), limit)
        })
        .await
    }

    async fn find_mentions(
        &self,
        workspace: WorkspaceId,
        filter: &MentionFilter,
        limit: usize,
    ) -> StoreResult<Vec<MentionView>> {
        let filter = filter.clone();
        self.with_reader(move |conn| read::find_mentions(conn, workspace, &filter, limit))
            .await
    }

    async fn mention_counts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
    ) -> StoreResult<Vec<MonitorCount>> {
        self.with_reader(move |conn| read::mention_counts(conn, workspace, since))
            .await
    }

    async fn disk_usage(&self) -> StoreResult<DiskUsage> {
        let path = self.inner.path.clone();
        self.with_reader(move |conn| read::disk_usage(conn, &path))
            .await
    }
}
