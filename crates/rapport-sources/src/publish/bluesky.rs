//! Posts and replies on Bluesky, through the account's PDS (XRPC over HTTPS).
//!
//! - Login: `com.atproto.server.createSession` with the handle (or DID, or e-mail) and an
//!   app password (<https://docs.bsky.app/docs/api/com-atproto-server-create-session>),
//!   which gives `accessJwt` and `did`. The session is kept in memory and made again once
//!   when a call answers `ExpiredToken`/`InvalidToken` (createSession is itself rate
//!   limited, 30 per 5 minutes, so it is not called per post).
//! - Posting: `com.atproto.repo.createRecord` in the collection `app.bsky.feed.post`
//!   (<https://docs.bsky.app/docs/api/com-atproto-repo-create-record>,
//!   <https://docs.bsky.app/docs/advanced-guides/posts>), the record
//!   `{"$type", "text", "createdAt", "facets"?, "reply"?}`; links get a
//!   `app.bsky.richtext.facet#link` facet over their UTF-8 byte range. Mentions get none:
//!   a mention facet needs the handle resolved to a DID (`com.atproto.identity.resolveHandle`),
//!   which is not done yet, so `@handle` is posted as plain text.
//! - Idempotency: Bluesky has no idempotency header, but a record's key (`rkey`) is unique
//!   in its collection and createRecord does not overwrite: a second create with the same
//!   rkey fails. So the rkey is derived from the caller's idempotency key
//!   ([`record_key`]): a retry after a timeout or a crash targets the same rkey and cannot
//!   create a second post; when createRecord fails, the publisher reads the record at that
//!   rkey (`com.atproto.repo.getRecord`,
//!   <https://docs.bsky.app/docs/api/com-atproto-repo-get-record>) and answers the post an
//!   earlier call created. [`Publisher::find_published`] is the same read.
//! - Replies: the record's `reply` holds `root` and `parent` as strong references (uri +
//!   cid). The parent's at:// uri is the post's native id; its cid and its own `reply.root`
//!   come from `app.bsky.feed.getPosts`
//!   (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>), which the PDS proxies to
//!   the AppView, so it works for posts of any repository, not only the account's own
//!   (getRecord on the account's PDS only knows the repositories it hosts). The root is the
//!   parent's `reply.root` when the parent is itself a reply, else the parent.
//! - Errors (<https://atproto.com/specs/xrpc>): `{"error": "InvalidRequest", "message": ...}`;
//!   401 (and `ExpiredToken`/`InvalidToken`/`AuthMissing`) → [`PublishError::Unauthorized`],
//!   429 with `ratelimit-reset` (epoch seconds,
//!   <https://docs.bsky.app/docs/advanced-guides/rate-limits>) → `RateLimited`, 5xx →
//!   `Transient`, other 4xx → `Rejected` with the PDS's message.
//! - Polls: Bluesky has no native polls; a post with one is [`PublishError::NotSupported`].
//! - Images: each file goes to `com.atproto.repo.uploadBlob` (the raw bytes with their
//!   `Content-Type`, <https://docs.bsky.app/docs/api/com-atproto-repo-upload-blob>, which
//!   answers `{"blob": {...}}`), and the record gets `app.bsky.embed.images` with each
//!   blob, its `alt` and its `aspectRatio` (width and height in pixels,
//!   <https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json>).
//!   A retry uploads again (unreferenced blobs are removed by the PDS) and still targets the
//!   same rkey, so it cannot post twice.
//! - Link cards: a post without images gets `app.bsky.embed.external` (`uri`, `title`,
//!   `description`, and `thumb`, a blob, when the page's image was fetched;
//!   <https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/external.json>)
//!   from [`Outgoing::link_card`]: Bluesky's AppView does not fetch cards itself.
//! - Followers: `followersCount` of `app.bsky.actor.getProfile` for the account's DID
//!   (<https://docs.bsky.app/docs/api/app-bsky-actor-get-profile>).

use async_trait::async_trait;
use rapport_model::Network;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

use super::length::{self, LengthRule};
use super::media::{MediaFile, MediaLimits};
use super::{
    transport, EngagementAnswer, EngagementCounts, Outgoing, PublishError, Published, Publisher,
};
use crate::http::{Fetcher, Posted};

const NETWORK: &str = "Bluesky";
/// The collection of posts.
const COLLECTION: &str = "app.bsky.feed.post";
/// Where a post can be seen on the web.
const WEB: &str = "https://bsky.app";

/// Posts as one Bluesky account (handle + app password) through its PDS, through the
/// guarded [`Fetcher`].
pub struct BlueskyPublisher {
    fetcher: Fetcher,
    service: Url,
    identifier: String,
    app_password: String,
    session: tokio::sync::Mutex<Option<Session>>,
}

impl std::fmt::Debug for BlueskyPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the app password nor the session's tokens ever appear in logs.
        f.debug_struct("BlueskyPublisher")
            .field("service", &self.service.as_str())
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

/// What createSession gives that we use.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    access_jwt: String,
    did: String,
}

/// An XRPC error body.
#[derive(Debug, Default, Deserialize)]
struct XrpcError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A strong reference: `com.atproto.repo.strongRef`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
struct StrongRef {
    uri: String,
    cid: String,
}

/// The record's reply refs, as stored in a post.
#[derive(Debug, Clone, Deserialize)]
struct ReplyRef {
    root: StrongRef,
}

/// The parts of a `app.bsky.feed.defs#postView` we read.
#[derive(Debug, Deserialize)]
struct PostView {
    uri: String,
    cid: String,
    #[serde(default)]
    record: Value,
}

#[derive(Debug, Deserialize)]
struct Posts {
    posts: Vec<PostView>,
}

/// The counts of a `postView` (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>),
/// each optional in the lexicon.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CountedView {
    uri: String,
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    repost_count: Option<u64>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    quote_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CountedPosts {
    posts: Vec<CountedView>,
}

/// The part of `app.bsky.actor.defs#profileViewDetailed` we read
/// (<https://docs.bsky.app/docs/api/app-bsky-actor-get-profile>; `followersCount` is
/// optional in the lexicon).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(default)]
    followers_count: Option<u64>,
}

/// createRecord's and getRecord's answer (getRecord's `cid` is optional in the lexicon).
#[derive(Debug, Deserialize)]
struct RecordRef {
    uri: String,
}

/// One XRPC request, made for a session (its DID goes into the request).
enum Call {
    Get(Url),
    Post(Url, Value),
    /// Raw bytes with their content type (`uploadBlob`).
    Blob(Url, &'static str, std::sync::Arc<[u8]>),
}

/// uploadBlob's answer: the blob reference to put in a record, kept as the PDS gave it.
#[derive(Debug, Deserialize)]
struct Uploaded {
    blob: Value,
}

impl BlueskyPublisher {
    /// A publisher for the account `identifier` (a handle such as `acme.bsky.social`, or a
    /// DID) logging in with an app password on its PDS `service` (`https://bsky.social`).
    pub fn new(fetcher: Fetcher, service: Url, identifier: String, app_password: String) -> Self {
        BlueskyPublisher {
            fetcher,
            service,
            identifier,
            app_password,
            session: tokio::sync::Mutex::new(None),
        }
    }

    fn xrpc(&self, method: &str) -> Result<Url, PublishError> {
        self.service
            .join(&format!("/xrpc/{method}"))
            .map_err(|e| PublishError::NotSupported(format!("bad Bluesky service URL: {e}")))
    }

    /// The current session, logging in when there is none.
    async fn session(&self) -> Result<Session, PublishError> {
        let mut session = self.session.lock().await;
        if let Some(known) = session.as_ref() {
            return Ok(known.clone());
        }
        let url = self.xrpc("com.atproto.server.createSession")?;
        let body = json!({"identifier": self.identifier, "password": self.app_password});
        let posted = self
            .fetcher
            .post_json(&url, None, &[], &body)
            .await
            .map_err(|e| transport(NETWORK, e))?;
        if !(200..300).contains(&posted.status) {
            return Err(match error_of(&posted) {
                // A wrong identifier or password is 401 AuthenticationRequired; a takedown
                // or a suspended account says so in 400.
                PublishError::Rejected { message, .. } if posted.status == 400 => {
                    PublishError::Unauthorized {
                        network: NETWORK,
                        message,
                    }
                }
                other => other,
            });
        }
        let fresh: Session =
            serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
                network: NETWORK,
                message: format!("createSession answered something else than a session: {e}"),
            })?;
        *session = Some(fresh.clone());
        Ok(fresh)
    }

    /// Runs `call` for the current session; when the PDS says the access token expired or
    /// is invalid, logs in again and runs it once more (safe for createRecord: the same
    /// rkey cannot create twice).
    async fn call(
        &self,
        make: impl Fn(&Session) -> Result<Call, PublishError>,
    ) -> Result<(Posted, Session), PublishError> {
        for attempt in 0..2 {
            let session = self.session().await?;
            let posted = match make(&session)? {
                Call::Get(url) => self.fetcher.get_json(&url, Some(&session.access_jwt)).await,
                Call::Post(url, body) => {
                    self.fetcher
                        .post_json(&url, Some(&session.access_jwt), &[], &body)
                        .await
                }
                Call::Blob(url, content_type, bytes) => {
                    self.fetcher
                        .send(
                            reqwest::Method::POST,
                            &url,
                            crate::http::Auth::Bearer(&session.access_jwt),
                            &[],
                            crate::http::RequestBody::Raw {
                                content_type,
                                bytes: &bytes,
                            },
                        )
                        .await
                }
            }
            .map_err(|e| transport(NETWORK, e))?;
            if attempt == 0 && token_expired(&posted) {
                *self.session.lock().await = None;
                continue;
            }
            return Ok((posted, session));
        }
        unreachable!("the loop returns on its second pass")
    }

    /// Uploads `file` as a blob and answers the blob reference.
    async fn upload_blob(&self, file: &MediaFile) -> Result<Value, PublishError> {
        let (posted, _) = self
            .call(|_| {
                Ok(Call::Blob(
                    self.xrpc("com.atproto.repo.uploadBlob")?,
                    file.kind.mime(),
                    file.bytes.clone(),
                ))
            })
            .await?;
        if !(200..300).contains(&posted.status) {
            return Err(error_of(&posted));
        }
        let uploaded: Uploaded = parse(&posted, "uploadBlob")?;
        Ok(uploaded.blob)
    }

    /// The record's `embed`: its images, else the link card, else none.
    async fn embed(&self, post: &Outgoing) -> Result<Option<Value>, PublishError> {
        if !post.media.is_empty() {
            let mut images = Vec::with_capacity(post.media.len());
            for file in &post.media {
                let blob = self.upload_blob(file).await?;
                images.push(json!({
                    "image": blob,
                    "alt": file.alt,
                    "aspectRatio": {"width": file.width, "height": file.height},
                }));
            }
            return Ok(Some(
                json!({"$type": "app.bsky.embed.images", "images": images}),
            ));
        }
        let Some(card) = &post.link_card else {
            return Ok(None);
        };
        let mut external = json!({
            "uri": card.url,
            "title": card.title,
            "description": card.description,
        });
        if let Some(thumb) = card
            .thumb
            .as_ref()
            .filter(|t| t.bytes.len() as u64 <= MediaLimits::BLUESKY.max_bytes)
        {
            external["thumb"] = self.upload_blob(thumb).await?;
        }
        Ok(Some(
            json!({"$type": "app.bsky.embed.external", "external": external}),
        ))
    }

    /// The record at `rkey` in the account's own posts, if there is one.
    async fn own_post(&self, rkey: &str) -> Result<Option<Published>, PublishError> {
        let (posted, session) = self
            .call(|session| {
                let mut url = self.xrpc("com.atproto.repo.getRecord")?;
                url.query_pairs_mut()
                    .append_pair("repo", &session.did)
                    .append_pair("collection", COLLECTION)
                    .append_pair("rkey", rkey);
                Ok(Call::Get(url))
            })
            .await?;
        match posted.status {
            200..=299 => {
                let record: RecordRef = parse(&posted, "getRecord")?;
                Ok(Some(published(&session, record.uri, rkey)))
            }
            404 => Ok(None),
            400 if error_code(&posted).as_deref() == Some("RecordNotFound") => Ok(None),
            _ => Err(error_of(&posted)),
        }
    }

    /// The `reply` of a post answering the post at `parent_uri`: its root and itself.
    async fn reply_refs(&self, parent_uri: &str) -> Result<Value, PublishError> {
        if !parent_uri.starts_with("at://") {
            return Err(PublishError::Rejected {
                network: NETWORK,
                message: format!("{parent_uri:?} is not the at:// URI of a Bluesky post"),
            });
        }
        let (posted, _) = self
            .call(|_| {
                let mut url = self.xrpc("app.bsky.feed.getPosts")?;
                url.query_pairs_mut().append_pair("uris", parent_uri);
                Ok(Call::Get(url))
            })
            .await?;
        if !(200..300).contains(&posted.status) {
            return Err(error_of(&posted));
        }
        let posts: Posts = parse(&posted, "getPosts")?;
        let Some(parent) = posts.posts.into_iter().find(|p| p.uri == parent_uri) else {
            return Err(PublishError::Rejected {
                network: NETWORK,
                message: format!("the post answered ({parent_uri}) was deleted or is hidden"),
            });
        };
        let root = serde_json::from_value::<ReplyRef>(parent.record["reply"].clone())
            .map(|reply| reply.root)
            .unwrap_or_else(|_| StrongRef {
                uri: parent.uri.clone(),
                cid: parent.cid.clone(),
            });
        Ok(json!({
            "root": root,
            "parent": StrongRef { uri: parent.uri, cid: parent.cid },
        }))
    }
}

/// The record key of the post published for `idempotency_key`: a TID
/// (<https://atproto.com/specs/tid>: 13 characters of base32-sortable, a 64-bit integer
/// with the top bit 0, 53 bits of microseconds since the Unix epoch and 10 bits of clock
/// id), the form the `app.bsky.feed.post` lexicon asks for (`"key": "tid"`).
///
/// It is derived from the key, not from the clock, so that every retry of the same post
/// targets the same record: createRecord refuses a second record at an existing rkey
/// instead of creating a duplicate. The xxh3 hash of the key gives the clock id (10 bits)
/// and a timestamp within 2^45 µs (about 407 days) after 2023-06-01, so every derived TID
/// reads as a moment in the past (never in the future, which a server could distrust) and
/// two keys collide with probability 2^-55. Posts are ordered by their `createdAt` and
/// indexing time, not by their rkey, so the timestamp need not be the real one.
pub fn record_key(idempotency_key: &str) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    /// 2023-06-01T00:00:00Z in microseconds.
    const START_MICROS: u64 = 1_685_577_600_000_000;
    const SPAN_MICROS: u64 = 1 << 45;
    let hash = xxhash_rust::xxh3::xxh3_64(format!("rapport-rkey:{idempotency_key}").as_bytes());
    let micros = START_MICROS + (hash >> 10) % SPAN_MICROS;
    let tid = (micros << 10) | (hash & 0x3FF);
    (0..13)
        .map(|i| ALPHABET[((tid >> (60 - 5 * i)) & 0x1F) as usize] as char)
        .collect()
}

fn published(session: &Session, uri: String, rkey: &str) -> Published {
    Published {
        native_id: uri,
        url: Some(format!("{WEB}/profile/{}/post/{rkey}", session.did)),
    }
}

fn parse<T: serde::de::DeserializeOwned>(posted: &Posted, what: &str) -> Result<T, PublishError> {
    serde_json::from_slice(&posted.body).map_err(|e| PublishError::Transient {
        network: NETWORK,
        message: format!("{what} answered in an unexpected shape: {e}"),
    })
}

fn error_code(posted: &Posted) -> Option<String> {
    serde_json::from_slice::<XrpcError>(&posted.body)
        .ok()
        .and_then(|e| e.error)
}

/// Whether the PDS refused the access token itself (expired or revoked).
fn token_expired(posted: &Posted) -> bool {
    matches!(posted.status, 400 | 401)
        && matches!(
            error_code(posted).as_deref(),
            Some("ExpiredToken" | "InvalidToken")
        )
}

/// The [`PublishError`] for an XRPC error answer.
fn error_of(posted: &Posted) -> PublishError {
    let body: XrpcError = serde_json::from_slice(&posted.body).unwrap_or_default();
    let code = body.error.clone().unwrap_or_default();
    let message = match (body.message, body.error) {
        (Some(message), _) if !message.is_empty() => message,
        (_, Some(error)) => error,
        _ => format!("HTTP {}", posted.status),
    };
    let auth = matches!(
        code.as_str(),
        "AuthMissing" | "AuthenticationRequired" | "ExpiredToken" | "InvalidToken"
    );
    match posted.status {
        401 | 403 => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        _ if auth => PublishError::Unauthorized {
            network: NETWORK,
            message,
        },
        429 => PublishError::RateLimited {
            network: NETWORK,
            retry_after: posted
                .rate_limit
                .retry_after
                .or(posted.rate_limit.reset_after)
                .unwrap_or(Duration::from_secs(60)),
        },
        408 | 500..=599 => PublishError::Transient {
            network: NETWORK,
            message,
        },
        _ => PublishError::Rejected {
            network: NETWORK,
            message,
        },
    }
}

/// The link facets of `text` (`app.bsky.richtext.facet`, byte ranges in UTF-8).
fn link_facets(text: &str) -> Vec<Value> {
    length::url_spans(text)
        .into_iter()
        .map(|span| {
            json!({
                "index": {"byteStart": span.start, "byteEnd": span.end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": &text[span]}],
            })
        })
        .collect()
}

#[async_trait]
impl Publisher for BlueskyPublisher {
    fn network(&self) -> Network {
        Network::Bluesky
    }

    fn length_rule(&self) -> LengthRule {
        LengthRule::Bluesky
    }

    fn media_limits(&self) -> Option<MediaLimits> {
        Some(MediaLimits::BLUESKY)
    }

    async fn publish(
        &self,
        post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Published, PublishError> {
        if post.poll.is_some() {
            return Err(PublishError::NotSupported(
                "Bluesky has no native polls: post the question as text (and ask for replies \
                 or likes), or publish the poll on Mastodon or X"
                    .into(),
            ));
        }
        let rkey = record_key(idempotency_key);
        let mut record = json!({
            "$type": COLLECTION,
            "text": post.text,
            "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        let facets = link_facets(&post.text);
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if let Some(parent) = &post.in_reply_to {
            record["reply"] = self.reply_refs(parent).await?;
        }
        if let Some(embed) = self.embed(post).await? {
            record["embed"] = embed;
        }
        let (posted, session) = self
            .call(|session| {
                Ok(Call::Post(
                    self.xrpc("com.atproto.repo.createRecord")?,
                    json!({
                        "repo": session.did,
                        "collection": COLLECTION,
                        "rkey": rkey,
                        "record": record,
                    }),
                ))
            })
            .await?;
        if (200..300).contains(&posted.status) {
            let created: RecordRef = parse(&posted, "createRecord")?;
            return Ok(published(&session, created.uri, &rkey));
        }
        let error = error_of(&posted);
        // A create at an rkey already taken fails (the PDS answers 400 InvalidRequest, or
        // 500 from the repository's tree, depending on the version): that is the retry of a
        // post an earlier call created. Answer that post.
        if matches!(
            error,
            PublishError::Rejected { .. } | PublishError::Transient { .. }
        ) {
            if let Ok(Some(first)) = self.own_post(&rkey).await {
                return Ok(first);
            }
        }
        Err(error)
    }

    /// `app.bsky.feed.getPosts?uris=<at:// URI>`
    /// (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>): `likeCount`, `repostCount`,
    /// `replyCount`, `quoteCount`. A deleted post is simply missing from `posts`.
    async fn engagement(&self, native_id: &str) -> Result<EngagementAnswer, PublishError> {
        if !native_id.starts_with("at://") {
            return Err(PublishError::NotSupported(format!(
                "{native_id:?} is not the at:// URI of a Bluesky post"
            )));
        }
        let (posted, _) = self
            .call(|_| {
                let mut url = self.xrpc("app.bsky.feed.getPosts")?;
                url.query_pairs_mut().append_pair("uris", native_id);
                Ok(Call::Get(url))
            })
            .await?;
        if !(200..300).contains(&posted.status) {
            return Err(error_of(&posted));
        }
        let posts: CountedPosts = parse(&posted, "getPosts")?;
        Ok(match posts.posts.into_iter().find(|p| p.uri == native_id) {
            None => EngagementAnswer::Deleted,
            Some(view) => EngagementAnswer::Counts(EngagementCounts {
                likes: view.like_count,
                reposts: view.repost_count,
                replies: view.reply_count,
                quotes: view.quote_count,
                impressions: None,
            }),
        })
    }

    /// `followersCount` of `app.bsky.actor.getProfile?actor=<the account's DID>`
    /// (<https://docs.bsky.app/docs/api/app-bsky-actor-get-profile>), which the PDS proxies
    /// to the AppView.
    async fn followers(&self) -> Result<Option<u64>, PublishError> {
        let (posted, _) = self
            .call(|session| {
                let mut url = self.xrpc("app.bsky.actor.getProfile")?;
                url.query_pairs_mut().append_pair("actor", &session.did);
                Ok(Call::Get(url))
            })
            .await?;
        if !(200..300).contains(&posted.status) {
            return Err(error_of(&posted));
        }
        let profile: Profile = parse(&posted, "getProfile")?;
        Ok(profile.followers_count)
    }

    async fn find_published(
        &self,
        _post: &Outgoing,
        idempotency_key: &str,
    ) -> Result<Option<Published>, PublishError> {
        self.own_post(&record_key(idempotency_key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_are_valid_tids_stable_per_key() {
        let key = record_key("reply-1");
        assert_eq!(key, record_key("reply-1"));
        assert_ne!(key, record_key("reply-2"));
        for k in ["", "a", "reply-1", "post-ééé", "x".repeat(500).as_str()] {
            let tid = record_key(k);
            assert_eq!(tid.len(), 13, "{tid}");
            // The first character carries the top bit, which is 0.
            assert!("234567abcdefghij".contains(&tid[..1]), "{tid}");
            assert!(
                tid.chars()
                    .all(|c| "234567abcdefghijklmnopqrstuvwxyz".contains(c)),
                "{tid}"
            );
        }
    }

    #[test]
    fn record_key_timestamps_are_in_the_past() {
        const ALPHABET: &str = "234567abcdefghijklmnopqrstuvwxyz";
        for i in 0..200 {
            let tid = record_key(&format!("key-{i}"));
            let value = tid
                .chars()
                .fold(0u64, |acc, c| (acc << 5) | ALPHABET.find(c).unwrap() as u64);
            let micros = value >> 10;
            assert!(micros >= 1_685_577_600_000_000, "{tid}");
            // Before 2024-08-01.
            assert!(micros < 1_722_470_400_000_000, "{tid}");
        }
    }

    #[test]
    fn links_get_facets_over_utf8_bytes() {
        let facets = link_facets("voilà https://acme.example/é ok");
        assert_eq!(facets.len(), 1);
        let start = "voilà ".len();
        assert_eq!(facets[0]["index"]["byteStart"], start);
        assert_eq!(
            facets[0]["index"]["byteEnd"],
            start + "https://acme.example/é".len()
        );
        assert_eq!(facets[0]["features"][0]["uri"], "https://acme.example/é");
    }
}
