//! Intent and complaint reasons on the airline tweets: per-class figures of the rules, of
//! the learned classifier and of the complaint-reason classifier (5-fold cross-validation).
//! See `tests/common/intent_eval.rs` for what is a real label and what is derived. Skips,
//! saying so, when `../shared/data` is absent.
//!
//! Like `sentiment_eval`, the test trains without character n-grams to stay fast in a
//! debug build; `cargo run --release -p rapport-nlp --example intent_eval` gives the figures
//! of the default configuration.

mod common;

use rapport_nlp::learn::{FeatureConfig, TrainConfig};

#[test]
fn intent_and_complaint_reasons_on_airline_tweets() {
    let Some(rows) = common::airline() else {
        return;
    };
    let defaults = TrainConfig::default();
    let config = TrainConfig {
        features: FeatureConfig {
            char_ngrams: (0, 0),
            ..defaults.features
        },
        ..defaults
    };
    let report = common::intent_eval::run(&rows, &config, 5).expect("evaluation runs");
    common::intent_eval::print(&report);
    // Complaint (negative) is the class with real support; the rules must find most
    // complaints, and the learned model must do clearly better than the rules.
    assert!(
        report.rules.f1(0) > 0.6,
        "rules' complaint F1 {:.3}",
        report.rules.f1(0)
    );
    assert!(report.learned.macro_f1() > report.rules.macro_f1() + 0.1);
    // Reasons: well above the majority baseline's macro-F1 (about 0.05 for ten classes).
    assert!(report.reason.pooled.macro_f1() > 0.3);
}
