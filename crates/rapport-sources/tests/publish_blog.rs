//! Images and replies on blogs, against one local server that answers in the documented
//! shapes:
//! - WordPress REST API, HTTP Basic with an application password
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/>):
//!   `POST /wp-json/wp/v2/media` with the raw file, its `Content-Type` and
//!   `Content-Disposition: attachment; filename=...`, `alt_text` as an argument → 201 with the
//!   media item (`id`, `source_url`, `alt_text`, `media_type`, `mime_type`, ...,
//!   <https://developer.wordpress.org/rest-api/reference/media/>); `POST /wp-json/wp/v2/posts`
//!   with `featured_media` → 201 with the post; `GET /wp-json/wp/v2/posts?slug=`;
//!   `GET /wp-json/wp/v2/users/me` (<https://developer.wordpress.org/rest-api/reference/users/>);
//!   `GET`/`POST /wp-json/wp/v2/comments`
//!   (<https://developer.wordpress.org/rest-api/reference/comments/>): `post`, `author`,
//!   `status`, `context` arguments; `content.raw` only in the `edit` context, which needs
//!   `moderate_comments` (403 `rest_forbidden_context` otherwise); the same comment twice is
//!   refused with 409 `comment_duplicate` ("Duplicate comment detected; it looks as though
//!   you’ve already said that!", `wp_allow_comment`); a closed post with 403
//!   `rest_comment_closed`; errors `{"code", "message", "data": {"status"}}`;
//! - Micropub (<https://www.w3.org/TR/micropub/>): `GET ?q=config` → `{"media-endpoint"}`
//!   (<https://www.w3.org/TR/micropub/#configuration>), the media endpoint taking
//!   `multipart/form-data` with one part `file` → 201 with the file's URL in `Location`
//!   (<https://www.w3.org/TR/micropub/#media-endpoint>); posts form-encoded or in the JSON
//!   syntax with `photo: [{"value", "alt"}]`
//!   (<https://www.w3.org/TR/micropub/#uploading-a-photo-with-alt-text>) → 201 with
//!   `Location`; `q=source` post list
//!   (<https://indieweb.org/Micropub-extensions#Query_for_Post_List>).

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::media::{inspect, MediaFile};
use rapport_sources::publish::{
    self, wordpress, MicropubPublisher, Outgoing, PublishError, Publisher, ReplyTarget,
    WordPressPublisher,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const WP_USER: &str = "editor";
const WP_USER_ID: u64 = 7;
const WP_PASSWORD: &str = "abcd EFGH ijkl MNOP qrst UVWX";
const MICROPUB_TOKEN: &str = "indieauth-token";
/// The site's one existing post, answered by comments.
const POST_ID: u64 = 42;
const POST_SLUG: &str = "kettle-v2";

/// A comment as the fake site keeps it.
#[derive(Clone)]
struct Comment {
    id: u64,
    post: u64,
    parent: u64,
    author: u64,
    content: String,
}

/// What the fake site saw and holds.
#[derive(Default)]
struct Site {
    base: String,
    /// Uploads: (content type, content disposition, alt text, size).
    media: Vec<(String, String, Option<String>, usize)>,
    /// Posts created: (id, body).
    posts: Vec<(u64, Value)>,
    comments: Vec<Comment>,
    comment_calls: usize,
    /// The account lacks `moderate_comments` (no `edit` context on comments).
    not_moderator: bool,
    /// The post takes no comments.
    closed: bool,
    /// Calls carried out and then answered 503 (the answer lost).
    losing: usize,
    /// Micropub: whether q=config names a media endpoint.
    mp_media: bool,
    /// Micropub media uploads: (content type, body).
    mp_uploads: Vec<(String, Vec<u8>)>,
    /// Micropub posts: JSON bodies (form posts turned into the same shape).
    mp_posts: Vec<Value>,
}

type Shared = Arc<Mutex<Site>>;

fn wp_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message, "data": {"status": status.as_u16()}})),
    )
        .into_response()
}

fn wp_authorized(headers: &HeaderMap) -> Option<Response> {
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{WP_USER}:{WP_PASSWORD}"))
    );
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == expected => None,
        _ => Some(wp_error(
            StatusCode::UNAUTHORIZED,
            "incorrect_password",
            "The provided password is an invalid application password.",
        )),
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn wp_media(
    State(site): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let disposition = header_text(&headers, header::CONTENT_DISPOSITION);
    // WordPress needs the file name to know the type: rest_upload_no_content_disposition.
    let Some(filename) = disposition
        .split("filename=")
        .nth(1)
        .map(|f| f.trim_matches('"').to_string())
    else {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_content_disposition",
            "No Content-Disposition supplied.",
        );
    };
    if body.is_empty() {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_data",
            "No data supplied.",
        );
    }
    let mut site = site.lock().unwrap();
    site.media.push((
        content_type.clone(),
        disposition.clone(),
        query.get("alt_text").cloned(),
        body.len(),
    ));
    let id = 500 + site.media.len() as u64;
    let source_url = format!("{}wp-content/uploads/2026/12/{filename}", site.base);
    (
        StatusCode::CREATED,
        Json(json!({
            "id": id, "date": "2026-12-03T16:00:00", "slug": filename.replace('.', "-"),
            "status": "inherit", "type": "attachment",
            "link": format!("{}?attachment_id={id}", site.base),
            "title": {"raw": filename, "rendered": filename},
            "author": WP_USER_ID,
            "alt_text": query.get("alt_text").cloned().unwrap_or_default(),
            "media_type": "image", "mime_type": content_type,
            "media_details": {"width": 3, "height": 2, "file": format!("2026/12/{filename}")},
            "source_url": source_url,
        })),
    )
        .into_response()
}

fn wp_post_object(base: &str, id: u64, body: &Value) -> Value {
    let slug = body["slug"].as_str().unwrap_or_default();
    json!({
        "id": id, "date": "2026-12-03T16:00:00", "slug": slug, "status": body["status"],
        "type": "post", "link": format!("{base}2026/12/03/{slug}/"),
        "title": {"raw": body["title"], "rendered": body["title"]},
        "content": {"raw": body["content"], "rendered": body["content"], "protected": false},
        "featured_media": body["featured_media"].as_u64().unwrap_or(0),
    })
}

async fn wp_create_post(State(site): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).expect("JSON body");
    let mut site = site.lock().unwrap();
    if let Some(featured) = body["featured_media"].as_u64() {
        if featured > 500 + site.media.len() as u64 || featured <= 500 {
            return wp_error(
                StatusCode::BAD_REQUEST,
                "rest_invalid_featured_media",
                "Invalid featured media ID.",
            );
        }
    }
    let id = 100 + site.posts.len() as u64;
    site.posts.push((id, body.clone()));
    if site.losing > 0 {
        site.losing -= 1;
        return wp_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Unavailable",
        );
    }
    (
        StatusCode::CREATED,
        Json(wp_post_object(&site.base, id, &body)),
    )
        .into_response()
}

async fn wp_list_posts(
    State(site): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let site = site.lock().unwrap();
    let slug = query.get("slug").cloned().unwrap_or_default();
    let mut found: Vec<Value> = site
        .posts
        .iter()
        .filter(|(_, body)| body["slug"].as_str() == Some(slug.as_str()))
        .map(|(id, body)| wp_post_object(&site.base, *id, body))
        .collect();
    if slug == POST_SLUG {
        found.push(json!({
            "id": POST_ID,
            "link": format!("{}2026/12/03/{POST_SLUG}/", site.base),
        }));
    }
    Json(found).into_response()
}

async fn wp_me(headers: HeaderMap) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    Json(json!({
        "id": WP_USER_ID, "name": "Editor", "url": "", "description": "",
        "link": "https://blog.example.com/author/editor/", "slug": "editor",
        "avatar_urls": {"24": "https://secure.gravatar.com/avatar/x?s=24"}
    }))
    .into_response()
}

/// wpautop and wptexturize, as far as the tests need them.
fn rendered(content: &str) -> String {
    format!(
        "<p>{}</p>\n",
        content.replace('\'', "&#8217;").replace('\n', "<br />\n")
    )
}

fn wp_comment_object(base: &str, comment: &Comment, edit: bool) -> Value {
    let mut content = json!({"rendered": rendered(&comment.content)});
    if edit {
        content["raw"] = json!(comment.content);
    }
    json!({
        "id": comment.id, "post": comment.post, "parent": comment.parent,
        "author": comment.author, "author_name": "Editor", "author_url": "",
        "date": "2026-12-03T16:00:00", "date_gmt": "2026-12-03T15:00:00",
        "content": content,
        "link": format!("{base}2026/12/03/{POST_SLUG}/#comment-{}", comment.id),
        "status": "approved", "type": "comment",
        "author_avatar_urls": {"24": "https://secure.gravatar.com/avatar/x?s=24"},
        "meta": []
    })
}

async fn wp_list_comments(
    State(site): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let site = site.lock().unwrap();
    let edit = query.get("context").map(String::as_str) == Some("edit");
    if edit && site.not_moderator {
        return wp_error(
            StatusCode::FORBIDDEN,
            "rest_forbidden_context",
            "Sorry, you are not allowed to edit comments.",
        );
    }
    assert_eq!(query.get("status").map(String::as_str), Some("all"));
    let post: u64 = query["post"].parse().unwrap();
    let author: u64 = query["author"].parse().unwrap();
    let found: Vec<Value> = site
        .comments
        .iter()
        .rev()
        .filter(|c| c.post == post && c.author == author)
        .map(|c| wp_comment_object(&site.base, c, edit))
        .collect();
    Json(found).into_response()
}

async fn wp_create_comment(
    State(site): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let mut site = site.lock().unwrap();
    site.comment_calls += 1;
    let post = body["post"].as_u64().unwrap_or(0);
    if post != POST_ID {
        return wp_error(
            StatusCode::FORBIDDEN,
            "rest_comment_invalid_post_id",
            "Sorry, you are not allowed to create this comment without a post.",
        );
    }
    if site.closed {
        return wp_error(
            StatusCode::FORBIDDEN,
            "rest_comment_closed",
            "Sorry, comments are closed for this item.",
        );
    }
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let parent = body["parent"].as_u64().unwrap_or(0);
    if site
        .comments
        .iter()
        .any(|c| c.post == post && c.author == WP_USER_ID && c.content == content)
    {
        return wp_error(
            StatusCode::CONFLICT,
            "comment_duplicate",
            "Duplicate comment detected; it looks as though you’ve already said that!",
        );
    }
    let comment = Comment {
        id: 900 + site.comments.len() as u64,
        post,
        parent,
        author: WP_USER_ID,
        content,
    };
    site.comments.push(comment.clone());
    if site.losing > 0 {
        site.losing -= 1;
        return wp_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Unavailable",
        );
    }
    (
        StatusCode::CREATED,
        Json(wp_comment_object(&site.base, &comment, true)),
    )
        .into_response()
}

fn mp_authorized(headers: &HeaderMap) -> Option<Response> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == format!("Bearer {MICROPUB_TOKEN}") => None,
        _ => Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "unauthorized", "error_description": "No access token."})),
            )
                .into_response(),
        ),
    }
}

async fn mp_query(
    State(site): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = mp_authorized(&headers) {
        return refused;
    }
    let site = site.lock().unwrap();
    match query.get("q").map(String::as_str) {
        Some("config") => {
            let mut config = json!({"syndicate-to": []});
            if site.mp_media {
                config["media-endpoint"] = json!(format!("{}media", site.base));
            }
            Json(config).into_response()
        }
        Some("source") => {
            let items: Vec<Value> = site
                .mp_posts
                .iter()
                .enumerate()
                .rev()
                .map(|(i, post)| {
                    let mut properties = post["properties"].clone();
                    properties["url"] = json!([format!("https://site.example/notes/{}", i + 1)]);
                    json!({"type": ["h-entry"], "properties": properties})
                })
                .collect();
            Json(json!({"items": items})).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request", "error_description": "Unsupported query."})),
        )
            .into_response(),
    }
}

async fn mp_create(State(site): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = mp_authorized(&headers) {
        return refused;
    }
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let entry = if content_type == "application/json" {
        serde_json::from_slice::<Value>(&body).expect("JSON entry")
    } else {
        // Form-encoded: h=entry&content=...&in-reply-to=...
        let mut properties = json!({});
        for (k, v) in url::form_urlencoded::parse(&body) {
            if k != "h" {
                properties[k.as_ref()] = json!([v]);
            }
        }
        json!({"type": ["h-entry"], "properties": properties})
    };
    let mut site = site.lock().unwrap();
    site.mp_posts.push(entry);
    let n = site.mp_posts.len();
    if site.losing > 0 {
        site.losing -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/notes/{n}"))],
    )
        .into_response()
}

async fn mp_media(State(site): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = mp_authorized(&headers) {
        return refused;
    }
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let text = String::from_utf8_lossy(&body);
    if !content_type.starts_with("multipart/form-data")
        || !text.contains("Content-Disposition: form-data; name=\"file\"; filename=")
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request", "error_description": "Send one part named file."})),
        )
            .into_response();
    }
    let mut site = site.lock().unwrap();
    site.mp_uploads.push((content_type, body.to_vec()));
    let n = site.mp_uploads.len();
    (
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("https://media.site.example/2026/12/photo-{n}.png"),
        )],
    )
        .into_response()
}

async fn start() -> (Url, Shared) {
    let site: Shared = Arc::default();
    let app = Router::new()
        .route("/wp-json/wp/v2/media", post(wp_media))
        .route(
            "/wp-json/wp/v2/posts",
            post(wp_create_post).get(wp_list_posts),
        )
        .route("/wp-json/wp/v2/users/me", get(wp_me))
        .route(
            "/wp-json/wp/v2/comments",
            post(wp_create_comment).get(wp_list_comments),
        )
        .route("/micropub", post(mp_create).get(mp_query))
        .route("/media", post(mp_media))
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = Url::parse(&format!("http://localhost:{port}/")).unwrap();
    site.lock().unwrap().base = base.to_string();
    (base, site)
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn png(tag: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13]);
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0x2b, 0x1c, 0x7a, 0x1e]);
    png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', tag, tag, tag, tag]);
    png
}

fn image(alt: &str, tag: u8) -> MediaFile {
    let bytes = png(tag);
    let info = inspect(&bytes).unwrap();
    MediaFile {
        kind: info.kind,
        bytes: bytes.into(),
        alt: alt.into(),
        width: info.width,
        height: info.height,
    }
}

fn wordpress(base: &Url) -> WordPressPublisher {
    WordPressPublisher::new(fetcher(), base.clone(), WP_USER.into(), WP_PASSWORD.into())
}

fn target(url: Option<String>, native_id: &str) -> ReplyTarget {
    ReplyTarget {
        native_id: native_id.into(),
        author_handle: "reader".into(),
        url,
    }
}

#[tokio::test]
async fn wordpress_posts_uploaded_images_with_alt_text_and_a_featured_image() {
    let (base, site) = start().await;
    let wp = wordpress(&base);
    let limits = wp.media_limits().expect("WordPress takes images");
    assert_eq!(limits.max_bytes, wordpress::DEFAULT_MAX_UPLOAD_BYTES);
    assert_eq!(
        wordpress(&base)
            .with_max_upload_bytes(64 << 20)
            .media_limits()
            .unwrap()
            .max_bytes,
        64 << 20
    );

    let post = Outgoing {
        text: "Kettle v2 <is> here & ready".into(),
        media: vec![image("A \"steel\" kettle <on> a table", 1), image("", 2)],
        ..Outgoing::default()
    };
    let key = "draft-9-account-2";
    let slug = wordpress::slug_for(key);
    let sent = wp.publish(&post, key).await.expect("sent");
    assert_eq!(sent.native_id, "100");
    {
        let site_now = site.lock().unwrap();
        assert_eq!(site_now.media.len(), 2);
        let (content_type, disposition, alt, size) = &site_now.media[0];
        assert_eq!(content_type, "image/png");
        assert_eq!(
            disposition,
            &format!("attachment; filename=\"{slug}-1.png\"")
        );
        assert_eq!(alt.as_deref(), Some("A \"steel\" kettle <on> a table"));
        assert_eq!(*size, png(1).len());
        assert_eq!(
            site_now.media[1].2, None,
            "no alt text, no alt_text argument"
        );
        let body = &site_now.posts[0].1;
        assert_eq!(body["featured_media"], 501);
        assert_eq!(body["slug"], slug.as_str());
        let content = body["content"].as_str().unwrap();
        assert_eq!(
            content,
            format!(
                "<p>Kettle v2 &lt;is&gt; here &amp; ready</p>\n\
                 <figure class=\"wp-block-image\"><img src=\"{base}wp-content/uploads/2026/12/{slug}-1.png\" \
                 alt=\"A &quot;steel&quot; kettle &lt;on&gt; a table\" class=\"wp-image-501\"/></figure>\n\
                 <figure class=\"wp-block-image\"><img src=\"{base}wp-content/uploads/2026/12/{slug}-2.png\" \
                 alt=\"\" class=\"wp-image-502\"/></figure>"
            )
        );
    }

    // The answer is lost after the post was created: the slug finds it, and nothing is
    // uploaded or posted again.
    site.lock().unwrap().losing = 1;
    let lost = Outgoing {
        text: "Second".into(),
        media: vec![image("alt", 3)],
        ..Outgoing::default()
    };
    assert!(wp.publish(&lost, "key-2").await.unwrap_err().is_retryable());
    let found = wp.find_published(&lost, "key-2").await.unwrap().unwrap();
    assert_eq!(found.native_id, "101");
    let site_now = site.lock().unwrap();
    assert_eq!((site_now.media.len(), site_now.posts.len()), (3, 2));
    assert_eq!(site_now.posts[1].1["featured_media"], 503);
}

#[tokio::test]
async fn wordpress_answers_its_own_posts_with_comments_sent_once() {
    let (base, site) = start().await;
    let wp = wordpress(&base);
    let permalink = format!("{base}2026/12/03/{POST_SLUG}/");
    // Its own site only.
    assert!(wp.can_reply_to(&target(Some(permalink.clone()), "guid-1")));
    assert!(wp.can_reply_to(&target(None, &format!("{base}?p=42"))));
    assert!(!wp.can_reply_to(&target(
        Some("https://elsewhere.example/2026/12/03/kettle-v2/".into()),
        "guid-2"
    )));
    assert!(!wp.can_reply_to(&target(None, "guid-3")));

    // A pretty permalink: the post is found by its slug.
    let answer = wp
        .reply(
            &target(Some(permalink.clone()), "guid-1"),
            "Thanks! It's <fixed> now\nsee you",
            "reply-key-1",
        )
        .await
        .expect("commented");
    assert_eq!(answer.native_id, "900");
    assert_eq!(
        answer.url.as_deref(),
        Some(format!("{permalink}#comment-900").as_str())
    );
    {
        let site = site.lock().unwrap();
        assert_eq!(site.comments[0].post, POST_ID);
        assert_eq!(site.comments[0].parent, 0);
        assert_eq!(
            site.comments[0].content,
            "Thanks! It's &lt;fixed&gt; now\nsee you"
        );
    }

    // A comment's URL (a ?p= guid with #comment-): an answer to that comment.
    let under = wp
        .reply(
            &target(Some(format!("{base}?p=42#comment-900")), "c-900"),
            "One more thing",
            "reply-key-2",
        )
        .await
        .expect("commented");
    assert_eq!(under.native_id, "901");
    assert_eq!(site.lock().unwrap().comments[1].parent, 900);

    // The answer is lost; sending again with the same text finds the comment.
    site.lock().unwrap().losing = 1;
    let lost = target(Some(permalink.clone()), "guid-1");
    let error = wp
        .reply(&lost, "Lost in transit", "reply-key-3")
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    let again = wp
        .reply(&lost, "Lost in transit", "reply-key-3")
        .await
        .expect("found");
    assert_eq!(again.native_id, "902");
    assert_eq!(
        site.lock().unwrap().comments.len(),
        3,
        "not commented twice"
    );
    assert_eq!(site.lock().unwrap().comment_calls, 3);

    // An account without moderate_comments reads the rendered comments instead.
    site.lock().unwrap().not_moderator = true;
    let again = wp
        .reply(&lost, "Thanks! It's <fixed> now\nsee you", "reply-key-1")
        .await
        .expect("found as rendered");
    assert_eq!(again.native_id, "900");
    assert_eq!(site.lock().unwrap().comment_calls, 3);

    // Refusals: a slug the site does not have, a post elsewhere, closed comments.
    let error = wp
        .reply(
            &target(Some(format!("{base}2026/12/03/gone/")), "g"),
            "hi",
            "k4",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("\"gone\"")),
        "{error:?}"
    );
    let error = wp
        .reply(
            &target(Some("https://elsewhere.example/p/1".into()), "x"),
            "hi",
            "k5",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(m) if m.contains("not on the WordPress site")),
        "{error:?}"
    );
    site.lock().unwrap().closed = true;
    let error = wp.reply(&lost, "A new one", "k6").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Rejected {
            network: "WordPress",
            message: "Sorry, comments are closed for this item. (rest_comment_closed)".into()
        }
    );
    // A new post is never a reply on WordPress.
    let reply_post = Outgoing {
        text: "x".into(),
        in_reply_to: Some(permalink),
        ..Outgoing::default()
    };
    assert!(matches!(
        wp.publish(&reply_post, "k7").await,
        Err(PublishError::NotSupported(_))
    ));
}

#[tokio::test]
async fn micropub_uploads_images_to_its_media_endpoint_and_posts_them_as_photos() {
    let (base, site) = start().await;
    let endpoint = base.join("micropub").unwrap();
    let mp = MicropubPublisher::new(fetcher(), endpoint.clone(), MICROPUB_TOKEN.into());
    assert_eq!(
        mp.media_limits().unwrap().max_bytes,
        publish::micropub::DEFAULT_MAX_UPLOAD_BYTES
    );
    let post = Outgoing {
        text: "New kettle".into(),
        media: vec![image("A \"steel\" kettle", 1), image("", 2)],
        ..Outgoing::default()
    };
    // No media endpoint: refused, naming the site, before anything is posted.
    let error = mp.publish(&post, "k1").await.unwrap_err();
    match &error {
        PublishError::NotSupported(message) => {
            assert!(message.contains("localhost"), "{message}");
            assert!(message.contains("media endpoint"), "{message}");
        }
        other => panic!("expected NotSupported, got {other:?}"),
    }
    assert!(site.lock().unwrap().mp_posts.is_empty());

    site.lock().unwrap().mp_media = true;
    let sent = mp.publish(&post, "k1").await.expect("sent");
    assert_eq!(sent.native_id, base.join("/notes/1").unwrap().to_string());
    let site = site.lock().unwrap();
    assert_eq!(site.mp_uploads.len(), 2);
    let (content_type, body) = &site.mp_uploads[0];
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let png1 = png(1);
    assert!(body.windows(png1.len()).any(|w| w == png1.as_slice()));
    assert_eq!(
        site.mp_posts[0],
        json!({"type": ["h-entry"], "properties": {
            "content": ["New kettle"],
            "photo": [
                {"value": "https://media.site.example/2026/12/photo-1.png", "alt": "A \"steel\" kettle"},
                "https://media.site.example/2026/12/photo-2.png"
            ]
        }})
    );
}

#[tokio::test]
async fn micropub_replies_cite_the_post_and_are_not_sent_twice() {
    let (base, site) = start().await;
    let mp = MicropubPublisher::new(
        fetcher(),
        base.join("micropub").unwrap(),
        MICROPUB_TOKEN.into(),
    );
    let answered = target(Some("https://blog.other.example/2026/kettle".into()), "g1");
    assert!(mp.can_reply_to(&answered));
    assert!(!mp.can_reply_to(&target(None, "g2")));
    let error = mp.reply(&target(None, "g2"), "hi", "k0").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::NotSupported(m) if m.contains("in-reply-to")),
        "{error:?}"
    );

    let sent = mp.reply(&answered, "Glad you like it", "k1").await.unwrap();
    assert!(sent.native_id.ends_with("/notes/1"), "{sent:?}");
    assert_eq!(
        site.lock().unwrap().mp_posts[0]["properties"]["in-reply-to"],
        json!(["https://blog.other.example/2026/kettle"])
    );
    // The answer is lost; the retry finds the reply by its text and in-reply-to.
    site.lock().unwrap().losing = 1;
    assert!(mp
        .reply(&answered, "Lost answer", "k2")
        .await
        .unwrap_err()
        .is_retryable());
    let again = mp.reply(&answered, "Lost answer", "k2").await.unwrap();
    assert_eq!(again.native_id, "https://site.example/notes/2");
    assert_eq!(site.lock().unwrap().mp_posts.len(), 2);
    // The same words under another post are a new reply.
    let other = target(Some("https://blog.other.example/2026/teapot".into()), "g3");
    let sent = mp.reply(&other, "Lost answer", "k3").await.unwrap();
    assert!(sent.native_id.ends_with("/notes/3"), "{sent:?}");
}

#[tokio::test]
async fn build_reads_the_upload_limits_and_routes_feeds_to_blogs() {
    let (base, _site) = start().await;
    let wp = publish::build(
        "wordpress",
        &json!({"site": base.as_str(), "username": WP_USER, "max_upload_bytes": 33554432}),
        WP_PASSWORD,
        fetcher(),
    )
    .unwrap();
    assert_eq!(wp.media_limits().unwrap().max_bytes, 33_554_432);
    let mp = publish::build(
        "micropub",
        &json!({"endpoint": base.join("micropub").unwrap().as_str(), "max_upload_bytes": 1000}),
        MICROPUB_TOKEN,
        fetcher(),
    )
    .unwrap();
    assert_eq!(mp.media_limits().unwrap().max_bytes, 1000);
    use rapport_model::Network;
    assert_eq!(
        publish::reply_account_kinds(Network::Feed),
        &["wordpress", "micropub"]
    );
    assert_eq!(
        publish::reply_account_kinds(Network::Mastodon),
        &["mastodon"]
    );
    assert!(publish::reply_account_kinds(Network::Reddit).is_empty());
    assert!(publish::no_publisher_reason(Network::Feed).is_none());
    let reason = publish::no_publisher_reason(Network::Reddit).unwrap();
    assert!(reason.contains("WordPress"), "{reason}");
}
