//! Accounts, roles, sessions, CSRF, API tokens and the audit log, end to end: the real
//! server on a free local port over a real SQLite file in a temporary directory.

use std::{collections::BTreeSet, net::SocketAddr};

use rapport_model::{ApiTokenId, Membership, MonitorKind, NewMonitor, Role, Workspace};
use rapport_store::publishing::{DraftStatus, NewDraft, NewPublishAccount};
use rapport_store::{
    AccountStore, NewApiToken, NewUser, PublishStore, SqliteOptions, SqliteStore, Store,
};
use rapport_web::{auth, AppState};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use tempfile::TempDir;
use tokio::sync::oneshot;

const PASSWORD: &str = "correct horse battery staple";

/// One logged-in browser: its cookie (`name=value`) and the CSRF token of its pages.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

/// Who sends a request.
#[derive(Debug, Clone)]
enum Who {
    Anonymous,
    Session(Session),
    Token(String),
}

/// A request body.
enum Body {
    Empty,
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

struct Env {
    base: String,
    client: reqwest::Client,
    dir: TempDir,
    a: Workspace,
    b: Workspace,
    /// A token of workspace A that the matrix revokes.
    spare_token: ApiTokenId,
    tokens: Vec<(Role, String)>,
    _shutdown: oneshot::Sender<()>,
}

fn client() -> reqwest::Client {
    rapport_sources::http::client_builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn add_user(store: &SqliteStore, email: &str, is_admin: bool) -> rapport_model::User {
    store
        .create_user(NewUser {
            email: email.into(),
            display_name: email.split('@').next().unwrap_or(email).into(),
            password_hash: auth::hash_password(PASSWORD).expect("hash"),
            is_admin,
        })
        .await
        .expect("user")
}

async fn add_token(store: &SqliteStore, workspace: &Workspace, role: Role) -> (ApiTokenId, String) {
    let (secret, prefix) = auth::new_api_token().expect("token");
    let info = store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: workspace.id,
            role,
            name: format!("{role} token"),
            created_by: None,
        })
        .await
        .expect("token");
    (info.id, secret.expose().to_string())
}

/// Workspaces A and B, a member of A per role, an admin of B, an instance admin, a user
/// without workspace, and an API token of A per role.
async fn spawn() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open(&dir.path().join("rapport.db"), SqliteOptions::default()).expect("open");
    let a = store.create_workspace("Acme").await.expect("a");
    let b = store.create_workspace("Globex").await.expect("b");
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: a.id,
            name: "Acme".into(),
            kind: MonitorKind::Brand,
            query: "acme".into(),
        })
        .await
        .expect("monitor");
    // One complaint in Acme's inbox: inbox item 1.
    store
        .write_batch(vec![rapport_store::IngestItem {
            post: rapport_model::Post {
                network: rapport_model::Network::Mastodon,
                native_id: "1".into(),
                url: None,
                author: rapport_model::Author::new("angry"),
                title: None,
                text: "acme broke my order".into(),
                language: Some("en".into()),
                created_at: chrono::Utc::now(),
                reply_to: None,
                conversation_id: None,
                quote_of: None,
                engagement: Default::default(),
            },
            monitors: vec![monitor.id],
            analysis: None,
            triage: Some(rapport_model::Triage {
                reason: rapport_model::InboxReason::Complaint,
                base_priority: 3.0,
            }),
        }])
        .await
        .expect("inbox item");
    for role in Role::ALL {
        let user = add_user(&store, &format!("{role}@a.example"), false).await;
        store
            .set_membership(Membership {
                user: user.id,
                workspace: a.id,
                role,
            })
            .await
            .expect("membership");
    }
    let admin_b = add_user(&store, "admin@b.example", false).await;
    store
        .set_membership(Membership {
            user: admin_b.id,
            workspace: b.id,
            role: Role::Admin,
        })
        .await
        .expect("membership");
    add_user(&store, "root@example.com", true).await;
    add_user(&store, "nobody@example.com", false).await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, add_token(&store, &a, role).await.1));
    }
    let (spare_token, _) = add_token(&store, &a, Role::Viewer).await;

    // Publishing: a connected account (1) and drafts 1 (pending approval), 2 (approved)
    // and 3 (pending approval, cancelled by the matrix).
    let key = rapport_store::SecretKey::generate().expect("key");
    let account = store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: a.id,
                kind: "mastodon".into(),
                display_name: "Acme on Mastodon".into(),
                settings: json!({"instance": "https://mastodon.example"}),
                secret: rapport_store::Secret::new("matrix-token"),
            },
            &key,
        )
        .await
        .expect("account");
    for status in [
        DraftStatus::PendingApproval,
        DraftStatus::Approved,
        DraftStatus::PendingApproval,
    ] {
        store
            .create_draft(NewDraft {
                workspace_id: a.id,
                author_id: None,
                text: "matrix draft".into(),
                targets: vec![(account.id, None)],
                poll: None,
                status,
                scheduled_at: None,
            })
            .await
            .expect("draft");
    }
    // Weekly slots 1 to 7: every day at 09:00 (the matrix queues draft 2, removes slot 7).
    for weekday in 0..7 {
        store
            .add_publish_slot(a.id, weekday, 9 * 60)
            .await
            .expect("slot");
    }
    // Survey 1 of Acme, public at /s/matrixcode1.
    rapport_store::SurveyStore::create_survey(
        &store,
        rapport_store::surveys::NewSurvey {
            workspace_id: a.id,
            code: "matrixcode1".into(),
            title: "Matrix survey".into(),
            questions: vec![rapport_store::surveys::Question {
                prompt: "Rate us".into(),
                kind: rapport_store::surveys::QuestionKind::Rating,
                options: vec![],
                required: false,
            }],
            created_by: None,
            signing_key: vec![1; 32],
        },
    )
    .await
    .expect("survey");
    // Campaign 1 of Acme, and the short link /l/matrix0001 of draft 2's target.
    let campaign =
        rapport_store::EngagementStore::create_campaign(&store, a.id, "Matrix", "matrix")
            .await
            .expect("campaign");
    assert_eq!(campaign.id.0, 1);
    let target = store
        .draft(a.id, rapport_store::publishing::DraftId(2))
        .await
        .expect("draft")
        .expect("draft 2")
        .targets[0]
        .id;
    rapport_store::EngagementStore::short_link_for(
        &store,
        rapport_store::engagement::NewShortLink {
            workspace_id: a.id,
            delivery_id: target,
            position: 0,
            destination: "https://acme.example/?utm_source=mastodon".into(),
            code: "matrix0001".into(),
        },
    )
    .await
    .expect("short link");
    let publishing = rapport_web::routes::publishing::Publishing::new(
        std::sync::Arc::new(store.clone()),
        key,
        rapport_sources::http::SafetyPolicy::public_only(),
    )
    .with_media(std::sync::Arc::new(store.clone()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone())
            .with_sources(rapport_web::routes::sources::SourceAdmin::new(
                std::sync::Arc::new(store),
                rapport_store::SecretKey::generate().expect("key"),
                rapport_sources::http::SafetyPolicy::public_only(),
                std::sync::Arc::default(),
            ))
            .with_publishing(publishing),
        async {
            let _ = rx.await;
        },
    ));
    Env {
        base: format!("http://{addr}"),
        client: client(),
        dir,
        a,
        b,
        spare_token,
        tokens,
        _shutdown: tx,
    }
}

impl Env {
    /// Sends a request as `who`; session requests that change state carry the CSRF token
    /// (a form field, or the `X-CSRF-Token` header for JSON).
    async fn send(&self, who: &Who, method: Method, path: &str, body: Body) -> reqwest::Response {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{}", self.base, path));
        let csrf = match who {
            Who::Anonymous => None,
            Who::Session(session) => {
                request = request.header(header::COOKIE, &session.cookie);
                (method != Method::GET).then(|| session.csrf.clone())
            }
            Who::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                None
            }
        };
        request = match body {
            Body::Empty => match csrf {
                Some(csrf) => form(request, vec![("csrf", csrf)]),
                None => request,
            },
            Body::Form(mut fields) => {
                if let Some(csrf) = csrf {
                    fields.push(("csrf", csrf));
                }
                form(request, fields)
            }
            Body::Json(value) => {
                if let Some(csrf) = csrf {
                    request = request.header("x-csrf-token", csrf);
                }
                request.json(&value)
            }
        };
        request.send().await.expect("request")
    }

    async fn login_response(
        &self,
        email: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let mut request = form(
            self.client.post(format!("{}/login", self.base)),
            vec![
                ("email", email.to_string()),
                ("password", password.to_string()),
            ],
        );
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.expect("login request")
    }

    /// Logs in and reads the CSRF token from the first page.
    async fn login(&self, email: &str) -> Session {
        let response = self.login_response(email, PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {email}");
        let cookie = cookie_pair(&response);
        let page = self
            .client
            .get(format!("{}/", self.base))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        Session {
            cookie,
            csrf: csrf_of(&page),
        }
    }

    fn token(&self, role: Role) -> String {
        self.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.clone())
            .expect("token")
    }
}

fn form(
    request: reqwest::RequestBuilder,
    fields: Vec<(&'static str, String)>,
) -> reqwest::RequestBuilder {
    request
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form"))
}

fn header_value(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// `name=value` of the response's session cookie.
fn cookie_pair(response: &reqwest::Response) -> String {
    header_value(response, header::SET_COOKIE)
        .split(';')
        .next()
        .expect("cookie")
        .to_string()
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).expect("page has a CSRF field") + marker.len();
    page[at..at + 64].to_string()
}

/// The status, with a page's redirect to the login form counted as 401.
fn outcome(response: &reqwest::Response) -> u16 {
    let location = header_value(response, header::LOCATION);
    if response.status() == StatusCode::SEE_OTHER && location == "/login" {
        401
    } else {
        response.status().as_u16()
    }
}

/// A row of the matrix: method, route pattern, concrete path, body, expected statuses.
type Row = (Method, &'static str, String, fn() -> Body, [u16; 11]);

/// Columns of the matrix.
const CALLERS: [&str; 11] = [
    "anonymous",
    "viewer of A",
    "agent of A",
    "manager of A",
    "admin of A",
    "admin of B",
    "instance admin",
    "viewer token of A",
    "agent token of A",
    "manager token of A",
    "admin token of A",
];

#[tokio::test]
async fn every_route_checks_the_role_and_the_workspace() {
    let env = spawn().await;
    let a = env.a.id;
    let mut callers = vec![Who::Anonymous];
    for email in [
        "viewer@a.example",
        "agent@a.example",
        "manager@a.example",
        "admin@a.example",
        "admin@b.example",
        "root@example.com",
    ] {
        callers.push(Who::Session(env.login(email).await));
    }
    for role in Role::ALL {
        callers.push(Who::Token(env.token(role)));
    }

    // Pages answer "401" by redirecting to /login. Rows run in this order: logout and
    // login come last because they end the caller's session.
    let spare = env.spare_token;
    let ok_all = [200; 11];
    let session_pages = [401, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401];
    let viewer_page = [401, 200, 200, 200, 200, 403, 200, 401, 401, 401, 401];
    let admin_page = [401, 403, 403, 403, 200, 403, 200, 401, 401, 401, 401];
    let signed_in_api = [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200];
    let viewer_api = [401, 200, 200, 200, 200, 403, 200, 200, 200, 200, 200];
    let manager_api = [401, 403, 403, 200, 200, 403, 200, 403, 403, 200, 200];
    let admin_api = [401, 403, 403, 403, 200, 403, 200, 403, 403, 403, 200];
    let instance_api = [401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403];
    let agent_page = [401, 403, 200, 200, 200, 403, 200, 401, 401, 401, 401];
    let manager_page = [401, 403, 403, 200, 200, 403, 200, 401, 401, 401, 401];
    let agent_api = [401, 403, 200, 200, 200, 403, 200, 403, 200, 200, 200];
    let no_content = |statuses: [u16; 11]| statuses.map(|s| if s == 200 { 204 } else { s });
    let created = |statuses: [u16; 11]| statuses.map(|s| if s == 200 { 201 } else { s });
    let redirected = |statuses: [u16; 11]| statuses.map(|s| if s == 200 { 303 } else { s });
    let rows: Vec<Row> = vec![
        (
            Method::GET,
            "/healthz",
            "/healthz".into(),
            || Body::Empty,
            ok_all,
        ),
        (
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json".into(),
            || Body::Empty,
            ok_all,
        ),
        (
            Method::GET,
            "/login",
            "/login".into(),
            || Body::Empty,
            ok_all,
        ),
        (
            Method::GET,
            "/static/app.js",
            "/static/app.js".into(),
            || Body::Empty,
            ok_all,
        ),
        // Public: the webhook authenticates itself with the source's secret (see
        // tests/webhook.rs); this server has none enabled.
        (
            Method::POST,
            "/api/v1/hooks/{source_id}",
            "/api/v1/hooks/1".into(),
            || Body::Json(json!({"text": "hello"})),
            [404; 11],
        ),
        (
            Method::GET,
            "/static/app.css",
            "/static/app.css".into(),
            || Body::Empty,
            ok_all,
        ),
        (
            Method::GET,
            "/static/favicon.svg",
            "/static/favicon.svg".into(),
            || Body::Empty,
            ok_all,
        ),
        (Method::GET, "/", "/".into(), || Body::Empty, session_pages),
        (
            Method::GET,
            "/w/{id}",
            format!("/w/{a}"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/users",
            format!("/w/{a}/users"),
            || Body::Empty,
            admin_page,
        ),
        (
            Method::POST,
            "/w/{id}/users",
            format!("/w/{a}/users"),
            || {
                Body::Form(vec![
                    ("email", "new@a.example".into()),
                    ("role", "viewer".into()),
                ])
            },
            admin_page,
        ),
        (
            Method::POST,
            "/w/{id}/tokens",
            format!("/w/{a}/tokens"),
            || Body::Form(vec![("name", "matrix".into()), ("role", "viewer".into())]),
            admin_page,
        ),
        (
            Method::POST,
            "/w/{id}/tokens/{token_id}/revoke",
            format!("/w/{a}/tokens/{spare}/revoke"),
            || Body::Empty,
            redirected(admin_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces",
            "/api/v1/workspaces".into(),
            || Body::Empty,
            signed_in_api,
        ),
        (
            Method::GET,
            "/api/v1/stats",
            "/api/v1/stats".into(),
            || Body::Empty,
            signed_in_api,
        ),
        (
            Method::GET,
            "/api/v1/query/check",
            "/api/v1/query/check?q=acme".into(),
            || Body::Empty,
            signed_in_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/counts",
            format!("/api/v1/workspaces/{a}/counts"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/mentions",
            format!("/api/v1/workspaces/{a}/mentions"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/preview",
            format!("/api/v1/workspaces/{a}/preview?q=acme"),
            || Body::Empty,
            manager_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/monitors",
            format!("/api/v1/workspaces/{a}/monitors"),
            || Body::Json(json!({"name": "Matrix", "kind": "campaign", "query": "#matrix"})),
            created(manager_api),
        ),
        (
            Method::PUT,
            "/api/v1/workspaces/{id}/monitors/{monitor}",
            format!("/api/v1/workspaces/{a}/monitors/1"),
            || Body::Json(json!({"name": "Acme", "kind": "brand", "query": "acme"})),
            manager_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/audit",
            format!("/api/v1/workspaces/{a}/audit"),
            || Body::Empty,
            admin_api,
        ),
        (
            Method::GET,
            "/api/v1/audit",
            "/api/v1/audit".into(),
            || Body::Empty,
            instance_api,
        ),
        (
            Method::GET,
            "/w/{id}/monitors",
            format!("/w/{a}/monitors"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/response-times",
            format!("/w/{a}/response-times?days=30"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/themes",
            format!("/w/{a}/themes?days=7"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/sources",
            format!("/w/{a}/sources"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::POST,
            "/w/{id}/sources",
            format!("/w/{a}/sources"),
            || {
                Body::Form(vec![
                    ("kind", "jsonfeed".into()),
                    ("name", "matrix-form".into()),
                    (
                        "settings",
                        r#"{"url": "https://feeds.example.com/posts.json"}"#.into(),
                    ),
                    ("token", String::new()),
                ])
            },
            redirected(admin_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/sources",
            format!("/api/v1/workspaces/{a}/sources"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/sources",
            format!("/api/v1/workspaces/{a}/sources"),
            || {
                Body::Json(json!({"kind": "jsonfeed", "name": "matrix-api",
                                  "settings": {"url": "https://feeds.example.com/posts.json"}}))
            },
            created(admin_api),
        ),
        (
            Method::POST,
            "/w/{id}/monitors",
            format!("/w/{a}/monitors"),
            || {
                Body::Form(vec![
                    ("name", "Matrix form".into()),
                    ("kind", "campaign".into()),
                    ("query", "#matrixform".into()),
                ])
            },
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/w/{id}/inbox",
            format!("/w/{a}/inbox"),
            || Body::Empty,
            agent_page,
        ),
        (
            Method::GET,
            "/w/{id}/inbox/{item}",
            format!("/w/{a}/inbox/1"),
            || Body::Empty,
            agent_page,
        ),
        (
            Method::POST,
            "/w/{id}/inbox/{item}",
            format!("/w/{a}/inbox/1"),
            || {
                Body::Form(vec![
                    ("action", "note".into()),
                    ("value", "seen in the matrix".into()),
                ])
            },
            redirected(agent_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/inbox",
            format!("/api/v1/workspaces/{a}/inbox"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/inbox/{item}",
            format!("/api/v1/workspaces/{a}/inbox/1"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/inbox/{item}",
            format!("/api/v1/workspaces/{a}/inbox/1"),
            || Body::Json(json!({"status": "open"})),
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/notes",
            format!("/api/v1/workspaces/{a}/inbox/1/notes"),
            || Body::Json(json!({"body": "matrix"})),
            created(agent_api),
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/replies",
            format!("/api/v1/workspaces/{a}/inbox/1/replies"),
            || Body::Json(json!({"body": "matrix", "idempotency_key": "matrix-0001"})),
            // Allowed callers reach the handler, which says replying is not enabled here.
            agent_api.map(|s| if s == 200 { 422 } else { s }),
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/inbox/{item}/corrections",
            format!("/api/v1/workspaces/{a}/inbox/1/corrections"),
            || Body::Json(json!({"intent": "question"})),
            no_content(agent_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/events",
            format!("/api/v1/workspaces/{a}/events"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/rollups",
            format!("/api/v1/workspaces/{a}/rollups?days=2"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/reply-templates",
            format!("/api/v1/workspaces/{a}/reply-templates"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/reply-templates",
            format!("/api/v1/workspaces/{a}/reply-templates"),
            || Body::Json(json!({"name": "sorry", "body": "Sorry {{author}}!"})),
            created(manager_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/response-times",
            format!("/api/v1/workspaces/{a}/response-times"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/w/{id}/alerts",
            format!("/w/{a}/alerts"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/alert-rules",
            format!("/api/v1/workspaces/{a}/alert-rules"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/alert-rules",
            format!("/api/v1/workspaces/{a}/alert-rules"),
            || Body::Json(json!({"kind": "volume", "webhook_url": "https://93.184.215.14/hook"})),
            created(manager_api),
        ),
        (
            Method::DELETE,
            "/api/v1/workspaces/{id}/alert-rules/{rule}",
            format!("/api/v1/workspaces/{a}/alert-rules/999999"),
            || Body::Empty,
            // Allowed callers reach the handler, which finds no such rule.
            manager_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/alerts",
            format!("/api/v1/workspaces/{a}/alerts"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::PUT,
            "/api/v1/workspaces/{id}/alert-rules/{rule}/email",
            format!("/api/v1/workspaces/{a}/alert-rules/999999/email"),
            || Body::Json(json!({"email_to": ["ops@example.org"], "digest": "daily"})),
            // Allowed callers reach the handler, which finds no such rule.
            manager_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::POST,
            "/w/{id}/alerts/{rule}/email",
            format!("/w/{a}/alerts/999999/email"),
            || {
                Body::Form(vec![
                    ("email_to", "ops@example.org".into()),
                    ("digest", "hourly".into()),
                ])
            },
            manager_page.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/report-schedule",
            format!("/api/v1/workspaces/{a}/report-schedule"),
            || Body::Empty,
            // Allowed callers reach the handler; the workspace has no schedule.
            viewer_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::PUT,
            "/api/v1/workspaces/{id}/report-schedule",
            format!("/api/v1/workspaces/{a}/report-schedule"),
            || {
                Body::Json(json!({
                    "recipients": ["ops@example.org"], "weekday": 0, "hour": 9,
                    "time_zone": "Europe/Paris"
                }))
            },
            manager_api,
        ),
        (
            Method::POST,
            "/w/{id}/report-schedule",
            format!("/w/{a}/report-schedule"),
            || {
                Body::Form(vec![
                    ("recipients", "ops@example.org".into()),
                    ("weekday", "4".into()),
                    ("hour", "17".into()),
                    ("time_zone", "UTC".into()),
                    ("enabled", "on".into()),
                ])
            },
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/reports/mentions.csv",
            format!("/api/v1/workspaces/{a}/reports/mentions.csv"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/reports/mentions.json",
            format!("/api/v1/workspaces/{a}/reports/mentions.json?sentiment=negative"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/w/{id}/reports/weekly",
            format!("/w/{a}/reports/weekly?week=2026-W10"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/authors",
            format!("/w/{a}/authors"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/authors/{author}",
            format!("/w/{a}/authors/1"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/authors",
            format!("/api/v1/workspaces/{a}/authors?days=7"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/authors/{author}",
            format!("/api/v1/workspaces/{a}/authors/1"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/influencers",
            format!("/api/v1/workspaces/{a}/influencers?by=engagement&format=csv"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/share-of-voice",
            format!("/api/v1/workspaces/{a}/share-of-voice?days=7"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/top-posts",
            format!("/api/v1/workspaces/{a}/top-posts?ranking=negative"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/themes",
            format!("/api/v1/workspaces/{a}/themes?format=csv"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/w/{id}/sentiment",
            format!("/w/{a}/sentiment?days=30"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::GET,
            "/w/{id}/reports/weekly.pdf",
            format!("/w/{a}/reports/weekly.pdf?week=2026-W10"),
            || Body::Empty,
            // Printed by headless Chromium; without it the route answers 503 naming it.
            if std::path::Path::new("/usr/bin/chromium").exists() {
                viewer_page
            } else {
                viewer_page.map(|s| if s == 200 { 503 } else { s })
            },
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/accounts",
            format!("/api/v1/workspaces/{a}/accounts"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/accounts",
            format!("/api/v1/workspaces/{a}/accounts"),
            || {
                static N: AtomicUsize = AtomicUsize::new(0);
                Body::Json(json!({
                    "kind": "mastodon",
                    "display_name": format!("Matrix {}", N.fetch_add(1, Ordering::Relaxed)),
                    "settings": {"instance": "https://mastodon.example"},
                    "secret": "matrix-token"
                }))
            },
            created(admin_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/drafts",
            format!("/api/v1/workspaces/{a}/drafts?status=pending_approval,scheduled"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts",
            format!("/api/v1/workspaces/{a}/drafts"),
            || Body::Json(json!({"text": "matrix post", "targets": [1]})),
            created(agent_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}",
            format!("/api/v1/workspaces/{a}/drafts/1"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/approve",
            format!("/api/v1/workspaces/{a}/drafts/1/approve"),
            || Body::Json(json!({})),
            manager_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/comments",
            format!("/api/v1/workspaces/{a}/drafts/1/comments"),
            || Body::Json(json!({"body": "matrix"})),
            created(agent_api),
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/schedule",
            format!("/api/v1/workspaces/{a}/drafts/2/schedule"),
            || Body::Json(json!({"scheduled_at": "2099-01-01T09:00:00Z"})),
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/cancel",
            format!("/api/v1/workspaces/{a}/drafts/3/cancel"),
            || Body::Json(json!({})),
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/queue",
            format!("/api/v1/workspaces/{a}/drafts/2/queue"),
            || Body::Json(json!({})),
            agent_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/slots",
            format!("/api/v1/workspaces/{a}/slots"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/slots",
            format!("/api/v1/workspaces/{a}/slots"),
            || {
                static N: AtomicUsize = AtomicUsize::new(0);
                let n = N.fetch_add(1, Ordering::Relaxed);
                Body::Json(json!({"weekday": 2, "time": format!("10:{n:02}")}))
            },
            created(manager_api),
        ),
        (
            Method::DELETE,
            "/api/v1/workspaces/{id}/slots/{slot}",
            format!("/api/v1/workspaces/{a}/slots/7"),
            || Body::Empty,
            no_content(manager_api),
        ),
        (
            Method::GET,
            "/w/{id}/publish",
            format!("/w/{a}/publish"),
            || Body::Empty,
            agent_page,
        ),
        (
            Method::POST,
            "/w/{id}/publish",
            format!("/w/{a}/publish"),
            || {
                Body::Form(vec![
                    ("text", "matrix form post".into()),
                    ("account", "1".into()),
                    ("action", "submit".into()),
                ])
            },
            redirected(agent_page),
        ),
        (
            Method::POST,
            "/w/{id}/accounts",
            format!("/w/{a}/accounts"),
            || {
                static N: AtomicUsize = AtomicUsize::new(0);
                Body::Form(vec![
                    ("kind", "mastodon".into()),
                    (
                        "display_name",
                        format!("Matrix form {}", N.fetch_add(1, Ordering::Relaxed)),
                    ),
                    ("instance", "https://mastodon.example".into()),
                    ("secret", "matrix-token".into()),
                ])
            },
            redirected(admin_page),
        ),
        (
            Method::POST,
            "/w/{id}/settings",
            format!("/w/{a}/settings"),
            || Body::Form(vec![("time_zone", "Europe/Paris".into())]),
            redirected(admin_page),
        ),
        (
            Method::POST,
            "/w/{id}/slots",
            format!("/w/{a}/slots"),
            || {
                static N: AtomicUsize = AtomicUsize::new(0);
                let n = N.fetch_add(1, Ordering::Relaxed);
                Body::Form(vec![
                    ("action", "add".into()),
                    ("weekday", "3".into()),
                    ("time", format!("11:{n:02}")),
                ])
            },
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/w/{id}/calendar",
            format!("/w/{a}/calendar?view=month"),
            || Body::Empty,
            agent_page,
        ),
        (
            Method::GET,
            "/w/{id}/drafts/{draft}",
            format!("/w/{a}/drafts/1"),
            || Body::Empty,
            agent_page,
        ),
        (
            Method::POST,
            "/w/{id}/drafts/{draft}",
            format!("/w/{a}/drafts/1"),
            || {
                Body::Form(vec![
                    ("action", "comment".into()),
                    ("body", "matrix".into()),
                ])
            },
            redirected(agent_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}/poll",
            format!("/api/v1/workspaces/{a}/drafts/1/poll"),
            || Body::Empty,
            agent_api,
        ),
        // Images on drafts: an empty body is not an image (422 once the guard lets the
        // caller in); image 1 does not exist (404); a text without a link has no card.
        (
            Method::POST,
            "/api/v1/workspaces/{id}/drafts/{draft}/media",
            format!("/api/v1/workspaces/{a}/drafts/1/media?alt=matrix"),
            || Body::Empty,
            agent_api.map(|s| if s == 200 { 422 } else { s }),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/drafts/{draft}/media",
            format!("/api/v1/workspaces/{a}/drafts/1/media"),
            || Body::Empty,
            agent_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/media/{media}",
            format!("/api/v1/workspaces/{a}/media/1"),
            || Body::Empty,
            agent_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::PUT,
            "/api/v1/workspaces/{id}/media/{media}",
            format!("/api/v1/workspaces/{a}/media/1"),
            || Body::Json(json!({"alt": "matrix"})),
            agent_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::DELETE,
            "/api/v1/workspaces/{id}/media/{media}",
            format!("/api/v1/workspaces/{a}/media/1"),
            || Body::Empty,
            agent_api.map(|s| if s == 200 { 404 } else { s }),
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/link-preview",
            format!("/api/v1/workspaces/{a}/link-preview"),
            || Body::Json(json!({"text": "no link here"})),
            agent_api,
        ),
        // The public survey page: anyone; a submission without the survey's own cookie
        // is refused whoever sends it.
        (
            Method::GET,
            "/s/{code}",
            "/s/matrixcode1".into(),
            || Body::Empty,
            [200; 11],
        ),
        (
            Method::POST,
            "/s/{code}",
            "/s/matrixcode1".into(),
            || Body::Form(vec![("q0", "4".into())]),
            [403; 11],
        ),
        (
            Method::GET,
            "/w/{id}/surveys",
            format!("/w/{a}/surveys"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::POST,
            "/w/{id}/surveys",
            format!("/w/{a}/surveys"),
            || {
                Body::Form(vec![
                    ("title", "Matrix".into()),
                    ("q0_prompt", "How was it?".into()),
                    ("q0_kind", "rating".into()),
                ])
            },
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/w/{id}/surveys/{survey}",
            format!("/w/{a}/surveys/1"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::POST,
            "/w/{id}/surveys/{survey}",
            format!("/w/{a}/surveys/1"),
            || Body::Form(vec![("action", "open".into())]),
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/surveys",
            format!("/api/v1/workspaces/{a}/surveys"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/surveys",
            format!("/api/v1/workspaces/{a}/surveys"),
            || {
                Body::Json(json!({"title": "Matrix", "questions": [
                    {"prompt": "Why?", "kind": "free_text"}
                ]}))
            },
            created(manager_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/surveys/{survey}",
            format!("/api/v1/workspaces/{a}/surveys/1"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/surveys/{survey}/export",
            format!("/api/v1/workspaces/{a}/surveys/1/export?format=csv"),
            || Body::Empty,
            viewer_api,
        ),
        // Short links: public, a redirect for anyone (counted as a click).
        (
            Method::GET,
            "/l/{code}",
            "/l/matrix0001".into(),
            || Body::Empty,
            [302; 11],
        ),
        (
            Method::GET,
            "/w/{id}/campaigns",
            format!("/w/{a}/campaigns"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::POST,
            "/w/{id}/campaigns",
            format!("/w/{a}/campaigns"),
            || Body::Form(vec![("name", "Matrix campaign".into())]),
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/w/{id}/campaigns/{campaign}",
            format!("/w/{a}/campaigns/1"),
            || Body::Empty,
            viewer_page,
        ),
        (
            Method::POST,
            "/w/{id}/link-settings",
            format!("/w/{a}/link-settings"),
            || {
                Body::Form(vec![
                    ("enabled", "1".into()),
                    ("base_url", "https://go.acme.example".into()),
                    ("utm_medium", "social".into()),
                ])
            },
            redirected(manager_page),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/campaigns",
            format!("/api/v1/workspaces/{a}/campaigns"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::POST,
            "/api/v1/workspaces/{id}/campaigns",
            format!("/api/v1/workspaces/{a}/campaigns"),
            || Body::Json(json!({"name": "Matrix API"})),
            created(manager_api),
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/campaigns/{campaign}",
            format!("/api/v1/workspaces/{a}/campaigns/1"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::GET,
            "/api/v1/workspaces/{id}/link-settings",
            format!("/api/v1/workspaces/{a}/link-settings"),
            || Body::Empty,
            viewer_api,
        ),
        (
            Method::PUT,
            "/api/v1/workspaces/{id}/link-settings",
            format!("/api/v1/workspaces/{a}/link-settings"),
            || {
                Body::Json(
                    json!({"enabled": false, "base_url": "https://go.acme.example", "utm_medium": "social"}),
                )
            },
            manager_api,
        ),
        (
            Method::POST,
            "/logout",
            "/logout".into(),
            || Body::Empty,
            redirected(session_pages),
        ),
        (
            Method::POST,
            "/login",
            "/login".into(),
            || {
                Body::Form(vec![
                    ("email", "nobody@example.com".into()),
                    ("password", PASSWORD.into()),
                ])
            },
            [303; 11],
        ),
    ];

    // Every route of the router has exactly one row.
    let table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(method, pattern, ..)| (method.to_string(), pattern.to_string()))
        .collect();
    let routes: BTreeSet<(String, String)> = rapport_web::route_specs()
        .iter()
        .map(|spec| (spec.method.to_string(), spec.path.to_string()))
        .collect();
    assert_eq!(table, routes, "the matrix and the router disagree");
    assert_eq!(table.len(), rows.len(), "a route has two rows");

    let mut wrong = Vec::new();
    for (method, pattern, path, body, expected) in &rows {
        for (column, who) in callers.iter().enumerate() {
            let response = env.send(who, method.clone(), path, body()).await;
            let got = outcome(&response);
            if got != expected[column] {
                wrong.push(format!(
                    "{method} {pattern} as {}: expected {}, got {got}",
                    CALLERS[column], expected[column]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn callers_see_only_their_workspaces() {
    let env = spawn().await;
    let names = |body: Value| -> Vec<String> {
        body.as_array()
            .expect("list")
            .iter()
            .map(|w| w["name"].as_str().expect("name").to_string())
            .collect()
    };
    let admin_b = Who::Session(env.login("admin@b.example").await);
    let root = Who::Session(env.login("root@example.com").await);
    let nobody = Who::Session(env.login("nobody@example.com").await);
    let token = Who::Token(env.token(Role::Admin));
    for (who, expected) in [
        (&admin_b, vec!["Globex"]),
        (&root, vec!["Acme", "Globex"]),
        (&nobody, vec![]),
        (&token, vec!["Acme"]),
    ] {
        let body: Value = env
            .send(who, Method::GET, "/api/v1/workspaces", Body::Empty)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(names(body), expected, "{who:?}");
        let stats: Value = env
            .send(who, Method::GET, "/api/v1/stats", Body::Empty)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(names(stats["workspaces"].clone()), expected);
    }
    // B's dashboard does not list A in its switcher; A's token cannot read B.
    let page = env
        .send(&admin_b, Method::GET, "/", Body::Empty)
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Globex") && !page.contains("Acme"));
    let b = env.b.id;
    let response = env
        .send(
            &token,
            Method::GET,
            &format!("/api/v1/workspaces/{b}/counts"),
            Body::Empty,
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The page of a user without workspace says so and still offers logout.
    let page = env
        .send(&nobody, Method::GET, "/", Body::Empty)
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("No workspace yet") && page.contains("Log out"));
}

#[tokio::test]
async fn logins_fail_alike_for_wrong_passwords_and_unknown_users() {
    let env = spawn().await;
    for (email, password) in [
        ("viewer@a.example", "wrong password!"),
        ("ghost@a.example", PASSWORD),
    ] {
        let response = env.login_response(email, password, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{email}");
        assert!(header_value(&response, header::SET_COOKIE).is_empty());
        let page = response.text().await.expect("page");
        assert!(page.contains("Wrong e-mail or password."), "{email}");
    }
    // Case and spaces in the login name do not matter.
    let response = env
        .login_response("  Viewer@A.example ", PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The login page itself is escaped and script-free.
    let page = env
        .client
        .get(format!("{}/login", env.base))
        .send()
        .await
        .expect("page");
    assert!(header_value(&page, header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"));
    let html = page.text().await.expect("body");
    assert!(html.contains("name=\"password\"") && html.contains("type=\"password\""));
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count()
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_with_a_clear_message() {
    let env = spawn().await;
    for _ in 0..5 {
        let response = env
            .login_response("agent@a.example", "not the password", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with the reason.
    let response = env.login_response("agent@a.example", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("Too many failed logins for this account"),
        "{page}"
    );
    // Another account is not locked by it.
    let response = env.login_response("viewer@a.example", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Ten failures a minute from one address lock the address.
    for i in 0..5 {
        let response = env
            .login_response(&format!("ghost{i}@a.example"), "nope", None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = env
        .login_response("manager@a.example", PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response
        .text()
        .await
        .expect("page")
        .contains("for this address"));
}

#[tokio::test]
async fn sessions_use_safe_cookies_rotate_and_end_on_logout() {
    let env = spawn().await;
    let response = env.login_response("viewer@a.example", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_value(&response, header::LOCATION), "/");
    let set_cookie = header_value(&response, header::SET_COOKIE);
    assert!(
        set_cookie.starts_with("__Host-rapport_session="),
        "{set_cookie}"
    );
    for attribute in [
        "; Path=/",
        "; HttpOnly",
        "; SameSite=Lax",
        "; Secure",
        "; Max-Age=43200",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    assert!(!set_cookie.to_ascii_lowercase().contains("domain="));
    let first = cookie_pair(&response);
    let ok = |cookie: String| {
        let env = &env;
        async move {
            env.client
                .get(format!("{}/api/v1/stats", env.base))
                .header(header::COOKIE, cookie)
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    assert_eq!(ok(first.clone()).await, StatusCode::OK);

    // Logging in again with a session cookie issues a new id and ends the old one.
    let response = env
        .login_response("viewer@a.example", PASSWORD, Some(&first))
        .await;
    let second = cookie_pair(&response);
    assert_ne!(first, second);
    assert_eq!(ok(first.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(ok(second.clone()).await, StatusCode::OK);
    // A cookie the server never issued (a fixation attempt) is nobody.
    let planted = format!("__Host-rapport_session={}", "ab".repeat(32));
    assert_eq!(ok(planted.clone()).await, StatusCode::UNAUTHORIZED);
    let response = env
        .login_response("viewer@a.example", PASSWORD, Some(&planted))
        .await;
    assert_ne!(cookie_pair(&response), planted);

    // Logout needs the CSRF token, then ends the session on the server.
    let session = Session {
        cookie: second.clone(),
        csrf: csrf_of(
            &env.send(
                &Who::Session(Session {
                    cookie: second.clone(),
                    csrf: String::new(),
                }),
                Method::GET,
                "/",
                Body::Empty,
            )
            .await
            .text()
            .await
            .expect("page"),
        ),
    };
    let forged = Who::Session(Session {
        csrf: "0".repeat(64),
        ..session.clone()
    });
    let response = env
        .send(&forged, Method::POST, "/logout", Body::Empty)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(ok(second.clone()).await, StatusCode::OK);
    let response = env
        .send(&Who::Session(session), Method::POST, "/logout", Body::Empty)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(header_value(&response, header::SET_COOKIE).contains("Max-Age=0"));
    assert_eq!(ok(second).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_except_with_api_tokens() {
    let env = spawn().await;
    let a = env.a.id;
    let session = env.login("manager@a.example").await;
    let path = format!("{}/api/v1/workspaces/{a}/monitors", env.base);
    let body = json!({"name": "Launch", "kind": "campaign", "query": "#launch"});
    for csrf in [None, Some("0".repeat(64)), Some(String::new())] {
        let mut request = env
            .client
            .post(&path)
            .header(header::COOKIE, &session.cookie)
            .json(&body);
        if let Some(csrf) = &csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        let error: Value = response.json().await.expect("json");
        assert!(error["error"]["message"]
            .as_str()
            .expect("message")
            .contains("CSRF"));
    }
    // A form without the field is refused too.
    let admin = env.login("admin@a.example").await;
    let response = form(
        env.client
            .post(format!("{}/w/{a}/tokens", env.base))
            .header(header::COOKIE, &admin.cookie),
        vec![("name", "x".into()), ("role", "viewer".into())],
    )
    .send()
    .await
    .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // With the token it works; a bearer token needs none.
    let response = env
        .send(
            &Who::Session(session),
            Method::POST,
            &format!("/api/v1/workspaces/{a}/monitors"),
            Body::Json(body.clone()),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = env
        .send(
            &Who::Token(env.token(Role::Manager)),
            Method::POST,
            &format!("/api/v1/workspaces/{a}/monitors"),
            Body::Json(body),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Malformed, unknown and revoked bearer tokens are 401 with a challenge.
    for bad in ["Bearer nope", "Bearer rpt_0000", "Basic abc"] {
        let response = env
            .client
            .get(format!("{}/api/v1/stats", env.base))
            .header(header::AUTHORIZATION, bad)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        assert!(header_value(&response, header::WWW_AUTHENTICATE).starts_with("Bearer"));
    }
}

#[tokio::test]
async fn admins_add_members_and_tokens_whose_secrets_show_once() {
    let env = spawn().await;
    let a = env.a.id;
    let admin = Who::Session(env.login("admin@a.example").await);
    let page = env
        .send(
            &admin,
            Method::POST,
            &format!("/w/{a}/users"),
            Body::Form(vec![
                ("email", "New.Person@A.example".into()),
                ("display_name", "<b>New</b>".into()),
                ("role", "agent".into()),
            ]),
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("&lt;b&gt;New&lt;/b&gt;") && !page.contains("<b>New"));
    let marker = "class=\"secret\">";
    let at = page.find(marker).expect("password shown") + marker.len();
    let password: String = page[at..].chars().take_while(|c| *c != '<').collect();
    assert_eq!(password.len(), 23, "{password}");
    // The new user logs in with it and is an agent of A.
    let response = env
        .login_response("new.person@a.example", &password, None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = Who::Session(Session {
        cookie: cookie_pair(&response),
        csrf: String::new(),
    });
    let status = env
        .send(
            &session,
            Method::GET,
            &format!("/api/v1/workspaces/{a}/preview?q=acme"),
            Body::Empty,
        )
        .await
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN, "an agent may not preview");

    // A token's secret is shown once, then only its prefix.
    let page = env
        .send(
            &admin,
            Method::POST,
            &format!("/w/{a}/tokens"),
            Body::Form(vec![
                ("name", "BI export".into()),
                ("role", "viewer".into()),
            ]),
        )
        .await
        .text()
        .await
        .expect("page");
    let at = page.find("rpt_").expect("token shown");
    let token: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(token.len(), 68);
    let listing = env
        .send(&admin, Method::GET, &format!("/w/{a}/users"), Body::Empty)
        .await
        .text()
        .await
        .expect("page");
    assert!(!listing.contains(&token) && listing.contains(&token[..12]));
    let reader = Who::Token(token);
    let status = env
        .send(
            &reader,
            Method::GET,
            &format!("/api/v1/workspaces/{a}/mentions"),
            Body::Empty,
        )
        .await
        .status();
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn secrets_are_stored_only_hashed() {
    let env = spawn().await;
    let a = env.a.id;
    let session = env.login("admin@a.example").await;
    let token = env.token(Role::Admin);
    // Use both, so the store has had every chance to write them.
    let who = Who::Session(session.clone());
    let page = env
        .send(
            &who,
            Method::POST,
            &format!("/w/{a}/tokens"),
            Body::Form(vec![("name", "t".into()), ("role", "admin".into())]),
        )
        .await
        .text()
        .await
        .expect("page");
    let at = page.find("rpt_").expect("token shown");
    let shown: String = page[at..at + 68].to_string();
    assert_eq!(
        env.send(
            &Who::Token(token.clone()),
            Method::GET,
            "/api/v1/stats",
            Body::Empty
        )
        .await
        .status(),
        StatusCode::OK
    );

    let db = env.dir.path().join("rapport.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mut statement = conn
        .prepare("SELECT password_hash FROM users")
        .expect("prepare");
    let hashes: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(!hashes.is_empty());
    for hash in &hashes {
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
    let session_id = session.cookie.split_once('=').expect("pair").1.to_string();
    let mut bytes = std::fs::read(&db).expect("db");
    if let Ok(wal) = std::fs::read(env.dir.path().join("rapport.db-wal")) {
        bytes.extend(wal);
    }
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for secret in [
        PASSWORD,
        session_id.as_str(),
        token.as_str(),
        shown.as_str(),
    ] {
        assert!(
            !contains(secret),
            "a secret is stored in clear: {}",
            &secret[..8]
        );
    }
    // The hashes are there (so the search above looked in the right place).
    assert!(contains("$argon2id$"));
    assert!(
        contains(&token[..12]),
        "the token prefix is kept to tell tokens apart"
    );
}

#[tokio::test]
async fn the_audit_log_records_who_did_what() {
    let env = spawn().await;
    let a = env.a.id;
    let _ = env
        .login_response("admin@a.example", "wrong password", None)
        .await;
    let admin = Who::Session(env.login("admin@a.example").await);
    env.send(
        &admin,
        Method::POST,
        &format!("/w/{a}/users"),
        Body::Form(vec![
            ("email", "carol@a.example".into()),
            ("role", "manager".into()),
        ]),
    )
    .await;
    env.send(
        &admin,
        Method::POST,
        &format!("/w/{a}/tokens"),
        Body::Form(vec![("name", "audit".into()), ("role", "viewer".into())]),
    )
    .await;
    let spare = env.spare_token;
    env.send(
        &admin,
        Method::POST,
        &format!("/w/{a}/tokens/{spare}/revoke"),
        Body::Empty,
    )
    .await;
    env.send(
        &Who::Token(env.token(Role::Manager)),
        Method::POST,
        &format!("/api/v1/workspaces/{a}/monitors"),
        Body::Json(json!({"name": "Audited", "kind": "brand", "query": "audited"})),
    )
    .await;

    let events: Value = env
        .send(
            &admin,
            Method::GET,
            &format!("/api/v1/workspaces/{a}/audit"),
            Body::Empty,
        )
        .await
        .json()
        .await
        .expect("json");
    let entries: Vec<(String, String, String)> = events
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_string(),
                e["actor"].as_str().unwrap_or_default().to_string(),
                e["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let has = |action: &str, actor: &str, target: &str| {
        entries
            .iter()
            .any(|(a, who, t)| a == action && who.starts_with(actor) && t.starts_with(target))
    };
    assert!(
        has("user.create", "admin@a.example", "carol@a.example"),
        "{entries:?}"
    );
    assert!(
        has("membership.set", "admin@a.example", "carol@a.example"),
        "{entries:?}"
    );
    assert!(
        has("token.create", "admin@a.example", "rpt_"),
        "{entries:?}"
    );
    assert!(
        has("token.revoke", "admin@a.example", &format!("token {spare}")),
        "{entries:?}"
    );
    assert!(
        has("monitor.create", "token rpt_", "monitor "),
        "{entries:?}"
    );
    assert_eq!(
        entries.first().map(|e| e.0.as_str()),
        Some("monitor.create"),
        "newest first"
    );

    // Logins concern no workspace: the instance log has them.
    let root = Who::Session(env.login("root@example.com").await);
    let events: Value = env
        .send(&root, Method::GET, "/api/v1/audit", Body::Empty)
        .await
        .json()
        .await
        .expect("json");
    let actions: Vec<(&str, &str)> = events
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default(),
                e["actor"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("login.failed", "admin@a.example")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("login.ok", "admin@a.example")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("login.ok", "root@example.com")),
        "{actions:?}"
    );
    // No secret in the log.
    assert!(!events.to_string().contains("wrong password"));
}

#[tokio::test]
async fn the_monitor_form_points_at_the_typo_and_adds_a_good_query() {
    let env = spawn().await;
    let a = env.a.id;
    let manager = Who::Session(env.login("manager@a.example").await);
    let typo = env
        .send(
            &manager,
            Method::POST,
            &format!("/w/{a}/monitors"),
            Body::Form(vec![
                ("name", "Launch".into()),
                ("kind", "campaign".into()),
                ("query", "acme AND (launch OR \"new kettle)".into()),
            ]),
        )
        .await;
    assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = typo.text().await.expect("page");
    assert!(page.contains("column"), "{page}");
    // The form keeps what was typed (escaped) so it can be fixed in place.
    assert!(
        page.contains("value=\"acme AND (launch OR &quot;new kettle)\""),
        "{page}"
    );
    assert!(page.contains("id=\"monitor-error\""));

    let good = env
        .send(
            &manager,
            Method::POST,
            &format!("/w/{a}/monitors"),
            Body::Form(vec![
                ("name", "Launch".into()),
                ("kind", "campaign".into()),
                ("query", "acme AND (launch OR \"new kettle\")".into()),
            ]),
        )
        .await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    let list = env
        .send(
            &manager,
            Method::GET,
            &format!("/w/{a}/monitors"),
            Body::Empty,
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(list.contains("Launch"), "{list}");
    // A viewer sees the list but not the form.
    let viewer = Who::Session(env.login("viewer@a.example").await);
    let seen = env
        .send(
            &viewer,
            Method::GET,
            &format!("/w/{a}/monitors"),
            Body::Empty,
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(seen.contains("Launch"));
    assert!(!seen.contains("id=\"monitor-form\""));
}
