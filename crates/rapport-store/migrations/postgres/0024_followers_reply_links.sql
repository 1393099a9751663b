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
-- notify `rapport_changes` like the tables of 0014_change_notify.sql (at commit, with the
-- schema as payload), but only for statements that changed rows: the scheduler's and the
-- sampler's claims run every few seconds and mostly find nothing, which must not wake
-- every live page. Each event has its own trigger (a transition table per event).
CREATE FUNCTION rapport_notify_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        PERFORM pg_notify('rapport_changes', TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER draft_targets_notify_insert AFTER INSERT ON draft_targets
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER draft_targets_notify_update AFTER UPDATE ON draft_targets
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER draft_targets_notify_delete AFTER DELETE ON draft_targets
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER engagement_samples_notify_insert AFTER INSERT ON engagement_samples
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER engagement_samples_notify_update AFTER UPDATE ON engagement_samples
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER engagement_samples_notify_delete AFTER DELETE ON engagement_samples
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER engagement_stops_notify_insert AFTER INSERT ON engagement_stops
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER engagement_stops_notify_update AFTER UPDATE ON engagement_stops
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER engagement_stops_notify_delete AFTER DELETE ON engagement_stops
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER short_links_notify_insert AFTER INSERT ON short_links
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER short_links_notify_update AFTER UPDATE ON short_links
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER short_links_notify_delete AFTER DELETE ON short_links
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER link_clicks_notify_insert AFTER INSERT ON link_clicks
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER link_clicks_notify_update AFTER UPDATE ON link_clicks
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER link_clicks_notify_delete AFTER DELETE ON link_clicks
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER campaigns_notify_insert AFTER INSERT ON campaigns
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER campaigns_notify_update AFTER UPDATE ON campaigns
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER campaigns_notify_delete AFTER DELETE ON campaigns
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();

CREATE TRIGGER campaign_drafts_notify_insert AFTER INSERT ON campaign_drafts
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER campaign_drafts_notify_update AFTER UPDATE ON campaign_drafts
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
CREATE TRIGGER campaign_drafts_notify_delete AFTER DELETE ON campaign_drafts
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_rows();
