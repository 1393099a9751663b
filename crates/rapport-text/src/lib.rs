//! rapport's social-text tokenizer, shared by monitor matching and (later) NLP.
//!
//! [`Tokens::tokenize`] cuts a post into [`TokenKind::Word`]s, [`TokenKind::Hashtag`]s,
//! [`TokenKind::Mention`]s and [`TokenKind::Url`]s. Each token has a word position (0, 1,
//! 2... so the distance between two tokens is the difference of their positions), its byte
//! span in the text, and a normalised form: lower case (full Unicode lower case) with accents
//! folded (canonical decomposition, combining marks dropped), so `Café` becomes `cafe`.
//!
//! Words follow Unicode word boundaries (UAX #29, through `unicode-segmentation`, with an
//! exact hand-written fast path for ASCII stretches), with one change: an apostrophe (`'` or
//! `’`) ends a word, so `Acme's` gives the words `acme` and `s`. Runs of punctuation, symbols
//! and emoji produce no token.
//!
//! The same function must tokenize the queries and the posts they are matched against, so
//! that both sides agree on what a word is: use this crate for both.

mod entity;
mod fold;
mod segment;
mod tokens;

pub use entity::host_of;
pub use fold::{fold, fold_into};
pub use tokens::{TokenKind, TokenRef, Tokens, SCAN_END};

#[cfg(test)]
mod tests;
