//! Posts and their authors, as rapport stores them whatever network they came from.

use crate::{Network, Timestamp};
use serde::{Deserialize, Serialize};

/// The identity of a post: the network and the id the network gave it.
/// Storing a post with a known key updates it; it never creates a second copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostKey {
    /// Where the post was published.
    pub network: Network,
    /// The network's own id for the post (a status id, an AT URI, a feed item's guid...).
    pub native_id: String,
}

/// Who wrote a post, as far as the network tells.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    /// The handle without a leading `@` (`acme`, `acme@mastodon.social`, `acme.bsky.social`).
    pub handle: String,
    /// The display name, when the network gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Followers at the time the post was seen, when known: the post's potential reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<u64>,
}

impl Author {
    /// An author known only by handle; a leading `@` is dropped.
    pub fn new(handle: impl Into<String>) -> Self {
        let handle: String = handle.into();
        let handle = handle
            .strip_prefix('@')
            .map(str::to_string)
            .unwrap_or(handle);
        Author {
            handle,
            display_name: None,
            followers: None,
        }
    }
}

/// Engagement counts as last seen. Re-storing a post replaces them with the newer figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    /// Likes, favourites, upvotes.
    #[serde(default)]
    pub likes: u64,
    /// Reposts, boosts, retweets.
    #[serde(default)]
    pub reposts: u64,
    /// Replies and comments.
    #[serde(default)]
    pub replies: u64,
}

/// A public post from any network, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    /// Where it was published.
    pub network: Network,
    /// The network's id for it; with `network`, its identity.
    pub native_id: String,
    /// A link to the original, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Who wrote it.
    pub author: Author,
    /// A title, for feed items and link posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text as published (hostile: escape it wherever it is shown).
    pub text: String,
    /// BCP 47 language tag when known (`en`, `pt-BR`), from the network or from detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// When it was published.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The native id of the post this one replies to, on the same network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The native id of the conversation's root post, on the same network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The native id of the post this one quotes (a quote post, a quote tweet), on the same
    /// network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_of: Option<String>,
    /// Likes, reposts and replies as last seen.
    #[serde(default)]
    pub engagement: Engagement,
}

impl Post {
    /// The post's identity.
    pub fn key(&self) -> PostKey {
        PostKey {
            network: self.network,
            native_id: self.native_id.clone(),
        }
    }

    /// The potential reach: the author's followers, when known.
    pub fn reach(&self) -> Option<u64> {
        self.author.followers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn post_round_trips_through_json_and_omits_unknowns() {
        let post = Post {
            network: Network::Mastodon,
            native_id: "1".into(),
            url: None,
            author: Author::new("@acme"),
            title: None,
            text: "hello <b>".into(),
            language: Some("en".into()),
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            reply_to: None,
            conversation_id: None,
            quote_of: None,
            engagement: Engagement::default(),
        };
        assert_eq!(post.author.handle, "acme");
        let json = serde_json::to_string(&post).unwrap();
        assert!(!json.contains("reply_to"));
        let back: Post = serde_json::from_str(&json).unwrap();
        assert_eq!(back, post);
        assert_eq!(post.key().native_id, "1");
    }
}
