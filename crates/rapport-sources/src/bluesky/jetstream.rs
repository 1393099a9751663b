//! Jetstream messages, one JSON object per line
//! (https://github.com/bluesky-social/jetstream#consuming-jetstream).

use super::record::{post_url, PostRecord, POST_COLLECTION};
use super::BlueskyCursor;
use crate::parse::json;
use crate::parse::{Cursor, Document, Page};
use rapport_model::Author;
use serde::Deserialize;

#[derive(Deserialize)]
struct Message {
    did: String,
    time_us: i64,
    kind: String,
    #[serde(default)]
    commit: Option<Commit>,
}

#[derive(Deserialize)]
struct Commit {
    operation: String,
    collection: String,
    rkey: String,
    #[serde(default)]
    record: Option<PostRecord>,
}

/// Reads every line; a line that is not a message is skipped with its number, and the
/// cursor is the largest `time_us` of the lines read.
pub(super) fn parse(bytes: &[u8]) -> Page {
    let mut page = Page::new(
        Document::BlueskyJetstream,
        Cursor::Bluesky(BlueskyCursor::default()),
    );
    let mut time_us: Option<i64> = None;
    for (number, line) in json::lines(bytes) {
        let at = format!("line {number}");
        let raw = match serde_json::value::RawValue::from_string(line.into_owned()) {
            Ok(raw) => raw,
            Err(e) => {
                page.skip(at, None, format!("not a JSON message: {e}"));
                continue;
            }
        };
        let message: Message = match json::item(&raw) {
            Ok(message) => message,
            Err(reason) => {
                page.skip(at, None, reason);
                continue;
            }
        };
        time_us = Some(time_us.map_or(message.time_us, |t| t.max(message.time_us)));
        let Some(commit) = message.commit.filter(|_| message.kind == "commit") else {
            continue;
        };
        if commit.collection != POST_COLLECTION {
            continue;
        }
        let uri = format!("at://{}/{POST_COLLECTION}/{}", message.did, commit.rkey);
        match commit.operation.as_str() {
            "delete" => page.deleted.push(uri),
            "create" | "update" => {
                let Some(record) = commit.record else {
                    page.skip(
                        at,
                        Some(uri),
                        format!("a {} without a record", commit.operation),
                    );
                    continue;
                };
                let created_at = match record.created_at() {
                    Ok(t) => t,
                    Err(_) => match json::unix_seconds(message.time_us as f64 / 1e6) {
                        Ok(t) => t,
                        Err(reason) => {
                            page.skip(at, Some(uri), reason);
                            continue;
                        }
                    },
                };
                let url = post_url(&uri, &message.did);
                let mut post = record.into_post(uri, created_at);
                post.url = url;
                post.author = Author::new(message.did);
                page.push_post(post);
            }
            other => page.skip(at, Some(uri), format!("unknown operation '{other}'")),
        }
    }
    page.cursor = Cursor::Bluesky(BlueskyCursor {
        time_us,
        ..BlueskyCursor::default()
    });
    page
}
