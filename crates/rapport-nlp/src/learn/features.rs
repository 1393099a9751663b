//! Turning a post into a sparse feature vector: hashed word unigrams (negation-marked) and
//! bigrams, character n-grams inside words, emoji and emoticons, a few surface cues, and
//! VADER's scores as dense features.

use super::text::Analyzed;
use crate::sentiment::{SentimentScores, Vader};
use rapport_text::TokenKind;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Which features a model reads. Saved with the model: a loaded model extracts exactly the
/// features it was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// The hashed space has `2^hash_bits` slots (clamped to 12..=24).
    pub hash_bits: u8,
    /// Word unigrams.
    pub unigrams: bool,
    /// Pairs of adjacent words.
    pub bigrams: bool,
    /// Mark words in a negation's scope (`not good` → `NOT_good`).
    pub negation: bool,
    /// Character n-grams of words, bounded by `<` and `>`, of these lengths (`(3, 5)`;
    /// `(0, 0)` for none).
    pub char_ngrams: (u8, u8),
    /// Emoji, emoticons and surface cues (capitals, elongations, `!`, `?`, links, mentions).
    pub surface: bool,
    /// VADER's compound, pos, neu and neg scores and its ±0.05 label as dense features.
    pub vader: bool,
    /// The dense VADER features are multiplied by this (the hashed ones have unit norm
    /// together): larger values make the model lean on VADER more.
    pub vader_scale: f32,
}

impl Default for FeatureConfig {
    fn default() -> FeatureConfig {
        FeatureConfig {
            hash_bits: 18,
            unigrams: true,
            bigrams: true,
            negation: true,
            char_ngrams: (3, 5),
            surface: true,
            vader: true,
            vader_scale: 1.0,
        }
    }
}

/// How many dense features follow the hashed ones when [`FeatureConfig::vader`] is on.
pub(crate) const VADER_FEATURES: usize = 7;

impl FeatureConfig {
    /// The number of hashed slots.
    pub fn hashed_dim(&self) -> usize {
        1usize << self.hash_bits.clamp(12, 24)
    }

    /// The number of dense features after the hashed ones.
    pub fn dense_dim(&self) -> usize {
        if self.vader {
            VADER_FEATURES
        } else {
            0
        }
    }

    /// Hashed slots and dense features together.
    pub fn dim(&self) -> usize {
        self.hashed_dim() + self.dense_dim()
    }
}

/// Namespaces keep the kinds of features apart in the hashed space.
const NS_WORD: u64 = 0x7261_7070_0001;
const NS_NEG: u64 = 0x7261_7070_0002;
const NS_BIGRAM: u64 = 0x7261_7070_0003;
const NS_CHAR: u64 = 0x7261_7070_0004;
const NS_SURFACE: u64 = 0x7261_7070_0005;
const NS_EMOJI: u64 = 0x7261_7070_0006;

/// Words longer than this many characters give no character n-grams.
const MAX_CHARGRAM_WORD: usize = 40;

/// ASCII emoticons read as features.
const EMOTICONS: &[&str] = &[
    ":)", ":-)", ":(", ":-(", ":D", ":-D", ";)", ";-)", ":P", ":p", ":/", ":-/", ":'(", "<3", ":|",
    "xD", "XD", ":o", ":O", "^^", ":]", ":[", "=)", "=(", "D:",
];

/// A sparse vector: (slot, value) sorted by slot without repeats, then dense values.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

/// Reusable buffers for feature extraction.
#[derive(Debug, Default, Clone)]
pub(crate) struct Extractor {
    analyzed: Analyzed,
    hashes: Vec<u32>,
    bounded: String,
    bounds: Vec<usize>,
}

impl Extractor {
    /// Extracts the features of `text` into `out` (cleared first): hashed features with
    /// counts, L2-normalised, then the dense ones. `vader` is used when the config wants
    /// VADER features; when `None` they are computed here.
    pub fn extract(
        &mut self,
        config: &FeatureConfig,
        text: &str,
        vader: Option<&SentimentScores>,
        out: &mut SparseVec,
    ) {
        out.idx.clear();
        out.val.clear();
        self.hashes.clear();
        self.analyzed.analyze(text);
        let mask = (config.hashed_dim() - 1) as u64;
        let Extractor {
            analyzed: a,
            hashes,
            bounded,
            bounds,
        } = self;
        let mut prev_word: Option<u64> = None;
        let (mut caps, mut elongated) = (0, 0);
        for tok in a.toks() {
            match tok.kind {
                // `Analyzed` holds positioned tokens only; symbols would hash like words.
                TokenKind::Word | TokenKind::Hashtag | TokenKind::Emoji | TokenKind::Emoticon => {}
                TokenKind::Mention => {
                    hashes.push(slot(b"<mention>", NS_SURFACE, mask));
                    prev_word = None;
                    continue;
                }
                TokenKind::Url => {
                    hashes.push(slot(b"<url>", NS_SURFACE, mask));
                    prev_word = None;
                    continue;
                }
            }
            let word = a.norm(tok);
            caps += u32::from(tok.caps);
            elongated += u32::from(tok.elongated);
            let word_hash = xxh3_64_with_seed(word.as_bytes(), NS_WORD);
            if config.unigrams {
                let seed = if config.negation && tok.negated {
                    NS_NEG
                } else {
                    NS_WORD
                };
                hashes.push(slot(word.as_bytes(), seed, mask));
            }
            if config.bigrams {
                if let Some(p) = prev_word.filter(|_| !tok.break_before) {
                    let h = mix(p.rotate_left(23) ^ word_hash ^ NS_BIGRAM);
                    hashes.push((h & mask) as u32);
                }
            }
            prev_word = Some(word_hash);
            let (lo, hi) = config.char_ngrams;
            if lo > 0 && hi >= lo {
                char_ngrams(
                    word,
                    lo as usize,
                    hi as usize,
                    mask,
                    bounded,
                    bounds,
                    hashes,
                );
            }
        }
        if config.surface {
            surface(a.source(), caps, elongated, mask, hashes);
        }
        finish(hashes, out);
        if config.vader {
            let computed;
            let scores = match vader {
                Some(s) => s,
                None => {
                    computed = Vader::shared().polarity_scores(text);
                    &computed
                }
            };
            let base = config.hashed_dim() as u32;
            let label = if scores.compound >= 0.05 {
                0
            } else if scores.compound <= -0.05 {
                2
            } else {
                1
            };
            let dense = [
                scores.compound as f32,
                scores.pos as f32,
                scores.neu as f32,
                scores.neg as f32,
                f32::from(label == 0),
                f32::from(label == 1),
                f32::from(label == 2),
            ];
            let scale = if config.vader_scale.is_finite() {
                config.vader_scale
            } else {
                1.0
            };
            for (i, v) in dense.into_iter().enumerate() {
                let v = v * scale;
                if v.is_finite() && v != 0.0 {
                    out.idx.push(base + i as u32);
                    out.val.push(v);
                }
            }
        }
    }
}

/// Character n-grams of `<word>`, pushed as slots.
#[allow(clippy::too_many_arguments)]
fn char_ngrams(
    word: &str,
    lo: usize,
    hi: usize,
    mask: u64,
    bounded: &mut String,
    bounds: &mut Vec<usize>,
    hashes: &mut Vec<u32>,
) {
    bounded.clear();
    bounded.push('<');
    bounded.push_str(word);
    bounded.push('>');
    bounds.clear();
    bounds.extend(bounded.char_indices().map(|(i, _)| i));
    let chars = bounds.len();
    if chars > MAX_CHARGRAM_WORD + 2 {
        return;
    }
    bounds.push(bounded.len());
    let bytes = bounded.as_bytes();
    for n in lo..=hi.min(chars) {
        for start in 0..=chars - n {
            let gram = &bytes[bounds[start]..bounds[start + n]];
            hashes.push(slot(gram, NS_CHAR, mask));
        }
    }
}

/// Emoji, emoticons, capitals, elongations, `!` and `?`, pushed as slots.
fn surface(source: &str, caps: u32, elongated: u32, mask: u64, hashes: &mut Vec<u32>) {
    let mut buf = [0u8; 4];
    let (mut bangs, mut questions) = (0, 0);
    for c in source.chars() {
        match c {
            '!' => bangs += 1,
            '?' => questions += 1,
            c if is_pictograph(c) => {
                let s = c.encode_utf8(&mut buf);
                hashes.push(slot(s.as_bytes(), NS_EMOJI, mask));
            }
            _ => {}
        }
    }
    for emoticon in EMOTICONS {
        if source.contains(emoticon) {
            hashes.push(slot(emoticon.as_bytes(), NS_EMOJI, mask));
        }
    }
    let mut flag = |name: &[u8], count: u32| {
        for level in [1u8, 2, 4] {
            if count >= u32::from(level) {
                let mut key = [0u8; 16];
                let len = name.len().min(15);
                key[..len].copy_from_slice(&name[..len]);
                key[len] = b'0' + level;
                hashes.push(slot(&key[..=len], NS_SURFACE, mask));
            }
        }
    };
    flag(b"<caps>", caps);
    flag(b"<elongated>", elongated);
    flag(b"<bang>", bangs);
    flag(b"<question>", questions);
}

/// Emoji and other pictographic symbols (the main emoji blocks, dingbats, arrows, hearts).
fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2190..=0x21FF | 0x2B00..=0x2BFF | 0x2300..=0x23FF)
}

#[inline]
fn slot(bytes: &[u8], seed: u64, mask: u64) -> u32 {
    (xxh3_64_with_seed(bytes, seed) & mask) as u32
}

/// A 64-bit finaliser (SplitMix64's), to spread combined hashes.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sorts the slots, merges repeats into counts and L2-normalises them into `out`.
fn finish(hashes: &mut [u32], out: &mut SparseVec) {
    hashes.sort_unstable();
    let mut i = 0;
    while i < hashes.len() {
        let mut j = i + 1;
        while j < hashes.len() && hashes[j] == hashes[i] {
            j += 1;
        }
        out.idx.push(hashes[i]);
        out.val.push((j - i) as f32);
        i = j;
    }
    let norm = out.val.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for v in &mut out.val {
            *v /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(config: &FeatureConfig, text: &str) -> SparseVec {
        let mut out = SparseVec::default();
        Extractor::default().extract(config, text, Some(&SentimentScores::default()), &mut out);
        out
    }

    #[test]
    fn sorted_unique_normalised() {
        let config = FeatureConfig::default();
        let v = features(
            &config,
            "Soooo GOOD, not bad at all :) 😊 http://x.y @bob #Yay!!",
        );
        assert!(v.idx.windows(2).all(|w| w[0] < w[1]));
        let hashed: f32 = v
            .idx
            .iter()
            .zip(&v.val)
            .filter(|(i, _)| (**i as usize) < config.hashed_dim())
            .map(|(_, x)| x * x)
            .sum();
        assert!((hashed - 1.0).abs() < 1e-4);
        // The dense neutral flag is set for all-zero scores.
        let last = *v.idx.last().unwrap_or(&0) as usize;
        assert_eq!(last, config.hashed_dim() + 5);
    }

    #[test]
    fn negation_changes_features() {
        let config = FeatureConfig::default();
        assert_ne!(
            features(&config, "good").idx,
            features(&config, "not good").idx[..]
        );
        let plain = FeatureConfig {
            negation: false,
            char_ngrams: (0, 0),
            bigrams: false,
            surface: false,
            vader: false,
            ..config
        };
        let a = features(&plain, "good");
        let b = features(&plain, "never good");
        assert!(a.idx.iter().all(|i| b.idx.contains(i)));
    }

    #[test]
    fn empty_text_has_only_dense_features() {
        let config = FeatureConfig::default();
        let v = features(&config, "");
        assert!(v.idx.iter().all(|&i| i as usize >= config.hashed_dim()));
        let v = features(
            &FeatureConfig {
                vader: false,
                ..config
            },
            "",
        );
        assert!(v.idx.is_empty());
    }
}
