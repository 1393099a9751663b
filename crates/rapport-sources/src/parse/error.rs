//! The error of a document that cannot be read at all.

use super::Document;
use rapport_model::Network;
use std::fmt;

/// Where in a document an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Nowhere in particular (an empty input, an unknown shape).
    Unknown,
    /// In JSON: the path to the value (`$.statuses[2].account`) and its line and column
    /// (1-based).
    Json {
        /// The JSON path, `$` for the root.
        path: String,
        /// The line, 1-based.
        line: usize,
        /// The column, 1-based.
        column: usize,
    },
    /// A line and column (1-based) of a text document (XML, lines of JSON).
    Text {
        /// The line, 1-based.
        line: usize,
        /// The column, 1-based, when known.
        column: Option<usize>,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Unknown => Ok(()),
            Location::Json { path, line, column } => {
                write!(f, " at {path} (line {line}, column {column})")
            }
            Location::Text {
                line,
                column: Some(column),
            } => write!(f, " at line {line}, column {column}"),
            Location::Text { line, column: None } => write!(f, " at line {line}"),
        }
    }
}

/// A document that cannot be read at all: truncated or broken JSON, broken XML, a shape
/// the network does not send, an error response. Names the network, the document and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{network} {document}: {reason}{location}")]
pub struct ParseError {
    /// The network whose document it was.
    pub network: rapport_model::Network,
    /// The document the parser took it for.
    pub document: Document,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong.
    pub reason: String,
}

impl ParseError {
    /// An error with no particular location.
    pub(crate) fn new(network: Network, document: Document, reason: impl Into<String>) -> Self {
        ParseError {
            network,
            document,
            location: Location::Unknown,
            reason: reason.into(),
        }
    }
}
