//! Tokens and the reusable buffer that holds them.

use crate::entity::{self, Entity};
use crate::fold::fold_into;
use crate::segment;
use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word between Unicode word boundaries (`coffee`, `3.14`, `acme.com`).
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
        }
    }
}

/// The byte that ends every token in [`Tokens::scan_text`].
pub const SCAN_END: u8 = 0;

/// One token, as stored in [`Tokens`]; read it through [`TokenRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: TokenKind,
    start: u32,
    end: u32,
    norm_start: u32,
    norm_end: u32,
    part_start: u32,
    part_end: u32,
}

/// The tokens of one text, in order, with their normalised forms in one shared buffer.
///
/// Every token takes one word position: the first is at position 0, the next at 1, and so
/// on, whatever its kind, so two adjacent tokens are 1 apart. Punctuation, white space and
/// symbols (emoji included) produce no token and take no position, nor does a word whose
/// folded form has no letter or digit left (a lone combining vowel sign). Normalised forms
/// are never empty.
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
/// ```
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    tokens: Vec<Token>,
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
    /// form no longer reads as one gives no token. The stretches between entities are cut
    /// into words on Unicode word boundaries (UAX #29; apostrophes end a word, see
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
                    self.norm.push('\u{1}');
                    let norm_start = self.norm.len();
                    self.norm.push_str(&text[i..end]);
                    self.norm[norm_start..].make_ascii_lowercase();
                    let norm_end = self.norm.len();
                    self.norm.push('\0');
                    self.tokens.push(Token {
                        kind: TokenKind::Word,
                        start: offset(i),
                        end: offset(end),
                        norm_start: offset(norm_start),
                        norm_end: offset(norm_end),
                        part_start: offset(norm_start),
                        part_end: offset(norm_end),
                    });
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

    /// Every token's normalised form in order, laid out for scanning all of them in one
    /// pass (with Aho-Corasick, say): each is preceded by its kind's
    /// [marker](TokenKind::marker) (`\u{1}` word, `\u{2}` hashtag, `\u{3}` mention,
    /// `\u{4}` link) and followed by [`SCAN_END`] (`\u{0}`). Normalised forms never hold
    /// these bytes, so the pattern `\u{1}acme\u{0}` finds exactly the word `acme`, and
    /// `\u{1}refund` every word starting with `refund`. [`Tokens::token_at`] turns the
    /// offset of a marker into the token's position.
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
    /// [`Tokens::scan_text`], if one is.
    #[inline]
    pub fn token_at(&self, offset: usize) -> Option<usize> {
        self.tokens
            .binary_search_by(|t| (t.norm_start as usize).cmp(&(offset + 1)))
            .ok()
    }

    /// Removes every token, keeping the allocations.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.norm.clear();
    }

    /// How many tokens (and so positions) there are.
    #[inline]
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there is no token.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token at `position`.
    #[inline]
    pub fn get(&self, position: usize) -> Option<TokenRef<'_>> {
        self.tokens.get(position).map(|token| TokenRef {
            token,
            norm: &self.norm,
            position,
        })
    }

    /// The tokens in order.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = TokenRef<'_>> + '_ {
        self.tokens
            .iter()
            .enumerate()
            .map(|(position, token)| TokenRef {
                token,
                norm: &self.norm,
                position,
            })
    }

    fn push_words(&mut self, text: &str, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let stretch = &text[from..to];
        let Tokens { tokens, norm } = self;
        segment::words(stretch, &mut |a, b| {
            norm.push('\u{1}');
            let norm_start = norm.len();
            fold_into(&stretch[a..b], norm);
            let norm_end = norm.len();
            let word = &stretch[a..b];
            if norm_end == norm_start
                || (!word.is_ascii() && !norm[norm_start..].chars().any(char::is_alphanumeric))
            {
                // Only marks (a lone vowel sign, say, or one on a bracket): nothing to match.
                norm.truncate(norm_start - 1);
                return;
            }
            norm.push('\0');
            tokens.push(Token {
                kind: TokenKind::Word,
                start: offset(from + a),
                end: offset(from + b),
                norm_start: offset(norm_start),
                norm_end: offset(norm_end),
                part_start: offset(norm_start),
                part_end: offset(norm_end),
            });
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
    position: usize,
}

impl<'a> TokenRef<'a> {
    /// What the token is.
    #[inline]
    pub fn kind(&self) -> TokenKind {
        self.token.kind
    }

    /// Its word position: 0 for the first token, then 1, 2...
    #[inline]
    pub fn position(&self) -> usize {
        self.position
    }

    /// Its byte range in the tokenized text, `#` or `@` included.
    #[inline]
    pub fn span(&self) -> Range<usize> {
        self.token.start as usize..self.token.end as usize
    }

    /// Its normalised form: folded (lower case, accents removed; see [`crate::fold`]) for
    /// words, hashtag bodies and handles, lower-cased for links.
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
