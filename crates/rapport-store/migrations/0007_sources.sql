-- rapport schema v4: configured sources of posts, their checkpoint and their health.
-- A source belongs to one workspace. `config` is the connector's own JSON (a URL, a query);
-- `credentials` is an AEAD-sealed blob (nonce || ciphertext), never plaintext.

CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    config        TEXT NOT NULL,
    credentials   BLOB,
    enabled       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

-- One row per source. The checkpoint (opaque JSON known only to the connector) is written
-- in the same transaction as the posts it covers, so it is never ahead of them.
CREATE TABLE source_state (
    source_id             INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    checkpoint            TEXT,
    last_success_at       INTEGER,
    last_error            TEXT,
    last_error_at         INTEGER,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_poll_at          INTEGER,
    posts_seen            INTEGER NOT NULL DEFAULT 0
);
