//! Live updates over server-sent events: `GET /api/v1/workspaces/{id}/events` (viewer).
//!
//! The stream sends `event: change` (data: a counter) as soon as it opens and then whenever
//! the store has committed something new, at most once per [`MIN_GAP`]; the page then
//! fetches what it shows through the JSON API. Comments keep idle connections open through
//! proxies. Without a change watcher the stream ticks every [`FALLBACK_TICK`].

use std::convert::Infallible;
use std::time::Duration;

use axum::{
    extract::{rejection::PathRejection, Path, State},
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream};

use super::api::workspace_from_path;
use super::find_workspace;
use crate::{error::ApiError, AppState};

/// The shortest time between two change events of one stream.
pub const MIN_GAP: Duration = Duration::from_secs(1);
/// The tick of a stream with no change watcher.
pub const FALLBACK_TICK: Duration = Duration::from_secs(2);

/// `GET /api/v1/workspaces/{id}/events`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/events",
    tag = "live",
    summary = "Server-sent events: one `change` event whenever stored data changes (at most one a second)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream", body = String), (status = 400, description = "A malformed parameter or body; the message names it", body = crate::error::ErrorBody), (status = 401, description = "No session and no API token", body = crate::error::ErrorBody), (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody), (status = 404, description = "No such workspace or item", body = crate::error::ErrorBody)),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn events(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = workspace_from_path(path)?;
    find_workspace(&state, id).await?;
    let changes = state.changes.clone();
    // (first event still to send, the watcher, events sent)
    let stream = stream::unfold(
        (true, changes, 0u64),
        |(first, mut changes, sent)| async move {
            if !first {
                tokio::time::sleep(MIN_GAP).await;
                match changes.as_mut() {
                    Some(receiver) => {
                        // The sender lives as long as the store's watcher: when it is gone the
                        // stream ends and the browser reconnects.
                        receiver.changed().await.ok()?;
                    }
                    None => tokio::time::sleep(FALLBACK_TICK.saturating_sub(MIN_GAP)).await,
                }
            }
            let event = Event::default().event("change").data(sent.to_string());
            Some((Ok(event), (false, changes, sent + 1)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
