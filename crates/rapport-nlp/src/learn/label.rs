//! Class labels: any name (sentiment classes, intents, complaint reasons).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of a class: `positive`, `complaint`, `Lost Luggage`... Labels compare by exact
/// name; [`Label::new`] trims surrounding white space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    /// The label named `name`, trimmed.
    pub fn new(name: impl AsRef<str>) -> Label {
        Label(name.as_ref().trim().to_string())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Label {
    fn from(name: &str) -> Label {
        Label::new(name)
    }
}

impl From<String> for Label {
    fn from(name: String) -> Label {
        Label::new(name)
    }
}

impl From<crate::sentiment::SentimentLabel> for Label {
    fn from(label: crate::sentiment::SentimentLabel) -> Label {
        Label::new(label.as_str())
    }
}

impl From<crate::intent::Intent> for Label {
    fn from(intent: crate::intent::Intent) -> Label {
        Label::new(intent.as_str())
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
