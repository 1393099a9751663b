//! The inbox's SQL: items ranked by priority, their handling, replies, templates,
//! corrections and response times. Items themselves are created by the batch writer.

use super::codec::{from_millis, to_millis};
use super::read::{RawPost, POST_COLUMNS};
use crate::inbox::{
    summarise, AssigneeFilter, Correction, InboxEntry, InboxEvent, InboxNote, InboxQuery,
    InboxUpdate, ItemTimes, LabelledText, ReplyRecord, ReplyState, ResponseStats, SavedReply,
    UserRef,
};
use crate::{StoreError, StoreResult, StoredPost};
use chrono::Utc;
use rapport_model::{InboxItemId, InboxStatus, PostId, Timestamp, WorkspaceId};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

/// Columns of an entry, before the post's [`POST_COLUMNS`] (which start at [`POST_AT`]).
/// An item's columns. The monitors' subquery must look mentions up by post (their primary
/// key): the `+` keeps SQLite from walking the workspace's time index instead, which cost
/// every listed item a scan of all the workspace's mentions (20 s a page on a million posts).
const ENTRY_COLUMNS: &str = "i.id, i.workspace_id, i.reason, i.base_priority, i.rank_key, \
     i.status, i.assignee, i.arrived_at, i.first_response_at, i.first_responder, i.resolved_at, \
     i.updated_at, \
     (SELECT group_concat(m.name, char(31)) FROM mentions x JOIN monitors m ON m.id = x.monitor_id \
      WHERE x.post_id = i.post_id AND +x.workspace_id = i.workspace_id), \
     (SELECT c.new_value FROM corrections c WHERE c.workspace_id = i.workspace_id \
      AND c.post_id = i.post_id AND c.field = 'sentiment' ORDER BY c.id DESC LIMIT 1), \
     (SELECT c.new_value FROM corrections c WHERE c.workspace_id = i.workspace_id \
      AND c.post_id = i.post_id AND c.field = 'intent' ORDER BY c.id DESC LIMIT 1)";
const POST_AT: usize = 15;
const ENTRY_FROM: &str =
    "FROM inbox_items i JOIN posts p ON p.id = i.post_id JOIN authors a ON a.id = p.author_id";

/// An entry's row as SQLite gives it.
struct RawEntry {
    id: i64,
    workspace: i64,
    reason: String,
    base_priority: f64,
    rank_key: f64,
    status: String,
    assignee: Option<i64>,
    arrived_at: i64,
    first_response_at: Option<i64>,
    first_responder: Option<i64>,
    resolved_at: Option<i64>,
    updated_at: i64,
    monitors: Option<String>,
    corrected_sentiment: Option<String>,
    corrected_intent: Option<String>,
    post: RawPost,
}

impl RawEntry {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            id: row.get(0)?,
            workspace: row.get(1)?,
            reason: row.get(2)?,
            base_priority: row.get(3)?,
            rank_key: row.get(4)?,
            status: row.get(5)?,
            assignee: row.get(6)?,
            arrived_at: row.get(7)?,
            first_response_at: row.get(8)?,
            first_responder: row.get(9)?,
            resolved_at: row.get(10)?,
            updated_at: row.get(11)?,
            monitors: row.get(12)?,
            corrected_sentiment: row.get(13)?,
            corrected_intent: row.get(14)?,
            post: RawPost::read(row, POST_AT)?,
        })
    }

    fn into_entry(self) -> StoreResult<InboxEntry> {
        let corrupt = |column: &'static str| {
            move |message: String| StoreError::Corrupt {
                table: "inbox_items",
                column,
                message,
            }
        };
        let time = |ms: i64, column| from_millis(ms, "inbox_items", column);
        let optional_time = |ms: Option<i64>, column| ms.map(|ms| time(ms, column)).transpose();
        let mut monitors: Vec<String> = self
            .monitors
            .map(|names| names.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default();
        monitors.sort();
        Ok(InboxEntry {
            id: InboxItemId(self.id),
            workspace_id: WorkspaceId(self.workspace),
            reason: self.reason.parse().map_err(corrupt("reason"))?,
            base_priority: self.base_priority,
            rank_key: self.rank_key,
            status: self
                .status
                .parse()
                .map_err(|e: rapport_model::UnknownInboxStatus| corrupt("status")(e.to_string()))?,
            assignee: self.assignee,
            arrived_at: time(self.arrived_at, "arrived_at")?,
            first_response_at: optional_time(self.first_response_at, "first_response_at")?,
            first_responder: self.first_responder,
            resolved_at: optional_time(self.resolved_at, "resolved_at")?,
            updated_at: time(self.updated_at, "updated_at")?,
            monitors,
            corrected_sentiment: self
                .corrected_sentiment
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: String| StoreError::Corrupt {
                    table: "corrections",
                    column: "new_value",
                    message: e,
                })?,
            corrected_intent: self
                .corrected_intent
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: String| StoreError::Corrupt {
                    table: "corrections",
                    column: "new_value",
                    message: e,
                })?,
            post: self.post.into_stored()?,
        })
    }
}

fn limit_value(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(super) fn inbox(
    conn: &Connection,
    workspace: WorkspaceId,
    query: &InboxQuery,
) -> StoreResult<Vec<InboxEntry>> {
    let statuses: Vec<InboxStatus> = if query.statuses.is_empty() {
        InboxStatus::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect()
    } else {
        query.statuses.clone()
    };
    // One ordered, limited index scan per status (`inbox_queue` is workspace, status, rank,
    // id), merged and cut to the page; only then are the page's columns read. With all the
    // statuses in one `IN`, SQLite sorted every active item of the workspace and computed
    // each one's monitors and corrections first: 25 s on a million posts.
    let mut filters = String::new();
    let mut filter_values: Vec<Value> = Vec::new();
    match query.assignee {
        AssigneeFilter::Any => {}
        AssigneeFilter::Unassigned => filters.push_str(" AND i.assignee IS NULL"),
        AssigneeFilter::User(user) => {
            filters.push_str(" AND i.assignee = ?");
            filter_values.push(Value::Integer(user));
        }
    }
    if let Some(reason) = query.reason {
        filters.push_str(" AND i.reason = ?");
        filter_values.push(Value::Text(reason.as_str().to_string()));
    }
    if let Some(after) = query.after {
        filters.push_str(" AND (i.rank_key, i.id) < (?, ?)");
        filter_values.push(Value::Real(after.rank_key));
        filter_values.push(Value::Integer(after.id.0));
    }
    let limit = Value::Integer(limit_value(query.limit));
    let mut values: Vec<Value> = Vec::new();
    let parts: Vec<String> = statuses
        .iter()
        .map(|status| {
            values.push(Value::Integer(workspace.0));
            values.push(Value::Text(status.as_str().to_string()));
            values.extend(filter_values.iter().cloned());
            values.push(limit.clone());
            format!(
                "SELECT * FROM (SELECT i.id, i.rank_key FROM inbox_items i \
                 WHERE i.workspace_id = ? AND i.status = ?{filters} \
                 ORDER BY i.rank_key DESC, i.id DESC LIMIT ?)"
            )
        })
        .collect();
    values.push(limit);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {POST_COLUMNS} FROM ({} ORDER BY rank_key DESC, id DESC LIMIT ?) page \
         JOIN inbox_items i ON i.id = page.id JOIN posts p ON p.id = i.post_id \
         JOIN authors a ON a.id = p.author_id ORDER BY i.rank_key DESC, i.id DESC",
        parts.join(" UNION ALL ")
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("list inbox"))?;
    let raws = stmt
        .query_map(params_from_iter(values), RawEntry::read)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list inbox"))?;
    raws.into_iter().map(RawEntry::into_entry).collect()
}

pub(super) fn inbox_item(
    conn: &Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<Option<InboxEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {POST_COLUMNS} {ENTRY_FROM} WHERE i.workspace_id = ?1 AND i.id = ?2"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![workspace.0, id.0], RawEntry::read)
                .optional()
        })
        .map_err(StoreError::sqlite("read inbox item"))?
        .map(RawEntry::into_entry)
        .transpose()
}

/// The item, or `NotFound` when it is not the workspace's.
fn existing_item(
    conn: &Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<InboxEntry> {
    inbox_item(conn, workspace, id)?.ok_or(StoreError::NotFound {
        what: "inbox item",
        id: id.0,
    })
}

pub(super) fn inbox_counts(
    conn: &Connection,
    workspace: WorkspaceId,
) -> StoreResult<Vec<(InboxStatus, u64)>> {
    let mut stmt = conn
        .prepare_cached(
            // Kept by triggers (migration `0011_inbox_counts.sql`): one read of a few rows however large the
            // inbox is.
            "SELECT status, items FROM inbox_status_counts WHERE workspace_id = ?1",
        )
        .map_err(StoreError::sqlite("count inbox"))?;
    let rows = stmt
        .query_map([workspace.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("count inbox"))?;
    let counted: BTreeMap<String, i64> = rows.into_iter().collect();
    Ok(InboxStatus::ALL
        .into_iter()
        .map(|status| {
            let n = counted.get(status.as_str()).copied().unwrap_or(0);
            (status, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}

fn record_event(
    conn: &Connection,
    item: InboxItemId,
    user: Option<UserRef>,
    kind: &str,
    detail: &str,
    at: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO inbox_events (item_id, user_id, kind, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut stmt| stmt.execute(params![item.0, user, kind, detail, at]))
    .map_err(StoreError::sqlite("record inbox event"))?;
    Ok(())
}

pub(super) fn update_inbox_item(
    conn: &mut Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
    update: InboxUpdate,
    by: Option<UserRef>,
) -> StoreResult<InboxEntry> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("begin inbox update"))?;
    let current = existing_item(&tx, workspace, id)?;
    let now = to_millis(Utc::now());
    if let Some(status) = update.status.filter(|s| *s != current.status) {
        let resolved_at = (status == InboxStatus::Resolved).then_some(now);
        tx.execute(
            "UPDATE inbox_items SET status = ?2, resolved_at = ?3, updated_at = ?4 WHERE id = ?1",
            params![id.0, status.as_str(), resolved_at, now],
        )
        .map_err(StoreError::sqlite("change inbox status"))?;
        record_event(&tx, id, by, "status", status.as_str(), now)?;
    }
    if let Some(assignee) = update.assignee.filter(|a| *a != current.assignee) {
        tx.execute(
            "UPDATE inbox_items SET assignee = ?2, updated_at = ?3 WHERE id = ?1",
            params![id.0, assignee, now],
        )
        .map_err(StoreError::sqlite("assign inbox item"))?;
        let detail = assignee.map_or_else(|| "unassigned".to_string(), |u| u.to_string());
        record_event(&tx, id, by, "assign", &detail, now)?;
    }
    let entry = existing_item(&tx, workspace, id)?;
    tx.commit()
        .map_err(StoreError::sqlite("commit inbox update"))?;
    Ok(entry)
}

pub(super) fn inbox_events(
    conn: &Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<Vec<InboxEvent>> {
    existing_item(conn, workspace, id)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_id, kind, detail, at FROM inbox_events WHERE item_id = ?1 ORDER BY at, id",
        )
        .map_err(StoreError::sqlite("read inbox events"))?;
    let rows = stmt
        .query_map([id.0], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read inbox events"))?;
    rows.into_iter()
        .map(|(user, kind, detail, at)| {
            Ok(InboxEvent {
                user,
                kind,
                detail,
                at: from_millis(at, "inbox_events", "at")?,
            })
        })
        .collect()
}

pub(super) fn add_inbox_note(
    conn: &mut Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
    by: Option<UserRef>,
    body: &str,
) -> StoreResult<InboxNote> {
    let tx = conn
        .transaction()
        .map_err(StoreError::sqlite("begin note"))?;
    existing_item(&tx, workspace, id)?;
    let now = Utc::now();
    tx.execute(
        "INSERT INTO inbox_notes (item_id, user_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id.0, by, body, to_millis(now)],
    )
    .map_err(StoreError::sqlite("add note"))?;
    let note_id = tx.last_insert_rowid();
    record_event(&tx, id, by, "note", "", to_millis(now))?;
    tx.commit().map_err(StoreError::sqlite("commit note"))?;
    Ok(InboxNote {
        id: note_id,
        user: by,
        body: body.to_string(),
        created_at: from_millis(to_millis(now), "inbox_notes", "created_at")?,
    })
}

pub(super) fn inbox_notes(
    conn: &Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<Vec<InboxNote>> {
    existing_item(conn, workspace, id)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, user_id, body, created_at FROM inbox_notes WHERE item_id = ?1 ORDER BY created_at, id",
        )
        .map_err(StoreError::sqlite("read notes"))?;
    let rows = stmt
        .query_map([id.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read notes"))?;
    rows.into_iter()
        .map(|(id, user, body, at)| {
            Ok(InboxNote {
                id,
                user,
                body,
                created_at: from_millis(at, "inbox_notes", "created_at")?,
            })
        })
        .collect()
}

pub(super) fn conversation(
    conn: &Connection,
    post: PostId,
    limit: usize,
) -> StoreResult<Vec<StoredPost>> {
    let found: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT network, native_id, conversation_id FROM posts WHERE id = ?1",
            [post.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(StoreError::sqlite("find conversation"))?;
    let Some((network, native_id, conversation)) = found else {
        return Err(StoreError::NotFound {
            what: "post",
            id: post.0,
        });
    };
    let root = conversation.unwrap_or(native_id);
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE p.network = ?1 AND (p.native_id = ?2 OR p.conversation_id = ?2) \
         ORDER BY p.created_at, p.id LIMIT ?3"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("read conversation"))?;
    let raws = stmt
        .query_map(params![network, root, limit_value(limit)], |r| {
            RawPost::read(r, 0)
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read conversation"))?;
    raws.into_iter().map(RawPost::into_stored).collect()
}

const REPLY_COLUMNS: &str =
    "id, item_id, user_id, body, idempotency_key, state, remote_id, error, created_at, finished_at";

fn read_reply(row: &Row<'_>) -> rusqlite::Result<(ReplyRecord, String, i64, Option<i64>)> {
    Ok((
        ReplyRecord {
            id: row.get(0)?,
            item: InboxItemId(row.get(1)?),
            user: row.get(2)?,
            body: row.get(3)?,
            idempotency_key: row.get(4)?,
            state: ReplyState::Pending,
            remote_id: row.get(6)?,
            error: row.get(7)?,
            created_at: Timestamp::default(),
            finished_at: None,
        },
        row.get(5)?,
        row.get(8)?,
        row.get(9)?,
    ))
}

fn finish_reply_read(
    (mut record, state, created, finished): (ReplyRecord, String, i64, Option<i64>),
) -> StoreResult<ReplyRecord> {
    record.state = match state.as_str() {
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
    };
    record.created_at = from_millis(created, "inbox_replies", "created_at")?;
    record.finished_at = finished
        .map(|ms| from_millis(ms, "inbox_replies", "finished_at"))
        .transpose()?;
    Ok(record)
}

fn reply_by(conn: &Connection, column: &str, value: Value) -> StoreResult<Option<ReplyRecord>> {
    let sql = format!("SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE {column} = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([value], read_reply).optional())
        .map_err(StoreError::sqlite("read reply"))?
        .map(finish_reply_read)
        .transpose()
}

pub(super) fn begin_reply(
    conn: &mut Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
    by: Option<UserRef>,
    body: &str,
    key: &str,
) -> StoreResult<ReplyRecord> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("begin reply"))?;
    existing_item(&tx, workspace, id)?;
    if let Some(existing) = reply_by(&tx, "idempotency_key", Value::Text(key.to_string()))? {
        if existing.item != id {
            // The key was used for another inbox item.
            return Err(StoreError::Conflict {
                what: "reply idempotency key",
                value: key.to_string(),
            });
        }
        return Ok(existing);
    }
    tx.execute(
        "INSERT INTO inbox_replies (item_id, user_id, body, idempotency_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.0, by, body, key, to_millis(Utc::now())],
    )
    .map_err(StoreError::sqlite("record reply"))?;
    let reply = tx.last_insert_rowid();
    let record = reply_by(&tx, "id", Value::Integer(reply))?.ok_or(StoreError::NotFound {
        what: "reply",
        id: reply,
    })?;
    tx.commit().map_err(StoreError::sqlite("commit reply"))?;
    Ok(record)
}

pub(super) fn finish_reply(
    conn: &mut Connection,
    reply: i64,
    outcome: Result<String, String>,
) -> StoreResult<ReplyRecord> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("begin finishing reply"))?;
    let record = reply_by(&tx, "id", Value::Integer(reply))?.ok_or(StoreError::NotFound {
        what: "reply",
        id: reply,
    })?;
    if record.state != ReplyState::Pending {
        // Already finished: answering twice changes nothing.
        return Ok(record);
    }
    let now = to_millis(Utc::now());
    match &outcome {
        Ok(remote_id) => {
            tx.execute(
                "UPDATE inbox_replies SET state = 'sent', remote_id = ?2, finished_at = ?3 WHERE id = ?1",
                params![reply, remote_id, now],
            )
            .map_err(StoreError::sqlite("mark reply sent"))?;
            tx.execute(
                "UPDATE inbox_items SET first_response_at = coalesce(first_response_at, ?2), \
                 first_responder = CASE WHEN first_response_at IS NULL THEN ?3 ELSE first_responder END, \
                 status = CASE WHEN status = 'new' THEN 'open' ELSE status END, updated_at = ?2 \
                 WHERE id = ?1",
                params![record.item.0, now, record.user],
            )
            .map_err(StoreError::sqlite("stamp first response"))?;
            record_event(&tx, record.item, record.user, "reply", remote_id, now)?;
        }
        Err(message) => {
            tx.execute(
                "UPDATE inbox_replies SET state = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
                params![reply, message, now],
            )
            .map_err(StoreError::sqlite("mark reply failed"))?;
            record_event(&tx, record.item, record.user, "reply_failed", message, now)?;
        }
    }
    let finished = reply_by(&tx, "id", Value::Integer(reply))?.ok_or(StoreError::NotFound {
        what: "reply",
        id: reply,
    })?;
    tx.commit()
        .map_err(StoreError::sqlite("commit finished reply"))?;
    Ok(finished)
}

pub(super) fn inbox_replies(
    conn: &Connection,
    workspace: WorkspaceId,
    id: InboxItemId,
) -> StoreResult<Vec<ReplyRecord>> {
    existing_item(conn, workspace, id)?;
    let sql = format!(
        "SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE item_id = ?1 ORDER BY created_at, id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("read replies"))?;
    let rows = stmt
        .query_map([id.0], read_reply)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read replies"))?;
    rows.into_iter().map(finish_reply_read).collect()
}

pub(super) fn pending_replies(
    conn: &Connection,
    before: Timestamp,
) -> StoreResult<Vec<(WorkspaceId, ReplyRecord)>> {
    // Replies are written by people: few rows, and a scan at startup is cheap.
    let sql = format!(
        "SELECT {REPLY_COLUMNS}, \
                (SELECT workspace_id FROM inbox_items i WHERE i.id = inbox_replies.item_id) \
         FROM inbox_replies WHERE state = 'pending' AND created_at < ?1 ORDER BY created_at, id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("read pending replies"))?;
    let rows = stmt
        .query_map([before.timestamp_millis()], |row| {
            Ok((read_reply(row)?, row.get::<_, i64>(10)?))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read pending replies"))?;
    rows.into_iter()
        .map(|(raw, workspace)| Ok((WorkspaceId(workspace), finish_reply_read(raw)?)))
        .collect()
}

fn check_workspace(conn: &Connection, workspace: WorkspaceId) -> StoreResult<()> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
            [workspace.0],
            |r| r.get(0),
        )
        .map_err(StoreError::sqlite("check workspace"))?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            what: "workspace",
            id: workspace.0,
        })
    }
}

pub(super) fn save_reply_template(
    conn: &mut Connection,
    workspace: WorkspaceId,
    name: &str,
    body: &str,
) -> StoreResult<SavedReply> {
    check_workspace(conn, workspace)?;
    let (id, created): (i64, i64) = conn
        .query_row(
            "INSERT INTO saved_replies (workspace_id, name, body, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (workspace_id, name) DO UPDATE SET body = excluded.body \
             RETURNING id, created_at",
            params![workspace.0, name, body, to_millis(Utc::now())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(StoreError::sqlite("save reply template"))?;
    Ok(SavedReply {
        id,
        workspace_id: workspace,
        name: name.to_string(),
        body: body.to_string(),
        created_at: from_millis(created, "saved_replies", "created_at")?,
    })
}

pub(super) fn reply_templates(
    conn: &Connection,
    workspace: WorkspaceId,
) -> StoreResult<Vec<SavedReply>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name, body, created_at FROM saved_replies WHERE workspace_id = ?1 ORDER BY name",
        )
        .map_err(StoreError::sqlite("list reply templates"))?;
    let rows = stmt
        .query_map([workspace.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list reply templates"))?;
    rows.into_iter()
        .map(|(id, name, body, created)| {
            Ok(SavedReply {
                id,
                workspace_id: workspace,
                name,
                body,
                created_at: from_millis(created, "saved_replies", "created_at")?,
            })
        })
        .collect()
}

pub(super) fn delete_reply_template(
    conn: &mut Connection,
    workspace: WorkspaceId,
    id: i64,
) -> StoreResult<bool> {
    let deleted = conn
        .execute(
            "DELETE FROM saved_replies WHERE workspace_id = ?1 AND id = ?2",
            params![workspace.0, id],
        )
        .map_err(StoreError::sqlite("delete reply template"))?;
    Ok(deleted > 0)
}

pub(super) fn record_correction(
    conn: &mut Connection,
    workspace: WorkspaceId,
    post: PostId,
    correction: Correction,
    by: Option<UserRef>,
) -> StoreResult<()> {
    check_workspace(conn, workspace)?;
    let column = match correction {
        Correction::Sentiment(_) => "sentiment",
        Correction::Intent(_) => "intent",
    };
    let old: Option<Option<String>> = conn
        .query_row(
            &format!("SELECT {column} FROM posts WHERE id = ?1"),
            [post.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("read post before correction"))?;
    let Some(old) = old else {
        return Err(StoreError::NotFound {
            what: "post",
            id: post.0,
        });
    };
    conn.execute(
        "INSERT INTO corrections (workspace_id, post_id, field, old_value, new_value, user_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            workspace.0,
            post.0,
            correction.field(),
            old,
            correction.value(),
            by,
            to_millis(Utc::now())
        ],
    )
    .map_err(StoreError::sqlite("record correction"))?;
    Ok(())
}

pub(super) fn corrections(
    conn: &Connection,
    workspace: WorkspaceId,
) -> StoreResult<Vec<LabelledText>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.post_id, p.text, c.field, c.new_value, c.created_at FROM corrections c \
             JOIN posts p ON p.id = c.post_id \
             WHERE c.workspace_id = ?1 AND c.id = (SELECT max(c2.id) FROM corrections c2 \
               WHERE c2.workspace_id = c.workspace_id AND c2.post_id = c.post_id AND c2.field = c.field) \
             ORDER BY c.id",
        )
        .map_err(StoreError::sqlite("read corrections"))?;
    let rows = stmt
        .query_map([workspace.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read corrections"))?;
    rows.into_iter()
        .map(|(post, text, field, value, at)| {
            let corrupt = |message: String| StoreError::Corrupt {
                table: "corrections",
                column: "new_value",
                message,
            };
            let correction = match field.as_str() {
                "sentiment" => Correction::Sentiment(value.parse().map_err(corrupt)?),
                "intent" => Correction::Intent(value.parse().map_err(corrupt)?),
                other => return Err(corrupt(format!("unknown corrected field {other:?}"))),
            };
            Ok(LabelledText {
                post_id: PostId(post),
                text,
                correction,
                at: from_millis(at, "corrections", "created_at")?,
            })
        })
        .collect()
}

pub(super) fn response_stats(
    conn: &Connection,
    workspace: WorkspaceId,
    since: Timestamp,
    target_secs: u64,
) -> StoreResult<Vec<ResponseStats>> {
    // Every item counts as arrived, but only handled ones carry times: those are read
    // through a partial index (`inbox_handled`), the rest only counted (300k items: 0.8 s
    // when every row was read).
    let arrived: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM inbox_items WHERE workspace_id = ?1 AND arrived_at >= ?2",
        )
        .and_then(|mut stmt| stmt.query_row(params![workspace.0, to_millis(since)], |r| r.get(0)))
        .map_err(StoreError::sqlite("count arrived items"))?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT arrived_at, first_response_at, first_responder, resolved_at, assignee \
             FROM inbox_items WHERE workspace_id = ?1 AND arrived_at >= ?2 \
             AND (first_response_at IS NOT NULL OR resolved_at IS NOT NULL OR assignee IS NOT NULL)",
        )
        .map_err(StoreError::sqlite("read response times"))?;
    let rows = stmt
        .query_map(params![workspace.0, to_millis(since)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("read response times"))?;
    let seconds_after = |arrived: i64, at: Option<i64>| {
        at.map(|at| (at.saturating_sub(arrived)).max(0) as f64 / 1000.0)
    };
    let items: Vec<ItemTimes> = rows
        .into_iter()
        .map(
            |(arrived, first, responder, resolved, assignee)| ItemTimes {
                agent: responder.or(assignee),
                first_response: seconds_after(arrived, first),
                resolution: seconds_after(arrived, resolved),
            },
        )
        .collect();
    let mut by_agent: BTreeMap<UserRef, Vec<&ItemTimes>> = BTreeMap::new();
    for item in &items {
        if let Some(agent) = item.agent {
            by_agent.entry(agent).or_default().push(item);
        }
    }
    let target = target_secs as f64;
    let mut whole = summarise(None, items.iter().collect(), target);
    whole.items = u64::try_from(arrived).unwrap_or_default();
    let mut stats = vec![whole];
    stats.extend(
        by_agent
            .into_iter()
            .map(|(agent, items)| summarise(Some(agent), items, target)),
    );
    Ok(stats)
}

#[async_trait::async_trait]
impl crate::InboxStore for super::SqliteStore {
    async fn inbox(
        &self,
        workspace: WorkspaceId,
        query: &InboxQuery,
    ) -> StoreResult<Vec<InboxEntry>> {
        let query = query.clone();
        self.with_reader(move |conn| inbox(conn, workspace, &query))
            .await
    }

    async fn inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Option<InboxEntry>> {
        self.with_reader(move |conn| inbox_item(conn, workspace, id))
            .await
    }

    async fn inbox_counts(&self, workspace: WorkspaceId) -> StoreResult<Vec<(InboxStatus, u64)>> {
        self.with_reader(move |conn| inbox_counts(conn, workspace))
            .await
    }

    async fn update_inbox_item(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        update: InboxUpdate,
        by: Option<UserRef>,
    ) -> StoreResult<InboxEntry> {
        self.with_writer(move |w| update_inbox_item(&mut w.conn, workspace, id, update, by))
            .await
    }

    async fn inbox_events(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxEvent>> {
        self.with_reader(move |conn| inbox_events(conn, workspace, id))
            .await
    }

    async fn add_inbox_note(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
    ) -> StoreResult<InboxNote> {
        let body = body.to_string();
        self.with_writer(move |w| add_inbox_note(&mut w.conn, workspace, id, by, &body))
            .await
    }

    async fn inbox_notes(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<InboxNote>> {
        self.with_reader(move |conn| inbox_notes(conn, workspace, id))
            .await
    }

    async fn conversation(&self, post: PostId, limit: usize) -> StoreResult<Vec<StoredPost>> {
        self.with_reader(move |conn| conversation(conn, post, limit))
            .await
    }

    async fn begin_reply(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
        by: Option<UserRef>,
        body: &str,
        idempotency_key: &str,
    ) -> StoreResult<ReplyRecord> {
        let (body, key) = (body.to_string(), idempotency_key.to_string());
        self.with_writer(move |w| begin_reply(&mut w.conn, workspace, id, by, &body, &key))
            .await
    }

    async fn finish_reply(
        &self,
        reply: i64,
        outcome: Result<String, String>,
    ) -> StoreResult<ReplyRecord> {
        self.with_writer(move |w| finish_reply(&mut w.conn, reply, outcome))
            .await
    }

    async fn inbox_replies(
        &self,
        workspace: WorkspaceId,
        id: InboxItemId,
    ) -> StoreResult<Vec<ReplyRecord>> {
        self.with_reader(move |conn| inbox_replies(conn, workspace, id))
            .await
    }

    async fn pending_replies(
        &self,
        before: Timestamp,
    ) -> StoreResult<Vec<(WorkspaceId, ReplyRecord)>> {
        self.with_reader(move |conn| pending_replies(conn, before))
            .await
    }

    async fn save_reply_template(
        &self,
        workspace: WorkspaceId,
        name: &str,
        body: &str,
    ) -> StoreResult<SavedReply> {
        let (name, body) = (name.to_string(), body.to_string());
        self.with_writer(move |w| save_reply_template(&mut w.conn, workspace, &name, &body))
            .await
    }

    async fn reply_templates(&self, workspace: WorkspaceId) -> StoreResult<Vec<SavedReply>> {
        self.with_reader(move |conn| reply_templates(conn, workspace))
            .await
    }

    async fn delete_reply_template(&self, workspace: WorkspaceId, id: i64) -> StoreResult<bool> {
        self.with_writer(move |w| delete_reply_template(&mut w.conn, workspace, id))
            .await
    }

    async fn record_correction(
        &self,
        workspace: WorkspaceId,
        post: PostId,
        correction: Correction,
        by: Option<UserRef>,
    ) -> StoreResult<()> {
        self.with_writer(move |w| record_correction(&mut w.conn, workspace, post, correction, by))
            .await
    }

    async fn corrections(&self, workspace: WorkspaceId) -> StoreResult<Vec<LabelledText>> {
        self.with_reader(move |conn| corrections(conn, workspace))
            .await
    }

    async fn response_stats(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        target_secs: u64,
    ) -> StoreResult<Vec<ResponseStats>> {
        self.with_reader(move |conn| response_stats(conn, workspace, since, target_secs))
            .await
    }
}
