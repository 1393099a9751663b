//! `rapport import` as a user runs it: real files, the real binary, the real store.

mod common;

use common::{open_store, rapport, run, shared_data};
use rapport_store::Store;
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .unwrap();
    path
}

#[tokio::test]
async fn a_good_csv_imports_and_reimporting_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "posts.csv",
        b"post_id,body,user,when\n\
          1,\"Hello, \"\"world\"\"\",ann,2026-01-02 10:00:00 +0000\n\
          2,\"multi\nline\",bob,2026-01-02T11:00:00Z\n\
          3,plain,cy,1767355200\n",
    );
    let data = dir.path().join("data");
    let map = "id=post_id,text=body,author=user,created=when";
    let (ok, stdout, stderr) = run(rapport(&data)
        .args(["import", "--network", "mastodon", "--map", map])
        .arg(&csv));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("read 3 rows: 3 imported, 0 updated, 0 unchanged, 0 rejected"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(rapport(&data)
        .args(["import", "--network", "mastodon", "--map", map])
        .arg(&csv));
    assert!(ok);
    assert!(
        stdout.contains("read 3 rows: 0 imported, 0 updated, 3 unchanged, 0 rejected"),
        "{stdout}"
    );
    let store = open_store(&data);
    assert_eq!(store.post_count().await.unwrap(), 3);
    let post = store
        .get_post(&rapport_model::PostKey {
            network: rapport_model::Network::Mastodon,
            native_id: "1".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.post.text, "Hello, \"world\"");
    assert_eq!(post.post.author.handle, "ann");
}

#[test]
fn broken_rows_are_reported_with_their_line_and_the_rest_imports() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"id,text,created\n\
        1,fine,2026-01-02T00:00:00Z\n\
        2,\"spans\ntwo lines\",2026-01-02T00:00:00Z\n\
        3,,2026-01-02T00:00:00Z\n\
        4,bad date,yesterday-ish\n\
        5,ok again,2026-01-03T00:00:00Z\n"
        .to_vec();
    bytes.extend_from_slice(b"6,bad \xff utf8,2026-01-03T00:00:00Z\n7,last,2026-01-03T00:00:00Z\n");
    let csv = write(dir.path(), "broken.csv", &bytes);
    let (ok, stdout, stderr) = run(rapport(&dir.path().join("data")).arg("import").arg(&csv));
    assert!(ok, "{stderr}");
    // Line numbers are physical lines: row 2 spans lines 3-4, so row 3 starts on line 5.
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(stderr.contains("line 6"), "{stderr}");
    assert!(stderr.contains("yesterday-ish"), "{stderr}");
    assert!(stderr.contains("line 8"), "{stderr}");
    assert!(
        stdout.contains("read 7 rows: 4 imported, 0 updated, 0 unchanged, 3 rejected"),
        "{stdout}"
    );
}

#[test]
fn jsonl_with_a_bad_line_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = write(
        dir.path(),
        "posts.jsonl",
        b"{\"id\": 1, \"text\": \"one\"}\n{\"id\": 2, \"text\": \n{\"id\": 3, \"text\": \"three\"}\n",
    );
    let (ok, stdout, stderr) = run(rapport(&dir.path().join("data")).arg("import").arg(&jsonl));
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stdout.contains("2 imported"), "{stdout}");
    assert!(stdout.contains("1 rejected"), "{stdout}");
}

#[test]
fn bad_options_fail_clearly_without_touching_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "p.csv", b"id,text\n1,x\n");
    let data = dir.path().join("data");
    let (ok, _, stderr) = run(rapport(&data)
        .args(["import", "--map", "txt=text"])
        .arg(&csv));
    assert!(!ok);
    assert!(stderr.contains("did you mean 'text'"), "{stderr}");
    let (ok, _, stderr) = run(rapport(&data)
        .args(["import", "--network", "myspace"])
        .arg(&csv));
    assert!(!ok);
    assert!(stderr.contains("unknown network 'myspace'"), "{stderr}");
    let (ok, _, stderr) = run(rapport(&data)
        .arg("import")
        .arg(dir.path().join("missing.csv")));
    assert!(!ok);
    assert!(stderr.contains("missing.csv"), "{stderr}");
    let (ok, _, stderr) = run(rapport(&data)
        .args(["import", "--map", "text=body"])
        .arg(&csv));
    assert!(!ok);
    assert!(stderr.contains("body"), "{stderr}");
}

#[tokio::test]
async fn the_airline_tweets_import_with_the_documented_map() {
    let Some(path) = shared_data("airline-tweets/train.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let map = "id=tweet_id,text=text,author=name,created=tweet_created,reposts=retweet_count";
    let (ok, stdout, stderr) = run(rapport(&data)
        .args(["import", "--format", "csv", "--network", "x", "--map", map])
        .arg(&path));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("read 10306 rows"), "{stdout}");
    assert!(stdout.contains("0 rejected"), "{stdout}");
    let store = open_store(&data);
    let stored = store.post_count().await.unwrap();
    // Some tweet ids appear twice in the original data: they are stored once.
    assert!(stored > 10_000 && stored <= 10_306, "{stored}");
    assert!(stdout.contains(&format!("{stored} imported")), "{stdout}");
    let (ok, stdout, _) = run(rapport(&data)
        .args(["import", "--format", "csv", "--network", "x", "--map", map])
        .arg(&path));
    assert!(ok);
    assert!(stdout.contains("0 imported"), "{stdout}");
    assert_eq!(store.post_count().await.unwrap(), stored);
}
