//! The reference's text handling, reproduced exactly: emoji replaced by their descriptions,
//! Python's `str.split()` on whitespace, ASCII punctuation stripped from the ends of a word
//! unless that leaves two characters or fewer, Python's `str.isupper()` and `str.lower()`.
//!
//! VADER parity requires the reference's own tokenization, so this deliberately does not use
//! `rapport-text`'s social-text tokenizer: "good!!" must stay one token (`good`), ":)" must
//! stay whole, "😁abc" must become `...eyesabc` — whatever the reference does.

use std::borrow::Cow;

use super::lexicon::{Entry, Lexicon};

/// Whether Python's `str.isspace()` holds for `c` (what `str.split()` and `str.strip()`
/// without arguments split on and strip). Unlike Rust's `char::is_whitespace`, it includes
/// the ASCII separators U+001C..U+001F. Spelled out so that it does not drift with Rust's
/// Unicode version.
#[inline]
pub(crate) fn is_py_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\r'
            | '\u{1C}'..='\u{1F}'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Python's `s.strip()`.
pub(crate) fn strip_py_whitespace(s: &str) -> &str {
    s.trim_matches(is_py_whitespace)
}

/// Whether `c` is a titlecase letter (category Lt, Unicode 14 as in Python 3.11): Python's
/// `isupper()` is false for a string holding one.
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{1C5}'
            | '\u{1C8}'
            | '\u{1CB}'
            | '\u{1F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

/// Python's `s.isupper()`: at least one cased character, and no lowercase or titlecase one.
/// So `"I'M"` and `":D"` are upper, `"123"` and `":)"` are not.
pub(crate) fn py_isupper(s: &str) -> bool {
    if s.is_ascii() {
        let bytes = s.as_bytes();
        return !bytes.iter().any(u8::is_ascii_lowercase)
            && bytes.iter().any(u8::is_ascii_uppercase);
    }
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Replaces each one-code-point emoji by its description, as the reference's
/// `polarity_scores` does: a space goes before the description unless the previous character
/// was a space (`' '` only), and none after it, so the next character sticks to the
/// description (reference quirk: "😁abc" becomes "beaming face with smiling eyesabc").
/// Borrows `text` when it holds no emoji.
pub(crate) fn translate_emoji<'a>(text: &'a str, lexicon: &Lexicon) -> Cow<'a, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let Some(first) = text
        .char_indices()
        .find(|&(_, c)| lexicon.emoji(c).is_some())
        .map(|(i, _)| i)
    else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..first]);
    let mut prev_space = first == 0 || text[..first].ends_with(' ');
    for c in text[first..].chars() {
        match lexicon.emoji(c) {
            Some(description) => {
                if !prev_space {
                    out.push(' ');
                }
                out.push_str(description);
                prev_space = false;
            }
            None => {
                out.push(c);
                prev_space = c == ' ';
            }
        }
    }
    Cow::Owned(out)
}

/// Byte class bit: Python whitespace (`\t \n \v \f \r`, U+001C..U+001F, space).
const SPACE: u8 = 1;
/// Byte class bit: in Python's `string.punctuation`.
const PUNCT: u8 = 2;
/// Byte class bit: the lead byte of U+0085, U+00A0 (C2), U+1680 (E1), U+2000.. (E2) or
/// U+3000 (E3) — possibly a non-ASCII whitespace character.
const LEAD: u8 = 4;
/// Byte class bit: `A`..=`Z`.
const UPPER: u8 = 8;
/// Byte class bit: `a`..=`z`.
const LOWER: u8 = 16;
/// Byte class bit: not ASCII.
const NON_ASCII: u8 = 32;
/// Byte class bit: `'`.
const APOSTROPHE: u8 = 64;
/// Byte class bit: `!` or `?`, the punctuation that adds emphasis.
const EMPHASIS: u8 = 128;

/// The class bits of each byte value.
static CLASS: [u8; 256] = {
    let mut class = [0_u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1C..=0x20) {
            c |= SPACE;
        }
        if b.is_ascii_punctuation() {
            c |= PUNCT;
        }
        if matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
            c |= LEAD;
        }
        if b.is_ascii_uppercase() {
            c |= UPPER;
        }
        if b.is_ascii_lowercase() {
            c |= LOWER;
        }
        if b >= 0x80 {
            c |= NON_ASCII;
        }
        if b == b'\'' {
            c |= APOSTROPHE;
        }
        if b == b'!' || b == b'?' {
            c |= EMPHASIS;
        }
        class[i] = c;
        i += 1;
    }
    class
};

/// The length in bytes of the non-ASCII whitespace character at `pos`, whose lead byte `b`
/// has the [`LEAD`] class, if it is whitespace.
#[cold]
fn unicode_whitespace_at(bytes: &[u8], pos: usize, b: u8) -> Option<usize> {
    // A lead byte, so a character boundary (continuation bytes are 0x80..=0xBF).
    let len = if b >= 0xE0 { 3 } else { 2 };
    let c = std::str::from_utf8(bytes.get(pos..pos + len)?)
        .ok()?
        .chars()
        .next()?;
    is_py_whitespace(c).then(|| c.len_utf8())
}

/// The pieces of Python's `text.split()`, each with the union of its bytes' class bits.
/// Scans bytes once, decoding only the lead bytes that can start a non-ASCII whitespace
/// character.
struct Pieces<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (&'a str, u8);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, u8)> {
        let bytes = self.text.as_bytes();
        let mut pos = self.pos;
        // Skip whitespace.
        loop {
            let Some(&b) = bytes.get(pos) else {
                self.pos = pos;
                return None;
            };
            let class = CLASS[usize::from(b)];
            if class & SPACE != 0 {
                pos += 1;
            } else if class & LEAD == 0 {
                break;
            } else if let Some(width) = unicode_whitespace_at(bytes, pos, b) {
                pos += width;
            } else {
                break;
            }
        }
        let start = pos;
        let mut flags = 0;
        while let Some(&b) = bytes.get(pos) {
            let class = CLASS[usize::from(b)];
            if class & (SPACE | LEAD) != 0
                && (class & SPACE != 0 || unicode_whitespace_at(bytes, pos, b).is_some())
            {
                break;
            }
            flags |= class;
            pos += 1;
        }
        self.pos = pos;
        // Both ends are character boundaries (the start of the text or of a whitespace
        // character, or just after one), so this never fails.
        Some((self.text.get(start..pos).unwrap_or_default(), flags))
    }
}

/// The reference's `SentiText._words_and_emoticons`: the text split on Python whitespace,
/// each piece stripped of leading and trailing ASCII punctuation (`string.punctuation`) —
/// unless that leaves two characters or fewer, in which case the piece is kept whole (so
/// ":)" and ":-(" survive, and so does "ok!!", reference quirk).
#[cfg(test)]
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    Pieces { text, pos: 0 }.map(|(piece, _)| strip_punc_if_word(piece))
}

/// See [`words`].
fn strip_punc_if_word(piece: &str) -> &str {
    // ASCII punctuation bytes never occur inside a multi-byte character, so trimming bytes
    // leaves character boundaries.
    let bytes = piece.as_bytes();
    let is_punct = |b: u8| CLASS[usize::from(b)] & PUNCT != 0;
    let mut start = 0;
    let mut end = bytes.len();
    while start < end && is_punct(bytes[start]) {
        start += 1;
    }
    while end > start && is_punct(bytes[end - 1]) {
        end -= 1;
    }
    let len = end - start;
    // Python's len() counts code points: at most 2 of them means at most 8 bytes.
    let short = len <= 2
        || (len <= 8
            && bytes[start..end]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count()
                <= 2);
    if short {
        piece
    } else {
        piece.get(start..end).unwrap_or(piece)
    }
}

/// One word of the text, with everything the rules ask about it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Token {
    /// `word.isupper()`, on the word as written.
    pub upper: bool,
    /// The reference's `negated([word])`: in `NEGATE`, or contains "n't" (lowercased).
    pub negated: bool,
    /// What the lexicon says about the lowercased word.
    pub entry: Entry,
}

/// What [`tokenize`] found besides the words.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TextFacts {
    /// How many words are ALL CAPS (`isupper()`).
    pub upper_words: usize,
    /// Number of `!` in the text.
    pub exclamations: usize,
    /// Number of `?` in the text.
    pub questions: usize,
}

/// Splits `text` into words the way the reference does ([`words`]), classifies each into
/// `tokens` (cleared first), and counts ALL CAPS words and emphasis marks, in one pass over
/// the bytes. `buf` is scratch space for lowercasing.
pub(crate) fn tokenize(
    text: &str,
    lexicon: &Lexicon,
    tokens: &mut Vec<Token>,
    buf: &mut String,
) -> TextFacts {
    tokens.clear();
    let mut facts = TextFacts::default();
    for (piece, flags) in (Pieces { text, pos: 0 }) {
        if flags & EMPHASIS != 0 {
            for &b in piece.as_bytes() {
                facts.exclamations += usize::from(b == b'!');
                facts.questions += usize::from(b == b'?');
            }
        }
        // Stripping removes punctuation only, so the letter and non-ASCII bits of the piece
        // are those of the word (the apostrophe bit may be stale: it is only a hint).
        let word = if flags & PUNCT != 0 {
            strip_punc_if_word(piece)
        } else {
            piece
        };
        let token = Token::classify(word, flags, lexicon, buf);
        facts.upper_words += usize::from(token.upper);
        tokens.push(token);
    }
    facts
}

impl Token {
    /// Classifies `word`, whose bytes have the class bits `flags` (or fewer); `buf` is
    /// scratch space for its lowercase form.
    #[inline]
    fn classify(word: &str, flags: u8, lexicon: &Lexicon, buf: &mut String) -> Token {
        let (upper, lower) = if flags & NON_ASCII != 0 {
            (py_isupper(word), lowercase_unicode(word, buf))
        } else if flags & UPPER != 0 {
            buf.clear();
            buf.push_str(word);
            buf.make_ascii_lowercase();
            (flags & LOWER == 0, buf.as_str())
        } else {
            (false, word)
        };
        let entry = lexicon.get(lower);
        Token {
            upper,
            negated: entry.negate || (flags & APOSTROPHE != 0 && contains_nt(lower)),
            entry,
        }
    }
}

/// Whether `lower` contains "n't".
fn contains_nt(lower: &str) -> bool {
    lower.as_bytes().windows(3).any(|w| w == b"n't")
}

/// `word.lower()` for a word that is not all ASCII, character by character. This differs
/// from Python's `str.lower()` only for a final capital sigma (σ vs ς); the lowercase form is
/// only compared with ASCII keys and searched for "n't", so the difference cannot change a
/// score.
fn lowercase_unicode<'a>(word: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    for c in word.chars() {
        buf.extend(c.to_lowercase());
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace() {
        for c in [
            '\t', '\n', '\u{1C}', '\u{1F}', ' ', '\u{85}', '\u{A0}', '\u{3000}',
        ] {
            assert!(is_py_whitespace(c), "{c:?}");
        }
        for c in ['a', '\u{200B}', '\u{180E}', '\u{FEFF}'] {
            assert!(!is_py_whitespace(c), "{c:?}");
        }
        assert_eq!(strip_py_whitespace("\u{1C} a b\r\n"), "a b");
    }

    #[test]
    fn isupper_matches_python() {
        // Expected values from Python 3.11: str.isupper().
        assert!(py_isupper("GOOD"));
        assert!(py_isupper("I'M"));
        assert!(py_isupper(":D"));
        assert!(py_isupper("ÉTÉ"));
        assert!(!py_isupper(":)"));
        assert!(!py_isupper("123"));
        assert!(!py_isupper("Good"));
        assert!(!py_isupper("ǅA"));
        assert!(!py_isupper(""));
    }

    #[test]
    fn words_strip_punctuation_like_the_reference() {
        let got: Vec<&str> =
            words("Hello, world!! :) :-( ok!! \"yes\" @united... a\u{A0}b").collect();
        assert_eq!(
            got,
            ["Hello", "world", ":)", ":-(", "ok!!", "yes", "united", "a", "b"]
        );
        // Two characters left after stripping: the piece stays whole.
        let got: Vec<&str> = words("(é) 'éé' ,abc,").collect();
        assert_eq!(got, ["(é)", "'éé'", "abc"]);
    }

    #[test]
    fn emoji_become_descriptions() {
        let lexicon = Lexicon::embedded();
        assert_eq!(
            translate_emoji("I 😁 it", &lexicon),
            "I beaming face with smiling eyes it"
        );
        assert_eq!(
            translate_emoji("😁😁abc", &lexicon),
            "beaming face with smiling eyes beaming face with smiling eyesabc"
        );
        assert_eq!(
            translate_emoji("x😁", &lexicon),
            "x beaming face with smiling eyes"
        );
        assert!(matches!(
            translate_emoji("café", &lexicon),
            Cow::Borrowed(_)
        ));
    }

    /// Tokenizes `text` and returns its tokens.
    fn tokens(text: &str) -> (Vec<Token>, TextFacts) {
        let lexicon = Lexicon::embedded();
        let mut tokens = Vec::new();
        let facts = tokenize(text, &lexicon, &mut tokens, &mut String::new());
        (tokens, facts)
    }

    #[test]
    fn tokenize_classifies_lowercases_and_negates() {
        let (t, facts) = tokens("GOOD Good WASN'T Ain’t couldn't've ÉTÉ 'good' !?! ?");
        assert!(t[0].upper && t[0].entry.valence() == Some(1.9));
        assert!(!t[1].upper && t[1].entry.valence() == Some(1.9));
        assert!(t[2].upper && t[2].negated);
        assert!(
            !t[3].upper && !t[3].negated,
            "a curly apostrophe is not a negation"
        );
        assert!(t[4].negated);
        assert!(t[5].upper && t[5].entry.valence().is_none());
        assert!(!t[6].negated && t[6].entry.valence() == Some(1.9));
        assert_eq!(t.len(), 9);
        assert_eq!(facts.upper_words, 3);
        assert_eq!((facts.exclamations, facts.questions), (2, 2));
    }

    #[test]
    fn words_split_on_unicode_whitespace() {
        let text =
            "a\u{85}b\u{a0}c\u{1680}d\u{2000}e\u{200a}f\u{2028}g\u{202f}h\u{205f}i\u{3000}j\u{1c}k";
        let got: Vec<&str> = words(text).collect();
        assert_eq!(got, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]);
        // Characters that share those lead bytes but are not whitespace.
        let text = "\u{a9}x \u{2019}y \u{200b}z \u{3001}w \u{1681}v";
        let got: Vec<&str> = words(text).collect();
        assert_eq!(
            got,
            [
                "\u{a9}x",
                "\u{2019}y",
                "\u{200b}z",
                "\u{3001}w",
                "\u{1681}v"
            ]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words(" \t\n\u{3000}").count(), 0);
        let got: Vec<&str> = words("end\u{a0}").collect();
        assert_eq!(got, ["end"]);
    }
}
