//! ASCII emoticons (`:)`, `:-(`, `<3`, `xD`, `^_^`...), recognised only where they stand
//! alone, and their canonical forms.
//!
//! An emoticon stands alone when it starts the text or follows white space (or an emoji),
//! and is followed by the end of the text, white space or an emoji, possibly after a run
//! of `.`, `,`, `!` or `?` (`great :)!`). So `10:30`, `http://`, `re:Deal`, `:/path` and `a:)` hold none.
//! The closing character of a mouth may repeat (`:)))`, `:DDD`, `<333`): the repeats are
//! emphasis and share the canonical form.

/// Every spelling and its canonical form, longest spellings first so that `:-)` is not
/// read as `:-` followed by something else. Canonical forms group spellings that mean
/// the same: `xD` laughs like `:D`, `T_T` cries like `:'(`.
const EMOTICONS: &[(&str, &str)] = &[
    (">:-(", ">:("),
    (":'-(", ":'("),
    (":’-(", ":'("),
    (">:(", ">:("),
    (":-)", ":)"),
    (":-(", ":("),
    (";-)", ";)"),
    (":-D", ":D"),
    (":-P", ":P"),
    (":-p", ":P"),
    (":'(", ":'("),
    (":’(", ":'("),
    (":-/", ":/"),
    (":-\\", ":/"),
    (":-O", ":O"),
    (":-o", ":O"),
    (":-|", ":|"),
    (":-*", ":*"),
    ("^_^", "^_^"),
    ("^.^", "^_^"),
    ("-_-", "-_-"),
    ("T_T", ":'("),
    ("T.T", ":'("),
    (";_;", ":'("),
    ("o_O", "o_O"),
    ("O_o", "o_O"),
    ("o.O", "o_O"),
    ("O.o", "o_O"),
    ("</3", "</3"),
    (":)", ":)"),
    ("=)", ":)"),
    (":]", ":)"),
    (":(", ":("),
    ("=(", ":("),
    (":[", ":("),
    (";)", ";)"),
    (";D", ";)"),
    (":D", ":D"),
    ("=D", ":D"),
    ("xD", ":D"),
    ("XD", ":D"),
    (":P", ":P"),
    (":p", ":P"),
    ("=P", ":P"),
    (";P", ":P"),
    (";p", ":P"),
    (":/", ":/"),
    (":\\", ":/"),
    ("=/", ":/"),
    (":O", ":O"),
    (":o", ":O"),
    (":|", ":|"),
    (":*", ":*"),
    ("<3", "<3"),
    ("^^", "^_^"),
];

/// Whether byte `b` can start an emoticon.
#[inline]
pub(crate) fn may_start(b: u8) -> bool {
    matches!(
        b,
        b':' | b';' | b'=' | b'<' | b'>' | b'^' | b'-' | b'x' | b'X' | b'T' | b'o' | b'O'
    )
}

/// Whether a mouth ending with `b` may repeat (`:)))`).
#[inline]
fn repeats(b: u8) -> bool {
    matches!(b, b')' | b'(' | b'D' | b'P' | b'p' | b'3' | b']' | b'[')
}

/// White space as `char::is_whitespace` sees it, for an ASCII byte.
#[inline]
pub(crate) fn is_space_byte(b: u8) -> bool {
    b.is_ascii() && char::from(b).is_whitespace()
}

/// The emoticon starting at byte `i` of `text` (which must follow the start of the text or
/// white space): where it ends and its canonical form.
pub(crate) fn at(text: &str, i: usize) -> Option<(usize, &'static str)> {
    let rest = text.as_bytes().get(i..)?;
    let first = *rest.first()?;
    if !may_start(first) {
        return None;
    }
    // Most calls are at words starting with `x`, `T` or `o`: reject them on the next byte.
    if first.is_ascii_alphabetic() && !matches!(rest.get(1), Some(b'D' | b'_' | b'.')) {
        return None;
    }
    EMOTICONS
        .iter()
        .filter(|(spelling, _)| {
            let spelling = spelling.as_bytes();
            spelling[0] == first
                && rest.len() >= spelling.len()
                && rest.iter().zip(spelling).all(|(a, b)| a == b)
        })
        .find_map(|&(spelling, canonical)| {
            let mut len = spelling.len();
            let last = spelling.as_bytes()[len - 1];
            if repeats(last) {
                while rest.get(len) == Some(&last) {
                    len += 1;
                }
            }
            stands_alone_after(text, i + len).then_some((i + len, canonical))
        })
}

/// Whether `text[at..]` is empty or starts with white space, after a run of `.,!?`.
fn stands_alone_after(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let mut k = at;
    while bytes
        .get(k)
        .is_some_and(|b| matches!(b, b'.' | b',' | b'!' | b'?'))
    {
        k += 1;
    }
    match text.get(k..) {
        Some(after) => {
            after.chars().next().is_none_or(char::is_whitespace)
                || crate::emoji::at(after, 0).is_some()
        }
        // Not a character boundary: `at` is inside a character, so nothing stands alone.
        None => false,
    }
}

/// Every spelling and its canonical form: used by the tests.
#[cfg(test)]
pub(crate) fn spellings() -> impl Iterator<Item = (&'static str, &'static str)> {
    EMOTICONS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> Option<&'static str> {
        at(text, 0).map(|(_, c)| c)
    }

    #[test]
    fn spellings_start_with_a_start_byte_and_canonical_forms_read_back() {
        for (spelling, canonical) in spellings() {
            assert!(may_start(spelling.as_bytes()[0]), "{spelling}");
            assert_eq!(canon(canonical), Some(canonical), "{canonical}");
            assert_eq!(canon(spelling), Some(canonical), "{spelling}");
        }
    }

    #[test]
    fn stands_alone() {
        assert_eq!(at(":) ok", 0), Some((2, ":)")));
        assert_eq!(at(":-)))!! ok", 0), Some((5, ":)")));
        assert_eq!(at("<333", 0), Some((4, "<3")));
        assert_eq!(at(":)\u{a0}x", 0), Some((2, ":)")));
        assert_eq!(at(":)😍", 0), Some((2, ":)")));
        assert_eq!(canon(":'("), Some(":'("));
        assert_eq!(canon("xD"), Some(":D"));
        assert_eq!(canon(":/path"), None);
        assert_eq!(canon(":)x"), None);
        assert_eq!(canon(":P.S"), None);
        assert_eq!(canon("xDD"), Some(":D"));
        assert_eq!(canon("xDx"), None);
        assert_eq!(canon("ox"), None);
        assert_eq!(canon(":"), None);
    }
}
