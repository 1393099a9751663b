//! Photos, comments and follower counts of a Facebook Page through a local server that
//! answers like the Graph API:
//! - `POST /v21.0/{page-id}/photos`, `multipart/form-data` with the file in `source`,
//!   `published=false` and `alt_text_custom` → `{"id": "<photo-id>"}`
//!   (<https://developers.facebook.com/docs/graph-api/reference/page/photos/>, "Creating";
//!   <https://developers.facebook.com/docs/graph-api/reference/photo/>); a file that is not
//!   an image is refused with code 324 "Missing or invalid image file";
//! - `POST /v21.0/{page-id}/feed` with `message` and `attached_media[i]={"media_fbid":"..."}`
//!   → `{"id": "<page-id>_<post-id>"}` ("Publishing a multi-photo post", same page); 506 for
//!   a duplicate message;
//! - `GET /v21.0/{page-id}/published_posts?fields=id,message,permalink_url`
//!   (<https://developers.facebook.com/docs/graph-api/reference/page/published_posts/>);
//! - `POST /v21.0/{object-id}/comments` with `message` → `{"id": "<comment-id>"}` and
//!   `GET /v21.0/{object-id}/comments` → `{"data": [{"id", "message", "from": {"id",
//!   "name"}, "created_time", "permalink_url"}], "paging": {"cursors": {"before",
//!   "after"}}}` (<https://developers.facebook.com/docs/graph-api/reference/object/comments/>);
//! - `GET /v21.0/{comment-id}?fields=permalink_url`
//!   (<https://developers.facebook.com/docs/graph-api/reference/comment/>);
//! - `GET /v21.0/{page-id}?fields=followers_count,fan_count` → `{"followers_count",
//!   "fan_count", "id"}` (<https://developers.facebook.com/docs/graph-api/reference/page/>);
//! - errors `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`
//!   (<https://developers.facebook.com/docs/graph-api/guides/error-handling>), throttling
//!   code 32 with `X-Business-Use-Case-Usage`
//!   (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>).

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_model::Network;
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, facebook::MEDIA_LIMITS, FacebookPublisher, ImageKind, MediaFile, Outgoing, PublishError,
    Publisher, ReplyTarget,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PAGE_ID: &str = "104857600123";
const PAGE_TOKEN: &str = "EAAG-page-token";
/// A Page post that people commented on.
const POST_ID: &str = "104857600123_5550001";

/// One uploaded photo: its fields and its file.
#[derive(Debug, Clone)]
struct Photo {
    fields: Vec<(String, String)>,
    file: Vec<u8>,
    file_type: String,
}

/// A comment the server holds: (id, object, from id, message).
#[derive(Debug, Clone)]
struct Held {
    id: String,
    object: String,
    from: (String, String),
    message: String,
}

/// What the fake Graph API saw and holds.
#[derive(Default)]
struct Graph {
    photos: Vec<Photo>,
    feed_posts: Vec<Vec<(String, String)>>,
    comments: Vec<Held>,
    comment_posts: usize,
    /// Answers to give before accepting: throttling, 500s, and calls to carry out and then
    /// answer 502 (the answer lost).
    throttled: usize,
    failing: usize,
    losing: usize,
    /// The Page has no `followers_count` (a Page that only has likes).
    no_followers_count: bool,
}

type Shared = Arc<Mutex<Graph>>;

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {
            "message": message, "type": "OAuthException", "code": code,
            "fbtrace_id": "AbCdEf123"
        }})),
    )
        .into_response()
}

fn bad_token() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
}

/// The throttling, failing and losing answers, in that order, when one is due.
fn refusal(graph: &mut Graph) -> Option<Response> {
    if graph.throttled > 0 {
        graph.throttled -= 1;
        let usage = format!(
            r#"{{"{PAGE_ID}":[{{"type":"pages","call_count":100,"total_cputime":12,"total_time":30,"estimated_time_to_regain_access":4}}]}}"#
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-business-use-case-usage", usage.parse().unwrap());
        return Some(
            (
                StatusCode::FORBIDDEN,
                headers,
                Json(json!({"error": {
                    "message": "(#32) Page request limit reached", "type": "OAuthException",
                    "code": 32, "fbtrace_id": "Thr0ttled"
                }})),
            )
                .into_response(),
        );
    }
    if graph.failing > 0 {
        graph.failing -= 1;
        return Some(graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "An unexpected error has occurred. Please retry your request later.",
        ));
    }
    None
}

/// The parts of a `multipart/form-data` body: (name, content type, bytes).
fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, Option<String>, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .to_string();
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").expect("CRLF after a boundary");
        let end = find(rest, format!("\r\n{delimiter}").as_bytes()).expect("a closing boundary");
        let part = &rest[..end];
        let head_end = find(part, b"\r\n\r\n").expect("part headers");
        let head = String::from_utf8_lossy(&part[..head_end]).to_string();
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
            .expect("a part name")
            .to_string();
        let kind = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: "))
            .map(str::to_string);
        parts.push((name, kind, part[head_end + 4..].to_vec()));
        rest = &rest[end..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn photos(
    State(graph): State<Shared>,
    Path(page): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("multipart/form-data"),
        "{content_type}"
    );
    let parts = multipart_parts(&content_type, &body);
    let mut fields = Vec::new();
    let mut file = None;
    for (name, kind, bytes) in parts {
        if name == "source" {
            file = Some((bytes, kind.unwrap_or_default()));
        } else {
            fields.push((name, String::from_utf8(bytes).unwrap()));
        }
    }
    if field(&fields, "access_token") != Some(PAGE_TOKEN) {
        return bad_token();
    }
    assert_eq!(page, PAGE_ID);
    let mut graph = graph.lock().unwrap();
    if let Some(refused) = refusal(&mut graph) {
        return refused;
    }
    let Some((file, file_type)) = file.filter(|(bytes, _)| bytes.starts_with(b"\x89PNG")) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            324,
            "(#324) Requires upload file: Missing or invalid image file",
        );
    };
    graph.photos.push(Photo {
        fields,
        file,
        file_type,
    });
    Json(json!({"id": format!("77700{}", graph.photos.len())})).into_response()
}

async fn feed(State(graph): State<Shared>, Path(page): Path<String>, body: Bytes) -> Response {
    let fields = form(&body);
    if field(&fields, "access_token") != Some(PAGE_TOKEN) {
        return bad_token();
    }
    assert_eq!(page, PAGE_ID);
    let mut graph = graph.lock().unwrap();
    if let Some(refused) = refusal(&mut graph) {
        return refused;
    }
    // Each attached photo must be one uploaded unpublished.
    for (name, value) in &fields {
        if name.starts_with("attached_media[") {
            let media: Value = serde_json::from_str(value).unwrap();
            let id = media["media_fbid"].as_str().unwrap();
            let known = (1..=graph.photos.len()).any(|n| format!("77700{n}") == id);
            if !known {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    "(#100) param attached_media must be a photo the Page uploaded",
                );
            }
        }
    }
    let message = field(&fields, "message").map(str::to_string);
    if message.is_some()
        && graph
            .feed_posts
            .iter()
            .any(|earlier| field(earlier, "message") == message.as_deref())
    {
        return graph_error(StatusCode::BAD_REQUEST, 506, "Duplicate status message");
    }
    graph.feed_posts.push(fields);
    let id = format!("{PAGE_ID}_{}", 900 + graph.feed_posts.len());
    if graph.losing > 0 {
        graph.losing -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    Json(json!({"id": id})).into_response()
}

async fn published_posts(
    State(graph): State<Shared>,
    Path(page): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("access_token").map(String::as_str) != Some(PAGE_TOKEN) {
        return bad_token();
    }
    assert_eq!(page, PAGE_ID);
    let graph = graph.lock().unwrap();
    // Photo posts are listed like the others, with their message.
    let data: Vec<Value> = graph
        .feed_posts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, fields)| {
            let mut post = json!({
                "id": format!("{PAGE_ID}_{}", 901 + i),
                "permalink_url": format!("https://www.facebook.com/acme/posts/{}", 901 + i),
                "created_time": "2026-12-03T16:00:00+0000",
            });
            if let Some(message) = field(fields, "message").filter(|m| !m.is_empty()) {
                post["message"] = json!(message);
            }
            post
        })
        .collect();
    Json(json!({"data": data, "paging": {"cursors": {"before": "QVFIUmM0", "after": "QVFIUlp5"}}}))
        .into_response()
}

fn comment_json(held: &Held) -> Value {
    json!({
        "id": held.id,
        "message": held.message,
        "from": {"id": held.from.0, "name": held.from.1},
        "created_time": "2026-12-03T16:05:00+0000",
        "permalink_url": format!("https://www.facebook.com/acme/posts/5550001?comment_id={}",
            held.id.rsplit('_').next().unwrap()),
    })
}

async fn post_comment(
    State(graph): State<Shared>,
    Path(object): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form(&body);
    if field(&fields, "access_token") != Some(PAGE_TOKEN) {
        return bad_token();
    }
    let mut graph = graph.lock().unwrap();
    graph.comment_posts += 1;
    if let Some(refused) = refusal(&mut graph) {
        return refused;
    }
    if !object.starts_with(PAGE_ID) && !object.starts_with("5550001_") {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "(#100) Unsupported post request. Object with ID does not exist",
        );
    }
    let id = format!("5550001_{}", 8800 + graph.comments.len());
    let held = Held {
        id: id.clone(),
        object,
        from: (PAGE_ID.into(), "Acme".into()),
        message: field(&fields, "message").unwrap_or_default().to_string(),
    };
    graph.comments.push(held);
    if graph.losing > 0 {
        graph.losing -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    Json(json!({"id": id})).into_response()
}

async fn get_comments(
    State(graph): State<Shared>,
    Path(object): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("access_token").map(String::as_str) != Some(PAGE_TOKEN) {
        return bad_token();
    }
    assert_eq!(query.get("filter").map(String::as_str), Some("stream"));
    assert_eq!(
        query.get("order").map(String::as_str),
        Some("reverse_chronological")
    );
    let mut graph = graph.lock().unwrap();
    if let Some(refused) = refusal(&mut graph) {
        return refused;
    }
    let data: Vec<Value> = graph
        .comments
        .iter()
        .rev()
        .filter(|c| c.object == object)
        .map(comment_json)
        .collect();
    Json(json!({"data": data, "paging": {"cursors": {"before": "MTAx", "after": "MTAy"}}}))
        .into_response()
}

/// `GET /{id}`: the Page's counts, or a comment's permalink.
async fn node(
    State(graph): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("access_token").map(String::as_str) != Some(PAGE_TOKEN) {
        return bad_token();
    }
    let mut graph = graph.lock().unwrap();
    if let Some(refused) = refusal(&mut graph) {
        return refused;
    }
    let fields = query.get("fields").cloned().unwrap_or_default();
    if id == PAGE_ID {
        assert_eq!(fields, "followers_count,fan_count");
        if graph.no_followers_count {
            return Json(json!({"fan_count": 310, "id": PAGE_ID})).into_response();
        }
        return Json(json!({"followers_count": 1_284, "fan_count": 1_190, "id": PAGE_ID}))
            .into_response();
    }
    assert_eq!(fields, "permalink_url");
    match graph.comments.iter().find(|c| c.id == id) {
        Some(held) => Json(json!({"permalink_url": comment_json(held)["permalink_url"], "id": id}))
            .into_response(),
        None => graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "(#100) Object with ID does not exist",
        ),
    }
}

async fn start() -> (Url, Shared) {
    let graph: Shared = Arc::default();
    // A customer's comment on the Page's post, already there.
    graph.lock().unwrap().comments.push(Held {
        id: "5550001_7001".into(),
        object: POST_ID.into(),
        from: ("6100000000001".into(), "Anna K".into()),
        message: "My kettle leaks, what do I do?".into(),
    });
    let app = Router::new()
        .route("/v21.0/{id}/photos", post(photos))
        .route("/v21.0/{id}/feed", post(feed))
        .route("/v21.0/{id}/published_posts", get(published_posts))
        .route("/v21.0/{id}/comments", post(post_comment).get(get_comments))
        .route("/v21.0/{id}", get(node))
        .with_state(graph.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}/")).unwrap(),
        graph,
    )
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn facebook(base: &Url, token: &str) -> FacebookPublisher {
    FacebookPublisher::new(
        fetcher(),
        base.join("v21.0").unwrap(),
        PAGE_ID.into(),
        token.into(),
    )
}

/// A valid 3×2 PNG (signature and IHDR).
fn png(marker: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13]);
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, marker]);
    png
}

fn image(bytes: Vec<u8>, alt: &str) -> MediaFile {
    MediaFile {
        kind: ImageKind::Png,
        bytes: bytes.into(),
        alt: alt.into(),
        width: 3,
        height: 2,
    }
}

fn with_images(text: &str, media: Vec<MediaFile>) -> Outgoing {
    Outgoing {
        text: text.into(),
        media,
        ..Outgoing::default()
    }
}

#[tokio::test]
async fn photos_are_uploaded_unpublished_and_attached_to_one_post() {
    let (base, graph) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    assert_eq!(fb.media_limits(), Some(MEDIA_LIMITS));
    let post = with_images(
        "The new kettle, in two colours",
        vec![
            image(png(1), "A red kettle on a stove"),
            image(png(2), "A blue kettle\r\n--rapport-injected"),
        ],
    );
    let sent = fb.publish(&post, "k1").await.expect("sent");
    assert_eq!(sent.native_id, format!("{PAGE_ID}_901"));
    let graph = graph.lock().unwrap();
    assert_eq!(graph.photos.len(), 2);
    for (photo, file) in graph.photos.iter().zip(&post.media) {
        assert_eq!(field(&photo.fields, "published"), Some("false"));
        assert_eq!(photo.file, &*file.bytes);
        assert_eq!(photo.file_type, "image/png");
    }
    assert_eq!(
        field(&graph.photos[0].fields, "alt_text_custom"),
        Some("A red kettle on a stove")
    );
    // A line break cannot reach the multipart framing: the alt text goes on one line.
    assert_eq!(
        field(&graph.photos[1].fields, "alt_text_custom"),
        Some("A blue kettle  --rapport-injected")
    );
    assert_eq!(graph.photos[1].fields.len(), 3);
    let fields = &graph.feed_posts[0];
    assert_eq!(field(fields, "message"), Some(post.text.as_str()));
    assert_eq!(
        field(fields, "attached_media[0]"),
        Some(r#"{"media_fbid":"777001"}"#)
    );
    assert_eq!(
        field(fields, "attached_media[1]"),
        Some(r#"{"media_fbid":"777002"}"#)
    );
    assert_eq!(field(fields, "attached_media[2]"), None);
}

#[tokio::test]
async fn a_photo_post_whose_answer_was_lost_is_found_by_its_message() {
    let (base, graph) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    graph.lock().unwrap().losing = 1;
    let post = with_images("Kettle day!", vec![image(png(1), "")]);
    let error = fb.publish(&post, "k").await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    // The scheduler reconciles with the post's text (its images are read afterwards).
    let lookup = Outgoing {
        text: post.text.clone(),
        ..Outgoing::default()
    };
    let found = fb
        .find_published(&lookup, "k")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.native_id, format!("{PAGE_ID}_901"));
    assert_eq!(
        found.url.as_deref(),
        Some("https://www.facebook.com/acme/posts/901")
    );
    // A blind resend uploads again, is refused as a duplicate and answers the first post.
    assert_eq!(fb.publish(&post, "k").await, Ok(found));
    let graph = graph.lock().unwrap();
    assert_eq!(graph.feed_posts.len(), 1);
    assert_eq!(graph.photos.len(), 2);
    // Without alt text, no alt_text_custom is sent.
    assert_eq!(field(&graph.photos[0].fields, "alt_text_custom"), None);
}

#[tokio::test]
async fn photo_upload_refusals_map_like_the_rest_and_post_nothing() {
    let (base, graph) = start().await;
    let post = with_images("Kettle", vec![image(png(1), "a kettle")]);
    let error = facebook(&base, "expired")
        .publish(&post, "k")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PublishError::Unauthorized { message, .. } if message.starts_with("(#190)")),
        "{error:?}"
    );
    let fb = facebook(&base, PAGE_TOKEN);
    graph.lock().unwrap().throttled = 1;
    assert_eq!(
        fb.publish(&post, "k").await,
        Err(PublishError::RateLimited {
            network: "Facebook",
            retry_after: Duration::from_secs(240)
        })
    );
    graph.lock().unwrap().failing = 1;
    let error = fb.publish(&post, "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Transient { message, .. } if message.contains("[fbtrace_id AbCdEf123]")),
        "{error:?}"
    );
    let not_png = with_images("Kettle", vec![image(b"GIF89a\x01\0\x01\0".to_vec(), "")]);
    let error = fb.publish(&not_png, "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.starts_with("(#324)")),
        "{error:?}"
    );
    // The second image fails: the first stays unpublished, and no post is made.
    let mixed = with_images(
        "Two kettles",
        vec![
            image(png(1), "ok"),
            image(b"GIF89a\x01\0\x01\0".to_vec(), ""),
        ],
    );
    assert!(fb.publish(&mixed, "k").await.is_err());
    assert!(graph.lock().unwrap().feed_posts.is_empty());
    // More than the limit is refused before any upload.
    let many = with_images(
        "Many",
        vec![image(png(1), "x"); MEDIA_LIMITS.max_images + 1],
    );
    let uploads = graph.lock().unwrap().photos.len();
    assert!(matches!(
        fb.publish(&many, "k").await,
        Err(PublishError::Rejected { .. })
    ));
    assert_eq!(graph.lock().unwrap().photos.len(), uploads);
}

#[test]
fn the_limits_refuse_what_facebook_refuses() {
    let check = MEDIA_LIMITS.check("Facebook", &[(10_000_000, "a kettle"), (9_999_999, "")]);
    assert_eq!(check.errors.len(), 1, "{check:?}");
    assert!(check.errors[0].contains("image 1 is 10000000 bytes"));
    assert_eq!(check.warnings.len(), 1);
    let eleven = vec![(1, "x"); 11];
    assert!(MEDIA_LIMITS.check("Facebook", &eleven).errors[0].contains("at most 10"));
}

fn target(id: &str) -> ReplyTarget {
    ReplyTarget {
        native_id: id.into(),
        author_handle: "6100000000001".into(),
        url: Some("https://www.facebook.com/acme/posts/5550001?comment_id=7001".into()),
    }
}

#[tokio::test]
async fn comments_are_posted_once_and_found_again_after_a_crash() {
    let (base, graph) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    assert_eq!(
        publish::reply_account_kinds(Network::Facebook),
        ["facebook"]
    );
    assert_eq!(publish::no_publisher_reason(Network::Facebook), None);
    assert_eq!(fb.reply_text(&target("5550001_7001"), "Hi"), "Hi");

    // Answering the customer's comment: a reply under it, from the Page.
    let text = "Sorry to hear that! Send us a message and we will replace it.";
    let sent = fb
        .reply(&target("5550001_7001"), text, "r1")
        .await
        .expect("sent");
    assert_eq!(sent.native_id, "5550001_8801");
    assert_eq!(
        sent.url.as_deref(),
        Some("https://www.facebook.com/acme/posts/5550001?comment_id=8801")
    );
    {
        let graph = graph.lock().unwrap();
        let held = graph.comments.last().unwrap();
        assert_eq!(held.object, "5550001_7001");
        assert_eq!(held.message, text);
    }
    // Sent again with the same key (a retry after a crash): the first comment, not a second.
    assert_eq!(
        fb.reply(&target("5550001_7001"), text, "r1").await,
        Ok(sent.clone())
    );
    assert_eq!(graph.lock().unwrap().comment_posts, 1);

    // The answer lost: the comment is there, the retry finds it.
    graph.lock().unwrap().losing = 1;
    let other = "Thanks for the kind words!";
    assert!(fb
        .reply(&target(POST_ID), other, "r2")
        .await
        .unwrap_err()
        .is_retryable());
    let again = fb
        .reply(&target(POST_ID), other, "r2")
        .await
        .expect("found");
    assert_eq!(again.native_id, "5550001_8802");
    assert_eq!(graph.lock().unwrap().comment_posts, 2);
    // The scheduler's reconciliation finds it the same way.
    let as_post = Outgoing {
        text: other.into(),
        in_reply_to: Some(POST_ID.into()),
        ..Outgoing::default()
    };
    assert_eq!(fb.find_published(&as_post, "r2").await, Ok(Some(again)));

    // The same words from someone else are not the Page's comment: it is posted.
    let echo = "My kettle leaks, what do I do?";
    let mine = fb.reply(&target(POST_ID), echo, "r3").await.expect("sent");
    assert_eq!(mine.native_id, "5550001_8803");
    // Through publish with in_reply_to, a comment as well.
    let via_publish = Outgoing {
        text: "One more thing".into(),
        in_reply_to: Some(POST_ID.into()),
        ..Outgoing::default()
    };
    let comment = fb.publish(&via_publish, "r4").await.expect("sent");
    assert_eq!(comment.native_id, "5550001_8804");
    assert!(graph.lock().unwrap().feed_posts.is_empty());
}

#[tokio::test]
async fn comment_refusals_map_to_publish_errors() {
    let (base, graph) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    let error = fb.reply(&target("../me"), "hi", "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("not the id")),
        "{error:?}"
    );
    let error = fb.reply(&target("999_1"), "hi", "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.starts_with("(#100)")),
        "{error:?}"
    );
    graph.lock().unwrap().throttled = 1;
    assert!(matches!(
        fb.reply(&target(POST_ID), "hi", "k").await,
        Err(PublishError::RateLimited { .. })
    ));
    assert!(matches!(
        facebook(&base, "expired")
            .reply(&target(POST_ID), "hi", "k")
            .await,
        Err(PublishError::Unauthorized { .. })
    ));
    let with_photo = Outgoing {
        text: "look".into(),
        in_reply_to: Some(POST_ID.into()),
        media: vec![image(png(1), "")],
        ..Outgoing::default()
    };
    assert!(matches!(
        fb.publish(&with_photo, "k").await,
        Err(PublishError::NotSupported(_))
    ));
}

#[tokio::test]
async fn followers_are_the_pages_followers_count_or_its_likes() {
    let (base, graph) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    assert_eq!(fb.followers().await, Ok(Some(1_284)));
    graph.lock().unwrap().no_followers_count = true;
    assert_eq!(fb.followers().await, Ok(Some(310)));
    graph.lock().unwrap().throttled = 1;
    assert!(matches!(
        fb.followers().await,
        Err(PublishError::RateLimited { .. })
    ));
    assert!(matches!(
        facebook(&base, "expired").followers().await,
        Err(PublishError::Unauthorized { .. })
    ));
    let built = publish::build(
        "facebook",
        &json!({"page_id": PAGE_ID, "api": base.join("v21.0").unwrap().as_str()}),
        PAGE_TOKEN,
        fetcher(),
    )
    .expect("built");
    assert_eq!(built.followers().await, Ok(Some(310)));
    assert_eq!(built.media_limits(), Some(MEDIA_LIMITS));
}
