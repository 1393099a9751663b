//! Language identification figures (shared by `tests/lang_eval.rs` and
//! `examples/lang_eval.rs`).

use rapport_nlp::lang::{detect_language_info, Lang, LanguageMemory};
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

/// Figures of [`LanguageMemory`] over a stream, per step that answered.
#[derive(Debug, Default, Clone)]
pub struct StreamFigures {
    /// Posts that arrived without a declared language and have letters.
    pub undeclared: usize,
    /// Of those, answered (always all of them, unless a bug).
    pub answered: usize,
    /// Correct answers.
    pub correct: usize,
    /// (answered, correct) per step.
    pub by_source: BTreeMap<&'static str, (usize, usize)>,
}

impl StreamFigures {
    pub fn coverage(&self) -> f64 {
        self.answered as f64 / self.undeclared.max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.answered.max(1) as f64
    }
    /// Precision of the answers the detector alone would not give.
    pub fn inferred_precision(&self) -> f64 {
        let (answered, correct) = self
            .by_source
            .iter()
            .filter(|(source, _)| **source != "detected")
            .fold((0, 0), |(a, c), (_, (x, y))| (a + x, c + y));
        correct as f64 / answered.max(1) as f64
    }
    pub fn line(&self, name: &str) -> String {
        let steps: Vec<String> = self
            .by_source
            .iter()
            .map(|(source, (a, c))| format!("{source} {a} ({:.3})", *c as f64 / (*a).max(1) as f64))
            .collect();
        format!(
            "{name:<34} undeclared {:>5}  answered {:>5.1}%  precision {:.3}  (not detected alone: {:.3})  by step: {}",
            self.undeclared,
            100.0 * self.coverage(),
            self.precision(),
            self.inferred_precision(),
            steps.join(", ")
        )
    }
}

/// Runs a stream of (author key, expected code, declared tag, text) through one
/// [`LanguageMemory`] in order, as the pipeline does.
pub fn measure_stream<'a>(
    rows: impl IntoIterator<Item = (Option<u64>, &'a str, Option<&'a str>, &'a str)>,
) -> StreamFigures {
    let mut memory = LanguageMemory::default();
    let mut f = StreamFigures::default();
    for (author, code, declared, text) in rows {
        if let Some(tag) = declared {
            memory.observe_tag(author, tag);
            continue;
        }
        if !text.chars().any(char::is_alphabetic) || Lang::from_code(code).is_none() {
            let _ = memory.infer(author, text);
            continue;
        }
        f.undeclared += 1;
        if let Some(inferred) = memory.infer(author, text) {
            f.answered += 1;
            let right = inferred.lang.code() == code;
            f.correct += usize::from(right);
            let entry = f.by_source.entry(inferred.source.as_str()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(right);
        }
    }
    f
}

/// The first `n` posts the simulator writes (seed 11, 30 days from 2 March 2026), in
/// order, as (author key, true ISO 639-1 code, declared tag, text). Mastodon, Bluesky and X
/// declare their posts' language; Reddit, Hacker News and feeds do not.
pub fn simulated_stream(n: usize) -> Vec<(u64, String, Option<String>, String)> {
    use chrono::TimeZone;
    use rapport_sim::{SimConfig, Simulator};
    let Some(start) = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).single() else {
        return Vec::new();
    };
    let config = SimConfig::demo(11, start, chrono::Duration::days(30));
    let Ok(sim) = Simulator::new(config) else {
        return Vec::new();
    };
    sim.take(n)
        .map(|p| {
            let key = rapport_nlp::lang::author_key(p.post.network.as_str(), &p.post.author.handle);
            let primary = p.truth.lang.split('-').next().unwrap_or("").to_string();
            (key, primary, p.post.language, p.post.text)
        })
        .collect()
}
