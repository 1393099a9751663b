//! Language identification figures (shared by `tests/lang_eval.rs` and
//! `examples/lang_eval.rs`).

use rapport_nlp::lang::{detect_language_info, Lang};
use std::collections::BTreeMap;

/// Figures over a set of (expected code, text).
#[derive(Debug, Default, Clone)]
pub struct LangFigures {
    pub texts: usize,
    /// Texts whose language the detector can name.
    pub supported: usize,
    /// Supported texts answered (not `None`).
    pub answered: usize,
    /// Answered correctly.
    pub correct: usize,
    /// Correct when forced to answer (the best guess, whatever its confidence).
    pub forced_correct: usize,
    /// Unsupported texts answered anyway (necessarily wrong).
    pub unsupported_answered: usize,
    /// Wrong answers: (expected, given) → count.
    pub confusions: BTreeMap<(String, String), usize>,
}

impl LangFigures {
    pub fn coverage(&self) -> f64 {
        self.answered as f64 / self.supported.max(1) as f64
    }
    /// Correct among the answered.
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.answered.max(1) as f64
    }
    /// Correct among all supported texts (a `None` counts as wrong).
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.supported.max(1) as f64
    }
    pub fn forced_accuracy(&self) -> f64 {
        self.forced_correct as f64 / self.supported.max(1) as f64
    }
    pub fn line(&self, name: &str) -> String {
        format!(
            "{name:<34} texts {:>5}  supported {:>5}  answered {:>5.1}%  precision {:.3}  \
             accuracy {:.3}  (best guess always: {:.3})  unsupported answered {}",
            self.texts,
            self.supported,
            100.0 * self.coverage(),
            self.precision(),
            self.accuracy(),
            self.forced_accuracy(),
            self.unsupported_answered
        )
    }
}

pub fn measure<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> LangFigures {
    let mut f = LangFigures::default();
    for (code, text) in rows {
        f.texts += 1;
        let supported = Lang::from_code(code).is_some();
        let info = detect_language_info(text);
        let answer = info.filter(|d| d.is_confident()).map(|d| d.lang);
        if !supported {
            f.unsupported_answered += usize::from(answer.is_some());
            continue;
        }
        f.supported += 1;
        if info.is_some_and(|d| d.lang.code() == code) {
            f.forced_correct += 1;
        }
        if let Some(lang) = answer {
            f.answered += 1;
            if lang.code() == code {
                f.correct += 1;
            } else {
                *f.confusions
                    .entry((code.to_string(), lang.code().to_string()))
                    .or_default() += 1;
            }
        }
    }
    f
}
