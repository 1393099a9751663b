//! The NATS JetStream ingest log from the command line: opening it, and publishing posts
//! to it (`import --nats`, `simulate --nats`).

use crate::cli::LogArgs;
use anyhow::Context;
use rapport_bus::{IngestLog, JetStreamConfig, JetStreamLog, NatsSecurity, PublishReport};
use rapport_model::Post;
use std::time::Duration;

/// Opens the log `args` names, or `None` without `--nats`.
pub async fn open(args: &LogArgs) -> anyhow::Result<Option<JetStreamLog>> {
    let Some(url) = &args.nats else {
        return Ok(None);
    };
    let mut config = JetStreamConfig::with_prefix(url.as_str(), &args.nats_prefix);
    config.ack_wait = Duration::from_secs(args.ack_wait_secs.max(1));
    config.max_ack_pending = args.max_ack_pending.max(1);
    config.replicas = args.nats_replicas.max(1);
    config.security = NatsSecurity {
        require_tls: args.nats_require_tls,
        ca_file: args.nats_ca.clone(),
        client_cert: args.nats_cert.clone(),
        client_key: args.nats_key.clone(),
        creds_file: args.nats_creds.clone(),
    };
    let log = JetStreamLog::connect(config)
        .await
        .context("cannot open the ingest log")?;
    Ok(Some(log))
}

/// Publishes posts in chunks of `chunk`, calling `on_chunk` with the totals after each.
pub async fn publish_all(
    log: &JetStreamLog,
    posts: impl IntoIterator<Item = Post>,
    chunk: usize,
    mut on_chunk: impl FnMut(&PublishReport),
) -> anyhow::Result<PublishReport> {
    let mut total = PublishReport::default();
    let mut batch = Vec::with_capacity(chunk.max(1));
    for post in posts {
        batch.push(post);
        if batch.len() >= chunk.max(1) {
            total.add(log.publish(&batch).await?);
            batch.clear();
            on_chunk(&total);
        }
    }
    if !batch.is_empty() {
        total.add(log.publish(&batch).await?);
        on_chunk(&total);
    }
    Ok(total)
}
