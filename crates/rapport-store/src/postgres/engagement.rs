//! [`EngagementStore`] for [`PostgresStore`] (migrations `postgres/0020_engagement.sql` and
//! `postgres/0024_followers_reply_links.sql`), with
//! SQLite's SQL (`crate::engagement::sql`). A sample slot is claimed by one
//! `INSERT ... ON CONFLICT DO NOTHING`, so of several servers one asks the network.

use super::write::is_unique_violation;
use super::{execute, get, limit_value, query, query_opt, PostgresStore};
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
use tokio_postgres::Row;

fn sample(row: &Row, context: &'static str) -> StoreResult<EngagementSample> {
    Ok(EngagementSample {
        delivery_id: DeliveryId(get(row, 0, context)?),
        sampled_at: from_millis(get(row, 1, context)?, "engagement_samples", "sampled_at")?,
        likes: count(get(row, 2, context)?),
        reposts: count(get(row, 3, context)?),
        replies: count(get(row, 4, context)?),
        quotes: count(get(row, 5, context)?),
        impressions: count(get(row, 6, context)?),
    })
}

fn link(row: &Row, context: &'static str) -> StoreResult<ShortLink> {
    Ok(ShortLink {
        id: get(row, 0, context)?,
        code: get(row, 1, context)?,
        workspace_id: WorkspaceId(get(row, 2, context)?),
        delivery_id: get::<Option<i64>>(row, 3, context)?.map(DeliveryId),
        position: u32::try_from(get::<i64>(row, 4, context)?).unwrap_or(0),
        destination: get(row, 5, context)?,
        created_at: from_millis(get(row, 6, context)?, "short_links", "created_at")?,
    })
}

fn campaign(row: &Row, context: &'static str) -> StoreResult<Campaign> {
    Ok(Campaign {
        id: CampaignId(get(row, 0, context)?),
        workspace_id: WorkspaceId(get(row, 1, context)?),
        name: get(row, 2, context)?,
        slug: get(row, 3, context)?,
        created_at: from_millis(get(row, 4, context)?, "campaigns", "created_at")?,
    })
}

#[async_trait]
impl EngagementStore for PostgresStore {
    async fn sampled_targets(
        &self,
        since: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<SampledTarget>> {
        const CONTEXT: &str = "read the targets to sample";
        let rows = query(
            &self.client().await?,
            sql::SAMPLED_TARGETS,
            &[&to_millis(since), &limit_value(limit)],
            CONTEXT,
        )
        .await?;
        rows.iter()
            .map(|row| {
                let settings: String = get(row, 4, CONTEXT)?;
                Ok(SampledTarget {
                    delivery_id: DeliveryId(get(row, 0, CONTEXT)?),
                    workspace_id: WorkspaceId(get(row, 1, CONTEXT)?),
                    account_id: PublishAccountId(get(row, 2, CONTEXT)?),
                    account_kind: get(row, 3, CONTEXT)?,
                    account_settings: serde_json::from_str(&settings).map_err(|e| {
                        StoreError::Corrupt {
                            table: "publish_accounts",
                            column: "settings",
                            message: e.to_string(),
                        }
                    })?,
                    native_id: get(row, 5, CONTEXT)?,
                    sent_at: from_millis(get(row, 6, CONTEXT)?, "draft_targets", "sent_at")?,
                    last_slot: get(row, 7, CONTEXT)?,
                })
            })
            .collect()
    }

    async fn claim_sample_slot(
        &self,
        delivery: DeliveryId,
        slot: i64,
        owner: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let inserted = execute(
            &self.client().await?,
            sql::CLAIM_SLOT,
            &[&delivery.0, &slot, &owner, &to_millis(now)],
            "claim an engagement sample",
        )
        .await?;
        Ok(inserted == 1)
    }

    async fn record_sample(
        &self,
        delivery: DeliveryId,
        slot: i64,
        at: Timestamp,
        counts: Counts,
    ) -> StoreResult<()> {
        execute(
            &self.client().await?,
            sql::RECORD_SAMPLE,
            &[
                &delivery.0,
                &slot,
                &to_millis(at),
                &stored(counts.likes),
                &stored(counts.reposts),
                &stored(counts.replies),
                &stored(counts.quotes),
                &stored(counts.impressions),
            ],
            "record an engagement sample",
        )
        .await?;
        Ok(())
    }

    async fn stop_sampling(
        &self,
        delivery: DeliveryId,
        reason: &str,
        at: Timestamp,
    ) -> StoreResult<()> {
        execute(
            &self.client().await?,
            sql::STOP,
            &[&delivery.0, &reason, &to_millis(at)],
            "stop sampling a post",
        )
        .await?;
        Ok(())
    }

    async fn sampling_stopped(&self, delivery: DeliveryId) -> StoreResult<Option<String>> {
        const CONTEXT: &str = "read why sampling stopped";
        let row = query_opt(&self.client().await?, sql::STOPPED, &[&delivery.0], CONTEXT).await?;
        row.map(|row| get(&row, 0, CONTEXT)).transpose()
    }

    async fn latest_sample(&self, delivery: DeliveryId) -> StoreResult<Option<EngagementSample>> {
        const CONTEXT: &str = "read the latest engagement sample";
        let row = query_opt(&self.client().await?, sql::LATEST, &[&delivery.0], CONTEXT).await?;
        row.map(|row| sample(&row, CONTEXT)).transpose()
    }

    async fn sample_series(&self, delivery: DeliveryId) -> StoreResult<Vec<EngagementSample>> {
        const CONTEXT: &str = "read engagement samples";
        let rows = query(&self.client().await?, sql::SERIES, &[&delivery.0], CONTEXT).await?;
        rows.iter().map(|row| sample(row, CONTEXT)).collect()
    }

    async fn link_settings(&self, workspace: WorkspaceId) -> StoreResult<LinkSettings> {
        const CONTEXT: &str = "read link settings";
        let row = query_opt(
            &self.client().await?,
            sql::LINK_SETTINGS,
            &[&workspace.0],
            CONTEXT,
        )
        .await?;
        match row {
            None => Ok(LinkSettings::default()),
            Some(row) => Ok(LinkSettings {
                enabled: get(&row, 0, CONTEXT)?,
                base_url: get(&row, 1, CONTEXT)?,
                utm_medium: get(&row, 2, CONTEXT)?,
            }),
        }
    }

    async fn set_link_settings(
        &self,
        workspace: WorkspaceId,
        settings: &LinkSettings,
    ) -> StoreResult<()> {
        let done = execute(
            &self.client().await?,
            sql::SET_LINK_SETTINGS,
            &[
                &workspace.0,
                &settings.enabled,
                &settings.base_url,
                &settings.utm_medium,
            ],
            "save link settings",
        )
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(StoreError::Postgres { source, .. })
                if source.code()
                    == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) =>
            {
                Err(StoreError::NotFound {
                    what: "workspace",
                    id: workspace.0,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn short_link_for(&self, new: NewShortLink) -> StoreResult<ShortLink> {
        const CONTEXT: &str = "make a short link";
        let client = self.client().await?;
        let inserted = execute(
            &client,
            sql::INSERT_LINK,
            &[
                &new.code,
                &new.workspace_id.0,
                &new.delivery_id.0,
                &i64::from(new.position),
                &new.destination,
                &to_millis(Utc::now()),
            ],
            CONTEXT,
        )
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: "short link",
                    value: new.code,
                })
            }
            Err(e) => return Err(e),
        }
        let row = query_opt(
            &client,
            sql::LINK_AT,
            &[&new.delivery_id.0, &i64::from(new.position)],
            CONTEXT,
        )
        .await?
        .ok_or(StoreError::NotFound {
            what: "delivery",
            id: new.delivery_id.0,
        })?;
        link(&row, CONTEXT)
    }

    async fn reply_link_for(&self, new: NewReplyLink) -> StoreResult<ShortLink> {
        const CONTEXT: &str = "make a reply's short link";
        let client = self.client().await?;
        let inserted = execute(
            &client,
            sql::INSERT_REPLY_LINK,
            &[
                &new.code,
                &new.workspace_id.0,
                &new.reply_key,
                &i64::from(new.position),
                &new.destination,
                &to_millis(Utc::now()),
            ],
            CONTEXT,
        )
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: "short link",
                    value: new.code,
                })
            }
            Err(e) => return Err(e),
        }
        let row = query_opt(
            &client,
            sql::REPLY_LINK_AT,
            &[
                &new.workspace_id.0,
                &new.reply_key,
                &i64::from(new.position),
            ],
            CONTEXT,
        )
        .await?
        .ok_or_else(|| StoreError::Worker(format!("{CONTEXT}: the link was not stored")))?;
        link(&row, CONTEXT)
    }

    async fn short_link(&self, code: &str) -> StoreResult<Option<ShortLink>> {
        const CONTEXT: &str = "read a short link";
        let row = query_opt(&self.client().await?, sql::LINK_BY_CODE, &[&code], CONTEXT).await?;
        row.map(|row| link(&row, CONTEXT)).transpose()
    }

    async fn record_click(&self, link: i64, hour: Timestamp, preview: bool) -> StoreResult<()> {
        let (clicks, previews): (i64, i64) = if preview { (0, 1) } else { (1, 0) };
        execute(
            &self.client().await?,
            sql::CLICK,
            &[&link, &to_millis(hour), &clicks, &previews],
            "count a click",
        )
        .await?;
        Ok(())
    }

    async fn link_clicks(&self, link: i64) -> StoreResult<Vec<(Timestamp, u64, u64)>> {
        const CONTEXT: &str = "read a link's clicks";
        let rows = query(&self.client().await?, sql::CLICKS, &[&link], CONTEXT).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    from_millis(get(row, 0, CONTEXT)?, "link_clicks", "hour")?,
                    count(get(row, 1, CONTEXT)?).unwrap_or(0),
                    count(get(row, 2, CONTEXT)?).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn create_campaign(
        &self,
        workspace: WorkspaceId,
        name: &str,
        slug: &str,
    ) -> StoreResult<Campaign> {
        const CONTEXT: &str = "create a campaign";
        let row = query_opt(
            &self.client().await?,
            sql::CREATE_CAMPAIGN,
            &[&workspace.0, &name, &slug, &to_millis(Utc::now())],
            CONTEXT,
        )
        .await;
        match row {
            Ok(Some(row)) => campaign(&row, CONTEXT),
            Ok(None) => Err(StoreError::Worker(
                "creating a campaign returned no row".into(),
            )),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                what: "campaign",
                value: slug.to_string(),
            }),
            Err(StoreError::Postgres { source, .. })
                if source.code()
                    == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) =>
            {
                Err(StoreError::NotFound {
                    what: "workspace",
                    id: workspace.0,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn campaigns(&self, workspace: WorkspaceId) -> StoreResult<Vec<Campaign>> {
        const CONTEXT: &str = "read campaigns";
        let rows = query(
            &self.client().await?,
            sql::CAMPAIGNS,
            &[&workspace.0],
            CONTEXT,
        )
        .await?;
        rows.iter().map(|row| campaign(row, CONTEXT)).collect()
    }

    async fn campaign(
        &self,
        workspace: WorkspaceId,
        id: CampaignId,
    ) -> StoreResult<Option<Campaign>> {
        const CONTEXT: &str = "read a campaign";
        let row = query_opt(
            &self.client().await?,
            sql::CAMPAIGN,
            &[&workspace.0, &id.0],
            CONTEXT,
        )
        .await?;
        row.map(|row| campaign(&row, CONTEXT)).transpose()
    }

    async fn set_draft_campaign(
        &self,
        workspace: WorkspaceId,
        draft: DraftId,
        target: Option<(CampaignId, &str)>,
    ) -> StoreResult<()> {
        const CONTEXT: &str = "put a draft in a campaign";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres(CONTEXT))?;
        if query_opt(
            &tx,
            sql::DRAFT_OF_WORKSPACE,
            &[&draft.0, &workspace.0],
            CONTEXT,
        )
        .await?
        .is_none()
        {
            return Err(StoreError::NotFound {
                what: "draft",
                id: draft.0,
            });
        }
        match target {
            None => {
                execute(&tx, sql::CLEAR_DRAFT_CAMPAIGN, &[&draft.0], CONTEXT).await?;
            }
            Some((campaign_id, variant)) => {
                if query_opt(&tx, sql::CAMPAIGN, &[&workspace.0, &campaign_id.0], CONTEXT)
                    .await?
                    .is_none()
                {
                    return Err(StoreError::NotFound {
                        what: "campaign",
                        id: campaign_id.0,
                    });
                }
                execute(
                    &tx,
                    sql::SET_DRAFT_CAMPAIGN,
                    &[&draft.0, &campaign_id.0, &variant],
                    CONTEXT,
                )
                .await?;
            }
        }
        tx.commit().await.map_err(StoreError::postgres(CONTEXT))
    }

    async fn draft_campaign(&self, draft: DraftId) -> StoreResult<Option<DraftCampaign>> {
        const CONTEXT: &str = "read a draft's campaign";
        let row = query_opt(
            &self.client().await?,
            sql::DRAFT_CAMPAIGN,
            &[&draft.0],
            CONTEXT,
        )
        .await?;
        row.map(|row| {
            Ok(DraftCampaign {
                campaign: campaign(&row, CONTEXT)?,
                variant: get(&row, 5, CONTEXT)?,
            })
        })
        .transpose()
    }

    async fn campaign_posts(
        &self,
        workspace: WorkspaceId,
        campaign_id: CampaignId,
    ) -> StoreResult<Vec<CampaignPost>> {
        const CONTEXT: &str = "read a campaign's posts";
        let client = self.client().await?;
        let rows = query(
            &client,
            sql::CAMPAIGN_POSTS,
            &[&workspace.0, &campaign_id.0],
            CONTEXT,
        )
        .await?;
        let mut posts = Vec::with_capacity(rows.len());
        for row in &rows {
            let delivery: i64 = get(row, 2, CONTEXT)?;
            let latest = query_opt(&client, sql::LATEST, &[&delivery], CONTEXT)
                .await?
                .map(|row| sample(&row, CONTEXT))
                .transpose()?;
            posts.push(CampaignPost {
                draft_id: DraftId(get(row, 0, CONTEXT)?),
                variant: get(row, 1, CONTEXT)?,
                delivery_id: DeliveryId(delivery),
                account_kind: get(row, 3, CONTEXT)?,
                native_id: get(row, 4, CONTEXT)?,
                sent_at: from_millis(get(row, 5, CONTEXT)?, "draft_targets", "sent_at")?,
                latest,
                followers: count(get(row, 6, CONTEXT)?),
                clicks: count(get(row, 7, CONTEXT)?).unwrap_or(0),
                previews: count(get(row, 8, CONTEXT)?).unwrap_or(0),
            });
        }
        Ok(posts)
    }
}
