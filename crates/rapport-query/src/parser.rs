//! The parser: a recursive descent over the lexemes, with every error positioned.
//!
//! ```text
//! query   = or
//! or      = and { "OR" and }
//! and     = unary { ["AND"] unary }          (adjacent items are ANDed)
//! unary   = "NOT" unary | near
//! near    = primary [ "NEAR/n" primary ]     (both sides terms or phrases)
//! primary = "(" or ")" | term | "phrase" | field:value
//! ```

use crate::ast::{Atom, AtomKind, Expr, Pattern, Query, Scope};
use crate::error::QueryError;
use crate::lexer::{lex, FieldValue, Lexeme, Tok};
use rapport_model::Network;
use rapport_text::{TokenKind, Tokens};

/// How deeply parentheses and `NOT`s may nest.
pub(crate) const MAX_DEPTH: usize = 64;

/// The field names, for "did you mean" hints.
const FIELDS: [&str; 5] = ["author", "lang", "network", "site", "title"];

/// Parses and validates `query`.
pub(crate) fn parse(query: &str) -> Result<Query, QueryError> {
    let lexemes = lex(query)?;
    if lexemes.is_empty() {
        return Err(QueryError::new(query, 1, "empty query")
            .with_hint("write a term to look for, like acme"));
    }
    let mut parser = Parser {
        query,
        lexemes,
        i: 0,
        end_col: query.chars().count() + 1,
        depth: 0,
    };
    let parsed = parser.or()?;
    if let Some(lexeme) = parser.lexemes.get(parser.i) {
        return Err(match lexeme.tok {
            Tok::RParen => QueryError::new(query, lexeme.col, "unexpected ')'")
                .with_hint("there is no '(' for it to close"),
            _ => QueryError::new(query, lexeme.col, "unexpected text"),
        });
    }
    if let Some((col, culprit)) = parsed.absent {
        return Err(QueryError::new(
            query,
            col,
            format!("'{culprit}' can match only by the absence of something"),
        )
        .with_hint(format!(
            "add something to look for, as in 'coffee {culprit}'"
        )));
    }
    Ok(Query { expr: parsed.expr })
}

/// A parsed node, where it starts, and, when it can match only by an absence, the column
/// and the text of the `NOT` responsible.
struct Parsed {
    expr: Expr,
    col: usize,
    absent: Option<(usize, Expr)>,
}

impl Parsed {
    fn positive(expr: Expr, col: usize) -> Parsed {
        Parsed {
            expr,
            col,
            absent: None,
        }
    }
}

struct Parser<'q> {
    query: &'q str,
    lexemes: Vec<Lexeme<'q>>,
    i: usize,
    end_col: usize,
    depth: usize,
}

fn starts_operand(tok: Option<&Tok<'_>>) -> bool {
    matches!(
        tok,
        Some(Tok::LParen | Tok::Not | Tok::Quoted(_) | Tok::Run(_) | Tok::Field { .. })
    )
}

fn operator_name(tok: &Tok<'_>) -> String {
    match tok {
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
        Tok::Near(n) => format!("NEAR/{n}"),
        _ => String::new(),
    }
}

impl<'q> Parser<'q> {
    fn peek(&self) -> Option<&Tok<'q>> {
        self.lexemes.get(self.i).map(|l| &l.tok)
    }

    /// The column of the next lexeme, or one past the end.
    fn col(&self) -> usize {
        self.lexemes.get(self.i).map_or(self.end_col, |l| l.col)
    }

    fn error(&self, col: usize, message: impl Into<String>) -> QueryError {
        QueryError::new(self.query, col, message)
    }

    fn expect_operand_after(&self, operator: &str) -> Result<(), QueryError> {
        if starts_operand(self.peek()) {
            Ok(())
        } else {
            Err(self.error(self.col(), format!("expected a term after {operator}")))
        }
    }

    fn enter(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                col,
                format!("the query nests too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Parsed, QueryError> {
        let first = self.and()?;
        let col = first.col;
        let mut items = vec![first];
        while let Some(Tok::Or) = self.peek() {
            self.i += 1;
            self.expect_operand_after("OR")?;
            items.push(self.and()?);
        }
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let absent = items.iter().find_map(|p| p.absent.clone());
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item.expr {
                Expr::Or(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Ok(Parsed {
            expr: Expr::Or(flat),
            col,
            absent,
        })
    }

    fn and(&mut self) -> Result<Parsed, QueryError> {
        let first = self.unary()?;
        let col = first.col;
        let mut items = vec![first];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.i += 1;
                    self.expect_operand_after("AND")?;
                }
                tok if starts_operand(tok) => {}
                _ => break,
            }
            items.push(self.unary()?);
        }
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let absent = if items.iter().any(|p| p.absent.is_none()) {
            None
        } else {
            items.iter().find_map(|p| p.absent.clone())
        };
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item.expr {
                Expr::And(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Ok(Parsed {
            expr: Expr::And(flat),
            col,
            absent,
        })
    }

    fn unary(&mut self) -> Result<Parsed, QueryError> {
        if let Some(Tok::Not) = self.peek() {
            let col = self.col();
            self.i += 1;
            self.expect_operand_after("NOT")?;
            self.enter(col)?;
            let inner = self.unary()?;
            self.depth -= 1;
            let expr = Expr::Not(Box::new(inner.expr));
            return Ok(Parsed {
                absent: Some((col, expr.clone())),
                expr,
                col,
            });
        }
        self.near()
    }

    fn near(&mut self) -> Result<Parsed, QueryError> {
        let left = self.primary()?;
        let Some(&Tok::Near(distance)) = self.peek() else {
            return Ok(left);
        };
        let near_col = self.col();
        let name = format!("NEAR/{distance}");
        let sides_error = |p: &Parser<'_>, col: usize| {
            p.error(
                col,
                format!("{name} works between two terms or two phrases"),
            )
            .with_hint("combine larger groups with AND")
        };
        let left_start = left.col;
        let Expr::Text {
            pattern: left,
            scope: Scope::Any,
        } = left.expr
        else {
            return Err(sides_error(self, near_col));
        };
        let symbol_error = |p: &Parser<'_>, col: usize| {
            p.error(
                col,
                format!("{name} measures words: an emoji or emoticon has no word position"),
            )
            .with_hint("combine it with AND")
        };
        if left.atoms.iter().any(|a| a.kind.is_symbol()) {
            return Err(symbol_error(self, left_start));
        }
        self.i += 1;
        if !matches!(self.peek(), Some(Tok::Quoted(_) | Tok::Run(_))) {
            return Err(match self.peek() {
                Some(Tok::LParen | Tok::Field { .. }) => sides_error(self, self.col()),
                _ => self.error(self.col(), format!("expected a term after {name}")),
            });
        }
        let right_col = self.col();
        let right = self.primary()?;
        let Expr::Text {
            pattern: right,
            scope: Scope::Any,
        } = right.expr
        else {
            return Err(sides_error(self, right_col));
        };
        if right.atoms.iter().any(|a| a.kind.is_symbol()) {
            return Err(symbol_error(self, right_col));
        }
        if let Some(Tok::Near(_)) = self.peek() {
            return Err(self
                .error(
                    self.col(),
                    format!("{name} joins exactly two terms or phrases"),
                )
                .with_hint("combine several NEARs with AND"));
        }
        Ok(Parsed::positive(
            Expr::Near {
                left,
                right,
                distance,
            },
            left_start,
        ))
    }

    fn primary(&mut self) -> Result<Parsed, QueryError> {
        let Some(lexeme) = self.lexemes.get(self.i).cloned() else {
            return Err(self.error(self.end_col, "expected a term"));
        };
        let col = lexeme.col;
        self.i += 1;
        match lexeme.tok {
            Tok::LParen => {
                if let Some(Tok::RParen) = self.peek() {
                    return Err(self.error(col, "empty parentheses"));
                }
                self.enter(col)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Tok::RParen) => self.i += 1,
                    None => return Err(self.error(col, "unclosed parenthesis")),
                    Some(_) => return Err(self.error(self.col(), "expected ')'")),
                }
                Ok(Parsed { col, ..inner })
            }
            Tok::Quoted(text) => {
                let pattern = phrase(self.query, &text, col)?;
                Ok(Parsed::positive(
                    Expr::Text {
                        pattern,
                        scope: Scope::Any,
                    },
                    col,
                ))
            }
            Tok::Run(run) => {
                let pattern = term(self.query, run, col)?;
                Ok(Parsed::positive(
                    Expr::Text {
                        pattern,
                        scope: Scope::Any,
                    },
                    col,
                ))
            }
            Tok::Field {
                name,
                value,
                value_col,
            } => Ok(Parsed::positive(
                field(self.query, name, value, col, value_col)?,
                col,
            )),
            Tok::RParen => Err(self
                .error(col, "unexpected ')'")
                .with_hint("expected a term here")),
            tok @ (Tok::And | Tok::Or | Tok::Not | Tok::Near(_)) => Err(self.error(
                col,
                format!("expected a term before {}", operator_name(&tok)),
            )),
        }
    }
}

/// Turns the tokens of a query fragment into atoms.
///
/// Emoji and emoticons take no word position, so they cannot be part of a phrase: in a
/// fragment with words they are left out, as they always were (`"lost 😡 bag"` is the
/// phrase `"lost bag"`); a fragment of symbols only is one symbol atom (repeats, as in
/// `😡😡😡`, count once).
fn atoms_of(query: &str, text: &str, col: usize) -> Result<Vec<Atom>, QueryError> {
    let tokens = Tokens::of(text);
    if tokens.get(0).is_none() {
        return symbol_atom(query, &tokens, col);
    }
    let mut atoms = Vec::with_capacity(tokens.len());
    for token in tokens.iter() {
        let kind = match token.kind() {
            TokenKind::Word => AtomKind::Word,
            TokenKind::Hashtag => AtomKind::Hashtag,
            TokenKind::Mention => AtomKind::Mention,
            // Symbols are never positioned tokens.
            TokenKind::Emoji | TokenKind::Emoticon => continue,
            TokenKind::Url => {
                let host = token.url_host().unwrap_or("example.com");
                return Err(
                    QueryError::new(query, col, "a link can't be matched as text")
                        .with_hint(format!("use site:{host} to match posts that link there")),
                );
            }
        };
        atoms.push(Atom {
            kind,
            text: token.normalized().to_string(),
            prefix: false,
        });
    }
    Ok(atoms)
}

/// The one symbol of a fragment without words, if it has one.
fn symbol_atom(query: &str, tokens: &Tokens, col: usize) -> Result<Vec<Atom>, QueryError> {
    let mut atom: Option<Atom> = None;
    for token in tokens.symbols() {
        let kind = match token.kind() {
            TokenKind::Emoticon => AtomKind::Emoticon,
            _ => AtomKind::Emoji,
        };
        match &atom {
            Some(first) if first.kind != kind || first.text != token.normalized() => {
                return Err(QueryError::new(
                    query,
                    col,
                    "one emoji or emoticon per term: they have no word order to match",
                )
                .with_hint(format!(
                    "write them as separate terms: \"{}\" AND \"{}\"",
                    first.text,
                    token.normalized()
                )));
            }
            Some(_) => {}
            None => {
                atom = Some(Atom {
                    kind,
                    text: token.normalized().to_string(),
                    prefix: false,
                });
            }
        }
    }
    Ok(atom.into_iter().collect())
}

/// A bare run: a term, a wildcard, a hashtag, a mention, or (when it holds several words,
/// like `brew-day`) a phrase.
fn term(query: &str, run: &str, col: usize) -> Result<Pattern, QueryError> {
    if run.len() > 1 && run.starts_with('-') {
        return Err(
            QueryError::new(query, col, "to leave a term out, put NOT before it")
                .with_hint(format!("NOT {}", &run[1..])),
        );
    }
    let stars: Vec<usize> = run
        .chars()
        .enumerate()
        .filter(|&(_, c)| c == '*')
        .map(|(i, _)| i)
        .collect();
    let run_chars = run.chars().count();
    if let Some(&misplaced) = stars.iter().find(|&&i| i + 1 != run_chars) {
        return Err(QueryError::new(
            query,
            col + misplaced,
            "a wildcard '*' can only end a word",
        ));
    }
    let wildcard = !stars.is_empty();
    let stem = run.strip_suffix('*').unwrap_or(run);
    let mut atoms = atoms_of(query, stem, col)?;
    if atoms.is_empty() {
        let hint = match run {
            "&&" | "&" => "write AND",
            "||" | "|" => "write OR",
            "!" | "-" => "write NOT",
            _ => "a term needs letters or digits",
        };
        return Err(
            QueryError::new(query, col, format!("'{run}' has nothing to match")).with_hint(hint),
        );
    }
    if wildcard {
        if atoms.iter().any(|a| a.kind.is_symbol()) {
            return Err(QueryError::new(
                query,
                col,
                "a wildcard applies to a word, not to an emoji or emoticon",
            ));
        }
        if atoms.len() != 1 {
            return Err(QueryError::new(
                query,
                col,
                "a wildcard applies to a single word",
            ));
        }
        if atoms[0].text.contains(':') {
            // Its canonical form could not be written back: a quoted word takes no wildcard.
            return Err(QueryError::new(
                query,
                col,
                "a wildcard applies to a plain word, without ':' inside",
            ));
        }
        let letters = atoms[0]
            .text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .count();
        if letters < 3 {
            return Err(QueryError::new(
                query,
                col,
                "a wildcard needs at least 3 letters before '*'",
            )
            .with_hint(format!("'{run}' would match too many words")));
        }
        atoms[0].prefix = true;
    }
    Ok(Pattern { atoms })
}

/// A quoted phrase.
fn phrase(query: &str, text: &str, col: usize) -> Result<Pattern, QueryError> {
    // A `*` before U+FE0F or U+20E3 is the keycap emoji `*️⃣`, not a wildcard.
    let wildcard = text
        .match_indices('*')
        .any(|(i, _)| !matches!(text[i + 1..].chars().next(), Some('\u{FE0F}' | '\u{20E3}')));
    if wildcard {
        return Err(QueryError::new(
            query,
            col,
            "a wildcard '*' can't be used inside quotes",
        ));
    }
    let atoms = atoms_of(query, text, col)?;
    if atoms.is_empty() {
        return Err(
            QueryError::new(query, col, "the phrase has nothing to match")
                .with_hint("a phrase needs letters or digits"),
        );
    }
    Ok(Pattern { atoms })
}

fn field(
    query: &str,
    name: &str,
    value: Option<FieldValue<'_>>,
    col: usize,
    value_col: usize,
) -> Result<Expr, QueryError> {
    let lower = name.to_ascii_lowercase();
    if !FIELDS.contains(&lower.as_str()) {
        let error = QueryError::new(query, col, format!("unknown field '{name}'"));
        return Err(match suggest(&lower) {
            Some(field) => error.with_hint(format!("did you mean '{field}'?")),
            None => error.with_hint(format!(
                "fields are {}; to match the text, put it in quotes",
                FIELDS.join(", ")
            )),
        });
    }
    let Some(value) = value else {
        return Err(QueryError::new(
            query,
            value_col,
            format!("expected a value after '{lower}:'"),
        ));
    };
    if lower == "title" {
        let pattern = match value {
            FieldValue::Run(run) => term(query, run, value_col)?,
            FieldValue::Quoted(text) => phrase(query, &text, value_col)?,
        };
        return Ok(Expr::Text {
            pattern,
            scope: Scope::Title,
        });
    }
    let raw: &str = match &value {
        FieldValue::Run(run) => run,
        FieldValue::Quoted(text) => text,
    };
    let raw = raw.trim();
    let bad_value = |what: &str, example: &str| {
        QueryError::new(query, value_col, format!("'{raw}' is not {what}"))
            .with_hint(format!("write it like {lower}:{example}"))
    };
    if raw.is_empty() || raw.chars().any(|c| c.is_whitespace() || "()\"".contains(c)) {
        return Err(match lower.as_str() {
            "author" => bad_value("a handle", "acme"),
            "lang" => bad_value("a language code", "en"),
            "network" => bad_value("a network", "mastodon"),
            _ => bad_value("a domain", "example.com"),
        });
    }
    match lower.as_str() {
        "author" => {
            let handle = rapport_text::fold(raw.strip_prefix('@').unwrap_or(raw));
            if handle.is_empty() || handle.contains(char::is_whitespace) {
                return Err(bad_value("a handle", "acme"));
            }
            Ok(Expr::Author(handle))
        }
        "lang" => {
            let code = raw.to_ascii_lowercase().replace('_', "-");
            if !is_language_code(&code) {
                return Err(bad_value("a language code", "en"));
            }
            Ok(Expr::Lang(code))
        }
        "network" => raw.parse::<Network>().map(Expr::Network).map_err(|_| {
            QueryError::new(query, value_col, format!("unknown network '{raw}'")).with_hint(
                "expected one of: mastodon, bluesky, x, reddit, hackernews, feed, webhook, import, facebook",
            )
        }),
        _ => {
            let host = rapport_text::host_of(raw)
                .map(|h| h.to_lowercase())
                .filter(|h| h.chars().any(char::is_alphanumeric) && !h.contains(['@', ':']));
            host.map(Expr::Site)
                .ok_or_else(|| bad_value("a domain", "example.com"))
        }
    }
}

/// `en`, `pt-br`, `zh-hant-tw`: 2 or 3 letters, then subtags of 1 to 8 letters or digits.
fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The closest field name to a misspelt one, if close enough (or a common synonym).
fn suggest(name: &str) -> Option<&'static str> {
    match name {
        "from" | "user" | "by" | "handle" => return Some("author"),
        "language" | "lng" => return Some("lang"),
        "domain" | "url" | "link" | "host" => return Some("site"),
        "source" | "platform" => return Some("network"),
        _ => {}
    }
    FIELDS
        .iter()
        .map(|f| (edit_distance(name, f), *f))
        .filter(|&(d, _)| d <= 2)
        .min_by_key(|&(d, _)| d)
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
