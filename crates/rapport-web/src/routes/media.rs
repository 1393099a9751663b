//! Images on drafts and link previews, for the compose and draft pages and the API.
//!
//! - `POST /api/v1/workspaces/{id}/drafts/{draft}/media?alt=...`: the image's bytes as the
//!   body (any `Content-Type`: the kind is sniffed from the bytes, never taken from a name
//!   or a header), at most [`MAX_UPLOAD_BYTES`]. Refused (422) when the file is not a PNG,
//!   JPEG, GIF or WebP, when the draft already has [`MAX_IMAGES`], when the draft is past
//!   approval (images are attached before it is scheduled, so a post never goes out with
//!   half of them), or when any of the draft's accounts would refuse it
//!   (`Publisher::media_limits`: count, size, alt text; networks rapport sends no images to
//!   refuse any). The answer lists the draft's images with each target's errors and
//!   warnings (a missing alt text where it is not required).
//! - `GET .../drafts/{draft}/media`: the same list; `GET /api/v1/workspaces/{id}/media/{media}`:
//!   the bytes, served with the sniffed type, `nosniff` and a sandboxing CSP;
//!   `PUT` (alt text) and `DELETE` on the same path.
//! - `POST /api/v1/workspaces/{id}/link-preview` `{"text"}`: the card of the text's first
//!   link, fetched through the SSRF guard ([`Fetcher`] under the server's `[safety]`
//!   policy, 1 MiB and 5 s at most): Open Graph, X card tags, `<title>`.

use axum::{
    body::Bytes,
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        DefaultBodyLimit, Path, Query, State,
    },
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{post, MethodRouter},
    Json,
};
use rapport_model::WorkspaceId;
use rapport_sources::http::{FetchError, FetchLimits, Fetcher};
use rapport_sources::publish::{media, preview};
use rapport_store::media::{DraftMedia, MediaId, NewDraftMedia};
use rapport_store::publishing::{Draft, DraftStatus, PublishAccountId};
use rapport_store::MediaStore;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

use super::parse_workspace_id;
use super::publishing::{draft_path, find_draft, publishing, Publishing};
use crate::{
    error::{ApiError, WebError},
    AppState,
};

/// The largest image taken: Mastodon's default limit, the largest of the networks.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// The most images on a draft: every network rapport sends images to takes 4.
pub const MAX_IMAGES: usize = 4;
/// The longest alt text kept (each network's own limit is checked per target).
pub const MAX_ALT_CHARS: usize = 2_000;

/// What one target account says about a draft's images.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetMediaCheck {
    /// The account.
    pub account_id: PublishAccountId,
    /// Its name.
    pub account_name: String,
    /// What refuses the post there.
    pub errors: Vec<String>,
    /// What is worth fixing (a missing alt text where it is not required).
    pub warnings: Vec<String>,
}

/// A draft's images and what each target says about them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DraftMediaList {
    /// The images, in order.
    pub media: Vec<DraftMedia>,
    /// Per target account.
    pub targets: Vec<TargetMediaCheck>,
}

/// The image store of the server's publishing, or 422.
fn media_store(publishing: &Publishing) -> Result<&Arc<dyn MediaStore>, WebError> {
    publishing.media.as_ref().ok_or_else(|| {
        WebError::Unprocessable(
            "images are not available on this server: it was started without a media store".into(),
        )
    })
}

/// What each of `draft`'s targets says about `images` (size in bytes, alt text).
pub(crate) async fn check_targets(
    publishing: &Publishing,
    workspace: WorkspaceId,
    draft: &Draft,
    images: &[(u64, String)],
) -> Result<Vec<TargetMediaCheck>, WebError> {
    let accounts = publishing.store.publish_accounts(workspace).await?;
    let pairs: Vec<(u64, &str)> = images.iter().map(|(s, a)| (*s, a.as_str())).collect();
    let mut checks = Vec::new();
    for target in &draft.targets {
        let Some(account) = accounts.iter().find(|a| a.id == target.account_id) else {
            continue;
        };
        let check = match publishing.publisher(account).await {
            Ok(publisher) => match publisher.media_limits() {
                Some(limits) => limits.check(publisher.name(), &pairs),
                None if images.is_empty() => media::MediaCheck::default(),
                None => media::MediaCheck {
                    errors: vec![media::media_refusal(publisher.name())],
                    warnings: Vec::new(),
                },
            },
            Err(error) => media::MediaCheck {
                errors: vec![error.to_string()],
                warnings: Vec::new(),
            },
        };
        checks.push(TargetMediaCheck {
            account_id: account.id,
            account_name: account.display_name.clone(),
            errors: check.errors,
            warnings: check.warnings,
        });
    }
    Ok(checks)
}

/// Refuses a change to the images of a draft that is past approval.
fn editable(draft: &Draft) -> Result<(), WebError> {
    if matches!(
        draft.status,
        DraftStatus::Draft | DraftStatus::PendingApproval | DraftStatus::Rejected
    ) {
        Ok(())
    } else {
        Err(WebError::Unprocessable(format!(
            "the draft is {}: images are attached before it is approved or scheduled",
            draft.status.as_str()
        )))
    }
}

/// Refuses when any target has errors, naming them.
fn refuse_errors(checks: &[TargetMediaCheck]) -> Result<(), WebError> {
    let errors: Vec<String> = checks
        .iter()
        .flat_map(|c| {
            c.errors
                .iter()
                .map(move |e| format!("{}: {e}", c.account_name))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(WebError::Unprocessable(errors.join("; ")))
    }
}

fn clean_alt(alt: &str) -> Result<String, WebError> {
    let alt = alt.trim();
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(WebError::bad_request(format!(
            "alt is at most {MAX_ALT_CHARS} characters"
        )));
    }
    Ok(alt.to_string())
}

async fn listing(
    publishing: &Publishing,
    workspace: WorkspaceId,
    draft: &Draft,
) -> Result<DraftMediaList, WebError> {
    let media = media_store(publishing)?
        .draft_media(workspace, draft.id)
        .await?;
    let images: Vec<(u64, String)> = media.iter().map(|m| (m.size, m.alt.clone())).collect();
    let targets = check_targets(publishing, workspace, draft, &images).await?;
    Ok(DraftMediaList { media, targets })
}

/// The query of an upload.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The image's alt text.
    #[serde(default)]
    pub alt: String,
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/media`, with its body limit.
pub(crate) fn upload_handler() -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// `POST /api/v1/workspaces/{id}/drafts/{draft}/media`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/media",
    tag = "publishing",
    summary = "Attach an image (PNG, JPEG, GIF, WebP; the body is the file, its type sniffed) to a draft (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id"),
        UploadQuery
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The image file"),
    responses(
        (status = 201, description = "Attached; the draft's images and each target's check", body = DraftMediaList),
        (status = 400, description = "A malformed id or alt text", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 413, description = "Larger than 16 MiB", body = crate::error::ErrorBody),
        (status = 422, description = "Not an image, too many, refused by a target network, or the draft is past approval", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<UploadQuery>, QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<DraftMediaList>), ApiError> {
    let (workspace, id) = draft_path(path)?;
    let Query(query) = query.map_err(|e| WebError::bad_request(e.body_text()))?;
    let publishing = publishing(&state)?;
    let store = media_store(publishing)?;
    let draft = find_draft(publishing, workspace, id).await?;
    editable(&draft)?;
    let alt = clean_alt(&query.alt)?;
    let info = media::inspect(&body).map_err(|e| WebError::Unprocessable(e.to_string()))?;
    let existing = store.draft_media(workspace, id).await?;
    if existing.len() >= MAX_IMAGES {
        return Err(
            WebError::Unprocessable(format!("a post takes at most {MAX_IMAGES} images")).into(),
        );
    }
    let mut images: Vec<(u64, String)> = existing.iter().map(|m| (m.size, m.alt.clone())).collect();
    images.push((body.len() as u64, alt.clone()));
    refuse_errors(&check_targets(publishing, workspace, &draft, &images).await?)?;
    store
        .add_draft_media(NewDraftMedia {
            workspace_id: workspace,
            draft_id: id,
            mime: info.kind.mime().to_string(),
            width: info.width,
            height: info.height,
            alt,
            bytes: body.to_vec(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(listing(publishing, workspace, &draft).await?),
    ))
}

/// `GET /api/v1/workspaces/{id}/drafts/{draft}/media`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/drafts/{draft}/media",
    tag = "publishing",
    summary = "A draft's images and what each target network says about them (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("draft" = i64, Path, description = "Draft id")
    ),
    responses(
        (status = 200, description = "The images and the checks", body = DraftMediaList),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or draft", body = crate::error::ErrorBody),
        (status = 422, description = "Images are not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<DraftMediaList>, ApiError> {
    let (workspace, id) = draft_path(path)?;
    let publishing = publishing(&state)?;
    let draft = find_draft(publishing, workspace, id).await?;
    Ok(Json(listing(publishing, workspace, &draft).await?))
}

fn media_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, MediaId), WebError> {
    let Path((workspace, media)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let media = media
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("media id must be a positive integer"))?;
    Ok((parse_workspace_id(&workspace)?, MediaId(media)))
}

async fn find_media(
    store: &Arc<dyn MediaStore>,
    workspace: WorkspaceId,
    id: MediaId,
) -> Result<(DraftMedia, Vec<u8>), WebError> {
    store
        .draft_media_bytes(workspace, id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("image {} does not exist", id.0)))
}

/// `GET /api/v1/workspaces/{id}/media/{media}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/media/{media}",
    tag = "publishing",
    summary = "An attached image's bytes, with its sniffed type (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("media" = i64, Path, description = "Image id")
    ),
    responses(
        (status = 200, description = "The image", content_type = "image/*", body = Vec<u8>),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or image", body = crate::error::ErrorBody),
        (status = 422, description = "Images are not available on this server", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn raw(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (workspace, id) = media_path(path)?;
    let publishing = publishing(&state)?;
    let (image, bytes) = find_media(media_store(publishing)?, workspace, id).await?;
    // Only the four sniffed kinds are ever stored; anything else is served as bytes.
    let kind = media::ImageKind::from_mime(&image.mime)
        .map_or("application/octet-stream", media::ImageKind::mime);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A new alt text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AltBody {
    /// The alt text (empty removes it, where every target allows that).
    pub alt: String,
}

/// `PUT /api/v1/workspaces/{id}/media/{media}`.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{id}/media/{media}",
    tag = "publishing",
    summary = "Change an attached image's alt text (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("media" = i64, Path, description = "Image id")
    ),
    request_body = AltBody,
    responses(
        (status = 200, description = "Changed; the draft's images and each target's check", body = DraftMediaList),
        (status = 400, description = "A malformed id or body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or image", body = crate::error::ErrorBody),
        (status = 422, description = "A target requires an alt text, or the draft is past approval", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn set_alt(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<AltBody>, JsonRejection>,
) -> Result<Json<DraftMediaList>, ApiError> {
    let (workspace, id) = media_path(path)?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let publishing = publishing(&state)?;
    let store = media_store(publishing)?;
    let (image, _) = find_media(store, workspace, id).await?;
    let draft = find_draft(publishing, workspace, image.draft_id).await?;
    editable(&draft)?;
    let alt = clean_alt(&body.alt)?;
    let images: Vec<(u64, String)> = store
        .draft_media(workspace, draft.id)
        .await?
        .into_iter()
        .map(|m| (m.size, if m.id == id { alt.clone() } else { m.alt }))
        .collect();
    refuse_errors(&check_targets(publishing, workspace, &draft, &images).await?)?;
    store.set_media_alt(workspace, id, &alt).await?;
    Ok(Json(listing(publishing, workspace, &draft).await?))
}

/// `DELETE /api/v1/workspaces/{id}/media/{media}`.
#[utoipa::path(
    delete,
    path = "/api/v1/workspaces/{id}/media/{media}",
    tag = "publishing",
    summary = "Remove an attached image (agent)",
    params(
        ("id" = i64, Path, description = "Workspace id"),
        ("media" = i64, Path, description = "Image id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or image", body = crate::error::ErrorBody),
        (status = 422, description = "The draft is past approval", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let (workspace, id) = media_path(path)?;
    let publishing = publishing(&state)?;
    let store = media_store(publishing)?;
    let (image, _) = find_media(store, workspace, id).await?;
    let draft = find_draft(publishing, workspace, image.draft_id).await?;
    editable(&draft)?;
    store.remove_draft_media(workspace, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to preview.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkPreviewBody {
    /// The post's text: its first link is previewed.
    pub text: String,
}

/// A link's card, as the compose page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkPreview {
    /// The link previewed; `null` when the text has none.
    pub url: Option<String>,
    /// Its page's title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// The image the page names for previews.
    pub image_url: Option<String>,
    /// The site's name.
    pub site_name: Option<String>,
}

/// `POST /api/v1/workspaces/{id}/link-preview`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/link-preview",
    tag = "publishing",
    summary = "The preview card of a text's first link, fetched through the SSRF guard (agent)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = LinkPreviewBody,
    responses(
        (status = 200, description = "The card (`url` null: no link in the text)", body = LinkPreview),
        (status = 400, description = "A malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "The link is refused (a private address, not http), its page could not be read (unreachable, timeout, too large, an error status), or publishing is not available", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn link_preview(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<LinkPreviewBody>, JsonRejection>,
) -> Result<Json<LinkPreview>, ApiError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let workspace = parse_workspace_id(&raw)?;
    super::find_workspace(&state, workspace).await?;
    let Json(body) = body.map_err(|e| WebError::bad_request(e.body_text()))?;
    let publishing = publishing(&state)?;
    let empty = LinkPreview {
        url: None,
        title: String::new(),
        description: String::new(),
        image_url: None,
        site_name: None,
    };
    let url = match preview::first_link(&body.text) {
        Ok(url) => url,
        Err(preview::PreviewError::NoLink) => return Ok(Json(empty)),
        Err(error) => return Err(WebError::Unprocessable(error.to_string()).into()),
    };
    let limits = FetchLimits {
        max_bytes: 1024 * 1024,
        total_time: Duration::from_secs(5),
        connect_time: Duration::from_secs(3),
        ..FetchLimits::default()
    };
    let fetcher = Fetcher::new(publishing.policy().clone(), limits)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let card = preview::fetch_card(&fetcher, &url)
        .await
        .map_err(|error| match error {
            preview::PreviewError::Fetch(
                e @ (FetchError::Refused { .. } | FetchError::BadUrl { .. }),
            ) => WebError::Unprocessable(format!("the link cannot be previewed: {e}")),
            // The page's own failure (unreachable, too slow, an error status) is not ours:
            // the caller learns it with the reason, not as a server error.
            other => WebError::Unprocessable(format!("the link cannot be previewed: {other}")),
        })?;
    Ok(Json(LinkPreview {
        url: Some(card.url),
        title: card.title,
        description: card.description,
        image_url: card.image_url,
        site_name: card.site_name,
    }))
}

/// The draft page's images section: each image with its alt text, what each target says,
/// and (while the draft is editable) an upload field the page script sends to the API.
pub(crate) async fn draft_section(
    publishing: &Publishing,
    workspace: WorkspaceId,
    draft: &Draft,
) -> Result<maud::Markup, WebError> {
    if publishing.media.is_none() {
        return Ok(maud::html! {});
    }
    let listing = listing(publishing, workspace, draft).await?;
    let can_edit = editable(draft).is_ok();
    if listing.media.is_empty() && !can_edit {
        return Ok(maud::html! {});
    }
    let base = format!("/api/v1/workspaces/{}", workspace.0);
    Ok(maud::html! {
        section.draft-media #draft-media
            data-upload=(format!("{base}/drafts/{}/media", draft.id.0))
            data-media-base=(format!("{base}/media")) {
            h2 { "Images" }
            @if listing.media.is_empty() {
                p.muted { "No images." }
            } @else {
                ul.media-list {
                    @for image in &listing.media {
                        li data-media=(image.id.0) {
                            img src=(format!("{base}/media/{}", image.id.0)) alt=(image.alt)
                                width=(image.width.min(240)) loading="lazy";
                            span.media-meta { (image.mime) " · " (image.width) "×" (image.height) " · " (image.size) " bytes" }
                            @if image.alt.is_empty() { span.media-alt.muted { "No alt text" } }
                            @else { span.media-alt { "Alt: " (image.alt) } }
                            @if can_edit {
                                button.secondary.small.media-remove type="button" data-media=(image.id.0) { "Remove" }
                            }
                        }
                    }
                }
            }
            @for target in &listing.targets {
                @for error in &target.errors {
                    p.target-error role="alert" { (target.account_name) ": " (error) }
                }
                @for warning in &target.warnings {
                    p.muted.media-warning { (target.account_name) ": " (warning) }
                }
            }
            @if can_edit && listing.media.len() < MAX_IMAGES {
                div.media-upload {
                    label for="media-file" { "Add an image (PNG, JPEG, GIF, WebP)" }
                    input #media-file type="file" accept="image/png,image/jpeg,image/gif,image/webp";
                    label for="media-alt" { "Alt text (what the image shows)" }
                    input #media-alt type="text" maxlength=(MAX_ALT_CHARS);
                    button #media-upload type="button" { "Attach" }
                    output #media-status.reply-count aria-live="polite" {}
                }
            }
        }
    })
}
