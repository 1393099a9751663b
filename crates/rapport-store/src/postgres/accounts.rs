//! [`AccountStore`] for [`PostgresStore`]: users, memberships, sessions, API tokens, audit.

use super::write::{is_foreign_key_violation, is_unique_violation};
use super::{execute, get, limit_value, query, query_opt, PostgresStore};
use crate::codec::{count_from_sql, from_millis, to_millis};
use crate::{
    AccountStore, Member, NewApiToken, NewSession, NewUser, SecretHash, StoreError, StoreResult,
    UserCredentials,
};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{
    ApiTokenId, ApiTokenInfo, AuditEvent, Membership, Role, Timestamp, User, UserId, WorkspaceId,
};
use tokio_postgres::Row;

/// `last_seen` and `last_used` are written at most this often, so that every request does
/// not become a write.
const TOUCH_EVERY_MS: i64 = 60_000;

const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.is_admin, u.disabled, u.created_at";
const TOKEN_COLUMNS: &str =
    "id, workspace_id, role, name, prefix, created_by, created_at, last_used, revoked_at";

fn read_user(row: &Row) -> StoreResult<User> {
    const CONTEXT: &str = "read a user";
    Ok(User {
        id: UserId(get(row, 0, CONTEXT)?),
        email: get(row, 1, CONTEXT)?,
        display_name: get(row, 2, CONTEXT)?,
        is_admin: get(row, 3, CONTEXT)?,
        disabled: get(row, 4, CONTEXT)?,
        created_at: from_millis(get(row, 5, CONTEXT)?, "users", "created_at")?,
    })
}

fn role(raw: &str, table: &'static str) -> StoreResult<Role> {
    raw.parse()
        .map_err(|e: rapport_model::UnknownRole| StoreError::Corrupt {
            table,
            column: "role",
            message: e.to_string(),
        })
}

fn read_token(row: &Row) -> StoreResult<ApiTokenInfo> {
    const CONTEXT: &str = "read an API token";
    let optional_time = |i: usize, column| -> StoreResult<Option<Timestamp>> {
        get::<Option<i64>>(row, i, CONTEXT)?
            .map(|ms| from_millis(ms, "api_tokens", column))
            .transpose()
    };
    Ok(ApiTokenInfo {
        id: ApiTokenId(get(row, 0, CONTEXT)?),
        workspace: WorkspaceId(get(row, 1, CONTEXT)?),
        role: role(get(row, 2, CONTEXT)?, "api_tokens")?,
        name: get(row, 3, CONTEXT)?,
        prefix: get(row, 4, CONTEXT)?,
        created_by: get::<Option<i64>>(row, 5, CONTEXT)?.map(UserId),
        created_at: from_millis(get(row, 6, CONTEXT)?, "api_tokens", "created_at")?,
        last_used: optional_time(7, "last_used")?,
        revoked_at: optional_time(8, "revoked_at")?,
    })
}

impl PostgresStore {
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = query_opt(
            &self.client().await?,
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"),
            &[&id.0],
            "read user",
        )
        .await?;
        row.as_ref().map(read_user).transpose()
    }
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let email = new.email.trim().to_lowercase();
        let inserted = query_opt(
            &self.client().await?,
            "INSERT INTO users (email, display_name, password_hash, is_admin, disabled, created_at) \
             VALUES ($1, $2, $3, $4, false, $5) RETURNING id",
            &[
                &email,
                &new.display_name,
                &new.password_hash,
                &new.is_admin,
                &to_millis(Utc::now()),
            ],
            "create user",
        )
        .await;
        let row = match inserted {
            Ok(Some(row)) => row,
            Ok(None) => return Err(StoreError::Worker("creating a user returned no id".into())),
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: "user",
                    value: email,
                })
            }
            Err(e) => return Err(e),
        };
        let id: i64 = get(&row, 0, "create user")?;
        self.user_by_id(UserId(id))
            .await?
            .ok_or(StoreError::NotFound { what: "user", id })
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_by_id(id).await
    }

    async fn user_credentials(&self, email: &str) -> StoreResult<Option<UserCredentials>> {
        let email = email.trim().to_lowercase();
        let row = query_opt(
            &self.client().await?,
            &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"),
            &[&email],
            "read user credentials",
        )
        .await?;
        row.map(|row| {
            Ok(UserCredentials {
                user: read_user(&row)?,
                password_hash: get(&row, 6, "read user credentials")?,
            })
        })
        .transpose()
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = query(
            &self.client().await?,
            &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"),
            &[],
            "list users",
        )
        .await?;
        rows.iter().map(read_user).collect()
    }

    async fn user_count(&self) -> StoreResult<u64> {
        let rows = query(
            &self.client().await?,
            "SELECT count(*) FROM users",
            &[],
            "count users",
        )
        .await?;
        Ok(count_from_sql(get(&rows[0], 0, "count users")?))
    }

    async fn set_password(&self, user: UserId, password_hash: String) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin password change"))?;
        let changed = execute(
            &tx,
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user.0, &password_hash],
            "set password",
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "user",
                id: user.0,
            });
        }
        execute(
            &tx,
            "DELETE FROM sessions WHERE user_id = $1",
            &[&user.0],
            "end sessions after a password change",
        )
        .await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit password change"))
    }

    async fn set_membership(&self, membership: Membership) -> StoreResult<()> {
        let result = execute(
            &self.client().await?,
            "INSERT INTO memberships (user_id, workspace_id, role, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role",
            &[
                &membership.user.0,
                &membership.workspace.0,
                &membership.role.as_str(),
                &to_millis(Utc::now()),
            ],
            "set membership",
        )
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "user or workspace",
                id: membership.workspace.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let rows = query(
            &self.client().await?,
            "SELECT workspace_id, role FROM memberships WHERE user_id = $1 ORDER BY workspace_id",
            &[&user.0],
            "list memberships",
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Membership {
                    user,
                    workspace: WorkspaceId(get(row, 0, "list memberships")?),
                    role: role(get(row, 1, "list memberships")?, "memberships")?,
                })
            })
            .collect()
    }

    async fn members(&self, workspace: WorkspaceId) -> StoreResult<Vec<Member>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "SELECT {USER_COLUMNS}, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.workspace_id = $1 ORDER BY u.email"
            ),
            &[&workspace.0],
            "list members",
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user: read_user(row)?,
                    role: role(get(row, 6, "list members")?, "memberships")?,
                })
            })
            .collect()
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        let client = self.client().await?;
        let now = to_millis(Utc::now());
        // Expired sessions are swept whenever someone logs in.
        execute(
            &client,
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[&now],
            "sweep expired sessions",
        )
        .await?;
        execute(
            &client,
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen) \
             VALUES ($1, $2, $3, $4, $3)",
            &[
                &&session.id_hash.0[..],
                &session.user.0,
                &now,
                &to_millis(session.expires_at),
            ],
            "create session",
        )
        .await?;
        Ok(())
    }

    async fn session_user(&self, id_hash: SecretHash, now: Timestamp) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!(
                "SELECT {USER_COLUMNS}, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
            ),
            &[&&id_hash.0[..], &to_millis(now)],
            "read session",
        )
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = read_user(&row)?;
        let last_seen: i64 = get(&row, 6, "read session")?;
        if to_millis(now) - last_seen >= TOUCH_EVERY_MS {
            execute(
                &client,
                "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1",
                &[&&id_hash.0[..], &to_millis(now)],
                "mark session seen",
            )
            .await?;
        }
        Ok(Some(user))
    }

    async fn delete_session(&self, id_hash: SecretHash) -> StoreResult<()> {
        execute(
            &self.client().await?,
            "DELETE FROM sessions WHERE id_hash = $1",
            &[&&id_hash.0[..]],
            "delete session",
        )
        .await?;
        Ok(())
    }

    async fn create_api_token(&self, new: NewApiToken) -> StoreResult<ApiTokenInfo> {
        let result = query_opt(
            &self.client().await?,
            &format!(
                "INSERT INTO api_tokens (token_hash, prefix, workspace_id, role, name, created_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLUMNS}"
            ),
            &[
                &&new.token_hash.0[..],
                &new.prefix,
                &new.workspace.0,
                &new.role.as_str(),
                &new.name,
                &new.created_by.map(|u| u.0),
                &to_millis(Utc::now()),
            ],
            "create API token",
        )
        .await;
        match result {
            Ok(Some(row)) => read_token(&row),
            Ok(None) => Err(StoreError::Worker(
                "creating an API token returned nothing".into(),
            )),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "workspace",
                id: new.workspace.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn api_token(
        &self,
        token_hash: SecretHash,
        now: Timestamp,
    ) -> StoreResult<Option<ApiTokenInfo>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
            ),
            &[&&token_hash.0[..]],
            "read API token",
        )
        .await?;
        let Some(info) = row.as_ref().map(read_token).transpose()? else {
            return Ok(None);
        };
        let stale = info
            .last_used
            .is_none_or(|used| to_millis(now) - to_millis(used) >= TOUCH_EVERY_MS);
        if stale {
            execute(
                &client,
                "UPDATE api_tokens SET last_used = $2 WHERE id = $1",
                &[&info.id.0, &to_millis(now)],
                "mark API token used",
            )
            .await?;
        }
        Ok(Some(info))
    }

    async fn api_tokens(&self, workspace: WorkspaceId) -> StoreResult<Vec<ApiTokenInfo>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = $1 ORDER BY id DESC"
            ),
            &[&workspace.0],
            "list API tokens",
        )
        .await?;
        rows.iter().map(read_token).collect()
    }

    async fn revoke_api_token(&self, workspace: WorkspaceId, id: ApiTokenId) -> StoreResult<bool> {
        let changed = execute(
            &self.client().await?,
            "UPDATE api_tokens SET revoked_at = $3 \
             WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL",
            &[&id.0, &workspace.0, &to_millis(Utc::now())],
            "revoke API token",
        )
        .await?;
        Ok(changed > 0)
    }

    async fn record_audit(&self, event: AuditEvent) -> StoreResult<()> {
        execute(
            &self.client().await?,
            "INSERT INTO audit_log (at, user_id, actor, workspace_id, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &to_millis(event.at),
                &event.user.map(|u| u.0),
                &event.actor,
                &event.workspace.map(|w| w.0),
                &event.action,
                &event.target,
                &event.detail.to_string(),
            ],
            "record audit event",
        )
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        workspace: Option<WorkspaceId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows = query(
            &self.client().await?,
            "SELECT user_id, actor, workspace_id, action, target, at, detail FROM audit_log \
             WHERE $1::bigint IS NULL OR workspace_id = $1 ORDER BY id DESC LIMIT $2",
            &[&workspace.map(|w| w.0), &limit_value(limit)],
            "read audit log",
        )
        .await?;
        rows.iter()
            .map(|row| {
                const CONTEXT: &str = "read audit log";
                let detail: String = get(row, 6, CONTEXT)?;
                Ok(AuditEvent {
                    user: get::<Option<i64>>(row, 0, CONTEXT)?.map(UserId),
                    actor: get(row, 1, CONTEXT)?,
                    workspace: get::<Option<i64>>(row, 2, CONTEXT)?.map(WorkspaceId),
                    action: get(row, 3, CONTEXT)?,
                    target: get(row, 4, CONTEXT)?,
                    at: from_millis(get(row, 5, CONTEXT)?, "audit_log", "at")?,
                    detail: serde_json::from_str(&detail).map_err(|e| StoreError::Corrupt {
                        table: "audit_log",
                        column: "detail",
                        message: e.to_string(),
                    })?,
                })
            })
            .collect()
    }
}
