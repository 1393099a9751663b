//! The linear model: training by stochastic gradient descent, prediction.

use super::features::{Extractor, FeatureConfig, SparseVec};
use super::{Label, ModelError};
use crate::sentiment::SentimentScores;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The loss the model is trained to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Multinomial logistic regression (softmax cross-entropy): calibrated probabilities.
    Logistic,
    /// Multiclass hinge loss (Crammer-Singer linear SVM); probabilities are a softmax of the
    /// margins, not calibrated.
    Hinge,
}

/// How much each class's examples weigh in training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeights {
    /// Every example weighs 1.
    Uniform,
    /// An example of class `c` weighs `n / (classes × n_c)`, so that rare classes count as
    /// much as frequent ones (better macro-F1 on skewed data).
    Balanced,
}

/// How to train a [`Model`]. The defaults are the ones measured best on the airline tweets
/// (see `tests/sentiment_eval.rs` and `examples/sentiment_eval.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The features.
    pub features: FeatureConfig,
    /// The loss.
    pub loss: Loss,
    /// Passes over the examples.
    pub epochs: u32,
    /// L2 regularisation strength (λ).
    pub l2: f64,
    /// The initial learning rate (η₀); it decays as `η₀ / (1 + η₀ λ t)`.
    pub learning_rate: f64,
    /// Class weighting.
    pub class_weights: ClassWeights,
    /// Average the weights of the second half of the epochs (steadier than the last ones).
    pub average: bool,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            features: FeatureConfig::default(),
            loss: Loss::Logistic,
            epochs: 10,
            l2: 1e-4,
            learning_rate: 0.5,
            class_weights: ClassWeights::Balanced,
            average: true,
            seed: 2026,
        }
    }
}

/// What a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainInfo {
    /// The number of examples per class, in [`Model::labels`] order.
    pub examples_per_class: Vec<u64>,
    /// The training configuration.
    pub config: TrainConfig,
}

/// A trained linear classifier. See [`crate::learn`].
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(crate) labels: Vec<Label>,
    pub(crate) features: FeatureConfig,
    /// `dim × classes`, feature-major.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
    pub(crate) info: TrainInfo,
}

/// Examples turned into feature vectors once, flat.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dataset {
    offsets: Vec<usize>,
    idx: Vec<u32>,
    val: Vec<f32>,
}

impl Dataset {
    /// The features of every text.
    pub fn build<'a>(
        config: &FeatureConfig,
        texts: impl IntoIterator<Item = (&'a str, Option<&'a SentimentScores>)>,
    ) -> Dataset {
        let mut data = Dataset {
            offsets: vec![0],
            ..Dataset::default()
        };
        let mut extractor = Extractor::default();
        let mut v = SparseVec::default();
        for (text, vader) in texts {
            extractor.extract(config, text, vader, &mut v);
            data.idx.extend_from_slice(&v.idx);
            data.val.extend_from_slice(&v.val);
            data.offsets.push(data.idx.len());
        }
        data
    }

    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.idx[a..b], &self.val[a..b])
    }
}

thread_local! {
    static SCRATCH: RefCell<(Extractor, SparseVec)> = RefCell::default();
}

impl Model {
    /// Trains a model on `(text, label)` examples. Classes are the distinct labels, sorted
    /// by name. Fails when there are no examples or fewer than two classes.
    ///
    /// ```
    /// use rapport_nlp::learn::{Label, Model, TrainConfig};
    /// let examples: Vec<(String, Label)> = [
    ///     ("love it, thanks!", "positive"), ("great crew, thank you", "positive"),
    ///     ("worst flight ever", "negative"), ("lost my bag again, terrible", "negative"),
    /// ].iter().map(|(t, l)| (t.to_string(), Label::new(l))).collect();
    /// let model = Model::train(&examples, &TrainConfig::default())?;
    /// let (label, probabilities) = model.predict("thanks, great flight");
    /// assert_eq!(label.as_str(), "positive");
    /// assert_eq!(probabilities.len(), 2);
    /// # Ok::<(), rapport_nlp::learn::ModelError>(())
    /// ```
    pub fn train(examples: &[(String, Label)], config: &TrainConfig) -> Result<Model, ModelError> {
        let labels = distinct_labels(examples.iter().map(|(_, l)| l))?;
        let y = label_ids(&labels, examples.iter().map(|(_, l)| l));
        let data = Dataset::build(
            &config.features,
            examples.iter().map(|(t, _)| (t.as_str(), None)),
        );
        let rows: Vec<usize> = (0..examples.len()).collect();
        Ok(fit(config, labels, &data, &y, &rows))
    }

    /// The classes, in the order of [`Model::predict`]'s probabilities.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// What the model was trained on and how.
    pub fn info(&self) -> &TrainInfo {
        &self.info
    }

    /// The features the model reads.
    pub fn feature_config(&self) -> &FeatureConfig {
        &self.features
    }

    /// The most probable label of `text` and the probability of every label, in
    /// [`Model::labels`] order. Computes VADER's scores itself when the model reads them.
    pub fn predict(&self, text: &str) -> (&Label, Vec<f64>) {
        self.predict_with(text, None)
    }

    /// [`Model::predict`] with VADER's scores of `text` given by the caller (when it has
    /// them already), so that they are not computed twice.
    pub fn predict_with(&self, text: &str, vader: Option<&SentimentScores>) -> (&Label, Vec<f64>) {
        let mut scores = vec![0.0; self.labels.len()];
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => {
                let (extractor, v) = &mut *scratch;
                extractor.extract(&self.features, text, vader, v);
                self.scores(&v.idx, &v.val, &mut scores);
            }
            Err(_) => {
                let mut v = SparseVec::default();
                Extractor::default().extract(&self.features, text, vader, &mut v);
                self.scores(&v.idx, &v.val, &mut scores);
            }
        });
        let best = argmax(&scores);
        softmax(&mut scores);
        (&self.labels[best], scores)
    }

    /// The raw class scores (`w·x + b`) of one feature vector.
    pub(crate) fn scores(&self, idx: &[u32], val: &[f32], out: &mut [f64]) {
        let c = self.labels.len();
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = f64::from(*b);
        }
        for (&i, &x) in idx.iter().zip(val) {
            let row = i as usize * c;
            if let Some(w) = self.weights.get(row..row + c) {
                for (o, w) in out.iter_mut().zip(w) {
                    *o += f64::from(*w) * f64::from(x);
                }
            }
        }
    }

    /// The predicted class of row `i` of a dataset.
    pub(crate) fn predict_row(&self, data: &Dataset, i: usize, scores: &mut Vec<f64>) -> usize {
        scores.clear();
        scores.resize(self.labels.len(), 0.0);
        let (idx, val) = data.row(i);
        self.scores(idx, val, scores);
        argmax(scores)
    }
}

/// The distinct labels, sorted; an error when fewer than two.
pub(crate) fn distinct_labels<'a>(
    labels: impl Iterator<Item = &'a Label>,
) -> Result<Vec<Label>, ModelError> {
    let mut counts: BTreeMap<&Label, u64> = BTreeMap::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    match counts.len() {
        0 => Err(ModelError::NoExamples),
        1 => Err(ModelError::OneClass(
            counts
                .keys()
                .next()
                .map(|l| l.to_string())
                .unwrap_or_default(),
        )),
        _ => Ok(counts.into_keys().cloned().collect()),
    }
}

/// Each label's index in `labels` (which holds them all).
pub(crate) fn label_ids<'a>(labels: &[Label], of: impl Iterator<Item = &'a Label>) -> Vec<u32> {
    of.map(|l| labels.binary_search(l).map_or(0, |i| i as u32))
        .collect()
}

fn argmax(scores: &[f64]) -> usize {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = i;
        }
    }
    best
}

fn softmax(scores: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    if sum > 0.0 && sum.is_finite() {
        for s in scores.iter_mut() {
            *s /= sum;
        }
    }
}

/// A small deterministic generator (SplitMix64) for shuffling.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Trains on the rows `rows` of `data` with classes `y` (indices into `labels`).
pub(crate) fn fit(
    config: &TrainConfig,
    labels: Vec<Label>,
    data: &Dataset,
    y: &[u32],
    rows: &[usize],
) -> Model {
    let c = labels.len();
    let dim = config.features.dim();
    let mut per_class = vec![0u64; c];
    for &r in rows {
        per_class[y[r] as usize] += 1;
    }
    let class_weight: Vec<f64> = per_class
        .iter()
        .map(|&n| match config.class_weights {
            ClassWeights::Uniform => 1.0,
            ClassWeights::Balanced if n > 0 => rows.len() as f64 / (c as f64 * n as f64),
            ClassWeights::Balanced => 0.0,
        })
        .collect();
    let lambda = config.l2.max(0.0);
    let eta0 = if config.learning_rate.is_finite() && config.learning_rate > 0.0 {
        config.learning_rate
    } else {
        0.5
    };
    let epochs = config.epochs.max(1);
    let mut w = vec![0f32; dim * c];
    let mut b = vec![0f64; c];
    let mut scale = 1.0f64;
    let mut avg: Vec<f64> = Vec::new();
    let mut avg_b = vec![0f64; c];
    let mut snapshots = 0u32;
    let mut order = rows.to_vec();
    let mut rng = Rng(config.seed);
    let mut s = vec![0f64; c];
    let mut g = vec![0f64; c];
    let mut t = 0f64;
    for epoch in 0..epochs {
        rng.shuffle(&mut order);
        for &r in &order {
            let eta = eta0 / (1.0 + eta0 * lambda * t);
            t += 1.0;
            let (idx, val) = data.row(r);
            let yi = y[r] as usize;
            s.copy_from_slice(&b);
            for (&i, &x) in idx.iter().zip(val) {
                let row = &w[i as usize * c..i as usize * c + c];
                for (sk, wk) in s.iter_mut().zip(row) {
                    *sk += f64::from(*wk) * scale * f64::from(x);
                }
            }
            match config.loss {
                Loss::Logistic => {
                    g.copy_from_slice(&s);
                    softmax(&mut g);
                    g[yi] -= 1.0;
                }
                Loss::Hinge => {
                    g.iter_mut().for_each(|v| *v = 0.0);
                    let mut rival = usize::MAX;
                    for k in 0..c {
                        if k != yi && (rival == usize::MAX || s[k] > s[rival]) {
                            rival = k;
                        }
                    }
                    if rival != usize::MAX && s[yi] - s[rival] < 1.0 {
                        g[yi] = -1.0;
                        g[rival] = 1.0;
                    }
                }
            }
            let weight = class_weight[yi];
            scale *= 1.0 - eta * lambda;
            if scale < 1e-6 {
                for v in w.iter_mut() {
                    *v = (f64::from(*v) * scale) as f32;
                }
                scale = 1.0;
            }
            let step = eta * weight / scale;
            for (&i, &x) in idx.iter().zip(val) {
                let row = &mut w[i as usize * c..i as usize * c + c];
                for (wk, gk) in row.iter_mut().zip(&g) {
                    if *gk != 0.0 {
                        *wk -= (step * gk * f64::from(x)) as f32;
                    }
                }
            }
            for (bk, gk) in b.iter_mut().zip(&g) {
                *bk -= eta * weight * gk;
            }
        }
        if config.average && epoch >= epochs / 2 {
            if avg.is_empty() {
                avg = vec![0.0; dim * c];
            }
            for (a, v) in avg.iter_mut().zip(&w) {
                *a += f64::from(*v) * scale;
            }
            for (a, v) in avg_b.iter_mut().zip(&b) {
                *a += v;
            }
            snapshots += 1;
        }
    }
    let (weights, bias) = if snapshots > 0 {
        let n = f64::from(snapshots);
        (
            avg.iter().map(|a| (a / n) as f32).collect(),
            avg_b.iter().map(|a| (a / n) as f32).collect(),
        )
    } else {
        (
            w.iter().map(|v| (f64::from(*v) * scale) as f32).collect(),
            b.iter().map(|v| *v as f32).collect(),
        )
    };
    Model {
        labels,
        features: config.features,
        weights,
        bias,
        info: TrainInfo {
            examples_per_class: per_class,
            config: *config,
        },
    }
}
