//! rapport's HTTP server: the live dashboard and the JSON API.
//!
//! [`router`] builds the whole application as an [`axum::Router`] over an [`AppState`]
//! (the store plus a little server metadata); [`serve`] runs it on a listener until a
//! shutdown future completes. `rapport demo` and `rapport serve` both start it.
//!
//! Layout:
//! - [`routes::api`]: JSON endpoints under `/api`, errors as `{"error": "..."}`;
//! - [`routes::pages`]: server-rendered HTML (maud, escaped at compile time);
//! - `assets`: the stylesheet, script and icon, embedded in the binary;
//! - `security`: headers every response carries (CSP, nosniff, no framing...);
//! - [`error`]: one error type, rendered as JSON for the API and as a page for browsers.
//!
//! Ingested post text is hostile. The page escapes everything it shows and links only
//! `http(s)` URLs; the script builds DOM nodes with `textContent` and never parses data as
//! HTML; the Content-Security-Policy forbids inline and foreign scripts as a second line.

mod assets;
pub mod error;
pub mod routes;
mod security;

use std::{future::Future, sync::Arc};

use axum::Router;
use rapport_model::Timestamp;
use rapport_store::Store;
use tower_http::trace::TraceLayer;

pub use error::WebError;

/// What every request handler can reach. Cheap to clone (the store is shared).
#[derive(Clone)]
pub struct AppState {
    /// Where posts, workspaces, monitors and mentions live.
    pub store: Arc<dyn Store>,
    /// When the server started; reported by `/api/stats` and the page footer.
    pub started_at: Timestamp,
    /// An optional banner shown on every page, e.g.
    /// "Demo data: simulated posts about fictional brands".
    pub notice: Option<String>,
    /// Receives pushed posts at `/api/hooks/{id}` (see [`routes::webhook`]); `None` answers 404.
    pub webhooks: Option<routes::webhook::Webhooks>,
}

impl AppState {
    /// State over `store`, started now, with no notice.
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            started_at: chrono::Utc::now(),
            notice: None,
            webhooks: None,
        }
    }

    /// The same state, accepting pushed posts at `/api/hooks/{id}`.
    pub fn with_webhooks(mut self, webhooks: routes::webhook::Webhooks) -> Self {
        self.webhooks = Some(webhooks);
        self
    }

    /// The same state with a banner shown on every page.
    pub fn with_notice(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("started_at", &self.started_at)
            .field("notice", &self.notice)
            .finish_non_exhaustive()
    }
}

/// The whole application: pages, `/api`, `/static` and `/healthz`, with security headers
/// on every response and request tracing.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::pages::router())
        .merge(assets::router())
        .merge(routes::webhook::router())
        .nest("/api", routes::api::router())
        .route("/healthz", axum::routing::get(healthz))
        .fallback(routes::pages::not_found)
        .with_state(state)
        .layer(axum::middleware::map_response(security::set_headers))
        .layer(TraceLayer::new_for_http())
}

/// Liveness probe: `ok` while the process serves requests.
async fn healthz() -> &'static str {
    "ok"
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets in-flight
/// requests finish.
///
/// The caller binds the listener, so it chooses (and can report) the address; binding
/// `127.0.0.1:0` gives a free port, which tests use.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "rapport web server listening on http://{addr}/");
    }
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
