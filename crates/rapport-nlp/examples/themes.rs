//! Themes on the airline tweets: each airline against the others, and the busiest day
//! against the days before it.
//!
//! `cargo run --release -p rapport-nlp --example themes [TOP]`

#[path = "../tests/common/mod.rs"]
mod common;

use rapport_nlp::themes::{emerging_themes, Theme, ThemeConfig};
use std::collections::BTreeMap;
use std::time::Instant;

fn show(title: &str, themes: &[Theme]) {
    println!("\n{title}");
    for t in themes {
        println!(
            "  {:<32} target {:>4}  baseline {:>4}  G² {:>7.1}",
            t.phrase, t.target_count, t.baseline_count, t.score
        );
    }
}

fn main() {
    let top = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(8);
    let Some(rows) = common::airline() else {
        return;
    };
    let config = ThemeConfig {
        top,
        ..ThemeConfig::default()
    };
    let mut airlines: Vec<&str> = rows.iter().map(|r| r.airline.as_str()).collect();
    airlines.sort_unstable();
    airlines.dedup();
    let started = Instant::now();
    for airline in &airlines {
        let target: Vec<&str> = rows
            .iter()
            .filter(|r| r.airline == *airline)
            .map(|r| r.text.as_str())
            .collect();
        let baseline: Vec<&str> = rows
            .iter()
            .filter(|r| r.airline != *airline)
            .map(|r| r.text.as_str())
            .collect();
        let themes = emerging_themes(&target, &baseline, &config);
        show(
            &format!(
                "{airline} ({} tweets) vs the other airlines ({})",
                target.len(),
                baseline.len()
            ),
            &themes,
        );
    }
    // Days: the busiest day against every earlier day.
    let mut by_day: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &rows {
        if let Some(day) = r.created.get(..10) {
            by_day.entry(day).or_default().push(r.text.as_str());
        }
    }
    if let Some((day, _)) = by_day.iter().max_by_key(|(_, v)| v.len()) {
        let day = *day;
        let target = by_day[day].clone();
        let baseline: Vec<&str> = by_day
            .range(..day)
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        let themes = emerging_themes(&target, &baseline, &config);
        show(
            &format!(
                "{day} ({} tweets) vs the days before it ({})",
                target.len(),
                baseline.len()
            ),
            &themes,
        );
    }
    println!(
        "\n(all windows computed in {:.2} s)",
        started.elapsed().as_secs_f64()
    );
}
