//! A short-lived cache of read responses, so a crowd asking for the same page at once costs
//! one computation.
//!
//! Dashboards are read far more often than the store changes between two reads: fifty people
//! (or one wall screen per team) refreshing the dashboard, the inbox or the rollups ask the
//! same questions of the same data. A successful `GET` of a workspace page or API call is kept
//! for at most [`ResponseCache::TTL`], under a key made of the method, the URI, a hash of the
//! caller's credentials (a page carries its session's CSRF token and user menu, so callers
//! never share an entry) and the store's change counter (`AppState::changes`, moved by every
//! commit), so a cached answer is never older than the data it was computed from by more
//! than the TTL, and is dropped as soon as something is stored. Any request that changes
//! something (`POST`, `PUT`, `PATCH`, `DELETE`) empties the cache, so nobody sees their own
//! change undone. The cache runs after the route's access check, never before it.
//!
//! When an answer is missing, one request computes it and the others asking the same
//! question at that moment wait for it (no stampede when an entry expires under load).
//!
//! Streams are not cached (server-sent events, exports), nor errors, nor bodies over
//! [`ResponseCache::MAX_BODY`].

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::AppState;

/// What identifies one cached answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    uri: String,
    caller: [u8; 32],
    version: u64,
}

#[derive(Debug, Clone)]
struct Entry {
    at: Instant,
    headers: HeaderMap,
    body: Bytes,
}

/// The cache behind [`cache_reads`].
#[derive(Debug, Default)]
pub struct ResponseCache {
    entries: Mutex<HashMap<Key, Entry>>,
    /// The key being computed, and the lock its waiters queue on.
    inflight: Mutex<HashMap<Key, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl ResponseCache {
    /// How long an answer is kept at most.
    pub const TTL: Duration = Duration::from_secs(1);
    /// Largest body kept.
    pub const MAX_BODY: usize = 1 << 20;
    /// Most entries kept (the cache empties itself beyond).
    pub const MAX_ENTRIES: usize = 512;

    fn get(&self, key: &Key) -> Option<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.at.elapsed() < Self::TTL)
            .cloned()
    }

    fn put(&self, key: Key, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, e| e.at.elapsed() < Self::TTL);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, entry);
    }

    fn flight(&self, key: &Key) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if inflight.len() >= Self::MAX_ENTRIES {
            inflight.retain(|_, lock| std::sync::Arc::strong_count(lock) > 1);
        }
        inflight.entry(key.clone()).or_default().clone()
    }

    fn landed(&self, key: &Key) {
        self.inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Forgets everything (after a change).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Whether a `GET` of `path` may be cached: workspace pages and API reads, not streams.
fn cacheable(path: &str) -> bool {
    let read = path.starts_with("/w/") || path.starts_with("/api/v1/workspaces/");
    read && !path.ends_with("/events") && !path.contains("/reports/mentions.")
}

fn caller_hash(headers: &HeaderMap) -> [u8; 32] {
    let mut hash = Sha256::new();
    for name in [header::AUTHORIZATION, header::COOKIE] {
        for value in headers.get_all(&name) {
            hash.update(value.as_bytes());
            hash.update([0]);
        }
        hash.update([1]);
    }
    hash.finalize().into()
}

/// The middleware: answers a repeated read from the cache, stores fresh ones, and empties the
/// cache after any request that may change something.
pub(crate) async fn cache_reads(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(cache) = state.cache.clone() else {
        return next.run(request).await;
    };
    if request.method() != Method::GET {
        let response = next.run(request).await;
        cache.clear();
        return response;
    }
    if !cacheable(request.uri().path()) {
        return next.run(request).await;
    }
    let key = Key {
        uri: request.uri().to_string(),
        caller: caller_hash(request.headers()),
        version: state.changes.as_ref().map_or(0, |c| *c.borrow()),
    };
    if let Some(hit) = cache.get(&key) {
        return answer(hit);
    }
    // One computes, the others asking the same now wait for its answer.
    let flight = cache.flight(&key);
    let _turn = flight.lock().await;
    if let Some(hit) = cache.get(&key) {
        return answer(hit);
    }
    let response = next.run(request).await;
    let response = keep(&cache, key.clone(), response).await;
    cache.landed(&key);
    response
}

fn answer(hit: Entry) -> Response {
    let mut response = Body::from(hit.body).into_response();
    *response.headers_mut() = hit.headers;
    response
}

/// Stores a fresh answer when it can be kept, and gives it back.
async fn keep(cache: &ResponseCache, key: Key, response: Response) -> Response {
    let is_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
    if response.status() != StatusCode::OK || is_stream {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Only bodies whose whole size is known and small are kept; others pass through as they
    // are (reading them here would delay or break a stream).
    let small = body
        .size_hint()
        .exact()
        .is_some_and(|n| n <= ResponseCache::MAX_BODY as u64);
    if !small {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, ResponseCache::MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    cache.put(
        key,
        Entry {
            at: Instant::now(),
            headers: parts.headers.clone(),
            body: bytes.clone(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_exports_are_not_cached() {
        assert!(cacheable("/w/1/inbox"));
        assert!(cacheable("/api/v1/workspaces/1/rollups"));
        assert!(!cacheable("/api/v1/workspaces/1/events"));
        assert!(!cacheable("/api/v1/workspaces/1/reports/mentions.csv"));
        assert!(!cacheable("/api/v1/stats"));
        assert!(!cacheable("/login"));
    }

    #[test]
    fn callers_never_share_an_entry() {
        let mut a = HeaderMap::new();
        a.insert(header::AUTHORIZATION, "Bearer rpt_a".parse().unwrap());
        let mut b = HeaderMap::new();
        b.insert(header::AUTHORIZATION, "Bearer rpt_b".parse().unwrap());
        let mut c = HeaderMap::new();
        c.insert(header::COOKIE, "Bearer rpt_a".parse().unwrap());
        assert_ne!(caller_hash(&a), caller_hash(&b));
        assert_ne!(
            caller_hash(&a),
            caller_hash(&c),
            "a header moved is another caller"
        );
        assert_eq!(caller_hash(&a), caller_hash(&a.clone()));
    }
}
