//! Campaigns and short links end to end: the real router on a free local port over a real
//! SQLite file. Two published posts of one campaign (variants A and B) with engagement
//! readings and a short link; a person's click is counted and a link-preview bot's fetch is
//! not; the redirect carries the UTM tags; the campaign page shows both variants and the
//! test's verdict; a viewer cannot create a campaign; link settings refuse a non-http base.

use chrono::{Duration, Utc};
use rapport_engine::links::{self, UtmTags};
use rapport_model::{Membership, Role, Workspace};
use rapport_store::engagement::{Counts, NewShortLink};
use rapport_store::publishing::{
    ClaimLease, DeliveryId, DeliveryOutcome, DraftId, DraftStatus, NewDraft, NewPublishAccount,
    Transition,
};
use rapport_store::{
    AccountStore, EngagementStore, NewApiToken, NewUser, PublishStore, Secret, SecretKey,
    SqliteOptions, SqliteStore, Store,
};
use rapport_web::{auth, AppState};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";
const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

struct Env {
    base: String,
    http: reqwest::Client,
    manager: String,
    viewer: String,
    workspace: Workspace,
    store: SqliteStore,
    /// The campaign's id, the short link's code and its destination.
    campaign: i64,
    key: SecretKey,
    code: String,
    destination: String,
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

/// A post published through `account` now (as the scheduler records it).
async fn published(
    store: &SqliteStore,
    workspace: &Workspace,
    account: rapport_store::publishing::PublishAccountId,
    text: &str,
    native: &str,
) -> (DraftId, DeliveryId) {
    let draft = store
        .create_draft(NewDraft {
            workspace_id: workspace.id,
            author_id: None,
            text: text.into(),
            targets: vec![(account, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    store
        .transition_draft(
            workspace.id,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(Utc::now() - Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    let claimed = store
        .claim_due_deliveries(&ClaimLease::new("t", Duration::minutes(5)), Utc::now(), 5)
        .await
        .unwrap();
    store
        .finish_delivery(
            claimed[0].id,
            "t",
            DeliveryOutcome::Sent {
                native_id: native.into(),
                url: None,
                followers: None,
            },
        )
        .await
        .unwrap();
    (draft.id, claimed[0].id)
}

async fn sample(store: &SqliteStore, delivery: DeliveryId, likes: u64, reposts: u64) {
    let now = Utc::now();
    assert!(store
        .claim_sample_slot(delivery, 0, "t", now)
        .await
        .unwrap());
    store
        .record_sample(
            delivery,
            0,
            now,
            Counts {
                likes: Some(likes),
                reposts: Some(reposts),
                replies: Some(0),
                quotes: None,
                impressions: None,
            },
        )
        .await
        .unwrap();
}

async fn spawn() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("r.db"), SqliteOptions::default()).unwrap();
    let workspace = store.create_workspace("Acme").await.unwrap();
    let manager = token(&store, &workspace, Role::Manager).await;
    let viewer = token(&store, &workspace, Role::Viewer).await;
    let key = SecretKey::generate().unwrap();
    let account = store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: workspace.id,
                kind: "mastodon".into(),
                display_name: "Acme on Mastodon".into(),
                settings: json!({"instance": "https://mastodon.example"}),
                secret: Secret::new("token"),
            },
            &key,
        )
        .await
        .unwrap();
    let campaign = store
        .create_campaign(workspace.id, "Spring <launch>", "spring")
        .await
        .unwrap();
    let (draft_a, delivery_a) = published(&store, &workspace, account.id, "Version A", "101").await;
    let (draft_b, delivery_b) = published(&store, &workspace, account.id, "Version B", "102").await;
    store
        .set_draft_campaign(workspace.id, draft_a, Some((campaign.id, "A")))
        .await
        .unwrap();
    store
        .set_draft_campaign(workspace.id, draft_b, Some((campaign.id, "B")))
        .await
        .unwrap();
    sample(&store, delivery_a, 5, 2).await;
    sample(&store, delivery_b, 7, 3).await;
    let destination = links::with_utm(
        "https://acme.example/spring?ref=home",
        &UtmTags {
            source: "mastodon".into(),
            medium: "social".into(),
            campaign: Some("spring".into()),
            content: Some("B".into()),
        },
    )
    .unwrap();
    let code = links::new_code().unwrap();
    store
        .short_link_for(NewShortLink {
            workspace_id: workspace.id,
            delivery_id: delivery_b,
            position: 0,
            destination: destination.clone(),
            code: code.clone(),
        })
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rapport_web::serve(
        listener,
        AppState::sqlite(store.clone())
            .with_cookies(auth::CookiePolicy::PlainLoopback)
            .with_publishing(rapport_web::routes::publishing::Publishing::new(
                std::sync::Arc::new(store.clone()),
                key.clone(),
                rapport_sources::http::SafetyPolicy::public_only(),
            )),
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
        campaign: campaign.id.0,
        key,
        code,
        destination,
        _dir: dir,
    }
}

impl Env {
    async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn visit(&self, code: &str, agent: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/l/{code}", self.base))
            .header(header::USER_AGENT, agent)
            .send()
            .await
            .unwrap()
    }

    /// A session cookie of a new user with `role` in the workspace.
    async fn session(&self, email: &str, role: Role) -> String {
        let user = self
            .store
            .create_user(NewUser {
                email: email.into(),
                display_name: "Someone".into(),
                password_hash: auth::hash_password(PASSWORD).unwrap(),
                is_admin: false,
            })
            .await
            .unwrap();
        self.store
            .set_membership(Membership {
                user: user.id,
                workspace: self.workspace.id,
                role,
            })
            .await
            .unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("email", email), ("password", PASSWORD)])
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
        response.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

#[tokio::test]
async fn a_click_is_counted_and_redirected_with_utm_tags_a_preview_bot_is_not_a_click() {
    let env = spawn().await;
    let person = env.visit(&env.code, BROWSER).await;
    assert_eq!(person.status(), StatusCode::FOUND);
    let location = person.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(location, env.destination);
    assert_eq!(
        location,
        "https://acme.example/spring?ref=home&utm_source=mastodon&utm_medium=social\
         &utm_campaign=spring&utm_content=B"
    );
    for bot in [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    ] {
        let preview = env.visit(&env.code, bot).await;
        assert_eq!(preview.status(), StatusCode::FOUND, "{bot}");
    }
    let link = env.store.short_link(&env.code).await.unwrap().unwrap();
    let clicks = env.store.link_clicks(link.id).await.unwrap();
    assert_eq!(clicks.len(), 1);
    assert_eq!((clicks[0].1, clicks[0].2), (1, 3), "1 click, 3 previews");
    assert_eq!(clicks[0].0, links::hour_of(clicks[0].0));

    // Unknown or malformed codes: a 404 page, nothing counted.
    for code in ["ZZZZZZZZZZ", "nope", "..%2F..%2Fadmin"] {
        let missing = env.visit(code, BROWSER).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{code}");
        assert!(missing.headers().get(header::LOCATION).is_none());
        assert!(missing.text().await.unwrap().contains("Link not found"));
    }
    // The campaign's report counts the click for variant B only.
    let (status, report) = env
        .api(
            &env.viewer,
            reqwest::Method::GET,
            &format!(
                "/api/v1/workspaces/{}/campaigns/{}",
                env.workspace.id, env.campaign
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let variants = report["variants"].as_array().unwrap();
    assert_eq!(variants[0]["label"], "A");
    assert_eq!(variants[0]["clicks"], 0);
    assert_eq!(variants[1]["label"], "B");
    assert_eq!(
        (
            variants[1]["clicks"].as_u64(),
            variants[1]["previews"].as_u64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(variants[1]["engagements"], 10);
    assert_eq!(variants[0]["engagement_per_post"], 7.0);
}

#[tokio::test]
async fn the_campaign_page_shows_both_variants_and_the_verdict() {
    let env = spawn().await;
    let cookie = env.session("viewer@acme.example", Role::Viewer).await;
    let page = env
        .http
        .get(format!(
            "{}/w/{}/campaigns/{}",
            env.base, env.workspace.id, env.campaign
        ))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Spring &lt;launch&gt;"),
        "the name is escaped"
    );
    assert!(!html.contains("Spring <launch>"));
    assert!(html.contains("data-variant=\"A\""), "{html}");
    assert!(html.contains("data-variant=\"B\""), "{html}");
    // 7 against 10 engagements, one post each: far from significant.
    assert!(
        html.contains("not yet significant (p = ") && html.contains("); keep collecting"),
        "{html}"
    );
    assert!(html.contains("<svg"), "the chart is drawn by the server");
    assert!(
        html.contains("Variant A: 7.0 engagements per post"),
        "{html}"
    );

    // The list shows it too.
    let list = env
        .http
        .get(format!("{}/w/{}/campaigns", env.base, env.workspace.id))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!(
        "/w/{}/campaigns/{}",
        env.workspace.id, env.campaign
    )));
    assert!(!list.contains("campaign-form"), "a viewer gets no form");
}

#[tokio::test]
async fn a_viewer_cannot_create_a_campaign_a_manager_can() {
    let env = spawn().await;
    let path = format!("/api/v1/workspaces/{}/campaigns", env.workspace.id);
    let (status, _) = env
        .api(
            &env.viewer,
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "Nope"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cookie = env.session("viewer2@acme.example", Role::Viewer).await;
    let page = env
        .http
        .get(format!("{}/w/{}/campaigns", env.base, env.workspace.id))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let (status, created) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "Summer sale!"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["slug"], "summer-sale");
    // The same name again gets a numbered slug; a given slug that is taken is a conflict.
    let (_, again) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "Summer sale"})),
        )
        .await;
    assert_eq!(again["slug"], "summer-sale-2");
    let (status, _) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "Other", "slug": "spring"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "Bad", "slug": "Not A Slug"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, list) = env
        .api(&env.viewer, reqwest::Method::GET, &path, None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn link_settings_take_only_an_http_base() {
    let env = spawn().await;
    let path = format!("/api/v1/workspaces/{}/link-settings", env.workspace.id);
    let (status, settings) = env
        .api(&env.viewer, reqwest::Method::GET, &path, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["enabled"], false);
    assert_eq!(settings["utm_medium"], "social");
    for base in ["javascript:alert(1)", "ftp://go.acme.example", "not a url"] {
        let (status, _) = env
            .api(
                &env.manager,
                reqwest::Method::PUT,
                &path,
                Some(json!({"enabled": true, "base_url": base, "utm_medium": "social"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{base}");
    }
    let (status, _) = env
        .api(
            &env.viewer,
            reqwest::Method::PUT,
            &path,
            Some(json!({"enabled": true, "base_url": "https://go.acme.example", "utm_medium": "social"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, saved) = env
        .api(
            &env.manager,
            reqwest::Method::PUT,
            &path,
            Some(json!({"enabled": true, "base_url": "https://go.acme.example/", "utm_medium": "social"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["base_url"], "https://go.acme.example");
    assert!(
        env.store
            .link_settings(env.workspace.id)
            .await
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn a_draft_joins_a_campaign_and_its_length_is_checked_with_short_links() {
    let env = spawn().await;
    let w = env.workspace.id;
    let bluesky = env
        .store
        .add_publish_account(
            NewPublishAccount {
                workspace_id: w,
                kind: "bluesky".into(),
                display_name: "Acme on Bluesky".into(),
                settings: json!({"identifier": "acme.bsky.social"}),
                secret: Secret::new("app-password"),
            },
            &env.key,
        )
        .await
        .unwrap();
    let drafts = format!("/api/v1/workspaces/{w}/drafts");
    let (status, draft) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &drafts,
            Some(json!({"text": "Variant B", "targets": [bluesky.id.0],
                        "campaign_id": env.campaign, "variant": "B", "action": "save"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = DraftId(draft["id"].as_i64().unwrap());
    let placed = env.store.draft_campaign(id).await.unwrap().unwrap();
    assert_eq!(
        (placed.campaign.id.0, placed.variant.as_str()),
        (env.campaign, "B")
    );
    for (campaign, variant) in [(env.campaign, "<b>"), (9999, "A")] {
        let (status, _) = env
            .api(
                &env.manager,
                reqwest::Method::POST,
                &drafts,
                Some(json!({"text": "x", "targets": [bluesky.id.0],
                            "campaign_id": campaign, "variant": variant, "action": "save"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{campaign} {variant}"
        );
    }

    // 288 graphemes on Bluesky (limit 300): fits as written; with link tracking the URL
    // goes out as https://links.acme.example/l/<10 characters>, 39 graphemes: 315.
    let text = format!("{} https://a.io", "x".repeat(275));
    let body = json!({"text": text, "targets": [bluesky.id.0], "action": "save"});
    let (status, _) = env
        .api(
            &env.manager,
            reqwest::Method::POST,
            &drafts,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    env.store
        .set_link_settings(
            w,
            &rapport_store::engagement::LinkSettings {
                enabled: true,
                base_url: "https://links.acme.example".into(),
                utm_medium: "social".into(),
            },
        )
        .await
        .unwrap();
    let (status, error) = env
        .api(&env.manager, reqwest::Method::POST, &drafts, Some(body))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("315"),
        "{error}"
    );
}

/// The next chunk of a streamed body; the deadline only keeps a broken stream from hanging
/// the test.
async fn next_chunk(response: &mut reqwest::Response) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(20), response.chunk())
        .await
        .expect("an event within the deadline")
        .unwrap()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_campaign_pages_follow_a_click_without_a_reload() {
    let env = spawn().await;
    let w = env.workspace.id;
    let cookie = env.session("viewer@acme.example", Role::Viewer).await;
    let get = |path: String| {
        let request = env
            .http
            .get(format!("{}{path}", env.base))
            .header(header::COOKIE, &cookie);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.text().await.unwrap()
        }
    };
    // Each page carries its live part: where the script fetches it again, and the stream
    // that says when.
    let page = get(format!("/w/{w}/campaigns/{}", env.campaign)).await;
    assert!(
        page.contains(&format!(
            "data-live-src=\"/w/{w}/campaigns/{}?part=live\"",
            env.campaign
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "data-live-events=\"/api/v1/workspaces/{w}/events\""
        )),
        "{page}"
    );
    let list = get(format!("/w/{w}/campaigns")).await;
    assert!(
        list.contains(&format!("data-live-src=\"/w/{w}/campaigns?part=live\"")),
        "{list}"
    );

    let b_clicks = |part: &str| -> String {
        let row = part
            .split("data-variant=\"B\"")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .unwrap_or_else(|| panic!("variant B in {part}"));
        row.split("data-clicks=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string()
    };
    let part_path = format!("/w/{w}/campaigns/{}?part=live", env.campaign);
    let before = get(part_path.clone()).await;
    assert!(!before.contains("<html"), "only the part: {before}");
    assert_eq!(b_clicks(&before), "0");
    let list_part = get(format!("/w/{w}/campaigns?part=live")).await;
    assert!(list_part.contains("data-clicks=\"0\""), "{list_part}");

    // The page's stream (with the session, as the browser opens it).
    let mut events = env
        .http
        .get(format!("{}/api/v1/workspaces/{w}/events", env.base))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let first = next_chunk(&mut events).await;
    assert!(first.contains("event: change"), "{first}");

    // Someone follows the short link: the stream says so and the part shows the click.
    assert_eq!(
        env.visit(&env.code, BROWSER).await.status(),
        StatusCode::FOUND
    );
    let mut seen = String::new();
    while !seen.contains("data: 1") {
        seen.push_str(&next_chunk(&mut events).await);
    }
    let after = get(part_path).await;
    assert_eq!(b_clicks(&after), "1", "{after}");
    let list_part = get(format!("/w/{w}/campaigns?part=live")).await;
    assert!(list_part.contains("data-clicks=\"1\""), "{list_part}");
}

#[tokio::test]
async fn engagement_per_1000_followers_is_shown_per_post_and_variant() {
    let env = spawn().await;
    let w = env.workspace.id;
    // A third post, variant B, sent when the account had 4,000 followers; the first two
    // were sent without a count.
    let account = env
        .store
        .publish_accounts(w)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let draft = env
        .store
        .create_draft(NewDraft {
            workspace_id: w,
            author_id: None,
            text: "Version B again".into(),
            targets: vec![(account.id, None)],
            poll: None,
            status: DraftStatus::PendingApproval,
            scheduled_at: None,
        })
        .await
        .unwrap();
    env.store
        .transition_draft(
            w,
            draft.id,
            Transition {
                from: vec![DraftStatus::PendingApproval],
                to: DraftStatus::Scheduled,
                scheduled_at: Some(Utc::now() - Duration::minutes(1)),
                approved_by: None,
            },
        )
        .await
        .unwrap();
    let claimed = env
        .store
        .claim_due_deliveries(&ClaimLease::new("t", Duration::minutes(5)), Utc::now(), 5)
        .await
        .unwrap();
    env.store
        .finish_delivery(
            claimed[0].id,
            "t",
            DeliveryOutcome::Sent {
                native_id: "103".into(),
                url: None,
                followers: Some(4_000),
            },
        )
        .await
        .unwrap();
    env.store
        .set_draft_campaign(
            w,
            draft.id,
            Some((rapport_store::engagement::CampaignId(env.campaign), "B")),
        )
        .await
        .unwrap();
    sample(&env.store, claimed[0].id, 20, 6).await;

    let (status, report) = env
        .api(
            &env.viewer,
            reqwest::Method::GET,
            &format!("/api/v1/workspaces/{w}/campaigns/{}", env.campaign),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let variants = report["variants"].as_array().unwrap();
    assert_eq!(variants[0]["label"], "A");
    assert_eq!(variants[0]["followers"], Value::Null);
    assert_eq!(variants[0]["engagement_per_1k_followers"], Value::Null);
    // B: 26 engagements over 4,000 followers on the one post with a count = 6.5.
    assert_eq!(variants[1]["followers"], 4_000);
    assert_eq!(variants[1]["posts_with_followers"], 1);
    assert_eq!(variants[1]["engagement_per_1k_followers"], 6.5);
    let posts = report["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 3);
    let third = posts.iter().find(|p| p["native_id"] == "103").unwrap();
    assert_eq!(third["followers"], 4_000);
    assert_eq!(third["engagement_per_1k_followers"], 6.5);
    assert_eq!(third["variant"], "B", "the post's own fields stay");
    let first = posts.iter().find(|p| p["native_id"] == "101").unwrap();
    assert_eq!(first["followers"], Value::Null);
    assert_eq!(first["engagement_per_1k_followers"], Value::Null);

    let cookie = env.session("viewer@acme.example", Role::Viewer).await;
    let page = env
        .http
        .get(format!("{}/w/{w}/campaigns/{}", env.base, env.campaign))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Engagement per 1,000 followers"), "{page}");
    assert!(page.contains("followers unknown"), "{page}");
    assert!(page.contains("6.50 (1 of 2 posts"), "{page}");
    assert!(page.contains(">6.50<"), "the post's own figure: {page}");
    assert!(
        page.contains("the test does not use it"),
        "the page says how the test treats followers: {page}"
    );
}
