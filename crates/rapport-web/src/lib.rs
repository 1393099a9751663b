//! rapport's HTTP server: the live dashboard and the JSON API.
//!
//! [`router`] builds the whole application as an [`axum::Router`] over an [`AppState`]
//! (the store plus a little server metadata); [`serve`] runs it on a listener until a
//! shutdown future completes. `rapport demo` and `rapport serve` both start it.
//!
//! Layout:
//! - [`routes::api`]: JSON endpoints under `/api/v1`, errors as `{"error": {"code": "...", "message": "..."}}`;
//! - [`routes::pages`]: server-rendered HTML (maud, escaped at compile time);
//! - `assets`: the stylesheet, script and icon, embedded in the binary;
//! - `security`: headers every response carries (CSP, nosniff, no framing...);
//! - [`error`]: one error type, rendered as JSON for the API and as a page for browsers.
//!
//! Ingested post text is hostile. The page escapes everything it shows and links only
//! `http(s)` URLs; the script builds DOM nodes with `textContent` and never parses data as
//! HTML; the Content-Security-Policy forbids inline and foreign scripts as a second line.

mod assets;
pub mod auth;
pub mod cache;
pub mod charts;
pub mod error;
pub mod openapi;
pub mod pdf;
pub mod report_mail;
pub mod routes;
mod security;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{
    http::Uri,
    response::{IntoResponse, Response},
    Router,
};
use rapport_model::Timestamp;
use rapport_sources::http::SafetyPolicy;
use rapport_store::{
    AccountStore, AlertStore, AnalyticsStore, InboxStore, ReportStore, SecretKey, SqliteStore,
    Store,
};
use tower_http::trace::TraceLayer;

pub use error::WebError;
pub use routes::table::{route_specs, RouteSpec};

/// How often the store's change watcher looks for commits.
pub const CHANGE_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// What every request handler can reach. Cheap to clone (the stores are shared).
#[derive(Clone)]
pub struct AppState {
    /// Where posts, workspaces, monitors and mentions live.
    pub store: Arc<dyn Store>,
    /// Users, memberships, sessions, API tokens and the audit log (the same
    /// `SqliteStore` as `store` in practice).
    pub accounts: Arc<dyn AccountStore>,
    /// The team inbox: items, notes, replies, corrections, response times.
    pub inbox: Arc<dyn InboxStore>,
    /// Hourly rollups for charts.
    pub analytics: Arc<dyn AnalyticsStore>,
    /// Alert rules, alerts and deliveries; `None` answers that alerts are not enabled on
    /// this server (the alert pages and API say so).
    pub alerts: Option<Arc<dyn AlertStore>>,
    /// Weekly report schedules and sends; `None`: the API answers 503 and the page leaves
    /// the section out.
    pub reports: Option<Arc<dyn ReportStore>>,
    /// Whether this server sends e-mail (an SMTP relay is configured); the alerts page says
    /// so when it does not.
    pub email_enabled: bool,
    /// Seals the signing secrets of alert rules made through the web; `None`: a rule with a
    /// secret is refused (422).
    pub secret_key: Option<SecretKey>,
    /// Which addresses user-supplied URLs (alert webhooks) may reach.
    pub safety: Arc<SafetyPolicy>,
    /// Whether the session cookie is `Secure` (HTTPS) or may travel over loopback HTTP.
    pub cookies: auth::CookiePolicy,
    /// Failed logins per account and per address.
    pub limiter: Arc<auth::LoginLimiter>,
    /// When the server started; reported by `/api/v1/stats` and the page footer.
    pub started_at: Timestamp,
    /// An optional banner shown on every page, e.g.
    /// "Demo data: simulated posts about fictional brands".
    pub notice: Option<String>,
    /// Receives pushed posts at `/api/v1/hooks/{id}` (see [`routes::webhook`]); `None` answers 404.
    pub webhooks: Option<routes::webhook::Webhooks>,
    /// Sends inbox replies through the networks (see [`routes::replies`]); `None` answers
    /// that replying is not enabled.
    pub replies: Option<routes::replies::ReplySender>,
    /// The overview's lists (themes, advocates, detractors) per workspace, refreshed every
    /// few minutes.
    pub lists: Arc<routes::pages::ListsCache>,
    /// Short-lived answers to repeated reads (see [`cache`]); `None` computes every one.
    pub cache: Option<Arc<cache::ResponseCache>>,
    /// Manages the workspace's sources (see [`routes::sources`]); `None`: the pages say this
    /// server does not poll sources and the API answers 503.
    pub sources: Option<routes::sources::SourceAdmin>,
    /// Connected accounts and drafts (see [`routes::publishing`]), on either store; `None`
    /// (a state built without it) answers that publishing is not available.
    pub publishing: Option<routes::publishing::Publishing>,
    /// The running pipeline's ingestor, told to reload its monitors when one is added
    /// through the web; `None` when this process ingests nothing.
    pub ingestor: Option<rapport_engine::Ingestor>,
    /// Bumped after every commit to the store (see `SqliteStore::watch_changes`): the
    /// live pages' server-sent events follow it. `None`: the events tick on a timer.
    pub changes: Option<tokio::sync::watch::Receiver<u64>>,
    /// Survey pages (`/s/<code>` and the results): `None` without a store that keeps them
    /// (PostgreSQL for now), where their routes answer 422.
    pub surveys: Option<routes::surveys::Surveys>,
    /// Engagement samples, short links and campaigns (`/l/{code}`, the campaigns pages and
    /// link tracking), on either store; `None` answers that they are not available.
    pub engagement: Option<Arc<dyn rapport_store::EngagementStore>>,
    /// Where each workspace's time zone is read (the weekly report's days and bounds);
    /// `None`: UTC. Set by [`AppState::sqlite`] and [`AppState::with_publishing`].
    pub time_zones: Option<Arc<dyn rapport_store::PublishStore>>,
}

impl AppState {
    /// State over `store` and `accounts`, started now, with no notice and `Secure`
    /// cookies.
    pub fn new(
        store: Arc<dyn Store>,
        accounts: Arc<dyn AccountStore>,
        inbox: Arc<dyn InboxStore>,
        analytics: Arc<dyn AnalyticsStore>,
    ) -> Self {
        AppState {
            store,
            accounts,
            inbox,
            analytics,
            alerts: None,
            email_enabled: false,
            reports: None,
            secret_key: None,
            safety: Arc::new(SafetyPolicy::public_only()),
            cookies: auth::CookiePolicy::default(),
            limiter: Arc::default(),
            started_at: chrono::Utc::now(),
            notice: None,
            webhooks: None,
            replies: None,
            sources: None,
            cache: None,
            lists: Arc::default(),
            publishing: None,
            ingestor: None,
            changes: None,
            surveys: None,
            engagement: None,
            time_zones: None,
        }
    }

    /// State over one SQLite store serving as every store interface.
    pub fn sqlite(store: SqliteStore) -> Self {
        let changes = store.watch_changes(CHANGE_POLL).ok();
        let store = Arc::new(store);
        let mut state = AppState::new(store.clone(), store.clone(), store.clone(), store.clone());
        state.alerts = Some(store.clone());
        state.surveys = Some(routes::surveys::Surveys::new(store.clone()));
        state.engagement = Some(store.clone());
        state.time_zones = Some(store.clone());
        state.reports = Some(store);
        state.changes = changes;
        state
    }

    /// The same state, keeping alert rules, alerts and deliveries in `alerts` (how
    /// PostgreSQL gets them; [`AppState::sqlite`] sets its own store).
    pub fn with_alerts(mut self, alerts: Arc<dyn AlertStore>) -> Self {
        self.alerts = Some(alerts);
        self
    }

    /// The same state, keeping weekly report schedules in `reports` (how PostgreSQL gets
    /// them; [`AppState::sqlite`] sets its own store).
    pub fn with_reports(mut self, reports: Arc<dyn ReportStore>) -> Self {
        self.reports = Some(reports);
        self
    }

    /// The same state, saying whether e-mail goes out (an SMTP relay is configured).
    pub fn with_email(mut self, enabled: bool) -> Self {
        self.email_enabled = enabled;
        self
    }

    /// The same state, sealing alert rules' signing secrets with `key`.
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// The same state, checking alert webhooks against `policy` (the `[safety]` section).
    pub fn with_safety(mut self, policy: SafetyPolicy) -> Self {
        self.safety = Arc::new(policy);
        self
    }

    /// The same state with another cookie policy (see [`auth::CookiePolicy`]).
    pub fn with_cookies(mut self, cookies: auth::CookiePolicy) -> Self {
        self.cookies = cookies;
        self
    }

    /// The same state, pushing live updates when `changes` moves.
    pub fn with_changes(mut self, changes: tokio::sync::watch::Receiver<u64>) -> Self {
        self.changes = Some(changes);
        self
    }

    /// The same state, telling `ingestor` when monitors change.
    pub fn with_ingestor(mut self, ingestor: rapport_engine::Ingestor) -> Self {
        self.ingestor = Some(ingestor);
        self
    }

    /// Makes the running pipeline (if this process has one) match new monitors from now on.
    pub(crate) async fn monitors_changed(&self) {
        if let Some(ingestor) = &self.ingestor {
            match ingestor.reload_monitors().await {
                Ok(count) => tracing::info!(count, "monitors reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "cannot reload monitors; new ones apply after a restart")
                }
            }
        }
    }

    /// The same state, sending inbox replies through the networks.
    pub fn with_replies(mut self, replies: routes::replies::ReplySender) -> Self {
        self.replies = Some(replies);
        self
    }

    /// The same state, answering repeated reads from a cache of at most a second, dropped
    /// at every commit and every change made through the server (see [`cache`]).
    pub fn with_read_cache(mut self) -> Self {
        self.cache = Some(Arc::default());
        self
    }

    /// The same state, managing sources through `sources`.
    pub fn with_sources(mut self, sources: routes::sources::SourceAdmin) -> Self {
        self.sources = Some(sources);
        self
    }

    /// The same state, with publishing (accounts, drafts, the calendar).
    pub fn with_publishing(mut self, publishing: routes::publishing::Publishing) -> Self {
        self.time_zones = Some(publishing.store.clone());
        self.publishing = Some(publishing);
        self
    }

    /// The same state, accepting pushed posts at `/api/v1/hooks/{id}`.
    pub fn with_webhooks(mut self, webhooks: routes::webhook::Webhooks) -> Self {
        self.webhooks = Some(webhooks);
        self
    }

    /// The same state, keeping engagement, short links and campaigns in `engagement` (how
    /// PostgreSQL gets them; [`AppState::sqlite`] sets its own store).
    pub fn with_engagement(mut self, engagement: Arc<dyn rapport_store::EngagementStore>) -> Self {
        self.engagement = Some(engagement);
        self
    }

    /// The same state, with survey pages over `surveys`.
    pub fn with_surveys(mut self, surveys: routes::surveys::Surveys) -> Self {
        self.surveys = Some(surveys);
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
            .field("cookies", &self.cookies)
            .finish_non_exhaustive()
    }
}

/// The whole application, built from the route table ([`route_specs`]): every route
/// behind the guard that enforces its access, with security headers on every response
/// and request tracing.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes::table::routes() {
        let guard = auth::guard::Guard {
            app: state.clone(),
            access: route.spec.access,
            kind: route.spec.kind(),
        };
        // The cache runs inside the access check: a cached answer is only ever given to a
        // caller the guard has just let through.
        let handler = route
            .handler
            .route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                cache::cache_reads,
            ))
            .route_layer(axum::middleware::from_fn_with_state(
                guard,
                auth::guard::guard,
            ));
        router = router.route(route.spec.path, handler);
    }
    router
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::map_response(security::set_headers))
        .layer(TraceLayer::new_for_http())
}

/// Liveness probe: `ok` while the process serves requests.
async fn healthz() -> &'static str {
    "ok"
}

/// Unknown paths: JSON under `/api`, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        routes::api::unknown_route().await.into_response()
    } else {
        routes::pages::not_found().await.into_response()
    }
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
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
