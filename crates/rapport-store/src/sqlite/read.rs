//! Reads: posts, search, workspaces, monitors, mentions, disk usage.

use super::codec::{count_from_sql, from_millis, network, to_millis};
use crate::{
    DiskUsage, MentionFilter, MentionView, MonitorCount, StoreError, StoreResult, StoredPost,
};
use rapport_model::{
    Analysis, Author, Engagement, Monitor, MonitorId, MonitorKind, Post, PostId, PostKey,
    SentimentScores, Timestamp, Workspace, WorkspaceId,
};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use std::path::Path;

/// The columns [`RawPost::read`] expects, in order, for a `posts p JOIN authors a`.
pub(super) const POST_COLUMNS: &str =
    "p.id, p.network, p.native_id, a.handle, a.display_name, p.followers, \
     p.created_at, p.first_seen, p.text, p.title, p.url, p.lang, p.reply_to, p.conversation_id, \
     p.likes, p.reposts, p.replies, p.sentiment, p.compound, p.pos, p.neu, p.neg, p.intent, \
     p.fingerprint, p.quote_of";

/// A post row as SQLite gives it, before domain validation.
pub(super) struct RawPost {
    id: i64,
    network: String,
    native_id: String,
    handle: String,
    display_name: Option<String>,
    followers: Option<i64>,
    created_at: i64,
    first_seen: i64,
    text: String,
    title: Option<String>,
    url: Option<String>,
    lang: Option<String>,
    reply_to: Option<String>,
    conversation_id: Option<String>,
    likes: i64,
    reposts: i64,
    replies: i64,
    sentiment: Option<String>,
    scores: [Option<f64>; 4],
    intent: Option<String>,
    fingerprint: Option<i64>,
    quote_of: Option<String>,
}

impl RawPost {
    /// Reads the [`POST_COLUMNS`] starting at column `at`.
    pub(super) fn read(row: &Row<'_>, at: usize) -> rusqlite::Result<RawPost> {
        Ok(RawPost {
            id: row.get(at)?,
            network: row.get(at + 1)?,
            native_id: row.get(at + 2)?,
            handle: row.get(at + 3)?,
            display_name: row.get(at + 4)?,
            followers: row.get(at + 5)?,
            created_at: row.get(at + 6)?,
            first_seen: row.get(at + 7)?,
            text: row.get(at + 8)?,
            title: row.get(at + 9)?,
            url: row.get(at + 10)?,
            lang: row.get(at + 11)?,
            reply_to: row.get(at + 12)?,
            conversation_id: row.get(at + 13)?,
            likes: row.get(at + 14)?,
            reposts: row.get(at + 15)?,
            replies: row.get(at + 16)?,
            sentiment: row.get(at + 17)?,
            scores: [
                row.get(at + 18)?,
                row.get(at + 19)?,
                row.get(at + 20)?,
                row.get(at + 21)?,
            ],
            intent: row.get(at + 22)?,
            fingerprint: row.get(at + 23)?,
            quote_of: row.get(at + 24)?,
        })
    }

    /// The stored analysis, when the post has one (its columns are written together).
    fn analysis(&self) -> StoreResult<Option<Analysis>> {
        let (
            Some(sentiment),
            [Some(compound), Some(pos), Some(neu), Some(neg)],
            Some(intent),
            Some(fingerprint),
        ) = (&self.sentiment, self.scores, &self.intent, self.fingerprint)
        else {
            return Ok(None);
        };
        let corrupt = |column: &'static str| {
            move |message: String| StoreError::Corrupt {
                table: "posts",
                column,
                message,
            }
        };
        Ok(Some(Analysis {
            sentiment: sentiment.parse().map_err(corrupt("sentiment"))?,
            scores: SentimentScores {
                compound,
                pos,
                neu,
                neg,
            },
            intent: intent.parse().map_err(corrupt("intent"))?,
            fingerprint: fingerprint as u64,
        }))
    }

    pub(super) fn into_stored(self) -> StoreResult<StoredPost> {
        let analysis = self.analysis()?;
        Ok(StoredPost {
            id: PostId(self.id),
            analysis,
            first_seen: from_millis(self.first_seen, "posts", "first_seen")?,
            post: Post {
                network: network(&self.network, "posts")?,
                native_id: self.native_id,
                url: self.url,
                author: Author {
                    handle: self.handle,
                    display_name: self.display_name,
                    followers: self.followers.map(count_from_sql),
                },
                title: self.title,
                text: self.text,
                language: self.lang,
                created_at: from_millis(self.created_at, "posts", "created_at")?,
                reply_to: self.reply_to,
                conversation_id: self.conversation_id,
                quote_of: self.quote_of,
                engagement: Engagement {
                    likes: count_from_sql(self.likes),
                    reposts: count_from_sql(self.reposts),
                    replies: count_from_sql(self.replies),
                },
            },
        })
    }
}

fn collect_posts(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    context: &'static str,
) -> StoreResult<Vec<StoredPost>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(StoreError::sqlite(context))?;
    let raws = stmt
        .query_map(params, |row| RawPost::read(row, 0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite(context))?;
    raws.into_iter().map(RawPost::into_stored).collect()
}

pub(super) fn post_count(conn: &Connection) -> StoreResult<u64> {
    let n: i64 = conn
        .query_row("SELECT value FROM totals WHERE name = 'posts'", [], |r| {
            r.get(0)
        })
        .map_err(StoreError::sqlite("count posts"))?;
    Ok(count_from_sql(n))
}

pub(super) fn get_post(conn: &Connection, key: &PostKey) -> StoreResult<Option<StoredPost>> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE p.network = ?1 AND p.native_id = ?2"
    );
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![key.network.as_str(), key.native_id], |row| {
                RawPost::read(row, 0)
            })
            .optional()
        })
        .map_err(StoreError::sqlite("get post"))?;
    raw.map(RawPost::into_stored).transpose()
}

pub(super) fn posts_since(
    conn: &Connection,
    since: Timestamp,
    limit: usize,
) -> StoreResult<Vec<StoredPost>> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE p.created_at >= ?1 ORDER BY p.created_at DESC, p.id DESC LIMIT ?2"
    );
    collect_posts(
        conn,
        &sql,
        params![to_millis(since), i64::try_from(limit).unwrap_or(i64::MAX)],
        "posts since",
    )
}

/// Turns plain words into an FTS5 query in which each word is a quoted string, so that
/// user input can never be read as FTS5 syntax (`AND`, `*`, `"`, `:`...).
fn fts_query(words: &str) -> Option<String> {
    let quoted: Vec<String> = words
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!quoted.is_empty()).then(|| quoted.join(" "))
}

pub(super) fn search_posts(
    conn: &Connection,
    query: &str,
    limit: usize,
) -> StoreResult<Vec<StoredPost>> {
    let Some(fts) = fts_query(query) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts_fts f \
         JOIN posts p ON p.id = f.rowid JOIN authors a ON a.id = p.author_id \
         WHERE posts_fts MATCH ?1 ORDER BY f.rank LIMIT ?2"
    );
    collect_posts(
        conn,
        &sql,
        params![fts, i64::try_from(limit).unwrap_or(i64::MAX)],
        "search posts",
    )
}

pub(super) fn workspaces(conn: &Connection) -> StoreResult<Vec<Workspace>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, created_at FROM workspaces ORDER BY id")
        .map_err(StoreError::sqlite("list workspaces"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list workspaces"))?;
    rows.into_iter()
        .map(|(id, name, created)| {
            Ok(Workspace {
                id: WorkspaceId(id),
                name,
                created_at: from_millis(created, "workspaces", "created_at")?,
            })
        })
        .collect()
}

const MONITOR_COLUMNS: &str = "m.id, m.workspace_id, m.name, m.kind, m.query, m.created_at";

type RawMonitor = (i64, i64, String, String, String, i64);

fn read_monitor(row: &Row<'_>, at: usize) -> rusqlite::Result<RawMonitor> {
    Ok((
        row.get(at)?,
        row.get(at + 1)?,
        row.get(at + 2)?,
        row.get(at + 3)?,
        row.get(at + 4)?,
        row.get(at + 5)?,
    ))
}

fn monitor_from_raw(raw: RawMonitor) -> StoreResult<Monitor> {
    let (id, workspace, name, kind, query, created) = raw;
    Ok(Monitor {
        id: MonitorId(id),
        workspace_id: WorkspaceId(workspace),
        name,
        kind: kind
            .parse::<MonitorKind>()
            .map_err(|message| StoreError::Corrupt {
                table: "monitors",
                column: "kind",
                message,
            })?,
        query,
        created_at: from_millis(created, "monitors", "created_at")?,
    })
}

pub(super) fn monitors(
    conn: &Connection,
    workspace: Option<WorkspaceId>,
) -> StoreResult<Vec<Monitor>> {
    let sql = format!(
        "SELECT {MONITOR_COLUMNS} FROM monitors m WHERE ?1 IS NULL OR m.workspace_id = ?1 ORDER BY m.id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("list monitors"))?;
    let raws = stmt
        .query_map([workspace.map(|w| w.0)], |r| read_monitor(r, 0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list monitors"))?;
    raws.into_iter().map(monitor_from_raw).collect()
}

/// Posts matching a full-text query beyond which walking mentions in time order is cheaper
/// than looking each match up.
const RARE_TEXT_MATCHES: i64 = 5_000;

/// Whether `fts` matches at most [`RARE_TEXT_MATCHES`] posts (counted only that far).
fn rare_text(conn: &Connection, fts: &str) -> StoreResult<bool> {
    let found: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?1 LIMIT ?2)",
        )
        .and_then(|mut stmt| stmt.query_row(params![fts, RARE_TEXT_MATCHES + 1], |r| r.get(0)))
        .map_err(StoreError::sqlite("count text matches"))?;
    Ok(found <= RARE_TEXT_MATCHES)
}

pub(super) fn find_mentions(
    conn: &Connection,
    workspace: WorkspaceId,
    filter: &MentionFilter,
    limit: usize,
) -> StoreResult<Vec<MentionView>> {
    // One author's posts are few: start from them (`posts_author`) and look their mentions
    // up by post id (`+` keeps SQLite off the workspace's time index), rather than walk the
    // workspace's mentions in time order.
    let workspace_column = if filter.author.is_some() {
        "+x.workspace_id"
    } else {
        "x.workspace_id"
    };
    let mut sql = format!(
        "SELECT x.monitor_id, m.name, {POST_COLUMNS} FROM mentions x \
         JOIN monitors m ON m.id = x.monitor_id \
         JOIN posts p ON p.id = x.post_id JOIN authors a ON a.id = p.author_id \
         WHERE {workspace_column} = ?"
    );
    let mut values: Vec<Value> = vec![Value::Integer(workspace.0)];
    let mut narrow = |clause: &str, value: Value| {
        sql.push_str(clause);
        values.push(value);
    };
    if let Some(monitor) = filter.monitor {
        narrow(" AND x.monitor_id = ?", Value::Integer(monitor.0));
    }
    if let Some(network) = filter.network {
        narrow(" AND p.network = ?", Value::Text(network.as_str().into()));
    }
    if let Some(sentiment) = filter.sentiment {
        narrow(
            " AND p.sentiment = ?",
            Value::Text(sentiment.as_str().into()),
        );
    }
    if let Some(intent) = filter.intent {
        narrow(" AND p.intent = ?", Value::Text(intent.as_str().into()));
    }
    if let Some(language) = &filter.language {
        narrow(" AND p.lang = ?", Value::Text(language.clone()));
    }
    if let Some(author) = filter.author {
        narrow(" AND p.author_id = ?", Value::Integer(author.0));
    }
    if let Some(since) = filter.since {
        narrow(
            " AND x.post_created_at >= ?",
            Value::Integer(to_millis(since)),
        );
    }
    if let Some(until) = filter.until {
        narrow(
            " AND x.post_created_at < ?",
            Value::Integer(to_millis(until)),
        );
    }
    // Blank text is no filter.
    if let Some(fts) = filter.text.as_deref().and_then(fts_query) {
        // Few matching posts: look their mentions up by post id (the primary key) and sort
        // them. Many: walk the workspace's mentions newest first and stop at the page; the
        // walk alone took 0.9 s on a million posts for a word no post had.
        if rare_text(conn, &fts)? {
            // `+` keeps SQLite from choosing the workspace's time index over the post ids.
            sql = sql.replacen("WHERE x.workspace_id = ?", "WHERE +x.workspace_id = ?", 1);
        }
        sql.push_str(" AND x.post_id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)");
        values.push(Value::Text(fts));
    }
    if let Some(after) = filter.after {
        sql.push_str(" AND (x.post_created_at, x.post_id, x.monitor_id) < (?, ?, ?)");
        values.push(Value::Integer(to_millis(after.created_at)));
        values.push(Value::Integer(after.post_id.0));
        values.push(Value::Integer(after.monitor_id.0));
    }
    sql.push_str(" ORDER BY x.post_created_at DESC, x.post_id DESC, x.monitor_id DESC LIMIT ?");
    values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("list mentions"))?;
    let rows = stmt
        .query_map(params_from_iter(values), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                RawPost::read(r, 2)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("list mentions"))?;
    rows.into_iter()
        .map(|(monitor, name, raw)| {
            Ok(MentionView {
                monitor_id: MonitorId(monitor),
                monitor_name: name,
                post: raw.into_stored()?,
            })
        })
        .collect()
}

pub(super) fn mention_counts(
    conn: &Connection,
    workspace: WorkspaceId,
    since: Timestamp,
) -> StoreResult<Vec<MonitorCount>> {
    // Counted from the hourly rollups (exact: the writer keeps them with the mentions), with
    // only the part of an hour before the first whole one counted from the mentions: a count
    // over every mention cost 30 ms to 0.7 s on a million posts.
    const HOUR_MS: i64 = 3_600_000;
    let since_ms = to_millis(since);
    let next_hour = since_ms.div_euclid(HOUR_MS) + i64::from(since_ms.rem_euclid(HOUR_MS) != 0);
    let next_hour_ms = next_hour * HOUR_MS;
    let sql = format!(
        "SELECT {MONITOR_COLUMNS}, \
            (SELECT coalesce(sum(r.mentions), 0) FROM rollup_hourly r WHERE r.monitor_id = m.id), \
            (SELECT count(*) FROM mentions x WHERE x.monitor_id = m.id \
               AND x.post_created_at >= ?2 AND x.post_created_at < ?3) \
            + (SELECT coalesce(sum(r.mentions), 0) FROM rollup_hourly r \
               WHERE r.monitor_id = m.id AND r.hour >= ?4) \
         FROM monitors m WHERE m.workspace_id = ?1 ORDER BY m.id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("count mentions"))?;
    let rows = stmt
        .query_map(
            params![workspace.0, since_ms, next_hour_ms, next_hour],
            |r| {
                Ok((
                    read_monitor(r, 0)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(StoreError::sqlite("count mentions"))?;
    rows.into_iter()
        .map(|(raw, total, recent)| {
            Ok(MonitorCount {
                monitor: monitor_from_raw(raw)?,
                total: count_from_sql(total),
                recent: count_from_sql(recent),
            })
        })
        .collect()
}

pub(super) fn disk_usage(conn: &Connection, path: &Path) -> StoreResult<DiskUsage> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_bytes = std::fs::metadata(Path::new(&wal))
        .map(|m| m.len())
        .unwrap_or(0);
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(StoreError::sqlite("measure database"))?;
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(StoreError::sqlite("measure database"))?;
    let total_bytes = count_from_sql(pages.saturating_mul(page_size));
    let fulltext: i64 = conn
        .query_row(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'posts_fts%'",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::sqlite("measure full-text index"))?;
    Ok(DiskUsage {
        total_bytes,
        fulltext_bytes: count_from_sql(fulltext),
        wal_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_query_quotes_every_word() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(
            fts_query("late AND \"x"),
            Some("\"late\" \"AND\" \"\"\"x\"".into())
        );
    }
}
