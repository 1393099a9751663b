//! From the words' valences to the four scores: the reference's `score_valence`,
//! `_punctuation_emphasis`, `normalize` and `_sift_sentiment_scores`, and Python's `round`.

use crate::sentiment::SentimentScores;

/// The reference's `normalize` alpha: approximates the maximum expected sum.
const ALPHA: f64 = 15.0;

/// Counts of `!` and `?` in the (emoji-translated) text.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Punctuation {
    /// Number of `!`.
    pub exclamations: usize,
    /// Number of `?`.
    pub questions: usize,
}

impl Punctuation {
    /// Counts them in `text` (the whole text: the reference counts before tokenizing;
    /// scoring gets the counts from the tokenizer's single pass instead).
    #[cfg(test)]
    pub(crate) fn count(text: &str) -> Punctuation {
        let bytes = text.as_bytes();
        Punctuation {
            exclamations: bytes.iter().filter(|&&b| b == b'!').count(),
            questions: bytes.iter().filter(|&&b| b == b'?').count(),
        }
    }

    /// The reference's `_punctuation_emphasis`: 0.292 per `!` (up to 4), and for 2 or 3 `?`
    /// 0.18 each, for more 0.96.
    fn emphasis(&self) -> f64 {
        let ep = self.exclamations.min(4) as f64 * 0.292;
        let qm = match self.questions {
            0 | 1 => 0.0,
            n @ 2..=3 => n as f64 * 0.18,
            _ => 0.96,
        };
        ep + qm
    }
}

/// The reference's `normalize`: `score / sqrt(score² + 15)`, clamped to [-1, 1].
fn normalize(score: f64) -> f64 {
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// The reference's `score_valence`, rounding included.
pub(crate) fn score_valence(sentiments: &[f64], punctuation: Punctuation) -> SentimentScores {
    if sentiments.is_empty() {
        return SentimentScores::default();
    }
    // Python's sum() up to 3.11: left to right from 0. (3.12+ compensates rounding errors:
    // the sums may then differ in the last bit, which can only matter for a score sitting on
    // a rounding boundary, or for valences that cancel out exactly in one sum and not the
    // other.)
    let mut sum_s = sentiments.iter().fold(0.0, |acc, &s| acc + s);
    let amplifier = punctuation.emphasis();
    if sum_s > 0.0 {
        sum_s += amplifier;
    } else if sum_s < 0.0 {
        sum_s -= amplifier;
    }
    let compound = normalize(sum_s);

    // _sift_sentiment_scores: +1 / -1 compensates for neutral words counted as 1.
    let mut pos_sum = 0.0;
    let mut neg_sum = 0.0;
    let mut neu_count = 0_usize;
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amplifier;
    }
    // Every word adds at least 1, so total >= 1.
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    SentimentScores {
        compound: py_round(compound, 4),
        pos: py_round((pos_sum / total).abs(), 3),
        neu: py_round((neu_count as f64 / total).abs(), 3),
        neg: py_round((neg_sum / total).abs(), 3),
    }
}

/// Python's `round(x, digits)` for `digits` in 0..=9: the double nearest to the decimal
/// nearest to the exact value of `x`, ties to even — so `round(0.0625, 3) == 0.062` and
/// `round(2.675, 2) == 2.67` (2.675 is really 2.67499999...).
///
/// Scaling by 10^digits rounds, so near a tie the exact product is recovered with a fused
/// multiply-add (`x * scale == p + err` exactly) and compared with the midpoint exactly.
pub(crate) fn py_round(x: f64, digits: u32) -> f64 {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let Some(&scale) = POW10.get(digits as usize) else {
        return x;
    };
    let a = x.abs();
    let p = a * scale;
    // Not finite, or already an integer at this scale (2^52): nothing to round.
    if !p.is_finite() || p >= 4_503_599_627_370_496.0 {
        return x;
    }
    let n = p.floor();
    let frac = p - n; // exact
    let k = if (frac - 0.5).abs() > 1e-6 {
        if frac > 0.5 {
            n + 1.0
        } else {
            n
        }
    } else {
        // Near the midpoint: frac - 0.5 is exact here (Sterbenz), and so is err.
        let err = a.mul_add(scale, -p);
        let d = frac - 0.5;
        // Above the midpoint, or exactly on it with an odd n (ties to even).
        if d > -err || (d == -err && n % 2.0 != 0.0) {
            n + 1.0
        } else {
            n
        }
    };
    // k / scale is the double nearest to the decimal k·10^-digits, as Python's strtod gives.
    (k / scale).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_matches_python() {
        // Expected values from Python 3.11's round().
        assert_eq!(py_round(0.0625, 3), 0.062);
        assert_eq!(py_round(0.0635, 3), 0.064); // 0.0635 is 0.0635000000000000008...
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(py_round(0.5, 0), 0.0);
        assert_eq!(py_round(1.5, 0), 2.0);
        assert_eq!(py_round(-0.44045, 4), -0.4405); // -0.44045000000000000817...
        assert_eq!(py_round(0.12345678, 4), 0.1235);
        assert_eq!(py_round(0.123449999, 4), 0.1234);
        assert_eq!(py_round(1.0, 3), 1.0);
        assert_eq!(py_round(0.0, 3), 0.0);
        assert!(py_round(-0.00001, 4).is_sign_negative());
        assert!(py_round(f64::NAN, 3).is_nan());
    }

    #[test]
    fn punctuation_emphasis() {
        let p = |s: &str| Punctuation::count(s).emphasis();
        assert_eq!(p("no emphasis?"), 0.0);
        assert_eq!(p("!"), 0.292);
        assert_eq!(p("!!!!!!"), 4.0 * 0.292);
        assert_eq!(p("??"), 2.0 * 0.18);
        assert_eq!(p("????"), 0.96);
        assert_eq!(p("!??"), 0.292 + 2.0 * 0.18);
    }

    #[test]
    fn empty_valences_score_zero() {
        assert_eq!(
            score_valence(&[], Punctuation::default()),
            SentimentScores::default()
        );
    }
}
