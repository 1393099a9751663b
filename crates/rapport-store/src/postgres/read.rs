//! Reads: posts, full-text search, workspaces, monitors, mentions.

use super::{get, limit_value, query, query_opt};
use crate::codec::{count_from_sql, from_millis, network, to_millis};
use crate::{MentionFilter, MentionView, MonitorCount, StoreError, StoreResult, StoredPost};
use deadpool_postgres::GenericClient;
use rapport_model::{
    Analysis, Author, Engagement, Monitor, MonitorId, MonitorKind, Post, PostId, PostKey,
    SentimentScores, Timestamp, Workspace, WorkspaceId,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// The columns [`read_post`] expects, in order, for a `posts p JOIN authors a`.
pub(super) const POST_COLUMNS: &str =
    "p.id, p.network, p.native_id, a.handle, a.display_name, p.followers, \
     p.created_at, p.first_seen, p.text, p.title, p.url, p.lang, p.reply_to, p.conversation_id, \
     p.likes, p.reposts, p.replies, p.sentiment, p.compound, p.pos, p.neu, p.neg, p.intent, \
     p.fingerprint, p.quote_of";

/// Reads the [`POST_COLUMNS`] of `row` starting at column `at`.
pub(super) fn read_post(row: &Row, at: usize) -> StoreResult<StoredPost> {
    const CONTEXT: &str = "read a post";
    let g = |i: usize| at + i;
    let text = |i: usize| -> StoreResult<String> { get(row, g(i), CONTEXT) };
    let opt_text = |i: usize| -> StoreResult<Option<String>> { get(row, g(i), CONTEXT) };
    let int = |i: usize| -> StoreResult<i64> { get(row, g(i), CONTEXT) };
    let opt_int = |i: usize| -> StoreResult<Option<i64>> { get(row, g(i), CONTEXT) };
    let opt_float = |i: usize| -> StoreResult<Option<f64>> { get(row, g(i), CONTEXT) };
    let sentiment = opt_text(17)?;
    let scores = [
        opt_float(18)?,
        opt_float(19)?,
        opt_float(20)?,
        opt_float(21)?,
    ];
    let intent = opt_text(22)?;
    let fingerprint = opt_int(23)?;
    let corrupt = |column: &'static str| {
        move |message: String| StoreError::Corrupt {
            table: "posts",
            column,
            message,
        }
    };
    // The analysis columns are written together; a post without them was not analysed.
    let analysis = match (sentiment, scores, intent, fingerprint) {
        (
            Some(sentiment),
            [Some(compound), Some(pos), Some(neu), Some(neg)],
            Some(intent),
            Some(fingerprint),
        ) => Some(Analysis {
            sentiment: sentiment.parse().map_err(corrupt("sentiment"))?,
            scores: SentimentScores {
                compound,
                pos,
                neu,
                neg,
            },
            intent: intent.parse().map_err(corrupt("intent"))?,
            fingerprint: fingerprint as u64,
        }),
        _ => None,
    };
    Ok(StoredPost {
        id: PostId(int(0)?),
        first_seen: from_millis(int(7)?, "posts", "first_seen")?,
        analysis,
        post: Post {
            network: network(&text(1)?, "posts")?,
            native_id: text(2)?,
            url: opt_text(10)?,
            author: Author {
                handle: text(3)?,
                display_name: opt_text(4)?,
                followers: opt_int(5)?.map(count_from_sql),
            },
            title: opt_text(9)?,
            text: text(8)?,
            language: opt_text(11)?,
            created_at: from_millis(int(6)?, "posts", "created_at")?,
            reply_to: opt_text(12)?,
            conversation_id: opt_text(13)?,
            quote_of: opt_text(24)?,
            engagement: Engagement {
                likes: count_from_sql(int(14)?),
                reposts: count_from_sql(int(15)?),
                replies: count_from_sql(int(16)?),
            },
        },
    })
}

pub(super) fn read_posts(rows: &[Row]) -> StoreResult<Vec<StoredPost>> {
    rows.iter().map(|row| read_post(row, 0)).collect()
}

pub(super) async fn post_count<C: GenericClient>(client: &C) -> StoreResult<u64> {
    let rows = query(client, "SELECT count(*) FROM posts", &[], "count posts").await?;
    Ok(count_from_sql(get(&rows[0], 0, "count posts")?))
}

pub(super) async fn get_post<C: GenericClient>(
    client: &C,
    key: &PostKey,
) -> StoreResult<Option<StoredPost>> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE p.network = $1 AND p.native_id = $2"
    );
    let row = query_opt(
        client,
        &sql,
        &[&key.network.as_str(), &key.native_id],
        "get post",
    )
    .await?;
    row.map(|row| read_post(&row, 0)).transpose()
}

pub(super) async fn posts_since<C: GenericClient>(
    client: &C,
    since: Timestamp,
    limit: usize,
) -> StoreResult<Vec<StoredPost>> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE p.created_at >= $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2"
    );
    let rows = query(
        client,
        &sql,
        &[&to_millis(since), &limit_value(limit)],
        "posts since",
    )
    .await?;
    read_posts(&rows)
}

/// The words of a plain-words query, or `None` when it has none. The words reach
/// PostgreSQL as one parameter of `plainto_tsquery`, which reads no operators: user input
/// can never be taken as query syntax.
pub(super) fn search_words(words: &str) -> Option<String> {
    let words: Vec<&str> = words.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The condition "the post's text holds every word of `$n`", folded as the index is.
pub(super) fn matches_words(param: usize) -> String {
    format!(
        "rapport_search_vector(p.text) @@ plainto_tsquery('simple'::regconfig, rapport_fold(${param}))"
    )
}

pub(super) async fn search_posts<C: GenericClient>(
    client: &C,
    words: &str,
    limit: usize,
) -> StoreResult<Vec<StoredPost>> {
    let Some(words) = search_words(words) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN authors a ON a.id = p.author_id \
         WHERE {matches} \
         ORDER BY ts_rank(rapport_search_vector(p.text), \
                          plainto_tsquery('simple'::regconfig, rapport_fold($1))) DESC, p.id DESC \
         LIMIT $2",
        matches = matches_words(1)
    );
    let rows = query(client, &sql, &[&words, &limit_value(limit)], "search posts").await?;
    read_posts(&rows)
}

pub(super) async fn workspaces<C: GenericClient>(client: &C) -> StoreResult<Vec<Workspace>> {
    let rows = query(
        client,
        "SELECT id, name, created_at FROM workspaces ORDER BY id",
        &[],
        "list workspaces",
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Workspace {
                id: WorkspaceId(get(row, 0, "list workspaces")?),
                name: get(row, 1, "list workspaces")?,
                created_at: from_millis(
                    get(row, 2, "list workspaces")?,
                    "workspaces",
                    "created_at",
                )?,
            })
        })
        .collect()
}

pub(super) const MONITOR_COLUMNS: &str =
    "m.id, m.workspace_id, m.name, m.kind, m.query, m.created_at";

pub(super) fn read_monitor(row: &Row, at: usize) -> StoreResult<Monitor> {
    const CONTEXT: &str = "read a monitor";
    let kind: String = get(row, at + 3, CONTEXT)?;
    Ok(Monitor {
        id: MonitorId(get(row, at, CONTEXT)?),
        workspace_id: WorkspaceId(get(row, at + 1, CONTEXT)?),
        name: get(row, at + 2, CONTEXT)?,
        kind: kind
            .parse::<MonitorKind>()
            .map_err(|message| StoreError::Corrupt {
                table: "monitors",
                column: "kind",
                message,
            })?,
        query: get(row, at + 4, CONTEXT)?,
        created_at: from_millis(get(row, at + 5, CONTEXT)?, "monitors", "created_at")?,
    })
}

pub(super) async fn monitors<C: GenericClient>(
    client: &C,
    workspace: Option<WorkspaceId>,
) -> StoreResult<Vec<Monitor>> {
    let sql = format!(
        "SELECT {MONITOR_COLUMNS} FROM monitors m \
         WHERE $1::bigint IS NULL OR m.workspace_id = $1 ORDER BY m.id"
    );
    let rows = query(client, &sql, &[&workspace.map(|w| w.0)], "list monitors").await?;
    rows.iter().map(|row| read_monitor(row, 0)).collect()
}

pub(super) async fn find_mentions<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    filter: &MentionFilter,
    limit: usize,
) -> StoreResult<Vec<MentionView>> {
    let mut sql = format!(
        "SELECT x.monitor_id, m.name, {POST_COLUMNS} FROM mentions x \
         JOIN monitors m ON m.id = x.monitor_id \
         JOIN posts p ON p.id = x.post_id JOIN authors a ON a.id = p.author_id \
         WHERE x.workspace_id = $1"
    );
    let monitor = filter.monitor.map(|m| m.0);
    let network = filter.network.map(|n| n.as_str());
    let sentiment = filter.sentiment.map(|s| s.as_str());
    let intent = filter.intent.map(|i| i.as_str());
    let author = filter.author.map(|a| a.0);
    let since = filter.since.map(to_millis);
    let until = filter.until.map(to_millis);
    let words = filter.text.as_deref().and_then(search_words);
    let after = filter
        .after
        .map(|c| (to_millis(c.created_at), c.post_id.0, c.monitor_id.0));
    let limit = limit_value(limit);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&workspace.0];
    // Each optional filter adds its clause with the next parameter number.
    macro_rules! filter_on {
        ($value:expr, $clause:expr) => {
            if let Some(value) = &$value {
                params.push(value);
                sql.push_str(&format!($clause, params.len()));
            }
        };
    }
    filter_on!(monitor, " AND x.monitor_id = ${}");
    filter_on!(network, " AND p.network = ${}");
    filter_on!(sentiment, " AND p.sentiment = ${}");
    filter_on!(intent, " AND p.intent = ${}");
    filter_on!(filter.language, " AND p.lang = ${}");
    filter_on!(author, " AND p.author_id = ${}");
    filter_on!(since, " AND x.post_created_at >= ${}");
    filter_on!(until, " AND x.post_created_at < ${}");
    if let Some(words) = &words {
        params.push(words);
        sql.push_str(&format!(" AND {}", matches_words(params.len())));
    }
    if let Some((created, post, monitor)) = &after {
        params.push(created);
        params.push(post);
        params.push(monitor);
        let n = params.len();
        sql.push_str(&format!(
            " AND (x.post_created_at, x.post_id, x.monitor_id) < (${}, ${}, ${n})",
            n - 2,
            n - 1
        ));
    }
    params.push(&limit);
    sql.push_str(&format!(
        " ORDER BY x.post_created_at DESC, x.post_id DESC, x.monitor_id DESC LIMIT ${}",
        params.len()
    ));
    let rows = query(client, &sql, &params, "list mentions").await?;
    rows.iter()
        .map(|row| {
            Ok(MentionView {
                monitor_id: MonitorId(get(row, 0, "list mentions")?),
                monitor_name: get(row, 1, "list mentions")?,
                post: read_post(row, 2)?,
            })
        })
        .collect()
}

pub(super) async fn mention_counts<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    since: Timestamp,
) -> StoreResult<Vec<MonitorCount>> {
    let sql = format!(
        "SELECT {MONITOR_COLUMNS}, \
            (SELECT count(*) FROM mentions x WHERE x.monitor_id = m.id), \
            (SELECT count(*) FROM mentions x WHERE x.monitor_id = m.id AND x.post_created_at >= $2) \
         FROM monitors m WHERE m.workspace_id = $1 ORDER BY m.id"
    );
    let rows = query(
        client,
        &sql,
        &[&workspace.0, &to_millis(since)],
        "count mentions",
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MonitorCount {
                monitor: read_monitor(row, 0)?,
                total: count_from_sql(get(row, 6, "count mentions")?),
                recent: count_from_sql(get(row, 7, "count mentions")?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_plain_words_or_nothing() {
        assert_eq!(search_words("  \t "), None);
        assert_eq!(
            search_words(" late  AND \"x "),
            Some("late AND \"x".to_string())
        );
        assert!(matches_words(3).ends_with("rapport_fold($3))"));
    }
}
