//! The spike detector: pure arithmetic over an hourly series, no I/O.
//!
//! An hour is judged against a **seasonal baseline per hour of week**: the same hour of the
//! week over the previous [`DetectorConfig::weeks`] weeks (while fewer than
//! [`DetectorConfig::min_weeks`] exist, the same hour of day over the previous 7 days).
//! The baseline's centre is the median and its spread the MAD scaled by 1.4826 (never less
//! than the Poisson spread of the median). The hour is a spike when its count reaches
//! [`DetectorConfig::min_count`], its robust z-score reaches [`DetectorConfig::min_z`], and a
//! Poisson upper-tail test at the baseline rate gives at most [`DetectorConfig::max_p`].

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Hours in a week.
pub const HOURS_PER_WEEK: usize = 168;

/// The detector's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectorConfig {
    /// Weeks of history the hour-of-week baseline looks at (most recent first).
    pub weeks: usize,
    /// Fewest whole weeks of history for the hour-of-week baseline; with fewer, the
    /// baseline is the same hour of day over the previous 7 days.
    pub min_weeks: usize,
    /// Fewest days of history for the daily fallback; with fewer, nothing fires.
    pub min_days: usize,
    /// Smallest count that may fire, so tiny monitors never ring.
    pub min_count: u64,
    /// Smallest robust z-score that fires.
    pub min_z: f64,
    /// Largest Poisson upper-tail p-value that fires.
    pub max_p: f64,
    /// Extra relative spread beyond Poisson (real streams are burstier: conversations,
    /// reposts, news days): the spread is at least `sqrt(e + (overdispersion * e)^2)` for a
    /// baseline `e`.
    pub overdispersion: f64,
    /// Hours on each side of the same hour of week (or day) that join the baseline sample,
    /// which steadies the median of few weeks.
    pub neighbour_hours: usize,
    /// Besides the single hour, the sum of this many hours ending at it is judged the same
    /// way (against the same sums in the baseline), which catches sustained rises that no
    /// single hour shows; 0 or 1 turns it off.
    pub sustained_hours: usize,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            weeks: 4,
            min_weeks: 2,
            min_days: 3,
            min_count: 10,
            min_z: 6.0,
            max_p: 1e-4,
            overdispersion: 0.25,
            neighbour_hours: 1,
            sustained_hours: 3,
        }
    }
}

/// Which baseline judged the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The same hour of the week over previous weeks (the number of weeks).
    HourOfWeek(usize),
    /// The same hour of day over previous days (the number of days).
    HourOfDay(usize),
    /// Not enough history: nothing fires.
    Insufficient,
}

/// The judgement of one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the hour is a spike.
    pub fired: bool,
    /// The hour judged (its first instant, UTC).
    pub hour: DateTime<Utc>,
    /// What was observed in it.
    pub observed: u64,
    /// The baseline's centre (median).
    pub expected: f64,
    /// The baseline's spread (scaled MAD, at least the Poisson spread).
    pub spread: f64,
    /// Robust z-score: `(observed - expected) / spread`.
    pub z: f64,
    /// Poisson upper tail `P(X >= observed)` at rate `expected`.
    pub p: f64,
    /// Which baseline was used.
    pub baseline: Baseline,
    /// A sentence for people ("412 mentions in the hour vs about 95 expected for a
    /// Tuesday 14:00 (z 9.3)").
    pub sentence: String,
}

/// Judges the last value of `series` (hourly counts, oldest first, one per hour, the last
/// one for `hour`) against its seasonal baseline. `what` names the counted thing in the
/// sentence (`mentions`, `negative mentions`).
pub fn judge(series: &[u64], hour: DateTime<Utc>, what: &str, config: &DetectorConfig) -> Verdict {
    let Some((&observed, history)) = series.split_last() else {
        return insufficient(0, hour, what);
    };
    let whole_weeks = (history.len() / HOURS_PER_WEEK).min(config.weeks);
    let (sample, baseline): (Vec<u64>, Baseline) = if whole_weeks >= config.min_weeks.max(1) {
        let s = around(history, HOURS_PER_WEEK, whole_weeks, config.neighbour_hours);
        (s, Baseline::HourOfWeek(whole_weeks))
    } else {
        let days = (history.len() / 24).min(7);
        if days < config.min_days.max(1) {
            return insufficient(observed, hour, what);
        }
        let s = around(history, 24, days, config.neighbour_hours);
        (s, Baseline::HourOfDay(days))
    };
    let expected = median(&sample.iter().map(|&v| v as f64).collect::<Vec<_>>());
    let mad = median(
        &sample
            .iter()
            .map(|&v| (v as f64 - expected).abs())
            .collect::<Vec<_>>(),
    ) * 1.4826;
    let spread = mad
        .max((expected + (config.overdispersion * expected).powi(2)).sqrt())
        .max(1.0);
    let z = (observed as f64 - expected) / spread;
    let p = poisson_upper_tail(observed, expected.max(0.5));
    let fired = observed >= config.min_count && z >= config.min_z && p <= config.max_p;
    let sentence = format!(
        "{observed} {what} in the hour vs about {} expected for a {} (z {z:.1})",
        round_expected(expected),
        hour_label(hour),
    );
    Verdict {
        fired,
        hour,
        observed,
        expected,
        spread,
        z,
        p,
        baseline,
        sentence,
    }
}

/// Judges the last hour of `series` alone and, with [`DetectorConfig::sustained_hours`],
/// the sum of the last few hours; returns the strongest verdict that fires, else the
/// single hour's.
pub fn judge_sustained(
    series: &[u64],
    hour: DateTime<Utc>,
    what: &str,
    config: &DetectorConfig,
) -> Verdict {
    let single = judge(series, hour, what, config);
    let w = config.sustained_hours;
    if w <= 1 || series.len() < w {
        return single;
    }
    let sums: Vec<u64> = series.windows(w).map(|x| x.iter().sum()).collect();
    let mut long = judge(&sums, hour, what, config);
    // The sums start `w - 1` hours later; the baseline indices still line up because
    // each sum ends at the same hour as its last value.
    long.sentence = long
        .sentence
        .replacen(" in the hour ", &format!(" in the last {w} hours "), 1);
    if long.fired && (!single.fired || long.z > single.z) {
        long
    } else {
        single
    }
}

/// The values `k * period` hours before the judged hour (k = 1..=periods), each with its
/// `neighbours` hours on either side that exist in `history` (the hour being judged is
/// `history.len()`).
fn around(history: &[u64], period: usize, periods: usize, neighbours: usize) -> Vec<u64> {
    let now = history.len();
    let mut sample = Vec::with_capacity(periods * (2 * neighbours + 1));
    for k in 1..=periods {
        let centre = now - k * period;
        let from = centre.saturating_sub(neighbours);
        let to = (centre + neighbours).min(now - 1);
        sample.extend_from_slice(&history[from..=to]);
    }
    sample
}

fn insufficient(observed: u64, hour: DateTime<Utc>, what: &str) -> Verdict {
    Verdict {
        fired: false,
        hour,
        observed,
        expected: 0.0,
        spread: 0.0,
        z: 0.0,
        p: 1.0,
        baseline: Baseline::Insufficient,
        sentence: format!(
            "{observed} {what} in the hour; not enough history yet to say what is usual"
        ),
    }
}

fn round_expected(x: f64) -> String {
    if x >= 10.0 {
        format!("{}", x.round() as u64)
    } else {
        format!("{x:.1}")
    }
}

/// `Tuesday 14:00` (UTC).
pub fn hour_label(hour: DateTime<Utc>) -> String {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    format!(
        "{} {:02}:00",
        DAYS[hour.weekday().num_days_from_monday() as usize],
        hour.hour()
    )
}

/// The median of `values` (0 when empty).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `P(X >= k)` for `X ~ Poisson(lambda)`, computed in log space so it neither overflows
/// nor underflows for large counts.
pub fn poisson_upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // P(X >= k) = 1 - P(X <= k-1). When k is above the mean, sum the upper terms directly
    // (they shrink fast); below it, take the complement of the lower sum.
    let ln_pmf = |i: u64| -> f64 { i as f64 * lambda.ln() - lambda - ln_factorial(i) };
    if (k as f64) > lambda {
        let mut total = 0.0;
        let mut term = ln_pmf(k).exp();
        let mut i = k;
        while term > 0.0 && term > total * 1e-17 {
            total += term;
            i += 1;
            term *= lambda / i as f64;
            if i > k + 100_000 {
                break;
            }
        }
        total.min(1.0)
    } else {
        let lower: f64 = (0..k).map(|i| ln_pmf(i).exp()).sum();
        (1.0 - lower).clamp(0.0, 1.0)
    }
}

fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    if n < 256 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    // Stirling's series.
    let n = n as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n * n * n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        // 2026-03-03 is a Tuesday.
        Utc.with_ymd_and_hms(2026, 3, 3, h, 0, 0).unwrap()
    }

    #[test]
    fn poisson_tail_matches_known_values() {
        // P(X >= 1 | 1) = 1 - e^-1.
        assert!((poisson_upper_tail(1, 1.0) - (1.0 - (-1f64).exp())).abs() < 1e-12);
        // P(X >= 3 | 2) = 1 - e^-2 (1 + 2 + 2) = 0.3233235838
        assert!((poisson_upper_tail(3, 2.0) - 0.323_323_583_8).abs() < 1e-9);
        assert_eq!(poisson_upper_tail(0, 5.0), 1.0);
        let tiny = poisson_upper_tail(412, 95.0);
        assert!(tiny > 0.0 && tiny < 1e-80, "{tiny}");
        assert!(poisson_upper_tail(100, 100.0) > 0.4);
    }

    #[test]
    fn median_and_empty() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    /// Four weeks of a flat 95 per hour with a little noise, then `last`.
    fn weeks_then(last: u64) -> Vec<u64> {
        let mut s: Vec<u64> = (0..4 * HOURS_PER_WEEK)
            .map(|i| 90 + (i as u64 * 7) % 11)
            .collect();
        s.push(last);
        s
    }

    #[test]
    fn a_spike_fires_with_a_readable_sentence() {
        let v = judge(
            &weeks_then(412),
            at(14),
            "mentions",
            &DetectorConfig::default(),
        );
        assert!(v.fired, "{v:?}");
        assert_eq!(v.baseline, Baseline::HourOfWeek(4));
        assert!(v.sentence.starts_with("412 mentions in the hour vs about "));
        assert!(
            v.sentence.contains("for a Tuesday 14:00 (z "),
            "{}",
            v.sentence
        );
        assert!(v.p < 1e-30);
    }

    #[test]
    fn an_ordinary_hour_does_not_fire() {
        let v = judge(
            &weeks_then(101),
            at(14),
            "mentions",
            &DetectorConfig::default(),
        );
        assert!(!v.fired, "{v:?}");
    }

    #[test]
    fn tiny_monitors_never_ring() {
        let mut s = vec![0u64; 4 * HOURS_PER_WEEK];
        s.push(9);
        let v = judge(&s, at(3), "mentions", &DetectorConfig::default());
        assert!(!v.fired, "9 < min_count: {v:?}");
        *s.last_mut().unwrap() = 12;
        let v = judge(&s, at(3), "mentions", &DetectorConfig::default());
        assert!(v.fired, "{v:?}");
    }

    #[test]
    fn seasonality_is_respected() {
        // A weekly pattern: busy (200) around this hour of the week, quiet (20) elsewhere.
        let mut s = vec![20u64; 4 * HOURS_PER_WEEK];
        for k in 0..4 {
            let c = k * HOURS_PER_WEEK;
            for v in &mut s[c.saturating_sub(1)..=c + 1] {
                *v = 200;
            }
        }
        s.push(210);
        let v = judge(&s, at(14), "mentions", &DetectorConfig::default());
        assert!(!v.fired, "the usual busy hour is not a spike: {v:?}");
        assert_eq!(v.expected, 200.0);
    }

    #[test]
    fn falls_back_to_hour_of_day_and_then_to_nothing() {
        let mut s = vec![30u64; 5 * 24];
        s.push(150);
        let v = judge(&s, at(9), "mentions", &DetectorConfig::default());
        assert_eq!(v.baseline, Baseline::HourOfDay(5));
        assert!(v.fired);
        let v = judge(
            &s[s.len() - 30..],
            at(9),
            "mentions",
            &DetectorConfig::default(),
        );
        assert_eq!(v.baseline, Baseline::Insufficient);
        assert!(!v.fired);
        assert!(!judge(&[], at(9), "mentions", &DetectorConfig::default()).fired);
    }
}
