//! [`PublishStore`] on SQLite (migrations `0010_publishing.sql`, `0014_publish_slots.sql`).
//!
//! One writer at a time, so a claim's transaction is serialized with every other; claims
//! still carry their holder and expiry so the semantics match PostgreSQL's.
//! Writes begin IMMEDIATE: another process sharing the file waits (busy timeout) instead
//! of failing on a lock upgrade.

use super::codec::{from_millis, to_millis};
use super::SqliteStore;
use crate::publishing::{lost_claim, new_key, slot, slot_name};
use crate::publishing::{
    ClaimLease, Delivery, DeliveryId, DeliveryOutcome, Draft, DraftComment, DraftFilter, DraftId,
    DraftPoll, DraftStatus, DraftTarget, NewDraft, NewPublishAccount, PublishAccount,
    PublishAccountId, PublishSlot, PublishStore, TargetStatus, Transition,
};
use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{Timestamp, WorkspaceId};
use rusqlite::{params, Connection, OptionalExtension, Row};

fn corrupt(table: &'static str, column: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        message: message.into(),
    }
}

fn time(
    ms: Option<i64>,
    table: &'static str,
    column: &'static str,
) -> StoreResult<Option<Timestamp>> {
    ms.map(|ms| from_millis(ms, table, column)).transpose()
}

fn poll_from(text: Option<String>) -> StoreResult<Option<DraftPoll>> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt("drafts", "poll", e.to_string())))
        .transpose()
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<(i64, i64, String, String, String, i64)> {
    TryFrom::try_from(r)
}

fn finish_account(
    (id, workspace, kind, display_name, settings, created_at): (
        i64,
        i64,
        String,
        String,
        String,
        i64,
    ),
) -> StoreResult<PublishAccount> {
    Ok(PublishAccount {
        id: PublishAccountId(id),
        workspace_id: WorkspaceId(workspace),
        kind,
        display_name,
        settings: serde_json::from_str(&settings)
            .map_err(|e| corrupt("publish_accounts", "settings", e.to_string()))?,
        created_at: from_millis(created_at, "publish_accounts", "created_at")?,
    })
}

const DRAFT_SELECT: &str = "SELECT d.id, d.workspace_id, d.author_id, u.display_name, d.text, \
     d.poll, d.status, d.scheduled_at, d.approved_by, d.created_at, d.updated_at \
     FROM drafts d LEFT JOIN users u ON u.id = d.author_id";

type DraftRow = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

fn draft_row(r: &Row<'_>) -> rusqlite::Result<DraftRow> {
    TryFrom::try_from(r)
}

fn read_targets(conn: &Connection, draft: i64) -> StoreResult<Vec<DraftTarget>> {
    let what = "read a draft's targets";
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.id, t.account_id, a.display_name, a.kind, t.text, t.status, t.attempts, \
             t.next_attempt_at, t.last_error, t.native_id, t.url, t.sent_at, t.followers \
             FROM draft_targets t JOIN publish_accounts a ON a.id = t.account_id \
             WHERE t.draft_id = ?1 ORDER BY t.id",
        )
        .map_err(StoreError::sqlite(what))?;
    let rows = stmt
        .query_map([draft], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ),
                (
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<i64>>(11)?,
                    r.get::<_, Option<i64>>(12)?,
                ),
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite(what))?;
    rows.into_iter()
        .map(
            |(
                (id, account, name, kind, text, status),
                (attempts, next, error, native, url, sent, followers),
            )| {
                Ok(DraftTarget {
                    id: DeliveryId(id),
                    account_id: PublishAccountId(account),
                    account_name: name,
                    account_kind: kind,
                    text,
                    status: TargetStatus::parse(&status)
                        .ok_or_else(|| corrupt("draft_targets", "status", status.clone()))?,
                    attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                    next_attempt_at: time(next, "draft_targets", "next_attempt_at")?,
                    last_error: error,
                    native_id: native,
                    url,
                    sent_at: time(sent, "draft_targets", "sent_at")?,
                    followers: crate::engagement::count(followers),
                })
            },
        )
        .collect()
}

fn read_comments(conn: &Connection, draft: i64) -> StoreResult<Vec<DraftComment>> {
    let what = "read a draft's comments";
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.id, c.author_id, u.display_name, c.body, c.created_at \
             FROM draft_comments c LEFT JOIN users u ON u.id = c.author_id \
             WHERE c.draft_id = ?1 ORDER BY c.id",
        )
        .map_err(StoreError::sqlite(what))?;
    let rows = stmt
        .query_map([draft], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite(what))?;
    rows.into_iter()
        .map(|(id, author_id, author_name, body, created_at)| {
            Ok(DraftComment {
                id,
                author_id,
                author_name,
                body,
                created_at: from_millis(created_at, "draft_comments", "created_at")?,
            })
        })
        .collect()
}

fn finish_draft(conn: &Connection, row: DraftRow) -> StoreResult<Draft> {
    let (
        id,
        workspace,
        author_id,
        author_name,
        text,
        poll,
        status,
        scheduled,
        approved_by,
        created,
        updated,
    ) = row;
    Ok(Draft {
        id: DraftId(id),
        workspace_id: WorkspaceId(workspace),
        author_id,
        author_name,
        text,
        poll: poll_from(poll)?,
        status: DraftStatus::parse(&status)
            .ok_or_else(|| corrupt("drafts", "status", status.clone()))?,
        scheduled_at: time(scheduled, "drafts", "scheduled_at")?,
        approved_by,
        created_at: from_millis(created, "drafts", "created_at")?,
        updated_at: from_millis(updated, "drafts", "updated_at")?,
        targets: read_targets(conn, id)?,
        comments: read_comments(conn, id)?,
    })
}

fn read_draft(
    conn: &Connection,
    workspace: WorkspaceId,
    id: DraftId,
) -> StoreResult<Option<Draft>> {
    let row = conn
        .query_row(
            &format!("{DRAFT_SELECT} WHERE d.id = ?1 AND d.workspace_id = ?2"),
            params![id.0, workspace.0],
            draft_row,
        )
        .optional()
        .map_err(StoreError::sqlite("read a draft"))?;
    row.map(|row| finish_draft(conn, row)).transpose()
}

const DELIVERY_SELECT: &str = "SELECT t.id, t.draft_id, d.workspace_id, t.account_id, a.kind, \
     a.settings, coalesce(t.text, d.text), d.poll, t.idempotency_key, t.attempts \
     FROM draft_targets t JOIN drafts d ON d.id = t.draft_id \
     JOIN publish_accounts a ON a.id = t.account_id";

type DeliveryRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    TryFrom::try_from(r)
}

fn finish_delivery_row(row: DeliveryRow) -> StoreResult<Delivery> {
    let (id, draft, workspace, account, kind, settings, text, poll, key, attempts) = row;
    Ok(Delivery {
        id: DeliveryId(id),
        draft_id: DraftId(draft),
        workspace_id: WorkspaceId(workspace),
        account_id: PublishAccountId(account),
        account_kind: kind,
        account_settings: serde_json::from_str(&settings)
            .map_err(|e| corrupt("publish_accounts", "settings", e.to_string()))?,
        text,
        poll: poll_from(poll)?,
        idempotency_key: key
            .ok_or_else(|| corrupt("draft_targets", "idempotency_key", "missing while sending"))?,
        attempts: attempts.clamp(0, u32::MAX as i64) as u32,
    })
}

/// Sets a draft's status from its targets once none is waiting, due or sending.
fn settle_draft(conn: &Connection, draft: i64, now: i64) -> StoreResult<()> {
    let (open, failed, sent): (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*) FILTER (WHERE status IN ('waiting', 'pending', 'sending')), \
             count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'sent') \
             FROM draft_targets WHERE draft_id = ?1",
            [draft],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(StoreError::sqlite("settle a draft"))?;
    if open > 0 {
        return Ok(());
    }
    let status = if failed > 0 {
        "failed"
    } else if sent > 0 {
        "sent"
    } else {
        return Ok(());
    };
    conn.execute(
        "UPDATE drafts SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'sending'",
        params![draft, status, now],
    )
    .map_err(StoreError::sqlite("settle a draft"))?;
    Ok(())
}

/// The (target, draft, key) rows `sql` selects with `?1` = now and `?2` = limit.
fn select_claimable(
    tx: &Connection,
    sql: &str,
    now: i64,
    limit: i64,
    what: &'static str,
) -> StoreResult<Vec<(i64, i64, Option<String>)>> {
    let mut stmt = tx.prepare_cached(sql).map_err(StoreError::sqlite(what))?;
    let rows = stmt
        .query_map(params![now, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite(what))?;
    Ok(rows)
}

/// Claims `rows` for `owner` until `until`: `sending`, the key kept or made, one more
/// attempt, the draft `sending`; returns what the scheduler needs to send each.
fn claim(
    tx: &Connection,
    rows: Vec<(i64, i64, Option<String>)>,
    owner: &str,
    now: i64,
    until: i64,
    what: &'static str,
) -> StoreResult<Vec<Delivery>> {
    let mut out = Vec::with_capacity(rows.len());
    for (target, draft, key) in rows {
        let key = match key {
            Some(key) => key,
            None => new_key(draft, target)?,
        };
        tx.execute(
            "UPDATE draft_targets SET status = 'sending', idempotency_key = ?2, \
             attempts = attempts + 1, claimed_by = ?3, claim_expires_at = ?4 WHERE id = ?1",
            params![target, key, owner, until],
        )
        .map_err(StoreError::sqlite(what))?;
        tx.execute(
            "UPDATE drafts SET status = 'sending', updated_at = ?2 \
             WHERE id = ?1 AND status = 'scheduled'",
            params![draft, now],
        )
        .map_err(StoreError::sqlite(what))?;
        let row = tx
            .query_row(
                &format!("{DELIVERY_SELECT} WHERE t.id = ?1"),
                [target],
                delivery_row,
            )
            .map_err(StoreError::sqlite(what))?;
        out.push(finish_delivery_row(row)?);
    }
    Ok(out)
}

#[async_trait]
impl PublishStore for SqliteStore {
    async fn time_zone(&self, workspace: WorkspaceId) -> StoreResult<String> {
        self.with_reader(move |conn| {
            let tz: Option<String> = conn
                .query_row(
                    "SELECT time_zone FROM workspace_settings WHERE workspace_id = ?1",
                    [workspace.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite("read a workspace's time zone"))?;
            Ok(tz.unwrap_or_else(|| "UTC".to_string()))
        })
        .await
    }

    async fn set_time_zone(&self, workspace: WorkspaceId, time_zone: &str) -> StoreResult<()> {
        let time_zone = time_zone.to_string();
        self.with_writer(move |w| {
            w.conn
                .execute(
                    "INSERT INTO workspace_settings (workspace_id, time_zone) VALUES (?1, ?2) \
                     ON CONFLICT (workspace_id) DO UPDATE SET time_zone = excluded.time_zone",
                    params![workspace.0, time_zone],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        what: "workspace",
                        id: workspace.0,
                    },
                    _ => StoreError::sqlite("set a workspace's time zone")(e),
                })?;
            Ok(())
        })
        .await
    }

    async fn add_publish_account(
        &self,
        account: NewPublishAccount,
        key: &SecretKey,
    ) -> StoreResult<PublishAccount> {
        let sealed = key.seal(&account.secret)?;
        let settings = account.settings.to_string();
        self.with_writer(move |w| {
            let exists: bool = w
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
                    [account.workspace_id.0],
                    |r| r.get(0),
                )
                .map_err(StoreError::sqlite("check workspace"))?;
            if !exists {
                return Err(StoreError::NotFound {
                    what: "workspace",
                    id: account.workspace_id.0,
                });
            }
            let row = w
                .conn
                .query_row(
                    "INSERT INTO publish_accounts (workspace_id, kind, display_name, settings, \
                     secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     RETURNING id, workspace_id, kind, display_name, settings, created_at",
                    params![
                        account.workspace_id.0,
                        account.kind,
                        account.display_name,
                        settings,
                        sealed,
                        to_millis(Utc::now()),
                    ],
                    account_from_row,
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict {
                        what: "account",
                        value: account.display_name.clone(),
                    },
                    _ => StoreError::sqlite("connect an account")(e),
                })?;
            finish_account(row)
        })
        .await
    }

    async fn publish_accounts(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishAccount>> {
        self.with_reader(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, workspace_id, kind, display_name, settings, created_at \
                     FROM publish_accounts WHERE workspace_id = ?1 ORDER BY id",
                )
                .map_err(StoreError::sqlite("list accounts"))?;
            let rows = stmt
                .query_map([workspace.0], account_from_row)
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite("list accounts"))?;
            rows.into_iter().map(finish_account).collect()
        })
        .await
    }

    async fn publish_account_secret(
        &self,
        account: PublishAccountId,
        key: &SecretKey,
    ) -> StoreResult<Secret> {
        let sealed: Option<Vec<u8>> = self
            .with_reader(move |conn| {
                conn.query_row(
                    "SELECT secret FROM publish_accounts WHERE id = ?1",
                    [account.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite("read an account's secret"))
            })
            .await?;
        let sealed = sealed.ok_or(StoreError::NotFound {
            what: "account",
            id: account.0,
        })?;
        Ok(key.open(&sealed)?)
    }

    async fn create_draft(&self, draft: NewDraft) -> StoreResult<Draft> {
        let poll = draft
            .poll
            .as_ref()
            .map(|p| serde_json::to_string(p).map_err(|e| StoreError::Worker(e.to_string())))
            .transpose()?;
        let workspace = draft.workspace_id;
        let id = self
            .with_writer(move |w| {
                let what = "create a draft";
                let tx = w.conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(what))?;
                let now = to_millis(Utc::now());
                let id: i64 = tx
                    .query_row(
                        "INSERT INTO drafts (workspace_id, author_id, text, poll, status, \
                         scheduled_at, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
                        params![
                            draft.workspace_id.0,
                            draft.author_id,
                            draft.text,
                            poll,
                            draft.status.as_str(),
                            draft.scheduled_at.map(to_millis),
                            now,
                        ],
                        |r| r.get(0),
                    )
                    .map_err(StoreError::sqlite(what))?;
                for (account, text) in &draft.targets {
                    let ours: bool = tx
                        .query_row(
                            "SELECT EXISTS (SELECT 1 FROM publish_accounts \
                             WHERE id = ?1 AND workspace_id = ?2)",
                            params![account.0, draft.workspace_id.0],
                            |r| r.get(0),
                        )
                        .map_err(StoreError::sqlite(what))?;
                    if !ours {
                        return Err(StoreError::NotFound {
                            what: "account",
                            id: account.0,
                        });
                    }
                    tx.execute(
                        "INSERT INTO draft_targets (draft_id, account_id, text) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (draft_id, account_id) DO NOTHING",
                        params![id, account.0, text],
                    )
                    .map_err(StoreError::sqlite(what))?;
                }
                tx.commit().map_err(StoreError::sqlite(what))?;
                Ok(id)
            })
            .await?;
        self.draft(workspace, DraftId(id))
            .await?
            .ok_or(StoreError::NotFound { what: "draft", id })
    }

    async fn draft(&self, workspace: WorkspaceId, id: DraftId) -> StoreResult<Option<Draft>> {
        self.with_reader(move |conn| read_draft(conn, workspace, id))
            .await
    }

    async fn drafts(
        &self,
        workspace: WorkspaceId,
        filter: &DraftFilter,
    ) -> StoreResult<Vec<Draft>> {
        let statuses: Vec<&'static str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        let statuses =
            serde_json::to_string(&statuses).map_err(|e| StoreError::Worker(e.to_string()))?;
        let any_status = filter.statuses.is_empty();
        let from = filter.from.map(to_millis);
        let until = filter.until.map(to_millis);
        let limit = if filter.limit == 0 {
            500
        } else {
            filter.limit.min(5000)
        } as i64;
        self.with_reader(move |conn| {
            let what = "list drafts";
            let mut stmt = conn
                .prepare_cached(&format!(
                    "{DRAFT_SELECT} WHERE d.workspace_id = ?1 \
                     AND (?2 OR d.status IN (SELECT value FROM json_each(?3))) \
                     AND (?4 IS NULL OR d.scheduled_at >= ?4) \
                     AND (?5 IS NULL OR d.scheduled_at < ?5) \
                     ORDER BY d.scheduled_at IS NULL, d.scheduled_at, d.id LIMIT ?6"
                ))
                .map_err(StoreError::sqlite(what))?;
            let rows = stmt
                .query_map(
                    params![workspace.0, any_status, statuses, from, until, limit],
                    draft_row,
                )
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite(what))?;
            rows.into_iter()
                .map(|row| finish_draft(conn, row))
                .collect()
        })
        .await
    }

    async fn transition_draft(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        transition: Transition,
    ) -> StoreResult<Draft> {
        self.with_writer(move |w| {
            let what = "change a draft's status";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(what))?;
            let current: Option<(String, Option<i64>)> = tx
                .query_row(
                    "SELECT status, scheduled_at FROM drafts WHERE id = ?1 AND workspace_id = ?2",
                    params![id.0, workspace.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StoreError::sqlite(what))?;
            let Some((status, scheduled)) = current else {
                return Err(StoreError::NotFound {
                    what: "draft",
                    id: id.0,
                });
            };
            let status =
                DraftStatus::parse(&status).ok_or_else(|| corrupt("drafts", "status", status))?;
            if !transition.from.contains(&status) {
                return Err(StoreError::Conflict {
                    what: "draft status",
                    value: format!(
                        "draft {} is {}, it cannot become {}",
                        id.0,
                        status.as_str(),
                        transition.to.as_str()
                    ),
                });
            }
            let now = to_millis(Utc::now());
            let scheduled = transition.scheduled_at.map(to_millis).or(scheduled);
            tx.execute(
                "UPDATE drafts SET status = ?2, scheduled_at = ?3, \
                 approved_by = coalesce(?4, approved_by), updated_at = ?5 WHERE id = ?1",
                params![
                    id.0,
                    transition.to.as_str(),
                    scheduled,
                    transition.approved_by,
                    now
                ],
            )
            .map_err(StoreError::sqlite(what))?;
            match transition.to {
                DraftStatus::Scheduled => {
                    tx.execute(
                        "UPDATE draft_targets SET status = 'pending', next_attempt_at = ?2 \
                         WHERE draft_id = ?1 AND status IN ('waiting', 'pending')",
                        params![id.0, scheduled.unwrap_or(now)],
                    )
                    .map_err(StoreError::sqlite(what))?;
                }
                DraftStatus::Cancelled => {
                    tx.execute(
                        "UPDATE draft_targets SET status = 'cancelled', next_attempt_at = NULL \
                         WHERE draft_id = ?1 AND status IN ('waiting', 'pending')",
                        [id.0],
                    )
                    .map_err(StoreError::sqlite(what))?;
                }
                _ => {}
            }
            let draft = read_draft(&tx, workspace, id)?.ok_or(StoreError::NotFound {
                what: "draft",
                id: id.0,
            })?;
            tx.commit().map_err(StoreError::sqlite(what))?;
            Ok(draft)
        })
        .await
    }

    async fn add_draft_comment(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        author: Option<i64>,
        body: &str,
    ) -> StoreResult<DraftComment> {
        let body = body.to_string();
        let comment_id = self
            .with_writer(move |w| {
                let what = "comment on a draft";
                let ours: bool = w
                    .conn
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM drafts WHERE id = ?1 AND workspace_id = ?2)",
                        params![id.0, workspace.0],
                        |r| r.get(0),
                    )
                    .map_err(StoreError::sqlite(what))?;
                if !ours {
                    return Err(StoreError::NotFound {
                        what: "draft",
                        id: id.0,
                    });
                }
                w.conn
                    .query_row(
                        "INSERT INTO draft_comments (draft_id, author_id, body, created_at) \
                         VALUES (?1, ?2, ?3, ?4) RETURNING id",
                        params![id.0, author, body, to_millis(Utc::now())],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(StoreError::sqlite(what))
            })
            .await?;
        self.with_reader(move |conn| {
            read_comments(conn, id.0)?
                .into_iter()
                .find(|c| c.id == comment_id)
                .ok_or(StoreError::NotFound {
                    what: "comment",
                    id: comment_id,
                })
        })
        .await
    }

    async fn publish_slots(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishSlot>> {
        self.with_reader(move |conn| {
            let what = "list publishing slots";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, weekday, minute FROM publish_slots WHERE workspace_id = ?1 \
                     ORDER BY weekday, minute",
                )
                .map_err(StoreError::sqlite(what))?;
            let rows = stmt
                .query_map([workspace.0], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite(what))?;
            rows.into_iter()
                .map(|(id, weekday, minute)| slot(id, workspace, weekday, minute))
                .collect()
        })
        .await
    }

    async fn add_publish_slot(
        &self,
        workspace: WorkspaceId,
        weekday: u8,
        minute: u16,
    ) -> StoreResult<PublishSlot> {
        self.with_writer(move |w| {
            let what = "add a publishing slot";
            let exists: bool = w
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
                    [workspace.0],
                    |r| r.get(0),
                )
                .map_err(StoreError::sqlite(what))?;
            if !exists {
                return Err(StoreError::NotFound {
                    what: "workspace",
                    id: workspace.0,
                });
            }
            let id: i64 = w
                .conn
                .query_row(
                    "INSERT INTO publish_slots (workspace_id, weekday, minute) \
                     VALUES (?1, ?2, ?3) RETURNING id",
                    params![workspace.0, weekday, minute],
                    |r| r.get(0),
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict {
                        what: "publishing slot",
                        value: slot_name(weekday, minute),
                    },
                    _ => StoreError::sqlite(what)(e),
                })?;
            slot(id, workspace, i64::from(weekday), i64::from(minute))
        })
        .await
    }

    async fn remove_publish_slot(&self, workspace: WorkspaceId, id: i64) -> StoreResult<()> {
        self.with_writer(move |w| {
            let removed = w
                .conn
                .execute(
                    "DELETE FROM publish_slots WHERE id = ?1 AND workspace_id = ?2",
                    params![id, workspace.0],
                )
                .map_err(StoreError::sqlite("remove a publishing slot"))?;
            if removed == 0 {
                return Err(StoreError::NotFound {
                    what: "publishing slot",
                    id,
                });
            }
            Ok(())
        })
        .await
    }

    async fn claim_due_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>> {
        let owner = lease.owner.clone();
        let until = to_millis(now + lease.ttl);
        let now = to_millis(now);
        let limit = limit.clamp(1, 1000) as i64;
        self.with_writer(move |w| {
            let what = "claim due deliveries";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(what))?;
            let due = select_claimable(
                &tx,
                "SELECT t.id, t.draft_id, t.idempotency_key FROM draft_targets t \
                 JOIN drafts d ON d.id = t.draft_id \
                 WHERE t.status = 'pending' AND t.next_attempt_at <= ?1 \
                 AND d.status IN ('scheduled', 'sending') \
                 ORDER BY t.next_attempt_at, t.id LIMIT ?2",
                now,
                limit,
                what,
            )?;
            let out = claim(&tx, due, &owner, now, until, what)?;
            tx.commit().map_err(StoreError::sqlite(what))?;
            Ok(out)
        })
        .await
    }

    async fn claim_stuck_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>> {
        let owner = lease.owner.clone();
        let until = to_millis(now + lease.ttl);
        let now = to_millis(now);
        let limit = limit.clamp(1, 1000) as i64;
        self.with_writer(move |w| {
            let what = "take over deliveries left sending";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(what))?;
            let stuck = select_claimable(
                &tx,
                "SELECT t.id, t.draft_id, t.idempotency_key FROM draft_targets t \
                 WHERE t.status = 'sending' AND coalesce(t.claim_expires_at, 0) <= ?1 \
                 ORDER BY t.id LIMIT ?2",
                now,
                limit,
                what,
            )?;
            let out = claim(&tx, stuck, &owner, now, until, what)?;
            tx.commit().map_err(StoreError::sqlite(what))?;
            Ok(out)
        })
        .await
    }

    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        let owner = owner.to_string();
        self.with_writer(move |w| {
            let what = "record a delivery";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(what))?;
            let now = to_millis(Utc::now());
            let current: Option<(i64, String, Option<String>)> = tx
                .query_row(
                    "SELECT draft_id, status, claimed_by FROM draft_targets WHERE id = ?1",
                    [id.0],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(StoreError::sqlite(what))?;
            let Some((draft, status, holder)) = current else {
                return Err(StoreError::NotFound {
                    what: "delivery",
                    id: id.0,
                });
            };
            if status != "sending" || holder.as_deref() != Some(owner.as_str()) {
                return Err(lost_claim(id, &owner));
            }
            match outcome {
                DeliveryOutcome::Sent {
                    native_id,
                    url,
                    followers,
                } => tx.execute(
                    "UPDATE draft_targets SET status = 'sent', native_id = ?2, url = ?3, \
                     sent_at = ?4, last_error = NULL, next_attempt_at = NULL, \
                     claimed_by = NULL, claim_expires_at = NULL, followers = ?5 WHERE id = ?1",
                    params![
                        id.0,
                        native_id,
                        url,
                        now,
                        crate::engagement::stored(followers)
                    ],
                ),
                DeliveryOutcome::Retry { at, error } => tx.execute(
                    "UPDATE draft_targets SET status = 'pending', next_attempt_at = ?2, \
                     last_error = ?3, claimed_by = NULL, claim_expires_at = NULL WHERE id = ?1",
                    params![id.0, to_millis(at), error],
                ),
                DeliveryOutcome::Failed { error } => tx.execute(
                    "UPDATE draft_targets SET status = 'failed', next_attempt_at = NULL, \
                     last_error = ?2, claimed_by = NULL, claim_expires_at = NULL WHERE id = ?1",
                    params![id.0, error],
                ),
            }
            .map_err(StoreError::sqlite(what))?;
            settle_draft(&tx, draft, now)?;
            tx.commit().map_err(StoreError::sqlite(what))?;
            Ok(())
        })
        .await
    }
}
