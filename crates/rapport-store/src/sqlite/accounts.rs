//! [`AccountStore`] for [`SqliteStore`]: users, memberships, sessions, API tokens, audit.

use super::codec::{from_millis, to_millis};
use super::SqliteStore;
use crate::{
    AccountStore, Member, NewApiToken, NewSession, NewUser, SecretHash, StoreError, StoreResult,
    UserCredentials,
};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{
    ApiTokenId, ApiTokenInfo, AuditEvent, Membership, Role, Timestamp, User, UserId, WorkspaceId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// `last_seen` and `last_used` are written at most this often, so that every request does
/// not become a write.
const TOUCH_EVERY_MS: i64 = 60_000;

const USER_COLUMNS: &str = "id, email, display_name, is_admin, disabled, created_at";
const TOKEN_COLUMNS: &str =
    "id, workspace_id, role, name, prefix, created_by, created_at, last_used, revoked_at";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<(i64, String, String, bool, bool, i64)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn user(raw: (i64, String, String, bool, bool, i64)) -> StoreResult<User> {
    let (id, email, display_name, is_admin, disabled, created_at) = raw;
    Ok(User {
        id: UserId(id),
        email,
        display_name,
        is_admin,
        disabled,
        created_at: from_millis(created_at, "users", "created_at")?,
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

type RawToken = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
);

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<RawToken> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn token(raw: RawToken) -> StoreResult<ApiTokenInfo> {
    let (id, workspace, role_name, name, prefix, created_by, created_at, last_used, revoked_at) =
        raw;
    let optional_time = |ms: Option<i64>, column| {
        ms.map(|ms| from_millis(ms, "api_tokens", column))
            .transpose()
    };
    Ok(ApiTokenInfo {
        id: ApiTokenId(id),
        workspace: WorkspaceId(workspace),
        role: role(&role_name, "api_tokens")?,
        name,
        prefix,
        created_by: created_by.map(UserId),
        created_at: from_millis(created_at, "api_tokens", "created_at")?,
        last_used: optional_time(last_used, "last_used")?,
        revoked_at: optional_time(revoked_at, "revoked_at")?,
    })
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

fn is_foreign_key_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}

fn create_user(conn: &Connection, new: &NewUser) -> StoreResult<User> {
    let email = new.email.trim().to_lowercase();
    let now = Utc::now();
    let inserted = conn.execute(
        "INSERT INTO users (email, display_name, password_hash, is_admin, disabled, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5)",
        params![
            email,
            new.display_name,
            new.password_hash,
            new.is_admin,
            to_millis(now)
        ],
    );
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict {
                what: "user",
                value: email,
            })
        }
        Err(e) => return Err(StoreError::sqlite("create user")(e)),
    }
    user_by_id(conn, UserId(conn.last_insert_rowid()))?.ok_or(StoreError::NotFound {
        what: "user",
        id: conn.last_insert_rowid(),
    })
}

fn user_by_id(conn: &Connection, id: UserId) -> StoreResult<Option<User>> {
    conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))
        .and_then(|mut s| s.query_row([id.0], user_from_row).optional())
        .map_err(StoreError::sqlite("read user"))?
        .map(user)
        .transpose()
}

fn user_credentials(conn: &Connection, email: &str) -> StoreResult<Option<UserCredentials>> {
    let email = email.trim().to_lowercase();
    let found = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1"
        ))
        .and_then(|mut s| {
            s.query_row([email], |row| {
                Ok((user_from_row(row)?, row.get::<_, String>(6)?))
            })
            .optional()
        })
        .map_err(StoreError::sqlite("read user credentials"))?;
    found
        .map(|(raw, password_hash)| {
            Ok(UserCredentials {
                user: user(raw)?,
                password_hash,
            })
        })
        .transpose()
}

fn users(conn: &Connection) -> StoreResult<Vec<User>> {
    let rows = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
        .and_then(|mut s| {
            s.query_map([], user_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(StoreError::sqlite("list users"))?;
    rows.into_iter().map(user).collect()
}

fn memberships(conn: &Connection, user: UserId) -> StoreResult<Vec<Membership>> {
    let rows = conn
        .prepare_cached(
            "SELECT workspace_id, role FROM memberships WHERE user_id = ?1 ORDER BY workspace_id",
        )
        .and_then(|mut s| {
            s.query_map([user.0], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(StoreError::sqlite("list memberships"))?;
    rows.into_iter()
        .map(|(workspace, name)| {
            Ok(Membership {
                user,
                workspace: WorkspaceId(workspace),
                role: role(&name, "memberships")?,
            })
        })
        .collect()
}

fn members(conn: &Connection, workspace: WorkspaceId) -> StoreResult<Vec<Member>> {
    let rows = conn
        .prepare_cached(
            "SELECT u.id, u.email, u.display_name, u.is_admin, u.disabled, u.created_at, m.role
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.workspace_id = ?1 ORDER BY u.email",
        )
        .and_then(|mut s| {
            s.query_map([workspace.0], |row| {
                Ok((user_from_row(row)?, row.get::<_, String>(6)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(StoreError::sqlite("list members"))?;
    rows.into_iter()
        .map(|(raw, name)| {
            Ok(Member {
                user: user(raw)?,
                role: role(&name, "memberships")?,
            })
        })
        .collect()
}

fn session_user(
    conn: &Connection,
    id_hash: SecretHash,
    now: Timestamp,
) -> StoreResult<Option<(User, i64)>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {cols}, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
            cols = USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .and_then(|mut s| {
            s.query_row(params![&id_hash.0[..], to_millis(now)], |row| {
                Ok((user_from_row(row)?, row.get::<_, i64>(6)?))
            })
            .optional()
        })
        .map_err(StoreError::sqlite("read session"))?;
    found
        .map(|(raw, last_seen)| Ok((user(raw)?, last_seen)))
        .transpose()
}

fn api_token(conn: &Connection, token_hash: SecretHash) -> StoreResult<Option<ApiTokenInfo>> {
    conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL"
    ))
    .and_then(|mut s| s.query_row([&token_hash.0[..]], token_from_row).optional())
    .map_err(StoreError::sqlite("read API token"))?
    .map(token)
    .transpose()
}

fn token_by_id(conn: &Connection, id: i64) -> StoreResult<ApiTokenInfo> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"
        ))
        .and_then(|mut s| s.query_row([id], token_from_row))
        .map_err(StoreError::sqlite("read API token"))?;
    token(raw)
}

fn audit_log(
    conn: &Connection,
    workspace: Option<WorkspaceId>,
    limit: usize,
) -> StoreResult<Vec<AuditEvent>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let sql = match workspace {
        Some(_) => {
            "SELECT user_id, actor, workspace_id, action, target, at, detail FROM audit_log
             WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2"
        }
        None => {
            "SELECT user_id, actor, workspace_id, action, target, at, detail FROM audit_log
             WHERE ?1 IS NULL ORDER BY id DESC LIMIT ?2"
        }
    };
    type RawEvent = (
        Option<i64>,
        String,
        Option<i64>,
        String,
        Option<String>,
        i64,
        String,
    );
    let rows: Vec<RawEvent> = conn
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_map(params![workspace.map(|w| w.0), limit], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(StoreError::sqlite("read audit log"))?;
    rows.into_iter()
        .map(|(user, actor, workspace, action, target, at, detail)| {
            Ok(AuditEvent {
                user: user.map(UserId),
                actor,
                workspace: workspace.map(WorkspaceId),
                action,
                target,
                at: from_millis(at, "audit_log", "at")?,
                detail: serde_json::from_str(&detail).map_err(|e| StoreError::Corrupt {
                    table: "audit_log",
                    column: "detail",
                    message: e.to_string(),
                })?,
            })
        })
        .collect()
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        self.with_writer(move |w| create_user(&w.conn, &new)).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.with_reader(move |conn| user_by_id(conn, id)).await
    }

    async fn user_credentials(&self, email: &str) -> StoreResult<Option<UserCredentials>> {
        let email = email.to_string();
        self.with_reader(move |conn| user_credentials(conn, &email))
            .await
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        self.with_reader(users).await
    }

    async fn user_count(&self) -> StoreResult<u64> {
        self.with_reader(|conn| {
            conn.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
                .map(super::codec::count_from_sql)
                .map_err(StoreError::sqlite("count users"))
        })
        .await
    }

    async fn set_password(&self, user: UserId, password_hash: String) -> StoreResult<()> {
        self.with_writer(move |w| {
            let tx = w
                .conn
                .transaction()
                .map_err(StoreError::sqlite("begin password change"))?;
            let changed = tx
                .execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![user.0, password_hash],
                )
                .map_err(StoreError::sqlite("set password"))?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "user",
                    id: user.0,
                });
            }
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.0])
                .map_err(StoreError::sqlite("end sessions after a password change"))?;
            tx.commit()
                .map_err(StoreError::sqlite("commit password change"))
        })
        .await
    }

    async fn set_membership(&self, membership: Membership) -> StoreResult<()> {
        self.with_writer(move |w| {
            let result = w.conn.execute(
                "INSERT INTO memberships (user_id, workspace_id, role, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role",
                params![
                    membership.user.0,
                    membership.workspace.0,
                    membership.role.as_str(),
                    to_millis(Utc::now())
                ],
            );
            match result {
                Ok(_) => Ok(()),
                Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                    what: "user or workspace",
                    id: membership.workspace.0,
                }),
                Err(e) => Err(StoreError::sqlite("set membership")(e)),
            }
        })
        .await
    }

    async fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        self.with_reader(move |conn| memberships(conn, user)).await
    }

    async fn members(&self, workspace: WorkspaceId) -> StoreResult<Vec<Member>> {
        self.with_reader(move |conn| members(conn, workspace)).await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.with_writer(move |w| {
            let now = to_millis(Utc::now());
            // Expired sessions are swept whenever someone logs in.
            w.conn
                .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
                .map_err(StoreError::sqlite("sweep expired sessions"))?;
            w.conn
                .execute(
                    "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?3)",
                    params![
                        &session.id_hash.0[..],
                        session.user.0,
                        now,
                        to_millis(session.expires_at)
                    ],
                )
                .map_err(StoreError::sqlite("create session"))?;
            Ok(())
        })
        .await
    }

    async fn session_user(&self, id_hash: SecretHash, now: Timestamp) -> StoreResult<Option<User>> {
        let found = self
            .with_reader(move |conn| session_user(conn, id_hash, now))
            .await?;
        let Some((user, last_seen)) = found else {
            return Ok(None);
        };
        if to_millis(now) - last_seen >= TOUCH_EVERY_MS {
            self.with_writer(move |w| {
                w.conn
                    .execute(
                        "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
                        params![&id_hash.0[..], to_millis(now)],
                    )
                    .map_err(StoreError::sqlite("mark session seen"))
            })
            .await?;
        }
        Ok(Some(user))
    }

    async fn delete_session(&self, id_hash: SecretHash) -> StoreResult<()> {
        self.with_writer(move |w| {
            w.conn
                .execute("DELETE FROM sessions WHERE id_hash = ?1", [&id_hash.0[..]])
                .map_err(StoreError::sqlite("delete session"))?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(&self, new: NewApiToken) -> StoreResult<ApiTokenInfo> {
        self.with_writer(move |w| {
            let result = w.conn.execute(
                "INSERT INTO api_tokens (token_hash, prefix, workspace_id, role, name, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    &new.token_hash.0[..],
                    new.prefix,
                    new.workspace.0,
                    new.role.as_str(),
                    new.name,
                    new.created_by.map(|u| u.0),
                    to_millis(Utc::now())
                ],
            );
            match result {
                Ok(_) => token_by_id(&w.conn, w.conn.last_insert_rowid()),
                Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                    what: "workspace",
                    id: new.workspace.0,
                }),
                Err(e) => Err(StoreError::sqlite("create API token")(e)),
            }
        })
        .await
    }

    async fn api_token(
        &self,
        token_hash: SecretHash,
        now: Timestamp,
    ) -> StoreResult<Option<ApiTokenInfo>> {
        let found = self
            .with_reader(move |conn| api_token(conn, token_hash))
            .await?;
        let Some(info) = found else {
            return Ok(None);
        };
        let stale = info
            .last_used
            .is_none_or(|used| to_millis(now) - to_millis(used) >= TOUCH_EVERY_MS);
        if stale {
            let id = info.id;
            self.with_writer(move |w| {
                w.conn
                    .execute(
                        "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1",
                        params![id.0, to_millis(now)],
                    )
                    .map_err(StoreError::sqlite("mark API token used"))
            })
            .await?;
        }
        Ok(Some(info))
    }

    async fn api_tokens(&self, workspace: WorkspaceId) -> StoreResult<Vec<ApiTokenInfo>> {
        self.with_reader(move |conn| {
            let rows = conn
                .prepare_cached(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = ?1 ORDER BY id DESC"
                ))
                .and_then(|mut s| {
                    s.query_map([workspace.0], token_from_row)?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map_err(StoreError::sqlite("list API tokens"))?;
            rows.into_iter().map(token).collect()
        })
        .await
    }

    async fn revoke_api_token(&self, workspace: WorkspaceId, id: ApiTokenId) -> StoreResult<bool> {
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "UPDATE api_tokens SET revoked_at = ?3
                     WHERE id = ?1 AND workspace_id = ?2 AND revoked_at IS NULL",
                    params![id.0, workspace.0, to_millis(Utc::now())],
                )
                .map(|changed| changed > 0)
                .map_err(StoreError::sqlite("revoke API token"))
        })
        .await
    }

    async fn record_audit(&self, event: AuditEvent) -> StoreResult<()> {
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "INSERT INTO audit_log (at, user_id, actor, workspace_id, action, target, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        to_millis(event.at),
                        event.user.map(|u| u.0),
                        event.actor,
                        event.workspace.map(|w| w.0),
                        event.action,
                        event.target,
                        event.detail.to_string()
                    ],
                )
                .map_err(StoreError::sqlite("record audit event"))?;
            Ok(())
        })
        .await
    }

    async fn audit_log(
        &self,
        workspace: Option<WorkspaceId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.with_reader(move |conn| audit_log(conn, workspace, limit))
            .await
    }
}
