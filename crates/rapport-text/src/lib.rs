//! rapport's social-text tokenizer, shared by monitor matching and NLP.
//!
//! [`Tokens::tokenize`] cuts a post into [`TokenKind::Word`]s, [`TokenKind::Hashtag`]s,
//! [`TokenKind::Mention`]s and [`TokenKind::Url`]s, which take word positions, and
//! [`TokenKind::Emoji`]s and [`TokenKind::Emoticon`]s, which do not (they sit between
//! words; see [`Tokens::symbols`]). Each token has a word position (0, 1, 2... so the
//! distance between two words is the difference of their positions), its byte span in the
//! text, and a normalised form: lower case (full Unicode lower case) with accents folded
//! (canonical decomposition, combining marks dropped), so `Café` becomes `cafe`.
//!
//! Words follow Unicode word boundaries (UAX #29, through `unicode-segmentation`, with an
//! exact hand-written fast path for ASCII stretches), with one change: an apostrophe (`'`
//! or `’`) ends a word, so `Acme's` gives the words `acme` and `s` and `l’Acme` gives `l`
//! and `acme`, except in English contractions, which stay one word normalised with a
//! straight apostrophe (`Don’t` → `don't`; see [`expand`]). Elongated words keep their
//! surface form but their normalised form cuts runs of three or more equal letters to two
//! (`soooo` → `soo`), with a flag ([`TokenRef::is_elongated`]). Punctuation produces no
//! token; emoji produce one per grapheme cluster and emoticons one where they stand alone.
//!
//! The same function must tokenize the queries and the posts they are matched against, so
//! that both sides agree on what a word is: use this crate for both.
//!
//! [`length`] counts a text as each network does (Mastodon, Bluesky, X) for posting.

mod contraction;
mod elongation;
mod emoji;
mod emoticon;
mod entity;
mod fold;
pub mod length;
mod segment;
mod tokens;

pub use contraction::expand;
pub use entity::host_of;
pub use fold::{fold, fold_into};
pub use tokens::{TokenKind, TokenRef, Tokens, SCAN_END};

#[cfg(test)]
mod tests;
