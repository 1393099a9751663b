//! Top posts (by engagement, by reach, by impact on net sentiment) and influencers (authors
//! by reach and by the engagement their mentions earned) over a window.

use crate::backend::Backend;
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Analysis, Author, Engagement, Intent, MonitorKind, Network, NewMonitor, Post, SentimentLabel,
    SentimentScores,
};
use rapport_store::analytics::{impact, InfluenceOrder, PostRanking};
use rapport_store::IngestItem;

conformance!(
    top_posts_rank_by_engagement_reach_and_impact,
    influencers_rank_by_reach_and_by_engagement
);

#[allow(clippy::too_many_arguments)]
fn item(
    id: u32,
    handle: &str,
    followers: Option<u64>,
    likes: u64,
    reposts: u64,
    sentiment: SentimentLabel,
    hours: i64,
    monitors: Vec<rapport_model::MonitorId>,
) -> IngestItem {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    IngestItem {
        post: Post {
            network: Network::Mastodon,
            native_id: id.to_string(),
            url: Some(format!("https://social.example/@{handle}/{id}")),
            author: Author {
                handle: handle.into(),
                display_name: None,
                followers,
            },
            title: None,
            text: format!("<script>post {id}</script> about acme"),
            language: Some("en".into()),
            created_at: start + Duration::hours(hours),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement {
                likes,
                reposts,
                replies: 1,
            },
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

async fn top_posts_rank_by_engagement_reach_and_impact(b: Backend) {
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
    store
        .write_batch(vec![
            // Matched by both monitors: listed once. Engagement 51, reach 10.
            item(
                1,
                "a",
                Some(10),
                40,
                10,
                Positive,
                1,
                vec![brand.id, product.id],
            ),
            // The widest reach, little engagement: (1+100000)(1+1) ≈ 2e5.
            item(2, "b", Some(100_000), 0, 0, Positive, 2, vec![brand.id]),
            // Negative, reach 1000, engagement 21: (1001)(22) ≈ 2.2e4.
            item(3, "c", Some(1000), 20, 0, Negative, 3, vec![product.id]),
            // Negative, reach unknown (0), engagement 301: (1)(302).
            item(4, "d", None, 200, 100, Negative, 4, vec![brand.id]),
            // Neutral, the most engagement: in neither impact list.
            item(5, "e", Some(50), 900, 99, Neutral, 5, vec![brand.id]),
            // Outside the window.
            item(
                6,
                "f",
                Some(10_000_000),
                10_000,
                0,
                Positive,
                500,
                vec![brand.id],
            ),
            // Another workspace's.
            item(
                7,
                "g",
                Some(10_000_000),
                10_000,
                0,
                Negative,
                6,
                vec![elsewhere.id],
            ),
        ])
        .await
        .unwrap();
    let from = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let to = from + Duration::days(7);
    let ranked = |monitor: Option<rapport_model::MonitorId>, ranking: PostRanking, limit: usize| async move {
        store
            .top_posts(ws.id, monitor, from, to, ranking, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.native_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ranked(None, PostRanking::Engagement, 10).await,
        ["5", "4", "1", "3", "2"]
    );
    assert_eq!(
        ranked(None, PostRanking::Reach, 10).await,
        ["2", "3", "5", "1", "4"]
    );
    assert_eq!(ranked(None, PostRanking::Positive, 10).await, ["2", "1"]);
    assert_eq!(ranked(None, PostRanking::Negative, 10).await, ["3", "4"]);
    assert_eq!(ranked(None, PostRanking::Engagement, 2).await, ["5", "4"]);
    // One monitor's posts only.
    assert_eq!(
        ranked(Some(product.id), PostRanking::Engagement, 10).await,
        ["1", "3"]
    );
    // Another workspace's monitor gives nothing.
    assert!(ranked(Some(elsewhere.id), PostRanking::Engagement, 10)
        .await
        .is_empty());

    let negative = store
        .top_posts(ws.id, None, from, to, PostRanking::Negative, 10)
        .await
        .unwrap();
    let c = &negative[0];
    assert_eq!(
        (c.reach, c.likes, c.reposts, c.replies, c.engagement),
        (1000, 20, 0, 1, 21)
    );
    assert_eq!(c.sentiment, Some(Negative));
    assert_eq!(c.handle, "c");
    assert_eq!(c.text, "<script>post 3</script> about acme");
    assert_eq!(c.url.as_deref(), Some("https://social.example/@c/3"));
    assert_eq!(c.created_at, from + Duration::hours(3));
    let expected = -((1001f64).ln() + (22f64).ln());
    assert!((c.impact - expected).abs() < 1e-9, "{}", c.impact);
    assert_eq!(c.impact, impact(Some(Negative), 1000, 21));
    assert!(negative[1].impact < 0.0 && negative[1].impact > c.impact);
    let positive = store
        .top_posts(ws.id, None, from, to, PostRanking::Positive, 10)
        .await
        .unwrap();
    assert!(positive.iter().all(|p| p.impact > 0.0));
    assert!(positive[0].impact > positive[1].impact);
    // An empty window.
    assert!(store
        .top_posts(
            ws.id,
            None,
            to,
            to + Duration::days(1),
            PostRanking::Reach,
            10
        )
        .await
        .unwrap()
        .is_empty());
}

async fn influencers_rank_by_reach_and_by_engagement(b: Backend) {
    use SentimentLabel::{Negative, Positive};
    let store = &b.store;
    let ws = store.create_workspace("Acme").await.unwrap();
    let brand = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Acme".into(),
            kind: MonitorKind::Brand,
            query: "acme".into(),
        })
        .await
        .unwrap();
    let m = vec![brand.id];
    store
        .write_batch(vec![
            // big: the most followers; engagement (1 + 0 + 1) + (0 + 0 + 1) = 3 over two posts.
            item(1, "big", Some(90_000), 1, 0, Positive, 1, m.clone()),
            item(2, "big", Some(90_000), 0, 0, Negative, 2, m.clone()),
            // loud: few followers, engagement 500 + 1.
            item(3, "loud", Some(20), 400, 100, Positive, 3, m.clone()),
            // mid: engagement 51.
            item(4, "mid", Some(5000), 50, 0, Negative, 4, m.clone()),
            // late: outside the window.
            item(
                5,
                "late",
                Some(1_000_000),
                1_000,
                0,
                Positive,
                500,
                m.clone(),
            ),
        ])
        .await
        .unwrap();
    let from = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let to = from + Duration::days(7);
    let handles = |order: InfluenceOrder, limit: usize| async move {
        store
            .influencers(ws.id, from, to, order, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.handle)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        handles(InfluenceOrder::Reach, 10).await,
        ["big", "mid", "loud"]
    );
    assert_eq!(
        handles(InfluenceOrder::Engagement, 10).await,
        ["loud", "mid", "big"]
    );
    assert_eq!(handles(InfluenceOrder::Reach, 1).await, ["big"]);
    let ranked = store
        .influencers(ws.id, from, to, InfluenceOrder::Reach, 10)
        .await
        .unwrap();
    let big = &ranked[0];
    assert_eq!(
        (
            big.mentions,
            big.positive,
            big.negative,
            big.engagement,
            big.followers
        ),
        (2, 1, 1, 3, 90_000)
    );
    // The single-author standing carries engagement too.
    let one = store
        .author_standing(ws.id, big.author_id, from, to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&one, big);
}
