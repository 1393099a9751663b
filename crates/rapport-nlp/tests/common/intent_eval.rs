//! Intent and complaint reasons on the airline tweets.
//!
//! What is a real label and what is derived: the airline data has people's sentiment
//! labels and, for negative tweets, the reason of the complaint. Intent labels are derived
//! from them: `complaint` = negative (every negative tweet has a reason, `Can't Tell`
//! included), `praise` = positive, and neutral tweets form one bucket, `other`, since no
//! label tells a question from a statement there. Predicted `question`,
//! `purchase_intent` and `other` are scored as that neutral bucket. So the F1 of
//! `complaint` and `praise` are measured against people's labels (through the mapping);
//! questions and purchase intent have no ground truth here, and only their counts are
//! reported. Complaint reasons are real labels.

use super::AirlineRow;
use rapport_nlp::intent::{classify_intent, Intent, LearnedIntent};
use rapport_nlp::learn::{cross_validate, CrossValidation, Label, Metrics, TrainConfig};
use rapport_nlp::sentiment::{SentimentScores, Vader};

pub struct IntentReport {
    /// Rules (with VADER scores) against the derived labels.
    pub rules: Metrics,
    /// The learned classifier (5-fold CV) with the rules behind it.
    pub learned: Metrics,
    /// What the rules call each neutral tweet.
    pub neutral_split: Vec<(Intent, usize)>,
    /// The complaint-reason classifier, 5-fold CV on negative tweets.
    pub reason: CrossValidation,
    /// The share of the most frequent reason (the majority baseline's accuracy).
    pub reason_majority: (String, f64),
}

fn bucket(intent: Intent) -> &'static str {
    match intent {
        Intent::Complaint => "complaint",
        Intent::Praise => "praise",
        _ => "other",
    }
}

fn derived(sentiment: &str) -> Option<&'static str> {
    match sentiment {
        "negative" => Some("complaint"),
        "positive" => Some("praise"),
        "neutral" => Some("other"),
        _ => None,
    }
}

pub fn run(rows: &[AirlineRow], config: &TrainConfig, folds: usize) -> Option<IntentReport> {
    let labels = [
        Label::new("complaint"),
        Label::new("other"),
        Label::new("praise"),
    ];
    let rows: Vec<&AirlineRow> = rows
        .iter()
        .filter(|r| derived(&r.sentiment).is_some())
        .collect();
    let vader: Vec<SentimentScores> = rows
        .iter()
        .map(|r| Vader::shared().polarity_scores(&r.text))
        .collect();
    let ruled: Vec<Intent> = rows
        .iter()
        .zip(&vader)
        .map(|(r, s)| classify_intent(&r.text, Some(*s)))
        .collect();
    let rules = Metrics::from_predictions(
        &labels,
        rows.iter()
            .zip(&ruled)
            .map(|(r, i)| (derived(&r.sentiment).unwrap_or(""), bucket(*i))),
    );
    let mut neutral_split: Vec<(Intent, usize)> = Intent::ALL.iter().map(|i| (*i, 0)).collect();
    for (r, i) in rows.iter().zip(&ruled) {
        if r.sentiment == "neutral" {
            if let Some(slot) = neutral_split.iter_mut().find(|(k, _)| k == i) {
                slot.1 += 1;
            }
        }
    }

    let examples: Vec<(String, Label)> = rows
        .iter()
        .map(|r| {
            (
                r.text.clone(),
                Label::new(derived(&r.sentiment).unwrap_or("")),
            )
        })
        .collect();
    let cv = cross_validate(&examples, Some(&vader), config, folds).ok()?;
    let cv_labels = cv.pooled.labels().to_vec();
    let mut learned = Metrics::new(&labels);
    for (k, (r, ruled)) in rows.iter().zip(&ruled).enumerate() {
        let learned_intent: Intent = cv_labels[cv.predictions[k]]
            .as_str()
            .parse()
            .unwrap_or(Intent::Other);
        let combined = LearnedIntent::combine(learned_intent, *ruled);
        learned.add(derived(&r.sentiment).unwrap_or(""), bucket(combined));
    }

    let negatives: Vec<(String, Label)> = rows
        .iter()
        .filter(|r| r.sentiment == "negative" && !r.reason.trim().is_empty())
        .map(|r| (r.text.clone(), Label::new(&r.reason)))
        .collect();
    let negative_vader: Vec<SentimentScores> = rows
        .iter()
        .zip(&vader)
        .filter(|(r, _)| r.sentiment == "negative" && !r.reason.trim().is_empty())
        .map(|(_, s)| *s)
        .collect();
    let reason = cross_validate(&negatives, Some(&negative_vader), config, folds).ok()?;
    let majority = (0..reason.pooled.labels().len())
        .max_by_key(|&c| reason.pooled.support(c))
        .map(|c| {
            (
                reason.pooled.labels()[c].to_string(),
                reason.pooled.support(c) as f64 / reason.pooled.total().max(1) as f64,
            )
        })
        .unwrap_or_default();
    Some(IntentReport {
        rules,
        learned,
        neutral_split,
        reason,
        reason_majority: majority,
    })
}

pub fn print(report: &IntentReport) {
    println!(
        "{}",
        report
            .rules
            .table("intent by rules (with VADER scores) vs labels derived from sentiment")
    );
    println!(
        "{}",
        report
            .learned
            .table("intent learned (5-fold CV) + rules vs labels derived from sentiment")
    );
    println!(
        "what the rules call the {} neutral tweets (no ground truth):",
        report.neutral_split.iter().map(|(_, n)| n).sum::<usize>()
    );
    for (intent, n) in &report.neutral_split {
        println!("  {:<16} {n}", intent.as_str());
    }
    println!();
    println!(
        "{}",
        report
            .reason
            .pooled
            .table("complaint reason (negativereason), 5-fold CV on negative tweets")
    );
    println!(
        "majority baseline: always {:?}, accuracy {:.3}",
        report.reason_majority.0, report.reason_majority.1
    );
}
