//! The comments on a Facebook Page's posts, against a local server answering like the Graph
//! API:
//! - `GET /v21.0/{page-id}/published_posts?fields=id,comments.filter(stream).order(
//!   reverse_chronological).limit(25){...}` → `{"data": [{"id", "comments": {"data":
//!   [comment], "paging": {"cursors": {"before", "after"}, "next"?}}}], "paging": {...}}`
//!   (<https://developers.facebook.com/docs/graph-api/reference/page/published_posts/>,
//!   field expansion: <https://developers.facebook.com/docs/graph-api/guides/field-expansion/>);
//! - `GET /v21.0/{post-id}/comments?after=<cursor>` → `{"data": [comment], "paging":
//!   {"cursors": {"before", "after"}, "next"?}}`
//!   (<https://developers.facebook.com/docs/graph-api/reference/object/comments/>, cursor
//!   paging: <https://developers.facebook.com/docs/graph-api/results/>);
//! - a comment is `{"id", "message", "from": {"id", "name"}, "created_time":
//!   "2026-12-03T16:00:00+0000", "permalink_url", "parent"?: {"id"}, "like_count",
//!   "comment_count"}` (<https://developers.facebook.com/docs/graph-api/reference/comment/>);
//! - errors `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`
//!   (<https://developers.facebook.com/docs/graph-api/guides/error-handling>), throttling
//!   with `X-Business-Use-Case-Usage`
//!   (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>).

use crate::script::{build, drain, Reply, Server};
use rapport_model::Network;
use rapport_sources::connectors::facebook_comments::{
    FacebookCommentsConfig, FacebookCommentsSource,
};
use rapport_sources::source::SourceError;
use serde_json::{json, Value};
use std::time::Duration;

const PAGE_ID: &str = "104857600123";
const TOKEN: &str = "EAAG-page-token";
const POST_A: &str = "104857600123_5550001";
const POST_B: &str = "104857600123_5550002";

/// A comment by a customer (`who`: id and name), at 16:`minute` on 3 December 2026.
fn comment(id: &str, who: (&str, &str), minute: u32, text: &str) -> Value {
    json!({
        "id": id,
        "message": text,
        "from": {"id": who.0, "name": who.1},
        "created_time": format!("2026-12-03T16:{minute:02}:00+0000"),
        "permalink_url": format!("https://www.facebook.com/acme/posts/5550001?comment_id={}",
            id.rsplit('_').next().unwrap()),
        "like_count": 2,
        "comment_count": 0,
    })
}

const ANNA: (&str, &str) = ("6100000000001", "Anna K");
const BOB: (&str, &str) = ("6100000000002", "Bob");
const PAGE: (&str, &str) = (PAGE_ID, "Acme");

/// Comments newest first, as `order=reverse_chronological` gives them, with a next page when
/// `after` is given.
fn comments(items: Vec<Value>, after: Option<&str>) -> Value {
    let mut paging =
        json!({"cursors": {"before": "QVFIUmJl", "after": after.unwrap_or("QVFIUmVu")}});
    if let Some(after) = after {
        paging["next"] = json!(format!(
            "https://graph.facebook.com/v21.0/{POST_A}/comments?access_token=x&after={after}"
        ));
    }
    json!({"data": items, "paging": paging})
}

fn posts(items: Vec<Value>) -> String {
    json!({"data": items, "paging": {"cursors": {"before": "QVFIUnBv", "after": "QVFIUnBw"}}})
        .to_string()
}

fn source(server: &Server) -> Box<dyn rapport_sources::source::Source> {
    build(
        "facebook_comments",
        json!({"page_id": PAGE_ID, "api": format!("{}/v21.0", server.base), "posts": 10}),
        Some(TOKEN),
    )
}

#[tokio::test]
async fn comments_on_the_pages_posts_arrive_once_as_posts() {
    let server = Server::start().await;
    let mut source = source(&server);
    assert_eq!(source.describe().kind, "facebook_comments");
    assert!(!source.describe().location.contains(TOKEN));

    // The first poll: the newest comments of the newest posts, the Page's own left out.
    server.then(Reply::ok(posts(vec![
        json!({"id": POST_A, "comments": comments(vec![
            comment("5550001_7003", PAGE, 10, "Sorry! We will replace it."),
            {
                let mut reply = comment("5550001_7002", BOB, 8, "Mine too!");
                reply["parent"] = json!({"id": "5550001_7001"});
                reply
            },
            comment("5550001_7001", ANNA, 5, "My kettle leaks, what do I do?"),
        ], None)}),
        json!({"id": POST_B}),
    ])));
    let first = source.poll(None).await.unwrap();
    let ids: Vec<&str> = first.posts.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(ids, ["5550001_7001", "5550001_7002"]);
    assert_eq!(first.wait, None);
    let anna = &first.posts[0];
    assert_eq!(anna.network, Network::Facebook);
    assert_eq!(anna.text, "My kettle leaks, what do I do?");
    assert_eq!(anna.author.handle, ANNA.0);
    assert_eq!(anna.author.display_name.as_deref(), Some("Anna K"));
    assert_eq!(
        anna.url.as_deref(),
        Some("https://www.facebook.com/acme/posts/5550001?comment_id=7001")
    );
    assert_eq!(anna.created_at.to_rfc3339(), "2026-12-03T16:05:00+00:00");
    assert_eq!(anna.reply_to.as_deref(), Some(POST_A));
    assert_eq!(anna.conversation_id.as_deref(), Some(POST_A));
    assert_eq!(anna.engagement.likes, 2);
    assert_eq!(first.posts[1].reply_to.as_deref(), Some("5550001_7001"));
    let seen = server.take_seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, format!("/v21.0/{PAGE_ID}/published_posts"));
    assert_eq!(seen[0].param("access_token"), Some(TOKEN));
    assert_eq!(seen[0].param("limit"), Some("10"));
    let fields = seen[0].param("fields").unwrap();
    assert!(
        fields.starts_with(
            "id,comments.filter(stream).order(reverse_chronological).limit(25){id,message,from,"
        ),
        "{fields}"
    );

    // Later: post A has more new comments than one page holds; the rest are read page by
    // page from its comments edge until a page reaches what was emitted.
    server
        .then(Reply::ok(posts(vec![
            json!({"id": POST_A, "comments": comments(vec![
                comment("5550001_7012", ANNA, 40, "Still waiting for an answer"),
                comment("5550001_7011", BOB, 39, "Any news?"),
            ], Some("QVFIUmFm"))}),
            json!({"id": POST_B, "comments": comments(vec![
                comment("5550002_7101", BOB, 20, "Where can I buy it?"),
            ], None)}),
        ])))
        .then(Reply::ok(
            comments(
                vec![
                    comment("5550001_7010", ANNA, 30, "Hello?"),
                    comment("5550001_7009", BOB, 25, "Is the shop open on Sunday?"),
                ],
                Some("QVFIUmFn"),
            )
            .to_string(),
        ))
        .then(Reply::ok(
            comments(
                vec![
                    comment("5550001_7008", ANNA, 12, "It is still leaking"),
                    // Already emitted, and older: the catch-up stops here.
                    comment("5550001_7002", BOB, 8, "Mine too!"),
                ],
                Some("QVFIUmFo"),
            )
            .to_string(),
        ));
    let (ids, checkpoint) = drain(source.as_mut(), first.checkpoint).await.unwrap();
    assert_eq!(
        ids,
        [
            "5550002_7101",
            "5550001_7011",
            "5550001_7012",
            "5550001_7009",
            "5550001_7010",
            "5550001_7008"
        ]
    );
    let seen = server.take_seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].path, format!("/v21.0/{POST_A}/comments"));
    assert_eq!(seen[1].param("after"), Some("QVFIUmFm"));
    assert_eq!(seen[1].param("filter"), Some("stream"));
    assert_eq!(seen[1].param("order"), Some("reverse_chronological"));
    assert_eq!(seen[1].param("access_token"), Some(TOKEN));
    assert_eq!(seen[2].param("after"), Some("QVFIUmFn"));

    // Nothing new: the same page again yields nothing.
    server.then(Reply::ok(posts(vec![
        json!({"id": POST_A, "comments": comments(vec![
        comment("5550001_7012", ANNA, 40, "Still waiting for an answer"),
        comment("5550001_7011", BOB, 39, "Any news?"),
    ], None)}),
    ])));
    let (ids, _) = drain(source.as_mut(), checkpoint).await.unwrap();
    assert!(ids.is_empty(), "{ids:?}");
}

#[tokio::test]
async fn comments_without_text_are_skipped_and_counted() {
    let server = Server::start().await;
    let mut source = source(&server);
    let mut sticker = comment("5550001_7020", ANNA, 1, "");
    sticker.as_object_mut().unwrap().remove("message");
    let mut undated = comment("5550001_7021", BOB, 2, "when?");
    undated["created_time"] = json!("yesterday");
    let mut hidden = comment("5550001_7022", BOB, 3, "no name");
    hidden.as_object_mut().unwrap().remove("from");
    server.then(Reply::ok(posts(vec![
        json!({"id": POST_A, "comments": comments(vec![hidden, undated, sticker], None)}),
    ])));
    let poll = source.poll(None).await.unwrap();
    assert_eq!(poll.skipped, 2);
    assert_eq!(poll.posts.len(), 1);
    assert_eq!(poll.posts[0].author.handle, "unknown");
}

#[tokio::test]
async fn refusals_are_waits_token_errors_and_failures() {
    let server = Server::start().await;
    let mut source = source(&server);
    let checkpoint = Some("{}");
    let graph_error = |code: i64, subcode: Option<i64>, message: &str| {
        let mut error = json!({"message": message, "type": "OAuthException", "code": code,
                               "fbtrace_id": "AbCdEf123"});
        if let Some(subcode) = subcode {
            error["error_subcode"] = json!(subcode);
        }
        json!({ "error": error }).to_string()
    };

    // Throttled (code 32, HTTP 403): a wait, the checkpoint kept.
    server.then(
        Reply::status(403, &graph_error(32, None, "(#32) Page request limit reached")).header(
            "x-business-use-case-usage",
            format!(
                r#"{{"{PAGE_ID}":[{{"type":"pages","call_count":100,"total_cputime":10,"total_time":20,"estimated_time_to_regain_access":6}}]}}"#
            ),
        ),
    );
    let poll = source.poll(checkpoint).await.unwrap();
    assert!(poll.posts.is_empty());
    assert_eq!(poll.checkpoint, None);
    assert_eq!(poll.wait, Some(Duration::from_secs(360)));

    // An expired token is HTTP 400 with code 190: the token is the problem.
    server.then(Reply::status(
        400,
        &graph_error(
            190,
            Some(463),
            "Error validating access token: Session has expired",
        ),
    ));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(
        matches!(&error, SourceError::Unauthorized { status: 400, url, .. } if !url.contains(TOKEN)),
        "{error}"
    );

    // A missing permission (code 10) as well.
    server.then(Reply::status(
        403,
        &graph_error(
            10,
            None,
            "(#10) This endpoint requires the 'pages_read_engagement' permission",
        ),
    ));
    assert!(matches!(
        source.poll(checkpoint).await.unwrap_err(),
        SourceError::Unauthorized { .. }
    ));

    // A Page id the API does not know: the configuration is wrong.
    server.then(Reply::status(
        404,
        &graph_error(
            803,
            None,
            "(#803) Some of the aliases you requested do not exist: 104857600123",
        ),
    ));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(
        matches!(&error, SourceError::Config { message, .. } if message.contains("(#803)")),
        "{error}"
    );

    // A 5xx: a failure the runner backs off from.
    server.then(Reply::status(
        500,
        &graph_error(
            2,
            None,
            "An unexpected error has occurred. Please retry your request later.",
        ),
    ));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(matches!(error, SourceError::Fetch(_)), "{error}");
    assert!(error.to_string().contains("500"), "{error}");
    assert!(!error.to_string().contains(TOKEN), "{error}");

    // A 200 that is not the Graph API's document.
    server.then(Reply::ok("<html>captive portal</html>"));
    let error = source.poll(checkpoint).await.unwrap_err();
    assert!(matches!(error, SourceError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("facebook"), "{error}");
}

#[tokio::test]
async fn settings_are_checked_when_the_source_is_built() {
    let fetcher = crate::script::fetcher();
    let build = |config: Value, token: Option<&str>| {
        rapport_sources::connectors::build(
            "facebook_comments",
            "fb",
            &config.to_string(),
            token.map(str::to_string),
            fetcher.clone(),
        )
    };
    assert!(rapport_sources::connectors::POLLED_KINDS.contains(&"facebook_comments"));
    for (config, token) in [
        (json!({"page_id": "../me"}), Some(TOKEN)),
        (json!({"page_id": PAGE_ID, "posts": 0}), Some(TOKEN)),
        (json!({"page_id": PAGE_ID, "posts": 101}), Some(TOKEN)),
        (
            json!({"page_id": PAGE_ID, "api": "ftp://graph"}),
            Some(TOKEN),
        ),
        (json!({"page_id": PAGE_ID, "extra": 1}), Some(TOKEN)),
        (json!({"page_id": PAGE_ID}), None),
    ] {
        let Err(error) = build(config.clone(), token) else {
            panic!("{config} was accepted");
        };
        assert!(
            matches!(error, SourceError::Config { .. }),
            "{config}: {error}"
        );
    }
    let built = build(json!({"page_id": PAGE_ID}), Some(TOKEN)).expect("built");
    assert!(built
        .describe()
        .location
        .starts_with("https://graph.facebook.com/v21.0/104857600123"));
    let direct = FacebookCommentsSource::new(
        "fb",
        FacebookCommentsConfig {
            page_id: PAGE_ID.into(),
            posts: None,
            api: None,
        },
        Some(TOKEN.into()),
        fetcher.clone(),
    )
    .expect("built");
    let shown = format!("{direct:?}");
    assert!(shown.contains(PAGE_ID) && !shown.contains(TOKEN), "{shown}");
}
