//! Accounts: users, memberships, login sessions, API tokens and the audit log, behind
//! [`AccountStore`].
//!
//! The store never sees a secret it could leak: passwords arrive already hashed (argon2id
//! PHC strings, made by the web crate), session ids and API tokens arrive as their
//! SHA-256 ([`SecretHash`]).

use async_trait::async_trait;
use rapport_model::{
    ApiTokenId, ApiTokenInfo, AuditEvent, Membership, Role, Timestamp, User, UserId, WorkspaceId,
};

use crate::StoreResult;

/// The SHA-256 of a random secret (a session id or an API token). Only this is stored, so
/// a copy of the database does not let anyone log in.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash(pub [u8; 32]);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A hash is not a secret, but there is no reason to print it either.
        f.write_str("SecretHash(..)")
    }
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    /// Login name; stored lower-case and trimmed.
    pub email: String,
    /// How the user is shown.
    pub display_name: String,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
    /// An instance-wide administrator.
    pub is_admin: bool,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password_hash", &"<redacted>")
            .field("is_admin", &self.is_admin)
            .finish()
    }
}

/// A user and the hash their password must match.
#[derive(Clone)]
pub struct UserCredentials {
    /// The account.
    pub user: User,
    /// Its argon2id PHC string.
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// A member of a workspace, as the users page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user: User,
    /// Their role in the workspace.
    pub role: Role,
}

/// A login session to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the session id the browser holds.
    pub id_hash: SecretHash,
    /// Who logged in.
    pub user: UserId,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// SHA-256 of the token.
    pub token_hash: SecretHash,
    /// Its first characters, shown to users.
    pub prefix: String,
    /// The workspace it acts in.
    pub workspace: WorkspaceId,
    /// The role it acts with.
    pub role: Role,
    /// A human label.
    pub name: String,
    /// Who created it.
    pub created_by: Option<UserId>,
}

/// Users, memberships, sessions, API tokens and the audit log.
///
/// Invariants every implementation keeps: e-mails are unique regardless of case; a
/// (user, workspace) pair has at most one role; expired sessions, revoked tokens and
/// disabled users authenticate nothing.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates a user; fails with [`crate::StoreError::Conflict`] when the e-mail is taken.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;

    /// One user by id.
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;

    /// A user and their password hash, by e-mail (case-insensitive).
    async fn user_credentials(&self, email: &str) -> StoreResult<Option<UserCredentials>>;

    /// Every user, oldest first.
    async fn users(&self) -> StoreResult<Vec<User>>;

    /// How many users exist (the server refuses non-loopback addresses without one).
    async fn user_count(&self) -> StoreResult<u64>;

    /// Replaces a user's password hash and ends all their sessions.
    async fn set_password(&self, user: UserId, password_hash: String) -> StoreResult<()>;

    /// Gives a user a role in a workspace, replacing the one they had there.
    async fn set_membership(&self, membership: Membership) -> StoreResult<()>;

    /// A user's roles, one per workspace they belong to.
    async fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>>;

    /// The members of a workspace, by e-mail.
    async fn members(&self, workspace: WorkspaceId) -> StoreResult<Vec<Member>>;

    /// Records a new login session.
    async fn create_session(&self, session: NewSession) -> StoreResult<()>;

    /// The user of a live session (not expired at `now`, user not disabled), marking it
    /// seen.
    async fn session_user(&self, id_hash: SecretHash, now: Timestamp) -> StoreResult<Option<User>>;

    /// Ends a session (logout). Ending an unknown session is not an error.
    async fn delete_session(&self, id_hash: SecretHash) -> StoreResult<()>;

    /// Stores a new API token.
    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo>;

    /// The live (not revoked) token with this hash, marking it used at `now`.
    async fn api_token(
        &self,
        token_hash: SecretHash,
        now: Timestamp,
    ) -> StoreResult<Option<ApiTokenInfo>>;

    /// A workspace's tokens, revoked ones included, newest first.
    async fn api_tokens(&self, workspace: WorkspaceId) -> StoreResult<Vec<ApiTokenInfo>>;

    /// Revokes a token of `workspace`; returns whether a live token was revoked.
    async fn revoke_api_token(&self, workspace: WorkspaceId, id: ApiTokenId) -> StoreResult<bool>;

    /// Appends an entry to the audit log.
    async fn record_audit(&self, event: AuditEvent) -> StoreResult<()>;

    /// The newest `limit` audit entries of one workspace, or of the whole instance when
    /// `workspace` is `None`; newest first.
    async fn audit_log(
        &self,
        workspace: Option<WorkspaceId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>>;
}
