//! The one HTTP client setup every connector uses: the SSRF guard ([`guard`]), bounded
//! response size and time, conditional GET, and rate-limit hints ([`limits`]).
//!
//! [`Fetcher::get`] answers [`FetchOutcome::Fresh`] (a body within limits, with its
//! validators and rate-limit hints) or [`FetchOutcome::NotModified`]; every failure is a
//! [`FetchError`] naming the URL (without its query, which may hold keys), the status and why,
//! and saying when the server allows the next call ([`FetchError::retry_after`]).

pub mod guard;
pub mod limits;
pub mod stream;

pub use guard::{forbidden_range, AllowRule, Refused, SafetyPolicy, UrlRefused};
pub use limits::{parse_reset, parse_retry_after, Backoff, RateLimit};
pub use stream::{LiveStream, StreamRead, WebSocket};

use chrono::Utc;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{redirect, StatusCode, Url};
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Makes rustls's ring provider the process default, once.
///
/// reqwest is built without a bundled provider (aws-lc-sys was the slowest part of a cold
/// build); every reqwest client in the process, ours or a test's, needs one installed first.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error means another provider is already the default, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `reqwest::Client::builder()` with the TLS provider installed: the way to build any
/// other reqwest client in this workspace (tests talking to a local server included).
pub fn client_builder() -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
}

/// Bounds on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// Largest response body read, in bytes.
    pub max_bytes: u64,
    /// Longest a whole request may take, body included.
    pub total_time: Duration,
    /// Longest a connection may take to open.
    pub connect_time: Duration,
    /// Most redirects followed.
    pub max_redirects: usize,
    /// A stream that sends nothing for this long (not even a heartbeat) is dead.
    pub stream_idle_time: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            max_bytes: 8 * 1024 * 1024,
            total_time: Duration::from_secs(30),
            connect_time: Duration::from_secs(10),
            max_redirects: 5,
            stream_idle_time: Duration::from_secs(90),
        }
    }
}

/// Cache validators of a response, sent back to make the next GET conditional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    /// The `ETag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` date, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// A GET to make.
#[derive(Clone)]
pub struct FetchRequest {
    /// The URL.
    pub url: Url,
    /// Validators of the last response, for a conditional GET.
    pub validators: Validators,
    /// An `Authorization: Bearer` token; never logged or shown.
    bearer: Option<String>,
    /// The `Accept` header.
    pub accept: &'static str,
    /// A `User-Agent` replacing the client's (Reddit asks each app for its own).
    pub user_agent: Option<String>,
}

impl fmt::Debug for FetchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchRequest")
            .field("url", &redact_url(&self.url))
            .field("validators", &self.validators)
            .field("bearer", &self.bearer.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl FetchRequest {
    /// A plain GET of `url`.
    pub fn get(url: Url) -> FetchRequest {
        FetchRequest {
            url,
            validators: Validators::default(),
            bearer: None,
            accept: "application/json",
            user_agent: None,
        }
    }

    /// The same request, conditional on `validators`.
    pub fn if_changed(mut self, validators: Validators) -> FetchRequest {
        self.validators = validators;
        self
    }

    /// The same request, with `Accept: accept`.
    pub fn accept(mut self, accept: &'static str) -> FetchRequest {
        self.accept = accept;
        self
    }

    /// The same request, sent with this `User-Agent`.
    pub fn user_agent(mut self, user_agent: &str) -> FetchRequest {
        self.user_agent = Some(user_agent.to_string());
        self
    }

    /// The same request, authenticated with a bearer token.
    pub fn bearer(mut self, token: &str) -> FetchRequest {
        self.bearer = Some(token.to_string());
        self
    }
}

/// A response body within limits.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL finally answered (after redirects), without its query.
    pub url: String,
    /// The status (2xx).
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// Its validators, for the next conditional GET.
    pub validators: Validators,
    /// What the server said about calling again.
    pub rate_limit: RateLimit,
    /// The `Link` header (RFC 8288), which Mastodon pages with.
    pub link: Option<String>,
}

/// What a POST gave: any status, with its (bounded) body.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// What the server said about calling again.
    pub rate_limit: RateLimit,
    /// The `Location` header, as sent (Micropub answers a created post's URL there).
    pub location: Option<String>,
    /// The `X-Business-Use-Case-Usage` header (Facebook's Graph API reports its rate limits
    /// there, with `estimated_time_to_regain_access` in minutes).
    pub business_usage: Option<String>,
}

/// How a request made with [`Fetcher::send`] authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// `Authorization: Basic` (RFC 7617) with a user name and a password (WordPress
    /// application passwords).
    Basic {
        /// The user name.
        user: &'a str,
        /// The password.
        password: &'a str,
    },
}

impl fmt::Debug for Auth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials never appear in logs.
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer([redacted])"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, [redacted])"),
        }
    }
}

/// The body of a request made with [`Fetcher::send`].
#[derive(Debug, Clone, Copy)]
pub enum RequestBody<'a> {
    /// None.
    Empty,
    /// JSON (`application/json`).
    Json(&'a serde_json::Value),
    /// Form fields (`application/x-www-form-urlencoded`), repeated names allowed.
    Form(&'a [(&'a str, &'a str)]),
    /// Bytes sent as they are with their `Content-Type` (an image for Bluesky's
    /// `uploadBlob`, a `multipart/form-data` body built by the caller).
    Raw {
        /// The `Content-Type` header.
        content_type: &'a str,
        /// The body.
        bytes: &'a [u8],
    },
}

/// What a GET gave.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// A new body.
    Fresh(Fetched),
    /// 304: nothing changed since the validators sent.
    NotModified {
        /// What the server said about calling again.
        rate_limit: RateLimit,
    },
}

impl FetchOutcome {
    /// What the server said about calling again.
    pub fn rate_limit(&self) -> RateLimit {
        match self {
            FetchOutcome::Fresh(fetched) => fetched.rate_limit,
            FetchOutcome::NotModified { rate_limit } => *rate_limit,
        }
    }
}

/// Why a GET failed. Each variant names the URL without its query string.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be fetched at all (scheme, missing host).
    #[error("cannot fetch {url}: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The destination (or a redirect's) is an address the safety policy refuses.
    #[error("refused to fetch {url}: {reason}")]
    Refused {
        /// The URL.
        url: String,
        /// Which host and address, and why.
        reason: String,
    },
    /// The body is larger than allowed.
    #[error("{url}: the response exceeds {limit} bytes; stopped reading")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The request took longer than allowed.
    #[error("{url}: no complete response within {after:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// The limit.
        after: Duration,
    },
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}{}", .retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// When the server allows the next call (429 and 503 usually say).
        retry_after: Option<Duration>,
    },
    /// The connection failed (DNS, TCP, TLS, a broken body, too many redirects).
    #[error("{url}: {message}")]
    Network {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
}

impl FetchError {
    /// When the server allows the next call, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether retrying later could help (not for refused or malformed URLs).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::BadUrl { .. } | FetchError::Refused { .. } => false,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500 || *status == 408,
            _ => true,
        }
    }
}

/// The URL as it may be shown: scheme, host, port and path, no credentials, no query.
pub fn redact_url(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

/// The HTTP client of every connector. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    /// The same guard without the whole-request time bound, for streams that stay open.
    stream_client: reqwest::Client,
    policy: Arc<SafetyPolicy>,
    limits: FetchLimits,
}

impl Fetcher {
    /// A client enforcing `policy` and `limits`.
    pub fn new(policy: SafetyPolicy, limits: FetchLimits) -> Result<Fetcher, FetchError> {
        let policy = Arc::new(policy);
        let redirect_policy = || {
            let policy = policy.clone();
            let max = limits.max_redirects;
            redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max {
                    attempt.error(format!("more than {max} redirects"))
                } else if let Err(refused) = policy.check_url(attempt.url()) {
                    attempt.error(refused)
                } else {
                    attempt.follow()
                }
            })
        };
        let build = |bounded: bool| {
            let builder = client_builder()
                .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")))
                .dns_resolver(guard::GuardedResolver::new(policy.clone()))
                .redirect(redirect_policy())
                // A proxy would be resolved instead of the destination, bypassing the guard.
                .no_proxy()
                .connect_timeout(limits.connect_time);
            let builder = if bounded {
                builder.timeout(limits.total_time)
            } else {
                builder.read_timeout(limits.stream_idle_time)
            };
            builder.build().map_err(|e| FetchError::Network {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })
        };
        let client = build(true)?;
        let stream_client = build(false)?;
        Ok(Fetcher {
            client,
            stream_client,
            policy,
            limits,
        })
    }

    /// The safety policy it enforces.
    pub fn policy(&self) -> &SafetyPolicy {
        &self.policy
    }

    /// GETs `request.url` within the limits.
    pub async fn get(&self, request: FetchRequest) -> Result<FetchOutcome, FetchError> {
        let shown = redact_url(&request.url);
        self.check(&request.url, &shown)?;
        let limit = self.limits.total_time;
        match tokio::time::timeout(limit, self.get_unbounded(request, &shown)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                url: shown,
                after: limit,
            }),
        }
    }

    async fn get_unbounded(
        &self,
        request: FetchRequest,
        shown: &str,
    ) -> Result<FetchOutcome, FetchError> {
        let headers = request_headers(&request, shown)?;
        let mut response = self
            .client
            .get(request.url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.classify(e, shown))?;
        let status = response.status();
        let rate_limit = RateLimit::from_headers(response.headers(), Utc::now());
        let final_url = redact_url(response.url());
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified { rate_limit });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url,
                status: status.as_u16(),
                retry_after: rate_limit.wait(),
            });
        }
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
        };
        let link = header_text(header::LINK);
        let max = self.limits.max_bytes;
        let too_large = || FetchError::TooLarge {
            url: final_url.clone(),
            limit: max,
        };
        if response.content_length().is_some_and(|len| len > max) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(e, &final_url))?
        {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Fresh(Fetched {
            url: final_url,
            status: status.as_u16(),
            body,
            validators,
            rate_limit,
            link,
        }))
    }

    /// POSTs `body` as JSON to `url` under the same guard and bounds as [`Fetcher::get`],
    /// with an optional bearer token and extra headers (an `Idempotency-Key`, say). Any
    /// status comes back as a [`Posted`], so a caller can read the network's own message
    /// on a refusal; only transport failures are errors.
    pub async fn post_json(
        &self,
        url: &Url,
        bearer: Option<&str>,
        extra_headers: &[(&'static str, String)],
        body: &serde_json::Value,
    ) -> Result<Posted, FetchError> {
        let auth = bearer.map_or(Auth::None, Auth::Bearer);
        self.send(
            reqwest::Method::POST,
            url,
            auth,
            extra_headers,
            RequestBody::Json(body),
        )
        .await
    }

    /// GETs a JSON API `url` (XRPC queries, X's `GET /2/...`) with an optional bearer token,
    /// like [`Fetcher::post_json`]: any status comes back with its (bounded) body, so the
    /// caller reads the API's own error (`RecordNotFound`, say); no conditional headers.
    pub async fn get_json(&self, url: &Url, bearer: Option<&str>) -> Result<Posted, FetchError> {
        let auth = bearer.map_or(Auth::None, Auth::Bearer);
        self.send(reqwest::Method::GET, url, auth, &[], RequestBody::Empty)
            .await
    }

    /// Any request to a JSON API under the same guard and bounds as [`Fetcher::post_json`]:
    /// `method`, credentials, extra headers and a JSON or form body. Any status comes back
    /// as a [`Posted`] with its (bounded) body and its `Location` header; only transport
    /// failures are errors.
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: &Url,
        auth: Auth<'_>,
        extra_headers: &[(&'static str, String)],
        body: RequestBody<'_>,
    ) -> Result<Posted, FetchError> {
        let shown = redact_url(url);
        self.check(url, &shown)?;
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Auth::Basic { user, password } = auth {
            use base64::Engine as _;
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
                FetchError::BadUrl {
                    url: shown.clone(),
                    reason: "the credentials hold characters not allowed in a header".into(),
                }
            })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        if let Auth::Bearer(token) = auth {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                FetchError::BadUrl {
                    url: shown.clone(),
                    reason: "the token holds characters not allowed in a header".into(),
                }
            })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        for (name, value) in extra_headers {
            let value = HeaderValue::from_str(value).map_err(|_| FetchError::BadUrl {
                url: shown.clone(),
                reason: format!("header {name} holds characters not allowed in a header"),
            })?;
            headers.insert(*name, value);
        }
        let limit = self.limits.total_time;
        let max = self.limits.max_bytes;
        let send = async {
            let mut request = self.client.request(method, url.clone()).headers(headers);
            match body {
                RequestBody::Empty => {}
                RequestBody::Json(body) => request = request.json(body),
                RequestBody::Form(fields) => {
                    let mut encoder = url::form_urlencoded::Serializer::new(String::new());
                    for (name, value) in fields {
                        encoder.append_pair(name, value);
                    }
                    request = request
                        .header(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/x-www-form-urlencoded"),
                        )
                        .body(encoder.finish());
                }
                RequestBody::Raw {
                    content_type,
                    bytes,
                } => {
                    let value =
                        HeaderValue::from_str(content_type).map_err(|_| FetchError::BadUrl {
                            url: shown.clone(),
                            reason: "the content type is not a header value".into(),
                        })?;
                    request = request
                        .header(header::CONTENT_TYPE, value)
                        .body(bytes.to_vec());
                }
            }
            let mut response = request.send().await.map_err(|e| self.classify(e, &shown))?;
            let status = response.status().as_u16();
            let rate_limit = RateLimit::from_headers(response.headers(), Utc::now());
            let header_text = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let location = header_text("location");
            let business_usage = header_text("x-business-use-case-usage");
            let mut bytes = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.classify(e, &shown))?
            {
                if bytes.len() as u64 + chunk.len() as u64 > max {
                    return Err(FetchError::TooLarge {
                        url: shown.clone(),
                        limit: max,
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Posted {
                status,
                body: bytes,
                rate_limit,
                location,
                business_usage,
            })
        };
        match tokio::time::timeout(limit, send).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                url: shown,
                after: limit,
            }),
        }
    }

    /// Checks `url` against the guard before any connection, as every request does.
    pub(crate) fn check(&self, url: &Url, shown: &str) -> Result<(), FetchError> {
        self.policy.check_url(url).map_err(|refused| match refused {
            UrlRefused::Address(r) => FetchError::Refused {
                url: shown.to_string(),
                reason: r.to_string(),
            },
            other => FetchError::BadUrl {
                url: shown.to_string(),
                reason: other.to_string(),
            },
        })
    }

    /// Turns a reqwest error into ours, finding a refusal by the guard in its causes.
    pub(crate) fn classify(&self, error: reqwest::Error, shown: &str) -> FetchError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(e) = cause {
            if let Some(refused) = e.downcast_ref::<Refused>() {
                return FetchError::Refused {
                    url: shown.to_string(),
                    reason: refused.to_string(),
                };
            }
            if let Some(refused) = e.downcast_ref::<UrlRefused>() {
                return FetchError::Refused {
                    url: shown.to_string(),
                    reason: format!("a redirect was refused: {refused}"),
                };
            }
            if let Some(guard::ResolveError::Refused(refused)) =
                e.downcast_ref::<guard::ResolveError>()
            {
                return FetchError::Refused {
                    url: shown.to_string(),
                    reason: refused.to_string(),
                };
            }
            cause = e.source();
        }
        if error.is_timeout() {
            return FetchError::Timeout {
                url: shown.to_string(),
                after: self.limits.total_time,
            };
        }
        // reqwest's message can include the full URL with its query; say only what failed.
        let mut message = String::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
        while let Some(e) = cause {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&e.to_string());
            cause = e.source();
        }
        if message.is_empty() {
            message = if error.is_redirect() {
                "redirect failed".into()
            } else {
                "request failed".into()
            };
        }
        FetchError::Network {
            url: shown.to_string(),
            message,
        }
    }
}

/// The headers of a GET: `Accept`, validators, user agent, bearer token (marked sensitive).
pub(crate) fn request_headers(
    request: &FetchRequest,
    shown: &str,
) -> Result<HeaderMap, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static(request.accept));
    let mut add = |name, value: &Option<String>| {
        if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, v);
        }
    };
    add(header::IF_NONE_MATCH, &request.validators.etag);
    add(header::IF_MODIFIED_SINCE, &request.validators.last_modified);
    add(header::USER_AGENT, &request.user_agent);
    if let Some(token) = &request.bearer {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| FetchError::BadUrl {
                url: shown.to_string(),
                reason: "the token holds characters not allowed in a header".into(),
            })?;
        value.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, value);
    }
    Ok(headers)
}
