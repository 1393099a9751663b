//! Hourly rollups per monitor, kept exact by the batch writer and rebuilt from the raw
//! mentions on demand.
//!
//! The writer adds a new mention to its (monitor, hour) cell in the same transaction, and
//! when a stored post's engagement, reach or labels change it applies the difference to
//! every cell the post already counts in. `rebuild` recounts everything from `mentions` and
//! `posts`; `verify` compares the two, which the tests use to prove they stay equal.
//! Hours are Unix milliseconds divided by 3,600,000 with truncation, as SQLite divides.

use super::codec::to_millis;
use crate::analytics::{
    AuthorSide, AuthorStanding, Bucket, InfluenceOrder, PostRanking, RankedPost, RawPost,
    RollupCounts, RollupMismatch, RollupRow,
};
use crate::{StoreError, StoreResult};
use rapport_model::{AuthorId, MonitorId, Timestamp, WorkspaceId};
use rusqlite::OptionalExtension;
use rusqlite::{params, CachedStatement, Connection, Transaction};

/// Milliseconds per rollup hour.
pub(super) const HOUR_MS: i64 = 3_600_000;

/// The sentiment columns, in the order of [`sentiment_index`].
const SENTIMENTS: [&str; 3] = ["positive", "neutral", "negative"];
/// The intent columns, in the order of [`intent_index`].
const INTENTS: [&str; 5] = [
    "complaint",
    "question",
    "praise",
    "purchase_intent",
    "other",
];

fn sentiment_index(label: &str) -> Option<usize> {
    SENTIMENTS.iter().position(|s| *s == label)
}

fn intent_index(label: &str) -> Option<usize> {
    INTENTS.iter().position(|s| *s == label)
}

/// What a post contributes to each cell it counts in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Contribution {
    pub(super) reach: i64,
    pub(super) engagement: i64,
    pub(super) sentiment: Option<usize>,
    pub(super) intent: Option<usize>,
}

impl Contribution {
    /// From stored values: followers, likes + reposts + replies, labels as stored.
    pub(super) fn new(
        followers: Option<i64>,
        engagement: i64,
        sentiment: Option<&str>,
        intent: Option<&str>,
    ) -> Contribution {
        Contribution {
            reach: followers.unwrap_or(0),
            engagement,
            sentiment: sentiment.and_then(sentiment_index),
            intent: intent.and_then(intent_index),
        }
    }

    /// The label and total columns as parameters: 3 sentiments, 5 intents, reach, engagement.
    fn columns(&self, sign: i64) -> [i64; 10] {
        let mut columns = [0i64; 10];
        if let Some(s) = self.sentiment {
            columns[s] = sign;
        }
        if let Some(i) = self.intent {
            columns[3 + i] = sign;
        }
        columns[8] = sign * self.reach;
        columns[9] = sign * self.engagement;
        columns
    }
}

/// The hour a post time falls in.
pub(super) fn hour_of(created_at_ms: i64) -> i64 {
    created_at_ms / HOUR_MS
}

const ADD_MENTION: &str = "INSERT INTO rollup_hourly (monitor_id, hour, mentions, authors, \
     positive, neutral, negative, complaint, question, praise, purchase_intent, other, reach, engagement) \
     VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
     ON CONFLICT (monitor_id, hour) DO UPDATE SET mentions = mentions + 1, \
     authors = authors + excluded.authors, positive = positive + excluded.positive, \
     neutral = neutral + excluded.neutral, negative = negative + excluded.negative, \
     complaint = complaint + excluded.complaint, question = question + excluded.question, \
     praise = praise + excluded.praise, purchase_intent = purchase_intent + excluded.purchase_intent, \
     other = other + excluded.other, reach = reach + excluded.reach, \
     engagement = engagement + excluded.engagement";
const ADD_AUTHOR: &str =
    "INSERT OR IGNORE INTO rollup_authors (monitor_id, hour, author_id) VALUES (?1, ?2, ?3)";
const APPLY_DELTA: &str = "UPDATE rollup_hourly SET positive = positive + ?3, \
     neutral = neutral + ?4, negative = negative + ?5, complaint = complaint + ?6, \
     question = question + ?7, praise = praise + ?8, purchase_intent = purchase_intent + ?9, \
     other = other + ?10, reach = reach + ?11, engagement = engagement + ?12 \
     WHERE hour = ?2 AND monitor_id IN (SELECT monitor_id FROM mentions WHERE post_id = ?1)";

/// The rollup statements of one batch.
pub(super) struct RollupStatements<'tx> {
    add_mention: CachedStatement<'tx>,
    add_author: CachedStatement<'tx>,
    apply_delta: CachedStatement<'tx>,
}

impl<'tx> RollupStatements<'tx> {
    pub(super) fn prepare(tx: &'tx Transaction<'_>) -> StoreResult<RollupStatements<'tx>> {
        let prepare = |sql: &str| {
            tx.prepare_cached(sql)
                .map_err(StoreError::sqlite("prepare rollup statements"))
        };
        Ok(RollupStatements {
            add_mention: prepare(ADD_MENTION)?,
            add_author: prepare(ADD_AUTHOR)?,
            apply_delta: prepare(APPLY_DELTA)?,
        })
    }

    /// Counts a new mention of a post in its monitor's hour.
    pub(super) fn add_mention(
        &mut self,
        monitor: MonitorId,
        hour: i64,
        author_id: i64,
        contribution: &Contribution,
    ) -> StoreResult<()> {
        let new_author = self
            .add_author
            .execute(params![monitor.0, hour, author_id])
            .map_err(StoreError::sqlite("count rollup author"))?;
        let c = contribution.columns(1);
        self.add_mention
            .execute(params![
                monitor.0,
                hour,
                new_author as i64,
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                c[6],
                c[7],
                c[8],
                c[9]
            ])
            .map_err(StoreError::sqlite("count mention in rollup"))?;
        Ok(())
    }

    /// Moves every cell a stored post counts in from its old contribution to its new one.
    /// Call it before recording the batch's new mentions of the post.
    pub(super) fn replace_contribution(
        &mut self,
        post_id: i64,
        hour: i64,
        old: &Contribution,
        new: &Contribution,
    ) -> StoreResult<()> {
        if old == new {
            return Ok(());
        }
        let (minus, plus) = (old.columns(-1), new.columns(1));
        let d: Vec<i64> = minus.iter().zip(plus).map(|(a, b)| a + b).collect();
        self.apply_delta
            .execute(params![
                post_id, hour, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9]
            ])
            .map_err(StoreError::sqlite("update rollups of a changed post"))?;
        Ok(())
    }
}

/// The recount of every cell from the raw tables, as rows of (monitor, hour, counts...).
const RECOUNT: &str = "SELECT x.monitor_id, x.post_created_at / 3600000 AS hour, count(*), \
     count(DISTINCT p.author_id), \
     sum(p.sentiment IS 'positive'), sum(p.sentiment IS 'neutral'), sum(p.sentiment IS 'negative'), \
     sum(p.intent IS 'complaint'), sum(p.intent IS 'question'), sum(p.intent IS 'praise'), \
     sum(p.intent IS 'purchase_intent'), sum(p.intent IS 'other'), \
     sum(coalesce(p.followers, 0)), sum(p.likes + p.reposts + p.replies) \
     FROM mentions x JOIN posts p ON p.id = x.post_id GROUP BY x.monitor_id, hour";

const CELL_COLUMNS: &str = "monitor_id, hour, mentions, authors, positive, neutral, negative, \
     complaint, question, praise, purchase_intent, other, reach, engagement";

/// Recounts every rollup from the raw mentions, in one transaction; returns the cells
/// written.
pub(super) fn rebuild(conn: &mut Connection) -> StoreResult<u64> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("begin rollup rebuild"))?;
    tx.execute_batch(
        "DELETE FROM rollup_hourly; DELETE FROM rollup_authors; \
         INSERT INTO rollup_authors (monitor_id, hour, author_id) \
           SELECT DISTINCT x.monitor_id, x.post_created_at / 3600000, p.author_id \
           FROM mentions x JOIN posts p ON p.id = x.post_id;",
    )
    .map_err(StoreError::sqlite("clear rollups"))?;
    let cells = tx
        .execute(
            &format!("INSERT INTO rollup_hourly ({CELL_COLUMNS}) {RECOUNT}"),
            [],
        )
        .map_err(StoreError::sqlite("recount rollups"))?;
    tx.commit()
        .map_err(StoreError::sqlite("commit rollup rebuild"))?;
    Ok(cells as u64)
}

/// Cells whose stored rollup differs from a recount (empty when they agree), at most
/// `limit`.
pub(super) fn verify(conn: &Connection, limit: usize) -> StoreResult<Vec<RollupMismatch>> {
    let recount = conn
        .prepare(RECOUNT)
        .and_then(|mut stmt| {
            stmt.query_map([], read_cell)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("recount rollups"))?;
    let stored = conn
        .prepare(&format!(
            "SELECT {CELL_COLUMNS} FROM rollup_hourly WHERE mentions > 0"
        ))
        .and_then(|mut stmt| {
            stmt.query_map([], read_cell)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("read rollups"))?;
    let recount: std::collections::BTreeMap<(i64, i64), RollupCounts> =
        recount.into_iter().map(|(m, h, c)| ((m, h), c)).collect();
    let stored: std::collections::BTreeMap<(i64, i64), RollupCounts> =
        stored.into_iter().map(|(m, h, c)| ((m, h), c)).collect();
    let mut keys: Vec<&(i64, i64)> = recount.keys().chain(stored.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter(|key| stored.get(key) != recount.get(key))
        .take(limit)
        .map(|key| RollupMismatch {
            monitor_id: MonitorId(key.0),
            hour: key.1,
            stored: stored.get(key).copied(),
            recounted: recount.get(key).copied(),
        })
        .collect())
}

fn read_cell(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, RollupCounts)> {
    let n = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(r.get::<_, Option<i64>>(i)?.unwrap_or(0)).unwrap_or(0))
    };
    Ok((
        r.get(0)?,
        r.get(1)?,
        RollupCounts {
            mentions: n(2)?,
            authors: n(3)?,
            positive: n(4)?,
            neutral: n(5)?,
            negative: n(6)?,
            complaint: n(7)?,
            question: n(8)?,
            praise: n(9)?,
            purchase_intent: n(10)?,
            other: n(11)?,
            reach: n(12)?,
            engagement: n(13)?,
        },
    ))
}

/// A workspace's rollups between `from` (inclusive) and `to` (exclusive), per monitor and
/// bucket, oldest first. Unique authors are exact per hour; per day they are the sum of the
/// hours' counts (an author active in two hours of a day counts twice), which the API says.
pub(super) fn series(
    conn: &Connection,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
    bucket: Bucket,
) -> StoreResult<Vec<RollupRow>> {
    let hours = bucket.hours();
    let sql = format!(
        "SELECT r.monitor_id, (r.hour / {hours}) * {hours}, sum(r.mentions), sum(r.authors), \
         sum(r.positive), sum(r.neutral), sum(r.negative), sum(r.complaint), sum(r.question), \
         sum(r.praise), sum(r.purchase_intent), sum(r.other), sum(r.reach), sum(r.engagement) \
         FROM rollup_hourly r JOIN monitors m ON m.id = r.monitor_id \
         WHERE m.workspace_id = ?1 AND r.hour >= ?2 AND r.hour < ?3 \
         GROUP BY r.monitor_id, 2 ORDER BY 2, r.monitor_id"
    );
    let rows = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_map(
                params![
                    workspace.0,
                    hour_of(to_millis(from)),
                    hour_of(to_millis(to) + HOUR_MS - 1)
                ],
                read_cell,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("read rollups"))?;
    rows.into_iter()
        .map(|(monitor, hour, counts)| {
            Ok(RollupRow {
                monitor_id: MonitorId(monitor),
                start: super::codec::from_millis(hour * HOUR_MS, "rollup_hourly", "hour")?,
                counts,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl crate::AnalyticsStore for super::SqliteStore {
    async fn rollups(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        bucket: Bucket,
    ) -> StoreResult<Vec<RollupRow>> {
        self.with_reader(move |conn| series(conn, workspace, from, to, bucket))
            .await
    }

    async fn rebuild_rollups(&self) -> StoreResult<u64> {
        self.with_writer(|w| rebuild(&mut w.conn)).await
    }

    async fn verify_rollups(&self, limit: usize) -> StoreResult<Vec<RollupMismatch>> {
        self.with_reader(move |conn| verify(conn, limit)).await
    }

    async fn author_standings(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        side: AuthorSide,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>> {
        self.with_reader(move |conn| author_standings(conn, workspace, from, to, side, limit))
            .await
    }

    async fn author_standing(
        &self,
        workspace: WorkspaceId,
        author: AuthorId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Option<AuthorStanding>> {
        self.with_reader(move |conn| author_standing(conn, workspace, author, from, to))
            .await
    }

    async fn influencers(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        order: InfluenceOrder,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>> {
        self.with_reader(move |conn| influencers(conn, workspace, from, to, order, limit))
            .await
    }

    async fn top_posts(
        &self,
        workspace: WorkspaceId,
        monitor: Option<MonitorId>,
        from: Timestamp,
        to: Timestamp,
        ranking: PostRanking,
        limit: usize,
    ) -> StoreResult<Vec<RankedPost>> {
        self.with_reader(move |conn| top_posts(conn, workspace, monitor, from, to, ranking, limit))
            .await
    }
}

/// The posts that mention a workspace in a window, each once, as a table `w(post_id)`.
/// Served by `mentions_workspace_time (workspace_id, post_created_at DESC)`, which covers it
/// (the table has no rowid, so the index holds the post id): a range of the index, never a
/// scan of `posts`. `CROSS JOIN` after it keeps SQLite from driving the join from `posts`.
const WINDOW_POSTS: &str = "(SELECT DISTINCT x.post_id FROM mentions x \
     WHERE x.workspace_id = ?1 AND x.post_created_at >= ?2 AND x.post_created_at < ?3) w \
     CROSS JOIN posts p ON p.id = w.post_id JOIN authors a ON a.id = p.author_id";

const STANDING_COLUMNS: &str = "a.id, a.network, a.handle, a.display_name, \
     coalesce(a.followers, 0), count(*), sum(p.sentiment IS 'positive'), \
     sum(p.sentiment IS 'neutral'), sum(p.sentiment IS 'negative'), \
     sum(p.likes + p.reposts + p.replies)";

/// An author row as read, before its network name is checked.
type RawStanding = (i64, String, String, Option<String>, [u64; 6]);

fn read_standing(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawStanding> {
    let n = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(r.get::<_, Option<i64>>(i)?.unwrap_or(0)).unwrap_or(0))
    };
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        [n(4)?, n(5)?, n(6)?, n(7)?, n(8)?, n(9)?],
    ))
}

fn finish_standing(
    (
        id,
        network,
        handle,
        display_name,
        [followers, mentions, positive, neutral, negative, engagement],
    ): RawStanding,
) -> StoreResult<AuthorStanding> {
    Ok(AuthorStanding {
        author_id: AuthorId(id),
        network: super::codec::network(&network, "authors")?,
        handle,
        display_name,
        followers,
        mentions,
        positive,
        neutral,
        negative,
        engagement,
        net_sentiment: 0.0,
        score: 0.0,
    }
    .scored())
}

/// See [`crate::AnalyticsStore::author_standings`].
pub(super) fn author_standings(
    conn: &Connection,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
    side: AuthorSide,
    limit: usize,
) -> StoreResult<Vec<AuthorStanding>> {
    let (having, order) = match side {
        AuthorSide::Advocates => (">", "DESC"),
        AuthorSide::Detractors => ("<", "ASC"),
    };
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM {WINDOW_POSTS} GROUP BY a.id \
         HAVING sum(p.sentiment IS 'positive') {having} sum(p.sentiment IS 'negative') \
         ORDER BY (CAST(sum(p.sentiment IS 'positive') - sum(p.sentiment IS 'negative') AS REAL) \
           / count(*)) * max(coalesce(a.followers, 0), 1) {order}, count(*) DESC, a.id \
         LIMIT ?4"
    );
    let rows = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_map(
                params![
                    workspace.0,
                    to_millis(from),
                    to_millis(to),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                read_standing,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("rank authors"))?;
    rows.into_iter().map(finish_standing).collect()
}

/// See [`crate::AnalyticsStore::author_standing`].
pub(super) fn author_standing(
    conn: &Connection,
    workspace: WorkspaceId,
    author: AuthorId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Option<AuthorStanding>> {
    // Driven by the author's posts in the window (`posts_author`), each kept when it
    // mentions the workspace (the mentions' primary key starts with the post id): a few
    // rows for most authors, where the window of mentions is the whole workspace's.
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM posts p INDEXED BY posts_author \
         JOIN authors a ON a.id = p.author_id \
         WHERE p.author_id = ?4 AND p.created_at >= ?2 AND p.created_at < ?3 \
         AND EXISTS (SELECT 1 FROM mentions x WHERE x.post_id = p.id AND x.workspace_id = ?1) \
         GROUP BY a.id"
    );
    let found = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(
                params![workspace.0, to_millis(from), to_millis(to), author.0],
                read_standing,
            )
            .optional()
        })
        .map_err(StoreError::sqlite("read an author's standing"))?;
    if let Some(found) = found {
        return finish_standing(found).map(Some);
    }
    // No mentions in the window: the author alone, by primary key.
    let alone = conn
        .prepare_cached(
            "SELECT a.id, a.network, a.handle, a.display_name, coalesce(a.followers, 0), \
             0, 0, 0, 0, 0 FROM authors a WHERE a.id = ?1",
        )
        .and_then(|mut stmt| stmt.query_row([author.0], read_standing).optional())
        .map_err(StoreError::sqlite("read an author"))?;
    alone.map(finish_standing).transpose()
}

/// See [`crate::AnalyticsStore::influencers`].
pub(super) fn influencers(
    conn: &Connection,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
    order: InfluenceOrder,
    limit: usize,
) -> StoreResult<Vec<AuthorStanding>> {
    let order = match order {
        InfluenceOrder::Reach => {
            "coalesce(a.followers, 0) DESC, sum(p.likes + p.reposts + p.replies) DESC"
        }
        InfluenceOrder::Engagement => {
            "sum(p.likes + p.reposts + p.replies) DESC, coalesce(a.followers, 0) DESC"
        }
    };
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM {WINDOW_POSTS} GROUP BY a.id \
         ORDER BY {order}, count(*) DESC, a.id LIMIT ?4"
    );
    let rows = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_map(
                params![
                    workspace.0,
                    to_millis(from),
                    to_millis(to),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                read_standing,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("rank influencers"))?;
    rows.into_iter().map(finish_standing).collect()
}

const IMPACT_ORDER: &str =
    "(1.0 + coalesce(p.followers, 0)) * (1.0 + p.likes + p.reposts + p.replies) DESC";

/// The `WHERE` and `ORDER BY` of each post ranking. Impact orders by
/// `(1 + reach) × (1 + engagement)`, whose logarithm is the impact weight
/// ([`crate::analytics::impact_weight`]), in floating point so it cannot overflow.
fn post_ranking_sql(ranking: PostRanking) -> (&'static str, &'static str) {
    match ranking {
        PostRanking::Engagement => (
            "",
            "(p.likes + p.reposts + p.replies) DESC, coalesce(p.followers, 0) DESC",
        ),
        PostRanking::Reach => (
            "",
            "coalesce(p.followers, 0) DESC, (p.likes + p.reposts + p.replies) DESC",
        ),
        PostRanking::Positive => ("WHERE p.sentiment = 'positive'", IMPACT_ORDER),
        PostRanking::Negative => ("WHERE p.sentiment = 'negative'", IMPACT_ORDER),
    }
}

/// See [`crate::AnalyticsStore::top_posts`].
pub(super) fn top_posts(
    conn: &Connection,
    workspace: WorkspaceId,
    monitor: Option<MonitorId>,
    from: Timestamp,
    to: Timestamp,
    ranking: PostRanking,
    limit: usize,
) -> StoreResult<Vec<RankedPost>> {
    let (filter, order) = post_ranking_sql(ranking);
    // A monitor's window is a range of `mentions_monitor_time (monitor_id,
    // post_created_at)`, one row per post; the workspace's is WINDOW_POSTS' distinct range
    // of `mentions_workspace_time`. The monitor must be the workspace's.
    let window = match monitor {
        Some(_) => {
            "(SELECT x.post_id FROM monitors m CROSS JOIN mentions x \
              ON x.monitor_id = m.id AND x.post_created_at >= ?2 AND x.post_created_at < ?3 \
              WHERE m.id = ?5 AND m.workspace_id = ?1) w \
             CROSS JOIN posts p ON p.id = w.post_id JOIN authors a ON a.id = p.author_id"
        }
        None => WINDOW_POSTS,
    };
    let sql = format!(
        "SELECT p.id, p.network, p.native_id, p.url, p.text, p.created_at, a.id, a.handle, \
         a.display_name, coalesce(p.followers, 0), p.likes, p.reposts, p.replies, p.sentiment \
         FROM {window} {filter} ORDER BY {order}, p.id LIMIT ?4"
    );
    let rows = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<RawPost> {
                Ok(RawPost {
                    id: r.get(0)?,
                    network: r.get(1)?,
                    native_id: r.get(2)?,
                    url: r.get(3)?,
                    text: r.get(4)?,
                    created_at: r.get(5)?,
                    author_id: r.get(6)?,
                    handle: r.get(7)?,
                    display_name: r.get(8)?,
                    counts: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                    sentiment: r.get(13)?,
                })
            };
            match monitor {
                Some(m) => stmt.query_map(
                    params![workspace.0, to_millis(from), to_millis(to), limit, m.0],
                    read,
                )?,
                None => stmt.query_map(
                    params![workspace.0, to_millis(from), to_millis(to), limit],
                    read,
                )?,
            }
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(StoreError::sqlite("rank posts"))?;
    rows.into_iter().map(RawPost::finish).collect()
}
