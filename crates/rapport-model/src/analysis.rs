//! What rapport understands of a post: sentiment, intent and a near-duplicate fingerprint.
//! The values are computed by `rapport-nlp`; they live here because the store, the web app
//! and analytics all speak of them.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// VADER's scores for one text, rounded as the reference rounds them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl fmt::Display for SentimentLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a post wants from the brand, as far as its words tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Something went wrong and the author says so.
    Complaint,
    /// The author asks something.
    Question,
    /// The author is pleased.
    Praise,
    /// The author is thinking of buying.
    PurchaseIntent,
    /// None of the above.
    Other,
}

impl Intent {
    /// Every intent, in display order.
    pub const ALL: [Intent; 5] = [
        Intent::Complaint,
        Intent::Question,
        Intent::Praise,
        Intent::PurchaseIntent,
        Intent::Other,
    ];

    /// The name as serialized: `complaint`, `question`, `praise`, `purchase_intent`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Complaint => "complaint",
            Intent::Question => "question",
            Intent::Praise => "praise",
            Intent::PurchaseIntent => "purchase_intent",
            Intent::Other => "other",
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Intent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Intent::ALL
            .into_iter()
            .find(|intent| intent.as_str() == s.trim())
            .ok_or_else(|| {
                format!("unknown intent '{s}' (expected complaint, question, praise, purchase_intent or other)")
            })
    }
}

impl FromStr for SentimentLabel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "positive" => Ok(SentimentLabel::Positive),
            "neutral" => Ok(SentimentLabel::Neutral),
            "negative" => Ok(SentimentLabel::Negative),
            other => Err(format!(
                "unknown sentiment '{other}' (expected positive, neutral or negative)"
            )),
        }
    }
}

/// Everything the pipeline works out about a post before storing it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analysis {
    /// The sentiment label: from the workspace's learned model when there is one, otherwise
    /// from the VADER scores with the usual thresholds.
    pub sentiment: SentimentLabel,
    /// VADER's scores, kept beside the label whatever decided it.
    pub scores: SentimentScores,
    /// What the post wants.
    pub intent: Intent,
    /// A 64-bit SimHash of the text: near-duplicates differ in few bits.
    pub fingerprint: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for intent in Intent::ALL {
            assert_eq!(intent.as_str().parse::<Intent>().unwrap(), intent);
            assert_eq!(
                serde_json::to_string(&intent).unwrap(),
                format!("\"{}\"", intent.as_str())
            );
        }
        for label in [
            SentimentLabel::Positive,
            SentimentLabel::Neutral,
            SentimentLabel::Negative,
        ] {
            assert_eq!(label.as_str().parse::<SentimentLabel>().unwrap(), label);
        }
        assert!("angry".parse::<Intent>().is_err());
    }
}
