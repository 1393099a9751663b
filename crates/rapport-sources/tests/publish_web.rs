//! WordPress, Micropub and Facebook publishers against local servers that answer in the
//! documented shapes:
//! - WordPress REST API: `POST /wp-json/wp/v2/posts`
//!   (<https://developer.wordpress.org/rest-api/reference/posts/#create-a-post>), HTTP Basic
//!   with an application password
//!   (<https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/>), 201
//!   with the post object (`id`, `link`, `slug`, ...); `GET /wp-json/wp/v2/posts?slug=`;
//!   errors `{"code", "message", "data": {"status"}}` (401 `incorrect_password`, 403
//!   `rest_cannot_create`, 400 `rest_invalid_param`);
//! - Micropub (<https://www.w3.org/TR/micropub/#create>): form-encoded `h=entry&content=`,
//!   Bearer token, 201 or 202 with `Location`; errors `{"error", "error_description"}`
//!   (<https://www.w3.org/TR/micropub/#error-response>); `q=source` post list
//!   (<https://indieweb.org/Micropub-extensions#Query_for_Post_List>);
//! - Facebook Graph API: `POST /v21.0/{page-id}/feed` with `message` and `access_token`
//!   (<https://developers.facebook.com/docs/pages/getting-started>) → `{"id":
//!   "pageid_postid"}`; errors `{"error": {"message", "type", "code", "error_subcode",
//!   "fbtrace_id"}}` (<https://developers.facebook.com/docs/graph-api/guides/error-handling>),
//!   code 4/17/32/613 throttling with `X-Business-Use-Case-Usage`
//!   (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>), 506 for a
//!   duplicate; `GET /{page-id}/published_posts`.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::publish::{
    self, FacebookPublisher, LengthRule, MicropubPublisher, Outgoing, PollSpec, PublishError,
    Publisher, WordPressPublisher,
};
use reqwest::Url;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WP_USER: &str = "editor";
const WP_PASSWORD: &str = "abcd EFGH ijkl MNOP qrst UVWX";
const MICROPUB_TOKEN: &str = "indieauth-token";
const PAGE_ID: &str = "104857600123";
const PAGE_TOKEN: &str = "EAAG-page-token";

/// What the fake servers saw and hold.
#[derive(Default)]
struct Sites {
    /// WordPress posts: the request bodies, with their id.
    wp_posts: Vec<(u64, Value)>,
    wp_calls: usize,
    /// Micropub posts: the form fields.
    mp_posts: Vec<Vec<(String, String)>>,
    /// Answer 202 instead of 201.
    mp_accepted: bool,
    /// The endpoint has no q=source.
    mp_no_source: bool,
    /// Facebook posts: the form fields.
    fb_posts: Vec<Vec<(String, String)>>,
    fb_calls: usize,
    /// Failures to answer before accepting: 429s, 503s, throttling errors.
    rate_limited: usize,
    failing: usize,
    fb_throttled: usize,
    /// Calls to carry out and then answer 503 (the answer lost).
    losing: usize,
}

type Shared = Arc<Mutex<Sites>>;

fn form(body: &Bytes) -> Vec<(String, String)> {
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
        Some(_) => Some(wp_error(
            StatusCode::UNAUTHORIZED,
            "incorrect_password",
            "The provided password is an invalid application password.",
        )),
        None => Some(wp_error(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        )),
    }
}

fn wp_object(id: u64, body: &Value) -> Value {
    let slug = body["slug"].as_str().unwrap_or_default();
    json!({
        "id": id,
        "date": "2026-12-03T16:00:00",
        "slug": slug,
        "status": body["status"],
        "type": "post",
        "link": format!("https://blog.example.com/2026/12/03/{slug}/"),
        "title": {"raw": body["title"], "rendered": body["title"]},
        "content": {"raw": body["content"], "rendered": body["content"], "protected": false},
    })
}

async fn wp_create(State(sites): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).expect("JSON body");
    let mut sites = sites.lock().unwrap();
    sites.wp_calls += 1;
    if sites.rate_limited > 0 {
        sites.rate_limited -= 1;
        let mut limited = HeaderMap::new();
        limited.insert("retry-after", "42".parse().unwrap());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            limited,
            Json(json!({"code": "too_many_requests", "message": "Slow down."})),
        )
            .into_response();
    }
    if sites.failing > 0 {
        sites.failing -= 1;
        return wp_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "There has been a critical error on this website.",
        );
    }
    if body["content"].as_str().unwrap_or_default().is_empty() {
        return wp_error(
            StatusCode::BAD_REQUEST,
            "empty_content",
            "Content, title, and excerpt are empty.",
        );
    }
    let id = 100 + sites.wp_posts.len() as u64;
    sites.wp_posts.push((id, body.clone()));
    if sites.losing > 0 {
        sites.losing -= 1;
        return wp_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Unavailable",
        );
    }
    (StatusCode::CREATED, Json(wp_object(id, &body))).into_response()
}

async fn wp_list(
    State(sites): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = wp_authorized(&headers) {
        return refused;
    }
    assert_eq!(query.get("context").map(String::as_str), Some("edit"));
    assert!(query["status"].split(',').any(|s| s == "pending"));
    let sites = sites.lock().unwrap();
    let found: Vec<Value> = sites
        .wp_posts
        .iter()
        .filter(|(_, body)| body["slug"].as_str() == query.get("slug").map(String::as_str))
        .map(|(id, body)| wp_object(*id, body))
        .collect();
    Json(found).into_response()
}

fn mp_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn mp_authorized(headers: &HeaderMap) -> Option<Response> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == format!("Bearer {MICROPUB_TOKEN}") => None,
        Some(_) => Some(mp_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The token does not have the create scope.",
        )),
        None => Some(mp_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "No access token was provided.",
        )),
    }
}

async fn mp_create(State(sites): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = mp_authorized(&headers) {
        return refused;
    }
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let fields = form(&body);
    let mut sites = sites.lock().unwrap();
    if sites.rate_limited > 0 {
        sites.rate_limited -= 1;
        let mut limited = HeaderMap::new();
        limited.insert("retry-after", "17".parse().unwrap());
        return (StatusCode::TOO_MANY_REQUESTS, limited, "slow down").into_response();
    }
    if field(&fields, "h") != Some("entry") {
        return mp_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Only h=entry is supported.",
        );
    }
    if field(&fields, "content").is_none_or(str::is_empty) {
        return mp_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing content.",
        );
    }
    sites.mp_posts.push(fields);
    let n = sites.mp_posts.len();
    if sites.losing > 0 {
        sites.losing -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let mut location = HeaderMap::new();
    // A relative Location, which the client resolves against the endpoint.
    location.insert("location", format!("/notes/{n}").parse().unwrap());
    let status = if sites.mp_accepted {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    (status, location).into_response()
}

async fn mp_query(
    State(sites): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = mp_authorized(&headers) {
        return refused;
    }
    let sites = sites.lock().unwrap();
    if query.get("q").map(String::as_str) != Some("source") || sites.mp_no_source {
        return mp_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Unsupported query.",
        );
    }
    let items: Vec<Value> = sites
        .mp_posts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, fields)| {
            json!({"type": ["h-entry"], "properties": {
                "content": [field(fields, "content")],
                "url": [format!("https://site.example/notes/{}", i + 1)],
            }})
        })
        .collect();
    Json(json!({"items": items})).into_response()
}

fn fb_error(status: StatusCode, code: i64, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {
            "message": message, "type": kind, "code": code,
            "error_subcode": 2_207_051, "fbtrace_id": "AbCdEf123"
        }})),
    )
        .into_response()
}

async fn fb_feed(State(sites): State<Shared>, Path(page): Path<String>, body: Bytes) -> Response {
    let fields = form(&body);
    if field(&fields, "access_token") != Some(PAGE_TOKEN) {
        return fb_error(
            StatusCode::BAD_REQUEST,
            190,
            "OAuthException",
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    assert_eq!(page, PAGE_ID);
    let mut sites = sites.lock().unwrap();
    sites.fb_calls += 1;
    if sites.fb_throttled > 0 {
        sites.fb_throttled -= 1;
        let usage = format!(
            r#"{{"{PAGE_ID}":[{{"type":"pages","call_count":100,"total_cputime":12,"total_time":30,"estimated_time_to_regain_access":3}}]}}"#
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-business-use-case-usage", usage.parse().unwrap());
        return (
            StatusCode::FORBIDDEN,
            headers,
            Json(json!({"error": {
                "message": "(#32) Page request limit reached", "type": "OAuthException",
                "code": 32, "fbtrace_id": "Thr0ttled"
            }})),
        )
            .into_response();
    }
    if sites.rate_limited > 0 {
        sites.rate_limited -= 1;
        return fb_error(
            StatusCode::BAD_REQUEST,
            4,
            "OAuthException",
            "(#4) Application request limit reached",
        );
    }
    if sites.failing > 0 {
        sites.failing -= 1;
        return fb_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "OAuthException",
            "An unexpected error has occurred. Please retry your request later.",
        );
    }
    let message = field(&fields, "message").unwrap_or_default().to_string();
    if message.chars().count() > 63_206 {
        return fb_error(
            StatusCode::BAD_REQUEST,
            100,
            "OAuthException",
            "(#100) Param message must be at most 63206 characters long.",
        );
    }
    if sites
        .fb_posts
        .iter()
        .any(|earlier| field(earlier, "message") == Some(&message))
    {
        return fb_error(
            StatusCode::BAD_REQUEST,
            506,
            "OAuthException",
            "Duplicate status message",
        );
    }
    sites.fb_posts.push(fields);
    let id = format!("{PAGE_ID}_{}", 900 + sites.fb_posts.len());
    if sites.losing > 0 {
        sites.losing -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    Json(json!({"id": id})).into_response()
}

async fn fb_published(
    State(sites): State<Shared>,
    Path(page): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query.get("access_token").map(String::as_str) != Some(PAGE_TOKEN) {
        return fb_error(
            StatusCode::BAD_REQUEST,
            190,
            "OAuthException",
            "Invalid OAuth access token.",
        );
    }
    assert_eq!(page, PAGE_ID);
    let sites = sites.lock().unwrap();
    let data: Vec<Value> = sites
        .fb_posts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, fields)| {
            let id = format!("{PAGE_ID}_{}", 901 + i);
            json!({"id": id, "message": field(fields, "message"),
                   "permalink_url": format!("https://www.facebook.com/acme/posts/{}", 901 + i),
                   "created_time": "2026-12-03T16:00:00+0000"})
        })
        .collect();
    Json(json!({"data": data, "paging": {}})).into_response()
}

async fn start() -> (Url, Shared) {
    let sites: Shared = Arc::default();
    let app = Router::new()
        .route("/wp-json/wp/v2/posts", post(wp_create).get(wp_list))
        .route("/micropub", post(mp_create).get(mp_query))
        .route("/v21.0/{page}/feed", post(fb_feed))
        .route("/v21.0/{page}/published_posts", get(fb_published))
        .with_state(sites.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Url::parse(&format!("http://localhost:{port}/")).unwrap(),
        sites,
    )
}

fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn text(text: &str) -> Outgoing {
    Outgoing {
        text: text.into(),
        ..Outgoing::default()
    }
}

fn wordpress(base: &Url, password: &str) -> WordPressPublisher {
    WordPressPublisher::new(fetcher(), base.clone(), WP_USER.into(), password.into())
}

#[tokio::test]
async fn wordpress_posts_escaped_html_and_finds_a_lost_post_by_its_slug() {
    let (base, sites) = start().await;
    let wp = wordpress(&base, WP_PASSWORD);
    assert_eq!(wp.name(), "WordPress");
    assert!(!wp.length_rule().is_limited());
    // No limit: a long text is never refused here.
    assert!(wp.length("x".repeat(50_000).as_str()) <= wp.max_length());

    let post = text("Kettle v2 is out <script>alert(1)</script>\n\nRead the notes & enjoy.");
    let sent = wp.publish(&post, "draft-7-account-3").await.expect("sent");
    assert_eq!(sent.native_id, "100");
    let slug = publish::wordpress::slug_for("draft-7-account-3");
    assert_eq!(
        sent.url.as_deref(),
        Some(format!("https://blog.example.com/2026/12/03/{slug}/").as_str())
    );
    {
        let sites = sites.lock().unwrap();
        let body = &sites.wp_posts[0].1;
        assert_eq!(body["status"], "publish");
        assert_eq!(body["slug"], slug.as_str());
        assert_eq!(
            body["title"],
            "Kettle v2 is out &lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            body["content"],
            "<p>Kettle v2 is out &lt;script&gt;alert(1)&lt;/script&gt;</p>\n\
             <p>Read the notes &amp; enjoy.</p>"
        );
    }

    // The answer is lost: the outcome is unknown, and the lookup by slug finds the post.
    sites.lock().unwrap().losing = 1;
    let lost = text("A second post");
    let error = wp.publish(&lost, "key-2").await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    let found = wp
        .find_published(&lost, "key-2")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.native_id, "101");
    assert_eq!(wp.find_published(&lost, "never-sent").await, Ok(None));
    assert_eq!(sites.lock().unwrap().wp_posts.len(), 2);

    // Polls and replies are refused before any request.
    let poll = Outgoing {
        poll: Some(PollSpec {
            options: vec!["a".into(), "b".into()],
            duration: Duration::from_secs(3600),
        }),
        ..text("poll")
    };
    assert!(matches!(
        wp.publish(&poll, "k").await,
        Err(PublishError::NotSupported(_))
    ));
    assert_eq!(sites.lock().unwrap().wp_calls, 2);
}

#[tokio::test]
async fn wordpress_refusals_map_to_publish_errors() {
    let (base, sites) = start().await;
    let wrong = wordpress(&base, "wrong password");
    assert_eq!(
        wrong.publish(&text("hi"), "k").await.unwrap_err(),
        PublishError::Unauthorized {
            network: "WordPress",
            message: "The provided password is an invalid application password. \
                      (incorrect_password)"
                .into()
        }
    );
    let wp = wordpress(&base, WP_PASSWORD);
    sites.lock().unwrap().rate_limited = 1;
    match wp.publish(&text("hi"), "k").await.unwrap_err() {
        PublishError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(42))
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    sites.lock().unwrap().failing = 1;
    let error = wp.publish(&text("hi"), "k").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Transient {
            network: "WordPress",
            message: "There has been a critical error on this website. (internal_server_error)"
                .into()
        }
    );
    let error = wp.publish(&text("   "), "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("empty_content")),
        "{error:?}"
    );
    wp.publish(&text("hi"), "k").await.expect("sent");
}

#[tokio::test]
async fn micropub_posts_a_form_encoded_entry_and_reads_its_location() {
    let (base, sites) = start().await;
    let endpoint = base.join("micropub").unwrap();
    let mp = MicropubPublisher::new(fetcher(), endpoint.clone(), MICROPUB_TOKEN.into());
    assert_eq!(mp.name(), "Micropub");
    let sent = mp
        .publish(&text("Hello from rapport & friends"), "k1")
        .await
        .expect("sent");
    let expected = base.join("/notes/1").unwrap().to_string();
    assert_eq!(sent.native_id, expected);
    assert_eq!(sent.url.as_deref(), Some(expected.as_str()));
    // 202 Accepted carries the future URL too.
    sites.lock().unwrap().mp_accepted = true;
    let reply = Outgoing {
        in_reply_to: Some("https://other.example/post/9".into()),
        ..text("Thanks!")
    };
    let sent = mp.publish(&reply, "k2").await.expect("accepted");
    assert!(sent.native_id.ends_with("/notes/2"));
    {
        let sites = sites.lock().unwrap();
        assert_eq!(
            sites.mp_posts[0],
            vec![
                ("h".to_string(), "entry".to_string()),
                ("content".into(), "Hello from rapport & friends".into())
            ]
        );
        assert_eq!(
            field(&sites.mp_posts[1], "in-reply-to"),
            Some("https://other.example/post/9")
        );
    }
    // A reply to something that is not a URL cannot be sent.
    let bad = Outgoing {
        in_reply_to: Some("12345".into()),
        ..text("x")
    };
    assert!(matches!(
        mp.publish(&bad, "k3").await,
        Err(PublishError::NotSupported(_))
    ));

    // Lost answer: found through q=source by its content.
    sites.lock().unwrap().losing = 1;
    let lost = text("Lost in transit");
    assert!(mp.publish(&lost, "k4").await.unwrap_err().is_retryable());
    let found = mp.find_published(&lost, "k4").await.expect("read");
    assert_eq!(
        found.map(|p| p.native_id),
        Some("https://site.example/notes/3".into())
    );
    assert_eq!(mp.find_published(&text("nope"), "k5").await, Ok(None));
    // An endpoint without q=source: None (a resend may duplicate; logged).
    sites.lock().unwrap().mp_no_source = true;
    assert_eq!(mp.find_published(&lost, "k4").await, Ok(None));
}

#[tokio::test]
async fn micropub_refusals_map_to_publish_errors() {
    let (base, sites) = start().await;
    let endpoint = base.join("micropub").unwrap();
    let wrong = MicropubPublisher::new(fetcher(), endpoint.clone(), "read-only".into());
    assert_eq!(
        wrong.publish(&text("hi"), "k").await.unwrap_err(),
        PublishError::Unauthorized {
            network: "Micropub",
            message: "The token does not have the create scope. (insufficient_scope)".into()
        }
    );
    let mp = MicropubPublisher::new(fetcher(), endpoint, MICROPUB_TOKEN.into());
    assert_eq!(
        mp.publish(&text(""), "k").await.unwrap_err(),
        PublishError::Rejected {
            network: "Micropub",
            message: "Missing content. (invalid_request)".into()
        }
    );
    sites.lock().unwrap().rate_limited = 1;
    assert!(matches!(
        mp.publish(&text("hi"), "k").await.unwrap_err(),
        PublishError::RateLimited { retry_after, .. } if retry_after == Duration::from_secs(17)
    ));
}

fn facebook(base: &Url, token: &str) -> FacebookPublisher {
    FacebookPublisher::new(
        fetcher(),
        base.join("v21.0").unwrap(),
        PAGE_ID.into(),
        token.into(),
    )
}

#[tokio::test]
async fn facebook_posts_to_the_page_feed_and_reconciles_duplicates() {
    let (base, sites) = start().await;
    let fb = facebook(&base, PAGE_TOKEN);
    assert_eq!(fb.network(), rapport_model::Network::Facebook);
    assert_eq!(fb.length_rule(), LengthRule::Facebook);
    assert_eq!(fb.max_length(), 63_206);
    let post = text("Our new kettle is here ☕ https://acme.example/kettle");
    let sent = fb.publish(&post, "k1").await.expect("sent");
    assert_eq!(sent.native_id, format!("{PAGE_ID}_901"));
    assert_eq!(
        sent.url.as_deref(),
        Some(format!("https://www.facebook.com/{PAGE_ID}_901").as_str())
    );
    {
        let sites = sites.lock().unwrap();
        assert_eq!(
            field(&sites.fb_posts[0], "message"),
            Some(post.text.as_str())
        );
        assert_eq!(field(&sites.fb_posts[0], "access_token"), Some(PAGE_TOKEN));
    }
    // The answer is lost; a lookup finds the post...
    sites.lock().unwrap().losing = 1;
    let lost = text("Second announcement");
    assert!(fb.publish(&lost, "k2").await.unwrap_err().is_retryable());
    let found = fb
        .find_published(&lost, "k2")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.native_id, format!("{PAGE_ID}_902"));
    assert_eq!(
        found.url.as_deref(),
        Some("https://www.facebook.com/acme/posts/902")
    );
    // ...and a blind resend gets 506 "Duplicate status message", answered by the lookup.
    let again = fb.publish(&lost, "k2").await.expect("reconciled");
    assert_eq!(again, found);
    assert_eq!(sites.lock().unwrap().fb_posts.len(), 2);
    assert_eq!(fb.find_published(&text("never"), "k").await, Ok(None));
}

#[tokio::test]
async fn facebook_errors_keep_the_code_and_trace_and_rate_limits_wait() {
    let (base, sites) = start().await;
    let wrong = facebook(&base, "expired");
    let error = wrong.publish(&text("hi"), "k").await.unwrap_err();
    assert_eq!(
        error,
        PublishError::Unauthorized {
            network: "Facebook",
            message: "(#190) Invalid OAuth access token - Cannot parse access token \
                      [subcode 2207051] [fbtrace_id AbCdEf123]"
                .into()
        }
    );
    let fb = facebook(&base, PAGE_TOKEN);
    // Code 32 with the business use case header: its estimated time.
    sites.lock().unwrap().fb_throttled = 1;
    assert_eq!(
        fb.publish(&text("hi"), "k").await.unwrap_err(),
        PublishError::RateLimited {
            network: "Facebook",
            retry_after: Duration::from_secs(180)
        }
    );
    // Code 4 without it: the default wait.
    sites.lock().unwrap().rate_limited = 1;
    assert_eq!(
        fb.publish(&text("hi"), "k").await.unwrap_err(),
        PublishError::RateLimited {
            network: "Facebook",
            retry_after: Duration::from_secs(600)
        }
    );
    sites.lock().unwrap().failing = 1;
    let error = fb.publish(&text("hi"), "k").await.unwrap_err();
    assert!(
        matches!(&error, PublishError::Transient { message, .. } if message.starts_with("(#2) An unexpected error")),
        "{error:?}"
    );
    let error = fb
        .publish(&text(&"é".repeat(63_207)), "k")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PublishError::Rejected { message, .. } if message.contains("(#100)")),
        "{error:?}"
    );
    fb.publish(&text("hi"), "k").await.expect("sent");
    assert_eq!(sites.lock().unwrap().fb_calls, 5);
}

#[tokio::test]
async fn build_knows_the_new_kinds_and_checks_their_settings() {
    let (base, _sites) = start().await;
    for kind in ["wordpress", "micropub", "facebook"] {
        assert!(publish::ACCOUNT_KINDS.contains(&kind));
    }
    let wp = publish::build(
        "wordpress",
        &json!({"site": base.as_str(), "username": WP_USER}),
        WP_PASSWORD,
        fetcher(),
    )
    .expect("built");
    wp.publish(&text("built"), "k").await.expect("sent");
    let shown = format!("{:?}", wordpress(&base, WP_PASSWORD));
    assert!(!shown.contains(WP_PASSWORD), "{shown}");

    let mp = publish::build(
        "micropub",
        &json!({"endpoint": base.join("micropub").unwrap().as_str()}),
        MICROPUB_TOKEN,
        fetcher(),
    )
    .expect("built");
    assert_eq!(mp.name(), "Micropub");
    mp.publish(&text("built"), "k").await.expect("sent");

    let fb = publish::build(
        "facebook",
        &json!({"page_id": PAGE_ID, "api": base.join("v21.0").unwrap().as_str()}),
        PAGE_TOKEN,
        fetcher(),
    )
    .expect("built");
    fb.publish(&text("built"), "k").await.expect("sent");
    let shown = format!("{:?}", facebook(&base, PAGE_TOKEN));
    assert!(!shown.contains(PAGE_TOKEN), "{shown}");
    // The default Graph API needs no setting.
    publish::build("facebook", &json!({"page_id": PAGE_ID}), "t", fetcher()).expect("default");

    for (kind, settings) in [
        ("wordpress", json!({"site": "not a url", "username": "u"})),
        ("wordpress", json!({"site": "https://b.example"})),
        ("micropub", json!({})),
        ("facebook", json!({"page_id": "../me"})),
        ("facebook", json!({"page_id": "1", "extra": true})),
    ] {
        let Err(error) = publish::build(kind, &settings, "t", fetcher()) else {
            panic!("{kind} {settings} was accepted");
        };
        assert!(
            matches!(error, PublishError::NotSupported(_)),
            "{kind} {settings}: {error:?}"
        );
    }
}
