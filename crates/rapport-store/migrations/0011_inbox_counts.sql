-- Items per workspace and status, kept by triggers so the inbox's filter counts are one
-- indexed read instead of a count over every item (the inbox page under load).
CREATE TABLE inbox_status_counts (
    workspace_id  INTEGER NOT NULL,
    status        TEXT NOT NULL,
    items         INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, status)
) WITHOUT ROWID;

INSERT INTO inbox_status_counts (workspace_id, status, items)
    SELECT workspace_id, status, count(*) FROM inbox_items GROUP BY workspace_id, status;

CREATE TRIGGER inbox_counts_insert AFTER INSERT ON inbox_items BEGIN
    INSERT INTO inbox_status_counts (workspace_id, status, items)
        VALUES (NEW.workspace_id, NEW.status, 1)
        ON CONFLICT (workspace_id, status) DO UPDATE SET items = items + 1;
END;

CREATE TRIGGER inbox_counts_delete AFTER DELETE ON inbox_items BEGIN
    UPDATE inbox_status_counts SET items = items - 1
        WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
END;

CREATE TRIGGER inbox_counts_move AFTER UPDATE OF status, workspace_id ON inbox_items
    WHEN OLD.status IS NOT NEW.status OR OLD.workspace_id IS NOT NEW.workspace_id
BEGIN
    UPDATE inbox_status_counts SET items = items - 1
        WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
    INSERT INTO inbox_status_counts (workspace_id, status, items)
        VALUES (NEW.workspace_id, NEW.status, 1)
        ON CONFLICT (workspace_id, status) DO UPDATE SET items = items + 1;
END;
