//! How the airline tweets' duplicates cluster under [`rapport_nlp::fingerprint`], and how
//! robust the fingerprint is to small edits.
//!
//! `cargo run --release -p rapport-nlp --example duplicates [MAX_DISTANCE]`

#[path = "../tests/common/mod.rs"]
mod common;

use rapport_nlp::fingerprint::{fingerprint, hamming, DuplicateIndex, DEFAULT_MAX_DISTANCE};
use std::collections::HashMap;
use std::time::Instant;

fn percentiles(mut v: Vec<u32>) -> String {
    v.sort_unstable();
    let at = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
    format!(
        "p10 {} p50 {} p90 {} p99 {} max {}",
        at(0.1),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    )
}

fn main() {
    let k: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(DEFAULT_MAX_DISTANCE);
    let Some(rows) = common::airline() else {
        return;
    };
    let started = Instant::now();
    let fps: Vec<u64> = rows.iter().map(|r| fingerprint(&r.text)).collect();
    let took = started.elapsed();
    println!(
        "{} tweets fingerprinted in {:.1} ms ({:.0} posts/s)",
        rows.len(),
        took.as_secs_f64() * 1e3,
        rows.len() as f64 / took.as_secs_f64()
    );

    // Robustness: one word replaced, one word dropped, in tweets of 8 words or more.
    let mut rng = common::Rng(7);
    let (mut replaced, mut dropped, mut random) = (Vec::new(), Vec::new(), Vec::new());
    for (row, &fp) in rows.iter().zip(&fps) {
        let words: Vec<&str> = row.text.split_whitespace().collect();
        if words.len() < 8 {
            continue;
        }
        let i = rng.below(words.len());
        let mut w = words.clone();
        w[i] = "zebra";
        replaced.push(hamming(fp, fingerprint(&w.join(" "))));
        let mut w = words.clone();
        w.remove(i);
        dropped.push(hamming(fp, fingerprint(&w.join(" "))));
        random.push(hamming(fp, fps[rng.below(fps.len())]));
    }
    println!("one word replaced: {}", percentiles(replaced.clone()));
    println!("one word dropped:  {}", percentiles(dropped.clone()));
    println!("random pairs:      {}", percentiles(random.clone()));
    for d in [3, 4, 5, 6, 7, 8, 10] {
        let within = |v: &[u32]| v.iter().filter(|&&x| x <= d).count() as f64 / v.len() as f64;
        println!(
            "  within {d:>2}: replaced {:.3} dropped {:.3} random {:.4}",
            within(&replaced),
            within(&dropped),
            within(&random)
        );
    }

    // Every pair of distinct texts: how many lie within each distance.
    let mut pair_counts = [0usize; 17];
    let mut samples: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 17];
    for i in 0..fps.len() {
        for j in i + 1..fps.len() {
            let d = hamming(fps[i], fps[j]) as usize;
            if d <= 16 && rows[i].text != rows[j].text {
                pair_counts[d] += 1;
                if samples[d].len() < 3 {
                    samples[d].push((i, j));
                }
            }
        }
    }
    println!("pairs of differing texts at each distance: {pair_counts:?}");
    if std::env::var_os("SHOW_PAIRS").is_some() {
        for (d, pairs) in samples.iter().enumerate().skip(4) {
            for &(i, j) in pairs {
                println!("  [{d}] {:?}\n       {:?}", rows[i].text, rows[j].text);
            }
        }
    }

    // Clusters.
    let started = Instant::now();
    let mut index = DuplicateIndex::new(k);
    for &fp in &fps {
        index.insert(fp);
    }
    let groups = index.groups(2);
    println!(
        "\nDuplicateIndex(k = {k}): indexed and grouped in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut exact: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *exact.entry(r.text.as_str()).or_default() += 1;
    }
    let exact_groups = exact.values().filter(|&&n| n >= 2).count();
    let exact_posts: usize = exact.values().filter(|&&n| n >= 2).sum();
    let rts = rows.iter().filter(|r| r.text.starts_with("RT @")).count();
    let in_groups: usize = groups.iter().map(Vec::len).sum();
    println!("exact duplicate texts: {exact_groups} groups holding {exact_posts} tweets");
    println!("tweets starting with 'RT @': {rts}");
    println!(
        "near-duplicate groups (2+): {} holding {in_groups} tweets ({:.1}%)",
        groups.len(),
        100.0 * in_groups as f64 / rows.len() as f64
    );
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for g in &groups {
        *sizes.entry(g.len()).or_default() += 1;
    }
    let mut sizes: Vec<_> = sizes.into_iter().collect();
    sizes.sort_unstable();
    println!("group sizes (size: count): {sizes:?}");
    let (mut all_same, mut with_rt, mut edited) = (0, 0, 0);
    for g in &groups {
        let texts: Vec<&str> = g.iter().map(|&i| rows[i].text.as_str()).collect();
        if texts.iter().all(|t| *t == texts[0]) {
            all_same += 1;
        } else if texts.iter().any(|t| t.starts_with("RT @")) {
            with_rt += 1;
        } else {
            edited += 1;
        }
    }
    println!(
        "groups of identical texts {all_same}, with a retweet {with_rt}, of differing texts \
         (templated or edited) {edited}"
    );
    let mut shown = 0;
    for g in groups.iter() {
        let texts: Vec<&str> = g.iter().map(|&i| rows[i].text.as_str()).collect();
        if texts.iter().all(|t| *t == texts[0]) && shown > 2 {
            continue;
        }
        shown += 1;
        println!("\n-- group of {}:", g.len());
        let mut seen = Vec::new();
        for (&i, t) in g.iter().zip(&texts) {
            if seen.contains(t) || seen.len() >= 4 {
                continue;
            }
            seen.push(t);
            println!(
                "   [{:>2} bits] {}",
                hamming(fps[g[0]], fps[i]),
                t.replace('\n', " ")
            );
        }
        if shown >= 12 {
            break;
        }
    }
}
