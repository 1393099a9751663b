//! tmp
use chrono::TimeZone;
fn main() {
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let mut c = rapport_sim::SimConfig::demo(1, start, chrono::Duration::hours(1));
    c.authors = 1_000_000;
    let t = std::time::Instant::now();
    let sim = rapport_sim::Simulator::new(c).unwrap();
    println!("setup {:?} {}", t.elapsed(), sim.count());
}
