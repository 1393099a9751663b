//! VADER's rules: each word's valence adjusted by its neighbours (negation, boosters and
//! dampeners, ALL CAPS, "kind of", "least", "never so/this", idioms), then the contrastive
//! "but". A line-by-line port of the reference's `polarity_scores`, `sentiment_valence`,
//! `scalar_inc_dec`, `_negation_check`, `_special_idioms_check`, `_least_check` and
//! `_but_check`, keeping the order of floating-point operations so that results are
//! bit-identical.
//!
//! Reference quirks reproduced on purpose (parity is the specification):
//! - A word in ALL CAPS whose valence is exactly 0 (a "no" before another lexicon word) gets
//!   -0.733, because the reference adds `C_INCR` only when the valence is `> 0`.
//! - "no" negates a lexicon word up to two words after it, or three with "or"/"nor" in
//!   between; the negated valence is recomputed from the lexicon, discarding the "no"-is-0
//!   adjustment.
//! - Three words before a word, the "never so/this" boost (×1.25) fires whenever the word
//!   just before is "so" or "this", with or without "never" (Python operator precedence:
//!   `a and b or c`).
//! - The negation and idiom checks at distance 2 and 3 only run when the word at that
//!   distance is not itself in the lexicon; so do the booster increments.
//! - "kind of", "sort of" and "just enough" dampen (add -0.293 whatever the sign) only
//!   through the idiom check, so only for a word at index 3 or more whose third predecessor
//!   is not a lexicon word.
//! - "but" scales the valences before it by 0.5 and after it by 1.5, but the reference
//!   locates each valence with `list.index(value)`, which finds the *first equal value*:
//!   with repeated values, an earlier copy is scaled (again) instead. See [`but_check`].

use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

use super::lexicon::{
    is_booster_bigram, special_case2, special_case3, Sym, B_DECR, C_INCR, N_SCALAR,
};
use super::tokens::Token;

/// The valences of all words, in order (the reference's `sentiments` list before the "but"
/// check): 0 for boosters, for "kind" before "of", and for words not in the lexicon.
pub(crate) fn valences(tokens: &[Token], is_cap_diff: bool, out: &mut Vec<f64>) {
    out.clear();
    out.reserve(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let skip = token.entry.is_booster()
            || (token.entry.sym == Sym::Kind
                && tokens.get(i + 1).is_some_and(|t| t.entry.sym == Sym::Of));
        out.push(if skip {
            0.0
        } else {
            sentiment_valence(tokens, i, is_cap_diff)
        });
    }
}

/// The reference's `sentiment_valence` for the word at `i`.
fn sentiment_valence(tokens: &[Token], i: usize, is_cap_diff: bool) -> f64 {
    let token = &tokens[i];
    let Some(base) = token.entry.valence() else {
        return 0.0;
    };
    let sym = |j: usize| tokens[j].entry.sym;
    let in_lexicon = |j: usize| tokens[j].entry.in_lexicon();
    let mut valence = base;

    // "no" before another lexicon word is a negation, not a negative word.
    if token.entry.sym == Sym::No && i + 1 < tokens.len() && in_lexicon(i + 1) {
        valence = 0.0;
    }
    if (i > 0 && sym(i - 1) == Sym::No)
        || (i > 1 && sym(i - 2) == Sym::No)
        || (i > 2 && sym(i - 3) == Sym::No && matches!(sym(i - 1), Sym::Or | Sym::Nor))
    {
        valence = base * N_SCALAR;
    }

    // ALL CAPS emphasis among words that are not all caps.
    if token.upper && is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }

    for start_i in 0..3 {
        if i > start_i && !in_lexicon(i - (start_i + 1)) {
            let mut s = scalar_inc_dec(&tokens[i - (start_i + 1)], valence, is_cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(valence, tokens, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(valence, tokens, i);
            }
        }
    }
    least_check(valence, tokens, i)
}

/// The reference's `scalar_inc_dec`: the increment a booster or dampener gives a valence,
/// away from zero for boosters, towards it for dampeners, more if the booster is in ALL CAPS.
fn scalar_inc_dec(word: &Token, valence: f64, is_cap_diff: bool) -> f64 {
    if !word.entry.is_booster() {
        return 0.0;
    }
    let mut scalar = word.entry.booster();
    if valence < 0.0 {
        scalar *= -1.0;
    }
    if word.upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// The reference's `_negation_check` for the word `start_i + 1` places before `i`.
fn negation_check(valence: f64, tokens: &[Token], start_i: usize, i: usize) -> f64 {
    let sym = |j: usize| tokens[j].entry.sym;
    let so_or_this = |j: usize| matches!(sym(j), Sym::So | Sym::This);
    match start_i {
        0 if tokens[i - 1].negated => valence * N_SCALAR,
        1 => {
            if sym(i - 2) == Sym::Never && so_or_this(i - 1) {
                valence * 1.25
            } else if sym(i - 2) == Sym::Without && sym(i - 1) == Sym::Doubt {
                valence
            } else if tokens[i - 2].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // Reference: `w[i-3] == "never" and (w[i-2] in so/this) or (w[i-1] in so/this)`.
            if (sym(i - 3) == Sym::Never && so_or_this(i - 2)) || so_or_this(i - 1) {
                valence * 1.25
            } else if sym(i - 3) == Sym::Without
                && (sym(i - 2) == Sym::Doubt || sym(i - 1) == Sym::Doubt)
            {
                valence
            } else if tokens[i - 3].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

/// The symbol of the word at `j`, `Other` past the end.
fn sym_at(tokens: &[Token], j: usize) -> Sym {
    tokens.get(j).map_or(Sym::Other, |t| t.entry.sym)
}

/// The value of the special case spelled by the `len` (2 or 3) words from `start`, if any.
fn special_case(tokens: &[Token], start: usize, len: usize) -> Option<f64> {
    let (a, b) = (sym_at(tokens, start), sym_at(tokens, start + 1));
    if len == 2 {
        special_case2(a, b)
    } else {
        special_case3(a, b, sym_at(tokens, start + 2))
    }
}

/// The reference's `_special_idioms_check` for the word at `i >= 3`: special-case phrases
/// ending just before or at the word replace its valence; phrases starting at it replace it
/// too; the dampening bigrams ("kind of", ...) among the three words before it add to it.
fn special_idioms_check(mut valence: f64, tokens: &[Token], i: usize) -> f64 {
    // onezero, twoonezero, twoone, threetwoone, threetwo: the first that matches wins.
    let before = [(i - 1, 2), (i - 2, 3), (i - 2, 2), (i - 3, 3), (i - 3, 2)];
    if let Some(value) = before
        .iter()
        .find_map(|&(start, len)| special_case(tokens, start, len))
    {
        valence = value;
    }
    let n = tokens.len();
    if n - 1 > i {
        if let Some(value) = special_case(tokens, i, 2) {
            valence = value;
        }
    }
    if n - 1 > i + 1 {
        if let Some(value) = special_case(tokens, i, 3) {
            valence = value;
        }
    }
    // threetwoone (three words: never a key), threetwo, twoone.
    for start in [i - 3, i - 2] {
        if is_booster_bigram(sym_at(tokens, start), sym_at(tokens, start + 1)) {
            valence += B_DECR;
        }
    }
    valence
}

/// The reference's `_least_check`: "least" before a word negates it, except in "at least" and
/// "very least".
fn least_check(valence: f64, tokens: &[Token], i: usize) -> f64 {
    let least_before =
        |j: usize| !tokens[j].entry.in_lexicon() && tokens[j].entry.sym == Sym::Least;
    if i > 1 && least_before(i - 1) {
        if !matches!(tokens[i - 2].entry.sym, Sym::At | Sym::Very) {
            return valence * N_SCALAR;
        }
        valence
    } else if i > 0 && least_before(i - 1) {
        valence * N_SCALAR
    } else {
        valence
    }
}

/// Above this many words, [`but_check`] indexes values instead of scanning for them.
const BUT_SCAN_LIMIT: usize = 64;

/// The reference's `_but_check`, bug for bug. With `bi` the index of the first "but":
///
/// ```python
/// for sentiment in sentiments:
///     si = sentiments.index(sentiment)
///     if si < bi: sentiments[si] = sentiment * 0.5   # (pop + insert)
///     elif si > bi: sentiments[si] = sentiment * 1.5
/// ```
///
/// The loop visits positions in order and reads the *current* value there, but
/// `list.index` returns the first position holding an equal value, which may be an earlier
/// one (then scaled a second time) — so "good ... but ... good" scales the first "good"
/// twice and the second never. Zeros stay zeros whatever happens to them, and so are
/// skipped. Short texts scan; long ones keep, per value, the set of positions holding it,
/// which gives the same first positions in O(n log n) rather than O(n²).
pub(crate) fn but_check(tokens: &[Token], sentiments: &mut [f64]) {
    let Some(bi) = tokens.iter().position(|t| t.entry.sym == Sym::But) else {
        return;
    };
    if sentiments.len() <= BUT_SCAN_LIMIT {
        but_check_scan(bi, sentiments);
    } else {
        but_check_indexed(bi, sentiments);
    }
}

/// [`but_check`] by linear scans (the reference's own algorithm).
fn but_check_scan(bi: usize, sentiments: &mut [f64]) {
    for k in 0..sentiments.len() {
        let value = sentiments[k];
        if value == 0.0 {
            continue;
        }
        // `k` itself holds `value`, so a first equal position exists and is <= k.
        let si = sentiments[..=k]
            .iter()
            .position(|&v| v == value)
            .unwrap_or(k);
        scale(bi, si, value, sentiments);
    }
}

/// Sets `sentiments[si]` to `value` scaled for its side of the "but" at `bi`.
fn scale(bi: usize, si: usize, value: f64, sentiments: &mut [f64]) {
    if si < bi {
        sentiments[si] = value * 0.5;
    } else if si > bi {
        sentiments[si] = value * 1.5;
    }
}

/// [`but_check`] with an index from value to the positions holding it. Values are keyed by
/// their bits; zeros (the only values whose bits differ while they compare equal) are
/// skipped.
fn but_check_indexed(bi: usize, sentiments: &mut [f64]) {
    let mut positions: FxHashMap<u64, BTreeSet<usize>> = FxHashMap::default();
    for (k, &value) in sentiments.iter().enumerate() {
        if value != 0.0 {
            positions.entry(value.to_bits()).or_default().insert(k);
        }
    }
    for k in 0..sentiments.len() {
        let value = sentiments[k];
        if value == 0.0 {
            continue;
        }
        let si = positions
            .get(&value.to_bits())
            .and_then(|set| set.first().copied())
            .unwrap_or(k);
        scale(bi, si, value, sentiments);
        let scaled = sentiments[si];
        if scaled.to_bits() != value.to_bits() {
            if let Some(set) = positions.get_mut(&value.to_bits()) {
                set.remove(&si);
            }
            positions.entry(scaled.to_bits()).or_default().insert(si);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's `_but_check` loop, transcribed literally (pop/insert and all).
    fn reference_but(bi: usize, sentiments: &[f64]) -> Vec<f64> {
        let mut s = sentiments.to_vec();
        for k in 0..s.len() {
            let sentiment = s[k];
            let si = s.iter().position(|&v| v == sentiment).unwrap_or(k);
            if si < bi {
                s.remove(si);
                s.insert(si, sentiment * 0.5);
            } else if si > bi {
                s.remove(si);
                s.insert(si, sentiment * 1.5);
            }
        }
        s
    }

    #[test]
    fn but_check_scales_first_equal_values() {
        // "good but good": 1.9 → 0.95 at k = 0; at k = 2 the first 1.9 is now at 2 (> bi),
        // → 2.85. Distinct values behave as the algorithm intends.
        let mut s = vec![1.9, 0.0, 1.9];
        but_check_scan(1, &mut s);
        assert_eq!(s, vec![1.9 * 0.5, 0.0, 1.9 * 1.5]);
        // Repeated value after "but" whose first copy is before it: the earlier copy is
        // scaled again, the later one never.
        let mut s = vec![1.9, 0.0, 0.95];
        but_check_scan(1, &mut s);
        assert_eq!(s, reference_but(1, &[1.9, 0.0, 0.95]));
        assert_eq!(s, vec![0.475, 0.0, 0.95]);
    }

    #[test]
    fn indexed_but_check_equals_the_scan() {
        // Values drawn from a small set so that repeats and cascades (x, x/2, x/4 ...) occur.
        let palette = [
            0.0, 1.9, 0.95, 0.475, 2.85, -1.2, -0.6, -1.8, 4.275, 1.425, -0.0,
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..2_000 {
            let len = 1 + (next() % 200) as usize;
            let s: Vec<f64> = (0..len)
                .map(|_| palette[(next() % palette.len() as u64) as usize])
                .collect();
            let bi = (next() % len as u64) as usize;
            let expected = reference_but(bi, &s);
            let mut scanned = s.clone();
            but_check_scan(bi, &mut scanned);
            let mut indexed = s.clone();
            but_check_indexed(bi, &mut indexed);
            assert_eq!(scanned, expected, "round {round}");
            assert_eq!(indexed, expected, "round {round}");
        }
    }
}
