//! Writes: batches of posts and mentions, workspaces, monitors.

use super::authors::{self, AuthorCache};
use super::codec::{count_to_sql, to_millis};
use super::rollups::{self, Contribution, RollupStatements};
use crate::{BatchOutcome, IngestItem, StoreError, StoreResult};
use chrono::Utc;
use rapport_model::{Analysis, Monitor, MonitorId, NewMonitor, Post, Workspace, WorkspaceId};
use rusqlite::{
    params, CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior,
};
use rustc_hash::FxHashMap;

const SELECT_POST: &str =
    "SELECT id, text, likes, reposts, replies, followers, sentiment, intent FROM posts WHERE network = ?1 AND native_id = ?2";
const INSERT_POST: &str = "INSERT INTO posts (network, native_id, author_id, created_at, first_seen, text, title, url, lang, reply_to, conversation_id, quote_of, likes, reposts, replies, followers, sentiment, compound, pos, neu, neg, intent, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23) ON CONFLICT (network, native_id) DO NOTHING";
const UPDATE_COUNTS: &str =
    "UPDATE posts SET likes = ?2, reposts = ?3, replies = ?4, followers = coalesce(?5, followers) WHERE id = ?1";
const UPDATE_TEXT: &str = "UPDATE posts SET text = ?2 WHERE id = ?1";
const UPDATE_ANALYSIS: &str = "UPDATE posts SET sentiment = ?2, compound = ?3, pos = ?4, neu = ?5, neg = ?6, intent = ?7, fingerprint = ?8, lang = coalesce(?9, lang) WHERE id = ?1";
/// Keeps `totals.posts` equal to the number of rows in `posts` (posts are never deleted).
const COUNT_NEW_POSTS: &str = "UPDATE totals SET value = value + ?1 WHERE name = 'posts'";
const FTS_INSERT: &str = "INSERT INTO posts_fts (rowid, text) VALUES (?1, ?2)";
/// Indexes every post inserted by this batch at once: new rows get ids above the largest id
/// before the batch (`INTEGER PRIMARY KEY` without AUTOINCREMENT takes max + 1), so one
/// statement replaces a statement per post (bind, step, reset each time).
const FTS_INSERT_NEW: &str =
    "INSERT INTO posts_fts (rowid, text) SELECT id, text FROM posts WHERE id > ?1";
const MAX_POST_ID: &str = "SELECT coalesce(max(id), 0) FROM posts";
const FTS_DELETE: &str = "INSERT INTO posts_fts (posts_fts, rowid, text) VALUES ('delete', ?1, ?2)";
const INSERT_MENTION: &str = "INSERT OR IGNORE INTO mentions (monitor_id, post_id, workspace_id, post_created_at, matched_at)
     VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_INBOX_ITEM: &str = "INSERT OR IGNORE INTO inbox_items (workspace_id, post_id, reason, base_priority, rank_key, arrived_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const MONITOR_WORKSPACE: &str = "SELECT workspace_id FROM monitors WHERE id = ?1";

/// The statements a batch uses, prepared once per batch rather than looked up in the
/// statement cache for every post (the lookup hashes the SQL text each time).
pub(super) struct BatchStatements<'tx> {
    pub(super) select_post: CachedStatement<'tx>,
    pub(super) insert_post: CachedStatement<'tx>,
    pub(super) update_counts: CachedStatement<'tx>,
    pub(super) update_text: CachedStatement<'tx>,
    pub(super) update_analysis: CachedStatement<'tx>,
    pub(super) fts_insert: CachedStatement<'tx>,
    pub(super) fts_delete: CachedStatement<'tx>,
    pub(super) insert_mention: CachedStatement<'tx>,
    pub(super) insert_inbox_item: CachedStatement<'tx>,
    pub(super) monitor_workspace: CachedStatement<'tx>,
    pub(super) authors: authors::AuthorStatements<'tx>,
    pub(super) rollups: RollupStatements<'tx>,
    /// The largest post id before the batch: rows above it are this batch's new posts,
    /// indexed together at the end.
    pub(super) first_new_above: i64,
}

impl<'tx> BatchStatements<'tx> {
    fn prepare(tx: &'tx Transaction<'_>) -> StoreResult<BatchStatements<'tx>> {
        let prepare = |sql: &str| {
            tx.prepare_cached(sql)
                .map_err(StoreError::sqlite("prepare batch statements"))
        };
        Ok(BatchStatements {
            select_post: prepare(SELECT_POST)?,
            insert_post: prepare(INSERT_POST)?,
            update_counts: prepare(UPDATE_COUNTS)?,
            update_text: prepare(UPDATE_TEXT)?,
            update_analysis: prepare(UPDATE_ANALYSIS)?,
            fts_insert: prepare(FTS_INSERT)?,
            fts_delete: prepare(FTS_DELETE)?,
            insert_mention: prepare(INSERT_MENTION)?,
            insert_inbox_item: prepare(INSERT_INBOX_ITEM)?,
            monitor_workspace: prepare(MONITOR_WORKSPACE)?,
            authors: authors::AuthorStatements::prepare(tx)?,
            rollups: RollupStatements::prepare(tx)?,
            first_new_above: tx
                .query_row(MAX_POST_ID, [], |r| r.get(0))
                .map_err(StoreError::sqlite("find the last post id"))?,
        })
    }
}

/// Stores every item of the batch in one transaction.
pub(super) fn write_batch(
    conn: &mut Connection,
    cache: &mut AuthorCache,
    items: &[IngestItem],
) -> StoreResult<BatchOutcome> {
    write_batch_and(conn, cache, items, |_, _| Ok(()))
}

/// [`write_batch`], running `also` inside the same transaction after the items (a source's
/// checkpoint): both commit or neither does.
pub(super) fn write_batch_and(
    conn: &mut Connection,
    cache: &mut AuthorCache,
    items: &[IngestItem],
    also: impl FnOnce(&Transaction<'_>, &BatchOutcome) -> StoreResult<()>,
) -> StoreResult<BatchOutcome> {
    // IMMEDIATE takes the write lock at BEGIN (waiting under busy_timeout while a checkpoint
    // truncates the log); a deferred transaction that reads first could not wait for it.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("begin batch"))?;
    let mut staged = AuthorCache::default();
    let outcome = {
        let mut statements = BatchStatements::prepare(&tx)?;
        let outcome = write_items(&tx, &mut statements, cache, &mut staged, items)?;
        if outcome.inserted > 0 {
            tx.prepare_cached(FTS_INSERT_NEW)
                .and_then(|mut stmt| stmt.execute([statements.first_new_above]))
                .map_err(StoreError::sqlite("index new posts"))?;
            tx.prepare_cached(COUNT_NEW_POSTS)
                .and_then(|mut stmt| stmt.execute([outcome.inserted]))
                .map_err(StoreError::sqlite("count new posts"))?;
        }
        outcome
    };
    also(&tx, &outcome)?;
    tx.commit().map_err(StoreError::sqlite("commit batch"))?;
    cache.merge(staged);
    Ok(outcome)
}

fn write_items(
    tx: &Transaction<'_>,
    statements: &mut BatchStatements<'_>,
    cache: &AuthorCache,
    staged: &mut AuthorCache,
    items: &[IngestItem],
) -> StoreResult<BatchOutcome> {
    let now = to_millis(Utc::now());
    let mut outcome = BatchOutcome::default();
    // Monitor -> workspace, looked up once per batch; `None` for a monitor deleted meanwhile.
    let mut workspaces: FxHashMap<MonitorId, Option<i64>> = FxHashMap::default();
    for item in items {
        let post = &item.post;
        let author_id = authors::resolve(tx, &mut statements.authors, cache, staged, post)?;
        let (post_id, change, contribution) = upsert_post(tx, statements, item, author_id, now)?;
        let hour = rollups::hour_of(to_millis(post.created_at));
        match change {
            Change::Inserted => outcome.inserted += 1,
            Change::Updated => outcome.updated += 1,
            Change::Unchanged => outcome.unchanged += 1,
        }
        for monitor in &item.monitors {
            let workspace = match workspaces.get(monitor) {
                Some(known) => *known,
                None => {
                    let found = statements
                        .monitor_workspace
                        .query_row([monitor.0], |r| r.get(0))
                        .optional()
                        .map_err(StoreError::sqlite("look up monitor"))?;
                    workspaces.insert(*monitor, found);
                    found
                }
            };
            if let Some(workspace) = workspace {
                let inserted = statements
                    .insert_mention
                    .execute(params![
                        monitor.0,
                        post_id,
                        workspace,
                        to_millis(post.created_at),
                        now
                    ])
                    .map_err(StoreError::sqlite("record mention"))?;
                outcome.new_mentions += inserted as u64;
                if inserted == 1 {
                    statements
                        .rollups
                        .add_mention(*monitor, hour, author_id, &contribution)?;
                }
                if let (1, Some(triage)) = (inserted, &item.triage) {
                    // Once per (workspace, post), however many of its monitors match.
                    outcome.new_inbox_items += statements
                        .insert_inbox_item
                        .execute(params![
                            workspace,
                            post_id,
                            triage.reason.as_str(),
                            triage.base_priority,
                            triage.rank_key(post.created_at),
                            to_millis(post.created_at),
                            now
                        ])
                        .map_err(StoreError::sqlite("add to inbox"))?
                        as u64;
                }
            }
        }
    }
    Ok(outcome)
}

enum Change {
    Inserted,
    Updated,
    Unchanged,
}

/// The analysis columns of a post: (sentiment, compound, pos, neu, neg, intent, fingerprint).
type AnalysisColumns = (
    Option<&'static str>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<&'static str>,
    Option<i64>,
);

fn analysis_columns(analysis: Option<&Analysis>) -> AnalysisColumns {
    match analysis {
        None => (None, None, None, None, None, None, None),
        Some(a) => (
            Some(a.sentiment.as_str()),
            Some(a.scores.compound),
            Some(a.scores.pos),
            Some(a.scores.neu),
            Some(a.scores.neg),
            Some(a.intent.as_str()),
            // Same 64 bits, read back with `as u64`.
            Some(a.fingerprint as i64),
        ),
    }
}

fn upsert_post(
    tx: &Transaction<'_>,
    statements: &mut BatchStatements<'_>,
    item: &IngestItem,
    author_id: i64,
    now: i64,
) -> StoreResult<(i64, Change, Contribution)> {
    let post: &Post = &item.post;
    let engagement = &post.engagement;
    let (likes, reposts, replies) = (
        count_to_sql(engagement.likes),
        count_to_sql(engagement.reposts),
        count_to_sql(engagement.replies),
    );
    let followers = post.author.followers.map(count_to_sql);
    let (sentiment, compound, pos, neu, neg, intent, fingerprint) =
        analysis_columns(item.analysis.as_ref());

    // Most posts are new: try the insert first and fall back to comparing on conflict,
    // which saves a lookup per new post.
    let inserted = statements
        .insert_post
        .execute(params![
            post.network.as_str(),
            post.native_id,
            author_id,
            to_millis(post.created_at),
            now,
            post.text,
            post.title,
            post.url,
            post.language,
            post.reply_to,
            post.conversation_id,
            post.quote_of,
            likes,
            reposts,
            replies,
            followers,
            sentiment,
            compound,
            pos,
            neu,
            neg,
            intent,
            fingerprint,
        ])
        .map_err(StoreError::sqlite("insert post"))?;
    if inserted == 1 {
        let id = tx.last_insert_rowid();
        let contribution = Contribution::new(
            followers,
            engagement_total(likes, reposts, replies),
            sentiment,
            intent,
        );
        return Ok((id, Change::Inserted, contribution));
    }

    type Existing = (
        i64,
        String,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let (
        id,
        old_text,
        old_likes,
        old_reposts,
        old_replies,
        old_followers,
        old_sentiment,
        old_intent,
    ): Existing = statements
        .select_post
        .query_row(params![post.network.as_str(), post.native_id], |r| {
            TryFrom::try_from(r)
        })
        .map_err(StoreError::sqlite("look up post"))?;
    let counts_changed = (likes, reposts, replies) != (old_likes, old_reposts, old_replies)
        || (followers.is_some() && followers != old_followers);
    let text_changed = old_text != post.text;
    if counts_changed {
        statements
            .update_counts
            .execute(params![id, likes, reposts, replies, followers])
            .map_err(StoreError::sqlite("update post engagement"))?;
    }
    if text_changed {
        // A post inserted earlier in this batch is not indexed yet: the batch's end indexes
        // its final text.
        let indexed = id <= statements.first_new_above;
        if indexed {
            statements
                .fts_delete
                .execute(params![id, old_text])
                .map_err(StoreError::sqlite("unindex edited post"))?;
        }
        statements
            .update_text
            .execute(params![id, post.text])
            .map_err(StoreError::sqlite("update post text"))?;
        if indexed {
            statements
                .fts_insert
                .execute(params![id, post.text])
                .map_err(StoreError::sqlite("index post text"))?;
        }
    }
    if item.analysis.is_some() {
        // A re-analysis (a newer model, an edited text) replaces the stored one; it is not a
        // change of the post itself, so it does not count as an update.
        statements
            .update_analysis
            .execute(params![
                id,
                sentiment,
                compound,
                pos,
                neu,
                neg,
                intent,
                fingerprint,
                post.language
            ])
            .map_err(StoreError::sqlite("update post analysis"))?;
    }
    let change = if counts_changed || text_changed {
        Change::Updated
    } else {
        Change::Unchanged
    };
    // The rollups count what is stored now: move the post's cells to its new figures
    // before this batch adds any new mention of it.
    let old = Contribution::new(
        old_followers,
        engagement_total(old_likes, old_reposts, old_replies),
        old_sentiment.as_deref(),
        old_intent.as_deref(),
    );
    let new = Contribution::new(
        followers.or(old_followers),
        engagement_total(likes, reposts, replies),
        sentiment.or(old_sentiment.as_deref()),
        intent.or(old_intent.as_deref()),
    );
    statements.rollups.replace_contribution(
        id,
        rollups::hour_of(to_millis(post.created_at)),
        &old,
        &new,
    )?;
    Ok((id, change, new))
}

/// Likes + reposts + replies, saturating (counts come from the outside).
fn engagement_total(likes: i64, reposts: i64, replies: i64) -> i64 {
    likes.saturating_add(reposts).saturating_add(replies)
}

/// Creates a workspace.
pub(super) fn create_workspace(conn: &mut Connection, name: &str) -> StoreResult<Workspace> {
    let created_at = Utc::now();
    conn.execute(
        "INSERT INTO workspaces (name, created_at) VALUES (?1, ?2)",
        params![name, to_millis(created_at)],
    )
    .map_err(StoreError::sqlite("create workspace"))?;
    Ok(Workspace {
        id: WorkspaceId(conn.last_insert_rowid()),
        name: name.to_string(),
        created_at: super::codec::from_millis(to_millis(created_at), "workspaces", "created_at")?,
    })
}

/// Creates a monitor; its workspace must exist.
pub(super) fn update_monitor(
    conn: &mut Connection,
    id: MonitorId,
    edit: NewMonitor,
) -> StoreResult<Monitor> {
    let created: Option<i64> = conn
        .query_row(
            "UPDATE monitors SET name = ?3, kind = ?4, query = ?5 \
             WHERE id = ?1 AND workspace_id = ?2 RETURNING created_at",
            params![
                id.0,
                edit.workspace_id.0,
                edit.name,
                edit.kind.as_str(),
                edit.query
            ],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("update monitor"))?;
    let Some(created) = created else {
        return Err(StoreError::NotFound {
            what: "monitor",
            id: id.0,
        });
    };
    Ok(Monitor {
        id,
        workspace_id: edit.workspace_id,
        name: edit.name,
        kind: edit.kind,
        query: edit.query,
        created_at: super::codec::from_millis(created, "monitors", "created_at")?,
    })
}

pub(super) fn create_monitor(conn: &mut Connection, new: NewMonitor) -> StoreResult<Monitor> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?1)",
            [new.workspace_id.0],
            |r| r.get(0),
        )
        .map_err(StoreError::sqlite("check workspace"))?;
    if !exists {
        return Err(StoreError::NotFound {
            what: "workspace",
            id: new.workspace_id.0,
        });
    }
    let created_at = super::codec::from_millis(to_millis(Utc::now()), "monitors", "created_at")?;
    conn.execute(
        "INSERT INTO monitors (workspace_id, name, kind, query, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            new.workspace_id.0,
            new.name,
            new.kind.as_str(),
            new.query,
            to_millis(created_at)
        ],
    )
    .map_err(StoreError::sqlite("create monitor"))?;
    Ok(Monitor {
        id: MonitorId(conn.last_insert_rowid()),
        workspace_id: new.workspace_id,
        name: new.name,
        kind: new.kind,
        query: new.query,
        created_at,
    })
}
