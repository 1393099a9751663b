//! A local HTTP server that records each request and answers the next scripted reply.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rapport_sources::http::{FetchLimits, Fetcher, SafetyPolicy};
use rapport_sources::source::{Source, SourceError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One scripted answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct State {
    replies: VecDeque<Reply>,
    seen: Vec<Seen>,
}

/// The server: its base URL, and the script.
pub struct Server {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub async fn start() -> Server {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, _body: Bytes| {
            let state = shared.clone();
            async move {
                let mut state = state.lock().unwrap();
                state.seen.push(Seen {
                    path: uri.path().to_string(),
                    query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                        .into_owned()
                        .collect(),
                    headers,
                });
                let Some(reply) = state.replies.pop_front() else {
                    return (StatusCode::IM_A_TEAPOT, "the script has no more replies")
                        .into_response();
                };
                let mut response: Response = reply.body.into_response();
                *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                for (name, value) in reply.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn then(&self, reply: Reply) -> &Server {
        self.state.lock().unwrap().replies.push_back(reply);
        self
    }

    /// The requests seen so far, and forgets them.
    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().seen)
    }
}

/// A fetcher allowed to reach the loopback server.
pub fn fetcher() -> Fetcher {
    let policy = SafetyPolicy {
        allow_private: false,
        allow: vec!["127.0.0.1".parse().unwrap()],
    };
    Fetcher::new(policy, FetchLimits::default()).unwrap()
}

/// A connector built the way `rapport ingest` builds it: by kind from config JSON.
pub fn build(kind: &str, config: serde_json::Value, token: Option<&str>) -> Box<dyn Source> {
    rapport_sources::connectors::build(
        kind,
        "test",
        &config.to_string(),
        token.map(str::to_string),
        fetcher(),
    )
    .unwrap()
}

/// Polls until the source says nothing more is waiting; returns the ids in order and the
/// last checkpoint.
pub async fn drain(
    source: &mut dyn Source,
    mut checkpoint: Option<String>,
) -> Result<(Vec<String>, Option<String>), SourceError> {
    let mut ids = Vec::new();
    for _ in 0..20 {
        let poll = source.poll(checkpoint.as_deref()).await?;
        ids.extend(poll.posts.iter().map(|p| p.native_id.clone()));
        if poll.checkpoint.is_some() {
            checkpoint = poll.checkpoint;
        }
        if poll.wait != Some(std::time::Duration::ZERO) {
            return Ok((ids, checkpoint));
        }
    }
    panic!("the source never caught up");
}

/// A fixture's text.
pub fn fixture(path: &str) -> String {
    let full = format!(
        "{}/tests/fixtures/{path}",
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
    );
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A fixture's JSON.
pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(path)).unwrap()
}
