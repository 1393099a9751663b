//! The parsed form of a query, and its canonical text.

use rapport_model::Network;
use std::fmt;

/// A parsed, valid monitor query. Only [`Query::parse`] makes one, so every `Query` is
/// well formed and can match a post by something it contains (never only by an absence).
///
/// Its [`Display`](fmt::Display) prints the canonical form: normalised terms, explicit
/// `AND`, and parentheses wherever `AND` and `OR` mix, so `a b OR c` prints as
/// `(a AND b) OR c`. Parsing the canonical form gives the same query back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub(crate) expr: Expr,
}

impl Query {
    /// The expression tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

/// A node of a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// All of these (two or more; nested `AND`s are flattened).
    And(Vec<Expr>),
    /// Any of these (two or more; nested `OR`s are flattened).
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
    /// A term, wildcard, hashtag, mention or phrase, in the post's text (or title), or with
    /// `title:` in the title only.
    Text {
        /// What to find.
        pattern: Pattern,
        /// Where.
        scope: Scope,
    },
    /// `left NEAR/distance right`: both in the same field, at most `distance` positions
    /// apart, in either order.
    Near {
        /// One side.
        left: Pattern,
        /// The other side.
        right: Pattern,
        /// The largest gap allowed, in positions (adjacent words are 1 apart).
        distance: u32,
    },
    /// `author:handle`: folded, without a leading `@`.
    Author(String),
    /// `lang:code`: lower case, `_` written `-`.
    Lang(String),
    /// `network:name`.
    Network(Network),
    /// `site:domain`: lower case.
    Site(String),
}

/// Where a text pattern is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The post's text or its title (each on its own: a phrase never spans both).
    Any,
    /// The title only (`title:`).
    Title,
}

/// One or more atoms at consecutive positions: a single atom is a term, more are a phrase.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub(crate) atoms: Vec<Atom>,
}

impl Pattern {
    /// The atoms, in order; never empty, and only a lone atom can be a prefix.
    pub fn atoms(&self) -> &[Atom] {
        &self.atoms
    }
}

/// What one token must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AtomKind {
    /// A bare term: matches a word, a hashtag's body or a mention's name.
    Word,
    /// `#tag`: matches only that hashtag.
    Hashtag,
    /// `@handle`: matches a mention of that handle (`@acme` also matches
    /// `@acme@mastodon.social`, whose name is `acme`).
    Mention,
    /// An emoji (`"😡"`): matches that emoji, whatever its skin tone or presentation
    /// selector. Only ever a lone atom: emoji take no word position, so they do not make
    /// phrases or `NEAR` sides.
    Emoji,
    /// An emoticon (`":)"`), in canonical form: matches its every spelling (`:-)))`). Only
    /// ever a lone atom, like [`AtomKind::Emoji`].
    Emoticon,
}

impl AtomKind {
    /// Whether it matches a symbol (an emoji or emoticon) rather than a positioned token.
    pub fn is_symbol(self) -> bool {
        matches!(self, AtomKind::Emoji | AtomKind::Emoticon)
    }
}

/// One token to match: its kind, its folded text, and whether the text is a prefix
/// (`refund*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom {
    /// What kind of token it matches.
    pub kind: AtomKind,
    /// The folded text (no `#` or `@`).
    pub text: String,
    /// Whether `text` is a prefix (a wildcard).
    pub prefix: bool,
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AtomKind::Word | AtomKind::Emoji | AtomKind::Emoticon => f.write_str(&self.text)?,
            AtomKind::Hashtag => write!(f, "#{}", self.text)?,
            AtomKind::Mention => write!(f, "@{}", self.text)?,
        }
        if self.prefix {
            f.write_str("*")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A lone word with a colon would read back as a field, and an emoticon may hold a
        // parenthesis or an emoji a `*` (`*️⃣`): quote them.
        let quote = self.atoms.len() > 1
            || self.atoms.first().is_some_and(|a| {
                (a.kind == AtomKind::Word && a.text.contains(':')) || a.kind.is_symbol()
            });
        if quote {
            f.write_str("\"")?;
        }
        for (i, atom) in self.atoms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{atom}")?;
        }
        if quote {
            f.write_str("\"")?;
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(items) => join(f, items, " AND ", |e| {
                matches!(e, Expr::Or(_) | Expr::Near { .. })
            }),
            Expr::Or(items) => join(f, items, " OR ", |e| {
                matches!(e, Expr::And(_) | Expr::Near { .. })
            }),
            Expr::Not(inner) => match inner.as_ref() {
                Expr::And(_) | Expr::Or(_) | Expr::Near { .. } => write!(f, "NOT ({inner})"),
                _ => write!(f, "NOT {inner}"),
            },
            Expr::Text {
                pattern,
                scope: Scope::Any,
            } => write!(f, "{pattern}"),
            Expr::Text {
                pattern,
                scope: Scope::Title,
            } => write!(f, "title:{pattern}"),
            Expr::Near {
                left,
                right,
                distance,
            } => write!(f, "{left} NEAR/{distance} {right}"),
            Expr::Author(handle) => write!(f, "author:{handle}"),
            Expr::Lang(lang) => write!(f, "lang:{lang}"),
            Expr::Network(network) => write!(f, "network:{network}"),
            Expr::Site(domain) => write!(f, "site:{domain}"),
        }
    }
}

fn join(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    separator: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        if needs_parens(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)
    }
}
