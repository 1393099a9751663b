//! [`PublishStore`] for [`PostgresStore`] (migrations `postgres/0016_publishing.sql` and
//! `0017_publish_slots.sql`): the same tables and semantics as SQLite's, safe with several
//! schedulers on one database.
//!
//! - A claim selects due rows `FOR UPDATE OF t SKIP LOCKED` and marks them `sending` for its
//!   holder in the same transaction: a concurrent claimer skips the locked rows, and once
//!   the claim commits they are no longer `pending`, so no delivery is claimed twice.
//! - A `sending` delivery is taken over only when its claim has expired, under the same
//!   locking, so a live peer's in-flight send is never sent again.
//! - Recording an outcome locks the draft's row first, so two targets of one draft that
//!   finish at once cannot both miss that the draft is settled.

use super::write::is_unique_violation;
use super::{execute, get, limit_value, query, query_opt, PostgresStore};
use crate::codec::{from_millis, to_millis};
use crate::publishing::{
    lost_claim, new_key, slot, slot_name, ClaimLease, Delivery, DeliveryId, DeliveryOutcome, Draft,
    DraftComment, DraftFilter, DraftId, DraftPoll, DraftStatus, DraftTarget, NewDraft,
    NewPublishAccount, PublishAccount, PublishAccountId, PublishSlot, PublishStore, TargetStatus,
    Transition,
};
use crate::secrets::{Secret, SecretKey};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use deadpool_postgres::GenericClient;
use rapport_model::{Timestamp, WorkspaceId};
use tokio_postgres::Row;

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

fn count(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

const ACCOUNT_COLUMNS: &str = "id, workspace_id, kind, display_name, settings, created_at";

fn read_account(row: &Row) -> StoreResult<PublishAccount> {
    let what = "read an account";
    let settings: String = get(row, 4, what)?;
    Ok(PublishAccount {
        id: PublishAccountId(get(row, 0, what)?),
        workspace_id: WorkspaceId(get(row, 1, what)?),
        kind: get(row, 2, what)?,
        display_name: get(row, 3, what)?,
        settings: serde_json::from_str(&settings)
            .map_err(|e| corrupt("publish_accounts", "settings", e.to_string()))?,
        created_at: from_millis(get(row, 5, what)?, "publish_accounts", "created_at")?,
    })
}

const DRAFT_SELECT: &str = "SELECT d.id, d.workspace_id, d.author_id, u.display_name, d.text, \
     d.poll, d.status, d.scheduled_at, d.approved_by, d.created_at, d.updated_at \
     FROM drafts d LEFT JOIN users u ON u.id = d.author_id";

async fn read_targets<C: GenericClient>(client: &C, draft: i64) -> StoreResult<Vec<DraftTarget>> {
    let what = "read a draft's targets";
    let rows = query(
        client,
        "SELECT t.id, t.account_id, a.display_name, a.kind, t.text, t.status, t.attempts, \
         t.next_attempt_at, t.last_error, t.native_id, t.url, t.sent_at, t.followers \
         FROM draft_targets t JOIN publish_accounts a ON a.id = t.account_id \
         WHERE t.draft_id = $1 ORDER BY t.id",
        &[&draft],
        what,
    )
    .await?;
    rows.iter()
        .map(|row| {
            let status: String = get(row, 5, what)?;
            Ok(DraftTarget {
                id: DeliveryId(get(row, 0, what)?),
                account_id: PublishAccountId(get(row, 1, what)?),
                account_name: get(row, 2, what)?,
                account_kind: get(row, 3, what)?,
                text: get(row, 4, what)?,
                status: TargetStatus::parse(&status)
                    .ok_or_else(|| corrupt("draft_targets", "status", status.clone()))?,
                attempts: count(get(row, 6, what)?),
                next_attempt_at: time(get(row, 7, what)?, "draft_targets", "next_attempt_at")?,
                last_error: get(row, 8, what)?,
                native_id: get(row, 9, what)?,
                url: get(row, 10, what)?,
                sent_at: time(get(row, 11, what)?, "draft_targets", "sent_at")?,
                followers: crate::engagement::count(get(row, 12, what)?),
            })
        })
        .collect()
}

async fn read_comments<C: GenericClient>(client: &C, draft: i64) -> StoreResult<Vec<DraftComment>> {
    let what = "read a draft's comments";
    let rows = query(
        client,
        "SELECT c.id, c.author_id, u.display_name, c.body, c.created_at \
         FROM draft_comments c LEFT JOIN users u ON u.id = c.author_id \
         WHERE c.draft_id = $1 ORDER BY c.id",
        &[&draft],
        what,
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DraftComment {
                id: get(row, 0, what)?,
                author_id: get(row, 1, what)?,
                author_name: get(row, 2, what)?,
                body: get(row, 3, what)?,
                created_at: from_millis(get(row, 4, what)?, "draft_comments", "created_at")?,
            })
        })
        .collect()
}

async fn finish_draft<C: GenericClient>(client: &C, row: &Row) -> StoreResult<Draft> {
    let what = "read a draft";
    let id: i64 = get(row, 0, what)?;
    let status: String = get(row, 6, what)?;
    Ok(Draft {
        id: DraftId(id),
        workspace_id: WorkspaceId(get(row, 1, what)?),
        author_id: get(row, 2, what)?,
        author_name: get(row, 3, what)?,
        text: get(row, 4, what)?,
        poll: poll_from(get(row, 5, what)?)?,
        status: DraftStatus::parse(&status)
            .ok_or_else(|| corrupt("drafts", "status", status.clone()))?,
        scheduled_at: time(get(row, 7, what)?, "drafts", "scheduled_at")?,
        approved_by: get(row, 8, what)?,
        created_at: from_millis(get(row, 9, what)?, "drafts", "created_at")?,
        updated_at: from_millis(get(row, 10, what)?, "drafts", "updated_at")?,
        targets: read_targets(client, id).await?,
        comments: read_comments(client, id).await?,
    })
}

async fn read_draft<C: GenericClient>(
    client: &C,
    workspace: WorkspaceId,
    id: DraftId,
) -> StoreResult<Option<Draft>> {
    let row = query_opt(
        client,
        &format!("{DRAFT_SELECT} WHERE d.id = $1 AND d.workspace_id = $2"),
        &[&id.0, &workspace.0],
        "read a draft",
    )
    .await?;
    match row {
        Some(row) => Ok(Some(finish_draft(client, &row).await?)),
        None => Ok(None),
    }
}

const DELIVERY_SELECT: &str = "SELECT t.id, t.draft_id, d.workspace_id, t.account_id, a.kind, \
     a.settings, coalesce(t.text, d.text), d.poll, t.idempotency_key, t.attempts \
     FROM draft_targets t JOIN drafts d ON d.id = t.draft_id \
     JOIN publish_accounts a ON a.id = t.account_id";

fn read_delivery(row: &Row) -> StoreResult<Delivery> {
    let what = "read a delivery";
    let settings: String = get(row, 5, what)?;
    let key: Option<String> = get(row, 8, what)?;
    Ok(Delivery {
        id: DeliveryId(get(row, 0, what)?),
        draft_id: DraftId(get(row, 1, what)?),
        workspace_id: WorkspaceId(get(row, 2, what)?),
        account_id: PublishAccountId(get(row, 3, what)?),
        account_kind: get(row, 4, what)?,
        account_settings: serde_json::from_str(&settings)
            .map_err(|e| corrupt("publish_accounts", "settings", e.to_string()))?,
        text: get(row, 6, what)?,
        poll: poll_from(get(row, 7, what)?)?,
        idempotency_key: key
            .ok_or_else(|| corrupt("draft_targets", "idempotency_key", "missing while sending"))?,
        attempts: count(get(row, 9, what)?),
    })
}

/// Claims the rows `sql` selected and locked (target, draft, key; `$1` = now, `$2` = limit)
/// for `lease.owner`: `sending`, the key kept or made, one more attempt, the drafts
/// `sending`. Runs inside the caller's transaction.
async fn claim<C: GenericClient>(
    tx: &C,
    sql: &str,
    lease: &ClaimLease,
    now: Timestamp,
    limit: usize,
    what: &'static str,
) -> StoreResult<Vec<Delivery>> {
    let until = to_millis(now + lease.ttl);
    let now = to_millis(now);
    let limit = limit_value(limit.clamp(1, 1000));
    let rows = query(tx, sql, &[&now, &limit], what).await?;
    let mut targets = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    let mut drafts = Vec::with_capacity(rows.len());
    for row in &rows {
        let target: i64 = get(row, 0, what)?;
        let draft: i64 = get(row, 1, what)?;
        let key: Option<String> = get(row, 2, what)?;
        keys.push(match key {
            Some(key) => key,
            None => new_key(draft, target)?,
        });
        targets.push(target);
        drafts.push(draft);
    }
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    execute(
        tx,
        "UPDATE draft_targets t SET status = 'sending', idempotency_key = c.key, \
         attempts = t.attempts + 1, claimed_by = $3, claim_expires_at = $4 \
         FROM unnest($1::bigint[], $2::text[]) AS c(id, key) WHERE t.id = c.id",
        &[&targets, &keys, &lease.owner, &until],
        what,
    )
    .await?;
    // In id order, so that concurrent claims lock drafts in one order.
    drafts.sort_unstable();
    drafts.dedup();
    execute(
        tx,
        "UPDATE drafts SET status = 'sending', updated_at = $2 \
         WHERE id = ANY($1) AND status = 'scheduled'",
        &[&drafts, &now],
        what,
    )
    .await?;
    let rows = query(
        tx,
        &format!("{DELIVERY_SELECT} WHERE t.id = ANY($1) ORDER BY array_position($1, t.id)"),
        &[&targets],
        what,
    )
    .await?;
    rows.iter().map(read_delivery).collect()
}

#[async_trait]
impl PublishStore for PostgresStore {
    async fn time_zone(&self, workspace: WorkspaceId) -> StoreResult<String> {
        let row = query_opt(
            &self.client().await?,
            "SELECT time_zone FROM workspace_settings WHERE workspace_id = $1",
            &[&workspace.0],
            "read a workspace's time zone",
        )
        .await?;
        match row {
            Some(row) => get(&row, 0, "read a workspace's time zone"),
            None => Ok("UTC".to_string()),
        }
    }

    async fn set_time_zone(&self, workspace: WorkspaceId, time_zone: &str) -> StoreResult<()> {
        let result = execute(
            &self.client().await?,
            "INSERT INTO workspace_settings (workspace_id, time_zone) VALUES ($1, $2) \
             ON CONFLICT (workspace_id) DO UPDATE SET time_zone = excluded.time_zone",
            &[&workspace.0, &time_zone],
            "set a workspace's time zone",
        )
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if super::write::is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "workspace",
                id: workspace.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn add_publish_account(
        &self,
        account: NewPublishAccount,
        key: &SecretKey,
    ) -> StoreResult<PublishAccount> {
        let sealed = key.seal(&account.secret)?;
        let settings = account.settings.to_string();
        let client = self.client().await?;
        let what = "connect an account";
        let exists = query_opt(
            &client,
            "SELECT 1 FROM workspaces WHERE id = $1",
            &[&account.workspace_id.0],
            what,
        )
        .await?
        .is_some();
        if !exists {
            return Err(StoreError::NotFound {
                what: "workspace",
                id: account.workspace_id.0,
            });
        }
        let inserted = query_opt(
            &client,
            &format!(
                "INSERT INTO publish_accounts (workspace_id, kind, display_name, settings, \
                 secret, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ACCOUNT_COLUMNS}"
            ),
            &[
                &account.workspace_id.0,
                &account.kind,
                &account.display_name,
                &settings,
                &sealed,
                &to_millis(Utc::now()),
            ],
            what,
        )
        .await;
        match inserted {
            Ok(Some(row)) => read_account(&row),
            Ok(None) => Err(StoreError::Worker(
                "connecting an account returned no row".into(),
            )),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                what: "account",
                value: account.display_name,
            }),
            Err(e) => Err(e),
        }
    }

    async fn publish_accounts(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishAccount>> {
        let rows = query(
            &self.client().await?,
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM publish_accounts WHERE workspace_id = $1 \
                 ORDER BY id"
            ),
            &[&workspace.0],
            "list accounts",
        )
        .await?;
        rows.iter().map(read_account).collect()
    }

    async fn publish_account_secret(
        &self,
        account: PublishAccountId,
        key: &SecretKey,
    ) -> StoreResult<Secret> {
        let row = query_opt(
            &self.client().await?,
            "SELECT secret FROM publish_accounts WHERE id = $1",
            &[&account.0],
            "read an account's secret",
        )
        .await?
        .ok_or(StoreError::NotFound {
            what: "account",
            id: account.0,
        })?;
        let sealed: Vec<u8> = get(&row, 0, "read an account's secret")?;
        Ok(key.open(&sealed)?)
    }

    async fn create_draft(&self, draft: NewDraft) -> StoreResult<Draft> {
        let poll = draft
            .poll
            .as_ref()
            .map(|p| serde_json::to_string(p).map_err(|e| StoreError::Worker(e.to_string())))
            .transpose()?;
        let what = "create a draft";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(what))?;
        let now = to_millis(Utc::now());
        let row = query_opt(
            &tx,
            "INSERT INTO drafts (workspace_id, author_id, text, poll, status, scheduled_at, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            &[
                &draft.workspace_id.0,
                &draft.author_id,
                &draft.text,
                &poll,
                &draft.status.as_str(),
                &draft.scheduled_at.map(to_millis),
                &now,
            ],
            what,
        )
        .await;
        let row = match row {
            Ok(Some(row)) => row,
            Ok(None) => return Err(StoreError::Worker("creating a draft returned no id".into())),
            Err(e) if super::write::is_foreign_key_violation(&e) => {
                return Err(StoreError::NotFound {
                    what: "workspace",
                    id: draft.workspace_id.0,
                })
            }
            Err(e) => return Err(e),
        };
        let id: i64 = get(&row, 0, what)?;
        for (account, text) in &draft.targets {
            let ours = query_opt(
                &tx,
                "SELECT 1 FROM publish_accounts WHERE id = $1 AND workspace_id = $2",
                &[&account.0, &draft.workspace_id.0],
                what,
            )
            .await?
            .is_some();
            if !ours {
                return Err(StoreError::NotFound {
                    what: "account",
                    id: account.0,
                });
            }
            execute(
                &tx,
                "INSERT INTO draft_targets (draft_id, account_id, text) VALUES ($1, $2, $3) \
                 ON CONFLICT (draft_id, account_id) DO NOTHING",
                &[&id, &account.0, text],
                what,
            )
            .await?;
        }
        let created = read_draft(&tx, draft.workspace_id, DraftId(id))
            .await?
            .ok_or(StoreError::NotFound { what: "draft", id })?;
        tx.commit().await.map_err(StoreError::postgres(what))?;
        Ok(created)
    }

    async fn draft(&self, workspace: WorkspaceId, id: DraftId) -> StoreResult<Option<Draft>> {
        read_draft(&self.client().await?, workspace, id).await
    }

    async fn drafts(
        &self,
        workspace: WorkspaceId,
        filter: &DraftFilter,
    ) -> StoreResult<Vec<Draft>> {
        let statuses: Vec<&'static str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        let any_status = filter.statuses.is_empty();
        let from = filter.from.map(to_millis);
        let until = filter.until.map(to_millis);
        let limit = if filter.limit == 0 {
            500
        } else {
            filter.limit.min(5000)
        } as i64;
        let client = self.client().await?;
        let rows = query(
            &client,
            &format!(
                "{DRAFT_SELECT} WHERE d.workspace_id = $1 \
                 AND ($2 OR d.status = ANY($3)) \
                 AND ($4::bigint IS NULL OR d.scheduled_at >= $4) \
                 AND ($5::bigint IS NULL OR d.scheduled_at < $5) \
                 ORDER BY d.scheduled_at IS NULL, d.scheduled_at, d.id LIMIT $6"
            ),
            &[&workspace.0, &any_status, &statuses, &from, &until, &limit],
            "list drafts",
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(finish_draft(&client, row).await?);
        }
        Ok(out)
    }

    async fn transition_draft(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        transition: Transition,
    ) -> StoreResult<Draft> {
        let what = "change a draft's status";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(what))?;
        let current = query_opt(
            &tx,
            "SELECT status, scheduled_at FROM drafts WHERE id = $1 AND workspace_id = $2 \
             FOR UPDATE",
            &[&id.0, &workspace.0],
            what,
        )
        .await?;
        let Some(current) = current else {
            return Err(StoreError::NotFound {
                what: "draft",
                id: id.0,
            });
        };
        let status: String = get(&current, 0, what)?;
        let scheduled: Option<i64> = get(&current, 1, what)?;
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
        execute(
            &tx,
            "UPDATE drafts SET status = $2, scheduled_at = $3, \
             approved_by = coalesce($4, approved_by), updated_at = $5 WHERE id = $1",
            &[
                &id.0,
                &transition.to.as_str(),
                &scheduled,
                &transition.approved_by,
                &now,
            ],
            what,
        )
        .await?;
        match transition.to {
            DraftStatus::Scheduled => {
                execute(
                    &tx,
                    "UPDATE draft_targets SET status = 'pending', next_attempt_at = $2 \
                     WHERE draft_id = $1 AND status IN ('waiting', 'pending')",
                    &[&id.0, &scheduled.unwrap_or(now)],
                    what,
                )
                .await?;
            }
            DraftStatus::Cancelled => {
                execute(
                    &tx,
                    "UPDATE draft_targets SET status = 'cancelled', next_attempt_at = NULL \
                     WHERE draft_id = $1 AND status IN ('waiting', 'pending')",
                    &[&id.0],
                    what,
                )
                .await?;
            }
            _ => {}
        }
        let draft = read_draft(&tx, workspace, id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "draft",
                id: id.0,
            })?;
        tx.commit().await.map_err(StoreError::postgres(what))?;
        Ok(draft)
    }

    async fn add_draft_comment(
        &self,
        workspace: WorkspaceId,
        id: DraftId,
        author: Option<i64>,
        body: &str,
    ) -> StoreResult<DraftComment> {
        let what = "comment on a draft";
        let client = self.client().await?;
        let ours = query_opt(
            &client,
            "SELECT 1 FROM drafts WHERE id = $1 AND workspace_id = $2",
            &[&id.0, &workspace.0],
            what,
        )
        .await?
        .is_some();
        if !ours {
            return Err(StoreError::NotFound {
                what: "draft",
                id: id.0,
            });
        }
        let row = query_opt(
            &client,
            "INSERT INTO draft_comments (draft_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&id.0, &author, &body, &to_millis(Utc::now())],
            what,
        )
        .await?
        .ok_or_else(|| StoreError::Worker("commenting returned no id".into()))?;
        let comment_id: i64 = get(&row, 0, what)?;
        read_comments(&client, id.0)
            .await?
            .into_iter()
            .find(|c| c.id == comment_id)
            .ok_or(StoreError::NotFound {
                what: "comment",
                id: comment_id,
            })
    }

    async fn publish_slots(&self, workspace: WorkspaceId) -> StoreResult<Vec<PublishSlot>> {
        let what = "list publishing slots";
        let rows = query(
            &self.client().await?,
            "SELECT id, weekday, minute FROM publish_slots WHERE workspace_id = $1 \
             ORDER BY weekday, minute",
            &[&workspace.0],
            what,
        )
        .await?;
        rows.iter()
            .map(|row| {
                let weekday: i16 = get(row, 1, what)?;
                let minute: i16 = get(row, 2, what)?;
                slot(
                    get(row, 0, what)?,
                    workspace,
                    i64::from(weekday),
                    i64::from(minute),
                )
            })
            .collect()
    }

    async fn add_publish_slot(
        &self,
        workspace: WorkspaceId,
        weekday: u8,
        minute: u16,
    ) -> StoreResult<PublishSlot> {
        let what = "add a publishing slot";
        let inserted = query_opt(
            &self.client().await?,
            "INSERT INTO publish_slots (workspace_id, weekday, minute) VALUES ($1, $2, $3) \
             RETURNING id",
            &[&workspace.0, &i16::from(weekday), &(minute as i16)],
            what,
        )
        .await;
        match inserted {
            Ok(Some(row)) => slot(
                get(&row, 0, what)?,
                workspace,
                i64::from(weekday),
                i64::from(minute),
            ),
            Ok(None) => Err(StoreError::Worker("adding a slot returned no id".into())),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                what: "publishing slot",
                value: slot_name(weekday, minute),
            }),
            Err(e) if super::write::is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "workspace",
                id: workspace.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn remove_publish_slot(&self, workspace: WorkspaceId, id: i64) -> StoreResult<()> {
        let removed = execute(
            &self.client().await?,
            "DELETE FROM publish_slots WHERE id = $1 AND workspace_id = $2",
            &[&id, &workspace.0],
            "remove a publishing slot",
        )
        .await?;
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: "publishing slot",
                id,
            });
        }
        Ok(())
    }

    async fn claim_due_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>> {
        let what = "claim due deliveries";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(what))?;
        let out = claim(
            &tx,
            "SELECT t.id, t.draft_id, t.idempotency_key FROM draft_targets t \
             JOIN drafts d ON d.id = t.draft_id \
             WHERE t.status = 'pending' AND t.next_attempt_at <= $1 \
             AND d.status IN ('scheduled', 'sending') \
             ORDER BY t.next_attempt_at, t.id LIMIT $2 \
             FOR UPDATE OF t SKIP LOCKED",
            lease,
            now,
            limit,
            what,
        )
        .await?;
        tx.commit().await.map_err(StoreError::postgres(what))?;
        Ok(out)
    }

    async fn claim_stuck_deliveries(
        &self,
        lease: &ClaimLease,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>> {
        let what = "take over deliveries left sending";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(what))?;
        let out = claim(
            &tx,
            "SELECT t.id, t.draft_id, t.idempotency_key FROM draft_targets t \
             WHERE t.status = 'sending' AND coalesce(t.claim_expires_at, 0) <= $1 \
             ORDER BY t.id LIMIT $2 \
             FOR UPDATE OF t SKIP LOCKED",
            lease,
            now,
            limit,
            what,
        )
        .await?;
        tx.commit().await.map_err(StoreError::postgres(what))?;
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        id: DeliveryId,
        owner: &str,
        outcome: DeliveryOutcome,
    ) -> StoreResult<()> {
        let what = "record a delivery";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(what))?;
        let now = to_millis(Utc::now());
        let draft = query_opt(
            &tx,
            "SELECT draft_id FROM draft_targets WHERE id = $1",
            &[&id.0],
            what,
        )
        .await?;
        let Some(draft) = draft else {
            return Err(StoreError::NotFound {
                what: "delivery",
                id: id.0,
            });
        };
        let draft: i64 = get(&draft, 0, what)?;
        // The draft's row first: finishers of one draft's targets take turns, so the last
        // one sees every other's outcome when it settles the draft.
        query_opt(
            &tx,
            "SELECT 1 FROM drafts WHERE id = $1 FOR UPDATE",
            &[&draft],
            what,
        )
        .await?;
        let held = query_opt(
            &tx,
            "SELECT 1 FROM draft_targets WHERE id = $1 AND status = 'sending' \
             AND claimed_by = $2 FOR UPDATE",
            &[&id.0, &owner],
            what,
        )
        .await?
        .is_some();
        if !held {
            return Err(lost_claim(id, owner));
        }
        match outcome {
            DeliveryOutcome::Sent {
                native_id,
                url,
                followers,
            } => {
                execute(
                    &tx,
                    "UPDATE draft_targets SET status = 'sent', native_id = $2, url = $3, \
                     sent_at = $4, last_error = NULL, next_attempt_at = NULL, \
                     claimed_by = NULL, claim_expires_at = NULL, followers = $5 WHERE id = $1",
                    &[
                        &id.0,
                        &native_id,
                        &url,
                        &now,
                        &crate::engagement::stored(followers),
                    ],
                    what,
                )
                .await?
            }
            DeliveryOutcome::Retry { at, error } => {
                execute(
                    &tx,
                    "UPDATE draft_targets SET status = 'pending', next_attempt_at = $2, \
                     last_error = $3, claimed_by = NULL, claim_expires_at = NULL WHERE id = $1",
                    &[&id.0, &to_millis(at), &error],
                    what,
                )
                .await?
            }
            DeliveryOutcome::Failed { error } => {
                execute(
                    &tx,
                    "UPDATE draft_targets SET status = 'failed', next_attempt_at = NULL, \
                     last_error = $2, claimed_by = NULL, claim_expires_at = NULL WHERE id = $1",
                    &[&id.0, &error],
                    what,
                )
                .await?
            }
        };
        let counts = query_opt(
            &tx,
            "SELECT count(*) FILTER (WHERE status IN ('waiting', 'pending', 'sending')), \
             count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'sent') \
             FROM draft_targets WHERE draft_id = $1",
            &[&draft],
            what,
        )
        .await?
        .ok_or_else(|| StoreError::Worker("counting a draft's targets returned no row".into()))?;
        let (open, failed, sent): (i64, i64, i64) = (
            get(&counts, 0, what)?,
            get(&counts, 1, what)?,
            get(&counts, 2, what)?,
        );
        let settled = if open > 0 {
            None
        } else if failed > 0 {
            Some("failed")
        } else if sent > 0 {
            Some("sent")
        } else {
            None
        };
        if let Some(status) = settled {
            execute(
                &tx,
                "UPDATE drafts SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'sending'",
                &[&draft, &status, &now],
                what,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::postgres(what))?;
        Ok(())
    }
}
