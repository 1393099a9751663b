//! How long a text is, as each network counts it, and whether it fits.
//!
//! - Mastodon: user-perceived characters (grapheme clusters), every URL as 23, a remote
//!   mention `@user@domain` as `@user` (Mastodon's `StatusLengthValidator`).
//! - Bluesky: the lexicon of `app.bsky.feed.post`
//!   (<https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json>)
//!   bounds `text` twice: `maxGraphemes: 300` and `maxLength: 3000` (UTF-8 bytes). Both must
//!   hold: 300 family emoji are 300 graphemes but 7,500 bytes.
//! - X: twitter-text's weighted length, configuration v3
//!   (<https://github.com/twitter/twitter-text/blob/master/config/v3.json>,
//!   <https://docs.x.com/resources/fundamentals/counting-characters>): the text is NFC
//!   normalised first; each code point weighs 200 except in the ranges U+0000–U+10FF,
//!   U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, which weigh 100; an emoji sequence
//!   (ZWJ sequences, skin tones, flags, keycaps) weighs 200 whatever its length; a URL
//!   weighs 23 × 100; the sum divided by the scale 100 must stay within 280. So Latin text
//!   counts 1 per character and CJK 2.
//!
//! - Facebook (a Page's post, Graph API `message`): 63,206 characters, counted here as
//!   Unicode scalar values (Facebook does not document its unit; a text near the limit may
//!   still be refused, with the Graph API's own message).
//! - WordPress and Micropub: no limit worth enforcing (a blog post or an h-entry; the site's
//!   own limits, if any, are far beyond a social post), [`LengthRule::Unlimited`]: the text
//!   is counted in characters and never refused here (drafts are capped at 10,000 characters
//!   anyway).
//!
//! [`LengthRule`] puts them behind one value that a page or a publisher can hold.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Mastodon's default limit (instances may raise it: `configuration.statuses.max_characters`
/// of `GET /api/v2/instance`).
pub const MASTODON_DEFAULT_MAX: usize = 500;
/// Every URL counts as this many characters on Mastodon and X (twitter-text's
/// `transformedURLLength`).
pub const URL_LENGTH: usize = 23;
/// Bluesky's limit in grapheme clusters (`maxGraphemes` of `app.bsky.feed.post#text`).
pub const BLUESKY_MAX_GRAPHEMES: usize = 300;
/// Bluesky's limit in UTF-8 bytes (`maxLength` of `app.bsky.feed.post#text`).
pub const BLUESKY_MAX_BYTES: usize = 3000;
/// X's limit in weighted characters (twitter-text v3 `maxWeightedTweetLength`).
pub const X_MAX: usize = 280;
/// A Facebook post's limit in characters.
pub const FACEBOOK_MAX: usize = 63_206;

/// twitter-text v3: weights are in hundredths of a character.
const X_SCALE: usize = 100;
/// twitter-text v3 `defaultWeight`.
const X_DEFAULT_WEIGHT: usize = 200;
/// twitter-text v3 `ranges`, each with weight 100.
const X_LIGHT_RANGES: [(u32, u32); 4] = [
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
];

/// One network's length rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthRule {
    /// Mastodon, with the instance's limit (500 unless the instance says otherwise).
    Mastodon {
        /// `configuration.statuses.max_characters`.
        max: usize,
    },
    /// Bluesky: 300 graphemes and 3000 UTF-8 bytes.
    Bluesky,
    /// X: 280 weighted characters.
    X,
    /// Facebook: 63,206 characters (Unicode scalar values).
    Facebook,
    /// No limit enforced (WordPress, Micropub): characters are counted, never refused.
    Unlimited {
        /// The network's name, for messages.
        network: &'static str,
    },
}

/// A text that does not fit a [`LengthRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    /// Its length, in `unit`.
    pub length: usize,
    /// The limit, in `unit`.
    pub max: usize,
    /// What is counted: `characters` or `bytes`.
    pub unit: &'static str,
    /// The network's name.
    pub network: &'static str,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the text is {} {} as {} counts them, {} over its limit of {}",
            self.length,
            self.unit,
            self.network,
            self.length - self.max,
            self.max
        )
    }
}

impl std::error::Error for TooLong {}

impl LengthRule {
    /// `text`'s length as the network counts it (Bluesky: graphemes; see also
    /// [`LengthRule::check`], which applies its byte limit too).
    pub fn count(&self, text: &str) -> usize {
        match self {
            LengthRule::Mastodon { .. } => mastodon_length(text),
            LengthRule::Bluesky => bluesky_length(text),
            LengthRule::X => x_length(text),
            LengthRule::Facebook | LengthRule::Unlimited { .. } => text.chars().count(),
        }
    }

    /// The longest text accepted, in [`LengthRule::count`]'s unit.
    pub fn max(&self) -> usize {
        match self {
            LengthRule::Mastodon { max } => *max,
            LengthRule::Bluesky => BLUESKY_MAX_GRAPHEMES,
            LengthRule::X => X_MAX,
            LengthRule::Facebook => FACEBOOK_MAX,
            LengthRule::Unlimited { .. } => usize::MAX,
        }
    }

    /// The network's name, for messages.
    pub fn network(&self) -> &'static str {
        match self {
            LengthRule::Mastodon { .. } => "Mastodon",
            LengthRule::Bluesky => "Bluesky",
            LengthRule::X => "X",
            LengthRule::Facebook => "Facebook",
            LengthRule::Unlimited { network } => network,
        }
    }

    /// `text`'s length when it fits every limit of the network, or which limit it passes.
    pub fn check(&self, text: &str) -> Result<usize, TooLong> {
        let length = self.count(text);
        let too_long = |length, max, unit| TooLong {
            length,
            max,
            unit,
            network: self.network(),
        };
        if length > self.max() {
            return Err(too_long(length, self.max(), "characters"));
        }
        if *self == LengthRule::Bluesky && text.len() > BLUESKY_MAX_BYTES {
            return Err(too_long(text.len(), BLUESKY_MAX_BYTES, "bytes"));
        }
        Ok(length)
    }

    /// Whether the network has a limit worth enforcing (every rule but
    /// [`LengthRule::Unlimited`]).
    pub fn is_limited(&self) -> bool {
        !matches!(self, LengthRule::Unlimited { .. })
    }

    /// Whether `text` fits every limit of the network.
    pub fn fits(&self, text: &str) -> bool {
        self.check(text).is_ok()
    }
}

/// Bluesky's count: grapheme clusters (the byte limit is [`BLUESKY_MAX_BYTES`]; see
/// [`LengthRule::check`]).
pub fn bluesky_length(text: &str) -> usize {
    text.graphemes(true).count()
}

/// X's weighted length (twitter-text v3), in characters: 1 for Latin and most punctuation,
/// 2 for CJK and other scripts, 2 per emoji sequence, 23 per URL.
///
/// URLs are recognised with a scheme (`http://`, `https://`), trailing punctuation left
/// out; twitter-text also recognises bare domains (`example.com`) against its TLD list,
/// which this count does not (it counts them as their characters, at most a few too many or
/// too few).
pub fn x_length(text: &str) -> usize {
    let text: String = text.nfc().collect();
    let mut weighted = 0;
    for piece in text.split_word_bounds_keeping_space() {
        match piece {
            Piece::Space(space) => weighted += x_weight_plain(space),
            Piece::Word(word) => match split_url(word) {
                Some((before, _, after)) => {
                    weighted +=
                        x_weight_plain(before) + URL_LENGTH * X_SCALE + x_weight_plain(after);
                }
                None => weighted += x_weight_plain(word),
            },
        }
    }
    weighted.div_ceil(X_SCALE)
}

/// The byte ranges of the `http(s)://` URLs in `text`, as [`x_length`] and
/// [`mastodon_length`] find them (trailing punctuation left out): where a Bluesky link
/// facet goes.
pub fn url_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    for piece in text.split_word_bounds_keeping_space() {
        if let Piece::Word(word) = piece {
            if let Some((before, url, _)) = split_url(word) {
                let start = word.as_ptr() as usize - text.as_ptr() as usize + before.len();
                spans.push(start..start + url.len());
            }
        }
    }
    spans
}

/// The weight of text holding no URL: emoji sequences 200 each, other code points by range.
fn x_weight_plain(text: &str) -> usize {
    let mut weighted = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some(end) = crate::emoji::at(text, i) {
            weighted += X_DEFAULT_WEIGHT;
            i = end;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let code = c as u32;
        weighted += if X_LIGHT_RANGES
            .iter()
            .any(|&(low, high)| (low..=high).contains(&code))
        {
            X_SCALE
        } else {
            X_DEFAULT_WEIGHT
        };
        i += c.len_utf8();
    }
    weighted
}

/// The URL inside a word (after opening punctuation such as `(`, without trailing
/// punctuation) and the text around it; `None` when the word holds no URL.
fn split_url(word: &str) -> Option<(&str, &str, &str)> {
    let lower = word.to_ascii_lowercase();
    let start = lower
        .find("http://")
        .into_iter()
        .chain(lower.find("https://"))
        .min()?;
    let (before, from) = word.split_at(start);
    // As twitter-text, a URL does not start inside a word, a handle or a cashtag.
    if before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '@' | '$' | '#' | '/'))
    {
        return None;
    }
    let url = from.trim_end_matches(['.', ',', ':', ';', '!', '?', ')', '"', '\'', '\u{2019}']);
    is_url(url).then(|| (before, url, &from[url.len()..]))
}

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
    fn facebook_and_unlimited_rules() {
        let fb = LengthRule::Facebook;
        assert_eq!(fb.max(), 63_206);
        assert_eq!(fb.count("café 日本"), 7);
        assert!(fb.fits(&"a".repeat(63_206)));
        let error = fb.check(&"a".repeat(63_207)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the text is 63207 characters as Facebook counts them, 1 over its limit of 63206"
        );
        let wp = LengthRule::Unlimited {
            network: "WordPress",
        };
        assert!(!wp.is_limited() && fb.is_limited());
        assert!(wp.fits(&"a".repeat(1_000_000)));
        assert_eq!(wp.count("ab"), 2);
        assert_eq!(wp.network(), "WordPress");
    }

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

    const FAMILY: &str = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}";

    #[test]
    fn bluesky_counts_graphemes_and_bytes() {
        assert_eq!(bluesky_length("hello"), 5);
        assert_eq!(bluesky_length(FAMILY), 1);
        assert_eq!(bluesky_length("\u{1F44D}\u{1F3FD}"), 1, "skin tone");
        assert_eq!(
            bluesky_length("\u{1F1F5}\u{1F1F9}\u{1F1EF}\u{1F1F5}"),
            2,
            "two flags"
        );
        assert_eq!(bluesky_length("e\u{301}"), bluesky_length("\u{E9}"));
        // Links are counted as written on Bluesky (no shortening).
        assert_eq!(bluesky_length("https://example.com/abc"), 23);
        assert_eq!(
            bluesky_length("https://example.com/a/very/long/path"),
            "https://example.com/a/very/long/path".len()
        );
        assert_eq!(bluesky_length("日本語"), 3);
    }

    #[test]
    fn bluesky_checks_both_limits() {
        let rule = LengthRule::Bluesky;
        assert_eq!(rule.max(), 300);
        assert_eq!(rule.check(&"a".repeat(300)), Ok(300));
        let error = rule.check(&"a".repeat(301)).unwrap_err();
        assert_eq!(
            (error.length, error.max, error.unit),
            (301, 300, "characters")
        );
        // 120 families: 120 graphemes but 25 bytes each, 3000 bytes: just fits.
        assert_eq!(FAMILY.len(), 25);
        assert_eq!(rule.check(&FAMILY.repeat(120)), Ok(120));
        // 121: still few graphemes, but over the byte limit.
        let error = rule.check(&FAMILY.repeat(121)).unwrap_err();
        assert_eq!((error.length, error.max, error.unit), (3025, 3000, "bytes"));
        assert!(
            error.to_string().contains("25 over its limit of 3000"),
            "{error}"
        );
        // Flags: 8 bytes each; 300 of them are 300 graphemes and 2400 bytes.
        assert!(rule.fits(&"\u{1F1EB}\u{1F1F7}".repeat(300)));
        assert!(!rule.fits(&"\u{1F1EB}\u{1F1F7}".repeat(301)));
    }

    #[test]
    fn x_weighs_latin_one_and_other_scripts_two() {
        assert_eq!(x_length(""), 0);
        assert_eq!(x_length("hello world"), 11);
        assert_eq!(x_length("café"), 4);
        // CJK: two each.
        assert_eq!(x_length("日本語"), 6);
        assert_eq!(x_length("東京 tokyo"), 4 + 1 + 5);
        assert_eq!(x_length("한국어"), 6);
        // Punctuation in the light ranges: en dash, curly quotes, prime; the ellipsis
        // (U+2026) and the euro sign (U+20AC) are outside them.
        assert_eq!(x_length("\u{2013}\u{201C}\u{2032}"), 3);
        assert_eq!(x_length("\u{2026}"), 2);
        assert_eq!(x_length("\u{20AC}"), 2);
        // Cyrillic, Greek, Hebrew, Arabic, Devanagari are all below U+10FF.
        assert_eq!(x_length("Привет"), 6);
        assert_eq!(x_length("नमस्ते"), 6);
    }

    #[test]
    fn x_normalises_to_nfc_first() {
        // e + combining acute composes to é: one character, as the precomposed form.
        assert_eq!(x_length("e\u{301}"), 1);
        assert_eq!(x_length("\u{E9}"), 1);
        // A mark with no precomposed form stays a code point of its own (weight 1 each).
        assert_eq!(x_length("q\u{301}"), 2);
        // Hangul jamo compose into one syllable (weight 2), not three jamo (weight 1 each).
        assert_eq!(x_length("\u{1112}\u{1161}\u{11AB}"), 2);
    }

    #[test]
    fn x_counts_every_emoji_sequence_as_two() {
        assert_eq!(x_length("\u{1F600}"), 2);
        assert_eq!(x_length(FAMILY), 2, "ZWJ sequence");
        assert_eq!(x_length("\u{1F44D}\u{1F3FD}"), 2, "skin tone");
        assert_eq!(
            x_length("\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB}"),
            2,
            "tone + ZWJ"
        );
        assert_eq!(x_length("\u{1F1F5}\u{1F1F9}"), 2, "flag");
        assert_eq!(
            x_length("\u{1F1F5}\u{1F1F9}\u{1F1EF}\u{1F1F5}"),
            4,
            "two flags"
        );
        assert_eq!(x_length("1\u{FE0F}\u{20E3}"), 2, "keycap");
        assert_eq!(x_length("\u{2764}\u{FE0F} it"), 2 + 3);
        // Text-presentation symbols are characters: © is Latin-1 (weight 1).
        assert_eq!(x_length("Acme\u{A9}"), 5);
        assert_eq!(x_length(&"\u{1F600}".repeat(140)), 280);
        assert_eq!(x_length(&FAMILY.repeat(140)), 280);
    }

    #[test]
    fn x_counts_urls_as_23() {
        let long = "https://example.com/a/very/long/path/that/goes/on/and/on?with=query";
        assert_eq!(x_length(long), 23);
        assert_eq!(x_length(&format!("see {long} now")), 4 + 23 + 4);
        assert_eq!(x_length("http://x.io"), 23);
        // Trailing punctuation is not part of the link.
        assert_eq!(x_length("look: https://x.io/a."), 6 + 23 + 1);
        assert_eq!(x_length("(https://x.io/a)"), 1 + 23 + 1);
        // CJK around a link.
        assert_eq!(x_length("見て https://example.jp/ページ"), 4 + 1 + 23);
    }

    #[test]
    fn url_spans_are_byte_ranges_without_trailing_punctuation() {
        let text = "日本 (https://example.com/a). and http://x.io";
        let spans = url_spans(text);
        let found: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["https://example.com/a", "http://x.io"]);
        assert!(url_spans("no links, https:// alone, mailto:a@b.c").is_empty());
    }

    #[test]
    fn rules_count_and_bound() {
        let mastodon = LengthRule::Mastodon { max: 500 };
        assert_eq!(mastodon.count("@anna@mastodon.social hi"), 8);
        assert_eq!(mastodon.max(), 500);
        assert!(mastodon.fits(&"a".repeat(500)));
        assert!(!mastodon.fits(&"a".repeat(501)));
        assert_eq!(LengthRule::X.max(), 280);
        assert!(LengthRule::X.fits(&"a".repeat(280)));
        // 141 CJK characters are 282.
        let error = LengthRule::X.check(&"語".repeat(141)).unwrap_err();
        assert_eq!((error.length, error.max, error.network), (282, 280, "X"));
        assert!(LengthRule::X.fits(&"語".repeat(140)));
        // The same text differs per network.
        let text = format!("{FAMILY} 日本 https://example.com/x");
        assert_eq!(LengthRule::Bluesky.count(&text), 1 + 1 + 2 + 1 + 21);
        assert_eq!(LengthRule::X.count(&text), 2 + 1 + 4 + 1 + 23);
        assert_eq!(mastodon.count(&text), 1 + 1 + 2 + 1 + 23);
    }

    proptest::proptest! {
        #[test]
        fn counting_never_panics_and_spans_are_sound(
            text in "(\\PC|https?://[a-z.]{0,12}|[ .()@]|\u{1F468}\u{200D}\u{1F469}|\u{301})*"
        ) {
            for rule in [LengthRule::Mastodon { max: 500 }, LengthRule::Bluesky, LengthRule::X] {
                let count = rule.count(&text);
                proptest::prop_assert_eq!(rule.check(&text).ok().is_some(), rule.fits(&text));
                if rule == LengthRule::X {
                    // At most two per code point, which NFC at most triples, plus 23 per URL.
                    let bound = 6 * text.chars().count() + 23 * url_spans(&text).len();
                    proptest::prop_assert!(count <= bound);
                }
            }
            for span in url_spans(&text) {
                proptest::prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
                proptest::prop_assert!(is_url(&text[span]));
            }
        }
    }
}
