//! Tokens and the reusable buffer that holds them.

use crate::entity::{self, Entity};
use crate::fold::fold_into;
use crate::{contraction, elongation, emoji, emoticon, segment};
use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word between Unicode word boundaries (`coffee`, `3.14`, `acme.com`), or an English
    /// contraction (`don't`, see [`crate::expand`]). Its normalised form is folded, with
    /// runs of three or more equal letters cut to two (`Soooo` → `soo`; see
    /// [`TokenRef::is_elongated`]).
    Word,
    /// `#` and a body of letters, digits, `_` and marks holding at least one letter.
    /// Its normalised form is the folded body, without the `#`.
    Hashtag,
    /// `@` and a handle (`@acme`, `@acme@mastodon.social`, `@acme.bsky.social`).
    /// Its normalised form is the folded handle, without the leading `@`.
    Mention,
    /// A link: `http://`, `https://` or `www.` followed by a letter or digit, up to white
    /// space, a control character or `<`, `>`, `"`, with trailing punctuation (and
    /// unbalanced closing parentheses) left out. Its normalised form is the lower-cased
    /// link; [`TokenRef::url_host`] gives its host.
    Url,
    /// One emoji grapheme cluster (`👍🏽`, `👩‍💻`, `🇫🇷`, `1️⃣`). Its normalised form drops skin
    /// tones and presentation selectors (`👍🏽` → `👍`, `❤️` → `❤`). Takes no word
    /// position: see [`Tokens::symbols`].
    Emoji,
    /// An ASCII emoticon standing alone (`:-)`, `<3`, `xD`, `T_T`). Its normalised form is
    /// its canonical spelling (`:-)))` → `:)`, `xD` → `:D`, `T_T` → `:'(`). Takes no word
    /// position: see [`Tokens::symbols`].
    Emoticon,
}

impl TokenKind {
    /// The byte that precedes a token of this kind in [`Tokens::scan_text`].
    #[inline]
    pub fn marker(self) -> u8 {
        match self {
            TokenKind::Word => 1,
            TokenKind::Hashtag => 2,
            TokenKind::Mention => 3,
            TokenKind::Url => 4,
            TokenKind::Emoji => 5,
            TokenKind::Emoticon => 6,
        }
    }

    /// Whether tokens of this kind are symbols (emoji, emoticons), which take no word
    /// position and are listed by [`Tokens::symbols`].
    #[inline]
    pub fn is_symbol(self) -> bool {
        matches!(self, TokenKind::Emoji | TokenKind::Emoticon)
    }
}

/// The byte that ends every token in [`Tokens::scan_text`].
pub const SCAN_END: u8 = 0;

/// One token, as stored in [`Tokens`]; read it through [`TokenRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: TokenKind,
    /// The word position; for a symbol, the position of the word after it.
    position: u32,
    /// A word with a run of three or more equal letters, cut in its normalised form.
    elongated: bool,
    start: u32,
    end: u32,
    norm_start: u32,
    norm_end: u32,
    part_start: u32,
    part_end: u32,
}

/// The tokens of one text, in order, with their normalised forms in one shared buffer.
///
/// Words, hashtags, mentions and links take one word position each: the first is at
/// position 0, the next at 1, and so on, so two adjacent ones are 1 apart; [`Tokens::iter`],
/// [`Tokens::get`] and [`Tokens::len`] see only them. Emoji and emoticons are tokens too but
/// take no position: they sit between words, listed apart by [`Tokens::symbols`], each with
/// the position of the word that follows it. So an emoji never separates two words: in
/// `lost 😡 bag`, `lost` is at 0 and `bag` at 1, as they were before emoji were tokens, and
/// a phrase query `"lost bag"` matches it. Punctuation and white space produce no token,
/// nor does a word whose folded form has no letter or digit left (a lone combining vowel
/// sign). Normalised forms are never empty.
///
/// Meant to be reused: [`Tokens::tokenize`] clears and refills it, keeping its allocations,
/// so tokenizing a stream of posts allocates only while the buffers grow.
///
/// ```
/// use rapport_text::{Tokens, TokenKind};
/// let mut tokens = Tokens::new();
/// tokens.tokenize("Loving the new Café latte from #Acme, thanks @acme@mastodon.social! https://Shop.Acme.com/x");
/// let folded: Vec<_> = tokens.iter().map(|t| (t.kind(), t.normalized())).collect();
/// assert_eq!(folded[3], (TokenKind::Word, "cafe"));
/// assert_eq!(folded[6], (TokenKind::Hashtag, "acme"));
/// assert_eq!(folded[8], (TokenKind::Mention, "acme@mastodon.social"));
/// assert_eq!(tokens.get(8).unwrap().mention_name(), Some("acme"));
/// assert_eq!(tokens.get(9).unwrap().url_host(), Some("shop.acme.com"));
///
/// tokens.tokenize("Lost 😡 bag :-(( I don’t get it, sooo bad 👎🏽");
/// let words: Vec<_> = tokens.iter().map(|t| t.normalized()).collect();
/// assert_eq!(words, ["lost", "bag", "i", "don't", "get", "it", "soo", "bad"]);
/// let symbols: Vec<_> = tokens.symbols().map(|t| (t.normalized(), t.position())).collect();
/// assert_eq!(symbols, [("😡", 1), (":(", 2), ("👎", 8)]);
/// assert!(tokens.get(6).unwrap().is_elongated());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    tokens: Vec<Token>,
    symbols: Vec<Token>,
    norm: String,
}

/// Texts longer than this are tokenized up to this many bytes (token offsets are `u32`).
const MAX_TEXT: usize = u32::MAX as usize;

impl Tokens {
    /// An empty buffer.
    pub fn new() -> Tokens {
        Tokens::default()
    }

    /// The tokens of `text` in a new buffer.
    pub fn of(text: &str) -> Tokens {
        let mut tokens = Tokens::new();
        tokens.tokenize(text);
        tokens
    }

    /// Replaces the contents with the tokens of `text`.
    ///
    /// Entities come first: a `#` followed by a body with a letter is a hashtag and a `@`
    /// followed by a handle is a mention, unless the sign follows a letter, digit, `_` or
    /// `&` (`a#b`, `joe@acme.com`, `&#39;`); `http://`, `https://` or `www.` starts a link
    /// unless it follows an ASCII letter, digit or `_`. A hashtag or mention whose folded
    /// form no longer reads as one gives no token. Then symbols: an emoji wherever one
    /// starts, an emoticon where it stands alone (after white space or at the start, before
    /// white space or the end). The stretches between them are cut into words on Unicode
    /// word boundaries (UAX #29; apostrophes end a word except in contractions, see
    /// [`crate`]). Input of any content is accepted; nothing panics.
    pub fn tokenize(&mut self, text: &str) {
        self.clear();
        let mut limit = text.len().min(MAX_TEXT);
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        let text = &text[..limit];
        if text.is_ascii() {
            self.tokenize_ascii(text);
        } else {
            self.tokenize_general(text);
        }
    }

    /// The general path: entities found byte by byte, the stretches between them cut into
    /// words by [`segment::words`].
    pub(crate) fn tokenize_general(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut plain = 0;
        let mut i = 0;
        // Where the last symbol ended: an emoticon may follow an emoji directly.
        let mut symbol_end = usize::MAX;
        while i < bytes.len() {
            let candidate = match bytes[i] {
                b'#' | b'@' => entity::at_boundary(text, i),
                b'h' | b'H' | b'w' | b'W' => entity::at_link_boundary(bytes, i),
                _ => false,
            };
            if candidate {
                if let Some(found) = entity::detect(text, i) {
                    self.push_words(text, plain, i);
                    i = self.push_entity(text, i, found);
                    plain = i;
                    continue;
                }
            }
            if let Some((kind, end)) = symbol_at(text, i, i == symbol_end) {
                self.push_words(text, plain, i);
                self.push_symbol(text, i, end, kind);
                i = end;
                plain = i;
                symbol_end = end;
                continue;
            }
            i += 1;
        }
        self.push_words(text, plain, bytes.len());
    }

    /// The ASCII fast path: entities and words in one pass, giving exactly what
    /// [`Tokens::tokenize_general`] gives on ASCII text.
    pub(crate) fn tokenize_ascii(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if emoticon::may_start(b) && (i == 0 || emoticon::is_space_byte(bytes[i - 1])) {
                if let Some((end, canonical)) = emoticon::at(text, i) {
                    self.push_symbol(text, i, end, Symbol::Emoticon(canonical));
                    i = end;
                    continue;
                }
            }
            if segment::is_word_byte(b) {
                // A word starts here, after a byte that is not part of a word: a link may
                // start here too.
                if matches!(b, b'h' | b'H' | b'w' | b'W') {
                    if let Some(found) = entity::detect(text, i) {
                        i = self.push_entity(text, i, found);
                        continue;
                    }
                }
                // A link right after a joining `.` or `:` cuts the word, as on the
                // general path, where entities are found first.
                let (end, has_alnum) =
                    segment::ascii_word_end(bytes, i, &|k| entity::detect(text, k).is_some());
                if has_alnum {
                    self.push_word(text, i, end);
                }
                i = end;
            } else if matches!(b, b'#' | b'@')
                && (i == 0 || !(segment::is_word_byte(bytes[i - 1]) || bytes[i - 1] == b'&'))
            {
                match entity::detect(text, i) {
                    Some(found) => i = self.push_entity(text, i, found),
                    None => i += 1,
                }
            } else {
                i += 1;
            }
        }
    }

    /// Every token's normalised form in text order, symbols included, laid out for
    /// scanning all of them in one pass (with Aho-Corasick, say): each is preceded by its
    /// kind's [marker](TokenKind::marker) (`\u{1}` word, `\u{2}` hashtag, `\u{3}`
    /// mention, `\u{4}` link, `\u{5}` emoji, `\u{6}` emoticon) and followed by
    /// [`SCAN_END`] (`\u{0}`). Normalised forms never hold these bytes, so the pattern
    /// `\u{1}acme\u{0}` finds exactly the word `acme`, and `\u{1}refund` every word
    /// starting with `refund`. [`Tokens::token_at`] turns the offset of a marker into the
    /// token's position.
    ///
    /// ```
    /// let tokens = rapport_text::Tokens::of("Hi #Acme");
    /// assert_eq!(tokens.scan_text(), "\u{1}hi\u{0}\u{2}acme\u{0}");
    /// assert_eq!(tokens.token_at(4), Some(1));
    /// ```
    #[inline]
    pub fn scan_text(&self) -> &str {
        &self.norm
    }

    /// The position of the token whose marker is at byte `offset` of
    /// [`Tokens::scan_text`], if one is (for a symbol, the position of the word after it).
    #[inline]
    pub fn token_at(&self, offset: usize) -> Option<usize> {
        let find = |list: &[Token]| {
            list.binary_search_by(|t| (t.norm_start as usize).cmp(&(offset + 1)))
                .ok()
                .and_then(|i| list.get(i))
                .map(|t| t.position as usize)
        };
        find(&self.tokens).or_else(|| find(&self.symbols))
    }

    /// Removes every token, keeping the allocations.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.symbols.clear();
        self.norm.clear();
    }

    /// How many positioned tokens (words, hashtags, mentions, links), and so positions,
    /// there are; symbols are not counted.
    #[inline]
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there is no token at all, positioned or symbol.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.symbols.is_empty()
    }

    /// The positioned token at `position`.
    #[inline]
    pub fn get(&self, position: usize) -> Option<TokenRef<'_>> {
        self.tokens.get(position).map(|token| TokenRef {
            token,
            norm: &self.norm,
        })
    }

    /// The positioned tokens (words, hashtags, mentions, links) in order.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = TokenRef<'_>> + '_ {
        self.tokens.iter().map(|token| TokenRef {
            token,
            norm: &self.norm,
        })
    }

    /// The emoji and emoticons in order. Each takes no position of its own: its
    /// [`TokenRef::position`] is the position of the word that follows it ([`Tokens::len`]
    /// after the last word), so symbols between the same two words share a position.
    #[inline]
    pub fn symbols(&self) -> impl ExactSizeIterator<Item = TokenRef<'_>> + '_ {
        self.symbols.iter().map(|token| TokenRef {
            token,
            norm: &self.norm,
        })
    }

    /// Pushes the word `text[start..end]`, or joins it to the word before when the two
    /// form a contraction.
    fn push_word(&mut self, text: &str, start: usize, end: usize) {
        if self.join_contraction(text, start, end) {
            return;
        }
        let word = &text[start..end];
        let norm = &mut self.norm;
        norm.push('\u{1}');
        let norm_start = norm.len();
        let ascii = word.is_ascii();
        if ascii {
            norm.push_str(word);
            norm[norm_start..].make_ascii_lowercase();
        } else {
            fold_into(word, norm);
        }
        if norm.len() == norm_start
            || (!ascii && !norm[norm_start..].chars().any(char::is_alphanumeric))
        {
            // Only marks (a lone vowel sign, say, or one on a bracket): nothing to match.
            norm.truncate(norm_start - 1);
            return;
        }
        let elongated = (!ascii || elongation::ascii_has_run(&norm.as_bytes()[norm_start..]))
            && elongation::squeeze_tail(norm, norm_start);
        let norm_end = norm.len();
        norm.push('\0');
        self.tokens.push(Token {
            kind: TokenKind::Word,
            position: offset(self.tokens.len()),
            elongated,
            start: offset(start),
            end: offset(end),
            norm_start: offset(norm_start),
            norm_end: offset(norm_end),
            part_start: offset(norm_start),
            part_end: offset(norm_end),
        });
    }

    /// Joins the word `text[start..end]` to the previous word if only an apostrophe
    /// separates them and together they are a contraction (`don` `'` `t`); returns
    /// whether it did. The joined normalised form uses a straight apostrophe.
    fn join_contraction(&mut self, text: &str, start: usize, end: usize) -> bool {
        // An apostrophe ends with `'` or with 0x99 (`’` is E2 80 99): a cheap first test.
        if start == 0 || !matches!(text.as_bytes()[start - 1], b'\'' | 0x99) {
            return false;
        }
        let Some(prev) = self.tokens.last_mut() else {
            return false;
        };
        let second = &text[start..end];
        if prev.kind != TokenKind::Word || second.len() > 3 || !second.is_ascii() {
            return false;
        }
        let gap = text.get(prev.end as usize..start);
        // The previous word's normalised form must end the buffer (nothing came since).
        if !matches!(gap, Some("'" | "\u{2019}")) || prev.norm_end as usize + 1 != self.norm.len() {
            return false;
        }
        let mut lower = [0u8; 3];
        lower[..second.len()].copy_from_slice(second.as_bytes());
        lower.make_ascii_lowercase();
        let Ok(lower) = std::str::from_utf8(&lower[..second.len()]) else {
            return false;
        };
        let first = self
            .norm
            .get(prev.norm_start as usize..prev.norm_end as usize)
            .unwrap_or("");
        if !contraction::joins(first, lower) {
            return false;
        }
        self.norm.truncate(prev.norm_end as usize);
        self.norm.push('\'');
        self.norm.push_str(lower);
        prev.end = offset(end);
        prev.norm_end = offset(self.norm.len());
        prev.part_end = prev.norm_end;
        self.norm.push('\0');
        true
    }

    /// Pushes the emoji or emoticon `text[start..end]`.
    fn push_symbol(&mut self, text: &str, start: usize, end: usize, symbol: Symbol) {
        let kind = match symbol {
            Symbol::Emoji => TokenKind::Emoji,
            Symbol::Emoticon(_) => TokenKind::Emoticon,
        };
        self.norm.push(char::from(kind.marker()));
        let norm_start = self.norm.len();
        match symbol {
            Symbol::Emoji => emoji::normalize_into(&text[start..end], &mut self.norm),
            Symbol::Emoticon(canonical) => self.norm.push_str(canonical),
        }
        let norm_end = self.norm.len();
        self.norm.push(char::from(SCAN_END));
        self.symbols.push(Token {
            kind,
            position: offset(self.tokens.len()),
            elongated: false,
            start: offset(start),
            end: offset(end),
            norm_start: offset(norm_start),
            norm_end: offset(norm_end),
            part_start: offset(norm_start),
            part_end: offset(norm_end),
        });
    }

    fn push_words(&mut self, text: &str, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let stretch = &text[from..to];
        segment::words(stretch, &mut |a, b| {
            self.push_word(text, from + a, from + b)
        });
    }

    /// Pushes the entity at `start` and returns where it ends.
    fn push_entity(&mut self, text: &str, start: usize, found: Entity) -> usize {
        let (kind, end) = match found {
            Entity::Hashtag { end, .. } => (TokenKind::Hashtag, end),
            Entity::Mention { end, .. } => (TokenKind::Mention, end),
            Entity::Url { end } => (TokenKind::Url, end),
        };
        self.norm.push(char::from(kind.marker()));
        let norm_start = self.norm.len();
        match found {
            Entity::Hashtag { body_start, end } | Entity::Mention { body_start, end } => {
                fold_into(&text[body_start..end], &mut self.norm);
            }
            Entity::Url { end } => {
                for c in text[start..end].chars() {
                    self.norm.extend(c.to_lowercase());
                }
            }
        }
        let norm_end = self.norm.len();
        let written = &self.norm[norm_start..norm_end];
        let reads_back = match kind {
            TokenKind::Hashtag => entity::is_tag_body(written),
            TokenKind::Mention => entity::is_handle(written),
            _ => !written.is_empty(),
        };
        if !reads_back {
            // Folding left nothing usable (a tag of marks, a handle starting with a dot):
            // the entity gives no token, so a query written from a token's normalised form
            // always finds that token again.
            self.norm.truncate(norm_start - 1);
            return end;
        }
        let part = match kind {
            TokenKind::Mention => {
                let name_len = written.find(['.', '@']).unwrap_or(written.len());
                norm_start..norm_start + name_len
            }
            TokenKind::Url => match entity::host_of(written) {
                Some(host) => {
                    // `host` is a sub-slice of `written`; find where it starts.
                    let at = host.as_ptr() as usize - written.as_ptr() as usize;
                    norm_start + at..norm_start + at + host.len()
                }
                None => norm_end..norm_end,
            },
            _ => norm_start..norm_end,
        };
        self.norm.push(char::from(SCAN_END));
        self.tokens.push(Token {
            kind,
            position: offset(self.tokens.len()),
            elongated: false,
            start: offset(start),
            end: offset(end),
            norm_start: offset(norm_start),
            norm_end: offset(norm_end),
            part_start: offset(part.start),
            part_end: offset(part.end),
        });
        end
    }
}

/// A symbol found at some byte of the text.
#[derive(Debug, Clone, Copy)]
enum Symbol {
    Emoji,
    /// With its canonical form.
    Emoticon(&'static str),
}

/// The symbol starting at byte `i` of `text`, and where it ends, if one starts there: an
/// emoticon standing alone (after the start, white space or another symbol) or an emoji.
#[inline]
fn symbol_at(text: &str, i: usize, after_symbol: bool) -> Option<(Symbol, usize)> {
    let bytes = text.as_bytes();
    let b = bytes[i];
    if emoticon::may_start(b)
        && (after_symbol
            || text[..i]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace))
    {
        if let Some((end, canonical)) = emoticon::at(text, i) {
            return Some((Symbol::Emoticon(canonical), end));
        }
    }
    let emoji_start = if b.is_ascii() {
        // A keycap's base: a digit, `#` or `*` before U+FE0F or U+20E3 (lead bytes EF, E2).
        matches!(b, b'0'..=b'9' | b'#' | b'*')
            && matches!(bytes.get(i + 1), Some(0xEF | 0xE2))
            && emoji::keycap_at(text, i)
    } else {
        emoji::may_start(b)
    };
    if emoji_start {
        if let Some(end) = emoji::at(text, i) {
            return Some((Symbol::Emoji, end));
        }
    }
    None
}

/// Offsets fit: texts are capped at `u32::MAX` bytes and folding at most triples a length
/// only for rare characters; a larger value saturates (the token then reads as empty).
fn offset(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A view of one token of a [`Tokens`].
#[derive(Debug, Clone, Copy)]
pub struct TokenRef<'a> {
    token: &'a Token,
    norm: &'a str,
}

impl<'a> TokenRef<'a> {
    /// What the token is.
    #[inline]
    pub fn kind(&self) -> TokenKind {
        self.token.kind
    }

    /// Its word position: 0 for the first word (hashtag, mention, link), then 1, 2...; for
    /// an emoji or emoticon, the position of the word after it (see [`Tokens::symbols`]).
    #[inline]
    pub fn position(&self) -> usize {
        self.token.position as usize
    }

    /// Whether it is a word that was elongated (`soooo`, `goooood`): written with a run of
    /// three or more equal letters, cut to two in its normalised form. A sign of emphasis.
    #[inline]
    pub fn is_elongated(&self) -> bool {
        self.token.elongated
    }

    /// Its byte range in the tokenized text, `#` or `@` included.
    #[inline]
    pub fn span(&self) -> Range<usize> {
        self.token.start as usize..self.token.end as usize
    }

    /// Its normalised form: folded (lower case, accents removed; see [`crate::fold`]) for
    /// words (elongations cut, contractions with a straight apostrophe), hashtag bodies and
    /// handles; lower-cased for links; without skin tones or presentation selectors for
    /// emoji; canonical for emoticons.
    #[inline]
    pub fn normalized(&self) -> &'a str {
        self.slice(self.token.norm_start, self.token.norm_end)
    }

    /// For a mention, the name: the folded handle up to its first `@` or `.`
    /// (`acme` for `@acme@mastodon.social` and `@Acme.bsky.social`).
    #[inline]
    pub fn mention_name(&self) -> Option<&'a str> {
        (self.token.kind == TokenKind::Mention)
            .then(|| self.slice(self.token.part_start, self.token.part_end))
    }

    /// For a link, its lower-cased host (`shop.acme.com`).
    #[inline]
    pub fn url_host(&self) -> Option<&'a str> {
        (self.token.kind == TokenKind::Url)
            .then(|| self.slice(self.token.part_start, self.token.part_end))
            .filter(|host| !host.is_empty())
    }

    #[inline]
    fn slice(&self, start: u32, end: u32) -> &'a str {
        self.norm.get(start as usize..end as usize).unwrap_or("")
    }
}
