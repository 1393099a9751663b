//! The `app.bsky.feed.post` record
//! (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json).

use crate::parse::json;
use rapport_model::{Author, Engagement, Network, Post, Timestamp};
use serde::Deserialize;

/// The collection of posts.
pub(crate) const POST_COLLECTION: &str = "app.bsky.feed.post";

/// The fields of a post record that rapport reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PostRecord {
    #[serde(default)]
    text: String,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    langs: Option<Vec<String>>,
    #[serde(default)]
    reply: Option<ReplyRef>,
    #[serde(default)]
    embed: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ReplyRef {
    root: StrongRef,
    parent: StrongRef,
}

#[derive(Debug, Deserialize)]
struct StrongRef {
    uri: String,
}

impl PostRecord {
    /// `createdAt`, read.
    pub(crate) fn created_at(&self) -> Result<Timestamp, String> {
        match &self.created_at {
            Some(created) => json::timestamp(created).map_err(|e| format!("bad createdAt: {e}")),
            None => Err("no createdAt".to_string()),
        }
    }

    /// The post with `uri` as native id; author, url and counts are the caller's to fill.
    pub(crate) fn into_post(self, uri: String, created_at: Timestamp) -> Post {
        let quote_of = self.embed.as_ref().and_then(quoted_uri);
        let (reply_to, conversation_id) = match self.reply {
            Some(reply) => (Some(reply.parent.uri), Some(reply.root.uri)),
            None => (None, None),
        };
        Post {
            network: Network::Bluesky,
            native_id: uri,
            url: None,
            author: Author::default(),
            title: None,
            text: self.text,
            language: json::language(
                self.langs
                    .as_ref()
                    .and_then(|l| l.first())
                    .map(String::as_str),
            ),
            created_at,
            reply_to,
            conversation_id,
            quote_of,
            engagement: Engagement::default(),
        }
    }
}

/// The URI of the post an embed quotes: `app.bsky.embed.record` holds a strong ref in
/// `record`, `app.bsky.embed.recordWithMedia` one in `record.record`. Quoted feeds and
/// lists are not posts and give nothing.
fn quoted_uri(embed: &serde_json::Value) -> Option<String> {
    let kind = embed.get("$type")?.as_str()?;
    let strong_ref = match kind {
        "app.bsky.embed.record" => embed.get("record")?,
        "app.bsky.embed.recordWithMedia" => embed.get("record")?.get("record")?,
        _ => return None,
    };
    let uri = strong_ref.get("uri")?.as_str()?;
    let (_, collection, _) = split_at_uri(uri)?;
    (collection == POST_COLLECTION).then(|| uri.to_string())
}

/// `at://<authority>/<collection>/<rkey>` in its three parts.
pub(crate) fn split_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let authority = parts.next().filter(|s| !s.is_empty())?;
    let collection = parts.next().filter(|s| !s.is_empty())?;
    let rkey = parts.next().filter(|s| !s.is_empty())?;
    parts
        .next()
        .is_none()
        .then_some((authority, collection, rkey))
}

/// The bsky.app link of a post.
pub(crate) fn post_url(uri: &str, handle_or_did: &str) -> Option<String> {
    let (_, collection, rkey) = split_at_uri(uri)?;
    (collection == POST_COLLECTION)
        .then(|| format!("https://bsky.app/profile/{handle_or_did}/post/{rkey}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_uris_split_and_quotes_are_posts_only() {
        assert_eq!(
            split_at_uri("at://did:plc:abc/app.bsky.feed.post/3k2a"),
            Some(("did:plc:abc", "app.bsky.feed.post", "3k2a"))
        );
        assert_eq!(split_at_uri("https://bsky.app"), None);
        assert_eq!(split_at_uri("at://did:plc:abc/app.bsky.feed.post/"), None);
        let feed = serde_json::json!({"$type": "app.bsky.embed.record", "record": {"uri": "at://did:plc:a/app.bsky.feed.generator/x", "cid": "c"}});
        assert_eq!(quoted_uri(&feed), None);
        let with_media = serde_json::json!({"$type": "app.bsky.embed.recordWithMedia", "record": {"record": {"uri": "at://did:plc:a/app.bsky.feed.post/y", "cid": "c"}}, "media": {}});
        assert_eq!(
            quoted_uri(&with_media).as_deref(),
            Some("at://did:plc:a/app.bsky.feed.post/y")
        );
    }
}
