//! `rapport simulate`: seeded and reproducible from the command line.

mod common;

use common::{rapport, run};

fn simulate(seed: &str, dir: &std::path::Path) -> String {
    let (ok, stdout, stderr) = run(rapport(&dir.join("data")).args([
        "simulate",
        "--seed",
        seed,
        "--days",
        "0.25",
        "--rate",
        "20000",
        "--start",
        "2026-03-02T00:00:00Z",
    ]));
    assert!(ok, "{stderr}");
    stdout
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_another() {
    let dir = tempfile::tempdir().unwrap();
    let a = simulate("11", dir.path());
    let b = simulate("11", dir.path());
    let c = simulate("12", dir.path());
    assert_eq!(a, b);
    assert_ne!(a, c);
    let lines: Vec<serde_json::Value> = a
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // A quarter day at 20,000/day, starting on a Monday night: well above zero, well below 20,000.
    assert!(lines.len() > 200 && lines.len() < 10_000, "{}", lines.len());
    for line in &lines {
        assert!(line["post"]["text"].is_string());
        assert!(line["truth"]["intent"].is_string());
    }
}

#[test]
fn simulated_posts_can_be_stored_directly() {
    let dir = tempfile::tempdir().unwrap();
    // --data-dir also works after the subcommand, and wins over the one before it.
    let data = dir.path().join("after");
    let (ok, stdout, stderr) = run(rapport(&dir.path().join("before"))
        .args(["simulate", "--data-dir"])
        .arg(&data)
        .args([
            "--days",
            "0.05",
            "--start",
            "2026-03-02T12:00:00Z",
            "--ingest",
        ]));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("simulated "), "{stdout}");
    assert!(data.join("rapport.db").exists());
    assert!(!dir.path().join("before").exists());
}
