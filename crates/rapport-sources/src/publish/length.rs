//! How long a text is, as each network counts it.

use unicode_segmentation::UnicodeSegmentation;

/// Mastodon's default limit (instances may raise it: `configuration.statuses.max_characters`
/// of `GET /api/v2/instance`).
pub const MASTODON_DEFAULT_MAX: usize = 500;
/// Every URL counts as this many characters on Mastodon (and X).
pub const URL_LENGTH: usize = 23;

/// Mastodon's count: user-perceived characters (grapheme clusters), every `http(s)://` URL
/// as [`URL_LENGTH`], and a remote mention `@user@domain` as `@user` only (Mastodon's
/// `StatusLengthValidator`).
pub fn mastodon_length(text: &str) -> usize {
    let mut total = 0;
    // Whitespace separates URLs and mentions; it counts as itself.
    for piece in text.split_word_bounds_keeping_space() {
        total += match piece {
            Piece::Space(space) => space.graphemes(true).count(),
            Piece::Word(word) if is_url(word) => URL_LENGTH,
            Piece::Word(word) => match remote_mention(word) {
                Some(local) => local.graphemes(true).count(),
                None => word.graphemes(true).count(),
            },
        };
    }
    total
}

fn is_url(word: &str) -> bool {
    let lower = word.get(..8).unwrap_or(word).to_ascii_lowercase();
    (lower.starts_with("https://") && word.len() > 8)
        || (lower.starts_with("http://") && word.len() > 7)
}

/// `@user` of `@user@domain.tld` (trailing punctuation kept out of the domain).
fn remote_mention(word: &str) -> Option<&str> {
    let rest = word.strip_prefix('@')?;
    let (user, domain) = rest.split_once('@')?;
    let valid_user = !user.is_empty() && user.chars().all(|c| c.is_alphanumeric() || c == '_');
    let valid_domain = domain.contains('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    (valid_user && valid_domain).then(|| &word[..user.len() + 1])
}

enum Piece<'a> {
    Space(&'a str),
    Word(&'a str),
}

trait SplitKeepingSpace {
    fn split_word_bounds_keeping_space(&self) -> Vec<Piece<'_>>;
}

impl SplitKeepingSpace for str {
    /// Alternating runs of whitespace and non-whitespace.
    fn split_word_bounds_keeping_space(&self) -> Vec<Piece<'_>> {
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut in_space: Option<bool> = None;
        for (i, c) in self.char_indices() {
            let space = c.is_whitespace();
            if in_space.is_some_and(|s| s != space) {
                pieces.push(piece(&self[start..i], in_space == Some(true)));
                start = i;
            }
            in_space = Some(space);
        }
        if start < self.len() {
            pieces.push(piece(&self[start..], in_space == Some(true)));
        }
        pieces
    }
}

fn piece(text: &str, space: bool) -> Piece<'_> {
    if space {
        Piece::Space(text)
    } else {
        Piece::Word(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_counts_characters() {
        assert_eq!(mastodon_length(""), 0);
        assert_eq!(mastodon_length("hello world"), 11);
        assert_eq!(mastodon_length("café"), 4);
        // A combining accent is part of its letter.
        assert_eq!(mastodon_length("cafe\u{301}"), 4);
        assert_eq!(mastodon_length("日本語"), 3);
    }

    #[test]
    fn emoji_sequences_count_once() {
        // Family (ZWJ sequence), thumbs up with a skin tone, a flag.
        assert_eq!(mastodon_length("👨‍👩‍👧"), 1);
        assert_eq!(mastodon_length("👍🏽 ok"), 4);
        assert_eq!(mastodon_length("🇵🇹"), 1);
    }

    #[test]
    fn urls_count_23_whatever_their_length() {
        let long = "https://example.com/a/very/long/path/that/goes/on/and/on?with=query";
        assert_eq!(mastodon_length(long), 23);
        assert_eq!(mastodon_length(&format!("see {long} now")), 4 + 23 + 4);
        assert_eq!(mastodon_length("http://x.io"), 23);
        // Not a URL: no host after the scheme.
        assert_eq!(mastodon_length("https://"), 8);
    }

    #[test]
    fn remote_mentions_count_only_the_user() {
        assert_eq!(mastodon_length("@anna@mastodon.social hi"), 5 + 3);
        assert_eq!(mastodon_length("@anna hi"), 8);
        assert_eq!(mastodon_length("mail me@example.org"), 5 + 14);
    }
}
