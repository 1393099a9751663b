//! Reads the real airline-tweets data set (shared/data/airline-tweets/train.csv) with the
//! map the docs give for it. Skipped, with a message, where the data is not present.

use rapport_model::Network;
use rapport_sources::file::{FileFormat, FileReader, ImportOptions};
use std::{
    collections::HashSet,
    path::PathBuf,
    time::{Duration, Instant},
};

const MAP: &str = "id=tweet_id,text=text,author=name,created=tweet_created,reposts=retweet_count";

fn data_file() -> Option<PathBuf> {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("../../../shared/data/airline-tweets/train.csv");
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "skipping: ../shared/data not found ({} does not exist)",
            path.display()
        );
        None
    }
}

fn options() -> ImportOptions {
    let mut options = ImportOptions::new(FileFormat::Csv);
    options.network = "x".parse().unwrap();
    options.map = MAP.parse().unwrap();
    options
}

#[test]
fn every_airline_row_imports() {
    let Some(path) = data_file() else { return };
    assert_eq!(FileFormat::from_path(&path), Some(FileFormat::Csv));
    let mut reader = FileReader::open(&path, options()).unwrap();
    let total = reader.total_bytes().unwrap();
    assert_eq!(reader.columns().unwrap().len(), 15);

    let mut posts = Vec::new();
    let mut errors = Vec::new();
    let mut last_progress = 0;
    while let Some(row) = reader.next() {
        match row {
            Ok(post) => posts.push(post),
            Err(e) => errors.push(e.to_string()),
        }
        let progress = reader.bytes_read();
        assert!(progress >= last_progress && progress <= total);
        last_progress = progress;
    }
    assert!(
        errors.is_empty(),
        "{} errors: {:#?}",
        errors.len(),
        &errors[..errors.len().min(20)]
    );
    assert_eq!(posts.len(), 10_306);
    assert_eq!(reader.bytes_read(), total);

    let first = &posts[0];
    assert_eq!(first.network, Network::X);
    assert_eq!(first.native_id, "570306133677760513");
    assert_eq!(first.author.handle, "cairdin");
    assert_eq!(first.text, "@VirginAmerica What @dhepburn said.");
    assert_eq!(first.created_at.to_rfc3339(), "2015-02-24T19:35:52+00:00");

    // Doubled quotes decoded, HTML entities left alone.
    let third = &posts[2];
    assert!(
        third
            .text
            .contains(r#"blast obnoxious "entertainment" in your guests' faces &amp; they"#),
        "{}",
        third.text
    );

    // Every id is a tweet id (no float-mangled ids), every post has an author and text.
    for post in &posts {
        assert!(
            post.native_id.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            post.native_id
        );
        assert!(!post.author.handle.is_empty() && !post.text.trim().is_empty());
    }
    assert!(
        posts.iter().any(|p| p.text.contains('\n')),
        "expected multi-line texts"
    );
    assert!(posts.iter().any(|p| p.engagement.reposts > 0));
    let distinct: HashSet<&str> = posts.iter().map(|p| p.native_id.as_str()).collect();
    println!("{} posts, {} distinct ids", posts.len(), distinct.len());
}

/// Throughput in release mode: `cargo test -p rapport-sources --release --test airline -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn airline_throughput() {
    let Some(path) = data_file() else { return };
    let mut rows = 0u64;
    let mut runs = 0u32;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        for row in FileReader::open(&path, options()).unwrap() {
            row.unwrap();
            rows += 1;
        }
        runs += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).unwrap().len() as f64 * f64::from(runs);
    println!(
        "CSV: {runs} runs, {rows} rows in {seconds:.2} s: {:.0} rows/s, {:.1} MB/s",
        rows as f64 / seconds,
        bytes / seconds / 1e6
    );

    // The same rows as JSONL, nested the way Twitter's v1 objects are.
    let mut jsonl = String::new();
    for post in FileReader::open(&path, options()).unwrap() {
        let post = post.unwrap();
        let line = serde_json::json!({
            "id": post.native_id.parse::<u64>().unwrap(),
            "full_text": post.text,
            "created_at": post.created_at.to_rfc3339(),
            "retweet_count": post.engagement.reposts,
            "user": { "screen_name": post.author.handle, "followers_count": 10 },
        });
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
    }
    let jsonl = std::sync::Arc::new(jsonl.into_bytes());
    let map = "id=id,text=full_text,created=created_at,reposts=retweet_count,\
               author=user.screen_name,followers=user.followers_count";
    let (mut rows, mut runs) = (0u64, 0u32);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let mut options = ImportOptions::new(FileFormat::Jsonl);
        options.map = map.parse().unwrap();
        let input = std::io::Cursor::new(ArcBytes(jsonl.clone()));
        for row in FileReader::from_reader(input, options).unwrap() {
            row.unwrap();
            rows += 1;
        }
        runs += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "JSONL: {runs} runs, {rows} rows in {seconds:.2} s: {:.0} rows/s, {:.1} MB/s",
        rows as f64 / seconds,
        jsonl.len() as f64 * f64::from(runs) / seconds / 1e6
    );
}

struct ArcBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}
