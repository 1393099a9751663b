//! How people actually type: shouting, elongated words, extra punctuation, lower case,
//! emoji, and the small edits that turn a post into copypasta.

use crate::dice::Dice;
use crate::templates::{EMOJI_NEG, EMOJI_NEU, EMOJI_POS};
use crate::truth::Sentiment;

/// Words that people stretch ("soooo", "looove"), in every language the simulator writes.
const STRETCHABLE: &[&str] = &[
    "so", "love", "good", "please", "why", "no", "yes", "wow", "nice", "cool", "hate", "really",
    "muy", "que", "qué", "muito", "demais", "trop", "super", "mega", "echt", "gut",
];

/// ALL CAPS, except mentions, hashtags and links.
pub(crate) fn shout(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with('@') || word.starts_with('#') || word.starts_with("http") {
            out.push_str(word);
        } else {
            out.extend(word.chars().flat_map(char::to_uppercase));
        }
    }
    out
}

/// Lower case, except links (already lower case) are kept as they are.
pub(crate) fn lower(text: &str) -> String {
    text.to_lowercase()
}

/// Stretches the last vowel of the first stretchable word: `so` → `soooo`.
pub(crate) fn elongate(text: &str, dice: &mut Dice) -> String {
    let mut offset = 0;
    for word in text.split(' ') {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = bare.to_lowercase();
        if !bare.is_empty() && STRETCHABLE.contains(&lower.as_str()) {
            let start = offset + word.find(bare).unwrap_or(0);
            if let Some((i, c)) = bare
                .char_indices()
                .rfind(|(_, c)| "aeiouyéAEIOUYÉ".contains(*c))
            {
                let at = start + i + c.len_utf8();
                let extra: String = std::iter::repeat_n(c, dice.between(2, 5) as usize).collect();
                let mut out = String::with_capacity(text.len() + extra.len());
                out.push_str(&text[..at]);
                out.push_str(&extra);
                out.push_str(&text[at..]);
                return out;
            }
        }
        offset += word.len() + 1;
    }
    text.to_string()
}

/// Turns a final `.` (or nothing) into `!!!`.
pub(crate) fn exclaim(text: &str, dice: &mut Dice) -> String {
    let marks = ["!!", "!!!", "!!!!", "?!"][dice.below(4)];
    let trimmed = text.trim_end_matches(['.', '!']);
    if trimmed.ends_with('?') {
        return text.to_string();
    }
    format!("{trimmed}{marks}")
}

/// An emoji of the sentiment's tone.
pub(crate) fn emoji(sentiment: Sentiment, dice: &mut Dice) -> &'static str {
    dice.word(match sentiment {
        Sentiment::Positive => EMOJI_POS,
        Sentiment::Negative => EMOJI_NEG,
        Sentiment::Neutral => EMOJI_NEU,
    })
}

/// A copypasta variant: one or two small edits, never the same text.
pub(crate) fn vary(text: &str, dice: &mut Dice) -> String {
    let mut out = text.to_string();
    let edits = 1 + dice.below(2);
    for _ in 0..edits {
        out = match dice.below(7) {
            0 => format!("{out} {}", dice.word(EMOJI_POS)),
            1 => renumber(&out, dice),
            2 => exclaim(&out, dice),
            3 => {
                let prefix = ["🔁 ", "Reminder: ", "‼️ ", "Again: ", "👉 "][dice.below(5)];
                format!("{prefix}{out}")
            }
            4 => format!(
                "{out}{}",
                [" 👇", " pls share", " (repost)", " !!", " 🙏"][dice.below(5)]
            ),
            5 => swap_case_of_first_word(&out),
            _ => out.replacen("  ", " ", 1).replacen(' ', "  ", 1),
        };
    }
    if out == text {
        out.push(' ');
        out.push_str(dice.word(EMOJI_NEU));
    }
    out
}

fn renumber(text: &str, dice: &mut Dice) -> String {
    let Some(start) = text.find(|c: char| c.is_ascii_digit()) else {
        return format!("{text} {}", dice.word(EMOJI_NEU));
    };
    let len = text[start..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len() - start);
    let digits: String = (0..len)
        .map(|i| {
            let lo = if i == 0 { 1 } else { 0 };
            char::from(b'0' + dice.between(lo, 9) as u8)
        })
        .collect();
    format!("{}{}{}", &text[..start], digits, &text[start + len..])
}

fn swap_case_of_first_word(text: &str) -> String {
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let swapped = if first.chars().any(char::is_lowercase) {
        first.to_uppercase()
    } else {
        first.to_lowercase()
    };
    if rest.is_empty() {
        swapped
    } else {
        format!("{swapped} {rest}")
    }
}

/// The first sentence (or the first `max` characters, cut at a word) of a text.
pub(crate) fn first_sentence(text: &str, max: usize) -> String {
    // A sentence ends at `.`, `?` or `!` followed by a space (not inside a link).
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '?' | '!') && i > 10 && text[i + c.len_utf8()..].starts_with(' ')
        })
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(text.len());
    let sentence = text[..end].trim();
    if sentence.chars().count() <= max {
        return sentence.to_string();
    }
    let mut cut = String::new();
    for word in sentence.split(' ') {
        if cut.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms() {
        let mut d = Dice::new(5, 5);
        assert_eq!(
            shout("my @orvella grinder #fail https://x.example/a"),
            "MY @orvella GRINDER #fail https://x.example/a"
        );
        let e = elongate("I am so happy", &mut d);
        assert!(
            e.starts_with("I am sooo") || e.starts_with("I am soooo"),
            "{e}"
        );
        assert_eq!(elongate("nothing here", &mut d), "nothing here");
        assert!(exclaim("broken.", &mut d).starts_with("broken"));
        assert!(exclaim("broken.", &mut d).contains('!'));
        for _ in 0..50 {
            let v = vary("FREE grinder 100 today", &mut d);
            assert_ne!(v, "FREE grinder 100 today");
        }
        assert_eq!(
            first_sentence("Short one here. Then more.", 90),
            "Short one here."
        );
        assert_eq!(
            first_sentence("See https://a.example/x now", 90),
            "See https://a.example/x now"
        );
        assert!(first_sentence(&"word ".repeat(40), 30).ends_with('…'));
    }
}
