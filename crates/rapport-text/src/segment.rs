//! Word segmentation: Unicode word boundaries (UAX #29) with an exact ASCII fast path.
//!
//! A word is a segment between two word boundaries that holds at least one letter or digit.
//! One deliberate change to UAX #29: apostrophes (`'` and `’`) end a word instead of joining
//! its two sides, so `acme's` gives `acme` and `s` and a monitor for `acme` matches the
//! possessive. Contractions (`don't`) are joined back into one word afterwards, by the
//! tokenizer (see `contraction`), identically in the query and in the post.

use unicode_segmentation::UnicodeSegmentation;

/// Calls `emit(start, end)` with the byte range of every word of `s`, in order.
pub(crate) fn words(s: &str, emit: &mut impl FnMut(usize, usize)) {
    if s.is_ascii() {
        ascii_words(s.as_bytes(), 0, emit);
        return;
    }
    // UAX #29 never joins a word across ASCII white space, so chunks between spaces can be
    // segmented independently, most of them on the ASCII path.
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if start < i {
            // `start` and `i` sit next to ASCII bytes, so they are character boundaries.
            let chunk = &s[start..i];
            if chunk.is_ascii() {
                ascii_words(chunk.as_bytes(), start, emit);
            } else {
                unicode_words(chunk, start, emit);
            }
        }
    }
}

/// UAX #29 through `unicode-segmentation`, with the apostrophe rule applied afterwards.
pub(crate) fn unicode_words(s: &str, offset: usize, emit: &mut impl FnMut(usize, usize)) {
    for (at, segment) in s.split_word_bound_indices() {
        if !segment.chars().any(char::is_alphanumeric) {
            continue;
        }
        let mut piece_start = 0;
        for (i, c) in segment.char_indices() {
            if c == '\'' || c == '\u{2019}' {
                emit_piece(segment, piece_start, i, offset + at, emit);
                piece_start = i + c.len_utf8();
            }
        }
        emit_piece(segment, piece_start, segment.len(), offset + at, emit);
    }
}

fn emit_piece(
    segment: &str,
    start: usize,
    end: usize,
    offset: usize,
    emit: &mut impl FnMut(usize, usize),
) {
    if start < end && segment[start..end].chars().any(char::is_alphanumeric) {
        emit(offset + start, offset + end);
    }
}

/// Joins with a neighbouring word character: ALetter, Numeric or ExtendNumLet (`_`).
#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

/// [`is_word_byte`] as a table.
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// The UAX #29 rules restricted to ASCII: letters, digits and `_` join (WB5, WB8-WB10,
/// WB13a/b); `:` and `.` join two letters (WB6/WB7); `.`, `,` and `;` join two digits
/// (WB11/WB12); the apostrophe is not a joiner (see the module documentation).
pub(crate) fn ascii_words(bytes: &[u8], offset: usize, emit: &mut impl FnMut(usize, usize)) {
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let (end, has_alnum) = ascii_word_end(bytes, i, &|_| false);
        if has_alnum {
            emit(offset + i, offset + end);
        }
        i = end;
    }
}

/// The end of the ASCII word starting at `start` (a word byte), and whether it holds a
/// letter or digit. `cut_before(k)` is asked before joining two letters across the `.` or
/// `:` at `k - 1` when the byte at `k` could start a link; `true` ends the word there.
pub(crate) fn ascii_word_end(
    bytes: &[u8],
    start: usize,
    cut_before: &impl Fn(usize) -> bool,
) -> (usize, bool) {
    let n = bytes.len();
    let mut has_alnum = bytes[start] != b'_';
    let mut i = start + 1;
    loop {
        if i < n && is_word_byte(bytes[i]) {
            has_alnum |= bytes[i] != b'_';
            i += 1;
            continue;
        }
        if i + 1 < n {
            let (prev, mid, next) = (bytes[i - 1], bytes[i], bytes[i + 1]);
            let letters = prev.is_ascii_alphabetic()
                && next.is_ascii_alphabetic()
                && (mid == b':' || mid == b'.');
            let digits = prev.is_ascii_digit()
                && next.is_ascii_digit()
                && (mid == b'.' || mid == b',' || mid == b';');
            if letters && matches!(next, b'h' | b'H' | b'w' | b'W') && cut_before(i + 1) {
                break;
            }
            if letters || digits {
                i += 1;
                continue;
            }
        }
        break;
    }
    (i, has_alnum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ascii(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        ascii_words(s.as_bytes(), 0, &mut |a, b| out.push(&s[a..b]));
        out
    }

    fn unicode(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        unicode_words(s, 0, &mut |a, b| out.push(&s[a..b]));
        out
    }

    #[test]
    fn ascii_rules() {
        assert_eq!(ascii("Hello, world!"), ["Hello", "world"]);
        assert_eq!(
            ascii("acme's acme.com e.g. 3.14 1,000"),
            ["acme", "s", "acme.com", "e.g", "3.14", "1,000"]
        );
        assert_eq!(
            ascii("brew-day re:invent _x_ __"),
            ["brew", "day", "re:invent", "_x_"]
        );
        assert_eq!(ascii("a1.2 a.1 1.a"), ["a1.2", "a", "1", "1", "a"]);
    }

    #[test]
    fn unicode_rules_match_ascii_on_samples() {
        for s in [
            "Hello, world!",
            "acme's e.g. 3.14 1,000 a:b",
            "x__y _ 1;2 a;b",
        ] {
            assert_eq!(ascii(s), unicode(s), "{s}");
        }
        assert_eq!(unicode("l’acme café"), ["l", "acme", "café"]);
    }

    proptest! {
        #[test]
        fn ascii_fast_path_equals_uax29(s in "[a-c0-2_.,;:' !?#@-]{0,24}") {
            prop_assert_eq!(ascii(&s), unicode(&s));
        }
    }
}
