//! Several writers (store handles of their own, as separate processes would open)
//! storing overlapping batches at the same time: every post once, every mention once, one inbox item per post,
//! rollups equal to a recount.

use crate::backend::{AnyStore, Backend};
use crate::rollups::{analysis, post, Dice};
use rapport_model::{InboxReason, MonitorId, MonitorKind, NewMonitor, Triage};
use rapport_store::inbox::InboxQuery;
use rapport_store::IngestItem;
use std::collections::BTreeSet;
use std::sync::Arc;

conformance!(concurrent_writers_storing_overlapping_batches_keep_every_count_exact);

/// The batches one writer stores, over a small shared id range so that writers often
/// re-store the same posts at the same moment.
fn batches(seed: u64, monitors: &[MonitorId]) -> Vec<Vec<IngestItem>> {
    let mut dice = Dice(seed);
    (0..20)
        .map(|_| {
            (0..40)
                .map(|_| {
                    let id = dice.below(150);
                    let matched = monitors
                        .iter()
                        .copied()
                        .filter(|_| dice.below(2) == 0)
                        .collect();
                    let mut post = post(&mut dice, id);
                    // Authors of their own: writers then contend on posts and rollup cells
                    // only, where the race this test looks for is.
                    post.author.handle = format!("w{seed}-{}", post.author.handle);
                    IngestItem {
                        post,
                        monitors: matched,
                        analysis: analysis(&mut dice),
                        triage: Some(Triage {
                            reason: InboxReason::Question,
                            base_priority: 2.0,
                        }),
                    }
                })
                .collect()
        })
        .collect()
}

async fn write_all(store: Arc<dyn AnyStore>, batches: Vec<Vec<IngestItem>>) {
    for batch in batches {
        store.write_batch(batch).await.unwrap();
    }
}

async fn concurrent_writers_storing_overlapping_batches_keep_every_count_exact(b: Backend) {
    let ws = b.store.create_workspace("W").await.unwrap();
    let mut monitors = Vec::new();
    for name in ["brand", "rival"] {
        let monitor = b
            .store
            .create_monitor(NewMonitor {
                workspace_id: ws.id,
                name: name.into(),
                kind: MonitorKind::Brand,
                query: name.into(),
            })
            .await
            .unwrap();
        monitors.push(monitor.id);
    }
    let work: Vec<Vec<Vec<IngestItem>>> = [11, 29, 47, 83]
        .iter()
        .map(|seed| batches(*seed, &monitors))
        .collect();
    let mut posts = BTreeSet::new();
    let mut mentions = BTreeSet::new();
    for item in work.iter().flatten().flatten() {
        posts.insert(item.post.native_id.clone());
        for monitor in &item.monitors {
            mentions.insert((item.post.native_id.clone(), *monitor));
        }
    }
    let mut writers = Vec::new();
    for batches in work {
        let store = b.open_again().await;
        writers.push(tokio::spawn(write_all(store, batches)));
    }
    for writer in writers {
        writer.await.unwrap();
    }

    assert_eq!(b.store.post_count().await.unwrap(), posts.len() as u64);
    let counts = b
        .store
        .mention_counts(ws.id, Default::default())
        .await
        .unwrap();
    let stored: u64 = counts.iter().map(|c| c.total).sum();
    assert_eq!(stored, mentions.len() as u64, "{}", b.name());
    let mismatches = b.store.verify_rollups(5).await.unwrap();
    assert!(mismatches.is_empty(), "{}: {mismatches:#?}", b.name());
    // Every post that any monitor matched is in the inbox exactly once.
    let matched: BTreeSet<&String> = mentions.iter().map(|(post, _)| post).collect();
    let inbox = b
        .store
        .inbox(
            ws.id,
            &InboxQuery {
                limit: 10_000,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    let filed: BTreeSet<String> = inbox
        .iter()
        .map(|e| e.post.post.native_id.clone())
        .collect();
    assert_eq!(inbox.len(), filed.len(), "an inbox item is doubled");
    assert_eq!(filed.len(), matched.len());
}
