//! `rapport bench sentiment`: VADER scoring (`rapport_nlp::sentiment::Vader`) against the
//! reference Python package `vaderSentiment` 3.3.2, texts per second on one core each, in
//! the same run, over the airline tweets.

use anyhow::Context;
use rapport_nlp::sentiment::{bench, reference, Vader};
use std::path::Path;
use std::time::Instant;

/// The corpus, relative to the project root (where `rapport` is run from).
const CORPUS: &str = "../shared/data/airline-tweets/train.csv";

/// The seed of the synthetic texts used when the corpus is absent.
const SEED: u64 = 2026;

/// Loads the airline tweets (or synthetic tweets), scores `texts` of them (cycling) with
/// [`Vader`] on this thread, then times the Python reference on one pass over the same texts
/// (at most `texts`) in one Python process, and prints texts per CPU-second of each and the
/// ratio. Without Python or `vaderSentiment`, says so and prints only our figure.
pub fn run(texts: usize) -> anyhow::Result<()> {
    let corpus = match load_corpus(Path::new(CORPUS))? {
        Some(corpus) => {
            println!(
                "bench sentiment: {} airline tweets from {CORPUS}, cycled to {texts} texts",
                corpus.len()
            );
            corpus
        }
        None => {
            println!(
                "bench sentiment: skipping the airline tweets, {CORPUS} not found (run from the \
                 project root with shared/ beside it); using 10000 synthetic tweets instead, \
                 cycled to {texts} texts"
            );
            bench::synthetic_texts(10_000, SEED)
        }
    };
    let mean = corpus.iter().map(String::len).sum::<usize>() / corpus.len().max(1);
    println!("mean text length {mean} bytes; one thread each");

    let started = Instant::now();
    let vader = Vader::new();
    println!(
        "lexicon parsed in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    // Warm-up: one pass over the corpus (caches, branch predictors, the thread's buffers).
    let _ = bench::time_vader(&vader, &corpus, corpus.len());
    let (ours, checksum) = bench::time_vader(&vader, &corpus, texts);
    println!(
        "rapport VADER:  {:>12.0} texts/s per core ({:.0} wall-clock), {:.2} µs/text, \
         {} texts in {:.2} s (checksum {checksum:.4})",
        ours.per_cpu_second(),
        ours.per_second(),
        1e6 / ours.per_cpu_second().max(1e-9),
        ours.texts,
        ours.cpu_seconds.unwrap_or(ours.seconds),
    );

    let python_texts = texts.min(corpus.len()).max(1);
    match reference::time(&corpus, python_texts) {
        Ok(python) => {
            println!(
                "Python vaderSentiment {}: {:>8.0} texts/s per core ({:.0} wall-clock), {:.2} \
                 µs/text, {} texts in {:.2} s ({})",
                reference::VERSION,
                python.per_cpu_second(),
                python.per_second(),
                1e6 / python.per_cpu_second().max(1e-9),
                python.texts,
                python.cpu_seconds.unwrap_or(python.seconds),
                reference::python(),
            );
            println!(
                "ratio: {:.1}x the Python reference per core (target: at least 25x)",
                ours.per_cpu_second() / python.per_cpu_second().max(1e-9)
            );
        }
        Err(e) if e.is_not_installed() => {
            println!("Python reference not measured: {e}");
            println!(
                "(only our figure above; `{}` to compare)",
                reference::PIP_INSTALL
            );
        }
        Err(e) => return Err(e).context("timing the Python reference"),
    }
    Ok(())
}

/// The `text` column of the airline tweets CSV, or `None` if the file is absent.
fn load_corpus(path: &Path) -> anyhow::Result<Option<Vec<String>>> {
    if !path.exists() {
        return Ok(None);
    }
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?;
    let column = headers
        .iter()
        .position(|h| h == "text")
        .with_context(|| format!("{} has no `text` column", path.display()))?;
    let mut texts = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{} record {}", path.display(), i + 1))?;
        texts.push(record.get(column).unwrap_or_default().to_string());
    }
    Ok(Some(texts))
}
