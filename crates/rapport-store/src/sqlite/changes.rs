//! Change notifications for live pages: a thread watches `PRAGMA data_version` on its own
//! connection (it changes whenever another connection commits) and bumps a counter in a
//! `tokio::sync::watch` channel. Cheap (no table scan) and shared by every subscriber; the
//! thread ends when the last receiver is dropped.

use super::{open_connection, SqliteStore};
use crate::{StoreError, StoreResult};
use std::time::Duration;
use tokio::sync::watch;

impl SqliteStore {
    /// A receiver whose value increases after commits by any connection, checked every
    /// `every`. Each call starts its own watcher thread; share the receiver (clone it).
    pub fn watch_changes(&self, every: Duration) -> StoreResult<watch::Receiver<u64>> {
        let conn = open_connection(&self.inner.path, &self.inner.options, false)?;
        let read = |conn: &rusqlite::Connection| -> StoreResult<i64> {
            conn.query_row("PRAGMA data_version", [], |r| r.get(0))
                .map_err(StoreError::sqlite("read data version"))
        };
        let mut last = read(&conn)?;
        let (sender, receiver) = watch::channel(0u64);
        std::thread::Builder::new()
            .name("rapport-changes".into())
            .spawn(move || {
                while !sender.is_closed() {
                    std::thread::sleep(every);
                    match read(&conn) {
                        Ok(version) if version != last => {
                            last = version;
                            sender.send_modify(|n| *n += 1);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!("change watcher stopped: {e}");
                            return;
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Worker(format!("cannot start the change watcher: {e}")))?;
        Ok(receiver)
    }
}
