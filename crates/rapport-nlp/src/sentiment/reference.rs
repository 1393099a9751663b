//! Runs the reference implementation — the Python package `vaderSentiment` 3.3.2 — in a
//! subprocess, for the parity test and the benchmark. Nothing in production calls this.
//!
//! The interpreter is `python3`, or `$RAPPORT_PYTHON` when set. The texts travel as JSON on
//! the child's stdin; scores come back as Python's `repr` of each float, which Rust parses
//! to the same double.

use std::io::Write;
use std::process::{Command, Stdio};

use super::bench::Throughput;
use super::SentimentScores;

/// The version of `vaderSentiment` that parity is defined against.
pub const VERSION: &str = "3.3.2";

/// The command that installs the reference (what CI runs).
pub const PIP_INSTALL: &str = "pip install vaderSentiment==3.3.2";

/// The script the interpreter runs (`src/sentiment/reference.py`).
const SCRIPT: &str = include_str!("reference.py");

/// Why the reference could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The interpreter could not be started.
    #[error(
        "cannot run {python} ({source}): install Python 3, then `{PIP_INSTALL}` \
         (or point RAPPORT_PYTHON at an interpreter that has it)"
    )]
    PythonMissing {
        /// The interpreter tried.
        python: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// The interpreter runs but cannot import `vaderSentiment`.
    #[error("{python} cannot import vaderSentiment ({detail}): run `{PIP_INSTALL}`")]
    PackageMissing {
        /// The interpreter.
        python: String,
        /// Python's import error.
        detail: String,
    },
    /// Another version of `vaderSentiment` is installed.
    #[error("{python}: {detail}; parity is defined against 3.3.2: run `{PIP_INSTALL}`")]
    WrongVersion {
        /// The interpreter.
        python: String,
        /// What the script reported.
        detail: String,
    },
    /// The script failed for another reason.
    #[error("the reference script failed under {python} ({status}): {stderr}")]
    ScriptFailed {
        /// The interpreter.
        python: String,
        /// Its exit status.
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// The script's output could not be read.
    #[error("unexpected output from the reference script, line {line}: {detail}")]
    BadOutput {
        /// 1-based line of the script's output.
        line: usize,
        /// What was wrong.
        detail: String,
    },
    /// Talking to the child process failed.
    #[error("talking to {python}: {source}")]
    Io {
        /// The interpreter.
        python: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl ReferenceError {
    /// Whether the error means the reference is not installed (as opposed to a failure of an
    /// installed reference): tests fail with the install hint, benchmarks skip it.
    pub fn is_not_installed(&self) -> bool {
        matches!(
            self,
            ReferenceError::PythonMissing { .. }
                | ReferenceError::PackageMissing { .. }
                | ReferenceError::WrongVersion { .. }
        )
    }
}

/// The interpreter to run: `$RAPPORT_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("RAPPORT_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// Scores `texts` with the reference, in order.
///
/// # Errors
///
/// When the interpreter or the package is missing ([`ReferenceError::is_not_installed`]),
/// or the script fails or answers something unexpected.
pub fn score<S: AsRef<str>>(texts: &[S]) -> Result<Vec<SentimentScores>, ReferenceError> {
    let output = run_script(&["score"], texts)?;
    let mut scores = Vec::with_capacity(texts.len());
    for (index, line) in output.lines().enumerate().skip(1) {
        let bad = |detail: String| ReferenceError::BadOutput {
            line: index + 1,
            detail,
        };
        let fields: Vec<f64> = line
            .split(' ')
            .map(|f| f.parse::<f64>().map_err(|e| bad(format!("{f:?}: {e}"))))
            .collect::<Result<_, _>>()?;
        let &[compound, pos, neu, neg] = fields.as_slice() else {
            return Err(bad(format!("expected 4 numbers, got {line:?}")));
        };
        scores.push(SentimentScores {
            compound,
            pos,
            neu,
            neg,
        });
    }
    if scores.len() != texts.len() {
        return Err(ReferenceError::BadOutput {
            line: scores.len() + 2,
            detail: format!("{} scores for {} texts", scores.len(), texts.len()),
        });
    }
    Ok(scores)
}

/// Times the reference's `SentimentIntensityAnalyzer().polarity_scores` on `total` texts
/// (cycling through `texts`) in one Python process, one thread: only the scoring loop is
/// measured, not the start of Python, the import or the lexicon loading.
///
/// # Errors
///
/// As [`score`].
pub fn time<S: AsRef<str>>(texts: &[S], total: usize) -> Result<Throughput, ReferenceError> {
    let total_arg = total.to_string();
    let output = run_script(&["time", &total_arg], texts)?;
    let line = output.lines().nth(1).unwrap_or_default();
    let bad = |detail: String| ReferenceError::BadOutput { line: 2, detail };
    let fields: Vec<&str> = line.split(' ').collect();
    let &[count, cpu, wall] = fields.as_slice() else {
        return Err(bad(format!("expected 3 fields, got {line:?}")));
    };
    let parse = |f: &str| f.parse::<f64>().map_err(|e| bad(format!("{f:?}: {e}")));
    let texts = count
        .parse::<usize>()
        .map_err(|e| bad(format!("{count:?}: {e}")))?;
    Ok(Throughput {
        texts,
        seconds: parse(wall)?,
        cpu_seconds: Some(parse(cpu)?),
    })
}

/// Runs the reference script in `mode` with `texts` on stdin; returns its standard output
/// after checking its status and its first line.
fn run_script<S: AsRef<str>>(args: &[&str], texts: &[S]) -> Result<String, ReferenceError> {
    let python = python();
    let io = |source| ReferenceError::Io {
        python: python.clone(),
        source,
    };
    let input = {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        serde_json::to_vec(&texts).map_err(|e| io(e.into()))?
    };
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ReferenceError::PythonMissing {
            python: python.clone(),
            source,
        })?;
    // Feed stdin from another thread so that a child that fails early (and stops reading)
    // cannot deadlock us; a broken pipe then shows up as the child's own error.
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&input);
        }
    });
    // Reads stdout and stderr together, so neither pipe can fill up and block the child.
    let output = child.wait_with_output().map_err(io)?;
    let _ = writer.join();
    let status = output.status;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);

    let stderr_tail = || {
        let trimmed = stderr.trim();
        let start = trimmed
            .char_indices()
            .rev()
            .nth(2_000)
            .map_or(0, |(i, _)| i);
        trimmed[start..].to_string()
    };
    match status.code() {
        Some(0) => {}
        Some(3) => {
            return Err(ReferenceError::PackageMissing {
                python,
                detail: stderr_tail(),
            })
        }
        Some(4) => {
            return Err(ReferenceError::WrongVersion {
                python,
                detail: stderr_tail(),
            })
        }
        _ => {
            return Err(ReferenceError::ScriptFailed {
                python,
                status: status.to_string(),
                stderr: stderr_tail(),
            })
        }
    }
    let first = stdout.lines().next().unwrap_or_default();
    if first != format!("vaderSentiment {VERSION}") {
        return Err(ReferenceError::BadOutput {
            line: 1,
            detail: format!("expected \"vaderSentiment {VERSION}\", got {first:?}"),
        });
    }
    Ok(stdout)
}
