//! Throughput of [`Vader`] on one thread, for `rapport bench sentiment` (which also times the
//! Python reference with [`super::reference::time`] in the same run).

use std::hint::black_box;
use std::time::Instant;

use super::Vader;

/// What a timing loop measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// Texts scored.
    pub texts: usize,
    /// Wall-clock seconds taken.
    pub seconds: f64,
    /// Seconds the scoring thread spent on a CPU meanwhile, if known: unlike wall-clock time,
    /// not inflated when other processes share the cores.
    pub cpu_seconds: Option<f64>,
}

impl Throughput {
    /// Texts per wall-clock second.
    pub fn per_second(&self) -> f64 {
        self.texts as f64 / self.seconds.max(1e-9)
    }

    /// Texts per second of the thread's CPU time (one core), falling back to wall-clock.
    pub fn per_cpu_second(&self) -> f64 {
        self.texts as f64 / self.cpu_seconds.unwrap_or(self.seconds).max(1e-9)
    }
}

/// This thread's CPU time so far in seconds (Linux `/proc/thread-self/schedstat`), if known.
pub fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 / 1e9)
}

/// Scores `total` texts, cycling through `texts`, on this thread; returns the throughput and
/// a checksum of the compound scores (so the work cannot be optimized away, and two runs can
/// be compared).
pub fn time_vader<S: AsRef<str>>(vader: &Vader, texts: &[S], total: usize) -> (Throughput, f64) {
    let total = if texts.is_empty() { 0 } else { total };
    let cpu_before = thread_cpu_seconds();
    let started = Instant::now();
    let mut checksum = 0.0;
    for text in texts.iter().cycle().take(total) {
        checksum += black_box(vader.polarity_scores(black_box(text.as_ref()))).compound;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = match (cpu_before, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    (
        Throughput {
            texts: total,
            seconds,
            cpu_seconds,
        },
        checksum,
    )
}

/// `count` tweet-like texts from a fixed vocabulary (negations, boosters, caps, emoji,
/// emoticons, "but", punctuation), the same for the same `seed`: the benchmark's stand-in when
/// the shared data set is absent.
pub fn synthetic_texts(count: usize, seed: u64) -> Vec<String> {
    const WORDS: &[&str] = &[
        "@united",
        "flight",
        "delayed",
        "again",
        "not",
        "very",
        "good",
        "GREAT",
        "service",
        "but",
        "the",
        "crew",
        "was",
        "kind",
        "of",
        "rude",
        "thanks",
        "love",
        "never",
        "so",
        "happy",
        "bad",
        "at",
        "least",
        "bags",
        "lost",
        "😡",
        "😁",
        ":)",
        ":(",
        "!!!",
        "??",
        "customer",
        "isn't",
        "helpful",
        "no",
        "worst",
        "airline",
        "ever",
        "#fail",
        "LOL",
        "http://t.co/xYz12",
        "really",
        "hardly",
        "waiting",
        "hours",
        "gate",
        "agent",
        "café",
    ];
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = 6 + (next() % 18) as usize;
            let mut text = String::new();
            for i in 0..len {
                if i > 0 {
                    text.push(' ');
                }
                text.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
            }
            text
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_counts_texts_and_is_deterministic() {
        let texts = synthetic_texts(50, 7);
        assert_eq!(texts, synthetic_texts(50, 7));
        let vader = Vader::new();
        let (a, sum_a) = time_vader(&vader, &texts, 120);
        let (_, sum_b) = time_vader(&vader, &texts, 120);
        assert_eq!(a.texts, 120);
        assert_eq!(sum_a, sum_b);
        assert!(a.per_second() > 0.0 && a.per_cpu_second() > 0.0);
        let (empty, _) = time_vader(&vader, &[] as &[&str], 10);
        assert_eq!(empty.texts, 0);
    }
}
