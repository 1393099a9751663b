//! `rapport train --input FILE [--format csv|jsonl] [--text-field text] [--label-field label]
//! [--out MODEL] [--cv K]`: trains a classifier (sentiment, intent, complaint reasons: any
//! labels) from labelled posts and saves it for `rapport analyze --model MODEL`.
//!
//! Prints the examples per class, the training time, the accuracy on the training set and,
//! with `--cv K`, a K-fold cross-validation table (per-class precision, recall, F1 and
//! macro-F1: the honest figure). A record without text or label is reported with its line
//! number and skipped.

use super::analyze::{read_records, Format};
use anyhow::{bail, Context};
use rapport_nlp::learn::{cross_validate, Label, Metrics, Model, TrainConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The labelled examples of `input`, with bad records reported on stderr.
pub fn read_examples(
    input: &Path,
    format: Format,
    text_field: &str,
    label_field: &str,
) -> anyhow::Result<Vec<(String, Label)>> {
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let mut examples = Vec::new();
    let mut skipped = 0u64;
    read_records(
        file,
        format,
        text_field,
        "",
        Some(label_field),
        &mut |record| {
            match record {
                Ok(record) => match record.extra {
                    Some(label) if !record.text.trim().is_empty() => {
                        examples.push((record.text, Label::new(label)));
                    }
                    Some(_) => {
                        skipped += 1;
                        eprintln!(
                            "{} line {}: skipped: empty text",
                            input.display(),
                            record.line
                        );
                    }
                    None => {
                        skipped += 1;
                        eprintln!(
                            "{} line {}: skipped: no label in '{label_field}'",
                            input.display(),
                            record.line
                        );
                    }
                },
                Err(bad) => {
                    skipped += 1;
                    eprintln!(
                        "{} line {}: skipped: {}",
                        input.display(),
                        bad.line,
                        bad.reason
                    );
                }
            }
            Ok(true)
        },
    )?;
    if skipped > 0 {
        eprintln!("{skipped} records skipped");
    }
    Ok(examples)
}

/// The corrections agents made in a workspace's inbox, as examples, each repeated `weight`
/// times. `field` is `sentiment` or `intent`.
pub async fn workspace_corrections(
    data_dir: &crate::data_dir::DataDir,
    workspace: &str,
    field: &str,
    weight: usize,
) -> anyhow::Result<Vec<(String, Label)>> {
    use rapport_store::{inbox::Correction, InboxStore};
    if field != "sentiment" && field != "intent" {
        bail!("--correction-field must be sentiment or intent, not {field:?}");
    }
    let store = data_dir.open_sqlite()?;
    let workspace = super::find_workspace(&store, workspace).await?;
    let corrections = store.corrections(workspace.id).await?;
    let mut examples = Vec::new();
    for example in corrections {
        let label = match example.correction {
            Correction::Sentiment(label) if field == "sentiment" => label.as_str(),
            Correction::Intent(intent) if field == "intent" => intent.as_str(),
            _ => continue,
        };
        for _ in 0..weight.max(1) {
            examples.push((example.text.clone(), Label::new(label)));
        }
    }
    println!(
        "{} {field} corrections from workspace {:?} (each counted {} times)",
        examples.len() / weight.max(1),
        workspace.name,
        weight.max(1)
    );
    Ok(examples)
}

/// Runs `rapport train`: see the [module](self). `extra` examples (agents' corrections)
/// are added to those read from `input`.
pub fn run(
    input: &Path,
    format: &str,
    text_field: &str,
    label_field: &str,
    out: &Path,
    cv_folds: Option<usize>,
    extra: Vec<(String, Label)>,
) -> anyhow::Result<ExitCode> {
    let format = Format::parse(format)?;
    let mut examples = read_examples(input, format, text_field, label_field)?;
    examples.extend(extra);
    if examples.is_empty() {
        bail!("no labelled examples in {}", input.display());
    }
    let mut per_class: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, label) in &examples {
        *per_class.entry(label.as_str()).or_default() += 1;
    }
    println!("{} examples from {}:", examples.len(), input.display());
    for (label, n) in &per_class {
        println!(
            "  {label:<30} {n:>7}  ({:.1}%)",
            100.0 * *n as f64 / examples.len() as f64
        );
    }
    let config = TrainConfig::default();
    let started = Instant::now();
    let model = Model::train(&examples, &config).context("cannot train")?;
    let took = started.elapsed();
    let metrics = Metrics::from_predictions(
        model.labels(),
        examples
            .iter()
            .map(|(text, label)| (label.as_str(), model.predict(text).0.as_str())),
    );
    println!(
        "trained in {:.2} s; accuracy on the training set {:.3} (macro-F1 {:.3}; optimistic: \
         use --cv 5 for held-out figures)",
        took.as_secs_f64(),
        metrics.accuracy(),
        metrics.macro_f1()
    );
    if let Some(k) = cv_folds.filter(|&k| k >= 2) {
        let started = Instant::now();
        let cv = cross_validate(&examples, None, &config, k).context("cannot cross-validate")?;
        print!("{}", cv.pooled.table(&format!("{k}-fold cross-validation")));
        let (mean, sd) = cv.fold_macro_f1();
        println!(
            "  folds' macro-F1 {mean:.3} ± {sd:.3} ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    model
        .save(out)
        .with_context(|| format!("cannot save the model to {}", out.display()))?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!("model saved to {} ({} KiB)", out.display(), size / 1024);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trains_saves_and_reports_bad_records() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("labelled.jsonl");
        let mut lines = String::new();
        for i in 0..20 {
            lines.push_str(&format!(
                "{{\"text\": \"great flight number {i}, thanks\", \"label\": \"positive\"}}\n"
            ));
            lines.push_str(&format!(
                "{{\"text\": \"lost bag again on flight {i}, awful\", \"label\": \"negative\"}}\n"
            ));
        }
        lines.push_str("{\"text\": \"no label\"}\nbroken\n");
        std::fs::write(&input, lines).expect("writes");
        let examples = read_examples(&input, Format::Jsonl, "text", "label").expect("reads");
        assert_eq!(examples.len(), 40);
        let out = dir.path().join("model.bin");
        let code =
            run(&input, "jsonl", "text", "label", &out, Some(3), Vec::new()).expect("trains");
        assert_eq!(code, ExitCode::SUCCESS);
        let model = Model::load(&out).expect("loads");
        assert_eq!(model.predict("awful, lost my bag").0.as_str(), "negative");
    }

    #[test]
    fn csv_labels_and_missing_input() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("labelled.csv");
        std::fs::write(
            &input,
            "text,airline_sentiment\nlove it,positive\nhate it,negative\n,neutral\n",
        )
        .expect("writes");
        let examples =
            read_examples(&input, Format::Csv, "text", "airline_sentiment").expect("reads");
        assert_eq!(examples.len(), 2);
        assert!(run(
            &dir.path().join("absent.csv"),
            "csv",
            "text",
            "label",
            &dir.path().join("m"),
            None,
            Vec::new()
        )
        .is_err());
    }

    #[tokio::test]
    async fn an_agents_correction_teaches_the_workspace_model() {
        use rapport_model::{MonitorKind, NewMonitor, Post};
        use rapport_store::{inbox::Correction, InboxStore, IngestItem, Store};
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = crate::data_dir::DataDir::create(dir.path()).expect("data dir");
        let store = data_dir.open_sqlite().expect("store");
        let ws = store.create_workspace("Lumora").await.expect("workspace");
        let monitor = store
            .create_monitor(NewMonitor {
                workspace_id: ws.id,
                name: "Lumora".into(),
                kind: MonitorKind::Brand,
                query: "lumora".into(),
            })
            .await
            .expect("monitor");
        // Local slang the base data does not know: "sick" is praise here.
        let text = "lumora kettle is sick";
        let post: Post = serde_json::from_value(serde_json::json!({
            "network": "mastodon", "native_id": "1", "author": {"handle": "a"},
            "text": text, "created_at": "2026-05-01T10:00:00Z"
        }))
        .expect("post");
        let outcome = store
            .write_batch(vec![IngestItem {
                post: post.clone(),
                monitors: vec![monitor.id],
                analysis: None,
                triage: None,
            }])
            .await
            .expect("stored");
        assert_eq!(outcome.inserted, 1);
        let stored = store
            .get_post(&post.key())
            .await
            .expect("read")
            .expect("post");
        store
            .record_correction(
                ws.id,
                stored.id,
                Correction::Sentiment(rapport_model::SentimentLabel::Positive),
                None,
            )
            .await
            .expect("corrected");
        let extra = workspace_corrections(&data_dir, "Lumora", "sentiment", 5)
            .await
            .expect("reads corrections");
        assert_eq!(extra.len(), 5);
        assert!(workspace_corrections(&data_dir, "Lumora", "mood", 5)
            .await
            .is_err());
        assert!(workspace_corrections(&data_dir, "Nobody", "sentiment", 5)
            .await
            .is_err());

        let input = dir.path().join("base.jsonl");
        let mut lines = String::new();
        for i in 0..15 {
            lines.push_str(&format!(
                "{{\"text\": \"great service {i}, thanks\", \"label\": \"positive\"}}\n"
            ));
            lines.push_str(&format!(
                "{{\"text\": \"I feel sick, awful trip {i}\", \"label\": \"negative\"}}\n"
            ));
        }
        std::fs::write(&input, lines).expect("writes");
        let plain = dir.path().join("plain.bin");
        let tuned = dir.path().join("tuned.bin");
        run(&input, "jsonl", "text", "label", &plain, None, Vec::new()).expect("trains");
        run(&input, "jsonl", "text", "label", &tuned, None, extra).expect("trains");
        let plain = Model::load(&plain).expect("loads");
        let tuned = Model::load(&tuned).expect("loads");
        assert_eq!(plain.predict(text).0.as_str(), "negative");
        assert_eq!(tuned.predict(text).0.as_str(), "positive");
    }
}
