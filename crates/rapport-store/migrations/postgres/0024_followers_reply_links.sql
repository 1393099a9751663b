-- PostgreSQL 0024, as SQLite 0019: the account's follower count when a post was sent, and
-- short links in inbox replies; plus change notifications for the campaign pages.
--
-- `draft_targets.followers` is what the network reported (`Publisher::followers`) just
-- before the post went out; NULL when it could not be read or the network has no such
-- count. Campaign pages divide engagement by it (per 1,000 followers), never by NULL or 0.
ALTER TABLE draft_targets ADD COLUMN followers bigint;

-- A short link in an inbox reply belongs to the reply's idempotency key (the reply is
-- recorded after its links are made) instead of a delivery: the same key and URL position
-- always give the same link, so a retried reply sends the same text. NULL keys (the links
-- of scheduled posts) never collide.
ALTER TABLE short_links ADD COLUMN reply_key text;
CREATE UNIQUE INDEX short_links_reply ON short_links(workspace_id, reply_key, position);

-- Live campaign pages: deliveries, engagement readings, short links, clicks and campaigns
-- notify `rapport_changes` like the tables of 0014_change_notify.sql (once per statement,
-- at commit, with the schema as payload).
CREATE TRIGGER draft_targets_notify AFTER INSERT OR UPDATE OR DELETE ON draft_targets
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER engagement_samples_notify AFTER INSERT OR UPDATE OR DELETE ON engagement_samples
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER engagement_stops_notify AFTER INSERT OR UPDATE OR DELETE ON engagement_stops
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER short_links_notify AFTER INSERT OR UPDATE OR DELETE ON short_links
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER link_clicks_notify AFTER INSERT OR UPDATE OR DELETE ON link_clicks
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER campaigns_notify AFTER INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER campaign_drafts_notify AFTER INSERT OR UPDATE OR DELETE ON campaign_drafts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
