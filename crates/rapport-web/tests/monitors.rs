//! Editing a monitor through the API and the page, and the overview's lists, against the
//! real server and store.

use rapport_model::{MonitorKind, NewMonitor, Role};
use rapport_store::{AccountStore, NewApiToken, NewUser, SqliteOptions, SqliteStore, Store};
use rapport_web::{auth, AppState};
use serde_json::{json, Value};

#[tokio::test]
async fn a_manager_edits_a_monitor_through_the_api_and_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let ws = store.create_workspace("Orvella").await.unwrap();
    let other = store.create_workspace("Other").await.unwrap();
    let monitor = store
        .create_monitor(NewMonitor {
            workspace_id: ws.id,
            name: "Brand".into(),
            kind: MonitorKind::Brand,
            query: "orvella".into(),
        })
        .await
        .unwrap();
    let theirs = store
        .create_monitor(NewMonitor {
            workspace_id: other.id,
            name: "Theirs".into(),
            kind: MonitorKind::Brand,
            query: "bolt".into(),
        })
        .await
        .unwrap();
    let (secret, prefix) = auth::new_api_token().unwrap();
    store
        .create_api_token(NewApiToken {
            token_hash: secret.hash(),
            prefix,
            workspace: ws.id,
            role: Role::Manager,
            name: "m".into(),
            created_by: None,
        })
        .await
        .unwrap();
    let user = store
        .create_user(NewUser {
            email: "manager@orvella.example".into(),
            display_name: "Manager".into(),
            password_hash: auth::hash_password("correct horse battery").unwrap(),
            is_admin: false,
        })
        .await
        .unwrap();
    store
        .set_membership(rapport_model::Membership {
            user: user.id,
            workspace: ws.id,
            role: Role::Manager,
        })
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone()).with_read_cache(),
        std::future::pending(),
    ));
    let client = rapport_sources::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let put = |id: i64, body: Value| {
        let (client, base, token) = (client.clone(), base.clone(), secret.expose().to_string());
        async move {
            let response = client
                .put(format!("{base}/api/v1/workspaces/{}/monitors/{id}", ws.id))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, edited) = put(
        monitor.id.0,
        json!({"name": "Brand and kettle", "kind": "product", "query": "orvella   AND  kettle"}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        edited["query"], "orvella AND kettle",
        "stored in canonical form"
    );
    assert_eq!(edited["kind"], "product");
    // A typo is refused with the reason; another workspace's monitor does not exist here.
    let (status, body) = put(
        monitor.id.0,
        json!({"name": "x", "kind": "brand", "query": "orvella AND"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("invalid query"));
    let (status, _) = put(
        theirs.id.0,
        json!({"name": "stolen", "kind": "brand", "query": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        store.monitors(Some(other.id)).await.unwrap()[0].name,
        "Theirs"
    );

    // The page: log in, open the edit form, save.
    let login = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=manager%40orvella.example&password=correct+horse+battery")
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = client
        .get(format!("{base}/w/{}/monitors?edit={}", ws.id, monitor.id.0))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Edit Brand and kettle"), "{page}");
    assert!(page.contains(r#"name="monitor" value=""#));
    let csrf = page
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let saved = client
        .post(format!("{base}/w/{}/monitors", ws.id))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("csrf", csrf.as_str()),
                ("monitor", &monitor.id.0.to_string()),
                ("name", "Kettles"),
                ("kind", "product"),
                ("query", "kettle*"),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let monitors = store.monitors(Some(ws.id)).await.unwrap();
    assert_eq!(monitors.len(), 1, "edited, not added");
    assert_eq!(monitors[0].name, "Kettles");
    assert_eq!(monitors[0].query, "kettle*");

    // The overview lists themes and voices (empty here, and says so).
    let dashboard = client
        .get(format!("{base}/w/{}", ws.id))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for heading in [
        "Emerging today",
        "Top advocates, 7 days",
        "Top detractors, 7 days",
    ] {
        assert!(dashboard.contains(heading), "{heading}");
    }
}
