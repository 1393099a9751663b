//! Posts, search, workspaces, monitors and mentions.

use crate::backend::Backend;
use chrono::{Duration, TimeZone, Utc};
use rapport_model::{
    Author, Engagement, MonitorKind, Network, NewMonitor, Post, PostKey, WorkspaceId,
};
use rapport_store::{IngestItem, StoreError};

conformance!(
    storing_a_post_twice_updates_it_and_never_duplicates,
    duplicates_inside_one_batch_are_stored_once,
    full_text_search_folds_accents_and_follows_edits,
    mentions_are_unique_per_monitor_and_counted_by_time,
    a_monitor_needs_an_existing_workspace,
    a_monitor_is_edited_only_in_its_own_workspace,
    disk_usage_separates_the_full_text_index,
    analysis_is_stored_read_back_and_replaced_only_by_a_newer_one,
    a_post_edited_within_its_first_batch_is_indexed_once_with_its_final_text,
    mentions_filter_by_monitor_network_labels_language_time_and_words,
    search_is_word_and_folds_case_and_accents,
    a_new_store_is_empty_and_reopens_cleanly,
    mention_pages_follow_the_cursor_without_gaps_or_repeats,
);

fn post(network: Network, id: &str, text: &str) -> Post {
    Post {
        network,
        native_id: id.to_string(),
        url: Some(format!("https://example.org/{id}")),
        author: Author {
            handle: format!("user{}", id.len()),
            display_name: Some("User".into()),
            followers: Some(120),
        },
        title: None,
        text: text.to_string(),
        language: Some("en".into()),
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement {
            likes: 1,
            reposts: 0,
            replies: 0,
        },
    }
}

async fn storing_a_post_twice_updates_it_and_never_duplicates(b: Backend) {
    let store = &b.store;
    let mut first = post(Network::Mastodon, "1", "The espresso machine broke again");
    first.reply_to = Some("0".into());
    first.conversation_id = Some("0".into());
    first.quote_of = Some("q9".into());
    let outcome = store
        .write_batch(vec![IngestItem::unmatched(first.clone())])
        .await
        .unwrap();
    assert_eq!(
        (outcome.inserted, outcome.updated, outcome.unchanged),
        (1, 0, 0)
    );

    let same = store
        .write_batch(vec![IngestItem::unmatched(first.clone())])
        .await
        .unwrap();
    assert_eq!((same.inserted, same.updated, same.unchanged), (0, 0, 1));

    let mut liked = first.clone();
    liked.engagement.likes = 40;
    liked.engagement.reposts = 3;
    let updated = store
        .write_batch(vec![IngestItem::unmatched(liked.clone())])
        .await
        .unwrap();
    assert_eq!((updated.inserted, updated.updated), (0, 1));
    assert_eq!(store.post_count().await.unwrap(), 1);
    let stored = store.get_post(&first.key()).await.unwrap().unwrap();
    assert_eq!(stored.post.engagement.likes, 40);
    assert_eq!(stored.post, liked);

    // Same native id on another network is another post.
    let other = post(Network::Bluesky, "1", "unrelated");
    store
        .write_batch(vec![IngestItem::unmatched(other)])
        .await
        .unwrap();
    assert_eq!(store.post_count().await.unwrap(), 2);
}

async fn duplicates_inside_one_batch_are_stored_once(b: Backend) {
    let store = &b.store;
    let p = post(Network::X, "42", "hello");
    let outcome = store
        .write_batch(vec![
            IngestItem::unmatched(p.clone()),
            IngestItem::unmatched(p.clone()),
        ])
        .await
        .unwrap();
    assert_eq!((outcome.inserted, outcome.unchanged), (1, 1));
    assert_eq!(store.post_count().await.unwrap(), 1);
}

async fn full_text_search_folds_accents_and_follows_edits(b: Backend) {
    let store = &b.store;
    let cafe = post(Network::Mastodon, "c1", "Le Café Lumora est fermé ce matin");
    let other = post(Network::Mastodon, "c2", "nothing to see");
    store
        .write_batch(vec![
            IngestItem::unmatched(cafe.clone()),
            IngestItem::unmatched(other),
        ])
        .await
        .unwrap();
    let hits = store.search_posts("cafe lumora", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].post.native_id, "c1");
    // FTS syntax in user input is taken literally, never as an operator or an error.
    assert!(store
        .search_posts("\"unbalanced AND (", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.search_posts("   ", 10).await.unwrap().is_empty());

    let mut edited = cafe.clone();
    edited.text = "Edited: the roastery is open".into();
    store
        .write_batch(vec![IngestItem::unmatched(edited)])
        .await
        .unwrap();
    assert!(store.search_posts("cafe", 10).await.unwrap().is_empty());
    assert_eq!(store.search_posts("roastery", 10).await.unwrap().len(), 1);
}

async fn mentions_are_unique_per_monitor_and_counted_by_time(b: Backend) {
    let store = &b.store;
    let ws = store.create_workspace("Lumora").await.unwrap();
    let brand = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Lumora".into(),
            kind: MonitorKind::Brand,
            query: "lumora".into(),
        })
        .await
        .unwrap();
    let rival = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Rival".into(),
            kind: MonitorKind::Competitor,
            query: "rival".into(),
        })
        .await
        .unwrap();
    let old = post(Network::X, "1", "lumora old");
    let mut new = post(Network::X, "2", "lumora and rival new");
    new.created_at = old.created_at + Duration::days(2);
    let items = vec![
        IngestItem {
            post: old.clone(),
            monitors: vec![brand.id],
            analysis: None,
            triage: None,
        },
        IngestItem {
            post: new.clone(),
            monitors: vec![brand.id, rival.id],
            analysis: None,
            triage: None,
        },
    ];
    let outcome = store.write_batch(items.clone()).await.unwrap();
    assert_eq!(outcome.new_mentions, 3);
    let again = store.write_batch(items).await.unwrap();
    assert_eq!(again.new_mentions, 0);

    let counts = store
        .mention_counts(ws.id, old.created_at + Duration::days(1))
        .await
        .unwrap();
    let by_name: Vec<(&str, u64, u64)> = counts
        .iter()
        .map(|c| (c.monitor.name.as_str(), c.total, c.recent))
        .collect();
    assert_eq!(by_name, vec![("Lumora", 2, 1), ("Rival", 1, 1)]);

    let recent = store.recent_mentions(ws.id, 10).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert_eq!(recent[0].post.post.native_id, "2");
    assert_eq!(recent.last().unwrap().post.post.native_id, "1");
    assert_eq!(store.monitors(Some(ws.id)).await.unwrap().len(), 2);
    assert_eq!(store.monitors(None).await.unwrap().len(), 2);
}

async fn a_monitor_needs_an_existing_workspace(b: Backend) {
    let store = &b.store;
    let err = store
        .create_monitor(NewMonitor {
            workspace_id: WorkspaceId(99),
            name: "x".into(),
            kind: MonitorKind::Brand,
            query: "x".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { id: 99, .. }), "{err}");
}

async fn a_monitor_is_edited_only_in_its_own_workspace(b: Backend) {
    let store = &b.store;
    let ours = store.create_workspace("Ours").await.unwrap();
    let theirs = store.create_workspace("Theirs").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: ours.id,
            name: "Brand".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let edited = store
        .update_monitor(
            monitor.id,
            NewMonitor {
                workspace_id: ours.id,
                name: "Brand and kettle".into(),
                kind: MonitorKind::Product,
                query: "orvella AND kettle".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.id, monitor.id);
    assert_eq!(edited.created_at, monitor.created_at);
    assert_eq!(store.monitors(Some(ours.id)).await.unwrap(), vec![edited]);
    // Through another workspace it does not exist.
    let err = store
        .update_monitor(
            monitor.id,
            NewMonitor {
                workspace_id: theirs.id,
                name: "stolen".into(),
                kind: MonitorKind::Brand,
                query: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "monitor",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        store.monitors(Some(ours.id)).await.unwrap()[0].name,
        "Brand and kettle"
    );
}

async fn disk_usage_separates_the_full_text_index(b: Backend) {
    let store = &b.store;
    let posts: Vec<IngestItem> = (0..500)
        .map(|i| {
            IngestItem::unmatched(post(
                Network::X,
                &i.to_string(),
                "a short post about coffee grinders and espresso machines",
            ))
        })
        .collect();
    store.write_batch(posts).await.unwrap();
    let usage = store.disk_usage().await.unwrap();
    assert!(usage.total_bytes > 0);
    assert!(usage.fulltext_bytes > 0 && usage.fulltext_bytes < usage.total_bytes);
    assert!(store
        .get_post(&PostKey {
            network: Network::X,
            native_id: "nope".into()
        })
        .await
        .unwrap()
        .is_none());
}

async fn analysis_is_stored_read_back_and_replaced_only_by_a_newer_one(b: Backend) {
    use rapport_model::{Analysis, Intent, SentimentLabel, SentimentScores};
    let store = &b.store;
    let p = post(Network::Mastodon, "a1", "The tank leaks. Again.");
    let analysis = Analysis {
        sentiment: SentimentLabel::Negative,
        scores: SentimentScores {
            compound: -0.4404,
            pos: 0.0,
            neu: 0.508,
            neg: 0.492,
        },
        intent: Intent::Complaint,
        fingerprint: u64::MAX - 5,
    };
    let item = IngestItem {
        post: p.clone(),
        monitors: vec![],
        analysis: Some(analysis),
        triage: None,
    };
    store.write_batch(vec![item]).await.unwrap();
    let stored = store.get_post(&p.key()).await.unwrap().unwrap();
    assert_eq!(stored.analysis, Some(analysis));

    // Stored again without an analysis: the analysis stays.
    store
        .write_batch(vec![IngestItem::unmatched(p.clone())])
        .await
        .unwrap();
    let stored = store.get_post(&p.key()).await.unwrap().unwrap();
    assert_eq!(stored.analysis, Some(analysis));

    // With a newer analysis (a retrained model): replaced, and not counted as an update.
    let newer = Analysis {
        sentiment: SentimentLabel::Neutral,
        ..analysis
    };
    let outcome = store
        .write_batch(vec![IngestItem {
            post: p.clone(),
            monitors: vec![],
            analysis: Some(newer),
            triage: None,
        }])
        .await
        .unwrap();
    assert_eq!((outcome.updated, outcome.unchanged), (0, 1));
    let stored = store.get_post(&p.key()).await.unwrap().unwrap();
    assert_eq!(stored.analysis, Some(newer));
}

async fn a_post_edited_within_its_first_batch_is_indexed_once_with_its_final_text(b: Backend) {
    let store = &b.store;
    let first = post(Network::Mastodon, "e1", "alphaword original text");
    let mut edited = first.clone();
    edited.text = "betaword corrected text".into();
    let other = post(Network::Mastodon, "e2", "gammaword");
    store
        .write_batch(vec![
            IngestItem::unmatched(first),
            IngestItem::unmatched(other),
            IngestItem::unmatched(edited.clone()),
        ])
        .await
        .unwrap();
    assert!(store
        .search_posts("alphaword", 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.search_posts("betaword", 10).await.unwrap().len(), 1);
    assert_eq!(store.search_posts("gammaword", 10).await.unwrap().len(), 1);
    // A later edit of an indexed post still replaces its entry.
    let mut again = edited;
    again.text = "deltaword".into();
    store
        .write_batch(vec![IngestItem::unmatched(again)])
        .await
        .unwrap();
    assert!(store.search_posts("betaword", 10).await.unwrap().is_empty());
    assert_eq!(store.search_posts("deltaword", 10).await.unwrap().len(), 1);
}

async fn mentions_filter_by_monitor_network_labels_language_time_and_words(b: Backend) {
    use rapport_model::{Analysis, Intent, SentimentLabel, SentimentScores};
    use rapport_store::MentionFilter;
    let store = &b.store;
    let ws = store.create_workspace("W").await.unwrap();
    let monitor = |name: &str| NewMonitor {
        workspace_id: ws.id,
        name: name.into(),
        kind: MonitorKind::Brand,
        query: name.into(),
    };
    let brand = store.create_monitor(monitor("brand")).await.unwrap().id;
    let rival = store.create_monitor(monitor("rival")).await.unwrap().id;
    let analysed = |sentiment, intent| Analysis {
        sentiment,
        scores: SentimentScores::default(),
        intent,
        fingerprint: 1,
    };
    let mut items = Vec::new();
    let specs = [
        (
            "1",
            Network::Mastodon,
            "en",
            SentimentLabel::Negative,
            Intent::Complaint,
            "kettle leaks water",
            brand,
            0,
        ),
        (
            "2",
            Network::Bluesky,
            "de",
            SentimentLabel::Positive,
            Intent::Praise,
            "wunderbar kettle",
            brand,
            1,
        ),
        (
            "3",
            Network::Mastodon,
            "en",
            SentimentLabel::Neutral,
            Intent::Question,
            "does the grinder fit",
            rival,
            2,
        ),
        (
            "4",
            Network::X,
            "en",
            SentimentLabel::Negative,
            Intent::Complaint,
            "grinder leaks too",
            rival,
            30,
        ),
    ];
    for (id, network, lang, sentiment, intent, text, monitor, hours) in specs {
        let mut p = post(network, id, text);
        p.language = Some(lang.into());
        p.created_at += Duration::hours(hours);
        items.push(IngestItem {
            post: p,
            monitors: vec![monitor],
            analysis: Some(analysed(sentiment, intent)),
            triage: None,
        });
    }
    store.write_batch(items).await.unwrap();
    let ids = |filter: MentionFilter| {
        let store = &store;
        async move {
            store
                .find_mentions(ws.id, &filter, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.post.post.native_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(MentionFilter::default()).await, ["4", "3", "2", "1"]);
    let by_monitor = MentionFilter {
        monitor: Some(brand),
        ..Default::default()
    };
    assert_eq!(ids(by_monitor).await, ["2", "1"]);
    let by_network = MentionFilter {
        network: Some(Network::Mastodon),
        ..Default::default()
    };
    assert_eq!(ids(by_network).await, ["3", "1"]);
    let negative = MentionFilter {
        sentiment: Some(SentimentLabel::Negative),
        ..Default::default()
    };
    assert_eq!(ids(negative).await, ["4", "1"]);
    let questions = MentionFilter {
        intent: Some(Intent::Question),
        ..Default::default()
    };
    assert_eq!(ids(questions).await, ["3"]);
    let german = MentionFilter {
        language: Some("de".into()),
        ..Default::default()
    };
    assert_eq!(ids(german).await, ["2"]);
    let start = post(Network::X, "x", "x").created_at;
    let window = MentionFilter {
        since: Some(start + Duration::hours(1)),
        until: Some(start + Duration::hours(30)),
        ..Default::default()
    };
    assert_eq!(ids(window).await, ["3", "2"]);
    let words = MentionFilter {
        text: Some("leaks".into()),
        ..Default::default()
    };
    assert_eq!(ids(words).await, ["4", "1"]);
    let combined = MentionFilter {
        text: Some("leaks".into()),
        monitor: Some(brand),
        ..Default::default()
    };
    assert_eq!(ids(combined).await, ["1"]);
    let nothing = MentionFilter {
        text: Some("\"".into()),
        ..Default::default()
    };
    assert!(ids(nothing).await.is_empty());
}

async fn search_is_word_and_folds_case_and_accents(b: Backend) {
    let store = &b.store;
    let texts = [
        ("s1", "Crème brûlée at NAÏVE café"),
        ("s2", "creme only"),
        ("s3", "Zürich grinder ÜBER quiet"),
        ("s4", "the grinder is loud"),
        ("s5", "Łódź"),
    ];
    let items = texts
        .iter()
        .map(|(id, text)| IngestItem::unmatched(post(Network::Mastodon, id, text)))
        .collect();
    store.write_batch(items).await.unwrap();
    let ids = |words: &'static str| async move {
        let mut found: Vec<String> = store
            .search_posts(words, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.post.native_id)
            .collect();
        found.sort();
        found
    };
    assert_eq!(ids("creme").await, ["s1", "s2"]);
    // Every word must occur.
    assert_eq!(ids("creme brulee").await, ["s1"]);
    assert_eq!(ids("CAFE naive").await, ["s1"]);
    assert_eq!(ids("zurich uber").await, ["s3"]);
    // Letters without a decomposition keep their identity (lower-cased), in both backends.
    assert_eq!(ids("ŁODZ").await, ["s5"]);
    assert!(ids("lodz").await.is_empty());
    assert_eq!(ids("grinder").await, ["s3", "s4"]);
    assert!(ids("grinder creme").await.is_empty());
    // Whole words, not prefixes.
    assert!(ids("grind").await.is_empty());
    assert_eq!(store.search_posts("grinder", 1).await.unwrap().len(), 1);
}

async fn a_new_store_is_empty_and_reopens_cleanly(b: Backend) {
    assert_eq!(b.store.post_count().await.unwrap(), 0);
    assert!(b.store.workspaces().await.unwrap().is_empty());
    let ws = b.store.create_workspace("W").await.unwrap();
    // Opening the same database again (a restart, another process) migrates nothing and
    // sees the same data.
    let again = b.open_again().await;
    let seen = again.workspaces().await.unwrap();
    assert_eq!(seen.len(), 1, "{}", b.name());
    assert_eq!(seen[0].id, ws.id);
    assert_eq!(seen[0].name, "W");
}

async fn mention_pages_follow_the_cursor_without_gaps_or_repeats(b: Backend) {
    use rapport_store::{MentionCursor, MentionFilter};
    let store = &b.store;
    let ws = store.create_workspace("W").await.unwrap();
    let mut monitors = Vec::new();
    for name in ["a", "b", "c"] {
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
    // Seven posts, three of them at the same instant, some matched by several monitors:
    // equal times are where a time-only cursor skips or repeats.
    let mut items = Vec::new();
    for (i, minutes) in [0, 5, 5, 5, 9, 12, 12].into_iter().enumerate() {
        let mut p = post(Network::Mastodon, &format!("m{i}"), "text");
        p.created_at += Duration::minutes(minutes);
        items.push(IngestItem {
            post: p,
            monitors: monitors[..(i % 3) + 1].to_vec(),
            analysis: None,
            triage: None,
        });
    }
    store.write_batch(items).await.unwrap();
    let all = store
        .find_mentions(ws.id, &MentionFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 1 + 2 + 3 + 1 + 2 + 3 + 1, "{}", b.name());
    let key = |m: &rapport_store::MentionView| (m.post.id, m.monitor_id);
    for size in [1, 2, 4] {
        let mut paged = Vec::new();
        let mut filter = MentionFilter::default();
        loop {
            let page = store.find_mentions(ws.id, &filter, size).await.unwrap();
            let Some(last) = page.last() else { break };
            filter.after =
                Some(MentionCursor::decode(&MentionCursor::after(last).encode()).unwrap());
            paged.extend(page.iter().map(key));
        }
        assert_eq!(
            paged,
            all.iter().map(key).collect::<Vec<_>>(),
            "{} page size {size}",
            b.name()
        );
    }
    // The running total of posts follows new posts only, not re-stored ones.
    assert_eq!(store.post_count().await.unwrap(), 7);
    let again = vec![IngestItem {
        post: post(Network::Mastodon, "m0", "edited text"),
        monitors: vec![monitors[0]],
        analysis: None,
        triage: None,
    }];
    store.write_batch(again).await.unwrap();
    assert_eq!(store.post_count().await.unwrap(), 7, "{}", b.name());
}
