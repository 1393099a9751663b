//! Query errors that say what is wrong and where.

use std::fmt;

/// Why a query was refused, and where: a message, the 1-based column (in characters) of the
/// spot, an optional hint, and the query itself.
///
/// Its [`Display`](fmt::Display) gives the headline (`unclosed quote at column 14`), then
/// the query echoed on the next line and a caret under the column:
///
/// ```text
/// unknown field 'autor' at column 1 (did you mean 'author'?)
///   autor:acme
///   ^
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct QueryError {
    message: String,
    hint: Option<String>,
    column: usize,
    query: String,
}

impl QueryError {
    pub(crate) fn new(query: &str, column: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            message: message.into(),
            hint: None,
            column: column.max(1),
            query: query.to_string(),
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> QueryError {
        self.hint = Some(hint.into());
        self
    }

    /// What is wrong (`unclosed quote`), without the column or the hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based column, in characters, of the spot; one past the end for errors at the
    /// end of the query.
    pub fn column(&self) -> usize {
        self.column
    }

    /// A suggestion, when there is one (`did you mean 'author'?`).
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The query as given.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The first line of the display: `unknown field 'autor' at column 1 (did you mean
    /// 'author'?)`.
    pub fn headline(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{} at column {} ({hint})", self.message, self.column),
            None => format!("{} at column {}", self.message, self.column),
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Control characters (tabs, new lines) are echoed as spaces so the caret lines up.
        let echoed: String = self
            .query
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        writeln!(f, "{}", self.headline())?;
        writeln!(f, "  {echoed}")?;
        write!(f, "  {}^", " ".repeat(self.column - 1))
    }
}
