//! The inbox in PostgreSQL: items ranked by priority, their handling, replies, templates,
//! corrections and response times. Items themselves are created by the batch writer.

use super::read::{read_post, read_posts, POST_COLUMNS};
use super::{execute, get, limit_value, query, query_one, query_opt, PostgresStore};
use crate::codec::{from_millis, to_millis};
use crate::inbox::{
    summarise, AssigneeFilter, Correction, InboxEntry, InboxEvent, InboxNote, InboxQuery,
    InboxUpdate, ItemTimes, LabelledText, ReplyRecord, ReplyState, ResponseStats, SavedReply,
    UserRef,
};
use crate::{StoreError, StoreResult, StoredPost};
use chrono::Utc;
use deadpool_postgres::GenericClient;
use rapport_model::{InboxItemId, InboxStatus, PostId, Timestamp, WorkspaceId};
use std::collections::BTreeMap;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// Columns of an entry, before the post's [`POST_COLUMNS`] (which start at [`POST_AT`]).
const ENTRY_COLUMNS: &str = "i.id, i.workspace_id, i.reason, i.base_priority, i.rank_key, \
     i.status, i.assignee, i.arrived_at, i.first_response_at, i.first_responder, i.resolved_at, \
     i.updated_at, \
     (SELECT array_agg(m.name) FROM mentions x \
      JOIN monitors m ON m.id = x.monitor_id \
      WHERE x.post_id = i.post_id AND x.workspace_id = i.workspace_id), \
     (SELECT c.new_value FROM corrections c WHERE c.workspace_id = i.workspace_id \
      AND c.post_id = i.post_id AND c.field = 'sentiment' ORDER BY c.id DESC LIMIT 1), \
     (SELECT c.new_value FROM corrections c WHERE c.workspace_id = i.workspace_id \
      AND c.post_id = i.post_id AND c.field = 'intent' ORDER BY c.id DESC LIMIT 1)";
const POST_AT: usize = 15;
const ENTRY_FROM: &str =
    "FROM inbox_items i JOIN posts p ON p.id = i.post_id JOIN authors a ON a.id = p.author_id";

fn read_entry(row: &Row) -> StoreResult<InboxEntry> {
    const CONTEXT: &str = "read an inbox item";
    let corrupt = |column: &'static str| {
        move |message: String| StoreError::Corrupt {
            table: "inbox_items",
            column,
            message,
        }
    };
    let time = |i: usize, column| -> StoreResult<Timestamp> {
        from_millis(get(row, i, CONTEXT)?, "inbox_items", column)
    };
    let optional_time = |i: usize, column| -> StoreResult<Option<Timestamp>> {
        get::<Option<i64>>(row, i, CONTEXT)?
            .map(|ms| from_millis(ms, "inbox_items", column))
            .transpose()
    };
    let corrected = |i: usize| -> StoreResult<Option<String>> { get(row, i, CONTEXT) };
    let correction_corrupt = |message: String| StoreError::Corrupt {
        table: "corrections",
        column: "new_value",
        message,
    };
    let status: String = get(row, 5, CONTEXT)?;
    let mut monitors = get::<Option<Vec<String>>>(row, 12, CONTEXT)?.unwrap_or_default();
    // In Rust's order, whatever the database's collation.
    monitors.sort();
    Ok(InboxEntry {
        id: InboxItemId(get(row, 0, CONTEXT)?),
        workspace_id: WorkspaceId(get(row, 1, CONTEXT)?),
        reason: get::<String>(row, 2, CONTEXT)?
            .parse()
            .map_err(corrupt("reason"))?,
        base_priority: get(row, 3, CONTEXT)?,
        rank_key: get(row, 4, CONTEXT)?,
        status: status
            .parse()
            .map_err(|e: rapport_model::UnknownInboxStatus| corrupt("status")(e.to_string()))?,
        assignee: get(row, 6, CONTEXT)?,
        arrived_at: time(7, "arrived_at")?,
        first_response_at: optional_time(8, "first_response_at")?,
        first_responder: get(row, 9, CONTEXT)?,
        resolved_at: optional_time(10, "resolved_at")?,
        updated_at: time(11, "updated_at")?,
        monitors,
        corrected_sentiment: corrected(13)?
            .map(|s| s.parse())
            .transpose()
            .map_err(correction_corrupt)?,
        corrected_intent: corrected(14)?
            .map(|s| s.parse())
            .transpose()
            .map_err(correction_corrupt)?,
        post: read_post(row, POST_AT)?,
    })
}

async fn inbox<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    q: &InboxQuery,
) -> StoreResult<Vec<InboxEntry>> {
    let statuses: Vec<&str> = if q.statuses.is_empty() {
        InboxStatus::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .map(|s| s.as_str())
            .collect()
    } else {
        q.statuses.iter().map(|s| s.as_str()).collect()
    };
    let mut sql = format!(
        "SELECT {ENTRY_COLUMNS}, {POST_COLUMNS} {ENTRY_FROM} \
         WHERE i.workspace_id = $1 AND i.status = ANY($2)"
    );
    let user;
    let reason;
    let after;
    let limit = limit_value(q.limit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&workspace.0, &statuses];
    match q.assignee {
        AssigneeFilter::Any => {}
        AssigneeFilter::Unassigned => sql.push_str(" AND i.assignee IS NULL"),
        AssigneeFilter::User(id) => {
            user = id;
            params.push(&user);
            sql.push_str(&format!(" AND i.assignee = ${}", params.len()));
        }
    }
    if let Some(r) = q.reason {
        reason = r.as_str();
        params.push(&reason);
        sql.push_str(&format!(" AND i.reason = ${}", params.len()));
    }
    if let Some(cursor) = q.after {
        after = (cursor.rank_key, cursor.id.0);
        params.push(&after.0);
        params.push(&after.1);
        let (k, id) = (params.len() - 1, params.len());
        sql.push_str(&format!(
            " AND (i.rank_key < ${k} OR (i.rank_key = ${k} AND i.id < ${id}))"
        ));
    }
    params.push(&limit);
    sql.push_str(&format!(
        " ORDER BY i.rank_key DESC, i.id DESC LIMIT ${}",
        params.len()
    ));
    let rows = query(client, &sql, &params, "list inbox").await?;
    rows.iter().map(read_entry).collect()
}

async fn inbox_item<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<Option<InboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {POST_COLUMNS} {ENTRY_FROM} WHERE i.workspace_id = $1 AND i.id = $2"
    );
    let row = query_opt(client, &sql, &[&workspace.0, &id.0], "read inbox item").await?;
    row.as_ref().map(read_entry).transpose()
}

/// The item, or `NotFound` when it is not the workspace's.
async fn existing_item<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<InboxEntry> {
    inbox_item(client, workspace, id)
        .await?
        .ok_or(StoreError::NotFound {
            what: "inbox item",
            id: id.0,
        })
}

/// Whether the item exists in the workspace, locking it until the transaction ends.
async fn lock_item<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<()> {
    let row = query_opt(
        client,
        "SELECT 1 FROM inbox_items WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
        &[&workspace.0, &id.0],
        "lock inbox item",
    )
    .await?;
    row.map(|_| ()).ok_or(StoreError::NotFound {
        what: "inbox item",
        id: id.0,
    })
}

async fn record_event<C: GenericClient>(
    client: &C,
    item: InboxItemId,
    user: Option<UserRef>,
    kind: &str,
    detail: &str,
    at: i64,
) -> StoreResult<()> {
    execute(
        client,
        "INSERT INTO inbox_events (item_id, user_id, kind, detail, at) VALUES ($1, $2, $3, $4, $5)",
        &[&item.0, &user, &kind, &detail, &at],
        "record inbox event",
    )
    .await?;
    Ok(())
}

const REPLY_COLUMNS: &str =
    "id, item_id, user_id, body, idempotency_key, state, remote_id, error, created_at, finished_at";

fn read_reply(row: &Row) -> StoreResult<ReplyRecord> {
    const CONTEXT: &str = "read a reply";
    let state: String = get(row, 5, CONTEXT)?;
    Ok(ReplyRecord {
        id: get(row, 0, CONTEXT)?,
        item: InboxItemId(get(row, 1, CONTEXT)?),
        user: get(row, 2, CONTEXT)?,
        body: get(row, 3, CONTEXT)?,
        idempotency_key: get(row, 4, CONTEXT)?,
        state: match state.as_str() {
            "pending" => ReplyState::Pending,
            "sent" => ReplyState::Sent,
            "failed" => ReplyState::Failed,
            other => {
                return Err(StoreError::Corrupt {
                    table: "inbox_replies",
                    column: "state",
                    message: format!("unknown reply state {other:?}"),
                })
            }
        },
        remote_id: get(row, 6, CONTEXT)?,
        error: get(row, 7, CONTEXT)?,
        created_at: from_millis(get(row, 8, CONTEXT)?, "inbox_replies", "created_at")?,
        finished_at: get::<Option<i64>>(row, 9, CONTEXT)?
            .map(|ms| from_millis(ms, "inbox_replies", "finished_at"))
            .transpose()?,
    })
}

async fn reply_by_id<C: GenericClient>(client: &C, id: i64) -> StoreResult<ReplyRecord> {
    let row = query_opt(
        client,
        &format!("SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE id = $1"),
        &[&id],
        "read reply",
    )
    .await?;
    row.as_ref()
        .map(read_reply)
        .transpose()?
        .ok_or(StoreError::NotFound { what: "reply", id })
}

async fn reply_by_key<C: GenericClient>(client: &C, key: &str) -> StoreResult<Option<ReplyRecord>> {
    let row = query_opt(
        client,
        &format!("SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE idempotency_key = $1"),
        &[&key],
        "read reply",
    )
    .await?;
    row.as_ref().map(read_reply).transpose()
}

async fn check_workspace<C: GenericClient>(client: &C, workspace: WorkspaceId) -> StoreResult<()> {
    let row = query_opt(
        client,
        "SELECT 1 FROM workspaces WHERE id = $1",
        &[&workspace.0],
        "check workspace",
    )
    .await?;
    row.map(|_| ()).ok_or(StoreError::NotFound {
        what: "workspace",
        id: workspace.0,
    })
}

#[async_trait::async_trait]
impl crate::InboxStore for PostgresStore {
    async fn inbox(
        &self,
        workspace: WorkspaceId,
        query: &InboxQuery,
    ) -> StoreResult<Vec<InboxEntry>> {
        inbox(&self.client().await?, workspace, query).await
    }

    async fn inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Option<InboxEntry>> {
        inbox_item(&self.client().await?, workspace, id).await
    }

    async fn inbox_counts(&self, workspace: WorkspaceId) -> StoreResult<Vec<(InboxStatus, u64)>> {
        let rows = query(
            &self.client().await?,
            "SELECT status, count(*) FROM inbox_items WHERE workspace_id = $1 GROUP BY status",
            &[&workspace.0],
            "count inbox",
        )
        .await?;
        let mut counted: BTreeMap<String, i64> = BTreeMap::new();
        for row in &rows {
            counted.insert(get(row, 0, "count inbox")?, get(row, 1, "count inbox")?);
        }
        Ok(InboxStatus::ALL
            .into_iter()
            .map(|status| {
                let n = counted.get(status.as_str()).copied().unwrap_or(0);
                (status, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }

    async fn update_inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        update: InboxUpdate,
        by: Option<UserRef>,
    ) -> StoreResult<InboxEntry> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin inbox update"))?;
        lock_item(&tx, workspace, id).await?;
        let current = existing_item(&tx, workspace, id).await?;
        let now = to_millis(Utc::now());
        if let Some(status) = update.status.filter(|s| *s != current.status) {
            let resolved_at = (status == InboxStatus::Resolved).then_some(now);
            execute(
                &tx,
                "UPDATE inbox_items SET status = $2, resolved_at = $3, updated_at = $4 WHERE id = $1",
                &[&id.0, &status.as_str(), &resolved_at, &now],
                "change inbox status",
            )
            .await?;
            record_event(&tx, id, by, "status", status.as_str(), now).await?;
        }
        if let Some(assignee) = update.assignee.filter(|a| *a != current.assignee) {
            execute(
                &tx,
                "UPDATE inbox_items SET assignee = $2, updated_at = $3 WHERE id = $1",
                &[&id.0, &assignee, &now],
                "assign inbox item",
            )
            .await?;
            let detail = assignee.map_or_else(|| "unassigned".to_string(), |u| u.to_string());
            record_event(&tx, id, by, "assign", &detail, now).await?;
        }
        let entry = existing_item(&tx, workspace, id).await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit inbox update"))?;
        Ok(entry)
    }

    async fn inbox_events(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxEvent>> {
        let client = self.client().await?;
        existing_item(&client, workspace, id).await?;
        let rows = query(
            &client,
            "SELECT user_id, kind, detail, at FROM inbox_events WHERE item_id = $1 ORDER BY at, id",
            &[&id.0],
            "read inbox events",
        )
        .await?;
        rows.iter()
            .map(|row| {
                const CONTEXT: &str = "read inbox events";
                Ok(InboxEvent {
                    user: get(row, 0, CONTEXT)?,
                    kind: get(row, 1, CONTEXT)?,
                    detail: get(row, 2, CONTEXT)?,
                    at: from_millis(get(row, 3, CONTEXT)?, "inbox_events", "at")?,
                })
            })
            .collect()
    }

    async fn add_inbox_note(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
    ) -> StoreResult<InboxNote> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin note"))?;
        lock_item(&tx, workspace, id).await?;
        let now = to_millis(Utc::now());
        let row = query_one(
            &tx,
            "INSERT INTO inbox_notes (item_id, user_id, body, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
            &[&id.0, &by, &body, &now],
            "add note",
        )
        .await?;
        record_event(&tx, id, by, "note", "", now).await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit note"))?;
        Ok(InboxNote {
            id: get(&row, 0, "add note")?,
            user: by,
            body: body.to_string(),
            created_at: from_millis(now, "inbox_notes", "created_at")?,
        })
    }

    async fn inbox_notes(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxNote>> {
        let client = self.client().await?;
        existing_item(&client, workspace, id).await?;
        let rows = query(
            &client,
            "SELECT id, user_id, body, created_at FROM inbox_notes WHERE item_id = $1 \
             ORDER BY created_at, id",
            &[&id.0],
            "read notes",
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InboxNote {
                    id: get(row, 0, "read notes")?,
                    user: get(row, 1, "read notes")?,
                    body: get(row, 2, "read notes")?,
                    created_at: from_millis(
                        get(row, 3, "read notes")?,
                        "inbox_notes",
                        "created_at",
                    )?,
                })
            })
            .collect()
    }

    async fn conversation(&self, post: PostId, limit: usize) -> StoreResult<Vec<StoredPost>> {
        let client = self.client().await?;
        let found = query_opt(
            &client,
            "SELECT network, coalesce(conversation_id, native_id) FROM posts WHERE id = $1",
            &[&post.0],
            "find conversation",
        )
        .await?;
        let Some(found) = found else {
            return Err(StoreError::NotFound {
                what: "post",
                id: post.0,
            });
        };
        let network: String = get(&found, 0, "find conversation")?;
        let root: String = get(&found, 1, "find conversation")?;
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
             WHERE p.network = $1 AND (p.native_id = $2 OR p.conversation_id = $2) \
             ORDER BY p.created_at, p.id LIMIT $3"
        );
        let rows = query(
            &client,
            &sql,
            &[&network, &root, &limit_value(limit)],
            "read conversation",
        )
        .await?;
        read_posts(&rows)
    }

    async fn begin_reply(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
        idempotency_key: &str,
    ) -> StoreResult<ReplyRecord> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin reply"))?;
        lock_item(&tx, workspace, id).await?;
        let check = |existing: ReplyRecord| {
            if existing.item != id {
                // The key was used for another inbox item.
                Err(StoreError::Conflict {
                    what: "reply idempotency key",
                    value: idempotency_key.to_string(),
                })
            } else {
                Ok(existing)
            }
        };
        if let Some(existing) = reply_by_key(&tx, idempotency_key).await? {
            return check(existing);
        }
        let inserted = query_opt(
            &tx,
            &format!(
                "INSERT INTO inbox_replies (item_id, user_id, body, idempotency_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING \
                 RETURNING {REPLY_COLUMNS}"
            ),
            &[&id.0, &by, &body, &idempotency_key, &to_millis(Utc::now())],
            "record reply",
        )
        .await;
        let record = match inserted {
            Ok(Some(row)) => read_reply(&row)?,
            // Another process recorded the same key meanwhile: theirs is the reply.
            Ok(None) => {
                drop(tx);
                let existing =
                    reply_by_key(&client, idempotency_key)
                        .await?
                        .ok_or(StoreError::Conflict {
                            what: "reply idempotency key",
                            value: idempotency_key.to_string(),
                        })?;
                return check(existing);
            }
            Err(e) => return Err(e),
        };
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit reply"))?;
        Ok(record)
    }

    async fn finish_reply(
        &self,
        reply: i64,
        outcome: Result<String, String>,
    ) -> StoreResult<ReplyRecord> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("begin finishing reply"))?;
        query_opt(
            &tx,
            "SELECT 1 FROM inbox_replies WHERE id = $1 FOR UPDATE",
            &[&reply],
            "lock reply",
        )
        .await?;
        let record = reply_by_id(&tx, reply).await?;
        if record.state != ReplyState::Pending {
            // Already finished: answering twice changes nothing.
            return Ok(record);
        }
        let now = to_millis(Utc::now());
        match &outcome {
            Ok(remote_id) => {
                execute(
                    &tx,
                    "UPDATE inbox_replies SET state = 'sent', remote_id = $2, finished_at = $3 \
                     WHERE id = $1",
                    &[&reply, remote_id, &now],
                    "mark reply sent",
                )
                .await?;
                execute(
                    &tx,
                    "UPDATE inbox_items SET first_response_at = coalesce(first_response_at, $2), \
                     first_responder = CASE WHEN first_response_at IS NULL THEN $3 \
                         ELSE first_responder END, \
                     status = CASE WHEN status = 'new' THEN 'open' ELSE status END, \
                     updated_at = $2 WHERE id = $1",
                    &[&record.item.0, &now, &record.user],
                    "stamp first response",
                )
                .await?;
                record_event(&tx, record.item, record.user, "reply", remote_id, now).await?;
            }
            Err(message) => {
                execute(
                    &tx,
                    "UPDATE inbox_replies SET state = 'failed', error = $2, finished_at = $3 \
                     WHERE id = $1",
                    &[&reply, message, &now],
                    "mark reply failed",
                )
                .await?;
                record_event(&tx, record.item, record.user, "reply_failed", message, now).await?;
            }
        }
        let finished = reply_by_id(&tx, reply).await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("commit finished reply"))?;
        Ok(finished)
    }

    async fn inbox_replies(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<ReplyRecord>> {
        let client = self.client().await?;
        existing_item(&client, workspace, id).await?;
        let rows = query(
            &client,
            &format!(
                "SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE item_id = $1 ORDER BY created_at, id"
            ),
            &[&id.0],
            "read replies",
        )
        .await?;
        rows.iter().map(read_reply).collect()
    }

    async fn pending_replies(
        &self,
        before: Timestamp,
    ) -> StoreResult<Vec<(WorkspaceId, ReplyRecord)>> {
        let client = self.client().await?;
        // Replies are written by people: few rows, and a scan at startup is cheap.
        let rows = query(
            &client,
            &format!(
                "SELECT {REPLY_COLUMNS}, \
                        (SELECT workspace_id FROM inbox_items i WHERE i.id = inbox_replies.item_id) \
                 FROM inbox_replies WHERE state = 'pending' AND created_at < $1 \
                 ORDER BY created_at, id"
            ),
            &[&to_millis(before)],
            "read pending replies",
        )
        .await?;
        rows.iter()
            .map(|row| {
                let workspace: i64 = get(row, 10, "read pending replies")?;
                Ok((WorkspaceId(workspace), read_reply(row)?))
            })
            .collect()
    }

    async fn save_reply_template(
        &self,
        workspace: WorkspaceId,
        name: &str,
        body: &str,
    ) -> StoreResult<SavedReply> {
        let client = self.client().await?;
        check_workspace(&client, workspace).await?;
        let row = query_one(
            &client,
            "INSERT INTO saved_replies (workspace_id, name, body, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, name) DO UPDATE SET body = excluded.body \
             RETURNING id, created_at",
            &[&workspace.0, &name, &body, &to_millis(Utc::now())],
            "save reply template",
        )
        .await?;
        Ok(SavedReply {
            id: get(&row, 0, "save reply template")?,
            workspace_id: workspace,
            name: name.to_string(),
            body: body.to_string(),
            created_at: from_millis(
                get(&row, 1, "save reply template")?,
                "saved_replies",
                "created_at",
            )?,
        })
    }

    async fn reply_templates(&self, workspace: WorkspaceId) -> StoreResult<Vec<SavedReply>> {
        let rows = query(
            &self.client().await?,
            "SELECT id, name, body, created_at FROM saved_replies WHERE workspace_id = $1 \
             ORDER BY name",
            &[&workspace.0],
            "list reply templates",
        )
        .await?;
        rows.iter()
            .map(|row| {
                const CONTEXT: &str = "list reply templates";
                Ok(SavedReply {
                    id: get(row, 0, CONTEXT)?,
                    workspace_id: workspace,
                    name: get(row, 1, CONTEXT)?,
                    body: get(row, 2, CONTEXT)?,
                    created_at: from_millis(get(row, 3, CONTEXT)?, "saved_replies", "created_at")?,
                })
            })
            .collect()
    }

    async fn delete_reply_template(&self, workspace: WorkspaceId, id: i64) -> StoreResult<bool> {
        let deleted = execute(
            &self.client().await?,
            "DELETE FROM saved_replies WHERE workspace_id = $1 AND id = $2",
            &[&workspace.0, &id],
            "delete reply template",
        )
        .await?;
        Ok(deleted > 0)
    }

    async fn record_correction(
        &self,
        workspace: WorkspaceId,
        post: PostId,
        correction: Correction,
        by: Option<UserRef>,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        check_workspace(&client, workspace).await?;
        let column = match correction {
            Correction::Sentiment(_) => "sentiment",
            Correction::Intent(_) => "intent",
        };
        let inserted = execute(
            &client,
            &format!(
                "INSERT INTO corrections (workspace_id, post_id, field, old_value, new_value, \
                     user_id, created_at) \
                 SELECT $1, p.id, $3, p.{column}, $4, $5, $6 FROM posts p WHERE p.id = $2"
            ),
            &[
                &workspace.0,
                &post.0,
                &correction.field(),
                &correction.value(),
                &by,
                &to_millis(Utc::now()),
            ],
            "record correction",
        )
        .await?;
        if inserted == 0 {
            return Err(StoreError::NotFound {
                what: "post",
                id: post.0,
            });
        }
        Ok(())
    }

    async fn corrections(&self, workspace: WorkspaceId) -> StoreResult<Vec<LabelledText>> {
        let rows = query(
            &self.client().await?,
            "SELECT c.post_id, p.text, c.field, c.new_value, c.created_at FROM corrections c \
             JOIN posts p ON p.id = c.post_id \
             WHERE c.workspace_id = $1 AND c.id = (SELECT max(c2.id) FROM corrections c2 \
               WHERE c2.workspace_id = c.workspace_id AND c2.post_id = c.post_id \
               AND c2.field = c.field) \
             ORDER BY c.id",
            &[&workspace.0],
            "read corrections",
        )
        .await?;
        rows.iter()
            .map(|row| {
                const CONTEXT: &str = "read corrections";
                let corrupt = |message: String| StoreError::Corrupt {
                    table: "corrections",
                    column: "new_value",
                    message,
                };
                let field: String = get(row, 2, CONTEXT)?;
                let value: String = get(row, 3, CONTEXT)?;
                let correction = match field.as_str() {
                    "sentiment" => Correction::Sentiment(value.parse().map_err(corrupt)?),
                    "intent" => Correction::Intent(value.parse().map_err(corrupt)?),
                    other => return Err(corrupt(format!("unknown corrected field {other:?}"))),
                };
                Ok(LabelledText {
                    post_id: PostId(get(row, 0, CONTEXT)?),
                    text: get(row, 1, CONTEXT)?,
                    correction,
                    at: from_millis(get(row, 4, CONTEXT)?, "corrections", "created_at")?,
                })
            })
            .collect()
    }

    async fn response_stats(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        target_secs: u64,
    ) -> StoreResult<Vec<ResponseStats>> {
        let rows = query(
            &self.client().await?,
            "SELECT arrived_at, first_response_at, first_responder, resolved_at, assignee \
             FROM inbox_items WHERE workspace_id = $1 AND arrived_at >= $2",
            &[&workspace.0, &to_millis(since)],
            "read response times",
        )
        .await?;
        let seconds_after = |arrived: i64, at: Option<i64>| {
            at.map(|at| (at.saturating_sub(arrived)).max(0) as f64 / 1000.0)
        };
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            const CONTEXT: &str = "read response times";
            let arrived: i64 = get(row, 0, CONTEXT)?;
            let first: Option<i64> = get(row, 1, CONTEXT)?;
            let responder: Option<i64> = get(row, 2, CONTEXT)?;
            let resolved: Option<i64> = get(row, 3, CONTEXT)?;
            let assignee: Option<i64> = get(row, 4, CONTEXT)?;
            items.push(ItemTimes {
                agent: responder.or(assignee),
                first_response: seconds_after(arrived, first),
                resolution: seconds_after(arrived, resolved),
            });
        }
        let mut by_agent: BTreeMap<UserRef, Vec<&ItemTimes>> = BTreeMap::new();
        for item in &items {
            if let Some(agent) = item.agent {
                by_agent.entry(agent).or_default().push(item);
            }
        }
        let target = target_secs as f64;
        let mut stats = vec![summarise(None, items.iter().collect(), target)];
        stats.extend(
            by_agent
                .into_iter()
                .map(|(agent, items)| summarise(Some(agent), items, target)),
        );
        Ok(stats)
    }
}
