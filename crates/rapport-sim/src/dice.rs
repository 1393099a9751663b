//! The simulator's randomness: a seeded ChaCha8 generator behind a small, panic-free API.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// SplitMix64: derives independent seeds from one seed (and scrambles hashes).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A seeded random source. Every method is total: empty ranges and lists never panic.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    /// A generator for one independent stream of a seed (authors, arrivals, texts...).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Dice(ChaCha8Rng::seed_from_u64(mix(seed ^ mix(stream))))
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p` (clamped to `[0, 1]`; NaN is never).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.0.random_range(0..n)
        }
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    /// 64 random bits.
    pub(crate) fn bits(&mut self) -> u64 {
        self.0.random::<u64>()
    }

    /// One element, or `None` for an empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    /// One static string, or `""` for an empty list.
    pub(crate) fn word(&mut self, items: &[&'static str]) -> &'static str {
        self.pick(items).copied().unwrap_or("")
    }

    /// An index drawn in proportion to `weights` (invalid weights count as zero), or
    /// `None` when none is positive. For short lists; [`Weighted`] is faster for long ones.
    pub(crate) fn index(&mut self, weights: &[f64]) -> Option<usize> {
        let valid = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
        let total: f64 = weights.iter().map(|&w| valid(w)).sum();
        if total <= 0.0 {
            return None;
        }
        let mut x = self.unit() * total;
        let mut last = None;
        for (i, &w) in weights.iter().enumerate() {
            let w = valid(w);
            if w > 0.0 {
                if x < w {
                    return Some(i);
                }
                x -= w;
                last = Some(i);
            }
        }
        last
    }

    /// A standard normal deviate.
    pub(crate) fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.0)
    }

    /// A standard exponential deviate (mean 1).
    pub(crate) fn exp1(&mut self) -> f64 {
        Exp1.sample(&mut self.0)
    }

    /// `exp(mu + sigma * N(0, 1))`.
    pub(crate) fn log_normal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// A Poisson-like count with the given mean: exact for small means, normal beyond.
    pub(crate) fn count(&mut self, mean: f64) -> u64 {
        if mean.is_nan() || mean <= 0.0 || mean.is_infinite() {
            return 0;
        }
        if mean < 30.0 {
            // Knuth's multiplication method.
            let limit = (-mean).exp();
            let mut k = 0u64;
            let mut p = self.unit();
            while p > limit && k < 200 {
                k += 1;
                p *= self.unit();
            }
            k
        } else {
            let x = mean + mean.sqrt() * self.normal();
            if x <= 0.0 {
                0
            } else {
                x.round() as u64
            }
        }
    }
}

/// Samples an index with probability proportional to its weight.
/// Negative, NaN and infinite weights count as zero; with no positive weight it yields `None`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    /// A sampler over `weights`.
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                if w.is_finite() && w > 0.0 {
                    total += w;
                }
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// The sum of the (valid) weights.
    pub(crate) fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// One index, or `None` when no weight is positive.
    pub(crate) fn sample(&self, dice: &mut Dice) -> Option<usize> {
        let total = self.total();
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let x = dice.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        Some(i.min(self.cumulative.len() - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_respects_zero_weights_and_empty() {
        let mut d = Dice::new(1, 2);
        let w = Weighted::new([0.0, 1.0, f64::NAN, -3.0, 1.0]);
        for _ in 0..1000 {
            let i = w.sample(&mut d).unwrap();
            assert!(i == 1 || i == 4, "{i}");
        }
        assert!(Weighted::new([]).sample(&mut d).is_none());
        assert!(Weighted::new([0.0]).sample(&mut d).is_none());
        assert_eq!(d.below(0), 0);
        for _ in 0..100 {
            let i = d.index(&[0.0, 2.0, f64::NAN, 1.0]).unwrap();
            assert!(i == 1 || i == 3);
        }
        assert!(d.index(&[0.0, -1.0]).is_none());
        assert_eq!(d.between(5, 1), 5);
        assert!(d.pick::<u8>(&[]).is_none());
    }

    #[test]
    fn counts_have_the_right_mean() {
        let mut d = Dice::new(7, 0);
        for mean in [0.5, 4.0, 100.0] {
            let n = 4000;
            let sum: u64 = (0..n).map(|_| d.count(mean)).sum();
            let avg = sum as f64 / n as f64;
            assert!((avg - mean).abs() < mean * 0.1 + 0.1, "{mean} vs {avg}");
        }
    }
}
