//! Matching posts to monitors.
//!
//! [`KeywordMatcher`] is the interim matcher: a monitor's query is a list of alternatives
//! separated by `OR`, each a word, a `"phrase"`, a `#hashtag` or an `@handle`, matched
//! case-insensitively with accents folded, on word boundaries. The full monitor query
//! language (`rapport-query`: AND/NOT/NEAR, wildcards, field filters, one-pass matching)
//! replaces it behind the same [`MonitorMatcher`] trait.

use rapport_model::{Monitor, MonitorId, Post};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Finds the monitors a post matches.
pub trait MonitorMatcher: Send + Sync {
    /// The ids of every monitor that matches `post`, sorted and without repeats.
    fn matches(&self, post: &Post) -> Vec<MonitorId>;
}

/// One word of normalised text, with what introduced it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    sigil: Option<char>,
    text: String,
}

/// Lower-cases, folds accents (NFD, combining marks dropped) and splits into words; a `#` or
/// `@` directly before a word is kept as its sigil.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut sigil = None;
    let mut pending_sigil = None;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() || (c == '_' && !current.is_empty()) {
            if current.is_empty() {
                sigil = pending_sigil.take();
            }
            current.extend(c.to_lowercase());
        } else {
            if !current.is_empty() {
                out.push(Word {
                    sigil: sigil.take(),
                    text: std::mem::take(&mut current),
                });
            }
            pending_sigil = matches!(c, '#' | '@').then_some(c);
        }
    }
    if !current.is_empty() {
        out.push(Word {
            sigil,
            text: current,
        });
    }
    out
}

/// One alternative of a keyword query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Alternative {
    /// Consecutive words; a single bare word also matches a hashtag or mention of it.
    Phrase(Vec<String>),
    /// Only this hashtag or only this mention.
    Tagged(char, String),
}

fn parse_alternatives(query: &str) -> Vec<Alternative> {
    query
        .split(" OR ")
        .filter_map(|part| {
            let part = part.trim().trim_matches('"');
            let tagged = part
                .strip_prefix('#')
                .map(|rest| ('#', rest))
                .or_else(|| part.strip_prefix('@').map(|rest| ('@', rest)));
            if let Some((sigil, rest)) = tagged {
                let folded: Vec<Word> = words(rest);
                return (folded.len() == 1)
                    .then(|| Alternative::Tagged(sigil, folded[0].text.clone()));
            }
            let phrase: Vec<String> = words(part).into_iter().map(|w| w.text).collect();
            (!phrase.is_empty()).then_some(Alternative::Phrase(phrase))
        })
        .collect()
}

fn alternative_matches(alternative: &Alternative, words: &[Word]) -> bool {
    match alternative {
        Alternative::Tagged(sigil, tag) => words
            .iter()
            .any(|w| w.sigil == Some(*sigil) && &w.text == tag),
        Alternative::Phrase(phrase) => words
            .windows(phrase.len())
            .any(|window| window.iter().zip(phrase).all(|(w, p)| &w.text == p)),
    }
}

/// The interim keyword matcher over a set of monitors.
#[derive(Debug, Clone, Default)]
pub struct KeywordMatcher {
    monitors: Vec<(MonitorId, Vec<Alternative>)>,
}

impl KeywordMatcher {
    /// Compiles the queries of `monitors`. A query with no usable alternative matches nothing.
    pub fn new(monitors: &[Monitor]) -> KeywordMatcher {
        let mut compiled: Vec<(MonitorId, Vec<Alternative>)> = monitors
            .iter()
            .map(|m| (m.id, parse_alternatives(&m.query)))
            .collect();
        compiled.sort_by_key(|(id, _)| *id);
        KeywordMatcher { monitors: compiled }
    }

    /// How many monitors it holds.
    pub fn len(&self) -> usize {
        self.monitors.len()
    }

    /// Whether it holds no monitor.
    pub fn is_empty(&self) -> bool {
        self.monitors.is_empty()
    }
}

impl MonitorMatcher for KeywordMatcher {
    fn matches(&self, post: &Post) -> Vec<MonitorId> {
        if self.monitors.is_empty() {
            return Vec::new();
        }
        let mut text_words = words(&post.text);
        if let Some(title) = &post.title {
            text_words.extend(words(title));
        }
        self.monitors
            .iter()
            .filter(|(_, alternatives)| {
                alternatives
                    .iter()
                    .any(|a| alternative_matches(a, &text_words))
            })
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_model::{Author, Engagement, MonitorKind, Network, WorkspaceId};

    fn monitor(id: i64, query: &str) -> Monitor {
        Monitor {
            id: MonitorId(id),
            workspace_id: WorkspaceId(1),
            name: format!("m{id}"),
            kind: MonitorKind::Brand,
            query: query.into(),
            created_at: chrono_now(),
        }
    }

    fn chrono_now() -> rapport_model::Timestamp {
        rapport_model::Timestamp::default()
    }

    fn post(text: &str) -> Post {
        Post {
            network: Network::X,
            native_id: "1".into(),
            url: None,
            author: Author::new("a"),
            title: None,
            text: text.into(),
            language: None,
            created_at: chrono_now(),
            reply_to: None,
            conversation_id: None,
            engagement: Engagement::default(),
        }
    }

    #[test]
    fn words_fold_case_and_accents_and_keep_sigils() {
        let w = words("Café @Lumora #Brew-day");
        let texts: Vec<_> = w.iter().map(|w| (w.sigil, w.text.as_str())).collect();
        assert_eq!(
            texts,
            vec![
                (None, "cafe"),
                (Some('@'), "lumora"),
                (Some('#'), "brew"),
                (None, "day")
            ]
        );
    }

    #[test]
    fn keywords_match_words_phrases_and_tags() {
        let matcher = KeywordMatcher::new(&[
            monitor(1, "lumora OR #lumora OR @lumora"),
            monitor(2, "\"brew pro\""),
            monitor(3, "#espresso"),
            monitor(4, "cafe"),
        ]);
        assert_eq!(matcher.matches(&post("I love LUMORA")), vec![MonitorId(1)]);
        assert_eq!(matcher.matches(&post("lumoratools")), vec![]);
        assert_eq!(
            matcher.matches(&post("the #Lumora Brew Pro")),
            vec![MonitorId(1), MonitorId(2)]
        );
        assert_eq!(matcher.matches(&post("espresso time")), vec![]);
        assert_eq!(matcher.matches(&post("#espresso time")), vec![MonitorId(3)]);
        assert_eq!(matcher.matches(&post("Un CAFÉ")), vec![MonitorId(4)]);
        assert_eq!(matcher.matches(&post("brew. pro")), vec![MonitorId(2)]);
    }
}
