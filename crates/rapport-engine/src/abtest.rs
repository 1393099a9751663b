//! A/B test statistics for campaigns: pure functions, no I/O.
//!
//! - Where every variant has a denominator (impressions reported by the network, or link
//!   clicks over impressions) the variants' proportions are compared with the
//!   two-proportion z-test (pooled standard error).
//! - Otherwise engagements are counts over an exposure (posts sent): the variants' rates
//!   are compared with the exact conditional test of two Poisson rates (given the total
//!   `n = x1 + x2`, `x1` is binomial with `p = e1 / (e1 + e2)` under equal rates), two-sided
//!   as twice the smaller tail.
//! - The lift is the relative difference of the variant against the control (the first
//!   variant), with a 95% confidence interval on the log of the ratio.
//! - More than two variants: each is compared with the first and the p-values are adjusted
//!   with Holm's step-down correction.
//! - A result is called only when the adjusted p-value is below 0.05 AND the two variants
//!   hold at least [`MIN_EVENTS`] events together; otherwise the verdict says plainly
//!   "not yet significant (p = ...); keep collecting".

use serde::Serialize;

/// The fewest events (both variants together) before a difference is called.
pub const MIN_EVENTS: u64 = 20;

/// The significance level.
pub const ALPHA: f64 = 0.05;

const Z_95: f64 = 1.959_963_984_540_054;

/// One variant's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantTotals {
    /// Its label (`A`, `B`, ...).
    pub label: String,
    /// Events: engagements, or clicks.
    pub events: u64,
    /// The exposure the events are counted over: posts sent (rates).
    pub exposure: f64,
    /// Trials, when every event had one (impressions): proportions.
    pub trials: Option<u64>,
}

/// Which test a comparison used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Two-proportion z-test (events over trials).
    TwoProportionZ,
    /// Exact conditional test of two Poisson rates (events over exposure).
    PoissonExact,
}

/// One variant compared with the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The control's label.
    pub control: String,
    /// The variant's label.
    pub variant: String,
    /// The test used.
    pub test: TestKind,
    /// The raw two-sided p-value.
    pub p_value: f64,
    /// The p-value after Holm's correction (equal to `p_value` with two variants).
    pub adjusted_p: f64,
    /// The variant's relative lift over the control (0.25 = +25%), if the control has events.
    pub lift: Option<f64>,
    /// Its 95% confidence interval, when both have events.
    pub lift_ci: Option<(f64, f64)>,
    /// Events in both variants.
    pub events: u64,
    /// Whether the difference is called.
    pub significant: bool,
    /// The verdict in words.
    pub verdict: String,
}

/// The standard normal distribution's upper tail `P(Z > z)`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Chebyshev fit, fractional error below 1.2e-7;
/// Numerical Recipes' `erfcc`).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn binomial_pmf(n: u64, k: u64, p: f64) -> f64 {
    if p <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    let (n, k) = (n as f64, k as f64);
    let ln_choose = ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0);
    (ln_choose + k * p.ln() + (n - k) * (1.0 - p).ln()).exp()
}

/// Two-sided p-value of the two-proportion z-test of `x1/n1` against `x2/n2` (pooled).
pub fn two_proportion_z(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return 1.0;
    }
    let z = (p2 - p1) / se;
    (2.0 * normal_sf(z.abs())).min(1.0)
}

/// Two-sided p-value of the exact conditional test that `x1` events over exposure `e1` and
/// `x2` over `e2` come from one Poisson rate (twice the smaller binomial tail, at most 1).
pub fn poisson_exact(x1: u64, e1: f64, x2: u64, e2: f64) -> f64 {
    if e1 <= 0.0 || e2 <= 0.0 {
        return 1.0;
    }
    let n = x1 + x2;
    if n == 0 {
        return 1.0;
    }
    let p = e1 / (e1 + e2);
    let lower: f64 = (0..=x1).map(|k| binomial_pmf(n, k, p)).sum();
    let upper: f64 = (x1..=n).map(|k| binomial_pmf(n, k, p)).sum();
    (2.0 * lower.min(upper)).min(1.0)
}

/// Holm's step-down adjustment of `p_values` (same order as given).
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let value = ((m - rank) as f64 * p_values[i]).min(1.0);
        running = running.max(value);
        adjusted[i] = running;
    }
    adjusted
}

/// A p-value as people read it: `p < 0.001`, else `p = 0.23` (two significant digits).
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.4}")
    } else if p < 0.1 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

fn percent(x: f64) -> String {
    format!("{:+.0}%", x * 100.0)
}

/// Compares every variant with the first (the control): the z-test where every variant has
/// trials, else the exact Poisson test; Holm-adjusted when there are more than two. `unit`
/// names the rate in the verdict ("engagements per post").
pub fn compare(variants: &[VariantTotals], unit: &str) -> Vec<Comparison> {
    let Some((control, rest)) = variants.split_first() else {
        return Vec::new();
    };
    let proportions = variants.iter().all(|v| v.trials.is_some_and(|t| t > 0));
    let mut raw = Vec::with_capacity(rest.len());
    for v in rest {
        let (p, lift, ci, test) = if proportions {
            let (n1, n2) = (control.trials.unwrap_or(0), v.trials.unwrap_or(0));
            let p = two_proportion_z(control.events, n1, v.events, n2);
            let (r1, r2) = (
                control.events as f64 / n1 as f64,
                v.events as f64 / n2 as f64,
            );
            let ci = (control.events > 0 && v.events > 0).then(|| {
                let se = ((1.0 - r1) / control.events as f64 + (1.0 - r2) / v.events as f64).sqrt();
                ratio_ci(r2 / r1, se)
            });
            (
                p,
                (r1 > 0.0).then(|| r2 / r1 - 1.0),
                ci,
                TestKind::TwoProportionZ,
            )
        } else {
            let p = poisson_exact(control.events, control.exposure, v.events, v.exposure);
            let r1 = rate(control.events, control.exposure);
            let r2 = rate(v.events, v.exposure);
            let ci = (control.events > 0 && v.events > 0).then(|| {
                let se = (1.0 / control.events as f64 + 1.0 / v.events as f64).sqrt();
                ratio_ci(r2 / r1, se)
            });
            (
                p,
                (r1 > 0.0).then(|| r2 / r1 - 1.0),
                ci,
                TestKind::PoissonExact,
            )
        };
        raw.push((v, p, lift, ci, test));
    }
    let p_values: Vec<f64> = raw.iter().map(|r| r.1).collect();
    let adjusted = holm(&p_values);
    raw.into_iter()
        .zip(adjusted)
        .map(|((v, p, lift, ci, test), adjusted_p)| {
            let events = control.events + v.events;
            let significant = adjusted_p < ALPHA && events >= MIN_EVENTS;
            let verdict = verdict(control, v, adjusted_p, lift, ci, events, significant, unit);
            Comparison {
                control: control.label.clone(),
                variant: v.label.clone(),
                test,
                p_value: p,
                adjusted_p,
                lift,
                lift_ci: ci,
                events,
                significant,
                verdict,
            }
        })
        .collect()
}

fn rate(events: u64, exposure: f64) -> f64 {
    if exposure > 0.0 {
        events as f64 / exposure
    } else {
        0.0
    }
}

/// The relative lift's interval from a ratio and the standard error of its log.
fn ratio_ci(ratio: f64, se_log: f64) -> (f64, f64) {
    let log = ratio.ln();
    (
        (log - Z_95 * se_log).exp() - 1.0,
        (log + Z_95 * se_log).exp() - 1.0,
    )
}

#[allow(clippy::too_many_arguments)]
fn verdict(
    control: &VariantTotals,
    variant: &VariantTotals,
    p: f64,
    lift: Option<f64>,
    ci: Option<(f64, f64)>,
    events: u64,
    significant: bool,
    unit: &str,
) -> String {
    let p_text = format_p(p);
    if !significant {
        if p < ALPHA && events < MIN_EVENTS {
            return format!(
                "not yet significant ({p_text}, but only {events} events of the {MIN_EVENTS} \
                 needed); keep collecting"
            );
        }
        return format!("not yet significant ({p_text}); keep collecting");
    }
    let direction = if lift.unwrap_or(0.0) >= 0.0 {
        "beats"
    } else {
        "does worse than"
    };
    let lift_text = lift.map(percent).unwrap_or_else(|| "a difference".into());
    let ci_text = ci
        .map(|(lo, hi)| format!(" (95% CI {} to {})", percent(lo), percent(hi)))
        .unwrap_or_default();
    format!(
        "{} {direction} {}: {lift_text} {unit}{ci_text}, {p_text}",
        variant.label, control.label
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn normal_tail_matches_the_tables() {
        // P(Z > 1.96) = 0.0249979, P(Z > 1) = 0.1586553, P(Z > 0) = 0.5.
        assert!(close(normal_sf(1.959_964), 0.025, 1e-6));
        assert!(close(normal_sf(1.0), 0.158_655_3, 1e-6));
        assert!(close(normal_sf(0.0), 0.5, 1e-7));
        assert!(close(normal_sf(-1.0), 0.841_344_7, 1e-6));
    }

    #[test]
    fn ln_gamma_gives_factorials() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-12));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(ln_gamma(11.0), 3_628_800f64.ln(), 1e-10));
    }

    #[test]
    fn two_proportion_z_test_textbook_value() {
        // 45/100 against 30/100: pooled p = 0.375, z = -2.1909, two-sided p = 0.02846.
        assert!(close(
            two_proportion_z(45, 100, 30, 100),
            0.028_459_74,
            1e-6
        ));
        // Equal proportions: no evidence at all.
        assert!(close(two_proportion_z(10, 100, 20, 200), 1.0, 1e-9));
    }

    #[test]
    fn exact_poisson_test_textbook_values() {
        // 10 against 2 events over equal exposure: 2 × P(Bin(12, 1/2) ≥ 10) = 2 × 79/4096.
        assert!(close(
            poisson_exact(10, 1.0, 2, 1.0),
            0.038_574_218_75,
            1e-10
        ));
        // 15 against 30 over equal exposure: 2 × P(Bin(45, 1/2) ≤ 15) = 0.0356978.
        assert!(close(
            poisson_exact(15, 10.0, 30, 10.0),
            0.035_697_803_555,
            1e-9
        ));
        // Rates equal once exposure is counted: p = 1.
        assert!(close(poisson_exact(10, 1.0, 20, 2.0), 1.0, 1e-9));
        assert!(close(poisson_exact(0, 1.0, 0, 1.0), 1.0, 1e-12));
    }

    #[test]
    fn holm_adjusts_step_down_and_keeps_order() {
        let adjusted = holm(&[0.01, 0.04, 0.03]);
        // Sorted 0.01, 0.03, 0.04: × 3, × 2, × 1 with a running maximum.
        assert!(close(adjusted[0], 0.03, 1e-12));
        assert!(close(adjusted[2], 0.06, 1e-12));
        assert!(close(adjusted[1], 0.06, 1e-12));
        assert_eq!(holm(&[0.2]), vec![0.2]);
    }

    #[test]
    fn p_values_read_with_two_significant_digits() {
        assert_eq!(format_p(0.2312), "p = 0.23");
        assert_eq!(format_p(0.035_697), "p = 0.036");
        assert_eq!(format_p(0.005_12), "p = 0.0051");
        assert_eq!(format_p(0.000_2), "p < 0.001");
    }

    fn totals(label: &str, events: u64, posts: f64, trials: Option<u64>) -> VariantTotals {
        VariantTotals {
            label: label.into(),
            events,
            exposure: posts,
            trials,
        }
    }

    #[test]
    fn the_verdict_says_plainly_when_to_keep_collecting() {
        let few = compare(
            &[totals("A", 12, 3.0, None), totals("B", 15, 3.0, None)],
            "engagements per post",
        );
        assert_eq!(few.len(), 1);
        assert_eq!(few[0].test, TestKind::PoissonExact);
        assert!(!few[0].significant);
        assert!(
            few[0].verdict.starts_with("not yet significant (p = 0.")
                && few[0].verdict.ends_with("); keep collecting"),
            "{}",
            few[0].verdict
        );
        assert!(close(few[0].lift.unwrap(), 0.25, 1e-12));

        let clear = compare(
            &[totals("A", 15, 10.0, None), totals("B", 30, 10.0, None)],
            "engagements per post",
        );
        assert!(clear[0].significant);
        assert_eq!(
            clear[0].verdict,
            format!(
                "B beats A: +100% engagements per post (95% CI {} to {}), p = 0.036",
                percent(clear[0].lift_ci.unwrap().0),
                percent(clear[0].lift_ci.unwrap().1)
            )
        );
        // Significant p, too few events: not called.
        let small = compare(
            &[totals("A", 10, 1.0, None), totals("B", 2, 1.0, None)],
            "engagements per post",
        );
        assert!(!small[0].significant);
        assert!(
            small[0].verdict.contains("only 12 events"),
            "{}",
            small[0].verdict
        );
    }

    #[test]
    fn impressions_switch_to_the_proportion_test_with_its_interval() {
        let result = compare(
            &[
                totals("A", 45, 1.0, Some(100)),
                totals("B", 30, 1.0, Some(100)),
            ],
            "engagements per impression",
        );
        assert_eq!(result[0].test, TestKind::TwoProportionZ);
        assert!(close(result[0].p_value, 0.028_459_74, 1e-6));
        assert!(close(result[0].lift.unwrap(), -1.0 / 3.0, 1e-12));
        let (lo, hi) = result[0].lift_ci.unwrap();
        assert!(close(lo, -0.539_314_4, 1e-6) && close(hi, -0.035_254_3, 1e-6));
        assert!(result[0].verdict.starts_with("B does worse than A: -33%"));
    }

    #[test]
    fn three_variants_are_each_compared_with_the_first_under_holm() {
        let result = compare(
            &[
                totals("A", 15, 10.0, None),
                totals("B", 30, 10.0, None),
                totals("C", 16, 10.0, None),
            ],
            "engagements per post",
        );
        assert_eq!(result.len(), 2);
        assert_eq!(
            (result[0].variant.as_str(), result[1].variant.as_str()),
            ("B", "C")
        );
        // B's p (0.0357) is the smaller: × 2 = 0.0714, no longer below 0.05.
        assert!(close(result[0].adjusted_p, 2.0 * result[0].p_value, 1e-12));
        assert!(!result[0].significant);
        assert!(result[1].adjusted_p >= result[0].adjusted_p);
    }
}
