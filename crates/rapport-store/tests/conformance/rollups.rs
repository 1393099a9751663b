//! Rollups stay equal to a recount of the raw mentions through a random mix of new posts,
//! re-stored posts with new engagement, reach and labels, late matches and duplicates.

use crate::backend::Backend;
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Analysis, Author, Engagement, Intent, MonitorId, MonitorKind, Network, NewMonitor, Post,
    SentimentLabel, SentimentScores,
};
use rapport_store::analytics::Bucket;
use rapport_store::IngestItem;

conformance!(
    rollups_equal_a_recount_after_every_batch_and_after_a_rebuild,
    a_tampered_rollup_is_caught_by_verify_and_fixed_by_rebuild,
    rollups_stay_exact_through_replays_edits_and_late_matches,
);

/// A small deterministic generator (xorshift64*), so a failure replays exactly.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub(crate) fn analysis(dice: &mut Dice) -> Option<Analysis> {
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

pub(crate) fn post(dice: &mut Dice, id: u64) -> Post {
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

async fn rollups_equal_a_recount_after_every_batch_and_after_a_rebuild(b: Backend) {
    let store = &b.store;
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

async fn a_tampered_rollup_is_caught_by_verify_and_fixed_by_rebuild(b: Backend) {
    let store = &b.store;
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
    let tamper = "UPDATE rollup_hourly SET mentions = mentions + 1";
    b.exec(tamper, tamper).await;
    assert!(!store.verify_rollups(100).await.unwrap().is_empty());
    store.rebuild_rollups().await.unwrap();
    assert!(store.verify_rollups(100).await.unwrap().is_empty());
}

/// Random batches of new posts, re-stored posts (new engagement, reach, labels, edited
/// text), late matches, duplicates inside a batch and whole batches replayed (as after a
/// crash): after each, the rollups equal a recount and every post is stored once.
async fn rollups_stay_exact_through_replays_edits_and_late_matches(b: Backend) {
    let store = &b.store;
    let ws = store.create_workspace("W").await.unwrap();
    let mut monitors: Vec<MonitorId> = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let monitor = store
            .create_monitor(NewMonitor {
                workspace_id: ws.id,
                name: name.into(),
                kind: MonitorKind::Product,
                query: name.into(),
            })
            .await
            .unwrap();
        monitors.push(monitor.id);
    }
    let mut dice = Dice(0x0dd_ba11_cafe_f00d);
    let mut next_id = 0u64;
    let mut previous: Vec<Vec<IngestItem>> = Vec::new();
    for round in 0..30 {
        let items: Vec<IngestItem> = if !previous.is_empty() && dice.below(5) == 0 {
            // A replay of an earlier batch, exactly as it was.
            previous[dice.below(previous.len() as u64) as usize].clone()
        } else {
            let size = 1 + dice.below(50);
            (0..size)
                .map(|_| {
                    let id = if next_id > 0 && dice.below(2) == 0 {
                        dice.below(next_id)
                    } else {
                        next_id += 1;
                        next_id - 1
                    };
                    let mut p = post(&mut dice, id);
                    if dice.below(6) == 0 {
                        p.text = format!("edited {id} {}", dice.below(1000));
                    }
                    let matched = monitors
                        .iter()
                        .copied()
                        .filter(|_| dice.below(3) == 0)
                        .collect();
                    IngestItem {
                        post: p,
                        monitors: matched,
                        analysis: analysis(&mut dice),
                        triage: None,
                    }
                })
                .collect()
        };
        let outcome = store.write_batch(items.clone()).await.unwrap();
        assert_eq!(
            outcome.inserted + outcome.updated + outcome.unchanged,
            items.len() as u64,
            "round {round} on {}",
            b.name()
        );
        previous.push(items);
        let mismatches = store.verify_rollups(5).await.unwrap();
        assert!(
            mismatches.is_empty(),
            "round {round} on {}: {mismatches:#?}",
            b.name()
        );
    }
    assert_eq!(store.post_count().await.unwrap(), next_id);
    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let before = store.rollups(ws.id, from, to, Bucket::Hour).await.unwrap();
    store.rebuild_rollups().await.unwrap();
    assert_eq!(
        store.rollups(ws.id, from, to, Bucket::Hour).await.unwrap(),
        before
    );
}
