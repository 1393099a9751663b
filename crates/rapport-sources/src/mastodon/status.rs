//! The `Status` entity (https://docs.joinmastodon.org/entities/Status/) and how it becomes
//! a post.

use crate::parse::html::html_to_text;
use crate::parse::json::{self, Raw};
use crate::parse::Page;
use rapport_model::{Author, Engagement, Network, Post};
use serde::Deserialize;

/// The fields of a `Status` that rapport reads; the rest is ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    #[serde(deserialize_with = "json::id")]
    pub(crate) id: String,
    created_at: String,
    #[serde(default, deserialize_with = "json::opt_id")]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    spoiler_text: Option<String>,
    account: Account,
    #[serde(default)]
    reblog: Option<Box<Status>>,
    #[serde(default, deserialize_with = "json::count")]
    favourites_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    reblogs_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    replies_count: u64,
    /// Mastodon 4.5+: `Quote` (`quoted_status`) or `ShallowQuote` (`quoted_status_id`).
    #[serde(default)]
    quote: Option<Quote>,
}

#[derive(Debug, Deserialize)]
struct Account {
    acct: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "json::opt_count")]
    followers_count: Option<u64>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Quote {
    #[serde(default)]
    quoted_status: Option<QuotedStatus>,
    #[serde(default, deserialize_with = "json::opt_id")]
    quoted_status_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct QuotedStatus {
    #[serde(deserialize_with = "json::id")]
    id: String,
}

impl Status {
    /// The post: for a reblog, the original status (a reblog is a repost, not new content).
    pub(crate) fn into_post(self) -> Result<Post, String> {
        if let Some(original) = self.reblog {
            return original.into_post();
        }
        let created_at =
            json::timestamp(&self.created_at).map_err(|e| format!("bad created_at: {e}"))?;
        let handle = qualified_acct(&self.account.acct, self.account.url.as_deref());
        let author = Author {
            display_name: self.account.display_name.filter(|n| !n.trim().is_empty()),
            followers: self.account.followers_count,
            ..Author::new(handle)
        };
        let quote_of = self
            .quote
            .and_then(|q| q.quoted_status.map(|s| s.id).or(q.quoted_status_id));
        Ok(Post {
            network: Network::Mastodon,
            native_id: self.id,
            url: self.url.or(self.uri),
            author,
            title: self.spoiler_text.filter(|s| !s.trim().is_empty()),
            text: html_to_text(self.content.as_deref().unwrap_or_default()),
            language: json::language(self.language.as_deref()),
            created_at,
            reply_to: self.in_reply_to_id,
            conversation_id: None,
            quote_of,
            engagement: Engagement {
                likes: self.favourites_count,
                reposts: self.reblogs_count,
                replies: self.replies_count,
            },
        })
    }
}

/// `acct` is `user` for an account of the instance that answered and `user@domain` for
/// the others: qualify the local ones with the account URL's host, so that a handle means
/// the same account whichever instance was asked.
fn qualified_acct(acct: &str, url: Option<&str>) -> String {
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    if acct.contains('@') {
        return acct.to_string();
    }
    match url.and_then(json::host_of) {
        Some(host) => format!("{acct}@{host}"),
        None => acct.to_string(),
    }
}

/// Reads one status item into `page`: the post, or a skipped entry at `at`. The newest and
/// oldest ids seen are those of the items themselves (a reblog's own id), since those are
/// what the timeline pages by.
pub(crate) fn read_status(page: &mut Page, ids: &mut super::MastodonCursor, raw: &Raw, at: String) {
    match json::item::<Status>(raw) {
        Ok(status) => {
            json::keep_newest(&mut ids.newest_id, &status.id);
            json::keep_oldest(&mut ids.oldest_id, &status.id);
            let id = status.id.clone();
            match status.into_post() {
                Ok(post) => page.push_post(post),
                Err(reason) => page.skip(at, Some(id), reason),
            }
        }
        Err(reason) => page.skip(at, json::id_hint(raw, "id"), reason),
    }
}

#[cfg(test)]
mod tests {
    use super::qualified_acct;

    #[test]
    fn local_accounts_get_their_instance() {
        assert_eq!(
            qualified_acct("Gargron", Some("https://mastodon.social/@Gargron")),
            "Gargron@mastodon.social"
        );
        assert_eq!(
            qualified_acct("a@b.example", Some("https://c.example/@a")),
            "a@b.example"
        );
        assert_eq!(qualified_acct("solo", None), "solo");
    }
}
