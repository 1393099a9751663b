//! Live change notifications from PostgreSQL: `LISTEN rapport_changes` on a connection of
//! its own. Migration `0014_change_notify.sql` makes every statement that changes what the
//! dashboard shows send `pg_notify('rapport_changes', <schema>)`, at commit, once per
//! transaction; whichever process committed, every server listening hears it.

use super::PostgresStore;
use crate::{StoreError, StoreResult};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

/// The channel the triggers notify.
const CHANNEL: &str = "rapport_changes";

/// The wait before listening again after the connection was lost.
const RECONNECT: Duration = Duration::from_secs(2);

impl PostgresStore {
    /// A counter bumped after every commit that changes posts, mentions, the inbox,
    /// rollups, monitors or sources, by any process using this database and schema (the
    /// PostgreSQL side of `SqliteStore::watch_changes`). The listening connection is
    /// opened now (so a failure shows here) and reopened when lost; the counter moves once
    /// after each reconnection, since changes may have been missed meanwhile. It stops when
    /// every receiver is dropped.
    pub async fn watch_changes(&self) -> StoreResult<watch::Receiver<u64>> {
        let (sender, receiver) = watch::channel(0u64);
        let tls = self.inner.tls.clone();
        let listening = listen(&self.inner.config, &tls)
            .await
            .map_err(|e| self.connect_error(format!("cannot listen for changes: {e}")))?;
        let config = self.inner.config.clone();
        let target = self.inner.target.clone();
        tokio::spawn(async move {
            let mut listening = Some(listening);
            loop {
                if let Some(current) = listening.take() {
                    forward(current, &sender).await;
                }
                if sender.is_closed() {
                    return;
                }
                tokio::time::sleep(RECONNECT).await;
                match listen(&config, &tls).await {
                    Ok(again) => {
                        sender.send_modify(|n| *n += 1);
                        listening = Some(again);
                    }
                    Err(e) => tracing::warn!("cannot listen for changes on {target}: {e}"),
                }
            }
        });
        Ok(receiver)
    }
}

/// An open listening connection: the client (dropping it closes the connection), the
/// notifications it receives, and the schema whose changes count.
struct Listening {
    _client: tokio_postgres::Client,
    notifications: mpsc::UnboundedReceiver<tokio_postgres::Notification>,
    schema: String,
}

async fn listen(
    config: &tokio_postgres::Config,
    tls: &tokio_postgres_rustls::MakeRustlsConnect,
) -> Result<Listening, StoreError> {
    let failed = |e: tokio_postgres::Error| StoreError::Connect {
        target: "the change listener".into(),
        message: e.to_string(),
    };
    let (client, mut connection) = config.connect(tls.clone()).await.map_err(failed)?;
    let (tx, notifications) = mpsc::unbounded_channel();
    // The connection only makes progress while polled: this task drives it and hands the
    // notifications over until it closes.
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if tx.send(n).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!("the change listener's connection failed: {e}");
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(failed)?;
    let schema: String = client
        .query_one("SELECT current_schema()", &[])
        .await
        .map_err(failed)?
        .get(0);
    Ok(Listening {
        _client: client,
        notifications,
        schema,
    })
}

/// Bumps `sender` for each notification about this schema, until the connection closes or
/// nobody listens any more.
async fn forward(mut listening: Listening, sender: &watch::Sender<u64>) {
    loop {
        tokio::select! {
            notification = listening.notifications.recv() => match notification {
                Some(n) if n.payload() == listening.schema => sender.send_modify(|c| *c += 1),
                Some(_) => {}
                None => return,
            },
            () = sender.closed() => return,
        }
    }
}
