//! Rollups stay equal to a recount of the raw mentions through a random mix of new posts,
//! re-stored posts with new engagement, reach and labels, late matches and duplicates.

use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Analysis, Author, Engagement, Intent, MonitorId, MonitorKind, Network, NewMonitor, Post,
    SentimentLabel, SentimentScores,
};
use rapport_store::analytics::Bucket;
use rapport_store::{AnalyticsStore, IngestItem, SqliteOptions, SqliteStore, Store};

/// A small deterministic generator (xorshift64*), so a failure replays exactly.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn analysis(dice: &mut Dice) -> Option<Analysis> {
    if dice.below(5) == 0 {
        return None;
    }
    let sentiments = [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ];
    Some(Analysis {
        sentiment: sentiments[dice.below(3) as usize],
        scores: SentimentScores::default(),
        intent: Intent::ALL[dice.below(Intent::ALL.len() as u64) as usize],
        fingerprint: dice.next(),
    })
}

fn post(dice: &mut Dice, id: u64) -> Post {
    let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    Post {
        network: Network::Bluesky,
        native_id: format!("p{id}"),
        url: None,
        author: Author {
            handle: format!("a{}", id % 17),
            display_name: None,
            followers: (dice.below(4) != 0).then(|| dice.below(100_000)),
        },
        title: None,
        text: format!("post {id}"),
        language: None,
        // Spread over three days so posts share and split hours; the id fixes the time.
        created_at: start + Duration::minutes((id * 37 % (3 * 24 * 60)) as i64),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement {
            likes: dice.below(50),
            reposts: dice.below(5),
            replies: dice.below(3),
        },
    }
}

#[tokio::test]
async fn rollups_equal_a_recount_after_every_batch_and_after_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("W").await.unwrap();
    let mut monitors: Vec<MonitorId> = Vec::new();
    for name in ["brand", "product", "rival"] {
        let monitor = store
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
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut next_id = 0u64;
    for batch in 0..40 {
        let mut items = Vec::new();
        for _ in 0..60 {
            // Mostly new posts; often an earlier one again (new figures, maybe new labels,
            // maybe a monitor that did not match it before).
            let id = if next_id > 0 && dice.below(3) == 0 {
                dice.below(next_id)
            } else {
                next_id += 1;
                next_id - 1
            };
            let matched: Vec<MonitorId> = monitors
                .iter()
                .copied()
                .filter(|_| dice.below(2) == 0)
                .collect();
            items.push(IngestItem {
                post: post(&mut dice, id),
                monitors: matched,
                analysis: analysis(&mut dice),
                triage: None,
            });
        }
        store.write_batch(items).await.unwrap();
        let mismatches = store.verify_rollups(5).await.unwrap();
        assert!(
            mismatches.is_empty(),
            "after batch {batch}: {mismatches:#?}"
        );
    }

    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let hourly = store.rollups(ws.id, from, to, Bucket::Hour).await.unwrap();
    let daily = store.rollups(ws.id, from, to, Bucket::Day).await.unwrap();
    assert!(hourly.len() > 100, "{}", hourly.len());
    assert_eq!(daily.len(), 3 * monitors.len());
    let total = |rows: &[rapport_store::analytics::RollupRow]| {
        rows.iter().map(|r| r.counts.mentions).sum::<u64>()
    };
    assert_eq!(total(&hourly), total(&daily));
    let counts = store.mention_counts(ws.id, from).await.unwrap();
    assert_eq!(total(&hourly), counts.iter().map(|c| c.total).sum::<u64>());

    let cells = store.rebuild_rollups().await.unwrap();
    assert_eq!(cells as usize, hourly.len());
    assert!(store.verify_rollups(5).await.unwrap().is_empty());
    let rebuilt = store.rollups(ws.id, from, to, Bucket::Hour).await.unwrap();
    assert_eq!(rebuilt, hourly);
}

#[tokio::test]
async fn a_tampered_rollup_is_caught_by_verify_and_fixed_by_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("W").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "m".into(),
            kind: MonitorKind::Brand,
            query: "m".into(),
        })
        .await
        .unwrap();
    let mut dice = Dice(7);
    let items = (0..10)
        .map(|id| IngestItem {
            post: post(&mut dice, id),
            monitors: vec![monitor.id],
            analysis: None,
            triage: None,
        })
        .collect();
    store.write_batch(items).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE rollup_hourly SET mentions = mentions + 1", [])
        .unwrap();
    drop(conn);
    assert!(!store.verify_rollups(100).await.unwrap().is_empty());
    store.rebuild_rollups().await.unwrap();
    assert!(store.verify_rollups(100).await.unwrap().is_empty());
}
