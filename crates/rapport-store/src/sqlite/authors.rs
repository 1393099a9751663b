//! Resolving a post's author to its row id, writing the `authors` table only when an author
//! is new or its followers or display name changed.
//!
//! An upsert per post (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) rewrote the author
//! row every time and cost more than storing the post itself (bench import: 44k posts/s with
//! it, 91k without). The writer keeps what it knows about recent authors in [`AuthorCache`];
//! entries learnt inside a transaction are staged and only merged after the commit, so a
//! rolled-back batch can never leave the cache pointing at rows that do not exist.

use super::codec::count_to_sql;
use crate::{StoreError, StoreResult};
use rapport_model::{Network, Post};
use rusqlite::{params, CachedStatement, OptionalExtension, Transaction};
use rustc_hash::FxHashMap;

/// Authors kept before the cache is emptied and starts again (bounded memory).
const CACHE_LIMIT: usize = 200_000;

/// What the store last wrote for an author.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KnownAuthor {
    id: i64,
    display_name: Option<String>,
    followers: Option<i64>,
}

/// Authors by network and handle.
#[derive(Debug, Default)]
pub(super) struct AuthorCache {
    by_network: FxHashMap<Network, FxHashMap<String, KnownAuthor>>,
    len: usize,
}

impl AuthorCache {
    fn get(&self, network: Network, handle: &str) -> Option<&KnownAuthor> {
        self.by_network.get(&network)?.get(handle)
    }

    fn insert(&mut self, network: Network, handle: String, author: KnownAuthor) {
        if self
            .by_network
            .entry(network)
            .or_default()
            .insert(handle, author)
            .is_none()
        {
            self.len += 1;
        }
    }

    /// Takes in what a committed transaction learnt.
    pub(super) fn merge(&mut self, staged: AuthorCache) {
        if self.len + staged.len > CACHE_LIMIT {
            *self = AuthorCache::default();
        }
        for (network, authors) in staged.by_network {
            for (handle, author) in authors {
                self.insert(network, handle, author);
            }
        }
    }
}

const SELECT_AUTHOR: &str =
    "SELECT id, display_name, followers FROM authors WHERE network = ?1 AND handle = ?2";
const INSERT_AUTHOR: &str =
    "INSERT INTO authors (network, handle, display_name, followers) VALUES (?1, ?2, ?3, ?4)";
const UPDATE_AUTHOR: &str = "UPDATE authors SET display_name = ?2, followers = ?3 WHERE id = ?1";

/// The author statements of a batch, prepared once.
pub(super) struct AuthorStatements<'tx> {
    select: CachedStatement<'tx>,
    insert: CachedStatement<'tx>,
    update: CachedStatement<'tx>,
}

impl<'tx> AuthorStatements<'tx> {
    /// Prepares them on `tx`.
    pub(super) fn prepare(tx: &'tx Transaction<'_>) -> StoreResult<AuthorStatements<'tx>> {
        let prepare = |sql: &str| {
            tx.prepare_cached(sql)
                .map_err(StoreError::sqlite("prepare author statements"))
        };
        Ok(AuthorStatements {
            select: prepare(SELECT_AUTHOR)?,
            insert: prepare(INSERT_AUTHOR)?,
            update: prepare(UPDATE_AUTHOR)?,
        })
    }
}

/// The author row id of `post`'s author, inserting or updating the row when needed.
/// `staged` collects what this transaction learnt; merge it into `cache` after commit.
pub(super) fn resolve(
    tx: &Transaction<'_>,
    statements: &mut AuthorStatements<'_>,
    cache: &AuthorCache,
    staged: &mut AuthorCache,
    post: &Post,
) -> StoreResult<i64> {
    let network = post.network;
    let author = &post.author;
    let known = match staged
        .get(network, &author.handle)
        .or_else(|| cache.get(network, &author.handle))
    {
        Some(known) => Some((known.clone(), true)),
        None => select(statements, post)?.map(|known| (known, false)),
    };
    let followers = author.followers.map(count_to_sql);
    let Some((known, cached)) = known else {
        statements
            .insert
            .execute(params![
                network.as_str(),
                author.handle,
                author.display_name,
                followers
            ])
            .map_err(StoreError::sqlite("store author"))?;
        let id = tx.last_insert_rowid();
        let new = KnownAuthor {
            id,
            display_name: author.display_name.clone(),
            followers,
        };
        staged.insert(network, author.handle.clone(), new);
        return Ok(id);
    };
    let latest = KnownAuthor {
        id: known.id,
        display_name: author
            .display_name
            .clone()
            .or_else(|| known.display_name.clone()),
        followers: followers.or(known.followers),
    };
    if latest != known {
        statements
            .update
            .execute(params![latest.id, latest.display_name, latest.followers])
            .map_err(StoreError::sqlite("update author"))?;
        staged.insert(network, author.handle.clone(), latest);
    } else if !cached {
        staged.insert(network, author.handle.clone(), known.clone());
    }
    Ok(known.id)
}

fn select(statements: &mut AuthorStatements<'_>, post: &Post) -> StoreResult<Option<KnownAuthor>> {
    statements
        .select
        .query_row(params![post.network.as_str(), post.author.handle], |r| {
            Ok(KnownAuthor {
                id: r.get(0)?,
                display_name: r.get(1)?,
                followers: r.get(2)?,
            })
        })
        .optional()
        .map_err(StoreError::sqlite("look up author"))
}
