//! Request handlers: [`api`] answers JSON, [`pages`] answers HTML.
//!
//! Both look workspaces up the same way (see `find_workspace`) so an unknown id is a 404
//! whichever door it came through.

pub mod alerts;
pub mod analytics;
pub mod api;
pub mod authors;
pub mod campaigns;
pub(crate) mod events;
pub mod exports;
pub mod inbox;
mod inbox_pages;
pub(crate) mod login;
pub mod media;
mod monitors;
pub mod pages;
mod performance;
mod publish_pages;
pub mod publishing;
pub mod query;
pub mod replies;
pub mod report_schedule;
pub mod reports;
mod sentiment;
pub mod slots;
pub mod sources;
pub mod surveys;
pub mod table;
pub(crate) mod themes;
pub mod users;
pub mod webhook;

use rapport_model::{Workspace, WorkspaceId};

use crate::{error::WebError, AppState};

/// Parses a workspace id from a path segment.
pub(crate) fn parse_workspace_id(raw: &str) -> Result<WorkspaceId, WebError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(WorkspaceId)
        .ok_or_else(|| WebError::bad_request("workspace id must be a positive integer"))
}

/// The workspace with `id`, or a 404.
pub(crate) async fn find_workspace(
    state: &AppState,
    id: WorkspaceId,
) -> Result<Workspace, WebError> {
    state
        .store
        .workspaces()
        .await?
        .into_iter()
        .find(|workspace| workspace.id == id)
        .ok_or_else(|| WebError::not_found(format!("workspace {id} does not exist")))
}

/// Parses an optional integer query parameter that must lie in `min..=max`, with a
/// message that says exactly what is accepted.
pub(crate) fn bounded_param(
    name: &str,
    raw: Option<&str>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, WebError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| {
            WebError::bad_request(format!("{name} must be an integer from {min} to {max}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_params_accept_only_their_range() {
        assert_eq!(bounded_param("hours", None, 24, 1, 8760).unwrap(), 24);
        assert_eq!(bounded_param("hours", Some("1"), 24, 1, 8760).unwrap(), 1);
        assert_eq!(
            bounded_param("hours", Some("8760"), 24, 1, 8760).unwrap(),
            8760
        );
        for bad in ["0", "8761", "-1", "", "abc", "1.5", "99999999999999999999"] {
            let err = bounded_param("hours", Some(bad), 24, 1, 8760).unwrap_err();
            assert_eq!(err.to_string(), "hours must be an integer from 1 to 8760");
        }
    }

    #[test]
    fn workspace_ids_are_positive_integers() {
        assert_eq!(parse_workspace_id("3").unwrap(), WorkspaceId(3));
        for bad in ["0", "-2", "x", "", "1e3"] {
            assert!(matches!(
                parse_workspace_id(bad),
                Err(WebError::BadRequest(_))
            ));
        }
    }
}
