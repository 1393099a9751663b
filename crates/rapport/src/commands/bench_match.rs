//! `rapport bench match`: the compiled monitor matcher against the reference evaluator, on
//! one thread, over the airline tweets repeated to a few million posts.

use anyhow::Context;
use rapport_query::bench::{self, BenchPost};
use rapport_query::MatcherSet;
use std::path::Path;
use std::time::Instant;

/// The corpus, relative to the project root (where `rapport` is run from).
const CORPUS: &str = "../shared/data/airline-tweets/train.csv";

/// The seed of the generated monitors: the same monitors on every run.
const SEED: u64 = 2026;

/// Builds each count of `monitors`, matches `posts` posts with the compiled engine and
/// `naive_posts` with the reference evaluator, on this thread only, and prints posts per
/// second, the ratio and the compiled matcher's memory.
pub fn run(monitors: &[usize], posts: usize, naive_posts: usize) -> anyhow::Result<()> {
    let corpus = match load_corpus(Path::new(CORPUS))? {
        Some(corpus) => {
            println!(
                "bench match: {} airline tweets from {CORPUS}, cycled to {posts} posts",
                corpus.len()
            );
            corpus
        }
        None => {
            println!(
                "bench match: {CORPUS} not found (run from the project root with shared/ beside \
                 it); using 10000 synthetic tweets instead, cycled to {posts} posts"
            );
            bench::synthetic_posts(10_000, SEED)
        }
    };
    let mean = corpus.iter().map(|p| p.text.len()).sum::<usize>() / corpus.len().max(1);
    println!("mean text length {mean} bytes; one thread; naive evaluator on {naive_posts} posts");
    println!(
        "{:>8} {:>6} {:>8} {:>8} {:>11} {:>11} {:>9} {:>7} {:>10} {:>12} {:>10}",
        "monitors",
        "atoms",
        "patterns",
        "compile",
        "compiled/s",
        "(wall)",
        "naive/s",
        "ratio",
        "match/post",
        "heap (acct.)",
        "RSS delta"
    );
    for &count in monitors {
        let generated = bench::monitors(count, SEED);
        let rss_before = bench::resident_memory();
        let started = Instant::now();
        let set = MatcherSet::compile(generated.iter().map(|(id, q)| (*id, q)));
        let compile_seconds = started.elapsed().as_secs_f64();
        let rss_delta = match (rss_before, bench::resident_memory()) {
            (Some(a), Some(b)) => format!("{:.1} MiB", b.saturating_sub(a) as f64 / MIB),
            _ => "n/a".to_string(),
        };
        let check = naive_posts.min(corpus.len()).min(1_000);
        if let Some(i) = bench::first_disagreement(&set, &generated, &corpus, check) {
            anyhow::bail!(
                "compiled and naive disagree on post {i}: {:?}",
                corpus.get(i).map(|p| &p.text)
            );
        }
        let compiled = bench::time_compiled(&set, &corpus, posts);
        let naive = bench::time_naive(&generated, &corpus, naive_posts);
        let ratio = compiled.per_cpu_second() / naive.per_cpu_second().max(1e-9);
        println!(
            "{:>8} {:>6} {:>8} {:>7.2}s {:>11.0} {:>11.0} {:>9.0} {:>6.0}x {:>10.3} {:>8.1} MiB {:>10}",
            set.len(),
            set.atom_count(),
            set.pattern_count(),
            compile_seconds,
            compiled.per_cpu_second(),
            compiled.per_second(),
            naive.per_cpu_second(),
            ratio,
            compiled.matches as f64 / compiled.posts.max(1) as f64,
            set.heap_size() as f64 / MIB,
            rss_delta,
        );
    }
    println!(
        "posts/s are per second of this thread's CPU time (one core; wall-clock in brackets); \
         heap (acct.): the matcher's own accounting (the automaton's memory_usage plus vector \
         and map capacities); RSS delta: resident memory before and after compiling"
    );
    Ok(())
}

const MIB: f64 = 1024.0 * 1024.0;

/// The tweets' texts and authors, or `None` when the file is absent.
fn load_corpus(path: &Path) -> anyhow::Result<Option<Vec<BenchPost>>> {
    if !path.exists() {
        return Ok(None);
    }
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let text = column("text").with_context(|| format!("{} has no text column", path.display()))?;
    let author = column("name");
    let mut posts = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        if let Some(t) = record.get(text) {
            posts.push(BenchPost {
                text: t.to_string(),
                author: author
                    .and_then(|a| record.get(a))
                    .unwrap_or_default()
                    .to_string(),
            });
        }
    }
    anyhow::ensure!(!posts.is_empty(), "{} holds no tweet", path.display());
    Ok(Some(posts))
}
