//! `rapport analyze` and `rapport train` from the command line.

mod common;

use common::rapport;
use std::io::Write;
use std::process::Stdio;

#[test]
fn analyze_writes_one_line_per_record_in_order_and_skips_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = rapport(&dir.path().join("data"))
        .arg("analyze")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            concat!(
                r#"{"id": 1, "text": "My flight was cancelled AGAIN. Worst airline ever!!"}"#,
                "\n",
                "{not json\n",
                r#"{"id": "b", "text": "Where can I buy the new grinder? Thinking of ordering one."}"#,
                "\n",
                r#"{"id": 3, "text": "Merci beaucoup pour votre aide, le service était vraiment excellent"}"#,
                "\n",
            )
            .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["sentiment"]["label"], "negative");
    assert!(lines[0]["sentiment"]["compound"].as_f64().unwrap() < -0.5);
    assert_eq!(lines[0]["intent"], "complaint");
    assert_eq!(lines[0]["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(lines[1]["id"], "b");
    assert_eq!(lines[1]["intent"], "purchase_intent");
    assert_eq!(lines[2]["lang"], "fr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn train_writes_a_model_that_analyze_then_uses() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("labelled.csv");
    let mut csv = String::from("text,label\n");
    // Words VADER has no opinion on, so only a learned model can get these right.
    for i in 0..60 {
        csv.push_str(&format!("the zorblax unit {i} arrived,positive\n"));
        csv.push_str(&format!("the quintex unit {i} arrived,negative\n"));
        csv.push_str(&format!("the unit {i} arrived,neutral\n"));
    }
    std::fs::write(&data, csv).unwrap();
    let model = dir.path().join("m.bin");
    let out = rapport(&dir.path().join("data"))
        .args(["train", "--label-field", "label", "--input"])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(model.exists());

    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": 1, \"text\": \"the zorblax unit 99 arrived\"}\n{\"id\": 2, \"text\": \"the quintex unit 99 arrived\"}\n",
    )
    .unwrap();
    let out = rapport(&dir.path().join("data"))
        .arg("analyze")
        .arg(&input)
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["sentiment"]["label"], "positive");
    assert_eq!(lines[1]["sentiment"]["label"], "negative");
    // VADER's scores stay beside the model's label (neutral words: compound 0).
    assert_eq!(lines[0]["sentiment"]["compound"], 0.0);

    let out = rapport(&dir.path().join("data"))
        .arg("analyze")
        .arg(&input)
        .arg("--model")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());

    // Imported with the model, stored posts carry its labels and VADER's scores.
    let store_dir = dir.path().join("store");
    let out = rapport(&store_dir)
        .arg("import")
        .arg(&input)
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = common::open_store(&store_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let label = |id: &str| {
        let key = rapport_model::PostKey {
            network: rapport_model::Network::Import,
            native_id: id.into(),
        };
        let stored = runtime
            .block_on(rapport_store::Store::get_post(&store, &key))
            .unwrap()
            .unwrap();
        stored.analysis.unwrap()
    };
    assert_eq!(
        label("1").sentiment,
        rapport_model::SentimentLabel::Positive
    );
    assert_eq!(
        label("2").sentiment,
        rapport_model::SentimentLabel::Negative
    );
    assert_eq!(label("1").scores.compound, 0.0);
}
