//! The networks rapport listens to and publishes on.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A source of posts. Together with a native id it identifies a post (see [`crate::PostKey`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Any Mastodon (ActivityPub) instance.
    Mastodon,
    /// Bluesky (AT Protocol).
    Bluesky,
    /// X, formerly Twitter.
    X,
    /// Reddit.
    Reddit,
    /// Hacker News.
    HackerNews,
    /// RSS and Atom feeds: blogs, news and review sites.
    Feed,
    /// Posts pushed to rapport's authenticated webhook.
    Webhook,
    /// Posts read from a CSV or JSONL file with no better network to name.
    Import,
    /// Facebook (Pages: rapport publishes to a Page and reads the comments on its posts).
    Facebook,
}

impl Network {
    /// Every network, in display order.
    pub const ALL: [Network; 9] = [
        Network::Mastodon,
        Network::Bluesky,
        Network::X,
        Network::Reddit,
        Network::HackerNews,
        Network::Feed,
        Network::Webhook,
        Network::Import,
        Network::Facebook,
    ];

    /// The stable lower-case name used in URLs, the store and the query language.
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Mastodon => "mastodon",
            Network::Bluesky => "bluesky",
            Network::X => "x",
            Network::Reddit => "reddit",
            Network::HackerNews => "hackernews",
            Network::Feed => "feed",
            Network::Webhook => "webhook",
            Network::Import => "import",
            Network::Facebook => "facebook",
        }
    }

    /// A human label for pages and reports.
    pub fn label(self) -> &'static str {
        match self {
            Network::Mastodon => "Mastodon",
            Network::Bluesky => "Bluesky",
            Network::X => "X",
            Network::Reddit => "Reddit",
            Network::HackerNews => "Hacker News",
            Network::Feed => "Feed",
            Network::Webhook => "Webhook",
            Network::Import => "Import",
            Network::Facebook => "Facebook",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A network name that rapport does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network '{name}' (expected one of: mastodon, bluesky, x, reddit, hackernews, feed, webhook, import, facebook)")]
pub struct UnknownNetwork {
    /// The name as given.
    pub name: String,
}

impl FromStr for Network {
    type Err = UnknownNetwork;

    /// Parses a network name case-insensitively, accepting common aliases
    /// (`twitter` for X, `hn` for Hacker News, `rss`/`atom` for feeds, `bsky` for Bluesky).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let network = match lower.as_str() {
            "mastodon" => Network::Mastodon,
            "bluesky" | "bsky" => Network::Bluesky,
            "x" | "twitter" => Network::X,
            "reddit" => Network::Reddit,
            "hackernews" | "hacker-news" | "hn" => Network::HackerNews,
            "feed" | "rss" | "atom" => Network::Feed,
            "webhook" => Network::Webhook,
            "import" | "file" => Network::Import,
            "facebook" | "fb" => Network::Facebook,
            _ => {
                return Err(UnknownNetwork {
                    name: s.to_string(),
                })
            }
        };
        Ok(network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for n in Network::ALL {
            assert_eq!(n.as_str().parse::<Network>().unwrap(), n);
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(json, format!("\"{}\"", n.as_str()));
        }
        assert_eq!("Twitter".parse::<Network>().unwrap(), Network::X);
        assert_eq!("HN".parse::<Network>().unwrap(), Network::HackerNews);
        let err = "myspace".parse::<Network>().unwrap_err();
        assert!(err.to_string().contains("unknown network 'myspace'"));
    }
}
