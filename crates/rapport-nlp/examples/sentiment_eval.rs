//! The full evaluation of the learned sentiment model, with the measurements behind its
//! defaults: 5-fold cross-validation on the airline tweets for each variant (loss, features,
//! class weights, hash size, epochs), VADER's figures beside it, and the out-of-domain check
//! on TweetEval.
//!
//! `cargo run --release -p rapport-nlp --example sentiment_eval [quick]`

#[path = "../tests/common/mod.rs"]
mod common;

use rapport_nlp::learn::{
    cross_validate, ClassWeights, FeatureConfig, Label, Loss, Metrics, Model, TrainConfig,
};
use rapport_nlp::sentiment::{SentimentScores, Vader};
use std::time::Instant;

fn main() {
    let quick = std::env::args().nth(1).as_deref() == Some("quick");
    let Some(rows) = common::airline() else {
        return;
    };
    let examples: Vec<(String, Label)> = rows
        .iter()
        .map(|r| (r.text.clone(), Label::new(&r.sentiment)))
        .collect();
    let started = Instant::now();
    let vader: Vec<SentimentScores> = examples
        .iter()
        .map(|(t, _)| Vader::shared().polarity_scores(t))
        .collect();
    println!(
        "{} airline tweets; VADER scored them in {:.2} s",
        examples.len(),
        started.elapsed().as_secs_f64()
    );
    let labels = [
        Label::new("negative"),
        Label::new("neutral"),
        Label::new("positive"),
    ];
    let vader_metrics = Metrics::from_predictions(
        &labels,
        examples
            .iter()
            .zip(&vader)
            .map(|((_, l), s)| (l.as_str(), s.label().as_str())),
    );
    println!(
        "{}",
        vader_metrics.table("VADER (±0.05) on airline train.csv")
    );

    let base = TrainConfig::default();
    let f = base.features;
    let mut variants: Vec<(&str, TrainConfig)> = vec![("default", base)];
    if !quick {
        variants.extend([
            (
                "hinge loss",
                TrainConfig {
                    loss: Loss::Hinge,
                    ..base
                },
            ),
            (
                "uniform class weights",
                TrainConfig {
                    class_weights: ClassWeights::Uniform,
                    ..base
                },
            ),
            (
                "no averaging",
                TrainConfig {
                    average: false,
                    ..base
                },
            ),
            (
                "no VADER features",
                TrainConfig {
                    features: FeatureConfig { vader: false, ..f },
                    ..base
                },
            ),
            (
                "no char n-grams",
                TrainConfig {
                    features: FeatureConfig {
                        char_ngrams: (0, 0),
                        ..f
                    },
                    ..base
                },
            ),
            (
                "char 2-4",
                TrainConfig {
                    features: FeatureConfig {
                        char_ngrams: (2, 4),
                        ..f
                    },
                    ..base
                },
            ),
            (
                "no bigrams",
                TrainConfig {
                    features: FeatureConfig {
                        bigrams: false,
                        ..f
                    },
                    ..base
                },
            ),
            (
                "no negation marking",
                TrainConfig {
                    features: FeatureConfig {
                        negation: false,
                        ..f
                    },
                    ..base
                },
            ),
            (
                "no surface cues",
                TrainConfig {
                    features: FeatureConfig {
                        surface: false,
                        ..f
                    },
                    ..base
                },
            ),
            (
                "words only (uni+bi), no VADER",
                TrainConfig {
                    features: FeatureConfig {
                        char_ngrams: (0, 0),
                        surface: false,
                        vader: false,
                        ..f
                    },
                    ..base
                },
            ),
            (
                "2^16 slots",
                TrainConfig {
                    features: FeatureConfig { hash_bits: 16, ..f },
                    ..base
                },
            ),
            (
                "2^20 slots",
                TrainConfig {
                    features: FeatureConfig { hash_bits: 20, ..f },
                    ..base
                },
            ),
            (
                "2^22 slots",
                TrainConfig {
                    features: FeatureConfig { hash_bits: 22, ..f },
                    ..base
                },
            ),
            ("5 epochs", TrainConfig { epochs: 5, ..base }),
            ("20 epochs", TrainConfig { epochs: 20, ..base }),
            ("l2 1e-5", TrainConfig { l2: 1e-5, ..base }),
            ("l2 1e-6", TrainConfig { l2: 1e-6, ..base }),
            (
                "learning rate 0.1",
                TrainConfig {
                    learning_rate: 0.1,
                    ..base
                },
            ),
            (
                "learning rate 2",
                TrainConfig {
                    learning_rate: 2.0,
                    ..base
                },
            ),
            ("l2 3e-4", TrainConfig { l2: 3e-4, ..base }),
            ("l2 1e-3", TrainConfig { l2: 1e-3, ..base }),
            (
                "VADER scale 3",
                TrainConfig {
                    features: FeatureConfig {
                        vader_scale: 3.0,
                        ..f
                    },
                    ..base
                },
            ),
            (
                "VADER scale 10",
                TrainConfig {
                    features: FeatureConfig {
                        vader_scale: 10.0,
                        ..f
                    },
                    ..base
                },
            ),
        ]);
    }
    let te = common::tweeteval();
    let ood = |config: &TrainConfig| -> Option<f64> {
        let te = te.as_ref()?;
        let model = Model::train(&examples, config).ok()?;
        let m = Metrics::from_predictions(
            &labels,
            te.iter()
                .map(|(t, l)| (l.as_str(), model.predict(t).0.as_str().to_string())),
        );
        Some(m.macro_f1())
    };
    if quick {
        variants.truncate(1);
    }
    if let Ok(filter) = std::env::var("VARIANTS") {
        variants.retain(|(n, _)| *n == "default" || filter.split(',').any(|f| n.contains(f)));
    }
    println!(
        "{:<32} {:>8} {:>9} {:>8} {:>8} {:>8} {:>10} {:>9} {:>9}",
        "variant (5-fold CV)",
        "macro-F1",
        "fold sd",
        "neg F1",
        "neu F1",
        "pos F1",
        "featurize",
        "train/fold",
        "TweetEval"
    );
    let mut default_cv = None;
    for (name, config) in &variants {
        let cv = match cross_validate(&examples, Some(&vader), config, 5) {
            Ok(cv) => cv,
            Err(e) => {
                println!("{name}: {e}");
                continue;
            }
        };
        let (_, sd) = cv.fold_macro_f1();
        let ood = ood(config).map_or("n/a".to_string(), |f| format!("{f:.3}"));
        println!(
            "{:<32} {:>8.3} {:>9.3} {:>8.3} {:>8.3} {:>8.3} {:>9.2}s {:>8.2}s {:>9}",
            name,
            cv.pooled.macro_f1(),
            sd,
            cv.pooled.f1(0),
            cv.pooled.f1(1),
            cv.pooled.f1(2),
            cv.featurize_time.as_secs_f64(),
            cv.train_time.as_secs_f64() / 5.0,
            ood
        );
        if default_cv.is_none() {
            default_cv = Some(cv);
        }
    }
    if let Some(cv) = &default_cv {
        println!(
            "\n{}",
            cv.pooled
                .table("learned model (defaults), 5-fold CV on airline train.csv")
        );
        println!(
            "margin over VADER: {:+.3} macro-F1",
            cv.pooled.macro_f1() - vader_metrics.macro_f1()
        );
    }

    // Out of domain: train on all the airline tweets, test on TweetEval.
    let started = Instant::now();
    let model = match Model::train(&examples, &base) {
        Ok(m) => m,
        Err(e) => {
            println!("training failed: {e}");
            return;
        }
    };
    println!(
        "\ntrained on all {} airline tweets in {:.2} s; model file {} KiB",
        examples.len(),
        started.elapsed().as_secs_f64(),
        model.to_bytes().len() / 1024
    );
    let Some(te) = te else { return };
    let mut m_model = Metrics::new(&labels);
    let mut m_vader = Metrics::new(&labels);
    for (text, truth) in &te {
        let scores = Vader::shared().polarity_scores(text);
        m_model.add(truth, model.predict_with(text, Some(&scores)).0.as_str());
        m_vader.add(truth, scores.label().as_str());
    }
    println!(
        "{}",
        m_model.table("learned model (trained on airline) on TweetEval validation")
    );
    println!("{}", m_vader.table("VADER (±0.05) on TweetEval validation"));
    if !quick {
        // In-domain reference for TweetEval: 5-fold CV on TweetEval itself.
        let te_examples: Vec<(String, Label)> =
            te.iter().map(|(t, l)| (t.clone(), Label::new(l))).collect();
        if let Ok(cv) = cross_validate(&te_examples, None, &base, 5) {
            println!(
                "{}",
                cv.pooled
                    .table("learned model, 5-fold CV within TweetEval validation (2,000 tweets)")
            );
        }
    }
}
