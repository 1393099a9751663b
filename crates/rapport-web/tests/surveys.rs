//! Survey pages end to end: the real server on a free local port over a real SQLite file. A
//! manager creates a survey through the API, visitors answer the public page `/s/<code>`
//! (with its cookie and form token, no login), a second answer from the same browser is
//! refused politely, hostile text stays text, and the results come back as a page (for a
//! logged-in user), JSON and CSV.

use rapport_model::{Membership, Role, Workspace};
use rapport_store::{AccountStore, NewApiToken, NewUser, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, routes::surveys::Surveys, AppState};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

struct Env {
    base: String,
    http: reqwest::Client,
    manager: String,
    viewer: String,
    workspace: Workspace,
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

async fn token(store: &SqliteStore, workspace: &Workspace, role: Role) -> String {
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: workspace.id,
            role,
            name: format!("{role} token"),
            created_by: None,
        })
        .await
        .unwrap();
    secret.expose().to_string()
}

async fn spawn(per_minute: usize) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let workspace = store.create_workspace("Acme").await.unwrap();
    let manager = token(&store, &workspace, Role::Manager).await;
    let viewer = token(&store, &workspace, Role::Viewer).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let surveys =
        Surveys::new(Arc::new(store.clone())).with_limit(per_minute, Duration::from_secs(60));
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_surveys(surveys),
        std::future::pending(),
    ));
    Env {
        base,
        http: rapport_sources::http::client_builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        manager,
        viewer,
        workspace,
        store,
        _dir: dir,
    }
}

/// A visitor's browser: the survey cookie it was given and the form token of its page.
struct Visitor {
    cookie: String,
    form: String,
}

fn form_token(page: &str) -> String {
    let at = page.find("name=\"form\" value=\"").expect("form token") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

impl Env {
    async fn api(&self, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let request = match body {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, body: Value) -> (StatusCode, Value) {
        let w = self.workspace.id;
        self.api(
            &self.manager,
            &format!("/api/v1/workspaces/{w}/surveys"),
            Some(body),
        )
        .await
    }

    async fn visit(&self, code: &str) -> (StatusCode, Option<Visitor>, String) {
        let response = self
            .http
            .get(format!("{}/s/{code}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
        let page = response.text().await.unwrap();
        let visitor = cookie.map(|cookie| Visitor {
            cookie,
            form: form_token(&page),
        });
        (status, visitor, page)
    }

    async fn answer(
        &self,
        code: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(format!("{}/s/{code}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// A logged-in session cookie of a viewer of the workspace.
    async fn session(&self) -> String {
        let user = self
            .store
            .create_user(NewUser {
                email: "viewer@acme.example".into(),
                display_name: "Vi".into(),
                password_hash: auth::hash_password(PASSWORD).unwrap(),
                is_admin: false,
            })
            .await
            .unwrap();
        self.store
            .set_membership(Membership {
                user: user.id,
                workspace: self.workspace.id,
                role: Role::Viewer,
            })
            .await
            .unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("email", "viewer@acme.example"), ("password", PASSWORD)])
            .finish();
        let response = self
            .http
            .post(format!("{}/login", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        response
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

fn kettle_survey() -> Value {
    json!({
        "title": "The new kettle <b>v2</b>",
        "questions": [
            {"prompt": "Which colour?", "kind": "single_choice",
             "options": ["Sage", "Rust", "Slate"], "required": true},
            {"prompt": "Which extras?", "kind": "multiple_choice",
             "options": ["Filter", "Timer", "Cup"]},
            {"prompt": "How do you rate it?", "kind": "rating"},
            {"prompt": "Anything else?", "kind": "free_text"}
        ]
    })
}

#[tokio::test]
async fn visitors_answer_once_and_the_team_reads_the_results() {
    let env = spawn(100).await;
    let w = env.workspace.id;
    let (status, survey) = env.create(kettle_survey()).await;
    assert_eq!(status, StatusCode::CREATED, "{survey}");
    let code = survey["code"].as_str().unwrap().to_string();
    let id = survey["id"].as_i64().unwrap();
    assert_eq!(code.len(), 20);
    assert!(survey.get("signing_key").is_none(), "{survey}");

    // The page: an accessible form, the title escaped, a cookie for this survey only.
    let (status, visitor, page) = env.visit(&code).await;
    assert_eq!(status, StatusCode::OK);
    let first = visitor.expect("a cookie");
    assert!(
        page.contains("The new kettle &lt;b&gt;v2&lt;/b&gt;"),
        "{page}"
    );
    assert!(
        page.contains("<fieldset") && page.contains("<legend>"),
        "{page}"
    );
    assert!(page.contains("<label for=\"q0-0\">Sage</label>"), "{page}");
    assert!(page.contains("<textarea id=\"q3\" name=\"q3\""), "{page}");

    let hostile = "<script>alert('x')</script> I love it, great kettle!";
    let (status, thanks) = env
        .answer(
            &code,
            Some(&first.cookie),
            &[
                ("form", &first.form),
                ("q0", "1"),
                ("q1", "0"),
                ("q1", "2"),
                ("q2", "5"),
                ("q3", hostile),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{thanks}");
    assert!(thanks.contains("Thank you"));

    // The same browser again: refused politely, on the page and on a second submission.
    let response = env
        .http
        .get(format!("{}/s/{code}", env.base))
        .header(header::COOKIE, &first.cookie)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let page = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("already answered"), "{page}");
    let (status, page) = env
        .answer(
            &code,
            Some(&first.cookie),
            &[("form", &first.form), ("q0", "0")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("already answered"), "{page}");

    // Two more visitors; one leaves the required question out first.
    let (_, second, _) = env.visit(&code).await;
    let second = second.unwrap();
    let (status, page) = env
        .answer(
            &code,
            Some(&second.cookie),
            &[("form", &second.form), ("q2", "2")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("question 1 needs an answer"), "{page}");
    let (status, _) = env
        .answer(
            &code,
            Some(&second.cookie),
            &[
                ("form", &second.form),
                ("q0", "1"),
                ("q2", "2"),
                (
                    "q3",
                    "=HYPERLINK(\"http://evil.example\") terrible, it broke",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, third, _) = env.visit(&code).await;
    let third = third.unwrap();
    let (status, _) = env
        .answer(
            &code,
            Some(&third.cookie),
            &[("form", &third.form), ("q0", "0"), ("q1", "2")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // The JSON summary: counts, rating mean and distribution, sentiment.
    let (status, summary) = env
        .api(
            &env.viewer,
            &format!("/api/v1/workspaces/{w}/surveys/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["responses"], 3);
    let q = &summary["questions"];
    let counts: Vec<i64> = q[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 2, 0]);
    let extras: Vec<i64> = q[1]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_i64().unwrap())
        .collect();
    assert_eq!(extras, vec![1, 0, 2]);
    assert_eq!(q[2]["mean"], 3.5);
    assert_eq!(q[2]["distribution"], json!([0, 1, 0, 0, 1]));
    assert_eq!(q[3]["answered"], 2);
    assert_eq!(q[3]["sentiment"]["positive"], 1);
    assert_eq!(q[3]["sentiment"]["negative"], 1);
    assert_eq!(q[3]["texts"][0]["text"], hostile);

    // The results page: for logged-in users only, hostile text escaped.
    let response = env
        .http
        .get(format!("{}/w/{w}/surveys/{id}", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "pages need a login"
    );
    let session = env.session().await;
    let page = env
        .http
        .get(format!("{}/w/{w}/surveys/{id}", env.base))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;alert('x')&lt;/script&gt; I love it"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("3.50"), "{page}");
    assert!(
        page.contains("1 positive · 0 neutral · 1 negative"),
        "{page}"
    );

    // CSV: one row per answer, formula cells neutralised; JSON: the raw answers.
    let response = env
        .http
        .get(format!(
            "{}/api/v1/workspaces/{w}/surveys/{id}/export?format=csv",
            env.base
        ))
        .bearer_auth(&env.viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].ends_with("Which colour?,Which extras?,How do you rate it?,Anything else?,Anything else? (sentiment)"), "{csv}");
    assert!(lines[1].contains("Rust,Filter; Cup,5,"), "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let (status, raw) = env
        .api(
            &env.viewer,
            &format!("/api/v1/workspaces/{w}/surveys/{id}/export?format=json"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(raw.as_array().unwrap().len(), 3);
    assert_eq!(raw[0]["answers"][2], json!({"kind": "rating", "value": 5}));
}

#[tokio::test]
async fn forged_or_foreign_submissions_are_refused() {
    let env = spawn(100).await;
    let (_, a) = env.create(kettle_survey()).await;
    let (_, b) = env.create(kettle_survey()).await;
    let (a, b) = (a["code"].as_str().unwrap(), b["code"].as_str().unwrap());
    let (_, visitor, _) = env.visit(a).await;
    let visitor = visitor.unwrap();
    // No cookie (another site posting the form): refused.
    let (status, page) = env
        .answer(a, None, &[("form", &visitor.form), ("q0", "0")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Open the survey"), "{page}");
    // The cookie without the page's form token: refused.
    let (status, _) = env.answer(a, Some(&visitor.cookie), &[("q0", "0")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Survey A's cookie on survey B: refused.
    let (status, _) = env
        .answer(
            b,
            Some(&visitor.cookie),
            &[("form", &visitor.form), ("q0", "0")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A forged signature: refused.
    let token = visitor
        .cookie
        .split('=')
        .nth(1)
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let forged = format!("rapport_survey={token}.{}", "ab".repeat(32));
    let (status, _) = env
        .answer(a, Some(&forged), &[("form", &visitor.form), ("q0", "0")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad values come back as the form with the reason.
    for (fields, why) in [
        (vec![("q0", "7")], "that choice does not exist"),
        (vec![("q0", "0"), ("q2", "9")], "a rating is 1 to 5"),
    ] {
        let mut all = vec![("form", visitor.form.as_str())];
        all.extend(fields);
        let (status, page) = env.answer(a, Some(&visitor.cookie), &all).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains(why), "{page}");
    }
    // Unknown and malformed codes.
    assert_eq!(env.visit("0000000000").await.0, StatusCode::NOT_FOUND);
    assert_eq!(env.visit("..%2Fetc").await.0, StatusCode::NOT_FOUND);

    // Nothing was stored.
    let w = env.workspace.id;
    let (_, summary) = env
        .api(
            &env.viewer,
            &format!("/api/v1/workspaces/{w}/surveys"),
            None,
        )
        .await;
    assert_eq!(summary.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn answers_are_rate_limited_per_address_and_closed_surveys_refuse() {
    let env = spawn(2).await;
    let w = env.workspace.id;
    let (_, survey) = env.create(kettle_survey()).await;
    let code = survey["code"].as_str().unwrap();
    for _ in 0..2 {
        let (_, v, _) = env.visit(code).await;
        let v = v.unwrap();
        let (status, _) = env
            .answer(code, Some(&v.cookie), &[("form", &v.form), ("q0", "0")])
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, v, _) = env.visit(code).await;
    let v = v.unwrap();
    let response = env
        .http
        .post(format!("{}/s/{code}", env.base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &v.cookie)
        .body(format!("form={}&q0=0", v.form))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));

    // Closed: the link says so.
    // Closing goes through the store here; the page route is covered by the matrix.
    let id = rapport_store::surveys::SurveyId(survey["id"].as_i64().unwrap());
    rapport_store::SurveyStore::set_survey_open(&env.store, w, id, false)
        .await
        .unwrap();
    let (status, _, page) = env.visit(code).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("closed"), "{page}");
}

#[tokio::test]
async fn surveys_are_checked_when_created_and_need_a_manager() {
    let env = spawn(10).await;
    let w = env.workspace.id;
    for (body, why) in [
        (
            json!({"title": "", "questions": [{"prompt": "a", "kind": "rating"}]}),
            "title",
        ),
        (json!({"title": "t", "questions": []}), "1 to 10 questions"),
        (
            json!({"title": "t", "questions": [{"prompt": "a", "kind": "single_choice", "options": ["only"]}]}),
            "2 to 10 options",
        ),
        (
            json!({"title": "t", "questions": [{"prompt": "a", "kind": "single_choice", "options": ["x", "X"]}]}),
            "there twice",
        ),
        (
            json!({"title": "t", "questions": [{"prompt": "a", "kind": "rating", "options": ["x"]}]}),
            "has no options",
        ),
        (
            json!({"title": "t", "questions": (0..11).map(|_| json!({"prompt": "a", "kind": "rating"})).collect::<Vec<_>>()}),
            "1 to 10 questions",
        ),
    ] {
        let (status, error) = env.create(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(why),
            "{error}"
        );
    }
    let (status, _) = env
        .api(
            &env.viewer,
            &format!("/api/v1/workspaces/{w}/surveys"),
            Some(kettle_survey()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
