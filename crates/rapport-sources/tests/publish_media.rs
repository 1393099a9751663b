//! Images and link cards, published through one local server that answers in each network's
//! documented shapes:
//! - Mastodon `POST /api/v2/media` (<https://docs.joinmastodon.org/methods/media/#v2>):
//!   multipart `file` + `description` → 200 MediaAttachment `{id, type, url, description,
//!   meta}`; `POST /api/v1/statuses` with `media_ids` and `Idempotency-Key`
//!   (<https://docs.joinmastodon.org/methods/statuses/#create>): a repeated key answers the
//!   first status;
//! - Bluesky `com.atproto.repo.uploadBlob`
//!   (<https://docs.bsky.app/docs/api/com-atproto-repo-upload-blob>): raw bytes with their
//!   `Content-Type` → `{"blob": {"$type": "blob", "ref": {"$link"}, "mimeType", "size"}}`;
//!   `createRecord` with `app.bsky.embed.images`
//!   (<https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json>)
//!   or `app.bsky.embed.external`
//!   (<https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/external.json>),
//!   a second create at a taken rkey refused with 400 `InvalidRequest`, `getRecord`;
//! - X `POST /2/media/upload` (<https://docs.x.com/x-api/media/upload-media>): multipart
//!   `media` + `media_category` → `{"data": {"id", "media_key", "size", "expires_after_secs",
//!   "image": {"image_type", "w", "h"}}}`; `POST /2/media/metadata`
//!   (<https://docs.x.com/x-api/media/metadata-create>) `{"id", "metadata": {"alt_text":
//!   {"text"}}}`; `POST /2/tweets` (<https://docs.x.com/x-api/posts/creation-of-a-post>) with
//!   `media.media_ids` → 201 `{"data": {"id", "text"}}`;
//! - a web page with Open Graph tags (<https://ogp.me/>) and its image.

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchError, FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::media::{inspect, ImageKind, MediaFile, MediaLimits};
use rapport_sources::publish::preview::{self, PreviewError};
use rapport_sources::publish::{
    BlueskyPublisher, MastodonPublisher, Outgoing, Publisher, XPublisher,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// What the fake networks saw.
#[derive(Default)]
struct Fake {
    /// Every upload: (endpoint, content type, body).
    uploads: Vec<(&'static str, String, Vec<u8>)>,
    /// Mastodon statuses by idempotency key: (id, request body).
    statuses: HashMap<String, (String, Value)>,
    status_calls: usize,
    /// Bluesky records by rkey.
    records: BTreeMap<String, Value>,
    /// X alt texts by media id, and posts.
    alt_texts: HashMap<String, String>,
    tweets: Vec<Value>,
}

type Shared = Arc<Mutex<Fake>>;

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The value of the text field `name` in a multipart body.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let marker = format!("name=\"{name}\"\r\n\r\n");
    let start = text.find(&marker)? + marker.len();
    let end = text[start..].find("\r\n--")? + start;
    Some(text[start..end].to_string())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn mastodon_media(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut fake = fake.lock().unwrap();
    let ct = content_type(&headers);
    if !ct.starts_with("multipart/form-data; boundary=") {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "Validation failed: File can't be blank"})),
        )
            .into_response();
    }
    fake.uploads.push(("mastodon", ct, body.to_vec()));
    let id = format!("1100{}", fake.uploads.len());
    Json(json!({
        "id": id,
        "type": "image",
        "url": format!("https://files.example/{id}.png"),
        "preview_url": format!("https://files.example/{id}-small.png"),
        "remote_url": null,
        "text_url": null,
        "meta": {"original": {"width": 3, "height": 2, "size": "3x2", "aspect": 1.5}},
        "description": multipart_field(&body, "description"),
        "blurhash": "UFBWY:8_0Jxv"
    }))
    .into_response()
}

async fn mastodon_status(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.status_calls += 1;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let next = format!("1090{}", fake.statuses.len() + 1);
    let (id, _) = fake.statuses.entry(key).or_insert((next, body)).clone();
    Json(json!({"id": id, "url": format!("https://mastodon.example/@acme/{id}"), "content": "<p>...</p>"}))
        .into_response()
}

async fn bsky_session() -> Response {
    Json(json!({
        "did": "did:plc:acme", "handle": "acme.bsky.social", "accessJwt": "jwt-1",
        "refreshJwt": "refresh-1", "active": true
    }))
    .into_response()
}

async fn bsky_upload(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut fake = fake.lock().unwrap();
    let ct = content_type(&headers);
    fake.uploads.push(("bluesky", ct.clone(), body.to_vec()));
    let link = format!("bafkreiupload{}", fake.uploads.len());
    Json(json!({"blob": {"$type": "blob", "ref": {"$link": link}, "mimeType": ct, "size": body.len()}}))
        .into_response()
}

async fn bsky_create(State(fake): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut fake = fake.lock().unwrap();
    let rkey = body["rkey"].as_str().unwrap_or_default().to_string();
    if fake.records.contains_key(&rkey) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "InvalidRequest", "message": "Record already exists"})),
        )
            .into_response();
    }
    fake.records.insert(rkey.clone(), body["record"].clone());
    Json(json!({
        "uri": format!("at://did:plc:acme/app.bsky.feed.post/{rkey}"),
        "cid": "bafyreicreated",
        "validationStatus": "valid"
    }))
    .into_response()
}

async fn bsky_get(
    State(fake): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fake = fake.lock().unwrap();
    let rkey = q.get("rkey").cloned().unwrap_or_default();
    match fake.records.get(&rkey) {
        Some(value) => Json(json!({
            "uri": format!("at://did:plc:acme/app.bsky.feed.post/{rkey}"),
            "cid": "bafyreicreated",
            "value": value
        }))
        .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "RecordNotFound", "message": "Could not locate record"})),
        )
            .into_response(),
    }
}

async fn x_upload(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut fake = fake.lock().unwrap();
    let ct = content_type(&headers);
    if multipart_field(&body, "media_category").as_deref() != Some("tweet_image") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"title": "Invalid Request", "detail": "media_category", "status": 400})),
        )
            .into_response();
    }
    fake.uploads.push(("x", ct, body.to_vec()));
    let id = format!("18800281060205158{:02}", fake.uploads.len());
    (
        StatusCode::OK,
        Json(json!({"data": {
            "id": id, "media_key": format!("3_{id}"), "size": body.len(),
            "expires_after_secs": 86400, "image": {"image_type": "image/png", "w": 3, "h": 2}
        }})),
    )
        .into_response()
}

async fn x_metadata(State(fake): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut fake = fake.lock().unwrap();
    let id = body["id"].as_str().unwrap_or_default().to_string();
    let alt = body["metadata"]["alt_text"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    fake.alt_texts.insert(id.clone(), alt);
    Json(json!({"data": {"id": id, "associated_metadata": true}})).into_response()
}

async fn x_tweet(State(fake): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.tweets.push(body.clone());
    let id = format!("19000000000000000{:02}", fake.tweets.len());
    (
        StatusCode::CREATED,
        Json(json!({"data": {"id": id, "text": body["text"]}})),
    )
        .into_response()
}

async fn article() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        r#"<!DOCTYPE html><html lang="en"><head>
<meta charset="utf-8"><title>Kettle 2 | Acme blog</title>
<meta name="description" content="Plain description">
<meta property="og:type" content="article">
<meta property="og:title" content="The kettle that sings &amp; pours">
<meta property="og:description" content="Our new kettle, out in March.">
<meta property="og:image" content="/media/kettle.png">
<meta property="og:site_name" content="Acme">
<meta name="twitter:card" content="summary_large_image">
</head><body><article><h1>Kettle 2</h1></article></body></html>"#,
    )
        .into_response()
}

async fn kettle_png() -> Response {
    ([(header::CONTENT_TYPE, "image/png")], png_3x2()).into_response()
}

async fn start() -> (Url, Shared) {
    let fake = Shared::default();
    let app = Router::new()
        .route("/api/v2/media", post(mastodon_media))
        .route("/api/v1/statuses", post(mastodon_status))
        .route("/xrpc/com.atproto.server.createSession", post(bsky_session))
        .route("/xrpc/com.atproto.repo.uploadBlob", post(bsky_upload))
        .route("/xrpc/com.atproto.repo.createRecord", post(bsky_create))
        .route("/xrpc/com.atproto.repo.getRecord", get(bsky_get))
        .route("/2/media/upload", post(x_upload))
        .route("/2/media/metadata", post(x_metadata))
        .route("/2/tweets", post(x_tweet))
        .route("/blog/kettle-2", get(article))
        .route("/media/kettle.png", get(kettle_png))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}")).unwrap(),
        fake,
    )
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

/// A valid 3×2 PNG header (signature and IHDR), enough to sniff and size.
fn png_3x2() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13]);
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0x2b, 0x1c, 0x7a, 0x1e]);
    png
}

fn image(alt: &str, tag: u8) -> MediaFile {
    // Distinct bytes per image (a trailing chunk-like tail), still a valid header.
    let mut bytes = png_3x2();
    bytes.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', tag, tag, tag, tag]);
    let info = inspect(&bytes).unwrap();
    MediaFile {
        kind: info.kind,
        bytes: bytes.into(),
        alt: alt.into(),
        width: info.width,
        height: info.height,
    }
}

fn post_with(text: &str, media: Vec<MediaFile>) -> Outgoing {
    Outgoing {
        text: text.into(),
        media,
        ..Outgoing::default()
    }
}

#[tokio::test]
async fn mastodon_uploads_then_posts_once_per_key() {
    let (base, fake) = start().await;
    let publisher = MastodonPublisher::new(fetcher(), base, "token".into());
    assert_eq!(
        publisher.media_limits(),
        Some(MediaLimits::MASTODON_DEFAULT)
    );
    let post = post_with("Kettle 2 is here", vec![image("A kettle", 1), image("", 2)]);
    let sent = publisher.publish(&post, "draft-7-account-1").await.unwrap();
    // A retry after a crash uploads again, but the status call keeps its key.
    let again = publisher.publish(&post, "draft-7-account-1").await.unwrap();
    assert_eq!(sent, again);
    let fake = fake.lock().unwrap();
    assert_eq!(fake.statuses.len(), 1, "one status for one key");
    assert_eq!(fake.status_calls, 2);
    let (_, body) = &fake.statuses["draft-7-account-1"];
    assert_eq!(body["media_ids"], json!(["11001", "11002"]));
    assert_eq!(fake.uploads.len(), 4, "the retry's uploads are orphans");
    let (_, ct, first) = &fake.uploads[0];
    assert!(ct.starts_with("multipart/form-data; boundary="));
    assert_eq!(
        multipart_field(first, "description").as_deref(),
        Some("A kettle")
    );
    assert!(contains(first, &post.media[0].bytes));
    assert!(contains(
        first,
        b"name=\"file\"; filename=\"image.png\"\r\nContent-Type: image/png"
    ));
}

#[tokio::test]
async fn bluesky_embeds_images_with_alt_and_aspect_ratio_once_per_key() {
    let (base, fake) = start().await;
    let publisher = BlueskyPublisher::new(fetcher(), base, "acme.bsky.social".into(), "pw".into());
    let post = post_with(
        "Kettle 2 https://acme.example/k",
        vec![image("A kettle on a stove", 1), image("Its spout", 2)],
    );
    let sent = publisher.publish(&post, "draft-8-account-2").await.unwrap();
    let again = publisher.publish(&post, "draft-8-account-2").await.unwrap();
    assert_eq!(
        sent.native_id, again.native_id,
        "the retry answers the first post"
    );
    let fake = fake.lock().unwrap();
    assert_eq!(fake.records.len(), 1, "one record for one key");
    let record = fake.records.values().next().unwrap();
    let embed = &record["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images");
    let images = embed["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["alt"], "A kettle on a stove");
    assert_eq!(images[0]["aspectRatio"], json!({"width": 3, "height": 2}));
    assert_eq!(images[0]["image"]["$type"], "blob");
    assert_eq!(images[0]["image"]["ref"]["$link"], "bafkreiupload1");
    assert_eq!(images[1]["image"]["ref"]["$link"], "bafkreiupload2");
    // Raw bytes with their sniffed type, not multipart.
    let (_, ct, bytes) = &fake.uploads[0];
    assert_eq!(ct, "image/png");
    assert_eq!(&bytes[..], &*post.media[0].bytes);
    // Images win over a link card: no external embed, facets still there.
    assert!(record["facets"].is_array());
}

#[tokio::test]
async fn bluesky_sends_the_link_card_with_its_thumb_when_there_are_no_images() {
    let (base, fake) = start().await;
    let fetcher = fetcher();
    let link = base.join("/blog/kettle-2").unwrap();
    let text = format!("Read about Kettle 2: {link}");
    assert_eq!(preview::first_link(&text).unwrap(), link);
    let mut card = preview::fetch_card(&fetcher, &link).await.unwrap();
    assert_eq!(card.title, "The kettle that sings & pours");
    assert_eq!(card.description, "Our new kettle, out in March.");
    assert_eq!(card.site_name.as_deref(), Some("Acme"));
    let image_url = base.join("/media/kettle.png").unwrap();
    assert_eq!(card.image_url.as_deref(), Some(image_url.as_str()));
    preview::fetch_thumb(&fetcher, &mut card, MediaLimits::BLUESKY.max_bytes).await;
    let thumb = card.thumb.as_ref().expect("the og:image was fetched");
    assert_eq!(
        (thumb.kind, thumb.width, thumb.height),
        (ImageKind::Png, 3, 2)
    );

    let publisher = BlueskyPublisher::new(fetcher, base, "acme.bsky.social".into(), "pw".into());
    let post = Outgoing {
        text,
        link_card: Some(card),
        ..Outgoing::default()
    };
    publisher.publish(&post, "draft-9-account-2").await.unwrap();
    let fake = fake.lock().unwrap();
    let record = fake.records.values().next().unwrap();
    let external = &record["embed"];
    assert_eq!(external["$type"], "app.bsky.embed.external");
    assert_eq!(external["external"]["uri"], link.as_str());
    assert_eq!(
        external["external"]["title"],
        "The kettle that sings & pours"
    );
    assert_eq!(
        external["external"]["description"],
        "Our new kettle, out in March."
    );
    assert_eq!(
        external["external"]["thumb"]["ref"]["$link"],
        "bafkreiupload1"
    );
    assert_eq!(fake.uploads.len(), 1);
    assert_eq!(fake.uploads[0].1, "image/png");
}

#[tokio::test]
async fn a_thumb_too_large_for_bluesky_is_left_out() {
    let (base, _fake) = start().await;
    let fetcher = fetcher();
    let mut card = preview::fetch_card(&fetcher, &base.join("/blog/kettle-2").unwrap())
        .await
        .unwrap();
    // Bigger than the limit given: no thumb (the card still goes out without one).
    preview::fetch_thumb(&fetcher, &mut card, 10).await;
    assert!(card.thumb.is_none());
}

#[tokio::test]
async fn x_uploads_sets_alt_text_and_attaches_media_ids() {
    let (base, fake) = start().await;
    let publisher = XPublisher::new(fetcher(), base, "token".into());
    assert_eq!(publisher.media_limits(), Some(MediaLimits::X));
    let post = post_with("Kettle 2", vec![image("A kettle", 1), image("", 2)]);
    let sent = publisher.publish(&post, "k").await.unwrap();
    assert_eq!(sent.native_id, "1900000000000000001");
    let fake = fake.lock().unwrap();
    assert_eq!(fake.uploads.len(), 2);
    assert!(contains(
        &fake.uploads[0].2,
        b"name=\"media\"; filename=\"image.png\""
    ));
    assert_eq!(
        fake.tweets[0]["media"],
        json!({"media_ids": ["1880028106020515801", "1880028106020515802"]})
    );
    // Alt text only where one was written.
    assert_eq!(fake.alt_texts.len(), 1);
    assert_eq!(fake.alt_texts["1880028106020515801"], "A kettle");
}

#[tokio::test]
async fn previews_of_private_addresses_are_refused_by_the_guard() {
    let (base, _fake) = start().await;
    let guarded = Fetcher::new(SafetyPolicy::public_only(), FetchLimits::default()).unwrap();
    let loopback = Url::parse(&format!(
        "http://127.0.0.1:{}/blog/kettle-2",
        base.port().unwrap()
    ))
    .unwrap();
    let refused = preview::fetch_card(&guarded, &loopback).await;
    assert!(
        matches!(
            refused,
            Err(PreviewError::Fetch(FetchError::Refused { .. }))
        ),
        "{refused:?}"
    );
    // By name too: localhost resolves to loopback, which the guard checks on the answer.
    let by_name = preview::fetch_card(&guarded, &base.join("/blog/kettle-2").unwrap()).await;
    assert!(
        matches!(
            by_name,
            Err(PreviewError::Fetch(FetchError::Refused { .. }))
        ),
        "{by_name:?}"
    );
}

#[tokio::test]
async fn every_account_kind_takes_images() {
    let fetcher = fetcher();
    // Facebook (unpublished photos attached to one post), WordPress (media library) and
    // Micropub (media endpoint) take images too: see publish_facebook and publish_blog.
    for (kind, config) in [
        ("facebook", json!({"page_id": "1234"})),
        (
            "wordpress",
            json!({"site": "https://blog.example", "username": "ed"}),
        ),
        (
            "micropub",
            json!({"endpoint": "https://blog.example/micropub"}),
        ),
    ] {
        let publisher =
            rapport_sources::publish::build(kind, &config, "secret", fetcher.clone()).unwrap();
        let limits = publisher.media_limits();
        assert!(
            limits.is_some_and(|l| l.max_images >= 4),
            "{kind}: {limits:?}"
        );
    }
}
