//! The embedded VADER lexicons and the reference's fixed word lists, parsed once into one
//! hash map so that a token costs one lookup.
//!
//! Everything the rules need to know about a (lowercased) word — its valence, whether it
//! is a booster or dampener, a negation, or one of the handful of words the rules compare
//! with — lives in one [`Entry`].

use rustc_hash::FxHashMap;

use super::tokens::strip_py_whitespace;

/// `vader_lexicon.txt` from vaderSentiment 3.3.2 (MIT, C.J. Hutto).
const VADER_LEXICON: &str = include_str!("../../../data/vader/vader_lexicon.txt");
/// `emoji_utf8_lexicon.txt` from vaderSentiment 3.3.2 (MIT, C.J. Hutto).
const EMOJI_LEXICON: &str = include_str!("../../../data/vader/emoji_utf8_lexicon.txt");

/// Empirically derived mean increase in intensity for a booster word (reference `B_INCR`).
pub(crate) const B_INCR: f64 = 0.293;
/// Empirically derived mean decrease in intensity for a dampener word (reference `B_DECR`).
pub(crate) const B_DECR: f64 = -0.293;
/// Increase in intensity for a word in ALL CAPS among other words (reference `C_INCR`).
pub(crate) const C_INCR: f64 = 0.733;
/// The factor a negation applies to a valence (reference `N_SCALAR`).
pub(crate) const N_SCALAR: f64 = -0.74;

/// The reference's `NEGATE` list.
const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// The single-word keys of the reference's `BOOSTER_DICT` that increase intensity.
const BOOSTERS_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

/// The single-word keys of the reference's `BOOSTER_DICT` that decrease intensity. Its
/// two-word keys ("just enough", "kind of", "sort of") can never equal a token (tokens hold no
/// whitespace); they only act through the bigram check, see [`BOOSTER_BIGRAMS`].
const BOOSTERS_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
    "sort-of",
];

/// A word that some rule compares a token with. Comparing symbols instead of strings lets the
/// rules look at neighbouring tokens without lowercasing them again (the reference lowercases
/// the whole word list once per rule and per word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Sym {
    /// None of the words below.
    #[default]
    Other,
    No,
    Or,
    Nor,
    Kind,
    Of,
    Never,
    So,
    This,
    Without,
    Doubt,
    Least,
    At,
    Very,
    But,
    The,
    Shit,
    Bomb,
    Bad,
    Ass,
    Bus,
    Stop,
    Yeah,
    Right,
    Kiss,
    Death,
    To,
    Die,
    For,
    Beating,
    Heart,
    Just,
    Enough,
    Sort,
}

/// The spelling of each symbol (lowercase, as tokens are compared after lowercasing).
const SYMS: &[(&str, Sym)] = &[
    ("no", Sym::No),
    ("or", Sym::Or),
    ("nor", Sym::Nor),
    ("kind", Sym::Kind),
    ("of", Sym::Of),
    ("never", Sym::Never),
    ("so", Sym::So),
    ("this", Sym::This),
    ("without", Sym::Without),
    ("doubt", Sym::Doubt),
    ("least", Sym::Least),
    ("at", Sym::At),
    ("very", Sym::Very),
    ("but", Sym::But),
    ("the", Sym::The),
    ("shit", Sym::Shit),
    ("bomb", Sym::Bomb),
    ("bad", Sym::Bad),
    ("ass", Sym::Ass),
    ("bus", Sym::Bus),
    ("stop", Sym::Stop),
    ("yeah", Sym::Yeah),
    ("right", Sym::Right),
    ("kiss", Sym::Kiss),
    ("death", Sym::Death),
    ("to", Sym::To),
    ("die", Sym::Die),
    ("for", Sym::For),
    ("beating", Sym::Beating),
    ("heart", Sym::Heart),
    ("just", Sym::Just),
    ("enough", Sym::Enough),
    ("sort", Sym::Sort),
];

/// The reference's `SPECIAL_CASES` of two words: "the shit" 3, "the bomb" 3, "bad ass" 1.5,
/// "bus stop" 0, "yeah right" -2, "beating heart" 3.5. ("badass", its only one-word key, can
/// never equal the space-joined n-grams it is compared with.)
pub(crate) fn special_case2(a: Sym, b: Sym) -> Option<f64> {
    match (a, b) {
        (Sym::The, Sym::Shit) | (Sym::The, Sym::Bomb) => Some(3.0),
        (Sym::Bad, Sym::Ass) => Some(1.5),
        (Sym::Bus, Sym::Stop) => Some(0.0),
        (Sym::Yeah, Sym::Right) => Some(-2.0),
        (Sym::Beating, Sym::Heart) => Some(3.5),
        _ => None,
    }
}

/// The reference's `SPECIAL_CASES` of three words: "kiss of death" -1.5, "to die for" 3.
pub(crate) fn special_case3(a: Sym, b: Sym, c: Sym) -> Option<f64> {
    match (a, b, c) {
        (Sym::Kiss, Sym::Of, Sym::Death) => Some(-1.5),
        (Sym::To, Sym::Die, Sym::For) => Some(3.0),
        _ => None,
    }
}

/// Whether two words are one of the two-word keys of the reference's `BOOSTER_DICT` ("just
/// enough", "kind of", "sort of"), all dampeners ([`B_DECR`]).
pub(crate) fn is_booster_bigram(a: Sym, b: Sym) -> bool {
    matches!(
        (a, b),
        (Sym::Just, Sym::Enough) | (Sym::Kind, Sym::Of) | (Sym::Sort, Sym::Of)
    )
}

/// What the rules know about one lowercased word, in 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    /// Its valence in the lexicon; NaN if it is not there.
    valence: f64,
    /// 1 for a booster, -1 for a dampener, 0 for neither.
    booster: i8,
    /// Whether it is in the reference's `NEGATE` list.
    pub negate: bool,
    /// Which of the rules' special words it is.
    pub sym: Sym,
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            valence: f64::NAN,
            booster: 0,
            negate: false,
            sym: Sym::Other,
        }
    }
}

impl Entry {
    /// Its valence in the lexicon, if it is there.
    #[inline]
    pub(crate) fn valence(&self) -> Option<f64> {
        (!self.valence.is_nan()).then_some(self.valence)
    }

    /// Whether it is in the lexicon.
    #[inline]
    pub(crate) fn in_lexicon(&self) -> bool {
        !self.valence.is_nan()
    }

    /// Whether it is a key of the reference's `BOOSTER_DICT`.
    #[inline]
    pub(crate) fn is_booster(&self) -> bool {
        self.booster != 0
    }

    /// Its `BOOSTER_DICT` value: [`B_INCR`], [`B_DECR`], or 0.0.
    #[inline]
    pub(crate) fn booster(&self) -> f64 {
        match self.booster {
            1 => B_INCR,
            -1 => B_DECR,
            _ => 0.0,
        }
    }
}

/// The parsed lexicons.
#[derive(Debug, Clone)]
pub(crate) struct Lexicon {
    /// Lowercase word → what the rules know about it.
    words: FxHashMap<&'static str, Entry>,
    /// Single-character emoji → its description. The reference looks emoji up one code
    /// point at a time, so its multi-code-point keys (flags, skin tones, ZWJ sequences) can
    /// never match: they are left out.
    emojis: FxHashMap<char, &'static str>,
    /// The longest key of `words`, in bytes: longer tokens need no lookup.
    longest_word: usize,
    /// Lines of the embedded files that did not parse (0 for the shipped data; checked by a
    /// test, the only reader).
    #[cfg_attr(not(test), allow(dead_code))]
    skipped_lines: usize,
}

impl Lexicon {
    /// Parses the embedded lexicons the way the reference does (`make_lex_dict`,
    /// `make_emoji_dict`): split on `\n`, strip each line, split on tabs, keep the first two
    /// fields; a later duplicate replaces an earlier one.
    pub(crate) fn embedded() -> Lexicon {
        let mut words: FxHashMap<&'static str, Entry> = FxHashMap::default();
        words.reserve(7_600);
        let mut skipped_lines = 0;
        for line in VADER_LEXICON.split('\n') {
            if line.is_empty() {
                continue;
            }
            let mut fields = strip_py_whitespace(line).split('\t');
            let word = fields.next();
            let measure = fields.next().and_then(|m| m.parse::<f64>().ok());
            match (word, measure) {
                (Some(word), Some(measure)) if !measure.is_nan() => {
                    words.entry(word).or_default().valence = measure;
                }
                _ => skipped_lines += 1,
            }
        }
        for &word in BOOSTERS_UP {
            words.entry(word).or_default().booster = 1;
        }
        for &word in BOOSTERS_DOWN {
            words.entry(word).or_default().booster = -1;
        }
        for &word in NEGATE {
            words.entry(word).or_default().negate = true;
        }
        for &(word, sym) in SYMS {
            words.entry(word).or_default().sym = sym;
        }
        let longest_word = words.keys().map(|w| w.len()).max().unwrap_or(0);

        let mut emojis: FxHashMap<char, &'static str> = FxHashMap::default();
        emojis.reserve(1_300);
        for line in EMOJI_LEXICON.trim_end_matches('\n').split('\n') {
            let mut fields = strip_py_whitespace(line).split('\t');
            match (fields.next(), fields.next()) {
                (Some(emoji), Some(description)) => {
                    let mut chars = emoji.chars();
                    if let (Some(c), None) = (chars.next(), chars.next()) {
                        emojis.insert(c, description);
                    }
                }
                _ => skipped_lines += 1,
            }
        }
        Lexicon {
            words,
            emojis,
            longest_word,
            skipped_lines,
        }
    }

    /// What the rules know about `lower`, a lowercased token.
    #[inline]
    pub(crate) fn get(&self, lower: &str) -> Entry {
        if lower.len() > self.longest_word {
            return Entry::default();
        }
        self.words.get(lower).copied().unwrap_or_default()
    }

    /// The description the reference substitutes for `c`, if `c` is a (one-code-point) emoji.
    #[inline]
    pub(crate) fn emoji(&self, c: char) -> Option<&'static str> {
        if c.is_ascii() {
            // No key of the emoji lexicon is ASCII (checked by a test).
            return None;
        }
        self.emojis.get(&c).copied()
    }

    /// The valence of `word` in the lexicon (exact key), if any.
    #[cfg(test)]
    pub(crate) fn valence(&self, word: &str) -> Option<f64> {
        self.words.get(word).and_then(Entry::valence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicons_parse_completely() {
        let lexicon = Lexicon::embedded();
        assert_eq!(lexicon.skipped_lines, 0);
        // The reference's dictionaries: 7,506 distinct lexicon keys (7,520 lines, 14
        // duplicates), 3,570 emoji keys of which 1,212 are one code point.
        let with_valence = lexicon.words.values().filter(|e| e.in_lexicon()).count();
        assert_eq!(with_valence, 7_506);
        assert_eq!(lexicon.emojis.len(), 1_212);
        assert!(lexicon.emojis.keys().all(|c| !c.is_ascii()));
        assert_eq!(lexicon.valence("good"), Some(1.9));
        assert_eq!(lexicon.valence(":)"), Some(2.0));
        // A duplicate keeps its last line, as a Python dict does.
        assert_eq!(lexicon.valence("lol"), Some(1.8));
        assert_eq!(lexicon.emoji('😁'), Some("beaming face with smiling eyes"));
        assert_eq!(lexicon.emoji('©'), Some("copyright"));
        assert_eq!(lexicon.emoji('a'), None);
    }

    #[test]
    fn word_lists_have_no_lexicon_overlap() {
        // The rules rely on these facts of the 3.3.2 data, as the reference implicitly does.
        let lexicon = Lexicon::embedded();
        for &w in BOOSTERS_UP.iter().chain(BOOSTERS_DOWN).chain(NEGATE) {
            assert_eq!(lexicon.valence(w), None, "{w}");
        }
        assert_eq!(lexicon.get("least").valence(), None);
        assert_eq!(lexicon.get("no").valence(), Some(-1.2));
        assert_eq!(lexicon.get("no").sym, Sym::No);
        assert_eq!(lexicon.get("so").booster(), B_INCR);
        assert_eq!(lexicon.get("so").sym, Sym::So);
        assert!(lexicon.get("never").negate);
        assert_eq!(lexicon.get("kinda").booster(), B_DECR);
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }
}
