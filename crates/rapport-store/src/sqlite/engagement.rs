//! [`EngagementStore`] on SQLite (migrations `0017_engagement.sql` and
//! `0019_followers_reply_links.sql`); the SQL is shared with
//! PostgreSQL (`crate::engagement::sql`), its `$N` placeholders read as `?N`.

use super::SqliteStore;
use crate::codec::{from_millis, to_millis};
use crate::engagement::{
    count, sql, stored, Campaign, CampaignId, CampaignPost, Counts, DraftCampaign,
    EngagementSample, EngagementStore, LinkSettings, NewReplyLink, NewShortLink, SampledTarget,
    ShortLink,
};
use crate::publishing::{DeliveryId, DraftId, PublishAccountId};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{Timestamp, WorkspaceId};
use rusqlite::{params, Connection, OptionalExtension, Row};

fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

fn sample_from_row(r: &Row<'_>) -> rusqlite::Result<(i64, i64, [Option<i64>; 5])> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
    ))
}

fn sample(row: (i64, i64, [Option<i64>; 5])) -> StoreResult<EngagementSample> {
    let (delivery, at, c) = row;
    Ok(EngagementSample {
        delivery_id: DeliveryId(delivery),
        sampled_at: from_millis(at, "engagement_samples", "sampled_at")?,
        likes: count(c[0]),
        reposts: count(c[1]),
        replies: count(c[2]),
        quotes: count(c[3]),
        impressions: count(c[4]),
    })
}

type LinkRow = (i64, String, i64, Option<i64>, i64, String, i64);

fn link_from_row(r: &Row<'_>) -> rusqlite::Result<LinkRow> {
    TryFrom::try_from(r)
}

fn link(row: LinkRow) -> StoreResult<ShortLink> {
    let (id, code, ws, delivery, position, destination, created) = row;
    Ok(ShortLink {
        id,
        code,
        workspace_id: WorkspaceId(ws),
        delivery_id: delivery.map(DeliveryId),
        position: u32::try_from(position).unwrap_or(0),
        destination,
        created_at: from_millis(created, "short_links", "created_at")?,
    })
}

type CampaignRow = (i64, i64, String, String, i64);

fn campaign_from_row(r: &Row<'_>) -> rusqlite::Result<CampaignRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn campaign(row: CampaignRow) -> StoreResult<Campaign> {
    let (id, ws, name, slug, created) = row;
    Ok(Campaign {
        id: CampaignId(id),
        workspace_id: WorkspaceId(ws),
        name,
        slug,
        created_at: from_millis(created, "campaigns", "created_at")?,
    })
}

fn latest(conn: &Connection, delivery: i64) -> StoreResult<Option<EngagementSample>> {
    conn.prepare_cached(&q(sql::LATEST))
        .and_then(|mut stmt| stmt.query_row([delivery], sample_from_row).optional())
        .map_err(StoreError::sqlite("read the latest engagement sample"))?
        .map(sample)
        .transpose()
}

#[async_trait]
impl EngagementStore for SqliteStore {
    async fn sampled_targets(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<SampledTarget>> {
        self.with_reader(move |conn| {
            const CONTEXT: &str = "read the targets to sample";
            type Raw = (i64, i64, i64, String, String, String, i64, Option<i64>);
            let mut stmt = conn
                .prepare_cached(&q(sql::SAMPLED_TARGETS))
                .map_err(StoreError::sqlite(CONTEXT))?;
            let rows: Vec<Raw> = stmt
                .query_map(
                    params![to_millis(since), i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| TryFrom::try_from(r),
                )
                .map_err(StoreError::sqlite(CONTEXT))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite(CONTEXT))?;
            rows.into_iter()
                .map(|(id, ws, account, kind, settings, native, sent, last)| {
                    Ok(SampledTarget {
                        delivery_id: DeliveryId(id),
                        workspace_id: WorkspaceId(ws),
                        account_id: PublishAccountId(account),
                        account_kind: kind,
                        account_settings: serde_json::from_str(&settings).map_err(|e| {
                            StoreError::Corrupt {
                                table: "publish_accounts",
                                column: "settings",
                                message: e.to_string(),
                            }
                        })?,
                        native_id: native,
                        sent_at: from_millis(sent, "draft_targets", "sent_at")?,
                        last_slot: last,
                    })
                })
                .collect()
        })
        .await
    }

    async fn claim_sample_slot(
        &self,
        delivery: DeliveryId,
        slot: i64,
        owner: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let owner = owner.to_string();
        self.with_writer(move |w| {
            let inserted = w
                .conn
                .execute(
                    &q(sql::CLAIM_SLOT),
                    params![delivery.0, slot, owner, to_millis(now)],
                )
                .map_err(StoreError::sqlite("claim an engagement sample"))?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn record_sample(
        &self,
        delivery: DeliveryId,
        slot: i64,
        at: Timestamp,
        counts: Counts,
    ) -> StoreResult<()> {
        self.with_writer(move |w| {
            w.conn
                .execute(
                    &q(sql::RECORD_SAMPLE),
                    params![
                        delivery.0,
                        slot,
                        to_millis(at),
                        stored(counts.likes),
                        stored(counts.reposts),
                        stored(counts.replies),
                        stored(counts.quotes),
                        stored(counts.impressions),
                    ],
                )
                .map_err(StoreError::sqlite("record an engagement sample"))?;
            Ok(())
        })
        .await
    }

    async fn stop_sampling(
        &self,
        delivery: DeliveryId,
        reason: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        let reason = reason.to_string();
        self.with_writer(move |w| {
            w.conn
                .execute(&q(sql::STOP), params![delivery.0, reason, to_millis(at)])
                .map_err(StoreError::sqlite("stop sampling a post"))?;
            Ok(())
        })
        .await
    }

    async fn sampling_stopped(&self, delivery: DeliveryId) -> StoreResult<Option<String>> {
        self.with_reader(move |conn| {
            conn.query_row(&q(sql::STOPPED), [delivery.0], |r| r.get(0))
                .optional()
                .map_err(StoreError::sqlite("read why sampling stopped"))
        })
        .await
    }

    async fn latest_sample(&self, delivery: DeliveryId) -> StoreResult<Option<EngagementSample>> {
        self.with_reader(move |conn| latest(conn, delivery.0)).await
    }

    async fn sample_series(&self, delivery: DeliveryId) -> StoreResult<Vec<EngagementSample>> {
        self.with_reader(move |conn| {
            const CONTEXT: &str = "read engagement samples";
            let mut stmt = conn
                .prepare_cached(&q(sql::SERIES))
                .map_err(StoreError::sqlite(CONTEXT))?;
            let rows: Vec<_> = stmt
                .query_map([delivery.0], sample_from_row)
                .map_err(StoreError::sqlite(CONTEXT))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite(CONTEXT))?;
            rows.into_iter().map(sample).collect()
        })
        .await
    }

    async fn link_settings(&self, workspace: WorkspaceId) -> StoreResult<LinkSettings> {
        self.with_reader(move |conn| {
            let row = conn
                .query_row(&q(sql::LINK_SETTINGS), [workspace.0], |r| {
                    Ok(LinkSettings {
                        enabled: r.get(0)?,
                        base_url: r.get(1)?,
                        utm_medium: r.get(2)?,
                    })
                })
                .optional()
                .map_err(StoreError::sqlite("read link settings"))?;
            Ok(row.unwrap_or_default())
        })
        .await
    }

    async fn set_link_settings(
        &self,
        workspace: WorkspaceId,
        settings: &LinkSettings,
    ) -> StoreResult<()> {
        let settings = settings.clone();
        self.with_writer(move |w| {
            w.conn
                .execute(
                    &q(sql::SET_LINK_SETTINGS),
                    params![
                        workspace.0,
                        settings.enabled,
                        settings.base_url,
                        settings.utm_medium
                    ],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        what: "workspace",
                        id: workspace.0,
                    },
                    _ => StoreError::sqlite("save link settings")(e),
                })?;
            Ok(())
        })
        .await
    }

    async fn short_link_for(&self, new: NewShortLink) -> StoreResult<ShortLink> {
        self.with_writer(move |w| {
            const CONTEXT: &str = "make a short link";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(CONTEXT))?;
            tx.execute(
                &q(sql::INSERT_LINK),
                params![
                    new.code,
                    new.workspace_id.0,
                    new.delivery_id.0,
                    i64::from(new.position),
                    new.destination,
                    to_millis(Utc::now()),
                ],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict {
                    what: "short link",
                    value: new.code.clone(),
                },
                _ => StoreError::sqlite(CONTEXT)(e),
            })?;
            let row = tx
                .query_row(
                    &q(sql::LINK_AT),
                    params![new.delivery_id.0, i64::from(new.position)],
                    link_from_row,
                )
                .map_err(StoreError::sqlite(CONTEXT))?;
            tx.commit().map_err(StoreError::sqlite(CONTEXT))?;
            link(row)
        })
        .await
    }

    async fn reply_link_for(&self, new: NewReplyLink) -> StoreResult<ShortLink> {
        self.with_writer(move |w| {
            const CONTEXT: &str = "make a reply's short link";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(CONTEXT))?;
            tx.execute(
                &q(sql::INSERT_REPLY_LINK),
                params![
                    new.code,
                    new.workspace_id.0,
                    new.reply_key,
                    i64::from(new.position),
                    new.destination,
                    to_millis(Utc::now()),
                ],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict {
                    what: "short link",
                    value: new.code.clone(),
                },
                _ => StoreError::sqlite(CONTEXT)(e),
            })?;
            let row = tx
                .query_row(
                    &q(sql::REPLY_LINK_AT),
                    params![new.workspace_id.0, new.reply_key, i64::from(new.position)],
                    link_from_row,
                )
                .map_err(StoreError::sqlite(CONTEXT))?;
            tx.commit().map_err(StoreError::sqlite(CONTEXT))?;
            link(row)
        })
        .await
    }

    async fn short_link(&self, code: &str) -> StoreResult<Option<ShortLink>> {
        let code = code.to_string();
        self.with_reader(move |conn| {
            conn.query_row(&q(sql::LINK_BY_CODE), [code], link_from_row)
                .optional()
                .map_err(StoreError::sqlite("read a short link"))?
                .map(link)
                .transpose()
        })
        .await
    }

    async fn record_click(&self, link: i64, hour: Timestamp, preview: bool) -> StoreResult<()> {
        self.with_writer(move |w| {
            let (clicks, previews) = if preview { (0, 1) } else { (1, 0) };
            w.conn
                .execute(
                    &q(sql::CLICK),
                    params![link, to_millis(hour), clicks, previews],
                )
                .map_err(StoreError::sqlite("count a click"))?;
            Ok(())
        })
        .await
    }

    async fn link_clicks(&self, link: i64) -> StoreResult<Vec<(Timestamp, u64, u64)>> {
        self.with_reader(move |conn| {
            const CONTEXT: &str = "read a link's clicks";
            let mut stmt = conn
                .prepare_cached(&q(sql::CLICKS))
                .map_err(StoreError::sqlite(CONTEXT))?;
            let rows: Vec<(i64, i64, i64)> = stmt
                .query_map([link], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(StoreError::sqlite(CONTEXT))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite(CONTEXT))?;
            rows.into_iter()
                .map(|(hour, clicks, previews)| {
                    Ok((
                        from_millis(hour, "link_clicks", "hour")?,
                        count(Some(clicks)).unwrap_or(0),
                        count(Some(previews)).unwrap_or(0),
                    ))
                })
                .collect()
        })
        .await
    }

    async fn create_campaign(
        &self,
        workspace: WorkspaceId,
        name: &str,
        slug: &str,
    ) -> StoreResult<Campaign> {
        let (name, slug) = (name.to_string(), slug.to_string());
        self.with_writer(move |w| {
            let row = w
                .conn
                .query_row(
                    &q(sql::CREATE_CAMPAIGN),
                    params![workspace.0, name, slug, to_millis(Utc::now())],
                    campaign_from_row,
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation)
                        if e.to_string().contains("UNIQUE") =>
                    {
                        StoreError::Conflict {
                            what: "campaign",
                            value: slug.clone(),
                        }
                    }
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        what: "workspace",
                        id: workspace.0,
                    },
                    _ => StoreError::sqlite("create a campaign")(e),
                })?;
            campaign(row)
        })
        .await
    }

    async fn campaigns(&self, workspace: WorkspaceId) -> StoreResult<Vec<Campaign>> {
        self.with_reader(move |conn| {
            const CONTEXT: &str = "read campaigns";
            let mut stmt = conn
                .prepare_cached(&q(sql::CAMPAIGNS))
                .map_err(StoreError::sqlite(CONTEXT))?;
            let rows: Vec<CampaignRow> = stmt
                .query_map([workspace.0], campaign_from_row)
                .map_err(StoreError::sqlite(CONTEXT))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite(CONTEXT))?;
            rows.into_iter().map(campaign).collect()
        })
        .await
    }

    async fn campaign(
        &self,
        workspace: WorkspaceId,
        id: CampaignId,
    ) -> StoreResult<Option<Campaign>> {
        self.with_reader(move |conn| {
            conn.query_row(
                &q(sql::CAMPAIGN),
                params![workspace.0, id.0],
                campaign_from_row,
            )
            .optional()
            .map_err(StoreError::sqlite("read a campaign"))?
            .map(campaign)
            .transpose()
        })
        .await
    }

    async fn set_draft_campaign(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
        target: Option<(CampaignId, &str)>,
    ) -> StoreResult<()> {
        let target = target.map(|(c, v)| (c, v.to_string()));
        self.with_writer(move |w| {
            const CONTEXT: &str = "put a draft in a campaign";
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::sqlite(CONTEXT))?;
            let found: Option<i64> = tx
                .query_row(
                    &q(sql::DRAFT_OF_WORKSPACE),
                    params![draft.0, workspace.0],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sqlite(CONTEXT))?;
            if found.is_none() {
                return Err(StoreError::NotFound {
                    what: "draft",
                    id: draft.0,
                });
            }
            match target {
                None => {
                    tx.execute(&q(sql::CLEAR_DRAFT_CAMPAIGN), [draft.0])
                        .map_err(StoreError::sqlite(CONTEXT))?;
                }
                Some((campaign_id, variant)) => {
                    let exists = tx
                        .query_row(
                            &q(sql::CAMPAIGN),
                            params![workspace.0, campaign_id.0],
                            |r| r.get::<_, i64>(0),
                        )
                        .optional()
                        .map_err(StoreError::sqlite(CONTEXT))?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound {
                            what: "campaign",
                            id: campaign_id.0,
                        });
                    }
                    tx.execute(
                        &q(sql::SET_DRAFT_CAMPAIGN),
                        params![draft.0, campaign_id.0, variant],
                    )
                    .map_err(StoreError::sqlite(CONTEXT))?;
                }
            }
            tx.commit().map_err(StoreError::sqlite(CONTEXT))
        })
        .await
    }

    async fn draft_campaign(&self, draft: DraftId) -> StoreResult<Option<DraftCampaign>> {
        self.with_reader(move |conn| {
            let row = conn
                .query_row(&q(sql::DRAFT_CAMPAIGN), [draft.0], |r| {
                    Ok((campaign_from_row(r)?, r.get::<_, String>(5)?))
                })
                .optional()
                .map_err(StoreError::sqlite("read a draft's campaign"))?;
            row.map(|(c, variant)| {
                Ok(DraftCampaign {
                    campaign: campaign(c)?,
                    variant,
                })
            })
            .transpose()
        })
        .await
    }

    async fn campaign_posts(
        &self,
        workspace: WorkspaceId,
        campaign_id: CampaignId,
    ) -> StoreResult<Vec<CampaignPost>> {
        self.with_reader(move |conn| {
            const CONTEXT: &str = "read a campaign's posts";
            type Raw = (i64, String, i64, String, String, i64, Option<i64>, i64, i64);
            let mut stmt = conn
                .prepare_cached(&q(sql::CAMPAIGN_POSTS))
                .map_err(StoreError::sqlite(CONTEXT))?;
            let rows: Vec<Raw> = stmt
                .query_map(params![workspace.0, campaign_id.0], |r| {
                    TryFrom::try_from(r)
                })
                .map_err(StoreError::sqlite(CONTEXT))?
                .collect::<Result<_, _>>()
                .map_err(StoreError::sqlite(CONTEXT))?;
            rows.into_iter()
                .map(
                    |(
                        draft,
                        variant,
                        delivery,
                        kind,
                        native,
                        sent,
                        followers,
                        clicks,
                        previews,
                    )| {
                        Ok(CampaignPost {
                            draft_id: DraftId(draft),
                            variant,
                            delivery_id: DeliveryId(delivery),
                            account_kind: kind,
                            native_id: native,
                            sent_at: from_millis(sent, "draft_targets", "sent_at")?,
                            latest: latest(conn, delivery)?,
                            clicks: count(Some(clicks)).unwrap_or(0),
                            previews: count(Some(previews)).unwrap_or(0),
                            followers: count(followers),
                        })
                    },
                )
                .collect()
        })
        .await
    }
}
