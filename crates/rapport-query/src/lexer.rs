//! The lexer: cuts a query into operators, parentheses, quoted phrases, field filters and
//! bare runs of text, each with its 1-based column.

use crate::error::QueryError;

/// One lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok<'q> {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `NOT`
    Not,
    /// `NEAR/n`
    Near(u32),
    /// A `"quoted phrase"`, its escapes resolved.
    Quoted(String),
    /// A run of other characters: a term, a wildcard, a hashtag, a mention.
    Run(&'q str),
    /// `name:value` or `name:"quoted value"`; `value` is `None` when nothing follows the
    /// colon.
    Field {
        /// The name before the colon.
        name: &'q str,
        /// The value, if any.
        value: Option<FieldValue<'q>>,
        /// The column right after the colon.
        value_col: usize,
    },
}

/// The value of a field filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldValue<'q> {
    /// Unquoted.
    Run(&'q str),
    /// Quoted, escapes resolved.
    Quoted(String),
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lexeme<'q> {
    /// The token.
    pub tok: Tok<'q>,
    /// Its 1-based column in characters.
    pub col: usize,
}

/// The largest `NEAR/n` distance accepted.
pub(crate) const MAX_NEAR: u32 = 10_000;

struct Cursor<'q> {
    query: &'q str,
    pos: usize,
    col: usize,
}

impl<'q> Cursor<'q> {
    fn peek(&self) -> Option<char> {
        self.query[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        self.col += 1;
        Some(c)
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

/// Cuts `query` into lexemes.
pub(crate) fn lex(query: &str) -> Result<Vec<Lexeme<'_>>, QueryError> {
    let mut cur = Cursor {
        query,
        pos: 0,
        col: 1,
    };
    let mut out = Vec::new();
    while let Some(c) = cur.peek() {
        let col = cur.col;
        if c.is_whitespace() {
            cur.bump();
            continue;
        }
        let tok = match c {
            '(' => {
                cur.bump();
                Tok::LParen
            }
            ')' => {
                cur.bump();
                Tok::RParen
            }
            '"' => Tok::Quoted(quoted(&mut cur)?),
            _ => {
                let start = cur.pos;
                while cur.peek().is_some_and(|c| !is_separator(c)) {
                    cur.bump();
                }
                classify(query, &query[start..cur.pos], col, &mut cur)?
            }
        };
        out.push(Lexeme { tok, col });
    }
    Ok(out)
}

/// Reads a quoted string at the cursor (on its opening quote).
fn quoted(cur: &mut Cursor<'_>) -> Result<String, QueryError> {
    let open_col = cur.col;
    cur.bump();
    let mut text = String::new();
    loop {
        match cur.bump() {
            None => return Err(QueryError::new(cur.query, open_col, "unclosed quote")),
            Some('"') => return Ok(text),
            Some('\\') => match cur.peek() {
                Some(c @ ('"' | '\\')) => {
                    cur.bump();
                    text.push(c);
                }
                _ => text.push('\\'),
            },
            Some(c) => text.push(c),
        }
    }
}

fn classify<'q>(
    query: &'q str,
    run: &'q str,
    col: usize,
    cur: &mut Cursor<'q>,
) -> Result<Tok<'q>, QueryError> {
    match run {
        "AND" => return Ok(Tok::And),
        "OR" => return Ok(Tok::Or),
        "NOT" => return Ok(Tok::Not),
        _ => {}
    }
    if run == "NEAR" || run.starts_with("NEAR/") {
        let distance = run
            .strip_prefix("NEAR/")
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| {
                QueryError::new(query, col, "NEAR needs a distance in words")
                    .with_hint("write it like NEAR/3")
            })?;
        return match distance.parse::<u32>() {
            Ok(n) if (1..=MAX_NEAR).contains(&n) => Ok(Tok::Near(n)),
            _ => Err(QueryError::new(
                query,
                col,
                format!("the NEAR distance must be between 1 and {MAX_NEAR}"),
            )),
        };
    }
    if let Some((name, rest)) = run.split_once(':') {
        // `https://...` is a link, not a field.
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphabetic())
            && !rest.starts_with("//")
        {
            let value_col = col + name.chars().count() + 1;
            let value = if !rest.is_empty() {
                Some(FieldValue::Run(rest))
            } else if cur.peek() == Some('"') {
                Some(FieldValue::Quoted(quoted(cur)?))
            } else {
                None
            };
            return Ok(Tok::Field {
                name,
                value,
                value_col,
            });
        }
    }
    Ok(Tok::Run(run))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(q: &str) -> Vec<(Tok<'_>, usize)> {
        lex(q)
            .map(|v| v.into_iter().map(|l| (l.tok, l.col)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn lexes_everything_with_columns() {
        assert_eq!(
            toks(r#"(Café OR "big \"sale\"") NEAR/3 x AND NOT author:@acme title:"a b""#),
            vec![
                (Tok::LParen, 1),
                (Tok::Run("Café"), 2),
                (Tok::Or, 7),
                (Tok::Quoted("big \"sale\"".into()), 10),
                (Tok::RParen, 24),
                (Tok::Near(3), 26),
                (Tok::Run("x"), 33),
                (Tok::And, 35),
                (Tok::Not, 39),
                (
                    Tok::Field {
                        name: "author",
                        value: Some(FieldValue::Run("@acme")),
                        value_col: 50
                    },
                    43
                ),
                (
                    Tok::Field {
                        name: "title",
                        value: Some(FieldValue::Quoted("a b".into())),
                        value_col: 62
                    },
                    56
                ),
            ]
        );
    }

    #[test]
    fn lexer_errors() {
        let e = lex(r#"acme AND NOT "big sale"#).unwrap_err();
        assert_eq!(e.headline(), "unclosed quote at column 14");
        let e = lex("a NEAR b").unwrap_err();
        assert_eq!(
            e.headline(),
            "NEAR needs a distance in words at column 3 (write it like NEAR/3)"
        );
        let e = lex("a NEAR/0 b").unwrap_err();
        assert_eq!(
            e.headline(),
            "the NEAR distance must be between 1 and 10000 at column 3"
        );
        let e = lex("a NEAR/99999999999 b").unwrap_err();
        assert_eq!(e.column(), 3);
        assert_eq!(
            toks("NEARBY near"),
            vec![(Tok::Run("NEARBY"), 1), (Tok::Run("near"), 8)]
        );
    }
}
