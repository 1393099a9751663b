//! The guarded HTTP client against a real local server: the SSRF guard (names, literals,
//! redirects), size and time limits, conditional GET and rate-limit headers.
//!
//! Header shapes follow RFC 9110 (Retry-After, ETag, 304) and the Mastodon rate-limit
//! documentation, https://docs.joinmastodon.org/api/rate-limits/ .

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rapport_sources::http::{
    FetchError, FetchLimits, FetchOutcome, FetchRequest, Fetcher, SafetyPolicy, Validators,
};
use reqwest::Url;
use std::net::SocketAddr;
use std::time::Duration;

async fn serve() -> SocketAddr {
    let app = Router::new()
        .route("/ok", get(|| async { "hello" }))
        .route(
            "/to-loopback-literal",
            get(
                |axum::extract::State(port): axum::extract::State<u16>| async move {
                    Redirect::temporary(&format!("http://127.0.0.1:{port}/ok"))
                },
            ),
        )
        .route("/to-ok", get(|| async { Redirect::temporary("/ok") }))
        .route("/big", get(|| async { "x".repeat(100_000) }))
        .route(
            "/big-chunked",
            get(|| async {
                let chunks = (0..100).map(|_| Ok::<_, std::io::Error>("y".repeat(1_000)));
                axum::body::Body::from_stream(futures_util::stream::iter(chunks))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route("/etag", get(etag))
        .route(
            "/limited",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "30")],
                    "slow down",
                )
            }),
        )
        .route(
            "/mastodon",
            get(|| async {
                (
                    [
                        ("X-RateLimit-Limit", "300"),
                        ("X-RateLimit-Remaining", "0"),
                        ("X-RateLimit-Reset", "2999-01-01T00:00:00.000Z"),
                    ],
                    "[]",
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app.with_state(addr.port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn etag(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == "\"v1\"")
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::ETAG, "\"v1\"")], "fresh").into_response()
}

fn fetcher(policy: SafetyPolicy) -> Fetcher {
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

fn allow_localhost() -> SafetyPolicy {
    SafetyPolicy {
        allow_private: false,
        allow: vec!["localhost".parse().unwrap()],
    }
}

fn url(addr: SocketAddr, host: &str, path: &str) -> Url {
    Url::parse(&format!("http://{host}:{}{path}", addr.port())).unwrap()
}

async fn body(fetcher: &Fetcher, url: Url) -> Result<String, FetchError> {
    match fetcher.get(FetchRequest::get(url)).await? {
        FetchOutcome::Fresh(f) => Ok(String::from_utf8(f.body).unwrap()),
        FetchOutcome::NotModified { .. } => panic!("unexpected 304"),
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
    let addr = serve().await;
    let strict = fetcher(SafetyPolicy::public_only());
    let err = body(&strict, url(addr, "localhost", "/ok"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("loopback"), "{err}");

    let allowed = fetcher(allow_localhost());
    assert_eq!(
        body(&allowed, url(addr, "localhost", "/ok")).await.unwrap(),
        "hello"
    );
    // A redirect within the allowed host is followed.
    assert_eq!(
        body(&allowed, url(addr, "localhost", "/to-ok"))
            .await
            .unwrap(),
        "hello"
    );

    let by_network = fetcher(SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.0/8".parse().unwrap()],
    });
    assert_eq!(
        body(&by_network, url(addr, "127.0.0.1", "/ok"))
            .await
            .unwrap(),
        "hello"
    );
}

#[tokio::test]
async fn a_redirect_from_an_allowed_host_to_a_private_address_is_refused() {
    let addr = serve().await;
    let allowed = fetcher(allow_localhost());
    let err = body(&allowed, url(addr, "localhost", "/to-loopback-literal"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused { .. }), "{err}");
}

#[tokio::test]
async fn literal_and_v4_mapped_loopback_addresses_are_refused() {
    let addr = serve().await;
    let strict = fetcher(SafetyPolicy::public_only());
    for host in [
        "127.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::1]",
    ] {
        let err = body(&strict, url(addr, host, "/ok")).await.unwrap_err();
        assert!(matches!(err, FetchError::Refused { .. }), "{host}: {err}");
    }
    let err = body(&strict, Url::parse("file:///etc/passwd").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::BadUrl { .. }), "{err}");
}

#[tokio::test]
async fn bodies_over_the_size_limit_are_cut_off() {
    let addr = serve().await;
    let limits = FetchLimits {
        max_bytes: 10_000,
        ..FetchLimits::default()
    };
    let small = Fetcher::new(allow_localhost(), limits).unwrap();
    for path in ["/big", "/big-chunked"] {
        let err = body(&small, url(addr, "localhost", path))
            .await
            .unwrap_err();
        assert!(
            matches!(err, FetchError::TooLarge { limit: 10_000, .. }),
            "{path}: {err}"
        );
    }
    assert_eq!(
        body(&small, url(addr, "localhost", "/ok")).await.unwrap(),
        "hello"
    );
}

#[tokio::test]
async fn slow_responses_time_out() {
    let addr = serve().await;
    let limits = FetchLimits {
        total_time: Duration::from_millis(300),
        ..FetchLimits::default()
    };
    let impatient = Fetcher::new(allow_localhost(), limits).unwrap();
    let err = body(&impatient, url(addr, "localhost", "/slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn a_conditional_get_answers_not_modified() {
    let addr = serve().await;
    let client = fetcher(allow_localhost());
    let first = client
        .get(FetchRequest::get(url(addr, "localhost", "/etag")))
        .await
        .unwrap();
    let FetchOutcome::Fresh(first) = first else {
        panic!("expected a body")
    };
    assert_eq!(first.validators.etag.as_deref(), Some("\"v1\""));
    let again = client
        .get(FetchRequest::get(url(addr, "localhost", "/etag")).if_changed(first.validators))
        .await
        .unwrap();
    assert!(matches!(again, FetchOutcome::NotModified { .. }));
    let stale = client
        .get(
            FetchRequest::get(url(addr, "localhost", "/etag")).if_changed(Validators {
                etag: Some("\"v0\"".into()),
                last_modified: None,
            }),
        )
        .await
        .unwrap();
    assert!(matches!(stale, FetchOutcome::Fresh(_)));
}

#[tokio::test]
async fn rate_limit_headers_say_when_to_call_again() {
    let addr = serve().await;
    let client = fetcher(allow_localhost());
    let err = client
        .get(FetchRequest::get(url(
            addr,
            "localhost",
            "/limited?token=SECRET",
        )))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 429, .. }),
        "{err}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(err.is_transient());
    assert!(!err.to_string().contains("SECRET"), "{err}");

    let ok = client
        .get(FetchRequest::get(url(addr, "localhost", "/mastodon")))
        .await
        .unwrap();
    let limit = ok.rate_limit();
    assert_eq!(limit.remaining, Some(0));
    // A reset far in the future is capped at a day.
    assert_eq!(limit.wait(), Some(rapport_sources::http::limits::MAX_WAIT));
}
