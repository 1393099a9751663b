//! Crash safety: an import killed with SIGKILL loses nothing it reported as committed, and
//! running it again completes the file with every post stored exactly once.

mod common;

use common::{open_store, rapport, run};
use rapport_store::Store;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

const ROWS: usize = 60_000;

#[tokio::test]
async fn a_killed_import_keeps_every_committed_post_and_resumes_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.jsonl");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        for i in 0..ROWS {
            writeln!(
                out,
                r#"{{"id": "{i}", "text": "post number {i} about espresso machines and grinders", "author": "user{}", "created": {}, "lang": "en"}}"#,
                i % 977,
                1_700_000_000 + i
            )
            .unwrap();
        }
    }
    let data = dir.path().join("data");
    let mut child = rapport(&data)
        .args(["import", "--batch", "500", "--progress", "plain"])
        .arg(&file)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut committed: u64 = 0;
    let mut reports = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("committed ") {
            committed = rest.split(' ').next().unwrap().parse().unwrap();
            reports += 1;
            if reports == 5 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no cleanup, no flush
    child.wait().unwrap();
    assert!(
        committed >= 2500,
        "the import reported only {committed} rows"
    );

    let store = open_store(&data);
    let stored = store.post_count().await.unwrap();
    assert!(
        stored >= committed,
        "reported {committed} committed rows but only {stored} survived"
    );
    assert!(
        stored < ROWS as u64,
        "the import finished before it was killed: the test proved nothing"
    );
    drop(store);

    let (ok, stdout, stderr) = run(rapport(&data).arg("import").arg(&file));
    assert!(ok, "{stderr}");
    let store = open_store(&data);
    assert_eq!(store.post_count().await.unwrap(), ROWS as u64, "{stdout}");
    assert!(
        stdout.contains(&format!("{} imported", ROWS as u64 - stored)),
        "{stdout}"
    );
}
