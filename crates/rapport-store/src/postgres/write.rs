//! Writes: batches of posts (in sets), workspaces, monitors.
//!
//! A batch is one transaction of a dozen statements whatever its size: each table gets one
//! statement over arrays (`unnest`). The result is the one SQLite's post-by-post writer
//! gives: a batch that holds the same post several times is folded in order first (the
//! first occurrence inserts, each later one updates or leaves it), and the outcome counts
//! every occurrence as SQLite does.
//!
//! With several writers at once: new posts are inserted with `ON CONFLICT DO NOTHING`
//! (waiting for a concurrent insert of the same post to commit); posts that were already
//! stored are then locked with `SELECT ... FOR UPDATE`, which reads their latest committed
//! figures, so the rollup delta of a changed post is computed against what is really
//! stored and applied while nobody else can change it. Every statement touches its rows in
//! one order (by key), which keeps deadlocks rare; a batch that hits one is retried whole.

use super::rollups::{contribution, CELL_WIDTH};
use super::{execute, get, query, query_one, query_opt};
use crate::codec::{count_to_sql, from_millis, to_millis};
use crate::sources::SourceId;
use crate::{BatchOutcome, IngestItem, StoreError, StoreResult};
use chrono::Utc;
use deadpool_postgres::{GenericClient, Transaction};
use rapport_model::{Monitor, MonitorId, NewMonitor, Workspace, WorkspaceId};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;
use std::time::Duration;

/// A source's progress, written in the same transaction as its batch.
pub(super) struct SourceProgress {
    pub(super) source: SourceId,
    pub(super) checkpoint: Option<String>,
    pub(super) next_poll_at: Option<i64>,
    pub(super) catching_up: bool,
    pub(super) logged: u64,
}

/// Stores the batch (and the source's progress) in one transaction, retrying it whole when
/// PostgreSQL aborts it to break a deadlock with another writer.
pub(super) async fn write_batch_retrying(
    client: &mut deadpool_postgres::Object,
    items: &[IngestItem],
    progress: Option<&SourceProgress>,
    retries: u32,
) -> StoreResult<BatchOutcome> {
    let mut attempt = 0;
    loop {
        match write_batch_once(client, items, progress).await {
            Err(e) if e.is_retryable() && attempt < retries => {
                attempt += 1;
                tracing::debug!("batch of {} posts retried ({attempt}): {e}", items.len());
                tokio::time::sleep(backoff(attempt)).await;
            }
            other => return other,
        }
    }
}

/// Exponential backoff with a little jitter, so two writers that deadlocked do not meet
/// again at once.
fn backoff(attempt: u32) -> Duration {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) % 20)
        .unwrap_or(0);
    Duration::from_millis((5u64 << attempt.min(6)) + jitter)
}

async fn write_batch_once(
    client: &mut deadpool_postgres::Object,
    items: &[IngestItem],
    progress: Option<&SourceProgress>,
) -> StoreResult<BatchOutcome> {
    let tx = client
        .transaction()
        .await
        .map_err(StoreError::postgres("begin batch"))?;
    let outcome = write_items(&tx, items).await?;
    if let Some(progress) = progress {
        let updated = execute(
            &tx,
            "UPDATE source_state SET checkpoint = coalesce($2, checkpoint), \
                 last_success_at = $3, consecutive_failures = 0, next_poll_at = $4, \
                 posts_seen = posts_seen + $5, catching_up = $6 \
             WHERE source_id = $1",
            &[
                &progress.source.0,
                &progress.checkpoint,
                &to_millis(Utc::now()),
                &progress.next_poll_at,
                &count_to_sql(items.len() as u64 + progress.logged),
                &progress.catching_up,
            ],
            "write source checkpoint",
        )
        .await?;
        if updated == 0 {
            // Dropping the transaction rolls the posts back: none without their checkpoint.
            return Err(StoreError::NotFound {
                what: "source",
                id: progress.source.0,
            });
        }
    }
    tx.commit()
        .await
        .map_err(StoreError::postgres("commit batch"))?;
    Ok(outcome)
}

/// What is stored of a post that a batch can change.
#[derive(Debug, Clone, PartialEq)]
struct State {
    text: String,
    likes: i64,
    reposts: i64,
    replies: i64,
    followers: Option<i64>,
    sentiment: Option<String>,
    scores: [Option<f64>; 4],
    intent: Option<String>,
    fingerprint: Option<i64>,
    lang: Option<String>,
}

impl State {
    /// A post as its first occurrence inserts it.
    fn first(item: &IngestItem) -> State {
        let post = &item.post;
        let mut state = State {
            text: post.text.clone(),
            likes: count_to_sql(post.engagement.likes),
            reposts: count_to_sql(post.engagement.reposts),
            replies: count_to_sql(post.engagement.replies),
            followers: post.author.followers.map(count_to_sql),
            sentiment: None,
            scores: [None; 4],
            intent: None,
            fingerprint: None,
            lang: post.language.clone(),
        };
        state.set_analysis(item);
        state
    }

    fn set_analysis(&mut self, item: &IngestItem) {
        if let Some(a) = &item.analysis {
            self.sentiment = Some(a.sentiment.as_str().to_string());
            self.scores = [
                Some(a.scores.compound),
                Some(a.scores.pos),
                Some(a.scores.neu),
                Some(a.scores.neg),
            ];
            self.intent = Some(a.intent.as_str().to_string());
            // Same 64 bits, read back with `as u64`.
            self.fingerprint = Some(a.fingerprint as i64);
        }
    }

    /// Stores `item` over this state as SQLite does; returns whether the post itself
    /// changed (engagement, reach or text: an update). A new analysis replaces the stored
    /// one without counting as an update.
    fn apply(&mut self, item: &IngestItem) -> bool {
        let post = &item.post;
        let counts = (
            count_to_sql(post.engagement.likes),
            count_to_sql(post.engagement.reposts),
            count_to_sql(post.engagement.replies),
        );
        let followers = post.author.followers.map(count_to_sql);
        let counts_changed = counts != (self.likes, self.reposts, self.replies)
            || (followers.is_some() && followers != self.followers);
        let text_changed = self.text != post.text;
        (self.likes, self.reposts, self.replies) = counts;
        self.followers = followers.or(self.followers);
        if text_changed {
            self.text.clone_from(&post.text);
        }
        if item.analysis.is_some() {
            self.set_analysis(item);
            if post.language.is_some() {
                self.lang.clone_from(&post.language);
            }
        }
        counts_changed || text_changed
    }

    /// What the post adds to each rollup cell it counts in.
    fn contribution(&self) -> [i64; 10] {
        contribution(
            self.followers,
            self.likes
                .saturating_add(self.reposts)
                .saturating_add(self.replies),
            self.sentiment.as_deref(),
            self.intent.as_deref(),
        )
    }
}

/// One post of the batch: every occurrence of its identity, and what the batch made of it.
struct Group<'a> {
    occurrences: Vec<&'a IngestItem>,
    post_id: i64,
    author_id: i64,
    created_at: i64,
    contribution: [i64; 10],
}

/// Stores every item, in sets; see the module's documentation.
async fn write_items(tx: &Transaction<'_>, items: &[IngestItem]) -> StoreResult<BatchOutcome> {
    let now = to_millis(Utc::now());
    let mut outcome = BatchOutcome::default();
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut by_key: FxHashMap<(&str, &str), usize> = FxHashMap::default();
    for item in items {
        match by_key.entry((item.post.network.as_str(), item.post.native_id.as_str())) {
            Entry::Occupied(at) => groups[*at.get()].occurrences.push(item),
            Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push(Group {
                    occurrences: vec![item],
                    post_id: 0,
                    author_id: 0,
                    created_at: to_millis(item.post.created_at),
                    contribution: [0; 10],
                });
            }
        }
    }
    if groups.is_empty() {
        return Ok(outcome);
    }
    let authors = resolve_authors(tx, items).await?;

    // New posts: insert each group's final state, as its occurrences leave it.
    let mut finals: Vec<State> = Vec::with_capacity(groups.len());
    for group in &mut groups {
        let first = group.occurrences[0];
        let mut state = State::first(first);
        for later in &group.occurrences[1..] {
            state.apply(later);
        }
        group.author_id = authors[&(
            first.post.network.as_str(),
            first.post.author.handle.as_str(),
        )];
        finals.push(state);
    }
    let inserted = insert_posts(tx, &groups, &finals, now).await?;
    let mut existing: Vec<usize> = Vec::new();
    for (at, group) in groups.iter_mut().enumerate() {
        let post = &group.occurrences[0].post;
        match inserted.get(&(post.network.as_str(), post.native_id.as_str())) {
            Some(id) => {
                group.post_id = *id;
                group.contribution = finals[at].contribution();
                outcome.inserted += 1;
                // Replay the later occurrences to classify each as SQLite would.
                let mut state = State::first(group.occurrences[0]);
                for later in &group.occurrences[1..] {
                    if state.apply(later) {
                        outcome.updated += 1;
                    } else {
                        outcome.unchanged += 1;
                    }
                }
            }
            None => existing.push(at),
        }
    }

    // Stored posts: lock them, fold the batch over what is stored, write what changed and
    // move their rollup cells by the difference.
    let mut deltas: FxHashMap<i64, [i64; 10]> = FxHashMap::default();
    if !existing.is_empty() {
        let stored = lock_stored(tx, &groups, &existing).await?;
        let mut updates: Vec<(i64, State)> = Vec::new();
        for at in existing {
            let group = &mut groups[at];
            let post = &group.occurrences[0].post;
            let Some((id, author_id, created_at, before)) =
                stored.get(&(post.network.as_str().to_string(), post.native_id.clone()))
            else {
                return Err(StoreError::Worker(format!(
                    "post {}/{} neither inserted nor found",
                    post.network, post.native_id
                )));
            };
            let mut state = before.clone();
            for item in &group.occurrences {
                if state.apply(item) {
                    outcome.updated += 1;
                } else {
                    outcome.unchanged += 1;
                }
            }
            group.post_id = *id;
            group.author_id = *author_id;
            group.created_at = *created_at;
            group.contribution = state.contribution();
            let old = before.contribution();
            if old != group.contribution {
                let mut delta = [0i64; 10];
                for (d, (new, old)) in delta.iter_mut().zip(group.contribution.iter().zip(old)) {
                    *d = new - old;
                }
                deltas.insert(*id, delta);
            }
            if state != *before {
                updates.push((*id, state));
            }
        }
        update_posts(tx, &updates).await?;
    }

    // The cells a changed post already counts in, read before this batch adds mentions.
    let mut cells: FxHashMap<(i64, i64), [i64; CELL_WIDTH]> = FxHashMap::default();
    if !deltas.is_empty() {
        let ids: Vec<i64> = deltas.keys().copied().collect();
        let rows = query(
            tx,
            "SELECT post_id, monitor_id, post_created_at FROM mentions WHERE post_id = ANY($1)",
            &[&ids],
            "read the mentions of changed posts",
        )
        .await?;
        for row in rows {
            let context = "read the mentions of changed posts";
            let post: i64 = get(&row, 0, context)?;
            let monitor: i64 = get(&row, 1, context)?;
            let hour = super::rollups::hour_of(get(&row, 2, context)?);
            let cell = cells.entry((monitor, hour)).or_default();
            for (c, d) in cell[2..].iter_mut().zip(deltas[&post]) {
                *c += d;
            }
        }
    }

    // Mentions: one per (post, monitor) whose monitor still exists.
    let mut monitor_ids: Vec<i64> = items
        .iter()
        .flat_map(|item| item.monitors.iter().map(|m| m.0))
        .collect();
    monitor_ids.sort_unstable();
    monitor_ids.dedup();
    let mut workspaces: FxHashMap<i64, i64> = FxHashMap::default();
    if !monitor_ids.is_empty() {
        for row in query(
            tx,
            "SELECT id, workspace_id FROM monitors WHERE id = ANY($1)",
            &[&monitor_ids],
            "look up monitors",
        )
        .await?
        {
            workspaces.insert(
                get(&row, 0, "look up monitors")?,
                get(&row, 1, "look up monitors")?,
            );
        }
    }
    let new_mentions = insert_mentions(tx, &groups, &workspaces, now).await?;
    outcome.new_mentions = new_mentions.len() as u64;

    if !new_mentions.is_empty() {
        let by_post: FxHashMap<i64, &Group<'_>> = groups.iter().map(|g| (g.post_id, g)).collect();
        let mut counted: Vec<(i64, i64, i64)> = Vec::with_capacity(new_mentions.len());
        for (post, monitor) in &new_mentions {
            let group = by_post[post];
            let hour = super::rollups::hour_of(group.created_at);
            let cell = cells.entry((*monitor, hour)).or_default();
            cell[0] += 1;
            for (c, d) in cell[2..].iter_mut().zip(group.contribution) {
                *c += d;
            }
            counted.push((*monitor, hour, group.author_id));
        }
        for (monitor, hour) in count_authors(tx, counted).await? {
            cells.entry((monitor, hour)).or_default()[1] += 1;
        }
        outcome.new_inbox_items =
            file_inbox_items(tx, &groups, &workspaces, &new_mentions, now).await?;
    }
    super::rollups::add_to_cells(tx, cells).await?;
    Ok(outcome)
}

/// An author's identity: (network, handle).
type AuthorKey<'a> = (&'a str, &'a str);

/// The row id of every author of the batch, inserting new authors and updating the
/// display name and followers of known ones when they changed (the latest non-empty value
/// wins, in batch order).
async fn resolve_authors<'a>(
    tx: &Transaction<'_>,
    items: &'a [IngestItem],
) -> StoreResult<FxHashMap<AuthorKey<'a>, i64>> {
    let mut latest: FxHashMap<AuthorKey<'a>, (Option<&'a str>, Option<i64>)> = FxHashMap::default();
    for item in items {
        let author = &item.post.author;
        let entry = latest
            .entry((item.post.network.as_str(), author.handle.as_str()))
            .or_default();
        entry.0 = author.display_name.as_deref().or(entry.0);
        entry.1 = author.followers.map(count_to_sql).or(entry.1);
    }
    let mut networks = Vec::with_capacity(latest.len());
    let mut handles = Vec::with_capacity(latest.len());
    let mut names = Vec::with_capacity(latest.len());
    let mut followers = Vec::with_capacity(latest.len());
    for ((network, handle), (name, count)) in &latest {
        networks.push(*network);
        handles.push(*handle);
        names.push(*name);
        followers.push(*count);
    }
    let context = "store authors";
    let rows = query(
        tx,
        "INSERT INTO authors AS a (network, handle, display_name, followers) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) \
             AS u(network, handle, display_name, followers) ORDER BY 1, 2 \
         ON CONFLICT (network, handle) DO UPDATE \
             SET display_name = coalesce(excluded.display_name, a.display_name), \
                 followers = coalesce(excluded.followers, a.followers) \
             WHERE (a.display_name, a.followers) IS DISTINCT FROM \
                   (coalesce(excluded.display_name, a.display_name), \
                    coalesce(excluded.followers, a.followers)) \
         RETURNING id, network, handle",
        &[&networks, &handles, &names, &followers],
        context,
    )
    .await?;
    // Where each author is in the arrays (whose strings live as long as the batch).
    let position: FxHashMap<(&str, &str), usize> = networks
        .iter()
        .zip(&handles)
        .enumerate()
        .map(|(i, (network, handle))| ((*network, *handle), i))
        .collect();
    let mut ids: FxHashMap<(&'a str, &'a str), i64> = FxHashMap::default();
    let mut store = |row: &tokio_postgres::Row| -> StoreResult<()> {
        let network: &str = get(row, 1, context)?;
        let handle: &str = get(row, 2, context)?;
        if let Some(i) = position.get(&(network, handle)) {
            ids.insert((networks[*i], handles[*i]), get(row, 0, context)?);
        }
        Ok(())
    };
    for row in &rows {
        store(row)?;
    }
    if rows.len() < latest.len() {
        // Known authors that needed no update.
        let rows = query(
            tx,
            "SELECT a.id, a.network, a.handle FROM authors a \
             JOIN unnest($1::text[], $2::text[]) AS k(network, handle) \
               ON a.network = k.network AND a.handle = k.handle",
            &[&networks, &handles],
            "look up authors",
        )
        .await?;
        for row in &rows {
            store(row)?;
        }
    }
    if ids.len() < latest.len() {
        return Err(StoreError::Worker(format!(
            "{} authors of the batch were neither stored nor found",
            latest.len() - ids.len()
        )));
    }
    Ok(ids)
}

/// Inserts the groups' posts that are new; returns their ids by (network, native id).
async fn insert_posts<'a>(
    tx: &Transaction<'_>,
    groups: &[Group<'a>],
    finals: &[State],
    now: i64,
) -> StoreResult<FxHashMap<(&'a str, &'a str), i64>> {
    let n = groups.len();
    let mut networks = Vec::with_capacity(n);
    let mut native_ids = Vec::with_capacity(n);
    let mut author_ids = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    let mut titles = Vec::with_capacity(n);
    let mut urls = Vec::with_capacity(n);
    let mut langs = Vec::with_capacity(n);
    let mut reply_tos = Vec::with_capacity(n);
    let mut conversations = Vec::with_capacity(n);
    let mut quotes = Vec::with_capacity(n);
    let mut likes = Vec::with_capacity(n);
    let mut reposts = Vec::with_capacity(n);
    let mut replies = Vec::with_capacity(n);
    let mut followers = Vec::with_capacity(n);
    let mut sentiments = Vec::with_capacity(n);
    let mut compounds = Vec::with_capacity(n);
    let mut positives = Vec::with_capacity(n);
    let mut neutrals = Vec::with_capacity(n);
    let mut negatives = Vec::with_capacity(n);
    let mut intents = Vec::with_capacity(n);
    let mut fingerprints = Vec::with_capacity(n);
    for (group, state) in groups.iter().zip(finals) {
        let post = &group.occurrences[0].post;
        networks.push(post.network.as_str());
        native_ids.push(post.native_id.as_str());
        author_ids.push(group.author_id);
        created.push(group.created_at);
        texts.push(state.text.as_str());
        titles.push(post.title.as_deref());
        urls.push(post.url.as_deref());
        langs.push(state.lang.as_deref());
        reply_tos.push(post.reply_to.as_deref());
        conversations.push(post.conversation_id.as_deref());
        quotes.push(post.quote_of.as_deref());
        likes.push(state.likes);
        reposts.push(state.reposts);
        replies.push(state.replies);
        followers.push(state.followers);
        sentiments.push(state.sentiment.as_deref());
        compounds.push(state.scores[0]);
        positives.push(state.scores[1]);
        neutrals.push(state.scores[2]);
        negatives.push(state.scores[3]);
        intents.push(state.intent.as_deref());
        fingerprints.push(state.fingerprint);
    }
    let rows = query(
        tx,
        "INSERT INTO posts (network, native_id, author_id, created_at, first_seen, text, title, \
             url, lang, reply_to, conversation_id, quote_of, likes, reposts, replies, followers, \
             sentiment, compound, pos, neu, neg, intent, fingerprint) \
         SELECT network, native_id, author_id, created_at, $23, text, title, url, lang, \
             reply_to, conversation_id, quote_of, likes, reposts, replies, followers, \
             sentiment, compound, pos, neu, neg, intent, fingerprint \
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
             $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::text[], \
             $17::float8[], $18::float8[], $19::float8[], $20::float8[], $21::text[], \
             $22::bigint[]) \
           AS u(network, native_id, author_id, created_at, text, title, url, lang, reply_to, \
             conversation_id, quote_of, likes, reposts, replies, followers, sentiment, \
             compound, pos, neu, neg, intent, fingerprint) \
         ORDER BY network, native_id \
         ON CONFLICT (network, native_id) DO NOTHING \
         RETURNING id, network, native_id",
        &[
            &networks,
            &native_ids,
            &author_ids,
            &created,
            &texts,
            &titles,
            &urls,
            &langs,
            &reply_tos,
            &conversations,
            &quotes,
            &likes,
            &reposts,
            &replies,
            &followers,
            &sentiments,
            &compounds,
            &positives,
            &neutrals,
            &negatives,
            &intents,
            &fingerprints,
            &now,
        ],
        "insert posts",
    )
    .await?;
    let keys: FxHashMap<(&str, &str), (&'a str, &'a str)> = groups
        .iter()
        .map(|g| {
            let post = &g.occurrences[0].post;
            let key = (post.network.as_str(), post.native_id.as_str());
            (key, key)
        })
        .collect();
    let mut ids = FxHashMap::default();
    for row in &rows {
        let network: &str = get(row, 1, "insert posts")?;
        let native_id: &str = get(row, 2, "insert posts")?;
        if let Some(key) = keys.get(&(network, native_id)) {
            ids.insert(*key, get(row, 0, "insert posts")?);
        }
    }
    Ok(ids)
}

/// A stored post as locked: (id, author id, created at, state), by (network, native id).
type Stored = FxHashMap<(String, String), (i64, i64, i64, State)>;

/// Locks the stored posts of `existing` groups (in key order) and reads them.
async fn lock_stored(
    tx: &Transaction<'_>,
    groups: &[Group<'_>],
    existing: &[usize],
) -> StoreResult<Stored> {
    let networks: Vec<&str> = existing
        .iter()
        .map(|at| groups[*at].occurrences[0].post.network.as_str())
        .collect();
    let native_ids: Vec<&str> = existing
        .iter()
        .map(|at| groups[*at].occurrences[0].post.native_id.as_str())
        .collect();
    let context = "lock stored posts";
    let rows = query(
        tx,
        "SELECT p.id, p.network, p.native_id, p.author_id, p.created_at, p.text, p.likes, \
             p.reposts, p.replies, p.followers, p.sentiment, p.compound, p.pos, p.neu, p.neg, \
             p.intent, p.fingerprint, p.lang \
         FROM posts p JOIN unnest($1::text[], $2::text[]) AS k(network, native_id) \
           ON p.network = k.network AND p.native_id = k.native_id \
         ORDER BY p.network, p.native_id FOR UPDATE OF p",
        &[&networks, &native_ids],
        context,
    )
    .await?;
    let mut stored = Stored::default();
    for row in &rows {
        let state = State {
            text: get(row, 5, context)?,
            likes: get(row, 6, context)?,
            reposts: get(row, 7, context)?,
            replies: get(row, 8, context)?,
            followers: get(row, 9, context)?,
            sentiment: get(row, 10, context)?,
            scores: [
                get(row, 11, context)?,
                get(row, 12, context)?,
                get(row, 13, context)?,
                get(row, 14, context)?,
            ],
            intent: get(row, 15, context)?,
            fingerprint: get(row, 16, context)?,
            lang: get(row, 17, context)?,
        };
        stored.insert(
            (get(row, 1, context)?, get(row, 2, context)?),
            (
                get(row, 0, context)?,
                get(row, 3, context)?,
                get(row, 4, context)?,
                state,
            ),
        );
    }
    Ok(stored)
}

/// Writes the new state of stored posts that changed.
async fn update_posts(tx: &Transaction<'_>, updates: &[(i64, State)]) -> StoreResult<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
    let column = |f: fn(&State) -> Option<&str>| -> Vec<Option<&str>> {
        updates.iter().map(|(_, s)| f(s)).collect()
    };
    let texts = column(|s| Some(s.text.as_str()));
    let sentiments = column(|s| s.sentiment.as_deref());
    let intents = column(|s| s.intent.as_deref());
    let langs = column(|s| s.lang.as_deref());
    let ints = |f: fn(&State) -> Option<i64>| -> Vec<Option<i64>> {
        updates.iter().map(|(_, s)| f(s)).collect()
    };
    let likes = ints(|s| Some(s.likes));
    let reposts = ints(|s| Some(s.reposts));
    let replies = ints(|s| Some(s.replies));
    let followers = ints(|s| s.followers);
    let fingerprints = ints(|s| s.fingerprint);
    let score =
        |i: usize| -> Vec<Option<f64>> { updates.iter().map(|(_, s)| s.scores[i]).collect() };
    let (compound, pos, neu, neg) = (score(0), score(1), score(2), score(3));
    execute(
        tx,
        "UPDATE posts p SET text = u.text, likes = u.likes, reposts = u.reposts, \
             replies = u.replies, followers = u.followers, sentiment = u.sentiment, \
             compound = u.compound, pos = u.pos, neu = u.neu, neg = u.neg, intent = u.intent, \
             fingerprint = u.fingerprint, lang = u.lang \
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], \
             $6::bigint[], $7::text[], $8::float8[], $9::float8[], $10::float8[], \
             $11::float8[], $12::text[], $13::bigint[], $14::text[]) \
           AS u(id, text, likes, reposts, replies, followers, sentiment, compound, pos, neu, \
             neg, intent, fingerprint, lang) \
         WHERE p.id = u.id",
        &[
            &ids,
            &texts,
            &likes,
            &reposts,
            &replies,
            &followers,
            &sentiments,
            &compound,
            &pos,
            &neu,
            &neg,
            &intents,
            &fingerprints,
            &langs,
        ],
        "update posts",
    )
    .await?;
    Ok(())
}

/// Records each group's mentions (its monitors over all its occurrences, those that still
/// exist); returns the new ones as (post id, monitor id).
async fn insert_mentions(
    tx: &Transaction<'_>,
    groups: &[Group<'_>],
    workspaces: &FxHashMap<i64, i64>,
    now: i64,
) -> StoreResult<FxHashSet<(i64, i64)>> {
    let mut monitors = Vec::new();
    let mut posts = Vec::new();
    let mut owners = Vec::new();
    let mut times = Vec::new();
    for group in groups {
        let mut seen: FxHashSet<i64> = FxHashSet::default();
        for item in &group.occurrences {
            for monitor in &item.monitors {
                if let Some(workspace) = workspaces.get(&monitor.0) {
                    if seen.insert(monitor.0) {
                        monitors.push(monitor.0);
                        posts.push(group.post_id);
                        owners.push(*workspace);
                        times.push(group.created_at);
                    }
                }
            }
        }
    }
    let mut new = FxHashSet::default();
    if monitors.is_empty() {
        return Ok(new);
    }
    let rows = query(
        tx,
        "INSERT INTO mentions (monitor_id, post_id, workspace_id, post_created_at, matched_at) \
         SELECT m, p, w, c, $5 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], \
             $4::bigint[]) AS u(m, p, w, c) ORDER BY p, m \
         ON CONFLICT DO NOTHING RETURNING post_id, monitor_id",
        &[&monitors, &posts, &owners, &times, &now],
        "record mentions",
    )
    .await?;
    for row in &rows {
        new.insert((
            get(row, 0, "record mentions")?,
            get(row, 1, "record mentions")?,
        ));
    }
    Ok(new)
}

/// Records the (monitor, hour, author) triples of new mentions; returns the cells for
/// which an author is counted for the first time.
async fn count_authors(
    tx: &Transaction<'_>,
    mut counted: Vec<(i64, i64, i64)>,
) -> StoreResult<Vec<(i64, i64)>> {
    counted.sort_unstable();
    counted.dedup();
    let monitors: Vec<i64> = counted.iter().map(|c| c.0).collect();
    let hours: Vec<i64> = counted.iter().map(|c| c.1).collect();
    let authors: Vec<i64> = counted.iter().map(|c| c.2).collect();
    let rows = query(
        tx,
        "INSERT INTO rollup_authors (monitor_id, hour, author_id) \
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(m, h, a) \
         ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING RETURNING monitor_id, hour",
        &[&monitors, &hours, &authors],
        "count rollup authors",
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                get(row, 0, "count rollup authors")?,
                get(row, 1, "count rollup authors")?,
            ))
        })
        .collect()
}

/// Files an inbox item for each (workspace, post) that got its first mention in this batch
/// from an occurrence that needs an answer, as the post-by-post writer does.
async fn file_inbox_items(
    tx: &Transaction<'_>,
    groups: &[Group<'_>],
    workspaces: &FxHashMap<i64, i64>,
    new_mentions: &FxHashSet<(i64, i64)>,
    now: i64,
) -> StoreResult<u64> {
    let mut owners = Vec::new();
    let mut posts = Vec::new();
    let mut reasons = Vec::new();
    let mut priorities = Vec::new();
    let mut rank_keys = Vec::new();
    let mut arrivals = Vec::new();
    for group in groups {
        let mut claimed: FxHashSet<i64> = FxHashSet::default();
        let mut filed: FxHashSet<i64> = FxHashSet::default();
        for item in &group.occurrences {
            for monitor in &item.monitors {
                let Some(workspace) = workspaces.get(&monitor.0) else {
                    continue;
                };
                // The first occurrence naming a new mention is the one that created it.
                if !new_mentions.contains(&(group.post_id, monitor.0)) || !claimed.insert(monitor.0)
                {
                    continue;
                }
                if let Some(triage) = &item.triage {
                    if filed.insert(*workspace) {
                        owners.push(*workspace);
                        posts.push(group.post_id);
                        reasons.push(triage.reason.as_str());
                        priorities.push(triage.base_priority);
                        rank_keys.push(triage.rank_key(item.post.created_at));
                        arrivals.push(to_millis(item.post.created_at));
                    }
                }
            }
        }
    }
    if owners.is_empty() {
        return Ok(0);
    }
    execute(
        tx,
        "INSERT INTO inbox_items (workspace_id, post_id, reason, base_priority, rank_key, \
             arrived_at, updated_at) \
         SELECT w, p, r, b, k, a, $7 FROM unnest($1::bigint[], $2::bigint[], $3::text[], \
             $4::float8[], $5::float8[], $6::bigint[]) AS u(w, p, r, b, k, a) ORDER BY w, p \
         ON CONFLICT (workspace_id, post_id) DO NOTHING",
        &[
            &owners,
            &posts,
            &reasons,
            &priorities,
            &rank_keys,
            &arrivals,
            &now,
        ],
        "add to inbox",
    )
    .await
}

/// Creates a workspace.
pub(super) async fn create_workspace<C: GenericClient>(
    client: &C,
    name: &str,
) -> StoreResult<Workspace> {
    let created_at = to_millis(Utc::now());
    let row = query_one(
        client,
        "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
        &[&name, &created_at],
        "create workspace",
    )
    .await?;
    Ok(Workspace {
        id: WorkspaceId(get(&row, 0, "create workspace")?),
        name: name.to_string(),
        created_at: from_millis(created_at, "workspaces", "created_at")?,
    })
}

/// Whether `err` is a foreign key violation (a referenced row does not exist).
pub(super) fn is_foreign_key_violation(err: &StoreError) -> bool {
    matches!(err, StoreError::Postgres { source, .. }
        if source.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION))
}

/// Whether `err` is a unique violation (the value is taken).
pub(super) fn is_unique_violation(err: &StoreError) -> bool {
    matches!(err, StoreError::Postgres { source, .. }
        if source.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION))
}

/// Creates a monitor; its workspace must exist.
pub(super) async fn update_monitor<C: GenericClient>(
    client: &C,
    id: MonitorId,
    edit: NewMonitor,
) -> StoreResult<Monitor> {
    let row = query_opt(
        client,
        "UPDATE monitors SET name = $3, kind = $4, query = $5 \
         WHERE id = $1 AND workspace_id = $2 RETURNING created_at",
        &[
            &id.0,
            &edit.workspace_id.0,
            &edit.name,
            &edit.kind.as_str(),
            &edit.query,
        ],
        "update monitor",
    )
    .await?;
    let Some(row) = row else {
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
        created_at: from_millis(get(&row, 0, "update monitor")?, "monitors", "created_at")?,
    })
}

pub(super) async fn create_monitor<C: GenericClient>(
    client: &C,
    new: NewMonitor,
) -> StoreResult<Monitor> {
    let created_at = to_millis(Utc::now());
    let row = query_one(
        client,
        "INSERT INTO monitors (workspace_id, name, kind, query, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            &new.workspace_id.0,
            &new.name,
            &new.kind.as_str(),
            &new.query,
            &created_at,
        ],
        "create monitor",
    )
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound {
                what: "workspace",
                id: new.workspace_id.0,
            }
        } else {
            e
        }
    })?;
    Ok(Monitor {
        id: MonitorId(get(&row, 0, "create monitor")?),
        workspace_id: new.workspace_id,
        name: new.name,
        kind: new.kind,
        query: new.query,
        created_at: from_millis(created_at, "monitors", "created_at")?,
    })
}
