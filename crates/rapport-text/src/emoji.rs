//! Emoji: one token per emoji grapheme cluster, normalised without skin tones or
//! presentation selectors.
//!
//! An emoji starts at a character with the Unicode `Emoji` property (UTS #51, through
//! `unicode-properties`, from the unicode-rs project that also maintains our segmentation
//! and normalisation crates, with tables for Unicode 18), or at a keycap (`1️⃣`, `#️⃣`).
//! The token is the whole extended grapheme cluster from there (UAX #29, through
//! `unicode-segmentation`): ZWJ sequences (`👩🏽‍💻`), skin-tone modifiers, flags (two
//! regional indicators), tag sequences (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`) and keycaps stay one token.
//!
//! `©`, `®` and `™` are emoji only with the emoji presentation selector (`©️`): in posts
//! they are nearly always text (`Acme™`). ASCII digits, `#` and `*` have the property too,
//! but are emoji only as keycaps.

use unicode_properties::emoji::UnicodeEmoji;
use unicode_segmentation::UnicodeSegmentation;

/// Variation selector 16: asks for the emoji presentation.
const VS16: char = '\u{FE0F}';
/// Variation selector 15: asks for the text presentation.
const VS15: char = '\u{FE0E}';
/// Combining enclosing keycap.
const KEYCAP: char = '\u{20E3}';

/// Whether the lead byte `b` can start an emoji: `©`/`®` (`0xC2`), the symbol blocks of
/// U+2000–U+3FFF (`0xE2`, `0xE3`) and the supplementary planes (`0xF0`). A cheap test
/// before decoding the character.
#[inline]
pub(crate) fn may_start(b: u8) -> bool {
    matches!(b, 0xC2 | 0xE2 | 0xE3 | 0xF0)
}

/// Whether a keycap sequence (`1️⃣`: a digit, `#` or `*`, an optional VS16, U+20E3)
/// starts at byte `i` of `text`.
#[inline]
pub(crate) fn keycap_at(text: &str, i: usize) -> bool {
    let Some(rest) = text.get(i..) else {
        return false;
    };
    let mut chars = rest.chars();
    if !matches!(chars.next(), Some('0'..='9' | '#' | '*')) {
        return false;
    }
    match chars.next() {
        Some(KEYCAP) => true,
        Some(VS16) => chars.next() == Some(KEYCAP),
        _ => false,
    }
}

/// The end of the emoji starting at byte `i` of `text`, if one starts there.
pub(crate) fn at(text: &str, i: usize) -> Option<usize> {
    let rest = text.get(i..)?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    let starts = if first.is_ascii() {
        keycap_at(text, i)
    } else if matches!(first, '©' | '®' | '™') {
        chars.next() == Some(VS16)
    } else {
        first.is_emoji_char()
    };
    if !starts {
        return None;
    }
    let cluster = rest.graphemes(true).next()?;
    Some(i + cluster.len())
}

/// Whether `c` is dropped from an emoji's normalised form: skin-tone modifiers
/// (U+1F3FB–U+1F3FF) and the presentation selectors VS15 and VS16.
#[inline]
fn is_dropped(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}' | VS15 | VS16)
}

/// Appends the normalised form of the emoji `cluster` to `out`: the cluster without its
/// skin tones and presentation selectors, so `👍🏽` and `❤️` read `👍` and `❤`. A cluster
/// made only of those (a lone skin-tone swatch `🏽`) is kept as written.
pub(crate) fn normalize_into(cluster: &str, out: &mut String) {
    let start = out.len();
    out.extend(cluster.chars().filter(|&c| !is_dropped(c)));
    if out.len() == start {
        out.push_str(cluster);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalize_into(s, &mut out);
        out
    }

    #[test]
    fn clusters() {
        for (text, len) in [
            ("👍🏽 ok", "👍🏽".len()),
            ("👩🏽‍💻x", "👩🏽‍💻".len()),
            ("🇫🇷🇩🇪", "🇫🇷".len()),
            ("1️⃣2", "1️⃣".len()),
            ("#⃣", "#⃣".len()),
            ("❤️ acme", "❤️".len()),
            ("❤ acme", "❤".len()),
            ("©️", "©️".len()),
        ] {
            assert_eq!(at(text, 0), Some(len), "{text}");
        }
        for text in ["© 2024", "™", "1", "#1", "a", "é", "東京"] {
            assert_eq!(at(text, 0), None, "{text}");
        }
    }

    #[test]
    fn normal_forms_drop_tones_and_selectors() {
        assert_eq!(norm("👍🏽"), "👍");
        assert_eq!(norm("❤️"), "❤");
        assert_eq!(norm("👩🏽‍💻"), "👩‍💻");
        assert_eq!(norm("1️⃣"), "1⃣");
        assert_eq!(norm("🇫🇷"), "🇫🇷");
        assert_eq!(norm("🏽"), "🏽");
    }

    #[test]
    fn lead_bytes_cover_the_emoji_tested() {
        for s in ["👍", "❤", "©", "☕", "〽", "⌚", "🇫🇷"] {
            assert!(may_start(s.as_bytes()[0]), "{s}");
        }
    }
}
