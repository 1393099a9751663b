//! Accounts: users, their roles per workspace, API tokens and the audit log.
//!
//! Secrets never appear here: a [`User`] carries no password hash and an [`ApiTokenInfo`]
//! no token. Hashing and checking credentials is the web crate's job; keeping them is the
//! store's.

use crate::{ApiTokenId, Timestamp, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Store id.
    pub id: UserId,
    /// The login name: an e-mail address (or any login name), stored lower-case.
    pub email: String,
    /// How the user is shown.
    pub display_name: String,
    /// An instance-wide administrator: every role in every workspace, and the audit of
    /// the whole instance.
    pub is_admin: bool,
    /// When the account was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// A disabled user cannot log in and their sessions stop working.
    pub disabled: bool,
}

/// What a user may do in one workspace. Each role includes the ones below it:
/// `Viewer < Agent < Manager < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads dashboards and mentions; changes nothing.
    Viewer,
    /// Works the inbox and replies.
    Agent,
    /// Manages monitors, approves publishing, builds reports.
    Manager,
    /// Everything in the workspace, including users, tokens and connectors.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Agent, Role::Manager, Role::Admin];

    /// The lower-case name used in the CLI, the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Whether a holder of this role may do what needs `required`.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of `viewer`, `agent`, `manager`, `admin`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected viewer, agent, manager or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// A user's role in one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    /// The member.
    pub user: UserId,
    /// The workspace.
    pub workspace: WorkspaceId,
    /// What they may do there.
    pub role: Role,
}

/// What may be shown about an API token: everything but its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenInfo {
    /// Store id.
    pub id: ApiTokenId,
    /// The one workspace the token acts in.
    pub workspace: WorkspaceId,
    /// The role it acts with there.
    pub role: Role,
    /// A human label ("CI export", "BI dashboard").
    pub name: String,
    /// The first characters of the secret (`rpt_3fa9c1d2`), so a user can tell tokens apart.
    pub prefix: String,
    /// Who created it, when known.
    pub created_by: Option<UserId>,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it last authenticated a request (updated at most once a minute).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used: Option<Timestamp>,
    /// When it was revoked; a revoked token authenticates nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<Timestamp>,
}

/// One entry of the audit log: who did what, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// The user who acted, when a user did (not for failed logins of unknown users).
    pub user: Option<UserId>,
    /// Who acted, for humans: an e-mail, `token rpt_3fa9c1d2`, `cli`.
    pub actor: String,
    /// The workspace concerned, if any (logins concern none).
    pub workspace: Option<WorkspaceId>,
    /// What happened, dotted: `login.ok`, `login.failed`, `user.create`,
    /// `membership.set`, `token.create`, `token.revoke`, `monitor.create`, `password.set`.
    pub action: String,
    /// What it was done to, for humans (`bob@example.com`, `monitor 7`).
    pub target: Option<String>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Details as JSON (never a secret).
    pub detail: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(Role::Admin.allows(Role::Manager));
        assert!(Role::Manager.allows(Role::Manager));
        assert!(!Role::Agent.allows(Role::Manager));
        assert!(Role::Viewer.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Agent));
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(" Manager ".parse::<Role>(), Ok(Role::Manager));
        assert!("owner".parse::<Role>().is_err());
    }
}
