//! X recent search (<https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent>,
//! rate limits <https://docs.x.com/x-api/fundamentals/rate-limits>), Reddit search
//! (<https://www.reddit.com/dev/api/#GET_search>) and Bluesky searchPosts
//! (<https://docs.bsky.app/docs/api/app-bsky-feed-search-posts>): documents are the
//! fixtures, or built from one of their items with new ids and dates.

use crate::script::{build, drain, fixture, fixture_json, Reply, Server};
use rapport_sources::source::SourceError;
use serde_json::json;
use std::time::Duration;

fn x_page(ids: &[u64], next_token: Option<&str>) -> String {
    let fixture = fixture_json("x/search_recent.json");
    let template = fixture["data"][0].clone();
    let data: Vec<serde_json::Value> = ids
        .iter()
        .map(|n| {
            let mut tweet = template.clone();
            tweet["id"] = json!(n.to_string());
            tweet["conversation_id"] = json!(n.to_string());
            tweet["edit_history_tweet_ids"] = json!([n.to_string()]);
            tweet
        })
        .collect();
    let mut meta = json!({
        "newest_id": ids.iter().max().unwrap().to_string(),
        "oldest_id": ids.iter().min().unwrap().to_string(),
        "result_count": ids.len(),
    });
    if let Some(token) = next_token {
        meta["next_token"] = json!(token);
    }
    json!({"data": data, "includes": fixture["includes"], "meta": meta}).to_string()
}

#[tokio::test]
async fn x_follows_next_token_under_since_id_and_waits_for_the_reset() {
    let server = Server::start().await;
    let mut source = build(
        "x_search",
        json!({"query": "orvella -is:retweet", "base": server.base}),
        Some("b3arer"),
    );

    // The first poll reads the newest page only, even with a next_token.
    server.then(Reply::ok(fixture("x/search_recent.json")));
    let first = source.poll(None).await.unwrap();
    assert!(!first.posts.is_empty());
    assert_eq!(first.wait, None);
    let seen = server.take_seen();
    assert_eq!(seen[0].path, "/2/tweets/search/recent");
    assert_eq!(seen[0].param("query"), Some("orvella -is:retweet"));
    assert_eq!(seen[0].header("authorization"), Some("Bearer b3arer"));
    assert!(seen[0].param("expansions").unwrap().contains("author_id"));

    let base = 1896217000000000005u64;
    server
        .then(Reply::ok(x_page(&[base + 4, base + 3], Some("p2"))))
        .then(Reply::ok(x_page(&[base + 2, base + 1], None)));
    let (ids, checkpoint) = drain(source.as_mut(), first.checkpoint).await.unwrap();
    // Each page oldest first; pages go back in time.
    let expected: Vec<String> = [3, 4, 1, 2]
        .iter()
        .map(|i| (base + i).to_string())
        .collect();
    assert_eq!(ids, expected);
    let seen = server.take_seen();
    let since = base.to_string();
    assert_eq!(seen[0].param("since_id"), Some(since.as_str()));
    assert_eq!(seen[0].param("next_token"), None);
    assert_eq!(seen[1].param("since_id"), Some(since.as_str()));
    assert_eq!(seen[1].param("next_token"), Some("p2"));

    // Caught up: the next search starts after the newest post stored.
    server.then(Reply::ok(fixture("x/search_empty.json")));
    let (ids, _) = drain(source.as_mut(), checkpoint.clone()).await.unwrap();
    assert!(ids.is_empty());
    let newest = (base + 4).to_string();
    assert_eq!(
        server.take_seen()[0].param("since_id"),
        Some(newest.as_str())
    );

    let reset = chrono::Utc::now().timestamp() + 900;
    server.then(
        Reply::status(429, r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#)
            .header("x-rate-limit-limit", "450")
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", reset.to_string()),
    );
    let limited = source.poll(checkpoint.as_deref()).await.unwrap();
    assert_eq!(limited.checkpoint, None);
    let wait = limited.wait.unwrap();
    assert!(
        wait > Duration::from_secs(600) && wait <= Duration::from_secs(900),
        "{wait:?}"
    );

    server.then(Reply::status(
        401,
        r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
    ));
    let error = source.poll(None).await.unwrap_err();
    assert!(
        matches!(error, SourceError::Unauthorized { status: 401, .. }),
        "{error}"
    );
}

fn reddit_page(names: &[&str], after: Option<&str>) -> String {
    let mut listing = fixture_json("reddit/search.json");
    let template = listing["data"]["children"][0].clone();
    let children: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut child = template.clone();
            child["data"]["name"] = json!(name);
            child["data"]["id"] = json!(name.trim_start_matches("t3_"));
            child["data"]["created_utc"] = json!(1772400000.0 - 60.0 * i as f64);
            child
        })
        .collect();
    listing["data"]["children"] = json!(children);
    listing["data"]["after"] = json!(after);
    listing["data"]["before"] = json!(null);
    listing.to_string()
}

#[tokio::test]
async fn reddit_sends_its_user_agent_and_pages_back_to_what_it_knows() {
    let server = Server::start().await;
    let agent = "linux:rapport-test:0.1 (by /u/rapport_bot)";
    let mut source = build(
        "reddit",
        json!({"query": "orvella", "subreddit": "kettles", "user_agent": agent, "base": server.base}),
        None,
    );

    server.then(Reply::ok(fixture("reddit/search.json")));
    let first = source.poll(None).await.unwrap();
    assert!(!first.posts.is_empty());
    assert_eq!(first.wait, None, "a new source does not follow `after`");
    let seen = server.take_seen();
    assert_eq!(seen[0].path, "/r/kettles/search.json");
    assert_eq!(seen[0].header("user-agent"), Some(agent));
    assert_eq!(seen[0].param("sort"), Some("new"));
    assert_eq!(seen[0].param("restrict_sr"), Some("1"));

    // Five new posts over two pages; the second page reaches a post already stored.
    server
        .then(Reply::ok(reddit_page(
            &["t3_n5", "t3_n4", "t3_n3"],
            Some("t3_n3"),
        )))
        .then(Reply::ok(reddit_page(
            &["t3_n2", "t3_n1", "t3_1j0abcd"],
            Some("t3_1j0abcd"),
        )));
    let (ids, checkpoint) = drain(source.as_mut(), first.checkpoint).await.unwrap();
    assert_eq!(ids, vec!["t3_n3", "t3_n4", "t3_n5", "t3_n1", "t3_n2"]);
    let seen = server.take_seen();
    assert_eq!(seen[0].param("after"), None);
    assert_eq!(seen[1].param("after"), Some("t3_n3"));

    server.then(Reply::status(429, "").header("retry-after", "12"));
    let limited = source.poll(checkpoint.as_deref()).await.unwrap();
    assert_eq!(limited.wait, Some(Duration::from_secs(12)));
}

fn bluesky_page(rkeys: &[&str], cursor: Option<&str>) -> String {
    let mut output = fixture_json("bluesky/search_posts.json");
    let template = output["posts"][0].clone();
    let posts: Vec<serde_json::Value> = rkeys
        .iter()
        .enumerate()
        .map(|(i, rkey)| {
            let mut post = template.clone();
            post["uri"] = json!(format!(
                "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/{rkey}"
            ));
            let at = format!("2026-03-05T12:{:02}:00.000Z", 59 - i);
            post["record"]["createdAt"] = json!(at);
            post["indexedAt"] = json!(at);
            post
        })
        .collect();
    output["posts"] = json!(posts);
    match cursor {
        Some(cursor) => output["cursor"] = json!(cursor),
        None => {
            output.as_object_mut().unwrap().remove("cursor");
        }
    }
    output.to_string()
}

#[tokio::test]
async fn bluesky_pages_with_its_cursor_since_the_newest_post() {
    let server = Server::start().await;
    let mut source = build(
        "bluesky_search",
        json!({"query": "orvella", "service": server.base}),
        None,
    );
    server.then(Reply::ok(fixture("bluesky/search_posts.json")));
    let first = source.poll(None).await.unwrap();
    assert!(!first.posts.is_empty());
    let seen = server.take_seen();
    assert_eq!(seen[0].path, "/xrpc/app.bsky.feed.searchPosts");
    assert_eq!(seen[0].param("sort"), Some("latest"));
    assert_eq!(seen[0].param("cursor"), None);

    server
        .then(Reply::ok(bluesky_page(&["3lc4", "3lc3"], Some("25"))))
        .then(Reply::ok(bluesky_page(&["3lc2", "3lc1"], None)));
    let (ids, checkpoint) = drain(source.as_mut(), first.checkpoint).await.unwrap();
    let rkeys: Vec<&str> = ids
        .iter()
        .map(|id| id.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(rkeys, vec!["3lc3", "3lc4", "3lc1", "3lc2"]);
    let seen = server.take_seen();
    assert!(seen[0].param("since").is_some());
    assert_eq!(seen[1].param("cursor"), Some("25"));

    // The overlap of the next search gives back the newest post: not emitted twice.
    server.then(Reply::ok(bluesky_page(&["3lc4"], None)));
    let (ids, _) = drain(source.as_mut(), checkpoint).await.unwrap();
    assert!(ids.is_empty(), "{ids:?}");
    assert_eq!(
        server.take_seen()[0].param("since"),
        Some("2026-03-05T12:54:00.000Z")
    );
}
