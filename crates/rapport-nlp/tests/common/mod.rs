//! Loading the shared evaluation data (`../shared/data/` beside the project), shared by the
//! evaluation tests and examples. Every loader returns `None`, after saying why on stderr,
//! when the data is absent, so tests skip instead of failing.
#![allow(dead_code)]

use std::path::PathBuf;

/// One row of the airline tweets.
#[derive(Debug, Clone)]
pub struct AirlineRow {
    pub id: String,
    pub text: String,
    /// `negative`, `neutral` or `positive`.
    pub sentiment: String,
    /// The `negativereason` (empty unless negative).
    pub reason: String,
    pub airline: String,
    pub created: String,
}

/// `shared/data`, from `RAPPORT_SHARED_DATA` or beside the project root.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("RAPPORT_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("../../../shared/data"),
    }
}

/// The airline tweets of `airline-tweets/train.csv`.
pub fn airline() -> Option<Vec<AirlineRow>> {
    let path = data_dir().join("airline-tweets/train.csv");
    if !path.exists() {
        eprintln!(
            "SKIPPED: {} is absent (the shared data sits beside the project)",
            path.display()
        );
        return None;
    }
    let mut reader = csv::Reader::from_path(&path).ok()?;
    let headers = reader.headers().ok()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (id, text, sentiment, reason, airline, created) = (
        col("tweet_id")?,
        col("text")?,
        col("airline_sentiment")?,
        col("negativereason")?,
        col("airline")?,
        col("tweet_created")?,
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let get = |i: usize| record.get(i).unwrap_or("").to_string();
        rows.push(AirlineRow {
            id: get(id),
            text: get(text),
            sentiment: get(sentiment),
            reason: get(reason),
            airline: get(airline),
            created: get(created),
        });
    }
    Some(rows)
}

/// TweetEval's validation split as (text, label) with labels `negative`, `neutral`,
/// `positive`.
pub fn tweeteval() -> Option<Vec<(String, String)>> {
    let dir = data_dir().join("tweeteval-sentiment");
    let texts = std::fs::read_to_string(dir.join("val_text.txt"));
    let labels = std::fs::read_to_string(dir.join("val_labels.txt"));
    let (Ok(texts), Ok(labels)) = (texts, labels) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return None;
    };
    let names = ["negative", "neutral", "positive"];
    Some(
        texts
            .lines()
            .zip(labels.lines())
            .filter_map(|(t, l)| {
                let label = names.get(l.trim().parse::<usize>().ok()?)?;
                Some((t.to_string(), label.to_string()))
            })
            .collect(),
    )
}

/// A small deterministic generator (SplitMix64) for sampling in studies.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

pub mod intent_eval;
pub mod lang_eval;

/// The multilingual sample of `tests/data/lang_sample.tsv` as (source, ISO 639-1, text).
pub fn lang_sample() -> Vec<(String, String, String)> {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("tests/data/lang_sample.tsv");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            Some((
                parts.next()?.to_string(),
                parts.next()?.to_string(),
                parts.next()?.to_string(),
            ))
        })
        .collect()
}
