//! Folding text for matching: full Unicode lower case, then canonical decomposition (NFD) with
//! the combining marks dropped, so `Café`, `CAFÉ` and `cafe\u{301}` all fold to `cafe`.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Appends the folded form of `s` to `out`: every character lower-cased (full Unicode lower
/// case: `İ` becomes `i`, `Σ` becomes `σ`), decomposed canonically, and stripped of
/// combining marks and of invisible format characters (soft hyphen, zero-width spaces and
/// joiners, byte order mark).
///
/// Letters without a canonical decomposition stay as they are (`ø`, `ł`, `ß`, `æ`). ASCII
/// input takes a fast path that only lower-cases.
pub fn fold_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) && !is_invisible(d) {
                    out.push(d);
                }
            });
        }
    }
}

/// The folded form of `s` (see [`fold_into`]).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Format characters that can sit inside a word without being seen: they are dropped.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("CAFÉ"), "cafe");
        assert_eq!(fold("cafe\u{301}"), "cafe");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ÑANDÚ"), "nandu");
        assert_eq!(fold("Straße"), "straße");
        assert_eq!(fold("cof\u{AD}fee"), "coffee");
        assert_eq!(fold("ACME"), "acme");
    }

    #[test]
    fn folding_is_idempotent_on_samples() {
        for s in ["Café", "İx", "ǅemal", "Ωmega", "naïve", "ﬁle"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s}");
        }
    }
}
