//! The pipeline against a real SQLite store.

use chrono::{TimeZone, Utc};
use rapport_engine::{Ingestor, Pipeline, PipelineConfig};
use rapport_model::{Author, Engagement, MonitorKind, Network, NewMonitor, Post};
use rapport_store::{SqliteOptions, SqliteStore, Store};
use std::sync::Arc;
use std::time::Duration;

fn post(id: usize, text: &str) -> Post {
    Post {
        network: Network::Mastodon,
        native_id: id.to_string(),
        url: None,
        author: Author::new(format!("author{}", id % 7)),
        title: None,
        text: text.into(),
        language: None,
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

#[tokio::test]
async fn pipeline_stores_every_post_once_and_records_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap());
    let ws = store.create_workspace("Lumora").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora OR #lumora".into(),
        })
        .await
        .unwrap();
    let ingestor = Ingestor::new(store.clone()).await.unwrap();
    let config = PipelineConfig {
        capacity: 16,
        max_batch: 50,
        max_delay: Duration::from_millis(5),
    };
    let (pipeline, handle) = Pipeline::spawn(ingestor.clone(), config);
    let senders: Vec<_> = (0..3)
        .map(|worker| {
            let handle = handle.clone();
            tokio::spawn(async move {
                // Every worker sends the same 1,000 posts: each must be stored once.
                for i in 0..1000 {
                    let text = if i % 4 == 0 {
                        "I love #Lumora"
                    } else {
                        "nothing here"
                    };
                    handle.send(post(i, text)).await.unwrap();
                }
                worker
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    drop(handle);
    let stats = pipeline.finish().await;
    assert_eq!(stats.received, 3000);
    assert_eq!(stats.stored, 3000);
    assert_eq!(stats.inserted, 1000);
    assert_eq!(stats.new_mentions, 250);
    assert_eq!(store.post_count().await.unwrap(), 1000);
    let counts = store.mention_counts(ws.id, Utc::now()).await.unwrap();
    assert_eq!(counts[0].total, 250);
    // Every stored post carries its analysis: sentiment, intent, fingerprint.
    let stored = store
        .get_post(&post(0, "I love #Lumora").key())
        .await
        .unwrap()
        .unwrap();
    let analysis = stored.analysis.expect("the pipeline analyses every post");
    assert_eq!(analysis.sentiment, rapport_model::SentimentLabel::Positive);
    assert_eq!(analysis.intent, rapport_model::Intent::Praise);
    assert_ne!(analysis.fingerprint, 0);
}

#[tokio::test]
async fn monitors_added_at_runtime_apply_to_later_batches() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap());
    let ws = store.create_workspace("W").await.unwrap();
    let ingestor = Ingestor::new(store.clone()).await.unwrap();
    let first = ingestor.ingest(vec![post(1, "grindr pro")]).await.unwrap();
    assert_eq!(first.new_mentions, 0);
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Grindr".into(),
            kind: MonitorKind::Product,
            query: "grindr".into(),
        })
        .await
        .unwrap();
    assert_eq!(ingestor.reload_monitors().await.unwrap(), 1);
    let second = ingestor.ingest(vec![post(2, "Grindr pro")]).await.unwrap();
    assert_eq!(second.new_mentions, 1);
}

#[tokio::test]
async fn complaints_and_questions_land_in_the_inbox_ranked_by_urgency() {
    use rapport_store::inbox::InboxQuery;
    use rapport_store::InboxStore;
    let dir = tempfile::tempdir().unwrap();
    let sqlite =
        Arc::new(SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap());
    let store: Arc<dyn Store> = sqlite.clone();
    let ws = store.create_workspace("Lumora").await.unwrap();
    store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .unwrap();
    let ingestor = Ingestor::new(store.clone()).await.unwrap();
    let outcome = ingestor
        .ingest(vec![
            post(1, "Does the Lumora kettle work with induction?"),
            post(
                2,
                "My Lumora kettle is broken after two days, terrible and useless. I want a refund",
            ),
            post(3, "I love my Lumora kettle"),
            post(4, "Is the weather nice today?"),
        ])
        .await
        .unwrap();
    assert_eq!(outcome.new_inbox_items, 2);
    let inbox = sqlite.inbox(ws.id, &InboxQuery::default()).await.unwrap();
    let order: Vec<(&str, rapport_model::InboxReason)> = inbox
        .iter()
        .map(|e| (e.post.post.native_id.as_str(), e.reason))
        .collect();
    assert_eq!(
        order,
        [
            ("2", rapport_model::InboxReason::Complaint),
            ("1", rapport_model::InboxReason::Question)
        ]
    );
}
