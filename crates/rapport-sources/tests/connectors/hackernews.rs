//! Hacker News through Algolia (<https://hn.algolia.com/api>): `search_by_date` responses
//! in the shape of `fixtures/hackernews/search_by_date.json` (hits, `page`, `nbPages`).

use crate::script::{build, drain, fixture, fixture_json, Reply, Server};
use serde_json::json;

const FIRST: i64 = 1772361600;

/// A search page holding hits `ids` (newest first), page `page` of `pages`.
fn page(ids: &[u32], page: u32, pages: u32) -> String {
    let mut document = fixture_json("hackernews/search_by_date.json");
    let template = document["hits"][0].clone();
    let hits: Vec<serde_json::Value> = ids
        .iter()
        .map(|&n| {
            let mut hit = template.clone();
            hit["objectID"] = json!(n.to_string());
            hit["created_at_i"] = json!(FIRST + i64::from(n));
            hit["created_at"] = json!(chrono::DateTime::from_timestamp(FIRST + i64::from(n), 0)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            hit
        })
        .collect();
    document["nbHits"] = json!(ids.len());
    document["hits"] = json!(hits);
    document["page"] = json!(page);
    document["nbPages"] = json!(pages);
    document.to_string()
}

#[tokio::test]
async fn created_at_filter_pages_then_moves_on() {
    let server = Server::start().await;
    let config = json!({"query": "orvella", "base": server.base});
    let mut source = build("hackernews", config, None);

    server.then(Reply::ok(fixture("hackernews/search_by_date.json")));
    let first = source.poll(None).await.unwrap();
    assert_eq!(first.posts.len(), 1);
    let seen = server.take_seen();
    assert_eq!(seen[0].path, "/api/v1/search_by_date");
    assert_eq!(seen[0].param("query"), Some("orvella"));
    assert_eq!(seen[0].param("numericFilters"), None);

    // Two pages of newer hits, one poll each.
    server
        .then(Reply::ok(page(&[5, 4, 3], 0, 2)))
        .then(Reply::ok(page(&[2, 1], 1, 2)));
    let (ids, checkpoint) = drain(source.as_mut(), first.checkpoint).await.unwrap();
    // Each page oldest first; pages go back in time.
    assert_eq!(ids, vec!["3", "4", "5", "1", "2"]);
    let seen = server.take_seen();
    let filter = format!("created_at_i>={FIRST}");
    assert_eq!(seen[0].param("numericFilters"), Some(filter.as_str()));
    assert_eq!(seen[0].param("page"), None);
    assert_eq!(seen[1].param("page"), Some("1"));

    // The inclusive filter gives back the newest hit: it is not emitted twice.
    server.then(Reply::ok(page(&[5], 0, 1)));
    let (ids, _) = drain(source.as_mut(), checkpoint).await.unwrap();
    assert!(ids.is_empty(), "{ids:?}");
    let filter = format!("created_at_i>={}", FIRST + 5);
    assert_eq!(
        server.take_seen()[0].param("numericFilters"),
        Some(filter.as_str())
    );
}
