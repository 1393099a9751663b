//! Who is calling: resolved from the session cookie or an `Authorization: Bearer rpt_...`
//! API token, and what they may do in each workspace.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap},
};
use rapport_model::{
    ApiTokenInfo, AuditEvent, Membership, Role, User, UserId, Workspace, WorkspaceId,
};
use rapport_store::SecretHash;

use super::secret::{csrf_token, Secret, API_TOKEN_PREFIX};
use crate::{error::WebError, AppState};

/// The credential a request came with.
#[derive(Debug, Clone)]
pub enum Identity {
    /// No credential, or a session that has ended.
    Anonymous,
    /// A logged-in browser.
    Session {
        /// The user.
        user: User,
        /// Their roles.
        memberships: Vec<Membership>,
        /// The hash of the session id, to end it on logout.
        session: SecretHash,
        /// The CSRF token every state-changing request of this session must carry.
        csrf: String,
    },
    /// An API token: one workspace, one role, no user powers.
    Token(ApiTokenInfo),
}

/// The resolved caller of a request, put into its extensions by the route guard.
#[derive(Debug, Clone)]
pub struct Caller(pub Identity);

impl Caller {
    /// The user behind a session, if any.
    pub fn user(&self) -> Option<&User> {
        match &self.0 {
            Identity::Session { user, .. } => Some(user),
            _ => None,
        }
    }

    /// The user id, for audit entries.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.0 {
            Identity::Session { user, .. } => Some(user.id),
            Identity::Token(token) => token.created_by,
            Identity::Anonymous => None,
        }
    }

    /// An instance-wide administrator (never a token).
    pub fn is_instance_admin(&self) -> bool {
        self.user().is_some_and(|user| user.is_admin)
    }

    /// The caller's role in `workspace`: an instance admin is admin everywhere, a token
    /// has its role in its workspace only.
    pub fn role_in(&self, workspace: WorkspaceId) -> Option<Role> {
        match &self.0 {
            Identity::Anonymous => None,
            Identity::Session { user, .. } if user.is_admin => Some(Role::Admin),
            Identity::Session { memberships, .. } => memberships
                .iter()
                .find(|m| m.workspace == workspace)
                .map(|m| m.role),
            Identity::Token(token) => (token.workspace == workspace).then_some(token.role),
        }
    }

    /// The workspaces of `all` the caller may see, in the same order.
    pub fn visible(&self, all: Vec<Workspace>) -> Vec<Workspace> {
        all.into_iter()
            .filter(|workspace| self.role_in(workspace.id).is_some())
            .collect()
    }

    /// The session's CSRF token, for forms.
    pub fn csrf(&self) -> Option<&str> {
        match &self.0 {
            Identity::Session { csrf, .. } => Some(csrf),
            _ => None,
        }
    }

    /// Who is acting, for the audit log: an e-mail or `token rpt_3fa9c1d2`.
    pub fn actor(&self) -> String {
        match &self.0 {
            Identity::Anonymous => "anonymous".to_string(),
            Identity::Session { user, .. } => user.email.clone(),
            Identity::Token(token) => format!("token {}", token.prefix),
        }
    }

    /// An audit entry for something this caller did now.
    pub fn audit(
        &self,
        workspace: Option<WorkspaceId>,
        action: &str,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            user: self.user_id(),
            actor: self.actor(),
            workspace,
            action: action.to_string(),
            target,
            at: chrono::Utc::now(),
            detail,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| crate::error::ApiError(WebError::Unauthorized))
    }
}

/// Resolves the credential of a request. A bearer token that is malformed, unknown or
/// revoked is an error (the client meant to authenticate); a stale session cookie is
/// simply anonymous (the browser is sent to the login page).
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Identity, WebError> {
    let now = chrono::Utc::now();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with(API_TOKEN_PREFIX) && t.len() <= 128)
            .ok_or(WebError::Unauthorized)?;
        let info = state
            .accounts
            .api_token(Secret::new(token).hash(), now)
            .await?
            .ok_or(WebError::Unauthorized)?;
        return Ok(Identity::Token(info));
    }
    let Some(session) = state.cookies.read(headers) else {
        return Ok(Identity::Anonymous);
    };
    let hash = session.hash();
    let Some(user) = state.accounts.session_user(hash, now).await? else {
        return Ok(Identity::Anonymous);
    };
    let memberships = state.accounts.memberships(user.id).await?;
    Ok(Identity::Session {
        user,
        memberships,
        session: hash,
        csrf: csrf_token(&session),
    })
}
