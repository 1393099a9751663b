-- rapport schema: images attached to drafts, kept in the database (bytes and all) so any
-- server of a cluster can send them. The type is sniffed from the bytes when uploaded.
CREATE TABLE draft_media (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    draft_id      INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    mime          TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    alt           TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL,
    bytes         BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX draft_media_draft ON draft_media(draft_id, id);
