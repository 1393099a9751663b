//! Measures generation speed:
//! `cargo run --release -p rapport-sim --example throughput -- [posts] [--no-json]`.

use chrono::TimeZone;
use rapport_sim::{SimConfig, Simulator};
use std::time::Instant;

fn main() {
    let wanted: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let mut config = SimConfig::demo(1, start, chrono::Duration::days(7));
    config.posts_per_day = wanted as f64 / 7.0;

    let t0 = Instant::now();
    let sim = Simulator::new(config.clone()).expect("valid config");
    let setup = t0.elapsed();
    let t1 = Instant::now();
    let mut count = 0usize;
    let mut bytes = 0usize;
    for post in sim {
        count += 1;
        bytes += post.post.text.len();
    }
    let generate = t1.elapsed();

    if std::env::args().any(|a| a == "--no-json") {
        println!(
            "generate: {count} posts in {:.2} s = {:.0} posts/s ({bytes} text bytes)",
            generate.as_secs_f64(),
            count as f64 / generate.as_secs_f64()
        );
        return;
    }
    let t2 = Instant::now();
    let mut json = 0usize;
    for post in Simulator::new(config).expect("valid config") {
        json += serde_json::to_string(&post).map(|s| s.len()).unwrap_or(0);
    }
    let with_json = t2.elapsed();

    println!("setup: {:.1} ms", setup.as_secs_f64() * 1e3);
    println!(
        "generate: {count} posts in {:.2} s = {:.0} posts/s ({} text bytes)",
        generate.as_secs_f64(),
        count as f64 / generate.as_secs_f64(),
        bytes
    );
    println!(
        "generate + serde_json: {:.0} posts/s ({:.1} MB of JSON)",
        count as f64 / with_json.as_secs_f64(),
        json as f64 / 1e6
    );
}
