//! Themes: the words and phrases that characterise a window of posts against a baseline
//! window, so the dashboard can say "people are suddenly talking about *lost bags*".
//!
//! Candidates are the word 1-, 2- and 3-grams of each post, read on the normalised tokens
//! (lower case, accents folded, HTML entities decoded): handles and links are left out and
//! break phrases, as does clause punctuation; hashtags are in (`#fail`); words holding a
//! digit are left out (flight numbers, times); a phrase may not start or end with a stop
//! word ([`stopwords`](self) in English, Spanish, French, German, Portuguese, Italian and
//! Dutch, plus social debris such as `rt`, `amp`, and the halves of `don't`), so `waste of
//! time` is a phrase and `of time` is not. A phrase counts once per post, so a post that
//! repeats it does not weigh more.
//!
//! Each phrase is scored by Dunning's log-likelihood ratio G² over the 2×2 table of posts
//! with and without it in the target and baseline windows, and kept when it is
//! over-represented in the target, appears in at least [`ThemeConfig::min_count`] target
//! posts and scores at least [`ThemeConfig::min_score`] (10.83 is p < 0.001 for one degree
//! of freedom). A phrase that a longer kept phrase covers almost entirely (`lost` when
//! `lost bags` is kept with at least [`ThemeConfig::subsume`] of its posts) is dropped.

mod stopwords;

use crate::learn::text::Analyzed;
use rapport_text::TokenKind;
use std::collections::HashMap;

/// How [`emerging_themes`] selects phrases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeConfig {
    /// The longest phrase, in words (1 to 3).
    pub max_words: usize,
    /// The fewest target posts a phrase must appear in.
    pub min_count: u64,
    /// The lowest G² kept (10.83: p < 0.001).
    pub min_score: f64,
    /// How many themes to return at most.
    pub top: usize,
    /// A phrase is dropped when a kept longer phrase containing it appears in at least this
    /// share of its target posts.
    pub subsume: f64,
}

impl Default for ThemeConfig {
    fn default() -> ThemeConfig {
        ThemeConfig {
            max_words: 3,
            min_count: 5,
            min_score: 10.83,
            top: 20,
            subsume: 0.7,
        }
    }
}

/// A phrase over-represented in the target window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Theme {
    /// The phrase, normalised words joined by spaces (`lost bags`, `#fail`).
    pub phrase: String,
    /// Target posts containing it.
    pub target_count: u64,
    /// Baseline posts containing it.
    pub baseline_count: u64,
    /// Dunning's G².
    pub score: f64,
}

/// The phrases of `target` posts most over-represented against `baseline` posts, best
/// first (see the [module](self)). Empty windows give no theme; never panics.
///
/// ```
/// use rapport_nlp::themes::{emerging_themes, ThemeConfig};
/// let mut target = vec!["@acme where are my lost bags", "lost bags again at JFK #fail"];
/// target.extend(["lost bags, nobody answers"; 4]);
/// target.extend(["nice flight today"; 6]);
/// let baseline = vec!["nice flight today"; 40];
/// let themes = emerging_themes(&target, &baseline, &ThemeConfig::default());
/// assert_eq!(themes[0].phrase, "lost bags");
/// assert_eq!((themes[0].target_count, themes[0].baseline_count), (6, 0));
/// ```
pub fn emerging_themes(target: &[&str], baseline: &[&str], config: &ThemeConfig) -> Vec<Theme> {
    let mut analyzed = Analyzed::new();
    let mut scratch = Vec::new();
    let target_counts = count_phrases(target, config, &mut analyzed, &mut scratch);
    let baseline_counts = count_phrases(baseline, config, &mut analyzed, &mut scratch);
    let (n_t, n_b) = (target.len() as f64, baseline.len() as f64);
    if n_t == 0.0 || n_b == 0.0 {
        return Vec::new();
    }
    let mut themes: Vec<Theme> = target_counts
        .into_iter()
        .filter(|(_, a)| *a >= config.min_count.max(1))
        .filter_map(|(phrase, a)| {
            let b = baseline_counts.get(&phrase).copied().unwrap_or(0);
            let (af, bf) = (a as f64, b as f64);
            if af / n_t <= bf / n_b {
                return None;
            }
            let score = g2(af, bf, n_t, n_b);
            (score >= config.min_score).then_some(Theme {
                phrase,
                target_count: a,
                baseline_count: b,
                score,
            })
        })
        .collect();
    themes.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.phrase.cmp(&y.phrase))
    });
    let mut kept: Vec<Theme> = Vec::new();
    for theme in themes {
        if kept.len() >= config.top {
            break;
        }
        let covered = kept.iter().any(|k| {
            contains_words(&k.phrase, &theme.phrase)
                && k.target_count as f64 >= config.subsume * theme.target_count as f64
        });
        if !covered {
            // A kept shorter phrase that this one nearly covers gives way to it.
            kept.retain(|k| {
                !(contains_words(&theme.phrase, &k.phrase)
                    && theme.target_count as f64 >= config.subsume * k.target_count as f64)
            });
            kept.push(theme);
        }
    }
    kept.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.phrase.cmp(&y.phrase))
    });
    kept
}

/// Dunning's G² for `a` of `n_t` target posts and `b` of `n_b` baseline posts.
/// In how many of `posts` each of `phrases` (as [`emerging_themes`] names them) appears,
/// counted the same way: for drawing a theme's rise day by day.
pub fn posts_containing(posts: &[&str], phrases: &[&str], config: &ThemeConfig) -> Vec<u64> {
    let mut analyzed = Analyzed::new();
    let mut scratch = Vec::new();
    let counts = count_phrases(posts, config, &mut analyzed, &mut scratch);
    phrases
        .iter()
        .map(|p| counts.get(*p).copied().unwrap_or(0))
        .collect()
}

fn g2(a: f64, b: f64, n_t: f64, n_b: f64) -> f64 {
    let (c, d) = (n_t - a, n_b - b);
    let n = n_t + n_b;
    let term = |o: f64, e: f64| {
        if o > 0.0 && e > 0.0 {
            o * (o / e).ln()
        } else {
            0.0
        }
    };
    let (with, without) = (a + b, c + d);
    2.0 * (term(a, n_t * with / n)
        + term(b, n_b * with / n)
        + term(c, n_t * without / n)
        + term(d, n_b * without / n))
}

/// Whether the words of `small` appear, in order and contiguous, in `big` (a longer phrase).
fn contains_words(big: &str, small: &str) -> bool {
    big.len() > small.len() && format!(" {big} ").contains(&format!(" {small} "))
}

/// In how many posts each candidate phrase appears.
fn count_phrases(
    posts: &[&str],
    config: &ThemeConfig,
    analyzed: &mut Analyzed,
    words: &mut Vec<Option<String>>,
) -> HashMap<String, u64> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut seen: Vec<String> = Vec::new();
    let max_words = config.max_words.clamp(1, 3);
    for post in posts {
        analyzed.analyze(post);
        // The post's words, with `None` where a phrase may not cross.
        words.clear();
        for tok in analyzed.toks() {
            if tok.break_before {
                words.push(None);
            }
            let norm = analyzed.norm(tok);
            match tok.kind {
                TokenKind::Word if !norm.contains(|c: char| c.is_numeric()) => {
                    words.push(Some(norm.to_string()));
                }
                TokenKind::Hashtag => words.push(Some(format!("#{norm}"))),
                _ => words.push(None),
            }
        }
        seen.clear();
        for start in 0..words.len() {
            for n in 1..=max_words {
                let Some(gram) = words.get(start..start + n) else {
                    break;
                };
                if gram.iter().any(Option::is_none) {
                    break;
                }
                let first = gram[0].as_deref().unwrap_or("");
                let last = gram[n - 1].as_deref().unwrap_or("");
                if stopwords::is_stop_word(first) || stopwords::is_stop_word(last) {
                    continue;
                }
                if n == 1 && first.chars().count() < 2 {
                    continue;
                }
                let phrase = gram
                    .iter()
                    .map(|w| w.as_deref().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(" ");
                seen.push(phrase);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for phrase in seen.drain(..) {
            *counts.entry(phrase).or_default() += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests;
