//! The reference evaluator: one query at a time, straight from the definitions, with string
//! comparisons over the tokens. No index and nothing shared between queries: the
//! compiled engine must always agree with it.

use crate::ast::{Atom, AtomKind, Expr, Pattern, Scope};
use crate::document::PreparedDocument;
use rapport_text::{TokenKind, TokenRef, Tokens};

/// Whether `expr` matches the prepared document.
pub(crate) fn eval(expr: &Expr, doc: &PreparedDocument) -> bool {
    match expr {
        Expr::And(items) => items.iter().all(|e| eval(e, doc)),
        Expr::Or(items) => items.iter().any(|e| eval(e, doc)),
        Expr::Not(inner) => !eval(inner, doc),
        Expr::Text { pattern, scope } => fields(doc, *scope)
            .iter()
            .any(|tokens| occurrences(pattern, tokens).next().is_some()),
        Expr::Near {
            left,
            right,
            distance,
        } => fields(doc, Scope::Any).iter().any(|tokens| {
            occurrences(left, tokens)
                .any(|l| occurrences(right, tokens).any(|r| near(l, r, *distance as usize)))
        }),
        Expr::Author(handle) => doc.author_matches(handle),
        Expr::Lang(lang) => doc.lang_matches(lang),
        Expr::Network(network) => doc.network == Some(*network),
        Expr::Site(domain) => doc.site_matches(domain),
    }
}

/// The token streams a scope looks at.
fn fields(doc: &PreparedDocument, scope: Scope) -> Vec<&Tokens> {
    match scope {
        Scope::Any => vec![&doc.text, &doc.title],
        Scope::Title => vec![&doc.title],
    }
}

/// Whether two occurrences (first and last positions, inclusive) are in different places
/// and at most `distance` apart: the gap from the end of one to the start of the other.
pub(crate) fn near(a: (usize, usize), b: (usize, usize), distance: usize) -> bool {
    if a.1 < b.0 {
        b.0 - a.1 <= distance
    } else if b.1 < a.0 {
        a.0 - b.1 <= distance
    } else {
        false
    }
}

/// Every place (first and last position) where `pattern` occurs in `tokens`.
fn occurrences<'t>(
    pattern: &'t Pattern,
    tokens: &'t Tokens,
) -> impl Iterator<Item = (usize, usize)> + 't {
    let n = pattern.atoms.len();
    // A symbol atom is always alone in its pattern (see `AtomKind::Emoji`); symbols sit at
    // the position of the word after them.
    let symbol = pattern.atoms.first().filter(|a| a.kind.is_symbol());
    let symbols = tokens
        .symbols()
        .filter(move |t| symbol.is_some_and(|atom| atom_matches(atom, *t)))
        .map(|t| (t.position(), t.position()));
    let starts = if symbol.is_some() {
        0
    } else {
        (tokens.len() + 1).saturating_sub(n)
    };
    symbols.chain((0..starts).filter_map(move |start| {
        pattern
            .atoms
            .iter()
            .enumerate()
            .all(|(i, atom)| tokens.get(start + i).is_some_and(|t| atom_matches(atom, t)))
            .then_some((start, start + n - 1))
    }))
}

/// Whether one token is what `atom` asks for.
pub(crate) fn atom_matches(atom: &Atom, token: TokenRef<'_>) -> bool {
    let test = |s: &str| {
        if atom.prefix {
            s.starts_with(atom.text.as_str())
        } else {
            s == atom.text
        }
    };
    match (atom.kind, token.kind()) {
        (AtomKind::Word, TokenKind::Word | TokenKind::Hashtag) => test(token.normalized()),
        (AtomKind::Word, TokenKind::Mention) => token.mention_name().is_some_and(test),
        (AtomKind::Hashtag, TokenKind::Hashtag) => test(token.normalized()),
        (AtomKind::Mention, TokenKind::Mention) => {
            test(token.normalized()) || (!atom.prefix && token.mention_name().is_some_and(test))
        }
        (AtomKind::Emoji, TokenKind::Emoji) | (AtomKind::Emoticon, TokenKind::Emoticon) => {
            token.normalized() == atom.text
        }
        _ => false,
    }
}
