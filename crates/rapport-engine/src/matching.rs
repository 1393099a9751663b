//! Matching posts to monitors with the monitor query language (`rapport-query`).
//!
//! Every monitor of every workspace is compiled into one [`MatcherSet`], which scans each
//! post once (an Aho-Corasick prefilter over all monitors' terms) and evaluates only the
//! candidate monitors exactly.

use rapport_model::{Monitor, MonitorId, Post};
use rapport_query::{MatcherSet, Query, QueryError};

/// Finds the monitors a post matches.
pub trait MonitorMatcher: Send + Sync {
    /// The ids of every monitor that matches `post`, sorted and without repeats.
    fn matches(&self, post: &Post) -> Vec<MonitorId>;
}

impl MonitorMatcher for MatcherSet {
    fn matches(&self, post: &Post) -> Vec<MonitorId> {
        self.matches_post(post)
    }
}

/// A stored monitor whose query no longer parses (for example after a language change).
/// It matches nothing until it is fixed; the error says where.
#[derive(Debug)]
pub struct InvalidMonitor {
    /// The monitor.
    pub monitor: MonitorId,
    /// Its name.
    pub name: String,
    /// What is wrong with its query.
    pub error: QueryError,
}

/// Compiles every monitor whose query parses; the others are returned with their errors.
pub fn compile_monitors(monitors: &[Monitor]) -> (MatcherSet, Vec<InvalidMonitor>) {
    let mut valid = Vec::with_capacity(monitors.len());
    let mut invalid = Vec::new();
    for monitor in monitors {
        match Query::parse(&monitor.query) {
            Ok(query) => valid.push((monitor.id, query)),
            Err(error) => invalid.push(InvalidMonitor {
                monitor: monitor.id,
                name: monitor.name.clone(),
                error,
            }),
        }
    }
    (MatcherSet::compile(valid), invalid)
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
            created_at: Default::default(),
        }
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
            created_at: Default::default(),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        }
    }

    #[test]
    fn monitors_compile_together_and_bad_queries_are_reported() {
        let (matcher, invalid) = compile_monitors(&[
            monitor(1, "orvella OR #orvella OR @orvella"),
            monitor(2, "\"brew pro\" NOT refund*"),
            monitor(3, "(broken"),
        ]);
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].monitor, MonitorId(3));
        assert_eq!(
            MonitorMatcher::matches(&matcher, &post("I love ORVELLA")),
            vec![MonitorId(1)]
        );
        assert_eq!(
            MonitorMatcher::matches(&matcher, &post("orvellatools")),
            vec![]
        );
        assert_eq!(
            MonitorMatcher::matches(&matcher, &post("the #Orvella Brew Pro")),
            vec![MonitorId(1), MonitorId(2)]
        );
        assert_eq!(
            MonitorMatcher::matches(&matcher, &post("brew pro refunded")),
            vec![]
        );
    }
}
