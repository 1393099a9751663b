-- Live pages on PostgreSQL: every statement that changes what the dashboard shows sends a
-- notification on channel `rapport_changes`, whose payload is the schema written to, so
-- several rapport deployments (or test schemas) in one database do not wake each other.
-- NOTIFY is transactional (sent at commit, never for a rolled-back write) and folds
-- identical notifications of one transaction into one, so a batch costs one message.
-- PostgresStore::watch_changes listens.
CREATE OR REPLACE FUNCTION rapport_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rapport_changes', TG_TABLE_SCHEMA);
    RETURN NULL;
END $$;

CREATE TRIGGER posts_notify AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER mentions_notify AFTER INSERT OR UPDATE OR DELETE ON mentions
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER monitors_notify AFTER INSERT OR UPDATE OR DELETE ON monitors
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER workspaces_notify AFTER INSERT OR UPDATE OR DELETE ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER inbox_items_notify AFTER INSERT OR UPDATE OR DELETE ON inbox_items
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER inbox_events_notify AFTER INSERT OR UPDATE OR DELETE ON inbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER inbox_notes_notify AFTER INSERT OR UPDATE OR DELETE ON inbox_notes
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER inbox_replies_notify AFTER INSERT OR UPDATE OR DELETE ON inbox_replies
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER rollup_hourly_notify AFTER INSERT OR UPDATE OR DELETE ON rollup_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER sources_notify AFTER INSERT OR UPDATE OR DELETE ON sources
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
CREATE TRIGGER source_state_notify AFTER INSERT OR UPDATE OR DELETE ON source_state
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_notify_change();
