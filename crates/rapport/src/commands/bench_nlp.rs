//! `rapport bench nlp [--posts N] [--model MODEL]`: the per-post cost of each step of
//! `rapport analyze` (VADER, language, intent, fingerprint, the learned model) and of all of
//! them together, on one thread, over the airline tweets cycled to N posts.

use super::analyze::write_analysis;
use anyhow::Context;
use rapport_nlp::fingerprint::fingerprint;
use rapport_nlp::intent::classify_intent;
use rapport_nlp::lang::detect_language;
use rapport_nlp::learn::{Label, Model, TrainConfig};
use rapport_nlp::sentiment::Vader;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// The corpus, relative to the project root (where `rapport` is run from).
const CORPUS: &str = "../shared/data/airline-tweets/train.csv";

/// Times each step over `posts` posts (the airline tweets cycled; a few synthetic ones when
/// the corpus is absent) and prints µs per post and posts per second. Without `model`, a
/// sentiment model is trained on the corpus first (timed too).
pub fn run(posts: usize, model: Option<&Path>) -> anyhow::Result<()> {
    let corpus = load_corpus(Path::new(CORPUS))?;
    let texts: Vec<&str> = if corpus.is_empty() {
        println!("bench nlp: {CORPUS} not found (run from the project root with shared/ beside it); using synthetic posts");
        vec![
            "@acme my order is late again, worst service ever",
            "Thanks @acme, the new grinder is amazing!",
            "@acme where can I buy the X2 in Lyon?",
            "RT @bob: flight 714 cancelled, no rebooking offered https://t.co/x",
        ]
    } else {
        corpus.iter().map(|(t, _)| t.as_str()).collect()
    };
    let posts = posts.max(texts.len());
    let mean = texts.iter().map(|t| t.len()).sum::<usize>() / texts.len().max(1);
    println!(
        "bench nlp: {} distinct posts (mean {mean} bytes), cycled to {posts}; one thread",
        texts.len()
    );

    let model = match model {
        Some(path) => {
            Model::load(path).with_context(|| format!("cannot load {}", path.display()))?
        }
        None if !corpus.is_empty() => {
            let examples: Vec<(String, Label)> = corpus
                .iter()
                .map(|(t, l)| (t.clone(), Label::new(l)))
                .collect();
            let started = Instant::now();
            let model = Model::train(&examples, &TrainConfig::default())?;
            println!(
                "trained a sentiment model on {} posts in {:.2} s",
                examples.len(),
                started.elapsed().as_secs_f64()
            );
            model
        }
        None => {
            let examples: Vec<(String, Label)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        t.to_string(),
                        Label::new(if i % 2 == 0 { "a" } else { "b" }),
                    )
                })
                .collect();
            Model::train(&examples, &TrainConfig::default())?
        }
    };
    let vader = Vader::shared();
    let scores: Vec<_> = texts.iter().map(|t| vader.polarity_scores(t)).collect();

    let time = |name: &str, step: &mut dyn FnMut(usize)| {
        // Warm-up: one pass over the distinct posts.
        for i in 0..texts.len() {
            step(i);
        }
        let started = Instant::now();
        for i in 0..posts {
            step(i % texts.len());
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {name:<44} {:>8.2} µs/post {:>10.0} posts/s",
            secs * 1e6 / posts as f64,
            posts as f64 / secs.max(1e-12)
        );
    };
    time("VADER scores", &mut |i| {
        black_box(vader.polarity_scores(texts[i]));
    });
    time("language", &mut |i| {
        black_box(detect_language(texts[i]));
    });
    time("intent (rules, given VADER scores)", &mut |i| {
        black_box(classify_intent(texts[i], Some(scores[i])));
    });
    time("fingerprint", &mut |i| {
        black_box(fingerprint(texts[i]));
    });
    time("model predict (given VADER scores)", &mut |i| {
        black_box(model.predict_with(texts[i], Some(&scores[i])));
    });
    time("language + intent + fingerprint", &mut |i| {
        black_box(detect_language(texts[i]));
        black_box(classify_intent(texts[i], Some(scores[i])));
        black_box(fingerprint(texts[i]));
    });
    let mut sink = Vec::with_capacity(1 << 16);
    let id = serde_json::Value::from(1);
    time("analyze: all of it + JSON line", &mut |i| {
        sink.clear();
        let _ = write_analysis(&mut sink, &id, texts[i], None);
    });
    time("analyze --model: all of it + JSON line", &mut |i| {
        sink.clear();
        let _ = write_analysis(&mut sink, &id, texts[i], Some(&model));
    });
    Ok(())
}

/// The airline tweets' (text, airline_sentiment), empty when the file is absent.
fn load_corpus(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let text = column("text").with_context(|| format!("{} has no text column", path.display()))?;
    let label = column("airline_sentiment");
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        if let Some(t) = record.get(text) {
            let l = label.and_then(|c| record.get(c)).unwrap_or("neutral");
            rows.push((t.to_string(), l.to_string()));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    #[ignore = "a benchmark: cargo test --release -p rapport bench_nlp -- --ignored --nocapture"]
    fn bench_nlp() {
        super::run(200_000, None).expect("runs");
    }
}
