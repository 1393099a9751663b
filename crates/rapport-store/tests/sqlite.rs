//! What only the SQLite store has: its file format (WAL, `user_version`), upgrades of old
//! files, the FTS5 index's integrity and the change watcher. Everything both backends
//! share is in the conformance suite (`tests/conformance`).

use chrono::{TimeZone, Utc};
use rapport_model::{Author, Engagement, Network, Post, PostKey};
use rapport_store::{IngestItem, SqliteOptions, SqliteStore, Store};

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

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).unwrap()
}

#[tokio::test]
async fn migrations_apply_on_an_empty_file_and_reopen_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/rapport.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    assert_eq!(store.post_count().await.unwrap(), 0);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, rapport_store::SCHEMA_VERSION);
    assert!(version >= 4);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    // A second open finds the schema current and changes nothing.
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    assert_eq!(store.workspaces().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_version_1_database_with_posts_migrates_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database exactly as version 1 of the schema left it, with one post.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO authors (id, network, handle) VALUES (1, 'x', 'old');
             INSERT INTO posts (network, native_id, author_id, created_at, first_seen, text)
                 VALUES ('x', '7', 1, 1700000000000, 1700000000000, 'from before');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let key = PostKey {
        network: Network::X,
        native_id: "7".into(),
    };
    let stored = store.get_post(&key).await.unwrap().unwrap();
    assert_eq!(stored.post.text, "from before");
    assert_eq!(stored.analysis, None);
}

#[tokio::test]
async fn a_post_edited_within_its_first_batch_is_indexed_once_with_its_final_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
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
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("rapport.db")).unwrap();
    conn.execute(
        "INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
}

#[tokio::test]
async fn commits_by_any_connection_wake_the_change_watcher() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut changes = store
        .watch_changes(std::time::Duration::from_millis(20))
        .unwrap();
    let before = *changes.borrow();
    store
        .write_batch(vec![IngestItem::unmatched(post(Network::X, "w1", "hello"))])
        .await
        .unwrap();
    // A deadline so a broken watcher fails the test instead of hanging it.
    tokio::time::timeout(std::time::Duration::from_secs(10), changes.changed())
        .await
        .expect("a change is announced")
        .unwrap();
    assert!(*changes.borrow() > before);
    // Another process (here another connection) committing is seen too.
    let conn = rusqlite::Connection::open(dir.path().join("rapport.db")).unwrap();
    conn.execute(
        "INSERT INTO workspaces (name, created_at) VALUES ('x', 0)",
        [],
    )
    .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), changes.changed())
        .await
        .expect("a change is announced")
        .unwrap();
}
