//! A language for every post that has words, including those too short to tell alone.
//!
//! [`detect_language`](super::detect_language) refuses to answer for "Good point" or
//! "Same here": a dozen letters do not say which language they are. A stream does, though:
//! the same author writes the same language from one post to the next, and a stream of
//! mentions is mostly in a few languages. [`LanguageMemory`] remembers both, and
//! [`LanguageMemory::infer`] answers in this order:
//!
//! 1. what the network declared (the caller keeps it, and tells the memory with
//!    [`LanguageMemory::observe`]);
//! 2. a confident detection ([`Source::Detected`]);
//! 3. the author's language, as last declared or confidently detected ([`Source::Author`]);
//! 4. the detector's unconfident best guess when that language is common in the stream
//!    lately ([`Source::Guess`]), else the stream's most common language ([`Source::Stream`]);
//! 5. with nothing seen yet, the unconfident guess.
//!
//! Text without a single letter (emoji, a link, a number) gets no language at all.
//! The precision of each step is measured on simulated streams by
//! `cargo run --release -p rapport-nlp --example lang_eval` and held by `tests/lang_eval.rs`.

use super::{detect_language_info, Lang};
use std::collections::HashMap;

/// How many authors [`LanguageMemory`] remembers by default (about 1.5 MiB at most).
pub const DEFAULT_AUTHORS: usize = 65_536;

/// How many recent confident languages make up the stream's mix.
pub const STREAM_WINDOW: usize = 1_024;

/// The share of the recent stream the unconfident guess's language must reach for the guess
/// to be taken over the stream's most common language. Measured on 8,000 simulated posts
/// (`tests/lang_eval.rs`): at 0.05 the guesses taken are right 78% of the time; from 0.15
/// to 0.5 they are all right and the rest fall to the stream's language (86% right).
pub const GUESS_MIN_SHARE: f64 = 0.15;

/// How a post's language was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Detected from the text with confidence.
    Detected,
    /// The author's language, from their earlier posts.
    Author,
    /// The detector's unconfident guess, a language common in the stream.
    Guess,
    /// The stream's most common language.
    Stream,
}

impl Source {
    /// A lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Detected => "detected",
            Source::Author => "author",
            Source::Guess => "guess",
            Source::Stream => "stream",
        }
    }
}

/// A language and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inferred {
    /// The language.
    pub lang: Lang,
    /// How it was found.
    pub source: Source,
}

/// What a stream has taught about languages: each author's, and the recent mix.
/// One per ingest stage; not shared between threads (wrap it in a mutex to share).
#[derive(Debug)]
pub struct LanguageMemory {
    authors: TwoGenerations,
    recent: Vec<Lang>,
    next: usize,
    counts: HashMap<Lang, u32>,
}

impl Default for LanguageMemory {
    fn default() -> Self {
        LanguageMemory::new(DEFAULT_AUTHORS)
    }
}

impl LanguageMemory {
    /// A memory of about `authors` authors (the least recently seen are forgotten first).
    pub fn new(authors: usize) -> LanguageMemory {
        LanguageMemory {
            authors: TwoGenerations::new(authors.max(2)),
            recent: Vec::with_capacity(STREAM_WINDOW),
            next: 0,
            counts: HashMap::new(),
        }
    }

    /// Records that `author` (any stable key: see [`author_key`]) wrote `lang`, known for
    /// sure (declared by the network or detected with confidence).
    pub fn observe(&mut self, author: Option<u64>, lang: Lang) {
        if let Some(author) = author {
            self.authors.insert(author, lang);
        }
        if self.recent.len() < STREAM_WINDOW {
            self.recent.push(lang);
        } else {
            let old = std::mem::replace(&mut self.recent[self.next], lang);
            self.next = (self.next + 1) % STREAM_WINDOW;
            if let Some(n) = self.counts.get_mut(&old) {
                *n = n.saturating_sub(1);
            }
        }
        *self.counts.entry(lang).or_insert(0) += 1;
    }

    /// Records a language the network declared (a BCP 47 tag such as `pt-BR`); tags of
    /// languages the detector does not know are ignored.
    pub fn observe_tag(&mut self, author: Option<u64>, tag: &str) {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if let Some(lang) = Lang::from_code(primary) {
            self.observe(author, lang);
        }
    }

    /// The language of `text` by `author`, learning from it when the detection is
    /// confident; `None` only for text without letters.
    pub fn infer(&mut self, author: Option<u64>, text: &str) -> Option<Inferred> {
        let detection = detect_language_info(text)?;
        if detection.is_confident() {
            self.observe(author, detection.lang);
            return Some(Inferred {
                lang: detection.lang,
                source: Source::Detected,
            });
        }
        if let Some(lang) = author.and_then(|a| self.authors.get(a)) {
            return Some(Inferred {
                lang,
                source: Source::Author,
            });
        }
        let seen = self.recent.len();
        if seen == 0 {
            return Some(Inferred {
                lang: detection.lang,
                source: Source::Guess,
            });
        }
        let share =
            |lang: &Lang| f64::from(self.counts.get(lang).copied().unwrap_or(0)) / seen as f64;
        if share(&detection.lang) >= GUESS_MIN_SHARE {
            return Some(Inferred {
                lang: detection.lang,
                source: Source::Guess,
            });
        }
        let common = self
            .counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.code().cmp(a.0.code())))
            .map(|(lang, _)| *lang)
            .unwrap_or(detection.lang);
        Some(Inferred {
            lang: common,
            source: Source::Stream,
        })
    }

    /// How many authors are remembered now.
    pub fn authors_remembered(&self) -> usize {
        self.authors.len()
    }
}

/// A stable key for an author: their network and their id (or handle) hashed together.
pub fn author_key(network: &str, author: &str) -> u64 {
    // FNV-1a: stable across runs and builds (std's hasher is randomly seeded), and these
    // keys never leave the process, so resistance to crafted collisions does not matter
    // beyond one author borrowing another's language.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in network.bytes().chain([0u8]).chain(author.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A bounded map that forgets the least recently used half at once: lookups go to the
/// current generation, then the previous one (and move the entry forward); when the
/// current one is full it becomes the previous one. Cheaper and simpler than a linked LRU
/// for a cache where an occasional forgotten author only costs a weaker guess.
#[derive(Debug)]
struct TwoGenerations {
    half: usize,
    current: HashMap<u64, Lang>,
    previous: HashMap<u64, Lang>,
}

impl TwoGenerations {
    fn new(capacity: usize) -> TwoGenerations {
        TwoGenerations {
            half: capacity / 2,
            current: HashMap::new(),
            previous: HashMap::new(),
        }
    }

    fn insert(&mut self, key: u64, lang: Lang) {
        if self.current.len() >= self.half && !self.current.contains_key(&key) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, lang);
    }

    fn get(&mut self, key: u64) -> Option<Lang> {
        if let Some(lang) = self.current.get(&key) {
            return Some(*lang);
        }
        let lang = self.previous.remove(&key)?;
        self.insert(key, lang);
        Some(lang)
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(i: Option<Inferred>) -> Option<(&'static str, Source)> {
        i.map(|i| (i.lang.code(), i.source))
    }

    #[test]
    fn a_short_post_takes_its_authors_language() {
        let mut memory = LanguageMemory::default();
        let anna = Some(author_key("mastodon", "anna"));
        assert_eq!(
            code(memory.infer(
                anna,
                "Merci beaucoup pour votre aide, le service était parfait"
            )),
            Some(("fr", Source::Detected))
        );
        assert_eq!(
            code(memory.infer(anna, "Bon point")),
            Some(("fr", Source::Author))
        );
    }

    #[test]
    fn a_declared_language_teaches_the_author() {
        let mut memory = LanguageMemory::default();
        let jo = Some(author_key("bluesky", "jo"));
        memory.observe_tag(jo, "pt-BR");
        assert_eq!(
            code(memory.infer(jo, "Boa sorte")),
            Some(("pt", Source::Author))
        );
    }

    #[test]
    fn an_unknown_author_gets_the_streams_language() {
        let mut memory = LanguageMemory::default();
        for i in 0..20 {
            memory.observe(Some(i), Lang::from_code("en").expect("en"));
        }
        let inferred = memory.infer(Some(999), "Good point").expect("letters");
        assert_eq!(inferred.lang.code(), "en");
        assert!(matches!(inferred.source, Source::Guess | Source::Stream));
    }

    #[test]
    fn no_letters_no_language() {
        let mut memory = LanguageMemory::default();
        memory.observe(None, Lang::from_code("en").expect("en"));
        assert_eq!(memory.infer(None, "👍 https://example.com/x 42"), None);
    }

    #[test]
    fn the_window_forgets_old_languages() {
        let mut memory = LanguageMemory::default();
        let de = Lang::from_code("de").expect("de");
        let es = Lang::from_code("es").expect("es");
        for _ in 0..STREAM_WINDOW {
            memory.observe(None, de);
        }
        for _ in 0..STREAM_WINDOW {
            memory.observe(None, es);
        }
        assert_eq!(memory.counts.get(&de).copied().unwrap_or(0), 0);
        assert_eq!(memory.counts.get(&es).copied(), Some(STREAM_WINDOW as u32));
    }

    #[test]
    fn the_author_cache_stays_bounded() {
        let mut memory = LanguageMemory::new(100);
        let en = Lang::from_code("en").expect("en");
        for i in 0..10_000 {
            memory.observe(Some(i), en);
        }
        assert!(memory.authors_remembered() <= 100);
        // The most recent authors are still known.
        assert_eq!(memory.authors.get(9_999), Some(en));
    }
}
