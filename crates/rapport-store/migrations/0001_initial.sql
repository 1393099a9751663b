-- rapport schema v1: workspaces, monitors, authors, posts (+ FTS5), mentions.
-- Timestamps are Unix milliseconds (UTC). Networks are their lower-case names.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE monitors (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('brand', 'product', 'competitor', 'campaign')),
    query         TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX monitors_workspace ON monitors(workspace_id);

-- One row per (network, handle); followers and display name are the latest seen.
CREATE TABLE authors (
    id            INTEGER PRIMARY KEY,
    network       TEXT NOT NULL,
    handle        TEXT NOT NULL,
    display_name  TEXT,
    followers     INTEGER,
    UNIQUE (network, handle)
);

-- A post is unique by (network, native_id). `followers` is the author's reach when the
-- post was seen, kept per post because it changes over time.
CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    network          TEXT NOT NULL,
    native_id        TEXT NOT NULL,
    author_id        INTEGER NOT NULL REFERENCES authors(id),
    created_at       INTEGER NOT NULL,
    first_seen       INTEGER NOT NULL,
    text             TEXT NOT NULL,
    title            TEXT,
    url              TEXT,
    lang             TEXT,
    reply_to         TEXT,
    conversation_id  TEXT,
    likes            INTEGER NOT NULL DEFAULT 0,
    reposts          INTEGER NOT NULL DEFAULT 0,
    replies          INTEGER NOT NULL DEFAULT 0,
    followers        INTEGER
);
CREATE UNIQUE INDEX posts_identity ON posts(network, native_id);
CREATE INDEX posts_created ON posts(created_at);

-- Full-text index over post text. External content: the text is stored once, in `posts`;
-- the store keeps the index in step inside the same transaction as the post.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    text,
    content = 'posts',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none
);

CREATE TABLE mentions (
    monitor_id       INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    post_id          INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_created_at  INTEGER NOT NULL,
    matched_at       INTEGER NOT NULL,
    PRIMARY KEY (post_id, monitor_id)
) WITHOUT ROWID;
-- The workspace's stream, newest first; and each monitor's mentions over a time range.
CREATE INDEX mentions_workspace_time ON mentions(workspace_id, post_created_at DESC);
CREATE INDEX mentions_monitor_time ON mentions(monitor_id, post_created_at);
