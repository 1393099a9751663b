//! A linear classifier over hashed word and character n-grams plus VADER's scores, trained
//! from labelled posts: sentiment (`positive` / `neutral` / `negative`), intents, complaint
//! reasons, any labels.
//!
//! Features ([`FeatureConfig`]), from the shared social tokenizer (`rapport-text`) with HTML
//! entities decoded, elongations squeezed (`soooo` → `soo`) and digits folded to `0`:
//! word unigrams (marked when under a negation: `not good` reads `NOT_good` up to the
//! clause's end, four words at most), word bigrams within a clause, character 3- to 5-grams
//! inside each word (`<goo`, `good>`...), emoji and emoticons, a few surface cues (words in
//! capitals, elongations, `!`, `?`, links, mentions), all hashed (XXH3) into `2^18` slots,
//! counted and L2-normalised; then VADER's compound, pos, neu, neg and its ±0.05 label as
//! seven dense features.
//!
//! Training ([`TrainConfig`]): multinomial logistic regression by stochastic gradient
//! descent with L2 regularisation (λ = 1e-4, learning rate `η₀ / (1 + η₀ λ t)`), balanced
//! class weights, and the weights of the last half of the ten epochs averaged: about half a
//! second for ten thousand tweets in a release build. The choices were measured against the
//! alternatives with 5-fold cross-validation on the airline tweets and out of domain on
//! TweetEval (`examples/sentiment_eval.rs`): the hinge loss (a linear SVM) scores 0.007
//! macro-F1 lower in domain and 0.026 lower out of domain; without VADER's features the
//! model loses 0.07 out of domain; without character n-grams 0.003 in domain and 0.015 out
//! of domain; weaker regularisation (1e-5) 0.04 out of domain; more hash slots change
//! nothing.
//!
//! A model saves to a compact file ([`Model::save`], about a megabyte for a sentiment model
//! of the airline tweets) with a magic number, a format version and a checksum, so a
//! truncated, corrupt or incompatible file is a clear [`ModelError`].
//!
//! [`cross_validate`] and [`Metrics`] measure models.

mod eval;
mod features;
mod io;
mod label;
mod model;
pub(crate) mod text;

pub use eval::{cross_validate, CrossValidation, Metrics};
pub use features::FeatureConfig;
pub use io::FORMAT_VERSION;
pub use label::Label;
pub use model::{ClassWeights, Loss, Model, TrainConfig, TrainInfo};

use std::path::PathBuf;

/// Why a model could not be trained, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Training needs examples.
    #[error("no training examples")]
    NoExamples,
    /// Training needs at least two classes.
    #[error("every training example has the label {0:?}: at least two classes are needed")]
    OneClass(String),
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The bytes are not a rapport model file.
    #[error("not a rapport model file (wrong magic number)")]
    NotAModel,
    /// The file was written by an incompatible version.
    #[error("model file format version {found} is not supported (this build reads version {supported}): train the model again")]
    Version {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The file is damaged.
    #[error("corrupt model file: {0}")]
    Corrupt(String),
    /// A file's error, with its path.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<ModelError>,
    },
}

#[cfg(test)]
mod tests;
