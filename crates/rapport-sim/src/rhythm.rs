//! When people post: a daily and weekly rhythm (UTC), day-to-day noise, and the arrival
//! process (a non-homogeneous Poisson process sampled by thinning).

use crate::dice::{mix, Dice};

/// Relative activity per UTC hour (the audience is mostly in Europe and the Americas):
/// quiet in the small hours, busiest from early afternoon to evening.
const HOURLY: [f64; 24] = [
    0.62, 0.50, 0.38, 0.30, 0.26, 0.27, 0.33, 0.46, 0.64, 0.82, 0.98, 1.10, //
    1.22, 1.36, 1.48, 1.56, 1.58, 1.55, 1.50, 1.44, 1.34, 1.18, 0.98, 0.78,
];

/// Relative activity per weekday, Monday first: weekends are quieter.
const WEEKLY: [f64; 7] = [1.04, 1.09, 1.08, 1.05, 0.98, 0.84, 0.88];

/// Spread of the per-day volume multiplier (log scale), and its clamp in deviations.
const DAY_SIGMA: f64 = 0.12;
const DAY_CLAMP: f64 = 2.5;

/// Multiplies the mean rate by the time of day, the weekday and a seeded per-day factor.
/// Averaged over whole weeks the factor is 1.
#[derive(Debug, Clone)]
pub(crate) struct Rhythm {
    hourly: [f64; 24],
    weekly: [f64; 7],
    seed: u64,
    /// Unix time of the window's start, in seconds.
    start_unix: f64,
}

fn normalised<const N: usize>(weights: [f64; N]) -> [f64; N] {
    let mean = weights.iter().sum::<f64>() / N as f64;
    weights.map(|w| w / mean)
}

impl Rhythm {
    /// The rhythm of a window starting at `start_unix` (seconds since the Unix epoch).
    pub(crate) fn new(seed: u64, start_unix: f64) -> Self {
        Rhythm {
            hourly: normalised(HOURLY),
            weekly: normalised(WEEKLY),
            seed: mix(seed ^ 0x5259_5448_4d00_0000),
            start_unix,
        }
    }

    /// An upper bound of [`Rhythm::factor`].
    pub(crate) fn max_factor(&self) -> f64 {
        let h = self.hourly.iter().cloned().fold(0.0, f64::max);
        let w = self.weekly.iter().cloned().fold(0.0, f64::max);
        h * w * (DAY_SIGMA * DAY_CLAMP).exp() / day_mean()
    }

    /// The rate multiplier at `offset` seconds after the window's start.
    pub(crate) fn factor(&self, offset: f64) -> f64 {
        let t = self.start_unix + offset;
        let day = (t / 86_400.0).floor();
        let hour = (t - day * 86_400.0) / 3_600.0;
        // Interpolate between hour centres so the curve has no steps.
        let x = hour - 0.5;
        let i = x.floor();
        let frac = x - i;
        let i = (i as i64).rem_euclid(24) as usize;
        let hourly = self.hourly[i] * (1.0 - frac) + self.hourly[(i + 1) % 24] * frac;
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        let weekday = ((day as i64) + 3).rem_euclid(7) as usize;
        hourly * self.weekly[weekday] * self.day_factor(day as i64)
    }

    /// A seeded log-normal multiplier per UTC day (busy news days, quiet days), mean 1.
    fn day_factor(&self, day: i64) -> f64 {
        let h = mix(self.seed ^ (day as u64));
        // Irwin-Hall: four uniforms give a bell curve with variance 1/3.
        let z: f64 = (0..4)
            .map(|k| ((h >> (k * 16)) & 0xFFFF) as f64 / 65_536.0)
            .sum::<f64>()
            - 2.0;
        let z = (z * 3f64.sqrt()).clamp(-DAY_CLAMP, DAY_CLAMP);
        (DAY_SIGMA * z).exp() / day_mean()
    }
}

fn day_mean() -> f64 {
    (DAY_SIGMA * DAY_SIGMA / 2.0).exp()
}

/// The relative strength of an incident `u` of the way through it (0 to 1): a smooth ramp
/// to the peak over the first fifth, then an exponential decay to about 14%.
pub(crate) fn incident_shape(u: f64) -> f64 {
    if !(0.0..1.0).contains(&u) {
        0.0
    } else if u < 0.2 {
        let s = u / 0.2;
        s * s * (3.0 - 2.0 * s)
    } else {
        (-(u - 0.2) / 0.8 * 2.0).exp()
    }
}

/// Arrival times of a Poisson process whose rate is bounded by `max_rate`, by thinning
/// (Lewis and Shedler): candidates at rate `max_rate`, each kept with probability
/// `rate(t) / max_rate`.
pub(crate) struct Arrivals {
    dice: Dice,
    t: f64,
    end: f64,
    max_rate: f64,
}

impl Arrivals {
    /// Arrivals in `[from, end)` (seconds), with `max_rate` per second bounding the rate.
    pub(crate) fn new(dice: Dice, from: f64, end: f64, max_rate: f64) -> Self {
        Arrivals {
            dice,
            t: from,
            end,
            max_rate,
        }
    }

    /// The next arrival under `rate` (per second), or `None` past the end.
    pub(crate) fn next(&mut self, rate: impl Fn(f64) -> f64) -> Option<f64> {
        if !(self.max_rate.is_finite() && self.max_rate > 0.0) {
            return None;
        }
        loop {
            self.t += self.dice.exp1() / self.max_rate;
            if self.t.is_nan() || self.t >= self.end {
                self.t = self.end;
                return None;
            }
            if self.dice.unit() * self.max_rate < rate(self.t) {
                return Some(self.t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_averages_to_one_over_weeks_and_respects_its_bound() {
        let r = Rhythm::new(42, 1_767_225_600.0); // 2026-01-01
        let steps = 28 * 24 * 12;
        let mut sum = 0.0;
        for k in 0..steps {
            let f = r.factor(k as f64 * 300.0);
            assert!(f > 0.0 && f <= r.max_factor() + 1e-9);
            sum += f;
        }
        let mean = sum / steps as f64;
        assert!((mean - 1.0).abs() < 0.06, "{mean}");
    }

    #[test]
    fn incident_shape_ramps_and_decays() {
        assert_eq!(incident_shape(-0.1), 0.0);
        assert!(incident_shape(0.05) < incident_shape(0.15));
        assert!((incident_shape(0.2) - 1.0).abs() < 1e-9);
        assert!(incident_shape(0.9) < 0.25);
        assert_eq!(incident_shape(1.0), 0.0);
    }
}
