//! Intent from a trained [`Model`], with the rules to refine what the model calls `other`.

use super::{classify_intent, Intent};
use crate::learn::{Label, Model, ModelError, TrainConfig};
use crate::sentiment::SentimentScores;

/// An intent classifier learned from labelled posts, in front of the rules.
///
/// The model predicts one of the intents it was trained on (often only some of them: the
/// airline data gives complaints and praise, not purchase intent); the rules then decide
/// what the model cannot:
///
/// - a purchase cue (see [`super::rules`]) makes a post [`Intent::PurchaseIntent`] unless the
///   model calls it a complaint;
/// - a post the model calls [`Intent::Other`] is a [`Intent::Question`] when the rules find
///   one.
#[derive(Debug, Clone)]
pub struct LearnedIntent {
    model: Model,
}

impl LearnedIntent {
    /// Trains on posts labelled with intents.
    pub fn train(
        examples: &[(String, Intent)],
        config: &TrainConfig,
    ) -> Result<LearnedIntent, ModelError> {
        let examples: Vec<(String, Label)> = examples
            .iter()
            .map(|(t, i)| (t.clone(), Label::from(*i)))
            .collect();
        Ok(LearnedIntent {
            model: Model::train(&examples, config)?,
        })
    }

    /// Wraps a model trained on intent labels (`complaint`, `praise`...); labels that are
    /// not intents are read as [`Intent::Other`].
    pub fn from_model(model: Model) -> LearnedIntent {
        LearnedIntent { model }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The intent of `text`; `sentiment` is VADER's scores when the caller has them.
    pub fn classify(&self, text: &str, sentiment: Option<SentimentScores>) -> Intent {
        let (label, _) = self.model.predict_with(text, sentiment.as_ref());
        let learned = label.as_str().parse().unwrap_or(Intent::Other);
        LearnedIntent::combine(learned, classify_intent(text, sentiment))
    }

    /// How [`LearnedIntent::classify`] puts the model's intent and the rules' together (see
    /// the [type](LearnedIntent)).
    pub fn combine(learned: Intent, ruled: Intent) -> Intent {
        match (learned, ruled) {
            (Intent::Complaint, _) => Intent::Complaint,
            (_, Intent::PurchaseIntent) => Intent::PurchaseIntent,
            (Intent::Other, Intent::Question) => Intent::Question,
            (learned, _) => learned,
        }
    }
}
