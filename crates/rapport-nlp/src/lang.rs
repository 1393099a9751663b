//! The language of a post, as an ISO 639-1 code: stop words first, then the script, then
//! `whatlang` (trigram profiles of 70 languages).
//!
//! Social posts are short and full of things that are no language: handles, links, the
//! `RT` marker, numbers, emoji. [`detect_language`] strips those first (HTML entities
//! decoded), then decides in three steps, cheapest first:
//!
//! 1. **Stop words** ([`stopwords`](self)): in Latin-script text, the function words of
//!    English, French, Spanish, German, Portuguese, Italian and Dutch are counted; a clear
//!    winner (a [`STOP_MARGIN`] lead, at least [`STOP_MIN`] points) decides, in about a
//!    microsecond. Most posts end here.
//! 2. **Script**: a script written by one language (Hangul, Kana, Greek, Hebrew, Thai,
//!    Georgian, the Indic scripts but Devanagari, Ethiopic...) decides alone; Han without
//!    Kana is Chinese.
//! 3. **Trigrams**: `whatlang`, whose answer is kept when its confidence clears a floor
//!    that falls as the text grows ([`min_confidence`]) and enough letters are left
//!    ([`MIN_LETTERS`]). Shared alphabets (Latin, Cyrillic, Arabic, Devanagari) go here.
//!
//! Otherwise it returns `None` rather than a guess: nothing like `und` is ever returned.
//! The pipeline then asks [`LanguageMemory`], which knows the author's and the stream's
//! languages, so every stored post with letters carries one.
//! The measurements behind each choice are in `examples/lang_eval.rs`
//! and `tests/lang_eval.rs`; `scripts/lang_compare.py` compares with `lingua`.

pub mod memory;
mod stopwords;

pub use memory::{author_key, Inferred, LanguageMemory};

use crate::learn::text::decode_entities;
use rapport_text::{TokenKind, Tokens};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;
use std::fmt;

/// `whatlang`'s confidence below which [`detect_language`] never answers from trigrams;
/// longer texts need less (see [`min_confidence`]).
pub const MIN_CONFIDENCE: f64 = 0.5;

/// The confidence floor for a text with `letters` letters left: `whatlang`'s confidence is
/// a margin between its two best guesses, which is small on long texts even when the
/// guess is right. Measured on the multilingual sample (`examples/lang_eval.rs`).
pub fn min_confidence(letters: usize) -> f64 {
    match letters {
        0..40 => MIN_CONFIDENCE,
        40..80 => 0.3,
        _ => 0.2,
    }
}

/// The lead, in points, the best language's stop words need over the second's to decide
/// (see [`stopwords`](self)).
pub const STOP_MARGIN: u32 = 3;

/// The fewest stop-word points the best language needs to decide.
pub const STOP_MIN: u32 = 4;

/// The fewest letters a post must keep (after handles, links and numbers are stripped) for
/// [`detect_language`] to answer, for alphabets shared by several languages (Latin,
/// Cyrillic, Arabic, Devanagari). Scripts of one language (Hangul, Kana, Greek, Georgian...)
/// are answered from a single letter.
pub const MIN_LETTERS: usize = 12;

/// A language `detect_language` can name. Serialized as its ISO 639-1 code (`"en"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(whatlang::Lang);

impl Lang {
    /// The ISO 639-1 code: `en`, `fr`, `zh`...
    pub fn code(&self) -> &'static str {
        iso639_1(self.0)
    }

    /// The language's English name.
    pub fn name(&self) -> &'static str {
        self.0.eng_name()
    }

    /// The language of an ISO 639-1 code, among those that can be detected.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim();
        whatlang::Lang::all()
            .iter()
            .copied()
            .find(|l| iso639_1(*l).eq_ignore_ascii_case(code))
            .map(Lang)
    }

    /// Every language that can be detected.
    pub fn all() -> impl Iterator<Item = Lang> {
        whatlang::Lang::all().iter().copied().map(Lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let code = String::deserialize(d)?;
        Lang::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown language code {code:?}")))
    }
}

/// Which step of [`detect_language`] found a [`Detection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Stop-word counts.
    StopWords,
    /// The script alone.
    Script,
    /// `whatlang`'s trigrams.
    Trigrams,
}

/// What [`detect_language_info`] found: the best guess and how sure it is, whether or not
/// [`detect_language`] would answer with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// The best guess.
    pub lang: Lang,
    /// How it was found.
    pub method: Method,
    /// `whatlang`'s confidence, 0 to 1 (1 for stop words and scripts).
    pub confidence: f64,
    /// The letters left after stripping.
    pub letters: usize,
    /// The script has only one language (Hangul, Greek...), so the letter count does not
    /// matter.
    pub single_language_script: bool,
}

impl Detection {
    /// Whether [`detect_language`] would answer with this detection.
    pub fn is_confident(&self) -> bool {
        match self.method {
            Method::StopWords | Method::Script => true,
            Method::Trigrams => {
                self.confidence >= min_confidence(self.letters)
                    && (self.single_language_script || self.letters >= MIN_LETTERS)
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<(Tokens, String, String)> = RefCell::default();
}

/// The language of `text`, or `None` when it is too short or too ambiguous to tell (see
/// the [module](self)). Never panics.
///
/// ```
/// use rapport_nlp::lang::detect_language;
/// let fr = detect_language("@acme Merci beaucoup pour votre aide hier soir, le service était vraiment parfait");
/// assert_eq!(fr.map(|l| l.code()), Some("fr"));
/// assert_eq!(detect_language("@acme ok 👍 https://t.co/x"), None);
/// ```
pub fn detect_language(text: &str) -> Option<Lang> {
    detect_language_info(text)
        .filter(Detection::is_confident)
        .map(|d| d.lang)
}

/// The best guess for `text` after stripping, with how sure it is, before the confidence
/// floor is applied; `None` when no letter is left.
pub fn detect_language_info(text: &str) -> Option<Detection> {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => {
            let (tokens, decoded, clean) = &mut *scratch;
            detect_with(text, tokens, decoded, clean)
        }
        Err(_) => detect_with(
            text,
            &mut Tokens::new(),
            &mut String::new(),
            &mut String::new(),
        ),
    })
}

fn detect_with(
    text: &str,
    tokens: &mut Tokens,
    decoded: &mut String,
    clean: &mut String,
) -> Option<Detection> {
    decoded.clear();
    decode_entities(text, decoded);
    tokens.tokenize(decoded);
    clean.clear();
    let mut from = 0;
    let mut letters = 0;
    let mut votes = stopwords::Votes::default();
    for tok in tokens.iter() {
        let span = tok.span();
        let keep = match tok.kind() {
            TokenKind::Mention | TokenKind::Url | TokenKind::Emoji | TokenKind::Emoticon => false,
            TokenKind::Word => {
                !(tok.normalized() == "rt" && decoded.get(span.clone()) == Some("RT"))
            }
            TokenKind::Hashtag => true,
        };
        push_text(clean, decoded.get(from..span.start).unwrap_or(""));
        if keep {
            if tok.kind() == TokenKind::Word {
                votes.add(tok.normalized());
            }
            let word = decoded.get(span.clone()).unwrap_or("");
            letters += word.chars().filter(|c| c.is_alphabetic()).count();
            push_text(clean, word.trim_start_matches('#'));
        }
        from = span.end;
    }
    push_text(clean, decoded.get(from..).unwrap_or(""));
    if letters == 0 {
        return None;
    }
    let decided = |lang, method| Detection {
        lang: Lang(lang),
        method,
        confidence: 1.0,
        letters,
        single_language_script: method == Method::Script,
    };
    if let Some(lang) = votes.winner() {
        if stopwords::written_like_stop_languages(clean) {
            return Some(decided(lang, Method::StopWords));
        }
    }
    let script = whatlang::detect_script(clean)?;
    if let Some(lang) = script_language(script, clean) {
        return Some(decided(lang, Method::Script));
    }
    let info = whatlang::detect(clean)?;
    Some(Detection {
        lang: Lang(info.lang()),
        method: Method::Trigrams,
        confidence: info.confidence(),
        letters,
        single_language_script: single_language_script(info.script()),
    })
}

/// The language of a script written by one language only (Han without Kana is Chinese).
fn script_language(script: whatlang::Script, text: &str) -> Option<whatlang::Lang> {
    use whatlang::{Lang::*, Script};
    Some(match script {
        Script::Hangul => Kor,
        Script::Hiragana | Script::Katakana => Jpn,
        Script::Mandarin if has_kana(text) => Jpn,
        Script::Mandarin => Cmn,
        Script::Greek => Ell,
        Script::Hebrew => Heb,
        Script::Thai => Tha,
        Script::Georgian => Kat,
        Script::Armenian => Hye,
        Script::Bengali => Ben,
        Script::Gujarati => Guj,
        Script::Gurmukhi => Pan,
        Script::Kannada => Kan,
        Script::Malayalam => Mal,
        Script::Oriya => Ori,
        Script::Sinhala => Sin,
        Script::Tamil => Tam,
        Script::Telugu => Tel,
        Script::Khmer => Khm,
        Script::Myanmar => Mya,
        Script::Ethiopic => Amh,
        _ => return None,
    })
}

fn has_kana(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'))
}

/// Appends `s` without digits and pictographs (they tell nothing about the language).
fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_numeric() {
            continue;
        }
        if c.is_alphabetic() || c.is_whitespace() || c.is_ascii_punctuation() || is_mark(c) {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
}

fn is_mark(c: char) -> bool {
    // Combining marks carry vowels in many Indic scripts.
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0DFF | 0x0E30..=0x0E4E | 0x1AB0..=0x1AFF | 0x064B..=0x065F)
}

fn single_language_script(script: whatlang::Script) -> bool {
    use whatlang::Script::*;
    matches!(
        script,
        Hangul
            | Hiragana
            | Katakana
            | Greek
            | Georgian
            | Armenian
            | Bengali
            | Gujarati
            | Gurmukhi
            | Kannada
            | Malayalam
            | Oriya
            | Sinhala
            | Tamil
            | Telugu
            | Thai
            | Khmer
            | Myanmar
            | Ethiopic
            | Mandarin
    )
}

/// ISO 639-1 for `whatlang`'s ISO 639-3 codes.
fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_letters_and_round_trip() {
        let mut n = 0;
        for lang in Lang::all() {
            assert_eq!(lang.code().len(), 2, "{}", lang.name());
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
            n += 1;
        }
        assert_eq!(n, 70);
        let en = Lang::from_code("EN").expect("en");
        assert_eq!(serde_json::to_string(&en).unwrap_or_default(), "\"en\"");
        let back: Result<Lang, _> = serde_json::from_str("\"de\"");
        assert_eq!(back.ok().map(|l| l.code()), Some("de"));
        assert!(serde_json::from_str::<Lang>("\"xx\"").is_err());
    }

    #[test]
    fn detects_common_languages() {
        for (code, text) in [
            (
                "en",
                "@united my flight was cancelled and nobody can tell me why",
            ),
            (
                "es",
                "@iberia mi vuelo se ha retrasado otra vez y nadie me dice nada, qué vergüenza",
            ),
            (
                "de",
                "@lufthansa Mein Koffer ist schon wieder verloren gegangen",
            ),
            ("pt", "@latam meu voo foi cancelado e ninguém me ajuda"),
            (
                "it",
                "@alitalia il mio volo è in ritardo di tre ore, che disastro",
            ),
            ("ja", "飛行機が遅れています"),
            ("ko", "비행기가 지연되었습니다"),
            (
                "ru",
                "Почему мой рейс опять задерживается? Это просто ужасно",
            ),
        ] {
            assert_eq!(
                detect_language(text).map(|l| l.code()),
                Some(code),
                "{text}"
            );
        }
    }

    #[test]
    fn unsure_is_none() {
        for text in [
            "",
            "@a @b",
            "ok",
            "lol 😂😂",
            "https://t.co/abc",
            "RT @x: 12345",
            "#fail",
        ] {
            assert_eq!(detect_language(text), None, "{text:?}");
        }
    }
}
