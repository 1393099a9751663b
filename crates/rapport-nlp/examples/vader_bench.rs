//! Runs `rapport bench sentiment` without the `rapport` binary (the same code, included by
//! path): VADER texts/second against the Python reference, one core each.
//!
//! ```text
//! cargo run --release -p rapport-nlp --example vader_bench -- [TEXTS]
//! ```
//!
//! Run it from the project root, so that `../shared/data` is found. TEXTS defaults to
//! 1,000,000.

#[path = "../../rapport/src/commands/bench_sentiment.rs"]
mod bench_sentiment;

fn main() -> anyhow::Result<()> {
    let texts = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|e| anyhow::anyhow!("TEXTS must be a number, got {arg:?}: {e}"))?,
        None => 1_000_000,
    };
    bench_sentiment::run(texts)
}
