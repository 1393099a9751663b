//! The "theme emerging" rule: the words and phrases of a monitor's last day of mentions
//! against the six days before (`rapport_nlp::themes`, Dunning's G²), fired when the
//! strongest one clears the rule's floor, with a sentence people can act on ("People are
//! suddenly talking about "lost bags": ...").

use super::{Baseline, Verdict};
use chrono::{DateTime, Utc};
use rapport_nlp::themes::{emerging_themes, ThemeConfig};

/// Mention texts read from the last day (newest first).
pub const TARGET_TEXTS: usize = 1_000;
/// Mention texts read from the six days before it (newest first).
pub const BASELINE_TEXTS: usize = 2_000;
/// The smallest G² that may fire: 15.13 is p < 0.0001 with one degree of freedom, stricter
/// than the dashboard's list (10.83) because an alert interrupts someone.
pub const MIN_SCORE: f64 = 15.13;

/// Judges the last day's texts (`target`) against the days before (`baseline`): fired when
/// a phrase appears in at least `min_posts` of the target texts and is significantly more
/// frequent there. `observed` is its target count, `expected` what its baseline rate
/// predicts for as many texts, `z` its G² and `p` the matching chi-square tail.
pub fn judge_themes(
    target: &[&str],
    baseline: &[&str],
    hour: DateTime<Utc>,
    min_posts: u64,
) -> Verdict {
    let config = ThemeConfig {
        min_count: min_posts.max(1),
        min_score: MIN_SCORE,
        // The whole list, so that a phrase's longer form wins over its words (the list
        // folds a word into a longer phrase it mostly appears in).
        ..ThemeConfig::default()
    };
    let quiet = |sentence: String| Verdict {
        fired: false,
        hour,
        observed: 0,
        expected: 0.0,
        spread: 0.0,
        z: 0.0,
        p: 1.0,
        baseline: Baseline::Insufficient,
        sentence,
    };
    if target.is_empty() || baseline.is_empty() {
        return quiet(format!(
            "not enough mentions to compare ({} in the last day, {} in the six days before)",
            target.len(),
            baseline.len()
        ));
    }
    let themes = emerging_themes(target, baseline, &config);
    // Of the phrases as strong as the strongest (the same posts, as a rule), the longest
    // says the most: "portafilter cracked" rather than "cracked".
    let top = themes.first().map_or(0.0, |t| t.score);
    let Some(theme) = themes
        .into_iter()
        .filter(|t| t.score >= top * 0.99)
        .max_by_key(|t| t.phrase.split_whitespace().count())
    else {
        return quiet(format!(
            "no phrase stands out in the last day's {} mentions",
            target.len()
        ));
    };
    let expected = theme.baseline_count as f64 * target.len() as f64 / baseline.len() as f64;
    Verdict {
        fired: true,
        hour,
        observed: theme.target_count,
        expected,
        spread: 0.0,
        z: theme.score,
        p: chi_square_one_tail(theme.score),
        baseline: Baseline::Insufficient,
        sentence: format!(
            "people are suddenly talking about \"{}\": {} of the last day's {} mentions, {} of the {} in the six days before (G² {:.1})",
            theme.phrase,
            theme.target_count,
            target.len(),
            theme.baseline_count,
            baseline.len(),
            theme.score
        ),
    }
}

/// `P(X >= x)` for a chi-square variable with one degree of freedom: `erfc(sqrt(x / 2))`.
fn chi_square_one_tail(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    erfc((x / 2.0).sqrt())
}

/// The complementary error function for `z >= 0` (Abramowitz and Stegun 7.1.26, absolute
/// error under 1.5e-7: enough for a p-value shown with two significant digits). Written
/// here because no dependency of this crate has it and one function does not justify one.
fn erfc(z: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-z * z).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn hour() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    /// Ordinary chatter about coffee machines, varied so that no phrase dominates.
    fn chatter(n: usize, salt: usize) -> Vec<String> {
        let subjects = [
            "my espresso",
            "the grinder",
            "this kettle",
            "our machine",
            "the milk frother",
        ];
        let verbs = [
            "works fine",
            "is okay",
            "makes decent coffee",
            "arrived today",
            "looks nice",
        ];
        (0..n)
            .map(|i| {
                format!(
                    "{} {} number {}",
                    subjects[(i + salt) % subjects.len()],
                    verbs[(i / subjects.len() + salt) % verbs.len()],
                    i
                )
            })
            .collect()
    }

    #[test]
    fn a_phrase_that_appears_in_the_last_day_fires_with_its_counts() {
        let mut target = chatter(300, 1);
        let openers = ["ugh", "so", "well", "wow", "hmm"];
        let closers = [
            "today",
            "this morning",
            "again",
            "last night",
            "after a week",
        ];
        for i in 0..40 {
            target.push(format!(
                "{} my portafilter cracked {}",
                openers[i % 5],
                closers[(i / 5) % 5]
            ));
        }
        let baseline = chatter(1200, 2);
        let t: Vec<&str> = target.iter().map(String::as_str).collect();
        let b: Vec<&str> = baseline.iter().map(String::as_str).collect();
        let verdict = judge_themes(&t, &b, hour(), 10);
        assert!(verdict.fired, "{verdict:?}");
        assert!(
            verdict.sentence.contains("\"portafilter cracked\""),
            "{}",
            verdict.sentence
        );
        assert_eq!(verdict.observed, 40);
        assert_eq!(verdict.expected, 0.0, "never seen before");
        assert!(verdict.z >= MIN_SCORE && verdict.p < 1e-4, "{verdict:?}");
    }

    #[test]
    fn steady_talk_and_rare_phrases_stay_quiet() {
        let target = chatter(300, 1);
        let baseline = chatter(1200, 1);
        let t: Vec<&str> = target.iter().map(String::as_str).collect();
        let b: Vec<&str> = baseline.iter().map(String::as_str).collect();
        assert!(!judge_themes(&t, &b, hour(), 10).fired);
        // Three posts about something new are below a floor of ten.
        let mut few = target.clone();
        few.extend((0..3).map(|i| format!("my portafilter cracked, {i}")));
        let f: Vec<&str> = few.iter().map(String::as_str).collect();
        assert!(!judge_themes(&f, &b, hour(), 10).fired);
        assert!(!judge_themes(&[], &b, hour(), 10).fired);
    }

    #[test]
    fn the_chi_square_tail_matches_known_values() {
        // Critical values of chi-square with one degree of freedom.
        for (x, p) in [
            (3.841, 0.05),
            (6.635, 0.01),
            (10.828, 0.001),
            (15.137, 0.0001),
        ] {
            let got = chi_square_one_tail(x);
            assert!((got - p).abs() < p * 0.01, "x {x}: {got} vs {p}");
        }
        assert_eq!(chi_square_one_tail(0.0), 1.0);
    }
}
