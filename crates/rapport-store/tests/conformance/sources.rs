//! Sources: checkpoints commit with their batch, health, sealed credentials.

use crate::backend::{AnyStore, Backend};
use chrono::{TimeZone, Utc};
use rapport_model::{Author, Engagement, Network, Post, PostKey, WorkspaceId};
use rapport_store::{IngestItem, NewSource, PollProgress, Secret, SecretKey, SourceId, StoreError};
use std::sync::Arc;

conformance!(
    the_checkpoint_is_written_with_its_batch,
    a_failing_batch_leaves_the_old_checkpoint_and_stores_nothing,
    failures_are_counted_until_a_success,
    credentials_are_sealed_at_rest_and_round_trip,
);

fn post(id: &str, text: &str) -> Post {
    Post {
        network: Network::Feed,
        native_id: id.to_string(),
        url: None,
        author: Author::new("writer"),
        title: None,
        text: text.to_string(),
        language: Some("en".into()),
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        reply_to: None,
        conversation_id: None,
        quote_of: None,
        engagement: Engagement::default(),
    }
}

fn items(posts: &[(&str, &str)]) -> Arc<[IngestItem]> {
    posts
        .iter()
        .map(|(id, text)| IngestItem::unmatched(post(id, text)))
        .collect::<Vec<_>>()
        .into()
}

fn new_source(workspace: WorkspaceId, name: &str, token: Option<&str>) -> NewSource {
    NewSource {
        workspace_id: workspace,
        kind: "jsonfeed".into(),
        name: name.into(),
        config: r#"{"url":"https://example.org/posts"}"#.into(),
        credentials: token.map(Secret::new),
        enabled: true,
    }
}

async fn setup(b: &Backend) -> (&dyn AnyStore, SecretKey, SourceId) {
    let store = &*b.store;
    let key = SecretKey::generate().unwrap();
    let workspace = store.create_workspace("Acme").await.unwrap();
    let source = store
        .upsert_source(new_source(workspace.id, "blog", None), &key)
        .await
        .unwrap();
    (store, key, source.id)
}

async fn has(store: &dyn AnyStore, id: &str) -> bool {
    let key = PostKey {
        network: Network::Feed,
        native_id: id.into(),
    };
    store.get_post(&key).await.unwrap().is_some()
}

async fn the_checkpoint_is_written_with_its_batch(b: Backend) {
    let (store, _key, source) = setup(&b).await;
    let fresh = store.source(source).await.unwrap().unwrap();
    assert_eq!(fresh.checkpoint, None);
    assert_eq!(fresh.health.posts_seen, 0);

    let progress = PollProgress {
        checkpoint: Some(r#"{"after":"2"}"#.into()),
        next_poll_at: None,
        catching_up: true,
        logged: 0,
    };
    let outcome = store
        .write_batch_with_checkpoint(source, items(&[("1", "one"), ("2", "two")]), progress)
        .await
        .unwrap();
    assert_eq!(outcome.inserted, 2);
    let after = store.source(source).await.unwrap().unwrap();
    assert_eq!(after.checkpoint.as_deref(), Some(r#"{"after":"2"}"#));
    assert_eq!(after.health.posts_seen, 2);
    assert!(after.health.last_success.is_some());
    assert!(after.health.catching_up, "the poll said more was waiting");

    // No new checkpoint keeps the stored one.
    store
        .write_batch_with_checkpoint(source, items(&[("3", "three")]), PollProgress::default())
        .await
        .unwrap();
    let kept = store.source(source).await.unwrap().unwrap();
    assert_eq!(kept.checkpoint.as_deref(), Some(r#"{"after":"2"}"#));
    assert_eq!(kept.health.posts_seen, 3);
    assert!(!kept.health.catching_up, "caught up");

    // Posts handed to the ingest log: no batch here, but the checkpoint moves and they
    // count as seen.
    let logged = PollProgress {
        checkpoint: Some(r#"{"after":"9"}"#.into()),
        logged: 6,
        ..PollProgress::default()
    };
    let outcome = store
        .write_batch_with_checkpoint(source, items(&[]), logged)
        .await
        .unwrap();
    assert_eq!(outcome.inserted, 0);
    let moved = store.source(source).await.unwrap().unwrap();
    assert_eq!(moved.checkpoint.as_deref(), Some(r#"{"after":"9"}"#));
    assert_eq!(moved.health.posts_seen, 9);
}

async fn a_failing_batch_leaves_the_old_checkpoint_and_stores_nothing(b: Backend) {
    let (store, _key, source) = setup(&b).await;
    store
        .write_batch_with_checkpoint(
            source,
            items(&[("1", "one")]),
            PollProgress {
                checkpoint: Some("\"old\"".into()),
                next_poll_at: None,
                catching_up: false,
                logged: 0,
            },
        )
        .await
        .unwrap();
    // Make the database refuse one post, as a full disk or a constraint would.
    b.exec(
        "CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.text = 'boom'
         BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused by test'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON posts FOR EACH ROW
         WHEN (NEW.text = 'boom') EXECUTE FUNCTION refuse();",
    )
    .await;

    let failed = store
        .write_batch_with_checkpoint(
            source,
            items(&[("2", "two"), ("3", "boom")]),
            PollProgress {
                checkpoint: Some("\"new\"".into()),
                next_poll_at: None,
                catching_up: false,
                logged: 0,
            },
        )
        .await;
    assert!(failed.is_err());
    let state = store.source(source).await.unwrap().unwrap();
    assert_eq!(state.checkpoint.as_deref(), Some("\"old\""));
    assert!(
        !has(store, "2").await,
        "a post of the failed batch was kept"
    );
    assert_eq!(state.health.posts_seen, 1);

    // An unknown source refuses the batch too: no posts without their checkpoint.
    let unknown = store
        .write_batch_with_checkpoint(
            SourceId(999),
            items(&[("4", "four")]),
            PollProgress::default(),
        )
        .await;
    assert!(matches!(
        unknown,
        Err(StoreError::NotFound { what: "source", .. })
    ));
    assert!(!has(store, "4").await);
}

async fn failures_are_counted_until_a_success(b: Backend) {
    let (store, _key, source) = setup(&b).await;
    let next = Utc.with_ymd_and_hms(2026, 3, 1, 13, 0, 0).unwrap();
    store
        .record_source_failure(source, "HTTP 503 from https://example.org/posts", next)
        .await
        .unwrap();
    store
        .record_source_failure(source, "timed out", next)
        .await
        .unwrap();
    let failing = store.source(source).await.unwrap().unwrap();
    assert_eq!(failing.health.consecutive_failures, 2);
    assert_eq!(failing.health.last_error.as_deref(), Some("timed out"));
    assert_eq!(failing.health.next_poll_at, Some(next));
    store
        .write_batch_with_checkpoint(source, items(&[]), PollProgress::default())
        .await
        .unwrap();
    let healed = store.source(source).await.unwrap().unwrap();
    assert_eq!(healed.health.consecutive_failures, 0);
    assert_eq!(healed.health.last_error.as_deref(), Some("timed out"));
}

async fn credentials_are_sealed_at_rest_and_round_trip(b: Backend) {
    let (store, key, _) = setup(&b).await;
    let token = "tok-PLAINTEXT-4f1c2b";
    let workspace = store.workspaces().await.unwrap()[0].id;
    let saved = store
        .upsert_source(new_source(workspace, "x", Some(token)), &key)
        .await
        .unwrap();
    assert!(saved.has_credentials);
    assert!(!format!("{saved:?}").contains(token));
    let read = store.source_credentials(saved.id, &key).await.unwrap();
    assert_eq!(read.as_ref().map(Secret::expose), Some(token));

    // Saving again without credentials keeps them; the same name updates, not duplicates.
    let again = store
        .upsert_source(new_source(workspace, "x", None), &key)
        .await
        .unwrap();
    assert_eq!(again.id, saved.id);
    assert_eq!(store.sources().await.unwrap().len(), 2);
    assert!(store
        .source_credentials(saved.id, &key)
        .await
        .unwrap()
        .is_some());

    // Another key cannot read them.
    let other = SecretKey::generate().unwrap();
    assert!(matches!(
        store.source_credentials(saved.id, &other).await,
        Err(StoreError::Secret(_))
    ));

    // The test can find what is stored in clear (the config), never the token.
    assert!(b.stored_anywhere(b"example.org/posts").await);
    assert!(
        !b.stored_anywhere(token.as_bytes()).await,
        "{} holds the plaintext token",
        b.name()
    );
}
