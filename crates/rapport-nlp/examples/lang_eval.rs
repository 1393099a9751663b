//! Language identification: accuracy and coverage at several confidence thresholds, and
//! speed, on the multilingual sample (`tests/data/lang_sample.tsv`) and on English tweets.
//!
//! `cargo run --release -p rapport-nlp --example lang_eval`

#[path = "../tests/common/mod.rs"]
mod common;

use common::lang_eval::measure;
use rapport_nlp::lang::{detect_language, detect_language_info, MIN_CONFIDENCE, MIN_LETTERS};
use std::time::Instant;

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

    println!("\nconfidence sweep (letters >= {MIN_LETTERS} unless a one-language script):");
    for threshold in [0.0, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0] {
        let sweep = |rows: &mut dyn Iterator<Item = (&str, &str)>| {
            let (mut supported, mut answered, mut correct) = (0, 0, 0);
            for (code, text) in rows {
                if rapport_nlp::lang::Lang::from_code(code).is_none() {
                    continue;
                }
                supported += 1;
                if let Some(d) = detect_language_info(text) {
                    if d.confidence >= threshold
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
