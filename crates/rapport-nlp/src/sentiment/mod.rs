//! Sentiment, layer 1: VADER-compatible lexicon-and-rules scoring.
//!
//! [`Vader`] reimplements VADER (Hutto & Gilbert, 2014) so that its scores equal those of the
//! reference Python package `vaderSentiment` 3.3.2: same lexicon, same emoji descriptions,
//! same tokenization, same rules — the reference's quirks included, because parity is the
//! specification (`tests/vader_parity.rs` checks it against the Python package on the shared
//! data sets). The lexicon data ships in `data/vader/` with its MIT licence.
//!
//! ```
//! use rapport_nlp::sentiment::{SentimentLabel, Vader};
//!
//! let scores = Vader::shared().polarity_scores("The book was good.");
//! assert_eq!(scores.compound, 0.4404);
//! assert_eq!(SentimentLabel::from_compound(scores.compound), SentimentLabel::Positive);
//! ```
//!
//! - [`reference`]: runs the Python reference package (parity test, benchmark).
//! - [`bench`]: throughput of [`Vader`] against the Python reference, one core each.

pub mod bench;
pub mod reference;
mod vader;

pub use vader::Vader;

use serde::{Deserialize, Serialize};

/// VADER's scores for one text, rounded as the reference rounds them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SentimentScores {
    /// The normalized sum of the words' valences, in [-1, 1], rounded to 4 decimals.
    pub compound: f64,
    /// The share of the text's sentiment that is positive, rounded to 3 decimals.
    pub pos: f64,
    /// The share of the text's words that carry no sentiment, rounded to 3 decimals.
    pub neu: f64,
    /// The share of the text's sentiment that is negative, rounded to 3 decimals.
    pub neg: f64,
}

impl SentimentScores {
    /// The label of these scores with the usual ±0.05 compound thresholds.
    pub fn label(&self) -> SentimentLabel {
        SentimentLabel::from_compound(self.compound)
    }

    /// The largest absolute difference between these scores and `other`, over the four
    /// fields (used to compare with the reference).
    pub fn max_abs_diff(&self, other: &SentimentScores) -> f64 {
        [
            self.compound - other.compound,
            self.pos - other.pos,
            self.neu - other.neu,
            self.neg - other.neg,
        ]
        .iter()
        .fold(0.0_f64, |max, d| max.max(d.abs()))
    }
}

/// Positive, neutral or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    /// Compound score at least 0.05.
    Positive,
    /// Compound score strictly between -0.05 and 0.05.
    Neutral,
    /// Compound score at most -0.05.
    Negative,
}

impl SentimentLabel {
    /// The compound score above which (inclusive) a text is positive, and below whose
    /// negation (inclusive) it is negative: the thresholds VADER's authors recommend.
    pub const THRESHOLD: f64 = 0.05;

    /// The label of a compound score: positive at `>= 0.05`, negative at `<= -0.05`,
    /// neutral in between (and for NaN).
    pub fn from_compound(compound: f64) -> SentimentLabel {
        if compound >= Self::THRESHOLD {
            SentimentLabel::Positive
        } else if compound <= -Self::THRESHOLD {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }

    /// The label's name as serialized: `positive`, `neutral` or `negative`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SentimentLabel::Positive => "positive",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Negative => "negative",
        }
    }
}

impl std::fmt::Display for SentimentLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_use_the_usual_thresholds() {
        assert_eq!(
            SentimentLabel::from_compound(0.05),
            SentimentLabel::Positive
        );
        assert_eq!(
            SentimentLabel::from_compound(0.0499),
            SentimentLabel::Neutral
        );
        assert_eq!(SentimentLabel::from_compound(0.0), SentimentLabel::Neutral);
        assert_eq!(
            SentimentLabel::from_compound(-0.0499),
            SentimentLabel::Neutral
        );
        assert_eq!(
            SentimentLabel::from_compound(-0.05),
            SentimentLabel::Negative
        );
        assert_eq!(
            SentimentLabel::from_compound(f64::NAN),
            SentimentLabel::Neutral
        );
    }

    #[test]
    fn serde_shapes() {
        let json = serde_json::to_string(&SentimentLabel::Negative).unwrap_or_default();
        assert_eq!(json, "\"negative\"");
        let scores = SentimentScores {
            compound: -0.6249,
            pos: 0.0,
            neu: 0.62,
            neg: 0.38,
        };
        let json = serde_json::to_string(&scores).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"compound":-0.6249,"pos":0.0,"neu":0.62,"neg":0.38}"#
        );
        let back: Result<SentimentScores, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(scores));
    }
}
