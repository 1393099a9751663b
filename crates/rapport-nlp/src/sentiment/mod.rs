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

pub use rapport_model::{SentimentLabel, SentimentScores};

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
