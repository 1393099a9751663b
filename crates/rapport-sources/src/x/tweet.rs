//! The `Tweet` and `User` objects of X API v2
//! (https://docs.x.com/x-api/fundamentals/data-dictionary) and how a tweet becomes a post.

use crate::parse::json::{self, Raw};
use crate::parse::Page;
use chrono::DateTime;
use rapport_model::{Author, Engagement, Network, Post, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Tweet {
    #[serde(deserialize_with = "json::id")]
    id: String,
    text: String,
    #[serde(default, deserialize_with = "json::opt_id")]
    author_id: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "json::opt_id")]
    conversation_id: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    public_metrics: Option<TweetMetrics>,
    #[serde(default)]
    referenced_tweets: Option<Vec<Reference>>,
    #[serde(default)]
    note_tweet: Option<NoteTweet>,
}

#[derive(Debug, Clone, Deserialize)]
struct TweetMetrics {
    #[serde(default, deserialize_with = "json::count")]
    retweet_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    reply_count: u64,
    #[serde(default, deserialize_with = "json::count")]
    like_count: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "json::id")]
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
struct NoteTweet {
    text: String,
}

#[derive(Debug, Clone, Deserialize)]
struct User {
    #[serde(deserialize_with = "json::id")]
    id: String,
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_metrics: Option<UserMetrics>,
}

#[derive(Debug, Clone, Deserialize)]
struct UserMetrics {
    #[serde(default, deserialize_with = "json::opt_count")]
    followers_count: Option<u64>,
}

#[derive(Deserialize, Default)]
struct RawIncludes {
    #[serde(default)]
    users: Vec<Raw>,
    #[serde(default)]
    tweets: Vec<Raw>,
}

/// `includes`, indexed by id. An included object that cannot be read is left out (the
/// posts that need it then say so, or fall back to the author id).
#[derive(Default)]
pub(super) struct Includes {
    users: HashMap<String, User>,
    tweets: HashMap<String, Tweet>,
}

impl Includes {
    pub(super) fn read(raw: Option<&RawValue>) -> Includes {
        let Some(raw) = raw else {
            return Includes::default();
        };
        let raw: RawIncludes = serde_json::from_str(raw.get()).unwrap_or_default();
        Includes {
            users: raw
                .users
                .iter()
                .filter_map(|u| json::item::<User>(u).ok())
                .map(|u| (u.id.clone(), u))
                .collect(),
            tweets: raw
                .tweets
                .iter()
                .filter_map(|t| json::item::<Tweet>(t).ok())
                .map(|t| (t.id.clone(), t))
                .collect(),
        }
    }
}

/// Reads one tweet of `data` into `page` (the original, for a retweet).
pub(super) fn read(page: &mut Page, includes: &Includes, raw: &Raw, at: String) {
    let tweet = match json::item::<Tweet>(raw) {
        Ok(tweet) => tweet,
        Err(reason) => {
            page.skip(at, json::id_hint(raw, "id"), reason);
            return;
        }
    };
    let retweeted = tweet
        .referenced_tweets
        .iter()
        .flatten()
        .find(|r| r.kind == "retweeted")
        .map(|r| r.id.clone());
    let (tweet, at) = match retweeted {
        None => (tweet, at),
        Some(original_id) => match includes.tweets.get(&original_id) {
            Some(original) => (original.clone(), format!("{at} (retweeted {original_id})")),
            None => {
                page.skip(
                    at,
                    Some(tweet.id),
                    format!(
                        "a retweet of {original_id}, which is not in includes.tweets \
                         (ask for expansions=referenced_tweets.id)"
                    ),
                );
                return;
            }
        },
    };
    let id = tweet.id.clone();
    match into_post(tweet, includes) {
        Ok(post) => page.push_post(post),
        Err(reason) => page.skip(at, Some(id), reason),
    }
}

fn into_post(tweet: Tweet, includes: &Includes) -> Result<Post, String> {
    let created_at = match &tweet.created_at {
        Some(created) => json::timestamp(created).map_err(|e| format!("bad created_at: {e}"))?,
        None => snowflake_time(&tweet.id).ok_or_else(|| {
            format!(
                "no created_at, and the id '{}' is not a Snowflake",
                tweet.id
            )
        })?,
    };
    let user = tweet
        .author_id
        .as_ref()
        .and_then(|id| includes.users.get(id));
    let (author, url) = match (user, &tweet.author_id) {
        (Some(user), _) => (
            Author {
                display_name: user.name.clone().filter(|n| !n.trim().is_empty()),
                followers: user.public_metrics.as_ref().and_then(|m| m.followers_count),
                ..Author::new(user.username.clone())
            },
            format!("https://x.com/{}/status/{}", user.username, tweet.id),
        ),
        // Without the user object the author is known by id only; x.com's `i/web` link
        // works without a username.
        (None, Some(author_id)) => (
            Author::new(format!("id:{author_id}")),
            format!("https://x.com/i/web/status/{}", tweet.id),
        ),
        (None, None) => return Err("no author_id (ask for expansions=author_id)".to_string()),
    };
    let reference = |kind: &str| {
        tweet
            .referenced_tweets
            .iter()
            .flatten()
            .find(|r| r.kind == kind)
            .map(|r| r.id.clone())
    };
    let text = tweet
        .note_tweet
        .as_ref()
        .map_or(&tweet.text, |note| &note.text);
    let metrics = tweet.public_metrics.as_ref();
    Ok(Post {
        network: Network::X,
        url: Some(url),
        author,
        title: None,
        text: html_escape::decode_html_entities(text).into_owned(),
        language: json::language(tweet.lang.as_deref()),
        created_at,
        reply_to: reference("replied_to"),
        conversation_id: tweet.conversation_id.clone(),
        quote_of: reference("quoted"),
        engagement: Engagement {
            likes: metrics.map_or(0, |m| m.like_count),
            reposts: metrics.map_or(0, |m| m.retweet_count),
            replies: metrics.map_or(0, |m| m.reply_count),
        },
        native_id: tweet.id,
    })
}

/// X's epoch for Snowflake ids, in Unix milliseconds.
const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;

/// The creation time held in a Snowflake id's top bits.
fn snowflake_time(id: &str) -> Option<Timestamp> {
    let id: u64 = id.parse().ok()?;
    let millis = i64::try_from(id >> 22)
        .ok()?
        .checked_add(TWITTER_EPOCH_MS)?;
    DateTime::from_timestamp_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::snowflake_time;

    #[test]
    fn snowflake_ids_hold_their_time() {
        // (1445078208190291968 >> 22) + 1288834974657 = 1633368467744 ms.
        let t = snowflake_time("1445078208190291968").unwrap();
        assert_eq!(t.timestamp_millis(), 1_633_368_467_744);
        assert_eq!(t.to_rfc3339(), "2021-10-04T17:27:47.744+00:00");
        assert_eq!(snowflake_time("abc"), None);
    }
}
