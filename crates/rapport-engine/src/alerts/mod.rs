//! Alerts: decide when something unusual happens to a monitor, and tell people.
//!
//! [`detector`] judges one hour of one monitor's series against its seasonal baseline (pure);
//! [`Rule`] says what to watch (a volume spike, a negative spike, a post from a big account, a
//! post matching a query); [`evaluate`] replays the simulator to measure false alarms and
//! detection delay; [`notify`] (webhooks), [`email`] (SMTP) and [`digest`] (one message per
//! period) tell people.

pub mod detector;
pub mod digest;
pub mod email;
pub mod evaluate;
pub mod notify;
pub mod runner;
pub mod themes;

pub use detector::{judge, judge_sustained, Baseline, DetectorConfig, Verdict};
pub use runner::{AlertRunner, RunReport};

use rapport_model::Post;
use rapport_query::{Document, Query, QueryError};
use serde::{Deserialize, Serialize};

/// What a rule watches, with its own thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// The monitor's mentions in an hour spike above their seasonal baseline.
    VolumeSpike,
    /// The monitor's negative mentions spike, and their share of the hour's mentions is at
    /// least `min_share`.
    NegativeSpike {
        /// Smallest share of negatives (0 to 1) in the hour that may fire.
        #[serde(default = "default_min_share")]
        min_share: f64,
    },
    /// A mention by an author with at least `followers` followers.
    ReachAbove {
        /// The reach threshold.
        followers: u64,
    },
    /// Any mention matching a query (the monitor query language).
    QueryMatch {
        /// The query, as typed.
        query: String,
    },
    /// A phrase emerges: the monitor's last day of mentions against the six days before
    /// ([`themes::judge_themes`]).
    ThemeEmerging {
        /// The fewest of the last day's mentions the phrase must appear in.
        #[serde(default = "default_min_posts")]
        min_posts: u64,
    },
}

fn default_min_share() -> f64 {
    0.3
}

fn default_min_posts() -> u64 {
    10
}

impl RuleKind {
    /// The short name used on the command line and in the store (`volume`, `negative`,
    /// `reach`, `query`, `theme`).
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::VolumeSpike => "volume",
            RuleKind::NegativeSpike { .. } => "negative",
            RuleKind::ReachAbove { .. } => "reach",
            RuleKind::QueryMatch { .. } => "query",
            RuleKind::ThemeEmerging { .. } => "theme",
        }
    }

    /// Whether the rule is judged on hourly counts (spikes) rather than on single posts.
    pub fn is_hourly(&self) -> bool {
        matches!(self, RuleKind::VolumeSpike | RuleKind::NegativeSpike { .. })
    }
}

/// One hour of one monitor, as the spike rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourCounts {
    /// Mentions.
    pub mentions: u64,
    /// Negative mentions.
    pub negative: u64,
}

/// Judges the last hour of `series` (one entry per hour, oldest first) for a spike rule;
/// `None` for rules that are judged per post.
pub fn judge_hour(
    kind: &RuleKind,
    series: &[HourCounts],
    hour: chrono::DateTime<chrono::Utc>,
    config: &DetectorConfig,
) -> Option<Verdict> {
    match kind {
        RuleKind::VolumeSpike => {
            let v: Vec<u64> = series.iter().map(|c| c.mentions).collect();
            Some(judge_sustained(&v, hour, "mentions", config))
        }
        RuleKind::NegativeSpike { min_share } => {
            let v: Vec<u64> = series.iter().map(|c| c.negative).collect();
            let mut verdict = judge_sustained(&v, hour, "negative mentions", config);
            let last = series.last().copied().unwrap_or_default();
            let share = if last.mentions == 0 {
                0.0
            } else {
                last.negative as f64 / last.mentions as f64
            };
            verdict.fired &= share >= *min_share;
            verdict.sentence = format!(
                "{} ({:.0}% of the hour's mentions)",
                verdict.sentence,
                share * 100.0
            );
            Some(verdict)
        }
        RuleKind::ReachAbove { .. }
        | RuleKind::QueryMatch { .. }
        | RuleKind::ThemeEmerging { .. } => None,
    }
}

/// A per-post rule, ready to test posts (the query parsed once).
#[derive(Debug, Clone)]
pub enum PostRule {
    /// See [`RuleKind::ReachAbove`].
    ReachAbove(u64),
    /// See [`RuleKind::QueryMatch`].
    QueryMatch(Box<Query>),
}

impl PostRule {
    /// The per-post form of `kind`; `Ok(None)` for spike rules, an error for a bad query.
    pub fn compile(kind: &RuleKind) -> Result<Option<PostRule>, QueryError> {
        Ok(match kind {
            RuleKind::ReachAbove { followers } => Some(PostRule::ReachAbove(*followers)),
            RuleKind::QueryMatch { query } => {
                Some(PostRule::QueryMatch(Box::new(Query::parse(query)?)))
            }
            _ => None,
        })
    }

    /// A sentence when `post` triggers the rule.
    pub fn check(&self, post: &Post) -> Option<String> {
        match self {
            PostRule::ReachAbove(threshold) => {
                let followers = post.author.followers?;
                (followers >= *threshold).then(|| {
                    format!(
                        "@{} ({followers} followers, above {threshold}) posted about you",
                        post.author.handle
                    )
                })
            }
            PostRule::QueryMatch(query) => query
                .matches(&Document::from_post(post))
                .then(|| format!("@{} posted a mention matching {query}", post.author.handle)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rapport_model::{Author, Network};

    fn post(text: &str, followers: Option<u64>) -> Post {
        let mut author = Author::new("someone");
        author.followers = followers;
        serde_json::from_value(serde_json::json!({
            "network": "mastodon", "native_id": "1", "author": author, "text": text,
            "created_at": "2026-03-03T10:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}: {:?}", Network::Mastodon))
    }

    #[test]
    fn per_post_rules() {
        let reach = PostRule::compile(&RuleKind::ReachAbove { followers: 10_000 })
            .unwrap()
            .unwrap();
        assert!(reach.check(&post("hi", Some(50_000))).is_some());
        assert!(reach.check(&post("hi", Some(500))).is_none());
        assert!(reach.check(&post("hi", None)).is_none());
        let q = PostRule::compile(&RuleKind::QueryMatch {
            query: "refund* AND vantelo".into(),
        })
        .unwrap()
        .unwrap();
        assert!(q
            .check(&post("I want a refund for my Vantelo", None))
            .is_some());
        assert!(q.check(&post("my Vantelo is great", None)).is_none());
        assert!(PostRule::compile(&RuleKind::QueryMatch {
            query: "autor:x".into()
        })
        .is_err());
        assert!(PostRule::compile(&RuleKind::VolumeSpike).unwrap().is_none());
    }

    #[test]
    fn negative_spike_needs_the_share() {
        let hour = chrono::Utc.with_ymd_and_hms(2026, 3, 3, 14, 0, 0).unwrap();
        let mut series = vec![
            HourCounts {
                mentions: 100,
                negative: 5
            };
            4 * detector::HOURS_PER_WEEK
        ];
        series.push(HourCounts {
            mentions: 400,
            negative: 60,
        });
        let config = DetectorConfig::default();
        let low = judge_hour(
            &RuleKind::NegativeSpike { min_share: 0.3 },
            &series,
            hour,
            &config,
        )
        .unwrap();
        assert!(!low.fired, "15% negative is under the share: {low:?}");
        let any = judge_hour(
            &RuleKind::NegativeSpike { min_share: 0.1 },
            &series,
            hour,
            &config,
        )
        .unwrap();
        assert!(any.fired, "{any:?}");
        assert!(
            any.sentence.contains("60 negative mentions"),
            "{}",
            any.sentence
        );
        let json = serde_json::to_string(&RuleKind::NegativeSpike { min_share: 0.3 }).unwrap();
        assert_eq!(json, r#"{"kind":"negative_spike","min_share":0.3}"#);
    }
}
