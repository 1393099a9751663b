//! WAL checkpoints on a background thread.
//!
//! In WAL mode every commit appends to the write-ahead log; a checkpoint copies those pages
//! back into the database file and fsyncs it. SQLite runs that on the writing connection by
//! default (every 1000 pages), so the writer stalls for copying and for the fsync: about 7%
//! of import time in a profile, plus the fsync waits. Here the writer's automatic
//! checkpoints are off and this thread runs passive checkpoints from its own connection:
//! they never block the writer or readers, and on a two-core machine the copying overlaps
//! with the next batch. A passive checkpoint cannot let the log restart while the writer
//! commits back to back (and a blocking checkpoint from this thread would starve against
//! it), so the writer itself calls [`truncate_if_large`] after each commit: once the log
//! passes [`WAL_LIMIT`] it copies the few pages not yet checkpointed and empties the log,
//! a short pause that keeps the log bounded during long imports.

use super::{open_connection, SqliteOptions};
use crate::{StoreError, StoreResult};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the thread checkpoints.
const INTERVAL: Duration = Duration::from_millis(200);
/// The write-ahead log size above which the thread empties it (briefly pausing the writer).
const WAL_LIMIT: u64 = 64 * 1024 * 1024;

/// The write-ahead log of the database at `path`.
pub(super) fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Empties the write-ahead log when it has grown past [`WAL_LIMIT`]; run by the writer
/// between transactions.
pub(super) fn truncate_if_large(conn: &Connection, wal: &Path) -> StoreResult<()> {
    let len = std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
    if len > WAL_LIMIT {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(StoreError::sqlite("truncate the write-ahead log"))?;
    }
    Ok(())
}

/// A running checkpoint thread; dropping it stops the thread (after one last checkpoint).
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a connection to `path` and starts checkpointing it.
    pub(super) fn start(path: &Path, options: &SqliteOptions) -> StoreResult<Checkpointer> {
        let mut options = options.clone();
        options.cache_kib = 1024;
        let conn = open_connection(path, &options, true)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::sqlite("configure checkpointer"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("rapport-checkpoint".into())
            .spawn(move || {
                let checkpoint = || {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!("background checkpoint failed: {e}");
                    }
                };
                while !flag.load(Ordering::Relaxed) {
                    std::thread::park_timeout(INTERVAL);
                    checkpoint();
                }
                checkpoint();
            })
            .map_err(|e| StoreError::Worker(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
