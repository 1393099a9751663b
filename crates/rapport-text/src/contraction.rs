//! English contractions (`don't`, `I'm`, `it's`): one word each, written with a straight
//! apostrophe in their normalised form, so `don’t` and `don't` match.
//!
//! The apostrophe otherwise ends a word (`Acme's` gives `acme` and `s`, so a monitor for
//! `acme` matches the possessive; `l'Acme` gives `l` and `acme`). A contraction is an
//! exception, recognised from its two sides: a first word of ASCII letters and an ending
//! that only contractions have: `n't` (`don't`, `can't`, `isn't`), `'m`, `'re`, `'ve`,
//! `'ll`, `'d`, and `'s` after the few words where it means *is*, *has* or *us* (`it's`,
//! `that's`, `let's`; not a possessive like `acme's`), plus `y'all`.

/// Words whose `'s` is a contraction rather than a possessive.
const S_WORDS: &[&str] = &[
    "he", "here", "how", "it", "let", "she", "that", "there", "what", "when", "where", "who", "why",
];

/// Whether `first`, an apostrophe and `second` form a contraction; both folded (lower case).
pub(crate) fn joins(first: &str, second: &str) -> bool {
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    match second {
        "t" => first.len() >= 2 && first.ends_with('n'),
        "m" => first == "i",
        "re" | "ve" | "ll" | "d" => true,
        "s" => S_WORDS.contains(&first),
        "all" => first == "y",
        _ => false,
    }
}

/// The two words a contraction stands for, for NLP that wants them spelled out:
/// `can't` → (`can`, `not`), `don't` → (`do`, `not`), `won't` → (`will`, `not`),
/// `I'm` → (`I`, `am`), `it's` → (`it`, `is`), `let's` → (`let`, `us`), `we'd` →
/// (`we`, `would`). Takes a normalised form (straight apostrophe, as
/// [`crate::TokenRef::normalized`] gives) or a surface form with either apostrophe;
/// `None` when `word` is not a contraction. `'s` and `'d` are ambiguous (*is* or *has*,
/// *would* or *had*): the more frequent reading is given.
pub fn expand(word: &str) -> Option<(&str, &'static str)> {
    let (first, second) = word
        .split_once('\'')
        .or_else(|| word.split_once('\u{2019}'))?;
    let lower_first = first.to_ascii_lowercase();
    let lower_second = second.to_ascii_lowercase();
    if !joins(&lower_first, &lower_second) {
        return None;
    }
    let expanded = match lower_second.as_str() {
        "t" => {
            let stem = &first[..first.len() - 1];
            return Some(match lower_first.as_str() {
                "can" => (first, "not"),
                "won" => ("will", "not"),
                "shan" => ("shall", "not"),
                "ain" => ("is", "not"),
                _ => (stem, "not"),
            });
        }
        "m" => "am",
        "re" => "are",
        "ve" => "have",
        "ll" => "will",
        "d" => "would",
        "s" if lower_first == "let" => "us",
        "s" => "is",
        _ => "all",
    };
    Some((first, expanded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_contractions_not_possessives() {
        assert!(joins("don", "t"));
        assert!(joins("i", "m"));
        assert!(joins("it", "s"));
        assert!(joins("they", "re"));
        assert!(!joins("acme", "s"));
        assert!(!joins("l", "acme"));
        assert!(!joins("n", "t"));
        assert!(!joins("café", "s"));
        assert!(!joins("", "t"));
    }

    #[test]
    fn expands() {
        assert_eq!(expand("can't"), Some(("can", "not")));
        assert_eq!(expand("don’t"), Some(("do", "not")));
        assert_eq!(expand("won't"), Some(("will", "not")));
        assert_eq!(expand("I'm"), Some(("I", "am")));
        assert_eq!(expand("let's"), Some(("let", "us")));
        assert_eq!(expand("it's"), Some(("it", "is")));
        assert_eq!(expand("acme's"), None);
        assert_eq!(expand("dont"), None);
    }
}
