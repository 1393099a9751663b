//! Tokenizer throughput on real posts: every line of the shared data sets' tweet files
//! (`../shared/data/tweeteval-sentiment/val_text.txt`, `airline-tweets/train.csv`),
//! tokenized over and over into one reused buffer.
//!
//! `cargo run --release -p rapport-text --example tokenize_bench [rounds]`
//!
//! Prints posts per second, ns per post and MB/s, and how many posts hold emoji,
//! emoticons, contractions and elongations. Run it at two commits to compare.

use rapport_text::{TokenKind, Tokens};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let data = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("../../../shared/data");
    let mut posts = Vec::new();
    for file in [
        "tweeteval-sentiment/val_text.txt",
        "airline-tweets/train.csv",
    ] {
        match std::fs::read_to_string(data.join(file)) {
            Ok(text) => posts.extend(text.lines().map(str::to_string)),
            Err(e) => println!("skipping {file}: {e}"),
        }
    }
    if posts.is_empty() {
        println!("skipping: no data under {}", data.display());
        return;
    }
    let bytes: usize = posts.iter().map(String::len).sum();
    let mut tokens = Tokens::new();
    let mut checksum = 0usize;
    // Warm-up.
    for post in &posts {
        tokens.tokenize(post);
        checksum += tokens.len();
    }
    let start = Instant::now();
    for _ in 0..rounds {
        for post in &posts {
            tokens.tokenize(post);
            checksum += tokens.len() + tokens.scan_text().len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (posts.len() * rounds) as f64;
    println!(
        "{} posts x {rounds} rounds ({:.1} MB): {:.0} posts/s, {:.0} ns/post, {:.1} MB/s (checksum {checksum})",
        posts.len(),
        bytes as f64 / 1e6,
        n / secs,
        secs * 1e9 / n,
        (bytes * rounds) as f64 / 1e6 / secs
    );
    let (mut emoji, mut emoticons, mut contractions, mut elongations) = (0, 0, 0, 0);
    for post in &posts {
        tokens.tokenize(post);
        let symbols: Vec<TokenKind> = tokens.symbols().map(|t| t.kind()).collect();
        emoji += usize::from(symbols.contains(&TokenKind::Emoji));
        emoticons += usize::from(symbols.contains(&TokenKind::Emoticon));
        contractions += usize::from(tokens.iter().any(|t| t.normalized().contains('\'')));
        elongations += usize::from(tokens.iter().any(|t| t.is_elongated()));
    }
    println!(
        "posts with emoji {emoji}, emoticons {emoticons}, contractions {contractions}, elongations {elongations}"
    );
}
