//! Measuring a classifier: confusion matrix, per-class precision, recall and F1, macro-F1,
//! and k-fold cross-validation of [`Model`].

use super::model::{distinct_labels, fit, label_ids, Dataset, Rng};
use super::{Label, Model, ModelError, TrainConfig};
use crate::sentiment::SentimentScores;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// A confusion matrix over named classes, with the usual figures.
///
/// ```
/// use rapport_nlp::learn::{Label, Metrics};
/// let labels = [Label::new("neg"), Label::new("pos")];
/// let m = Metrics::from_predictions(&labels, [("neg", "neg"), ("neg", "pos"), ("pos", "pos")]);
/// assert_eq!(m.recall(0), 0.5);
/// assert_eq!(m.precision(1), 0.5);
/// assert!((m.macro_f1() - 2.0 / 3.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    labels: Vec<Label>,
    /// `confusion[truth][predicted]`.
    confusion: Vec<Vec<u64>>,
}

impl Metrics {
    /// An empty matrix over `labels`.
    pub fn new(labels: &[Label]) -> Metrics {
        Metrics {
            labels: labels.to_vec(),
            confusion: vec![vec![0; labels.len()]; labels.len()],
        }
    }

    /// The matrix of `(truth, predicted)` pairs; pairs naming a label outside `labels` are
    /// left out.
    pub fn from_predictions<T: AsRef<str>, P: AsRef<str>>(
        labels: &[Label],
        pairs: impl IntoIterator<Item = (T, P)>,
    ) -> Metrics {
        let mut m = Metrics::new(labels);
        for (t, p) in pairs {
            m.add(t.as_ref(), p.as_ref());
        }
        m
    }

    /// Counts one `(truth, predicted)` pair; a label outside the matrix's is left out.
    pub fn add(&mut self, truth: &str, predicted: &str) {
        let find = |name: &str| self.labels.iter().position(|l| l.as_str() == name);
        if let (Some(t), Some(p)) = (find(truth), find(predicted)) {
            self.confusion[t][p] += 1;
        }
    }

    /// Counts one pair by class index.
    pub(crate) fn add_index(&mut self, truth: usize, predicted: usize) {
        if let Some(row) = self.confusion.get_mut(truth) {
            if let Some(cell) = row.get_mut(predicted) {
                *cell += 1;
            }
        }
    }

    /// Adds another matrix over the same labels.
    pub fn merge(&mut self, other: &Metrics) {
        for (a, b) in self.confusion.iter_mut().zip(&other.confusion) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    /// The classes.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// `confusion()[truth][predicted]`.
    pub fn confusion(&self) -> &[Vec<u64>] {
        &self.confusion
    }

    /// How many pairs were counted.
    pub fn total(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }

    /// How many examples of class `c` there are.
    pub fn support(&self, c: usize) -> u64 {
        self.confusion.get(c).map_or(0, |r| r.iter().sum())
    }

    /// Precision of class `c` (0 when it was never predicted).
    pub fn precision(&self, c: usize) -> f64 {
        let predicted: u64 = self
            .confusion
            .iter()
            .map(|r| r.get(c).copied().unwrap_or(0))
            .sum();
        ratio(self.hits(c), predicted)
    }

    /// Recall of class `c` (0 when it has no example).
    pub fn recall(&self, c: usize) -> f64 {
        ratio(self.hits(c), self.support(c))
    }

    /// F1 of class `c`.
    pub fn f1(&self, c: usize) -> f64 {
        let (p, r) = (self.precision(c), self.recall(c));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// The mean F1 over the classes that have examples.
    pub fn macro_f1(&self) -> f64 {
        self.mean_over_present(|c| self.f1(c))
    }

    /// The mean recall over the classes that have examples (TweetEval's main figure).
    pub fn macro_recall(&self) -> f64 {
        self.mean_over_present(|c| self.recall(c))
    }

    /// The share of correct predictions.
    pub fn accuracy(&self) -> f64 {
        ratio(
            (0..self.labels.len()).map(|c| self.hits(c)).sum(),
            self.total(),
        )
    }

    /// A plain-text table: one row per class (precision, recall, F1, support), then
    /// macro-F1, macro recall and accuracy.
    pub fn table(&self, title: &str) -> String {
        let width = self
            .labels
            .iter()
            .map(|l| l.as_str().len())
            .max()
            .unwrap_or(5)
            .max(9);
        let mut out = String::new();
        let _ = writeln!(out, "{title}");
        let _ = writeln!(
            out,
            "  {:<width$} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "F1", "support"
        );
        for (c, label) in self.labels.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:<width$} {:>9.3} {:>9.3} {:>9.3} {:>8}",
                label.as_str(),
                self.precision(c),
                self.recall(c),
                self.f1(c),
                self.support(c)
            );
        }
        let _ = writeln!(
            out,
            "  {:<width$} macro-F1 {:.3}  macro recall {:.3}  accuracy {:.3}  (n = {})",
            "",
            self.macro_f1(),
            self.macro_recall(),
            self.accuracy(),
            self.total()
        );
        out
    }

    fn hits(&self, c: usize) -> u64 {
        self.confusion
            .get(c)
            .and_then(|r| r.get(c))
            .copied()
            .unwrap_or(0)
    }

    fn mean_over_present(&self, f: impl Fn(usize) -> f64) -> f64 {
        let present: Vec<usize> = (0..self.labels.len())
            .filter(|&c| self.support(c) > 0)
            .collect();
        if present.is_empty() {
            return 0.0;
        }
        present.iter().map(|&c| f(c)).sum::<f64>() / present.len() as f64
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// What [`cross_validate`] measured.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    /// The predictions of every fold, pooled (each example predicted once, by the model
    /// that did not see it).
    pub pooled: Metrics,
    /// Each fold's own figures.
    pub folds: Vec<Metrics>,
    /// The out-of-fold prediction of every example, as an index into `pooled.labels()`.
    pub predictions: Vec<usize>,
    /// Time spent turning the texts into features (once for all folds).
    pub featurize_time: Duration,
    /// Training time, summed over the folds.
    pub train_time: Duration,
}

impl CrossValidation {
    /// The mean and standard deviation of the folds' macro-F1.
    pub fn fold_macro_f1(&self) -> (f64, f64) {
        let v: Vec<f64> = self.folds.iter().map(Metrics::macro_f1).collect();
        let n = v.len().max(1) as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }
}

/// Stratified `k`-fold cross-validation of [`Model::train`] with `config`: the examples of
/// each class are shuffled (seeded by `config.seed`) and dealt to the folds in turn;
/// examples with the exact same text go to the same fold, so that a copy never lands on
/// both sides. `vader` optionally gives each example's VADER scores (computed otherwise).
pub fn cross_validate(
    examples: &[(String, Label)],
    vader: Option<&[SentimentScores]>,
    config: &TrainConfig,
    k: usize,
) -> Result<CrossValidation, ModelError> {
    let labels = distinct_labels(examples.iter().map(|(_, l)| l))?;
    let k = k.clamp(2, examples.len().max(2));
    let y = label_ids(&labels, examples.iter().map(|(_, l)| l));
    let fold = assign_folds(examples, &y, labels.len(), k, config.seed);
    let started = Instant::now();
    let data = Dataset::build(
        &config.features,
        examples
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (t.as_str(), vader.and_then(|v| v.get(i)))),
    );
    let featurize_time = started.elapsed();
    let mut train_time = Duration::ZERO;
    let mut pooled = Metrics::new(&labels);
    let mut folds = Vec::with_capacity(k);
    let mut predictions = vec![0; examples.len()];
    let mut scores = Vec::new();
    for f in 0..k {
        let train: Vec<usize> = (0..examples.len()).filter(|&i| fold[i] != f).collect();
        let started = Instant::now();
        let model: Model = fit(config, labels.clone(), &data, &y, &train);
        train_time += started.elapsed();
        let mut m = Metrics::new(&labels);
        for i in (0..examples.len()).filter(|&i| fold[i] == f) {
            let p = model.predict_row(&data, i, &mut scores);
            predictions[i] = p;
            m.add_index(y[i] as usize, p);
        }
        pooled.merge(&m);
        folds.push(m);
    }
    Ok(CrossValidation {
        pooled,
        folds,
        predictions,
        featurize_time,
        train_time,
    })
}

/// The fold of every example (see [`cross_validate`]).
fn assign_folds(
    examples: &[(String, Label)],
    y: &[u32],
    classes: usize,
    k: usize,
    seed: u64,
) -> Vec<usize> {
    let mut rng = Rng(seed ^ 0xf01d);
    let mut fold = vec![usize::MAX; examples.len()];
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut copies = Vec::new();
    for (i, (text, _)) in examples.iter().enumerate() {
        match first_of.get(text.as_str()) {
            Some(&first) => copies.push((i, first)),
            None => {
                first_of.insert(text, i);
                by_class[y[i] as usize].push(i);
            }
        }
    }
    let mut next = 0;
    for members in &mut by_class {
        rng.shuffle(members);
        for &i in members.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    for (i, first) in copies {
        fold[i] = fold[first];
    }
    fold
}
