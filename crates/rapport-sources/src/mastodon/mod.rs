//! Mastodon: statuses from timelines, search, notifications and the streaming API.
//!
//! Documents (recognised by [`crate::parse_document`]):
//!
//! * a JSON array of [`Status`](https://docs.joinmastodon.org/entities/Status/)
//!   (`GET /api/v1/timelines/tag/:hashtag`, `/api/v1/timelines/public`), or one status;
//! * a search result `{accounts, statuses, hashtags}` (`GET /api/v2/search`): its statuses;
//! * a JSON array of [`Notification`](https://docs.joinmastodon.org/entities/Notification/)
//!   (`GET /api/v1/notifications`): the statuses of `mention` notifications;
//! * a capture of the [streaming API](https://docs.joinmastodon.org/methods/streaming/)
//!   (server-sent events): `update` and `status.update` carry a status, `notification` a
//!   notification, `delete` a status id (listed in [`Page::deleted`](crate::Page)).
//!
//! Each status becomes a post: `content` HTML as plain text, `spoiler_text` as the title,
//! `in_reply_to_id` as `reply_to`, the Mastodon 4.5 `quote` as `quote_of`, favourites,
//! reblogs and replies as engagement. A reblog is a repost: the post is the original status,
//! under the original's id and author. An edited status (`edited_at`) simply carries its
//! latest text, which replaces the stored one. Ids are the answering instance's ids, kept
//! as text; author handles are `acct`, qualified with the instance's host for local
//! accounts (`Gargron@mastodon.social`).
//!
//! Paging: the cursor holds the newest and oldest item ids seen (for `min_id`/`since_id`
//! and `max_id`); the `Link` header's links are read by [`parse_link_header`].

mod link;
mod status;
mod stream;

pub use link::{parse_link_header, LinkPaging, PageLink};

use crate::parse::json::{self, Raw};
use crate::parse::{Cursor, Document, Page, ParseError};
use rapport_model::Network;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// Where a Mastodon poller goes on from: the ids of the items seen (a reblog's own id, a
/// notification's id), compared as numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MastodonCursor {
    /// The newest id seen: ask for `min_id` (or `since_id`) of it for what is newer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_id: Option<String>,
    /// The oldest id seen: ask for `max_id` of it for the page before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_id: Option<String>,
}

/// Reads any Mastodon document (see the module documentation).
pub(crate) fn parse(bytes: &[u8]) -> Result<Page, ParseError> {
    match json::first_byte(bytes) {
        None => Err(ParseError::new(
            Network::Mastodon,
            Document::Unknown,
            "the input is empty",
        )),
        Some(b'[') => parse_array(bytes),
        Some(b'{') => parse_object(bytes),
        Some(_) => stream::parse(bytes),
    }
}

/// A status array or a notification array, told apart by the first item.
fn parse_array(bytes: &[u8]) -> Result<Page, ParseError> {
    let items: Vec<Raw> = json::document(bytes, Network::Mastodon, Document::MastodonStatuses)?;
    let notifications = items
        .first()
        .and_then(|raw| serde_json::from_str::<BTreeMap<String, serde_json::Value>>(raw.get()).ok())
        .is_some_and(|first| first.contains_key("type") && !first.contains_key("content"));
    let mut ids = MastodonCursor::default();
    let mut page = Page::new(
        if notifications {
            Document::MastodonNotifications
        } else {
            Document::MastodonStatuses
        },
        Cursor::Mastodon(MastodonCursor::default()),
    );
    for (i, raw) in items.iter().enumerate() {
        let at = format!("$[{i}]");
        if notifications {
            read_notification(&mut page, &mut ids, raw, at);
        } else {
            status::read_status(&mut page, &mut ids, raw, at);
        }
    }
    page.cursor = Cursor::Mastodon(ids);
    Ok(page)
}

/// A search result, one status, or an error body.
fn parse_object(bytes: &[u8]) -> Result<Page, ParseError> {
    let object: BTreeMap<String, Raw> =
        json::document(bytes, Network::Mastodon, Document::MastodonSearch)?;
    let mut ids = MastodonCursor::default();
    if let Some(statuses) = object.get("statuses") {
        let mut page = Page::new(
            Document::MastodonSearch,
            Cursor::Mastodon(MastodonCursor::default()),
        );
        let items: Vec<Raw> = serde_json::from_str(statuses.get()).map_err(|e| {
            ParseError::new(
                Network::Mastodon,
                Document::MastodonSearch,
                format!("statuses is not an array of statuses: {e}"),
            )
        })?;
        for (i, raw) in items.iter().enumerate() {
            status::read_status(&mut page, &mut ids, raw, format!("$.statuses[{i}]"));
        }
        page.cursor = Cursor::Mastodon(ids);
        return Ok(page);
    }
    if let Some(error) = object.get("error") {
        return Err(ParseError::new(
            Network::Mastodon,
            Document::Unknown,
            format!("Mastodon answered with an error: {}", error.get()),
        ));
    }
    if object.contains_key("content") && object.contains_key("account") {
        let mut page = Page::new(
            Document::MastodonStatus,
            Cursor::Mastodon(MastodonCursor::default()),
        );
        let raw =
            RawValue::from_string(String::from_utf8_lossy(bytes).into_owned()).map_err(|e| {
                ParseError::new(Network::Mastodon, Document::MastodonStatus, e.to_string())
            })?;
        status::read_status(&mut page, &mut ids, &raw, "$".to_string());
        page.cursor = Cursor::Mastodon(ids);
        return Ok(page);
    }
    Err(ParseError::new(
        Network::Mastodon,
        Document::Unknown,
        "a JSON object that is neither a search result (no 'statuses') nor a status",
    ))
}

/// The fields of a `Notification` that rapport reads.
#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(deserialize_with = "json::id")]
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    status: Option<Raw>,
}

/// A `mention` notification gives its status; other types (favourites, follows, boosts of
/// one's own posts) are not posts to listen to and are passed over without a word.
fn read_notification(page: &mut Page, ids: &mut MastodonCursor, raw: &Raw, at: String) {
    match json::item::<Notification>(raw) {
        Ok(notification) => {
            json::keep_newest(&mut ids.newest_id, &notification.id);
            json::keep_oldest(&mut ids.oldest_id, &notification.id);
            if notification.kind != "mention" {
                return;
            }
            match notification.status {
                Some(status) => {
                    let mut unused = MastodonCursor::default();
                    status::read_status(page, &mut unused, &status, format!("{at}.status"));
                }
                None => page.skip(at, Some(notification.id), "a mention without a status"),
            }
        }
        Err(reason) => page.skip(at, json::id_hint(raw, "id"), reason),
    }
}
