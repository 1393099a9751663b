//! Posts and replies through a local server that answers like a Bluesky PDS:
//! - `com.atproto.server.createSession`
//!   (<https://docs.bsky.app/docs/api/com-atproto-server-create-session>): `{identifier,
//!   password}` → `{did, handle, accessJwt, refreshJwt, active}`, 401
//!   `AuthenticationRequired` on a wrong password;
//! - `com.atproto.repo.createRecord`
//!   (<https://docs.bsky.app/docs/api/com-atproto-repo-create-record>): `{repo, collection,
//!   rkey, record}` → `{uri, cid, commit, validationStatus}`; a record that breaks the
//!   lexicon is 400 `InvalidRequest`; an rkey already used is refused (here 400
//!   `InvalidRequest` "Record already exists": the exact answer of the real PDS is a guess,
//!   the publisher handles 400 and 5xx alike by reading the record back);
//! - `com.atproto.repo.getRecord`
//!   (<https://docs.bsky.app/docs/api/com-atproto-repo-get-record>): `{uri, cid, value}` or
//!   400 `RecordNotFound`;
//! - `app.bsky.feed.getPosts` (<https://docs.bsky.app/docs/api/app-bsky-feed-get-posts>):
//!   `{posts: [postView]}`, deleted posts left out;
//! - `app.bsky.actor.getProfile` (<https://docs.bsky.app/docs/api/app-bsky-actor-get-profile>):
//!   `?actor=<did or handle>` → `profileViewDetailed` `{did, handle, displayName,
//!   followersCount, followsCount, postsCount, ...}`, 400 `InvalidRequest` "Profile not
//!   found" for an unknown actor;
//! - errors `{"error", "message"}` (<https://atproto.com/specs/xrpc>), 429 with
//!   `ratelimit-*` headers (<https://docs.bsky.app/docs/advanced-guides/rate-limits>), 400
//!   `ExpiredToken` for an expired access token.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, bluesky::record_key, BlueskyPublisher, LengthRule, Outgoing, PollSpec, PublishError,
    Publisher, ReplyTarget,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HANDLE: &str = "acme.bsky.social";
const PASSWORD: &str = "abcd-efgh-ijkl-mnop";
const DID: &str = "did:plc:acme4brand";
const COLLECTION: &str = "app.bsky.feed.post";

/// A top-level post by someone else, and a reply to it by a third account.
const ANNA_POST: &str = "at://did:plc:anna/app.bsky.feed.post/3kanna2222222";
const ANNA_CID: &str = "bafyreianna";
const BOB_REPLY: &str = "at://did:plc:bob/app.bsky.feed.post/3kbob22222222";
const BOB_CID: &str = "bafyreibob";

/// What the fake PDS saw and holds.
#[derive(Default)]
struct Pds {
    /// Access tokens handed out, and whether each has expired.
    tokens: HashMap<String, bool>,
    logins: usize,
    /// The account's records by rkey: (cid, record).
    records: BTreeMap<String, (String, Value)>,
    /// createRecord calls, in order (also refused ones).
    create_calls: usize,
    /// Posts of other accounts, by uri: (cid, record).
    others: HashMap<String, (String, Value)>,
    /// Calls to refuse with 429, with 500 (nothing written), or to write and then answer 500
    /// (the answer lost).
    rate_limited: usize,
    failing: usize,
    losing: usize,
}

type Shared = Arc<Mutex<Pds>>;

fn xrpc_error(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(json!({"error": error, "message": message}))).into_response()
}

/// The answer to give when the bearer token is not valid.
fn authorize(pds: &Pds, headers: &HeaderMap) -> Option<Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| pds.tokens.get(t)) {
        Some(false) => None,
        Some(true) => Some(xrpc_error(
            StatusCode::BAD_REQUEST,
            "ExpiredToken",
            "Token has expired",
        )),
        None => Some(xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationRequired",
            "Invalid token",
        )),
    }
}

async fn create_session(State(pds): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut pds = pds.lock().unwrap();
    if body["identifier"] != HANDLE || body["password"] != PASSWORD {
        return xrpc_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationRequired",
            "Invalid identifier or password",
        );
    }
    pds.logins += 1;
    let token = format!("access-jwt-{}", pds.logins);
    pds.tokens.insert(token.clone(), false);
    Json(json!({
        "did": DID,
        "handle": HANDLE,
        "email": "social@acme.example",
        "emailConfirmed": true,
        "accessJwt": token,
        "refreshJwt": format!("refresh-jwt-{}", pds.logins),
        "active": true
    }))
    .into_response()
}

async fn create_record(
    State(pds): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut pds = pds.lock().unwrap();
    if let Some(refused) = authorize(&pds, &headers) {
        return refused;
    }
    pds.create_calls += 1;
    if pds.rate_limited > 0 {
        pds.rate_limited -= 1;
        let reset = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).timestamp();
        let mut limited = HeaderMap::new();
        limited.insert("ratelimit-limit", "5000".parse().unwrap());
        limited.insert("ratelimit-remaining", "0".parse().unwrap());
        limited.insert("ratelimit-reset", reset.to_string().parse().unwrap());
        limited.insert("ratelimit-policy", "5000;w=3600".parse().unwrap());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            limited,
            Json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
        )
            .into_response();
    }
    if pds.failing > 0 {
        pds.failing -= 1;
        return xrpc_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        );
    }
    if body["repo"] != DID || body["collection"] != COLLECTION {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "repo and collection must be the account's posts",
        );
    }
    let rkey = body["rkey"].as_str().unwrap_or_default().to_string();
    let tid_chars = "234567abcdefghijklmnopqrstuvwxyz";
    if rkey.len() != 13 || !rkey.chars().all(|c| tid_chars.contains(c)) {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid record key: must be a TID",
        );
    }
    let record = body["record"].clone();
    let text = record["text"].as_str().unwrap_or_default();
    if record["$type"] != COLLECTION || record["createdAt"].as_str().is_none() {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid app.bsky.feed.post record: Record must have the property \"createdAt\"",
        );
    }
    if LengthRule::Bluesky.count(text) > 300 {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
        );
    }
    if text.len() > 3000 {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters",
        );
    }
    if pds.records.contains_key(&rkey) {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Record already exists",
        );
    }
    let cid = format!("bafyreiown{}", pds.records.len() + 1);
    pds.records.insert(rkey.clone(), (cid.clone(), record));
    if pds.losing > 0 {
        pds.losing -= 1;
        return xrpc_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        );
    }
    Json(json!({
        "uri": format!("at://{DID}/{COLLECTION}/{rkey}"),
        "cid": cid,
        "commit": {"cid": "bafyreicommit", "rev": "3lcommitrev22"},
        "validationStatus": "valid"
    }))
    .into_response()
}

async fn get_record(
    State(pds): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let pds = pds.lock().unwrap();
    if let Some(refused) = authorize(&pds, &headers) {
        return refused;
    }
    let uri = format!(
        "at://{}/{}/{}",
        query.get("repo").map(String::as_str).unwrap_or_default(),
        query
            .get("collection")
            .map(String::as_str)
            .unwrap_or_default(),
        query.get("rkey").map(String::as_str).unwrap_or_default()
    );
    let found = (query.get("repo").map(String::as_str) == Some(DID))
        .then(|| pds.records.get(query.get("rkey")?.as_str()))
        .flatten();
    match found {
        Some((cid, value)) => Json(json!({"uri": uri, "cid": cid, "value": value})).into_response(),
        None => xrpc_error(
            StatusCode::BAD_REQUEST,
            "RecordNotFound",
            &format!("Could not locate record: {uri}"),
        ),
    }
}

async fn get_posts(
    State(pds): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let pds = pds.lock().unwrap();
    if let Some(refused) = authorize(&pds, &headers) {
        return refused;
    }
    let uri = query.get("uris").cloned().unwrap_or_default();
    let posts: Vec<Value> = pds
        .others
        .get(&uri)
        .map(|(cid, record)| {
            json!({
                "uri": uri,
                "cid": cid,
                "author": {"did": "did:plc:anna", "handle": "anna.bsky.social"},
                "record": record,
                "replyCount": 0, "repostCount": 0, "likeCount": 3, "quoteCount": 0,
                "indexedAt": "2026-11-23T10:00:00.000Z",
                "labels": []
            })
        })
        .into_iter()
        .collect();
    Json(json!({"posts": posts})).into_response()
}

async fn get_profile(
    State(pds): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut pds = pds.lock().unwrap();
    if let Some(refused) = authorize(&pds, &headers) {
        return refused;
    }
    if pds.rate_limited > 0 {
        pds.rate_limited -= 1;
        let reset = chrono::Utc::now().timestamp() + 120;
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-limit", "3000".parse().unwrap());
        headers.insert("ratelimit-remaining", "0".parse().unwrap());
        headers.insert("ratelimit-reset", reset.to_string().parse().unwrap());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            Json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
        )
            .into_response();
    }
    if query.get("actor").map(String::as_str) != Some(DID) {
        return xrpc_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Profile not found",
        );
    }
    Json(json!({
        "did": DID,
        "handle": HANDLE,
        "displayName": "Acme",
        "description": "Kettles that do not leak.",
        "followersCount": 4821,
        "followsCount": 112,
        "postsCount": 930,
        "indexedAt": "2026-11-01T08:00:00.000Z",
        "createdAt": "2024-02-01T08:00:00.000Z",
        "labels": []
    }))
    .into_response()
}

async fn start() -> (Url, Shared) {
    let pds: Shared = Arc::default();
    {
        let mut state = pds.lock().unwrap();
        state.others.insert(
            ANNA_POST.into(),
            (
                ANNA_CID.into(),
                json!({"$type": COLLECTION, "text": "my acme kettle leaks",
                       "createdAt": "2026-11-23T09:00:00.000Z"}),
            ),
        );
        state.others.insert(
            BOB_REPLY.into(),
            (
                BOB_CID.into(),
                json!({"$type": COLLECTION, "text": "mine too!",
                       "createdAt": "2026-11-23T09:10:00.000Z",
                       "reply": {"root": {"uri": ANNA_POST, "cid": ANNA_CID},
                                 "parent": {"uri": ANNA_POST, "cid": ANNA_CID}}}),
            ),
        );
    }
    let app = Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(create_session),
        )
        .route("/xrpc/com.atproto.repo.createRecord", post(create_record))
        .route("/xrpc/com.atproto.repo.getRecord", get(get_record))
        .route("/xrpc/app.bsky.feed.getPosts", get(get_posts))
        .route("/xrpc/app.bsky.actor.getProfile", get(get_profile))
        .with_state(pds.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}")).unwrap(),
        pds,
    )
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn publisher(service: Url, password: &str) -> BlueskyPublisher {
    BlueskyPublisher::new(fetcher(), service, HANDLE.into(), password.into())
}

fn text(text: &str) -> Outgoing {
    Outgoing {
        text: text.into(),
        ..Outgoing::default()
    }
}

fn own_uri(key: &str) -> String {
    format!("at://{DID}/{COLLECTION}/{}", record_key(key))
}

#[tokio::test]
async fn a_post_is_created_at_the_keys_rkey_once_and_found_again() {
    let (url, pds) = start().await;
    let publisher = publisher(url, PASSWORD);
    let post = text("New kettle firmware: https://acme.example/notes/42 ✨");
    let sent = publisher.publish(&post, "post-1").await.expect("sent");
    assert_eq!(sent.native_id, own_uri("post-1"));
    assert_eq!(
        sent.url,
        Some(format!(
            "https://bsky.app/profile/{DID}/post/{}",
            record_key("post-1")
        ))
    );
    {
        let pds = pds.lock().unwrap();
        let (_, record) = &pds.records[&record_key("post-1")];
        assert_eq!(record["$type"], COLLECTION);
        assert_eq!(record["text"], post.text);
        assert!(record.get("reply").is_none(), "{record}");
        let created = record["createdAt"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(created).is_ok(),
            "{created}"
        );
        let start = "New kettle firmware: ".len();
        assert_eq!(
            record["facets"],
            json!([{
                "index": {"byteStart": start, "byteEnd": start + "https://acme.example/notes/42".len()},
                "features": [{"$type": "app.bsky.richtext.facet#link",
                              "uri": "https://acme.example/notes/42"}]
            }])
        );
    }

    // A retry with the same key (a timeout, a crash before the outcome was recorded) hits
    // the same rkey: the PDS refuses it and the publisher answers the first post.
    let again = publisher.publish(&post, "post-1").await.expect("retried");
    assert_eq!(again, sent);
    assert_eq!(
        publisher.find_published(&post, "post-1").await,
        Ok(Some(sent.clone()))
    );
    assert_eq!(publisher.find_published(&post, "post-2").await, Ok(None));
    let pds = pds.lock().unwrap();
    assert_eq!(pds.records.len(), 1, "one post for one key");
    assert_eq!(pds.create_calls, 2);
    assert_eq!(pds.logins, 1, "the session is reused");
}

#[tokio::test]
async fn replies_carry_root_and_parent_strong_refs() {
    let (url, pds) = start().await;
    let publisher = publisher(url, PASSWORD);
    // Answering a top-level post: it is both root and parent; no mention is added.
    let target = ReplyTarget {
        native_id: ANNA_POST.into(),
        author_handle: "anna.bsky.social".into(),
        url: None,
    };
    assert_eq!(publisher.reply_text(&target, "So sorry!"), "So sorry!");
    let sent = publisher
        .reply(&target, "So sorry! A new seal is on its way.", "reply-1")
        .await
        .expect("sent");
    assert_eq!(sent.native_id, own_uri("reply-1"));
    // Answering a reply: the root is the thread's, the parent the reply.
    let nested = Outgoing {
        text: "Same for you Bob, check your DMs".into(),
        poll: None,
        in_reply_to: Some(BOB_REPLY.into()),
        ..Outgoing::default()
    };
    publisher.publish(&nested, "reply-2").await.expect("sent");
    // A post that is gone cannot be answered.
    let gone = Outgoing {
        in_reply_to: Some("at://did:plc:anna/app.bsky.feed.post/3kdeleted2222".into()),
        ..text("hello?")
    };
    let error = publisher.publish(&gone, "reply-3").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("deleted")),
        "{error:?}"
    );

    let pds = pds.lock().unwrap();
    let first = &pds.records[&record_key("reply-1")].1;
    let anna = json!({"uri": ANNA_POST, "cid": ANNA_CID});
    assert_eq!(first["reply"], json!({"root": anna, "parent": anna}));
    assert_eq!(first["text"], "So sorry! A new seal is on its way.");
    let second = &pds.records[&record_key("reply-2")].1;
    assert_eq!(
        second["reply"],
        json!({"root": anna, "parent": {"uri": BOB_REPLY, "cid": BOB_CID}})
    );
    assert_eq!(pds.records.len(), 2);
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_answered_from_the_record() {
    let (url, pds) = start().await;
    let publisher = publisher(url, PASSWORD);
    pds.lock().unwrap().losing = 1;
    let post = text("Back online after maintenance.");
    let sent = publisher.publish(&post, "post-9").await.expect("found");
    assert_eq!(sent.native_id, own_uri("post-9"));
    assert_eq!(pds.lock().unwrap().records.len(), 1);
}

#[tokio::test]
async fn refusals_map_to_publish_errors() {
    let (url, pds) = start().await;

    let wrong = publisher(url.clone(), "stolen-password");
    let error = wrong.publish(&text("hi"), "k1").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Unauthorized {
            network: "Bluesky",
            message: "Invalid identifier or password".into()
        }
    );
    assert!(!error.is_retryable());

    let right = publisher(url, PASSWORD);
    let long = "é".repeat(301);
    let error = right.publish(&text(&long), "k2").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { network: "Bluesky", message }
            if message.contains("300 graphemes")),
        "{error:?}"
    );
    assert!(!error.is_retryable());

    pds.lock().unwrap().rate_limited = 1;
    let error = right.publish(&text("hi"), "k3").await.unwrap_err();
    match &error {
        PublishError::RateLimited { retry_after, .. } => assert!(
            retry_after.as_secs() > 20 && retry_after.as_secs() <= 31,
            "{retry_after:?}"
        ),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert!(error.is_retryable());

    pds.lock().unwrap().failing = 1;
    let error = right.publish(&text("hi"), "k3").await.unwrap_err();
    assert!(
        matches!(
            &error,
            PublishError::Transient {
                network: "Bluesky",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    // After the wait, the same key goes through, once.
    right.publish(&text("hi"), "k3").await.expect("sent");
    right.publish(&text("hi"), "k3").await.expect("sent again");
    assert_eq!(pds.lock().unwrap().records.len(), 1);

    // An expired access token: the publisher logs in again and goes on.
    let logins = {
        let mut pds = pds.lock().unwrap();
        for expired in pds.tokens.values_mut() {
            *expired = true;
        }
        pds.logins
    };
    right
        .publish(&text("still here"), "k4")
        .await
        .expect("sent");
    assert_eq!(pds.lock().unwrap().logins, logins + 1);

    // No native polls on Bluesky.
    let poll = Outgoing {
        poll: Some(PollSpec {
            options: vec!["Sage".into(), "Slate".into()],
            duration: Duration::from_secs(3600),
        }),
        ..text("Which colour?")
    };
    let error = right.publish(&poll, "k5").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(m) if m.contains("no native polls")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_private_pds_address_is_refused_before_any_request() {
    let fetcher = Fetcher::new(SafetyPolicy::public_only(), FetchLimits::default()).unwrap();
    let publisher = BlueskyPublisher::new(
        fetcher,
        Url::parse("http://127.0.0.1:9/").unwrap(),
        HANDLE.into(),
        PASSWORD.into(),
    );
    let error = publisher.publish(&text("hi"), "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(message) if message.contains("refused")),
        "{error:?}"
    );
}

#[tokio::test]
async fn build_makes_a_bluesky_publisher_that_never_prints_its_password() {
    let publisher = publish::build(
        "bluesky",
        &json!({"identifier": HANDLE}),
        PASSWORD,
        fetcher(),
    )
    .expect("built");
    assert_eq!(publisher.network(), rapport_model::Network::Bluesky);
    assert_eq!(publisher.length_rule(), LengthRule::Bluesky);
    assert_eq!(publisher.max_length(), 300);
    let shown = format!(
        "{:?}",
        BlueskyPublisher::new(
            fetcher(),
            Url::parse("https://bsky.social").unwrap(),
            HANDLE.into(),
            PASSWORD.into(),
        )
    );
    assert!(
        shown.contains("bsky.social") && !shown.contains(PASSWORD),
        "{shown}"
    );
    assert!(publish::ACCOUNT_KINDS.contains(&"bluesky"));
    assert!(publish::no_publisher_reason(rapport_model::Network::Bluesky).is_none());
    assert_eq!(
        publish::reply_account_kinds(rapport_model::Network::Bluesky),
        ["bluesky"]
    );
    let error = publish::build("bluesky", &json!({"handle": HANDLE}), PASSWORD, fetcher())
        .err()
        .expect("unknown field");
    assert!(
        matches!(&error, PublishError::NotSupported(m) if m.contains("settings")),
        "{error:?}"
    );
}

#[tokio::test]
async fn followers_come_from_the_accounts_profile() {
    let (url, pds) = start().await;
    let publisher = publisher(url.clone(), PASSWORD);
    assert_eq!(publisher.followers().await, Ok(Some(4821)));
    // An expired session is made again, once.
    for expired in pds.lock().unwrap().tokens.values_mut() {
        *expired = true;
    }
    assert_eq!(publisher.followers().await, Ok(Some(4821)));
    assert_eq!(pds.lock().unwrap().logins, 2);
    pds.lock().unwrap().rate_limited = 1;
    let error = publisher.followers().await.unwrap_err();
    assert!(
        matches!(error, PublishError::RateLimited { retry_after, .. }
            if retry_after > Duration::from_secs(100)),
        "{error:?}"
    );
    let wrong = self::publisher(url, "wrong-password");
    assert!(matches!(
        wrong.followers().await,
        Err(PublishError::Unauthorized { .. })
    ));
}
