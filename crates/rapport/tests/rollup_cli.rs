//! `rapport rollup verify|rebuild` over a demo backfill: the rollups the pipeline maintained
//! agree with a recount, and a rebuild reproduces them.

mod common;

use common::{rapport, run};

#[test]
fn the_pipelines_rollups_agree_with_a_recount_and_rebuild_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, _, stderr) = run(rapport(&data).args([
        "demo",
        "--backfill-only",
        "--backfill-days",
        "1",
        "--rate",
        "5000",
    ]));
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(rapport(&data).args(["rollup", "verify"]));
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("rollups agree"), "{stdout}");
    let (ok, stdout, stderr) = run(rapport(&data).args(["rollup", "rebuild"]));
    assert!(ok, "{stderr}");
    let cells: u64 = stdout
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}"));
    // A day of the demo's 8 monitors: most monitors are mentioned in most hours.
    assert!(cells > 24, "{stdout}");
    let (ok, stdout, _) = run(rapport(&data).args(["rollup", "verify"]));
    assert!(ok && stdout.contains("rollups agree"), "{stdout}");
}
