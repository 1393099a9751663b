//! Campaigns (A/B tests), link tracking settings and the public short-link redirect.
//!
//! - `GET /l/{code}` (public): 302 to the link's destination (http or https only, checked
//!   again here), counting a click in the link's hour, or a *preview* when the user agent is
//!   a known link-preview bot ([`rapport_engine::links::is_preview_bot`]). Nothing about the
//!   visitor is stored: no address, no agent. An unknown code is a 404 page.
//! - `/w/{id}/campaigns` and `/api/v1/workspaces/{id}/campaigns`: the list, and creating one
//!   (managers). `/w/{id}/campaigns/{campaign}` and its API: per variant the posts, their
//!   latest counts, link clicks, engagements per post, a chart over the hours since
//!   publication, and the test of each variant against the first
//!   ([`rapport_engine::abtest::compare`]).
//! - `/api/v1/workspaces/{id}/link-settings` and the campaigns page's form: whether links
//!   of scheduled posts are replaced by short links, their public base and `utm_medium`.
//! - Engagement per 1,000 followers, per post and per variant, from the follower count the
//!   scheduler stored with each delivery ("followers unknown" where there is none). The
//!   test itself does not use it (see [`FOLLOWERS_NOTE`]).
//! - Both pages are live: their figures sit in a part the page fetches again
//!   (`?part=live`) on each `change` of the workspace's server-sent events
//!   ([`super::events`]), so new readings, clicks and deliveries show without a reload.

use axum::{
    body::Bytes,
    extract::{
        rejection::{JsonRejection, PathRejection},
        Path, RawQuery, State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Json,
};
use chrono::Utc;
use maud::{html, Markup, DOCTYPE};
use rapport_engine::abtest::{self, Comparison, VariantTotals};
use rapport_engine::links;
use rapport_model::{Role, WorkspaceId};
use rapport_store::engagement::{Campaign, CampaignId, CampaignPost, LinkSettings};
use rapport_store::EngagementStore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::pages::{layout, user_menu};
use super::{find_workspace, parse_workspace_id};
use crate::charts::{self, VariantLine};
use crate::{
    auth::Caller,
    error::{ApiError, PageError, WebError},
    AppState,
};

/// The longest campaign name.
pub const MAX_NAME: usize = 120;
/// The longest slug.
pub const MAX_SLUG: usize = 60;
/// The longest variant label.
pub const MAX_VARIANT: usize = 16;

/// Why the A/B test does not weigh posts by followers, as the campaign page says it.
pub const FOLLOWERS_NOTE: &str = "Engagement per 1,000 followers puts accounts of different \
    sizes side by side, but the test does not use it: a follower count is a snapshot taken \
    when the post was sent, not the audience that saw it, so the test still compares \
    engagements per post (or per impression where every post has them).";

/// The engagement store, or why campaigns are not available here.
pub(crate) fn engagement(state: &AppState) -> Result<&Arc<dyn EngagementStore>, WebError> {
    state.engagement.as_ref().ok_or_else(|| {
        WebError::Unavailable("campaigns and link tracking are not available on this server".into())
    })
}

/// A slug from a name: lower-case ASCII letters and digits, other runs as one `-`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    slug.chars()
        .take(MAX_SLUG)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Checks a variant label: 1 to 16 letters, digits, `-` or `_`.
pub fn check_variant(label: &str) -> Result<String, WebError> {
    let label = label.trim();
    if label.is_empty()
        || label.chars().count() > MAX_VARIANT
        || !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(WebError::Unprocessable(format!(
            "a variant label is 1 to {MAX_VARIANT} letters, digits, - or _ (A, B, ...), not {label:?}"
        )));
    }
    Ok(label.to_string())
}

// ---------------------------------------------------------------------------------------
// The public redirect

fn not_found_page() -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="robots" content="noindex";
                title { "Link not found" }
                link rel="stylesheet" href=(crate::assets::APP_CSS.url());
            }
            body { main.main { section.panel {
                h1 { "Link not found" }
                p { "This short link does not exist. Check the address you followed." }
            } } }
        }
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

/// `GET /l/{code}`: redirects to the link's destination and counts the visit.
pub(crate) async fn redirect(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(code)) = path else {
        return not_found_page();
    };
    if !links::is_code(&code) {
        return not_found_page();
    }
    let Ok(store) = engagement(&state) else {
        return not_found_page();
    };
    let link = match store.short_link(&code).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_found_page(),
        Err(error) => return PageError(WebError::from(error)).into_response(),
    };
    // Stored destinations are checked when made; checked again so nothing but http(s) is
    // ever sent as a Location.
    let Some(destination) = links::http_url(&link.destination) else {
        return not_found_page();
    };
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let preview = links::is_preview_bot(agent);
    if let Err(error) = store
        .record_click(link.id, links::hour_of(Utc::now()), preview)
        .await
    {
        tracing::warn!(%error, "short link: the click was not counted");
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, destination.as_str().to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::REFERRER_POLICY,
                "no-referrer-when-downgrade".to_string(),
            ),
        ],
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Reports

/// One variant's totals in a campaign.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantReport {
    /// Its label.
    pub label: String,
    /// Delivered posts.
    pub posts: usize,
    /// Likes (latest readings).
    pub likes: u64,
    /// Reposts.
    pub reposts: u64,
    /// Replies.
    pub replies: u64,
    /// Quotes.
    pub quotes: u64,
    /// Impressions, when every post's network reports them.
    pub impressions: Option<u64>,
    /// Likes + reposts + replies + quotes.
    pub engagements: u64,
    /// Engagements per post.
    pub engagement_per_post: f64,
    /// Clicks on the posts' short links (people).
    pub clicks: u64,
    /// Fetches by link-preview bots (not clicks).
    pub previews: u64,
    /// Followers of the accounts when the posts were sent, summed over the posts whose
    /// count is known (`None`: none is).
    pub followers: Option<u64>,
    /// Posts whose follower count is known.
    pub posts_with_followers: usize,
    /// Engagements per 1,000 followers over the posts with a reading and a known, non-zero
    /// follower count (`None`: there is no such post).
    pub engagement_per_1k_followers: Option<f64>,
}

/// One delivered post of a campaign in its report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostReport {
    /// The post, its latest reading, clicks and followers.
    #[serde(flatten)]
    pub post: CampaignPost,
    /// Engagements of its latest reading per 1,000 followers (`None`: no reading yet, or
    /// followers unknown or zero).
    pub engagement_per_1k_followers: Option<f64>,
}

/// One test of a campaign: a metric, and each variant against the first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignTest {
    /// What is compared (`engagements`, `clicks`).
    pub metric: String,
    /// Its unit in the verdicts (`engagements per post`, ...).
    pub unit: String,
    /// Each variant against the first.
    #[schema(value_type = Vec<Object>)]
    pub comparisons: Vec<Comparison>,
}

/// A campaign with its variants and tests.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignReport {
    /// The campaign.
    pub campaign: Campaign,
    /// Its variants, by label.
    pub variants: Vec<VariantReport>,
    /// Its delivered posts.
    pub posts: Vec<PostReport>,
    /// The tests (engagements, then clicks when any link was clicked).
    pub tests: Vec<CampaignTest>,
}

fn totals(posts: &[&CampaignPost], label: &str) -> VariantReport {
    let sum = |f: fn(&rapport_store::engagement::EngagementSample) -> Option<u64>| {
        posts
            .iter()
            .filter_map(|p| p.latest.as_ref().and_then(f))
            .sum::<u64>()
    };
    let likes = sum(|s| s.likes);
    let reposts = sum(|s| s.reposts);
    let replies = sum(|s| s.replies);
    let quotes = sum(|s| s.quotes);
    let impressions = posts
        .iter()
        .map(|p| p.latest.as_ref().and_then(|s| s.impressions))
        .sum::<Option<u64>>()
        .filter(|_| !posts.is_empty());
    let engagements = likes + reposts + replies + quotes;
    let with_followers: Vec<&&CampaignPost> =
        posts.iter().filter(|p| p.followers.is_some()).collect();
    let followers = (!with_followers.is_empty()).then(|| {
        with_followers
            .iter()
            .filter_map(|p| p.followers)
            .sum::<u64>()
    });
    // Pooled over the posts that have both a reading and a non-zero count.
    let (rated_engagements, rated_followers) = posts
        .iter()
        .filter_map(|p| {
            let f = p.followers.filter(|f| *f > 0)?;
            Some((p.latest.as_ref()?.engagements(), f))
        })
        .fold((0u64, 0u64), |(e, f), (pe, pf)| (e + pe, f + pf));
    VariantReport {
        label: label.to_string(),
        posts: posts.len(),
        likes,
        reposts,
        replies,
        quotes,
        impressions,
        engagements,
        engagement_per_post: if posts.is_empty() {
            0.0
        } else {
            engagements as f64 / posts.len() as f64
        },
        clicks: posts.iter().map(|p| p.clicks).sum(),
        previews: posts.iter().map(|p| p.previews).sum(),
        followers,
        posts_with_followers: with_followers.len(),
        engagement_per_1k_followers: (rated_followers > 0)
            .then(|| rated_engagements as f64 * 1000.0 / rated_followers as f64),
    }
}

/// The report of a campaign from its posts (pure: the page and the API share it).
pub fn report(campaign: Campaign, posts: Vec<CampaignPost>) -> CampaignReport {
    let mut by_variant: BTreeMap<String, Vec<&CampaignPost>> = BTreeMap::new();
    for post in &posts {
        by_variant
            .entry(post.variant.clone())
            .or_default()
            .push(post);
    }
    let variants: Vec<VariantReport> = by_variant
        .iter()
        .map(|(label, posts)| totals(posts, label))
        .collect();
    let mut tests = Vec::new();
    if variants.len() >= 2 {
        let with_impressions = variants
            .iter()
            .all(|v| v.impressions.is_some_and(|i| i > 0));
        let engagement: Vec<VariantTotals> = variants
            .iter()
            .map(|v| VariantTotals {
                label: v.label.clone(),
                events: v.engagements,
                exposure: v.posts as f64,
                trials: v.impressions.filter(|_| with_impressions),
            })
            .collect();
        let unit = if with_impressions {
            "engagements per impression"
        } else {
            "engagements per post"
        };
        tests.push(CampaignTest {
            metric: "engagements".into(),
            unit: unit.into(),
            comparisons: abtest::compare(&engagement, unit),
        });
        if variants.iter().any(|v| v.clicks > 0) {
            let clicks: Vec<VariantTotals> = variants
                .iter()
                .map(|v| VariantTotals {
                    label: v.label.clone(),
                    events: v.clicks,
                    exposure: v.posts as f64,
                    trials: v.impressions.filter(|_| with_impressions),
                })
                .collect();
            let unit = if with_impressions {
                "clicks per impression"
            } else {
                "clicks per post"
            };
            tests.push(CampaignTest {
                metric: "clicks".into(),
                unit: unit.into(),
                comparisons: abtest::compare(&clicks, unit),
            });
        }
    }
    let posts = posts
        .into_iter()
        .map(|post| PostReport {
            engagement_per_1k_followers: post.engagement_per_1k_followers(),
            post,
        })
        .collect();
    CampaignReport {
        campaign,
        variants,
        posts,
        tests,
    }
}

/// The chart's lines: per variant, mean engagements per post at 24 ages from publication to
/// the oldest reading.
async fn lines(
    store: &dyn EngagementStore,
    posts: &[PostReport],
) -> Result<Vec<VariantLine>, WebError> {
    let mut series: HashMap<String, Vec<Vec<(f64, u64)>>> = HashMap::new();
    let mut max_age: f64 = 0.0;
    for PostReport { post, .. } in posts {
        let samples = store.sample_series(post.delivery_id).await?;
        let points: Vec<(f64, u64)> = samples
            .iter()
            .map(|s| {
                let hours = (s.sampled_at - post.sent_at).num_seconds().max(0) as f64 / 3600.0;
                (hours, s.engagements())
            })
            .collect();
        if let Some(last) = points.last() {
            max_age = max_age.max(last.0);
        }
        series.entry(post.variant.clone()).or_default().push(points);
    }
    let steps = 24;
    let mut labels: Vec<&String> = series.keys().collect();
    labels.sort();
    Ok(labels
        .into_iter()
        .map(|label| {
            let post_series = &series[label];
            let points = (0..=steps)
                .map(|i| {
                    let at = max_age * i as f64 / steps as f64;
                    let total: u64 = post_series
                        .iter()
                        .map(|points| {
                            points
                                .iter()
                                .take_while(|(h, _)| *h <= at)
                                .last()
                                .map(|p| p.1)
                                .unwrap_or(0)
                        })
                        .sum();
                    (at, total as f64 / post_series.len().max(1) as f64)
                })
                .collect();
            VariantLine {
                label: label.clone(),
                points,
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Creating

/// A campaign to create.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewCampaignBody {
    /// Its name (1 to 120 characters).
    pub name: String,
    /// Its slug (`utm_campaign`): lower-case letters, digits and `-`; made from the name
    /// when absent.
    #[serde(default)]
    pub slug: Option<String>,
}

async fn create_campaign(
    state: &AppState,
    workspace: WorkspaceId,
    body: &NewCampaignBody,
) -> Result<Campaign, WebError> {
    find_workspace(state, workspace).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(WebError::bad_request(format!(
            "a campaign's name is 1 to {MAX_NAME} characters"
        )));
    }
    let given = body
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let slug = match given {
        Some(slug) => {
            if slug.len() > MAX_SLUG
                || !slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(WebError::bad_request(format!(
                    "a slug is 1 to {MAX_SLUG} lower-case letters, digits and -"
                )));
            }
            slug.to_string()
        }
        None => slugify(name),
    };
    if slug.is_empty() {
        return Err(WebError::bad_request(
            "the name has no letters or digits to make a slug of: give a slug",
        ));
    }
    let store = engagement(state)?;
    // A slug made from the name gets a number when taken (`launch-2`); a given one does not.
    let tries = if given.is_some() { 1 } else { 50 };
    for n in 1..=tries {
        let candidate = if n == 1 {
            slug.clone()
        } else {
            let suffix = format!("-{n}");
            let stem: String = slug.chars().take(MAX_SLUG - suffix.len()).collect();
            format!("{}{suffix}", stem.trim_end_matches('-'))
        };
        match store.create_campaign(workspace, name, &candidate).await {
            Ok(campaign) => return Ok(campaign),
            Err(rapport_store::StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(WebError::Conflict(format!(
        "a campaign with the slug {slug:?} exists already in this workspace"
    )))
}

fn workspace_path(path: Result<Path<String>, PathRejection>) -> Result<WorkspaceId, WebError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    parse_workspace_id(&raw)
}

fn campaign_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, CampaignId), WebError> {
    let Path((workspace, campaign)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let campaign = campaign
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("campaign id must be a positive integer"))?;
    Ok((parse_workspace_id(&workspace)?, CampaignId(campaign)))
}

async fn find_report(
    state: &AppState,
    workspace: WorkspaceId,
    id: CampaignId,
) -> Result<CampaignReport, WebError> {
    find_workspace(state, workspace).await?;
    let store = engagement(state)?;
    let campaign = store
        .campaign(workspace, id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("no campaign {} in this workspace", id.0)))?;
    let posts = store.campaign_posts(workspace, id).await?;
    Ok(report(campaign, posts))
}

// ---------------------------------------------------------------------------------------
// The API

/// `GET /api/v1/workspaces/{id}/campaigns`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/campaigns",
    tag = "campaigns",
    summary = "The workspace's campaigns, newest first (viewer)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The campaigns", body = [Campaign]),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 503, description = "Campaigns are not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<Campaign>>, ApiError> {
    let workspace = workspace_path(path)?;
    find_workspace(&state, workspace).await?;
    Ok(Json(engagement(&state)?.campaigns(workspace).await?))
}

/// `POST /api/v1/workspaces/{id}/campaigns`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/campaigns",
    tag = "campaigns",
    summary = "Create a campaign (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewCampaignBody,
    responses(
        (status = 201, description = "Created", body = Campaign),
        (status = 400, description = "A malformed body, name or slug", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 409, description = "The slug is taken", body = crate::error::ErrorBody),
        (status = 503, description = "Campaigns are not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewCampaignBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Campaign>), ApiError> {
    let workspace = workspace_path(path)?;
    let Json(body) = body.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let campaign = create_campaign(&state, workspace, &body).await?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

/// `GET /api/v1/workspaces/{id}/campaigns/{campaign}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/campaigns/{campaign}",
    tag = "campaigns",
    summary = "A campaign's variants, posts and tests (viewer)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("campaign" = i64, Path, description = "Campaign id"),
    ),
    responses(
        (status = 200, description = "The report", body = CampaignReport),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or campaign", body = crate::error::ErrorBody),
        (status = 503, description = "Campaigns are not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn report_api(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<CampaignReport>, ApiError> {
    let (workspace, id) = campaign_path(path)?;
    Ok(Json(find_report(&state, workspace, id).await?))
}

/// `GET /api/v1/workspaces/{id}/link-settings`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/link-settings",
    tag = "campaigns",
    summary = "Link tracking: short links, their base and utm_medium (viewer)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The settings", body = LinkSettings),
        (status = 400, description = "A malformed workspace id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn get_link_settings(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<LinkSettings>, ApiError> {
    let workspace = workspace_path(path)?;
    find_workspace(&state, workspace).await?;
    Ok(Json(engagement(&state)?.link_settings(workspace).await?))
}

fn check_link_settings(settings: &LinkSettings) -> Result<LinkSettings, WebError> {
    let base = settings.base_url.trim().trim_end_matches('/').to_string();
    if settings.enabled || !base.is_empty() {
        let url = links::http_url(&base).ok_or_else(|| {
            WebError::bad_request(format!(
                "the short links' base {base:?} is not an http(s) address"
            ))
        })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(WebError::bad_request(
                "the short links' base has no query or fragment",
            ));
        }
    }
    let medium = settings.utm_medium.trim();
    if medium.is_empty() || medium.len() > 60 {
        return Err(WebError::bad_request("utm_medium is 1 to 60 characters"));
    }
    Ok(LinkSettings {
        enabled: settings.enabled,
        base_url: base,
        utm_medium: medium.to_string(),
    })
}

/// `PUT /api/v1/workspaces/{id}/link-settings`.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{id}/link-settings",
    tag = "campaigns",
    summary = "Turn link tracking on or off, set the short links' public base (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = LinkSettings,
    responses(
        (status = 200, description = "Saved", body = LinkSettings),
        (status = 400, description = "A malformed body or base", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn put_link_settings(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<LinkSettings>, JsonRejection>,
) -> Result<Json<LinkSettings>, ApiError> {
    let workspace = workspace_path(path)?;
    let Json(body) = body.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    find_workspace(&state, workspace).await?;
    let settings = check_link_settings(&body)?;
    engagement(&state)?
        .set_link_settings(workspace, &settings)
        .await?;
    Ok(Json(settings))
}

// ---------------------------------------------------------------------------------------
// Pages

fn is_manager(caller: &Caller, workspace: WorkspaceId) -> bool {
    caller
        .role_in(workspace)
        .is_some_and(|r| r.allows(Role::Manager))
}

/// Whether a page request asks only for its live part (`?part=live`).
fn live_part_only(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "part" && v == "live")
    })
}

/// The element around a page's live part: the script fetches `src` again on each change
/// event of the workspace's stream (and polls without one).
fn live(id: WorkspaceId, element: &str, src: &str, part: Markup) -> Markup {
    html! {
        div.live-part id=(element) data-live-src=(src)
            data-live-events={ "/api/v1/workspaces/" (id) "/events" } aria-live="polite" {
            (part)
        }
    }
}

/// The list's live part: each campaign with its published posts, engagements and clicks.
async fn list_part(store: &dyn EngagementStore, id: WorkspaceId) -> Result<Markup, WebError> {
    let list = store.campaigns(id).await?;
    let mut rows = Vec::with_capacity(list.len());
    for campaign in list {
        let posts = store.campaign_posts(id, campaign.id).await?;
        let engagements: u64 = posts
            .iter()
            .filter_map(|p| p.latest.as_ref().map(|s| s.engagements()))
            .sum();
        let clicks: u64 = posts.iter().map(|p| p.clicks).sum();
        rows.push((campaign, posts.len(), engagements, clicks));
    }
    Ok(html! {
        @if rows.is_empty() {
            p.empty { "No campaign yet. A campaign groups posts as variants (A, B, ...) \
                       to see which does better; choose it on the compose page." }
        } @else {
            table.campaigns {
                thead { tr {
                    th { "Name" } th { "Slug (utm_campaign)" } th { "Created" }
                    th { "Posts published" } th { "Engagements" } th { "Clicks" }
                } }
                tbody {
                    @for (c, posts, engagements, clicks) in &rows {
                        tr data-campaign=(c.id.0) {
                            td { a href={ "/w/" (id) "/campaigns/" (c.id.0) } { (c.name) } }
                            td { code { (c.slug) } }
                            td { (c.created_at.format("%Y-%m-%d")) }
                            td.posts { (posts) }
                            td.engagements { (engagements) }
                            td.clicks data-clicks=(clicks) { (clicks) }
                        }
                    }
                }
            }
        }
    })
}

/// `GET /w/{id}/campaigns`: the list, the form to make one and the link settings;
/// `?part=live`: the list alone (what the page fetches again on each change).
pub(crate) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Markup, PageError> {
    let id = workspace_path(path)?;
    if live_part_only(query.as_deref()) {
        find_workspace(&state, id).await?;
        return Ok(list_part(&**engagement(&state)?, id).await?);
    }
    Ok(render_list(&state, &caller, id, None).await?)
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    error: Option<String>,
) -> Result<Markup, WebError> {
    let workspace = find_workspace(state, id).await?;
    let store = engagement(state)?;
    let part = list_part(&**store, id).await?;
    let settings = store.link_settings(id).await?;
    let csrf = caller.csrf().unwrap_or_default();
    let body = html! {
        main.main {
            section.panel {
                h1 { "Campaigns · " (workspace.name) }
                @if let Some(error) = &error {
                    div.form-error #campaign-error role="alert" { p { (error) } }
                }
                (live(id, "campaigns-live", &format!("/w/{id}/campaigns?part=live"), part))
            }
            section.panel #link-settings {
                h2 { "Link tracking" }
                @if settings.enabled {
                    p { "On: links in scheduled posts become " code { (settings.base_url) "/l/…" }
                        " with utm_source (the network), utm_medium=" (settings.utm_medium)
                        ", utm_campaign and utm_content (the campaign and variant)." }
                } @else {
                    p { "Off: links are sent as written." }
                }
                @if is_manager(caller, id) {
                    form.link-settings method="post" action={ "/w/" (id) "/link-settings" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { input type="checkbox" name="enabled" value="1" checked[settings.enabled]; " Replace links by short links" }
                        label for="link-base" { "Public address of short links (rapport's own, as the internet reaches it)" }
                        input #link-base type="url" name="base_url" value=(settings.base_url) placeholder="https://go.example.com";
                        label for="link-medium" { "utm_medium" }
                        input #link-medium type="text" name="utm_medium" value=(settings.utm_medium) maxlength="60";
                        div.actions { button type="submit" { "Save" } }
                    }
                }
            }
            @if is_manager(caller, id) {
                section.panel {
                    h2 { "New campaign" }
                    form.campaign-new #campaign-form method="post" action={ "/w/" (id) "/campaigns" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="campaign-name" { "Name" }
                        input #campaign-name type="text" name="name" required maxlength=(MAX_NAME);
                        label for="campaign-slug" { "Slug (optional; made from the name)" }
                        input #campaign-slug type="text" name="slug" maxlength=(MAX_SLUG) pattern="[a-z0-9-]+";
                        div.actions { button type="submit" { "Create campaign" } }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Campaigns · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(caller, Some(&workspace)),
        body,
    ))
}

fn form_fields(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `POST /w/{id}/campaigns`: creates a campaign from the form.
pub(crate) async fn create_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = workspace_path(path)?;
    let fields = form_fields(&body);
    let body = NewCampaignBody {
        name: fields.get("name").cloned().unwrap_or_default(),
        slug: fields.get("slug").cloned(),
    };
    match create_campaign(&state, id, &body).await {
        Ok(c) => Ok(Redirect::to(&format!("/w/{id}/campaigns/{}", c.id.0)).into_response()),
        Err(WebError::BadRequest(message) | WebError::Conflict(message)) => {
            let page = render_list(&state, &caller, id, Some(message)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /w/{id}/link-settings`: saves the link settings from the campaigns page's form.
pub(crate) async fn link_settings_form(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = workspace_path(path)?;
    find_workspace(&state, id).await?;
    let fields = form_fields(&body);
    let wanted = LinkSettings {
        enabled: fields.get("enabled").is_some_and(|v| !v.is_empty()),
        base_url: fields.get("base_url").cloned().unwrap_or_default(),
        utm_medium: fields
            .get("utm_medium")
            .cloned()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "social".into()),
    };
    match check_link_settings(&wanted) {
        Ok(settings) => {
            engagement(&state)?.set_link_settings(id, &settings).await?;
            Ok(Redirect::to(&format!("/w/{id}/campaigns#link-settings")).into_response())
        }
        Err(WebError::BadRequest(message)) => {
            let page = render_list(&state, &caller, id, Some(message)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

fn optional(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| v.to_string())
}

/// Followers as the page shows them.
fn followers_text(followers: Option<u64>) -> String {
    followers.map_or_else(|| "followers unknown".to_string(), |f| f.to_string())
}

/// A post's engagement per 1,000 followers as the page shows it.
fn post_per_1k(post: &PostReport) -> String {
    match (post.engagement_per_1k_followers, post.post.followers) {
        (Some(rate), _) => format!("{rate:.2}"),
        (None, None) => "followers unknown".into(),
        (None, Some(0)) => "no followers".into(),
        (None, Some(_)) => "not read yet".into(),
    }
}

/// A variant's engagement per 1,000 followers as the page shows it.
fn variant_per_1k(v: &VariantReport) -> String {
    match v.engagement_per_1k_followers {
        None if v.posts_with_followers == 0 => "followers unknown".into(),
        None => "—".into(),
        Some(rate) if v.posts_with_followers < v.posts => format!(
            "{rate:.2} ({} of {} posts; the others' followers unknown)",
            v.posts_with_followers, v.posts
        ),
        Some(rate) => format!("{rate:.2}"),
    }
}

/// The campaign page's live part: variants, chart, verdicts and posts.
async fn report_part(
    state: &AppState,
    id: WorkspaceId,
    campaign_id: CampaignId,
) -> Result<(CampaignReport, Markup), WebError> {
    let report = find_report(state, id, campaign_id).await?;
    let lines = lines(&**engagement(state)?, &report.posts).await?;
    let part = html! {
        section.panel {
            h2 { "Variants" }
            @if report.variants.is_empty() {
                p.empty { "No post of this campaign has been published yet. Put drafts in it \
                           with a variant label on the compose page." }
            } @else {
                table.variants #variants {
                    thead { tr {
                        th { "Variant" } th { "Posts" } th { "Likes" } th { "Reposts" }
                        th { "Replies" } th { "Quotes" } th { "Impressions" } th { "Clicks" }
                        th { "Link previews" } th { "Engagement per post" }
                        th { "Followers" } th { "Engagement per 1,000 followers" }
                    } }
                    tbody {
                        @for v in &report.variants {
                            tr.variant data-variant=(v.label) {
                                th scope="row" { (v.label) }
                                td { (v.posts) } td { (v.likes) } td { (v.reposts) }
                                td { (v.replies) } td { (v.quotes) } td { (optional(v.impressions)) }
                                td.clicks data-clicks=(v.clicks) { (v.clicks) } td { (v.previews) }
                                td { (format!("{:.1}", v.engagement_per_post)) }
                                td.followers { (followers_text(v.followers)) }
                                td.per-followers { (variant_per_1k(v)) }
                            }
                        }
                    }
                }
            }
        }
        @if !report.variants.is_empty() {
            section.panel {
                h2 { "Over time" }
                (charts::variant_lines(&lines))
            }
        }
        section.panel #verdicts {
            h2 { "Test" }
            @if report.tests.is_empty() {
                p { "A test needs at least two variants with published posts." }
            }
            @for test in &report.tests {
                h3 { (test.metric) }
                ul {
                    @for comparison in &test.comparisons {
                        li.verdict {
                            strong { (comparison.variant) " vs " (comparison.control) ": " }
                            (comparison.verdict)
                        }
                    }
                }
            }
            p.hint { "Engagements are the latest likes, reposts, replies and quotes read from \
                      the networks. With impressions on every post the test compares \
                      proportions (two-proportion z-test); otherwise rates per post (exact \
                      Poisson test). Each variant is compared with the first; with more than \
                      two, p-values are Holm-adjusted. A difference is called below p = 0.05 \
                      with at least " (abtest::MIN_EVENTS) " events." }
            p.hint #followers-note { (FOLLOWERS_NOTE) }
        }
        section.panel {
            h2 { "Posts" }
            table.posts {
                thead { tr {
                    th { "Variant" } th { "Draft" } th { "Network" } th { "Sent" }
                    th { "Engagements" } th { "Clicks" } th { "Followers" }
                    th { "Engagement per 1,000 followers" }
                } }
                tbody {
                    @for p in &report.posts {
                        tr data-delivery=(p.post.delivery_id.0) {
                            td { (p.post.variant) }
                            td { a href={ "/w/" (id) "/drafts/" (p.post.draft_id.0) } { "#" (p.post.draft_id.0) } }
                            td { (p.post.account_kind) }
                            td { (p.post.sent_at.format("%Y-%m-%d %H:%M UTC")) }
                            td { (p.post.latest.map_or_else(|| "not read yet".to_string(), |s| s.engagements().to_string())) }
                            td.clicks data-clicks=(p.post.clicks) { (p.post.clicks) }
                            td.followers { (followers_text(p.post.followers)) }
                            td.per-followers { (post_per_1k(p)) }
                        }
                    }
                }
            }
        }
    };
    Ok((report, part))
}

/// `GET /w/{id}/campaigns/{campaign}`: variants, chart and verdicts; `?part=live`: those
/// alone (what the page fetches again on each change).
pub(crate) async fn report_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Markup, PageError> {
    let (id, campaign_id) = campaign_path(path)?;
    let workspace = find_workspace(&state, id).await?;
    let (report, part) = report_part(&state, id, campaign_id).await?;
    if live_part_only(query.as_deref()) {
        return Ok(part);
    }
    let c = &report.campaign;
    let src = format!("/w/{id}/campaigns/{}?part=live", c.id.0);
    let body = html! {
        main.main {
            section.panel {
                h1 { "Campaign · " (c.name) }
                p { "utm_campaign=" code { (c.slug) } " · " a href={ "/w/" (id) "/campaigns" } { "all campaigns" } }
            }
            (live(id, "campaign-live", &src, part))
        }
    };
    Ok(layout(
        &format!("Campaign · {}", c.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slugify("Spring launch 2026!"), "spring-launch-2026");
        assert_eq!(slugify("  Été -- promo "), "t-promo");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn variant_labels_are_short_and_plain() {
        assert_eq!(check_variant(" B ").unwrap(), "B");
        assert!(check_variant("").is_err());
        assert!(check_variant("<script>").is_err());
        assert!(check_variant("seventeen-chars-x").is_err());
    }
}
