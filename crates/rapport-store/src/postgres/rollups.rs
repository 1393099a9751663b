//! Hourly rollups per monitor in PostgreSQL: kept exact by the batch writer (one upsert of
//! every touched cell per batch, adding to what is stored, so concurrent writers add up),
//! recounted from the raw mentions on demand.

use super::{execute, get, limit_value, query, query_opt, PostgresStore};
use crate::analytics::{
    AuthorSide, AuthorStanding, Bucket, InfluenceOrder, PostRanking, RankedPost, RawPost,
    RollupCounts, RollupMismatch, RollupRow,
};
use crate::codec::{from_millis, to_millis};
use crate::{StoreError, StoreResult};
use deadpool_postgres::{GenericClient, Transaction};
use rapport_model::{AuthorId, MonitorId, Timestamp, WorkspaceId};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Milliseconds per rollup hour.
const HOUR_MS: i64 = 3_600_000;

/// Counters per cell as the batch writer adds them: mentions, authors, then the ten of
/// [`contribution`].
pub(super) const CELL_WIDTH: usize = 12;

/// The hour a post time falls in (truncating, as SQLite and PostgreSQL divide).
pub(super) fn hour_of(created_at_ms: i64) -> i64 {
    created_at_ms / HOUR_MS
}

/// What a post adds to each cell it counts in: positive, neutral, negative, complaint,
/// question, praise, purchase intent, other, reach, engagement.
pub(super) fn contribution(
    followers: Option<i64>,
    engagement: i64,
    sentiment: Option<&str>,
    intent: Option<&str>,
) -> [i64; 10] {
    let mut columns = [0i64; 10];
    if let Some(s) = ["positive", "neutral", "negative"]
        .iter()
        .position(|label| Some(*label) == sentiment)
    {
        columns[s] = 1;
    }
    if let Some(i) = [
        "complaint",
        "question",
        "praise",
        "purchase_intent",
        "other",
    ]
    .iter()
    .position(|label| Some(*label) == intent)
    {
        columns[3 + i] = 1;
    }
    columns[8] = followers.unwrap_or(0);
    columns[9] = engagement;
    columns
}

/// Adds `cells` to the stored rollups, in key order (so writers lock cells in one order).
pub(super) async fn add_to_cells(
    tx: &Transaction<'_>,
    cells: FxHashMap<(i64, i64), [i64; CELL_WIDTH]>,
) -> StoreResult<()> {
    let mut cells: Vec<((i64, i64), [i64; CELL_WIDTH])> = cells
        .into_iter()
        .filter(|(_, counts)| counts.iter().any(|c| *c != 0))
        .collect();
    if cells.is_empty() {
        return Ok(());
    }
    cells.sort_unstable_by_key(|(key, _)| *key);
    let monitors: Vec<i64> = cells.iter().map(|((m, _), _)| *m).collect();
    let hours: Vec<i64> = cells.iter().map(|((_, h), _)| *h).collect();
    let column = |i: usize| -> Vec<i64> { cells.iter().map(|(_, c)| c[i]).collect() };
    let columns: Vec<Vec<i64>> = (0..CELL_WIDTH).map(column).collect();
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&monitors, &hours];
    params.extend(
        columns
            .iter()
            .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync)),
    );
    execute(
        tx,
        "INSERT INTO rollup_hourly AS r (monitor_id, hour, mentions, authors, positive, neutral, \
             negative, complaint, question, praise, purchase_intent, other, reach, engagement) \
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], \
             $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], \
             $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[]) \
         ORDER BY 1, 2 \
         ON CONFLICT (monitor_id, hour) DO UPDATE SET \
             mentions = r.mentions + excluded.mentions, authors = r.authors + excluded.authors, \
             positive = r.positive + excluded.positive, neutral = r.neutral + excluded.neutral, \
             negative = r.negative + excluded.negative, \
             complaint = r.complaint + excluded.complaint, \
             question = r.question + excluded.question, praise = r.praise + excluded.praise, \
             purchase_intent = r.purchase_intent + excluded.purchase_intent, \
             other = r.other + excluded.other, reach = r.reach + excluded.reach, \
             engagement = r.engagement + excluded.engagement",
        &params,
        "update rollups",
    )
    .await?;
    Ok(())
}

/// The recount of every cell from the raw tables, as rows of (monitor, hour, counts...).
const RECOUNT: &str = "SELECT x.monitor_id, x.post_created_at / 3600000 AS hour, count(*), \
     count(DISTINCT p.author_id), \
     count(*) FILTER (WHERE p.sentiment = 'positive'), \
     count(*) FILTER (WHERE p.sentiment = 'neutral'), \
     count(*) FILTER (WHERE p.sentiment = 'negative'), \
     count(*) FILTER (WHERE p.intent = 'complaint'), \
     count(*) FILTER (WHERE p.intent = 'question'), \
     count(*) FILTER (WHERE p.intent = 'praise'), \
     count(*) FILTER (WHERE p.intent = 'purchase_intent'), \
     count(*) FILTER (WHERE p.intent = 'other'), \
     coalesce(sum(coalesce(p.followers, 0)), 0)::bigint, \
     coalesce(sum(p.likes + p.reposts + p.replies), 0)::bigint \
     FROM mentions x JOIN posts p ON p.id = x.post_id GROUP BY x.monitor_id, hour";

const CELL_COLUMNS: &str = "monitor_id, hour, mentions, authors, positive, neutral, negative, \
     complaint, question, praise, purchase_intent, other, reach, engagement";

fn read_cell(row: &tokio_postgres::Row) -> StoreResult<(i64, i64, RollupCounts)> {
    const CONTEXT: &str = "read rollups";
    let n = |i: usize| -> StoreResult<u64> {
        Ok(u64::try_from(get::<Option<i64>>(row, i, CONTEXT)?.unwrap_or(0)).unwrap_or(0))
    };
    Ok((
        get(row, 0, CONTEXT)?,
        get(row, 1, CONTEXT)?,
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

/// Recounts every rollup in one transaction. The rollup tables are locked against writers
/// first, so a batch either committed before the recount (and is counted) or waits and adds
/// its mentions after it.
async fn rebuild(client: &mut deadpool_postgres::Object) -> StoreResult<u64> {
    let tx = client
        .transaction()
        .await
        .map_err(StoreError::postgres("begin rollup rebuild"))?;
    tx.batch_execute(
        "LOCK TABLE rollup_hourly, rollup_authors IN EXCLUSIVE MODE; \
         DELETE FROM rollup_hourly; DELETE FROM rollup_authors; \
         INSERT INTO rollup_authors (monitor_id, hour, author_id) \
           SELECT DISTINCT x.monitor_id, x.post_created_at / 3600000, p.author_id \
           FROM mentions x JOIN posts p ON p.id = x.post_id;",
    )
    .await
    .map_err(StoreError::postgres("clear rollups"))?;
    let cells = execute(
        &tx,
        &format!("INSERT INTO rollup_hourly ({CELL_COLUMNS}) {RECOUNT}"),
        &[],
        "recount rollups",
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::postgres("commit rollup rebuild"))?;
    Ok(cells)
}

/// Cells whose stored rollup differs from a recount (empty when they agree), at most
/// `limit`. Both are read in one repeatable-read snapshot, so writers committing meanwhile
/// cannot make them disagree.
async fn verify(
    client: &mut deadpool_postgres::Object,
    limit: usize,
) -> StoreResult<Vec<RollupMismatch>> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(StoreError::postgres("begin rollup verification"))?;
    let recount = query(&tx, RECOUNT, &[], "recount rollups").await?;
    let stored = query(
        &tx,
        &format!("SELECT {CELL_COLUMNS} FROM rollup_hourly WHERE mentions > 0"),
        &[],
        "read rollups",
    )
    .await?;
    tx.commit()
        .await
        .map_err(StoreError::postgres("end rollup verification"))?;
    let to_map = |rows: &[tokio_postgres::Row]| -> StoreResult<BTreeMap<(i64, i64), RollupCounts>> {
        rows.iter()
            .map(|row| read_cell(row).map(|(m, h, c)| ((m, h), c)))
            .collect()
    };
    let recount = to_map(&recount)?;
    let stored = to_map(&stored)?;
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

/// A workspace's rollups between `from` (inclusive) and `to` (exclusive), per monitor and
/// bucket, oldest first (authors summed over hours for day buckets, as in SQLite).
async fn series<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
    bucket: Bucket,
) -> StoreResult<Vec<RollupRow>> {
    let sql = "SELECT r.monitor_id, (r.hour / $4) * $4 AS start, sum(r.mentions)::bigint, \
         sum(r.authors)::bigint, sum(r.positive)::bigint, sum(r.neutral)::bigint, \
         sum(r.negative)::bigint, sum(r.complaint)::bigint, sum(r.question)::bigint, \
         sum(r.praise)::bigint, sum(r.purchase_intent)::bigint, sum(r.other)::bigint, \
         sum(r.reach)::bigint, sum(r.engagement)::bigint \
         FROM rollup_hourly r JOIN monitors m ON m.id = r.monitor_id \
         WHERE m.workspace_id = $1 AND r.hour >= $2 AND r.hour < $3 \
         GROUP BY r.monitor_id, start ORDER BY start, r.monitor_id";
    let rows = query(
        client,
        sql,
        &[
            &workspace.0,
            &hour_of(to_millis(from)),
            &hour_of(to_millis(to) + HOUR_MS - 1),
            &bucket.hours(),
        ],
        "read rollups",
    )
    .await?;
    rows.iter()
        .map(|row| {
            let (monitor, hour, counts) = read_cell(row)?;
            Ok(RollupRow {
                monitor_id: MonitorId(monitor),
                start: from_millis(hour * HOUR_MS, "rollup_hourly", "hour")?,
                counts,
            })
        })
        .collect()
}

/// The posts that mention a workspace in a window, each once, with their authors: a range
/// of `mentions_workspace_time (workspace_id, post_created_at DESC)`, then `posts` and
/// `authors` by primary key; never a scan of `posts`.
const WINDOW_POSTS: &str = "(SELECT DISTINCT x.post_id FROM mentions x \
     WHERE x.workspace_id = $1 AND x.post_created_at >= $2 AND x.post_created_at < $3) w \
     JOIN posts p ON p.id = w.post_id JOIN authors a ON a.id = p.author_id";

const STANDING_COLUMNS: &str = "a.id, a.network, a.handle, a.display_name, \
     coalesce(a.followers, 0)::bigint, count(*)::bigint, \
     count(*) FILTER (WHERE p.sentiment = 'positive')::bigint, \
     count(*) FILTER (WHERE p.sentiment = 'neutral')::bigint, \
     count(*) FILTER (WHERE p.sentiment = 'negative')::bigint, \
     coalesce(sum(p.likes + p.reposts + p.replies), 0)::bigint";

fn read_standing(row: &tokio_postgres::Row) -> StoreResult<AuthorStanding> {
    const CONTEXT: &str = "read an author's standing";
    let n = |i: usize| -> StoreResult<u64> {
        Ok(u64::try_from(get::<i64>(row, i, CONTEXT)?).unwrap_or(0))
    };
    let network: String = get(row, 1, CONTEXT)?;
    Ok(AuthorStanding {
        author_id: AuthorId(get(row, 0, CONTEXT)?),
        network: crate::codec::network(&network, "authors")?,
        handle: get(row, 2, CONTEXT)?,
        display_name: get(row, 3, CONTEXT)?,
        followers: n(4)?,
        mentions: n(5)?,
        positive: n(6)?,
        neutral: n(7)?,
        negative: n(8)?,
        engagement: n(9)?,
        net_sentiment: 0.0,
        score: 0.0,
    }
    .scored())
}

async fn author_standings<C: GenericClient>(
    client: &C,
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
    let positive = "count(*) FILTER (WHERE p.sentiment = 'positive')";
    let negative = "count(*) FILTER (WHERE p.sentiment = 'negative')";
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM {WINDOW_POSTS} GROUP BY a.id \
         HAVING {positive} {having} {negative} \
         ORDER BY (({positive} - {negative})::float8 / count(*)) \
           * greatest(coalesce(a.followers, 0), 1) {order}, count(*) DESC, a.id \
         LIMIT $4"
    );
    let rows = query(
        client,
        &sql,
        &[
            &workspace.0,
            &to_millis(from),
            &to_millis(to),
            &limit_value(limit),
        ],
        "rank authors",
    )
    .await?;
    rows.iter().map(read_standing).collect()
}

async fn author_standing<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    author: AuthorId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Option<AuthorStanding>> {
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM {WINDOW_POSTS} WHERE p.author_id = $4 GROUP BY a.id"
    );
    let found = query_opt(
        client,
        &sql,
        &[&workspace.0, &to_millis(from), &to_millis(to), &author.0],
        "read an author's standing",
    )
    .await?;
    if let Some(row) = found {
        return read_standing(&row).map(Some);
    }
    let alone = query_opt(
        client,
        "SELECT a.id, a.network, a.handle, a.display_name, coalesce(a.followers, 0)::bigint, \
         0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint FROM authors a WHERE a.id = $1",
        &[&author.0],
        "read an author",
    )
    .await?;
    alone.as_ref().map(read_standing).transpose()
}

async fn influencers<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    from: Timestamp,
    to: Timestamp,
    order: InfluenceOrder,
    limit: usize,
) -> StoreResult<Vec<AuthorStanding>> {
    let engagement = "coalesce(sum(p.likes + p.reposts + p.replies), 0)";
    let reach = "coalesce(a.followers, 0)";
    let order = match order {
        InfluenceOrder::Reach => format!("{reach} DESC, {engagement} DESC"),
        InfluenceOrder::Engagement => format!("{engagement} DESC, {reach} DESC"),
    };
    let sql = format!(
        "SELECT {STANDING_COLUMNS} FROM {WINDOW_POSTS} GROUP BY a.id \
         ORDER BY {order}, count(*) DESC, a.id LIMIT $4"
    );
    let rows = query(
        client,
        &sql,
        &[
            &workspace.0,
            &to_millis(from),
            &to_millis(to),
            &limit_value(limit),
        ],
        "rank influencers",
    )
    .await?;
    rows.iter().map(read_standing).collect()
}

/// Impact orders by `(1 + reach) × (1 + engagement)`, whose logarithm is the impact weight
/// ([`crate::analytics::impact_weight`]), in float8 so it cannot overflow.
const IMPACT_ORDER: &str = "(1 + coalesce(p.followers, 0))::float8 \
     * (1 + p.likes + p.reposts + p.replies)::float8 DESC";

async fn top_posts<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    monitor: Option<MonitorId>,
    from: Timestamp,
    to: Timestamp,
    ranking: PostRanking,
    limit: usize,
) -> StoreResult<Vec<RankedPost>> {
    let (filter, order) = match ranking {
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
    };
    // A monitor's window is a range of `mentions_monitor_time`, one row per post, and the
    // monitor must be the workspace's; the workspace's is WINDOW_POSTS.
    let window = match monitor {
        Some(_) => {
            "(SELECT x.post_id FROM monitors m JOIN mentions x ON x.monitor_id = m.id \
              AND x.post_created_at >= $2 AND x.post_created_at < $3 \
              WHERE m.id = $5 AND m.workspace_id = $1) w \
             JOIN posts p ON p.id = w.post_id JOIN authors a ON a.id = p.author_id"
        }
        None => WINDOW_POSTS,
    };
    let sql = format!(
        "SELECT p.id, p.network, p.native_id, p.url, p.text, p.created_at, a.id, a.handle, \
         a.display_name, coalesce(p.followers, 0)::bigint, p.likes::bigint, p.reposts::bigint, \
         p.replies::bigint, p.sentiment \
         FROM {window} {filter} ORDER BY {order}, p.id LIMIT $4"
    );
    let (from, to, limit) = (to_millis(from), to_millis(to), limit_value(limit));
    let monitor_id = monitor.map(|m| m.0).unwrap_or(0);
    let rows = match monitor {
        Some(_) => {
            query(
                client,
                &sql,
                &[&workspace.0, &from, &to, &limit, &monitor_id],
                "rank posts",
            )
            .await?
        }
        None => {
            query(
                client,
                &sql,
                &[&workspace.0, &from, &to, &limit],
                "rank posts",
            )
            .await?
        }
    };
    const CONTEXT: &str = "read a ranked post";
    rows.iter()
        .map(|row| {
            RawPost {
                id: get(row, 0, CONTEXT)?,
                network: get(row, 1, CONTEXT)?,
                native_id: get(row, 2, CONTEXT)?,
                url: get(row, 3, CONTEXT)?,
                text: get(row, 4, CONTEXT)?,
                created_at: get(row, 5, CONTEXT)?,
                author_id: get(row, 6, CONTEXT)?,
                handle: get(row, 7, CONTEXT)?,
                display_name: get(row, 8, CONTEXT)?,
                counts: [
                    get(row, 9, CONTEXT)?,
                    get(row, 10, CONTEXT)?,
                    get(row, 11, CONTEXT)?,
                    get(row, 12, CONTEXT)?,
                ],
                sentiment: get(row, 13, CONTEXT)?,
            }
            .finish()
        })
        .collect()
}

#[async_trait::async_trait]
impl crate::AnalyticsStore for PostgresStore {
    async fn rollups(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        bucket: Bucket,
    ) -> StoreResult<Vec<RollupRow>> {
        series(&self.client().await?, workspace, from, to, bucket).await
    }

    async fn rebuild_rollups(&self) -> StoreResult<u64> {
        rebuild(&mut self.client().await?).await
    }

    async fn verify_rollups(&self, limit: usize) -> StoreResult<Vec<RollupMismatch>> {
        verify(&mut self.client().await?, limit).await
    }

    async fn author_standings(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        side: AuthorSide,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>> {
        author_standings(&self.client().await?, workspace, from, to, side, limit).await
    }

    async fn author_standing(
        &self,
        workspace: WorkspaceId,
        author: AuthorId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Option<AuthorStanding>> {
        author_standing(&self.client().await?, workspace, author, from, to).await
    }

    async fn influencers(
        &self,
        workspace: WorkspaceId,
        from: Timestamp,
        to: Timestamp,
        order: InfluenceOrder,
        limit: usize,
    ) -> StoreResult<Vec<AuthorStanding>> {
        influencers(&self.client().await?, workspace, from, to, order, limit).await
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
        top_posts(
            &self.client().await?,
            workspace,
            monitor,
            from,
            to,
            ranking,
            limit,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_count_labels_reach_and_engagement() {
        assert_eq!(
            contribution(Some(120), 7, Some("negative"), Some("complaint")),
            [0, 0, 1, 1, 0, 0, 0, 0, 120, 7]
        );
        assert_eq!(
            contribution(None, 0, None, Some("purchase_intent")),
            [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
        );
        assert_eq!(hour_of(3 * HOUR_MS + 1), 3);
    }
}
