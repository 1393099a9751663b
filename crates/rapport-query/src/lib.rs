//! rapport's monitor query language.
//!
//! A monitor says what to listen for with a boolean query:
//!
//! | syntax | meaning |
//! |---|---|
//! | `acme` | the word, any case, accents folded (`cafe` matches `Café`), on word boundaries; also a hashtag's body or a mention's name (`#Acme`, `@acme`) |
//! | `"big sale"` | consecutive words (`\"` escapes a quote) |
//! | `refund*` | words starting with `refund` (3 letters at least before `*`) |
//! | `#acme`, `@acme` | only that hashtag, only that mention |
//! | `a AND b`, `a b`, `a OR b`, `a NOT b`, `( )` | `NOT` binds tightest, then `AND`, then `OR` |
//! | `x NEAR/3 y` | both, at most 3 positions apart (adjacent words are 1 apart), either order |
//! | `author:acme`, `lang:en`, `network:mastodon`, `site:acme.com`, `title:launch` | filters |
//!
//! [`Query::parse`] returns a valid [`Query`] or a [`QueryError`] with a 1-based column and a
//! caret. [`Query::matches`] is the reference evaluator (one query at a time);
//! [`MatcherSet`] compiles many monitors into one matcher that scans each post once with an
//! Aho-Corasick automaton and evaluates only the monitors it found candidates.
//!
//! Text is tokenized by [`rapport_text`] on both sides, so a query and a post agree on what
//! a word is.

mod ast;
pub mod bench;
mod compile;
mod document;
mod error;
mod lexer;
mod naive;
mod parser;

pub use ast::{Atom, AtomKind, Expr, Pattern, Query, Scope};
pub use compile::{MatcherSet, Scratch};
pub use document::{Document, PreparedDocument};
pub use error::QueryError;

use std::str::FromStr;

impl Query {
    /// Parses and validates a query.
    ///
    /// ```
    /// use rapport_query::Query;
    /// let q = Query::parse("acme coffee OR #acme NOT job*").unwrap();
    /// assert_eq!(q.to_string(), "(acme AND coffee) OR (#acme AND NOT job*)");
    /// let e = Query::parse("autor:acme").unwrap_err();
    /// assert_eq!(e.headline(), "unknown field 'autor' at column 1 (did you mean 'author'?)");
    /// ```
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        parser::parse(query)
    }

    /// Whether the query matches `doc`: the reference evaluator, which tokenizes the
    /// document on every call. To test one document against many queries, prepare it once
    /// and use [`Query::matches_prepared`]; for many monitors use [`MatcherSet`].
    pub fn matches(&self, doc: &Document<'_>) -> bool {
        self.matches_prepared(&PreparedDocument::of(doc))
    }

    /// Whether the query matches an already prepared document (reference evaluator).
    pub fn matches_prepared(&self, doc: &PreparedDocument) -> bool {
        naive::eval(&self.expr, doc)
    }
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Query, QueryError> {
        Query::parse(s)
    }
}
