//! Prints a simulated demo stream as JSON lines: `cargo run -p rapport-sim --example dump -- [seed] [hours]`.

use chrono::TimeZone;
use rapport_sim::{SimConfig, Simulator};
use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let hours: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(24);
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let config = SimConfig::demo(seed, start, chrono::Duration::hours(hours));
    let sim = match Simulator::new(config) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for post in sim {
        if serde_json::to_writer(&mut out, &post).is_err() || writeln!(out).is_err() {
            break;
        }
    }
}
