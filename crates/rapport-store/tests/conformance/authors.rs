//! Advocates and detractors: authors ranked by net sentiment × reach over a window, one
//! author's standing, and one author's mentions.

use crate::backend::Backend;
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Analysis, Author, AuthorId, Engagement, Intent, MonitorKind, Network, NewMonitor, Post,
    SentimentLabel, SentimentScores,
};
use rapport_store::analytics::AuthorSide;
use rapport_store::{IngestItem, MentionFilter};

conformance!(authors_rank_by_net_sentiment_times_reach_within_the_window);

fn item(
    id: u32,
    handle: &str,
    followers: Option<u64>,
    sentiment: SentimentLabel,
    hours: i64,
    monitors: Vec<rapport_model::MonitorId>,
) -> IngestItem {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    IngestItem {
        post: Post {
            network: Network::Mastodon,
            native_id: id.to_string(),
            url: None,
            author: Author {
                handle: handle.into(),
                display_name: Some(format!("{handle} <b>")),
                followers,
            },
            title: None,
            text: format!("post {id} about acme"),
            language: Some("en".into()),
            created_at: start + Duration::hours(hours),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        },
        monitors,
        analysis: Some(Analysis {
            sentiment,
            scores: SentimentScores::default(),
            intent: Intent::Other,
            fingerprint: u64::from(id),
        }),
        triage: None,
    }
}

async fn authors_rank_by_net_sentiment_times_reach_within_the_window(b: Backend) {
    use SentimentLabel::{Negative, Neutral, Positive};
    let store = &b.store;
    let ws = store.create_workspace("Acme").await.unwrap();
    let other = store.create_workspace("Other").await.unwrap();
    let monitor = |workspace, name: &str| NewMonitor {
        workspace_id: workspace,
        name: name.into(),
        kind: MonitorKind::Brand,
        query: "acme".into(),
    };
    let brand = store.create_monitor(monitor(ws.id, "Acme")).await.unwrap();
    let product = store
        .create_monitor(monitor(ws.id, "Acme product"))
        .await
        .unwrap();
    let elsewhere = store
        .create_monitor(monitor(other.id, "Theirs"))
        .await
        .unwrap();
    let both = vec![brand.id, product.id];
    store
        .write_batch(vec![
            // fan: 2 positive, 1 neutral, 1000 followers: net 2/3, score 666.7; the
            // first post matches two monitors and still counts once.
            item(1, "fan", Some(1000), Positive, 1, both.clone()),
            item(2, "fan", Some(1000), Positive, 2, vec![brand.id]),
            item(3, "fan", Some(1000), Neutral, 3, vec![brand.id]),
            // small: 1 positive, 10 followers: net 1, score 10.
            item(4, "small", Some(10), Positive, 4, vec![brand.id]),
            // unknown reach: 1 positive, counted as reach 1.
            item(5, "quiet", None, Positive, 5, vec![brand.id]),
            // angry: 2 negative, 1 positive, 5000 followers: net -1/3, score -1666.7.
            item(6, "angry", Some(5000), Negative, 6, vec![brand.id]),
            item(7, "angry", Some(5000), Negative, 7, vec![product.id]),
            item(8, "angry", Some(5000), Positive, 8, vec![brand.id]),
            // grumpy: 1 negative, 100 followers: score -100.
            item(9, "grumpy", Some(100), Negative, 9, vec![brand.id]),
            // even: 1 positive, 1 negative: neither side.
            item(10, "even", Some(1_000_000), Positive, 10, vec![brand.id]),
            item(11, "even", Some(1_000_000), Negative, 11, vec![brand.id]),
            // late: outside the window.
            item(12, "late", Some(1_000_000), Positive, 500, vec![brand.id]),
            // another workspace's mention.
            item(
                13,
                "stranger",
                Some(1_000_000),
                Negative,
                12,
                vec![elsewhere.id],
            ),
        ])
        .await
        .unwrap();
    let from = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let to = from + Duration::days(7);
    let advocates = store
        .author_standings(ws.id, from, to, AuthorSide::Advocates, 10)
        .await
        .unwrap();
    let handles: Vec<&str> = advocates.iter().map(|a| a.handle.as_str()).collect();
    assert_eq!(handles, ["fan", "small", "quiet"]);
    let fan = &advocates[0];
    assert_eq!(
        (
            fan.mentions,
            fan.positive,
            fan.neutral,
            fan.negative,
            fan.followers
        ),
        (3, 2, 1, 0, 1000)
    );
    assert!((fan.net_sentiment - 2.0 / 3.0).abs() < 1e-9);
    assert!((fan.score - 2000.0 / 3.0).abs() < 1e-6);
    assert_eq!(fan.display_name.as_deref(), Some("fan <b>"));
    assert_eq!(fan.network, Network::Mastodon);
    let detractors = store
        .author_standings(ws.id, from, to, AuthorSide::Detractors, 10)
        .await
        .unwrap();
    let handles: Vec<&str> = detractors.iter().map(|a| a.handle.as_str()).collect();
    assert_eq!(handles, ["angry", "grumpy"]);
    assert_eq!(
        (
            detractors[0].mentions,
            detractors[0].negative,
            detractors[0].positive
        ),
        (3, 2, 1)
    );
    let one = store
        .author_standings(ws.id, from, to, AuthorSide::Detractors, 1)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);

    // One author's standing, and an author without mentions in the window.
    let angry = store
        .author_standing(ws.id, detractors[0].author_id, from, to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(angry, detractors[0]);
    let stranger = store
        .author_standing(ws.id, angry.author_id, to, to + Duration::days(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stranger.handle.as_str(), stranger.mentions), ("angry", 0));
    assert!(store
        .author_standing(ws.id, AuthorId(999_999), from, to)
        .await
        .unwrap()
        .is_none());

    // Their mentions, by the author filter.
    let mentions = store
        .find_mentions(
            ws.id,
            &MentionFilter {
                author: Some(fan.author_id),
                since: Some(from),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    let ids: Vec<&str> = mentions
        .iter()
        .map(|m| m.post.post.native_id.as_str())
        .collect();
    assert_eq!(ids, ["3", "2", "1", "1"]);
    assert!(mentions.iter().all(|m| m.post.post.author.handle == "fan"));
}
