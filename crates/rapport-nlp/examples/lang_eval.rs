//! Language identification: accuracy and coverage at several confidence thresholds, and
//! speed, on the multilingual sample (`tests/data/lang_sample.tsv`), on English tweets and
//! on 20,000 simulated posts (`rapport-sim`, whose ground truth has the language).
//!
//! `cargo run --release -p rapport-nlp --example lang_eval`

#[path = "../tests/common/mod.rs"]
mod common;

use common::lang_eval::measure;
use rapport_nlp::lang::{
    detect_language, detect_language_info, Method, MIN_CONFIDENCE, MIN_LETTERS,
};
use std::time::Instant;

/// 20,000 simulated posts as (primary language subtag, text).
fn simulated() -> Vec<(String, String)> {
    common::lang_eval::simulated_stream(20_000)
        .into_iter()
        .map(|(_, lang, _, text)| (lang, text))
        .collect()
}

/// Times `detect_language` over `texts` (5 rounds): µs per text.
fn speed(texts: &[&str]) -> f64 {
    let rounds = 5;
    let started = Instant::now();
    let mut some = 0usize;
    for _ in 0..rounds {
        for t in texts {
            some += usize::from(detect_language(t).is_some());
        }
    }
    std::hint::black_box(some);
    started.elapsed().as_secs_f64() * 1e6 / (texts.len() * rounds).max(1) as f64
}

/// How many texts each step decides.
fn methods<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let (mut stop, mut script, mut trigrams, mut none) = (0, 0, 0, 0);
    for t in texts {
        match detect_language_info(t)
            .filter(|d| d.is_confident())
            .map(|d| d.method)
        {
            Some(Method::StopWords) => stop += 1,
            Some(Method::Script) => script += 1,
            Some(Method::Trigrams) => trigrams += 1,
            None => none += 1,
        }
    }
    format!("stop words {stop}, script {script}, trigrams {trigrams}, none {none}")
}

fn main() {
    let sample = common::lang_sample();
    let rows: Vec<(&str, &str)> = sample
        .iter()
        .map(|(_, c, t)| (c.as_str(), t.as_str()))
        .collect();
    let mut english: Vec<(&str, String)> = Vec::new();
    if let Some(a) = common::airline() {
        english.extend(a.into_iter().map(|r| ("en", r.text)));
    }
    if let Some(t) = common::tweeteval() {
        english.extend(t.into_iter().map(|(text, _)| ("en", text)));
    }
    println!("threshold MIN_CONFIDENCE = {MIN_CONFIDENCE}, MIN_LETTERS = {MIN_LETTERS}");
    println!(
        "{}",
        measure(rows.iter().copied()).line("multilingual sample")
    );
    println!(
        "{}",
        measure(english.iter().map(|(c, t)| (*c, t.as_str()))).line("English tweets")
    );
    let stream = common::lang_eval::simulated_stream(20_000);
    let figures = common::lang_eval::measure_stream(
        stream
            .iter()
            .map(|(a, c, d, t)| (Some(*a), c.as_str(), d.as_deref(), t.as_str())),
    );
    println!("{}", figures.line("pipeline (LanguageMemory), simulated"));
    let anonymous = common::lang_eval::measure_stream(
        stream
            .iter()
            .map(|(_, c, d, t)| (None, c.as_str(), d.as_deref(), t.as_str())),
    );
    println!("{}", anonymous.line("  the same without authors"));
    let english_stream = common::lang_eval::measure_stream(
        english.iter().map(|(c, t)| (None, *c, None, t.as_str())),
    );
    println!("{}", english_stream.line("pipeline, English tweets"));
    let sim = simulated();
    let sim_figures = measure(sim.iter().map(|(c, t)| (c.as_str(), t.as_str())));
    println!("{}", sim_figures.line("simulated posts"));
    let mut worst: Vec<_> = sim_figures.confusions.iter().collect();
    worst.sort_by(|a, b| b.1.cmp(a.1));
    println!("  simulated confusions: {:?}", &worst[..worst.len().min(8)]);
    if std::env::var("LANG_EVAL_PEEK").is_ok() {
        for (c, t) in sim
            .iter()
            .filter(|(_, t)| detect_language(t).is_none())
            .take(25)
        {
            println!("  none [{c}] {t}");
        }
    }
    println!(
        "\ndecided by: sample {}",
        methods(rows.iter().map(|(_, t)| *t))
    );
    println!(
        "            English tweets {}",
        methods(english.iter().map(|(_, t)| t.as_str()))
    );
    println!(
        "            simulated {}",
        methods(sim.iter().map(|(_, t)| t.as_str()))
    );
    let sample_texts: Vec<&str> = rows.iter().map(|(_, t)| *t).collect();
    let sim_texts: Vec<&str> = sim.iter().map(|(_, t)| t.as_str()).collect();
    println!(
        "speed: sample {:.1} µs/text, simulated {:.1} µs/text",
        speed(&sample_texts),
        speed(&sim_texts)
    );

    println!("\ntrigram confidence sweep (letters >= {MIN_LETTERS} unless a one-language script):");
    for threshold in [0.0, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0] {
        let sweep = |rows: &mut dyn Iterator<Item = (&str, &str)>| {
            let (mut supported, mut answered, mut correct) = (0, 0, 0);
            for (code, text) in rows {
                if rapport_nlp::lang::Lang::from_code(code).is_none() {
                    continue;
                }
                supported += 1;
                if let Some(d) = detect_language_info(text) {
                    if d.method != Method::Trigrams
                        || d.confidence >= threshold
                            && (d.single_language_script || d.letters >= MIN_LETTERS)
                    {
                        answered += 1;
                        correct += usize::from(d.lang.code() == code);
                    }
                }
            }
            (
                answered as f64 / supported.max(1) as f64,
                correct as f64 / answered.max(1) as f64,
            )
        };
        let (cov_m, prec_m) = sweep(&mut rows.iter().copied());
        let (cov_e, prec_e) = sweep(&mut english.iter().map(|(c, t)| (*c, t.as_str())));
        println!(
            "  >= {threshold:.1}: sample answered {:.1}% precision {prec_m:.3} | English tweets answered {:.1}% precision {prec_e:.3}",
            100.0 * cov_m,
            100.0 * cov_e
        );
    }

    let texts: Vec<&str> = english
        .iter()
        .map(|(_, t)| t.as_str())
        .chain(rows.iter().map(|(_, t)| *t))
        .collect();
    if texts.is_empty() {
        return;
    }
    let rounds = 5;
    let started = Instant::now();
    let mut some = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            some += usize::from(detect_language(t).is_some());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let n = (texts.len() * rounds) as f64;
    println!(
        "\nspeed: {:.1} µs per text, {:.0} texts/s on one thread ({} texts x {rounds}; {some} answered)",
        secs * 1e6 / n,
        n / secs,
        texts.len()
    );
}
