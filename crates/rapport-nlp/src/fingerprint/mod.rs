//! Near-duplicate fingerprints: a 64-bit SimHash of a post's normalised words, and an index
//! that groups fingerprints within a Hamming distance.
//!
//! What goes in: the words and hashtags of the post as [`crate::learn`]'s normaliser gives
//! them (lower case, accents folded, HTML entities decoded, elongations squeezed, digits
//! folded to `0`), without links, handles or a retweet's `RT` marker, so `RT @bob: Great
//! flight! https://t.co/x` and `Great flight!! https://t.co/y` get the same fingerprint.
//! Each word and each pair of adjacent words is a feature (hashed with XXH3; words weigh
//! twice as much as pairs); the fingerprint's bit `i` is set when the weighted features with
//! their bit `i` set outweigh the others. Posts that share most of their words get
//! fingerprints a few bits apart. Measured on the airline tweets (`examples/duplicates.rs`):
//! one word replaced in a tweet of eight words or more moves the fingerprint 7 bits at the
//! median (90th percentile 11), one word dropped 5 (9), while two random tweets sit 30 bits
//! apart at the median and 1 pair in 10,000 comes within 10 bits.
//!
//! ```
//! use rapport_nlp::fingerprint::{fingerprint, hamming};
//! let a = fingerprint("RT @acme: Our flight 714 to Denver is delayed again, 3 hours and counting https://t.co/a");
//! let b = fingerprint("Our flight 932 to Denver is delayed again, 3 hours and counting!!");
//! assert_eq!(a, b);
//! let c = fingerprint("Lovely crew on the morning flight, thank you");
//! assert!(hamming(a, c) > 10);
//! ```

mod index;

pub use index::DuplicateIndex;

use crate::learn::text::Analyzed;
use rapport_text::TokenKind;
use std::cell::RefCell;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The default distance within which [`DuplicateIndex`] groups posts: near-identical
/// templated posts and retweets with a word or two changed.
pub const DEFAULT_MAX_DISTANCE: u32 = 8;

/// Seeds for the two kinds of features, so a word and a word pair never hash alike.
const WORD_SEED: u64 = 0x5157_0001;
const PAIR_SEED: u64 = 0x5157_0002;

/// How much a word counts, and a pair of adjacent words: words weigh more, so that one
/// word changed (one word and two pairs) moves the fingerprint less, while the pairs still
/// tell word orders apart.
const WORD_WEIGHT: i32 = 2;
const PAIR_WEIGHT: i32 = 1;

thread_local! {
    static SCRATCH: RefCell<Analyzed> = RefCell::new(Analyzed::new());
}

/// The 64-bit SimHash of `text`: see the [module](self). A text with no word at all gets
/// `0`. Never panics.
pub fn fingerprint(text: &str) -> u64 {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut analyzed) => fingerprint_with(text, &mut analyzed),
        Err(_) => fingerprint_with(text, &mut Analyzed::new()),
    })
}

/// [`fingerprint`] with a caller's analysis buffer.
pub(crate) fn fingerprint_with(text: &str, analyzed: &mut Analyzed) -> u64 {
    analyzed.analyze(text);
    fingerprint_analyzed(analyzed)
}

/// The fingerprint of an already analyzed text.
pub(crate) fn fingerprint_analyzed(analyzed: &Analyzed) -> u64 {
    let mut counts = [0i32; 64];
    let mut features = 0u32;
    let mut prev: Option<&str> = None;
    let mut add = |h: u64, weight: i32| {
        for (bit, count) in counts.iter_mut().enumerate() {
            *count += if h >> bit & 1 == 1 { weight } else { -weight };
        }
    };
    for (i, tok) in analyzed.toks().iter().enumerate() {
        if !matches!(tok.kind, TokenKind::Word | TokenKind::Hashtag) {
            continue;
        }
        let word = analyzed.norm(tok);
        if (i == 0 && word == "rt") || is_retweet_marker(analyzed, i, word) {
            continue;
        }
        add(xxh3_64_with_seed(word.as_bytes(), WORD_SEED), WORD_WEIGHT);
        features += 1;
        if let Some(p) = prev {
            let mut pair = [0u64; 2];
            pair[0] = xxh3_64_with_seed(p.as_bytes(), PAIR_SEED);
            pair[1] = xxh3_64_with_seed(word.as_bytes(), PAIR_SEED);
            add(pair[0].rotate_left(17) ^ pair[1], PAIR_WEIGHT);
            features += 1;
        }
        prev = Some(word);
    }
    if features == 0 {
        return 0;
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .fold(0u64, |fp, (bit, _)| fp | 1 << bit)
}

/// `rt` followed by a mention (`RT @bob`, anywhere: quote-retweets put it mid-text).
fn is_retweet_marker(analyzed: &Analyzed, i: usize, word: &str) -> bool {
    word == "rt"
        && analyzed
            .toks()
            .get(i + 1)
            .is_some_and(|next| next.kind == TokenKind::Mention)
}

/// The number of bits in which `a` and `b` differ.
#[inline]
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// A fingerprint as the 16 lower-case hex digits written in `rapport analyze`'s output.
pub fn to_hex(fp: u64) -> String {
    format!("{fp:016x}")
}

#[cfg(test)]
mod tests;
