//! Monitors pushed to X's filtered stream as rules
//! (<https://docs.x.com/x-api/posts/filtered-stream/integrate/build-a-rule>).
//!
//! A stream rule only has to let through every post the monitor would match: each post
//! that arrives is matched again by the monitor itself before it is stored. So where X's rule
//! language cannot say exactly what a monitor says (wildcards, `NEAR`, titles, emoticons),
//! the rule is made *broader* (a wildcard term is left out of an `AND`, a `NEAR` becomes an
//! `AND`), never narrower. A negation is only kept when what it negates was translated
//! exactly, since negating a broadened part would narrow the rule. A monitor that would
//! need X to send every post (`"refund*"` alone) is refused with the reason; one limited to
//! another network is not pushed at all.

use rapport_model::{Monitor, Network};
use rapport_query::{Atom, AtomKind, Expr, Pattern, Query, Scope};

/// X's longest rule on the Pro tier (512 on Basic).
pub const MAX_RULE_LENGTH: usize = 1024;

/// Why a monitor cannot be a stream rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The query does not parse.
    #[error("the monitor's query does not parse: {0}")]
    Query(String),
    /// Nothing in it can narrow X's stream.
    #[error(
        "X's stream rules cannot express any part of this query that narrows it (wildcards, \
         NEAR, titles and emoticons have no rule operator): add a plain term"
    )]
    TooBroad,
    /// The rule would be longer than X allows.
    #[error("the rule would be {0} characters, over X's {MAX_RULE_LENGTH}")]
    TooLong(usize),
}

/// The settings of a source of `kind` ready to build: an `x_stream` config (JSON text) with
/// `"monitors": true` gets one rule per monitor in `monitors` that applies to X added to its
/// `rules`; other configs come back as they are. The monitors that could not be pushed are
/// returned with the reason, for the caller to report.
pub fn with_monitor_rules(
    kind: &str,
    config: &str,
    monitors: &[Monitor],
) -> (String, Vec<(String, RuleError)>) {
    let mut left_out = Vec::new();
    if kind != "x_stream" {
        return (config.to_string(), left_out);
    }
    let Ok(mut settings) = serde_json::from_str::<serde_json::Value>(config) else {
        // The connector reports a config it cannot read, with the field.
        return (config.to_string(), left_out);
    };
    if settings.get("monitors").and_then(|v| v.as_bool()) != Some(true) {
        return (config.to_string(), left_out);
    }
    let mut rules: Vec<serde_json::Value> = settings
        .get("rules")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    for monitor in monitors {
        match rule_for(&monitor.query) {
            Ok(Some(rule)) if !rules.iter().any(|r| r.as_str() == Some(rule.as_str())) => {
                rules.push(rule.into());
            }
            Ok(_) => {}
            Err(e) => left_out.push((monitor.name.clone(), e)),
        }
    }
    settings["rules"] = rules.into();
    (settings.to_string(), left_out)
}

/// A translated part: what X can say of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Matches every post (nothing to narrow by).
    All,
    /// Can never match on X (`network:mastodon`).
    Never,
    /// A rule fragment, and whether it says exactly what the query says.
    Rule {
        text: String,
        exact: bool,
        group: bool,
    },
}

/// The stream rule for `query`: `Ok(None)` when the monitor cannot match a post on X.
pub fn rule_for(query: &str) -> Result<Option<String>, RuleError> {
    let query = Query::parse(query).map_err(|e| RuleError::Query(e.to_string()))?;
    match translate(query.expr()) {
        Part::Never => Ok(None),
        Part::All => Err(RuleError::TooBroad),
        Part::Rule { text, .. } if !has_positive_term(&text) => Err(RuleError::TooBroad),
        Part::Rule { text, .. } => {
            let length = text.chars().count();
            if length > MAX_RULE_LENGTH {
                return Err(RuleError::TooLong(length));
            }
            Ok(Some(text))
        }
    }
}

/// X refuses a rule made only of negations; every fragment we make that is not negated
/// holds a term.
fn has_positive_term(rule: &str) -> bool {
    !rule.starts_with('-')
}

fn translate(expr: &Expr) -> Part {
    match expr {
        Expr::And(parts) => and(parts.iter().map(translate).collect()),
        Expr::Or(parts) => or(parts.iter().map(translate).collect()),
        Expr::Not(inner) => match translate(inner) {
            // Not(everything) matches nothing; Not(nothing) everything.
            Part::All => Part::Never,
            Part::Never => Part::All,
            Part::Rule {
                text, exact: true, ..
            } => Part::Rule {
                text: format!("-{text}"),
                exact: true,
                group: false,
            },
            Part::Rule { exact: false, .. } => Part::All,
        },
        Expr::Text { pattern, scope } => {
            let exact = *scope == Scope::Any;
            pattern_rule(pattern, exact)
        }
        Expr::Near { left, right, .. } => {
            and(vec![pattern_rule(left, false), pattern_rule(right, false)])
        }
        Expr::Author(handle) => term(format!("from:{handle}"), true),
        Expr::Lang(code) => {
            // X's `lang:` takes a BCP 47 primary tag.
            let primary = code.split('-').next().unwrap_or(code);
            term(format!("lang:{primary}"), primary == code)
        }
        Expr::Network(Network::X) => Part::All,
        Expr::Network(_) => Part::Never,
        Expr::Site(domain) => term(format!("url:\"{domain}\""), false),
    }
}

fn term(text: String, exact: bool) -> Part {
    Part::Rule {
        text,
        exact,
        group: false,
    }
}

fn pattern_rule(pattern: &Pattern, exact: bool) -> Part {
    let atoms = pattern.atoms();
    if let [atom] = atoms {
        return match atom_rule(atom) {
            Some(text) => term(text, exact),
            None => Part::All,
        };
    }
    // A phrase: X matches an exact phrase in quotes, without operators inside; a prefix
    // (only ever alone) or a symbol cannot be in one.
    let words: Option<Vec<&str>> = atoms
        .iter()
        .map(|a| (a.kind == AtomKind::Word && !a.prefix).then_some(a.text.as_str()))
        .collect();
    match words {
        Some(words) => term(format!("\"{}\"", words.join(" ")), exact),
        None => and(atoms
            .iter()
            .map(|a| atom_rule(a).map_or(Part::All, |t| term(t, false)))
            .collect()),
    }
}

/// One atom in X's syntax; `None` where X has no way to say it.
fn atom_rule(atom: &Atom) -> Option<String> {
    if atom.prefix {
        return None;
    }
    match atom.kind {
        AtomKind::Word if is_bare(&atom.text) => Some(atom.text.clone()),
        AtomKind::Word => Some(format!("\"{}\"", atom.text.replace('"', ""))),
        AtomKind::Hashtag => Some(format!("#{}", atom.text)),
        AtomKind::Mention => Some(format!("@{}", atom.text)),
        AtomKind::Emoji => Some(atom.text.clone()),
        AtomKind::Emoticon => None,
    }
}

/// Whether a word can stand unquoted: no character X reads as an operator.
fn is_bare(word: &str) -> bool {
    !word.is_empty()
        && !word.starts_with('-')
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '\'')
        && !matches!(word, "or" | "and")
}

fn and(parts: Vec<Part>) -> Part {
    if parts.contains(&Part::Never) {
        return Part::Never;
    }
    let mut texts = Vec::new();
    let mut exact = true;
    for part in parts {
        match part {
            Part::All => exact = false,
            Part::Never => unreachable!("handled above"),
            Part::Rule {
                text,
                exact: e,
                group,
            } => {
                exact &= e;
                texts.push(if group { format!("({text})") } else { text });
            }
        }
    }
    // X needs a positive term: an AND of negations only says nothing on its own.
    if texts.iter().all(|t| t.starts_with('-')) {
        return Part::All;
    }
    match texts.len() {
        0 => Part::All,
        1 => Part::Rule {
            text: texts.remove(0),
            exact,
            group: false,
        },
        _ => Part::Rule {
            text: texts.join(" "),
            exact,
            group: false,
        },
    }
}

fn or(parts: Vec<Part>) -> Part {
    if parts.contains(&Part::All) {
        return Part::All;
    }
    let mut texts = Vec::new();
    let mut exact = true;
    for part in parts {
        if let Part::Rule { text, exact: e, .. } = part {
            exact &= e;
            // Negations and ANDs inside an OR need their own group.
            texts.push(if text.contains(' ') && !text.starts_with('"') {
                format!("({text})")
            } else {
                text
            });
        }
    }
    match texts.len() {
        0 => Part::Never,
        1 => Part::Rule {
            text: texts.remove(0),
            exact,
            group: false,
        },
        _ => Part::Rule {
            text: texts.join(" OR "),
            exact,
            group: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(query: &str) -> Result<Option<String>, RuleError> {
        rule_for(query)
    }

    #[test]
    fn plain_queries_become_the_same_rule() {
        assert_eq!(rule("orvella").unwrap().unwrap(), "orvella");
        assert_eq!(
            rule("orvella AND (kettle OR grinder)").unwrap().unwrap(),
            "orvella (kettle OR grinder)"
        );
        assert_eq!(
            rule("\"orvella kettle\" NOT refund").unwrap().unwrap(),
            "\"orvella kettle\" -refund"
        );
        assert_eq!(
            rule("#orvella OR @orvella_help").unwrap().unwrap(),
            "#orvella OR @orvella_help"
        );
        assert_eq!(
            rule("orvella author:alice lang:en").unwrap().unwrap(),
            "orvella from:alice lang:en"
        );
    }

    #[test]
    fn what_x_cannot_say_is_broadened_never_narrowed() {
        // The wildcard is left out of the AND: the rule lets more through.
        assert_eq!(rule("orvella refund*").unwrap().unwrap(), "orvella");
        // NEAR becomes AND.
        assert_eq!(
            rule("orvella NEAR/3 broken").unwrap().unwrap(),
            "orvella broken"
        );
        // A negated broadened part is dropped, not negated.
        assert_eq!(
            rule("orvella NOT (kettle NEAR/2 broken)").unwrap().unwrap(),
            "orvella"
        );
        // An OR with a part X cannot narrow is everything.
        assert_eq!(rule("orvella OR refund*"), Err(RuleError::TooBroad));
        assert_eq!(rule("refund*"), Err(RuleError::TooBroad));
    }

    #[test]
    fn networks_decide_whether_the_monitor_applies_to_x() {
        assert_eq!(rule("orvella network:mastodon").unwrap(), None);
        assert_eq!(rule("orvella network:x").unwrap().unwrap(), "orvella");
        assert_eq!(
            rule("orvella AND (network:x OR network:bluesky)")
                .unwrap()
                .unwrap(),
            "orvella"
        );
    }

    #[test]
    fn bad_queries_and_huge_rules_are_refused_with_the_reason() {
        assert!(matches!(rule("orvella AND ("), Err(RuleError::Query(_))));
        let long = (0..200)
            .map(|i| format!("word{i}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        assert!(matches!(rule(&long), Err(RuleError::TooLong(_))));
    }
}
